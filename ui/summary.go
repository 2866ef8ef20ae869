package ui

import (
	"fmt"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// Tone says how a summary value should catch the eye.
type Tone int

const (
	Neutral Tone = iota
	Good
	Attention
	Missing // not collected
)

// Fact is one line of the discovery summary.
type Fact struct {
	Label string
	Value string
	Tone  Tone
}

// Area is a titled group of facts.
type Area struct {
	Title string
	Facts []Fact
}

// Summarize states what discovery found, area by area. It judges nothing
// (that is the findings' job); a source that failed says "not collected"
// instead of a misleading zero.
func Summarize(s *tenant.Snapshot) []Area {
	fact := func(label, source string, value func() (string, Tone)) Fact {
		if !s.OK(source) {
			return Fact{Label: label, Value: "not collected", Tone: Missing}
		}
		v, t := value()
		return Fact{Label: label, Value: v, Tone: t}
	}
	onOff := func(on bool, goodWhenOn bool) (string, Tone) {
		t := Attention
		if on == goodWhenOn {
			t = Good
		}
		if on {
			return "on", t
		}
		return "off", t
	}

	entra := Area{Title: "Entra ID", Facts: []Fact{
		fact("Domains", "graph.domains", func() (string, Tone) {
			fed := 0
			for _, d := range s.Domains {
				if d.Federated() {
					fed++
				}
			}
			return fmt.Sprintf("%d (%d federated)", len(s.Domains), fed), Neutral
		}),
		fact("Users", "graph.users", func() (string, Tone) { return fmt.Sprint(len(s.Users)), Neutral }),
		fact("Security defaults", "graph.securityDefaults", func() (string, Tone) {
			return onOff(s.Entra.SecurityDefaults != nil && s.Entra.SecurityDefaults.IsEnabled, true)
		}),
		fact("Cond. access", "graph.conditionalAccess", func() (string, Tone) {
			on, report := 0, 0
			for _, p := range s.Entra.ConditionalAccess {
				switch p.State {
				case "enabled":
					on++
				case "enabledForReportingButNotEnforced":
					report++
				}
			}
			if len(s.Entra.ConditionalAccess) == 0 {
				return "none", Neutral
			}
			return fmt.Sprintf("%d on, %d report-only", on, report), Neutral
		}),
		fact("Legacy, 30 days", "graph.signIns", func() (string, Tone) {
			users := map[string]bool{}
			for _, si := range s.Entra.SignIns {
				users[strings.ToLower(si.UserPrincipalName)] = true
			}
			t := Good
			if len(s.Entra.SignIns) > 0 {
				t = Attention
			}
			return fmt.Sprintf("%d by %d users", len(s.Entra.SignIns), len(users)), t
		}),
		fact("Mail app report", "graph.emailAppUsage", func() (string, Tone) {
			return fmt.Sprintf("%d users", len(s.Entra.EmailAppUsage)), Neutral
		}),
	}}

	exo := Area{Title: "Exchange Online", Facts: []Fact{
		fact("Mailboxes", "exchange.Get-CASMailbox", func() (string, Tone) { return fmt.Sprint(len(s.Exchange.CASMailboxes)), Neutral }),
		fact("Modern auth", "exchange.Get-OrganizationConfig", func() (string, Tone) {
			return onOff(s.Exchange.OrganizationConfig.OAuth2ClientProfileEnabled, true)
		}),
		fact("Default policy", "exchange.Get-OrganizationConfig", func() (string, Tone) {
			if p := s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy; p != "" {
				return p, Neutral
			}
			return "none", Attention
		}),
		fact("Auth policies", "exchange.Get-AuthenticationPolicy", func() (string, Tone) {
			return fmt.Sprint(len(s.Exchange.AuthenticationPolicies)), Neutral
		}),
		fact("POP / IMAP on", "exchange.Get-CASMailbox", func() (string, Tone) {
			pop, imap := 0, 0
			for _, m := range s.Exchange.CASMailboxes {
				if m.PopEnabled {
					pop++
				}
				if m.ImapEnabled {
					imap++
				}
			}
			t := Good
			if pop+imap > 0 {
				t = Attention
			}
			return fmt.Sprintf("%d / %d mailboxes", pop, imap), t
		}),
		fact("SMTP AUTH tenant", "exchange.Get-TransportConfig", func() (string, Tone) {
			return onOff(!s.Exchange.TransportConfig.SmtpClientAuthenticationDisabled, false)
		}),
		fact("Mobile devices", "exchange.Get-MobileDevice", func() (string, Tone) { return fmt.Sprint(len(s.Exchange.MobileDevices)), Neutral }),
	}}

	areas := []Area{entra, exo}
	if !s.Okta.Configured && !s.OK("okta.org") {
		if _, tried := s.Status("okta.org"); !tried {
			return append(areas, hygiene(s))
		}
	}
	okta := Area{Title: "Okta", Facts: []Fact{
		fact("Engine", "okta.org", func() (string, Tone) {
			if s.Okta.IdentityEngine() {
				return "Identity Engine", Neutral
			}
			return "Classic Engine", Attention
		}),
		fact("Office 365 apps", "okta.apps", func() (string, Tone) { return fmt.Sprint(len(s.Okta.Apps)), Neutral }),
		fact("Sign-on rules", "okta.policies", func() (string, Tone) {
			n := 0
			for _, p := range s.Okta.Policies {
				n += len(p.Rules)
			}
			return fmt.Sprintf("%d in %d policies", n, len(s.Okta.Policies)), Neutral
		}),
		fact("Users", "okta.users", func() (string, Tone) {
			if !s.FactorsRead() {
				return fmt.Sprint(len(s.Okta.Users)), Neutral
			}
			none := 0
			for _, u := range s.Okta.Users {
				active := false
				for _, f := range u.Factors {
					active = active || f.Status == "ACTIVE"
				}
				if !active {
					none++
				}
			}
			t := Neutral
			if none > 0 {
				t = Attention
			}
			return fmt.Sprintf("%d (%d no factor)", len(s.Okta.Users), none), t
		}),
	}}
	if !s.FactorsRead() && s.OK("okta.users") {
		// Its own line: "9021 (factors not read)" does not fit at 80
		// columns, and a skipped source is not "not collected".
		okta.Facts = append(okta.Facts, Fact{Label: "Factors", Value: "not read (s)", Tone: Neutral})
	}
	okta.Facts = append(okta.Facts, []Fact{
		fact("Groups", "okta.groups", func() (string, Tone) {
			if !s.OK("okta.zones") {
				return fmt.Sprintf("%d (zones: n/a)", len(s.Okta.Groups)), Neutral
			}
			return fmt.Sprintf("%d, %d zones", len(s.Okta.Groups), len(s.Okta.Zones)), Neutral
		}),
		fact("Log events 30d", "okta.logs", func() (string, Tone) { return fmt.Sprint(len(s.Okta.Logs)), Neutral }),
	}...)
	return append(areas, okta, hygiene(s))
}

// hygiene is the mail-hygiene area: DNS and endpoint probes.
func hygiene(s *tenant.Snapshot) Area {
	return Area{Title: "Mail hygiene", Facts: []Fact{
		serviceFact(s, "dns", "Mail domain DNS", "looked up"),
		serviceFact(s, "probe", "Mail endpoints", "probed"),
	}}
}

// serviceFact counts the sources of a per-object service (dns: one per
// mail domain; probe: one per endpoint) and how many failed.
func serviceFact(s *tenant.Snapshot, service, label, done string) Fact {
	n, failed := 0, 0
	for _, st := range s.Collection {
		if st.Service != service {
			continue
		}
		n++
		if st.State != tenant.StateOK {
			failed++
		}
	}
	switch {
	case n == 0:
		return Fact{Label: label, Value: "not checked", Tone: Missing}
	case failed > 0:
		return Fact{Label: label, Value: fmt.Sprintf("%d %s, %d failed", n, done, failed), Tone: Attention}
	}
	return Fact{Label: label, Value: fmt.Sprintf("%d %s", n, done), Tone: Neutral}
}
