// Package collecttest runs a collector's tasks as clients.Discover does,
// for the clients' tests: every task at once, each result applied to one
// snapshot as it ends, the waits each reported and the errors kept.
package collecttest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
)

// Result is what a run of tasks collected.
type Result struct {
	Snap  *tenant.Snapshot
	JSON  string              // Snap as JSON: everything it holds, to compare runs
	Waits map[string][]string // task ID -> the waits it reported
	Errs  map[string]error    // task ID -> its error (absent when none)
}

// AllWaits are the waits of every task.
func (r Result) AllWaits() []string {
	var out []string
	for _, w := range r.Waits {
		out = append(out, w...)
	}
	return out
}

// Run runs every task at once, within a minute, and applies each result
// to the snapshot as the task ends, one at a time.
func Run(t testing.TB, tasks []collect.Task) Result {
	t.Helper()
	r := Result{Snap: &tenant.Snapshot{}, Waits: map[string][]string{}, Errs: map[string]error{}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, task := range tasks {
		wg.Go(func() {
			rep := collect.NewReporter(task.ID, task.Service, func(ev collect.Event) {
				if ev.Kind == collect.Waiting {
					mu.Lock()
					r.Waits[task.ID] = append(r.Waits[task.ID], ev.Message)
					mu.Unlock()
				}
			})
			apply, err := task.Run(ctx, rep)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.Errs[task.ID] = err
				return
			}
			apply(r.Snap)
		})
	}
	wg.Wait()
	b, err := json.Marshal(r.Snap)
	if err != nil {
		t.Fatal(err)
	}
	r.JSON = string(b)
	return r
}

// ShortWaits makes a fault profile's waits test-sized where it leaves
// them unset: Retry-After 10 ms, a timeout's hold 50 ms. Nil stays nil.
func ShortWaits(f *sim.Faults) *sim.Faults {
	if f != nil {
		if f.RetryAfter == 0 {
			f.RetryAfter = 10 * time.Millisecond
		}
		if f.TimeoutHold == 0 {
			f.TimeoutHold = 50 * time.Millisecond
		}
	}
	return f
}

// Clean fails t unless the run ended without an error or a wait, and
// returns what it collected, as JSON.
func (r Result) Clean(t testing.TB) string {
	t.Helper()
	if len(r.Errs) > 0 || len(r.AllWaits()) > 0 {
		t.Fatalf("clean run: errors %v, waits %v", r.Errs, r.AllWaits())
	}
	return r.JSON
}

// Waited reports whether some task reported a wait that says sub.
func (r Result) Waited(sub string) bool {
	return slices.ContainsFunc(r.AllWaits(), func(w string) bool { return strings.Contains(w, sub) })
}
