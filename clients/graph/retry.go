package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
)

// causeHeader carries, on a synthetic 503, what really happened, for the
// retry's progress message.
const causeHeader = "X-Harden365-Cause"

// transient sits under Kiota's retry handler. It gives every attempt at
// most timeout, and turns what that handler does not retry on a read (a
// 500 or 502, a reset or dropped connection, no answer in time, a
// truncated JSON body) into the 503 it does retry, so that they are
// retried, bounded and reported like throttling.
//
// A write is never resent after it may have reached Graph: a failure
// below HTTP, a 504 (which the retry handler would resend) or an answer
// cut short becomes a write in doubt (collect.InDoubtFailure).
type transient struct {
	next    http.RoundTripper
	timeout time.Duration
}

func isRead(req *http.Request) bool {
	return req.Method == http.MethodGet || req.Method == http.MethodHead
}

func (t *transient) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := parent, context.CancelFunc(func() {})
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, t.timeout)
	}
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	timedOut := func() bool { return parent.Err() == nil && ctx.Err() != nil }
	if err != nil {
		cancel()
		if parent.Err() != nil {
			return nil, err
		}
		why := collect.Cause(err, timedOut(), t.timeout)
		if !isRead(req) {
			return nil, collect.InDoubtFailure(0, fmt.Sprintf("%s %s: %s after the request was sent", req.Method, req.URL.Path, why))
		}
		return unavailable(req, why), nil
	}
	switch {
	case isRead(req) && (resp.StatusCode == http.StatusInternalServerError || resp.StatusCode == http.StatusBadGateway):
		resp.Header = resp.Header.Clone()
		resp.Header.Set(causeHeader, "HTTP "+resp.Status)
		resp.StatusCode = http.StatusServiceUnavailable
		resp.Status = "503 Service Unavailable"
		if resp.Header.Get("Retry-After") == "" {
			resp.Header.Set("Retry-After", "1")
		}
	case !isRead(req) && resp.StatusCode == http.StatusGatewayTimeout:
		resp.Body.Close()
		cancel()
		return nil, collect.InDoubtFailure(resp.StatusCode, fmt.Sprintf("%s %s: Microsoft Graph answered 504 Gateway Timeout", req.Method, req.URL.Path))
	}
	// A read's 200 and a write's 2xx are read whole inside the attempt's
	// time (and a read's JSON checked); other answers go up as they are.
	if req.Method == http.MethodHead || resp.StatusCode != http.StatusOK && (isRead(req) || resp.StatusCode >= 300) {
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	}
	isJSON := strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json")
	raw, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	to := timedOut()
	cancel()
	if parent.Err() != nil {
		return nil, parent.Err()
	}
	if rerr != nil || isRead(req) && isJSON && !json.Valid(raw) {
		why := "the answer was cut short (truncated JSON)"
		if rerr != nil {
			why = collect.Cause(rerr, to, t.timeout)
		}
		if !isRead(req) {
			return nil, collect.InDoubtFailure(resp.StatusCode, fmt.Sprintf("%s %s: %s while reading the answer", req.Method, req.URL.Path, why))
		}
		return unavailable(req, why), nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	return resp, nil
}

// cancelBody ends an attempt's context when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// unavailable is a synthetic 503 for a failure below HTTP.
func unavailable(req *http.Request, why string) *http.Response {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "serviceNotAvailable", "message": fmt.Sprintf("%s %s: %s", req.Method, req.URL.Path, why)}})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", "1")
	h.Set(causeHeader, why)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

// reauth answers a 401 to a token once: it asks the credential for a new
// token (auth.Renew) and resends the request with it, reporting the wait.
// A 401 means Graph did not act, so a write is resent too. When no new
// token can be had, the 401 becomes a Failure saying so; a second 401 is
// left to the caller (an error naming the sign-in).
type reauth struct {
	next http.RoundTripper
	cred azcore.TokenCredential
}

func (a *reauth) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		raw, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(raw))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	}
	resp, err := a.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	refused, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return resp, nil
	}
	// The 401's own words; the response goes on with its body restored.
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	code, text := graphError(raw, resp.Status)
	tok, rerr := auth.Renew(req.Context(), a.cred, policy.TokenRequestOptions{Scopes: []string{Scope}}, refused)
	if rerr != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, &collect.Failure{HTTPStatus: http.StatusUnauthorized,
			Message: fmt.Sprintf("%s (the token was refused and a new one could not be had: %v)", text, rerr), Fix: FixTokenRejected}
	}
	if rep := collect.ReporterFrom(req.Context()); rep != nil {
		rep.Wait(0, fmt.Sprintf("Microsoft Graph refused the access token (%s) on %s %s; signed in again", code, req.Method, req.URL.Path))
	}
	again := req.Clone(req.Context())
	again.Header.Set("Authorization", "Bearer "+tok.Token)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		again.Body = body
	}
	return a.next.RoundTrip(again)
}

// graphError is the code and "code: message" of a Graph error body, or
// the status when it has none.
func graphError(raw []byte, status string) (code, text string) {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
		return status, status
	}
	if e.Error.Message == "" {
		return e.Error.Code, e.Error.Code
	}
	return e.Error.Code, e.Error.Code + ": " + e.Error.Message
}
