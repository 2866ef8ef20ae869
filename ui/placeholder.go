package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// placeholder stands in for a screen under construction (removed once
// every screen exists).
type placeholder struct {
	c    *Common
	name string
}

func (p *placeholder) Init() tea.Cmd                    { return nil }
func (p *placeholder) Update(tea.Msg) (Screen, tea.Cmd) { return p, nil }
func (p *placeholder) View() string                     { return " " + p.name + " (under construction)" }
func (p *placeholder) SetSize(int, int)                 {}
func (p *placeholder) ShortHelp() []key.Binding         { return nil }
func (p *placeholder) FullHelp() [][]key.Binding        { return nil }
func (p *placeholder) Capturing() bool                  { return false }
func (p *placeholder) Busy() string                     { return "" }
