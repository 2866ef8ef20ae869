package okta

import (
	"context"
	"sync"
)

// limiter bounds the requests in flight to the org (Config.Concurrency).
// A slot that frees goes first to a waiting listing request, then to a
// waiting per-user read (a context marked with perUser): the per-user
// factor reads run beside the listings without lengthening them.
type limiter struct {
	mu        sync.Mutex
	free      int
	high, low []chan struct{} // waiting, oldest first
}

func newLimiter(n int) *limiter { return &limiter{free: n} }

type perUserKey struct{}

// perUser marks ctx's requests as per-user reads, served after listings.
func perUser(ctx context.Context) context.Context { return context.WithValue(ctx, perUserKey{}, true) }

func isPerUser(ctx context.Context) bool { b, _ := ctx.Value(perUserKey{}).(bool); return b }

// acquire waits for a slot (or ctx's end).
func (l *limiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	if l.free > 0 {
		l.free--
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	low := isPerUser(ctx)
	if low {
		l.low = append(l.low, ch)
	} else {
		l.high = append(l.high, ch)
	}
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		queue := &l.high
		if low {
			queue = &l.low
		}
		for i, c := range *queue {
			if c == ch {
				*queue = append((*queue)[:i], (*queue)[i+1:]...)
				l.mu.Unlock()
				return ctx.Err()
			}
		}
		l.mu.Unlock()
		l.release() // granted as ctx ended: pass the slot on
		return ctx.Err()
	}
}

// release frees a slot: to the oldest waiting listing, else the oldest
// waiting per-user read.
func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case len(l.high) > 0:
		close(l.high[0])
		l.high = l.high[1:]
	case len(l.low) > 0:
		close(l.low[0])
		l.low = l.low[1:]
	default:
		l.free++
	}
}
