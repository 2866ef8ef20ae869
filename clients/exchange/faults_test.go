package exchange_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/collect/collecttest"
	"github.com/harden365/harden365/clients/exchange"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

// collectConcurrently runs every Exchange task at once, as Discover does.
func collectConcurrently(t *testing.T, cfg exchange.Config) collecttest.Result {
	t.Helper()
	return collecttest.Run(t, exchange.Tasks(cfg))
}

func exoEnv(t *testing.T, f *sim.Faults) (*sim.Server, exchange.Config) {
	t.Helper()
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{PageSize: 3, Faults: collecttest.ShortWaits(f)})
	return srv, exchange.Config{BaseURL: srv.URL(), TenantID: srv.Scenario().TenantID(), Credential: auth.NewSimCredential(),
		RetryBase: time.Millisecond}
}

func cleanExchange(t *testing.T) string {
	t.Helper()
	_, cfg := exoEnv(t, nil)
	r := collectConcurrently(t, cfg)
	return r.Clean(t)
}

// InvokeCommand is a POST, but a Get- cmdlet is a read: a reset
// connection is retried, and the snapshot is the clean one.
func TestExchangeResetsGiveTheCleanSnapshot(t *testing.T) {
	clean := cleanExchange(t)
	srv, cfg := exoEnv(t, &sim.Faults{Seed: 3, Resets: 0.15})
	r := collectConcurrently(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors under resets: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot under resets differs from the clean one")
	}
	st := srv.FaultStats()["exchange"]
	resets := st.Faults["reset"] + st.Faults["resetMidBody"]
	if resets == 0 {
		t.Fatalf("no reset injected: %+v", st)
	}
	waits := r.AllWaits()
	if len(waits) != resets {
		t.Errorf("%d resets, %d waits reported: %q", resets, len(waits), waits)
	}
	for _, w := range waits {
		if !strings.Contains(w, "(Exchange, Get-") {
			t.Errorf("wait %q does not say what happened where", w)
		}
	}
	if !r.Waited("the connection was reset") {
		t.Errorf("no wait names the reset: %q", waits)
	}
}

// A per-cmdlet rate hits that cmdlet only.
func TestExchangePerCmdletServerErrors(t *testing.T) {
	clean := cleanExchange(t)
	half := 0.5
	_, cfg := exoEnv(t, &sim.Faults{Seed: 5, Paths: map[string]sim.Rates{"Get-CASMailbox": {ServerErrors: &half}}})
	r := collectConcurrently(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot differs from the clean one")
	}
	if len(r.Waits["exchange.Get-CASMailbox"]) == 0 {
		t.Error("Get-CASMailbox reported no wait at a 0.5 rate of 503s")
	}
	for id, ws := range r.Waits {
		for _, w := range ws {
			if id != "exchange.Get-CASMailbox" || w != "Exchange unavailable (503, Get-CASMailbox)" {
				t.Errorf("%s: wait %q", id, w)
			}
		}
	}
}

// A request held past RequestTimeout is cut and retried, the wait naming
// the timeout.
func TestExchangeAttemptTimeoutIsRetried(t *testing.T) {
	clean := cleanExchange(t)
	_, cfg := exoEnv(t, &sim.Faults{Seed: 8, Timeouts: 0.1, TimeoutHold: 30 * time.Second})
	cfg.RequestTimeout = 300 * time.Millisecond
	start := time.Now()
	r := collectConcurrently(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot differs from the clean one")
	}
	if !r.Waited("no answer within 300ms (Exchange, Get-") {
		t.Errorf("no wait names the timeout: %q", r.AllWaits())
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %v: held requests were not cut at 300ms", el)
	}
}

// The token expires mid-run: renewed once, the requests resent, the
// snapshot the clean one; the simulator saw exactly two tokens.
func TestExchangeTokenExpiresMidRun(t *testing.T) {
	clean := cleanExchange(t)
	srv, cfg := exoEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 15})
	r := collectConcurrently(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot after a renewed token differs from the clean one")
	}
	st := srv.FaultStats()["exchange"]
	if st.TokensSeen != 2 || st.TokensExpired != 1 || st.TokenRefusals == 0 {
		t.Errorf("tokens: %+v, want 2 seen, 1 expired, some refusals", st)
	}
	if waits := r.AllWaits(); len(waits) != st.TokenRefusals || !r.Waited("Exchange refused the access token (Get-") {
		t.Errorf("%d refusals, waits %q", st.TokenRefusals, waits)
	}
}

// No new token can be had: the cmdlets still running fail with a 401
// naming the sign-in (not the app's set-up: earlier requests got
// through).
func TestExchangeTokenCannotBeRenewed(t *testing.T) {
	_, cfg := exoEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 15})
	cfg.Credential = auth.Static("t")
	r := collectConcurrently(t, cfg)
	if len(r.Errs) == 0 {
		t.Fatal("every cmdlet passed with an expired token")
	}
	for id, err := range r.Errs {
		var f *collect.Failure
		if !errors.As(err, &f) || f.HTTPStatus != http.StatusUnauthorized || f.Fix != exchange.FixSignIn ||
			!strings.Contains(f.Message, "could not be had: "+auth.ErrNotRenewed.Error()) {
			t.Errorf("%s: %#v", id, err)
		}
	}
}

// A 401 to the renewed token too is an error naming the sign-in, after
// exactly one renewal.
func TestExchangeSecond401IsAnError(t *testing.T) {
	_, cfg := exoEnv(t, nil)
	cred := auth.NewSimCredential()
	cfg.Credential = cred
	var calls int
	cfg.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return http.DefaultTransport.RoundTrip(r)
		}
		return &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})}
	c := exchange.New(cfg)
	if _, err := c.Invoke(context.Background(), "Get-OrganizationConfig", nil, exchange.Hooks{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Invoke(context.Background(), "Get-TransportConfig", nil, exchange.Hooks{})
	var f *collect.Failure
	if !errors.As(err, &f) || f.HTTPStatus != 401 || f.Fix != exchange.FixSignIn || calls != 3 {
		t.Errorf("%#v after %d requests, want a 401 naming the sign-in after 3", err, calls)
	}
	if tok, _ := cred.GetToken(context.Background(), scopes()); tok.Token != auth.SimToken+"-2" {
		t.Errorf("credential at %s, want one renewal", tok.Token)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func scopes() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{exchange.Scope}}
}
