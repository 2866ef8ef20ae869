// Package graph collects the Entra ID side of an organisation from
// Microsoft Graph: the organisation, domains and their federation, users,
// legacy-protocol sign-ins, conditional access, security defaults and the
// email-app usage reports.
//
// It is the only package that talks to msgraph-sdk-go and Kiota; nothing
// it exports carries their types. v1.0 resources go through the typed SDK;
// the beta-only shapes (sign-ins with userAgent, the reports as JSON) are
// sent through the same request adapter as raw requests and decoded into
// this package's own structs.
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// DefaultBaseURL is Microsoft Graph's global endpoint.
const DefaultBaseURL = "https://graph.microsoft.com"

// Scope is the token scope the credential is asked for.
const Scope = "https://graph.microsoft.com/.default"

const defaultConcurrency = 8

// DefaultRequestTimeout is the time an attempt may take (the SDK's own
// default for a whole call).
const DefaultRequestTimeout = 100 * time.Second

// SignInWindow is how far back from AsOf sign-ins are collected.
const SignInWindow = 30 * 24 * time.Hour

// Task IDs.
const (
	TaskOrganization      = "graph.organization"
	TaskDomains           = "graph.domains"
	TaskUsers             = "graph.users"
	TaskSignIns           = "graph.signIns"
	TaskConditionalAccess = "graph.conditionalAccess"
	TaskSecurityDefaults  = "graph.securityDefaults"
	TaskEmailAppUsage     = "graph.emailAppUsage"
)

// LegacyClientApps are the sign-ins' clientAppUsed values of legacy
// (basic-auth capable) clients; sign-ins are searched for each of them.
var LegacyClientApps = []string{
	"Exchange ActiveSync", "Authenticated SMTP", "IMAP4", "POP3", "MAPI Over HTTP",
	"Exchange Web Services", "Outlook Anywhere (RPC over HTTP)", "Offline Address Book",
	"AutoDiscover", "Exchange Online PowerShell", "Reporting Web Services", "Other clients",
}

// Config says where Graph is and how to sign in.
type Config struct {
	// BaseURL is DefaultBaseURL or the simulator's URL; the client appends
	// /v1.0 and /beta.
	BaseURL string
	// Credential is asked for Scope.
	Credential azcore.TokenCredential
	// HTTPClient is optional. Its Transport (and Timeout, over a whole
	// call with its retries) are kept; the Graph middleware (retry on
	// 429/503/504, redirects, compression) is put in front of it, and
	// redirects are left to that middleware.
	HTTPClient *http.Client
	// RequestTimeout bounds each attempt of a request, its answer read
	// whole (default DefaultRequestTimeout): a read that takes longer is
	// retried like a dropped connection, a write is in doubt.
	RequestTimeout time.Duration
	// AsOf: sign-ins are collected for the SignInWindow before it (zero:
	// today, midnight UTC).
	AsOf time.Time
	// PageSize is an optional $top hint (the service caps it).
	PageSize int
	// Concurrency is the most requests in flight at once (default 8).
	Concurrency int
	// Strings, when set, interns the strings of the rows kept.
	Strings *tenant.Strings
}

// client is one configured Graph connection shared by a set of tasks.
type client struct {
	cfg     Config
	base    string // without version
	adapter *msgraphsdk.GraphRequestAdapter
	sdk     *msgraphsdk.GraphServiceClient
}

func newClient(cfg Config) (*client, error) {
	if cfg.Credential == nil {
		return nil, errors.New("graph: no credential")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	auth, err := kauth.NewAzureIdentityAuthenticationProviderWithScopes(cfg.Credential, []string{Scope})
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, nil, nil, httpClient(cfg))
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	adapter.SetBaseUrl(base + "/v1.0")
	// msgraphsdk.NewGraphServiceClient stores its backing-store factory in
	// kiota's package variable on every call, unguarded, while requests of
	// clients made earlier read that variable: a data race whenever two
	// clients live at once (the wizard's re-collect, parallel tests). A nil
	// factory leaves the variable alone; it already holds the same default.
	sdk := &msgraphsdk.GraphServiceClient{GraphBaseServiceClient: *msgraphsdk.NewGraphBaseServiceClient(adapter, nil)}
	return &client{cfg: cfg, base: base, adapter: adapter, sdk: sdk}, nil
}

// httpClient builds the HTTP client: Graph's default middleware over the
// caller's transport, with at most cfg.Concurrency requests in flight,
// each attempt bounded by cfg.RequestTimeout, a refused token renewed
// once.
func httpClient(cfg Config) *http.Client {
	hc := cfg.HTTPClient
	c := &http.Client{}
	var parent http.RoundTripper
	if hc != nil {
		cp := *hc
		c = &cp
		parent = hc.Transport
	}
	if parent == nil {
		parent = khttp.GetDefaultTransport()
	}
	// Kiota's redirect handler follows redirects (and drops the token on a
	// change of host); net/http must not follow them first.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts := msgraphsdk.GetDefaultClientOptions()
	c.Transport = khttp.NewCustomTransportWithParentTransport(
		&limiter{next: &reauth{next: &transient{next: parent, timeout: cfg.RequestTimeout}, cred: cfg.Credential}, sem: make(chan struct{}, cfg.Concurrency)},
		msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...)
	return c
}

// limiter bounds the requests in flight (released when the response
// headers are in: throttling retries sleep outside it), and gives every
// error response a JSON body so that its status survives decoding.
type limiter struct {
	next http.RoundTripper
	sem  chan struct{}
}

func (l *limiter) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case l.sem <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	defer func() { <-l.sem }()
	resp, err := l.next.RoundTrip(req)
	if err == nil && resp.StatusCode >= 400 {
		resp = jsonErrorBody(resp)
	}
	return resp, err
}

// jsonErrorBody replaces a non-JSON error body (an HTML page from a proxy,
// the NUL bytes some Microsoft services send with a 403) by Graph's error
// shape, code "HTTP<status>" and the body's text as message. Kiota would
// otherwise fail to parse it and lose the status.
func jsonErrorBody(resp *http.Response) *http.Response {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "json") {
		return resp
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	msg := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == 0 || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, string(raw))), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": fmt.Sprintf("HTTP%d", resp.StatusCode), "message": msg}})
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Del("Content-Encoding")
	return resp
}

// options are the per-request options: the retry handler's, reporting each
// throttling or transient-error wait on rep.
func options(rep *collect.Reporter) []abs.RequestOption {
	if rep == nil {
		return nil
	}
	return []abs.RequestOption{&khttp.RetryHandlerOptions{
		ShouldRetry: func(_ time.Duration, attempt int, req *http.Request, resp *http.Response) bool {
			rep.Wait(retryDelay(resp, attempt+1), waitMessage(req, resp))
			return true
		},
	}}
}

// waitMessage says why a retry waits (the Event's Wait says how long):
// "throttled by Microsoft Graph on GET /v1.0/users".
func waitMessage(req *http.Request, resp *http.Response) string {
	what := fmt.Sprintf("HTTP %d from Microsoft Graph", resp.StatusCode)
	switch cause := resp.Header.Get(causeHeader); {
	case cause != "":
		what = cause + " (Microsoft Graph)"
	case resp.StatusCode == http.StatusTooManyRequests:
		what = "throttled by Microsoft Graph"
	case resp.StatusCode == http.StatusServiceUnavailable:
		what = "Microsoft Graph unavailable (503)"
	case resp.StatusCode == http.StatusGatewayTimeout:
		what = "Microsoft Graph gateway timeout (504)"
	}
	return fmt.Sprintf("%s on %s %s", what, req.Method, req.URL.Path)
}

// retryDelay estimates the wait Kiota's retry handler is about to make:
// Retry-After (whole seconds), else 3s doubling per attempt.
func retryDelay(resp *http.Response, attempt int) time.Duration {
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		var secs float64
		if _, err := fmt.Sscanf(ra, "%g", &secs); err == nil {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(ra); err == nil {
			return time.Until(t)
		}
	}
	return time.Duration(3*(1<<(attempt-1))) * time.Second
}

func (c *client) asOf() time.Time {
	if !c.cfg.AsOf.IsZero() {
		return c.cfg.AsOf.UTC()
	}
	return time.Now().UTC().Truncate(24 * time.Hour)
}

// top is the page size to ask for: the hint, else def.
func (c *client) top(def int) int {
	if c.cfg.PageSize > 0 {
		return c.cfg.PageSize
	}
	return def
}

// Organization reads GET /organization: the tenant id, name and initial
// domain.
func Organization(ctx context.Context, cfg Config) (tenant.Tenant, error) {
	c, err := newClient(cfg)
	if err != nil {
		return tenant.Tenant{}, err
	}
	t, err := c.organization(ctx, nil)
	if err != nil {
		return tenant.Tenant{}, explain(TaskOrganization, err)
	}
	return t, nil
}

// Tasks returns the Graph collector's tasks, sharing one connection (and
// its Concurrency limit).
func Tasks(cfg Config) ([]collect.Task, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return []collect.Task{
		c.task(TaskOrganization, c.runOrganization),
		c.task(TaskDomains, c.runDomains),
		c.task(TaskUsers, c.runUsers),
		c.task(TaskSignIns, c.runSignIns),
		c.task(TaskConditionalAccess, c.runConditionalAccess),
		c.task(TaskSecurityDefaults, c.runSecurityDefaults),
		c.task(TaskEmailAppUsage, c.runEmailAppUsage),
	}, nil
}

type runFunc func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error)

func (c *client) task(id string, run runFunc) collect.Task {
	return collect.Task{ID: id, Service: "graph", Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
		apply, err := run(collect.WithReporter(ctx, rep), rep)
		if err != nil {
			return nil, explain(id, err)
		}
		return apply, nil
	}}
}

func page(rep *collect.Reporter, n int) {
	if rep != nil {
		rep.Page(n)
	}
}

// --- paging through the typed SDK.

// errorMappings decode any 4xx/5xx body into Graph's ODataError.
var errorMappings = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// pageAdapter is the adapter the PageIterator fetches next pages through:
// it reports each page and decodes errors as ODataError (the iterator's
// own error registry is empty).
type pageAdapter struct {
	abs.RequestAdapter
	rep *collect.Reporter
}

func (p pageAdapter) Send(ctx context.Context, ri *abs.RequestInformation, ctor absser.ParsableFactory, em abs.ErrorMappings) (absser.Parsable, error) {
	if len(em) == 0 {
		em = errorMappings
	}
	res, err := p.RequestAdapter.Send(ctx, ri, ctor, em)
	if err == nil && res != nil {
		page(p.rep, valueLen(res))
	}
	return res, err
}

// valueLen is len(res.GetValue()) for any collection response.
func valueLen(res any) int {
	m := reflect.ValueOf(res).MethodByName("GetValue")
	if !m.IsValid() {
		return 0
	}
	v := m.Call(nil)[0]
	if v.Kind() != reflect.Slice {
		return 0
	}
	return v.Len()
}

// iterate walks every page of a collection whose first page is first,
// following @odata.nextLink with the SDK's PageIterator.
func iterate[T any](ctx context.Context, c *client, rep *collect.Reporter, first absser.Parsable, ctor absser.ParsableFactory, each func(T)) error {
	if first == nil {
		return errors.New("Microsoft Graph returned an empty response")
	}
	page(rep, valueLen(first))
	it, err := msgraphcore.NewPageIterator[T](first, pageAdapter{RequestAdapter: c.adapter, rep: rep}, ctor)
	if err != nil {
		return err
	}
	it.SetReqOptions(options(rep))
	return it.Iterate(ctx, func(item T) bool {
		each(item)
		return true
	})
}

// forEach runs fn(0..n-1) concurrently, at most limit at once; the first
// error cancels the rest and is returned.
func forEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, max(limit, 1))
	)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		// cancelled from outside
		return ctx.Err()
	}
	return first
}

// --- small helpers over the SDK's pointers.

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func enumString[T fmt.Stringer](p *T) string {
	if p == nil {
		return ""
	}
	return (*p).String()
}

func enumStrings[T fmt.Stringer](vs []T) []string {
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// msgraph-sdk-go-core creates its error-mapping registry lazily with an
// unsynchronised double-checked lock, which races when several page
// iterators start at once (seen with -race). Creating it at package init
// makes every later use a plain read.
func init() { msgraphcore.GetErrorFactoryFromRegistry("") }
