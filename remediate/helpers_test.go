package remediate

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// builtins are the built-in scenarios every property test runs over.
var builtins = []string{"whitepaper", "contoso", "okta-classic"}

// collected caches each built-in's snapshot, collected once per test
// binary through the real pipeline (simulator over HTTP, the real
// clients' Discover).
var collected struct {
	sync.Mutex
	snaps map[string]*tenant.Snapshot
}

// snapshot returns a private copy of a built-in's collected snapshot.
func snapshot(t *testing.T, name string) *tenant.Snapshot {
	t.Helper()
	collected.Lock()
	defer collected.Unlock()
	if collected.snaps == nil {
		collected.snaps = map[string]*tenant.Snapshot{}
	}
	s, ok := collected.snaps[name]
	if !ok {
		srv := simtest.ServeBuiltin(t, name, sim.Options{})
		cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
		cfg.TenantID = srv.Scenario().TenantID()
		var err error
		s, err = clients.Discover(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range s.Errors() {
			if name == "okta-classic" && st.ID == "okta.policies" {
				continue // Classic Engine: the rules are not readable, by design
			}
			t.Fatalf("%s: source %s failed: %s", name, st.ID, st.Error)
		}
		collected.snaps[name] = s
	}
	return clone(s)
}

// choicesFor are the operator choices that fit each built-in: its
// documented exceptions, zone, break-glass and operator accounts.
func choicesFor(t *testing.T, name string) Choices {
	t.Helper()
	docs := map[string]string{
		"whitepaper": `{"exceptions": {"users": ["jira@mijndomein.nl"], "oktaGroup": "Service accounts"},
			"zones": ["Office egress"], "breakGlass": ["breakglass@mijndomein.onmicrosoft.com"], "operator": "tim.brouwer@mijndomein.nl"}`,
		"contoso": `{"exceptions": {"users": ["scanner@contoso.com"], "oktaGroup": "O365 legacy exceptions"},
			"zones": ["Office egress"], "breakGlass": ["breakglass@contoso.onmicrosoft.com"], "operator": "christie.cline@contoso.com"}`,
		"okta-classic": `{"breakGlass": ["breakglass@northwind.onmicrosoft.com"], "operator": "andrew.fuller@northwind.example"}`,
	}
	c, err := ParseChoices([]byte(docs[name]))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nowFor is a write time on the scenario's date.
func nowFor(s *tenant.Snapshot) time.Time { return s.AsOf.Add(9 * time.Hour) }

func mustPlan(t *testing.T, s *tenant.Snapshot, steps []string, c Choices) *Plan {
	t.Helper()
	p, err := NewPlan(s, steps, c, nowFor(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
