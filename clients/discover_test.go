package clients_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// Every source of every built-in scenario is collected, in pages, and the
// snapshot carries the scenario's organisation.
func TestDiscoverBuiltins(t *testing.T) {
	for _, name := range sim.Builtins() {
		t.Run(name, func(t *testing.T) {
			srv := simtest.ServeBuiltin(t, name, sim.Options{PageSize: 3})
			sc, url := srv.Scenario(), srv.URL()

			var mu sync.Mutex
			pages := map[string]int{}
			done := map[string]tenant.SourceStatus{}
			cfg := clients.SimConfig(url, sc.AsOf()) // no tenant id: Discover asks Graph
			snap, err := clients.Discover(context.Background(), cfg, func(ev collect.Event) {
				mu.Lock()
				defer mu.Unlock()
				switch ev.Kind {
				case collect.Page:
					pages[ev.Source]++
				case collect.Done:
					done[ev.Source] = *ev.Status
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if snap.Tenant.ID != sc.TenantID() || snap.Tenant.DisplayName == "" {
				t.Errorf("tenant: %+v", snap.Tenant)
			}
			if !snap.AsOf.Equal(sc.AsOf()) || snap.SchemaVersion != tenant.SchemaVersion {
				t.Errorf("asOf %s schema %d", snap.AsOf, snap.SchemaVersion)
			}
			for _, st := range snap.Collection {
				if done[st.ID] != st {
					t.Errorf("%s: the Done event (%+v) differs from the recorded status (%+v)", st.ID, done[st.ID], st)
				}
				wantErr := name == "okta-classic" && st.ID == "okta.policies"
				if (st.State == tenant.StateError) != wantErr {
					t.Errorf("%s: state %s (%s)", st.ID, st.State, st.Error)
				}
				if st.State == tenant.StateOK && st.Pages != pages[st.ID] {
					t.Errorf("%s: status says %d pages, %d page events streamed", st.ID, st.Pages, pages[st.ID])
				}
			}
			for _, id := range []string{"graph.users", "graph.domains", "exchange.Get-CASMailbox", "exchange.Get-User", "okta.users", "okta.apps"} {
				st, ok := snap.Status(id)
				if !ok {
					t.Errorf("%s: never collected", id)
				} else if st.Items > 3 && st.Pages < 2 {
					t.Errorf("%s: %d items in %d page(s) at page size 3", id, st.Items, st.Pages)
				}
			}
			if len(snap.Users) == 0 || len(snap.Exchange.CASMailboxes) == 0 || len(snap.Okta.Users) == 0 {
				t.Errorf("empty snapshot: %d users, %d mailboxes, %d okta users", len(snap.Users), len(snap.Exchange.CASMailboxes), len(snap.Okta.Users))
			}
			if name == "okta-classic" {
				st, _ := snap.Status("okta.policies")
				if !strings.Contains(st.Error, "Classic") || st.Fix == "" || snap.Okta.Pipeline != "v1" || len(snap.Okta.Logs) == 0 {
					t.Errorf("classic: %+v pipeline %q logs %d", st, snap.Okta.Pipeline, len(snap.Okta.Logs))
				}
			}
		})
	}
}

// A rejected token fails every source with a reason, and nothing crashes.
func TestDiscoverWithoutATokenRecordsErrors(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{})
	sc := srv.Scenario()
	cfg := clients.SimConfig(srv.URL(), sc.AsOf())
	cfg.TenantID = sc.TenantID()
	cfg.Credential = auth.Static("")
	cfg.OktaToken = ""
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range snap.Collection {
		if st.ID == "okta.org" { // the org metadata needs no token
			continue
		}
		if st.State != tenant.StateError || st.Error == "" {
			t.Errorf("%s: %s %q", st.ID, st.State, st.Error)
		}
	}
	if len(snap.Users) != 0 || len(snap.Exchange.CASMailboxes) != 0 {
		t.Error("data arrived without a token")
	}
}

// okta.factors is a source of its own: read by default in a small org,
// recorded as skipped (not an error) with the reason and the way to read
// them when the org has more Okta users than the auto limit.
func TestDiscoverOktaFactorsSource(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{})
	sc := srv.Scenario()
	cfg := clients.SimConfig(srv.URL(), sc.AsOf())
	cfg.TenantID = sc.TenantID()
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := snap.Status("okta.factors"); !ok || st.State != tenant.StateOK || st.Pages != len(snap.Okta.Users) || !snap.FactorsRead() {
		t.Errorf("default: okta.factors %+v (%v), %d users, read %v", st, ok, len(snap.Okta.Users), snap.FactorsRead())
	}

	cfg.OktaFactorsLimit = 1
	snap, err = clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := snap.Status("okta.factors")
	if !ok || st.State != tenant.StateSkipped || st.Error != "" || st.Pages != 0 ||
		!strings.HasPrefix(st.Fix, "not read: one request per Okta user (") || !strings.HasSuffix(st.Fix, "; --okta-factors all reads them") {
		t.Errorf("above the limit: okta.factors %+v (%v)", st, ok)
	}
	if snap.FactorsRead() || !snap.OK("okta.users") || len(snap.Okta.Users) < 2 || len(snap.Errors()) != 0 {
		t.Errorf("above the limit: factors read %v, okta.users ok %v, %d users, errors %v", snap.FactorsRead(), snap.OK("okta.users"), len(snap.Okta.Users), snap.Errors())
	}
}

// A snapshot written before okta.factors existed read the factors with
// okta.users: FactorsRead says so.
func TestFactorsReadOfOlderSnapshots(t *testing.T) {
	for _, c := range []struct {
		name string
		col  []tenant.SourceStatus
		want bool
	}{
		{"older, users read", []tenant.SourceStatus{{ID: "okta.users", State: tenant.StateOK}}, true},
		{"older, users failed", []tenant.SourceStatus{{ID: "okta.users", State: tenant.StateError}}, false},
		{"no okta", nil, false},
		{"factors read", []tenant.SourceStatus{{ID: "okta.factors", State: tenant.StateOK}, {ID: "okta.users", State: tenant.StateOK}}, true},
		{"factors skipped", []tenant.SourceStatus{{ID: "okta.factors", State: tenant.StateSkipped}, {ID: "okta.users", State: tenant.StateOK}}, false},
		{"factors failed", []tenant.SourceStatus{{ID: "okta.factors", State: tenant.StateError}, {ID: "okta.users", State: tenant.StateOK}}, false},
	} {
		s := &tenant.Snapshot{Collection: c.col}
		if got := s.FactorsRead(); got != c.want {
			t.Errorf("%s: FactorsRead = %v, want %v", c.name, got, c.want)
		}
	}
}
