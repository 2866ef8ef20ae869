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
	"net/http"
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
	for name, r := range map[string]float64{"throttle": f.Throttle, "serverErrors": f.ServerErrors, "timeouts": f.Timeouts} {
		if r < 0 || r > 1 || math.IsNaN(r) {
			return nil, fmt.Errorf("fault profile: %s: %v is not a rate in [0, 1]", name, r)
		}
	}
	if f.Throttle+f.ServerErrors+f.Timeouts > 1 {
		return nil, errors.New("fault profile: throttle + serverErrors + timeouts exceed 1")
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
)

func (f Fault) String() string {
	return [...]string{"none", "throttle", "serverError", "timeout", "forbidden", "brokenPage502", "brokenPageTruncated"}[f]
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
}

func newInjector(f *Faults) *injector {
	return &injector{f: f, seen: map[string]int{}, last: map[string]bool{}}
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
			u := rng.Float64()
			switch {
			case u < in.f.Throttle:
				fault = FaultThrottle
			case u < in.f.Throttle+in.f.ServerErrors:
				fault = FaultServerError
			case u < in.f.Throttle+in.f.ServerErrors+in.f.Timeouts:
				fault = FaultTimeout
			}
		}
	}
	in.last[key] = fault != NoFault
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
