package exchange_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/exchange"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// scenarioFiles are the scenarios every collector test runs on: the shape
// example and every built-in.
func scenarioFiles(t *testing.T) []string {
	files := []string{"../../testdata/scenarios/minimal.json"}
	builtins, _ := filepath.Glob("../../sim/scenarios/*.json")
	return append(files, builtins...)
}

func startSim(t *testing.T, file string, opts sim.Options) (*sim.Server, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return simtest.Serve(t, data, file, opts)
}

func collectAll(t *testing.T, cfg exchange.Config) (*tenant.Snapshot, map[string]*collect.Reporter, map[string]error) {
	t.Helper()
	snap := &tenant.Snapshot{}
	reps, errs := map[string]*collect.Reporter{}, map[string]error{}
	for _, task := range exchange.Tasks(cfg) {
		rep := collect.NewReporter(task.ID, task.Service, nil)
		apply, err := task.Run(context.Background(), rep)
		reps[task.ID], errs[task.ID] = rep, err
		if err == nil {
			apply(snap)
		}
	}
	return snap, reps, errs
}

func rows(doc map[string]any, cmdlet string) []map[string]any {
	var out []map[string]any
	for _, r := range doc["exchange"].(map[string]any)[cmdlet].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

func boolOf(v any) bool { b, _ := v.(bool); return b }
func strOf(v any) string {
	s, _ := v.(string)
	return s
}

func TestCollectorsMatchScenario(t *testing.T) {
	for _, file := range scenarioFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			srv, doc := startSim(t, file, sim.Options{PageSize: 2})
			tenantID := doc["tenant"].(map[string]any)["id"].(string)
			snap, reps, errs := collectAll(t, exchange.Config{BaseURL: srv.URL(), TenantID: tenantID, Credential: auth.Static("t")})
			for id, err := range errs {
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
			}

			cas := rows(doc, "Get-CASMailbox")
			if len(snap.Exchange.CASMailboxes) != len(cas) {
				t.Fatalf("CAS mailboxes: got %d, scenario has %d", len(snap.Exchange.CASMailboxes), len(cas))
			}
			if len(cas) > 2 {
				if _, pages, _ := reps["exchange.Get-CASMailbox"].Counts(); pages < 2 {
					t.Errorf("Get-CASMailbox with page size 2 over %d rows came in %d page(s)", len(cas), pages)
				}
			}
			for i, w := range cas {
				g := snap.Exchange.CASMailboxes[i]
				if g.Identity != strOf(w["Identity"]) || g.PrimarySmtpAddress != strOf(w["PrimarySmtpAddress"]) ||
					g.ExternalDirectoryObjectID != strOf(w["ExternalDirectoryObjectId"]) {
					t.Errorf("CAS %d identity: got %+v", i, g)
				}
				for name, got := range map[string]bool{"OWAEnabled": g.OWAEnabled, "MAPIEnabled": g.MAPIEnabled, "EwsEnabled": g.EwsEnabled,
					"ActiveSyncEnabled": g.ActiveSyncEnabled, "PopEnabled": g.PopEnabled, "ImapEnabled": g.ImapEnabled} {
					if got != boolOf(w[name]) {
						t.Errorf("%s.%s: got %v, scenario %v", g.Identity, name, got, w[name])
					}
				}
				// The SMTP switch keeps null apart from false.
				switch want := w["SmtpClientAuthenticationDisabled"].(type) {
				case nil:
					if g.SmtpClientAuthenticationDisabled != nil {
						t.Errorf("%s: null SmtpClientAuthenticationDisabled read as %v", g.Identity, *g.SmtpClientAuthenticationDisabled)
					}
				case bool:
					if g.SmtpClientAuthenticationDisabled == nil || *g.SmtpClientAuthenticationDisabled != want {
						t.Errorf("%s: SmtpClientAuthenticationDisabled: want %v, got %v", g.Identity, want, g.SmtpClientAuthenticationDisabled)
					}
				}
			}

			users := rows(doc, "Get-User")
			if len(snap.Exchange.Users) != len(users) {
				t.Fatalf("Get-User: got %d, want %d", len(snap.Exchange.Users), len(users))
			}
			for i, w := range users {
				g := snap.Exchange.Users[i]
				if g.UserPrincipalName != strOf(w["UserPrincipalName"]) || g.AuthenticationPolicy != strOf(w["AuthenticationPolicy"]) || g.Title != strOf(w["Title"]) {
					t.Errorf("user %d: got %+v, scenario %v", i, g, w)
				}
			}

			pols := rows(doc, "Get-AuthenticationPolicy")
			if len(snap.Exchange.AuthenticationPolicies) != len(pols) {
				t.Fatalf("policies: got %d, want %d", len(snap.Exchange.AuthenticationPolicies), len(pols))
			}
			for i, w := range pols {
				g := snap.Exchange.AuthenticationPolicies[i]
				for k, v := range w {
					if sw, ok := strings.CutPrefix(k, "AllowBasicAuth"); ok {
						if got, present := g.AllowBasicAuth[sw]; !present || got != boolOf(v) {
							t.Errorf("policy %s %s: got %v (present %v), want %v", g.Name, k, got, present, v)
						}
					}
				}
			}

			org := rows(doc, "Get-OrganizationConfig")[0]
			oc := snap.Exchange.OrganizationConfig
			if oc == nil || oc.OAuth2ClientProfileEnabled != boolOf(org["OAuth2ClientProfileEnabled"]) ||
				oc.DefaultAuthenticationPolicy != strOf(org["DefaultAuthenticationPolicy"]) {
				t.Errorf("organization config: got %+v, scenario %v", oc, org)
			}
			tc := rows(doc, "Get-TransportConfig")[0]
			if snap.Exchange.TransportConfig == nil || snap.Exchange.TransportConfig.SmtpClientAuthenticationDisabled != boolOf(tc["SmtpClientAuthenticationDisabled"]) {
				t.Errorf("transport config: got %+v", snap.Exchange.TransportConfig)
			}
			if got, want := len(snap.Exchange.CASMailboxPlans), len(rows(doc, "Get-CASMailboxPlan")); got != want {
				t.Errorf("mailbox plans: got %d, want %d", got, want)
			}
			if devs, ok := doc["exchange"].(map[string]any)["Get-MobileDevice"]; ok {
				want := devs.([]any)
				if len(snap.Exchange.MobileDevices) != len(want) {
					t.Fatalf("mobile devices: got %d, want %d", len(snap.Exchange.MobileDevices), len(want))
				}
				for i, w := range want {
					g := snap.Exchange.MobileDevices[i]
					id := strOf(w.(map[string]any)["Identity"])
					if g.Identity != id || !strings.HasPrefix(id, g.Mailbox+`\`) || g.DeviceUserAgent != strOf(w.(map[string]any)["DeviceUserAgent"]) {
						t.Errorf("device %d: got %+v", i, g)
					}
				}
			}
		})
	}
}

func TestUnauthorizedNamesThePermission(t *testing.T) {
	srv, doc := startSim(t, "../../testdata/scenarios/minimal.json", sim.Options{})
	c := exchange.New(exchange.Config{BaseURL: srv.URL(), TenantID: doc["tenant"].(map[string]any)["id"].(string), Credential: auth.Static("")})
	_, err := c.Invoke(context.Background(), "Get-CASMailbox", nil, exchange.Hooks{})
	var f *collect.Failure
	if !errors.As(err, &f) || f.HTTPStatus != http.StatusUnauthorized || !strings.Contains(f.Fix, "Exchange.ManageAsApp") {
		t.Fatalf("want a 401 failure naming Exchange.ManageAsApp, got %#v", err)
	}
}

func TestServiceErrorsAreReadable(t *testing.T) {
	srv, doc := startSim(t, "../../testdata/scenarios/minimal.json", sim.Options{})
	c := exchange.New(exchange.Config{BaseURL: srv.URL(), TenantID: doc["tenant"].(map[string]any)["id"].(string), Credential: auth.Static("t")})
	ctx := context.Background()

	_, err := c.Invoke(ctx, "Get-CASMailbox", map[string]any{"Identity": "nobody@fabrikam.example"}, exchange.Hooks{})
	if !exchange.IsNotFound(err) || !strings.Contains(err.Error(), "couldn't be found") {
		t.Errorf("unknown identity: want the service's not-found text, got %v", err)
	}
	_, err = c.Invoke(ctx, "Get-CASMailbox", map[string]any{"Bogus": true}, exchange.Hooks{})
	if err == nil || !strings.Contains(err.Error(), "parameter name 'Bogus'") {
		t.Errorf("unknown parameter: got %v", err)
	}
	_, err = c.Invoke(ctx, "Get-Nonsense", nil, exchange.Hooks{})
	if err == nil || !strings.Contains(err.Error(), "not recognized") {
		t.Errorf("unknown cmdlet: got %v", err)
	}
	got, err := c.Invoke(ctx, "Get-CASMailbox", map[string]any{"Identity": "ann@fabrikam.example"}, exchange.Hooks{})
	if err != nil || len(got) != 1 {
		t.Fatalf("one mailbox by address: %v, %d rows", err, len(got))
	}
	for k := range got[0] {
		if strings.Contains(k, "@") {
			t.Errorf("annotation %q reached the caller", k)
		}
	}
	// A ResultSize below the count is truncation, which must not pass silently.
	_, err = c.Invoke(ctx, "Get-CASMailbox", map[string]any{"ResultSize": 1}, exchange.Hooks{})
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated result: got %v", err)
	}
}

// A 403 whose body is NULs (as the service sends) still names the role.
func TestForbiddenWithNULBody(t *testing.T) {
	ts := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write(make([]byte, 2048))
	})}
	ln := listen(t)
	go ts.Serve(ln)
	t.Cleanup(func() { ts.Close() })
	c := exchange.New(exchange.Config{BaseURL: "http://" + ln.Addr().String(), TenantID: "x", Credential: auth.Static("t")})
	_, err := c.Invoke(context.Background(), "Get-AuthenticationPolicy", nil, exchange.Hooks{})
	var f *collect.Failure
	if !errors.As(err, &f) || f.HTTPStatus != 403 || !strings.Contains(f.Fix, "Global Reader") {
		t.Fatalf("want a 403 naming Global Reader, got %#v", err)
	}
}

// 429 with a fractional Retry-After is waited out and reported.
func TestThrottlingIsRetriedAndReported(t *testing.T) {
	calls := 0
	ts := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0.05")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":[{"Identity":"a","PopEnabled":true,"PopEnabled@odata.type":"#Boolean"}]}`))
	})}
	ln := listen(t)
	go ts.Serve(ln)
	t.Cleanup(func() { ts.Close() })
	var waits []time.Duration
	c := exchange.New(exchange.Config{BaseURL: "http://" + ln.Addr().String(), TenantID: "x", Credential: auth.Static("t")})
	got, err := c.Invoke(context.Background(), "Get-CASMailbox", nil, exchange.Hooks{Wait: func(d time.Duration, why string) { waits = append(waits, d) }})
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	if len(waits) != 1 || waits[0] != 50*time.Millisecond {
		t.Errorf("waits: %v, want one of 50ms", waits)
	}
}

func TestExchangeDates(t *testing.T) {
	for in, want := range map[string]string{
		`"2023-09-01T17:48:55.0000000+00:00"`: "2023-09-01T17:48:55Z",
		`"/Date(1708000000000)/"`:             "2024-02-15T12:26:40Z",
		`null`:                                "0001-01-01T00:00:00Z",
	} {
		var tm exchange.Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := tm.Format(time.RFC3339); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	var tm exchange.Time
	if err := json.Unmarshal([]byte(`"yesterday"`), &tm); err == nil {
		t.Error("an unreadable date was accepted")
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// A row the collector cannot read is its source's error, numbered from
// the listing's first row across pages, and the source keeps nothing.
func TestMalformedRowIsTheSourcesError(t *testing.T) {
	ts := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("$skiptoken") == "" {
			w.Write([]byte(`{"value": [{"Identity": "ann", "OWAEnabled": true, "OWAEnabled@odata.type": "#Boolean"}],
				"@odata.nextLink": "http://` + r.Host + r.URL.Path + `?$skiptoken=1"}`))
			return
		}
		w.Write([]byte(`{"value": [{"Identity": "bob", "OWAEnabled": true}, {"Identity": "cid", "OWAEnabled": "yes"}]}`))
	})}
	ln := listen(t)
	go ts.Serve(ln)
	t.Cleanup(func() { ts.Close() })
	for _, task := range exchange.Tasks(exchange.Config{BaseURL: "http://" + ln.Addr().String(), TenantID: "x", Credential: auth.Static("t")}) {
		if task.ID != "exchange.Get-CASMailbox" {
			continue
		}
		apply, err := task.Run(context.Background(), collect.NewReporter(task.ID, task.Service, nil))
		if apply != nil || err == nil || err.Error() != "Get-CASMailbox: row 2: property OWAEnabled: expected bool, got JSON string" {
			t.Fatalf("got %v", err)
		}
		var f *collect.Failure
		if !errors.As(err, &f) {
			t.Fatalf("the error %#v is not a collect.Failure", err)
		}
		return
	}
	t.Fatal("no Get-CASMailbox task")
}
