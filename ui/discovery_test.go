package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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

// drive runs the screen's commands the way the program would, until
// discovery has finished.
func drive(t *testing.T, m *Discovery) {
	t.Helper()
	m.Init()
	deadline := time.After(5 * time.Second)
	for m.Snapshot() == nil {
		select {
		case msg := <-m.events:
			m.Update(msg)
		case <-deadline:
			t.Fatal("discovery never finished")
		}
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
		m := NewDiscovery(DiscoveryOptions{Mode: "demo", Org: "scenario test", AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, run)
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		drive(t, m)
		view := m.render()
		plain := ansi.Strip(view)
		if strings.ContainsRune(plain, '\x1b') || strings.ContainsRune(plain, '\x07') {
			t.Errorf("%v: an escape from tenant data reached the screen", size)
		}
		lines := strings.Split(view, "\n")
		if len(lines) > size[1] {
			t.Errorf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > size[0] {
				t.Errorf("%v: line %d is %d wide: %q", size, i, w, ansi.Strip(l))
			}
		}
		for _, want := range []string{"Discovery finished", "could not be collected", "Classic Engine", "Could not collect", "Sign-on rules", "q quit"} {
			if !strings.Contains(plain, want) {
				t.Errorf("%v: summary lacks %q:\n%s", size, want, plain)
			}
		}
		// tab shows the sources; q quits.
		m.Update(tea.KeyPressMsg{Code: tea.KeyTab})
		sources := m.render()
		if plain := ansi.Strip(sources); !strings.Contains(plain, "Microsoft Graph") || !strings.Contains(plain, "✗") {
			t.Errorf("%v: tab did not show the sources:\n%s", size, plain)
		}
		if n := strings.Count(sources, "\n") + 1; n > size[1] {
			t.Errorf("%v: the sources view has %d lines", size, n)
		}
		if _, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd == nil {
			t.Error("q did not quit")
		} else if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Error("q did not quit")
		}
	}
}
