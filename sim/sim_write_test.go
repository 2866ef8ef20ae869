package sim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/sim"
)

// Helpers shared by the write tests (exchange_write_test.go,
// graph_write_test.go, okta_write_test.go): a started simulator, raw HTTP
// requests with each service's token, and /_sim/state, which must parse as
// a scenario after every write.

type wsim struct {
	t   *testing.T
	srv *sim.Server
	url string
}

// startWrite serves a built-in scenario or a file, changed by mutate (on the
// document decoded with encoding/json) when given.
func startWrite(t *testing.T, nameOrFile string, mutate func(doc map[string]any)) *wsim {
	t.Helper()
	sc, err := sim.Load(nameOrFile)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		var data []byte
		if strings.HasSuffix(nameOrFile, ".json") {
			data, err = os.ReadFile(nameOrFile)
		} else {
			data, err = os.ReadFile("scenarios/" + nameOrFile + ".json")
		}
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		mutate(doc)
		data, _ = json.Marshal(doc)
		if sc, err = sim.Parse(data, "mutated:"+nameOrFile); err != nil {
			t.Fatal(err)
		}
	}
	srv := sim.New(sc, sim.Options{})
	u, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	return &wsim{t: t, srv: srv, url: u}
}

type wresp struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

// obj is the body as an object (nil if it is not one).
func (r wresp) obj() map[string]any { m, _ := r.body.(map[string]any); return m }

// do sends a request with the service's token (Bearer for Graph and
// Exchange, SSWS for Okta). body is JSON-encoded unless it is []byte.
func (ws *wsim) do(method, path string, body any, headers ...string) wresp {
	ws.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			ws.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ws.url+path, rd)
	if err != nil {
		ws.t.Fatal(err)
	}
	if strings.HasPrefix(path, "/api/v1/") {
		req.Header.Set("Authorization", "SSWS test-token")
	} else {
		req.Header.Set("Authorization", "Bearer test-token")
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ws.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := wresp{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out.body); err != nil {
			ws.t.Fatalf("%s %s: body is not JSON: %v: %s", method, path, err, raw)
		}
	}
	return out
}

// timed runs f and returns the simulator clock's window around it.
func (ws *wsim) timed(f func()) (before, after time.Time) {
	before = ws.srv.Now()
	f()
	return before, ws.srv.Now()
}

// state fetches /_sim/state, checks that it parses as a scenario, and
// returns it decoded.
func (ws *wsim) state() map[string]any {
	ws.t.Helper()
	r := ws.do(http.MethodGet, "/_sim/state", nil)
	if r.status != http.StatusOK {
		ws.t.Fatalf("/_sim/state: %d %s", r.status, r.raw)
	}
	if _, err := sim.Parse(r.raw, "state"); err != nil {
		ws.t.Fatalf("/_sim/state is not a valid scenario any more: %v", err)
	}
	return r.obj()
}

// dig walks generic JSON by keys (string) and indexes (int).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k < 0 || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// find returns the element of list v whose key equals want.
func find(v any, key, want string) map[string]any {
	a, _ := v.([]any)
	for _, e := range a {
		if m, _ := e.(map[string]any); m != nil && strings.EqualFold(jstr(m[key]), want) {
			return m
		}
	}
	return nil
}

func jstr(v any) string { x, _ := v.(string); return x }

// wantStamp checks a service-assigned time: in layout, and within the
// simulator clock's window (to the second).
func wantStamp(t *testing.T, what string, got any, layout string, before, after time.Time) {
	t.Helper()
	str, _ := got.(string)
	ts, err := time.Parse(layout, str)
	if err == nil && len(str) != len(layout) { // the layouts used have fixed widths
		err = errors.New("wrong width")
	}
	if err != nil {
		t.Errorf("%s = %v: not in the form %s: %v", what, got, layout, err)
		return
	}
	if ts.Before(before.Truncate(time.Second)) || ts.After(after) {
		t.Errorf("%s = %s: outside the simulator clock's window [%s, %s]", what, str, before.Format(time.RFC3339), after.Format(time.RFC3339))
	}
}
