package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseFaultsContractProfile(t *testing.T) {
	f, err := ParseFaults([]byte(`{"seed":1,"latency":"50ms","throttle":0.10,"retryAfter":"1s","serverErrors":0.02,"timeouts":0.01,"brokenNextLink":1,"forbidden":["Get-AuthenticationPolicy","/v1.0/auditLogs/signIns"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Seed != 1 || f.Latency != 50*time.Millisecond || f.Throttle != 0.10 || f.RetryAfter != time.Second ||
		f.ServerErrors != 0.02 || f.Timeouts != 0.01 || f.BrokenNextLink != 1 || len(f.Forbidden) != 2 || f.TimeoutHold != 2*time.Second {
		t.Errorf("parsed %+v", f)
	}
	for _, bad := range []string{`{"throttle":1.5}`, `{"latency":"soon"}`, `{"throttle":0.6,"serverErrors":0.6}`, `{"brokenNextLink":-1}`, `{"unknown":1}`} {
		if _, err := ParseFaults([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// Decisions depend on (seed, service, request, its count) only: the same
// per-key sequences give the same decisions whatever the interleaving.
func TestFaultDecisionsDeterministic(t *testing.T) {
	prof := &Faults{Seed: 42, Throttle: 0.3, ServerErrors: 0.1, Timeouts: 0.1}
	paths := []string{"/v1.0/users", "/v1.0/domains", "/beta/auditLogs/signIns", "/v1.0/organization"}
	decide := func(in *injector, order []int) map[string][]Fault {
		out := map[string][]Fault{}
		for _, i := range order {
			p := paths[i%len(paths)]
			r := httptest.NewRequest(http.MethodGet, p, nil)
			out[p] = append(out[p], in.decide("graph", r, ""))
		}
		return out
	}
	var forward, backward []int
	for i := range 200 {
		forward = append(forward, i)
		backward = append(backward, 199-i)
	}
	a := decide(newInjector(prof), forward)
	b := decide(newInjector(prof), backward)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("decisions depend on interleaving:\n%v\n%v", a, b)
	}
	faults := 0
	for _, seq := range a {
		for i, f := range seq {
			if f != NoFault {
				faults++
				if i+1 < len(seq) && seq[i+1] != NoFault {
					t.Errorf("two faults in a row on one request: a retry would fail again")
				}
			}
		}
	}
	if faults < 40 || faults > 150 {
		t.Errorf("%d faults in 200 requests at a 50%% rate (with no fault right after a fault)", faults)
	}
	other := decide(newInjector(&Faults{Seed: 43, Throttle: 0.3, ServerErrors: 0.1, Timeouts: 0.1}), forward)
	if fmt.Sprint(a) == fmt.Sprint(other) {
		t.Errorf("seeds 42 and 43 give the same decisions")
	}
}

type faultResp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func faultServer(t *testing.T, f Faults, pageSize int) string {
	t.Helper()
	sc, err := Load("contoso")
	if err != nil {
		t.Fatal(err)
	}
	if f.RetryAfter == 0 {
		f.RetryAfter = 10 * time.Millisecond
	}
	if f.TimeoutHold == 0 {
		f.TimeoutHold = 50 * time.Millisecond
	}
	srv := New(sc, Options{Faults: &f, PageSize: pageSize})
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return url
}

// faultDo sends one request of service ("graph", "exchange" with a cmdlet
// as target, "okta"), returning err when the connection failed.
func faultDo(t *testing.T, base, service, target string) (faultResp, error) {
	t.Helper()
	return faultDoWith(t, &http.Client{Timeout: 5 * time.Second}, base, service, target, "t")
}

// faultDoWith is faultDo with a client and a token.
func faultDoWith(t *testing.T, hc *http.Client, base, service, target, token string) (faultResp, error) {
	t.Helper()
	var req *http.Request
	var err error
	switch service {
	case "exchange":
		body := fmt.Sprintf(`{"CmdletInput":{"CmdletName":%q,"Parameters":{}}}`, target)
		req, err = http.NewRequest(http.MethodPost, base+"/adminapi/beta/"+mustLoad(t).TenantID()+"/InvokeCommand", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
	case "okta":
		req, err = http.NewRequest(http.MethodGet, base+target, nil)
		req.Header.Set("Authorization", "SSWS "+token)
	default:
		req, err = http.NewRequest(http.MethodGet, base+target, nil)
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return faultResp{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	out := faultResp{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	return out, err
}

func mustLoad(t *testing.T) *Scenario {
	sc, err := Load("contoso")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func errField(body map[string]any, key string) string {
	if e, ok := body["error"].(map[string]any); ok {
		s, _ := e[key].(string)
		return s
	}
	s, _ := body[key].(string)
	return s
}

var faultTargets = map[string]string{"graph": "/v1.0/users", "exchange": "Get-OrganizationConfig", "okta": "/api/v1/users"}

func TestFaultThrottlePerService(t *testing.T) {
	base := faultServer(t, Faults{Seed: 1, Throttle: 1}, 0)
	for _, service := range services {
		r, err := faultDo(t, base, service, faultTargets[service])
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("%s: status %d, want 429", service, r.status)
		}
		switch service {
		case "graph", "exchange":
			if got := r.header.Get("Retry-After"); got != "0.01" {
				t.Errorf("%s: Retry-After %q, want 0.01", service, got)
			}
			if code := errField(r.body, "code"); code != "TooManyRequests" {
				t.Errorf("%s: error code %q", service, code)
			}
		case "okta":
			if code := errField(r.body, "errorCode"); code != "E0000047" {
				t.Errorf("okta: errorCode %q", code)
			}
			date, err1 := http.ParseTime(r.header.Get("Date"))
			reset, err2 := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64)
			if err1 != nil || err2 != nil || reset != date.Unix() {
				t.Errorf("okta: Date %q X-Rate-Limit-Reset %q, want the reset at Date + round(10ms)", r.header.Get("Date"), r.header.Get("X-Rate-Limit-Reset"))
			}
		}
		// The retry of the same request is answered.
		if r, err := faultDo(t, base, service, faultTargets[service]); err != nil || r.status != http.StatusOK {
			t.Errorf("%s: retry: %d %v", service, r.status, err)
		}
	}
	// Okta's reset is now + retryAfter: 1s by the contract's profile.
	base = faultServer(t, Faults{Seed: 1, Throttle: 1, RetryAfter: time.Second}, 0)
	r, _ := faultDo(t, base, "okta", "/api/v1/users")
	date, _ := http.ParseTime(r.header.Get("Date"))
	if reset, _ := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64); reset != date.Unix()+1 {
		t.Errorf("okta: reset %d, want Date+1 = %d", reset, date.Unix()+1)
	}
}

func TestFaultServerErrorsPerService(t *testing.T) {
	base := faultServer(t, Faults{Seed: 1, ServerErrors: 1}, 0)
	want := map[string]struct {
		status int
		key    string
		code   string
	}{
		"graph":    {503, "code", "serviceNotAvailable"},
		"exchange": {503, "code", "ServiceUnavailable"},
		"okta":     {500, "errorCode", "E0000009"},
	}
	for _, service := range services {
		r, err := faultDo(t, base, service, faultTargets[service])
		if err != nil {
			t.Fatal(err)
		}
		w := want[service]
		if r.status != w.status || errField(r.body, w.key) != w.code {
			t.Errorf("%s: %d %s", service, r.status, r.raw)
		}
	}
}

func TestFaultForbiddenPerService(t *testing.T) {
	base := faultServer(t, Faults{Seed: 1, Forbidden: []string{"/v1.0/users", "Get-AuthenticationPolicy", "/api/v1/users"}}, 0)
	r, _ := faultDo(t, base, "graph", "/v1.0/users?$top=5")
	if r.status != 403 || errField(r.body, "code") != "Authorization_RequestDenied" {
		t.Errorf("graph: %d %s", r.status, r.raw)
	}
	if r, _ := faultDo(t, base, "graph", "/v1.0/domains"); r.status != 200 {
		t.Errorf("graph /v1.0/domains: %d", r.status)
	}
	r, _ = faultDo(t, base, "exchange", "Get-AuthenticationPolicy")
	if r.status != 403 || len(r.raw) == 0 || len(bytes.Trim(r.raw, "\x00")) != 0 {
		t.Errorf("exchange: %d %q, want 403 with NUL bytes", r.status, r.raw)
	}
	if r, _ := faultDo(t, base, "exchange", "Get-OrganizationConfig"); r.status != 200 {
		t.Errorf("exchange Get-OrganizationConfig: %d", r.status)
	}
	r, _ = faultDo(t, base, "okta", "/api/v1/users")
	if r.status != 403 || errField(r.body, "errorCode") != "E0000006" {
		t.Errorf("okta: %d %s", r.status, r.raw)
	}
}

// The first next-page request is broken once (502 or truncated JSON); its
// retry, and the next ones, are whole.
func TestFaultBrokenNextLink(t *testing.T) {
	base := faultServer(t, Faults{Seed: 1, BrokenNextLink: 1}, 2)
	first, err := faultDo(t, base, "graph", "/v1.0/users")
	if err != nil || first.status != 200 {
		t.Fatalf("first page: %d %v", first.status, err)
	}
	next, _ := first.body["@odata.nextLink"].(string)
	if next == "" {
		t.Fatalf("no nextLink: %s", first.raw)
	}
	next = strings.TrimPrefix(next, base)
	broken, err := faultDo(t, base, "graph", next)
	if err != nil {
		t.Fatal(err)
	}
	if broken.status == 200 && json.Valid(broken.raw) || broken.status != 200 && broken.status != 502 {
		t.Errorf("broken page: %d %s", broken.status, broken.raw)
	}
	again, err := faultDo(t, base, "graph", next)
	if err != nil || again.status != 200 || !json.Valid(again.raw) {
		t.Errorf("retry of the broken page: %d %v %s", again.status, err, again.raw)
	}
	// Only one is broken.
	if n, _ := again.body["@odata.nextLink"].(string); n != "" {
		if r, err := faultDo(t, base, "graph", strings.TrimPrefix(n, base)); err != nil || r.status != 200 || !json.Valid(r.raw) {
			t.Errorf("second next page: %d %v", r.status, err)
		}
	}
}

// A timed-out request is held (at most TimeoutHold) and then dropped.
func TestFaultTimeoutDropsConnection(t *testing.T) {
	base := faultServer(t, Faults{Seed: 1, Timeouts: 1, TimeoutHold: 50 * time.Millisecond}, 0)
	start := time.Now()
	if r, err := faultDo(t, base, "graph", "/v1.0/domains"); err == nil {
		t.Errorf("answered %d, want a dropped connection", r.status)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 3*time.Second {
		t.Errorf("held %v", d)
	}
	if r, err := faultDo(t, base, "graph", "/v1.0/domains"); err != nil || r.status != 200 {
		t.Errorf("retry: %d %v", r.status, err)
	}
}

// A scenario's "faults" key is the profile.
func TestFaultsOfScenario(t *testing.T) {
	sc := mustLoad(t)
	if f, err := FaultsOf(sc); err != nil || f != nil {
		t.Fatalf("contoso has no faults: %v %v", f, err)
	}
	sc.Doc["faults"] = map[string]any{"seed": 3, "throttle": 0.5, "retryAfter": "10ms"}
	f, err := FaultsOf(sc)
	if err != nil || f == nil || f.Seed != 3 || f.Throttle != 0.5 || f.RetryAfter != 10*time.Millisecond {
		t.Errorf("FaultsOf: %+v %v", f, err)
	}
}
