package sim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options are the simulator's knobs.
type Options struct {
	// Latency is added to every API request.
	Latency time.Duration
	// PageSize, when > 0, caps every service's page size (to force paging
	// in tests). Otherwise each service uses its real defaults and maxima.
	PageSize int
	// Faults, when set, is the fault profile applied to every API request
	// after its token is checked.
	Faults *Faults
}

// Server serves one scenario over HTTP.
type Server struct {
	opts Options

	// mu guards sc.Doc and gen: reads (the listings' pages) share it,
	// writes hold it alone.
	mu sync.RWMutex
	sc *Scenario
	// gen counts the writes served: a listing computed at one gen is
	// the listing of every later request until the next write.
	gen uint64
	// lists are listings (filtered, sorted references into sc.Doc) kept
	// for the pages after the first, by request (see cachedList); listsMu
	// guards it (readers of sc.Doc share mu).
	listsMu sync.Mutex
	lists   map[string]listing
	t0      time.Time // real time the clock started
	url     string

	requests map[string]*atomic.Int64
	faults   *injector // nil without a fault profile

	oktaRate oktaRateState // X-Rate-Limit-* counters
	oktaSeq  atomic.Int64  // request and error ids

	ln  net.Listener
	srv *http.Server

	closeMu sync.Mutex
	closers []func() // other listeners (DNS, mail endpoints) to stop on Close
	dnsAddr string   // the DNS listener, once StartDNS ran
	// endpointAddrs maps each scenario endpoint (host:port) to the
	// loopback listener playing it, once StartEndpoints ran.
	endpointAddrs map[string]string
}

// DNSAddr is the simulator's DNS server (host:port), or "" when not started.
func (s *Server) DNSAddr() string {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	return s.dnsAddr
}

// onClose registers f to run when the server closes.
func (s *Server) onClose(f func()) {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.closers = append(s.closers, f)
}

// Services counted in /_sim/stats.
var services = []string{"graph", "exchange", "okta"}

// New returns a server for sc. It does not listen until Start.
func New(sc *Scenario, opts Options) *Server {
	s := &Server{opts: opts, sc: sc, t0: time.Now(), requests: map[string]*atomic.Int64{}}
	if opts.Faults != nil {
		s.faults = newInjector(opts.Faults)
		if s.opts.PageSize == 0 {
			s.opts.PageSize = opts.Faults.PageSize
		}
	}
	for _, name := range services {
		s.requests[name] = &atomic.Int64{}
	}
	return s
}

// Start listens on addr (default 127.0.0.1:0) and serves in the
// background. It returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns on Close
	return s.url, nil
}

// URL is the base URL, once started.
func (s *Server) URL() string { return s.url }

// Close stops the server.
func (s *Server) Close() error {
	s.closeMu.Lock()
	closers := s.closers
	s.closers = nil
	s.closeMu.Unlock()
	for _, f := range closers {
		f()
	}
	if s.srv == nil {
		return nil
	}
	// A short graceful shutdown, then close: idle-but-new connections would
	// otherwise hold Shutdown for seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Scenario is the scenario being served.
func (s *Server) Scenario() *Scenario { return s.sc }

// Now is the simulator's clock: the scenario's asOf (midnight UTC) plus the
// real time elapsed since the server was created.
func (s *Server) Now() time.Time {
	return s.sc.AsOf().Add(time.Since(s.t0)).UTC()
}

// Requests returns how many API requests each service has answered.
func (s *Server) Requests() map[string]int64 {
	out := map[string]int64{}
	for k, v := range s.requests {
		out[k] = v.Load()
	}
	return out
}

// Handler is the simulator's whole HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	graph := s.service("graph", s.graphAuth, s.graphHandler())
	mux.Handle("/v1.0/", graph)
	mux.Handle("/beta/", graph)
	mux.Handle("/adminapi/", s.service("exchange", s.exchangeAuth, http.HandlerFunc(s.exchange)))
	mux.Handle("/api/v1/", s.service("okta", s.oktaAuth, s.oktaHandler()))
	// Okta's org metadata needs no token.
	mux.Handle("/.well-known/okta-organization", s.service("okta", nil, http.HandlerFunc(s.oktaWellKnown)))
	mux.HandleFunc("GET /_sim/state", s.state)
	mux.HandleFunc("GET /_sim/stats", s.stats)
	mux.HandleFunc("GET /_sim/info", s.info)
	mux.Handle("/", s.identity()) // sign-in: Entra's v2.0 endpoints, Okta's token endpoint (identity.go)
	return mux
}

// listing is one request's selection, at one generation of the document.
type listing struct {
	gen   uint64
	items []any
}

// cachedList returns build's selection for key, computing it once per
// generation of the document: a client paging through a listing gets
// each page by slicing the selection made for the first, instead of
// re-reading (and re-sorting) the whole section per page, as a real
// service's index does. The items are the document's own values: the
// caller holds s.mu and copies what it hands out. A build that fails
// (ok false, having written its error) is not kept.
func (s *Server) cachedList(key string, build func() ([]any, bool)) ([]any, bool) {
	s.listsMu.Lock()
	l, ok := s.lists[key]
	s.listsMu.Unlock()
	if ok && l.gen == s.gen {
		return l.items, true
	}
	items, ok := build()
	if ok {
		s.listsMu.Lock()
		if s.lists == nil || len(s.lists) > 256 {
			s.lists = map[string]listing{}
		}
		s.lists[key] = listing{gen: s.gen, items: items}
		s.listsMu.Unlock()
	}
	return items, ok
}

// wrote records that the document may have changed: every listing kept
// so far is stale.
func (s *Server) wrote() {
	s.mu.Lock()
	s.gen++
	s.listsMu.Lock()
	s.lists = nil
	s.listsMu.Unlock()
	s.mu.Unlock()
}

// listKey identifies a listing request: its path and query without the
// paging parameters (names compared without a leading $, case-folded).
func listKey(r *http.Request, paging ...string) string {
	q := r.URL.Query()
	for k := range q {
		name := strings.ToLower(strings.TrimPrefix(k, "$"))
		for _, p := range paging {
			if name == p {
				delete(q, k)
			}
		}
	}
	return r.URL.Path + "?" + q.Encode()
}

// pageOf copies items[off:off+size] (generic JSON, so that the handler can
// shape it and the response be written outside the lock) and returns it
// with the next offset (-1 at the end). The caller holds s.mu.
func pageOf(items []any, off, size int) ([]any, int) {
	page, next := window(items, off, size)
	out := make([]any, len(page))
	for i, v := range page {
		out[i] = clone(v)
	}
	return out, next
}

// service wraps a service's handler: counts it, adds latency, checks the
// token with the service's own 401 (and, under a fault profile, whether
// it has expired), then applies the profile.
func (s *Server) service(name string, auth func(http.ResponseWriter, *http.Request) bool, h http.Handler) http.Handler {
	counter := s.requests[name]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counter.Add(1)
		latency := s.opts.Latency
		if s.faults != nil {
			latency += s.faults.f.Latency
		}
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if auth != nil && !auth(w, r) {
			return
		}
		if s.faults != nil && auth != nil && s.faults.tokenExpired(name, bearer(r, "Bearer", "SSWS")) {
			s.expiredToken(name, w, r)
			return
		}
		if s.inject(name, w, r, h) {
			return
		}
		h.ServeHTTP(w, r)
		// Exchange reads are POSTs too: its handler says when it wrote.
		if name != "exchange" && r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.wrote()
		}
	})
}

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.sc.Doc)
}

// info tells a --sim client what it is talking to: the scenario's name,
// tenant and asOf, and the simulator's clock.
func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"name": s.sc.Name(), "tenantId": s.sc.TenantID(), "initialDomain": s.sc.InitialDomain(),
		"asOf": s.sc.AsOf().Format("2006-01-02"), "now": s.Now().Format(time.RFC3339),
		"dns": s.DNSAddr(), "endpoints": s.endpointInfo(),
	})
}

// endpointInfo lists the started endpoints with their protocols, for
// /_sim/info.
func (s *Server) endpointInfo() []map[string]any {
	s.closeMu.Lock()
	addrs := s.endpointAddrs
	s.closeMu.Unlock()
	out := []map[string]any{}
	if len(addrs) == 0 {
		return out
	}
	eps, err := s.Endpoints()
	if err != nil {
		return out
	}
	for _, e := range eps {
		if a, ok := addrs[e.Key()]; ok {
			out = append(out, map[string]any{"host": e.Host, "port": e.Port, "protocol": e.Protocol, "addr": a})
		}
	}
	return out
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"requests": s.Requests()}
	if fs := s.FaultStats(); fs != nil {
		out["faults"] = fs
	}
	writeJSON(w, http.StatusOK, out)
}

// bearer returns the token of "Authorization: <scheme> <token>" when the
// scheme is one of schemes.
func bearer(r *http.Request, schemes ...string) string {
	h := r.Header.Get("Authorization")
	for _, sc := range schemes {
		if len(h) > len(sc)+1 && strings.EqualFold(h[:len(sc)], sc) && h[len(sc)] == ' ' {
			return strings.TrimSpace(h[len(sc)+1:])
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// pageSize picks a page size: the client's request (if any) capped by the
// service's maximum, else the service default; then the test knob.
func (s *Server) pageSize(requested, def, max int) int {
	n := def
	if requested > 0 {
		n = requested
	}
	if n > max {
		n = max
	}
	if s.opts.PageSize > 0 && n > s.opts.PageSize {
		n = s.opts.PageSize
	}
	return n
}

// Opaque page tokens: an offset with a tag, base64url, so clients cannot
// rely on their form.
func pageToken(tag string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + ":" + strconv.Itoa(offset)))
}

func parsePageToken(tag, tok string) (int, bool) {
	if tok == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), tag+":")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// window returns items[off:off+size] and the next offset (-1 at the end).
func window[T any](items []T, off, size int) ([]T, int) {
	if off > len(items) {
		off = len(items)
	}
	end := off + size
	if end >= len(items) {
		return items[off:], -1
	}
	return items[off:end], end
}

// clone deep-copies generic JSON so handlers can shape responses without
// touching the state.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = clone(e)
		}
		return a
	}
	return v
}

func baseURL(r *http.Request) string { return "http://" + r.Host }
