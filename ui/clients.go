package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/remediate"
)

type clientsKeys struct {
	List   listKeys
	Open   key.Binding
	Back   key.Binding
	Filter key.Binding
	Legacy key.Binding
	Breaks key.Binding
}

func newClientsKeys() clientsKeys {
	k := clientsKeys{
		List:   newListKeys(),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Legacy: key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "legacy only")),
		Breaks: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "breaks only")),
	}
	// b filters the breaks here: page up is pgup alone.
	k.List.PageUp = key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up"))
	return k
}

// clientRow is one client use as the screen shows it: its strings
// cleaned once, its search text, and what the plan breaks of it.
type clientRow struct {
	u assess.ClientUse
	// hay is the lower-cased text the filter searches: user, client and
	// version, platform.
	hay string
	// breaks are the plan's steps that break this client ("C: imap").
	breaks []clientBreak
	// brk is breaks in one short line ("C: imap, D: all").
	brk string
	// user is the user as collected, lower-cased: it groups a user's
	// rows. key joins the row to the plan's breaks: user and the client as
	// collected.
	user, key string
}

type clientBreak struct {
	step      string
	protocols []string
	all       bool
}

// Clients is the client inventory: every mail client seen for every user,
// classified against the whitepaper's tables, users without modern auth
// first; with a plan chosen, which clients it breaks and how.
type Clients struct {
	c    *Common
	keys clientsKeys

	src    []assess.ClientUse
	impact []remediate.Impact
	rows   []clientRow
	view   []int // rows shown, in order
	nav    listNav

	// Counts for the summary.
	users, noModern, legacyUsers int
	brokenClients, brokenUsers   int
	losesAll                     int

	filterBox
	query      string
	legacyOnly bool
	breaksOnly bool
	note       string // a one-off answer to a key ("no plan yet")
	detail     bool
	dscroll    int
	width      int
	height     int
}

func newClients(c *Common) Screen {
	m := &Clients{c: c, keys: newClientsKeys(), width: 80, height: 18}
	m.filterBox = newFilterBox("user, client or platform")
	return m
}

func (m *Clients) Init() tea.Cmd { return nil }

func (m *Clients) Busy() string { return "" }

// SetSize sets the body's size.
func (m *Clients) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.SetWidth(max(w-20, 10))
	m.nav.SetHeight(m.listHeight())
}

// listHeight: the body less the summary (2), the filter line and the
// column header.
func (m *Clients) listHeight() int { return max(m.height-4, 1) }

func (m *Clients) hasPlan() bool { return m.c.Eng.Plan != nil }

func (m *Clients) breaksKey() key.Binding {
	if !m.hasPlan() {
		return key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "breaks only (needs a plan)"))
	}
	return m.keys.Breaks
}

func (m *Clients) ShortHelp() []key.Binding {
	switch {
	case m.typing:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		}
	case m.detail:
		return []key.Binding{key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("j/k", "scroll")), m.keys.Back}
	}
	// Short enough for 80 columns with the global keys; the plan line
	// says why b needs a plan.
	legacy := key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "legacy"))
	breaks := key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "breaks"))
	if m.filtered() {
		return []key.Binding{m.keys.Filter, legacy, breaks, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear"))}
	}
	return []key.Binding{m.keys.Open, m.keys.Filter, legacy, breaks}
}

func (m *Clients) FullHelp() [][]key.Binding {
	k := m.keys.List
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{m.keys.Open, m.keys.Back, m.keys.Filter, m.keys.Legacy, m.breaksKey()},
	}
}

func (m *Clients) filtered() bool { return m.query != "" || m.legacyOnly || m.breaksOnly }

// Update handles the engagement and keys.
func (m *Clients) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case EngagementMsg:
		m.load()
		return m, nil
	case tea.KeyPressMsg:
		m.note = ""
		return m, m.key(msg)
	}
	return m, m.filterMsg(msg)
}

func (m *Clients) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.typing {
		cmd, q := m.filterKey(msg)
		m.setQuery(q)
		return cmd
	}
	if m.detail {
		if key.Matches(msg, m.keys.Back) {
			m.detail = false
			return nil
		}
		k := m.keys.List
		switch {
		case key.Matches(msg, k.Up):
			m.dscroll--
		case key.Matches(msg, k.Down):
			m.dscroll++
		case key.Matches(msg, k.PageUp):
			m.dscroll -= m.height / 2
		case key.Matches(msg, k.PageDown):
			m.dscroll += m.height / 2
		case key.Matches(msg, k.Home):
			m.dscroll = 0
		case key.Matches(msg, k.End):
			m.dscroll = 1 << 30
		}
		m.dscroll = max(m.dscroll, 0)
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Filter):
		return m.openFilter(m.c.Styles)
	case key.Matches(msg, m.keys.Legacy):
		m.legacyOnly = !m.legacyOnly
		m.refilter()
	case key.Matches(msg, m.keys.Breaks):
		if !m.hasPlan() {
			m.note = "No plan yet: choose steps on the Plan screen to see whose clients break."
			return nil
		}
		m.breaksOnly = !m.breaksOnly
		m.refilter()
	case key.Matches(msg, m.keys.Open):
		if m.nav.N > 0 {
			m.detail, m.dscroll = true, 0
		}
	case key.Matches(msg, m.keys.Back):
		if m.filtered() {
			m.input.Reset()
			m.query, m.legacyOnly, m.breaksOnly = "", false, false
			m.refilter()
		}
	default:
		m.nav.Update(msg, m.keys.List)
	}
	return nil
}

func (m *Clients) setQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == m.query {
		return
	}
	m.query = q
	m.refilter()
}

// sameSlice reports whether a and b are the same slice (not merely equal).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// load rebuilds the rows when the inventory changed, and the breaks when
// the plan's impact did.
func (m *Clients) load() {
	inv, imp := m.c.Eng.Clients, m.c.Eng.Impact
	changed, keep := false, ""
	if !sameSlice(inv, m.src) || m.rows == nil && inv != nil {
		if m.nav.Cursor < len(m.view) {
			keep = m.rows[m.view[m.nav.Cursor]].key
		}
		m.build(inv)
		m.view = m.view[:0]
		m.nav.Cursor, m.nav.Offset = 0, 0
		changed = true
	}
	if changed || !sameSlice(imp, m.impact) {
		m.applyImpact(imp)
		changed = true
	}
	if m.breaksOnly && !m.hasPlan() {
		m.breaksOnly = false
		changed = true
	}
	if changed {
		m.refilter()
	}
	if keep != "" { // the same client of the same user, in a new inventory
		for i, r := range m.view {
			if m.rows[r].key == keep {
				m.nav.Cursor = i
				m.nav.clamp()
				break
			}
		}
	}
}

// modernRank orders ModernAuth values: no first, yes last.
func modernRank(v string) int {
	switch v {
	case assess.ModernNo:
		return 0
	case assess.ModernUnknown:
		return 1
	case assess.ModernConditional:
		return 2
	case assess.ModernYes:
		return 4
	}
	return 3
}

func (m *Clients) build(inv []assess.ClientUse) {
	m.src = inv
	m.rows = make([]clientRow, len(inv))
	// A user's rank is their least capable client: users with no modern
	// auth come first, those with nothing else before them.
	rank := map[string]int{}
	onlyNo := map[string]bool{}
	for i, u := range inv {
		c := assess.ClientUse{User: Clean(u.User), Platform: Clean(u.Platform), Client: Clean(u.Client), Version: Clean(u.Version),
			ModernAuth: Clean(u.ModernAuth), Source: Clean(u.Source), TableRow: Clean(u.TableRow)}
		m.rows[i] = clientRow{u: c, hay: strings.ToLower(c.User + "\x00" + c.Client + " " + c.Version + "\x00" + c.Platform),
			user: strings.ToLower(u.User), key: strings.ToLower(u.User) + "\x00" + u.Client}
		k := strings.ToLower(u.User)
		if r, ok := rank[k]; !ok || modernRank(u.ModernAuth) < r {
			rank[k] = modernRank(u.ModernAuth)
		}
		if o, ok := onlyNo[k]; !ok || o {
			onlyNo[k] = u.ModernAuth == assess.ModernNo
		}
	}
	for k, o := range onlyNo {
		if o {
			rank[k] = -1
		}
	}
	sort.SliceStable(m.rows, func(i, j int) bool {
		a, b := &m.rows[i].u, &m.rows[j].u
		ua, ub := m.rows[i].user, m.rows[j].user
		if ra, rb := rank[ua], rank[ub]; ra != rb {
			return ra < rb
		}
		if ua != ub {
			return ua < ub
		}
		if ra, rb := modernRank(a.ModernAuth), modernRank(b.ModernAuth); ra != rb {
			return ra < rb
		}
		return a.Client < b.Client
	})
	m.users = len(rank)
	m.noModern = 0
	for i := range inv {
		if inv[i].ModernAuth == assess.ModernNo {
			m.noModern++
		}
	}
	m.legacyUsers = len(assess.LegacyUsers(inv))
}

// applyImpact joins the plan's breaks to the rows by user and client.
func (m *Clients) applyImpact(imp []remediate.Impact) {
	m.impact = imp
	byClient := map[string][]clientBreak{}
	users := map[string]bool{}
	lost := map[string]bool{}
	for _, im := range imp {
		for _, b := range im.Breaks {
			user := strings.ToLower(b.User)
			key := user + "\x00" + b.Client
			byClient[key] = append(byClient[key], clientBreak{step: Clean(im.Step), protocols: b.Protocols, all: b.All})
			users[user] = true
		}
		for _, u := range im.LosesAll {
			lost[strings.ToLower(u)] = true
		}
	}
	m.brokenClients, m.brokenUsers, m.losesAll = len(byClient), len(users), len(lost)
	for i := range m.rows {
		r := &m.rows[i]
		r.breaks, r.brk = nil, ""
		if len(byClient) == 0 {
			continue
		}
		bs := byClient[r.key]
		if len(bs) == 0 {
			continue
		}
		r.breaks = bs
		parts := make([]string, len(bs))
		for j, b := range bs {
			what := "all"
			if !b.all {
				what = Clean(strings.Join(b.protocols, "+"))
			}
			parts[j] = b.step + ": " + what
		}
		r.brk = strings.Join(parts, ", ")
	}
}

func (m *Clients) matches(r *clientRow) bool {
	if m.legacyOnly && r.u.ModernAuth != assess.ModernNo && r.u.ModernAuth != assess.ModernUnknown {
		return false
	}
	if m.breaksOnly && len(r.breaks) == 0 {
		return false
	}
	return m.query == "" || strings.Contains(r.hay, m.query)
}

// refilter recomputes the rows shown (one pass over the rows), keeping
// the cursor on the same row when it is still shown.
func (m *Clients) refilter() {
	keep := -1
	if m.nav.Cursor < len(m.view) {
		keep = m.view[m.nav.Cursor]
	}
	m.view = m.view[:0]
	at := 0
	for i := range m.rows {
		if m.matches(&m.rows[i]) {
			if i == keep {
				at = len(m.view)
			}
			m.view = append(m.view, i)
		}
	}
	m.nav.SetLen(len(m.view))
	m.nav.SetHeight(m.listHeight())
	m.nav.Cursor = at
	m.nav.clamp()
	if len(m.view) == 0 {
		m.detail = false
	}
}

// View renders the summary, the filter and the table, or a row's detail.
func (m *Clients) View() string {
	st := m.c.Styles
	w := max(m.width, 40)
	e := m.c.Eng
	if e.Findings == nil && e.Clients == nil {
		if e.Judging {
			return " " + st.Running.Render("Judging…")
		}
		return " " + st.Muted.Render("Nothing judged yet: discovery has not finished.")
	}
	var b strings.Builder
	b.WriteString(" " + m.summaryLine(w-2) + "\n")
	b.WriteString(" " + m.planLine(w-2) + "\n")
	b.WriteString(" " + m.filterLine(w-2) + "\n")
	if m.detail {
		b.WriteString(strings.Join(m.detailWindow(w-2, m.height-3), "\n"))
		return b.String()
	}
	b.WriteString(m.renderTable(w))
	return b.String()
}

func (m *Clients) summaryLine(w int) string {
	st := m.c.Styles
	if len(m.rows) == 0 {
		return st.Muted.Render(truncate("No mail client was seen: the sign-in logs, usage reports and devices name none.", w))
	}
	s := fmt.Sprintf("%s by %s", plural(len(m.rows), "client use"), plural(m.users, "user"))
	rest := fmt.Sprintf(" · %d without modern auth (used by %s)", m.noModern, plural(m.legacyUsers, "user"))
	if m.noModern == 0 {
		return st.Value.Render(s) + st.Pass.Render(truncate(" · every one can do modern auth", w-lipgloss.Width(s)))
	}
	return st.Value.Render(s) + st.Fail.Render(truncate(rest, w-lipgloss.Width(s)))
}

func (m *Clients) planLine(w int) string {
	st := m.c.Styles
	e := m.c.Eng
	switch {
	case e.Previewing:
		return st.Running.Render("Previewing the plan…")
	case e.PlanErr != nil:
		return st.ErrorText.Render(truncate("The plan cannot be made: "+Clean(e.PlanErr.Error()), w))
	case e.Plan == nil:
		return st.Muted.Render(truncate("Choose steps on the Plan screen to see who breaks.", w))
	}
	steps := strings.Join(e.Steps, ", ")
	if m.brokenClients == 0 {
		return st.Pass.Render(truncate(fmt.Sprintf("The plan (%s) breaks no client seen.", steps), w))
	}
	s := fmt.Sprintf("The plan (%s) breaks %s of %s", steps, plural(m.brokenClients, "client"), plural(m.brokenUsers, "user"))
	if m.losesAll > 0 {
		s += fmt.Sprintf("; %d lose every way into their mail", m.losesAll)
	}
	return st.Fail.Render(truncate(s, w))
}

func (m *Clients) filterLine(w int) string {
	st := m.c.Styles
	total := len(m.rows)
	if m.typing {
		return m.input.View() + st.Muted.Render(fmt.Sprintf(" %d of %d", len(m.view), total))
	}
	if m.note != "" {
		return st.Warn.Render(truncate(m.note, w))
	}
	if !m.filtered() {
		return st.Muted.Render(truncate("All shown · / filter · l legacy only · b breaks only", w))
	}
	desc := fmt.Sprintf("Showing %d of %d", len(m.view), total)
	if m.legacyOnly {
		desc += " · legacy only (no or unknown modern auth)"
	}
	if m.breaksOnly {
		desc += " · broken by the plan"
	}
	if m.query != "" {
		desc += fmt.Sprintf(" · matching %q", m.input.Value())
	}
	return st.Warn.Render(truncate(desc, w-14)) + st.Muted.Render(" · esc clears")
}

// modernLabel is ModernAuth as a symbol and a word (short when narrow).
func modernLabel(v string, short bool) (string, string) {
	switch v {
	case assess.ModernYes:
		return assess.Pass, "✓ yes"
	case assess.ModernNo:
		return assess.Fail, "✗ no"
	case assess.ModernConditional:
		if short {
			return assess.Warn, "! cond."
		}
		return assess.Warn, "! conditional"
	}
	if v == assess.ModernUnknown || v == "" {
		return assess.Error, "? unknown"
	}
	return assess.Error, "? " + v
}

func (m *Clients) renderTable(w int) string {
	st := m.c.Styles
	if len(m.view) == 0 {
		msg := "No client matches the filter: esc clears it."
		if len(m.rows) == 0 {
			msg = "Nothing to list."
		}
		return "\n " + st.Muted.Render(truncate(msg, w-2))
	}
	short := w < 100
	pw, mw := 8, 13
	if short {
		mw = 9
	}
	bw := 0
	if m.hasPlan() {
		bw = 14
		if !short {
			bw = 22
		}
	}
	rest := w - 2 - (pw + 1) - (mw + 1)
	if bw > 0 {
		rest -= bw + 1
	}
	uw := rest * 58 / 100 // the user matters most
	cw := rest - uw - 1
	modern := "modern auth"
	if short {
		modern = "modern"
	}
	head := "  " + pad("user", uw) + " " + pad("client", cw) + " " + pad("platform", pw) + " " + pad(modern, mw)
	if bw > 0 {
		head += " " + pad("breaks", bw)
	}
	var b strings.Builder
	b.WriteString(st.Header.Render(truncate(head, w)))
	from, to := m.nav.Visible()
	for i := from; i < to; i++ {
		r := &m.rows[m.view[i]]
		cur := "  "
		user := pad(truncate(r.u.User, uw), uw)
		client := r.u.Client
		if r.u.Version != "" {
			client += " " + r.u.Version
		}
		client = pad(truncate(client, cw), cw)
		if i == m.nav.Cursor {
			cur = st.Cursor.Render("› ")
			user, client = st.Selected.Render(user), st.Selected.Render(client)
		}
		status, label := modernLabel(r.u.ModernAuth, short)
		line := cur + user + " " + client + " " + st.Muted.Render(pad(truncate(r.u.Platform, pw), pw)) + " " +
			statusStyle(st, status).Render(pad(label, mw))
		if bw > 0 && r.brk != "" {
			line += " " + st.Fail.Render(truncate(r.brk, bw))
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// detailWindow is the selected row's detail, cut to h lines at the
// scroll position.
func (m *Clients) detailWindow(w, h int) []string {
	st := m.c.Styles
	if m.nav.Cursor >= len(m.view) {
		return []string{" " + st.Muted.Render("No row selected.")}
	}
	lines := m.detailLines(m.view[m.nav.Cursor], w)
	if len(lines) > h {
		view := max(h-1, 1)
		m.dscroll = min(m.dscroll, len(lines)-view)
		lines = append(slices.Clone(lines[m.dscroll:m.dscroll+view]),
			st.Muted.Render(truncate(fmt.Sprintf("↕ lines %d-%d of %d · j/k scroll · esc back", m.dscroll+1, m.dscroll+view, len(lines)), w)))
	} else {
		m.dscroll = 0
	}
	for i := range lines {
		lines[i] = " " + lines[i]
	}
	return lines
}

func (m *Clients) detailLines(idx, w int) []string {
	st := m.c.Styles
	r := &m.rows[idx]
	u := &r.u
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
	out = append(out, "")
	wrapped(u.User, st.Title, "", "")
	client := u.Client
	if u.Version != "" {
		client += " " + u.Version
	}
	wrapped(client+" on "+u.Platform, st.Value, "", "")
	status, label := modernLabel(u.ModernAuth, false)
	word := map[string]string{assess.ModernYes: " modern auth", assess.ModernNo: " modern auth: basic auth only",
		assess.ModernConditional: " modern auth: only when set up for it", assess.ModernUnknown: ": whether it can do modern auth is not known"}[u.ModernAuth]
	out = append(out, statusStyle(st, status).Render(truncate(label+word, w)))
	out = append(out, "", st.Section.Render("Decided by"))
	wrapped(u.TableRow, st.Label, "  ", "  ")
	out = append(out, "", st.Section.Render("Seen in"))
	for _, s := range splitSources(u.Source) {
		wrapped(s, st.Label, "  • ", "    ")
	}
	out = append(out, "", st.Section.Render("The plan"))
	switch {
	case !m.hasPlan():
		wrapped("No plan chosen: choose steps on the Plan screen to see whether this client breaks.", st.Muted, "  ", "  ")
	case len(r.breaks) == 0:
		wrapped("The chosen plan ("+strings.Join(m.c.Eng.Steps, ", ")+") does not break this client.", st.Pass, "  ", "  ")
	}
	for _, b := range r.breaks {
		title := b.step
		if s, ok := remediate.LookupStep(b.step); ok {
			title += " (" + s.Title + ")"
		}
		what := "takes away " + Clean(strings.Join(b.protocols, ", "))
		if b.all {
			what = "cuts it off: it loses every protocol it was seen using"
			if len(b.protocols) > 0 {
				what += " (" + Clean(strings.Join(b.protocols, ", ")) + ")"
			}
		}
		wrapped("✗ Step "+title+" "+what, st.Fail, "  ", "    ")
	}
	// The user's other clients are next to this row (rows are grouped by
	// user).
	var others []string
	for _, dir := range []int{-1, 1} {
		for j := idx + dir; j >= 0 && j < len(m.rows) && m.rows[j].user == r.user; j += dir {
			o := &m.rows[j].u
			st2, lbl := modernLabel(o.ModernAuth, false)
			others = append(others, "  "+statusStyle(st, st2).Render(truncate(lbl+" · "+strings.TrimSpace(o.Client+" "+o.Version)+" on "+o.Platform, w-2)))
		}
	}
	if len(others) > 0 {
		out = append(out, "", st.Section.Render("This user's other clients"))
		out = append(out, others...)
	}
	return out
}

// splitSources cuts a ClientUse.Source ("signIn: UA [IMAP4]; oktaLog:
// UA [wsfed/active]") into its sightings. A user agent has "; " of its
// own, so a new sighting starts only where a part begins with a source's
// name and a colon.
func splitSources(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "; ") {
		name, _, ok := strings.Cut(p, ": ")
		isSource := ok && name != "" && strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) < 0
		if isSource || len(out) == 0 {
			out = append(out, p)
		} else {
			out[len(out)-1] += "; " + p
		}
	}
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}
