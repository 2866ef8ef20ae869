package okta

import (
	"context"
	"testing"
	"time"
)

// A freed slot goes to the oldest waiting listing before any waiting
// per-user read; a waiter whose context ends leaves the queue, and a
// slot granted as it ends is passed on.
func TestLimiterServesListingsFirst(t *testing.T) {
	l := newLimiter(1)
	ctx := context.Background()
	if err := l.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	wait := func(name string, c context.Context) {
		go func() {
			if err := l.acquire(c); err == nil {
				order <- name
			}
		}()
	}
	queued := func(high, low int) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Second); ; {
			l.mu.Lock()
			h, lo := len(l.high), len(l.low)
			l.mu.Unlock()
			if h == high && lo == low {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("queued %d listings and %d per-user reads, want %d and %d", h, lo, high, low)
			}
			time.Sleep(time.Millisecond)
		}
	}
	wait("factor-1", perUser(ctx))
	queued(0, 1)
	gone, cancel := context.WithCancel(perUser(ctx))
	wait("factor-cancelled", gone)
	queued(0, 2)
	wait("listing", ctx)
	queued(1, 2)
	cancel()
	queued(1, 1)
	for _, want := range []string{"listing", "factor-1"} {
		l.release()
		if got := <-order; got != want {
			t.Fatalf("the slot went to %s, want %s", got, want)
		}
	}
	l.release()
	l.mu.Lock()
	free := l.free
	l.mu.Unlock()
	if free != 1 {
		t.Fatalf("%d free slots after every release, want 1", free)
	}
}
