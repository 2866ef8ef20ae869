package okta_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/collect/collecttest"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

func collectWaits(t *testing.T, cfg okta.Config) collecttest.Result {
	t.Helper()
	tasks, err := okta.Tasks(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return collecttest.Run(t, tasks)
}

func oktaEnv(t *testing.T, f *sim.Faults) (*sim.Server, okta.Config) {
	t.Helper()
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{PageSize: 3, Faults: collecttest.ShortWaits(f)})
	return srv, okta.Config{OrgURL: srv.URL(), Token: auth.SimToken, AsOf: srv.Scenario().AsOf()}
}

func cleanOkta(t *testing.T) string {
	t.Helper()
	_, cfg := oktaEnv(t, nil)
	r := collectWaits(t, cfg)
	return r.Clean(t)
}

// Reset connections are retried: the snapshot is the clean one, each
// retry a wait saying what happened.
func TestOktaResetsGiveTheCleanSnapshot(t *testing.T) {
	clean := cleanOkta(t)
	srv, cfg := oktaEnv(t, &sim.Faults{Seed: 6, Resets: 0.15})
	r := collectWaits(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors under resets: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot under resets differs from the clean one")
	}
	st := srv.FaultStats()["okta"]
	if st.Faults["reset"]+st.Faults["resetMidBody"] == 0 {
		t.Fatalf("no reset injected: %+v", st)
	}
	waits := r.AllWaits()
	if len(waits) == 0 {
		t.Fatal("no wait reported")
	}
	for _, w := range waits {
		if !strings.Contains(w, " (Okta, GET /") {
			t.Errorf("wait %q does not say what happened where", w)
		}
	}
	if !r.Waited("the connection was reset") {
		t.Errorf("no wait names the reset: %q", waits)
	}
}

// A per-path rate hits that path only.
func TestOktaPerPathServerErrors(t *testing.T) {
	clean := cleanOkta(t)
	half := 0.5
	_, cfg := oktaEnv(t, &sim.Faults{Seed: 2, Paths: map[string]sim.Rates{"/api/v1/zones": {ServerErrors: &half}, "/api/v1/apps": {ServerErrors: &half}}})
	r := collectWaits(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot differs from the clean one")
	}
	if len(r.AllWaits()) == 0 {
		t.Error("no wait at a 0.5 rate of 500s")
	}
	for id, ws := range r.Waits {
		for _, w := range ws {
			if (id != okta.SourceZones || w != "HTTP 500 (Okta, GET /api/v1/zones)") &&
				(id != okta.SourceApps || w != "HTTP 500 (Okta, GET /api/v1/apps)") {
				t.Errorf("%s: wait %q", id, w)
			}
		}
	}
}

// A request held past RequestTimeout is cut and retried.
func TestOktaAttemptTimeoutIsRetried(t *testing.T) {
	clean := cleanOkta(t)
	_, cfg := oktaEnv(t, &sim.Faults{Seed: 8, Timeouts: 0.1, TimeoutHold: 30 * time.Second})
	cfg.RequestTimeout = 300 * time.Millisecond
	start := time.Now()
	r := collectWaits(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot differs from the clean one")
	}
	if !r.Waited("no answer within 300ms (Okta, GET /") {
		t.Errorf("no wait names the timeout: %q", r.AllWaits())
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %v", el)
	}
}

// An API token (SSWS) that expires mid-run cannot be renewed: every
// source still running fails with Okta's 401, the fix saying to create a
// new token.
func TestOktaAPITokenExpiresMidRun(t *testing.T) {
	srv, cfg := oktaEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 10})
	r := collectWaits(t, cfg)
	if len(r.Errs) == 0 {
		t.Fatal("every source passed with an expired API token")
	}
	for id, err := range r.Errs {
		if skippedFactors(id, err) {
			continue
		}
		var f *collect.Failure
		if !errors.As(err, &f) || f.HTTPStatus != http.StatusUnauthorized || f.Fix != okta.FixAPIToken || !strings.Contains(f.Message, "E0000011 Invalid token provided") {
			t.Errorf("%s: %#v", id, err)
		}
	}
	if st := srv.FaultStats()["okta"]; st.TokensSeen != 1 {
		t.Errorf("tokens: %+v, want the one API token", st)
	}
}

// A service app's access token (Bearer) that expires mid-run is renewed
// with Config.Renew, once for all the requests refused at once; the
// snapshot is the clean one.
func TestOktaBearerTokenRenewed(t *testing.T) {
	clean := cleanOkta(t)
	srv, cfg := oktaEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 10})
	cfg.AuthMode, cfg.Token = "Bearer", "access-1"
	var renewals atomic.Int32
	cfg.Renew = func(context.Context) (string, error) {
		return "access-" + strconv.Itoa(int(renewals.Add(1))+1), nil
	}
	r := collectWaits(t, cfg)
	if len(r.Errs) > 0 {
		t.Fatalf("errors: %v", r.Errs)
	}
	if r.JSON != clean {
		t.Error("the snapshot after a renewed token differs from the clean one")
	}
	st := srv.FaultStats()["okta"]
	if renewals.Load() != 1 || st.TokensSeen != 2 || st.TokensExpired != 1 || st.TokenRefusals == 0 {
		t.Errorf("%d renewals, tokens %+v; want 1 renewal, 2 tokens seen, 1 expired", renewals.Load(), st)
	}
	if waits := r.AllWaits(); len(waits) != st.TokenRefusals || !r.Waited("Okta refused the access token on GET /") {
		t.Errorf("%d refusals, waits %q", st.TokenRefusals, waits)
	}
}

// A Bearer token Okta refuses again after renewal, or that cannot be
// renewed, is an error naming the service app's token.
func TestOktaBearerRenewalFails(t *testing.T) {
	_, cfg := oktaEnv(t, &sim.Faults{Seed: 1, ExpireTokens: 10})
	cfg.AuthMode, cfg.Token = "Bearer", "access-1"
	cfg.Renew = func(context.Context) (string, error) { return "", errors.New("invalid_client") }
	r := collectWaits(t, cfg)
	if len(r.Errs) == 0 {
		t.Fatal("no source failed")
	}
	for id, err := range r.Errs {
		if skippedFactors(id, err) {
			continue
		}
		var f *collect.Failure
		if !errors.As(err, &f) || f.HTTPStatus != 401 || !strings.HasPrefix(f.Fix, "the OAuth access token was rejected") ||
			!strings.Contains(f.Message, "could not be had: invalid_client") {
			t.Errorf("%s: %#v", id, err)
		}
	}

	// Refused again after a renewal: one renewal, then Okta's 401.
	_, cfg = oktaEnv(t, nil)
	cfg.AuthMode, cfg.Token = "Bearer", "access-1"
	var renewals atomic.Int32
	cfg.Renew = func(context.Context) (string, error) { renewals.Add(1); return "access-2", nil }
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/zones") {
			r = r.Clone(r.Context())
			r.Header.Del("Authorization")
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	res := collectWaits(t, cfg)
	var f *collect.Failure
	if !errors.As(res.Errs[okta.SourceZones], &f) || f.HTTPStatus != 401 || !strings.HasPrefix(f.Fix, "the OAuth access token was rejected") || renewals.Load() != 1 {
		t.Errorf("zones: %#v after %d renewals", res.Errs[okta.SourceZones], renewals.Load())
	}
}

// skippedFactors: okta.factors is skipped, not failed, when the users
// could not be listed.
func skippedFactors(id string, err error) bool {
	var sk *collect.Skipped
	return id == okta.SourceFactors && errors.As(err, &sk) && strings.Contains(sk.Why, "could not be listed")
}
