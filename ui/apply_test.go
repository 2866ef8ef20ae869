package ui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// driver runs a wizard's commands concurrently, as the program does, so
// that a test can stop in the middle of an apply (pump waits for each
// command in turn, and an apply held half-way would never return).
type driver struct {
	t       testing.TB
	w       *Wizard
	msgs    chan tea.Msg
	pending int
	quit    bool
}

func newDriver(t testing.TB, w *Wizard) *driver {
	return &driver{t: t, w: w, msgs: make(chan tea.Msg, 64)}
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.pending++
	go func() { d.msgs <- cmd() }()
}

func (d *driver) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case tea.QuitMsg:
		d.quit = true
	case spinner.TickMsg:
	default:
		if n := reflect.TypeOf(msg).String(); strings.Contains(n, "cursor.") || strings.Contains(n, "blink") {
			return
		}
		_, next := d.w.Update(msg)
		d.run(next)
	}
}

// until handles messages until cond holds.
func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.pending--
			d.handle(msg)
		case <-time.After(10 * time.Second):
			d.t.Fatalf("driver: %s did not happen in 10 s", what)
		}
	}
}

// settle handles messages until no command is left.
func (d *driver) settle() {
	d.t.Helper()
	d.until("settling", func() bool { return d.pending == 0 })
}

func (d *driver) press(keys ...string) {
	for _, k := range keys {
		_, cmd := d.w.Update(keyMsg(k))
		d.run(cmd)
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		_, cmd := d.w.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		d.run(cmd)
	}
}

// fakeApply is Backend.Apply for tests: it collects, makes three writes,
// then (hold) waits to be released or cancelled, then either fails the
// fourth write (fail) or makes them all and verifies with differences.
type fakeApply struct {
	mu        sync.Mutex
	calls     int
	req       ApplyRequest
	cancelled bool
	hold      chan struct{}
	fail      bool
	noDiff    bool
}

const fakeJournal = "/var/h365/harden365-journal-mijndomein-20261102T090000Z.jsonl"

func (f *fakeApply) apply(ctx context.Context, req ApplyRequest, progress func(ApplyEvent)) ApplyOutcome {
	f.mu.Lock()
	f.calls++
	f.req = req
	f.mu.Unlock()
	writes := req.Previewed.Writes()
	n := len(writes)
	ev := func(phase string, i int, err string) {
		progress(ApplyEvent{Phase: ApplyWriting, Progress: &remediate.Progress{Phase: phase, Write: writes[i], Index: i + 1, Total: n, Error: err}})
	}
	out := ApplyOutcome{Journal: fakeJournal, Plan: req.Previewed, Total: n}
	progress(ApplyEvent{Phase: ApplyCollecting, Message: "collecting Mijndomein B.V. before the writes"})
	progress(ApplyEvent{Phase: ApplyWriting, Journal: fakeJournal})
	for i := 0; i < 3; i++ {
		ev(remediate.PhaseBegin, i, "")
		ev(remediate.PhaseDone, i, "")
		out.Done++
	}
	ev(remediate.PhaseBegin, 3, "")
	if f.hold != nil {
		select {
		case <-ctx.Done():
			f.mu.Lock()
			f.cancelled = true
			f.mu.Unlock()
			// The write in flight finishes, then the apply stops.
			ev(remediate.PhaseDone, 3, "")
			out.Done++
			out.Err = fmt.Errorf("stopped after write %s: %w", writes[3].ID, ctx.Err())
			return out
		case <-f.hold:
		}
	}
	if f.fail {
		ev(remediate.PhaseFailed, 3, "Exchange answered 500: the mailbox is being moved")
		for i := 4; i < n; i++ {
			ev(remediate.PhaseSkipped, i, "an earlier write failed")
		}
		out.Err = fmt.Errorf("write %s failed: Exchange answered 500: the mailbox is being moved", writes[3].ID)
		return out
	}
	for i := 3; i < n; i++ {
		if i > 3 {
			ev(remediate.PhaseBegin, i, "")
		}
		ev(remediate.PhaseDone, i, "")
		out.Done++
	}
	progress(ApplyEvent{Phase: ApplyVerifying})
	out.Before = &tenant.Snapshot{}
	out.After = &tenant.Snapshot{}
	out.Session = "/var/h365/harden365-session-mijndomein-20261102T090000Z.json"
	if !f.noDiff {
		out.Differences = []remediate.Difference{
			{Path: "exchange.casMailboxes[jan.janssen].popEnabled", Simulated: false, Collected: true},
			{Path: "exchange.organizationConfig.defaultAuthenticationPolicy", Simulated: "Block Basic Authentication", Collected: nil, Note: "replication may lag"},
		}
	}
	return out
}

func (f *fakeApply) snapshot() (calls int, req ApplyRequest, cancelled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.req, f.cancelled
}

// applyWizard is the whitepaper organisation with steps B, C and D
// chosen, on the apply screen, with a fake apply.
func applyWizard(t testing.TB, width, height int, f *fakeApply) *Wizard {
	t.Helper()
	w := loadedWizard(t, "whitepaper", width, height, PageApply)
	if f != nil {
		w.Common().Backend.Apply = f.apply
	}
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "C", "D"}}))
	if w.Common().Eng.Plan == nil {
		t.Fatal("no plan for B, C, D")
	}
	return w
}

func applyScreen(w *Wizard) *Apply { return w.Screen(PageApply).(*Apply) }

func TestApplyTypedConfirmation(t *testing.T) {
	f := &fakeApply{fail: true}
	w := applyWizard(t, 80, 24, f)
	m := applyScreen(w)
	view := plain(w)
	for _, want := range []string{"Apply 46 writes of steps B, C, D to Mijndomein B.V.", "Type the tenant's domain (mijndomein.nl) to apply 46 writes", "✓ no lockout risk", "✓ every write can be undone"} {
		if !strings.Contains(view, want) {
			t.Errorf("the review lacks %q:\n%s", want, view)
		}
	}
	// Nothing writes without the typed domain: every key of the review,
	// including enter, y and space, leaves the organisation alone.
	for _, k := range []string{"y", "!", "r", "space", "a", "enter", "esc", "enter", "enter", "esc", "j", "k", "G", "g"} {
		press(t, w, k)
	}
	if calls, _, _ := f.snapshot(); calls != 0 {
		t.Fatal("a key applied the plan without the typed confirmation")
	}
	if m.Capturing() {
		t.Fatal("esc did not leave the input")
	}
	// Wrong domain: refused, and said so.
	press(t, w, "enter")
	if !m.Capturing() {
		t.Fatal("enter did not start the typed confirmation")
	}
	typeText(t, w, "mijndomein.be")
	press(t, w, "enter")
	if calls, _, _ := f.snapshot(); calls != 0 {
		t.Fatal("a wrong domain applied the plan")
	}
	if !strings.Contains(plain(w), "✗ that is not mijndomein.nl") {
		t.Errorf("a wrong domain is not called out:\n%s", plain(w))
	}
	// A prefix of the domain is not the domain either.
	for range "mijndomein.be" {
		press(t, w, "backspace")
	}
	typeText(t, w, "mijndomein")
	press(t, w, "enter")
	if calls, _, _ := f.snapshot(); calls != 0 {
		t.Fatal("a part of the domain applied the plan")
	}
	// The right one, in another case, applies.
	for range "mijndomein" {
		press(t, w, "backspace")
	}
	typeText(t, w, "MijnDomein.NL")
	press(t, w, "enter")
	calls, req, _ := f.snapshot()
	if calls != 1 {
		t.Fatalf("the typed domain did not apply (calls %d)", calls)
	}
	e := w.Common().Eng
	if req.Previewed != e.Plan || !reflect.DeepEqual(req.Steps, []string{"B", "C", "D"}) || req.AllowLockoutRisk {
		t.Errorf("the request is not what was previewed: %+v", req)
	}
	// The fake failed the fourth write: the result says so, with the
	// journal, and offers the rollback.
	if m.mode != applyResult || m.out == nil {
		t.Fatal("no result after the apply")
	}
	view = plain(w)
	for _, want := range []string{"✗ The apply failed: 3 of 46 writes made", fakeJournal[:40], "Error: write C-3 failed", "This session cannot roll back; to undo: harden365 rollback --journal"} {
		if !strings.Contains(view, want) {
			t.Errorf("the result lacks %q:\n%s", want, view)
		}
	}
	if e.Applied == nil || e.Applied.Journal != fakeJournal || e.Applied.Done != 3 {
		t.Errorf("the engagement did not get the outcome: %+v", e.Applied)
	}
	if e.Snapshot == nil || e.Snapshot.Tenant.DisplayName != "Mijndomein B.V." {
		t.Error("the engagement lost its before-snapshot")
	}
	checkFits(t, w.render(), 80, 24)
}

func TestApplyProgressLines(t *testing.T) {
	f := &fakeApply{hold: make(chan struct{}), fail: true}
	w := applyWizard(t, 120, 40, f)
	m := applyScreen(w)
	d := newDriver(t, w)
	d.press("enter")
	d.typeText("mijndomein.nl")
	d.press("enter")
	d.until("three writes", func() bool { return m.done == 3 && m.inflight != nil })
	view := plain(w)
	for _, want := range []string{"Applying 46 writes of steps B, C, D", "3 of 46 writes done", "Journal  " + fakeJournal, "✓ B-1", "Set-OrganizationConfig", "✓ C-2", "mailbox joke.janssen", "… C-3", "ctrl+c or q stops after the write in flight", "7%"} {
		if !strings.Contains(view, want) {
			t.Errorf("the progress lacks %q:\n%s", want, view)
		}
	}
	if m.Busy() == "" || !m.Capturing() {
		t.Error("an apply under way must be busy and keep the keyboard")
	}
	// tab does not leave the screen while writing.
	d.press("tab", "1")
	if w.Page() != PageApply {
		t.Errorf("the wizard left the apply under way for %s", w.Page())
	}
	close(f.hold)
	d.settle()
	view = plain(w)
	for _, want := range []string{"✗ C-3", "Exchange answered 500: the mailbox is being moved", "- C-4 to D-2: 42 writes not sent: an earlier write failed"} {
		if !strings.Contains(view, want) && !strings.Contains(strings.Join(m.logText(), "\n"), want) {
			t.Errorf("the log lacks %q:\n%s", want, view)
		}
	}
	checkFits(t, w.render(), 120, 40)
}

// logText is the log of the result, all of it (the view shows a window).
func (m *Apply) logText() []string {
	var out []string
	for _, l := range m.logLines(m.log, 200, maxLog) {
		out = append(out, ansi.Strip(l))
	}
	return out
}

func TestApplyCtrlCAsksAndNContinues(t *testing.T) {
	f := &fakeApply{hold: make(chan struct{}), noDiff: true}
	w := applyWizard(t, 80, 24, f)
	m := applyScreen(w)
	d := newDriver(t, w)
	d.press("enter")
	d.typeText("mijndomein.nl")
	d.press("enter")
	d.until("three writes", func() bool { return m.done == 3 })
	d.press("ctrl+c")
	d.until("the question", func() bool { return m.asking })
	if d.quit {
		t.Fatal("ctrl+c quit in the middle of an apply")
	}
	if !strings.Contains(plain(w), "Abandon the apply? The write in flight finishes and is journalled; no other") {
		t.Errorf("ctrl+c did not ask:\n%s", plain(w))
	}
	d.press("n")
	if m.asking || m.stopping {
		t.Fatal("n did not continue")
	}
	// q asks the same.
	d.press("q")
	if !m.asking || d.quit {
		t.Fatal("q did not ask")
	}
	d.press("n")
	close(f.hold)
	d.settle()
	if _, _, cancelled := f.snapshot(); cancelled {
		t.Fatal("n cancelled the apply")
	}
	if m.mode != applyResult || m.out.Err != nil || m.out.Done != 46 {
		t.Fatalf("the apply did not go on to its end: %+v", m.out)
	}
	view := plain(w)
	if !strings.Contains(view, "✓ Applied 46 of 46 writes") || !strings.Contains(view, "✓ Verified: the organisation now matches the plan's simulation") {
		t.Errorf("the result does not say it was verified:\n%s", view)
	}
	if k := m.keys.Rollback; k.Enabled() {
		t.Error("a complete apply offers a rollback")
	}
	if d.quit {
		t.Error("the wizard quit")
	}
	// enter goes on to the report.
	d.press("enter")
	d.settle()
	if w.Page() != PageReport {
		t.Errorf("enter went to %s, not the report", w.Page())
	}
	// After the apply, q quits again.
	d.press("q")
	d.settle()
	if !d.quit {
		t.Error("q does not quit once the apply is over")
	}
}

func TestApplyCtrlCYesCancels(t *testing.T) {
	f := &fakeApply{hold: make(chan struct{})}
	defer close(f.hold)
	w := applyWizard(t, 80, 24, f)
	w.Common().Backend.Rollback = func(context.Context, string, func(ApplyEvent)) RollbackOutcome { return RollbackOutcome{} }
	m := applyScreen(w)
	d := newDriver(t, w)
	d.press("enter")
	d.typeText("mijndomein.nl")
	d.press("enter")
	d.until("three writes", func() bool { return m.done == 3 })
	d.press("ctrl+c", "y")
	d.settle()
	if _, _, cancelled := f.snapshot(); !cancelled {
		t.Fatal("y did not cancel the apply's context")
	}
	if d.quit {
		t.Fatal("stopping the apply quit the program")
	}
	if m.mode != applyResult || m.out.Done != 4 {
		t.Fatalf("the write in flight did not finish: %+v", m.out)
	}
	view := plain(w)
	if !strings.Contains(view, "! Stopped: 4 of 46 writes made") || !strings.Contains(view, "r roll back the 4 writes made") {
		t.Errorf("the stop is not told, or no rollback is offered:\n%s", view)
	}
}

func TestApplyRollback(t *testing.T) {
	f := &fakeApply{fail: true}
	w := applyWizard(t, 80, 24, f)
	m := applyScreen(w)
	var gotJournal string
	var rbCalls int
	w.Common().Backend.Rollback = func(ctx context.Context, journal string, progress func(ApplyEvent)) RollbackOutcome {
		rbCalls++
		gotJournal = journal
		writes := w.Common().Eng.Plan.Writes()
		for i := 2; i >= 0; i-- {
			u := tenant.Write{ID: writes[i].ID + ".undo", Operation: writes[i].Operation, Target: writes[i].Target}
			progress(ApplyEvent{Phase: ApplyWriting, Progress: &remediate.Progress{Phase: remediate.PhaseBegin, Write: u, Index: 3 - i, Total: 3}})
			progress(ApplyEvent{Phase: ApplyWriting, Progress: &remediate.Progress{Phase: remediate.PhaseDone, Write: u, Index: 3 - i, Total: 3}})
		}
		return RollbackOutcome{Undone: 3, Irreversible: []string{"C-3: failed, nothing to undo"}}
	}
	press(t, w, "enter")
	typeText(t, w, "mijndomein.nl")
	press(t, w, "enter")
	if !m.keys.Rollback.Enabled() {
		t.Fatal("a failed apply with writes made offers no rollback")
	}
	press(t, w, "r")
	if rbCalls != 0 {
		t.Fatal("r rolled back without asking")
	}
	if !strings.Contains(plain(w), "Roll back the 3 writes the journal records") {
		t.Errorf("r did not ask:\n%s", plain(w))
	}
	press(t, w, "n")
	if rbCalls != 0 || m.rbAsk {
		t.Fatal("n rolled back")
	}
	press(t, w, "r", "y")
	if rbCalls != 1 || gotJournal != fakeJournal {
		t.Fatalf("y did not roll back the journal (calls %d, journal %q)", rbCalls, gotJournal)
	}
	view := plain(w)
	for _, want := range []string{"✓ Rolled back: 3 writes undone", "! 1 write could not be undone", "C-3: failed, nothing to undo"} {
		if !strings.Contains(view, want) {
			t.Errorf("the rollback result lacks %q:\n%s", want, view)
		}
	}
	if m.keys.Rollback.Enabled() {
		t.Error("the rollback is offered twice")
	}
	press(t, w, "r", "y")
	if rbCalls != 1 {
		t.Error("a second rollback ran")
	}
	checkFits(t, w.render(), 80, 24)
}

func TestApplyReadOnlyBindsNothingThatWrites(t *testing.T) {
	f := &fakeApply{}
	w := applyWizard(t, 80, 24, f)
	w.Common().ReadOnly = true
	m := applyScreen(w)
	w.Common().Backend.Rollback = func(context.Context, string, func(ApplyEvent)) RollbackOutcome {
		t.Fatal("a rollback in read-only mode")
		return RollbackOutcome{}
	}
	view := plain(w)
	if !strings.Contains(view, "read-only: harden365 was started with --read-only; nothing can be written") {
		t.Errorf("read-only is not said:\n%s", view)
	}
	if !strings.Contains(view, "Apply 46 writes of steps B, C, D") {
		t.Errorf("read-only does not show the plan:\n%s", view)
	}
	if strings.Contains(view, "Type the tenant's domain") {
		t.Errorf("read-only asks for a confirmation:\n%s", view)
	}
	press(t, w, "enter")
	typeText(t, w, "mijndomein.nl")
	press(t, w, "enter", "!", "y", "r")
	if calls, _, _ := f.snapshot(); calls != 0 {
		t.Fatal("read-only applied")
	}
	for _, b := range []key.Binding{m.keys.Type, m.keys.Submit, m.keys.Accept, m.keys.Rollback, m.keys.Yes} {
		if b.Enabled() {
			t.Errorf("read-only binds %q (%s)", b.Help().Key, b.Help().Desc)
		}
	}
	for _, b := range m.ShortHelp() {
		if b.Enabled() && (b.Help().Desc == "apply" || strings.Contains(b.Help().Desc, "type the domain")) {
			t.Errorf("read-only help offers %q", b.Help().Desc)
		}
	}
	checkFits(t, w.render(), 80, 24)
}

func TestApplyWithoutBackendSaysWhy(t *testing.T) {
	w := applyWizard(t, 80, 24, nil)
	view := plain(w)
	if !strings.Contains(view, "this session cannot write to the organisation") {
		t.Errorf("no apply backend is not explained:\n%s", view)
	}
	if applyScreen(w).keys.Type.Enabled() {
		t.Error("enter is bound without a backend that applies")
	}
}

func TestApplyNothingToApply(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageApply)
	w.Common().Backend.Apply = (&fakeApply{}).apply
	view := plain(w)
	if !strings.Contains(view, "Nothing to apply") || !strings.Contains(view, "no steps are chosen") || !strings.Contains(view, "Plan screen") {
		t.Errorf("no steps: the screen does not say so:\n%s", view)
	}
	press(t, w, "p")
	if w.Page() != PagePlan {
		t.Errorf("p went to %s, not the plan", w.Page())
	}
	// Steps with nothing to do: nothing to write either.
	w = loadedWizard(t, "okta-classic", 80, 24, PageApply)
	w.Common().Backend.Apply = (&fakeApply{}).apply
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "D"}}))
	view = plain(w)
	if !strings.Contains(view, "nothing to write") || !strings.Contains(view, "nothing to do: modern authentication is already on") {
		t.Errorf("a plan without writes is not explained:\n%s", view)
	}
	checkFits(t, w.render(), 80, 24)
}

func TestApplyLockoutRiskNeedsExplicitAccept(t *testing.T) {
	f := &fakeApply{noDiff: true}
	w := applyWizard(t, 80, 24, f)
	m := applyScreen(w)
	pump(t, w, Send(ChoicesMsg{Choices: remediate.Choices{BreakGlass: []string{"nobody@mijndomein.nl"}}}))
	if len(w.Common().Eng.Risks) == 0 {
		t.Fatal("the fixture has no lockout risk")
	}
	view := plain(w)
	if !strings.Contains(view, "✗ 1 lockout risk, not accepted") {
		t.Errorf("the risk is not called out:\n%s", view)
	}
	// The details scroll to the risk (at 80x24 it may be below the fold:
	// the glance line above says it in any case).
	press(t, w, "G")
	if !strings.Contains(plain(w), "break-glass nobody@mijndomein.nl") {
		t.Errorf("G does not show the lockout risks:\n%s", plain(w))
	}
	press(t, w, "g")
	// enter refuses to take the domain until the risk is accepted.
	press(t, w, "enter")
	if m.Capturing() {
		t.Fatal("the confirmation was taken with an unaccepted risk")
	}
	if !strings.Contains(plain(w), "✗ accept the lockout risk first (!)") {
		t.Errorf("the refusal is not said:\n%s", plain(w))
	}
	// Accepting, then withdrawing, is not accepting.
	press(t, w, "!", "!")
	press(t, w, "enter")
	if m.Capturing() {
		t.Fatal("a withdrawn acceptance let the confirmation in")
	}
	press(t, w, "!")
	if !strings.Contains(plain(w), "! 1 lockout risk accepted") {
		t.Errorf("the acceptance is not shown:\n%s", plain(w))
	}
	// A change of plan withdraws the acceptance.
	press(t, w, "enter")
	typeText(t, w, "mijndomein")
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "C"}}))
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "C", "D"}}))
	if m.accept || m.Capturing() || m.input.Value() != "" {
		t.Fatal("a change of plan kept the acceptance or what was typed")
	}
	if !strings.Contains(plain(w), "The plan changed") {
		t.Errorf("the change of plan is not said:\n%s", plain(w))
	}
	if calls, _, _ := f.snapshot(); calls != 0 {
		t.Fatal("applied without acceptance")
	}
	press(t, w, "!", "enter")
	typeText(t, w, "mijndomein.nl")
	press(t, w, "enter")
	calls, req, _ := f.snapshot()
	if calls != 1 || !req.AllowLockoutRisk {
		t.Fatalf("the accepted risk was not passed on (calls %d, allow %v)", calls, req.AllowLockoutRisk)
	}
}

func TestApplyRefusedGoesBack(t *testing.T) {
	w := applyWizard(t, 80, 24, nil)
	w.Common().Backend.Apply = func(ctx context.Context, req ApplyRequest, progress func(ApplyEvent)) ApplyOutcome {
		progress(ApplyEvent{Phase: ApplyCollecting})
		// The journal holds a header and the refusal: nothing was written.
		return ApplyOutcome{Journal: fakeJournal, Refused: []string{"the organisation changed since the preview: mailbox jan.janssen has POP off already"}, Err: errors.New("refused")}
	}
	press(t, w, "enter")
	typeText(t, w, "mijndomein.nl")
	press(t, w, "enter")
	view := plain(w)
	if !strings.Contains(view, "✗ Refused: nothing was written") || !strings.Contains(view, "the organisation changed since the preview") {
		t.Errorf("the refusal is not told:\n%s", view)
	}
	if strings.Contains(view, "Not verified") || strings.Contains(view, "rollback --journal") {
		t.Errorf("a refusal talks of verifying or undoing what was never written:\n%s", view)
	}
	m := applyScreen(w)
	if m.keys.Rollback.Enabled() {
		t.Error("a refused apply offers a rollback")
	}
	press(t, w, "esc")
	if m.mode != applyReview || !strings.Contains(plain(w), "Type the tenant's domain") {
		t.Errorf("esc did not go back to the review:\n%s", plain(w))
	}
}

func TestApplyHostileStrings(t *testing.T) {
	f := &fakeApply{fail: true}
	w := applyWizard(t, 80, 24, f)
	hostile := "evil\x1b]0;pwned\x07\x1b[31m|\nname"
	w.Common().Backend.Apply = func(ctx context.Context, req ApplyRequest, progress func(ApplyEvent)) ApplyOutcome {
		wr := tenant.Write{ID: "C-1", Operation: "Set-CASMailbox", Target: "mailbox " + hostile}
		progress(ApplyEvent{Phase: ApplyWriting, Journal: "/tmp/" + hostile, Message: hostile})
		progress(ApplyEvent{Phase: ApplyWriting, Progress: &remediate.Progress{Phase: remediate.PhaseFailed, Write: wr, Index: 1, Total: 46, Error: hostile}})
		return ApplyOutcome{Journal: "/tmp/" + hostile, Done: 0, Total: 46, Err: errors.New(hostile),
			Refused: nil, After: &tenant.Snapshot{}, Differences: []remediate.Difference{{Path: hostile, Simulated: hostile}}}
	}
	press(t, w, "enter")
	typeText(t, w, "mijndomein.nl")
	press(t, w, "enter")
	raw := w.render()
	if strings.Contains(raw, "\x07") || strings.Contains(raw, "\x1b]") || strings.Contains(raw, "\x1b[31m") {
		t.Errorf("a hostile string reached the screen raw: %q", raw)
	}
	if !strings.Contains(ansi.Strip(raw), "evil") {
		t.Errorf("the hostile string is not shown at all:\n%s", ansi.Strip(raw))
	}
	checkFits(t, raw, 80, 24)
}

func TestApplyGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run("review-"+name, func(t *testing.T) {
			w := applyWizard(t, size[0], size[1], &fakeApply{})
			press(t, w, "enter")
			typeText(t, w, "mijndomein.n")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
		})
		t.Run("review-all-steps-"+name, func(t *testing.T) {
			w := applyWizard(t, size[0], size[1], &fakeApply{})
			var all []string
			for _, s := range remediate.Steps() {
				all = append(all, s.ID)
			}
			pump(t, w, Send(ChoicesMsg{Choices: remediate.Choices{Operator: "nobody@mijndomein.nl"}}))
			pump(t, w, Send(StepsMsg{Steps: all}))
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
		})
		t.Run("applying-"+name, func(t *testing.T) {
			f := &fakeApply{hold: make(chan struct{}), fail: true}
			w := applyWizard(t, size[0], size[1], f)
			m := applyScreen(w)
			d := newDriver(t, w)
			d.press("enter")
			d.typeText("mijndomein.nl")
			d.press("enter")
			d.until("three writes", func() bool { return m.done == 3 && m.inflight != nil })
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
			close(f.hold)
			d.settle()
		})
		t.Run("result-differences-"+name, func(t *testing.T) {
			w := applyWizard(t, size[0], size[1], &fakeApply{})
			press(t, w, "enter")
			typeText(t, w, "mijndomein.nl")
			press(t, w, "enter")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
		})
	}
}

// While "abandon?" is on screen the apply is held between writes: the
// write in flight ends, and the next is not begun until the operator
// answers; n lets it go on, y stops it there.
func TestApplyQuestionHoldsTheWrites(t *testing.T) {
	for _, answer := range []string{"n", "y"} {
		t.Run(answer, func(t *testing.T) {
			w := applyWizard(t, 80, 24, nil)
			m := applyScreen(w)
			inFlight := make(chan struct{})
			var begun atomic.Int32
			w.Common().Backend.Apply = func(ctx context.Context, req ApplyRequest, progress func(ApplyEvent)) ApplyOutcome {
				writes := req.Previewed.Writes()[:8]
				out := ApplyOutcome{Journal: fakeJournal, Plan: req.Previewed, Total: len(writes)}
				for i, wr := range writes {
					if err := ctx.Err(); err != nil {
						out.Err = fmt.Errorf("stopped between writes: cancelled before %s (%w)", wr.ID, err)
						return out
					}
					begun.Add(1)
					progress(ApplyEvent{Phase: ApplyWriting, Progress: &remediate.Progress{Phase: remediate.PhaseBegin, Write: wr, Index: i + 1, Total: len(writes)}})
					if i == 2 {
						<-inFlight // the third write takes its time
					}
					progress(ApplyEvent{Phase: ApplyWriting, Progress: &remediate.Progress{Phase: remediate.PhaseDone, Write: wr, Index: i + 1, Total: len(writes)}})
					out.Done++
				}
				return out
			}
			d := newDriver(t, w)
			d.press("enter")
			d.typeText("mijndomein.nl")
			d.press("enter")
			d.until("the third write in flight", func() bool { return m.inflight != nil && m.done == 2 })
			d.press("ctrl+c")
			d.until("the question", func() bool { return m.asking })
			close(inFlight)
			d.until("the third write done", func() bool { return m.done == 3 })
			time.Sleep(100 * time.Millisecond) // time enough for a fourth write to begin, were it not held
			if n := begun.Load(); n != 3 {
				t.Fatalf("%d writes begun while the operator was being asked, want 3", n)
			}
			if !strings.Contains(plain(w), "held: no further write is sent until you answer") {
				t.Errorf("the screen does not say the apply is held:\n%s", plain(w))
			}
			d.press(answer)
			d.settle()
			if m.mode != applyResult || m.out == nil {
				t.Fatal("no result")
			}
			switch answer {
			case "n":
				if m.out.Done != 8 || m.out.Err != nil {
					t.Errorf("n did not let the apply go on: %d writes, %v", m.out.Done, m.out.Err)
				}
			case "y":
				if m.out.Done != 3 || begun.Load() != 3 || m.out.Err == nil {
					t.Errorf("y did not stop the apply where it was held: %d done, %d begun, %v", m.out.Done, begun.Load(), m.out.Err)
				}
			}
		})
	}
}
