// Package clients talks to the outside world: Microsoft Graph
// (clients/graph), the Exchange Online admin API (clients/exchange) and
// Okta (clients/okta). Discover runs all their collectors concurrently and
// assembles one tenant.Snapshot, turning every failure into a collection
// status instead of aborting.
package clients

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/dns"
	"github.com/harden365/harden365/clients/exchange"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

// Config says where each service is and how to sign in.
type Config struct {
	// Source is recorded in the snapshot ("scenario:contoso", ...).
	Source string

	GraphURL    string // https://graph.microsoft.com
	ExchangeURL string // https://outlook.office365.com
	OktaURL     string // https://acme.okta.com; empty: no Okta

	// TenantID is the Entra tenant GUID; when empty it is read from Graph
	// first.
	TenantID string
	// Credential signs Graph and Exchange requests (each with its scope).
	Credential azcore.TokenCredential
	// OktaToken is an API token (SSWS) or, with OktaAuthMode "Bearer", an
	// OAuth access token.
	OktaToken    string
	OktaAuthMode string
	// OktaRenew, with OktaAuthMode "Bearer", gets a new access token when
	// Okta refuses the current one (okta.Config.Renew).
	OktaRenew func(ctx context.Context) (string, error)
	// OktaFactors says whether to read each Okta user's enrolled factors
	// (source okta.factors, one request per user): "auto" (default, ""),
	// "all" or "none"; OktaFactorsLimit is auto's most users (0: 2,000).
	// See okta.Config.Factors.
	OktaFactors      string
	OktaFactorsLimit int

	HTTPClient *http.Client
	// AsOf is the date judged; sign-ins and logs are read for the 30 days
	// before it.
	AsOf time.Time
	// PageSize, when > 0, asks every service for pages of this size.
	PageSize int
	// Concurrency bounds requests in flight per service (default 8).
	Concurrency int
	// RequestTimeout bounds each attempt of a request (0: each client's
	// default): a read that takes longer is retried, a write is in doubt.
	RequestTimeout time.Duration

	// DNS, when set, checks each mail domain's records (SPF, DKIM, DMARC,
	// MTA-STS, TLS-RPT, MX) with this resolver once Graph has listed the
	// domains; MailDomains adds domains to check.
	DNS         *dns.Config
	MailDomains []string

	// Probe, when set, probes ProbeTargets (TLS versions, ciphers,
	// certificate, STARTTLS, advertised password sign-in). Opt-in for real
	// organisations.
	Probe        *probe.Config
	ProbeTargets []probe.Target
}

// SimConfig points every client at a simulator's base URL with the
// simulator's credential (versioned tokens, renewed when refused) and its
// fixed Okta API token.
func SimConfig(url string, asOf time.Time) Config {
	url = strings.TrimRight(url, "/")
	return Config{
		Source:   "sim:" + url,
		GraphURL: url, ExchangeURL: url, OktaURL: url,
		Credential: auth.NewSimCredential(),
		OktaToken:  auth.SimToken,
		AsOf:       asOf,
	}
}

// Discover collects everything it can. It returns an error only when ctx
// ends; failures of single sources are recorded in Snapshot.Collection.
func Discover(ctx context.Context, cfg Config, sink collect.Sink) (*tenant.Snapshot, error) {
	if sink == nil {
		sink = func(collect.Event) {}
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	// One interner for every collector: the sections share their strings.
	strs := tenant.NewStrings()
	snap := &tenant.Snapshot{
		SchemaVersion: tenant.SchemaVersion,
		AsOf:          cfg.AsOf,
		CollectedAt:   time.Now().UTC(),
		Source:        cfg.Source,
		Tenant:        tenant.Tenant{ID: cfg.TenantID},
	}
	gcfg := graph.Config{BaseURL: cfg.GraphURL, Credential: cfg.Credential, HTTPClient: cfg.HTTPClient,
		AsOf: cfg.AsOf, PageSize: cfg.PageSize, Concurrency: cfg.Concurrency, RequestTimeout: cfg.RequestTimeout, Strings: strs}

	var tasks []collect.Task
	gtasks, err := graph.Tasks(gcfg)
	if err != nil {
		snap.SetStatus(tenant.SourceStatus{ID: "graph", Service: "graph", State: tenant.StateError, Error: textsafe.Redact(err.Error())})
	}
	tasks = append(tasks, gtasks...)

	// The admin API's URL needs the tenant; ask Graph when not given.
	tenantID := cfg.TenantID
	var tenantErr error
	if tenantID == "" {
		t, err := graph.Organization(ctx, gcfg)
		if err != nil {
			tenantErr = err
		} else {
			tenantID = t.ID
			snap.Tenant = t
		}
	}
	etasks := exchange.Tasks(exchange.Config{BaseURL: cfg.ExchangeURL, TenantID: tenantID, Credential: cfg.Credential,
		HTTPClient: cfg.HTTPClient, PageSize: cfg.PageSize, Concurrency: cfg.Concurrency, RequestTimeout: cfg.RequestTimeout, Strings: strs})
	if tenantID == "" {
		for i := range etasks {
			etasks[i].Run = func(context.Context, *collect.Reporter) (func(*tenant.Snapshot), error) {
				return nil, &collect.Failure{Message: "the tenant id is unknown (reading the organization from Graph failed: " + errString(tenantErr) + ")",
					Fix: "give the tenant id, or grant Organization.Read.All"}
			}
		}
	}
	tasks = append(tasks, etasks...)

	if cfg.OktaURL != "" {
		otasks, err := okta.Tasks(okta.Config{OrgURL: cfg.OktaURL, Token: cfg.OktaToken, AuthMode: cfg.OktaAuthMode, Renew: cfg.OktaRenew,
			HTTPClient: cfg.HTTPClient, AsOf: cfg.AsOf, PageSize: cfg.PageSize, Concurrency: cfg.Concurrency, RequestTimeout: cfg.RequestTimeout, Strings: strs,
			Factors: cfg.OktaFactors, FactorsLimit: cfg.OktaFactorsLimit})
		if err != nil {
			snap.SetStatus(tenant.SourceStatus{ID: "okta", Service: "okta", State: tenant.StateError, Error: textsafe.Redact(err.Error())})
		}
		tasks = append(tasks, otasks...)
	}

	if cfg.Probe != nil {
		tasks = append(tasks, probe.Tasks(*cfg.Probe, cfg.ProbeTargets)...)
	}

	var mu sync.Mutex
	var wg sync.WaitGroup
	launch := func(t collect.Task) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := runTask(ctx, t, sink, &mu, snap)
			mu.Lock()
			snap.SetStatus(st)
			mu.Unlock()
			sink(collect.Event{Source: t.ID, Service: t.Service, Kind: collect.Done, Items: st.Items, Pages: st.Pages, Status: &st})
		}()
	}
	for _, t := range tasks {
		launch(t)
	}
	wg.Wait()

	// Second wave: the mail domains to check in DNS come from Graph.
	if cfg.DNS != nil && ctx.Err() == nil {
		domains := snap.MailDomains()
		for _, d := range cfg.MailDomains {
			if d = tenant.NormalizeDomain(d); !slices.Contains(domains, d) {
				domains = append(domains, d)
			}
		}
		for _, t := range dns.Tasks(*cfg.DNS, domains) {
			launch(t)
		}
		wg.Wait()
	}
	// Per-domain and per-endpoint sources finish in any order; the
	// snapshot must not depend on it.
	sort.Slice(snap.DNS, func(i, j int) bool { return snap.DNS[i].Domain < snap.DNS[j].Domain })
	sort.Slice(snap.Endpoints, func(i, j int) bool {
		a, b := snap.Endpoints[i], snap.Endpoints[j]
		return a.Host < b.Host || a.Host == b.Host && a.Port < b.Port
	})
	if err := ctx.Err(); err != nil {
		return snap, err
	}
	return snap, nil
}

func runTask(ctx context.Context, t collect.Task, sink collect.Sink, mu *sync.Mutex, snap *tenant.Snapshot) (st tenant.SourceStatus) {
	rep := collect.NewReporter(t.ID, t.Service, sink)
	sink(collect.Event{Source: t.ID, Service: t.Service, Kind: collect.Started})
	st = tenant.SourceStatus{ID: t.ID, Service: t.Service}
	defer func() {
		if r := recover(); r != nil { // a collector bug must not take the others down
			st.State, st.Error = tenant.StateError, textsafe.Redact("internal error while collecting: "+errString(asError(r)))
		}
		st.Items, st.Pages, st.Retries = rep.Counts()
	}()
	apply, err := t.Run(ctx, rep)
	var skip *collect.Skipped
	if errors.As(err, &skip) {
		st.State, st.Fix = tenant.StateSkipped, textsafe.Redact(skip.Why)
		return st
	}
	if err != nil {
		st.State = tenant.StateError
		// A service's error text may echo a request: no credential
		// reaches the snapshot (or the screen, or a session).
		st.Error = textsafe.Redact(err.Error())
		var f *collect.Failure
		if errors.As(err, &f) {
			st.HTTPStatus, st.Fix = f.HTTPStatus, f.Fix
		}
		return st
	}
	func() {
		mu.Lock()
		defer mu.Unlock()
		apply(snap)
	}()
	st.State = tenant.StateOK
	return st
}

func asError(r any) error {
	if e, ok := r.(error); ok {
		return e
	}
	return errors.New(strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(r), "\n", " ")))
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
