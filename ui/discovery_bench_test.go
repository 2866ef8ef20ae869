package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/internal/benchdata"
)

// The discovery screen's per-frame work: a progress event (Update) and a
// redraw (View) with many sources on screen, and a keypress with the
// summary of a generated organisation (10,000 mailboxes, 100,000 with
// H365_BENCH_100K=1) loaded.

func benchDiscovery(sources int) *Discovery {
	m := newDiscoveryScreen(&Common{Styles: NewStyles(true), Eng: &Engagement{}}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	m.now = func() time.Time { return time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) }
	m.started = m.now()
	m.SetSize(160, 46)
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
				m.Update(tea.KeyPressMsg{Code: 's', Text: "s"}) // summary <-> sources
				_ = m.View()
			}
		})
	}
}
