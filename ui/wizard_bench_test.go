package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/internal/benchdata"
)

// BenchmarkWizardKeypress is issue 9's wizard target: one keypress (j,
// the next row) handled and the screen redrawn, on each screen that
// lists users or their clients, with a generated organisation loaded
// and judged (10,000 mailboxes; 100,000 with H365_BENCH_100K=1). Only
// the synchronous work is timed: what a keypress starts in the
// background (none of these) would not hold the screen.
func BenchmarkWizardKeypress(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		w := NewWizard(Options{Mode: "demo", Org: "generated", AsOf: s.AsOf, Backend: Backend{Now: fixedNow(s), Version: "bench"}})
		w.Update(tea.WindowSizeMsg{Width: 160, Height: 46})
		pump(b, w, w.Init())
		pump(b, w, Send(SnapshotMsg{Snapshot: s}))
		for _, page := range []Page{PageFindings, PageMatrix, PageClients, PagePlan} {
			pump(b, w, Send(GoTo(page)))
			if w.Page() != page {
				b.Fatalf("could not go to %s", page)
			}
			j := keyMsg("j")
			b.Run(strings.ReplaceAll(page.String(), " ", "-")+"/"+benchdata.Name(n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w.Update(j)
					_ = w.View()
				}
			})
		}
	}
}
