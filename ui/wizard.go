package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/report"
)

// Page identifies a screen of the wizard.
type Page int

// The wizard's pages, in the order of the tabs.
const (
	PageConnect Page = iota
	PageDiscovery
	PageFindings
	PageMatrix
	PageClients
	PagePlan
	PageApply
	PageReport
	nPages
)

var pageTitles = [nPages]string{"Connect", "Discovery", "Findings", "Matrix", "Clients", "Plan", "Apply", "Report"}

func (p Page) String() string { return pageTitles[p] }

// Options configure the wizard.
type Options struct {
	// Mode is "demo" or the profile's name; Org what is collected
	// ("scenario contoso"); AsOf the date judged.
	Mode, Org string
	AsOf      time.Time
	// Backend does the I/O. With Connect set, the backend comes from the
	// connect screen instead, once the operator has signed in.
	Backend Backend
	// Connect, when set, starts the wizard on the connect screen.
	Connect *ConnectOptions
	// ReadOnly: no apply at all.
	ReadOnly bool
	// Resume starts from a saved session instead of discovering.
	Resume *report.Session
	// ResumeFile is the session's file, for the header and the next save.
	ResumeFile string
	// SaveOnQuit saves the session when the operator quits (when there is
	// something to save).
	SaveOnQuit bool
}

// Connected is sent by the connect screen when the operator has signed in.
type Connected struct {
	Backend   Backend
	Mode, Org string
	AsOf      time.Time
}

// Wizard is the root model: it owns the size, the global keys, the
// engagement and the navigation between screens, and hands every other
// message to the screen on show.
type Wizard struct {
	c       *Common
	opts    Options
	keys    globalKeys
	help    help.Model
	screens [nPages]Screen
	started [nPages]bool
	page    Page
	asOf    time.Time
	width   int
	height  int
	err     string // an error shown in the footer until dismissed
	navErr  bool   // err says a page is not available yet (cleared by moving)
	// Saved is the session file written on quit ("" when none).
	Saved   string
	SaveErr error
}

type globalKeys struct {
	Next, Prev key.Binding
	Jump       key.Binding
	Help       key.Binding
	Quit       key.Binding
	Dismiss    key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Next:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous")),
		Jump:    key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8"), key.WithHelp("1-7", "go to screen")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Dismiss: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "dismiss error")),
	}
}

// NewWizard builds the wizard.
func NewWizard(o Options) *Wizard {
	c := &Common{Styles: NewStyles(true), Eng: &Engagement{}, Backend: o.Backend, ReadOnly: o.ReadOnly, Mode: o.Mode, Org: o.Org, Width: 80, Height: 18}
	w := &Wizard{c: c, opts: o, keys: newGlobalKeys(), help: help.New(), width: 80, height: 24, asOf: o.AsOf}
	w.screens[PageConnect] = newConnect(c, o.Connect)
	w.screens[PageDiscovery] = newDiscoveryScreen(c, o.AsOf)
	w.screens[PageFindings] = newFindings(c)
	w.screens[PageMatrix] = newMatrixScreen(c)
	w.screens[PageClients] = newClients(c)
	w.screens[PagePlan] = newPlan(c)
	w.screens[PageApply] = newApply(c)
	w.screens[PageReport] = newReportScreen(c)
	w.page = PageDiscovery
	if o.Connect != nil {
		w.page = PageConnect
	}
	return w
}

// Common exposes the shared state (tests read the engagement from it).
func (w *Wizard) Common() *Common { return w.c }

// Page is the screen on show.
func (w *Wizard) Page() Page { return w.page }

// Screen returns a page's screen.
func (w *Wizard) Screen(p Page) Screen { return w.screens[p] }

// Init starts the first screen, or resumes a session.
func (w *Wizard) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if s := w.opts.Resume; s != nil {
		w.c.Eng.Resumed = w.opts.ResumeFile
		w.c.Eng.Choices = s.Choices
		w.c.Eng.Steps = orderSteps(s.Plan)
		if s.Snapshot != nil && w.asOf.IsZero() {
			w.asOf = s.Snapshot.AsOf
		}
		// What the session's apply did goes on into the report: its
		// journal, named relative to the session file's folder.
		if s.Journal != "" {
			journal := s.Journal
			if !filepath.IsAbs(journal) && w.opts.ResumeFile != "" {
				journal = filepath.Join(filepath.Dir(w.opts.ResumeFile), journal)
			}
			// Absolute, so that the session saved again on quit names it
			// from wherever it is saved.
			if abs, err := filepath.Abs(journal); err == nil {
				journal = abs
			}
			w.c.Eng.Applied = &ApplyOutcome{Journal: journal, Verification: s.Verification}
		}
		w.page = PageFindings
		cmds = append(cmds, Send(SnapshotMsg{Snapshot: s.Snapshot}))
	}
	cmds = append(cmds, w.start(w.page))
	return tea.Batch(cmds...)
}

func (w *Wizard) start(p Page) tea.Cmd {
	if w.started[p] {
		return nil
	}
	w.started[p] = true
	return w.screens[p].Init()
}

// enabled says whether a page can be shown now, and if not, why.
func (w *Wizard) enabled(p Page) (bool, string) {
	switch {
	case p == PageConnect:
		return w.opts.Connect != nil, "a demo needs no sign-in"
	case p == PageDiscovery:
		return w.c.Backend.Discover != nil || w.c.Eng.Snapshot != nil, "sign in first"
	case w.c.Eng.Snapshot == nil:
		return false, "discovery has not finished"
	}
	return true, ""
}

// Update is the thin root: size, engagement, global keys, navigation;
// everything else goes to the screen on show.
func (w *Wizard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if cmd, ok := w.c.Eng.handle(msg, w.c.Backend.Now); ok {
		cmds = append(cmds, cmd)
		// Every screen hears that the engagement changed.
		for p := range w.screens {
			var c tea.Cmd
			w.screens[p], c = w.screens[p].Update(EngagementMsg{})
			cmds = append(cmds, c)
		}
		return w, tea.Batch(cmds...)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w.width, w.height = msg.Width, msg.Height
		w.help.SetWidth(max(msg.Width-1, 1)) // the bar starts one column in
		w.resize()
		// The screen on show may redo work that depends on the width (the
		// report's wrapping); the others have their new size already.
		var cmd tea.Cmd
		w.screens[w.page], cmd = w.screens[w.page].Update(msg)
		return w, cmd
	case tea.BackgroundColorMsg:
		w.c.Styles = NewStyles(msg.IsDark())
		w.help.Styles = help.DefaultStyles(msg.IsDark())
	case Connected:
		w.c.Backend, w.c.Mode, w.c.Org = msg.Backend, msg.Mode, msg.Org
		if !msg.AsOf.IsZero() {
			w.asOf = msg.AsOf
		}
		return w, w.show(PageDiscovery)
	case ErrorMsg:
		w.err = msg.Error()
		w.resize()
		return w, nil
	case GoTo:
		return w, w.show(Page(msg))
	case savedMsg:
		w.Saved, w.SaveErr = msg.path, msg.err
		return w, tea.Quit
	case tea.KeyPressMsg:
		if cmd, done := w.key(msg); done {
			return w, cmd
		}
	case Targeted:
		// A screen's background work reaches it whichever screen is on show.
		var cmd tea.Cmd
		p := msg.Target()
		w.screens[p], cmd = w.screens[p].Update(msg)
		return w, cmd
	}
	var cmd tea.Cmd
	w.screens[w.page], cmd = w.screens[w.page].Update(msg)
	return w, cmd
}

// key handles the global keys; done is false when the screen should have
// the key.
func (w *Wizard) key(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	scr := w.screens[w.page]
	if msg.String() == "ctrl+c" {
		if scr.Busy() != "" {
			return nil, false // the screen asks before abandoning its work
		}
		return w.quit(), true
	}
	if scr.Capturing() {
		return nil, false
	}
	switch {
	case key.Matches(msg, w.keys.Quit):
		if scr.Busy() != "" {
			return nil, false
		}
		return w.quit(), true
	case key.Matches(msg, w.keys.Help):
		w.help.ShowAll = !w.help.ShowAll
		w.resize()
		return nil, true
	case key.Matches(msg, w.keys.Dismiss) && w.err != "":
		w.err = ""
		w.resize()
		return nil, true
	case key.Matches(msg, w.keys.Next):
		return w.step(+1), true
	case key.Matches(msg, w.keys.Prev):
		return w.step(-1), true
	case key.Matches(msg, w.keys.Jump):
		n := int(msg.String()[0] - '0')
		// The digits number the tabs on show.
		tabs := w.tabs()
		if n >= 1 && n <= len(tabs) {
			return w.show(tabs[n-1]), true
		}
		return nil, true
	}
	return nil, false
}

// tabs are the pages that have a tab: connect only when signing in.
func (w *Wizard) tabs() []Page {
	var out []Page
	for p := Page(0); p < nPages; p++ {
		if p == PageConnect && w.opts.Connect == nil {
			continue
		}
		out = append(out, p)
	}
	return out
}

// step moves to the next (or previous) enabled page.
func (w *Wizard) step(dir int) tea.Cmd {
	tabs := w.tabs()
	at := 0
	for i, p := range tabs {
		if p == w.page {
			at = i
		}
	}
	for i := 1; i < len(tabs); i++ {
		p := tabs[(at+dir*i+len(tabs)*i)%len(tabs)]
		if ok, _ := w.enabled(p); ok {
			return w.show(p)
		}
	}
	return nil
}

// show switches to a page, or says why it cannot.
func (w *Wizard) show(p Page) tea.Cmd {
	if ok, why := w.enabled(p); !ok {
		w.err, w.navErr = fmt.Sprintf("%s is not available yet: %s", p, why), true
		w.resize()
		return nil
	}
	if w.navErr {
		w.err, w.navErr = "", false
	}
	w.page = p
	w.resize()
	return w.start(p)
}

// quit saves the session (when asked to and there is something to save),
// then ends the program.
func (w *Wizard) quit() tea.Cmd {
	e := w.c.Eng
	if !w.opts.SaveOnQuit || e.Snapshot == nil || w.c.Backend.SaveSession == nil {
		return tea.Quit
	}
	s := report.NewSession(report.Tool{Name: "harden365", Version: w.c.Backend.Version}, w.clock(), e.Choices.Operator, e.Snapshot, e.Choices, e.Findings, e.Steps)
	if e.Applied != nil && e.Applied.Journal != "" {
		s.Journal = e.Applied.Journal
		s.Verification = e.Applied.Verification
		if e.Applied.After != nil {
			s.Verification = &report.Verification{CollectedAt: e.Applied.After.CollectedAt, Differences: e.Applied.Differences}
		}
	}
	save := w.c.Backend.SaveSession
	return func() tea.Msg {
		path, err := save(s)
		return savedMsg{path, err}
	}
}

func (w *Wizard) clock() time.Time {
	if w.c.Backend.Now != nil {
		return w.c.Backend.Now()
	}
	if w.c.Eng.Snapshot != nil {
		return w.c.Eng.Snapshot.CollectedAt
	}
	return time.Time{}
}

type savedMsg struct {
	path string
	err  error
}

// Targeted is a message for one screen, delivered whichever is on show
// (the result of a screen's background work).
type Targeted interface{ Target() Page }

// GoTo asks the root to show a page.
type GoTo Page

// ErrorMsg shows an error in the footer until dismissed.
type ErrorMsg struct{ Err error }

func (e ErrorMsg) Error() string { return e.Err.Error() }

// layout: header (1), tabs (1), body, blank (1), error (0/1), help (1 or
// more).
func (w *Wizard) resize() {
	hv := w.helpView()
	fixed := 3 + strings.Count(hv, "\n") + 1
	if w.err != "" {
		fixed++
	}
	w.c.Width, w.c.Height = max(w.width, 40), max(w.height-fixed, 3)
	for _, s := range w.screens {
		s.SetSize(w.c.Width, w.c.Height)
	}
}

// View draws the frame around the screen on show.
func (w *Wizard) View() tea.View {
	v := tea.NewView(w.render())
	v.AltScreen = true
	return v
}

func (w *Wizard) render() string {
	st := w.c.Styles
	width := max(w.width, 40)
	var b strings.Builder
	title := st.Title.Render("harden365") + st.Subtitle.Render(" · "+Clean(w.c.Mode))
	org := w.c.Org
	if e := w.c.Eng; e.Snapshot != nil && e.Snapshot.Tenant.DisplayName != "" {
		org = e.Snapshot.Tenant.DisplayName
	}
	right := Clean(org)
	if !w.asOf.IsZero() {
		right += " · as of " + w.asOf.Format("2006-01-02")
	}
	if w.c.ReadOnly {
		right += " · read-only"
	}
	right = st.Subtitle.Render(truncate(right, max(width-lipgloss.Width(title)-3, 10)))
	gap := width - lipgloss.Width(title) - lipgloss.Width(right) - 2
	b.WriteString(" " + title + strings.Repeat(" ", max(gap, 1)) + right + "\n")
	b.WriteString(" " + w.renderTabs(width-1) + "\n")

	body := w.screens[w.page].View()
	body = strings.TrimRight(body, "\n")
	lines := strings.Split(body, "\n")
	if len(lines) > w.c.Height {
		lines = lines[:w.c.Height]
	}
	b.WriteString(strings.Join(lines, "\n"))
	if pad := w.c.Height - len(lines); pad > 0 {
		b.WriteString(strings.Repeat("\n", pad))
	}
	b.WriteString("\n")
	if w.err != "" {
		b.WriteString("\n " + st.ErrorText.Render(truncate("✗ "+Clean(w.err), width-16)) + st.Help.Render("  x dismiss"))
	}
	// The help bubble may overflow a narrow screen; every line is cut to it.
	for _, l := range strings.Split(w.helpView(), "\n") {
		b.WriteString("\n " + ansi.Truncate(l, width-1, "…"))
	}
	return b.String()
}

func (w *Wizard) renderTabs(width int) string {
	st := w.c.Styles
	var parts []string
	for i, p := range w.tabs() {
		label := fmt.Sprintf("%d %s", i+1, p)
		ok, _ := w.enabled(p)
		switch {
		case p == w.page:
			parts = append(parts, st.TabActive.Render(label))
		case !ok:
			parts = append(parts, st.TabDisabled.Render(label))
		default:
			parts = append(parts, st.Tab.Render(label))
		}
	}
	line := strings.Join(parts, " ")
	if lipgloss.Width(line) > width {
		// Narrow: numbers only but for the page on show.
		parts = parts[:0]
		for i, p := range w.tabs() {
			if p == w.page {
				parts = append(parts, st.TabActive.Render(fmt.Sprintf("%d %s", i+1, p)))
			} else {
				parts = append(parts, st.Tab.Render(fmt.Sprint(i+1)))
			}
		}
		line = strings.Join(parts, " ")
	}
	return line
}

// joinedKeys joins the screen's keys and the global ones for the help bar.
func (w *Wizard) joinedKeys() joinedKeys {
	scr := w.screens[w.page]
	return joinedKeys{screen: scr, global: w.keys, errShown: w.err != "", capturing: scr.Capturing() || scr.Busy() != ""}
}

// helpView is the help bar. The short bar must fit one line with "? help"
// and "q quit" on it, the keys a first-time user looks for: where the
// screen's keys are too many for the width, its last ones give way (the
// full help, ?, still lists them all).
func (w *Wizard) helpView() string {
	km := w.joinedKeys()
	if w.help.ShowAll {
		return w.help.View(km)
	}
	measure := w.help
	measure.SetWidth(0) // untruncated, to measure
	for ; km.drop < 16; km.drop++ {
		if lipgloss.Width(measure.ShortHelpView(km.ShortHelp())) <= w.help.Width() {
			break
		}
	}
	return w.help.View(km)
}

type joinedKeys struct {
	screen   help.KeyMap
	global   globalKeys
	errShown bool
	// capturing: the screen has the keyboard, the global keys are not live.
	capturing bool
	// drop: how many of the short bar's least needed keys give way to a
	// narrow screen: tab first (the tabs are on show, and ? lists the
	// keys that move between them), then the screen's last keys, never
	// its first.
	drop int
}

func (k joinedKeys) ShortHelp() []key.Binding {
	var out []key.Binding
	for _, b := range k.screen.ShortHelp() {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	drop := k.drop
	if !k.capturing && drop > 0 {
		drop-- // tab
	}
	if n := min(drop, len(out)-1); n > 0 {
		out = out[:len(out)-n]
	}
	if k.capturing {
		return out
	}
	if k.drop > 0 {
		return append(out, k.global.Help, k.global.Quit)
	}
	return append(out, k.global.Next, k.global.Help, k.global.Quit)
}

func (k joinedKeys) FullHelp() [][]key.Binding {
	out := append([][]key.Binding{}, k.screen.FullHelp()...)
	if k.capturing {
		return out
	}
	g := []key.Binding{k.global.Next, k.global.Prev, k.global.Jump, k.global.Help, k.global.Quit}
	if k.errShown {
		g = append(g, k.global.Dismiss)
	}
	return append(out, g)
}
