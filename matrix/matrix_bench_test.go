package matrix_test

import (
	"testing"

	"github.com/harden365/harden365/internal/benchdata"
	"github.com/harden365/harden365/matrix"
)

// BenchmarkEvaluateGenerated is the "before" access matrix of a generated
// organisation (sim.Generate) collected through the simulator: 10,000
// mailboxes, and 100,000 with H365_BENCH_100K=1.
func BenchmarkEvaluateGenerated(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				matrix.Evaluate(s)
			}
		})
	}
}
