package okta_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

const minimal = "../../testdata/scenarios/minimal.json"

// scenarioFiles: the shape example and every built-in scenario.
func scenarioFiles(t *testing.T) []string {
	builtins, err := filepath.Glob("../../sim/scenarios/*.json")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{minimal}, builtins...)
}

func readFile(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// startSim serves data and returns the server and the file decoded with
// encoding/json (the expectation's source).
func startSim(t *testing.T, data []byte, name string, opts sim.Options) (*sim.Server, map[string]any) {
	t.Helper()
	return simtest.Serve(t, data, name, opts)
}

func asOf(t *testing.T, doc map[string]any) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", str(doc["asOf"]))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func config(url string, doc map[string]any, t *testing.T) okta.Config {
	return okta.Config{OrgURL: url, Token: auth.SimToken, AsOf: asOf(t, doc)}
}

type result struct {
	snap *tenant.Snapshot
	reps map[string]*collect.Reporter
	errs map[string]error
}

// collectAll runs every task concurrently (as Discover does) and applies
// the results serially to a fresh snapshot.
func collectAll(t *testing.T, cfg okta.Config) result {
	t.Helper()
	tasks, err := okta.Tasks(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := result{snap: &tenant.Snapshot{}, reps: map[string]*collect.Reporter{}, errs: map[string]error{}}
	applies := make([]func(*tenant.Snapshot), len(tasks))
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, task := range tasks {
		rep := collect.NewReporter(task.ID, task.Service, nil)
		res.reps[task.ID] = rep
		wg.Go(func() { applies[i], errs[i] = task.Run(ctx, rep) })
	}
	wg.Wait()
	for i, task := range tasks {
		res.errs[task.ID] = errs[i]
		if errs[i] == nil {
			applies[i](res.snap)
		}
	}
	return res
}

func TestOktaTaskIDs(t *testing.T) {
	tasks, err := okta.Tasks(okta.Config{OrgURL: "https://acme.okta.com", Token: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, task := range tasks {
		ids = append(ids, task.ID)
		if task.Service != "okta" || task.Run == nil {
			t.Errorf("%s: service %q, run set %v", task.ID, task.Service, task.Run != nil)
		}
	}
	want := []string{"okta.org", "okta.apps", "okta.policies", "okta.groups", "okta.users", "okta.factors", "okta.zones", "okta.logs"}
	if !slices.Equal(ids, want) {
		t.Errorf("task ids = %v, want %v", ids, want)
	}
}

func TestOktaConfigRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  okta.Config
		want string
	}{
		{"no url", okta.Config{Token: "x"}, "no org URL"},
		{"no token", okta.Config{OrgURL: "https://acme.okta.com"}, "no API token"},
		{"blank token", okta.Config{OrgURL: "https://acme.okta.com", Token: "  "}, "no API token"},
		{"plain http off loopback", okta.Config{OrgURL: "http://acme.okta.com", Token: "x"}, "https"},
		{"unknown scheme", okta.Config{OrgURL: "ftp://acme.okta.com", Token: "x"}, "https"},
		{"a path", okta.Config{OrgURL: "https://acme.okta.com/admin", Token: "x"}, "not an org URL"},
		{"auth mode", okta.Config{OrgURL: "https://acme.okta.com", Token: "x", AuthMode: "Basic"}, "auth mode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := okta.Tasks(c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one saying %q", err, c.want)
			}
		})
	}
	for _, ok := range []string{"http://127.0.0.1:1234", "http://localhost:1/", "http://[::1]:8080", "https://acme.okta.com/"} {
		if _, err := okta.Tasks(okta.Config{OrgURL: ok, Token: "x", AuthMode: "bearer"}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestOktaCollectsScenarios collects every scenario through the real SDK
// against the simulator (pages of 2) and compares field by field with the
// scenario file.
func TestOktaCollectsScenarios(t *testing.T) {
	for _, file := range scenarioFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data := readFile(t, file)
			srv, doc := startSim(t, data, file, sim.Options{PageSize: 2})
			if doc["okta"] == nil {
				t.Skip("no okta section")
			}
			res := collectAll(t, config(srv.URL(), doc, t))
			checkAgainstFile(t, doc, res, 2)
		})
	}
}

// TestOktaPagingAndMapping uses an enlarged copy of the shape example:
// several pages of every list, rules with every modelled condition and
// some that are not, and log events outside the window or of other types.
func TestOktaPagingAndMapping(t *testing.T) {
	data := enlarged(t)
	srv, doc := startSim(t, data, "enlarged.json", sim.Options{PageSize: 2})
	res := collectAll(t, config(srv.URL(), doc, t))
	checkAgainstFile(t, doc, res, 2)

	snap := res.snap
	for _, id := range []string{"okta.apps", "okta.policies", "okta.groups", "okta.users", "okta.zones", "okta.logs"} {
		if _, pages, _ := res.reps[id].Counts(); pages < 2 {
			t.Errorf("%s: %d pages, want several", id, pages)
		}
	}
	// The exotic rule, literally.
	exotic := findRule(t, snap, "rst1fab", "0pr4exo")
	want := tenant.OktaRule{
		ID: "0pr4exo", Name: "Everything at once", Status: "INACTIVE", Priority: 3,
		Created:       time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC),
		LastUpdated:   time.Date(2026, 10, 11, 21, 35, 42, 0, time.UTC),
		UsersInclude:  []string{"00u1ann"},
		UsersExclude:  []string{"00u2scan"},
		GroupsInclude: []string{"00g2eng", "00g3big"},
		// "exclude": [] on the wire reads as absent.
		NetworkConnection: "ZONE",
		NetworkExclude:    []string{"nzo1office"},
		PlatformInclude:   []string{"MOBILE/IOS", "MOBILE/ANDROID", "DESKTOP/ANY"},
		PlatformExclude:   []string{"DESKTOP/OTHER"},
		DeviceRegistered:  ptr(true),
		DeviceManaged:     ptr(false),
		DeviceAssurance:   []string{"dae1"},
		ElCondition:       `request.userAgent.contains("Windows-AzureAD-Authentication-Provider")`,
		RiskScore:         "HIGH",
		Office365Client:   []string{"MODERN_AUTH", "AAD_JOIN"},
		Unmodelled:        []string{"authContext", "device.platform", "office365Client.exclude", "userType"},
		Access:            "ALLOW",
		FactorMode:        "2FA",
		VerificationType:  "AUTH_METHOD_CHAIN",
		ReauthenticateIn:  "PT0S",
		Constraints:       []string{"knowledge:password+possession", "possession:push,signed_nonce"},
	}
	diffFields(t, "rule 0pr4exo", want, exotic)

	// Deprovisioned users are not listed by Okta's users list.
	for _, u := range snap.Okta.Users {
		if u.ID == "00u9gone" {
			t.Errorf("deprovisioned user listed: %+v", u)
		}
	}
	// Group members read across pages.
	for _, g := range snap.Okta.Groups {
		if g.ID == "00g3big" && len(g.Members) != 5 {
			t.Errorf("group 00g3big: %d members, want 5 (%v)", len(g.Members), g.Members)
		}
	}
	// Only office365 apps, all instances.
	if len(snap.Okta.Apps) != 3 {
		t.Errorf("apps = %d, want the 3 office365 instances", len(snap.Okta.Apps))
	}
	// The window is the 30 days before asOf; other event types are left out.
	var uuids []string
	for _, l := range snap.Okta.Logs {
		uuids = append(uuids, l.UUID)
	}
	for _, out := range []string{"log-old", "log-at-asof", "log-session"} {
		if slices.Contains(uuids, out) {
			t.Errorf("log %s collected, want it left out (%v)", out, uuids)
		}
	}
	if !slices.Contains(uuids, "log-edge") {
		t.Errorf("log at exactly asOf-30d missing (%v)", uuids)
	}
}

// TestOktaMinimalSpotChecks states a few of the shape example's rules
// literally, so that a mapping bug shared by the collector and the
// generic expectation still shows.
func TestOktaMinimalSpotChecks(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{})
	res := collectAll(t, config(srv.URL(), doc, t))
	for id, err := range res.errs {
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	o := res.snap.Okta
	if !o.Configured || o.OrgURL != "https://fabrikam.okta.com" || o.Pipeline != "idx" || !strings.HasPrefix(o.OrgID, "00o") || !o.IdentityEngine() {
		t.Errorf("org: configured %v, url %q, pipeline %q, id %q", o.Configured, o.OrgURL, o.Pipeline, o.OrgID)
	}
	if len(o.Apps) != 1 || o.Apps[0].AccessPolicyID != "rst1fab" || o.Apps[0].SignOnMode != "SAML_1_1" ||
		o.Apps[0].Domain != "fabrikam.example" || o.Apps[0].MsftTenant != "fabrikamexample" || o.Apps[0].WsFedConfigureType != "AUTO" {
		t.Errorf("apps = %+v", o.Apps)
	}
	deny := findRule(t, res.snap, "rst1fab", "0pr1deny")
	if deny.Access != "DENY" || !slices.Equal(deny.Office365Client, []string{"EXCHANGE_ACTIVE_SYNC"}) ||
		!slices.Equal(deny.GroupsExclude, []string{"00g1exc"}) || deny.GroupsInclude != nil || deny.NetworkConnection != "ANYWHERE" || deny.Priority != 0 {
		t.Errorf("deny rule = %+v", deny)
	}
	exc := findRule(t, res.snap, "rst1fab", "0pr2exc")
	if exc.Access != "ALLOW" || !slices.Equal(exc.GroupsInclude, []string{"00g1exc"}) || exc.NetworkConnection != "ZONE" ||
		!slices.Equal(exc.NetworkInclude, []string{"nzo1office"}) || exc.FactorMode != "1FA" {
		t.Errorf("exception rule = %+v", exc)
	}
	mfa := findRule(t, res.snap, "rst1fab", "0pr3mfa")
	if mfa.FactorMode != "2FA" || mfa.ReauthenticateIn != "PT2H" || mfa.VerificationType != "ASSURANCE" ||
		!slices.Equal(mfa.Constraints, []string{"knowledge:password"}) || !slices.Equal(mfa.Office365Client, []string{"WEB", "MODERN_AUTH"}) {
		t.Errorf("MFA rule = %+v", mfa)
	}
	all := findRule(t, res.snap, "rst1fab", "0pr9all")
	if !all.System || all.Priority != 99 || all.Access != "DENY" || all.Office365Client != nil || all.Unmodelled != nil {
		t.Errorf("catch-all rule = %+v", all)
	}
	var order []string
	for _, r := range o.Policies[0].Rules {
		order = append(order, r.ID)
	}
	if !slices.Equal(order, []string{"0pr1deny", "0pr2exc", "0pr3mfa", "0pr9all"}) {
		t.Errorf("rule order = %v", order)
	}
	if len(o.Groups) != 1 || !slices.Equal(o.Groups[0].Members, []string{"00u2scan"}) || o.Groups[0].Name != "O365 legacy exceptions" {
		t.Errorf("groups = %+v", o.Groups)
	}
	if len(o.Users) != 2 || len(o.Users[0].Factors) != 1 || o.Users[0].Factors[0].FactorType != "push" || len(o.Users[1].Factors) != 0 {
		t.Errorf("users = %+v", o.Users)
	}
	if len(o.Zones) != 1 || !slices.Equal(o.Zones[0].Gateways, []string{"198.51.100.0/24"}) {
		t.Errorf("zones = %+v", o.Zones)
	}
	if len(o.Logs) != 1 || o.Logs[0].UserAgent != "Microsoft Office/16.0 (IMAP)" || o.Logs[0].IPAddress != "198.51.100.7" ||
		o.Logs[0].Result != "SUCCESS" || !slices.Equal(o.Logs[0].TargetIDs, []string{"0oa1fab"}) || o.Logs[0].ActorAlternateID != "scanner@fabrikam.example" {
		t.Errorf("logs = %+v", o.Logs)
	}
}

// TestOktaClassicEngine: on a Classic org the rules are not readable;
// okta.policies says so (with the manual check), the rest still works.
func TestOktaClassicEngine(t *testing.T) {
	files := []string{}
	for _, f := range scenarioFiles(t) {
		var doc map[string]any
		_ = json.Unmarshal(readFile(t, f), &doc)
		if str(obj(doc["okta"])["pipeline"]) == "v1" {
			files = append(files, f)
		}
	}
	type variant struct {
		name string
		data []byte
		// emptyList makes policies?type=ACCESS_POLICY answer [] (Okta's
		// other possible Classic answer) instead of the simulator's 400.
		emptyList bool
	}
	variants := []variant{
		{"minimal as Classic (400)", classic(t, readFile(t, minimal)), false},
		{"minimal as Classic (empty list)", classic(t, readFile(t, minimal)), true},
	}
	for _, f := range files {
		variants = append(variants, variant{filepath.Base(f), readFile(t, f), false})
	}
	if len(files) == 0 {
		t.Log("no built-in Classic scenario yet (okta-classic); the minimal example stands in")
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			srv, doc := startSim(t, v.data, v.name, sim.Options{PageSize: 2})
			cfg := config(srv.URL(), doc, t)
			if v.emptyList {
				cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
					if r.URL.Path == "/api/v1/policies" && r.URL.Query().Get("type") == "ACCESS_POLICY" {
						return jsonResponse(r, http.StatusOK, "[]"), nil
					}
					return http.DefaultTransport.RoundTrip(r)
				})}
			}
			res := collectAll(t, cfg)
			var f *collect.Failure
			if err := res.errs["okta.policies"]; !errors.As(err, &f) {
				t.Fatalf("okta.policies: err = %v, want a *collect.Failure", err)
			}
			if f.HTTPStatus != 400 ||
				!strings.HasPrefix(f.Message, "Classic Engine: the Office 365 app's sign-on rules are not readable through Okta's public API (") ||
				f.Fix != "check them by hand: Admin Console → Applications → Microsoft Office 365 → Sign On; harden365 reads the System Log for evidence of legacy sign-ins instead" {
				t.Errorf("failure = %+v", f)
			}
			if v.emptyList != strings.Contains(f.Message, "pipeline v1") {
				t.Errorf("failure message %q does not name the reason it should", f.Message)
			}
			for id, err := range res.errs {
				if id != "okta.policies" && err != nil {
					t.Errorf("%s: %v (only okta.policies may fail on Classic)", id, err)
				}
			}
			if res.snap.Okta.Pipeline != "v1" || res.snap.Okta.IdentityEngine() || res.snap.Okta.Policies != nil {
				t.Errorf("okta = pipeline %q, policies %v", res.snap.Okta.Pipeline, res.snap.Okta.Policies)
			}
			checkLogs(t, doc, res.snap)
			if len(res.snap.Okta.Logs) == 0 {
				t.Errorf("no System Log evidence collected on Classic")
			}
		})
	}
}

// TestOktaTokenRejected: the simulator answers a request without a token
// as Okta does (401 E0000011); every authenticated source says to make a
// new token. okta.org needs no token.
func TestOktaTokenRejected(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{})
	for _, mode := range []string{"SSWS", "Bearer"} {
		t.Run(mode, func(t *testing.T) {
			cfg := config(srv.URL(), doc, t)
			cfg.AuthMode = mode
			cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Del("Authorization")
				return http.DefaultTransport.RoundTrip(r)
			})}
			res := collectAll(t, cfg)
			if err := res.errs["okta.org"]; err != nil {
				t.Errorf("okta.org: %v", err)
			}
			for _, id := range []string{"okta.apps", "okta.policies", "okta.groups", "okta.users", "okta.zones", "okta.logs"} {
				var f *collect.Failure
				if !errors.As(res.errs[id], &f) {
					t.Errorf("%s: err = %v, want a *collect.Failure", id, res.errs[id])
					continue
				}
				if f.HTTPStatus != 401 || !strings.Contains(f.Message, "E0000011 Invalid token provided") {
					t.Errorf("%s: %+v", id, f)
				}
				wantFix := "the Okta API token was rejected: create a new one (Security → API → Tokens)"
				if mode == "Bearer" {
					wantFix = "the OAuth access token was rejected"
				}
				if !strings.HasPrefix(f.Fix, wantFix) {
					t.Errorf("%s: fix = %q, want %q", id, f.Fix, wantFix)
				}
			}
		})
	}
}

// TestOktaForbidden: Okta's 403 names the scope of that source and the
// admin role that covers the reads.
func TestOktaForbidden(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{})
	forbidden := map[string]string{
		"/api/v1/apps": "okta.apps", "/api/v1/policies": "okta.policies", "/api/v1/groups": "okta.groups",
		"/api/v1/users": "okta.users", "/api/v1/zones": "okta.zones", "/api/v1/logs": "okta.logs",
	}
	scope := map[string]string{
		"okta.apps": "okta.apps.read", "okta.policies": "okta.policies.read", "okta.groups": "okta.groups.read",
		"okta.users": "okta.users.read", "okta.zones": "okta.networkZones.read", "okta.logs": "okta.logs.read",
	}
	cfg := config(srv.URL(), doc, t)
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if _, ok := forbidden[r.URL.Path]; ok {
			return jsonResponse(r, http.StatusForbidden, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae1","errorCauses":[]}`), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	res := collectAll(t, cfg)
	for _, id := range forbidden {
		var f *collect.Failure
		if !errors.As(res.errs[id], &f) {
			t.Errorf("%s: err = %v, want a *collect.Failure", id, res.errs[id])
			continue
		}
		if f.HTTPStatus != 403 || f.Message != "E0000006 You do not have permission to perform the requested action" {
			t.Errorf("%s: %+v", id, f)
		}
		if !strings.Contains(f.Fix, scope[id]) || !strings.Contains(f.Fix, "Read-Only Administrator") {
			t.Errorf("%s: fix %q should name %s and the Read-Only Administrator role", id, f.Fix, scope[id])
		}
	}
	if res.errs["okta.org"] != nil {
		t.Errorf("okta.org: %v", res.errs["okta.org"])
	}
}

// TestOktaRateLimited: the SDK retries Okta's 429 by itself; the task
// reports each wait, and a source still throttled after the retries fails
// with a 429 that says what to do.
func TestOktaRateLimited(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{})
	throttle := func(r *http.Request) *http.Response {
		resp := jsonResponse(r, http.StatusTooManyRequests, `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae2","errorCauses":[]}`)
		// Reset already passed: the SDK retries at once.
		resp.Header.Set("X-Rate-Limit-Reset", fmt.Sprint(time.Now().Unix()-5))
		return resp
	}
	var mu sync.Mutex
	calls := map[string]int{}
	cfg := config(srv.URL(), doc, t)
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		calls[r.URL.Path]++
		n := calls[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/api/v1/zones" && n == 1, r.URL.Path == "/api/v1/logs":
			return throttle(r), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	res := collectAll(t, cfg)
	if err := res.errs["okta.zones"]; err != nil || len(res.snap.Okta.Zones) != 1 {
		t.Errorf("okta.zones after one 429: %v, zones %v", err, res.snap.Okta.Zones)
	}
	if _, _, retries := res.reps["okta.zones"].Counts(); retries != 1 {
		t.Errorf("okta.zones: %d waits reported, want 1", retries)
	}
	var f *collect.Failure
	if !errors.As(res.errs["okta.logs"], &f) || f.HTTPStatus != 429 || !strings.Contains(f.Message, "429 Too Many Requests") || !strings.Contains(f.Fix, "rate limit") {
		t.Errorf("okta.logs: %#v", res.errs["okta.logs"])
	}
	if _, _, retries := res.reps["okta.logs"].Counts(); retries != calls["/api/v1/logs"] || retries < 2 {
		t.Errorf("okta.logs: %d waits reported for %d throttled calls", retries, calls["/api/v1/logs"])
	}
}

// TestOktaRulesFailureNamesPolicy: an error on one policy's rules fails
// okta.policies with the policy named.
func TestOktaRulesFailureNamesPolicy(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{})
	cfg := config(srv.URL(), doc, t)
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/rules") {
			return jsonResponse(r, http.StatusForbidden, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae1","errorCauses":[]}`), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	res := collectAll(t, cfg)
	var f *collect.Failure
	if !errors.As(res.errs["okta.policies"], &f) || f.HTTPStatus != 403 ||
		f.Message != "rules of policy rst1fab: E0000006 You do not have permission to perform the requested action" ||
		!strings.Contains(f.Fix, "okta.policies.read") {
		t.Errorf("okta.policies: %#v", res.errs["okta.policies"])
	}
}

// TestOktaRulesSortedByPriority: rules are kept in priority order even
// when the API lists them otherwise.
func TestOktaRulesSortedByPriority(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{})
	cfg := config(srv.URL(), doc, t)
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil || !strings.HasSuffix(r.URL.Path, "/rules") {
			return resp, err
		}
		var rules []any
		err = json.NewDecoder(resp.Body).Decode(&rules)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		slices.Reverse(rules)
		body, _ := json.Marshal(rules)
		return jsonResponse(r, resp.StatusCode, string(body)), nil
	})}
	res := collectAll(t, cfg)
	if res.errs["okta.policies"] != nil {
		t.Fatal(res.errs["okta.policies"])
	}
	var order []int
	for _, r := range res.snap.Okta.Policies[0].Rules {
		order = append(order, r.Priority)
	}
	if !slices.Equal(order, []int{0, 1, 2, 99}) {
		t.Errorf("rule priorities in order %v, want [0 1 2 99]", order)
	}
}

// TestOktaIgnoresSDKEnvironment: okta-sdk-golang also reads OKTA_CLIENT_*
// variables; the explicit configuration must win.
func TestOktaIgnoresSDKEnvironment(t *testing.T) {
	srv, doc := startSim(t, readFile(t, minimal), minimal, sim.Options{PageSize: 1})
	for k, v := range map[string]string{
		"OKTA_CLIENT_ORGURL": "https://elsewhere.okta.com", "OKTA_CLIENT_TOKEN": "wrong",
		"OKTA_CLIENT_AUTHORIZATIONMODE": "PrivateKey", "OKTA_CLIENT_CACHE_ENABLED": "true",
		"OKTA_CLIENT_REQUEST_TIMEOUT": "1", "OKTA_TESTING_DISABLE_HTTPS_CHECK": "false",
		"OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES": "0",
	} {
		t.Setenv(k, v)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	cfg := config(srv.URL(), doc, t)
	cfg.AuthMode = "Bearer"
	cfg.Concurrency = 1
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen[r.Header.Get("Authorization")] = true
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	res := collectAll(t, cfg)
	checkAgainstFile(t, doc, res, 1)
	if len(seen) != 1 || !seen["Bearer "+auth.SimToken] {
		t.Errorf("Authorization headers sent: %v", seen)
	}
}

// TestOktaConcurrencyLimit: no more requests in flight than Concurrency.
func TestOktaConcurrencyLimit(t *testing.T) {
	srv, doc := startSim(t, enlarged(t), "enlarged.json", sim.Options{PageSize: 2, Latency: 5 * time.Millisecond})
	for _, limit := range []int{1, 3} {
		var mu sync.Mutex
		inFlight, peak := 0, 0
		cfg := config(srv.URL(), doc, t)
		cfg.Concurrency = limit
		cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
			return http.DefaultTransport.RoundTrip(r)
		})}
		res := collectAll(t, cfg)
		checkAgainstFile(t, doc, res, 2)
		if peak > limit || peak == 0 {
			t.Errorf("concurrency %d: peak %d requests in flight", limit, peak)
		}
	}
}

// --- expectations from the scenario file

// checkAgainstFile compares the collected snapshot with the file, field
// by field; pageSize is the simulator's page size, used to check how many
// pages each source reported.
func checkAgainstFile(t *testing.T, doc map[string]any, res result, pageSize int) {
	t.Helper()
	o := obj(doc["okta"])
	classic := str(o["pipeline"]) == "v1"
	for id, err := range res.errs {
		if err != nil && !(classic && id == "okta.policies") {
			t.Errorf("%s: %v", id, err)
		}
	}
	snap := res.snap.Okta
	if !snap.Configured || snap.OrgURL != str(o["orgUrl"]) || snap.Pipeline != str(o["pipeline"]) || len(snap.OrgID) != 20 {
		t.Errorf("org: configured %v, url %q, pipeline %q, id %q", snap.Configured, snap.OrgURL, snap.Pipeline, snap.OrgID)
	}
	pages := func(n int) int { return max(1, (n+pageSize-1)/pageSize) }

	// Apps: the office365 instances, in the org's order.
	var apps []tenant.OktaApp
	for _, a := range list(o["apps"]) {
		m := obj(a)
		if str(m["name"]) != "office365" {
			continue
		}
		set := obj(obj(m["settings"])["app"])
		app := tenant.OktaApp{ID: str(m["id"]), Name: str(m["name"]), Label: str(m["label"]), Status: str(m["status"]),
			SignOnMode: str(m["signOnMode"]), Domain: str(set["domain"]), Domains: strs(set["domains"]), MsftTenant: str(set["msftTenant"]),
			WsFedConfigureType: str(set["wsFedConfigureType"]), LastUpdated: when(t, m["lastUpdated"])}
		if href := str(obj(obj(m["_links"])["accessPolicy"])["href"]); href != "" {
			app.AccessPolicyID = href[strings.LastIndex(href, "/")+1:]
		}
		apps = append(apps, app)
	}
	compareList(t, "apps", apps, snap.Apps, func(a tenant.OktaApp) string { return a.ID })
	checkCounts(t, res, "okta.apps", len(apps), pages(len(apps)))

	// Policies and rules (Identity Engine only).
	if !classic {
		var pols []tenant.OktaPolicy
		rulePages := 0
		for _, p := range list(o["policies"]) {
			m := obj(p)
			if str(m["type"]) != "ACCESS_POLICY" {
				continue
			}
			pol := tenant.OktaPolicy{ID: str(m["id"]), Name: str(m["name"]), Type: str(m["type"]), Status: str(m["status"]), System: m["system"] == true}
			raw := list(obj(o["policyRules"])[pol.ID])
			sort.SliceStable(raw, func(i, j int) bool { return num(obj(raw[i])["priority"]) < num(obj(raw[j])["priority"]) })
			for _, r := range raw {
				pol.Rules = append(pol.Rules, expectRule(t, obj(r)))
			}
			if len(pol.Rules) == 0 {
				pol.Rules = []tenant.OktaRule{}
			}
			rulePages += pages(len(raw))
			pols = append(pols, pol)
		}
		compareList(t, "policies", pols, snap.Policies, func(p tenant.OktaPolicy) string { return p.ID })
		for i := range min(len(pols), len(snap.Policies)) {
			compareList(t, "rules of "+pols[i].ID, pols[i].Rules, snap.Policies[i].Rules, func(r tenant.OktaRule) string { return r.ID })
		}
		checkCounts(t, res, "okta.policies", len(pols), pages(len(pols))+rulePages)
	}

	// Groups with members.
	var groups []tenant.OktaGroup
	memberPages := 0
	for _, g := range list(o["groups"]) {
		m := obj(g)
		grp := tenant.OktaGroup{ID: str(m["id"]), Name: str(obj(m["profile"])["name"]), Description: str(obj(m["profile"])["description"]),
			Type: str(m["type"]), Members: strs(obj(o["groupUsers"])[str(m["id"])])}
		if grp.Members == nil {
			grp.Members = []string{}
		}
		memberPages += pages(len(grp.Members))
		groups = append(groups, grp)
	}
	compareList(t, "groups", groups, snap.Groups, func(g tenant.OktaGroup) string { return g.ID })
	checkCounts(t, res, "okta.groups", len(groups), pages(len(groups))+memberPages)

	// Users (not deprovisioned) with factors.
	var users []tenant.OktaUser
	factors := 0
	for _, u := range list(o["users"]) {
		m := obj(u)
		if str(m["status"]) == "DEPROVISIONED" {
			continue
		}
		user := tenant.OktaUser{ID: str(m["id"]), Status: str(m["status"]), Login: str(obj(m["profile"])["login"]),
			Email: str(obj(m["profile"])["email"]), Factors: []tenant.OktaFactor{}}
		for _, f := range list(obj(o["factors"])[user.ID]) {
			fm := obj(f)
			user.Factors = append(user.Factors, tenant.OktaFactor{ID: str(fm["id"]), FactorType: str(fm["factorType"]),
				Provider: str(fm["provider"]), Status: str(fm["status"])})
		}
		factors += len(user.Factors)
		users = append(users, user)
	}
	compareList(t, "users", users, snap.Users, func(u tenant.OktaUser) string { return u.ID })
	checkCounts(t, res, "okta.users", len(users), pages(len(users)))
	checkCounts(t, res, "okta.factors", factors, len(users))

	// Zones.
	var zones []tenant.OktaZone
	for _, z := range list(o["zones"]) {
		m := obj(z)
		zone := tenant.OktaZone{ID: str(m["id"]), Name: str(m["name"]), Type: str(m["type"]), Status: str(m["status"]),
			Usage: str(m["usage"]), System: m["system"] == true}
		for _, g := range list(m["gateways"]) {
			zone.Gateways = append(zone.Gateways, str(obj(g)["value"]))
		}
		for _, p := range list(m["proxies"]) {
			zone.Proxies = append(zone.Proxies, str(obj(p)["value"]))
		}
		zones = append(zones, zone)
	}
	compareList(t, "zones", zones, snap.Zones, func(z tenant.OktaZone) string { return z.ID })
	checkCounts(t, res, "okta.zones", len(zones), pages(len(zones)))

	n := checkLogs(t, doc, res.snap)
	checkCounts(t, res, "okta.logs", n, pages(n))
}

// checkLogs compares the System Log events and returns how many there are.
func checkLogs(t *testing.T, doc map[string]any, snap *tenant.Snapshot) int {
	t.Helper()
	until := asOf(t, doc)
	since := until.Add(-30 * 24 * time.Hour)
	types := []string{"user.authentication.sso", "user.authentication.auth_via_richclient", "policy.evaluate_sign_on", "application.policy.sign_on.deny_access"}
	var logs []tenant.OktaLog
	for _, e := range list(obj(doc["okta"])["logs"]) {
		m := obj(e)
		pub := when(t, m["published"])
		if pub.Before(since) || !pub.Before(until) || !slices.Contains(types, str(m["eventType"])) {
			continue
		}
		ua := obj(obj(m["client"])["userAgent"])
		l := tenant.OktaLog{UUID: str(m["uuid"]), Published: pub, EventType: str(m["eventType"]),
			ActorID: str(obj(m["actor"])["id"]), ActorAlternateID: str(obj(m["actor"])["alternateId"]),
			UserAgent: str(ua["rawUserAgent"]), OS: str(ua["os"]), IPAddress: str(obj(m["client"])["ipAddress"]),
			Result: str(obj(m["outcome"])["result"]), Reason: str(obj(m["outcome"])["reason"]),
			RequestURI: str(obj(obj(m["debugContext"])["debugData"])["requestUri"])}
		for _, tg := range list(m["target"]) {
			l.TargetIDs = append(l.TargetIDs, str(obj(tg)["id"]))
		}
		logs = append(logs, l)
	}
	sort.SliceStable(logs, func(i, j int) bool {
		if !logs[i].Published.Equal(logs[j].Published) {
			return logs[i].Published.Before(logs[j].Published)
		}
		return logs[i].UUID < logs[j].UUID
	})
	if logs == nil {
		logs = []tenant.OktaLog{}
	}
	compareList(t, "logs", logs, snap.Okta.Logs, func(l tenant.OktaLog) string { return l.UUID })
	return len(logs)
}

// expectRule reads an ACCESS_POLICY rule from the file the way the
// reference (§2.3) describes it.
func expectRule(t *testing.T, m map[string]any) tenant.OktaRule {
	c := obj(m["conditions"])
	people := obj(c["people"])
	r := tenant.OktaRule{ID: str(m["id"]), Name: str(m["name"]), Status: str(m["status"]), Priority: int(num(m["priority"])),
		System: m["system"] == true, Created: when(t, m["created"]), LastUpdated: when(t, m["lastUpdated"]),
		UsersInclude: strs(obj(people["users"])["include"]), UsersExclude: strs(obj(people["users"])["exclude"]),
		GroupsInclude: strs(obj(people["groups"])["include"]), GroupsExclude: strs(obj(people["groups"])["exclude"]),
		NetworkConnection: str(obj(c["network"])["connection"]),
		NetworkInclude:    strs(obj(c["network"])["include"]), NetworkExclude: strs(obj(c["network"])["exclude"]),
		DeviceAssurance: strs(obj(obj(c["device"])["assurance"])["include"]),
		ElCondition:     str(obj(c["elCondition"])["condition"]),
		RiskScore:       str(obj(c["riskScore"])["level"]),
		Office365Client: strs(obj(c["office365Client"])["include"]),
	}
	for _, side := range []struct {
		key string
		out *[]string
	}{{"include", &r.PlatformInclude}, {"exclude", &r.PlatformExclude}} {
		for _, p := range list(obj(c["platform"])[side.key]) {
			typ, os := str(obj(p)["type"]), str(obj(obj(p)["os"])["type"])
			if typ == "" {
				typ = "ANY"
			}
			if os == "" {
				os = "ANY"
			}
			*side.out = append(*side.out, typ+"/"+os)
		}
	}
	if b, ok := obj(c["device"])["registered"].(bool); ok {
		r.DeviceRegistered = &b
	}
	if b, ok := obj(c["device"])["managed"].(bool); ok {
		r.DeviceManaged = &b
	}
	known := map[string][]string{"people": {"users", "groups"}, "network": {"connection", "include", "exclude"},
		"platform": {"include", "exclude"}, "device": {"registered", "managed", "assurance"}, "elCondition": {"condition"},
		"riskScore": {"level"}, "office365Client": {"include"}}
	for _, k := range sortedKeys(c) {
		if !hasValue(c[k]) {
			continue
		}
		subs, ok := known[k]
		if !ok {
			r.Unmodelled = append(r.Unmodelled, k)
			continue
		}
		for _, s := range sortedKeys(obj(c[k])) {
			if !slices.Contains(subs, s) && hasValue(obj(c[k])[s]) {
				r.Unmodelled = append(r.Unmodelled, k+"."+s)
			}
		}
	}
	sign := obj(obj(m["actions"])["appSignOn"])
	vm := obj(sign["verificationMethod"])
	r.Access, r.FactorMode, r.VerificationType, r.ReauthenticateIn = str(sign["access"]), str(vm["factorMode"]), str(vm["type"]), str(vm["reauthenticateIn"])
	for _, cons := range list(vm["constraints"]) {
		var parts []string
		for _, k := range sortedKeys(obj(cons)) {
			v := obj(obj(cons)[k])
			types := strs(v["types"])
			for _, mt := range list(v["methods"]) {
				if len(strs(v["types"])) == 0 {
					types = append(types, str(obj(mt)["type"]))
				}
			}
			if len(types) > 0 {
				parts = append(parts, k+":"+strings.Join(types, ","))
			} else {
				parts = append(parts, k)
			}
		}
		if len(parts) > 0 {
			r.Constraints = append(r.Constraints, strings.Join(parts, "+"))
		}
	}
	return r
}

func hasValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return slices.ContainsFunc(x, hasValue)
	case map[string]any:
		for _, e := range x {
			if hasValue(e) {
				return true
			}
		}
		return false
	}
	return true
}

func checkCounts(t *testing.T, res result, id string, items, pages int) {
	t.Helper()
	if res.errs[id] != nil {
		return
	}
	gotItems, gotPages, _ := res.reps[id].Counts()
	if gotItems != items || gotPages != pages {
		t.Errorf("%s: reported %d items in %d pages, want %d in %d", id, gotItems, gotPages, items, pages)
	}
}

// compareList compares two lists element by element and field by field.
func compareList[T any](t *testing.T, what string, want, got []T, id func(T) string) {
	t.Helper()
	if len(want) != len(got) {
		var w, g []string
		for _, x := range want {
			w = append(w, id(x))
		}
		for _, x := range got {
			g = append(g, id(x))
		}
		t.Errorf("%s: got %d %v, want %d %v", what, len(got), g, len(want), w)
		return
	}
	if want == nil && got == nil {
		return
	}
	for i := range want {
		diffFields(t, fmt.Sprintf("%s[%d] %s", what, i, id(want[i])), want[i], got[i])
	}
}

// diffFields reports every differing field of two structs (nested
// slices of structs are compared whole).
func diffFields(t *testing.T, label string, want, got any) {
	t.Helper()
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wv.NumField() {
		name := wv.Type().Field(i).Name
		if name == "Rules" {
			continue // compared separately, rule by rule
		}
		w, g := wv.Field(i).Interface(), gv.Field(i).Interface()
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: %s = %#v, want %#v", label, name, g, w)
		}
	}
}

func findRule(t *testing.T, snap *tenant.Snapshot, policy, id string) tenant.OktaRule {
	t.Helper()
	for _, p := range snap.Okta.Policies {
		if p.ID != policy {
			continue
		}
		for _, r := range p.Rules {
			if r.ID == id {
				return r
			}
		}
	}
	t.Fatalf("rule %s of policy %s not collected", id, policy)
	return tenant.OktaRule{}
}

// --- scenario variants

// classic turns a scenario into a Classic Engine org.
func classic(t *testing.T, data []byte) []byte {
	return mutate(t, data, func(o map[string]any) { o["pipeline"] = "v1" })
}

func mutate(t *testing.T, data []byte, f func(okta map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	f(obj(doc["okta"]))
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// enlarged is the shape example with enough objects for several pages of
// 2 and every rule condition harden365 models (and some it does not).
func enlarged(t *testing.T) []byte {
	return mutate(t, readFile(t, minimal), func(o map[string]any) {
		app := func(id, name, status string, extra map[string]any) map[string]any {
			m := map[string]any{"id": id, "name": name, "label": "Microsoft Office 365", "status": status, "signOnMode": "SAML_1_1",
				"lastUpdated": "2024-05-01T09:30:00.000Z"}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		o["apps"] = append(list(o["apps"]),
			app("0oa2sf", "salesforce", "ACTIVE", nil),
			app("0oa3second", "office365", "INACTIVE", map[string]any{
				"settings": map[string]any{"app": map[string]any{"domain": "second.example", "msftTenant": "secondtenant",
					"domains": []any{"second.example", "other.example"}, "wsFedConfigureType": "MANUAL"}},
				"_links": map[string]any{"accessPolicy": map[string]any{"href": "https://fabrikam.okta.com/api/v1/policies/rst2second"}}}),
			app("0oa4swa", "office365", "ACTIVE", map[string]any{"signOnMode": "BROWSER_PLUGIN"}),
		)
		o["policies"] = append(list(o["policies"]),
			map[string]any{"id": "rst2second", "type": "ACCESS_POLICY", "name": "Second tenant", "status": "ACTIVE", "system": false},
			map[string]any{"id": "rst3default", "type": "ACCESS_POLICY", "name": "Default Policy", "status": "ACTIVE", "system": true},
			map[string]any{"id": "00p1signon", "type": "OKTA_SIGN_ON", "name": "Default Policy", "status": "ACTIVE", "system": true},
		)
		rules := obj(o["policyRules"])
		rules["rst1fab"] = append(list(rules["rst1fab"]), map[string]any{
			"id": "0pr4exo", "type": "ACCESS_POLICY", "name": "Everything at once", "status": "INACTIVE", "priority": 3, "system": false,
			"created": "2026-09-01T10:00:00.000Z", "lastUpdated": "2026-10-11T21:35:42.000Z",
			"conditions": map[string]any{
				"people":           map[string]any{"users": map[string]any{"include": []any{"00u1ann"}, "exclude": []any{"00u2scan"}}, "groups": map[string]any{"include": []any{"00g2eng", "00g3big"}, "exclude": []any{}}},
				"network":          map[string]any{"connection": "ZONE", "exclude": []any{"nzo1office"}},
				"platform":         map[string]any{"include": []any{map[string]any{"type": "MOBILE", "os": map[string]any{"type": "IOS"}}, map[string]any{"type": "MOBILE", "os": map[string]any{"type": "ANDROID"}}, map[string]any{"type": "DESKTOP"}}, "exclude": []any{map[string]any{"type": "DESKTOP", "os": map[string]any{"type": "OTHER", "expression": "device.os.name == 'BeOS'"}}}},
				"device":           map[string]any{"registered": true, "managed": false, "assurance": map[string]any{"include": []any{"dae1"}}, "platform": map[string]any{"supportedMDMFrameworks": []any{"AFW"}}},
				"elCondition":      map[string]any{"condition": `request.userAgent.contains("Windows-AzureAD-Authentication-Provider")`},
				"riskScore":        map[string]any{"level": "HIGH"},
				"office365Client":  map[string]any{"include": []any{"MODERN_AUTH", "AAD_JOIN"}, "exclude": []any{"WEB"}},
				"userType":         map[string]any{"include": []any{"oty1contractor"}, "exclude": []any{}},
				"authContext":      map[string]any{"authType": "ANY"},
				"risk":             nil,
				"identityProvider": map[string]any{"include": []any{}},
			},
			"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW", "verificationMethod": map[string]any{
				"type": "AUTH_METHOD_CHAIN", "factorMode": "2FA", "reauthenticateIn": "PT0S",
				"constraints": []any{
					map[string]any{"knowledge": map[string]any{"types": []any{"password"}}, "possession": map[string]any{"deviceBound": "REQUIRED"}},
					map[string]any{"possession": map[string]any{"methods": []any{map[string]any{"type": "push"}, map[string]any{"type": "signed_nonce"}}}},
				}}}},
		})
		rules["rst2second"] = []any{map[string]any{"id": "0pr5deny", "type": "ACCESS_POLICY", "name": "Catch-all Rule", "status": "ACTIVE", "priority": 99, "system": true,
			"conditions": nil, "actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}}}
		// rst3default has no rules listed at all.
		rules["00p1signon"] = []any{map[string]any{"id": "0pr6signon", "name": "Not an app rule", "priority": 0}}

		users := list(o["users"])
		factors := obj(o["factors"])
		for i, name := range []string{"cy", "dee", "eve", "fin", "gus"} {
			id := fmt.Sprintf("00u%d%s", i+3, name)
			users = append(users, map[string]any{"id": id, "status": []string{"ACTIVE", "PROVISIONED", "LOCKED_OUT", "SUSPENDED", "ACTIVE"}[i],
				"profile": map[string]any{"login": name + "@fabrikam.example", "email": name + "@mail.example", "firstName": name}})
			switch i {
			case 0:
				factors[id] = []any{
					map[string]any{"id": "sms1" + name, "factorType": "sms", "provider": "OKTA", "status": "ACTIVE"},
					map[string]any{"id": "tot1" + name, "factorType": "token:software:totp", "provider": "GOOGLE", "status": "PENDING_ACTIVATION"},
					map[string]any{"id": "wan1" + name, "factorType": "webauthn", "provider": "FIDO", "status": "ACTIVE"},
				}
			case 1:
				factors[id] = []any{}
			}
		}
		users = append(users, map[string]any{"id": "00u9gone", "status": "DEPROVISIONED", "profile": map[string]any{"login": "gone@fabrikam.example"}})
		o["users"] = users

		o["groups"] = append(list(o["groups"]),
			map[string]any{"id": "00g2eng", "type": "OKTA_GROUP", "profile": map[string]any{"name": "Engineering", "description": nil}},
			map[string]any{"id": "00g3big", "type": "APP_GROUP", "profile": map[string]any{"name": "Everyone in AD"}},
			map[string]any{"id": "00g4empty", "type": "BUILT_IN", "profile": map[string]any{"name": "Everyone", "description": "All users"}},
		)
		gu := obj(o["groupUsers"])
		gu["00g2eng"] = []any{"00u1ann"}
		gu["00g3big"] = []any{"00u1ann", "00u2scan", "00u3cy", "00u4dee", "00u9gone"}

		o["zones"] = append(list(o["zones"]),
			map[string]any{"id": "nzo2geo", "type": "DYNAMIC", "name": "Blocked geos", "status": "ACTIVE", "usage": "BLOCKLIST", "system": false,
				"locations": []any{map[string]any{"country": "KP", "region": nil}}, "asns": []any{"64496"}, "proxyType": "Tor"},
			map[string]any{"id": "nzo3legacy", "type": "IP", "name": "LegacyIpZone", "status": "INACTIVE", "usage": "POLICY", "system": true,
				"gateways": []any{map[string]any{"type": "RANGE", "value": "198.51.100.10-198.51.100.20"}, map[string]any{"type": "CIDR", "value": "203.0.113.0/24"}},
				"proxies":  []any{map[string]any{"type": "CIDR", "value": "192.0.2.1/32"}}},
		)

		ev := func(uuid, published, eventType string) map[string]any {
			return map[string]any{"uuid": uuid, "published": published, "eventType": eventType, "severity": "INFO",
				"actor":        map[string]any{"id": "00u1ann", "type": "User", "alternateId": "ann@fabrikam.example"},
				"client":       map[string]any{"userAgent": map[string]any{"rawUserAgent": "Outlook-iOS/2.0", "os": "iOS", "browser": "UNKNOWN"}, "ipAddress": "203.0.113.9", "zone": "null"},
				"outcome":      map[string]any{"result": "DENY", "reason": "Denied by rule"},
				"target":       []any{map[string]any{"id": "0oa1fab", "type": "AppInstance"}, map[string]any{"id": "0pr1deny", "type": "Rule"}},
				"debugContext": map[string]any{"debugData": map[string]any{"requestUri": "/app/office365/exk1/sso/wsfed/active", "behaviors": "{}"}},
			}
		}
		o["logs"] = append(list(o["logs"]),
			ev("log-edge", "2026-10-02T00:00:00.000Z", "policy.evaluate_sign_on"),
			ev("log-old", "2026-10-01T23:59:59.999Z", "user.authentication.sso"),
			ev("log-at-asof", "2026-11-01T00:00:00.000Z", "user.authentication.sso"),
			ev("log-session", "2026-10-20T09:00:00.000Z", "user.session.start"),
			ev("log-rich", "2026-10-25T09:00:00.000Z", "user.authentication.auth_via_richclient"),
			ev("log-deny", "2026-10-25T09:00:00.000Z", "application.policy.sign_on.deny_access"),
			ev("log-sso", "2026-10-30T23:59:59.000Z", "user.authentication.sso"),
		)
	})
}

// --- small helpers

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// jsonResponse is an Okta-like answer with the headers the SDK needs.
func jsonResponse(r *http.Request, status int, body string) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", "600")
	h.Set("X-Rate-Limit-Remaining", "599")
	h.Set("X-Rate-Limit-Reset", fmt.Sprint(time.Now().Unix()+60))
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { a, _ := v.([]any); return a }
func str(v any) string         { s, _ := v.(string); return s }
func num(v any) float64        { f, _ := v.(float64); return f }
func ptr[T any](v T) *T        { return &v }

func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		out = append(out, str(e))
	}
	return out
}

func when(t *testing.T, v any) time.Time {
	s := str(v)
	if s == "" {
		return time.Time{}
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return tm.UTC()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
