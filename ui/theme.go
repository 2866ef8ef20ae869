// Package ui is harden365's terminal interface (bubbletea v2): the
// wizard, one child model per screen (connect, discovery, findings,
// matrix, clients, plan, apply, report) under a thin root, with one
// keymap per screen and all styles here.
package ui

import (
	"image/color"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles are all the styles the UI uses, named by meaning. Views never
// build styles of their own.
type Styles struct {
	Title     lipgloss.Style
	Subtitle  lipgloss.Style
	Section   lipgloss.Style
	Label     lipgloss.Style
	Value     lipgloss.Style
	Muted     lipgloss.Style
	Pass      lipgloss.Style
	Fail      lipgloss.Style
	Warn      lipgloss.Style
	Running   lipgloss.Style
	ErrorText lipgloss.Style
	Help      lipgloss.Style
	// Column is a plain block; views set its width.
	Column lipgloss.Style

	// Tabs of the wizard's screens.
	Tab, TabActive, TabDisabled lipgloss.Style
	// Cursor marks the selected row; Selected its text.
	Cursor   lipgloss.Style
	Selected lipgloss.Style
	// Header is a table's header row.
	Header lipgloss.Style
	// Panel frames a detail pane (a rounded border).
	Panel lipgloss.Style
	// Key is a key's name in running text ("press enter").
	Key lipgloss.Style
	// Info is a neutral status (informational findings).
	Info lipgloss.Style
	// PanelActive frames a detail pane that has the keys (scrolling).
	PanelActive lipgloss.Style
	// Dark: the styles are for a dark background (the report's glamour style follows it).
	Dark bool
	// Form is the theme of huh forms (the plan's choices form).
	Form huh.Theme
}

// NewStyles builds the styles for a dark or light terminal background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	var (
		accent             = ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B7A6FF"))
		muted              = ld(lipgloss.Color("#7A7A7A"), lipgloss.Color("#8A8A8A"))
		pass               = ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#5FD787"))
		fail               = ld(lipgloss.Color("#B3261E"), lipgloss.Color("#FF6B6B"))
		warn               = ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#FFC857"))
		text   color.Color = ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#EDEDED"))
	)
	return Styles{
		Title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Subtitle:  lipgloss.NewStyle().Foreground(muted),
		Section:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Label:     lipgloss.NewStyle().Foreground(text),
		Value:     lipgloss.NewStyle().Bold(true).Foreground(text),
		Muted:     lipgloss.NewStyle().Foreground(muted),
		Pass:      lipgloss.NewStyle().Foreground(pass),
		Fail:      lipgloss.NewStyle().Foreground(fail),
		Warn:      lipgloss.NewStyle().Foreground(warn),
		Running:   lipgloss.NewStyle().Foreground(accent),
		ErrorText: lipgloss.NewStyle().Foreground(fail),
		Help:      lipgloss.NewStyle().Foreground(muted),
		Column:    lipgloss.NewStyle(),

		Tab:         lipgloss.NewStyle().Foreground(text),
		TabActive:   lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true),
		TabDisabled: lipgloss.NewStyle().Foreground(muted),
		Cursor:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		Selected:    lipgloss.NewStyle().Bold(true).Foreground(text).Reverse(false),
		Header:      lipgloss.NewStyle().Bold(true).Foreground(muted),
		Panel:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(muted).Padding(0, 1),
		Key:         lipgloss.NewStyle().Bold(true).Foreground(accent),
		Info:        lipgloss.NewStyle().Foreground(accent),
		PanelActive: lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		Dark:        isDark,
		Form:        formTheme(accent, muted, pass, fail, text),
	}
}
