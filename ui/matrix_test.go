package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/matrix"
)

var matrixSizes = [][2]int{{80, 24}, {120, 40}}

func sizeName(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }

func matrixScreen(t testing.TB, w *Wizard) *MatrixScreen {
	t.Helper()
	m, ok := w.Screen(PageMatrix).(*MatrixScreen)
	if !ok {
		t.Fatalf("the matrix page is a %T", w.Screen(PageMatrix))
	}
	return m
}

// planned is the whitepaper organisation with steps A-F chosen and
// previewed, on the matrix screen.
func planned(t testing.TB, width, height int) *Wizard {
	t.Helper()
	w := loadedWizard(t, "whitepaper", width, height, PageMatrix)
	pump(t, w, Send(StepsMsg{Steps: []string{"A", "B", "C", "D", "E", "F"}}))
	if e := w.Common().Eng; e.PlanErr != nil || e.After == nil {
		t.Fatalf("steps A-F on whitepaper: plan error %v, after-matrix %v", e.PlanErr, e.After != nil)
	}
	return w
}

// at moves the grid's cursor to a protocol and method (from the top
// left).
func at(t testing.TB, w *Wizard, p matrix.Protocol, meth matrix.Method) {
	t.Helper()
	m := matrixScreen(t, w)
	side := m.after
	for range matrix.Protocols {
		press(t, w, "k")
	}
	for range p.Index() {
		press(t, w, "j")
	}
	// h and l within the side on show (side by side, they cross over
	// at the edges).
	for m.col > meth.Index() {
		press(t, w, "h")
	}
	for m.col < meth.Index() {
		press(t, w, "l")
	}
	if m.after != side {
		t.Fatal("the cursor changed sides")
	}
	if matrix.Protocols[m.row] != p || matrix.Methods[m.col] != meth {
		t.Fatalf("cursor at %s/%s, want %s/%s", matrix.Protocols[m.row], matrix.Methods[m.col], p, meth)
	}
}

func plain(w *Wizard) string { return ansi.Strip(w.render()) }

func TestMatrixCursorMoves(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageMatrix)
	m := matrixScreen(t, w)
	if m.row != 0 || m.col != 0 {
		t.Fatalf("cursor starts at %d,%d", m.row, m.col)
	}
	steps := []struct {
		key      string
		row, col int
	}{
		{"j", 1, 0}, {"down", 2, 0}, {"l", 2, 1}, {"right", 2, 1}, {"k", 1, 1}, {"up", 0, 1}, {"up", 0, 1},
		{"h", 0, 0}, {"left", 0, 0},
	}
	for _, s := range steps {
		press(t, w, s.key)
		if m.row != s.row || m.col != s.col || m.after {
			t.Fatalf("%s: cursor at %d,%d (after %v), want %d,%d", s.key, m.row, m.col, m.after, s.row, s.col)
		}
	}
	for range 20 {
		press(t, w, "j")
	}
	if m.row != len(matrix.Protocols)-1 {
		t.Errorf("j past the last protocol: row %d", m.row)
	}
	// The detail under the legend follows the cursor.
	press(t, w, "l")
	if v := plain(w); !strings.Contains(v, "powershell modern (before):  ✗ 4 password  ✓ 16 mfa") {
		t.Errorf("the cell under the cursor is not described:\n%s", v)
	}
	press(t, w, "k", "h")
	if v := plain(w); !strings.Contains(v, "smtp basic (before):  ✗ 7 password  ! 1 restricted  ✓ 12 blocked") ||
		!strings.Contains(v, "why password:") || !strings.Contains(v, "SMTP AUTH basic auth accepted") {
		t.Errorf("smtp basic's counts and reasons are not shown:\n%s", v)
	}
}

func TestMatrixToggleDisabledWithoutPlan(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageMatrix)
	m := matrixScreen(t, w)
	if m.keys.Toggle.Enabled() {
		t.Error("a is enabled with no steps chosen")
	}
	press(t, w, "a")
	if m.after {
		t.Error("a showed an after-matrix that does not exist")
	}
	v := plain(w)
	if !strings.Contains(v, "Before · 20 mailbox users") || !strings.Contains(v, "a (after) off: choose steps on the Plan screen") {
		t.Errorf("the header must say Before and why a is off:\n%s", v)
	}
	if strings.Contains(v, "a before/after") {
		t.Errorf("the help offers a disabled key:\n%s", v)
	}
}

func TestMatrixTogglesBeforeAfter(t *testing.T) {
	w := planned(t, 80, 24)
	m := matrixScreen(t, w)
	if !m.keys.Toggle.Enabled() {
		t.Fatal("a is disabled with a plan")
	}
	if v := plain(w); !strings.Contains(v, "Before · 41 mailbox users") || !strings.Contains(v, "a show after") || strings.Contains(v, "│") {
		t.Errorf("at 80 columns the before-matrix shows alone first:\n%s", v)
	}
	press(t, w, "a")
	v := plain(w)
	if !m.after || !strings.Contains(v, "After steps B,C,D,E,A,F · 41 mailbox users") {
		t.Fatalf("a did not show the after-matrix:\n%s", v)
	}
	// mapi basic went from password to blocked: the cell says so.
	if !strings.Contains(v, " mapi        ✓ blocked     41/41 ← ✗ password") {
		t.Errorf("a changed cell is not marked:\n%s", v)
	}
	if !strings.Contains(v, "pop         ✓ blocked") || strings.Contains(v, "unsupported 41/41 ←") {
		t.Errorf("an unchanged cell is marked as changed:\n%s", v)
	}
	press(t, w, "a")
	if m.after || !strings.Contains(plain(w), "Before · 41 mailbox users") {
		t.Errorf("a again did not go back to before")
	}

	// Wide: side by side, and the cursor crosses from before to after.
	w = planned(t, 120, 40)
	m = matrixScreen(t, w)
	v = plain(w)
	if !strings.Contains(v, "Before") || !strings.Contains(v, "│  After steps B,C,D,E,A,F") {
		t.Errorf("at 120 columns before and after are side by side:\n%s", v)
	}
	press(t, w, "l", "l")
	if !m.after || m.col != 0 {
		t.Errorf("l from before's modern column: after %v col %d, want the after-matrix's basic column", m.after, m.col)
	}
	press(t, w, "h")
	if m.after || m.col != 1 {
		t.Errorf("h back: after %v col %d", m.after, m.col)
	}
	press(t, w, "a")
	if !m.after || m.col != 1 {
		t.Errorf("a side by side moves the cursor to the same cell after: after %v col %d", m.after, m.col)
	}

	// Choosing no steps again: back to before, a off.
	pump(t, w, Send(StepsMsg{}))
	if m.after || m.keys.Toggle.Enabled() || strings.Contains(plain(w), "│") {
		t.Errorf("without steps the after-matrix must go:\n%s", plain(w))
	}
}

func TestMatrixWhilePreviewingAndOnPlanError(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageMatrix)
	// The preview's command is not run: the after-matrix is being
	// computed.
	w.Update(StepsMsg{Steps: []string{"B"}})
	m := matrixScreen(t, w)
	if v := plain(w); !strings.Contains(v, "computing the after-matrix…") || m.keys.Toggle.Enabled() {
		t.Errorf("while previewing the screen must say so and a is off:\n%s", v)
	}
	// Step D alone on whitepaper is refused (modern auth is off).
	pump(t, w, Send(StepsMsg{Steps: []string{"D"}}))
	if w.Common().Eng.PlanErr == nil {
		t.Fatal("step D alone on whitepaper should not plan")
	}
	v := plain(w)
	if !strings.Contains(v, "✗ the plan cannot be made: see Plan") || m.keys.Toggle.Enabled() {
		t.Errorf("a plan error must be shown and a off:\n%s", v)
	}
	checkFits(t, w.render(), 80, 24)
}

func TestMatrixDrillInAndOut(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageMatrix)
	m := matrixScreen(t, w)
	at(t, w, matrix.SMTP, matrix.Basic)
	press(t, w, "enter")
	d := m.drill
	if d == nil {
		t.Fatal("enter did not drill into the cell")
	}
	// The cell's verdict first: the users a password alone lets in.
	if d.group != matrix.Password.Rank() || len(d.rows) != 7 {
		t.Fatalf("drill shows group %d with %d users, want password's 7", d.group, len(d.rows))
	}
	for _, u := range d.rows {
		if u.Verdict(matrix.SMTP, matrix.Basic) != matrix.Password {
			t.Errorf("%s is listed under password but is %s", u.UPN, u.Verdict(matrix.SMTP, matrix.Basic))
		}
	}
	v := plain(w)
	if !strings.Contains(v, "[✗ password 7]") || !strings.Contains(v, "! restricted 1") || !strings.Contains(v, "all 20") || !strings.Contains(v, "1–7 of 7") {
		t.Errorf("the drill-down's groups and count are wrong:\n%s", v)
	}
	// l: the next group; the list's cursor keys move in it.
	press(t, w, "l")
	if d.group != matrix.Restricted.Rank() || len(d.rows) != 1 {
		t.Errorf("l: group %d with %d users, want restricted's 1", d.group, len(d.rows))
	}
	press(t, w, "l", "l")
	if d.group != groupAll || len(d.rows) != 20 {
		t.Errorf("the last group is all users: group %d, %d rows", d.group, len(d.rows))
	}
	press(t, w, "j", "j", "G")
	if d.nav.Cursor != 19 {
		t.Errorf("G: cursor %d, want 19", d.nav.Cursor)
	}
	// all is sorted by verdict, most permissive first.
	if d.rows[0].Verdict(matrix.SMTP, matrix.Basic) != matrix.Password || d.rows[19].Verdict(matrix.SMTP, matrix.Basic) != matrix.Blocked {
		t.Error("all users are not grouped most permissive first")
	}
	press(t, w, "h", "h", "h", "k")
	if d.group != matrix.Password.Rank() {
		t.Fatalf("h back to password: group %d", d.group)
	}
	// enter: the selected user's reasons.
	u := d.rows[d.nav.Cursor]
	press(t, w, "enter")
	if m.chain == nil || m.chain.u != u {
		t.Fatal("enter on a user did not show their reasons")
	}
	v = plain(w)
	for _, want := range []string{u.UPN + " · smtp basic · Before", "✗ password: a password alone gets in", "platform", "→ allows", "SMTP AUTH basic auth accepted by Exchange Online"} {
		if !strings.Contains(v, want) {
			t.Errorf("the chain lacks %q:\n%s", want, v)
		}
	}
	// esc goes back one level each time.
	press(t, w, "esc")
	if m.chain != nil || m.drill == nil {
		t.Error("esc from the reasons did not go back to the users")
	}
	press(t, w, "esc")
	if m.drill != nil {
		t.Error("esc from the users did not go back to the grid")
	}
	if m.row != matrix.SMTP.Index() || m.col != matrix.Basic.Index() {
		t.Error("the grid's cursor moved while drilling")
	}
	press(t, w, "esc")
	if w.Page() != PageMatrix {
		t.Error("esc on the grid left the screen")
	}
}

func TestMatrixFilterUsers(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageMatrix)
	m := matrixScreen(t, w)
	at(t, w, matrix.POP, matrix.Basic)
	press(t, w, "enter", "/")
	if !m.Capturing() {
		t.Fatal("/ did not start the filter")
	}
	typeText(t, w, "JAN") // case does not matter; q would quit if not captured
	d := m.drill
	if len(d.rows) != 2 {
		t.Fatalf("filter JAN: %d rows, want jan.janssen and joke.janssen", len(d.rows))
	}
	for _, u := range d.rows {
		if !strings.Contains(strings.ToLower(u.UPN), "jan") {
			t.Errorf("%s does not match the filter", u.UPN)
		}
	}
	typeText(t, w, "q")
	if w.Page() != PageMatrix || len(d.rows) != 0 {
		t.Errorf("q while filtering must be text: page %s, %d rows", w.Page(), len(d.rows))
	}
	if v := plain(w); !strings.Contains(v, "no UPN in this group contains “JANq”") {
		t.Errorf("an empty filter result must say so:\n%s", v)
	}
	press(t, w, "backspace", "enter")
	if m.Capturing() || d.filter != "JAN" || len(d.rows) != 2 {
		t.Errorf("enter keeps the filter: capturing %v, filter %q, %d rows", m.Capturing(), d.filter, len(d.rows))
	}
	checkFits(t, w.render(), 80, 24)
	// The filter holds across verdict groups: blocked (info@ is
	// disabled) has no JAN, all has both.
	press(t, w, "l")
	if d.group != matrix.Blocked.Rank() || len(d.rows) != 0 {
		t.Errorf("blocked users filtered: group %d, %d rows", d.group, len(d.rows))
	}
	press(t, w, "l")
	if d.group != groupAll || len(d.rows) != 2 {
		t.Errorf("all users filtered: group %d, %d rows", d.group, len(d.rows))
	}
	press(t, w, "/", "esc")
	if m.Capturing() || d.filter != "" || len(d.rows) != 41 {
		t.Errorf("esc while filtering clears it: filter %q, %d rows", d.filter, len(d.rows))
	}
}

func TestMatrixGoldenContosoBefore(t *testing.T) {
	for _, size := range matrixSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			w := loadedWizard(t, "contoso", size[0], size[1], PageMatrix)
			at(t, w, matrix.SMTP, matrix.Basic)
			view := w.render()
			checkFits(t, view, size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(view)))
		})
	}
}

func TestMatrixGoldenWhitepaperAfter(t *testing.T) {
	for _, size := range matrixSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			w := planned(t, size[0], size[1])
			// Narrow: toggled to the after-matrix; wide: side by side.
			press(t, w, "a")
			at(t, w, matrix.EWS, matrix.Modern)
			view := w.render()
			checkFits(t, view, size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(view)))
		})
	}
}

func TestMatrixGoldenDrillPassword(t *testing.T) {
	for _, size := range matrixSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			w := loadedWizard(t, "contoso", size[0], size[1], PageMatrix)
			at(t, w, matrix.SMTP, matrix.Basic)
			press(t, w, "enter", "j")
			view := w.render()
			checkFits(t, view, size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(view)))
		})
	}
}

func TestMatrixGoldenReasonChain(t *testing.T) {
	for _, size := range matrixSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			w := loadedWizard(t, "contoso", size[0], size[1], PageMatrix)
			at(t, w, matrix.SMTP, matrix.Basic)
			press(t, w, "enter", "enter")
			view := w.render()
			checkFits(t, view, size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(view)))
		})
	}
}

func TestMatrixGoldenAfterDrill(t *testing.T) {
	for _, size := range matrixSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			w := planned(t, size[0], size[1])
			if size[0] < matrixWide {
				press(t, w, "a")
			} else {
				press(t, w, "l", "l")
			}
			at(t, w, matrix.MAPI, matrix.Modern)
			press(t, w, "enter", "l")
			view := w.render()
			checkFits(t, view, size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(view)))
		})
	}
}

func TestMatrixChainScrolls(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageMatrix)
	m := matrixScreen(t, w)
	at(t, w, matrix.SMTP, matrix.Basic)
	press(t, w, "enter", "enter")
	cv := m.chain
	if len(cv.lines) <= cv.nav.Height {
		t.Fatalf("the chain fits (%d lines): this test needs one to scroll", len(cv.lines))
	}
	if !strings.Contains(plain(w), "more lines") {
		t.Errorf("a chain longer than the screen must say so:\n%s", plain(w))
	}
	press(t, w, "G")
	if cv.nav.Cursor != len(cv.lines)-cv.nav.Height {
		t.Errorf("G: top line %d, want %d", cv.nav.Cursor, len(cv.lines)-cv.nav.Height)
	}
	v := plain(w)
	if !strings.Contains(v, ansi.Strip(cv.lines[len(cv.lines)-1])) {
		t.Errorf("G does not show the last line:\n%s", v)
	}
	checkFits(t, w.render(), 80, 24)
}

func TestMatrixHostileTenantStrings(t *testing.T) {
	const evil = "ev\x1b[31mil\x07\nname|x"
	s := snapshotFixture(t, "contoso")
	// One mailbox user: the Graph UPN and name, the mailbox's name.
	mbx := &s.Exchange.CASMailboxes[0]
	for i := range s.Users {
		if strings.EqualFold(s.Users[i].ID, mbx.ExternalDirectoryObjectID) {
			s.Users[i].UserPrincipalName = "aaa" + evil + "@contoso.com"
			s.Users[i].DisplayName = evil
		}
	}
	mbx.DisplayName = evil
	for _, size := range matrixSizes {
		w := loadedWizard(t, "contoso", size[0], size[1], PageMatrix)
		pump(t, w, Send(SnapshotMsg{Snapshot: s}))
		m := matrixScreen(t, w)
		var upn string
		for _, u := range w.Common().Eng.Before.Users {
			if strings.Contains(u.UPN, "\x1b") {
				upn = u.UPN
			}
		}
		if upn == "" {
			t.Fatal("the hostile UPN did not reach the matrix")
		}
		check := func(where string) {
			view := w.render()
			checkFits(t, view, size[0], size[1])
			if strings.Contains(view, "\x1b[31mil") || strings.Contains(view, "\x07") || strings.Contains(view, "il\nname") {
				t.Errorf("%v %s: a raw tenant string reached the screen", size, where)
			}
		}
		check("grid")
		// Drill into OWA modern's users, all of them, and find the user.
		at(t, w, matrix.OWA, matrix.Modern)
		press(t, w, "enter")
		for m.drill.group != groupAll {
			press(t, w, "l")
		}
		for i, u := range m.drill.rows {
			if u.UPN == upn {
				m.drill.nav.Move(i - m.drill.nav.Cursor)
			}
		}
		check("users")
		if !strings.Contains(plain(w), "aaaev [31mil") {
			t.Errorf("%v: the hostile UPN is not shown cleaned:\n%s", size, plain(w))
		}
		press(t, w, "enter")
		if m.chain == nil || m.chain.u.UPN != upn {
			t.Fatal("could not open the hostile user's reasons")
		}
		check("reasons")
		press(t, w, "esc", "/")
		typeText(t, w, "ev")
		check("filter")
	}
}

func TestMatrixUnknownNeverLooksSafe(t *testing.T) {
	// Okta Classic: the sign-on rules cannot be read, so modern auth is
	// unknown; it must carry '?', never a safe mark, at every width.
	for _, width := range []int{40, 80, 120} {
		w := loadedWizard(t, "okta-classic", width, 24, PageMatrix)
		v := plain(w)
		row := ""
		for _, l := range strings.Split(v, "\n") {
			if strings.HasPrefix(l, " owa        ") { // the grid row, not the detail
				row = l
			}
		}
		if !strings.Contains(row, "? ") || strings.Contains(row, "✓") {
			t.Errorf("%d columns: owa's unknown modern cell is not marked '?': %q", width, row)
		}
		if width >= 80 && !strings.Contains(row, "? unknown") {
			t.Errorf("%d columns: the word unknown fits and is missing: %q", width, row)
		}
		if width >= 80 && !strings.Contains(v, "? unknown: data not collected") {
			t.Errorf("%d columns: the legend does not explain '?':\n%s", width, v)
		}
	}
	s := &MatrixScreen{c: &Common{Styles: NewStyles(true)}}
	for _, v := range []matrix.Verdict{matrix.Unknown, "some-new-verdict", ""} {
		if sym, _ := s.look(v); sym != "?" {
			t.Errorf("verdict %q is drawn %q, want ?", v, sym)
		}
	}
}
