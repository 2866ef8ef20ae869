// Package collect is the contract between the service clients
// (clients/graph, clients/exchange, clients/okta) and clients.Discover: a
// collector is a set of Tasks, one per source; each Task runs, reports
// progress, and returns a function that writes its part into the snapshot.
package collect

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/harden365/harden365/tenant"
)

// Kind is what a progress Event says.
type Kind int

const (
	Started Kind = iota // the source started
	Page                // a page arrived (Items/Pages are running totals)
	Waiting             // throttled or retrying: Wait says how long, Message why
	Done                // finished; Status holds the result
)

// Event is one progress report of one source.
type Event struct {
	Source  string
	Service string
	Kind    Kind
	Items   int
	Pages   int
	Wait    time.Duration
	Message string
	// Status is set on Done.
	Status *tenant.SourceStatus
}

// Sink receives events; it must be safe for concurrent use and must not
// block for long.
type Sink func(Event)

// Task collects one source.
type Task struct {
	ID      string // e.g. "graph.users"
	Service string // graph, exchange, okta
	// Run collects, reporting progress on rep, and returns a function that
	// writes the result into the snapshot (called under Discover's lock).
	// An error becomes the source's error status; Explain (if set) turns it
	// into an HTTP status and the role/scope that would fix it.
	Run func(ctx context.Context, rep *Reporter) (apply func(*tenant.Snapshot), err error)
}

// Reporter is handed to a Task to report progress.
type Reporter struct {
	source, service string
	sink            Sink
	mu              sync.Mutex
	items, pages    int
	retries         int
}

// NewReporter returns a reporter for one source.
func NewReporter(source, service string, sink Sink) *Reporter {
	if sink == nil {
		sink = func(Event) {}
	}
	return &Reporter{source: source, service: service, sink: sink}
}

// Page records one page of n items.
func (r *Reporter) Page(n int) {
	r.mu.Lock()
	r.items += n
	r.pages++
	ev := Event{Source: r.source, Service: r.service, Kind: Page, Items: r.items, Pages: r.pages}
	r.mu.Unlock()
	r.sink(ev)
}

// Wait records a throttling or retry wait.
func (r *Reporter) Wait(d time.Duration, why string) {
	r.mu.Lock()
	r.retries++
	ev := Event{Source: r.source, Service: r.service, Kind: Waiting, Items: r.items, Pages: r.pages, Wait: d, Message: why}
	r.mu.Unlock()
	r.sink(ev)
}

// Counts returns the running totals.
func (r *Reporter) Counts() (items, pages, retries int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.items, r.pages, r.retries
}

// Failure is an error a client explains: the HTTP status, the service's own
// message, and what would fix it (the role, scope or permission to grant).
type Failure struct {
	HTTPStatus int
	Message    string
	Fix        string
	// InDoubt: a write that may or may not have been made (InDoubtFailure).
	InDoubt bool
}

func (f *Failure) Error() string { return f.Message }

// Skipped is what a Task returns when it chose not to collect its source
// (an opt-in source, one too costly for the organisation's size): the
// source's state is tenant.StateSkipped, not an error, and Why, which says
// what was not read and how to read it, becomes its Fix.
type Skipped struct {
	Why string
}

func (s *Skipped) Error() string { return s.Why }

// WriteInDoubt tells remediate (which may not import this package) that
// the write may or may not have been made.
func (f *Failure) WriteInDoubt() bool { return f.InDoubt }

// WriteNotFound tells remediate that the object written to does not
// exist (HTTP 404, Exchange's "couldn't be found", Okta's E0000007).
func (f *Failure) WriteNotFound() bool {
	return f.HTTPStatus == 404 || strings.Contains(f.Message, "couldn't be found") || strings.Contains(f.Message, "E0000007")
}

// A write whose request may have reached the service without its answer
// coming back (a connection reset or dropped, no answer in time, a
// 500/502/504, an answer cut short) may or may not have been made: it is
// in doubt, and it is never resent.
const inDoubtNote = "the write is in doubt: it may or may not have been made, and it was not resent"

// InDoubtFailure is the Failure of a write in doubt: what happened (why),
// with the service's HTTP status when there was one.
func InDoubtFailure(status int, why string) *Failure {
	return &Failure{HTTPStatus: status, Message: why + ": " + inDoubtNote, InDoubt: true,
		Fix: "collect again (or look in the admin centre) to see whether it was made before applying again"}
}

// IsInDoubt reports whether err is a write in doubt.
func IsInDoubt(err error) bool {
	var f *Failure
	return errors.As(err, &f) && f.InDoubt
}

type reporterKey struct{}

// WithReporter returns ctx carrying rep, for the HTTP layers below an
// SDK (token renewal, timeouts) to report their waits on.
func WithReporter(ctx context.Context, rep *Reporter) context.Context {
	if rep == nil {
		return ctx
	}
	return context.WithValue(ctx, reporterKey{}, rep)
}

// ReporterFrom returns the reporter ctx carries, or nil.
func ReporterFrom(ctx context.Context) *Reporter {
	rep, _ := ctx.Value(reporterKey{}).(*Reporter)
	return rep
}

// Cause names a failure below HTTP for a progress message or an error:
// "the connection was reset", "no answer within 1m0s", "the answer was
// cut short", else the error's own text. timeout is the attempt's limit,
// reported when the attempt's own deadline ended it.
func Cause(err error, timedOut bool, timeout time.Duration) string {
	switch {
	case timedOut:
		return "no answer within " + timeout.String()
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return "the connection was reset"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the answer was cut short"
	case errors.Is(err, io.EOF):
		return "the connection was closed without an answer"
	}
	return err.Error()
}

// Rows gathers a listing's converted rows a chunk at a time and hands
// them over as one slice of exactly their number. Appending to one slice
// would leave up to twice the capacity allocated at the end (and copy
// the rows at every doubling): at 100,000 mailboxes, tens of megabytes
// kept for nothing in every big section.
type Rows[T any] struct {
	chunks [][]T
	n      int
}

const rowsChunk = 4096

// Add appends v.
func (r *Rows[T]) Add(v T) {
	if k := len(r.chunks); k == 0 || len(r.chunks[k-1]) == cap(r.chunks[k-1]) {
		r.chunks = append(r.chunks, make([]T, 0, rowsChunk))
	}
	last := &r.chunks[len(r.chunks)-1]
	*last = append(*last, v)
	r.n++
}

// Len is the number of rows added.
func (r *Rows[T]) Len() int { return r.n }

// Slice returns the rows in order, in a slice of exactly their number
// (nil when none), and forgets them.
func (r *Rows[T]) Slice() []T {
	if r.n == 0 {
		r.chunks = nil
		return nil
	}
	out := make([]T, 0, r.n)
	for _, c := range r.chunks {
		out = append(out, c...)
	}
	r.chunks, r.n = nil, 0
	return out
}
