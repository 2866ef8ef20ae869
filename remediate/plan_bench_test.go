package remediate_test

import (
	"testing"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/internal/benchdata"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
)

// The full plan ("all") of a generated organisation (sim.Generate)
// collected through the simulator: planning it, simulating it, and the
// "after" access matrix of the simulated state. 10,000 mailboxes, and
// 100,000 with H365_BENCH_100K=1.
func BenchmarkPlanAll(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := remediate.NewPlan(s, []string{"all"}, remediate.DefaultChoices(), s.AsOf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSimulateAll(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		p := planAll(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Simulate(s)
			}
		})
	}
}

func BenchmarkAfterMatrixAll(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		after := planAll(b, n).Simulate(benchdata.Snapshot(b, n))
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				matrix.Evaluate(after)
			}
		})
	}
}

func planAll(b *testing.B, n int) *remediate.Plan {
	s := benchdata.Snapshot(b, n)
	p, err := remediate.NewPlan(s, []string{"all"}, remediate.DefaultChoices(), s.AsOf.Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkOutcomeAll is what the wizard's Plan screen recomputes when a
// step is toggled and what report.Judge adds to the judgement: the full
// plan's outcome (after matrix, impacts, entries, risks) from a base
// judged beforehand (findings, inventory, before matrix).
func BenchmarkOutcomeAll(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		p := planAll(b, n)
		fs, inv := assess.RunWithInventory(s, p.Choices.AssessOptions())
		base := remediate.Base{Findings: fs, Inventory: inv, Matrix: matrix.Evaluate(s)}
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Outcome(s, base)
			}
		})
	}
}
