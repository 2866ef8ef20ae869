package sim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseFaultsNewKeys(t *testing.T) {
	f, err := ParseFaults([]byte(`{"seed":2,"resets":0.02,"expireTokens":40,
		"paths":{"/v1.0/users":{"throttle":0.5},"Get-CASMailbox":{"serverErrors":0.2,"resets":0}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Resets != 0.02 || f.ExpireTokens != 40 || len(f.Paths) != 2 || *f.Paths["/v1.0/users"].Throttle != 0.5 ||
		f.Paths["/v1.0/users"].ServerErrors != nil || *f.Paths["Get-CASMailbox"].Resets != 0 {
		t.Errorf("parsed %+v", f)
	}
	for _, bad := range []string{
		`{"resets":1.5}`, `{"resets":-0.1}`, `{"throttle":0.5,"resets":0.6}`, `{"expireTokens":-1}`,
		`{"paths":{"/v1.0/users":{"throttle":2}}}`,
		`{"throttle":0.5,"paths":{"/v1.0/users":{"resets":0.6}}}`, // 0.5 inherited + 0.6
		`{"paths":{"":{"throttle":0.1}}}`,
		`{"paths":{"/v1.0/users":{"throttel":0.1}}}`,
	} {
		if _, err := ParseFaults([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// A Paths entry overrides the rates it gives, for its path prefix (the
// longest wins) or its cmdlet; everything else keeps the global rates.
func TestFaultPathRates(t *testing.T) {
	one, zero := 1.0, 0.0
	f := &Faults{Seed: 5, Throttle: 0, Paths: map[string]Rates{
		"/v1.0/users":           {Throttle: &one},
		"/v1.0/users/delta":     {Throttle: &zero, ServerErrors: &one},
		"Get-CASMailbox":        {ServerErrors: &one},
		"/adminapi/":            {Resets: &one},
		"/api/v1/apps":          {Timeouts: &one},
		"/beta/auditLogs/never": {},
	}}
	in := newInjector(f)
	get := func(p string) *http.Request { return httptest.NewRequest(http.MethodGet, p, nil) }
	for _, c := range []struct {
		service, path, cmdlet string
		want                  Fault
	}{
		{"graph", "/v1.0/users?$top=5", "", FaultThrottle},
		{"graph", "/v1.0/users/delta", "", FaultServerError},
		{"graph", "/v1.0/domains", "", NoFault},
		{"exchange", "/adminapi/beta/x/InvokeCommand", "Get-CASMailbox", FaultServerError},
		{"okta", "/api/v1/apps", "", FaultTimeout},
		{"okta", "/api/v1/users", "", NoFault},
	} {
		if got := in.decide(c.service, get(c.path), c.cmdlet); got != c.want {
			t.Errorf("%s %s %s: %v, want %v", c.service, c.path, c.cmdlet, got, c.want)
		}
	}
	// /adminapi/ resets every other cmdlet (before the answer or halfway).
	if got := in.decide("exchange", get("/adminapi/beta/x/InvokeCommand"), "Get-OrganizationConfig"); got != FaultReset && got != FaultResetMidBody {
		t.Errorf("Get-OrganizationConfig under /adminapi/: %v, want a reset", got)
	}
	// A path entry turns a global rate off.
	g := newInjector(&Faults{Seed: 5, Throttle: 1, Paths: map[string]Rates{"/v1.0/domains": {Throttle: &zero}}})
	if got := g.decide("graph", get("/v1.0/domains"), ""); got != NoFault {
		t.Errorf("/v1.0/domains with its throttle off: %v", got)
	}
	if got := g.decide("graph", get("/v1.0/users"), ""); got != FaultThrottle {
		t.Errorf("/v1.0/users under the global throttle: %v", got)
	}
}

// noReuse is a client whose every request opens a new connection, so
// that net/http never retries a reset request by itself.
func noReuse() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

// A reset connection gives the client an error (before the answer: no
// response; halfway: a body cut short), for every service; the retry of
// the same request is answered.
func TestFaultResets(t *testing.T) {
	sc := mustLoad(t)
	srv := New(sc, Options{Faults: &Faults{Seed: 3, Resets: 1}})
	base, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hc := noReuse()
	targets := map[string][]string{
		"graph":    {"/v1.0/users", "/v1.0/domains", "/v1.0/organization", "/v1.0/identity/conditionalAccess/policies"},
		"exchange": {"Get-OrganizationConfig", "Get-CASMailbox", "Get-TransportConfig", "Get-User"},
		"okta":     {"/api/v1/users", "/api/v1/apps", "/api/v1/groups", "/api/v1/zones"},
	}
	beforeAnswer, midBody := 0, 0
	for service, list := range targets {
		for _, target := range list {
			r, err := faultDoWith(t, hc, base, service, target, "t")
			if r.status == 0 {
				beforeAnswer++
			} else {
				midBody++
			}
			if err == nil {
				t.Errorf("%s %s: answered under resets: 1", service, target)
			} else if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				t.Errorf("%s %s: %v, want a reset", service, target, err)
			}
			if r, err := faultDoWith(t, hc, base, service, target, "t"); err != nil || r.status != http.StatusOK {
				t.Errorf("%s %s: retry: %d %v", service, target, r.status, err)
			}
		}
	}
	stats := srv.FaultStats()
	for service, list := range targets {
		st := stats[service]
		if st.Faults["reset"]+st.Faults["resetMidBody"] != len(list) {
			t.Errorf("%s: faults %v, want %d resets", service, st.Faults, len(list))
		}
	}
	before := stats["graph"].Faults["reset"] + stats["exchange"].Faults["reset"] + stats["okta"].Faults["reset"]
	mid := stats["graph"].Faults["resetMidBody"] + stats["exchange"].Faults["resetMidBody"] + stats["okta"].Faults["resetMidBody"]
	if before == 0 || mid == 0 {
		t.Errorf("want both kinds of reset among %v", stats)
	}
	// A reset before the answer sends nothing (not even a status line);
	// one halfway sends the status and part of the body.
	if beforeAnswer != before || midBody != mid {
		t.Errorf("%d requests got no answer, %d a partial one; the simulator reset %d before the answer, %d halfway", beforeAnswer, midBody, before, mid)
	}
}

// A reset in the middle of the body comes after the handler ran: a write
// is made though its answer is lost.
func TestFaultResetMidBodyMakesTheWrite(t *testing.T) {
	sc := mustLoad(t)
	path := "/adminapi/beta/" + sc.TenantID() + "/InvokeCommand"
	seed := uint64(0)
	for s := uint64(1); s < 64 && seed == 0; s++ {
		if newInjector(&Faults{Seed: s, Resets: 1}).decide("exchange", httptest.NewRequest(http.MethodPost, path, nil), "Set-TransportConfig") == FaultResetMidBody {
			seed = s
		}
	}
	if seed == 0 {
		t.Fatal("no seed below 64 resets Set-TransportConfig halfway")
	}
	srv := New(sc, Options{Faults: &Faults{Seed: seed, Resets: 1}})
	base, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	body := `{"CmdletInput":{"CmdletName":"Set-TransportConfig","Parameters":{"SmtpClientAuthenticationDisabled":true}}}`
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	resp, err := noReuse().Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("Set-TransportConfig answered whole")
	}
	st, err := http.Get(base + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Body.Close()
	var doc struct {
		Exchange map[string][]map[string]any `json:"exchange"`
	}
	_ = json.NewDecoder(st.Body).Decode(&doc)
	if tc := doc.Exchange["Get-TransportConfig"]; len(tc) != 1 || tc[0]["SmtpClientAuthenticationDisabled"] != true {
		t.Errorf("after a mid-body reset: %v, want SmtpClientAuthenticationDisabled true (the write was made)", tc)
	}
}

// With expireTokens N, each service's N-th request finds its token
// expired: that token (and any it saw before) gets the service's real 401
// from then on; a token it never saw is served.
func TestFaultExpireTokens(t *testing.T) {
	sc := mustLoad(t)
	srv := New(sc, Options{Faults: &Faults{Seed: 1, ExpireTokens: 3}})
	base, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, service := range services {
		target := faultTargets[service]
		for i, c := range []struct {
			token  string
			status int
		}{{"v1", 200}, {"v0", 200}, {"v1", 401}, {"v1", 401}, {"v0", 401}, {"v2", 200}, {"v2", 200}} {
			r, err := faultDoWith(t, hc, base, service, target, c.token)
			if err != nil {
				t.Fatal(err)
			}
			if r.status != c.status {
				t.Fatalf("%s request %d with %s: %d, want %d (%s)", service, i+1, c.token, r.status, c.status, r.raw)
			}
			if r.status != 401 {
				continue
			}
			switch service {
			case "graph":
				if errField(r.body, "code") != "InvalidAuthenticationToken" || errField(r.body, "message") != "Access token has expired or is not yet valid." ||
					!strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("graph 401: %s %v", r.raw, r.header)
				}
			case "exchange":
				if len(r.raw) != 0 || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Errorf("exchange 401: %q %v", r.raw, r.header)
				}
			case "okta":
				if errField(r.body, "errorCode") != "E0000011" || errField(r.body, "errorSummary") != "Invalid token provided" {
					t.Errorf("okta 401: %s", r.raw)
				}
			}
		}
		st := srv.FaultStats()[service]
		if st.TokensSeen != 3 || st.TokensExpired != 2 || st.TokenRefusals != 3 {
			t.Errorf("%s: %+v, want 3 tokens seen, 2 expired, 3 refusals", service, st)
		}
	}
	// /_sim/stats carries them.
	resp, err := http.Get(base + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		Faults map[string]FaultStats `json:"faults"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil || stats.Faults["okta"].TokenRefusals != 3 {
		t.Errorf("/_sim/stats: %+v %v", stats, err)
	}
}
