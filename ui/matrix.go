package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/matrix"
)

// The access matrix screen: rows are protocols, columns authentication
// methods, each cell the most permissive verdict among the mailbox users
// with how many users have it. Before and after the selected plan side by
// side when the body is wide, else toggled with a. enter drills into a
// cell's users (grouped by verdict, filterable by UPN), and enter on a
// user shows the chain of gates that decided the verdict.

// matrixWide is the body width from which before and after are drawn side
// by side.
const matrixWide = 120

type matrixKeys struct {
	// Grid.
	Move                  key.Binding // help only
	Up, Down, Left, Right key.Binding
	Drill                 key.Binding
	Toggle                key.Binding
	// Users.
	Nav     key.Binding // help only
	Verdict key.Binding
	Filter  key.Binding
	Open    key.Binding
	Back    key.Binding
	// Filter text entry.
	Accept, Clear key.Binding
	// Reasons.
	Scroll key.Binding // help only

	list listKeys
}

func newMatrixKeys() matrixKeys {
	k := matrixKeys{
		Move:    key.NewBinding(key.WithKeys("up", "down", "left", "right", "h", "j", "k", "l"), key.WithHelp("←↓↑→/hjkl", "move")),
		Up:      key.NewBinding(key.WithKeys("up", "k")),
		Down:    key.NewBinding(key.WithKeys("down", "j")),
		Left:    key.NewBinding(key.WithKeys("left", "h")),
		Right:   key.NewBinding(key.WithKeys("right", "l")),
		Drill:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "users")),
		Toggle:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "before/after")),
		Nav:     key.NewBinding(key.WithKeys("up", "down", "j", "k"), key.WithHelp("↑↓/jk", "move")),
		Verdict: key.NewBinding(key.WithKeys("left", "right", "h", "l"), key.WithHelp("←→", "verdict")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "reasons")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Accept:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		Clear:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Scroll:  key.NewBinding(key.WithKeys("up", "down", "j", "k"), key.WithHelp("↑↓/jk", "scroll")),
		list:    newListKeys(),
	}
	k.Toggle.SetEnabled(false)
	return k
}

// MatrixScreen is the access matrix screen.
type MatrixScreen struct {
	c      *Common
	keys   matrixKeys
	width  int
	height int

	// The grid's cursor: a protocol, a method, and which matrix.
	row, col int
	after    bool

	drill *cellDrill // the users of a cell (nil: the grid)
	// preview is the users of the cell under the cursor, listed below
	// its reasons when the screen is tall enough (cached per cell).
	preview *cellDrill
	chain   *chainView // one user's reasons (nil: the list or the grid)
	input   textinput.Model
	// filtering: the UPN filter takes the keys.
	filtering bool
}

func newMatrixScreen(c *Common) Screen {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "part of a UPN"
	in.CharLimit = 256
	// A steady cursor: no blink ticks while the operator types.
	ist := textinput.DefaultStyles(true)
	ist.Cursor.Blink = false
	in.SetStyles(ist)
	return &MatrixScreen{c: c, keys: newMatrixKeys(), width: 80, height: 18, input: in}
}

func (m *MatrixScreen) Init() tea.Cmd   { return nil }
func (m *MatrixScreen) Capturing() bool { return m.filtering }
func (m *MatrixScreen) Busy() string    { return "" }

// SetSize sets the body's size.
func (m *MatrixScreen) SetSize(w, h int) {
	m.width, m.height = max(w, 40), max(h, 3)
	m.input.SetWidth(max(m.width-6, 10))
	if m.drill != nil {
		m.drill.nav.SetHeight(m.listHeight())
	}
	if m.chain != nil {
		m.chain.build(m)
	}
}

func (m *MatrixScreen) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.filtering:
		return []key.Binding{k.Accept, k.Clear}
	case m.chain != nil:
		return []key.Binding{k.Scroll, k.Back}
	case m.drill != nil:
		return []key.Binding{k.Verdict, k.Filter, k.Open, k.Back}
	}
	return []key.Binding{k.Move, k.Drill, k.Toggle}
}

func (m *MatrixScreen) FullHelp() [][]key.Binding {
	k := m.keys
	l := k.list
	switch {
	case m.filtering:
		return [][]key.Binding{{k.Accept, k.Clear}}
	case m.chain != nil:
		return [][]key.Binding{{l.Up, l.Down, l.PageUp, l.PageDown, l.Home, l.End}, {k.Back}}
	case m.drill != nil:
		return [][]key.Binding{{l.Up, l.Down, l.PageUp, l.PageDown, l.Home, l.End}, {k.Verdict, k.Filter, k.Open, k.Back}}
	}
	return [][]key.Binding{{k.Move}, {k.Drill, k.Toggle}}
}

// afterState says whether the after-matrix can be shown, and if not why.
func (m *MatrixScreen) afterState() (bool, string) {
	e := m.c.Eng
	switch {
	case e.Previewing:
		return false, "computing the after-matrix…"
	case e.PlanErr != nil:
		return false, "the plan cannot be made: see Plan"
	case e.After == nil:
		return false, "choose steps on the Plan screen"
	}
	return true, ""
}

// matrixOf is the matrix on one side (nil when it is not there).
func (m *MatrixScreen) matrixOf(after bool) *matrix.Matrix {
	if !after {
		return m.c.Eng.Before
	}
	if ok, _ := m.afterState(); ok {
		return m.c.Eng.After
	}
	return nil
}

// sideBySide: before and after are both on show.
func (m *MatrixScreen) sideBySide() bool {
	ok, _ := m.afterState()
	return ok && m.width >= matrixWide
}

// sync follows the engagement: the toggle's state, and a drill-down into
// a matrix that has since been recomputed goes back to the grid.
func (m *MatrixScreen) sync() {
	ok, _ := m.afterState()
	m.keys.Toggle.SetEnabled(ok)
	if !ok {
		m.after = false
	}
	if m.drill != nil && m.drill.mx != m.matrixOf(m.drill.after) {
		m.drill, m.chain = nil, nil
		m.stopFilter()
	}
}

func (m *MatrixScreen) stopFilter() {
	m.filtering = false
	m.input.Blur()
}

// Update handles the engagement and the keys.
func (m *MatrixScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case EngagementMsg:
		m.sync()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.filtering {
		return m, m.updateInput(msg)
	}
	return m, nil
}

func (m *MatrixScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	cmd := m.handleKey(msg)
	// The filter line comes and goes: the list's height follows.
	if m.drill != nil {
		m.drill.nav.SetHeight(m.listHeight())
	}
	return cmd
}

func (m *MatrixScreen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case m.filtering:
		switch {
		case key.Matches(msg, k.Accept):
			m.stopFilter()
		case key.Matches(msg, k.Clear):
			m.stopFilter()
			m.input.SetValue("")
			m.drill.setFilter("")
		default:
			return m.updateInput(msg)
		}
	case m.chain != nil:
		switch {
		case key.Matches(msg, k.Back):
			m.chain = nil
		default:
			m.chain.nav.Update(msg, k.list)
		}
	case m.drill != nil:
		d := m.drill
		switch {
		case key.Matches(msg, k.Back):
			m.drill = nil
			m.input.SetValue("")
		case key.Matches(msg, k.Left):
			d.cycle(-1)
		case key.Matches(msg, k.Right):
			d.cycle(+1)
		case key.Matches(msg, k.Filter):
			m.filtering = true
			return m.input.Focus()
		case key.Matches(msg, k.Open):
			if u := d.selected(); u != nil {
				m.chain = newChainView(m, d, u)
			}
		default:
			d.nav.Update(msg, k.list)
		}
	default:
		side := m.sideBySide()
		switch {
		case key.Matches(msg, k.Up):
			m.row = max(m.row-1, 0)
		case key.Matches(msg, k.Down):
			m.row = min(m.row+1, len(matrix.Protocols)-1)
		case key.Matches(msg, k.Left):
			if m.col > 0 {
				m.col--
			} else if side && m.after {
				m.after, m.col = false, len(matrix.Methods)-1
			}
		case key.Matches(msg, k.Right):
			if m.col < len(matrix.Methods)-1 {
				m.col++
			} else if side && !m.after {
				m.after, m.col = true, 0
			}
		case key.Matches(msg, k.Toggle):
			m.after = !m.after
		case key.Matches(msg, k.Drill):
			if mx := m.matrixOf(m.after); mx != nil {
				m.drill = newCellDrill(mx, m.after, matrix.Protocols[m.row], matrix.Methods[m.col])
				m.drill.nav.SetHeight(m.listHeight())
				m.input.SetValue("")
			}
		}
	}
	return nil
}

// updateInput passes a message to the filter's text input and filters
// again when its text changed.
func (m *MatrixScreen) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.drill != nil && m.input.Value() != m.drill.filter {
		m.drill.setFilter(m.input.Value())
	}
	return cmd
}

// cellDrill is the users of one cell, grouped by verdict. The users are
// sorted once, when drilling in (by verdict, most permissive first, then
// by UPN); a group is a slice of that, and the filter a scan of it.
type cellDrill struct {
	mx    *matrix.Matrix
	after bool
	p     matrix.Protocol
	meth  matrix.Method
	// all users by verdict rank then UPN; start[r]:start[r+1] have rank r
	// (rank len(matrix.Verdicts): a verdict the UI does not know).
	all   []*matrix.UserAccess
	start [len(verdictNames) + 2]int
	lower []string // lower-case UPNs of all, built at the first filter
	domW  int      // the longest domain (bytes)
	// group is a rank, or groupAll.
	group  int
	filter string
	rows   []*matrix.UserAccess
	nav    listNav
}

const groupAll = -1

// verdictNames are the verdicts in rank order (matrix.Verdicts), for the
// fixed-size arrays of a drill.
var verdictNames = [...]matrix.Verdict{matrix.Password, matrix.Restricted, matrix.Unknown, matrix.MFA, matrix.Blocked, matrix.Unsupported}

func newCellDrill(mx *matrix.Matrix, after bool, p matrix.Protocol, meth matrix.Method) *cellDrill {
	d := &cellDrill{mx: mx, after: after, p: p, meth: meth}
	n := len(mx.Users)
	ranks := make([]uint8, n)
	var counts [len(verdictNames) + 1]int
	for k := range mx.Users {
		r := min(mx.Users[k].Verdict(p, meth).Rank(), len(verdictNames))
		ranks[k] = uint8(r)
		counts[r]++
		d.domW = max(d.domW, len(mx.Users[k].Domain))
	}
	for r, c := range counts {
		d.start[r+1] = d.start[r] + c
	}
	pos := d.start
	d.all = make([]*matrix.UserAccess, n)
	for k := range mx.Users {
		r := ranks[k]
		d.all[pos[r]] = &mx.Users[k]
		pos[r]++
	}
	// The cell's verdict first: the users with the most permissive one.
	d.group = groupAll
	if c := mx.Cell(p, meth); c != nil {
		if r := c.Verdict.Rank(); r <= len(verdictNames) && d.count(r) > 0 {
			d.group = r
		}
	}
	if d.group == groupAll {
		for r := range counts {
			if counts[r] > 0 {
				d.group = r
				break
			}
		}
	}
	d.apply()
	return d
}

func (d *cellDrill) count(r int) int { return d.start[r+1] - d.start[r] }

// groups are the ranks that have users, then groupAll.
func (d *cellDrill) groups() []int {
	var out []int
	for r := 0; r <= len(verdictNames); r++ {
		if d.count(r) > 0 {
			out = append(out, r)
		}
	}
	return append(out, groupAll)
}

func (d *cellDrill) cycle(dir int) {
	gs := d.groups()
	at := 0
	for i, g := range gs {
		if g == d.group {
			at = i
		}
	}
	d.group = gs[(at+dir+len(gs))%len(gs)]
	d.nav.Cursor, d.nav.Offset = 0, 0
	d.apply()
}

func (d *cellDrill) bounds() (int, int) {
	if d.group == groupAll {
		return 0, len(d.all)
	}
	return d.start[d.group], d.start[d.group+1]
}

func (d *cellDrill) setFilter(f string) {
	d.filter = f
	d.nav.Cursor, d.nav.Offset = 0, 0
	d.apply()
}

// apply recomputes the rows: the group, filtered by UPN substring.
func (d *cellDrill) apply() {
	from, to := d.bounds()
	f := strings.ToLower(strings.TrimSpace(d.filter))
	if f == "" {
		d.rows = d.all[from:to]
	} else {
		if d.lower == nil {
			d.lower = make([]string, len(d.all))
			for i, u := range d.all {
				d.lower[i] = strings.ToLower(u.UPN)
			}
		}
		d.rows = nil
		for i := from; i < to; i++ {
			if strings.Contains(d.lower[i], f) {
				d.rows = append(d.rows, d.all[i])
			}
		}
	}
	d.nav.SetLen(len(d.rows))
}

func (d *cellDrill) selected() *matrix.UserAccess {
	if d.nav.Cursor < 0 || d.nav.Cursor >= len(d.rows) {
		return nil
	}
	return d.rows[d.nav.Cursor]
}

// chainView is one user's chain of reasons for a protocol and method;
// lines are wrapped once per size, and scrolled.
type chainView struct {
	u      *matrix.UserAccess
	drill  *cellDrill
	access matrix.Access
	// was is the verdict before the steps (after-matrix only; "" when
	// the user is not in the before-matrix).
	was   matrix.Verdict
	head  []string
	lines []string
	nav   listNav
}

func newChainView(m *MatrixScreen, d *cellDrill, u *matrix.UserAccess) *chainView {
	cv := &chainView{u: u, drill: d, access: u.Access(d.p, d.meth)}
	if d.after && m.c.Eng.Before != nil {
		if b := m.c.Eng.Before.User(u.UPN); b != nil {
			cv.was = b.Verdict(d.p, d.meth)
		}
	}
	cv.build(m)
	return cv
}

// View renders the body.
func (m *MatrixScreen) View() string {
	var out string
	switch {
	case m.c.Eng.Before == nil && m.c.Eng.Judging:
		out = " " + m.c.Styles.Running.Render("Judging…")
	case m.c.Eng.Before == nil:
		out = " " + m.c.Styles.Muted.Render("Nothing judged yet: run discovery first.")
	case m.chain != nil:
		out = m.viewChain()
	case m.drill != nil:
		out = m.viewDrill()
	default:
		out = m.viewGrid()
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	// A safety net at very narrow widths: the layouts above fit 80
	// columns and more.
	for i, l := range lines {
		if lipgloss.Width(l) > m.width {
			lines[i] = ansi.Truncate(l, m.width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// look is how a verdict is drawn: a symbol that reads without colour, and
// the colour. Unknown (or a verdict this UI does not know) never looks
// safe.
func (m *MatrixScreen) look(v matrix.Verdict) (string, lipgloss.Style) {
	st := m.c.Styles
	switch v {
	case matrix.Password:
		return "✗", st.Fail
	case matrix.Restricted:
		return "!", st.Warn
	case matrix.MFA, matrix.Blocked:
		return "✓", st.Pass
	case matrix.Unsupported:
		return "·", st.Muted
	}
	return "?", st.ErrorText
}

func verdictWord(v matrix.Verdict) string {
	if v == "" {
		return "none"
	}
	return Clean(string(v))
}

// verdictMeaning says what a verdict means, for a user's chain.
func verdictMeaning(v matrix.Verdict) string {
	switch v {
	case matrix.Password:
		return "a password alone gets in"
	case matrix.Restricted:
		return "a password alone gets in, but only from named network zones or trusted devices"
	case matrix.Unknown:
		return "could not be judged: a gate's data was not collected"
	case matrix.MFA:
		return "a second factor is required"
	case matrix.Blocked:
		return "refused"
	case matrix.Unsupported:
		return "the service does not offer this method for this protocol"
	}
	return "not a verdict this version knows: treat it as unknown"
}

// badge is a verdict's symbol and word in its colour ("✗ password").
func (m *MatrixScreen) badge(v matrix.Verdict) string {
	sym, st := m.look(v)
	return st.Render(sym + " " + verdictWord(v))
}

// --- the grid ---

// protoWidth fits the longest protocol name ("activesync", "powershell").
const protoWidth = 10

// gridLayout is how the cells are drawn at the body's width.
type gridLayout struct {
	cellW   int
	wordW   int  // verdict word column (0: symbol only)
	countW  int  // count column
	ofTotal bool // counts as n/N (else n, the total in the header)
}

func (m *MatrixScreen) layout(mats []*matrix.Matrix) gridLayout {
	groups := len(mats)
	cells := groups * len(matrix.Methods)
	avail := m.width - 1 - protoWidth - 1 - (cells - 1) - (groups-1)*2
	cellW := min(avail/cells, 40)
	wordW, full, short := 0, 0, 0
	for _, mx := range mats {
		for i := range matrix.Protocols {
			for j := range matrix.Methods {
				c := &mx.Cells[i][j]
				wordW = max(wordW, lipgloss.Width(verdictWord(c.Verdict)))
				full = max(full, len(countText(c, true)))
				short = max(short, len(countText(c, false)))
			}
		}
	}
	// marker, symbol, space, word, space, count
	for _, l := range []gridLayout{{cellW, wordW, full, true}, {cellW, wordW, short, false}, {cellW, 0, full, true}, {cellW, 0, short, false}} {
		if 3+l.wordW+1+l.countW <= cellW || (l.wordW == 0 && !l.ofTotal) {
			return l
		}
	}
	return gridLayout{}
}

// countText is a cell's count of users with its verdict ("4/20", or "4").
func countText(c *matrix.Cell, ofTotal bool) string {
	n := c.Count(c.Verdict)
	if ofTotal {
		return strconv.Itoa(n) + "/" + strconv.Itoa(c.Total())
	}
	return strconv.Itoa(n)
}

// renderCell draws a cell, marking the cursor and, when before is given,
// a change from it.
func (m *MatrixScreen) renderCell(l gridLayout, c, before *matrix.Cell, cursor bool) string {
	st := m.c.Styles
	mark := " "
	if cursor {
		mark = st.Cursor.Render("▸")
	}
	sym, vst := m.look(c.Verdict)
	body := sym
	if l.wordW > 0 {
		body += " " + pad(verdictWord(c.Verdict), l.wordW)
	}
	count := countText(c, l.ofTotal)
	body += " " + strings.Repeat(" ", max(l.countW-len(count), 0)) + count
	out := mark + vst.Render(body)
	if before != nil {
		// What the cell was, in as many words as fit: "← was ✗
		// password", "← ✗ password", "← ✗", "←".
		room := l.cellW - lipgloss.Width(out)
		switch {
		case before.Verdict != c.Verdict:
			sym, bst := m.look(before.Verdict)
			w := verdictWord(before.Verdict)
			for _, o := range [][2]string{{" ← was ", sym + " " + w}, {" ← ", sym + " " + w}, {" ← ", sym}, {" ←", ""}} {
				if lipgloss.Width(o[0]+o[1]) <= room {
					out += st.Info.Render(o[0]) + bst.Render(o[1])
					break
				}
			}
		case before.Count(before.Verdict) != c.Count(c.Verdict) || before.Total() != c.Total():
			n := countText(before, l.ofTotal)
			for _, o := range []string{" ← was " + n, " ← " + n, " ←"} {
				if lipgloss.Width(o) <= room {
					out += st.Info.Render(o)
					break
				}
			}
		}
	}
	return pad(out, l.cellW)
}

func (m *MatrixScreen) stepsTitle() string {
	return "After steps " + Clean(strings.Join(m.c.Eng.Steps, ","))
}

func (m *MatrixScreen) viewGrid() string {
	st := m.c.Styles
	e := m.c.Eng
	side := m.sideBySide()
	mats := []*matrix.Matrix{e.Before}
	afters := []bool{false}
	if side {
		mats, afters = append(mats, e.After), append(afters, true)
	} else if m.after {
		mats, afters = []*matrix.Matrix{e.After}, []bool{true}
	}
	l := m.layout(mats)
	var lines []string

	// Header: which matrix, how many users, the toggle.
	users := plural(len(e.Before.Users), "mailbox user")
	var left string
	switch {
	case side:
		left = st.Label.Render(users)
	case m.after:
		left = st.Section.Render(m.stepsTitle()) + st.Muted.Render(" · "+users)
	default:
		left = st.Section.Render("Before") + st.Muted.Render(" · "+users)
	}
	if e.Judging {
		left += st.Running.Render(" · judging again…")
	}
	var right string
	switch ok, why := m.afterState(); {
	case ok && side:
		right = st.Key.Render("a") + st.Help.Render(" cursor to "+map[bool]string{false: "after", true: "before"}[m.after])
	case ok:
		right = st.Key.Render("a") + st.Help.Render(" show "+map[bool]string{false: "after", true: "before"}[m.after])
	case e.Previewing:
		right = st.Running.Render(why)
	case e.PlanErr != nil:
		right = st.Muted.Render("a (after) off: ") + st.Fail.Render("✗ ") + st.ErrorText.Render(why)
	default:
		right = st.Muted.Render("a (after) off: " + why)
	}
	if gap := m.width - 1 - lipgloss.Width(left) - lipgloss.Width(right); gap >= 2 {
		lines = append(lines, " "+left+strings.Repeat(" ", gap)+right)
	} else {
		// Too narrow for one line: the toggle's state goes below (it is
		// short enough for 40 columns but for a plan's error, cut).
		lines = append(lines, " "+left, "   "+right)
	}

	// Column headers.
	groupW := len(matrix.Methods)*l.cellW + len(matrix.Methods) - 1
	if side {
		lines = append(lines, " "+strings.Repeat(" ", protoWidth+2)+pad(st.Section.Render("Before"), groupW)+st.Muted.Render(" │  ")+st.Section.Render(truncate(m.stepsTitle(), groupW-1)))
	}
	head := pad("protocol", protoWidth)
	for g := range mats {
		if g > 0 {
			head += " │"
		}
		for _, meth := range matrix.Methods {
			head += " " + pad(" "+string(meth), l.cellW)
		}
	}
	lines = append(lines, " "+st.Header.Render(strings.TrimRight(head, " ")))

	// The grid.
	for i, p := range matrix.Protocols {
		row := " " + pad(string(p), protoWidth)
		if i == m.row {
			row = " " + st.Selected.Render(pad(string(p), protoWidth))
		}
		for g, mx := range mats {
			if g > 0 {
				row += st.Muted.Render(" │")
			}
			for j := range matrix.Methods {
				var before *matrix.Cell
				if afters[g] {
					before = &e.Before.Cells[i][j]
				}
				cursor := i == m.row && j == m.col && afters[g] == m.after
				row += " " + m.renderCell(l, &mx.Cells[i][j], before, cursor)
			}
		}
		lines = append(lines, strings.TrimRight(row, " "))
	}
	lines = append(lines, m.legend(mats, afters))

	// The cell under the cursor: its counts and its top reasons.
	room := m.height - len(lines)
	if room >= 4 {
		lines = append(lines, "")
		room--
	}
	if room > 0 {
		lines = append(lines, m.cellDetail(room)...)
	}
	return strings.Join(lines, "\n")
}

// legend explains the symbols of the verdicts on show, in as many words
// as the width allows.
func (m *MatrixScreen) legend(mats []*matrix.Matrix, afters []bool) string {
	st := m.c.Styles
	var present [len(verdictNames) + 1]bool
	changed := false
	for g, mx := range mats {
		for i := range matrix.Protocols {
			for j := range matrix.Methods {
				c := &mx.Cells[i][j]
				present[min(c.Verdict.Rank(), len(verdictNames))] = true
				if afters[g] {
					b := &m.c.Eng.Before.Cells[i][j]
					changed = changed || b.Verdict != c.Verdict || b.Count(b.Verdict) != c.Count(c.Verdict)
				}
			}
		}
	}
	type item struct {
		sym   string
		style lipgloss.Style
		long  string
		short string
	}
	var items []item
	add := func(v matrix.Verdict, long, short string) {
		sym, s := m.look(v)
		items = append(items, item{sym, s, long, short})
	}
	if present[0] {
		add(matrix.Password, "password alone reads mail", "password alone")
	}
	if present[1] {
		add(matrix.Restricted, "password from named zones/devices only", "zones/devices only")
	}
	if present[2] || present[len(verdictNames)] {
		add(matrix.Unknown, "unknown: data not collected", "not collected")
	}
	switch {
	case present[3] && present[4]:
		add(matrix.MFA, "MFA required or blocked", "mfa/blocked")
	case present[3]:
		add(matrix.MFA, "MFA required", "mfa")
	case present[4]:
		add(matrix.Blocked, "blocked", "blocked")
	}
	if present[5] {
		add(matrix.Unsupported, "unsupported: not offered", "not offered")
	}
	if changed {
		items = append(items, item{"←", st.Info, "was, before the steps", "was"})
	}
	counts := "n/N users with the cell's verdict"
	for _, long := range []bool{true, false} {
		var parts []string
		for _, it := range items {
			t := it.short
			if long {
				t = it.long
			}
			parts = append(parts, it.style.Render(it.sym)+" "+st.Muted.Render(t))
		}
		line := " " + strings.Join(parts, "  ")
		if long && lipgloss.Width(line)+2+len(counts) <= m.width {
			line += "  " + st.Muted.Render(counts)
		}
		if lipgloss.Width(line) <= m.width {
			return line
		}
	}
	// Still too wide: symbols and the shortest words, cut.
	var plain []string
	for _, it := range items {
		plain = append(plain, it.sym+" "+it.short)
	}
	return " " + st.Muted.Render(truncate(strings.Join(plain, " "), m.width-1))
}

// breakdown lists a cell's users per verdict, most permissive first
// ("✗ 4 password  ✓ 15 mfa"), as many as fit in width.
func (m *MatrixScreen) breakdown(c *matrix.Cell, width int) string {
	var parts []string
	used := 0
	for _, v := range matrix.Verdicts {
		n := c.Count(v)
		if n == 0 {
			continue
		}
		sym, st := m.look(v)
		t := fmt.Sprintf("%s %d %s", sym, n, verdictWord(v))
		w := lipgloss.Width(t) + 2
		if used+w > width {
			parts = append(parts, m.c.Styles.Muted.Render("…"))
			break
		}
		used += w
		parts = append(parts, st.Render(t))
	}
	if len(parts) == 0 {
		return m.c.Styles.Muted.Render("no mailbox users")
	}
	return strings.Join(parts, "  ")
}

// cellDetail is the cell under the cursor: title, counts per verdict, the
// counts before the steps when they differ, and the top reasons.
func (m *MatrixScreen) cellDetail(room int) []string {
	st := m.c.Styles
	mx := m.matrixOf(m.after)
	if mx == nil {
		return nil
	}
	p, meth := matrix.Protocols[m.row], matrix.Methods[m.col]
	c := mx.Cell(p, meth)
	side := "before"
	if m.after {
		side = "after"
	}
	title := " " + st.Section.Render(string(p)+" "+string(meth)) + st.Muted.Render(" ("+side+"):  ")
	lines := []string{title + m.breakdown(c, m.width-lipgloss.Width(title))}
	if m.after {
		b := m.c.Eng.Before.Cell(p, meth)
		if b.Verdict != c.Verdict || b.Counts != c.Counts {
			t := "   " + st.Info.Render("← was ")
			lines = append(lines, t+m.breakdown(b, m.width-lipgloss.Width(t)))
		}
	}
	if len(c.Reasons) > 0 {
		_, vst := m.look(c.Verdict)
		lines = append(lines, "   "+st.Muted.Render("why ")+vst.Render(verdictWord(c.Verdict))+st.Muted.Render(":"))
	}
	for _, r := range c.Reasons {
		wrapped := strings.Split(st.Column.Width(m.width-6).Render(Clean(r)), "\n")
		for k, w := range wrapped {
			prefix := "     "
			if k == 0 {
				prefix = "   • "
			}
			lines = append(lines, prefix+strings.TrimRight(w, " "))
		}
	}
	if len(lines) > room {
		lines = lines[:room]
		if room > 1 {
			lines[room-1] = "     " + st.Muted.Render("… (enter: the users and each one's reasons)")
		}
		return lines
	}
	return append(lines, m.previewUsers(mx, p, meth, room-len(lines))...)
}

// previewUsers lists, in room lines, the first users of the cell with its
// verdict (the most permissive group), for a tall screen: one line of
// space, a heading, at least two users, the rest counted. Nothing when
// there is no room for that.
func (m *MatrixScreen) previewUsers(mx *matrix.Matrix, p matrix.Protocol, meth matrix.Method, room int) []string {
	if room < 5 || len(mx.Users) == 0 {
		return nil
	}
	st := m.c.Styles
	d := m.preview
	if d == nil || d.mx != mx || d.after != m.after || d.p != p || d.meth != meth {
		d = newCellDrill(mx, m.after, p, meth)
		m.preview = d
	}
	v := matrix.Verdict("other")
	if d.group >= 0 && d.group < len(verdictNames) {
		v = verdictNames[d.group]
	}
	sym, vs := m.look(v)
	lines := []string{"", "   " + st.Muted.Render("users ") + vs.Render(sym+" "+verdictWord(v)) +
		st.Muted.Render(fmt.Sprintf(" (%d of %d; enter: all of them and each one's reasons)", len(d.rows), len(d.all)))}
	show := min(len(d.rows), room-len(lines))
	if show < len(d.rows) {
		show-- // the last line counts the rest
	}
	for _, u := range d.rows[:show] {
		lines = append(lines, "   "+vs.Render(sym)+" "+truncate(Clean(u.UPN), m.width-6))
	}
	if rest := len(d.rows) - show; rest > 0 {
		lines = append(lines, "     "+st.Muted.Render(fmt.Sprintf("… and %d more", rest)))
	}
	return lines
}

// --- the users of a cell ---

// drillFixed is the drill-down's lines besides the rows: title, verdict
// groups, column header, footer (and the filter line when shown).
func (m *MatrixScreen) listHeight() int {
	fixed := 4
	if m.filtering || (m.drill != nil && m.drill.filter != "") {
		fixed++
	}
	return max(m.height-fixed, 1)
}

func (m *MatrixScreen) drillTitle(d *cellDrill) string {
	st := m.c.Styles
	side := "Before"
	if d.after {
		side = m.stepsTitle()
	}
	return " " + st.Section.Render(string(d.p)+" · "+string(d.meth)) + st.Muted.Render(" · "+side+" · "+plural(len(d.all), "mailbox user"))
}

func (m *MatrixScreen) viewDrill() string {
	st := m.c.Styles
	d := m.drill
	lines := []string{m.drillTitle(d)}

	// Verdict groups: the one on show marked.
	var gl []string
	used := 1
	for _, g := range d.groups() {
		var t string
		var s lipgloss.Style
		if g == groupAll {
			t, s = fmt.Sprintf("all %d", len(d.all)), st.Label
		} else {
			v := matrix.Verdict("other")
			if g < len(verdictNames) {
				v = verdictNames[g]
			}
			sym, vs := m.look(v)
			t, s = fmt.Sprintf("%s %s %d", sym, verdictWord(v), d.count(g)), vs
		}
		item := " " + s.Render(t) + " "
		if g == d.group {
			item = st.Cursor.Render("[") + st.Selected.Render(t) + st.Cursor.Render("]")
		}
		w := lipgloss.Width(item) + 1
		if used+w > m.width-1 {
			gl = append(gl, st.Muted.Render("…"))
			break
		}
		used += w
		gl = append(gl, item)
	}
	lines = append(lines, " "+strings.Join(gl, " "))
	if m.filtering {
		lines = append(lines, " "+m.input.View())
	} else if d.filter != "" {
		lines = append(lines, " "+st.Muted.Render("filter: ")+st.Value.Render(truncate(Clean(d.filter), m.width-24))+st.Muted.Render("  (/ to change)"))
	}

	// Columns: UPN, domain, federated, verdict (and in the after-matrix
	// the verdict before the steps when it differs).
	const verdictW = 13
	fedW, fedHead, domW := 3, "fed", min(max(d.domW, 6), 16)
	if m.width >= 100 {
		fedW, fedHead, domW = 9, "federated", min(max(d.domW, 6), 26)
	}
	wasW := 0
	if d.after {
		wasW = 1 + 2 + verdictW
	}
	upnW := max(m.width-3-1-domW-1-fedW-1-verdictW-wasW, 10)
	head := pad("UPN", upnW) + " " + pad("domain", domW) + " " + pad(fedHead, fedW) + " " + pad("verdict", verdictW)
	if d.after {
		head += "   before"
	}
	lines = append(lines, "   "+st.Header.Render(strings.TrimRight(head, " ")))
	from, to := d.nav.Visible()
	for i := from; i < to; i++ {
		u := d.rows[i]
		upn := pad(truncate(Clean(u.UPN), upnW), upnW)
		mark := "  "
		if i == d.nav.Cursor {
			mark = st.Cursor.Render("▸ ")
			upn = st.Selected.Render(upn)
		}
		fed := "no"
		if u.Federated {
			fed = "yes"
		}
		v := u.Verdict(d.p, d.meth)
		row := " " + mark + upn + " " + pad(truncate(Clean(u.Domain), domW), domW) + " " + pad(fed, fedW) + " " + m.badge(v)
		if d.after && m.c.Eng.Before != nil {
			// One binary search per row on show.
			if b := m.c.Eng.Before.User(u.UPN); b == nil {
				row = pad(row, m.width-wasW) + st.Muted.Render(" · not in before")
			} else if was := b.Verdict(d.p, d.meth); was != v {
				row = pad(row, m.width-wasW) + st.Info.Render(" ← ") + m.badge(was)
			}
		}
		lines = append(lines, row)
	}
	if len(d.rows) == 0 {
		msg := "no mailbox users in this group"
		if d.filter != "" {
			msg = "no UPN in this group contains “" + Clean(d.filter) + "”"
		}
		lines = append(lines, "   "+st.Muted.Render(truncate(msg, m.width-4)))
	}
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	foot := "no users"
	if len(d.rows) > 0 {
		foot = fmt.Sprintf("%d–%d of %d", from+1, to, len(d.rows))
	}
	if d.filter != "" {
		foot += " matching the filter"
	}
	lines = append(lines, " "+st.Muted.Render(foot))
	return strings.Join(lines, "\n")
}

// --- one user's reasons ---

// build wraps the chain at the screen's width.
func (cv *chainView) build(m *MatrixScreen) {
	st := m.c.Styles
	u, d := cv.u, cv.drill
	w := m.width
	side := "Before"
	if d.after {
		side = m.stepsTitle()
	}
	upn := truncate(Clean(u.UPN), max(w-40, 20))
	cv.head = []string{
		" " + st.Value.Render(upn) + st.Muted.Render(truncate(" · "+string(d.p)+" "+string(d.meth)+" · "+side, w-1-lipgloss.Width(upn))),
	}
	var facts []string
	if u.DisplayName != "" {
		facts = append(facts, Clean(u.DisplayName))
	}
	dom := Clean(u.Domain)
	if u.Federated {
		dom += " (federated)"
	} else {
		dom += " (managed)"
	}
	facts = append(facts, dom)
	if u.RecipientTypeDetails != "" {
		facts = append(facts, Clean(u.RecipientTypeDetails))
	}
	if u.Mailbox != "" {
		facts = append(facts, "mailbox "+Clean(u.Mailbox))
	}
	cv.head = append(cv.head, " "+st.Muted.Render(truncate(strings.Join(facts, " · "), w-2)))
	verdict := " " + m.badge(cv.access.Verdict) + st.Label.Render(": "+verdictMeaning(cv.access.Verdict))
	if cv.was != "" && cv.was != cv.access.Verdict {
		verdict += st.Info.Render("  ← was ") + m.badge(cv.was)
	}
	cv.head = append(cv.head, verdict, "")

	// The gates: number, gate, effect, then the text and its source
	// wrapped in the last column.
	const gateW, effW = 8, 16
	textW := max(w-1-3-gateW-1-effW-1-1, 20)
	indent := strings.Repeat(" ", 1+3+gateW+1+effW+1)
	cv.lines = cv.lines[:0]
	if len(cv.access.Reasons) == 0 {
		cv.lines = append(cv.lines, " "+st.Muted.Render("no reasons recorded"))
	}
	for i, r := range cv.access.Reasons {
		text := strings.Split(st.Column.Width(textW).Render(Clean(r.Text)), "\n")
		first := " " + st.Muted.Render(fmt.Sprintf("%2d ", i+1)) + pad(truncate(Clean(r.Gate), gateW), gateW) + " " + pad(m.effect(r.Effect), effW) + " "
		for k, t := range text {
			if k == 0 {
				cv.lines = append(cv.lines, first+strings.TrimRight(t, " "))
			} else {
				cv.lines = append(cv.lines, indent+strings.TrimRight(t, " "))
			}
		}
		if r.Source != "" {
			for _, t := range strings.Split(st.Column.Width(textW).Render("source: "+Clean(r.Source)), "\n") {
				cv.lines = append(cv.lines, indent+st.Muted.Render(strings.TrimRight(t, " ")))
			}
		}
	}
	// The nav's cursor is the first line on show: it moves from the top
	// to the last screenful.
	h := max(m.height-len(cv.head)-1, 1)
	cv.nav.SetHeight(h)
	cv.nav.SetLen(max(len(cv.lines)-h+1, 1))
}

// effect is a gate's effect with a symbol: from a password's point of
// view, blocking and requiring MFA protect, restricting narrows, unknown
// could not be judged.
func (m *MatrixScreen) effect(e string) string {
	st := m.c.Styles
	switch e {
	case matrix.EffectAllows:
		return st.Label.Render("→ allows")
	case matrix.EffectBlocks, matrix.EffectRequiresMFA:
		return st.Pass.Render("✓ " + e)
	case matrix.EffectRestricts:
		return st.Warn.Render("! " + e)
	case matrix.EffectUnsupported, matrix.EffectNotApplicable:
		return st.Muted.Render("· " + e)
	case matrix.EffectUnknown:
		return st.ErrorText.Render("? " + e)
	}
	return st.ErrorText.Render("? " + truncate(Clean(e), 12))
}

func (m *MatrixScreen) viewChain() string {
	st := m.c.Styles
	cv := m.chain
	lines := append([]string{}, cv.head...)
	top := cv.nav.Cursor
	end := min(top+cv.nav.Height, len(cv.lines))
	lines = append(lines, cv.lines[top:end]...)
	switch {
	case end < len(cv.lines):
		lines = append(lines, " "+st.Muted.Render(fmt.Sprintf("↓ %d more lines (j/pgdn)", len(cv.lines)-end)))
	case top > 0:
		lines = append(lines, " "+st.Muted.Render("↑ k/pgup: earlier gates"))
	}
	return strings.Join(lines, "\n")
}
