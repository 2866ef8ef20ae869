package ui

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/remediate"
)

var formUsers = []string{"jira@mijndomein.nl", "Info@Mijndomein.nl", "breakglass@mijndomein.onmicrosoft.com", "tim.brouwer@mijndomein.nl"}
var formGroups = []string{"Engineering", "Everyone", "Service accounts"}

// runForm feeds what a command returns back into the form until nothing
// is left; cursor-blink timers (they wait half a second) are dropped: a
// command that has not returned in 100 ms is one.
func runForm(t *testing.T, f *huh.Form, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("the form's commands never settle")
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
			_, next := f.Update(msg)
			queue = append(queue, next)
		}
	}
}

func formKeys(t *testing.T, f *huh.Form, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var msg tea.Msg
		if k == "ctrl+u" {
			msg = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
		} else {
			msg = keyMsg(k)
		}
		_, cmd := f.Update(msg)
		runForm(t, f, cmd)
	}
}

func formPasteText(t *testing.T, f *huh.Form, s string) {
	t.Helper()
	_, cmd := f.Update(tea.PasteMsg{Content: s})
	runForm(t, f, cmd)
}

func newTestForm(t *testing.T, ch remediate.Choices, groups, users []string) (*huh.Form, *choicesAnswers) {
	t.Helper()
	f, a := buildChoicesForm(ch, groups, users)
	f.WithWidth(76).WithHeight(20)
	runForm(t, f, f.Init())
	return f, a
}

func TestBuildChoicesFormDriven(t *testing.T) {
	f, a := newTestForm(t, remediate.Choices{}, formGroups, formUsers)
	// Exception users: any separator, any case, each once.
	formPasteText(t, f, "JIRA@mijndomein.nl; info@mijndomein.nl\njira@mijndomein.nl")
	formKeys(t, f, "enter")
	formKeys(t, f, "down", "down", "down", "enter") // Service accounts
	formPasteText(t, f, "breakglass@mijndomein.onmicrosoft.com")
	formKeys(t, f, "enter")
	formPasteText(t, f, " tim.brouwer@mijndomein.nl ")
	formKeys(t, f, "enter")
	formKeys(t, f, "space", "enter") // POP off: IMAP only
	formPasteText(t, f, "*Engineering*;*Head of Sales*")
	formKeys(t, f, "enter")
	formKeys(t, f, "down", "down", "down", "down", "enter") // PT2H
	if f.State != huh.StateCompleted {
		t.Fatalf("the form did not complete (state %d):\n%s", f.State, ansi.Strip(f.View()))
	}
	want := remediate.Choices{
		Exceptions: remediate.Exceptions{Users: []string{"JIRA@mijndomein.nl", "info@mijndomein.nl"}, OktaGroup: "Service accounts"},
		BreakGlass: []string{"breakglass@mijndomein.onmicrosoft.com"},
		Operator:   "tim.brouwer@mijndomein.nl",
		Protocols:  []string{"imap"},
		Scope:      remediate.Scope{Titles: []string{"*Engineering*", "*Head of Sales*"}},
		MFAPrompt:  "PT2H",
	}
	got := a.Choices()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("choices:\n got %+v\nwant %+v", got, want)
	}
	// What the form makes, the plan reads.
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remediate.ParseChoices(data); err != nil {
		t.Errorf("the plan refuses the form's choices: %v\n%s", err, data)
	}
}

// The form starts from the choices it is given, and keeps what it does
// not ask (zones, scope users), a group Okta no longer lists and a prompt
// frequency it does not offer.
func TestBuildChoicesFormKeeps(t *testing.T) {
	ch := remediate.Choices{
		Exceptions: remediate.Exceptions{Users: []string{"jira@mijndomein.nl"}, OktaGroup: "Gone group"},
		BreakGlass: []string{"breakglass@mijndomein.onmicrosoft.com"},
		Operator:   "tim.brouwer@mijndomein.nl",
		Protocols:  []string{"POP", "activesync"},
		Scope:      remediate.Scope{Titles: []string{"*Sales*"}, Users: []string{"info@mijndomein.nl"}},
		Zones:      []string{"Office egress"},
		MFAPrompt:  "PT3H",
	}
	f, a := newTestForm(t, ch, formGroups, formUsers)
	if !strings.Contains(ansi.Strip(f.View()), "Gone group (not found in Okta)") {
		t.Errorf("a chosen group Okta does not list is not kept and said:\n%s", ansi.Strip(f.View()))
	}
	// Straight through: every field as it was.
	formKeys(t, f, "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if f.State != huh.StateCompleted {
		t.Fatalf("the form did not complete:\n%s", ansi.Strip(f.View()))
	}
	want := ch
	want.Protocols = []string{"pop", "activesync"}
	if got := a.Choices(); !reflect.DeepEqual(got, want) {
		t.Errorf("choices changed by going through:\n got %+v\nwant %+v", got, want)
	}
}

func TestBuildChoicesFormRefusesUnknownUPN(t *testing.T) {
	f, a := newTestForm(t, remediate.Choices{}, formGroups, formUsers)
	formPasteText(t, f, "jira@mijndomein.nl, ghost@mijndomein.nl")
	formKeys(t, f, "enter")
	errs := f.Errors()
	if len(errs) != 1 || errs[0].Error() != "exception user ghost@mijndomein.nl is not a user of this organisation" {
		t.Fatalf("errors %v", errs)
	}
	if f.State != huh.StateNormal || f.GetFocusedField().GetKey() != "exceptions" {
		t.Fatal("the form moved on past an unknown UPN")
	}
	formKeys(t, f, "ctrl+u")
	formPasteText(t, f, "jira@mijndomein.nl")
	formKeys(t, f, "enter", "enter")
	// Break-glass accounts are checked the same way.
	formPasteText(t, f, "nobody@mijndomein.nl")
	formKeys(t, f, "enter")
	if errs := f.Errors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "break-glass account nobody@mijndomein.nl is not a user") {
		t.Fatalf("errors %v", errs)
	}
	if got := a.Choices().BreakGlass; !slices.Equal(got, []string{"nobody@mijndomein.nl"}) {
		t.Errorf("answers while on the field: %v", got)
	}
	// esc leaves the form: the caller discards the answers.
	formKeys(t, f, "esc")
	if f.State != huh.StateAborted {
		t.Errorf("esc did not abort the form (state %d)", f.State)
	}
}

func TestBuildChoicesFormProtocolsRequired(t *testing.T) {
	f, _ := newTestForm(t, remediate.Choices{}, nil, formUsers)
	formKeys(t, f, "enter", "enter", "enter", "enter") // to the protocols
	if f.GetFocusedField().GetKey() != "protocols" {
		t.Fatalf("on %s", f.GetFocusedField().GetKey())
	}
	formKeys(t, f, "space", "down", "space", "enter") // neither POP nor IMAP
	if errs := f.Errors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "choose at least one protocol") {
		t.Errorf("errors %v", errs)
	}
}

func TestUPNValidator(t *testing.T) {
	known := map[string]bool{"a@x.example": true}
	check := upnValidator(known, "operator")
	for in, ok := range map[string]bool{"": true, "A@X.example": true, "a@x.example, b@x.example": false} {
		if err := check(in); (err == nil) != ok {
			t.Errorf("%q: %v", in, err)
		}
	}
	// Nothing known (the users could not be collected): nothing refused.
	if err := upnValidator(nil, "operator")("anyone@anywhere"); err != nil {
		t.Error(err)
	}
	// A hostile UPN is named cleaned.
	err := check("ev\x1b]0;x\x07il@x")
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Errorf("hostile UPN: %v", err)
	}
}

func TestSplitLists(t *testing.T) {
	if got := splitList(" a@x, b@x;\nA@X  c@x\t,,"); !slices.Equal(got, []string{"a@x", "b@x", "c@x"}) {
		t.Errorf("splitList: %q", got)
	}
	if got := splitTitles("*Head of Sales*, *Engineering*;\n*head of sales*"); !slices.Equal(got, []string{"*Head of Sales*", "*Engineering*"}) {
		t.Errorf("splitTitles: %q", got)
	}
	if got := splitList(""); got != nil {
		t.Errorf("empty: %q", got)
	}
}
