// Package benchdata gives benchmarks a collected snapshot of a generated
// organisation (sim.Generate) of a given size: discovered once through the
// simulator (no latency) and the real clients, then cached as a snapshot
// file so that the benchmarks of several packages share it.
//
// Sizes: Sizes() is 10,000 mailboxes, plus 100,000 when H365_BENCH_100K is
// set. The cache is $H365_BENCH_CACHE, else <os.TempDir()>/harden365-bench.
package benchdata

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
)

// Seed is the generator's seed for every benchmark organisation.
const Seed = 1

// Sizes are the organisation sizes (mailboxes) the benchmarks run at.
func Sizes() []int {
	if os.Getenv("H365_BENCH_100K") != "" {
		return []int{10_000, 100_000}
	}
	return []int{10_000}
}

// Name is a sub-benchmark name for a size ("10k").
func Name(mailboxes int) string {
	if mailboxes%1000 == 0 {
		return fmt.Sprintf("%dk", mailboxes/1000)
	}
	return fmt.Sprint(mailboxes)
}

var (
	mu    sync.Mutex
	cache = map[int]*tenant.Snapshot{}
)

// Dir is the snapshot cache directory.
func Dir() string {
	if d := os.Getenv("H365_BENCH_CACHE"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "harden365-bench")
}

// Snapshot returns the collected snapshot of the generated organisation
// of mailboxes mailboxes. Callers must not change it.
func Snapshot(tb testing.TB, mailboxes int) *tenant.Snapshot {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s, ok := cache[mailboxes]; ok {
		return s
	}
	file := filepath.Join(Dir(), fmt.Sprintf("snapshot-%d-seed%d-v%d.json", mailboxes, Seed, tenant.SchemaVersion))
	if data, err := os.ReadFile(file); err == nil {
		if s, err := tenant.Decode(data); err == nil {
			cache[mailboxes] = s
			return s
		}
	}
	s, err := Collect(mailboxes)
	if err != nil {
		tb.Fatal(err)
	}
	if data, err := tenant.Encode(s); err == nil {
		if os.MkdirAll(Dir(), 0o755) == nil {
			tmp := file + ".tmp"
			if os.WriteFile(tmp, data, 0o644) == nil {
				_ = os.Rename(tmp, file)
			}
		}
	}
	cache[mailboxes] = s
	return s
}

// Collect generates the organisation and discovers it through an
// in-process simulator without latency.
func Collect(mailboxes int) (*tenant.Snapshot, error) {
	sc, err := sim.GenerateScenario(mailboxes, Seed)
	if err != nil {
		return nil, err
	}
	srv := sim.New(sc, sim.Options{})
	url, err := srv.Start("")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	cfg := clients.SimConfig(url, sc.AsOf())
	cfg.TenantID = sc.TenantID()
	// The judgement reads the factors when they were read: keep them (no
	// latency here, so reading them all is quick).
	cfg.OktaFactors = "all"
	s, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		return nil, err
	}
	if errs := s.Errors(); len(errs) > 0 {
		return nil, fmt.Errorf("collecting %d mailboxes: %s: %s", mailboxes, errs[0].ID, errs[0].Error)
	}
	return s, nil
}
