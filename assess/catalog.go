package assess

import (
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/harden365/harden365/tenant"
)

// Options are the operator's choices that checks depend on (from
// --choices; the zero value is the default: no exceptions).
type Options struct {
	// ExceptionUsers are UPNs with a documented need for legacy protocols
	// (a scanner, a SaaS reading a mailbox over IMAP).
	ExceptionUsers []string
	// ExceptionGroup is the Okta group (name, or id) excluded from the
	// Office 365 deny-legacy rule.
	ExceptionGroup string
}

// Check describes one check in the catalog.
type Check struct {
	ID       string `json:"id"`
	Step     string `json:"step,omitempty"` // whitepaper step A-F; "" for extras
	Severity string `json:"severity"`
	Title    string `json:"title"`
}

// Check IDs (CONTRACT.md, "Stable check IDs").
const (
	IDFedDomains         = "FED-DOMAINS"
	IDExoModernAuth      = "EXO-MODERN-AUTH"
	IDExoLegacyProtocols = "EXO-LEGACY-PROTOCOLS"
	IDExoBasicAuthPolicy = "EXO-BASIC-AUTH-POLICY"
	IDOktaDenyLegacy     = "OKTA-DENY-LEGACY"
	IDOktaMFAModern      = "OKTA-MFA-MODERN"
	IDTokensRevoked      = "TOKENS-REVOKED"
	IDEntraLegacyBlock   = "ENTRA-LEGACY-BLOCK"
	IDFedMFABehavior     = "FED-MFA-BEHAVIOR"
	IDExoSMTPAuth        = "EXO-SMTP-AUTH"
	IDExoCASPlans        = "EXO-CAS-PLANS"
	IDLegacySignIns      = "LEGACY-SIGNINS"
	IDClientsLegacy      = "CLIENTS-LEGACY"
	IDOktaEngine         = "OKTA-ENGINE"
)

type entry struct {
	Check
	run func(e *env) Finding
}

// table is the catalog with each check's function, in report order: the
// whitepaper's steps A-F, then the extras.
//
// Severities of the extras (the steps' come from CONTRACT.md):
//   - ENTRA-LEGACY-BLOCK high: for users of managed (non-federated)
//     domains it is the only gate in front of legacy protocols, and for
//     federated users it is the second layer behind Okta.
//   - FED-MFA-BEHAVIOR medium: with acceptIfMfaDoneByFederatedIdp Entra
//     trusts Okta's claim but does not send users there for MFA.
//   - EXO-SMTP-AUTH medium: SMTP AUTH is the last protocol that still takes
//     basic auth (until Microsoft turns it off); it sends mail, it does not
//     read it, but it confirms passwords for spraying.
//   - EXO-CAS-PLANS low: it only decides the defaults of new mailboxes.
//   - LEGACY-SIGNINS medium: evidence that password-only paths are used.
//   - CLIENTS-LEGACY low: the impact of step D, not an exposure in itself.
//   - OKTA-ENGINE low: Classic Engine is not a weakness, it hides the rules.
func table() []entry {
	return append([]entry{
		{Check{IDFedDomains, "A", High, "Every mail domain is federated with Okta's Office 365 app"}, checkFedDomains},
		{Check{IDExoModernAuth, "B", High, "Modern authentication is enabled in Exchange Online"}, checkModernAuth},
		{Check{IDExoLegacyProtocols, "C", Medium, "POP and IMAP are off on every mailbox and in the mailbox plans"}, checkLegacyProtocols},
		{Check{IDExoBasicAuthPolicy, "D", High, "An authentication policy blocks basic auth for everyone"}, checkBasicAuthPolicy},
		{Check{IDOktaDenyLegacy, "E", High, "Okta denies legacy-auth clients to Office 365"}, checkOktaDenyLegacy},
		{Check{IDOktaMFAModern, "E", High, "Okta requires MFA for browser and modern-auth clients"}, checkOktaMFAModern},
		{Check{IDTokensRevoked, "F", Medium, "Sessions were revoked after the last change to sign-in rules"}, checkTokensRevoked},
		{Check{IDEntraLegacyBlock, "", High, "Entra ID blocks legacy authentication"}, checkEntraLegacyBlock},
		{Check{IDFedMFABehavior, "", Medium, "Federated domains make Okta enforce MFA (federatedIdpMfaBehavior)"}, checkFedMFABehavior},
		{Check{IDExoSMTPAuth, "", Medium, "SMTP AUTH is off for the tenant and every mailbox"}, checkSMTPAuth},
		{Check{IDExoCASPlans, "", Low, "Mailbox plans create new mailboxes with POP and IMAP off"}, checkCASPlans},
		{Check{IDLegacySignIns, "", Medium, "No legacy-protocol sign-ins in the last 30 days"}, checkLegacySignIns},
		{Check{IDClientsLegacy, "", Low, "No user depends on a mail client without modern auth"}, checkClientsLegacy},
		{Check{IDOktaEngine, "", Low, "The Okta org runs Identity Engine (sign-on rules readable)"}, checkOktaEngine},
	}, append(append(exoChecklistChecks(), dnsChecks()...), tlsChecks()...)...) // the Exchange checklist's tenant settings (checks_exo_checklist.go), the mail DNS checks (checks_dns.go), then the endpoint probes (checks_tls.go)
}

// Catalog returns every check, in report order (A-F, then the extras).
func Catalog() []Check {
	t := table()
	out := make([]Check, len(t))
	for i, c := range t {
		out[i] = c.Check
	}
	return out
}

// Run judges s: one Finding per catalog entry, in catalog order.
func Run(s *tenant.Snapshot, o Options) []Finding {
	out, _ := runChecks(s, o)
	return out
}

// RunWithInventory is Run, and the client inventory the checks used
// (Inventory(s)), computed once for both.
//
// The checks only read the snapshot and the indexes built for them, so
// they run on up to GOMAXPROCS workers; each finding goes to its place,
// so the result does not depend on the order they finish in.
func RunWithInventory(s *tenant.Snapshot, o Options) ([]Finding, []ClientUse) {
	out, e := runChecks(s, o)
	if e == nil {
		return out, nil
	}
	return out, e.inventory()
}

// RunReusing is Run for s, reusing inv, the inventory of base, when s
// has base's inventory inputs (the evidence and the mailboxes'
// identities, which a plan's steps do not change): the plan's impact
// judges the state after each step, and the inventory is most of a run.
func RunReusing(s *tenant.Snapshot, o Options, base *tenant.Snapshot, inv []ClientUse) []Finding {
	var known []ClientUse
	if s != nil && base != nil && SameInventoryInputs(s, base) {
		known = inv
		if known == nil {
			known = []ClientUse{}
		}
	}
	out, _ := runChecksWith(s, o, known)
	return out
}

func runChecks(s *tenant.Snapshot, o Options) ([]Finding, *env) { return runChecksWith(s, o, nil) }

// runChecksWith runs the checks; inv, when not nil, is s's inventory.
func runChecksWith(s *tenant.Snapshot, o Options, inv []ClientUse) ([]Finding, *env) {
	t := table()
	out := make([]Finding, len(t))
	if s == nil {
		for i, c := range t {
			f := Finding{Status: Error, Detail: "Cannot be judged: there is no snapshot (nothing was collected)."}
			f.ID, f.Step, f.Severity, f.Title = c.ID, c.Step, c.Severity, c.Title
			out[i] = normalise(f)
		}
		return out, nil
	}
	e := newEnv(s, o)
	if inv != nil {
		e.invOnce.Do(func() { e.inv = inv })
	}
	// The longest check first (CLIENTS-LEGACY makes the client
	// inventory, most of a run at 100,000 users), so that the others
	// share the second worker instead of waiting behind it; the
	// findings go to their places whatever the order.
	next := make(chan int, len(t))
	for i := range t {
		if t[i].ID == IDClientsLegacy {
			next <- i
		}
	}
	for i := range t {
		if t[i].ID != IDClientsLegacy {
			next <- i
		}
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(t)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c := t[i]
				f := c.run(e)
				f.ID, f.Step, f.Severity, f.Title = c.ID, c.Step, c.Severity, c.Title
				out[i] = normalise(f)
			}
		}()
	}
	wg.Wait()
	return out, e
}

// normalise sorts and de-duplicates AffectedUsers, makes Affected agree
// with it when users are listed, and never leaves Evidence nil.
func normalise(f Finding) Finding {
	if f.AffectedUsers != nil {
		// Each name lowered once (sort.Slice makes the same moves for
		// the same comparisons as on the names themselves).
		type named struct{ key, name string }
		seen := make(map[string]bool, len(f.AffectedUsers))
		var keyed []named
		for _, u := range f.AffectedUsers {
			k := strings.ToLower(u)
			if u == "" || seen[k] {
				continue
			}
			seen[k] = true
			keyed = append(keyed, named{k, u})
		}
		sort.Slice(keyed, func(i, j int) bool { return keyed[i].key < keyed[j].key })
		var users []string
		if len(keyed) > 0 {
			users = make([]string, len(keyed))
			for i, k := range keyed {
				users[i] = k.name
			}
		}
		f.AffectedUsers = users
		f.Affected = len(users)
	}
	if f.Evidence == nil {
		f.Evidence = []string{}
	}
	return f
}

// Hygiene reports whether a finding belongs to the mail-hygiene checklist
// (the Exchange security checklist: DNS, endpoint TLS and the tenant's
// settings) rather than to the whitepaper's steps and their extras. The
// report and the wizard group findings by it.
func Hygiene(f Finding) bool {
	switch {
	case f.Step != "":
		return false
	case strings.HasPrefix(f.ID, "DNS-"), strings.HasPrefix(f.ID, "TLS-"), f.ID == "AUTH-ADVERTISED":
		return true
	case f.ID == IDExoSMTPAuth, f.ID == IDExoCASPlans:
		return false
	}
	return strings.HasPrefix(f.ID, "EXO-")
}
