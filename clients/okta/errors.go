package okta

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/harden365/harden365/clients/collect"
)

// isURLError: err is net/http's wrapping of a transport's error (which
// adds the URL to the text).
func isURLError(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// httpError carries the HTTP status of a failed call beside the SDK's
// error (*sdk.Error has no status of its own).
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// withResponse attaches resp's status to err.
func withResponse(resp *sdk.Response, err error) error {
	if err == nil {
		return nil
	}
	if st := status(resp); st != 0 {
		return &httpError{status: st, err: err}
	}
	return err
}

func status(resp *sdk.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

// statusOfCode is the HTTP status of Okta's common error codes, for an
// error that arrived without its response.
var statusOfCode = map[string]int{
	"E0000001": http.StatusBadRequest,
	"E0000011": http.StatusUnauthorized,
	"E0000006": http.StatusForbidden,
	"E0000007": http.StatusNotFound,
	"E0000047": http.StatusTooManyRequests,
}

// oktaMessage renders an Okta error as "E0000006 You do not have
// permission ... (cause; cause)".
func oktaMessage(e *sdk.Error) string {
	msg := strings.TrimSpace(e.ErrorCode + " " + e.ErrorSummary)
	var causes []string
	for _, c := range e.ErrorCauses {
		if s, ok := c["errorSummary"].(string); ok && s != "" {
			causes = append(causes, s)
		}
	}
	if len(causes) > 0 {
		msg += " (" + strings.Join(causes, "; ") + ")"
	}
	return msg
}

// FixAPIToken is the Fix of a refused API token (SSWS), which harden365
// cannot renew.
const FixAPIToken = "the Okta API token was rejected: create a new one (Security → API → Tokens) and store it with `harden365 profile add` (or set H365_OKTA_TOKEN); " +
	"an API token expires after 30 days unused and dies when revoked or when its admin is deactivated, and harden365 cannot renew it"

const fixBearer = "the OAuth access token was rejected: get a new one for the harden365 service app (client credentials with the okta.*.read scopes)"

const rateLimitFix = "wait for Okta's rate limit to reset (a minute) and collect again, or collect with a lower concurrency"

// explain turns a task's error into a *collect.Failure when it is an
// answer from Okta: the HTTP status, Okta's own message, and what would
// fix it (the token, the OAuth scope, the admin role). Other errors
// (network, cancellation) pass through.
func explain(source, mode string, err error) error {
	var f *collect.Failure
	if errors.As(err, &f) {
		// A Failure from below the SDK (a write in doubt, a token that
		// could not be renewed) names its request itself.
		var ide *inDoubtError
		if err.Error() == f.Message || errors.As(err, &ide) || isURLError(err) {
			return f
		}
		return &collect.Failure{HTTPStatus: f.HTTPStatus, Message: err.Error(), Fix: f.Fix, InDoubt: f.InDoubt}
	}
	st := 0
	var he *httpError
	if errors.As(err, &he) {
		st = he.status
	}
	var oe *sdk.Error
	isOkta := errors.As(err, &oe)
	if isOkta && st == 0 {
		st = statusOfCode[oe.ErrorCode]
	}
	// The SDK gives up on 429 with a plain error and no response.
	if !isOkta && st == 0 && strings.Contains(err.Error(), "too many requests") {
		return &collect.Failure{HTTPStatus: http.StatusTooManyRequests,
			Message: "Okta kept answering 429 Too Many Requests after retrying (" + err.Error() + ")",
			Fix:     rateLimitFix}
	}
	if !isOkta && st == 0 {
		return err
	}
	msg := err.Error()
	if isOkta {
		// Keep any context ("rules of policy X: ") but show Okta's own
		// words rather than the SDK's "the API returned an error: ...".
		msg = strings.TrimSuffix(msg, oe.Error()) + oktaMessage(oe)
	}
	fl := &collect.Failure{HTTPStatus: st, Message: msg}
	switch st {
	case http.StatusUnauthorized:
		if mode == "Bearer" {
			fl.Fix = fixBearer
		} else {
			fl.Fix = FixAPIToken
		}
	case http.StatusForbidden:
		scope := scopes[source]
		if scope == "" {
			scope = "okta.*.read"
		}
		fl.Fix = fmt.Sprintf("grant the %s scope to the service app (OAuth), and give the token's admin a role that can read it: "+
			"the Read-Only Administrator role covers every read harden365 makes", scope)
	case http.StatusTooManyRequests:
		fl.Fix = rateLimitFix
	}
	return fl
}

// transport limits the requests in flight (shared by all tasks of one
// Tasks call) and reports Okta's 429s, which the SDK retries by itself, as
// waits of the task's reporter.
type transport struct {
	base http.RoundTripper
	sem  *limiter
	rep  *collect.Reporter
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.sem.acquire(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.sem.release()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests && t.rep != nil {
		t.rep.Wait(backoff(resp), "Okta rate limit (429 Too Many Requests): the SDK retries after X-Rate-Limit-Reset")
	}
	// The slot is held until the body is read to its end or closed (the
	// SDK always reads and closes it).
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: sync.OnceFunc(t.sem.release)}
	return resp, nil
}

// backoff is the wait the SDK will take: X-Rate-Limit-Reset minus Date,
// plus a second, at most 30 s (the back-off cap the clients set).
func backoff(resp *http.Response) time.Duration {
	date, err1 := http.ParseTime(resp.Header.Get("Date"))
	reset, err2 := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	d := time.Duration(reset-date.Unix()+1) * time.Second
	return min(max(d, 0), 30*time.Second)
}

type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
