package report_test

import (
	"encoding/json"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/internal/benchdata"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
)

// BenchmarkJudgeAll is what `assess --plan all` computes for a generated
// organisation (sim.Generate) collected through the simulator: every
// check, the client inventory, the "before" matrix, the full plan, its
// simulation and the "after" matrix, and the lockout guard. 10,000
// mailboxes, and 100,000 with H365_BENCH_100K=1.
func BenchmarkJudgeAll(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := report.Judge("bench", s, remediate.DefaultChoices(), []string{"all"}, s.AsOf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAssessMatrices is issue 9's judgement target: every check
// (with the client inventory they make), the "before" matrix and the
// "after" matrix of the full plan's simulated state (planned and
// simulated beforehand: BenchmarkJudgeAll and remediate's benchmarks
// time that), one after the other.
func BenchmarkAssessMatrices(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		c := remediate.DefaultChoices()
		p, err := remediate.NewPlan(s, []string{"all"}, c, s.AsOf)
		if err != nil {
			b.Fatal(err)
		}
		after := p.Simulate(s)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				assess.Run(s, c.AssessOptions())
				matrix.Evaluate(s)
				matrix.Evaluate(after)
			}
		})
	}
}

// BenchmarkResultJSON is the report itself once judged: the JSON result
// (`assess --format json`) built and encoded. BenchmarkMarkdown is the
// markdown handover report of the same input.
func BenchmarkResultJSON(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		in := judged(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(report.Build(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMarkdown(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		in := judged(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				report.Markdown(in)
			}
		})
	}
}

func judged(b *testing.B, n int) report.Input {
	s := benchdata.Snapshot(b, n)
	in, err := report.Judge("bench", s, remediate.DefaultChoices(), []string{"all"}, s.AsOf)
	if err != nil {
		b.Fatal(err)
	}
	return in
}
