package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/internal/benchdata"
	"github.com/harden365/harden365/matrix"
)

// The matrix screen's per-frame work on a generated organisation (10,000
// mailboxes; 100,000 with H365_BENCH_100K=1): one j in a cell's user list
// and the redraw, and drilling into the cell (the one pass over every
// user, when enter is pressed).

// benchMatrix is the matrix screen on the generated organisation's
// before-matrix, its cursor on the cell with the most users sharing its
// verdict.
func benchMatrix(b *testing.B, n int) *MatrixScreen {
	s := benchdata.Snapshot(b, n)
	c := &Common{Styles: NewStyles(true), Eng: &Engagement{Snapshot: s}}
	c.Eng.Before = matrix.Evaluate(s)
	m := newMatrixScreen(c).(*MatrixScreen)
	m.SetSize(120, 36)
	m.Update(EngagementMsg{})
	best := -1
	for i := range matrix.Protocols {
		for j := range matrix.Methods {
			cell := &c.Eng.Before.Cells[i][j]
			if k := cell.Count(cell.Verdict); k > best {
				best, m.row, m.col = k, i, j
			}
		}
	}
	return m
}

func BenchmarkMatrixDrillKeypress(b *testing.B) {
	j := tea.KeyPressMsg{Code: 'j', Text: "j"}
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}
	for _, n := range benchdata.Sizes() {
		m := benchMatrix(b, n)
		m.Update(enter)
		if m.drill == nil || len(m.drill.rows) < 1000 {
			b.Fatalf("the drill-down holds %d users", len(m.drill.rows))
		}
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if m.drill.nav.Cursor == len(m.drill.rows)-1 {
					m.drill.nav.Cursor, m.drill.nav.Offset = 0, 0
				}
				m.Update(j)
				_ = m.View()
			}
		})
	}
}

func BenchmarkMatrixDrillIn(b *testing.B) {
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}
	esc := tea.KeyPressMsg{Code: tea.KeyEscape}
	for _, n := range benchdata.Sizes() {
		m := benchMatrix(b, n)
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Update(enter)
				_ = m.View()
				m.Update(esc)
			}
		})
	}
}
