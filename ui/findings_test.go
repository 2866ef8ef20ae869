package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/assess"
)

var testSizes = [][2]int{{80, 24}, {120, 40}}

func findingsOf(w *Wizard) *Findings { return w.Screen(PageFindings).(*Findings) }

// shownIDs are the IDs of the findings listed, in order.
func shownIDs(m *Findings) []string {
	var out []string
	for _, r := range m.rows {
		if r.item >= 0 {
			out = append(out, m.items[r.item].f.ID)
		}
	}
	return out
}

// selectFinding moves the cursor down to a finding, as the operator would.
func selectFinding(t *testing.T, w *Wizard, id string) {
	t.Helper()
	press(t, w, "g")
	for range 100 {
		if findingsOf(w).SelectedID() == id {
			return
		}
		press(t, w, "j")
	}
	t.Fatalf("%s is not in the list", id)
}

func TestFindingsGroupedInWhitepaperOrder(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageFindings)
	m := findingsOf(w)
	fs := w.Common().Eng.Findings
	if got := shownIDs(m); len(got) != len(fs) {
		t.Fatalf("%d findings listed, %d judged", len(got), len(fs))
	}
	// Groups: A-F in order, then the extras, then mail hygiene; each
	// finding under its own.
	var titles []string
	for _, r := range m.rows {
		if r.item < 0 {
			titles = append(titles, m.groups[r.group])
			continue
		}
		f := m.items[r.item].f
		g := m.groups[r.group]
		switch {
		case f.Step != "":
			if !strings.HasPrefix(g, f.Step+" · ") {
				t.Errorf("%s (step %s) is under %q", f.ID, f.Step, g)
			}
		case assess.Hygiene(f):
			if !strings.HasPrefix(g, "Mail hygiene") {
				t.Errorf("hygiene finding %s is under %q", f.ID, g)
			}
		default:
			if g != "Beyond the whitepaper" {
				t.Errorf("extra %s is under %q", f.ID, g)
			}
		}
	}
	want := []string{"A", "B", "C", "D", "E", "F", "Beyond", "Mail hygiene"}
	if len(titles) != len(want) {
		t.Fatalf("groups %q, want %d", titles, len(want))
	}
	for i, p := range want {
		if !strings.HasPrefix(titles[i], p) {
			t.Errorf("group %d is %q, want it to start with %q", i, titles[i], p)
		}
	}
	// The header counts every status, with symbols and words.
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Status]++
	}
	plain := ansi.Strip(w.render())
	for _, s := range []string{fmt.Sprintf("✗ %d fail", counts[assess.Fail]), fmt.Sprintf("! %d warn", counts[assess.Warn]), fmt.Sprintf("✓ %d pass", counts[assess.Pass])} {
		if !strings.Contains(plain, s) {
			t.Errorf("the header lacks %q:\n%s", s, plain)
		}
	}
}

func TestFindingsCursorSkipsGroupHeadings(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageFindings)
	m := findingsOf(w)
	if got := m.SelectedID(); got != assess.IDFedDomains {
		t.Fatalf("the first selection is %q, want the first finding", got)
	}
	press(t, w, "j")
	if got := m.SelectedID(); got != assess.IDExoModernAuth {
		t.Errorf("j from A went to %q, want B's finding (over the heading)", got)
	}
	press(t, w, "k", "k")
	if got := m.SelectedID(); got != assess.IDFedDomains {
		t.Errorf("k at the top left the first finding for %q", got)
	}
	if m.nav.Offset != 0 {
		t.Errorf("the first group's heading scrolled out of view (offset %d)", m.nav.Offset)
	}
	press(t, w, "G")
	ids := shownIDs(m)
	if got := m.SelectedID(); got != ids[len(ids)-1] {
		t.Errorf("G went to %q, want the last finding %q", got, ids[len(ids)-1])
	}
	if !strings.Contains(ansi.Strip(w.render()), "› "+statusSymbol(m.items[len(m.items)-1].f.Status)+" "+ids[len(ids)-1]) {
		t.Errorf("at the end of the list, the last finding is not in view:\n%s", ansi.Strip(w.render()))
	}
	press(t, w, "g")
	if got := m.SelectedID(); got != assess.IDFedDomains {
		t.Errorf("g went to %q", got)
	}
	// Every position the cursor takes is a finding, never a heading.
	for range len(m.rows) + 2 {
		press(t, w, "j")
		if _, ok := m.selected(); !ok {
			t.Fatalf("the cursor rests on a heading at row %d", m.nav.Cursor)
		}
	}
}

func TestFindingsStatusFilterCycles(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageFindings)
	m := findingsOf(w)
	fs := w.Common().Eng.Findings
	count := func(keep func(string) bool) int {
		n := 0
		for _, f := range fs {
			if keep(f.Status) {
				n++
			}
		}
		return n
	}
	press(t, w, "s")
	want := count(attention)
	if got := len(shownIDs(m)); got != want || m.status != statusAttention {
		t.Fatalf("needs attention shows %d, want %d", got, want)
	}
	for _, r := range m.rows {
		if r.item >= 0 && !attention(m.items[r.item].f.Status) {
			t.Errorf("needs attention shows %s (%s)", m.items[r.item].f.ID, m.items[r.item].f.Status)
		}
	}
	if plain := ansi.Strip(w.render()); !strings.Contains(plain, fmt.Sprintf("Showing %d of %d · needs attention", want, len(fs))) {
		t.Errorf("the header does not say what is filtered:\n%s", plain)
	}
	press(t, w, "s")
	if got, want := len(shownIDs(m)), count(func(s string) bool { return s == assess.Fail }); got != want {
		t.Errorf("fail only shows %d, want %d", got, want)
	}
	press(t, w, "s")
	if got := len(shownIDs(m)); got != len(fs) || m.filtered() {
		t.Errorf("the third s shows %d of %d", got, len(fs))
	}
	press(t, w, "s", "esc")
	if m.filtered() || len(shownIDs(m)) != len(fs) {
		t.Error("esc did not clear the status filter")
	}
}

func TestFindingsTextFilter(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageFindings)
	m := findingsOf(w)
	press(t, w, "/")
	if !m.Capturing() {
		t.Fatal("/ did not open the filter")
	}
	// q is text while typing, not quit.
	typeText(t, w, "q")
	if w.Page() != PageFindings || m.input.Value() != "q" {
		t.Fatalf("q while typing did not go to the filter (page %s, filter %q)", w.Page(), m.input.Value())
	}
	press(t, w, "backspace")
	// An affected user finds the findings about them.
	typeText(t, w, "NESTOR.wilke")
	ids := shownIDs(m)
	for _, want := range []string{assess.IDClientsLegacy, "EXO-RBAC"} {
		if !slices.Contains(ids, want) {
			t.Errorf("filtering on a user misses %s: %v", want, ids)
		}
	}
	for _, id := range ids {
		i := slices.IndexFunc(m.items, func(it finding) bool { return it.f.ID == id })
		if !strings.Contains(m.items[i].hay, "nestor.wilke") {
			t.Errorf("%s is shown but does not mention the user", id)
		}
	}
	press(t, w, "enter")
	if m.Capturing() || m.query != "nestor.wilke" {
		t.Fatalf("enter did not keep the filter (capturing %v, query %q)", m.Capturing(), m.query)
	}
	if plain := ansi.Strip(w.render()); !strings.Contains(plain, fmt.Sprintf("Showing %d of 36", len(ids))) || !strings.Contains(plain, `matching "NESTOR.wilke"`) {
		t.Errorf("the header does not say what is filtered:\n%s", plain)
	}
	// / again edits the same filter; esc clears it.
	press(t, w, "/", "esc")
	if m.Capturing() || m.query != "" || len(shownIDs(m)) != 36 {
		t.Errorf("esc while typing did not clear the filter: %q, %d shown", m.query, len(shownIDs(m)))
	}
	// Evidence is searched too; nothing matching says so.
	press(t, w, "/")
	typeText(t, w, "no such thing anywhere")
	press(t, w, "enter")
	if len(m.rows) != 0 || !strings.Contains(ansi.Strip(w.render()), "No finding matches the filter") {
		t.Errorf("an empty result is not said:\n%s", ansi.Strip(w.render()))
	}
	press(t, w, "esc")
	if len(shownIDs(m)) != 36 {
		t.Error("esc in the list did not clear a kept filter")
	}
}

func TestFindingsDetailNarrowOpensAndScrolls(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageFindings)
	m := findingsOf(w)
	selectFinding(t, w, assess.IDExoBasicAuthPolicy)
	press(t, w, "enter")
	if !m.detail {
		t.Fatal("enter did not open the detail")
	}
	plain := ansi.Strip(w.render())
	for _, want := range []string{"An authentication policy blocks basic auth for everyone", "EXO-BASIC-AUTH-POLICY · whitepaper step D · severity high", "✗ fail", "↕ lines 1-"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the detail lacks %q:\n%s", want, plain)
		}
	}
	checkFits(t, w.render(), 80, 24)
	// The detail is longer than the screen: j scrolls to the end, where
	// the fixing step is named.
	press(t, w, "G")
	plain = ansi.Strip(w.render())
	if !strings.Contains(plain, "Fixed by step D: Block basic authentication with an Exchange") {
		t.Errorf("the end of the detail does not name the fixing step:\n%s", plain)
	}
	if !strings.Contains(plain, "Affected (41)") || !strings.Contains(plain, "… and 33 more") {
		t.Errorf("the affected users are not cut with a count:\n%s", plain)
	}
	press(t, w, "g", "j")
	if m.dscroll != 1 {
		t.Errorf("j in the detail scrolled to %d, want 1", m.dscroll)
	}
	if m.SelectedID() != assess.IDExoBasicAuthPolicy {
		t.Error("j in the detail moved the list")
	}
	press(t, w, "esc")
	if m.detail || !strings.Contains(ansi.Strip(w.render()), "check") {
		t.Error("esc did not go back to the list")
	}
}

func TestFindingsDetailWideBesideTheList(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 120, 40, PageFindings)
	m := findingsOf(w)
	selectFinding(t, w, assess.IDExoModernAuth)
	plain := ansi.Strip(w.render())
	if !strings.Contains(plain, "Modern authentication is enabled in Exchange Online") || !strings.Contains(plain, "╭") {
		t.Fatalf("no detail pane beside the list at 120 columns:\n%s", plain)
	}
	// The pane follows the cursor; enter gives it the keys, j scrolls it.
	press(t, w, "j")
	if !strings.Contains(ansi.Strip(w.render()), "EXO-LEGACY-PROTOCOLS · whitepaper step C") {
		t.Error("the pane did not follow the cursor")
	}
	press(t, w, "enter", "j", "j")
	if m.SelectedID() != assess.IDExoLegacyProtocols || m.dscroll != 2 {
		t.Errorf("with the pane focused, j moved the list (%s) or did not scroll (%d)", m.SelectedID(), m.dscroll)
	}
	press(t, w, "esc", "j")
	if m.SelectedID() != assess.IDExoBasicAuthPolicy {
		t.Errorf("after esc, j did not move the list: %s", m.SelectedID())
	}
	checkFits(t, w.render(), 120, 40)
}

func TestFindingsErrorSaysItCouldNotBeJudged(t *testing.T) {
	for _, size := range testSizes {
		w := loadedWizard(t, "okta-classic", size[0], size[1], PageFindings)
		var f assess.Finding
		for _, x := range w.Common().Eng.Findings {
			if x.ID == assess.IDOktaDenyLegacy {
				f = x
			}
		}
		if f.Status != assess.Error {
			t.Fatalf("the fixture's %s is %s, not error", f.ID, f.Status)
		}
		selectFinding(t, w, f.ID)
		press(t, w, "enter")
		plain := ansi.Strip(w.render())
		for _, want := range []string{"? could not be judged", "could not see what it needs to judge", "Cannot be judged: Classic Engine", "? 2 could not be judged"} {
			if !strings.Contains(plain, want) {
				t.Errorf("%v: the error finding lacks %q:\n%s", size, want, plain)
			}
		}
		checkFits(t, w.render(), size[0], size[1])
	}
}

func TestFindingsJudging(t *testing.T) {
	w := loadedWizard(t, "contoso", 80, 24, PageFindings)
	e := w.Common().Eng
	e.Findings, e.Judging = nil, true
	w.Update(EngagementMsg{})
	if plain := ansi.Strip(w.render()); !strings.Contains(plain, "Judging…") {
		t.Errorf("no Judging… while findings are computed:\n%s", plain)
	}
}

func TestFindingsGolden(t *testing.T) {
	for _, size := range testSizes {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run("contoso-list/"+name, func(t *testing.T) {
			w := loadedWizard(t, "contoso", size[0], size[1], PageFindings)
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
		t.Run("whitepaper-detail/"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PageFindings)
			selectFinding(t, w, assess.IDExoBasicAuthPolicy)
			press(t, w, "enter")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
		t.Run("whitepaper-filter/"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PageFindings)
			press(t, w, "s", "/")
			typeText(t, w, "dns")
			press(t, w, "enter")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
		t.Run("okta-classic-error/"+name, func(t *testing.T) {
			w := loadedWizard(t, "okta-classic", size[0], size[1], PageFindings)
			selectFinding(t, w, assess.IDOktaDenyLegacy)
			press(t, w, "enter")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
	}
}

const hostile = "Evil\x1b[31m red\x07 bell\nnew line | pipe\x1b]0;title\x07"

func TestFindingsHostileStrings(t *testing.T) {
	for _, size := range testSizes {
		w := loadedWizard(t, "contoso", size[0], size[1], PageFindings)
		e := w.Common().Eng
		fs := slices.Clone(e.Findings)
		fs[0].Title = hostile + " title"
		fs[0].Detail = hostile + " detail"
		fs[0].Evidence = []string{hostile + " evidence"}
		fs[0].AffectedUsers = []string{hostile + "@contoso.com"}
		fs[0].Affected = 1
		e.Findings = fs
		w.Update(EngagementMsg{})
		for _, keys := range [][]string{{"g"}, {"enter"}, {"G"}} {
			press(t, w, keys...)
			view := w.render()
			checkFits(t, view, size[0], size[1])
			if strings.Contains(view, "\x1b[31m") || strings.Contains(view, "\x07") || strings.Contains(view, "\x1b]0;") {
				t.Fatalf("%v: a tenant escape reached the view", size)
			}
		}
		press(t, w, "g", "enter")
		plain := ansi.Strip(w.render())
		// The escape was made harmless, not dropped by the stripping here.
		if !strings.Contains(plain, "Evil [31m red") {
			t.Errorf("%v: the hostile title is not shown cleaned:\n%s", size, plain)
		}
		press(t, w, "esc", "/")
		typeText(t, w, "new line | pipe")
		if ids := shownIDs(findingsOf(w)); len(ids) != 1 || ids[0] != fs[0].ID {
			t.Errorf("%v: the cleaned text is not what the filter finds: %v", size, ids)
		}
	}
}

func TestFindingsKeepSelectionWhenJudgedAgain(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageFindings)
	m := findingsOf(w)
	selectFinding(t, w, assess.IDLegacySignIns)
	// Judged again, and this time without the first finding: the rows
	// shift, the selection stays on its finding.
	e := w.Common().Eng
	pump(t, w, Send(ChoicesMsg{Choices: e.Choices}))
	e.Findings = slices.Clone(e.Findings[1:])
	w.Update(EngagementMsg{})
	if got := m.SelectedID(); got != assess.IDLegacySignIns {
		t.Errorf("judging again moved the selection to %q", got)
	}
}
