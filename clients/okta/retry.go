package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/harden365/harden365/clients/collect"
)

// retrying retries what the v2 SDK does not (it retries only 429 and
// io.EOF): a 5xx, a reset or dropped connection, no answer within timeout
// or a truncated JSON body, on GETs only, at most maxAttempts times with a
// doubling back-off, each wait reported to rep.
//
// A write (any other method) is never resent once it may have reached
// Okta: a failure below HTTP or an answer cut short becomes a write in
// doubt, an error that does not unwrap to io.EOF, so that the SDK does
// not resend it either.
type retrying struct {
	next        http.RoundTripper
	rep         *collect.Reporter
	maxAttempts int
	backoff     time.Duration
	timeout     time.Duration // per attempt, its answer read; 0: none
}

// attempt sends req once within t.timeout. The returned body must be
// closed (which ends the attempt's context); timedOut tells an error of
// the attempt's own deadline.
func (t *retrying) attempt(req *http.Request) (resp *http.Response, timedOut func() bool, err error) {
	parent := req.Context()
	ctx, cancel := parent, context.CancelFunc(func() {})
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, t.timeout)
	}
	timedOut = func() bool { return parent.Err() == nil && ctx.Err() != nil }
	resp, err = t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		to := timedOut()
		cancel()
		return nil, func() bool { return to }, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, timedOut, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return t.write(req)
	}
	attempts, delay := t.maxAttempts, t.backoff
	if attempts <= 0 {
		attempts = 3
	}
	if delay <= 0 {
		delay = 250 * time.Millisecond
	}
	for attempt := 1; ; attempt++ {
		resp, timedOut, err := t.attempt(req)
		why := ""
		switch {
		case err != nil:
			if req.Context().Err() != nil {
				return nil, err
			}
			why = collect.Cause(err, timedOut(), t.timeout)
		case resp.StatusCode >= 500 && resp.StatusCode <= 504:
			why = fmt.Sprintf("HTTP %d", resp.StatusCode)
		case resp.StatusCode == http.StatusOK && strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json"):
			raw, rerr := io.ReadAll(resp.Body)
			to := timedOut()
			resp.Body.Close()
			if rerr == nil && json.Valid(raw) {
				resp.Body = io.NopCloser(bytes.NewReader(raw))
				resp.ContentLength = int64(len(raw))
				return resp, nil
			}
			if req.Context().Err() != nil {
				return nil, req.Context().Err()
			}
			why = "truncated JSON body"
			if rerr != nil {
				why = collect.Cause(rerr, to, t.timeout) + " (truncated JSON body)"
			}
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
			t.rep.Wait(delay, fmt.Sprintf("%s (Okta, GET %s)", why, req.URL.Path))
		}
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		delay *= 2
	}
}

// write sends a write once; a 2xx answer is read whole within the
// attempt.
func (t *retrying) write(req *http.Request) (*http.Response, error) {
	resp, timedOut, err := t.attempt(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, err
		}
		return nil, &inDoubtError{f: collect.InDoubtFailure(0, fmt.Sprintf("%s %s: %s after the request was sent", req.Method, req.URL.Path, collect.Cause(err, timedOut(), t.timeout)))}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil
	}
	raw, rerr := io.ReadAll(resp.Body)
	to := timedOut()
	resp.Body.Close()
	if rerr != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, &inDoubtError{f: collect.InDoubtFailure(resp.StatusCode, fmt.Sprintf("%s %s: %s while reading the answer", req.Method, req.URL.Path, collect.Cause(rerr, to, t.timeout)))}
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	return resp, nil
}

// inDoubtError carries a write's in-doubt Failure through the SDK, which
// resends on anything that unwraps to io.EOF: it unwraps only to the
// Failure.
type inDoubtError struct{ f *collect.Failure }

func (e *inDoubtError) Error() string { return e.f.Error() }
func (e *inDoubtError) Unwrap() error { return e.f }

// tokens renews a refused OAuth access token (Config.Renew): every
// request carries the current token; a 401 to it gets a new one (once
// per request, shared by the requests refused at once) and is resent,
// Okta having done nothing. Without Renew (an API token, which cannot be
// renewed) a 401 passes through to become an error naming the token.
type tokens struct {
	next  http.RoundTripper
	mode  string
	renew func(ctx context.Context) (string, error)
	rep   *collect.Reporter

	mu      *sync.Mutex
	current *string
}

func (t *tokens) token() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return *t.current
}

// replace returns the token to use instead of refused: the current one
// when another request renewed it already, else a new one.
func (t *tokens) replace(ctx context.Context, refused string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if *t.current != refused {
		return *t.current, nil
	}
	tok, err := t.renew(ctx)
	if err != nil {
		return "", err
	}
	if tok == "" || tok == refused {
		return "", fmt.Errorf("the new access token is the refused one")
	}
	*t.current = tok
	return tok, nil
}

func (t *tokens) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.renew == nil {
		return t.next.RoundTrip(req)
	}
	var raw []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		raw = b
	}
	send := func(tok string) (*http.Response, error) {
		r := req.Clone(req.Context())
		r.Header.Set("Authorization", t.mode+" "+tok)
		if raw != nil {
			r.Body = io.NopCloser(bytes.NewReader(raw))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
		}
		return t.next.RoundTrip(r)
	}
	tok := t.token()
	resp, err := send(tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	fresh, rerr := t.replace(req.Context(), tok)
	if rerr != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		var e struct{ ErrorCode, ErrorSummary string }
		msg := resp.Status
		if json.Unmarshal(body, &e) == nil && e.ErrorCode != "" {
			msg = e.ErrorCode + " " + e.ErrorSummary
		}
		return nil, &collect.Failure{HTTPStatus: http.StatusUnauthorized,
			Message: fmt.Sprintf("%s %s: %s (the access token was refused and a new one could not be had: %v)", req.Method, req.URL.Path, msg, rerr),
			Fix:     fixBearer}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if t.rep != nil {
		t.rep.Wait(0, fmt.Sprintf("Okta refused the access token on %s %s; got a new one", req.Method, req.URL.Path))
	}
	return send(fresh)
}
