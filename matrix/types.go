// Package matrix is the access model: for every mailbox user, protocol and
// authentication method, it walks the gates a real sign-in meets (the
// platform on the date judged, the mailbox's protocol switch, the
// Exchange authentication policy, modern auth, then the identity
// providers) and gives a verdict with the chain of reasons that decided
// it. It is pure: values in, values out; no I/O, no clock.
package matrix

// Protocol is a way into a mailbox.
type Protocol string

const (
	OWA        Protocol = "owa"
	MAPI       Protocol = "mapi"
	RPC        Protocol = "rpc"
	EWS        Protocol = "ews"
	ActiveSync Protocol = "activesync"
	POP        Protocol = "pop"
	IMAP       Protocol = "imap"
	SMTP       Protocol = "smtp"
	PowerShell Protocol = "powershell"
)

// Protocols in the contract's order.
var Protocols = []Protocol{OWA, MAPI, RPC, EWS, ActiveSync, POP, IMAP, SMTP, PowerShell}

// Method is how the user authenticates.
type Method string

const (
	Basic  Method = "basic"
	Modern Method = "modern"
)

// Methods in the contract's order.
var Methods = []Method{Basic, Modern}

// Verdict is the outcome for one user, protocol and method.
type Verdict string

const (
	// Password: a password alone gets in.
	Password Verdict = "password"
	// Restricted: a password alone, but only from named network zones or
	// trusted devices.
	Restricted Verdict = "restricted"
	// Unknown: a gate's data could not be collected; the reasons say what
	// is missing. Missing data never turns into Blocked or MFA.
	Unknown Verdict = "unknown"
	// MFA: a second factor is required.
	MFA Verdict = "mfa"
	// Blocked: refused.
	Blocked Verdict = "blocked"
	// Unsupported: the service does not offer this method for this
	// protocol (on the date judged).
	Unsupported Verdict = "unsupported"
)

// Verdicts from most to least permissive: a cell shows the most
// permissive verdict among its users.
var Verdicts = []Verdict{Password, Restricted, Unknown, MFA, Blocked, Unsupported}

// Rank orders verdicts by permissiveness: 0 is the most permissive.
func (v Verdict) Rank() int {
	for i, w := range Verdicts {
		if w == v {
			return i
		}
	}
	return len(Verdicts)
}

// Gate names, in the order a sign-in meets them.
const (
	GateAccount  = "account"  // the account itself (disabled, no mailbox)
	GatePlatform = "platform" // what Exchange Online accepts on the date judged
	GateMailbox  = "mailbox"  // the mailbox's (or tenant's) protocol switch
	GatePolicy   = "policy"   // Exchange authentication policy (basic only)
	GateModern   = "modern"   // OAuth2ClientProfileEnabled (modern only)
	GateOkta     = "okta"     // Okta's Office 365 app sign-on rules (federated domains)
	GateEntra    = "entra"    // security defaults and conditional access
)

// Reason is one step in the chain that produced a verdict.
type Reason struct {
	Gate string `json:"gate"`
	// Effect is what this gate did: "allows", "blocks", "requires MFA",
	// "restricts", "unsupported", "unknown", "not applicable".
	Effect string `json:"effect"`
	Text   string `json:"text"`
	// Source cites where a platform fact comes from (timeline entries).
	Source string `json:"source,omitempty"`
}

// Access is one user's verdict for one protocol and method. Reasons may
// be shared with other users' Access: treat them as read-only.
type Access struct {
	Verdict Verdict  `json:"verdict"`
	Reasons []Reason `json:"reasons"`
}

// Reason effects: what a gate did.
const (
	EffectAllows        = "allows"
	EffectBlocks        = "blocks"
	EffectRequiresMFA   = "requires MFA"
	EffectRestricts     = "restricts"
	EffectUnsupported   = "unsupported"
	EffectUnknown       = "unknown"
	EffectNotApplicable = "not applicable"
)

// Gates in the order Evaluate walks them: the platform first (what the
// service offers on the date judged is the organisation's, not the
// user's), then the account and the gates of ARCHITECTURE.md.
var Gates = []string{GatePlatform, GateAccount, GateMailbox, GatePolicy, GateModern, GateOkta, GateEntra}

// Index returns p's position in Protocols (-1 if unknown).
func (p Protocol) Index() int {
	for i, q := range Protocols {
		if q == p {
			return i
		}
	}
	return -1
}

// Index returns m's position in Methods (-1 if unknown).
func (m Method) Index() int {
	for i, n := range Methods {
		if n == m {
			return i
		}
	}
	return -1
}
