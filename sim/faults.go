package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults is a fault profile (CONTRACT.md "Fault profiles"): what the
// simulator does wrong, deterministically under Seed.
type Faults struct {
	Seed uint64 `json:"seed"`
	// Latency is added to every API request.
	Latency time.Duration `json:"-"`
	// Throttle, ServerErrors and Timeouts are per-request rates in [0, 1].
	Throttle     float64 `json:"throttle"`
	ServerErrors float64 `json:"serverErrors"`
	Timeouts     float64 `json:"timeouts"`
	// RetryAfter is the wait a 429 asks for (default 1s).
	RetryAfter time.Duration `json:"-"`
	// BrokenNextLink answers that many next-page requests once each with a
	// 502 or a truncated JSON body.
	BrokenNextLink int `json:"brokenNextLink"`
	// PageSize, when > 0 and Options.PageSize is not set, caps every
	// service's page size so that next-page links (and BrokenNextLink)
	// occur on small scenarios.
	PageSize int `json:"pageSize"`
	// Forbidden lists cmdlet names and path prefixes answered with the
	// service's real 403.
	Forbidden []string `json:"forbidden"`
	// TimeoutHold bounds how long a timed-out request is held before its
	// connection is dropped (default 2s).
	TimeoutHold time.Duration `json:"-"`
	// Resets is the rate of requests whose connection is reset: before
	// any answer, or (with the handler run, so a write is made) in the
	// middle of the body.
	Resets float64 `json:"resets"`
	// ExpireTokens, when > 0, makes each service's ExpireTokens-th API
	// request find its token expired: that request and every later one
	// carrying a token the service had seen by then are answered with the
	// service's real 401; a token it never saw (a renewed one) is served.
	// Once per service.
	ExpireTokens int `json:"expireTokens"`
	// Paths overrides the rates for requests under a path prefix ("/v1.0/users")
	// or of a cmdlet ("Get-CASMailbox"): a rate it gives replaces the
	// global one, a rate it leaves out is the global one. A cmdlet entry
	// wins over a path; the longest path prefix wins over shorter ones.
	Paths map[string]Rates `json:"paths"`
}

// Rates are the per-request fault rates of a Paths entry; nil is "as the
// profile says".
type Rates struct {
	Throttle     *float64 `json:"throttle,omitempty"`
	ServerErrors *float64 `json:"serverErrors,omitempty"`
	Timeouts     *float64 `json:"timeouts,omitempty"`
	Resets       *float64 `json:"resets,omitempty"`
}

// rates are resolved rates.
type rates struct{ throttle, serverErrors, timeouts, resets float64 }

func (r rates) check(where string) error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"throttle", r.throttle}, {"serverErrors", r.serverErrors}, {"timeouts", r.timeouts}, {"resets", r.resets}} {
		if x.v < 0 || x.v > 1 || math.IsNaN(x.v) {
			return fmt.Errorf("fault profile: %s%s: %v is not a rate in [0, 1]", where, x.name, x.v)
		}
	}
	if r.throttle+r.serverErrors+r.timeouts+r.resets > 1 {
		return fmt.Errorf("fault profile: %sthrottle + serverErrors + timeouts + resets exceed 1", where)
	}
	return nil
}

func (r rates) over(o Rates) rates {
	for _, x := range []struct {
		to   *float64
		from *float64
	}{{&r.throttle, o.Throttle}, {&r.serverErrors, o.ServerErrors}, {&r.timeouts, o.Timeouts}, {&r.resets, o.Resets}} {
		if x.from != nil {
			*x.to = *x.from
		}
	}
	return r
}

func (f *Faults) global() rates {
	return rates{f.Throttle, f.ServerErrors, f.Timeouts, f.Resets}
}

// ratesFor resolves the rates of one request.
func (f *Faults) ratesFor(path, cmdlet string) rates {
	g := f.global()
	if len(f.Paths) == 0 {
		return g
	}
	if cmdlet != "" {
		for k, o := range f.Paths {
			if !strings.HasPrefix(k, "/") && strings.EqualFold(k, cmdlet) {
				return g.over(o)
			}
		}
	}
	best := ""
	for k := range f.Paths {
		if strings.HasPrefix(k, "/") && strings.HasPrefix(path, k) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		return g.over(f.Paths[best])
	}
	return g
}

// ParseFaults reads a fault profile.
func ParseFaults(data []byte) (*Faults, error) {
	var raw struct {
		Faults
		Latency     string `json:"latency"`
		RetryAfter  string `json:"retryAfter"`
		TimeoutHold string `json:"timeoutHold"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("fault profile: %w", err)
	}
	f := raw.Faults
	for _, d := range []struct {
		name string
		s    string
		to   *time.Duration
	}{{"latency", raw.Latency, &f.Latency}, {"retryAfter", raw.RetryAfter, &f.RetryAfter}, {"timeoutHold", raw.TimeoutHold, &f.TimeoutHold}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("fault profile: %s: %q is not a duration like \"50ms\"", d.name, d.s)
		}
		*d.to = v
	}
	if err := f.global().check(""); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(f.Paths))
	for k := range f.Paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return nil, errors.New("fault profile: paths: an empty path or cmdlet")
		}
		if err := f.global().over(f.Paths[k]).check("paths: " + k + ": "); err != nil {
			return nil, err
		}
	}
	if f.ExpireTokens < 0 {
		return nil, errors.New("fault profile: expireTokens is negative")
	}
	if f.PageSize < 0 {
		return nil, errors.New("fault profile: pageSize is negative")
	}
	if f.BrokenNextLink < 0 {
		return nil, errors.New("fault profile: brokenNextLink is negative")
	}
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	if f.TimeoutHold == 0 {
		f.TimeoutHold = 2 * time.Second
	}
	return &f, nil
}

// FaultsOf returns the scenario's own fault profile (its "faults" key), or
// nil when it has none.
func FaultsOf(sc *Scenario) (*Faults, error) {
	v, ok := sc.Doc["faults"]
	if !ok || v == nil {
		return nil, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	f, err := ParseFaults(data)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name(), err)
	}
	return f, nil
}

// Fault is one decision of the injector.
type Fault int

const (
	NoFault Fault = iota
	FaultThrottle
	FaultServerError
	FaultTimeout
	FaultForbidden
	FaultBrokenPage502
	FaultBrokenPageTruncated
	FaultReset        // the connection is reset before any answer
	FaultResetMidBody // the handler runs; the connection is reset halfway through its answer
)

func (f Fault) String() string {
	return [...]string{"none", "throttle", "serverError", "timeout", "forbidden", "brokenPage502", "brokenPageTruncated", "reset", "resetMidBody"}[f]
}

// injector applies a profile. Each decision is a pure function of (seed,
// service, request key, how many times that key was seen), so concurrent
// arrival does not change which requests fail. A request that follows a
// fault on the same key is never faulted, so a client's retry succeeds.
type injector struct {
	f *Faults

	mu     sync.Mutex
	seen   map[string]int  // key -> requests so far
	last   map[string]bool // key -> the previous one was faulted
	broken int             // next-page requests broken so far
	counts map[string]map[Fault]int
	tokens map[string]*tokenState // service -> its tokens (ExpireTokens)
}

// tokenState is what one service knows of the tokens it was sent.
type tokenState struct {
	requests int             // API requests with a token
	seen     map[string]bool // tokens sent so far
	expired  map[string]bool // tokens it now refuses
	refused  int             // requests answered 401 for an expired token
}

func newInjector(f *Faults) *injector {
	return &injector{f: f, seen: map[string]int{}, last: map[string]bool{}, counts: map[string]map[Fault]int{}, tokens: map[string]*tokenState{}}
}

// tokenExpired reports whether service refuses token as expired, and
// expires the tokens it has seen on its ExpireTokens-th request.
func (in *injector) tokenExpired(service, token string) bool {
	if in.f.ExpireTokens <= 0 || token == "" {
		return false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	st := in.tokens[service]
	if st == nil {
		st = &tokenState{seen: map[string]bool{}, expired: map[string]bool{}}
		in.tokens[service] = st
	}
	st.requests++
	if st.expired[token] {
		st.refused++
		return true
	}
	st.seen[token] = true
	if st.requests == in.f.ExpireTokens {
		for t := range st.seen {
			st.expired[t] = true
		}
		st.refused++
		return true
	}
	return false
}

// FaultStats counts what a fault profile did, per service.
type FaultStats struct {
	// Faults counts the injected faults by kind (Fault.String()).
	Faults map[string]int `json:"faults"`
	// Tokens counts, with ExpireTokens, the distinct tokens the service
	// was sent, how many of them it expired, and the requests it refused
	// for an expired token.
	TokensSeen    int `json:"tokensSeen"`
	TokensExpired int `json:"tokensExpired"`
	TokenRefusals int `json:"tokenRefusals"`
}

// FaultStats returns what the fault profile did so far, per service (nil
// without a profile).
func (s *Server) FaultStats() map[string]FaultStats {
	in := s.faults
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	out := map[string]FaultStats{}
	for _, name := range services {
		st := FaultStats{Faults: map[string]int{}}
		for f, n := range in.counts[name] {
			st.Faults[f.String()] = n
		}
		if ts := in.tokens[name]; ts != nil {
			st.TokensSeen, st.TokensExpired, st.TokenRefusals = len(ts.seen), len(ts.expired), ts.refused
		}
		out[name] = st
	}
	return out
}

// requestKey identifies a request for the per-key counter: method, path,
// query and (Exchange) the cmdlet.
func requestKey(r *http.Request, cmdlet string) string {
	return r.Method + " " + r.URL.RequestURI() + " " + cmdlet
}

// isNextPage reports a next-page request: one carrying $skiptoken (Graph,
// Exchange) or after= (Okta).
func isNextPage(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("$skiptoken") || q.Has("$skipToken") || q.Has("after")
}

// forbidden reports whether a listed cmdlet or path prefix matches.
func (in *injector) forbidden(r *http.Request, cmdlet string) bool {
	for _, x := range in.f.Forbidden {
		if x == "" {
			continue
		}
		if strings.HasPrefix(x, "/") {
			if strings.HasPrefix(r.URL.Path, x) {
				return true
			}
		} else if strings.EqualFold(x, cmdlet) {
			return true
		}
	}
	return false
}

// decide picks the fault for one request.
func (in *injector) decide(service string, r *http.Request, cmdlet string) Fault {
	if in.forbidden(r, cmdlet) {
		return FaultForbidden
	}
	key := service + " " + requestKey(r, cmdlet)
	in.mu.Lock()
	n := in.seen[key]
	in.seen[key] = n + 1
	prev := in.last[key]
	fault := NoFault
	if !prev {
		rng := rand.New(rand.NewPCG(in.f.Seed, keyHash(key, n)))
		if isNextPage(r) && in.broken < in.f.BrokenNextLink && n == 0 {
			in.broken++
			fault = FaultBrokenPage502
			if rng.IntN(2) == 1 {
				fault = FaultBrokenPageTruncated
			}
		} else {
			rt := in.f.ratesFor(r.URL.Path, cmdlet)
			u := rng.Float64()
			switch {
			case u < rt.throttle:
				fault = FaultThrottle
			case u < rt.throttle+rt.serverErrors:
				fault = FaultServerError
			case u < rt.throttle+rt.serverErrors+rt.timeouts:
				fault = FaultTimeout
			case u < rt.throttle+rt.serverErrors+rt.timeouts+rt.resets:
				fault = FaultReset
				if rng.IntN(2) == 1 {
					fault = FaultResetMidBody
				}
			}
		}
	}
	in.last[key] = fault != NoFault
	if fault != NoFault {
		if in.counts[service] == nil {
			in.counts[service] = map[Fault]int{}
		}
		in.counts[service][fault]++
	}
	in.mu.Unlock()
	return fault
}

func keyHash(key string, n int) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, key)
	return h.Sum64() ^ uint64(n)*0x9e3779b97f4a7c15
}

// exchangeCmdlet peeks at an Exchange request's cmdlet name and restores
// the body.
func exchangeCmdlet(r *http.Request) string {
	if r.Body == nil {
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	var body struct {
		CmdletInput struct {
			CmdletName string `json:"CmdletName"`
		} `json:"CmdletInput"`
	}
	_ = json.Unmarshal(data, &body)
	return body.CmdletInput.CmdletName
}

// inject applies the profile to one request; it returns true when it
// answered (the handler must not run). A broken page with a truncated body
// runs the handler into a truncating writer and returns true.
func (s *Server) inject(service string, w http.ResponseWriter, r *http.Request, h http.Handler) bool {
	in := s.faults
	if in == nil {
		return false
	}
	cmdlet := ""
	if service == "exchange" {
		cmdlet = exchangeCmdlet(r)
	}
	switch in.decide(service, r, cmdlet) {
	case FaultForbidden:
		s.faultForbidden(service, w, r, cmdlet)
	case FaultThrottle:
		s.faultThrottle(service, w, r)
	case FaultServerError:
		s.faultServerError(service, w, r)
	case FaultTimeout:
		s.faultTimeout(w, r)
	case FaultBrokenPage502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
	case FaultBrokenPageTruncated:
		tw := &truncWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		tw.flush()
	case FaultReset:
		resetConn(w, false)
	case FaultResetMidBody:
		tw := &truncWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		tw.flushHalfThenReset()
	default:
		return false
	}
	return true
}

// retryAfterValue is Retry-After in seconds, fractional when below one.
func (s *Server) retryAfterValue() string {
	return strconv.FormatFloat(s.faults.f.RetryAfter.Seconds(), 'f', -1, 64)
}

func (s *Server) faultThrottle(service string, w http.ResponseWriter, r *http.Request) {
	switch service {
	case "graph":
		w.Header().Set("Retry-After", s.retryAfterValue())
		s.graphError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
	case "exchange":
		w.Header().Set("Retry-After", s.retryAfterValue())
		exoError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after some time.",
			"Ex5B6C7D|Microsoft.Exchange.Admin.OData.Core.ThrottlingException|The request was throttled. Retry after "+s.retryAfterValue()+" seconds.")
	default:
		// Set after oktaJSON's own rate-limit headers (whose reset is the
		// next minute): reset = now + RetryAfter, rounded to seconds.
		now := time.Now().UTC()
		s.oktaError(&headerOverride{ResponseWriter: w, set: map[string]string{
			"Date":                   now.Format(http.TimeFormat),
			"X-Rate-Limit-Remaining": "0",
			"X-Rate-Limit-Reset":     strconv.FormatInt(now.Unix()+int64(math.Round(s.faults.f.RetryAfter.Seconds())), 10),
		}}, r, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
	}
}

// headerOverride sets headers just before the status goes out.
type headerOverride struct {
	http.ResponseWriter
	set map[string]string
}

func (h *headerOverride) WriteHeader(status int) {
	for k, v := range h.set {
		h.ResponseWriter.Header().Set(k, v)
	}
	h.ResponseWriter.WriteHeader(status)
}

func (s *Server) faultServerError(service string, w http.ResponseWriter, r *http.Request) {
	// Both Microsoft services send Retry-After with a 503 too.
	switch service {
	case "graph":
		w.Header().Set("Retry-After", s.retryAfterValue())
		s.graphError(w, r, http.StatusServiceUnavailable, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.")
	case "exchange":
		w.Header().Set("Retry-After", s.retryAfterValue())
		exoError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable.", "")
	default:
		s.oktaError(w, r, http.StatusInternalServerError, "E0000009", "Internal Server Error")
	}
}

func (s *Server) faultForbidden(service string, w http.ResponseWriter, r *http.Request, cmdlet string) {
	switch service {
	case "graph":
		s.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	case "exchange":
		// The Exchange admin API's 403 carries no JSON: a run of NUL bytes.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write(make([]byte, 4))
	default:
		s.oktaError(w, r, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
	}
}

// faultTimeout holds the request until the client gives up or TimeoutHold
// passes, then drops the connection without an answer.
func (s *Server) faultTimeout(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(s.faults.f.TimeoutHold):
	}
	panic(http.ErrAbortHandler)
}

// resetConn takes the connection from net/http and closes it with a TCP
// reset (SO_LINGER 0): the client reads "connection reset by peer".
// flush first sends what was written (a flush with nothing written would
// send a 200's headers).
func resetConn(w http.ResponseWriter, flush bool) {
	rc := http.NewResponseController(w)
	if flush {
		_ = rc.Flush()
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// expiredToken answers the service's real 401 for an expired token.
func (s *Server) expiredToken(service string, w http.ResponseWriter, r *http.Request) {
	switch service {
	case "graph":
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		s.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
	case "exchange":
		// As for a missing token: an empty 401 with the challenge.
		w.Header().Set("WWW-Authenticate", `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	default:
		s.oktaError(w, r, http.StatusUnauthorized, "E0000011", "Invalid token provided")
	}
}

// truncWriter keeps the handler's response and sends its status, headers
// and the first half of its body.
type truncWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (t *truncWriter) WriteHeader(status int) {
	if t.status == 0 {
		t.status = status
	}
}

func (t *truncWriter) Write(p []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	return t.buf.Write(p)
}

func (t *truncWriter) flush() {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	body := t.buf.Bytes()
	t.ResponseWriter.Header().Del("Content-Length")
	t.ResponseWriter.WriteHeader(t.status)
	_, _ = t.ResponseWriter.Write(body[:len(body)/2])
}

// flushHalfThenReset sends the status, the headers with the whole body's
// Content-Length and the first half of the body, then resets the
// connection.
func (t *truncWriter) flushHalfThenReset() {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	body := t.buf.Bytes()
	t.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(len(body)))
	t.ResponseWriter.WriteHeader(t.status)
	_, _ = t.ResponseWriter.Write(body[:len(body)/2])
	resetConn(t.ResponseWriter, true)
}
