// Package collect is the contract between the service clients
// (clients/graph, clients/exchange, clients/okta) and clients.Discover: a
// collector is a set of Tasks, one per source; each Task runs, reports
// progress, and returns a function that writes its part into the snapshot.
package collect

import (
	"context"
	"sync"
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
}

func (f *Failure) Error() string { return f.Message }

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
