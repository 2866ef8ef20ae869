package clients_test

// Discovery at scale (issue 9): a generated organisation served by the
// simulator with the services' own page sizes and 50 ms of latency per
// request, collected by the real clients.
//
//	go test ./clients -run '^$' -bench Discover10k -benchtime 1x
//	H365_BENCH_100K=1 go test ./clients -run '^$' -bench Discover100k -benchtime 1x -timeout 60m
//
// Reported per run: elapsed-s, bound-s (the longest chain of sequential
// listing pages at the services' maximum page sizes, times the latency),
// ratio (elapsed / bound), listed-s and listed-ratio (when every listing
// had ended: every source but okta.factors done), floor-s (the bound or,
// when the factors were read and that is longer, the per-user factor
// reads at 8 in flight) and ratio-floor, the requests each service
// answered, and the most requests each service had in flight at once
// (maxflight-*; at most 8). The Okta factors are read as by default
// (auto: not above 2,000 Okta users, so not at 10k or 100k);
// H365_BENCH_FACTORS=all reads them.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/sim"
)

const benchLatency = 50 * time.Millisecond

func BenchmarkDiscover10k(b *testing.B) { benchDiscover(b, 10_000) }

// BenchmarkDiscover100k takes minutes and gigabytes (the simulator holds a
// 400 MB scenario): it runs only with H365_BENCH_100K=1.
func BenchmarkDiscover100k(b *testing.B) {
	if os.Getenv("H365_BENCH_100K") == "" {
		b.Skip("set H365_BENCH_100K=1 to discover 100,000 mailboxes (minutes)")
	}
	benchDiscover(b, 100_000)
}

// benchSim is the simulator a benchmark discovers: its URL, the
// scenario's tenant and date, the listing chain and the Okta users
// (the per-user factor reads), and how many requests it has answered.
type benchSim struct {
	URL      string
	TenantID string
	AsOf     string
	Chain    Chain
	Users    int
	requests func() map[string]int64
	close    func()
}

// startBenchSim serves the generated organisation with benchLatency. By
// default it runs in a process of its own (this test binary, see
// TestMain), as `harden365 sim serve` does for `collect --sim`: the
// simulator holds the whole organisation as generic JSON (gigabytes at
// 100k), and in the collectors' process its garbage collection (seconds
// of marking per cycle) and its page copies would slow the collectors,
// which a real service does not. H365_BENCH_SIM=inproc serves it in
// process, as earlier sessions measured.
func startBenchSim(b *testing.B, mailboxes int) *benchSim {
	b.Helper()
	if os.Getenv("H365_BENCH_SIM") == "inproc" {
		sc, err := sim.GenerateScenario(mailboxes, 1)
		if err != nil {
			b.Fatal(err)
		}
		srv := sim.New(sc, sim.Options{Latency: benchLatency})
		url, err := srv.Start("")
		if err != nil {
			b.Fatal(err)
		}
		return &benchSim{URL: url, TenantID: sc.TenantID(), AsOf: sc.AsOf().Format(time.DateOnly), Chain: ListingChain(sc.Doc),
			Users: len(sc.Doc["okta"].(map[string]any)["users"].([]any)), requests: srv.Requests, close: func() { srv.Close() }}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), benchSimChild+"="+strconv.Itoa(mailboxes))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var bs benchSim
	if err := json.NewDecoder(stdout).Decode(&bs); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		b.Fatalf("the simulator process: %v", err)
	}
	bs.close = func() { stdin.Close(); _ = cmd.Wait() }
	bs.requests = func() map[string]int64 {
		var stats struct{ Requests map[string]int64 }
		resp, err := http.Get(bs.URL + "/_sim/stats")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
			b.Fatal(err)
		}
		return stats.Requests
	}
	return &bs
}

// benchSimChild, set to a number of mailboxes, makes the test binary a
// simulator process (see TestMain).
const benchSimChild = "H365_BENCH_SIM_CHILD"

func TestMain(m *testing.M) {
	if n := os.Getenv(benchSimChild); n != "" {
		serveBenchSim(n)
		return
	}
	os.Exit(m.Run())
}

// serveBenchSim generates the organisation, serves it, writes its
// benchSim on stdout and serves until stdin closes.
func serveBenchSim(mailboxes string) {
	n, err := strconv.Atoi(mailboxes)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sc, err := sim.GenerateScenario(n, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The simulator stands in for the services: its own garbage
	// collection (marking gigabytes of generic JSON per cycle) would take
	// the collectors' CPU on this machine, which a real service does not.
	// It collects only when its memory reaches H365_BENCH_SIM_MEM GiB
	// (default 8: the 100k organisation is ~2.3 GiB live, and one
	// discovery copies and encodes ~4 GiB more; 0: collect as usual).
	gib, err := strconv.Atoi(cmp.Or(os.Getenv("H365_BENCH_SIM_MEM"), "8"))
	if err == nil && gib > 0 {
		runtime.GC()
		debug.SetMemoryLimit(int64(gib) << 30)
		debug.SetGCPercent(-1)
	}
	srv := sim.New(sc, sim.Options{Latency: benchLatency})
	url, err := srv.Start("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(benchSim{URL: url, TenantID: sc.TenantID(), AsOf: sc.AsOf().Format(time.DateOnly),
		Chain: ListingChain(sc.Doc), Users: len(sc.Doc["okta"].(map[string]any)["users"].([]any))})
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

func benchDiscover(b *testing.B, mailboxes int) {
	bs := startBenchSim(b, mailboxes)
	defer bs.close()
	chain := bs.Chain
	bound := time.Duration(chain.Pages) * benchLatency
	asOf, err := time.Parse(time.DateOnly, bs.AsOf)
	if err != nil {
		b.Fatal(err)
	}
	// The per-user floor, when the factors are read: one request per Okta
	// user (GET /users/{id}/factors; Okta has no bulk read), at most 8
	// in flight per service.
	perUser := bs.Users
	floor := bound
	factors := os.Getenv("H365_BENCH_FACTORS")
	b.ResetTimer()
	var elapsed time.Duration
	reqs := map[string]int64{}
	flight := &flightCounter{}
	listed := &listingClock{}
	for range b.N {
		b.StopTimer()
		before := bs.requests()
		cfg := clients.SimConfig(bs.URL, asOf)
		cfg.TenantID = bs.TenantID // as collect --sim does (from /_sim/info)
		cfg.HTTPClient = &http.Client{Transport: flight.wrap(http.DefaultTransport)}
		cfg.OktaFactors = factors
		b.StartTimer()
		t0 := time.Now()
		listed.reset(t0)
		snap, err := clients.Discover(context.Background(), cfg, listed.sink)
		elapsed = time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if errs := snap.Errors(); len(errs) > 0 {
			b.Fatalf("%s: %s", errs[0].ID, errs[0].Error)
		}
		if len(snap.Exchange.CASMailboxes) != mailboxes {
			b.Fatalf("%d mailboxes collected, want %d", len(snap.Exchange.CASMailboxes), mailboxes)
		}
		if snap.FactorsRead() {
			floor = max(bound, time.Duration(math.Ceil(float64(perUser)/8))*benchLatency)
		} else {
			perUser = 0
		}
		for svc, n := range bs.requests() {
			reqs[svc] = n - before[svc]
		}
		b.StartTimer()
	}
	b.ReportMetric(elapsed.Seconds(), "elapsed-s")
	b.ReportMetric(bound.Seconds(), "bound-s")
	b.ReportMetric(elapsed.Seconds()/bound.Seconds(), "ratio")
	b.ReportMetric(listed.end().Seconds(), "listed-s")
	b.ReportMetric(listed.end().Seconds()/bound.Seconds(), "listed-ratio")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "ratio-floor")
	for _, svc := range []string{"graph", "exchange", "okta"} {
		b.ReportMetric(float64(reqs[svc]), "reqs-"+svc)
		b.ReportMetric(float64(flight.max(svc)), "maxflight-"+svc)
	}
	b.Logf("%d mailboxes: longest chain %s (%d pages) -> bound %s; %d per-user factor reads at 8 in flight -> floor %s; elapsed %s (%.2fx the bound, %.2fx the floor); every listing done after %s (%.2fx the bound)",
		mailboxes, chain.Name, chain.Pages, bound, perUser, floor, elapsed.Round(time.Millisecond), elapsed.Seconds()/bound.Seconds(), elapsed.Seconds()/floor.Seconds(),
		listed.end().Round(time.Millisecond), listed.end().Seconds()/bound.Seconds())
	b.Logf("last sources to end: %s", listed.slowest(6))
}

// Chain is one sequence of listing requests that cannot overlap: each
// page's link comes from the one before it.
type Chain struct {
	Name  string
	Pages int
}

// Page sizes of the services (as the simulator serves them, from the
// services' documentation): the maxima for Graph users 999, sign-ins
// 1,000, Exchange cmdlets 1,000, Okta users 200, group members 10,000,
// System Log 1,000; the beta usage report's default 200 (its $top maximum
// is not documented, so the collector does not rely on one).
const (
	pageGraphUsers   = 999
	pageGraphSignIns = 1000
	pageGraphReports = 200
	pageExchange     = 1000
	pageOktaUsers    = 200
	pageOktaMembers  = 10000
	pageOktaLogs     = 1000
)

// ListingChain returns the longest chain of sequential listing pages a
// collection of doc needs, at the services' maximum page sizes. Per-user
// requests (factors) are not listings and are not in it.
func ListingChain(doc map[string]any) Chain {
	pages := func(n, size int) int { return max(1, int(math.Ceil(float64(n)/float64(size)))) }
	section := func(path ...string) any {
		var v any = doc
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		return v
	}
	count := func(path ...string) int { a, _ := section(path...).([]any); return len(a) }
	var chains []Chain
	add := func(name string, n int) { chains = append(chains, Chain{name, n}) }

	add("graph users", pages(count("graph", "users"), pageGraphUsers))
	add("graph usage report", pages(count("graph", "emailAppUsageUserDetail"), pageGraphReports))
	legacy := map[string]int{}
	for _, s := range section("graph", "signIns").([]any) {
		legacy[s.(map[string]any)["clientAppUsed"].(string)]++
	}
	for _, app := range graph.LegacyClientApps {
		add("graph sign-ins "+app, pages(legacy[app], pageGraphSignIns))
	}
	add("graph domains + federation", 2)
	exo, _ := section("exchange").(map[string]any)
	for cmdlet, rows := range exo {
		a, _ := rows.([]any)
		add("exchange "+cmdlet, pages(len(a), pageExchange))
	}
	add("okta users", pages(count("okta", "users"), pageOktaUsers))
	members, _ := section("okta", "groupUsers").(map[string]any)
	most := 0
	for _, ids := range members {
		a, _ := ids.([]any)
		most = max(most, len(a))
	}
	add("okta groups + members", 1+pages(most, pageOktaMembers))
	add("okta logs", pages(count("okta", "logs"), pageOktaLogs))
	add("okta policies + rules", 2)

	best := chains[0]
	for _, c := range chains[1:] {
		if c.Pages > best.Pages || c.Pages == best.Pages && c.Name < best.Name {
			best = c
		}
	}
	return best
}

// listingClock records when the listings end: every source's end but
// okta.factors's (per-user reads).
type listingClock struct {
	mu    sync.Mutex
	t0    time.Time
	last  time.Duration
	done  map[string]time.Duration // when each source ended
	pages map[string]int
}

func (l *listingClock) reset(t0 time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t0, l.last, l.done, l.pages = t0, 0, map[string]time.Duration{}, map[string]int{}
}

func (l *listingClock) sink(ev collect.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := time.Since(l.t0)
	if ev.Kind == collect.Done {
		l.done[ev.Source], l.pages[ev.Source] = at, ev.Pages
		if ev.Source != "okta.factors" {
			l.last = max(l.last, at)
		}
	}
}

// slowest names the n sources that ended last, with their pages.
func (l *listingClock) slowest(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.done))
	for id := range l.done {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return l.done[ids[i]] > l.done[ids[j]] })
	var parts []string
	for _, id := range ids[:min(n, len(ids))] {
		parts = append(parts, fmt.Sprintf("%s %s (%d pages)", id, l.done[id].Round(time.Millisecond), l.pages[id]))
	}
	return strings.Join(parts, ", ")
}

func (l *listingClock) end() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// flightCounter counts requests in flight per service, client side.
type flightCounter struct {
	mu       sync.Mutex
	now, top map[string]int
	total    atomic.Int64
}

func (f *flightCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		svc := serviceOf(r.URL.Path)
		f.mu.Lock()
		if f.now == nil {
			f.now, f.top = map[string]int{}, map[string]int{}
		}
		f.now[svc]++
		f.top[svc] = max(f.top[svc], f.now[svc])
		f.mu.Unlock()
		f.total.Add(1)
		defer func() {
			f.mu.Lock()
			f.now[svc]--
			f.mu.Unlock()
		}()
		return next.RoundTrip(r)
	})
}

func (f *flightCounter) max(svc string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.top[svc]
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func serviceOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/v1.0/"), strings.HasPrefix(path, "/beta/"):
		return "graph"
	case strings.HasPrefix(path, "/adminapi/"):
		return "exchange"
	case strings.HasPrefix(path, "/api/v1/"), strings.HasPrefix(path, "/.well-known/"):
		return "okta"
	}
	return fmt.Sprintf("other(%s)", path)
}
