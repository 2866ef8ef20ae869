package ui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
)

type reportKeys struct {
	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Home, End key.Binding
	Save                                                    key.Binding
}

func newReportKeys() reportKeys {
	return reportKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f", "space"), key.WithHelp("pgdn/f", "page down")),
		HalfUp:   key.NewBinding(key.WithKeys("u", "ctrl+u"), key.WithHelp("u", "half page up")),
		HalfDown: key.NewBinding(key.WithKeys("d", "ctrl+d"), key.WithHelp("d", "half page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Save:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save the report")),
	}
}

// reportSource is what a report is made from: when none of it changed,
// an EngagementMsg (the findings judged again, a plan previewed) costs
// nothing here.
type reportSource struct {
	snap    *tenant.Snapshot
	choices remediate.Choices
	steps   []string
	applied *ApplyOutcome
}

func (s reportSource) same(o reportSource) bool {
	return s.snap == o.snap && s.applied == o.applied && slices.Equal(s.steps, o.steps) && reflect.DeepEqual(s.choices, o.choices)
}

// renderKey is what a rendering depends on besides the markdown.
type renderKey struct {
	width int
	style string
}

// Results of the report's background work.
type (
	reportBuiltMsg struct {
		gen        int64
		md         string
		err        error // the report could not be made
		journalErr error // the apply journal could not be read
		rendered   reportRenderedMsg
	}
	reportRenderedMsg struct {
		gen int64
		key renderKey
		out string
		err error
	}
	reportSavedMsg struct {
		path string
		err  error
	}
	// reportWorkDone wakes the program when background work ends (its
	// result waits in the screen's inbox).
	reportWorkDone struct{}
)

// Report is the report screen: the markdown handover report, rendered
// with glamour, in a viewport that scrolls; s saves it.
//
// Making the report (judging again, reading the journal, rendering) runs
// in the background. Its result goes to an inbox the screen reads in
// Update and in View: the root hands a command's message to the screen on
// show, which may be another one by then, and the root does not tell a
// screen when it is shown again or resized.
type Report struct {
	c      *Common
	keys   reportKeys
	vp     viewport.Model
	width  int
	height int
	// style pins glamour's style ("notty" in tests); "" follows the
	// terminal's background.
	style string
	// debounce delays a rebuild asked for by a change of the engagement,
	// so that a burst of changes costs one build.
	debounce time.Duration

	started  bool
	src      reportSource
	gen      atomic.Int64
	building bool
	md       string
	err      error
	jerr     error
	shown    renderKey // what the viewport holds
	asked    renderKey // the rendering under way ({} when none)
	rerr     error
	saving   bool
	saved    string
	saveErr  error

	mu    sync.Mutex
	inbox []tea.Msg
}

func newReportScreen(c *Common) Screen {
	m := &Report{c: c, keys: newReportKeys(), vp: viewport.New(), width: 80, height: 18, debounce: 300 * time.Millisecond}
	m.vp.KeyMap = viewport.KeyMap{
		Up: m.keys.Up, Down: m.keys.Down, PageUp: m.keys.PageUp, PageDown: m.keys.PageDown,
		HalfPageUp: m.keys.HalfUp, HalfPageDown: m.keys.HalfDown,
		Left: key.NewBinding(key.WithDisabled()), Right: key.NewBinding(key.WithDisabled()),
	}
	m.vp.MouseWheelEnabled = true
	m.SetSize(80, 18)
	return m
}

func (m *Report) ShortHelp() []key.Binding {
	m.syncKeys()
	return []key.Binding{m.keys.Save, m.keys.Down, m.keys.Up, m.keys.PageDown}
}

func (m *Report) FullHelp() [][]key.Binding {
	m.syncKeys()
	k := m.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Home, k.End}, {k.Save}}
}

func (m *Report) syncKeys() {
	// Saving needs a backend that can, and a report that is up to date.
	m.keys.Save.SetEnabled(m.c.Backend.SaveReport != nil && m.md != "" && !m.building && !m.saving)
}

func (m *Report) Capturing() bool { return false }
func (m *Report) Busy() string    { return "" }

// SetSize sets the body's size; a new width re-renders the report.
func (m *Report) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.SetWidth(max(w, 10))
	m.vp.SetHeight(max(h-m.chrome(), 1))
	m.ensure()
}

// chrome is the lines around the viewport: the status line, and a line
// for a journal that could not be read.
func (m *Report) chrome() int {
	if m.jerr != nil {
		return 2
	}
	return 1
}

// Init builds the report the first time the screen is shown.
func (m *Report) Init() tea.Cmd {
	m.started = true
	return m.rebuild(0)
}

// wanted is the rendering the screen needs now.
func (m *Report) wanted() renderKey {
	style := m.style
	if style == "" {
		style = "light"
		if m.c.Styles.Dark {
			style = "dark"
		}
	}
	return renderKey{width: max(m.width, 20), style: style}
}

// rebuild makes the report again from the engagement, after delay.
func (m *Report) rebuild(delay time.Duration) tea.Cmd {
	e := m.c.Eng
	src := reportSource{snap: e.Snapshot, choices: e.Choices, steps: slices.Clone(e.Steps), applied: e.Applied}
	m.src = src
	if src.snap == nil {
		return nil
	}
	gen := m.gen.Add(1)
	m.building, m.asked = true, renderKey{}
	version, key := m.c.Backend.Version, m.wanted()
	now := src.snap.AsOf
	if m.c.Backend.Now != nil {
		now = m.c.Backend.Now()
	}
	return m.work(func() tea.Msg {
		if delay > 0 {
			time.Sleep(delay)
			if m.gen.Load() != gen {
				return nil // a newer build was asked for meanwhile
			}
		}
		return buildReport(gen, version, src, now, key)
	})
}

// buildReport judges the snapshot (as `assess` does), adds what the apply
// journal recorded, and renders the markdown.
func buildReport(gen int64, version string, src reportSource, now time.Time, key renderKey) tea.Msg {
	in, err := report.Judge(version, src.snap, src.choices, src.steps, now)
	if err != nil {
		return reportBuiltMsg{gen: gen, err: err}
	}
	var jerr error
	if a := src.applied; a != nil && a.Journal != "" {
		in.Applied, jerr = appliedFromJournal(a, src.snap)
	}
	md := report.Markdown(in)
	return reportBuiltMsg{gen: gen, md: md, journalErr: jerr, rendered: renderReport(gen, md, key)}
}

// appliedFromJournal reads the apply's journal into what the report shows
// of it; the verification is the apply's.
func appliedFromJournal(a *ApplyOutcome, snap *tenant.Snapshot) (*report.Applied, error) {
	j, err := remediate.ReadJournalFile(a.Journal)
	if err != nil {
		return nil, err
	}
	if j.Header.Kind != "" && j.Header.Kind != remediate.KindApply {
		return nil, fmt.Errorf("%s is a %s journal, not an apply's", a.Journal, j.Header.Kind)
	}
	if want, got := snap.Tenant.ID, j.Header.Tenant.ID; want != "" && got != "" && want != got {
		return nil, fmt.Errorf("%s is of tenant %s, not of %s", a.Journal, got, want)
	}
	v := a.Verification
	if a.After != nil {
		v = &report.Verification{CollectedAt: a.After.CollectedAt, Differences: a.Differences}
	}
	return report.AppliedFromJournal(j, a.Journal, v), nil
}

func renderReport(gen int64, md string, key renderKey) reportRenderedMsg {
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(key.style), glamour.WithWordWrap(key.width))
	if err != nil {
		return reportRenderedMsg{gen: gen, key: key, err: err}
	}
	out, err := r.Render(md)
	// glamour opens with a blank line: at 80x24 every line counts.
	for strings.HasPrefix(out, "\n") || (strings.Contains(out, "\n") && strings.TrimSpace(out[:strings.Index(out, "\n")]) == "") {
		out = out[strings.Index(out, "\n")+1:]
	}
	return reportRenderedMsg{gen: gen, key: key, out: strings.TrimRight(out, "\n "), err: err}
}

// work runs f in the background; its result waits in the inbox. The
// command returned ends with f, so that the program draws again.
func (m *Report) work(f func() tea.Msg) tea.Cmd {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if msg := f(); msg != nil {
			m.mu.Lock()
			m.inbox = append(m.inbox, msg)
			m.mu.Unlock()
		}
	}()
	return func() tea.Msg {
		<-done
		return reportWorkDone{}
	}
}

// drain takes the results of background work.
func (m *Report) drain() {
	m.mu.Lock()
	msgs := m.inbox
	m.inbox = nil
	m.mu.Unlock()
	for _, msg := range msgs {
		switch msg := msg.(type) {
		case reportBuiltMsg:
			if msg.gen != m.gen.Load() {
				continue
			}
			m.building = false
			m.err, m.md, m.jerr = msg.err, msg.md, msg.journalErr
			m.vp.SetHeight(max(m.height-m.chrome(), 1))
			if msg.err == nil {
				m.take(msg.rendered, true)
			}
		case reportRenderedMsg:
			m.take(msg, false)
		case reportSavedMsg:
			m.saving, m.saved, m.saveErr = false, msg.path, msg.err
		}
	}
	m.ensure()
}

// take puts a rendering in the viewport, keeping the place in the text
// when the report was only re-wrapped.
func (m *Report) take(r reportRenderedMsg, fresh bool) {
	if r.gen != m.gen.Load() {
		return
	}
	if r.key == m.asked {
		m.asked = renderKey{}
	}
	m.rerr = r.err
	if r.err != nil {
		return
	}
	at := m.vp.ScrollPercent()
	m.vp.SetContent(r.out)
	m.shown = r.key
	if fresh {
		return
	}
	m.vp.SetYOffset(int(at * float64(max(m.vp.TotalLineCount()-m.vp.Height(), 0))))
}

// ensure re-renders the markdown when the width or the style changed.
func (m *Report) ensure() tea.Cmd {
	want := m.wanted()
	if m.md == "" || m.building || m.shown == want || m.asked == want {
		return nil
	}
	m.asked = want
	gen, md := m.gen.Load(), m.md
	return m.work(func() tea.Msg { return renderReport(gen, md, want) })
}

// Update handles the keys and the results of background work.
func (m *Report) Update(msg tea.Msg) (Screen, tea.Cmd) {
	m.drain()
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case EngagementMsg:
		if m.started {
			e := m.c.Eng
			now := reportSource{snap: e.Snapshot, choices: e.Choices, steps: e.Steps, applied: e.Applied}
			if !now.same(m.src) {
				cmds = append(cmds, m.rebuild(m.debounce))
			}
		}
	case tea.KeyPressMsg:
		m.syncKeys()
		switch {
		case key.Matches(msg, m.keys.Save):
			cmds = append(cmds, m.save())
		case key.Matches(msg, m.keys.Home):
			m.vp.GotoTop()
		case key.Matches(msg, m.keys.End):
			m.vp.GotoBottom()
		default:
			m.vp, _ = m.vp.Update(msg)
		}
	case tea.MouseWheelMsg:
		m.vp, _ = m.vp.Update(msg)
	}
	cmds = append(cmds, m.ensure())
	return m, tea.Batch(cmds...)
}

// save writes the markdown on screen through the backend.
func (m *Report) save() tea.Cmd {
	save, md := m.c.Backend.SaveReport, m.md
	if save == nil || md == "" || m.building {
		return nil
	}
	m.saving, m.saved, m.saveErr = true, "", nil
	return m.work(func() tea.Msg {
		path, err := save(md)
		return reportSavedMsg{path: path, err: err}
	})
}

// View renders the body: the report, then a status line.
func (m *Report) View() string {
	m.drain()
	st := m.c.Styles
	w := max(m.width, 20)
	switch {
	case m.c.Eng.Snapshot == nil:
		return " " + st.Muted.Render("Nothing collected yet: the report needs a discovery.")
	case m.err != nil && !m.building:
		return " " + st.Fail.Render("✗ ") + truncate("The report could not be made: "+Clean(m.err.Error()), w-4)
	case m.shown == (renderKey{}) && m.rerr != nil:
		return " " + st.Fail.Render("✗ ") + truncate("The report could not be rendered: "+Clean(m.rerr.Error()), w-4)
	case m.shown == (renderKey{}):
		return " " + st.Running.Render("Rendering the report…")
	}
	out := ""
	if m.jerr != nil {
		out = " " + st.Warn.Render(truncate("! The apply journal could not be read ("+Clean(m.jerr.Error())+"): the report leaves out what was applied", w-2)) + "\n"
	}
	return out + m.vp.View() + "\n" + m.status(w)
}

// status is where in the report the view is, and what saving did.
func (m *Report) status(w int) string {
	st := m.c.Styles
	total := m.vp.TotalLineCount()
	from := m.vp.YOffset() + 1
	to := min(m.vp.YOffset()+m.vp.Height(), total)
	where := fmt.Sprintf(" lines %d–%d of %d", from, to, total)
	var note string
	switch {
	case m.saving:
		note = st.Running.Render("saving…")
	case m.saveErr != nil:
		note = st.Fail.Render("✗ ") + Clean("could not save: "+m.saveErr.Error())
	case m.saved != "":
		note = st.Pass.Render("✓ ") + "saved to " + Clean(m.saved)
	case m.building:
		note = st.Running.Render("the engagement changed: rendering the report again…")
	case m.shown != m.wanted():
		note = st.Running.Render("re-wrapping for the new width…")
	case m.rerr != nil:
		note = st.Fail.Render("✗ ") + Clean("could not render: "+m.rerr.Error())
	case m.c.Backend.SaveReport == nil:
		note = st.Muted.Render("saving is not available in this session")
	default:
		note = st.Muted.Render("s saves it as markdown")
	}
	return clip(st.Muted.Render(where)+st.Muted.Render(" · ")+note, w)
}
