// Package assess is the check catalog (stable IDs from CONTRACT.md, the
// whitepaper step, severity) and the mail-client inventory against the
// whitepaper's Outlook tables. Everything here is a pure function of a
// tenant.Snapshot (and the access matrix built from it).
package assess

// Status of a finding.
const (
	Pass  = "pass"
	Fail  = "fail"
	Warn  = "warn"
	Info  = "info"
	Error = "error" // could not be judged: missing data or permission
)

// Severity of a check.
const (
	High         = "high"
	Medium       = "medium"
	Low          = "low"
	SeverityInfo = "info"
)

// Finding is the result of one check.
type Finding struct {
	ID       string `json:"id"`
	Step     string `json:"step,omitempty"` // whitepaper step A-F, or "" for extras
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Title    string `json:"title"`
	// Detail says what was found and what to do; for status error, which
	// role or scope is missing.
	Detail   string   `json:"detail"`
	Evidence []string `json:"evidence"`
	// Affected counts the users (or objects) the finding is about;
	// AffectedUsers lists them (UPNs, sorted).
	Affected      int      `json:"affected"`
	AffectedUsers []string `json:"affectedUsers,omitempty"`
}

// ModernAuth support of a mail client.
const (
	ModernYes         = "yes"
	ModernNo          = "no"
	ModernConditional = "conditional" // e.g. Outlook 2013 with the registry keys set
	ModernUnknown     = "unknown"
)

// ClientUse is one user's use of one mail client, classified against the
// whitepaper's supported/unsupported tables.
type ClientUse struct {
	User       string `json:"user"`     // UPN
	Platform   string `json:"platform"` // windows, macos, ios, android, linux, unknown
	Client     string `json:"client"`   // "Outlook 2010", "iOS Mail", "Outlook for iOS", ...
	Version    string `json:"version,omitempty"`
	ModernAuth string `json:"modernAuth"` // yes, no, conditional, unknown
	// Source says where it was seen: "emailAppUsage", "signIn",
	// "mobileDevice", "oktaLog", with detail (the user agent, ...).
	Source string `json:"source"`
	// TableRow names the whitepaper table row that decided ModernAuth,
	// e.g. "Table 3 (Windows): Outlook 2010 and older: not supported".
	TableRow string `json:"tableRow"`
}
