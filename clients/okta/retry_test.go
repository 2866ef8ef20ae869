package okta

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/collect"
)

// A 5xx and a truncated JSON body on a GET are retried, each wait
// reported; a POST is not retried.
func TestRetryingTransientFaults(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"errorCode":"E0000009"}`)
		case 2:
			io.WriteString(w, `[{"id":"00u1"`)
		default:
			io.WriteString(w, `[{"id":"00u1"}]`)
		}
	}))
	defer srv.Close()
	var waits []string
	rep := collect.NewReporter("okta.users", "okta", func(e collect.Event) {
		if e.Kind == collect.Waiting {
			waits = append(waits, e.Message)
		}
	})
	hc := &http.Client{Transport: &retrying{next: http.DefaultTransport, rep: rep, backoff: time.Millisecond}}
	resp, err := hc.Get(srv.URL + "/api/v1/users")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `[{"id":"00u1"}]` {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
	if len(waits) != 2 || !strings.Contains(waits[0], "HTTP 500") || !strings.Contains(waits[1], "truncated") {
		t.Errorf("waits %q", waits)
	}

	n.Store(0)
	resp, err = hc.Post(srv.URL+"/api/v1/users", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || n.Load() != 1 {
		t.Errorf("POST: %d after %d requests, want 500 after 1", resp.StatusCode, n.Load())
	}
}

// Retries are bounded: a GET that always fails gives up with the last
// answer.
func TestRetryingBounded(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &retrying{next: http.DefaultTransport, maxAttempts: 3, backoff: time.Millisecond}}
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || n.Load() != 3 {
		t.Errorf("%d after %d attempts, want 502 after 3", resp.StatusCode, n.Load())
	}
}
