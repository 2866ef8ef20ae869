package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/harden365/harden365/remediate"
)

// choicesAnswers are the choices form's answers, bound to its fields by
// pointer: tests drive the form and read them, the plan screen turns them
// into remediate.Choices when the form completes.
type choicesAnswers struct {
	// ExceptionUsers, BreakGlass and ScopeTitles are lists typed as text
	// (splitList, splitTitles).
	ExceptionUsers string
	// OktaGroup is the Okta group excluded from the deny rule ("" none).
	OktaGroup  string
	BreakGlass string
	Operator   string
	// Protocols step C switches off (pop, imap, activesync).
	Protocols   []string
	ScopeTitles string
	// MFAPrompt: every-sign-in, once-per-session, an ISO-8601 duration,
	// or "" (not chosen).
	MFAPrompt string

	// base is the choices the form started from: what it does not ask
	// (zones, scope users) is kept as it was.
	base remediate.Choices
}

// Choices are the choices the answers make.
func (a *choicesAnswers) Choices() remediate.Choices {
	c := a.base
	c.Exceptions.Users = splitList(a.ExceptionUsers)
	c.Exceptions.OktaGroup = a.OktaGroup
	c.BreakGlass = splitList(a.BreakGlass)
	c.Operator = strings.TrimSpace(a.Operator)
	c.Protocols = slices.Clone(a.Protocols)
	c.Scope.Titles = splitTitles(a.ScopeTitles)
	c.MFAPrompt = a.MFAPrompt
	return c
}

// splitList reads a typed list of UPNs: entries separated by commas,
// semicolons, spaces or newlines, each once (case-insensitively).
func splitList(s string) []string {
	return splitOn(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	})
}

// splitTitles reads a typed list of job titles: separated by commas,
// semicolons or newlines (a title may hold spaces: "*Head of Sales*").
func splitTitles(s string) []string {
	return splitOn(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' })
}

func splitOn(s string, sep func(rune) bool) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, sep) {
		if f = strings.TrimSpace(f); f == "" || slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, f) }) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// choiceProtocols are the protocols step C can switch off, as the form
// offers them.
var choiceProtocols = []struct{ key, value string }{
	{"POP", "pop"}, {"IMAP", "imap"}, {"Exchange ActiveSync", "activesync"},
}

// mfaPrompts are the MFA prompt frequencies the form offers.
var mfaPrompts = []struct{ key, value string }{
	{"not chosen (a new rule prompts once per session; an existing rule keeps its own)", ""},
	{"every sign-in", remediate.PromptEverySignIn},
	{"once per session", remediate.PromptOncePerSession},
	{"every hour (PT1H)", "PT1H"},
	{"every 2 hours (PT2H)", "PT2H"},
	{"every 8 hours (PT8H)", "PT8H"},
	{"every 12 hours (PT12H)", "PT12H"},
	{"every day (P1D)", "P1D"},
}

// buildChoicesForm builds the operator-choices form over ch: who keeps
// legacy protocols, the Okta exception group (one of groups, or none),
// the accounts that must never be cut off, what step C switches off,
// whom the per-user steps touch, and how often Okta prompts for MFA.
// UPNs typed are checked against users (the organisation's UPNs; none
// known: not checked). It returns the form and its answers. The form
// does not draw its fields' errors (Form.Errors has them): the caller
// shows them where they fit.
func buildChoicesForm(ch remediate.Choices, groups []string, users []string) (*huh.Form, *choicesAnswers) {
	// The text fields start from the choices, cleaned: they may come
	// from a session file, and a text field draws what it holds.
	a := &choicesAnswers{
		ExceptionUsers: Clean(strings.Join(ch.Exceptions.Users, ", ")),
		OktaGroup:      ch.Exceptions.OktaGroup,
		BreakGlass:     Clean(strings.Join(ch.BreakGlass, ", ")),
		Operator:       Clean(ch.Operator),
		Protocols:      normalProtocols(ch.Protocols),
		ScopeTitles:    Clean(strings.Join(ch.Scope.Titles, ", ")),
		MFAPrompt:      ch.MFAPrompt,
		base:           ch,
	}
	known := make(map[string]bool, len(users))
	for _, u := range users {
		known[strings.ToLower(u)] = true
	}

	groupOpts := []huh.Option[string]{huh.NewOption("none: no Okta group is excluded from the deny rule", "")}
	seen := false
	for _, g := range groups {
		groupOpts = append(groupOpts, huh.NewOption(Clean(g), g))
		seen = seen || g == ch.Exceptions.OktaGroup
	}
	if ch.Exceptions.OktaGroup != "" && !seen {
		// Keep a group chosen before (a resumed session) even when Okta
		// no longer lists it, and say so.
		groupOpts = append(groupOpts, huh.NewOption(Clean(ch.Exceptions.OktaGroup)+" (not found in Okta)", ch.Exceptions.OktaGroup))
	}

	protoOpts := make([]huh.Option[string], 0, len(choiceProtocols))
	for _, p := range choiceProtocols {
		protoOpts = append(protoOpts, huh.NewOption(p.key, p.value))
	}

	promptOpts := make([]huh.Option[string], 0, len(mfaPrompts)+1)
	known2 := false
	for _, p := range mfaPrompts {
		promptOpts = append(promptOpts, huh.NewOption(p.key, p.value))
		known2 = known2 || strings.EqualFold(p.value, ch.MFAPrompt)
	}
	if !known2 {
		promptOpts = append(promptOpts, huh.NewOption(Clean(ch.MFAPrompt)+" (chosen before)", ch.MFAPrompt))
	}

	groupHeight := min(len(groupOpts), 5)
	form := huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Key("exceptions").Title("Exception users").
				Description("mailboxes that keep legacy protocols (UPNs, comma-separated)").
				Placeholder("none").Value(&a.ExceptionUsers).Validate(upnValidator(known, "exception user")),
			huh.NewSelect[string]().Key("oktaGroup").Title("Okta exception group").
				Description("excluded from Okta's deny rule (step E)").
				Value(&a.OktaGroup).Options(groupOpts...).Height(groupHeight+2),
		).Title("Exceptions"),
		huh.NewGroup(
			huh.NewInput().Key("breakGlass").Title("Break-glass accounts").
				Description("emergency accounts the plan must never cut off (UPNs)").
				Placeholder("none").Value(&a.BreakGlass).Validate(upnValidator(known, "break-glass account")),
			huh.NewInput().Key("operator").Title("Operator").
				Description("the account running harden365: the plan must not lock it out").
				Placeholder("UPN").Value(&a.Operator).Validate(upnValidator(known, "operator")),
		).Title("Accounts that must keep a way in"),
		huh.NewGroup(
			huh.NewMultiSelect[string]().Key("protocols").Title("Protocols step C switches off").
				Value(&a.Protocols).Options(protoOpts...).Validate(func(p []string) error {
				if len(p) == 0 {
					return fmt.Errorf("choose at least one protocol (none would mean the default: POP and IMAP)")
				}
				return nil
			}),
			huh.NewInput().Key("titles").Title("Scope: job titles").
				Description("per-user steps touch only these (wildcards: *Engineering*); empty: everyone").
				Placeholder("everyone").Value(&a.ScopeTitles),
		).Title("What the steps touch"),
		huh.NewGroup(
			huh.NewSelect[string]().Key("mfaPrompt").Title("Okta MFA prompt (step E)").
				Value(&a.MFAPrompt).Options(promptOpts...),
		).Title("MFA"),
	).WithShowHelp(false).WithShowErrors(false)
	km := huh.NewDefaultKeyMap()
	// ctrl+c belongs to the wizard; esc leaves the form without saving.
	km.Quit = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "discard"))
	form.WithKeyMap(km)
	return form, a
}

// normalProtocols is the chosen protocols as the form's values (the
// default, POP and IMAP, when none).
func normalProtocols(ps []string) []string {
	if len(ps) == 0 {
		return []string{"pop", "imap"}
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, strings.ToLower(strings.TrimSpace(p)))
	}
	return out
}

// upnValidator checks that every UPN of a typed list is a user of the
// organisation, naming the first one that is not.
func upnValidator(known map[string]bool, what string) func(string) error {
	return func(s string) error {
		if len(known) == 0 {
			return nil // the users could not be collected: nothing to check against
		}
		for _, u := range splitList(s) {
			if !known[strings.ToLower(u)] {
				return fmt.Errorf("%s %s is not a user of this organisation", what, truncate(Clean(u), 60))
			}
		}
		return nil
	}
}

// formTheme is the huh theme in the wizard's colours (set in NewStyles).
// Selected options carry a mark as well as a colour (NO_COLOR).
func formTheme(accent, muted, pass, fail, text color.Color) huh.Theme {
	return huh.ThemeFunc(func(isDark bool) *huh.Styles {
		t := huh.ThemeBase(isDark)
		t.Focused.Base = t.Focused.Base.BorderForeground(accent)
		t.Focused.Card = t.Focused.Base
		t.Focused.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
		t.Focused.Description = lipgloss.NewStyle().Foreground(muted)
		t.Focused.ErrorIndicator = lipgloss.NewStyle().Foreground(fail).SetString(" ✗")
		t.Focused.ErrorMessage = lipgloss.NewStyle().Foreground(fail).SetString("✗")
		t.Focused.SelectSelector = lipgloss.NewStyle().Foreground(accent).SetString("> ")
		t.Focused.MultiSelectSelector = t.Focused.SelectSelector
		t.Focused.Option = lipgloss.NewStyle().Foreground(text)
		t.Focused.SelectedOption = lipgloss.NewStyle().Foreground(pass)
		t.Focused.SelectedPrefix = lipgloss.NewStyle().Foreground(pass).SetString("[x] ")
		t.Focused.UnselectedPrefix = lipgloss.NewStyle().Foreground(muted).SetString("[ ] ")
		t.Focused.UnselectedOption = lipgloss.NewStyle().Foreground(text)
		t.Focused.TextInput.Prompt = lipgloss.NewStyle().Foreground(accent)
		t.Focused.TextInput.Placeholder = lipgloss.NewStyle().Foreground(muted)
		t.Focused.TextInput.Cursor = lipgloss.NewStyle().Foreground(accent)
		t.Blurred = t.Focused
		t.Blurred.Base = t.Focused.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Card = t.Blurred.Base
		t.Blurred.Title = lipgloss.NewStyle().Bold(true).Foreground(text)
		t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("  ")
		t.Blurred.MultiSelectSelector = t.Blurred.SelectSelector
		t.Blurred.NextIndicator = lipgloss.NewStyle()
		t.Blurred.PrevIndicator = lipgloss.NewStyle()
		t.Group.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
		t.Group.Description = t.Focused.Description
		return t
	})
}
