package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/ui"
)

// wizardFor opens a scenario's simulator and the wizard's real backend on
// it, as `harden365 demo --scenario NAME` does.
func wizardFor(t *testing.T, scenario string, o wizardOptions) (ui.Options, func() map[string]any) {
	t.Helper()
	a := &app{io: IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, log: slog.New(slog.DiscardHandler), closeLog: func() {}}
	tg := target{scenario: scenario}
	conn, err := tg.open(context.Background(), a, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.close)
	b, err := a.wizardBackend(context.Background(), conn, &tg, &o)
	if err != nil {
		t.Fatal(err)
	}
	state := func() map[string]any { return getState(t, conn.cfg.GraphURL) }
	return ui.Options{Mode: "demo", Org: conn.label, AsOf: conn.cfg.AsOf, Backend: b, ReadOnly: o.readOnly, SaveOnQuit: true}, state
}

// waitScreen waits until the screen shows every one of want.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	var last []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		last = append(last, b...)
		plain := ansi.Strip(string(last))
		for _, w := range want {
			if !strings.Contains(plain, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func key(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "space":
			tm.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		default:
			for _, r := range k {
				tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
}

var clockRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`)

// TestWizardFlow drives the demo as an operator would, against the
// simulator over loopback with the real clients: discovery, findings,
// matrix, clients, plan, apply (typed confirmation), report, quit. It
// asserts on the final model (every write made and verified, the session
// saved and readable) and goldens the last screen at 80x24 and 120x40.
func TestWizardFlow(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			home, _ := os.Getwd()
			dir := t.TempDir()
			t.Chdir(dir) // journals and sessions are written here
			opts, state := wizardFor(t, "whitepaper", wizardOptions{})
			before := state()
			tm := teatest.NewTestModel(t, ui.NewWizard(opts),
				teatest.WithInitialTermSize(size[0], size[1]),
				teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))

			waitScreen(t, tm, "Discovery finished", "Mijndomein")
			key(tm, "enter") // on to the findings
			waitScreen(t, tm, "EXO-BASIC-AUTH-POLICY")
			key(tm, "3")
			waitScreen(t, tm, "password")
			key(tm, "4")
			waitScreen(t, tm, "modern auth")
			key(tm, "5")
			waitScreen(t, tm, "[ ]")
			// Steps B, C, SMTP-AUTH: reversible Exchange switches.
			key(tm, "space", "j", "space", "j", "space")
			waitScreen(t, tm, "SMTP-AUTH")
			time.Sleep(300 * time.Millisecond) // let the preview settle
			key(tm, "6")
			waitScreen(t, tm, "Type the tenant")
			key(tm, "enter", "mijndomein.nl", "enter")
			waitScreen(t, tm, "Verified")
			key(tm, "7")
			waitScreen(t, tm, "s saves it as markdown")
			key(tm, "q")
			final := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(*ui.Wizard)

			e := final.Common().Eng
			if e.Applied == nil || e.Applied.Err != nil || len(e.Applied.Refused) > 0 {
				t.Fatalf("the apply did not go through: %+v", e.Applied)
			}
			if e.Applied.Done == 0 || e.Applied.Done != e.Applied.Total || len(e.Applied.Differences) > 0 {
				t.Errorf("applied %d of %d writes, %d differences", e.Applied.Done, e.Applied.Total, len(e.Applied.Differences))
			}
			if strings.Join(e.Steps, ",") != "B,C,SMTP-AUTH" {
				t.Errorf("steps %v", e.Steps)
			}
			if reflect.DeepEqual(before, state()) {
				t.Error("the simulator's state did not change")
			}
			j, err := remediate.ReadJournalFile(filepath.Join(dir, e.Applied.Journal))
			if err != nil {
				t.Fatal(err)
			}
			if len(j.Done()) != e.Applied.Done {
				t.Errorf("the journal records %d writes done, the wizard %d", len(j.Done()), e.Applied.Done)
			}
			if final.Saved == "" || final.SaveErr != nil {
				t.Fatalf("the session was not saved on quit: %q %v", final.Saved, final.SaveErr)
			}
			data, err := os.ReadFile(filepath.Join(dir, final.Saved))
			if err != nil {
				t.Fatal(err)
			}
			s, err := report.DecodeSession(data)
			if err != nil {
				t.Fatal(err)
			}
			if s.Journal != e.Applied.Journal || strings.Join(s.Plan, ",") != "B,C,SMTP-AUTH" || s.Verification == nil {
				t.Errorf("the session does not hold the apply: journal %q plan %v verification %v", s.Journal, s.Plan, s.Verification)
			}
			view := ansi.Strip(final.View().Content)
			// The journal's name carries the time: mask it for the golden.
			view = strings.ReplaceAll(view, e.Applied.Journal, "harden365-journal-….jsonl")
			// So does the collection, which the report dates itself by.
			view = clockRE.ReplaceAllString(view, "YYYY-MM-DD hh:mm:ss UTC")
			if err := os.Chdir(home); err != nil { // the golden is in the package's testdata
				t.Fatal(err)
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}

// TestWizardResume quits a demo after choosing steps, then resumes the
// saved session: the snapshot, the choices and the steps come back
// without discovering again.
func TestWizardResume(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	opts, _ := wizardFor(t, "contoso", wizardOptions{readOnly: true})
	tm := teatest.NewTestModel(t, ui.NewWizard(opts), teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm, "Discovery finished")
	key(tm, "5")
	waitScreen(t, tm, "[ ]")
	key(tm, "space")
	time.Sleep(200 * time.Millisecond)
	key(tm, "q")
	first := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(*ui.Wizard)
	if first.Saved == "" {
		t.Fatalf("nothing saved: %v", first.SaveErr)
	}
	steps := first.Common().Eng.Steps
	if len(steps) != 1 {
		t.Fatalf("steps %v", steps)
	}

	o := wizardOptions{readOnly: true, resume: first.Saved}
	sess, err := o.readResume()
	if err != nil {
		t.Fatal(err)
	}
	opts2, _ := wizardFor(t, "contoso", o)
	opts2.Resume, opts2.ResumeFile = sess, o.resume
	discovered := false
	discover := opts2.Backend.Discover
	opts2.Backend.Discover = func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
		discovered = true
		return discover(ctx, sink)
	}
	tm2 := teatest.NewTestModel(t, ui.NewWizard(opts2), teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm2, "EXO-BASIC-AUTH-POLICY")
	key(tm2, "q")
	second := tm2.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(*ui.Wizard)
	if discovered {
		t.Error("a resumed session discovered again")
	}
	if got := second.Common().Eng.Steps; strings.Join(got, ",") != strings.Join(steps, ",") {
		t.Errorf("resumed steps %v, saved %v", got, steps)
	}
	if second.Saved != first.Saved {
		t.Errorf("a resumed session was saved to %s, not back to %s", second.Saved, first.Saved)
	}
	if !second.Common().Eng.Snapshot.CollectedAt.Equal(first.Common().Eng.Snapshot.CollectedAt) {
		t.Error("the resumed snapshot is not the saved one")
	}
}

// The wizard's apply plans again on the organisation collected just
// before writing; a plan made later (other times) is the same plan, a
// changed organisation is not.
func TestWritesDiffer(t *testing.T) {
	s := readSnapshot(t, "../ui/testdata/contoso.snapshot.json")
	steps := []string{"B", "C", "SMTP-AUTH", "D", "E", "FED-MFA", "CA-LEGACY", "F"}
	p1, err := remediate.NewPlan(s, steps, remediate.Choices{}, s.AsOf.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Later, and not on a whole second (the simulator's clock has
	// fractions; the services record times to the second).
	p2, _ := remediate.NewPlan(s, steps, remediate.Choices{}, s.AsOf.Add(2*time.Hour+1500*time.Millisecond))
	if d := writesDiffer(p1.Writes(), p2.Writes()); d != "" {
		t.Errorf("the same plan an hour later differs: %s", d)
	}
	changed := readSnapshot(t, "../ui/testdata/contoso.snapshot.json")
	for i := range changed.Exchange.CASMailboxes {
		changed.Exchange.CASMailboxes[i].ImapEnabled = false
		changed.Exchange.CASMailboxes[i].PopEnabled = false
	}
	p3, _ := remediate.NewPlan(changed, steps, remediate.Choices{}, s.AsOf.Add(time.Hour))
	if d := writesDiffer(p1.Writes(), p3.Writes()); d == "" {
		t.Error("a plan for a changed organisation is taken for the previewed one")
	}
}
