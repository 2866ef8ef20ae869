package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/internal/benchdata"
)

// The wizard has one screen so far, Discovery. Its per-frame work is
// measured here: a progress event (Update) and a redraw (View) with many
// sources on screen, and a keypress with the summary of a generated
// organisation (10,000 mailboxes, 100,000 with H365_BENCH_100K=1) loaded.
// The wizard's 100k-row tables (issue 9) do not exist yet.

func benchDiscovery(sources int) *Discovery {
	m := NewDiscovery(DiscoveryOptions{Mode: "demo", Org: "scenario bench", AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, nil)
	m.now = func() time.Time { return time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) }
	m.started = m.now()
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	services := []string{"graph", "exchange", "okta", "dns", "probe"}
	for i := range sources {
		svc := services[i%len(services)]
		m.apply(collect.Event{Source: fmt.Sprintf("%s.source%03d", svc, i), Service: svc, Kind: collect.Started})
	}
	return m
}

func BenchmarkDiscoveryProgress(b *testing.B) {
	for _, sources := range []int{40, 400} {
		m := benchDiscovery(sources)
		b.Run(fmt.Sprintf("sources-%d", sources), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				m.Update(progressMsg{collect.Event{Source: fmt.Sprintf("okta.source%03d", (i*5+2)%sources), Service: "okta", Kind: collect.Page, Items: i, Pages: i}})
				_ = m.View()
			}
		})
	}
}

func BenchmarkDiscoveryKeypress(b *testing.B) {
	for _, n := range benchdata.Sizes() {
		s := benchdata.Snapshot(b, n)
		m := benchDiscovery(60)
		for _, st := range s.Collection {
			st := st
			m.apply(collect.Event{Source: st.ID, Service: st.Service, Kind: collect.Done, Items: st.Items, Pages: st.Pages, Status: &st})
		}
		m.Update(finishedMsg{snap: s})
		b.Run(benchdata.Name(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Update(tea.KeyPressMsg{Code: tea.KeyTab}) // summary <-> sources
				_ = m.View()
			}
		})
	}
}
