package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

// Discoverer runs discovery, reporting progress to sink. The CLI binds it
// to clients.Discover; tests bind it to anything.
type Discoverer func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error)

type discoveryKeys struct {
	Toggle key.Binding
	Go     key.Binding
}

func (k discoveryKeys) ShortHelp() []key.Binding { return []key.Binding{k.Toggle, k.Go} }
func (k discoveryKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Toggle, k.Go}}
}

func newDiscoveryKeys() discoveryKeys {
	k := discoveryKeys{
		Toggle: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sources/summary")),
		Go:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "see the findings")),
	}
	k.Toggle.SetEnabled(false)
	k.Go.SetEnabled(false)
	return k
}

// source is one collector's row.
type source struct {
	id, service   string
	items, pages  int
	started, done time.Time
	// waiting is why the source waits (throttled, a server error), and
	// retryAt when it tries again; "" when it does not wait.
	waiting string
	retryAt time.Time
	status  *tenant.SourceStatus
}

// Messages.
type (
	progressMsg struct{ ev collect.Event }
	finishedMsg struct {
		snap *tenant.Snapshot
		err  error
	}
)

// Discovery is the discovery screen: live progress per collector, then a
// summary of what was found. The operator can go on with partial data:
// what could not be collected is listed with its reason and fix, and the
// findings it affects say "error".
type Discovery struct {
	c        *Common
	asOf     time.Time
	events   chan tea.Msg
	cancel   context.CancelFunc
	keys     discoveryKeys
	spin     spinner.Model
	sources  map[string]*source
	started  time.Time
	finished time.Time
	snap     *tenant.Snapshot
	err      error
	summary  bool // summary view (after discovery) vs sources view
	width    int
	height   int
	now      func() time.Time
}

func newDiscoveryScreen(c *Common, asOf time.Time) *Discovery {
	return &Discovery{
		c: c, asOf: asOf, events: make(chan tea.Msg, 256), keys: newDiscoveryKeys(),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		sources: map[string]*source{}, width: 80, height: 18, now: time.Now,
	}
}

// Snapshot is what discovery found (nil until it finishes).
func (m *Discovery) Snapshot() *tenant.Snapshot { return m.snap }

func (m *Discovery) ShortHelp() []key.Binding  { return m.keys.ShortHelp() }
func (m *Discovery) FullHelp() [][]key.Binding { return m.keys.FullHelp() }
func (m *Discovery) Capturing() bool           { return false }
func (m *Discovery) Busy() string              { return "" }

// SetSize sets the body's size.
func (m *Discovery) SetSize(w, h int) { m.width, m.height = w, h }

// Init starts discovery in the background (a resumed session has
// nothing to discover).
func (m *Discovery) Init() tea.Cmd {
	if m.c.Backend.Discover == nil || m.c.Eng.Resumed != "" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.started = m.now()
	run := m.c.Backend.Discover
	go func() {
		snap, err := run(ctx, func(ev collect.Event) { m.events <- progressMsg{ev} })
		m.events <- finishedMsg{snap, err}
	}()
	return tea.Batch(m.wait(), m.spin.Tick)
}

// Stop cancels a discovery under way.
func (m *Discovery) Stop() {
	if m.cancel != nil {
		m.cancel()
	}
}

func (m *Discovery) wait() tea.Cmd {
	return func() tea.Msg { return <-m.events }
}

// Update handles keys and progress.
func (m *Discovery) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case EngagementMsg:
		if m.snap == nil && m.c.Eng.Snapshot != nil && m.started.IsZero() {
			m.snap, m.summary = m.c.Eng.Snapshot, true
			m.keys.Toggle.SetEnabled(true)
			m.keys.Go.SetEnabled(true)
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Toggle):
			m.summary = !m.summary
		case key.Matches(msg, m.keys.Go):
			return m, Send(GoTo(PageFindings))
		}
	case progressMsg:
		m.apply(msg.ev)
		return m, m.wait()
	case finishedMsg:
		m.snap, m.err, m.finished = msg.snap, msg.err, m.now()
		m.summary = m.snap != nil
		m.keys.Toggle.SetEnabled(m.snap != nil)
		m.keys.Go.SetEnabled(m.snap != nil)
		if m.err != nil {
			return m, Send(ErrorMsg{Err: fmt.Errorf("discovery stopped: %w", m.err)})
		}
		return m, Send(SnapshotMsg{Snapshot: m.snap})
	case spinner.TickMsg:
		if m.snap != nil {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Discovery) apply(ev collect.Event) {
	s := m.sources[ev.Source]
	if s == nil {
		s = &source{id: ev.Source, service: ev.Service, started: m.now()}
		m.sources[ev.Source] = s
	}
	s.items, s.pages = ev.Items, ev.Pages
	switch ev.Kind {
	case collect.Waiting:
		s.waiting, s.retryAt = ev.Message, m.now().Add(ev.Wait)
	case collect.Page:
		s.waiting = ""
	case collect.Done:
		s.waiting, s.status, s.done = "", ev.Status, m.now()
	}
}

// View renders the body: a status line, then the sources or the summary.
func (m *Discovery) View() string {
	w := max(m.width, 40)
	var b strings.Builder
	// The status line wraps on a narrow screen, never runs off it.
	status := strings.Split(ansi.Wrap(m.statusLine(), w-2, ""), "\n")
	for _, l := range status {
		b.WriteString(" " + l + "\n")
	}
	b.WriteString("\n")
	budget := m.height - 1 - len(status)
	var body string
	if m.summary && m.snap != nil {
		body = m.renderSummary(w, budget)
	} else {
		body = m.renderSources(w, budget)
	}
	b.WriteString(strings.TrimRight(body, "\n"))
	return b.String()
}

func (m *Discovery) statusLine() string {
	st := m.c.Styles
	total, done, failed := len(m.sources), 0, 0
	for _, s := range m.sources {
		if s.status != nil {
			done++
			if s.status.State == tenant.StateError {
				failed++
			}
		}
	}
	if m.snap == nil {
		return st.Running.Render(m.spin.View()) + fmt.Sprintf(" Discovering… %d/%d sources · %s", done, total, m.now().Sub(m.started).Round(100*time.Millisecond))
	}
	total, failed = len(m.snap.Collection), len(m.snap.Errors())
	skipped := 0
	for _, st := range m.snap.Collection {
		if st.State == tenant.StateSkipped {
			skipped++
		}
	}
	notRead := ""
	if skipped > 0 {
		notRead = fmt.Sprintf(", %d not read by choice", skipped)
	}
	line := fmt.Sprintf("Discovery finished in %s · %d sources", m.finished.Sub(m.started).Round(10*time.Millisecond), total)
	if m.started.IsZero() && m.c.Eng.Resumed == "" {
		line = fmt.Sprintf("Loaded a snapshot collected %s · %d sources", m.snap.CollectedAt.UTC().Format("2006-01-02 15:04 MST"), total)
	} else if m.started.IsZero() {
		line = fmt.Sprintf("Resumed from %s · collected %s · %d sources", Clean(m.c.Eng.Resumed), m.snap.CollectedAt.UTC().Format("2006-01-02 15:04 MST"), total)
	}
	if m.err != nil {
		return st.Fail.Render("✗ ") + line + st.ErrorText.Render(" · stopped: "+Clean(m.err.Error()))
	}
	if failed > 0 {
		return st.Warn.Render("! ") + line + st.Warn.Render(fmt.Sprintf(" · %d could not be collected", failed)) + notRead
	}
	if skipped > 0 {
		return st.Pass.Render("✓ ") + line + fmt.Sprintf(" · %d collected%s", total-skipped, notRead)
	}
	return st.Pass.Render("✓ ") + line + " · all collected"
}

var serviceTitles = map[string]string{"graph": "Microsoft Graph", "exchange": "Exchange Online", "okta": "Okta", "dns": "Mail DNS", "probe": "Mail endpoints"}

// sourceLabels are the friendly names of the sources.
var sourceLabels = map[string]string{
	"graph.organization": "Organization", "graph.domains": "Domains & federation", "graph.users": "Users",
	"graph.signIns": "Legacy sign-ins 30d", "graph.conditionalAccess": "Conditional access",
	"graph.securityDefaults": "Security defaults", "graph.emailAppUsage": "Mail app usage",
	"okta.org": "Org engine", "okta.apps": "Office 365 app", "okta.policies": "Sign-on rules", "okta.groups": "Groups",
	"okta.users": "Users", "okta.factors": "Factors", "okta.zones": "Network zones", "okta.logs": "System Log 30d",
}

func label(id string) string {
	if l, ok := sourceLabels[id]; ok {
		return l
	}
	_, rest, _ := strings.Cut(id, ".")
	return rest
}

func (m *Discovery) sourcesOf(service string) []*source {
	var out []*source
	for _, s := range m.sources {
		if s.service == service {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return label(out[i].id) < label(out[j].id) })
	return out
}

// serviceOrder is the order services are listed in.
var serviceOrder = []string{"graph", "exchange", "okta", "dns", "probe"}

// renderSources is one line per service (sources done, items), then the
// sources still running or waiting, then every failure with its reason
// and fix, as far as the screen allows. It scales to any number of
// sources: finished ones fold into their service's line.
func (m *Discovery) renderSources(w, budget int) string {
	st := m.c.Styles
	var heads []string
	// The running sources, those that wait (throttled) first: they are
	// what a slow discovery is waiting on, and must not hide under "… and
	// N more".
	var active, waiting []string
	for _, svc := range serviceOrder {
		srcs := m.sourcesOf(svc)
		if len(srcs) == 0 {
			continue
		}
		done, failed, skipped, items := 0, 0, 0, 0
		for _, s := range srcs {
			items += s.items
			if s.status != nil {
				done++
				switch s.status.State {
				case tenant.StateError:
					failed++
				case tenant.StateSkipped:
					skipped++
				}
			}
		}
		mark := st.Pass.Render("✓")
		switch {
		case done < len(srcs):
			mark = st.Running.Render(m.spin.View())
		case failed > 0:
			mark = st.Fail.Render("✗")
		}
		note := fmt.Sprintf("%d/%d sources · %d items", done, len(srcs), items)
		if failed > 0 {
			note += st.Fail.Render(fmt.Sprintf(" · %d failed", failed))
		}
		if skipped > 0 {
			note += st.Muted.Render(fmt.Sprintf(" · %d not read", skipped))
		}
		heads = append(heads, " "+mark+" "+st.Section.Render(fmt.Sprintf("%-16s", serviceTitles[svc]))+" "+note)
		for _, s := range srcs {
			if s.status != nil {
				continue
			}
			elapsed := m.now().Sub(s.started).Round(100 * time.Millisecond)
			if s.waiting != "" {
				// The wait first, counting down: the reason may not fit.
				left := max(s.retryAt.Sub(m.now()), 0).Round(100 * time.Millisecond)
				text := fmt.Sprintf("%s: retrying in %s (%s)", label(s.id), left, s.waiting)
				waiting = append(waiting, "     "+st.Warn.Render(truncate(serviceTitles[svc]+" · "+text, w-7)))
				continue
			}
			text := fmt.Sprintf("%s · %s, %s · %s", label(s.id), plural(s.items, "item"), plural(s.pages, "page"), elapsed)
			active = append(active, "     "+st.Muted.Render(truncate(serviceTitles[svc]+" · "+text, w-7)))
		}
	}
	active = append(waiting, active...)
	out := strings.Join(heads, "\n")
	room := budget - len(heads) - 1
	if len(active) > 0 && room > 1 {
		if len(active) > room {
			active = append(active[:room-1], st.Muted.Render(fmt.Sprintf("     … and %d more running", len(active)-room+1)))
		}
		out += "\n\n" + strings.Join(active, "\n")
		room -= len(active) + 1
	}
	if problems := m.renderProblems(w-2, room); problems != "" {
		out += "\n\n" + lipgloss.JoinHorizontal(lipgloss.Top, " ", problems)
	}
	return out
}

// renderProblems lists each failed source with its reason and fix,
// wrapped to width and cut to at most height lines.
func (m *Discovery) renderProblems(width, height int) string {
	st := m.c.Styles
	var ids []string
	for id := range m.sources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var parts, notRead []string
	for _, id := range ids {
		s := m.sources[id]
		switch {
		case s.status != nil && s.status.State == tenant.StateSkipped:
			// Not read by choice (okta.factors above its limit): why,
			// and how to read it.
			notRead = append(notRead, st.Muted.Render("– "+label(id)+": "+Clean(s.status.Fix)))
		case s.status != nil && s.status.State != tenant.StateOK:
			// The reason may be long (it quotes the service); keep it to
			// three lines so the fix stays in view.
			p := firstLines(st.Column.Width(width).Render(st.Fail.Render("✗ "+label(id))+": "+Clean(s.status.Error)), 3)
			if s.status.Fix != "" {
				p += "\n" + st.Muted.Render("fix: "+Clean(s.status.Fix))
			}
			parts = append(parts, p)
		}
	}
	title := st.Section.Render("Could not collect")
	if len(parts) == 0 {
		title = st.Section.Render("Not read")
	}
	parts = append(parts, notRead...)
	if len(parts) == 0 || height < 2 {
		return ""
	}
	text := st.Column.Width(width).Render(title + "\n" + strings.Join(parts, "\n"))
	lines := strings.Split(text, "\n")
	if len(lines) > height {
		lines = append(lines[:height-1], st.Muted.Render("…"))
	}
	return strings.Join(lines, "\n")
}

func (m *Discovery) renderSummary(w, budget int) string {
	st := m.c.Styles
	areas := Summarize(m.snap)
	col := (w - 2) / 2
	area := func(a Area) string {
		var b strings.Builder
		b.WriteString(st.Section.Render(a.Title))
		for _, f := range a.Facts {
			val := truncate(Clean(f.Value), col-20)
			switch f.Tone {
			case Good:
				val = st.Pass.Render(val)
			case Attention:
				val = st.Warn.Render(val)
			case Missing:
				val = st.Fail.Render(val)
			default:
				val = st.Value.Render(val)
			}
			name := truncate(f.Label, 17)
			b.WriteString("\n  " + st.Label.Render(name) + strings.Repeat(" ", max(18-lipgloss.Width(name), 1)) + val)
		}
		return b.String()
	}
	var rows []string
	for i := 0; i < len(areas); i += 2 {
		left := st.Column.Width(col).Render(area(areas[i]))
		right := ""
		if i+1 < len(areas) {
			right = st.Column.Width(col).Render(area(areas[i+1]))
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, " ", left, right))
	}
	out := strings.Join(rows, "\n\n")
	errs := m.snap.Errors()
	if len(errs) == 0 {
		return out
	}
	// Each failure gets a line, and its fix a second line while there is
	// room; what does not fit is counted, and tab shows every source.
	room := budget - (strings.Count(out, "\n") + 1) - 2
	if room < 1 {
		return out + "\n\n " + st.Fail.Render(fmt.Sprintf("✗ Could not collect %s", plural(len(errs), "source"))) + st.Muted.Render(" · s: reasons and fixes")
	}
	var lines []string
	for i, e := range errs {
		left := len(errs) - i
		if room < 1 || (room == 1 && left > 1) {
			lines = append(lines, st.Muted.Render(fmt.Sprintf("   … and %d more (s: sources)", left)))
			break
		}
		lines = append(lines, "  "+st.Fail.Render("✗ ")+truncate(label(e.ID)+": "+Clean(e.Error), w-6))
		room--
		if e.Fix != "" && room > left {
			lines = append(lines, "    "+st.Muted.Render(truncate("fix: "+Clean(e.Fix), w-6)))
			room--
		}
	}
	return out + "\n\n " + st.Section.Render("Could not collect") + st.Muted.Render(" · s: reasons and fixes") + "\n" + strings.Join(lines, "\n")
}

// firstLines keeps the first n lines of s, marking a cut with an ellipsis.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	lines = lines[:n]
	lines[n-1] = strings.TrimRight(lines[n-1], " ") + "…"
	return strings.Join(lines, "\n")
}

// truncate cuts s to width cells, with an ellipsis.
func truncate(s string, width int) string {
	if width <= 1 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// Clean makes tenant-controlled text safe for the terminal: control
// characters (ESC, C1, newlines) become spaces, so no escape sequence from
// the data reaches the screen. It is textsafe.Terminal, the one place
// where that is decided.
func Clean(s string) string { return textsafe.Terminal(s) }

// plural is "1 source", "2 sources".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
