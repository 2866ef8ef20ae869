package remediate

import (
	"testing"

	"github.com/harden365/harden365/internal/benchdata"
)

// BenchmarkClone is the deep copy every planned step and every
// simulation starts from, of the generated organisation.
func BenchmarkClone(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clone(s)
			}
		})
	}
}
