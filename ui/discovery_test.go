package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

func fakeSnapshot() *tenant.Snapshot {
	s := &tenant.Snapshot{
		AsOf:    time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Tenant:  tenant.Tenant{ID: "t", DisplayName: "Evil \x1b[31mCorp\x1b]0;pwned\x07"},
		Domains: []tenant.Domain{{Name: "a.example", AuthenticationType: "Federated"}, {Name: "b.example", AuthenticationType: "Managed"}},
		Users:   make([]tenant.User, 12),
	}
	s.Exchange.CASMailboxes = []tenant.CASMailbox{{Identity: "a", PopEnabled: true}, {Identity: "b", ImapEnabled: true}, {Identity: "c"}}
	s.Exchange.OrganizationConfig = &tenant.OrganizationConfig{OAuth2ClientProfileEnabled: false}
	s.Okta = tenant.Okta{Configured: true, Pipeline: "v1"}
	for _, id := range []string{"graph.domains", "graph.users", "exchange.Get-CASMailbox", "exchange.Get-OrganizationConfig", "okta.org"} {
		s.SetStatus(tenant.SourceStatus{ID: id, State: tenant.StateOK})
	}
	s.SetStatus(tenant.SourceStatus{ID: "okta.policies", Service: "okta", State: tenant.StateError,
		Error: "Classic Engine: the Office 365 app's sign-on rules are not readable through Okta's public API", Fix: "check them by hand"})
	return s
}

func TestSummaryIsTruthful(t *testing.T) {
	areas := Summarize(fakeSnapshot())
	got := map[string]Fact{}
	for _, a := range areas {
		for _, f := range a.Facts {
			got[a.Title+"/"+f.Label] = f
		}
	}
	want := map[string]string{
		"Entra ID/Domains":              "2 (1 federated)",
		"Entra ID/Users":                "12",
		"Entra ID/Security defaults":    "not collected",
		"Exchange Online/Mailboxes":     "3",
		"Exchange Online/Modern auth":   "off",
		"Exchange Online/POP / IMAP on": "1 / 1 mailboxes",
		"Exchange Online/Auth policies": "not collected",
		"Okta/Engine":                   "Classic Engine",
		"Okta/Sign-on rules":            "not collected",
	}
	for k, v := range want {
		if got[k].Value != v {
			t.Errorf("%s: got %q, want %q", k, got[k].Value, v)
		}
	}
	if got["Exchange Online/Modern auth"].Tone != Attention || got["Okta/Sign-on rules"].Tone != Missing {
		t.Error("modern auth off must draw attention; an uncollected source must show as missing")
	}
}

func TestDiscoveryScreenFitsAndTellsTheTruth(t *testing.T) {
	run := func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
		for _, id := range []string{"graph.users", "exchange.Get-CASMailbox", "okta.policies"} {
			svc, _, _ := strings.Cut(id, ".")
			sink(collect.Event{Source: id, Service: svc, Kind: collect.Started})
			sink(collect.Event{Source: id, Service: svc, Kind: collect.Page, Items: 2, Pages: 1})
		}
		sink(collect.Event{Source: "graph.users", Service: "graph", Kind: collect.Waiting, Wait: 2 * time.Second, Message: "throttled by Graph"})
		s := fakeSnapshot()
		for _, st := range s.Collection {
			st := st
			svc, _, _ := strings.Cut(st.ID, ".")
			sink(collect.Event{Source: st.ID, Service: svc, Kind: collect.Done, Status: &st})
		}
		return s, nil
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w := NewWizard(Options{Mode: "demo", Org: "scenario test", AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Backend: Backend{Discover: run}})
		w.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		pump(t, w, w.Init())
		if w.Common().Eng.Snapshot == nil || w.Common().Eng.Findings == nil {
			t.Fatal("discovery did not hand its snapshot to the engagement, or it was not judged")
		}
		view := w.render()
		checkFits(t, view, size[0], size[1])
		plain := ansi.Strip(view)
		for _, want := range []string{"Discovery finished", "could not be collected", "Classic Engine", "Could not collect", "Sign-on rules", "q quit", "enter see the findings"} {
			if !strings.Contains(plain, want) {
				t.Errorf("%v: summary lacks %q:\n%s", size, want, plain)
			}
		}
		// s shows the sources; enter goes on to the findings; q quits.
		press(t, w, "s")
		sources := w.render()
		if plain := ansi.Strip(sources); !strings.Contains(plain, "Microsoft Graph") || !strings.Contains(plain, "✗") {
			t.Errorf("%v: s did not show the sources:\n%s", size, plain)
		}
		checkFits(t, sources, size[0], size[1])
		press(t, w, "enter")
		if w.Page() != PageFindings {
			t.Errorf("%v: enter went to %s, not the findings", size, w.Page())
		}
		if _, cmd := w.Update(keyMsg("q")); cmd == nil {
			t.Error("q did not quit")
		} else if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Error("q did not quit")
		}
	}
}

func TestScreensWaitForDiscovery(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	run := func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil, ctx.Err()
	}
	w := NewWizard(Options{Mode: "demo", Backend: Backend{Discover: run}})
	w.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	w.Init()
	press(t, w, "tab")
	if w.Page() != PageDiscovery {
		t.Errorf("tab left discovery for %s before anything was collected", w.Page())
	}
	press(t, w, "3")
	if w.Page() != PageDiscovery || !strings.Contains(ansi.Strip(w.render()), "Matrix is not available yet: discovery has not finished") {
		t.Errorf("jumping to a screen without data must say why it cannot:\n%s", ansi.Strip(w.render()))
	}
}

func TestLoadedWizardReachesEveryScreen(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageFindings)
	if len(w.Common().Eng.Findings) == 0 || w.Common().Eng.Before == nil {
		t.Fatal("the fixture was not judged")
	}
	for _, p := range []Page{PageMatrix, PageClients, PagePlan, PageApply, PageReport, PageDiscovery} {
		press(t, w, "tab")
		if w.Page() != p {
			t.Fatalf("tab went to %s, want %s", w.Page(), p)
		}
		checkFits(t, w.render(), 80, 24)
	}
}

// okta.factors not read (skipped): the summary says so instead of a
// count, and the sources screen lists it as not read, not as a failure.
func TestDiscoveryFactorsNotRead(t *testing.T) {
	snap := func(read bool) *tenant.Snapshot {
		s := fakeSnapshot()
		s.Okta.Users = []tenant.OktaUser{{ID: "1", Login: "a@a.example", Factors: []tenant.OktaFactor{}}, {ID: "2", Login: "b@a.example", Factors: []tenant.OktaFactor{{Status: "ACTIVE"}}}}
		s.SetStatus(tenant.SourceStatus{ID: "okta.users", Service: "okta", State: tenant.StateOK})
		if !read {
			s.SetStatus(tenant.SourceStatus{ID: "okta.factors", Service: "okta", State: tenant.StateSkipped,
				Fix: "not read: one request per Okta user (2 users, under a minute at Okta's rate limit); --okta-factors all reads them"})
		}
		return s
	}
	okta := func(s *tenant.Snapshot, label string) string {
		for _, a := range Summarize(s) {
			for _, f := range a.Facts {
				if a.Title == "Okta" && f.Label == label {
					return f.Value
				}
			}
		}
		return ""
	}
	if got, f := okta(snap(true), "Users"), okta(snap(true), "Factors"); got != "2 (1 no factor)" || f != "" {
		t.Errorf("factors read (an older snapshot): users %q, factors %q", got, f)
	}
	if got, f := okta(snap(false), "Users"), okta(snap(false), "Factors"); got != "2" || f != "not read (s)" {
		t.Errorf("factors not read: users %q, factors %q", got, f)
	}

	run := func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
		s := snap(false)
		for _, st := range s.Collection {
			svc, _, _ := strings.Cut(st.ID, ".")
			sink(collect.Event{Source: st.ID, Service: svc, Kind: collect.Started})
			sink(collect.Event{Source: st.ID, Service: svc, Kind: collect.Done, Status: &st})
		}
		return s, nil
	}
	w := NewWizard(Options{Mode: "demo", Org: "scenario test", AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Backend: Backend{Discover: run}})
	w.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	pump(t, w, w.Init())
	if head := ansi.Strip(w.render()); !strings.Contains(head, "· 1 could not be collected, 1 not read by choice") {
		t.Errorf("the discovery's headline does not tell a skipped source from a failed one:\n%s", head)
	}
	press(t, w, "s")
	plain := ansi.Strip(w.render())
	for _, want := range []string{"4/4 sources · 0 items · 1 failed · 1 not read", "– Factors: not read: one request per Okta user (2 users", "✗ Sign-on rules"} {
		if !strings.Contains(plain, want) {
			t.Errorf("sources lack %q:\n%s", want, plain)
		}
	}
}

// A source that waits (throttled) says first how long, counting down,
// then why: at 80 columns the service's reason may be cut, the wait not.
func TestDiscoveryWaitCountsDown(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	run := func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
		sink(collect.Event{Source: "graph.emailAppUsage", Service: "graph", Kind: collect.Started})
		sink(collect.Event{Source: "graph.emailAppUsage", Service: "graph", Kind: collect.Waiting, Wait: 12 * time.Second,
			Message: "throttled by Microsoft Graph on GET /beta/reports/getEmailAppUsageUserDetail(period='D30')"})
		<-release
		return nil, ctx.Err()
	}
	w := NewWizard(Options{Mode: "demo", Backend: Backend{Discover: run}})
	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	disc := w.Screen(PageDiscovery).(*Discovery)
	disc.now = func() time.Time { return clock }
	w.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	d := newDriver(t, w)
	d.run(w.Init())
	d.until("the wait", func() bool { return strings.Contains(ansi.Strip(w.render()), "retrying in") })
	view := ansi.Strip(w.render())
	if !strings.Contains(view, "Mail app usage: retrying in 12s (throttled by") {
		t.Errorf("the wait is not told first:\n%s", view)
	}
	checkFits(t, w.render(), 80, 24)
	clock = clock.Add(4500 * time.Millisecond)
	if view := ansi.Strip(w.render()); !strings.Contains(view, "retrying in 7.5s") {
		t.Errorf("the wait does not count down:\n%s", view)
	}
}

// The discovery screen's views: under way (half the sources done, one
// throttled), the summary, and the sources with s; at 80x24 and 120x40.
func TestDiscoveryGoldens(t *testing.T) {
	snap := snapshotFixture(t, "contoso")
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			release := make(chan struct{})
			half := len(snap.Collection) / 2
			run := func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
				for i := range snap.Collection {
					st := snap.Collection[i]
					sink(collect.Event{Source: st.ID, Service: st.Service, Kind: collect.Started})
					sink(collect.Event{Source: st.ID, Service: st.Service, Kind: collect.Page, Items: st.Items, Pages: st.Pages})
					if i < half {
						sink(collect.Event{Source: st.ID, Service: st.Service, Kind: collect.Done, Status: &st, Items: st.Items, Pages: st.Pages})
					}
				}
				last := snap.Collection[len(snap.Collection)-1]
				sink(collect.Event{Source: last.ID, Service: last.Service, Kind: collect.Waiting, Wait: 12 * time.Second, Message: "throttled (429)", Items: last.Items, Pages: last.Pages})
				<-release
				for i := half; i < len(snap.Collection); i++ {
					st := snap.Collection[i]
					sink(collect.Event{Source: st.ID, Service: st.Service, Kind: collect.Done, Status: &st, Items: st.Items, Pages: st.Pages})
				}
				return snap, nil
			}
			w := NewWizard(Options{Mode: "demo", Org: "scenario contoso", AsOf: snap.AsOf, Backend: Backend{Discover: run, Now: fixedNow(snap)}})
			clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			w.Screen(PageDiscovery).(*Discovery).now = func() time.Time { return clock }
			w.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			d := newDriver(t, w)
			d.run(w.Init())
			disc := w.Screen(PageDiscovery).(*Discovery)
			last := snap.Collection[len(snap.Collection)-1].ID
			d.until("the throttled source", func() bool { return disc.sources[last] != nil && disc.sources[last].waiting != "" })
			clock = clock.Add(1500 * time.Millisecond)
			t.Run("running", func(t *testing.T) {
				checkFits(t, w.render(), size[0], size[1])
				golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
			})
			close(release)
			d.until("the end of discovery", func() bool { return strings.Contains(ansi.Strip(w.render()), "Discovery finished") })
			t.Run("summary", func(t *testing.T) {
				checkFits(t, w.render(), size[0], size[1])
				golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
			})
			d.press("s")
			t.Run("sources", func(t *testing.T) {
				checkFits(t, w.render(), size[0], size[1])
				golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
			})
		})
	}
}
