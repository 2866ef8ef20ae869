// Package exchange talks to the Exchange Online admin API
// (POST /adminapi/beta/{tenant}/InvokeCommand), the REST endpoint behind the
// ExchangeOnlineManagement v3 module, over net/http.
package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// Scope is the token audience the admin API accepts.
const Scope = "https://outlook.office365.com/.default"

// DefaultBaseURL is the worldwide admin API host.
const DefaultBaseURL = "https://outlook.office365.com"

// Config says where and how to call the admin API.
type Config struct {
	BaseURL    string                 // DefaultBaseURL or the simulator's URL
	TenantID   string                 // tenant GUID (preferred) or initial domain
	Credential azcore.TokenCredential // Scope
	HTTPClient *http.Client           // optional
	PageSize   int                    // Prefer: odata.maxpagesize (default 1000)
	// MaxRetries bounds retries of 429/5xx per request (default 5, as the
	// module does).
	MaxRetries int
	// RetryBase is the first backoff when the service gives no Retry-After
	// (default 2 s, doubling, as the module does).
	RetryBase time.Duration
	// Concurrency is the most requests in flight at once over every
	// cmdlet of one client (default 8; retries wait outside it).
	Concurrency int
	// RequestTimeout bounds each attempt, its answer read whole (default
	// 5 minutes): a read that takes longer is retried, a write is in doubt.
	RequestTimeout time.Duration
	// Strings, when set, interns the strings of the rows kept.
	Strings *tenant.Strings
}

// Client invokes cmdlets.
type Client struct {
	cfg      Config
	http     *http.Client
	conn     string        // connection-id, stable per client (session affinity)
	sem      chan struct{} // requests in flight
	answered atomic.Bool   // a request was answered 200 (its token was good)
}

// New returns a client. The HTTP client gets a cookie jar: following a
// nextLink without session affinity fails on the real service.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PageSize <= 0 || cfg.PageSize > 1000 {
		cfg.PageSize = 1000
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 5
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 2 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 5 * time.Minute
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	if hc.Jar == nil {
		hc.Jar, _ = cookiejar.New(nil)
	}
	return &Client{cfg: cfg, http: hc, conn: newID(), sem: make(chan struct{}, cfg.Concurrency)}
}

// Row is one object a cmdlet returned, property name to raw JSON value.
// Sidecar annotations ("X@odata.type") are removed.
type Row map[string]json.RawMessage

// Hooks receive progress while a cmdlet pages or waits.
type Hooks struct {
	Page func(n int)
	Wait func(d time.Duration, why string)
}

// Invoke runs a cmdlet and returns every row, following @odata.nextLink by
// re-POSTing the same body (as the module does). A result the service
// cut short ("There are more results available") is an error.
func (c *Client) Invoke(ctx context.Context, cmdlet string, params map[string]any, hooks Hooks) ([]Row, error) {
	var rows []Row
	err := c.InvokeEach(ctx, cmdlet, params, hooks, func(page []Row) error {
		rows = append(rows, page...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// InvokeEach runs a cmdlet like Invoke but hands each page's rows to each
// as the page arrives (and keeps none): a listing of 100,000 mailboxes is
// converted a page at a time instead of held whole. An error from each
// ends the listing and is returned as is.
func (c *Client) InvokeEach(ctx context.Context, cmdlet string, params map[string]any, hooks Hooks, each func(page []Row) error) error {
	return c.InvokeRaw(ctx, cmdlet, params, hooks, func(raw []json.RawMessage) error {
		page := make([]Row, len(raw))
		for i, r := range raw {
			if err := json.Unmarshal(r, &page[i]); err != nil {
				return &collect.Failure{Message: cmdlet + ": " + err.Error()}
			}
			for k := range page[i] {
				if strings.Contains(k, "@") {
					delete(page[i], k)
				}
			}
		}
		return each(page)
	})
}

// InvokeRaw is InvokeEach with each page's rows as the service sent them
// (sidecar annotations included): a collector that decodes rows into
// structs skips building a map per row.
func (c *Client) InvokeRaw(ctx context.Context, cmdlet string, params map[string]any, hooks Hooks, each func(page []json.RawMessage) error) error {
	if params == nil {
		params = map[string]any{} // the service wants {}, never null
	}
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	if err != nil {
		return err
	}
	url := c.cfg.BaseURL + "/adminapi/beta/" + c.cfg.TenantID + "/InvokeCommand"
	for url != "" {
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"@odata.nextLink"`
			Warnings []string          `json:"@adminapi.warnings"`
		}
		if err := c.post(ctx, cmdlet, url, body, &page, hooks); err != nil {
			return err
		}
		if err := each(page.Value); err != nil {
			return err
		}
		if hooks.Page != nil {
			hooks.Page(len(page.Value))
		}
		for _, w := range page.Warnings {
			if strings.Contains(w, "There are more results available") {
				return &collect.Failure{Message: cmdlet + ": the service truncated the result: " + w}
			}
		}
		url = page.NextLink
	}
	return nil
}

// post sends one page's request, retrying what may be retried and
// reporting each wait:
//
//   - 429 and 503 (the service refused; nothing was done): after
//     Retry-After or the module's backoff, reads and writes alike;
//   - 401: once, with a renewed token (the service did nothing); a second
//     401, or no new token, is an error naming the sign-in;
//   - a reset or dropped connection, no answer within RequestTimeout, a
//     500/502/504, an answer cut short: a read (Get- and every other
//     non-write cmdlet, idempotent) is retried; a write may have been
//     made, so it is not resent but reported in doubt.
func (c *Client) post(ctx context.Context, cmdlet, url string, body []byte, out any, hooks Hooks) error {
	write := isWriteCmdlet(cmdlet)
	opts := policy.TokenRequestOptions{Scopes: []string{Scope}}
	renewed := false
	var tok azcore.AccessToken
	for attempt := 0; ; attempt++ {
		if tok.Token == "" {
			t, err := c.cfg.Credential.GetToken(ctx, opts)
			if err != nil {
				return &collect.Failure{Message: "getting a token for Exchange Online: " + auth.Explain(err).Error(), Fix: "sign in again"}
			}
			tok = t
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-ResponseFormat", "json")
		req.Header.Set("X-CmdletName", cmdlet)
		req.Header.Set("X-ClientApplication", "ExoManagementModule")
		req.Header.Set("X-SerializationLevel", "Partial")
		req.Header.Set("X-AnchorMailbox", "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"+c.cfg.TenantID)
		req.Header.Set("Prefer", "odata.maxpagesize="+strconv.Itoa(c.cfg.PageSize))
		req.Header.Set("connection-id", c.conn)
		req.Header.Set("client-request-id", newID())
		req.Header.Set("User-Agent", "harden365")

		resp, data, rerr, timedOut, err := c.do(req)
		// Below HTTP: nothing, or not all of the answer, came back.
		if err != nil || rerr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			why := collect.Cause(errors.Join(err, rerr), timedOut, c.cfg.RequestTimeout)
			if write {
				status := 0
				if resp != nil {
					status = resp.StatusCode
				}
				return collect.InDoubtFailure(status, cmdlet+": "+why+" after the request was sent")
			}
			if attempt < c.cfg.MaxRetries {
				if werr := c.wait(ctx, attempt, "", why+" (Exchange, "+cmdlet+")", hooks); werr != nil {
					return werr
				}
				continue
			}
			return &collect.Failure{Message: cmdlet + ": " + why + fmt.Sprintf(" (%d attempts)", attempt+1), Fix: "Exchange Online could not be reached reliably; try again later"}
		}
		switch st := resp.StatusCode; {
		case st == http.StatusOK:
			if err := json.Unmarshal(data, out); err != nil {
				if write {
					return collect.InDoubtFailure(st, cmdlet+": the answer is unreadable ("+err.Error()+")")
				}
				if attempt < c.cfg.MaxRetries { // a truncated page: the same link succeeds on retry
					if werr := c.wait(ctx, attempt, "", "a broken page from Exchange ("+cmdlet+")", hooks); werr != nil {
						return werr
					}
					continue
				}
				return &collect.Failure{HTTPStatus: st, Message: cmdlet + ": undecodable response: " + err.Error()}
			}
			c.answered.Store(true)
			return nil
		case st == http.StatusUnauthorized && !renewed:
			renewed = true
			t, rerr := auth.Renew(ctx, c.cfg.Credential, opts, tok.Token)
			if rerr != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return c.refused(cmdlet, data, "and a new one could not be had: "+rerr.Error())
			}
			tok = t
			if hooks.Wait != nil {
				hooks.Wait(0, "Exchange refused the access token ("+cmdlet+"); signed in again")
			}
			attempt-- // not a failure of the service
			continue
		case st == http.StatusUnauthorized:
			return c.refused(cmdlet, data, "again, after it was renewed")
		case st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable:
			if attempt < c.cfg.MaxRetries {
				why := fmt.Sprintf("Exchange unavailable (%d, %s)", st, cmdlet)
				if st == http.StatusTooManyRequests {
					why = "throttled by Exchange (" + cmdlet + ")"
				}
				if werr := c.wait(ctx, attempt, resp.Header.Get("Retry-After"), why, hooks); werr != nil {
					return werr
				}
				continue
			}
		case st == http.StatusInternalServerError || st == http.StatusBadGateway || st == http.StatusGatewayTimeout:
			if write {
				f := explain(cmdlet, st, data).(*collect.Failure)
				return collect.InDoubtFailure(st, f.Message)
			}
			if attempt < c.cfg.MaxRetries {
				if werr := c.wait(ctx, attempt, resp.Header.Get("Retry-After"), fmt.Sprintf("Exchange answered %d (%s)", st, cmdlet), hooks); werr != nil {
					return werr
				}
				continue
			}
		}
		return explain(cmdlet, resp.StatusCode, data)
	}
}

// refused is the error of a 401 the client cannot get past. Before any
// answer it is most likely the app's set-up; after answers, the sign-in.
func (c *Client) refused(cmdlet string, body []byte, how string) error {
	if !c.answered.Load() {
		f := explain(cmdlet, http.StatusUnauthorized, body).(*collect.Failure)
		f.Message += " (the token was refused " + how + ")"
		f.Fix = "sign in again; if it persists, " + f.Fix
		return f
	}
	return &collect.Failure{HTTPStatus: http.StatusUnauthorized,
		Message: fmt.Sprintf("%s: 401 Unauthorized: Exchange Online refused the access token %s", cmdlet, how),
		Fix:     FixSignIn}
}

// FixSignIn is the Fix of a token refused in the middle of a run.
const FixSignIn = "sign in again (the access token expired or was revoked during the run, and could not be renewed)"

// do sends req and reads the whole body with at most Concurrency requests
// in flight, within RequestTimeout; err is the transport's, rerr the
// body's, timedOut says the attempt's own time ran out.
func (c *Client) do(req *http.Request) (resp *http.Response, data []byte, rerr error, timedOut bool, err error) {
	select {
	case c.sem <- struct{}{}:
	case <-req.Context().Done():
		return nil, nil, nil, false, req.Context().Err()
	}
	defer func() { <-c.sem }()
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, c.cfg.RequestTimeout)
	defer cancel()
	defer func() { timedOut = (err != nil || rerr != nil) && parent.Err() == nil && ctx.Err() != nil }()
	resp, err = c.http.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, nil, false, err
	}
	data, rerr = io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, data, rerr, false, nil
}

// wait sleeps for Retry-After (seconds, fractions allowed) or the module's
// backoff, 2 s·2^attempt, reporting why and how long.
func (c *Client) wait(ctx context.Context, attempt int, retryAfter, why string, hooks Hooks) error {
	d := time.Duration(float64(c.cfg.RetryBase) * math.Pow(2, float64(attempt)))
	if s, err := strconv.ParseFloat(strings.TrimSpace(retryAfter), 64); err == nil && s >= 0 {
		d = time.Duration(s * float64(time.Second))
	}
	if hooks.Wait != nil {
		hooks.Wait(d, why)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// explain turns an error response into a Failure with the service's own
// words and what would fix it.
func explain(cmdlet string, status int, body []byte) error {
	msg := serviceMessage(body)
	f := &collect.Failure{HTTPStatus: status}
	switch status {
	case http.StatusUnauthorized:
		f.Message = fmt.Sprintf("%s: 401 Unauthorized (token rejected)", cmdlet)
		f.Fix = "the app needs the Exchange.ManageAsApp application permission on Office 365 Exchange Online, with admin consent, and a token for " + Scope
	case http.StatusForbidden:
		f.Message = fmt.Sprintf("%s: 403 Forbidden", cmdlet)
		f.Fix = "assign the Global Reader role (reads) or Exchange Administrator (changes) to the signed-in account or the app's service principal"
		if strings.HasPrefix(cmdlet, "Set-") || strings.HasPrefix(cmdlet, "New-") || strings.HasPrefix(cmdlet, "Remove-") {
			f.Fix = "assign the Exchange Administrator role to the signed-in account or the app's service principal"
		}
	default:
		f.Message = fmt.Sprintf("%s: HTTP %d", cmdlet, status)
	}
	if msg != "" {
		f.Message += ": " + msg
	}
	return f
}

// serviceMessage digs the useful text out of the admin API's OData error:
// details[0].message (whose last |-separated part is the text), then
// innererror.internalexception.message, then error.message. A 403 body may
// be NULs rather than JSON.
func serviceMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Message string `json:"message"`
			} `json:"details"`
			Inner struct {
				Internal struct {
					Message string `json:"message"`
				} `json:"internalexception"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(bytes.Trim(body, "\x00 \r\n\t"), &e) != nil {
		return ""
	}
	pick := func(s string) string {
		if i := strings.LastIndexByte(s, '|'); i >= 0 {
			return strings.TrimSpace(s[i+1:])
		}
		return strings.TrimSpace(s)
	}
	if len(e.Error.Details) > 0 && e.Error.Details[0].Message != "" {
		return pick(e.Error.Details[0].Message)
	}
	if e.Error.Inner.Internal.Message != "" {
		return pick(e.Error.Inner.Internal.Message)
	}
	return strings.TrimSpace(strings.TrimSpace(e.Error.Code + " " + e.Error.Message))
}

// IsNotFound reports whether err is the service's "object couldn't be found".
func IsNotFound(err error) bool {
	var f *collect.Failure
	return errors.As(err, &f) && f.HTTPStatus == http.StatusNotFound
}
