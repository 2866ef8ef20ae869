package graph_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/collect/collecttest"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

// collectGraph runs every Graph task at once (as Discover does), into one
// snapshot.
func collectGraph(t *testing.T, cfg graph.Config) collecttest.Result {
	t.Helper()
	tasks, err := graph.Tasks(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return collecttest.Run(t, tasks)
}

// faultEnv serves the built-in contoso with the fault profile f (its
// waits made short) and paging at 5.
func faultEnv(t *testing.T, f *sim.Faults) (*sim.Server, graph.Config) {
	t.Helper()
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{PageSize: 5, Faults: collecttest.ShortWaits(f)})
	return srv, graph.Config{BaseURL: srv.URL(), Credential: auth.NewSimCredential(), AsOf: srv.Scenario().AsOf()}
}

func cleanGraph(t *testing.T) string {
	t.Helper()
	_, cfg := faultEnv(t, nil)
	c := collectGraph(t, cfg)
	return c.Clean(t)
}

// Connections reset at a rate (before the answer or halfway through it)
// are retried: the snapshot is the clean one, and each retry is a
// reported wait saying what happened.
func TestGraphResetsGiveTheCleanSnapshot(t *testing.T) {
	clean := cleanGraph(t)
	srv, cfg := faultEnv(t, &sim.Faults{Seed: 4, Resets: 0.15})
	c := collectGraph(t, cfg)
	if len(c.Errs) > 0 {
		t.Fatalf("errors under resets: %v", c.Errs)
	}
	if got := c.JSON; got != clean {
		t.Errorf("the snapshot under resets differs from the clean one")
	}
	st := srv.FaultStats()["graph"]
	if st.Faults["reset"]+st.Faults["resetMidBody"] == 0 {
		t.Fatalf("no reset injected: %+v", st)
	}
	waits := c.AllWaits()
	if len(waits) == 0 {
		t.Fatal("no wait reported")
	}
	for _, w := range waits {
		if !strings.Contains(w, "(Microsoft Graph) on GET /") {
			t.Errorf("wait %q does not say what happened where", w)
		}
	}
	if !c.Waited("reset") && !c.Waited("cut short") && !c.Waited("closed without an answer") {
		t.Errorf("no wait names the reset: %q", waits)
	}
}

// A per-path rate hits only its path: /v1.0/users is throttled half the
// time, the rest is not; the snapshot is the clean one.
func TestGraphPerPathThrottle(t *testing.T) {
	clean := cleanGraph(t)
	half := 0.5
	_, cfg := faultEnv(t, &sim.Faults{Seed: 2, Paths: map[string]sim.Rates{"/v1.0/users": {Throttle: &half}}})
	c := collectGraph(t, cfg)
	if len(c.Errs) > 0 {
		t.Fatalf("errors: %v", c.Errs)
	}
	if c.JSON != clean {
		t.Errorf("the snapshot under a throttled /v1.0/users differs from the clean one")
	}
	if len(c.Waits[graph.TaskUsers]) == 0 {
		t.Errorf("graph.users reported no wait at a 0.5 throttle")
	}
	for _, w := range c.Waits[graph.TaskUsers] {
		if w != "throttled by Microsoft Graph on GET /v1.0/users" {
			t.Errorf("wait %q", w)
		}
	}
	for id, w := range c.Waits {
		if id != graph.TaskUsers {
			t.Errorf("%s waited though only /v1.0/users is throttled: %q", id, w)
		}
	}
}

// A request held past RequestTimeout is cancelled and retried, reported
// as a wait naming the timeout.
func TestGraphAttemptTimeoutIsRetried(t *testing.T) {
	clean := cleanGraph(t)
	_, cfg := faultEnv(t, &sim.Faults{Seed: 9, Timeouts: 0.1, TimeoutHold: 30 * time.Second})
	cfg.RequestTimeout = 300 * time.Millisecond
	start := time.Now()
	c := collectGraph(t, cfg)
	if len(c.Errs) > 0 {
		t.Fatalf("errors: %v", c.Errs)
	}
	if c.JSON != clean {
		t.Errorf("the snapshot under timeouts differs from the clean one")
	}
	if !c.Waited("no answer within 300ms (Microsoft Graph)") {
		t.Errorf("no wait names the timeout: %q", c.AllWaits())
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %v: the held requests were not cut at 300ms", el)
	}
}

// The token expires mid-run: Graph refuses it, the credential renews it
// once, the requests are resent; the snapshot is the clean one, and the
// simulator saw exactly two tokens.
func TestGraphTokenExpiresMidRun(t *testing.T) {
	clean := cleanGraph(t)
	srv, cfg := faultEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 12})
	c := collectGraph(t, cfg)
	if len(c.Errs) > 0 {
		t.Fatalf("errors: %v", c.Errs)
	}
	if c.JSON != clean {
		t.Errorf("the snapshot after a renewed token differs from the clean one")
	}
	st := srv.FaultStats()["graph"]
	if st.TokensSeen != 2 || st.TokensExpired != 1 || st.TokenRefusals == 0 {
		t.Errorf("tokens: %+v, want 2 seen, 1 expired, some refusals", st)
	}
	waits := c.AllWaits()
	if len(waits) != st.TokenRefusals || !c.Waited("Microsoft Graph refused the access token (InvalidAuthenticationToken)") {
		t.Errorf("%d refusals, waits %q", st.TokenRefusals, waits)
	}
}

// A token that cannot be renewed (Static gives the same one again): the
// sources still running fail with a 401 naming the sign-in, none passes
// silently with missing data.
func TestGraphTokenCannotBeRenewed(t *testing.T) {
	_, cfg := faultEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 12})
	cfg.Credential = auth.Static(auth.SimToken)
	c := collectGraph(t, cfg)
	if len(c.Errs) == 0 {
		t.Fatal("every source passed with an expired token")
	}
	for id, err := range c.Errs {
		var f *collect.Failure
		if !errors.As(err, &f) || f.HTTPStatus != http.StatusUnauthorized || f.Fix != graph.FixTokenRejected ||
			!strings.Contains(f.Message, "Access token has expired") || !strings.Contains(f.Message, auth.ErrNotRenewed.Error()) {
			t.Errorf("%s: %#v", id, err)
		}
	}
}

// A second 401, to the renewed token, is an error naming the sign-in.
func TestGraphSecond401IsAnError(t *testing.T) {
	_, cfg := faultEnv(t, nil)
	cred := auth.NewSimCredential()
	cfg.Credential = cred
	calls := 0
	var mu sync.Mutex
	cfg.HTTPClient = &http.Client{Transport: rewrite{next: http.DefaultTransport, answer: func(r *http.Request) *http.Response {
		mu.Lock()
		calls++
		mu.Unlock()
		return graphErrorResponse(r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.", nil)
	}}}
	r := runTask(t, cfg, graph.TaskDomains)
	f := graph.Explain(r.err)
	if f.HTTPStatus != http.StatusUnauthorized || f.Fix != graph.FixTokenRejected || calls != 2 {
		t.Errorf("%+v after %d requests, want a 401 naming the sign-in after 2", f, calls)
	}
	if tok, _ := cred.GetToken(context.Background(), scopes()); tok.Token != auth.SimToken+"-2" {
		t.Errorf("the credential is at %s, want one renewal", tok.Token)
	}
}

// Resets under every built-in scenario, and a throttled /beta path: the
// snapshot is the clean one.
func TestGraphBuiltinsUnderResets(t *testing.T) {
	for _, name := range sim.Builtins() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			get := func(f *sim.Faults) collecttest.Result {
				srv := simtest.ServeBuiltin(t, name, sim.Options{PageSize: 4, Faults: f})
				return collectGraph(t, graph.Config{BaseURL: srv.URL(), Credential: auth.NewSimCredential(), AsOf: srv.Scenario().AsOf()})
			}
			clean := get(nil)
			third := 0.3
			faulty := get(&sim.Faults{Seed: 11, Resets: 0.1, RetryAfter: 10 * time.Millisecond,
				Paths: map[string]sim.Rates{"/beta/": {Throttle: &third}}})
			if !reflect.DeepEqual(clean.Errs, faulty.Errs) {
				t.Fatalf("errors: clean %v, under faults %v", clean.Errs, faulty.Errs)
			}
			if clean.JSON != faulty.JSON {
				t.Errorf("the snapshot under faults differs from the clean one")
			}
		})
	}
}

func scopes() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{graph.Scope}}
}
