package tenant

import (
	"sort"
	"strings"
	"time"
)

// The platform timeline: what Exchange Online accepted, per protocol and
// authentication method, on a given date. It is a fixed table of dated,
// sourced entries and a pure lookup over it (PlatformAt); nothing here
// reads a clock.
//
// Protocols and methods are named by the same strings as the access
// matrix's ("owa", "mapi", "rpc", "ews", "activesync", "pop", "imap",
// "smtp", "powershell"; "basic", "modern"), as tenant imports nothing
// internal.

// PlatformStatus is what the service does with a method on a protocol.
type PlatformStatus string

const (
	// PlatformAccepted: the service accepts the method.
	PlatformAccepted PlatformStatus = "accepted"
	// PlatformUnsupported: the service does not (yet) offer the method.
	PlatformUnsupported PlatformStatus = "unsupported"
	// PlatformRetired: Microsoft switched the method off for good.
	PlatformRetired PlatformStatus = "retired"
	// PlatformUncertain: Microsoft was switching the method off (or
	// changed its default) and whether it still works for a given tenant
	// cannot be seen from the tenant's data.
	PlatformUncertain PlatformStatus = "uncertain"
)

// Timeline effects that are not a PlatformStatus.
const (
	// EffectOrgDefault: Microsoft changes an organisation setting's
	// default; the tenant's collected value decides what it means (see
	// OrgEwsNullDisabled). PlatformAt ignores such entries.
	EffectOrgDefault = "org-default"
	// EffectNote: information only (the state does not change).
	EffectNote = "note"
)

// PlatformProtocols and PlatformMethods are the names the timeline knows.
var (
	PlatformProtocols = []string{"owa", "mapi", "rpc", "ews", "activesync", "pop", "imap", "smtp", "powershell"}
	PlatformMethods   = []string{"basic", "modern"}
)

// TimelineEntry is one dated fact about the platform.
type TimelineEntry struct {
	// ID is stable ("basic-retirement-begins").
	ID string `json:"id"`
	// Date is the first day (UTC) the effect applies. The baseline
	// entries carry the date of the state they describe and also hold
	// for any earlier date.
	Date time.Time `json:"date"`
	// Approximate is true when the day is not sourced exactly.
	Approximate bool `json:"approximate"`
	// Baseline entries describe the starting state (the whitepaper's
	// 2019), not a change.
	Baseline  bool     `json:"baseline,omitempty"`
	Protocols []string `json:"protocols"`
	Methods   []string `json:"methods"`
	// Effect is a PlatformStatus, EffectOrgDefault or EffectNote.
	Effect string `json:"effect"`
	// Text is the one-line description of the entry.
	Text string `json:"text"`
	// Predicate completes "<PROTOCOL> <method> auth ..." for the
	// protocols it affects; PlatformAt builds its Text from it.
	Predicate string `json:"-"`
	// Source cites where the fact comes from.
	Source string `json:"source"`
}

// Affects reports whether the entry concerns protocol p with method m.
func (e TimelineEntry) Affects(p, m string) bool {
	return timelineHas(e.Protocols, p) && timelineHas(e.Methods, m)
}

// PlatformState is what the platform did with one protocol and method on
// one date, and why.
type PlatformState struct {
	Status PlatformStatus `json:"status"`
	// Text is one line naming the protocol, the method and the fact.
	Text   string `json:"text"`
	Source string `json:"source"`
	// EntryID names the timeline entry that decided.
	EntryID string `json:"entryId"`
	// Since is the date of that entry; Approximate copies its flag.
	Since       time.Time `json:"since"`
	Approximate bool      `json:"approximate"`
}

func timelineDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Sources, cited verbatim in entries.
const (
	srcWhitepaper = "Okta whitepaper \"Securing Office 365 with Okta\" (2019), table 1 (seeds/); Microsoft Learn: Outlook on the web uses browser (forms/federated) sign-in, not Basic auth"
	srcOAuthIMAP  = "Exchange Team blog, 2020-04-30: \"Announcing OAuth 2.0 support for IMAP and SMTP AUTH protocols in Exchange Online\""
	srcOAuthPOP   = "Exchange Team announcement of OAuth for POP, 2020-05-28 (as reported by vansurksum.com); MicrosoftDocs/office-developer-exchange-docs commit 9d5d6b8 (2020-05-19: \"Rollout of POP OAuth2 support is in progress\")"
	srcBasicOff   = "Exchange Team blog: \"Basic Authentication Deprecation in Exchange Online – September 2022 Update\" (turn-off began 2022-10-01); Microsoft Learn \"Deprecation of Basic authentication in Exchange Online\": \"completed in late 2022, with Client Submission (SMTP AUTH) being the only exception\""
	srcRPS        = "Exchange Team blog: \"Deprecation of Remote PowerShell (RPS) Protocol in Exchange Online PowerShell\": RPS disabled for all tenants from 2023-10-01; the REST-based v3 module keeps working"
	srcEWS        = "Microsoft 365 message center MC1227454 (February 2026): EwsEnabled null switched to False on 2026-10-01; EWS permanently disabled on 2027-04-01"
	srcSMTP       = "Microsoft 365 message center MC786329, update of 2026-01-27 (techcommunity Exchange blog 4489835): SMTP AUTH Basic unchanged through December 2026, disabled by default for existing tenants at the end of December 2026 (admins can re-enable), final removal date announced in H2 2027"
	srcModernOWA  = "Microsoft Learn: \"Enable or disable modern authentication for Outlook in Exchange Online\"; Outlook on the web is a browser sign-in"
)

var basicRetired = []string{"activesync", "pop", "imap", "ews", "rpc", "mapi", "powershell"}

// timeline is the table, in date order. Keep it sorted: the tests check.
var timeline = []TimelineEntry{
	{
		ID: "baseline-basic", Date: timelineDay(2019, 6, 1), Baseline: true,
		Protocols: []string{"mapi", "rpc", "ews", "activesync", "pop", "imap", "smtp", "powershell"}, Methods: []string{"basic"},
		Effect:    string(PlatformAccepted),
		Text:      "2019 state (the whitepaper's): Basic auth accepted on every protocol but OWA",
		Predicate: "accepted by Exchange Online (as in 2019, when Basic auth worked on every protocol but OWA)",
		Source:    srcWhitepaper,
	},
	{
		ID: "baseline-owa-basic", Date: timelineDay(2019, 6, 1), Baseline: true,
		Protocols: []string{"owa"}, Methods: []string{"basic"},
		Effect:    string(PlatformUnsupported),
		Text:      "OWA never takes Basic auth: it is a browser sign-in",
		Predicate: "unsupported: OWA is a browser sign-in and never takes Basic auth",
		Source:    srcWhitepaper,
	},
	{
		ID: "baseline-modern", Date: timelineDay(2019, 6, 1), Baseline: true,
		Protocols: []string{"owa", "mapi", "rpc", "ews", "activesync", "powershell"}, Methods: []string{"modern"},
		Effect:    string(PlatformAccepted),
		Text:      "2019 state: modern auth (OAuth) accepted on OWA, MAPI, RPC, EWS, ActiveSync and PowerShell",
		Predicate: "accepted by Exchange Online (modern auth offered since before 2019)",
		Source:    srcWhitepaper,
	},
	{
		ID: "baseline-no-oauth-pop-imap-smtp", Date: timelineDay(2019, 6, 1), Baseline: true,
		Protocols: []string{"pop", "imap", "smtp"}, Methods: []string{"modern"},
		Effect:    string(PlatformUnsupported),
		Text:      "2019 state: POP, IMAP and SMTP AUTH take Basic auth only, no OAuth",
		Predicate: "unsupported: Exchange Online offered no OAuth for it yet (the 2019 state)",
		Source:    srcWhitepaper,
	},
	{
		ID: "oauth-imap-smtp", Date: timelineDay(2020, 4, 30),
		Protocols: []string{"imap", "smtp"}, Methods: []string{"modern"},
		Effect:    string(PlatformAccepted),
		Text:      "OAuth 2.0 for IMAP and SMTP AUTH available (announced 2020-04-30)",
		Predicate: "accepted by Exchange Online (OAuth 2.0 for IMAP and SMTP AUTH since 2020-04-30)",
		Source:    srcOAuthIMAP,
	},
	{
		ID: "oauth-pop", Date: timelineDay(2020, 5, 28), Approximate: true,
		Protocols: []string{"pop"}, Methods: []string{"modern"},
		Effect:    string(PlatformAccepted),
		Text:      "OAuth 2.0 for POP available (rollout May 2020; day approximate)",
		Predicate: "accepted by Exchange Online (OAuth 2.0 for POP since about 2020-05-28)",
		Source:    srcOAuthPOP,
	},
	{
		ID: "basic-retirement-begins", Date: timelineDay(2022, 10, 1),
		Protocols: basicRetired, Methods: []string{"basic"},
		Effect: string(PlatformUncertain),
		Text: "Microsoft began turning Basic auth off for EAS, POP, IMAP, EWS, RPC, MAPI, OAB, Autodiscover and Remote PowerShell on 2022-10-01 " +
			"and completed in late 2022: until the end of 2022 a given tenant may or may not have been switched off yet",
		Predicate: "uncertain: Microsoft began retiring it on 2022-10-01 and completed in late 2022; whether this tenant was already switched off cannot be seen",
		Source:    srcBasicOff,
	},
	{
		ID: "smtp-basic-exempt", Date: timelineDay(2022, 10, 1),
		Protocols: []string{"smtp"}, Methods: []string{"basic"},
		Effect:    string(PlatformAccepted),
		Text:      "SMTP AUTH (Client Submission) exempted from the 2022 Basic auth retirement",
		Predicate: "accepted by Exchange Online (the one protocol exempted from the 2022 Basic auth retirement; unchanged through December 2026)",
		Source:    srcBasicOff + "; " + srcSMTP,
	},
	{
		ID: "basic-retired", Date: timelineDay(2023, 1, 1), Approximate: true,
		Protocols: basicRetired, Methods: []string{"basic"},
		Effect:    string(PlatformRetired),
		Text:      "Basic auth retired for EAS, POP, IMAP, EWS, RPC, MAPI, OAB, Autodiscover and Remote PowerShell in every tenant (retired by Microsoft on 2022-10-01, completed in late 2022)",
		Predicate: "retired by Microsoft on 2022-10-01 (completed in late 2022; SMTP AUTH was the only exception)",
		Source:    srcBasicOff,
	},
	{
		ID: "rps-disabled", Date: timelineDay(2023, 10, 1),
		Protocols: []string{"powershell"}, Methods: []string{"modern"},
		Effect:    string(PlatformAccepted),
		Text:      "Remote PowerShell (the RPS protocol) disabled for all tenants on 2023-10-01; the REST-based v3 module with modern auth still works",
		Predicate: "accepted by Exchange Online through the REST-based v3 module only (the Remote PowerShell protocol was disabled for all tenants on 2023-10-01)",
		Source:    srcRPS,
	},
	{
		ID: "ews-org-null-off", Date: timelineDay(2026, 10, 1),
		Protocols: []string{"ews"}, Methods: []string{"basic", "modern"},
		Effect: EffectOrgDefault,
		Text:   "EWS: organisations whose Get-OrganizationConfig EwsEnabled is null are switched to False on 2026-10-01",
		Source: srcEWS,
	},
	{
		ID: "smtp-basic-default-off", Date: timelineDay(2027, 1, 1), Approximate: true,
		Protocols: []string{"smtp"}, Methods: []string{"basic"},
		Effect: string(PlatformUncertain),
		Text: "SMTP AUTH Basic disabled by default for existing tenants at the end of December 2026; admins can re-enable it; " +
			"the final removal date is to be announced in H2 2027",
		Predicate: "uncertain: Microsoft disabled it by default for existing tenants at the end of December 2026, admins can re-enable it, " +
			"and whether this tenant did cannot be seen",
		Source: srcSMTP,
	},
	{
		ID: "ews-retired", Date: timelineDay(2027, 4, 1),
		Protocols: []string{"ews"}, Methods: []string{"basic", "modern"},
		Effect:    string(PlatformRetired),
		Text:      "EWS permanently disabled in Exchange Online on 2027-04-01",
		Predicate: "retired by Microsoft on 2027-04-01 (EWS permanently disabled)",
		Source:    srcEWS,
	},
}

// Timeline returns the platform timeline in date order (a copy).
func Timeline() []TimelineEntry {
	out := make([]TimelineEntry, len(timeline))
	for i, e := range timeline {
		e.Protocols = append([]string(nil), e.Protocols...)
		e.Methods = append([]string(nil), e.Methods...)
		out[i] = e
	}
	return out
}

// PlatformProtocolLabel is a protocol's human name ("pop" -> "POP").
func PlatformProtocolLabel(p string) string {
	switch p {
	case "owa":
		return "OWA"
	case "mapi":
		return "MAPI over HTTP"
	case "rpc":
		return "Outlook Anywhere (RPC over HTTP)"
	case "ews":
		return "EWS"
	case "activesync":
		return "Exchange ActiveSync"
	case "pop":
		return "POP"
	case "imap":
		return "IMAP"
	case "smtp":
		return "SMTP AUTH"
	case "powershell":
		return "Exchange Online PowerShell"
	}
	return p
}

// dateOf truncates t to its UTC day.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return timelineDay(y, m, d)
}

// PlatformAt says what Exchange Online did with method on protocol on
// the given date. The baseline entries also hold before their date. Once
// a method is retired, the first retirement stays the reason (EWS basic
// stays "retired on 2022-10-01" after EWS as a whole is switched off).
// An unknown protocol or method is reported as unsupported.
func PlatformAt(protocol, method string, on time.Time) PlatformState {
	on = dateOf(on)
	var cur *TimelineEntry
	for i := range timeline {
		e := &timeline[i]
		if !e.Affects(protocol, method) {
			continue
		}
		switch e.Effect {
		case string(PlatformAccepted), string(PlatformUnsupported), string(PlatformRetired), string(PlatformUncertain):
		default:
			continue
		}
		if !e.Baseline && e.Date.After(on) {
			continue
		}
		if cur != nil && cur.Effect == string(PlatformRetired) {
			continue // retirement is final; keep the first
		}
		cur = e
	}
	if cur == nil {
		return PlatformState{Status: PlatformUnsupported,
			Text: PlatformProtocolLabel(protocol) + " " + method + " auth is not a protocol and method harden365 knows"}
	}
	return PlatformState{
		Status:      PlatformStatus(cur.Effect),
		Text:        PlatformProtocolLabel(protocol) + " " + method + " auth " + cur.Predicate,
		Source:      cur.Source,
		EntryID:     cur.ID,
		Since:       cur.Date,
		Approximate: cur.Approximate,
	}
}

// OrgEwsNullDisabled reports whether, on the given date, an organisation
// whose Get-OrganizationConfig EwsEnabled is null has EWS switched off
// (Microsoft sets null to False on 2026-10-01), with the entry that says
// so.
func OrgEwsNullDisabled(on time.Time) (bool, TimelineEntry) {
	for _, e := range timeline {
		if e.ID == "ews-org-null-off" {
			return !e.Date.After(dateOf(on)), e
		}
	}
	return false, TimelineEntry{}
}

// TimelineBetween returns the entries dated after from and up to and
// including to (baseline entries excluded), in date order: what changed
// between two dates.
func TimelineBetween(from, to time.Time) []TimelineEntry {
	from, to = dateOf(from), dateOf(to)
	var out []TimelineEntry
	for _, e := range Timeline() {
		if !e.Baseline && e.Date.After(from) && !e.Date.After(to) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

func timelineHas(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
