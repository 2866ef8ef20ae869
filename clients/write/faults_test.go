package write

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

func serveFaults(t *testing.T, f *sim.Faults) (*sim.Server, *Writer) {
	t.Helper()
	f.RetryAfter = 10 * time.Millisecond
	f.TimeoutHold = 50 * time.Millisecond
	srv := simtest.ServeBuiltin(t, "whitepaper", sim.Options{Faults: f})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	w, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, w
}

// One write per service, each made on a fresh simulator.
var faultWrites = map[string]struct {
	path  string // what the fault profile targets (path prefix or cmdlet)
	write tenant.Write
	made  func(st map[string]any) bool
}{
	"exchange": {"Set-CASMailbox", tenant.Write{ID: "C-1", Service: tenant.ServiceExchange, Operation: "Set-CASMailbox",
		Params: map[string]any{"Identity": "jan.janssen", "PopEnabled": false}},
		func(st map[string]any) bool {
			return row(st, "exchange.Get-CASMailbox", "Identity", "jan.janssen")["PopEnabled"] == false
		}},
	"graph": {"/v1.0/identity/conditionalAccess/policies", tenant.Write{ID: "CA-1", Service: tenant.ServiceGraph, Operation: "POST /identity/conditionalAccess/policies",
		Path: "/identity/conditionalAccess/policies", Params: map[string]any{"displayName": "Block legacy authentication", "state": "enabledForReportingButNotEnforced",
			"conditions": map[string]any{"clientAppTypes": []any{"exchangeActiveSync", "other"},
				"applications": map[string]any{"includeApplications": []any{"All"}}, "users": map[string]any{"includeUsers": []any{"All"}}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []any{"block"}}}},
		func(st map[string]any) bool {
			return row(st, "graph.conditionalAccessPolicies", "displayName", "Block legacy authentication") != nil
		}},
	"okta": {"/api/v1/groups", tenant.Write{ID: "G-1", Service: tenant.ServiceOkta, Operation: "POST /api/v1/groups",
		Path: "/api/v1/groups", Params: map[string]any{"profile": map[string]any{"name": "harden365-fault-test", "description": "x"}}},
		func(st map[string]any) bool {
			for _, g := range st["okta"].(map[string]any)["groups"].([]any) {
				if p, _ := g.(map[string]any)["profile"].(map[string]any); p["name"] == "harden365-fault-test" {
					return true
				}
			}
			return false
		}},
}

// A write whose connection is reset (before the answer, or halfway after
// the service made it) is reported in doubt and never resent.
func TestWriteResetIsInDoubtNotResent(t *testing.T) {
	one := 1.0
	for service, fw := range faultWrites {
		t.Run(service, func(t *testing.T) {
			srv, w := serveFaults(t, &sim.Faults{Seed: 1, Paths: map[string]sim.Rates{fw.path: {Resets: &one}}})
			_, err := w.Do(context.Background(), fw.write, nil)
			if !InDoubt(err) || !strings.Contains(err.Error(), "in doubt") || !strings.Contains(err.Error(), "not resent") {
				t.Fatalf("err %v, want a write in doubt", err)
			}
			if n := srv.Requests()[service]; n != 1 {
				t.Errorf("%d requests: the write was resent", n)
			}
			st := srv.FaultStats()[service]
			made := fw.made(state(t, srv))
			// Made exactly when the reset came halfway through the answer.
			if made != (st.Faults["resetMidBody"] == 1) {
				t.Errorf("made %v after %v", made, st.Faults)
			}
		})
	}
}

// A 401 to a write means the service did nothing: Graph and Exchange
// renew the token and send it once more (it is made once); Okta's API
// token cannot be renewed, so the write fails (not in doubt) naming it.
func TestWrite401IsRenewedOrNamesTheToken(t *testing.T) {
	for service, fw := range faultWrites {
		t.Run(service, func(t *testing.T) {
			srv, w := serveFaults(t, &sim.Faults{Seed: 1, ExpireTokens: 1})
			_, err := w.Do(context.Background(), fw.write, nil)
			st := srv.FaultStats()[service]
			if service == "okta" {
				var f *collect.Failure
				if !errors.As(err, &f) || f.HTTPStatus != http.StatusUnauthorized || f.Fix != okta.FixAPIToken || InDoubt(err) {
					t.Fatalf("err %#v, want a 401 naming the API token", err)
				}
				if fw.made(state(t, srv)) {
					t.Error("made with an expired token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if srv.Requests()[service] != 2 || st.TokensSeen != 2 || st.TokenRefusals != 1 {
				t.Errorf("%d requests, tokens %+v; want the write refused once and resent with a new token", srv.Requests()[service], st)
			}
			if !fw.made(state(t, srv)) {
				t.Error("not made")
			}
		})
	}
}

// A 503 is a refusal (nothing was done): Graph and Exchange wait and
// resend. Okta answers a 500, after which a write may have been made: in
// doubt, not resent.
func TestWriteServerErrors(t *testing.T) {
	for service, fw := range faultWrites {
		t.Run(service, func(t *testing.T) {
			srv, w := serveFaults(t, &sim.Faults{Seed: 1, ServerErrors: 1})
			_, err := w.Do(context.Background(), fw.write, nil)
			if service == "okta" {
				if !InDoubt(err) || srv.Requests()["okta"] != 1 {
					t.Fatalf("err %v after %d requests, want in doubt after 1", err, srv.Requests()["okta"])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := srv.Requests()[service]; n != 2 || !fw.made(state(t, srv)) {
				t.Errorf("%d requests, made %v; want a 503 then the write", n, fw.made(state(t, srv)))
			}
		})
	}
}
