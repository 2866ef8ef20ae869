package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/tenant"
)

// pump runs a command the way the program would and feeds what it
// returns back into the wizard, until no command is left. Spinner ticks
// and cursor blinks are dropped (they would never end); a command that
// does not return within 10 s fails the test.
func pump(t testing.TB, w *Wizard, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("pump: the commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("pump: a command did not return in 10 s")
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case spinner.TickMsg, tea.QuitMsg:
		default:
			if strings.Contains(reflect.TypeOf(msg).String(), "cursor.") || strings.Contains(reflect.TypeOf(msg).String(), "blink") {
				continue
			}
			_, next := w.Update(msg)
			queue = append(queue, next)
		}
	}
}

// press sends one key to the wizard and runs what follows from it.
func press(t testing.TB, w *Wizard, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := w.Update(keyMsg(k))
		pump(t, w, cmd)
	}
}

// keyMsg makes a key press from its name ("enter", "tab", "a", "ctrl+c").
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// typeText types a string, one key per rune.
func typeText(t testing.TB, w *Wizard, s string) {
	t.Helper()
	for _, r := range s {
		_, cmd := w.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		pump(t, w, cmd)
	}
}

// checkFits fails when the view is taller or wider than the screen, or
// holds a raw escape from tenant data.
func checkFits(t testing.TB, view string, width, height int) {
	t.Helper()
	plain := ansi.Strip(view)
	if strings.ContainsRune(plain, '\x1b') || strings.ContainsRune(plain, '\x07') {
		t.Errorf("%dx%d: an escape from tenant data reached the screen", width, height)
	}
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		t.Errorf("%dx%d: %d lines:\n%s", width, height, len(lines), plain)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > width {
			t.Errorf("%dx%d: line %d is %d wide: %q", width, height, i, w, ansi.Strip(l))
		}
	}
}

// snapshotFixture reads a snapshot collected from a built-in scenario
// (ui/testdata/NAME.snapshot.json, written by `harden365 collect
// --scenario NAME`).
func snapshotFixture(t testing.TB, name string) *tenant.Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tenant.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fixedNow is the clock of test wizards: the day after the fixtures'
// asOf, so plans are stamped reproducibly.
func fixedNow(s *tenant.Snapshot) func() time.Time {
	at := s.AsOf.Add(9 * time.Hour)
	return func() time.Time { return at }
}

// loadedWizard is a wizard at width x height that has discovered the
// scenario's snapshot and judged it, on the page given.
func loadedWizard(t testing.TB, scenario string, width, height int, page Page) *Wizard {
	t.Helper()
	s := snapshotFixture(t, scenario)
	w := NewWizard(Options{Mode: "demo", Org: "scenario " + scenario, AsOf: s.AsOf, Backend: Backend{Now: fixedNow(s), Version: "test"}})
	w.Update(tea.WindowSizeMsg{Width: width, Height: height})
	pump(t, w, w.Init())
	pump(t, w, Send(SnapshotMsg{Snapshot: s}))
	pump(t, w, Send(GoTo(page)))
	if w.Page() != page {
		t.Fatalf("could not go to %s", page)
	}
	return w
}
