package tenant

import (
	"strings"
	"testing"
	"time"
)

func ymd(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPlatformAtBoundaries(t *testing.T) {
	type tc struct {
		p, m, on string
		want     PlatformStatus
		entry    string
		text     string // substring of the state's text
	}
	var cases []tc
	// Basic on the retired protocols: accepted, uncertain from
	// 2022-10-01, retired from 2023-01-01.
	for _, p := range []string{"activesync", "pop", "imap", "ews", "rpc", "mapi", "powershell"} {
		cases = append(cases,
			tc{p, "basic", "2010-01-01", PlatformAccepted, "baseline-basic", "as in 2019"},
			tc{p, "basic", "2019-06-01", PlatformAccepted, "baseline-basic", ""},
			tc{p, "basic", "2022-09-30", PlatformAccepted, "baseline-basic", ""},
			tc{p, "basic", "2022-10-01", PlatformUncertain, "basic-retirement-begins", "began retiring it on 2022-10-01"},
			tc{p, "basic", "2022-12-31", PlatformUncertain, "basic-retirement-begins", ""},
			tc{p, "basic", "2023-01-01", PlatformRetired, "basic-retired", "retired by Microsoft on 2022-10-01"},
			tc{p, "basic", "2030-01-01", PlatformRetired, "basic-retired", "retired by Microsoft on 2022-10-01"},
		)
	}
	cases = append(cases,
		// OWA never takes basic.
		tc{"owa", "basic", "2015-01-01", PlatformUnsupported, "baseline-owa-basic", "browser sign-in"},
		tc{"owa", "basic", "2026-11-22", PlatformUnsupported, "baseline-owa-basic", ""},
		tc{"owa", "modern", "2026-11-22", PlatformAccepted, "baseline-modern", ""},
		// OAuth for IMAP and SMTP AUTH: 2020-04-30.
		tc{"imap", "modern", "2020-04-29", PlatformUnsupported, "baseline-no-oauth-pop-imap-smtp", "no OAuth"},
		tc{"imap", "modern", "2020-04-30", PlatformAccepted, "oauth-imap-smtp", "2020-04-30"},
		tc{"smtp", "modern", "2020-04-29", PlatformUnsupported, "baseline-no-oauth-pop-imap-smtp", ""},
		tc{"smtp", "modern", "2020-04-30", PlatformAccepted, "oauth-imap-smtp", ""},
		// OAuth for POP: about 2020-05-28.
		tc{"pop", "modern", "2020-05-27", PlatformUnsupported, "baseline-no-oauth-pop-imap-smtp", ""},
		tc{"pop", "modern", "2020-05-28", PlatformAccepted, "oauth-pop", ""},
		// SMTP AUTH basic: unchanged through December 2026, then
		// disabled by default (admins may re-enable): uncertain.
		tc{"smtp", "basic", "2022-09-30", PlatformAccepted, "baseline-basic", ""},
		tc{"smtp", "basic", "2022-10-01", PlatformAccepted, "smtp-basic-exempt", "unchanged through December 2026"},
		tc{"smtp", "basic", "2023-01-01", PlatformAccepted, "smtp-basic-exempt", ""},
		tc{"smtp", "basic", "2026-12-31", PlatformAccepted, "smtp-basic-exempt", ""},
		tc{"smtp", "basic", "2027-01-01", PlatformUncertain, "smtp-basic-default-off", "admins can re-enable"},
		// Remote PowerShell protocol gone 2023-10-01; modern via REST stays.
		tc{"powershell", "modern", "2023-09-30", PlatformAccepted, "baseline-modern", ""},
		tc{"powershell", "modern", "2023-10-01", PlatformAccepted, "rps-disabled", "REST-based v3 module"},
		tc{"powershell", "basic", "2023-10-01", PlatformRetired, "basic-retired", "retired by Microsoft on 2022-10-01"},
		// EWS permanently disabled 2027-04-01; basic keeps its first
		// retirement as the reason.
		tc{"ews", "modern", "2027-03-31", PlatformAccepted, "baseline-modern", ""},
		tc{"ews", "modern", "2027-04-01", PlatformRetired, "ews-retired", "retired by Microsoft on 2027-04-01"},
		tc{"ews", "basic", "2027-04-01", PlatformRetired, "basic-retired", "retired by Microsoft on 2022-10-01"},
		// Modern elsewhere is unaffected.
		tc{"activesync", "modern", "2026-11-22", PlatformAccepted, "baseline-modern", ""},
		tc{"mapi", "modern", "2027-06-01", PlatformAccepted, "baseline-modern", ""},
		// Unknown names.
		tc{"gopher", "basic", "2020-01-01", PlatformUnsupported, "", ""},
	)
	for _, c := range cases {
		// Any time of day counts as that day.
		for _, on := range []time.Time{ymd(c.on), ymd(c.on).Add(23*time.Hour + 59*time.Minute)} {
			got := PlatformAt(c.p, c.m, on)
			if got.Status != c.want || got.EntryID != c.entry || !strings.Contains(got.Text, c.text) {
				t.Errorf("PlatformAt(%s, %s, %s) = %s %q (%s), want %s from %q containing %q",
					c.p, c.m, on.Format(time.RFC3339), got.Status, got.Text, got.EntryID, c.want, c.entry, c.text)
			}
			if c.entry != "" && (got.Source == "" || !strings.Contains(got.Text, PlatformProtocolLabel(c.p))) {
				t.Errorf("PlatformAt(%s, %s, %s): text %q must name the protocol and cite a source (%q)", c.p, c.m, c.on, got.Text, got.Source)
			}
		}
	}
}

func TestPlatformAtNonUTC(t *testing.T) {
	// 2022-10-01 00:30 in Amsterdam is still 2022-09-30 in UTC.
	ams := time.FixedZone("CEST", 2*3600)
	if got := PlatformAt("pop", "basic", time.Date(2022, 10, 1, 0, 30, 0, 0, ams)); got.Status != PlatformAccepted {
		t.Errorf("got %s, want accepted (the day is taken in UTC)", got.Status)
	}
}

func TestOrgEwsNullDisabled(t *testing.T) {
	for _, c := range []struct {
		on   string
		want bool
	}{{"2019-06-01", false}, {"2026-09-30", false}, {"2026-10-01", true}, {"2027-01-01", true}} {
		got, e := OrgEwsNullDisabled(ymd(c.on))
		if got != c.want || e.ID != "ews-org-null-off" || e.Source == "" {
			t.Errorf("OrgEwsNullDisabled(%s) = %v (%s), want %v", c.on, got, e.ID, c.want)
		}
	}
}

func TestTimelineTable(t *testing.T) {
	tl := Timeline()
	if len(tl) < 10 {
		t.Fatalf("timeline has %d entries", len(tl))
	}
	seen := map[string]bool{}
	for i, e := range tl {
		if seen[e.ID] {
			t.Errorf("duplicate id %s", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && e.Date.Before(tl[i-1].Date) {
			t.Errorf("%s is out of date order", e.ID)
		}
		if e.Text == "" || e.Source == "" || len(e.Protocols) == 0 || len(e.Methods) == 0 {
			t.Errorf("%s: text, source, protocols and methods are required", e.ID)
		}
		if e.Date.IsZero() || e.Date.Hour() != 0 || e.Date.Location() != time.UTC {
			t.Errorf("%s: date %v must be a UTC day", e.ID, e.Date)
		}
		for _, p := range e.Protocols {
			if !timelineHas(PlatformProtocols, p) {
				t.Errorf("%s: unknown protocol %q", e.ID, p)
			}
		}
		for _, m := range e.Methods {
			if !timelineHas(PlatformMethods, m) {
				t.Errorf("%s: unknown method %q", e.ID, m)
			}
		}
		switch e.Effect {
		case string(PlatformAccepted), string(PlatformUnsupported), string(PlatformRetired), string(PlatformUncertain):
			if e.Predicate == "" {
				t.Errorf("%s: a state entry needs a predicate", e.ID)
			}
		case EffectOrgDefault, EffectNote:
		default:
			t.Errorf("%s: unknown effect %q", e.ID, e.Effect)
		}
	}
	// Every protocol and method has a state from the baseline on.
	for _, p := range PlatformProtocols {
		for _, m := range PlatformMethods {
			if st := PlatformAt(p, m, ymd("2019-06-01")); st.EntryID == "" {
				t.Errorf("%s %s has no baseline", p, m)
			}
		}
	}
	// The copy is a copy.
	tl[0].Protocols[0] = "changed"
	if Timeline()[0].Protocols[0] == "changed" {
		t.Error("Timeline returns the table itself")
	}
}

func TestTimelineBetween(t *testing.T) {
	var ids []string
	for _, e := range TimelineBetween(ymd("2019-06-01"), ymd("2026-11-22")) {
		ids = append(ids, e.ID)
	}
	want := "oauth-imap-smtp oauth-pop basic-retirement-begins smtp-basic-exempt basic-retired rps-disabled ews-org-null-off"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("TimelineBetween = %s, want %s", got, want)
	}
}
