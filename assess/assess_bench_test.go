package assess_test

import (
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/internal/benchdata"
	"github.com/harden365/harden365/remediate"
)

// BenchmarkRun is every check over a generated organisation (sim.Generate)
// collected through the simulator: 10,000 mailboxes, and 100,000 with
// H365_BENCH_100K=1. BenchmarkInventory is the mail-client inventory.
func BenchmarkRun(b *testing.B) {
	opts := remediate.DefaultChoices().AssessOptions()
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				assess.Run(s, opts)
			}
		})
	}
}

func BenchmarkInventory(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				assess.Inventory(s)
			}
		})
	}
}
