package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/assess"
)

func clientsOf(w *Wizard) *Clients { return w.Screen(PageClients).(*Clients) }

// shownClients are the rows listed, in order.
func shownClients(m *Clients) []assess.ClientUse {
	out := make([]assess.ClientUse, len(m.view))
	for i, r := range m.view {
		out[i] = m.rows[r].u
	}
	return out
}

func TestClientsSortedUsersWithoutModernAuthFirst(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageClients)
	m := clientsOf(w)
	inv := w.Common().Eng.Clients
	rows := shownClients(m)
	if len(rows) != len(inv) {
		t.Fatalf("%d rows shown, %d in the inventory", len(rows), len(inv))
	}
	legacyOnly := map[string]bool{}
	for _, u := range assess.LegacyOnly(inv) {
		legacyOnly[u] = true
	}
	legacy := map[string]bool{}
	for _, u := range assess.LegacyUsers(inv) {
		legacy[u] = true
	}
	// Users who have nothing but legacy clients, then the others with a
	// legacy client, then everyone else; each user's rows together.
	rank := func(u string) int {
		switch {
		case legacyOnly[u]:
			return 0
		case legacy[u]:
			return 1
		}
		return 2
	}
	seen := map[string]bool{}
	for i, r := range rows {
		if i > 0 {
			prev := rows[i-1]
			if rank(prev.User) > rank(r.User) {
				t.Errorf("row %d: %s (rank %d) after %s (rank %d)", i, r.User, rank(r.User), prev.User, rank(prev.User))
			}
			if prev.User != r.User && seen[r.User] {
				t.Errorf("row %d: %s's rows are not together", i, r.User)
			}
		}
		seen[r.User] = true
	}
	if rows[0].ModernAuth != assess.ModernNo {
		t.Errorf("the first row can do modern auth: %+v", rows[0])
	}
	// The summary counts from the inventory.
	no := 0
	for _, c := range inv {
		if c.ModernAuth == assess.ModernNo {
			no++
		}
	}
	want := fmt.Sprintf("%d client uses by %d users · %d without modern auth (used by %d users)", len(inv), len(seen), no, len(legacy))
	plain := ansi.Strip(w.render())
	if !strings.Contains(plain, want) {
		t.Errorf("the summary lacks %q:\n%s", want, plain)
	}
	if !strings.Contains(plain, "Choose steps on the Plan screen to see who breaks") {
		t.Errorf("without a plan the screen does not say how to see who breaks:\n%s", plain)
	}
}

func TestClientsLegacyOnlyToggles(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageClients)
	m := clientsOf(w)
	inv := w.Common().Eng.Clients
	want := 0
	for _, c := range inv {
		if c.ModernAuth == assess.ModernNo || c.ModernAuth == assess.ModernUnknown {
			want++
		}
	}
	press(t, w, "l")
	rows := shownClients(m)
	if len(rows) != want || want == 0 {
		t.Fatalf("legacy only shows %d rows, want %d", len(rows), want)
	}
	for _, r := range rows {
		if r.ModernAuth != assess.ModernNo && r.ModernAuth != assess.ModernUnknown {
			t.Errorf("legacy only shows %s's %s (%s)", r.User, r.Client, r.ModernAuth)
		}
	}
	if plain := ansi.Strip(w.render()); !strings.Contains(plain, fmt.Sprintf("Showing %d of %d · legacy only", want, len(inv))) {
		t.Errorf("the filter line does not say what is shown:\n%s", plain)
	}
	press(t, w, "l")
	if len(m.view) != len(inv) {
		t.Errorf("l again shows %d of %d", len(m.view), len(inv))
	}
}

func TestClientsBreaksNeedAPlan(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageClients)
	m := clientsOf(w)
	press(t, w, "b")
	if m.breaksOnly || len(m.view) != len(m.rows) {
		t.Fatal("b filtered on breaks without a plan")
	}
	if plain := ansi.Strip(w.render()); !strings.Contains(plain, "No plan yet: choose steps on the Plan screen") {
		t.Errorf("b without a plan does not say why it does nothing:\n%s", plain)
	}
	pump(t, w, Send(StepsMsg{Steps: []string{"B", "C"}}))
	e := w.Common().Eng
	if e.Plan == nil || len(e.Impact) == 0 {
		t.Fatalf("no plan previewed: %v", e.PlanErr)
	}
	// What the plan breaks, from the impact.
	type uc struct{ user, client string }
	broken := map[uc][]string{}
	users := map[string]bool{}
	for _, im := range e.Impact {
		for _, b := range im.Breaks {
			broken[uc{b.User, b.Client}] = append(broken[uc{b.User, b.Client}], im.Step)
			users[b.User] = true
		}
	}
	plain := ansi.Strip(w.render())
	if want := fmt.Sprintf("The plan (B, C) breaks %d clients of %d users", len(broken), len(users)); !strings.Contains(plain, want) {
		t.Errorf("the plan line lacks %q:\n%s", want, plain)
	}
	for _, want := range []string{"breaks", "C: imap", "C: pop", "C: all"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the table lacks %q:\n%s", want, plain)
		}
	}
	press(t, w, "b")
	rows := shownClients(m)
	if !m.breaksOnly || len(rows) != len(broken) {
		t.Fatalf("breaks only shows %d rows, want %d", len(rows), len(broken))
	}
	for _, r := range rows {
		if len(broken[uc{r.User, r.Client}]) == 0 {
			t.Errorf("breaks only shows %s's %s, which the plan does not break", r.User, r.Client)
		}
	}
	// Dropping the plan drops the breaks-only filter with it.
	pump(t, w, Send(StepsMsg{}))
	if m.breaksOnly || len(m.view) != len(m.rows) || strings.Contains(ansi.Strip(w.render()), "C: imap") {
		t.Error("the breaks stayed after the plan was emptied")
	}
}

func TestClientsTextFilterAndDetail(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageClients)
	m := clientsOf(w)
	press(t, w, "/")
	if !m.Capturing() {
		t.Fatal("/ did not open the filter")
	}
	typeText(t, w, "Outlook 2010")
	rows := shownClients(m)
	if len(rows) == 0 {
		t.Fatal("nothing matches Outlook 2010")
	}
	for _, r := range rows {
		if !strings.Contains(strings.ToLower(r.User+r.Client+" "+r.Version+r.Platform), "outlook 2010") {
			t.Errorf("%s's %s does not match", r.User, r.Client)
		}
	}
	press(t, w, "enter")
	if m.Capturing() || m.query != "outlook 2010" {
		t.Fatal("enter did not keep the filter")
	}
	press(t, w, "enter")
	if !m.detail {
		t.Fatal("enter did not open the row's detail")
	}
	plain := ansi.Strip(w.render())
	for _, want := range []string{rows[0].User, "Decided by", assess.RowWinOutlook2010, "Seen in", "✗ no modern auth"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the detail lacks %q:\n%s", want, plain)
		}
	}
	// A user agent's own "; " stays in one sighting.
	if !strings.Contains(plain, "(Windows NT") || strings.Contains(plain, "• Pro)") {
		t.Errorf("a user agent was cut at its semicolons:\n%s", plain)
	}
	checkFits(t, w.render(), 80, 24)
	press(t, w, "esc")
	if m.detail {
		t.Error("esc did not leave the detail")
	}
	press(t, w, "esc")
	if m.filtered() || len(m.view) != len(m.rows) {
		t.Error("esc in the list did not clear the filter")
	}
	// Platforms are searched too.
	press(t, w, "/")
	typeText(t, w, "android")
	for _, r := range shownClients(m) {
		if !strings.Contains(strings.ToLower(r.User+r.Client+r.Platform), "android") {
			t.Errorf("%s's %s does not match android", r.User, r.Client)
		}
	}
	press(t, w, "esc")
	if m.Capturing() || m.filtered() {
		t.Error("esc while typing did not clear the filter")
	}
}

func TestSplitSources(t *testing.T) {
	got := splitSources("signIn: Microsoft Office/14.0 (Windows NT 6.1; Microsoft Outlook 14.0.7015; Pro) [RPC]; oktaLog: UA [wsfed/active]; emailAppUsage: outlookForWindows=Outlook 2010")
	want := []string{"signIn: Microsoft Office/14.0 (Windows NT 6.1; Microsoft Outlook 14.0.7015; Pro) [RPC]", "oktaLog: UA [wsfed/active]", "emailAppUsage: outlookForWindows=Outlook 2010"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestClientsGolden(t *testing.T) {
	for _, size := range testSizes {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run("whitepaper-list/"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PageClients)
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
		t.Run("whitepaper-legacy-only/"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PageClients)
			press(t, w, "l")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
		t.Run("whitepaper-plan-BC/"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PageClients)
			pump(t, w, Send(StepsMsg{Steps: []string{"B", "C"}}))
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
		t.Run("whitepaper-plan-detail/"+name, func(t *testing.T) {
			w := loadedWizard(t, "whitepaper", size[0], size[1], PageClients)
			pump(t, w, Send(StepsMsg{Steps: []string{"B", "C", "D"}}))
			press(t, w, "b", "j", "enter")
			checkFits(t, w.render(), size[0], size[1])
			golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
		})
	}
}

func TestClientsHostileStrings(t *testing.T) {
	for _, size := range testSizes {
		w := loadedWizard(t, "whitepaper", size[0], size[1], PageClients)
		e := w.Common().Eng
		e.Clients = append([]assess.ClientUse{{
			User: hostile + "@mijndomein.nl", Platform: "win\x1b[2Jdows", Client: "Out\x1b[31mlook|\n2010", Version: "1\x07",
			ModernAuth: assess.ModernNo, Source: "signIn: " + hostile, TableRow: hostile,
		}}, e.Clients...)
		w.Update(EngagementMsg{})
		for _, keys := range [][]string{{"g"}, {"enter"}, {"G"}} {
			press(t, w, keys...)
			view := w.render()
			checkFits(t, view, size[0], size[1])
			if strings.Contains(view, "\x1b[31m") || strings.Contains(view, "\x07") || strings.Contains(view, "\x1b]0;") || strings.Contains(view, "\x1b[2J") {
				t.Fatalf("%v: a tenant escape reached the view", size)
			}
		}
		press(t, w, "esc", "g", "enter")
		if plain := ansi.Strip(w.render()); !strings.Contains(plain, "Evil [31m red") {
			t.Errorf("%v: the hostile user is not shown cleaned:\n%s", size, plain)
		}
	}
}

// BenchmarkClientsKeypress: one j and a redraw with 100,000 client uses.
func BenchmarkClientsKeypress(b *testing.B) {
	platforms := []string{"windows", "macos", "ios", "android", "linux"}
	clients := []string{"Outlook 2016", "Outlook 2010", "iOS Mail", "Outlook for Android", "Thunderbird"}
	modern := []string{assess.ModernYes, assess.ModernNo, assess.ModernYes, assess.ModernConditional, assess.ModernUnknown}
	inv := make([]assess.ClientUse, 100_000)
	for i := range inv {
		inv[i] = assess.ClientUse{
			User: fmt.Sprintf("user%06d@contoso.example", i/2), Platform: platforms[i%5], Client: clients[i%5],
			Version: fmt.Sprintf("16.0.%d", i%9000), ModernAuth: modern[i%5], Source: "emailAppUsage: synthetic", TableRow: assess.RowWinOutlook2016,
		}
	}
	c := &Common{Styles: NewStyles(true), Eng: &Engagement{Clients: inv}}
	m := newClients(c).(*Clients)
	m.SetSize(120, 36)
	m.Update(EngagementMsg{})
	if len(m.view) != len(inv) {
		b.Fatalf("%d rows shown", len(m.view))
	}
	j := tea.KeyPressMsg{Code: 'j', Text: "j"}
	b.ReportAllocs()
	for b.Loop() {
		if m.nav.Cursor == m.nav.N-1 {
			m.nav.Cursor, m.nav.Offset = 0, 0
		}
		m.Update(j)
		_ = m.View()
	}
}

func TestClientsKeepSelectionWhenJudgedAgain(t *testing.T) {
	w := loadedWizard(t, "whitepaper", 80, 24, PageClients)
	m := clientsOf(w)
	press(t, w, "j", "j", "j", "j", "j")
	want := shownClients(m)[m.nav.Cursor]
	// A new inventory with one more legacy-only user, who sorts first:
	// the rows shift, the cursor stays on the same client.
	e := w.Common().Eng
	e.Clients = append([]assess.ClientUse{{User: "aaa@mijndomein.nl", Client: "Outlook 2010", ModernAuth: assess.ModernNo}}, e.Clients...)
	w.Update(EngagementMsg{})
	if got := shownClients(m)[0]; got.User != "aaa@mijndomein.nl" {
		t.Fatalf("the new user is not first: %s", got.User)
	}
	if got := shownClients(m)[m.nav.Cursor]; got.User != want.User || got.Client != want.Client {
		t.Errorf("a new inventory moved the cursor from %s's %s to %s's %s", want.User, want.Client, got.User, got.Client)
	}
}
