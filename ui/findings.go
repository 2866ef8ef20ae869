package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/remediate"
)

// wideWidth is the body width from which a detail pane sits beside a
// list; below it, enter opens the detail full-width.
const wideWidth = 120

type findingsKeys struct {
	List   listKeys
	Open   key.Binding
	Back   key.Binding
	Filter key.Binding
	Status key.Binding
}

func newFindingsKeys() findingsKeys {
	return findingsKeys{
		List:   newListKeys(),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Status: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "status")),
	}
}

// Status filters of the findings list, in the order s cycles them.
const (
	statusAll = iota
	statusAttention
	statusFail
	nStatusFilters
)

var statusFilterNames = [nStatusFilters]string{"all", "needs attention", "fail only"}

// finding is one finding as the screen shows it: its tenant strings
// cleaned once, its group, its search text and the steps that fix it.
type finding struct {
	f     assess.Finding
	group int
	// hay is the lower-cased text the filter searches: ID, title,
	// detail, evidence and affected users.
	hay   string
	fixes []remediate.Step
}

// findingRow is a line of the list: a group's heading (item < 0) or a
// finding.
type findingRow struct {
	item, group int
}

// Findings is the findings screen: every check's result, grouped by the
// whitepaper's steps A-F, then the extras beyond the whitepaper, then the
// mail-hygiene checklist; a filter on text and on status; and the
// selected finding's detail, beside the list on a wide terminal, or
// full-width on enter.
type Findings struct {
	c    *Common
	keys findingsKeys

	src    []assess.Finding // the findings the items were built from
	items  []finding
	groups []string
	counts map[string]int

	rows  []findingRow
	nav   listNav
	shown int // findings matching the filter

	filterBox
	query  string // the kept text filter, lower-cased
	status int

	detail  bool // the detail has the keys (narrow: it fills the body)
	dscroll int
	dcache  struct {
		item, width int
		lines       []string
	}

	width, height int
}

func newFindings(c *Common) Screen {
	m := &Findings{c: c, keys: newFindingsKeys(), width: 80, height: 18}
	m.filterBox = newFilterBox("ID, title, detail, evidence or user")
	m.dcache.item = -1
	return m
}

func (m *Findings) Init() tea.Cmd { return nil }

func (m *Findings) Busy() string { return "" }

// SetSize sets the body's size.
func (m *Findings) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.SetWidth(max(w-20, 10))
	m.nav.SetHeight(m.listHeight())
	m.settle(1)
}

func (m *Findings) wide() bool { return m.width >= wideWidth }

// listHeight is the rows of the list on screen: the body less the counts,
// the filter line and the column header.
func (m *Findings) listHeight() int { return max(m.height-3, 1) }

func (m *Findings) ShortHelp() []key.Binding {
	switch {
	case m.typing:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		}
	case m.detail:
		return []key.Binding{
			key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("j/k", "scroll")),
			m.keys.Back,
		}
	}
	// Short enough for 80 columns with the global keys.
	out := []key.Binding{m.keys.Open, m.keys.Filter, m.keys.Status}
	if m.filtered() {
		out = append(out, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")))
	}
	return out
}

func (m *Findings) FullHelp() [][]key.Binding {
	k := m.keys.List
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{m.keys.Open, m.keys.Back, m.keys.Filter, m.statusKey()},
	}
}

// statusKey names the filter s moves to next.
func (m *Findings) statusKey() key.Binding {
	next := statusFilterNames[(m.status+1)%nStatusFilters]
	return key.NewBinding(key.WithKeys("s"), key.WithHelp("s", next))
}

func (m *Findings) filtered() bool { return m.query != "" || m.status != statusAll }

// Update handles the engagement and keys.
func (m *Findings) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case EngagementMsg:
		m.load()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, m.filterMsg(msg)
}

func (m *Findings) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.typing {
		cmd, q := m.filterKey(msg)
		m.setQuery(q)
		return cmd
	}
	if m.detail {
		if m.scrollDetail(msg) {
			return nil
		}
		if key.Matches(msg, m.keys.Back) {
			m.detail = false
			return nil
		}
		if !m.wide() {
			return nil
		}
	}
	switch {
	case key.Matches(msg, m.keys.Filter):
		m.detail = false
		return m.openFilter(m.c.Styles)
	case key.Matches(msg, m.keys.Status):
		m.status = (m.status + 1) % nStatusFilters
		m.refilter()
	case key.Matches(msg, m.keys.Open):
		if _, ok := m.selected(); ok {
			m.detail, m.dscroll = true, 0
		}
	case key.Matches(msg, m.keys.Back):
		if m.filtered() {
			m.input.Reset()
			m.query, m.status = "", statusAll
			m.refilter()
		}
	default:
		before := m.nav.Cursor
		if m.nav.Update(msg, m.keys.List) {
			dir := 1
			if m.nav.Cursor < before || key.Matches(msg, m.keys.List.Up, m.keys.List.PageUp, m.keys.List.Home) {
				dir = -1
			}
			m.settle(dir)
			m.dscroll = 0
		}
	}
	return nil
}

// scrollDetail scrolls the detail for a list key; it reports whether the
// key was one.
func (m *Findings) scrollDetail(msg tea.KeyPressMsg) bool {
	k := m.keys.List
	page := max(m.detailHeight()-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		m.dscroll--
	case key.Matches(msg, k.Down):
		m.dscroll++
	case key.Matches(msg, k.PageUp):
		m.dscroll -= page
	case key.Matches(msg, k.PageDown):
		m.dscroll += page
	case key.Matches(msg, k.Home):
		m.dscroll = 0
	case key.Matches(msg, k.End):
		m.dscroll = 1 << 30
	default:
		return false
	}
	m.dscroll = max(m.dscroll, 0) // View keeps it below the end
	return true
}

func (m *Findings) setQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == m.query {
		return
	}
	m.query = q
	m.refilter()
}

// load builds the items when the findings changed.
func (m *Findings) load() {
	fs := m.c.Eng.Findings
	if len(fs) == len(m.src) && (len(fs) == 0 || &fs[0] == &m.src[0]) {
		m.dcache.item = -1 // the chosen steps may have changed
		return
	}
	keep := m.selectedID()
	m.src = fs
	m.items, m.rows = m.items[:0], m.rows[:0]
	m.counts = map[string]int{}
	fixes := map[string][]remediate.Step{}
	for _, st := range remediate.Steps() {
		for _, id := range st.Fixes {
			fixes[id] = append(fixes[id], st)
		}
	}
	// Groups: the whitepaper's steps in order, then the extras, then the
	// mail-hygiene checklist.
	type gkey struct {
		rank int
		step string
	}
	gkeys := map[gkey]bool{}
	keyOf := func(f assess.Finding) gkey {
		switch {
		case f.Step != "":
			return gkey{0, f.Step}
		case assess.Hygiene(f):
			return gkey{2, ""}
		}
		return gkey{1, ""}
	}
	for _, f := range fs {
		gkeys[keyOf(f)] = true
	}
	ordered := make([]gkey, 0, len(gkeys))
	for k := range gkeys {
		ordered = append(ordered, k)
	}
	sort.Slice(ordered, func(i, j int) bool {
		if ordered[i].rank != ordered[j].rank {
			return ordered[i].rank < ordered[j].rank
		}
		return ordered[i].step < ordered[j].step
	})
	index := map[gkey]int{}
	m.groups = m.groups[:0]
	for i, k := range ordered {
		index[k] = i
		switch k.rank {
		case 0:
			m.groups = append(m.groups, stepGroupTitle(k.step))
		case 1:
			m.groups = append(m.groups, "Beyond the whitepaper")
		default:
			m.groups = append(m.groups, "Mail hygiene (Exchange security checklist)")
		}
	}
	for _, f := range fs {
		c := cleanFinding(f)
		m.counts[c.Status]++
		m.items = append(m.items, finding{f: c, group: index[keyOf(f)], hay: haystack(c), fixes: fixes[f.ID]})
	}
	// A stable order: by group, then catalog order within it.
	sort.SliceStable(m.items, func(i, j int) bool { return m.items[i].group < m.items[j].group })
	m.dcache.item = -1
	m.refilter()
	m.selectID(keep)
}

// stepTitles are the short headings of the whitepaper's steps.
var stepTitles = map[string]string{
	"A": "Federate the mail domains with Okta",
	"B": "Enable modern authentication",
	"C": "Switch legacy protocols off",
	"D": "Block basic authentication",
	"E": "Okta's Office 365 sign-on rules",
	"F": "Revoke sessions and refresh tokens (last)",
}

func stepGroupTitle(step string) string {
	if t, ok := stepTitles[step]; ok {
		return step + " · " + t
	}
	if st, ok := remediate.LookupStep(step); ok {
		return step + " · " + st.Title
	}
	return "Step " + Clean(step)
}

// cleanFinding makes every string of a finding safe for the terminal.
func cleanFinding(f assess.Finding) assess.Finding {
	f.ID, f.Step, f.Severity, f.Status = Clean(f.ID), Clean(f.Step), Clean(f.Severity), Clean(f.Status)
	f.Title, f.Detail = Clean(f.Title), Clean(f.Detail)
	ev := make([]string, len(f.Evidence))
	for i, e := range f.Evidence {
		ev[i] = Clean(e)
	}
	f.Evidence = ev
	if f.AffectedUsers != nil {
		us := make([]string, len(f.AffectedUsers))
		for i, u := range f.AffectedUsers {
			us[i] = Clean(u)
		}
		f.AffectedUsers = us
	}
	return f
}

func haystack(f assess.Finding) string {
	var b strings.Builder
	for _, s := range [][]string{{f.ID, f.Title, f.Detail}, f.Evidence, f.AffectedUsers} {
		for _, x := range s {
			b.WriteString(strings.ToLower(x))
			b.WriteByte(0)
		}
	}
	return b.String()
}

// attention is true for the statuses that need the operator.
func attention(status string) bool {
	return status == assess.Fail || status == assess.Warn || status == assess.Error
}

func (m *Findings) matches(it *finding) bool {
	switch m.status {
	case statusAttention:
		if !attention(it.f.Status) {
			return false
		}
	case statusFail:
		if it.f.Status != assess.Fail {
			return false
		}
	}
	return m.query == "" || strings.Contains(it.hay, m.query)
}

// refilter rebuilds the rows from the filters, keeping the selection
// when it is still shown.
func (m *Findings) refilter() {
	keep := m.selectedID()
	m.rows = m.rows[:0]
	m.shown = 0
	last := -1
	for i := range m.items {
		it := &m.items[i]
		if !m.matches(it) {
			continue
		}
		if it.group != last {
			m.rows = append(m.rows, findingRow{item: -1, group: it.group})
			last = it.group
		}
		m.rows = append(m.rows, findingRow{item: i, group: it.group})
		m.shown++
	}
	m.nav.SetLen(len(m.rows))
	m.nav.SetHeight(m.listHeight())
	if !m.selectID(keep) {
		m.nav.Cursor, m.nav.Offset = 0, 0
		m.settle(1)
	}
	if _, ok := m.selected(); !ok {
		m.detail = false
	}
	m.dscroll = 0
}

// settle moves the cursor off a group heading, in direction dir (or back
// when there is nothing that way), and keeps the heading of the first
// finding of a group in view.
func (m *Findings) settle(dir int) {
	n := len(m.rows)
	if n == 0 {
		return
	}
	c := m.nav.Cursor
	for c >= 0 && c < n && m.rows[c].item < 0 {
		c += dir
	}
	if c < 0 || c >= n {
		c = m.nav.Cursor
		for c >= 0 && c < n && m.rows[c].item < 0 {
			c -= dir
		}
	}
	m.nav.Cursor = max(0, min(c, n-1))
	m.nav.clamp()
	if c := m.nav.Cursor; c > 0 && c == m.nav.Offset && m.rows[c-1].item < 0 {
		m.nav.Offset--
	}
}

func (m *Findings) selected() (int, bool) {
	if m.nav.Cursor < 0 || m.nav.Cursor >= len(m.rows) || m.rows[m.nav.Cursor].item < 0 {
		return -1, false
	}
	return m.rows[m.nav.Cursor].item, true
}

func (m *Findings) selectedID() string {
	if i, ok := m.selected(); ok {
		return m.items[i].f.ID
	}
	return ""
}

// SelectedID is the ID of the finding under the cursor ("" when none).
func (m *Findings) SelectedID() string { return m.selectedID() }

// selectID puts the cursor on a finding by ID, when it is shown.
func (m *Findings) selectID(id string) bool {
	if id == "" {
		return false
	}
	for r, row := range m.rows {
		if row.item >= 0 && m.items[row.item].f.ID == id {
			m.nav.Cursor = r
			m.nav.clamp()
			m.settle(1)
			return true
		}
	}
	return false
}

// View renders the counts, the filter, and the list and/or the detail.
func (m *Findings) View() string {
	st := m.c.Styles
	w := max(m.width, 40)
	if m.c.Eng.Findings == nil {
		if m.c.Eng.Judging {
			return " " + st.Running.Render("Judging…")
		}
		return " " + st.Muted.Render("Nothing judged yet: discovery has not finished.")
	}
	head := " " + m.countsLine(w-1) + "\n" + " " + m.filterLine(w-1)
	bodyH := max(m.height-2, 1)
	if m.detail && !m.wide() {
		return head + "\n " + strings.Join(m.detailWindow(w-2, bodyH, true), "\n ")
	}
	if !m.wide() {
		return head + "\n" + m.renderList(w, bodyH)
	}
	// The list takes about 45%, enough for the ID and some of the title.
	lw := min(max(w*45/100, 58), w-60)
	dw := w - lw - 1
	list := st.Column.Width(lw).Render(m.renderList(lw, bodyH))
	panel := st.Panel
	if m.detail {
		panel = st.PanelActive
	}
	inner := dw - panel.GetHorizontalFrameSize()
	innerH := bodyH - panel.GetVerticalFrameSize()
	content := strings.Join(m.detailWindow(inner, innerH, m.detail), "\n")
	right := panel.Width(dw).Height(bodyH).Render(content)
	return head + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, list, " ", right)
}

// detailHeight is the lines the detail has on screen.
func (m *Findings) detailHeight() int {
	h := max(m.height-2, 1)
	if m.wide() {
		h -= m.c.Styles.Panel.GetVerticalFrameSize()
	}
	return max(h, 1)
}

func (m *Findings) countsLine(w int) string {
	st := m.c.Styles
	type part struct {
		status, word string
	}
	parts := []part{{assess.Fail, "fail"}, {assess.Warn, "warn"}, {assess.Error, "could not be judged"}, {assess.Info, "info"}, {assess.Pass, "pass"}}
	render := func(words bool) string {
		var out []string
		for _, p := range parts {
			n := m.counts[p.status]
			if n == 0 {
				continue
			}
			s := statusSymbol(p.status) + " " + fmt.Sprint(n)
			if words {
				s += " " + p.word
			}
			out = append(out, statusStyle(st, p.status).Render(s))
		}
		return strings.Join(out, "   ")
	}
	line := render(true)
	if lipgloss.Width(line) > w {
		line = render(false)
	}
	if m.c.Eng.Judging {
		line += st.Running.Render(" · judging again…")
	}
	return line
}

func (m *Findings) filterLine(w int) string {
	st := m.c.Styles
	total := len(m.items)
	if m.typing {
		return m.input.View() + st.Muted.Render(fmt.Sprintf(" %d of %d", m.shown, total))
	}
	if !m.filtered() {
		return st.Muted.Render(truncate(fmt.Sprintf("All %d findings · / filter · s needs attention", total), w))
	}
	desc := fmt.Sprintf("Showing %d of %d", m.shown, total)
	if m.status != statusAll {
		desc += " · " + statusFilterNames[m.status]
	}
	if m.query != "" {
		desc += fmt.Sprintf(" · matching %q", m.input.Value())
	}
	return st.Warn.Render(truncate(desc, w-16)) + st.Muted.Render(" · esc clears")
}

// Severity, compact.
var sevShort = map[string]string{assess.High: "high", assess.Medium: "med", assess.Low: "low", assess.SeverityInfo: "info"}

// renderList draws the visible rows, width w, height h (with the column
// header).
func (m *Findings) renderList(w, h int) string {
	st := m.c.Styles
	if len(m.rows) == 0 {
		msg := "No finding matches the filter: esc clears it."
		if len(m.items) == 0 {
			msg = "No findings."
		}
		return "\n " + st.Muted.Render(truncate(msg, w-2))
	}
	idw := 0
	maxAff := 0
	for i := range m.items {
		idw = max(idw, lipgloss.Width(m.items[i].f.ID))
		maxAff = max(maxAff, m.items[i].f.Affected)
	}
	idw = min(idw, max(w-36, 8))
	affLabel := "affected"
	affw := max(len(fmt.Sprint(maxAff)), len(affLabel))
	if w < 70 {
		affLabel = "#"
		affw = max(len(fmt.Sprint(maxAff)), 1)
	}
	// "› ✗ ID  sev  title  affected"
	tw := max(w-4-idw-1-5-1-affw-1, 8)
	var b strings.Builder
	b.WriteString(st.Header.Render("    " + pad("check", idw) + " " + pad("sev", 4) + " " + pad("title", tw) + " " + padLeft(affLabel, affw)))
	from, to := m.nav.Visible()
	for r := from; r < to; r++ {
		b.WriteByte('\n')
		row := m.rows[r]
		if row.item < 0 {
			b.WriteString(" " + st.Section.Render(truncate(m.groups[row.group], w-2)))
			continue
		}
		f := &m.items[row.item].f
		cur := "  "
		id := pad(truncate(f.ID, idw), idw)
		title := pad(truncate(f.Title, tw), tw)
		if r == m.nav.Cursor {
			cur = st.Cursor.Render("› ")
			id, title = st.Selected.Render(id), st.Selected.Render(title)
		}
		aff := ""
		if f.Affected > 0 {
			aff = fmt.Sprint(f.Affected)
		}
		sev := sevShort[f.Severity]
		if sev == "" {
			sev = truncate(f.Severity, 4)
		}
		b.WriteString(cur + statusStyle(st, f.Status).Render(statusSymbol(f.Status)) + " " + id + " " +
			st.Muted.Render(pad(sev, 4)) + " " + title + " " + st.Muted.Render(padLeft(aff, affw)))
	}
	return b.String()
}

// detailWindow is the selected finding's detail, wrapped to w and cut to
// the h lines in view at the scroll position; focused says the detail has
// the keys (the scroll hint names them).
func (m *Findings) detailWindow(w, h int, focused bool) []string {
	st := m.c.Styles
	i, ok := m.selected()
	if !ok {
		return []string{st.Muted.Render("No finding selected.")}
	}
	if m.dcache.item != i || m.dcache.width != w {
		m.dcache.item, m.dcache.width = i, w
		m.dcache.lines = m.detailLines(&m.items[i], w)
	}
	lines := m.dcache.lines
	if len(lines) <= h {
		m.dscroll = 0
		return lines
	}
	view := max(h-1, 1) // the last line says there is more
	m.dscroll = min(m.dscroll, len(lines)-view)
	out := slices.Clone(lines[m.dscroll : m.dscroll+view])
	hint := fmt.Sprintf("lines %d-%d of %d", m.dscroll+1, m.dscroll+view, len(lines))
	switch {
	case !focused && !m.wide():
	case !focused:
		hint += " · enter to scroll"
	default:
		hint += " · j/k scroll · esc back"
	}
	return append(out, st.Muted.Render(truncate("↕ "+hint, w)))
}

// detailLines renders a finding's detail, each line at most w wide.
func (m *Findings) detailLines(it *finding, w int) []string {
	st := m.c.Styles
	f := &it.f
	var out []string
	wrapped := func(s string, style lipgloss.Style, first, rest string) {
		for j, l := range wrapWords(s, max(w-lipgloss.Width(first), 4)) {
			lead := first
			if j > 0 {
				lead = rest
			}
			out = append(out, lead+style.Render(l))
		}
	}
	wrapped(f.Title, st.Title, "", "")
	where := "beyond the whitepaper"
	switch {
	case f.Step != "":
		where = "whitepaper step " + f.Step
	case assess.Hygiene(*f):
		where = "mail hygiene"
	}
	wrapped(f.ID+" · "+where+" · severity "+f.Severity, st.Muted, "", "")
	word := statusWord(f.Status)
	out = append(out, statusStyle(st, f.Status).Render(statusSymbol(f.Status)+" "+word))
	if f.Status == assess.Error {
		wrapped("harden365 could not see what it needs to judge this check: it is neither a pass nor a fail. The detail says what is missing (the role, scope or source), and how to check by hand.", st.Warn, "", "")
	}
	out = append(out, "")
	wrapped(f.Detail, st.Label, "", "")
	if len(f.Evidence) > 0 {
		out = append(out, "", st.Section.Render("Evidence"))
		for _, e := range f.Evidence {
			if strings.HasPrefix(e, "  ") {
				wrapped(strings.TrimLeft(e, " "), st.Muted, "    – ", "      ")
			} else {
				wrapped(e, st.Label, "  • ", "    ")
			}
		}
	}
	if f.Affected > 0 {
		out = append(out, "", st.Section.Render(fmt.Sprintf("Affected (%d)", f.Affected)))
		const first = 8
		for j, u := range f.AffectedUsers {
			if j == first {
				break
			}
			out = append(out, "  "+truncate(u, w-2))
		}
		switch listed := min(len(f.AffectedUsers), first); {
		case len(f.AffectedUsers) == 0:
			out = append(out, st.Muted.Render(truncate(fmt.Sprintf("  %d, not listed one by one (see the evidence)", f.Affected), w)))
		case f.Affected > listed:
			out = append(out, st.Muted.Render(truncate(fmt.Sprintf("  … and %d more (/ finds a user)", f.Affected-listed), w)))
		}
	}
	out = append(out, "")
	if len(it.fixes) == 0 {
		wrapped("No plan step fixes this: the detail says what to do by hand.", st.Muted, "", "")
	}
	for _, s := range it.fixes {
		lead := "Fixed by step "
		if f.Status == assess.Pass {
			lead = "Kept by step "
		}
		note := " (see Plan)"
		if slices.Contains(m.c.Eng.Steps, s.ID) {
			note = " (chosen in the plan)"
		}
		wrapped(lead+s.ID+": "+s.Title+note, st.Value, "", "")
	}
	return out
}

// statusSymbol is a status's symbol, readable without colour.
func statusSymbol(status string) string {
	switch status {
	case assess.Pass:
		return "✓"
	case assess.Fail:
		return "✗"
	case assess.Warn:
		return "!"
	case assess.Info:
		return "·"
	}
	return "?"
}

func statusWord(status string) string {
	switch status {
	case assess.Pass, assess.Fail, assess.Warn, assess.Info:
		return status
	case assess.Error:
		return "could not be judged"
	}
	return "unknown status " + Clean(status)
}

func statusStyle(st Styles, status string) lipgloss.Style {
	switch status {
	case assess.Pass:
		return st.Pass
	case assess.Fail:
		return st.Fail
	case assess.Warn, assess.Error:
		return st.Warn
	}
	return st.Info
}

// pad fills s with spaces to width cells.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(width-lipgloss.Width(s), 0))
}

// padLeft right-aligns s in width cells.
func padLeft(s string, width int) string {
	return strings.Repeat(" ", max(width-lipgloss.Width(s), 0)) + s
}

// wrapWords wraps plain text to width cells at spaces only (a cmdlet
// such as Set-CASMailbox stays whole); a word longer than the width is
// cut into pieces.
func wrapWords(s string, width int) []string {
	var lines []string
	var line strings.Builder
	lw := 0
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		lw = 0
	}
	for _, word := range strings.Fields(s) {
		ww := ansi.StringWidth(word)
		for ww > width { // a word longer than a line
			if lw > 0 {
				flush()
			}
			head := ansi.Truncate(word, width, "")
			lines = append(lines, head)
			word = word[len(head):]
			ww = ansi.StringWidth(word)
		}
		if ww == 0 {
			continue
		}
		if lw > 0 && lw+1+ww > width {
			flush()
		}
		if lw > 0 {
			line.WriteByte(' ')
			lw++
		}
		line.WriteString(word)
		lw += ww
	}
	if lw > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}
