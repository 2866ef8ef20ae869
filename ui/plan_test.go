package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// planWizard is a wizard on the plan page that has discovered s.
func planWizard(t testing.TB, s *tenant.Snapshot, width, height int) *Wizard {
	t.Helper()
	w := NewWizard(Options{Mode: "demo", Org: "scenario", AsOf: s.AsOf, Backend: Backend{Now: fixedNow(s), Version: "test"}})
	w.Update(tea.WindowSizeMsg{Width: width, Height: height})
	pump(t, w, w.Init())
	pump(t, w, Send(SnapshotMsg{Snapshot: s}))
	pump(t, w, Send(GoTo(PagePlan)))
	if w.Page() != PagePlan {
		t.Fatal("could not go to the plan")
	}
	return w
}

// formPump is pump for what the choices form returns. While the form is
// open its commands are either instant (huh moving between fields) or
// cursor-blink timers that wait half a second each: one that has not
// returned in 100 ms while the form is open is such a timer, and is
// dropped. Once the form is closed, commands run as pump runs them.
func formPump(t testing.TB, w *Wizard, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		if !w.Screen(PagePlan).Capturing() {
			pump(t, w, c)
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(100 * time.Millisecond):
			continue
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			if name := fmt.Sprintf("%T", msg); strings.Contains(name, "cursor.") || strings.Contains(name, "blink") {
				continue
			}
			_, next := w.Update(msg)
			queue = append(queue, next)
		}
	}
}

// formPress and formType are press and typeText for the form.
func formPress(t testing.TB, w *Wizard, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := w.Update(keyMsg(k))
		formPump(t, w, cmd)
	}
}

func formType(t testing.TB, w *Wizard, s string) {
	t.Helper()
	for _, r := range s {
		_, cmd := w.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		formPump(t, w, cmd)
	}
}

// formPaste pastes text into the form's field (UPN lists are pasted).
func formPaste(t testing.TB, w *Wizard, s string) {
	t.Helper()
	_, cmd := w.Update(tea.PasteMsg{Content: s})
	formPump(t, w, cmd)
}

// formClear empties the form's text field (ctrl+u).
func formClear(t testing.TB, w *Wizard) {
	t.Helper()
	_, cmd := w.Update(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	formPump(t, w, cmd)
}

func planScreen(w *Wizard) *Plan { return w.Screen(PagePlan).(*Plan) }

// cursorTo moves the plan's cursor to a step.
func cursorTo(t testing.TB, w *Wizard, id string) {
	t.Helper()
	press(t, w, "home")
	for _, st := range remediate.Steps() {
		if st.ID == id {
			return
		}
		press(t, w, "j")
	}
	t.Fatalf("no step %s", id)
}

// flat is what the user reads in the body, with runs of spaces and line
// breaks folded (for phrases a wrap may cut): beside the list, the
// column right of the rule, then the list; otherwise the body.
func flat(w *Wizard) string {
	var right, left []string
	for _, l := range strings.Split(plain(w), "\n") {
		if a, b, ok := strings.Cut(l, "│"); ok {
			left, right = append(left, a), append(right, b)
		} else {
			left = append(left, l)
		}
	}
	return strings.Join(strings.Fields(strings.Join(append(right, left...), "\n")), " ")
}

func TestPlanSelectDeselect(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PagePlan)
	e := w.Common().Eng
	press(t, w, "space")
	if !slices.Equal(e.Steps, []string{"B"}) {
		t.Fatalf("after space: steps %v, want [B]", e.Steps)
	}
	press(t, w, "j", "space")
	if !slices.Equal(e.Steps, []string{"B", "C"}) {
		t.Fatalf("after j space: steps %v, want [B C]", e.Steps)
	}
	if e.Plan == nil || e.Plan.Step("C") == nil {
		t.Fatal("the preview was not recomputed for C")
	}
	press(t, w, "k", "space")
	if !slices.Equal(e.Steps, []string{"C"}) {
		t.Fatalf("after deselecting B: steps %v, want [C]", e.Steps)
	}
	if !strings.Contains(plain(w), "[x] C") || !strings.Contains(plain(w), "[ ] B") {
		t.Errorf("the checkboxes do not show the selection:\n%s", plain(w))
	}
	if !strings.Contains(plain(w), "6 writes") {
		t.Errorf("C's row does not count its writes:\n%s", plain(w))
	}
	checkFits(t, w.render(), 80, 24)
}

// A keypress never waits for the plan: select-all is a command, a toggle
// changes the selection at once and the preview runs in the background.
func TestPlanToggleDoesNotBlock(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	_, cmd := w.Update(keyMsg("a"))
	if len(w.Common().Eng.Steps) != 0 || cmd == nil {
		t.Fatal("select-all must be a command, not work in Update")
	}
	pump(t, w, cmd)
	before := len(w.Common().Eng.Steps)
	_, cmd2 := w.Update(keyMsg("space"))
	if got := len(w.Common().Eng.Steps); got != before-1 {
		t.Errorf("space left %d steps selected, want %d", got, before-1)
	}
	if !w.Common().Eng.Previewing || w.Common().Eng.After == nil {
		t.Error("the preview must run in the background, the old one on show meanwhile")
	}
	if !strings.Contains(plain(w), "updating…") {
		t.Errorf("a preview under way is not shown:\n%s", plain(w))
	}
	pump(t, w, cmd2)
	if w.Common().Eng.Previewing {
		t.Error("the preview never finished")
	}
}

func TestPlanDisabledStep(t *testing.T) {
	// On the whitepaper's organisation modern auth is off: D blocks
	// basic auth, so it needs B in the plan first.
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	e := w.Common().Eng
	cursorTo(t, w, "D")
	if !strings.Contains(flat(w), "— D cannot be selected now: modern authentication is off") {
		t.Errorf("the cursor on a disabled step does not say why:\n%s", plain(w))
	}
	if !strings.Contains(plain(w), "[—] D") {
		t.Errorf("D is not marked disabled:\n%s", plain(w))
	}
	press(t, w, "space")
	if len(e.Steps) != 0 {
		t.Fatalf("a disabled step was selected: %v", e.Steps)
	}
	if !strings.Contains(flat(w), "D cannot be selected: modern authentication is off (OAuth2ClientProfileEnabled False)") {
		t.Errorf("space on a disabled step does not show the reason:\n%s", plain(w))
	}
	checkFits(t, w.render(), 80, 24)
	// With B selected, D can run.
	cursorTo(t, w, "B")
	press(t, w, "space")
	cursorTo(t, w, "D")
	if strings.Contains(plain(w), "[—] D") {
		t.Errorf("D is still disabled with B selected:\n%s", plain(w))
	}
	press(t, w, "space")
	if !slices.Equal(e.Steps, []string{"B", "D"}) {
		t.Fatalf("steps %v, want [B D]", e.Steps)
	}
	// Deselecting B leaves D unplannable: the preview says why instead.
	cursorTo(t, w, "B")
	press(t, w, "space")
	if e.PlanErr == nil {
		t.Fatal("D without B planned")
	}
	if got := flat(w); !strings.Contains(got, "✗ The plan cannot be made") || !strings.Contains(got, "✗ D: modern authentication is off") {
		t.Errorf("the plan's problems are not shown:\n%s", plain(w))
	}
}

func TestPlanSelectAllAndNone(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	e := w.Common().Eng
	press(t, w, "a")
	var all []string
	for _, st := range remediate.Steps() {
		all = append(all, st.ID)
	}
	// Every step can run together here (B lets D, E and CA-LEGACY run,
	// E lets A run), in the catalog's order.
	if !slices.Equal(e.Steps, all) {
		t.Fatalf("a selected %v, want %v", e.Steps, all)
	}
	if e.PlanErr != nil {
		t.Fatalf("select-all made a plan that fails: %v", e.PlanErr)
	}
	if !strings.Contains(plain(w), "9 of 9 selected") {
		t.Errorf("the list does not count the selection:\n%s", plain(w))
	}
	press(t, w, "n")
	if len(e.Steps) != 0 || e.Plan != nil {
		t.Fatalf("n left %v selected", e.Steps)
	}
}

// plannable drops what cannot run even with the rest, and what depends on
// it: with the Okta policy gone, E cannot run, and A needs E.
func TestPlannableDropsWhatCannotRun(t *testing.T) {
	s := snapshotFixture(t, "whitepaper")
	s.Okta.Policies = nil
	got := plannable(s, remediate.Choices{})
	if slices.Contains(got, "E") || slices.Contains(got, "A") {
		t.Errorf("plannable kept E or A without an Okta policy: %v", got)
	}
	if !slices.Contains(got, "B") || !slices.Contains(got, "D") {
		t.Errorf("plannable dropped steps that can run: %v", got)
	}
	if _, err := remediate.NewPlan(s, got, remediate.Choices{}, s.AsOf); err != nil {
		t.Errorf("plannable's selection does not plan: %v", err)
	}
}

func TestPlanPreviewUpdates(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 120, 40, PagePlan)
	e := w.Common().Eng
	if !strings.Contains(flat(w), "✗ 40 users: owa, mapi, rpc, ews, activesync, pop, imap, smtp, powershell") {
		t.Errorf("the password counts today are not shown:\n%s", plain(w))
	}
	cursorTo(t, w, "C")
	press(t, w, "space")
	got := flat(w)
	for _, want := range []string{
		"Preview · 1 step · 43 writes",
		"C breaks pop, imap for 3 users: Thunderbird, Atlassian JIRA, Windows Live Mail",
		"✓ 2 findings turn to pass: EXO-LEGACY-PROTOCOLS, EXO-CAS-PLANS",
		"✓ every write can be undone",
		"✓ 40 → 0 users: pop, imap",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("selecting C: the preview lacks %q:\n%s", want, plain(w))
		}
	}
	pump(t, w, Send(StepsMsg{Steps: []string{"A", "B", "C", "D", "E", "F"}}))
	// The core's after-matrix: no protocol reads mail with a password
	// alone for anyone.
	for _, p := range matrix.Protocols {
		for _, m := range matrix.Methods {
			if n := e.After.Cell(p, m).Count(matrix.Password); n != 0 {
				t.Fatalf("the core leaves %d users on %s/%s: the test's premise is wrong", n, p, m)
			}
		}
	}
	got = flat(w)
	for _, want := range []string{
		"Preview · 6 steps · 143 writes",
		"✓ 40 → 0 users: owa, mapi, rpc, ews, activesync, pop, imap, smtp, powershell",
		"! F: 82 writes cannot be undone (revoked sessions cannot be un-revoked)",
		"✗ Lockout risk: cut-off: 6 users can read mail before the plan and have no way in after it (an.claes@mijndomein.be, dirk.jacobs@mijndomein.be, els.wouters@mijndomein.be and 3 more)",
		"D breaks mapi, rpc, ews, activesync, smtp for 14 users",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("A-F: the preview lacks %q:\n%s", want, plain(w))
		}
	}
	checkFits(t, w.render(), 120, 40)
}

// A break-glass account on a domain A federates, without an Okta
// account, has no way in after A: the guard objects and the preview
// says the apply will be refused.
func TestPlanLockoutWarning(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	e := w.Common().Eng
	pump(t, w, Send(ChoicesMsg{Choices: remediate.Choices{BreakGlass: []string{"wim.peeters@mijndomein.be"}}}))
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "E", "A"}}))
	if len(e.Risks) == 0 {
		t.Fatal("the guard found no risk: the test's premise is wrong")
	}
	got := flat(w)
	for _, want := range []string{"✗ Lockout risk: break-glass wim.peeters@mijndomein.be:", "✗ The apply will be refused unless the operator accepts these risks."} {
		if !strings.Contains(got, want) {
			t.Errorf("the lockout warning lacks %q:\n%s", want, plain(w))
		}
	}
	checkFits(t, w.render(), 80, 24)
}

func TestPlanDetail(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	pump(t, w, Send(StepsMsg{Steps: []string{"C", "F"}}))
	cursorTo(t, w, "C")
	press(t, w, "enter")
	got := plain(w)
	for _, want := range []string{"Step C · Switch legacy protocols off", "[x] selected", "What it changes for people", "1 user on Thunderbird loses IMAP"} {
		if !strings.Contains(got, want) {
			t.Errorf("C's detail lacks %q:\n%s", want, got)
		}
	}
	d := planScreen(w).detail
	if all := ansi.Strip(strings.Join(d.lines(0, d.total), "\n")); !strings.Contains(all, "C-43  mailbox ") || !strings.Contains(all, "Writes (43)") {
		t.Errorf("C's detail does not list its 43 writes:\n%s", all)
	}
	press(t, w, "G")
	got = flat(w)
	for _, want := range []string{"Set-CASMailboxPlan", "Exchange Online PowerShell:", "lines 168–186 of 186"} {
		if !strings.Contains(got, want) {
			t.Errorf("the end of C's detail lacks %q:\n%s", want, plain(w))
		}
	}
	checkFits(t, w.render(), 80, 24)
	press(t, w, "esc")
	if planScreen(w).mode != planList {
		t.Fatal("esc did not leave the detail")
	}
	// F's writes cannot be undone: the detail names them.
	cursorTo(t, w, "F")
	press(t, w, "enter")
	d = planScreen(w).detail
	if all := ansi.Strip(strings.Join(d.lines(0, d.total), "\n")); !strings.Contains(all, "! F-1 irreversible: user jira@mijndomein.nl · Set-User") {
		t.Errorf("F's irreversible writes are not named:\n%s", plain(w))
	}
	// A step not selected says how to see more.
	press(t, w, "esc")
	cursorTo(t, w, "B")
	press(t, w, "enter")
	if !strings.Contains(flat(w), "Select it (space) to see its writes") {
		t.Errorf("an unselected step's detail:\n%s", plain(w))
	}
	press(t, w, "space")
	if !slices.Contains(w.Common().Eng.Steps, "B") || !strings.Contains(flat(w), "Set-OrganizationConfig") {
		t.Errorf("space in the detail did not select the step:\n%s", plain(w))
	}
}

func TestPlanNothingAndManual(t *testing.T) {
	w := loadedWizard(t, "okta-classic", 120, 40, PagePlan)
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "E"}}))
	got := plain(w)
	if !strings.Contains(got, "· nothing to do") {
		t.Errorf("B has nothing to do here and does not say so:\n%s", got)
	}
	if !strings.Contains(got, "! manual: instructions only") {
		t.Errorf("E is manual on Classic Engine and does not say so:\n%s", got)
	}
	// Okta's Classic Engine rules cannot be read: the matrix cannot judge
	// the federated users, and the preview says so rather than count them
	// as safe.
	e := w.Common().Eng
	unknown := 0
	for _, p := range matrix.Protocols {
		for _, m := range matrix.Methods {
			unknown = max(unknown, e.After.Cell(p, m).Count(matrix.Unknown))
		}
	}
	if unknown == 0 {
		t.Fatal("the test's premise is wrong: no unknown verdicts")
	}
	if !strings.Contains(flat(w), fmt.Sprintf("? up to %d users could not be judged: owa,", unknown)) {
		t.Errorf("the users that could not be judged are not said:\n%s", got)
	}
}

func TestPlanChoicesForm(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	e := w.Common().Eng
	scr := planScreen(w)
	formPress(t, w, "e")
	if !scr.Capturing() {
		t.Fatal("the form is open but the screen does not capture keys")
	}
	checkFits(t, w.render(), 80, 24)
	// Global keys are text while the form is open.
	formType(t, w, "q2")
	if w.Page() != PagePlan || !scr.Capturing() {
		t.Fatal("a global key escaped the form")
	}
	formClear(t, w)
	// An unknown UPN is refused, naming it.
	formPaste(t, w, "jira@mijndomein.nl, nobody@mijndomein.nl")
	formPress(t, w, "enter")
	if !strings.Contains(flat(w), "exception user nobody@mijndomein.nl is not a user of this organisation") {
		t.Fatalf("the bad UPN is not named:\n%s", plain(w))
	}
	if !scr.Capturing() {
		t.Fatal("the form moved on past a bad UPN")
	}
	formClear(t, w)
	formPaste(t, w, "jira@mijndomein.nl")
	formPress(t, w, "enter")
	// Okta exception group: none, Engineering, Everyone, Service accounts.
	formPress(t, w, "down", "down", "down", "enter")
	// Break-glass and operator.
	formPaste(t, w, "breakglass@mijndomein.onmicrosoft.com")
	formPress(t, w, "enter")
	formPaste(t, w, "tim.brouwer@mijndomein.nl")
	formPress(t, w, "enter")
	// Protocols: add ActiveSync to POP and IMAP.
	formPress(t, w, "down", "down", "space", "enter")
	formPaste(t, w, "*Engineering*, *Head of Sales*")
	formPress(t, w, "enter")
	// MFA prompt: every sign-in.
	formPress(t, w, "down", "enter")
	if scr.Capturing() {
		t.Fatalf("the form did not complete:\n%s", plain(w))
	}
	want := remediate.Choices{
		Exceptions: remediate.Exceptions{Users: []string{"jira@mijndomein.nl"}, OktaGroup: "Service accounts"},
		BreakGlass: []string{"breakglass@mijndomein.onmicrosoft.com"},
		Operator:   "tim.brouwer@mijndomein.nl",
		Protocols:  []string{"pop", "imap", "activesync"},
		Scope:      remediate.Scope{Titles: []string{"*Engineering*", "*Head of Sales*"}},
		MFAPrompt:  remediate.PromptEverySignIn,
	}
	if got := fmt.Sprintf("%+v", e.Choices); got != fmt.Sprintf("%+v", want) {
		t.Errorf("choices:\n got %s\nwant %s", got, fmt.Sprintf("%+v", want))
	}
	if !strings.Contains(flat(w), "choices saved") {
		t.Errorf("saving is not acknowledged:\n%s", plain(w))
	}
	// esc discards.
	formPress(t, w, "e")
	formType(t, w, "x")
	formPress(t, w, "esc")
	if scr.Capturing() || fmt.Sprintf("%+v", e.Choices) != fmt.Sprintf("%+v", want) {
		t.Errorf("esc did not discard: %+v", e.Choices)
	}
}

// The form fits the body at 80x24 on every page.
func TestPlanFormFits(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PagePlan)
	formPress(t, w, "e")
	for page := 0; page < 4; page++ {
		checkFits(t, w.render(), 80, 24)
		formPress(t, w, "enter", "enter")
	}
}

func TestPlanGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run("contoso-nothing-"+name, func(t *testing.T) {
			w := loadedWizard(t, "contoso", size[0], size[1], PagePlan)
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
		})
		t.Run("whitepaper-A-F-"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PagePlan)
			pump(t, w, Send(StepsMsg{Steps: []string{"A", "B", "C", "D", "E", "F"}}))
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
		})
		t.Run("whitepaper-form-"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PagePlan)
			formPress(t, w, "e")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(plain(w)))
		})
	}
}

func TestPlanHostileStrings(t *testing.T) {
	const evil = "ev\x1b]0;pwned\x07il\x1b[2J|x\ny\u009b31m"
	s := snapshotFixture(t, "whitepaper")
	s.Exchange.CASMailboxes[0].Identity = "jan" + evil
	for i := range s.Okta.Groups {
		if s.Okta.Groups[i].Name == "Service accounts" {
			s.Okta.Groups[i].Name = "Service" + evil
		}
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w := planWizard(t, s, size[0], size[1])
		pump(t, w, Send(ChoicesMsg{Choices: remediate.Choices{
			Exceptions: remediate.Exceptions{OktaGroup: "Service" + evil},
			Operator:   "op" + evil + "@mijndomein.nl",
		}}))
		pump(t, w, Send(StepsMsg{Steps: []string{"B", "C", "E"}}))
		views := map[string]string{"list": w.render()}
		cursorTo(t, w, "C")
		press(t, w, "enter")
		views["detail C"] = w.render()
		press(t, w, "esc")
		cursorTo(t, w, "E")
		press(t, w, "enter")
		views["detail E"] = w.render()
		press(t, w, "esc")
		formPress(t, w, "e", "down")
		views["form"] = w.render()
		formPress(t, w, "enter", "enter")
		views["form page 2"] = w.render()
		formType(t, w, "bad|user@x")
		formPress(t, w, "enter")
		views["form error"] = w.render()
		formPress(t, w, "esc")
		for name, v := range views {
			checkFits(t, v, size[0], size[1])
			for _, raw := range []string{"\x1b]0;pwned", "\x07", "\x1b[2J", "\u009b"} {
				if strings.Contains(v, raw) {
					t.Errorf("%dx%d %s: %q reached the screen", size[0], size[1], name, raw)
				}
			}
		}
		if !strings.Contains(ansi.Strip(views["form page 2"]), "opev ]0;pwned il [2J|x y 31m@") {
			t.Errorf("the hostile operator is not shown cleaned in the form:\n%s", ansi.Strip(views["form page 2"]))
		}
		if !strings.Contains(ansi.Strip(views["detail C"]), "janev ]0;pwned il [2J|x y 31m") {
			t.Errorf("the hostile mailbox is not shown cleaned:\n%s", ansi.Strip(views["detail C"]))
		}
	}
}

// BenchmarkPlanToggle is a selection change on the whitepaper's
// organisation, from the keypress until the preview has settled: the
// plan, the after-matrix, the impact and the guard (the root's), then
// the screen's own derivation (which steps can join, the password
// counts).
func BenchmarkPlanToggle(b *testing.B) {
	w := loadedWizard(b, "whitepaper", 120, 40, PagePlan)
	pump(b, w, Send(StepsMsg{Steps: []string{"B", "D", "E", "A", "F"}}))
	cursorTo(b, w, "C")
	b.ResetTimer()
	for b.Loop() {
		press(b, w, "space")
	}
}

// BenchmarkPlanPreviewParts splits a selection change (B D E A F plus C
// on the whitepaper's organisation) into the root's preview and the
// screen's own derivation.
func BenchmarkPlanPreviewParts(b *testing.B) {
	s := snapshotFixture(b, "whitepaper")
	steps := []string{"B", "C", "D", "E", "A", "F"}
	before := matrix.Evaluate(s)
	b.Run("preview", func(b *testing.B) {
		for b.Loop() {
			p, err := remediate.NewPlan(s, steps, remediate.Choices{}, s.AsOf)
			if err != nil {
				b.Fatal(err)
			}
			matrix.Evaluate(p.Simulate(s))
			p.Impact(s)
			remediate.Guard(p, s, remediate.Choices{})
		}
	})
	p, _ := remediate.NewPlan(s, steps, remediate.Choices{}, s.AsOf)
	after := matrix.Evaluate(p.Simulate(s))
	prev := computeDerived(1, deriveInput{snap: s, steps: []string{"B"}, before: before}, nil)
	b.Run("derive", func(b *testing.B) {
		for b.Loop() {
			computeDerived(2, deriveInput{snap: s, steps: steps, before: before, after: after}, prev)
		}
	})
}

// Every view of the screen fits the body, at sizes from tiny to wide.
// (The body, not the whole frame: at 40 columns the root's help bar can
// overflow, a bubbles help quirk when its ellipsis does not fit.)
func TestPlanFitsEverySize(t *testing.T) {
	for _, size := range [][2]int{{40, 12}, {60, 20}, {80, 16}, {100, 30}, {160, 50}} {
		w := loadedWizard(t, "whitepaper", size[0], size[1], PagePlan)
		pump(t, w, Send(ChoicesMsg{Choices: remediate.Choices{BreakGlass: []string{"wim.peeters@mijndomein.be"}}}))
		pump(t, w, Send(StepsMsg{Steps: []string{"B", "C", "E", "A", "F"}}))
		fitsBody(t, w)
		press(t, w, "pgdown", "pgdown", "pgdown")
		fitsBody(t, w)
		cursorTo(t, w, "D")
		press(t, w, "space") // D joins: B is selected
		cursorTo(t, w, "F")
		press(t, w, "enter", "pgdown")
		fitsBody(t, w)
		press(t, w, "esc")
		formPress(t, w, "e")
		fitsBody(t, w)
		formPaste(t, w, "nobody@nowhere.example")
		formPress(t, w, "enter")
		fitsBody(t, w)
		formPress(t, w, "esc")
	}
}

func fitsBody(t *testing.T, w *Wizard) {
	t.Helper()
	c := w.Common()
	checkFits(t, w.Screen(PagePlan).View(), c.Width, c.Height)
}
