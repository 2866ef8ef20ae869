package okta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/harden365/harden365/clients/collect"
)

// retrying retries what the v2 SDK does not (it retries only 429 and
// io.EOF): a 5xx, a dropped connection or a truncated JSON body, on GETs
// only, at most maxAttempts times with a doubling back-off, each wait
// reported to rep.
type retrying struct {
	next        http.RoundTripper
	rep         *collect.Reporter
	maxAttempts int
	backoff     time.Duration
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return t.next.RoundTrip(req)
	}
	attempts, delay := t.maxAttempts, t.backoff
	if attempts <= 0 {
		attempts = 3
	}
	if delay <= 0 {
		delay = 250 * time.Millisecond
	}
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		why := ""
		switch {
		case err != nil:
			if req.Context().Err() != nil {
				return nil, err
			}
			why = err.Error()
		case resp.StatusCode >= 500 && resp.StatusCode <= 504:
			why = fmt.Sprintf("HTTP %d", resp.StatusCode)
		case resp.StatusCode == http.StatusOK && strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json"):
			raw, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && json.Valid(raw) {
				resp.Body = io.NopCloser(bytes.NewReader(raw))
				resp.ContentLength = int64(len(raw))
				return resp, nil
			}
			why = "truncated JSON body"
			// A last attempt still answers with what came (the SDK then
			// fails to decode it).
			resp.Body = io.NopCloser(bytes.NewReader(raw))
		default:
			return resp, nil
		}
		if attempt >= attempts {
			return resp, err
		}
		if resp != nil {
			resp.Body.Close()
		}
		if t.rep != nil {
			t.rep.Wait(delay, fmt.Sprintf("Okta: %s from %s; retrying", why, req.URL.Path))
		}
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		delay *= 2
	}
}
