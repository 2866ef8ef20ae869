package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// filterBox is a list's "/" text filter: while typing, enter keeps the
// text and esc clears it. Screens embed it (its typing and input fields
// are theirs) and call filterKey with every key while typing.
type filterBox struct {
	input  textinput.Model
	typing bool
}

// Capturing is true while the filter is being typed (the screens that
// embed a filterBox answer the root with it).
func (f *filterBox) Capturing() bool { return f.typing }

func newFilterBox(placeholder string) filterBox {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = placeholder
	return filterBox{input: in}
}

// openFilter starts typing, after the text kept so far, in the theme's
// styles.
func (f *filterBox) openFilter(st Styles) tea.Cmd {
	s := f.input.Styles()
	s.Focused.Prompt, s.Blurred.Prompt = st.Key, st.Key
	s.Focused.Placeholder, s.Blurred.Placeholder = st.Muted, st.Muted
	s.Focused.Text, s.Blurred.Text = st.Value, st.Value
	s.Cursor.Blink = false // a steady cursor: no timer running while typing
	f.input.SetStyles(s)
	f.typing = true
	f.input.CursorEnd()
	return f.input.Focus()
}

// filterKey handles a key while typing and returns the filter text now.
func (f *filterBox) filterKey(msg tea.KeyPressMsg) (tea.Cmd, string) {
	switch msg.String() {
	case "enter":
		f.typing = false
		f.input.Blur()
		return nil, f.input.Value()
	case "esc":
		f.typing = false
		f.input.Blur()
		f.input.Reset()
		return nil, ""
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	return cmd, f.input.Value()
}

// filterMsg passes any other message (the cursor's blink) to the input
// while typing.
func (f *filterBox) filterMsg(msg tea.Msg) tea.Cmd {
	if !f.typing {
		return nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	return cmd
}
