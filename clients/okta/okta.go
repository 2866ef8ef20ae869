// Package okta collects an Okta org into the snapshot through
// okta-sdk-golang v2: the org's engine, the Office 365 app instances, the
// app sign-on (ACCESS_POLICY) rules, groups and their members, users and
// (okta.factors, optional) their enrolled factors, network zones, and the
// System Log's sign-in evidence.
//
// v2's PolicyRule type drops what matters most here (actions.appSignOn,
// conditions.office365Client, conditions.elCondition), so rules are read
// through the SDK's raw request executor into this package's own structs.
package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// Config says which Okta org to read and how.
type Config struct {
	OrgURL   string // https://acme.okta.com or the simulator's URL (http://127.0.0.1:PORT)
	Token    string // API token (SSWS) or OAuth access token
	AuthMode string // "SSWS" (default) or "Bearer"
	// HTTPClient is optional; its Transport (default
	// http.DefaultTransport) carries every request.
	HTTPClient *http.Client
	// AsOf: the System Log is read for the 30 days before it (zero: now).
	AsOf time.Time
	// PageSize is an optional limit hint, capped by each list's maximum.
	PageSize int
	// Concurrency is the most requests in flight at once, over all tasks
	// of one Tasks call (default 8).
	Concurrency int
	// RequestTimeout bounds each attempt, its answer read (default 60 s):
	// a GET that takes longer is retried, a write is in doubt.
	RequestTimeout time.Duration
	// Renew, with AuthMode "Bearer", gets a new access token when Okta
	// refuses the current one (a service app's token expires after an
	// hour). Without it a refused token is an error naming it. An API
	// token (SSWS) cannot be renewed.
	Renew func(ctx context.Context) (string, error)
	// Strings, when set, interns the strings of the rows kept.
	Strings *tenant.Strings
	// Factors says whether source okta.factors reads the users' enrolled
	// factors, one request per user (Okta has no bulk read of them):
	// FactorsAuto (the default, "") when the org has at most FactorsLimit
	// users, FactorsAll always, FactorsNone never. Factors are evidence
	// only (they never change a verdict); a source not read is skipped.
	Factors string
	// FactorsLimit is FactorsAuto's most users (default
	// DefaultFactorsLimit).
	FactorsLimit int
}

// Factor reading modes (Config.Factors).
const (
	FactorsAuto = "auto"
	FactorsAll  = "all"
	FactorsNone = "none"
)

// DefaultFactorsLimit is the most Okta users whose factors are read by
// default. 2,000 reads take about 12 s at 8 in flight and 50 ms a request,
// and about 3 minutes at Okta's rate limit for /api/v1/users (~600
// requests a minute on many orgs): a wait a consultant accepts for
// evidence. Above it the reads grow to hours (2.5 h at 90,000 users)
// while they only add evidence, so they become the operator's choice.
const DefaultFactorsLimit = 2000

// factorsRate is Okta's usual rate limit for the users endpoints, in
// requests a minute: how long the factor reads would take is told with it.
const factorsRate = 600

// Source IDs.
const (
	SourceOrg      = "okta.org"
	SourceApps     = "okta.apps"
	SourcePolicies = "okta.policies"
	SourceGroups   = "okta.groups"
	SourceUsers    = "okta.users"
	SourceFactors  = "okta.factors"
	SourceZones    = "okta.zones"
	SourceLogs     = "okta.logs"
)

const service = "okta"

// LogEventTypes are the System Log events read as sign-in evidence.
var LogEventTypes = []string{
	"user.authentication.sso",
	"user.authentication.auth_via_richclient",
	"policy.evaluate_sign_on",
	"application.policy.sign_on.deny_access",
}

// LogWindow is how far back from AsOf the System Log is read.
const LogWindow = 30 * 24 * time.Hour

// Maximum page sizes Okta accepts per list (a PageSize hint is capped).
const (
	maxApps       = 200
	maxPolicies   = 200
	maxRules      = 100
	maxGroups     = 10000
	maxGroupUsers = 1000
	maxUsers      = 200
	maxZones      = 1000
	maxLogs       = 1000
)

// scopes names the OAuth scope each source needs.
var scopes = map[string]string{
	SourceApps:     "okta.apps.read",
	SourcePolicies: "okta.policies.read",
	SourceGroups:   "okta.groups.read",
	SourceUsers:    "okta.users.read",
	SourceFactors:  "okta.users.read",
	SourceZones:    "okta.networkZones.read",
	SourceLogs:     "okta.logs.read",
}

// collector is what the tasks of one Tasks call share.
type collector struct {
	cfg     Config
	orgURL  string // without a trailing slash
	mode    string
	local   bool // http:// on loopback: the SDK's https check is lifted
	base    http.RoundTripper
	timeout time.Duration // over one SDK call (0: none; each attempt has cfg.RequestTimeout)
	sem     *limiter      // requests in flight

	tokMu sync.Mutex
	token string // the current token (renewed with cfg.Renew)

	// listed is the users listing as okta.factors reads it.
	listed *listing
	// merge joins okta.users' and okta.factors' results in whichever
	// order their applies run (Discover runs them under its lock).
	merge struct {
		users   bool                  // okta.users applied
		factors [][]tenant.OktaFactor // okta.factors applied: each listed user's, in listing order
	}
}

// Tasks returns one task per Okta source. It fails only on a Config that
// cannot work (no URL, no token, an unknown auth mode, plain http to
// anything but loopback).
func Tasks(cfg Config) ([]collect.Task, error) {
	c, err := newCollector(cfg)
	if err != nil {
		return nil, err
	}
	tasks := []collect.Task{
		{ID: SourceOrg, Run: c.org},
		{ID: SourceApps, Run: c.apps},
		{ID: SourcePolicies, Run: c.policies},
		{ID: SourceGroups, Run: c.groups},
		{ID: SourceUsers, Run: c.users},
		{ID: SourceFactors, Run: c.factors},
		{ID: SourceZones, Run: c.zones},
		{ID: SourceLogs, Run: c.logs},
	}
	for i := range tasks {
		tasks[i].Service = service
		run, id := tasks[i].Run, tasks[i].ID
		tasks[i].Run = func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
			apply, err := run(ctx, rep)
			var skip *collect.Skipped
			if err != nil && !errors.As(err, &skip) {
				return nil, explain(id, c.mode, err)
			}
			if err != nil {
				return nil, err
			}
			return apply, nil
		}
	}
	return tasks, nil
}

func newCollector(cfg Config) (*collector, error) {
	raw := strings.TrimRight(strings.TrimSpace(cfg.OrgURL), "/")
	if raw == "" {
		return nil, errors.New("okta: no org URL (such as https://acme.okta.com)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("okta: %q is not an org URL (such as https://acme.okta.com)", cfg.OrgURL)
	}
	local := false
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("okta: %q must use https:// (plain http is only for the simulator on loopback)", cfg.OrgURL)
		}
		local = true
	default:
		return nil, fmt.Errorf("okta: %q must start with https://", cfg.OrgURL)
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("okta: no API token (create one in the Admin Console: Security → API → Tokens)")
	}
	mode := "SSWS"
	switch strings.ToUpper(cfg.AuthMode) {
	case "", "SSWS":
	case "BEARER":
		mode = "Bearer"
	default:
		return nil, fmt.Errorf("okta: unknown auth mode %q (SSWS or Bearer)", cfg.AuthMode)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = time.Now().UTC()
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if mode != "Bearer" {
		cfg.Renew = nil // an API token cannot be renewed
	}
	switch cfg.Factors = strings.ToLower(strings.TrimSpace(cfg.Factors)); cfg.Factors {
	case "":
		cfg.Factors = FactorsAuto
	case FactorsAuto, FactorsAll, FactorsNone:
	default:
		return nil, fmt.Errorf("okta: unknown factors mode %q (auto, all or none)", cfg.Factors)
	}
	if cfg.FactorsLimit <= 0 {
		cfg.FactorsLimit = DefaultFactorsLimit
	}
	c := &collector{cfg: cfg, orgURL: raw, mode: mode, local: local, base: keepAlive(cfg.Concurrency),
		sem: newLimiter(cfg.Concurrency), token: cfg.Token, listed: newListing()}
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			c.base = cfg.HTTPClient.Transport
		}
		c.timeout = cfg.HTTPClient.Timeout
	}
	return c, nil
}

// keepAlive is the default transport keeping up to n idle connections to
// the org (the default keeps 2, so 8 requests in flight over HTTP/1.1
// would open a new connection for most requests: a TLS handshake each on
// a real org without HTTP/2).
func keepAlive(n int) http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = max(n, t.MaxIdleConnsPerHost)
	return t
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// client builds an SDK client for one task; its transport shares the
// collector's in-flight limit and reports 429 waits to rep.
//
// NewClient also reads ~/.okta/okta.yaml, a .okta.yaml beside the SDK's
// source and OKTA_CLIENT_* / OKTA_TESTING_* variables; every setting that
// could change behaviour is therefore set here explicitly (explicit
// setters are applied last and win).
func (c *collector) client(ctx context.Context, rep *collect.Reporter) (*sdk.Client, error) {
	return c.clientWith(ctx, c.httpClient(rep))
}

// httpClient is the HTTP client under a task's SDK client.
func (c *collector) httpClient(rep *collect.Reporter) *http.Client {
	rt := http.RoundTripper(&retrying{next: c.base, rep: rep, timeout: c.cfg.RequestTimeout})
	if c.cfg.Renew != nil {
		rt = &tokens{next: rt, mode: c.mode, renew: c.cfg.Renew, rep: rep, mu: &c.tokMu, current: &c.token}
	}
	hc := &http.Client{Timeout: c.timeout, Transport: &transport{base: rt, sem: c.sem, rep: rep}}
	if c.cfg.HTTPClient != nil {
		hc.CheckRedirect, hc.Jar = c.cfg.HTTPClient.CheckRedirect, c.cfg.HTTPClient.Jar
	}
	return hc
}

func (c *collector) clientWith(ctx context.Context, hc *http.Client) (*sdk.Client, error) {
	_, cl, err := sdk.NewClient(ctx,
		sdk.WithOrgUrl(c.orgURL),
		sdk.WithToken(c.cfg.Token),
		sdk.WithAuthorizationMode(c.mode),
		sdk.WithCache(false),
		sdk.WithTestingDisableHttpsCheck(c.local),
		sdk.WithHttpClientPtr(hc),
		sdk.WithRequestTimeout(0),
		sdk.WithRateLimitMaxRetries(2),
		sdk.WithRateLimitMaxBackOff(30),
		sdk.WithUserAgentExtra("harden365"),
	)
	if err != nil {
		return nil, fmt.Errorf("okta: %w", err)
	}
	return cl, nil
}

// limit is the page size to ask for: the hint capped by the list's
// maximum, or max when there is no hint (fewest round trips).
func (c *collector) limit(max int) int64 {
	if c.cfg.PageSize > 0 && c.cfg.PageSize < max {
		return int64(c.cfg.PageSize)
	}
	return int64(max)
}

// fanOut runs fn for every index in [0, n) on up to Concurrency
// goroutines and returns the first error (the others are cancelled).
func (c *collector) fanOut(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := min(c.cfg.Concurrency, n)
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		// The caller's context ended.
		return context.Cause(ctx)
	}
	return first
}

// markConfigured is done by every task's apply, so that a failing okta.org
// does not hide the rest.
func (c *collector) markConfigured(s *tenant.Snapshot) {
	s.Okta.Configured = true
	if s.Okta.OrgURL == "" {
		s.Okta.OrgURL = c.orgURL
	}
}

// --- okta.org

type wellKnown struct {
	ID       string `json:"id"`
	Pipeline string `json:"pipeline"`
	Links    struct {
		Organization struct {
			Href string `json:"href"`
		} `json:"organization"`
	} `json:"_links"`
}

func (c *collector) wellKnown(ctx context.Context, cl *sdk.Client) (wellKnown, error) {
	var wk wellKnown
	re := cl.CloneRequestExecutor()
	req, err := re.WithAccept("application/json").NewRequest(http.MethodGet, "/.well-known/okta-organization", nil)
	if err != nil {
		return wk, err
	}
	if resp, err := re.Do(ctx, req, &wk); err != nil {
		return wk, withResponse(resp, err)
	}
	return wk, nil
}

func (c *collector) org(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	cl, err := c.client(ctx, rep)
	if err != nil {
		return nil, err
	}
	wk, err := c.wellKnown(ctx, cl)
	if err != nil {
		return nil, err
	}
	rep.Page(1)
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		// The org's own URL (the simulator is reached at loopback but
		// plays a real org); the configured URL when it gives none.
		s.Okta.OrgURL = c.orgURL
		if wk.Links.Organization.Href != "" {
			s.Okta.OrgURL = strings.TrimRight(wk.Links.Organization.Href, "/")
		}
		s.Okta.OrgID = wk.ID
		s.Okta.Pipeline = wk.Pipeline
	}, nil
}

// --- okta.apps

func (c *collector) apps(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	cl, err := c.client(ctx, rep)
	if err != nil {
		return nil, err
	}
	qp := query.NewQueryParams(query.WithFilter(`name eq "office365"`), query.WithLimit(c.limit(maxApps)))
	list, resp, err := cl.Application.ListApplications(ctx, qp)
	if err != nil {
		return nil, withResponse(resp, err)
	}
	var out []tenant.OktaApp
	add := func(app *sdk.Application) {
		if app != nil && app.Name == "office365" { // the filter is the server's; stay safe
			out = append(out, convertApp(app))
		}
	}
	for _, a := range list {
		app, _ := a.(*sdk.Application)
		add(app)
	}
	rep.Page(len(list))
	for resp.HasNextPage() {
		var page []sdk.Application
		if resp, err = resp.Next(ctx, &page); err != nil {
			return nil, withResponse(resp, err)
		}
		for i := range page {
			add(&page[i])
		}
		rep.Page(len(page))
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		s.Okta.Apps = nonNil(out)
	}, nil
}

func convertApp(a *sdk.Application) tenant.OktaApp {
	app := tenant.OktaApp{ID: a.Id, Name: a.Name, Label: a.Label, Status: a.Status, SignOnMode: a.SignOnMode}
	if a.LastUpdated != nil {
		app.LastUpdated = a.LastUpdated.UTC()
	}
	if a.Settings != nil && a.Settings.App != nil {
		set := *a.Settings.App
		app.Domain, _ = set["domain"].(string)
		app.MsftTenant, _ = set["msftTenant"].(string)
		app.WsFedConfigureType, _ = set["wsFedConfigureType"].(string)
		app.Domains = strings2(set["domains"])
	}
	if links, ok := a.Links.(map[string]any); ok {
		if ap, ok := links["accessPolicy"].(map[string]any); ok {
			href, _ := ap["href"].(string)
			app.AccessPolicyID = lastSegment(href)
		}
	}
	return app
}

// lastSegment is the last path segment of an href (query ignored).
func lastSegment(href string) string {
	if u, err := url.Parse(href); err == nil {
		href = u.Path
	}
	href = strings.TrimRight(href, "/")
	return href[strings.LastIndexByte(href, '/')+1:]
}

// strings2 reads a JSON array of strings (other elements are skipped).
func strings2(v any) []string {
	a, _ := v.([]any)
	var out []string
	for _, e := range a {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// --- okta.groups

func (c *collector) groups(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	hc := c.httpClient(rep)
	cl, err := c.clientWith(ctx, hc)
	if err != nil {
		return nil, err
	}
	list, resp, err := cl.Group.ListGroups(ctx, query.NewQueryParams(query.WithLimit(c.limit(maxGroups))))
	if err != nil {
		return nil, withResponse(resp, err)
	}
	rep.Page(len(list))
	for resp.HasNextPage() {
		var page []*sdk.Group
		if resp, err = resp.Next(ctx, &page); err != nil {
			return nil, withResponse(resp, err)
		}
		list = append(list, page...)
		rep.Page(len(page))
	}
	out := make([]tenant.OktaGroup, len(list))
	for i, g := range list {
		out[i] = tenant.OktaGroup{ID: g.Id, Type: g.Type, Members: []string{}}
		if g.Profile != nil {
			out[i].Name, out[i].Description = g.Profile.Name, g.Profile.Description
		}
	}
	err = c.fanOut(ctx, len(out), func(ctx context.Context, i int) error {
		// Only the members' ids are kept: decoded as such, not as users.
		first := "/api/v1/groups/" + url.PathEscape(out[i].ID) + "/users?limit=" + strconv.FormatInt(c.limit(maxGroupUsers), 10)
		var members []string
		err := listPages(ctx, cl, hc, first, func(page []struct {
			ID string `json:"id"`
		}) bool {
			for _, u := range page {
				members = append(members, c.cfg.Strings.S(u.ID))
			}
			rep.Page(0)
			return true
		})
		if err != nil {
			return fmt.Errorf("members of group %s: %w", out[i].ID, err)
		}
		if members == nil {
			members = []string{}
		}
		out[i].Members = members
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		s.Okta.Groups = out
	}, nil
}

// --- okta.users

// users lists the users, converting each page as it arrives and handing
// its ids to okta.factors (c.listed).
func (c *collector) users(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	failed := true
	defer func() { c.listed.end(failed) }()
	hc := c.httpClient(rep)
	cl, err := c.clientWith(ctx, hc)
	if err != nil {
		return nil, err
	}
	var chunks [][]tenant.OktaUser
	total := 0
	add := func(page []userWire) bool {
		chunk := make([]tenant.OktaUser, len(page))
		ids := make([]string, len(page))
		for i, u := range page {
			chunk[i] = tenant.OktaUser{ID: u.ID, Status: u.Status, Login: u.Profile.Login, Email: u.Profile.Email, Factors: []tenant.OktaFactor{}}
			c.cfg.Strings.Value(&chunk[i])
			ids[i] = chunk[i].ID
		}
		chunks = append(chunks, chunk)
		total += len(chunk)
		c.listed.add(ids)
		rep.Page(len(page))
		return true
	}
	if err := listPages(ctx, cl, hc, "/api/v1/users?limit="+strconv.FormatInt(c.limit(maxUsers), 10), add); err != nil {
		return nil, err
	}
	failed = false
	out := make([]tenant.OktaUser, 0, total)
	for _, chunk := range chunks {
		out = append(out, chunk...)
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		s.Okta.Users = out
		c.merge.users = true
		c.mergeFactors(s)
	}, nil
}

// userWire is what the users listing keeps of an Okta user.
type userWire struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Profile struct {
		Login string `json:"login"`
		Email string `json:"email"`
	} `json:"profile"`
}

// listPages lists first and every page after it (Okta's Link header
// rel="next"), decoding each page into []T and handing it to add. Each
// next page is asked for as soon as its page's headers arrive, so the next
// round trip overlaps this page's transfer and decoding (the users listing
// is the longest chain of an Okta collection: 451 pages at 100,000
// mailboxes), and pages are decoded into the few fields kept rather than
// the SDK's objects (a map per user profile). A page answered with
// anything but 200 is asked for again through the SDK, for its 429
// back-off and its errors. add returns false to stop.
func listPages[T any](ctx context.Context, cl *sdk.Client, hc *http.Client, first string, add func([]T) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	re := cl.CloneRequestExecutor() // used by this goroutine only
	type answer struct {
		url  string
		resp *http.Response
		err  error
	}
	get := func(url string) <-chan answer {
		ch := make(chan answer, 1)
		req, err := re.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			ch <- answer{url: url, err: err}
			return ch
		}
		go func() {
			resp, err := hc.Do(req.WithContext(ctx))
			ch <- answer{url, resp, err}
		}()
		return ch
	}
	// An answer asked for but not taken (an error below) is closed.
	var pending <-chan answer
	defer func() {
		cancel()
		if pending != nil {
			if a := <-pending; a.resp != nil {
				a.resp.Body.Close()
			}
		}
	}()
	pending = get(first)
	for pending != nil {
		a := <-pending
		pending = nil
		if a.err != nil {
			return a.err
		}
		if a.resp.StatusCode != http.StatusOK {
			_, _ = io.Copy(io.Discard, io.LimitReader(a.resp.Body, 1<<20))
			a.resp.Body.Close()
			req, err := re.NewRequest(http.MethodGet, a.url, nil)
			if err != nil {
				return err
			}
			var page []T
			resp, err := re.Do(ctx, req, &page)
			if err != nil {
				return withResponse(resp, err)
			}
			if !add(page) {
				return nil
			}
			if resp.NextPage != "" {
				pending = get(resp.NextPage)
			}
			continue
		}
		if next := nextLink(a.resp); next != "" {
			pending = get(next)
		}
		var page []T
		err := json.NewDecoder(a.resp.Body).Decode(&page)
		a.resp.Body.Close()
		if err != nil {
			return fmt.Errorf("decoding %s: %w", a.url, err)
		}
		if !add(page) {
			return nil
		}
	}
	return nil
}

// nextLink is the path and query of the Link header's rel="next" page,
// with the request's query under it (as the SDK follows it), or "".
func nextLink(resp *http.Response) string {
	for _, link := range resp.Header.Values("Link") {
		target, params, ok := strings.Cut(link, ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")))
		if err != nil {
			return ""
		}
		q := url.Values{}
		if resp.Request != nil {
			q = resp.Request.URL.Query()
		}
		for k, v := range u.Query() {
			q[k] = v
		}
		return u.Path + "?" + q.Encode()
	}
	return ""
}

// mergeFactors gives the listed users their factors once both okta.users
// and okta.factors have applied (in either order).
func (c *collector) mergeFactors(s *tenant.Snapshot) {
	f := c.merge.factors
	if !c.merge.users || f == nil || len(f) != len(s.Okta.Users) {
		return
	}
	for i := range s.Okta.Users {
		if f[i] != nil {
			s.Okta.Users[i].Factors = f[i]
		}
	}
}

// listing is the users listing as okta.factors sees it: the ids of each
// page so far, and whether it has ended.
type listing struct {
	mu     sync.Mutex
	cond   *sync.Cond
	pages  [][]string
	users  int
	ended  bool
	failed bool
}

func newListing() *listing {
	l := &listing{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *listing) add(ids []string) {
	l.mu.Lock()
	l.pages = append(l.pages, ids)
	l.users += len(ids)
	l.mu.Unlock()
	l.cond.Broadcast()
}

// end marks the listing ended (failed: it did not list every user).
func (l *listing) end(failed bool) {
	l.mu.Lock()
	l.ended, l.failed = true, failed
	l.mu.Unlock()
	l.cond.Broadcast()
}

// page waits for page k; false when the listing ended without it.
func (l *listing) page(k int) ([]string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k >= len(l.pages) && !l.ended {
		l.cond.Wait()
	}
	if k >= len(l.pages) {
		return nil, false
	}
	return l.pages[k], true
}

// wait waits for the end of the listing: how many users it listed, and
// whether it failed.
func (l *listing) wait() (users int, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.ended {
		l.cond.Wait()
	}
	return l.users, l.failed
}

// --- okta.factors

// factors reads each listed user's enrolled factors: one request per user
// (Okta has no bulk read), on up to Concurrency workers whose requests
// wait behind any listing's (see limiter). FactorsAll reads them beside
// the users listing, from its first page; FactorsAuto waits for the
// listing's end and reads them only when it listed at most FactorsLimit
// users; otherwise the source is skipped, saying why and how to read them.
func (c *collector) factors(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	if c.cfg.Factors != FactorsAll {
		n, failed := c.listed.wait()
		switch {
		case failed:
			return nil, &collect.Skipped{Why: "not read: the Okta users could not be listed (okta.users)"}
		case c.cfg.Factors == FactorsNone:
			return nil, &collect.Skipped{Why: "not read (--okta-factors none): " + factorsCost(n) + "; --okta-factors all reads them"}
		case n > c.cfg.FactorsLimit:
			return nil, &collect.Skipped{Why: "not read: " + factorsCost(n) + "; --okta-factors all reads them"}
		}
	}
	cl, err := c.client(ctx, rep)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	reads := newFactorReads(perUser(ctx), c.cfg.Concurrency, func(ctx context.Context, r factorRead) error {
		factors, resp, err := cl.UserFactor.ListFactors(ctx, r.id)
		if err != nil {
			return fmt.Errorf("factors of user %s: %w", r.id, withResponse(resp, err))
		}
		out := make([]tenant.OktaFactor, 0, len(factors))
		for _, f := range factors {
			if uf, ok := f.(*sdk.UserFactor); ok {
				f := tenant.OktaFactor{ID: uf.Id, FactorType: uf.FactorType, Provider: uf.Provider, Status: uf.Status}
				c.cfg.Strings.Value(&f)
				out = append(out, f)
			}
		}
		*r.out = out
		rep.Page(len(out))
		return nil
	}, cancel)
	var got [][][]tenant.OktaFactor // per page, per user
	for k := 0; ctx.Err() == nil; k++ {
		ids, ok := c.listed.page(k)
		if !ok {
			break
		}
		page := make([][]tenant.OktaFactor, len(ids))
		got = append(got, page)
		reads.add(ids, page)
	}
	if _, failed := c.listed.wait(); failed {
		cancel(&collect.Skipped{Why: "not read: the Okta users could not be listed (okta.users)"})
	}
	reads.wait()
	if ctx.Err() != nil {
		// The first failure: a factor read's, the listing's, or the
		// caller's context ending.
		return nil, context.Cause(ctx)
	}
	var all [][]tenant.OktaFactor
	for _, page := range got {
		all = append(all, page...)
	}
	if all == nil {
		all = [][]tenant.OktaFactor{}
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		c.merge.factors = all
		c.mergeFactors(s)
	}, nil
}

// factorsCost says what reading the factors of n users costs.
func factorsCost(n int) string {
	return fmt.Sprintf("one request per Okta user (%s %s, %s at Okta's rate limit)",
		thousands(n), map[bool]string{true: "user", false: "users"}[n == 1], aboutMinutes(float64(n)/factorsRate))
}

// aboutMinutes rounds a duration in minutes for a sentence.
func aboutMinutes(m float64) string {
	switch {
	case m < 1:
		return "under a minute"
	case m < 60:
		return fmt.Sprintf("about %.0f min", m)
	}
	return fmt.Sprintf("about %.1f h", m/60)
}

// thousands writes n with comma separators (90,143).
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// factorRead is one user's factors to read, and where to put them.
type factorRead struct {
	id  string
	out *[]tenant.OktaFactor
}

// factorReads reads users' factors on workers as the users are listed.
// The first failure cancels the reads (fail).
type factorReads struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []factorRead
	closed bool
	wg     sync.WaitGroup
}

func newFactorReads(ctx context.Context, workers int, read func(context.Context, factorRead) error, fail context.CancelCauseFunc) *factorReads {
	f := &factorReads{}
	f.cond = sync.NewCond(&f.mu)
	for range max(workers, 1) {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for {
				r, ok := f.next()
				if !ok {
					return
				}
				if ctx.Err() != nil {
					continue // drain: the first failure is already kept
				}
				if err := read(ctx, r); err != nil {
					fail(err) // the first cause wins
				}
			}
		}()
	}
	return f
}

// add queues the users of one page, their factors going to out (as long
// as ids; it is never grown, so its addresses stay valid).
func (f *factorReads) add(ids []string, out [][]tenant.OktaFactor) {
	f.mu.Lock()
	for i, id := range ids {
		f.queue = append(f.queue, factorRead{id: id, out: &out[i]})
	}
	f.mu.Unlock()
	f.cond.Broadcast()
}

func (f *factorReads) next() (factorRead, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.queue) == 0 && !f.closed {
		f.cond.Wait()
	}
	if len(f.queue) == 0 {
		return factorRead{}, false
	}
	r := f.queue[0]
	f.queue[0] = factorRead{}
	f.queue = f.queue[1:]
	return r, true
}

// wait closes the queue and waits for the reads queued so far.
func (f *factorReads) wait() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cond.Broadcast()
	f.wg.Wait()
}

// --- okta.zones

func (c *collector) zones(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	cl, err := c.client(ctx, rep)
	if err != nil {
		return nil, err
	}
	list, resp, err := cl.NetworkZone.ListNetworkZones(ctx, query.NewQueryParams(query.WithLimit(c.limit(maxZones))))
	if err != nil {
		return nil, withResponse(resp, err)
	}
	rep.Page(len(list))
	for resp.HasNextPage() {
		var page []*sdk.NetworkZone
		if resp, err = resp.Next(ctx, &page); err != nil {
			return nil, withResponse(resp, err)
		}
		list = append(list, page...)
		rep.Page(len(page))
	}
	out := make([]tenant.OktaZone, 0, len(list))
	for _, z := range list {
		zone := tenant.OktaZone{ID: z.Id, Name: z.Name, Type: z.Type, Status: z.Status, Usage: z.Usage,
			Gateways: addresses(z.Gateways), Proxies: addresses(z.Proxies)}
		if z.System != nil {
			zone.System = *z.System
		}
		out = append(out, zone)
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		s.Okta.Zones = out
	}, nil
}

func addresses(as []*sdk.NetworkZoneAddress) []string {
	var out []string
	for _, a := range as {
		if a != nil && a.Value != "" {
			out = append(out, a.Value)
		}
	}
	return out
}

// --- okta.logs

// logFilter is the System Log filter for LogEventTypes.
func logFilter() string {
	parts := make([]string, len(LogEventTypes))
	for i, t := range LogEventTypes {
		parts[i] = fmt.Sprintf("eventType eq %q", t)
	}
	return strings.Join(parts, " or ")
}

func (c *collector) logs(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	hc := c.httpClient(rep)
	cl, err := c.clientWith(ctx, hc)
	if err != nil {
		return nil, err
	}
	const iso = "2006-01-02T15:04:05.000Z"
	until := c.cfg.AsOf.UTC()
	qp := query.NewQueryParams(
		query.WithSince(until.Add(-LogWindow).Format(iso)),
		query.WithUntil(until.Format(iso)),
		query.WithFilter(logFilter()),
		query.WithLimit(c.limit(maxLogs)),
		query.WithSortOrder("ASCENDING"),
	)
	// Each page is converted as it arrives. A bounded query ends without
	// a next link; stop on an empty page too (Okta keeps offering one to
	// polling clients).
	var rows collect.Rows[tenant.OktaLog]
	err = listPages(ctx, cl, hc, "/api/v1/logs"+qp.String(), func(page []logWire) bool {
		rep.Page(len(page))
		for i := range page {
			l := page[i].log()
			c.cfg.Strings.Value(&l)
			rows.Add(l)
		}
		return len(page) > 0
	})
	if err != nil {
		return nil, err
	}
	out := rows.Slice()
	if out == nil {
		out = []tenant.OktaLog{}
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		s.Okta.Logs = out
	}, nil
}

// logWire is what is kept of a System Log event.
type logWire struct {
	UUID      string     `json:"uuid"`
	Published *time.Time `json:"published"`
	EventType string     `json:"eventType"`
	Actor     *struct {
		ID          string `json:"id"`
		AlternateID string `json:"alternateId"`
	} `json:"actor"`
	Client *struct {
		IPAddress string `json:"ipAddress"`
		UserAgent *struct {
			RawUserAgent string `json:"rawUserAgent"`
			OS           string `json:"os"`
		} `json:"userAgent"`
	} `json:"client"`
	Outcome *struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
	} `json:"outcome"`
	DebugContext *struct {
		DebugData struct {
			RequestURI any `json:"requestUri"`
		} `json:"debugData"`
	} `json:"debugContext"`
	Target []struct {
		ID string `json:"id"`
	} `json:"target"`
}

func (e *logWire) log() tenant.OktaLog {
	l := tenant.OktaLog{UUID: e.UUID, EventType: e.EventType}
	if e.Published != nil {
		l.Published = e.Published.UTC()
	}
	if e.Actor != nil {
		l.ActorID, l.ActorAlternateID = e.Actor.ID, e.Actor.AlternateID
	}
	if e.Client != nil {
		l.IPAddress = e.Client.IPAddress
		if e.Client.UserAgent != nil {
			l.UserAgent, l.OS = e.Client.UserAgent.RawUserAgent, e.Client.UserAgent.OS
		}
	}
	if e.Outcome != nil {
		l.Result, l.Reason = e.Outcome.Result, e.Outcome.Reason
	}
	if e.DebugContext != nil {
		l.RequestURI, _ = e.DebugContext.DebugData.RequestURI.(string)
	}
	for _, t := range e.Target {
		if t.ID != "" {
			l.TargetIDs = append(l.TargetIDs, t.ID)
		}
	}
	return l
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
