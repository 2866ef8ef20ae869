package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
)

// reportWizard is a wizard on the report screen of the scenario, the
// report rendered with glamour's plain style (stable goldens).
func reportWizard(t testing.TB, scenario string, width, height int, b func(*Backend)) (*Wizard, *Report) {
	t.Helper()
	w := loadedWizard(t, scenario, width, height, PageMatrix)
	if b != nil {
		b(&w.Common().Backend)
	}
	r := w.Screen(PageReport).(*Report)
	r.style, r.debounce = "notty", 0
	pump(t, w, Send(GoTo(PageReport)))
	if r.md == "" {
		t.Fatalf("the report was not made: %v", r.err)
	}
	return w, r
}

func TestReportGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("contoso-%dx%d", size[0], size[1]), func(t *testing.T) {
			w, _ := reportWizard(t, "contoso", size[0], size[1], nil)
			view := w.render()
			checkFits(t, view, size[0], size[1])
			plain := ansi.Strip(view)
			for _, want := range []string{"Mail access handover report: Contoso Ltd", "lines 1–", "saving is not available in this session"} {
				if !strings.Contains(plain, want) {
					t.Errorf("the report lacks %q:\n%s", want, plain)
				}
			}
			golden.RequireEqual(t, []byte(plain))
		})
	}
}

func TestReportSaveWritesTheMarkdown(t *testing.T) {
	var saved []string
	w, r := reportWizard(t, "contoso", 80, 24, func(b *Backend) {
		b.SaveReport = func(md string) (string, error) {
			saved = append(saved, md)
			return "/tmp/harden365-report-contoso.md", nil
		}
	})
	if !strings.Contains(plain(w), "s saves it as markdown") {
		t.Errorf("the status line does not offer s:\n%s", plain(w))
	}
	press(t, w, "s")
	if len(saved) != 1 {
		t.Fatalf("s saved %d times", len(saved))
	}
	e := w.Common().Eng
	in, err := report.Judge("test", e.Snapshot, e.Choices, e.Steps, w.Common().Backend.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := report.Markdown(in); saved[0] != want {
		t.Errorf("s saved other markdown than report.Markdown gives (%d bytes, want %d)", len(saved[0]), len(want))
	}
	if !strings.Contains(plain(w), "✓ saved to /tmp/harden365-report-contoso.md") {
		t.Errorf("the path is not shown:\n%s", plain(w))
	}
	// An error is shown, not swallowed.
	w.Common().Backend.SaveReport = func(string) (string, error) { return "", errors.New("disk full") }
	press(t, w, "s")
	if !strings.Contains(plain(w), "✗ could not save: disk full") {
		t.Errorf("a failed save is not shown:\n%s", plain(w))
	}
	// Without SaveReport, s does nothing and says why.
	w.Common().Backend.SaveReport = nil
	r.saveErr = nil
	press(t, w, "s")
	if r.keys.Save.Enabled() || !strings.Contains(plain(w), "saving is not available in this session") {
		t.Errorf("s without SaveReport:\n%s", plain(w))
	}
}

func TestReportScrolls(t *testing.T) {
	w, r := reportWizard(t, "contoso", 80, 24, nil)
	press(t, w, "j", "j")
	if r.vp.YOffset() != 2 {
		t.Errorf("j j: offset %d", r.vp.YOffset())
	}
	press(t, w, "pgdown")
	if r.vp.YOffset() <= 2 {
		t.Errorf("pgdown: offset %d", r.vp.YOffset())
	}
	press(t, w, "G")
	if !r.vp.AtBottom() {
		t.Error("G is not at the bottom")
	}
	if !strings.Contains(plain(w), fmt.Sprintf("of %d", r.vp.TotalLineCount())) {
		t.Errorf("the status line does not say where:\n%s", plain(w))
	}
	press(t, w, "g")
	if r.vp.YOffset() != 0 {
		t.Error("g is not at the top")
	}
	press(t, w, "k")
	if r.vp.YOffset() != 0 {
		t.Error("k went above the top")
	}
}

func TestReportFollowsTheEngagement(t *testing.T) {
	w, r := reportWizard(t, "contoso", 80, 24, nil)
	gen := r.gen.Load()
	// An engagement message that changes nothing the report uses costs
	// nothing.
	pump(t, w, Send(EngagementMsg{}))
	if r.gen.Load() != gen {
		t.Error("an unchanged engagement rebuilt the report")
	}
	pump(t, w, Send(StepsMsg{Steps: []string{"C"}}))
	if r.gen.Load() == gen {
		t.Fatal("a change of steps did not rebuild the report")
	}
	if !strings.Contains(r.md, "Step `C`") && !strings.Contains(r.md, "Step C") {
		t.Errorf("the rebuilt report has no plan")
	}
	// A journal that cannot be read is said.
	pump(t, w, Send(AppliedMsg{Outcome: ApplyOutcome{Journal: filepath.Join(t.TempDir(), "missing.jsonl"), Done: 1}}))
	if r.jerr == nil || !strings.Contains(plain(w), "! The apply journal could not be read") {
		t.Errorf("a missing journal is not said:\n%s", plain(w))
	}
	checkFits(t, w.render(), 80, 24)
}

// fakeWriter makes every write.
type fakeWriter struct{}

func (fakeWriter) Do(context.Context, tenant.Write, map[string]string) (map[string]string, error) {
	return map[string]string{"id": "x"}, nil
}

func TestReportTellsWhatWasApplied(t *testing.T) {
	w, r := reportWizard(t, "contoso", 120, 40, nil)
	pump(t, w, Send(StepsMsg{Steps: []string{"C"}}))
	e := w.Common().Eng
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	now := w.Common().Backend.Now
	jw, err := remediate.CreateJournal(path, now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := remediate.Apply(context.Background(), e.Plan, fakeWriter{}, jw, remediate.ApplyOptions{Before: e.Snapshot, Now: now, Target: "scenario contoso"})
	jw.Close()
	if err != nil {
		t.Fatal(err)
	}
	pump(t, w, Send(AppliedMsg{Outcome: ApplyOutcome{Journal: path, Plan: e.Plan, Done: len(res.Done), Total: len(e.Plan.Writes())}}))
	if r.jerr != nil {
		t.Fatalf("the journal was not read: %v", r.jerr)
	}
	if !strings.Contains(r.md, "From the journal "+path) || !strings.Contains(r.md, "outcome: complete") {
		t.Errorf("the report does not tell what was applied:\n%s", r.md[strings.Index(r.md, "## Changes applied"):][:600])
	}
}

func TestReportRewrapsOnResize(t *testing.T) {
	w, r := reportWizard(t, "contoso", 80, 24, nil)
	w.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	// Until the new rendering is there, the old one is cut to fit.
	checkFits(t, w.render(), 120, 40)
	deadline := time.Now().Add(10 * time.Second)
	for r.shown.width != 120 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		w.render() // the view takes the rendering from the inbox
	}
	if r.shown.width != 120 {
		t.Fatal("the report was not re-wrapped for the new width")
	}
	checkFits(t, w.render(), 120, 40)
	w.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	checkFits(t, w.render(), 60, 20)
}

// osc8 is glamour's own hyperlink sequence (ESC ] 8 ; ... BEL).
var osc8 = regexp.MustCompile("\x1b\\]8;[^\x07\x1b]*\x07")

func TestReportHostileStrings(t *testing.T) {
	s := snapshotFixture(t, "contoso")
	s.Tenant.DisplayName = "Evil\x1b]0;pwned\x07 \x1b[2J|Corp\nx"
	w := NewWizard(Options{Mode: "demo", Org: "scenario contoso", AsOf: s.AsOf, Backend: Backend{Now: fixedNow(s), Version: "test"}})
	w.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	pump(t, w, w.Init())
	pump(t, w, Send(SnapshotMsg{Snapshot: s}))
	r := w.Screen(PageReport).(*Report)
	r.style = "notty"
	pump(t, w, Send(GoTo(PageReport)))
	raw := w.render()
	rest := osc8.ReplaceAllString(raw, "")
	for _, bad := range []string{"\x07", "\x1b]", "\x1b[2J"} {
		if strings.Contains(rest, bad) {
			t.Errorf("%q from the tenant's name reached the screen", bad)
		}
	}
	if !strings.Contains(ansi.Strip(raw), "Evil") || !strings.Contains(ansi.Strip(raw), "pwned") {
		t.Errorf("the name is not shown, cleaned:\n%s", ansi.Strip(raw))
	}
	checkFits(t, raw, 80, 24)
}

// A resumed session that had been applied reports its apply: the journal
// it names (relative to the session file) is read into the report, with
// the verification the session kept.
func TestResumedSessionReportsItsApply(t *testing.T) {
	w, _ := reportWizard(t, "contoso", 120, 40, nil)
	pump(t, w, Send(StepsMsg{Steps: []string{"C"}}))
	e := w.Common().Eng
	dir := t.TempDir()
	now := w.Common().Backend.Now
	jw, err := remediate.CreateJournal(filepath.Join(dir, "journal.jsonl"), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remediate.Apply(context.Background(), e.Plan, fakeWriter{}, jw, remediate.ApplyOptions{Before: e.Snapshot, Now: now, Target: "scenario contoso"}); err != nil {
		t.Fatal(err)
	}
	jw.Close()
	s := report.NewSession(report.Tool{Name: "harden365", Version: "test"}, now(), "", e.Snapshot, e.Choices, e.Findings, []string{"C"})
	s.Journal = "journal.jsonl"
	s.Verification = &report.Verification{CollectedAt: now()}

	resumed := NewWizard(Options{Mode: "demo", Org: "session", AsOf: e.Snapshot.AsOf, Backend: Backend{Now: now, Version: "test"},
		Resume: s, ResumeFile: filepath.Join(dir, "session.json")})
	resumed.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	r := resumed.Screen(PageReport).(*Report)
	r.style, r.debounce = "notty", 0
	pump(t, resumed, resumed.Init())
	pump(t, resumed, Send(GoTo(PageReport)))
	if r.jerr != nil {
		t.Fatalf("the session's journal was not read: %v", r.jerr)
	}
	for _, want := range []string{"From the journal " + filepath.Join(dir, "journal.jsonl"), "outcome: complete", "Collected again on"} {
		if !strings.Contains(r.md, want) {
			t.Errorf("the resumed session's report lacks %q", want)
		}
	}
}
