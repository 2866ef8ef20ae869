package clients_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// discoverUnder runs the whole pipeline on a built-in scenario with a
// fault profile (nil: none) and returns the snapshot, with what differs
// from run to run (when, where from, retry and page counts) cleared, and
// the waits reported per source.
func discoverUnder(t *testing.T, name string, f *sim.Faults) (*tenant.Snapshot, map[string][]string, *sim.Server) {
	t.Helper()
	if f != nil {
		f.RetryAfter, f.TimeoutHold = 10*time.Millisecond, 50*time.Millisecond
	}
	srv := simtest.ServeBuiltin(t, name, sim.Options{PageSize: 4, Faults: f})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	var mu sync.Mutex
	waits := map[string][]string{}
	snap, err := clients.Discover(context.Background(), cfg, func(ev collect.Event) {
		if ev.Kind == collect.Waiting {
			mu.Lock()
			waits[ev.Source] = append(waits[ev.Source], ev.Message)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	snap.CollectedAt, snap.Source = time.Time{}, ""
	for i := range snap.Collection {
		snap.Collection[i].Retries, snap.Collection[i].Pages = 0, 0
	}
	return snap, waits, srv
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Connections reset at a rate, on every service: the same snapshot as the
// clean run, every retry a reported wait.
func TestDiscoverUnderResetsEqualsClean(t *testing.T) {
	clean, _, _ := discoverUnder(t, "contoso", nil)
	faulty, waits, srv := discoverUnder(t, "contoso", &sim.Faults{Seed: 21, Resets: 0.05})
	if asJSON(t, clean) != asJSON(t, faulty) {
		t.Errorf("the snapshot under resets differs from the clean one:\nclean  %v\nfaults %v", clean.Collection, faulty.Collection)
	}
	for _, service := range []string{"graph", "exchange", "okta"} {
		if st := srv.FaultStats()[service]; st.Faults["reset"]+st.Faults["resetMidBody"] == 0 {
			t.Errorf("%s: no reset injected (%+v)", service, st)
		}
	}
	if len(waits) == 0 {
		t.Error("no wait reported")
	}
	n := 0
	for _, w := range waits {
		n += len(w)
	}
	t.Logf("faults %+v; %d waits reported", srv.FaultStats(), n)
}

// The tokens expire mid-run: Graph and Exchange renew theirs and collect
// everything; Okta's API token cannot be renewed, so the Okta sources
// still running fail, naming the token. Nothing else changes.
func TestDiscoverTokensExpireMidRun(t *testing.T) {
	clean, _, _ := discoverUnder(t, "contoso", nil)
	faulty, _, srv := discoverUnder(t, "contoso", &sim.Faults{Seed: 1, ExpireTokens: 20})
	stats := srv.FaultStats()
	for _, service := range []string{"graph", "exchange"} {
		if st := stats[service]; st.TokensSeen != 2 || st.TokensExpired != 1 {
			t.Errorf("%s: tokens %+v, want one renewal", service, st)
		}
	}
	oktaFailed := 0
	for _, st := range faulty.Collection {
		want, _ := clean.Status(st.ID)
		switch {
		case st.Service == "okta" && st.State == tenant.StateError:
			oktaFailed++
			if st.HTTPStatus != 401 || st.Fix != okta.FixAPIToken {
				t.Errorf("%s: %+v, want a 401 naming the API token", st.ID, st)
			}
		case st.ID == "okta.factors" && st.State == tenant.StateSkipped && !faulty.OK("okta.users"):
			// Read per listed user: not read when the listing failed.
		case st != want:
			t.Errorf("%s: %+v, clean %+v", st.ID, st, want)
		}
	}
	if oktaFailed == 0 {
		t.Error("no Okta source failed with an expired API token")
	}
	t.Logf("tokens %+v; %d Okta sources failed", stats, oktaFailed)
	if asJSON(t, clean.Users) != asJSON(t, faulty.Users) || asJSON(t, clean.Exchange) != asJSON(t, faulty.Exchange) {
		t.Error("Graph or Exchange data differ after the renewal")
	}
	if !strings.Contains(okta.FixAPIToken, "create a new one") {
		t.Errorf("the API token's fix says nothing to do: %q", okta.FixAPIToken)
	}
}
