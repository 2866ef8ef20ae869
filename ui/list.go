package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// listKeys move a cursor through a list.
type listKeys struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f", " "), key.WithHelp("pgdn/f", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
	}
}

// listNav is a cursor over n rows of which height are on screen. It
// holds no rows: views render only rows Visible() names, so a list of
// 100,000 users costs one screen of work per frame.
type listNav struct {
	Cursor, Offset, N, Height int
}

// SetLen sets the number of rows, keeping the cursor in range.
func (l *listNav) SetLen(n int) {
	l.N = n
	l.clamp()
}

// SetHeight sets how many rows are on screen.
func (l *listNav) SetHeight(h int) {
	l.Height = max(h, 1)
	l.clamp()
}

// Move moves the cursor by d rows.
func (l *listNav) Move(d int) {
	l.Cursor += d
	l.clamp()
}

// Update moves the cursor for a key; it reports whether the key was one
// of the list's.
func (l *listNav) Update(msg tea.KeyPressMsg, k listKeys) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.Move(-1)
	case key.Matches(msg, k.Down):
		l.Move(1)
	case key.Matches(msg, k.PageUp):
		l.Move(-l.Height)
	case key.Matches(msg, k.PageDown):
		l.Move(l.Height)
	case key.Matches(msg, k.Home):
		l.Move(-l.N)
	case key.Matches(msg, k.End):
		l.Move(l.N)
	default:
		return false
	}
	return true
}

// Visible is the range of rows on screen, [from, to).
func (l *listNav) Visible() (from, to int) {
	return l.Offset, min(l.Offset+l.Height, l.N)
}

func (l *listNav) clamp() {
	if l.Height < 1 {
		l.Height = 1
	}
	l.Cursor = max(0, min(l.Cursor, l.N-1))
	if l.Cursor < l.Offset {
		l.Offset = l.Cursor
	}
	if l.Cursor >= l.Offset+l.Height {
		l.Offset = l.Cursor - l.Height + 1
	}
	l.Offset = max(0, min(l.Offset, l.N-l.Height))
}
