package ui

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// planMode is what the plan screen shows.
type planMode int

const (
	planList   planMode = iota // the steps and the preview
	planDetail                 // one step's writes, instructions and notes
	planForm                   // the operator-choices form
)

// stepShort are the steps' titles as the list shows them (the catalog's
// own titles are sentences; the detail shows them whole).
var stepShort = map[string]string{
	remediate.StepB:        "Modern auth on",
	remediate.StepC:        "Legacy protocols off",
	remediate.StepSMTPAuth: "SMTP AUTH off",
	remediate.StepD:        "Block basic auth",
	remediate.StepE:        "Okta deny + MFA",
	remediate.StepA:        "Federate domains",
	remediate.StepFedMFA:   "MFA at Okta",
	remediate.StepCALegacy: "CA legacy block",
	remediate.StepF:        "Revoke sessions",
}

func shortTitle(st remediate.Step) string {
	if s, ok := stepShort[st.ID]; ok {
		return s
	}
	return st.Title
}

type planKeys struct {
	Up, Down, Home, End key.Binding
	Toggle, All, None   key.Binding
	Detail, Choices     key.Binding
	PageUp, PageDown    key.Binding
	Back                key.Binding
	// Help only: the form's own keys.
	FormNext, FormPrev, FormDiscard key.Binding
}

func newPlanKeys() planKeys {
	return planKeys{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Home:        key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		End:         key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Toggle:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		All:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all")),
		None:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "none")),
		Detail:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Choices:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "choices")),
		PageUp:      key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "scroll up")),
		PageDown:    key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "scroll down")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		FormNext:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next/save")),
		FormPrev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
		FormDiscard: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "discard")),
	}
}

// Plan is the plan screen: the catalog's steps to pick, and a preview of
// what the selection writes, fixes and breaks, with the lockout guard's
// warnings; enter shows a step's writes and instructions, e the choices.
type Plan struct {
	c      *Common
	keys   planKeys
	steps  []remediate.Step
	nav    listNav
	mode   planMode
	width  int
	height int
	// flash says what the last key did when nothing else shows it (why a
	// step cannot be selected); the next key clears it.
	flash string
	// previewOff and detailOff scroll the preview and the detail.
	previewOff, detailOff int
	detailID              string

	// What is worked out in the background from the engagement: which
	// steps cannot join the selection and why, and the password counts.
	slot    *derivedSlot
	lastIn  *deriveInput
	gen     int
	derived *planDerived

	// Built when something they show changes, never in View.
	rows    [][2]string
	preview []string
	detail  doc

	form    *huh.Form
	answers *choicesAnswers

	// stats count the plan's steps (statsFor is the plan counted).
	stats    map[string]stepStats
	statsFor *remediate.Plan
	// flashWarn: the flash is a refusal (warn colour), not information.
	flashWarn bool
	// selectingAll: a is working out every step that can run; the flash
	// says so until the engagement changes.
	selectingAll bool
}

func newPlan(c *Common) Screen {
	m := &Plan{c: c, keys: newPlanKeys(), steps: remediate.Steps(), width: 80, height: 18, slot: &derivedSlot{}}
	m.nav.SetLen(len(m.steps))
	return m
}

func (m *Plan) Init() tea.Cmd   { return nil }
func (m *Plan) Capturing() bool { return m.mode == planForm }
func (m *Plan) Busy() string    { return "" }

// SetSize sets the body's size (the root calls it whenever a page is
// shown, so what finished in the background meanwhile is taken in).
func (m *Plan) SetSize(w, h int) {
	m.width, m.height = w, h
	m.absorb()
	m.rebuild()
	if m.form != nil {
		m.form.WithWidth(m.formWidth()).WithHeight(m.formHeight())
	}
}

func (m *Plan) ShortHelp() []key.Binding {
	switch m.mode {
	case planForm:
		return []key.Binding{m.keys.FormNext, m.keys.FormPrev, m.keys.FormDiscard}
	case planDetail:
		return []key.Binding{m.keys.Back, m.toggleKey(), m.keys.Down, m.keys.PageDown}
	}
	return []key.Binding{m.toggleKey(), m.keys.All, m.keys.Detail, m.keys.Choices}
}

// toggleKey is space, helped by what it would do to the step under the
// cursor.
func (m *Plan) toggleKey() key.Binding {
	k := m.keys.Toggle
	id := m.steps[m.nav.Cursor].ID
	if m.mode == planDetail {
		id = m.detailID
	}
	switch {
	case slices.Contains(m.c.Eng.Steps, id):
		k.SetHelp("space", "deselect")
	case len(m.blocked(id)) > 0:
		k.SetHelp("space", "why not")
	}
	return k
}

func (m *Plan) FullHelp() [][]key.Binding {
	switch m.mode {
	case planForm:
		return [][]key.Binding{{m.keys.FormNext, m.keys.FormPrev, m.keys.FormDiscard}}
	case planDetail:
		return [][]key.Binding{{m.keys.Up, m.keys.Down, m.keys.PageUp, m.keys.PageDown}, {m.keys.Home, m.keys.End, m.toggleKey(), m.keys.Back}}
	}
	return [][]key.Binding{{m.keys.Up, m.keys.Down, m.keys.Home, m.keys.End}, {m.toggleKey(), m.keys.All, m.keys.None}, {m.keys.Detail, m.keys.Choices, m.keys.PageUp, m.keys.PageDown}}
}

// planDerivedMsg says a background derivation finished (its result is in
// the slot, so that it is not lost when another page is on show).
type planDerivedMsg struct{}

// Update handles the engagement, keys, and the form while it is open.
func (m *Plan) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if m.absorb() {
		m.rebuild()
	}
	switch msg.(type) {
	case EngagementMsg:
		if m.selectingAll {
			m.selectingAll, m.flash = false, ""
		}
		cmd := m.derive()
		m.rebuild()
		return m, cmd
	case planDerivedMsg:
		return m, nil
	}
	if m.mode == planForm {
		return m.updateForm(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	m.flash, m.flashWarn = "", false
	// Keys move a cursor or an offset, or return a command that changes
	// the engagement (which rebuilds on EngagementMsg): nothing to
	// rebuild here but a detail being opened.
	if m.mode == planDetail {
		return m, m.updateDetail(k)
	}
	cmd := m.updateList(k)
	if m.mode == planDetail {
		m.detail = m.detailDoc(m.detailWidth())
	}
	return m, cmd
}

func (m *Plan) detailWidth() int { return max(m.width, 40) - 1 }

func (m *Plan) updateList(k tea.KeyPressMsg) tea.Cmd {
	e := m.c.Eng
	switch {
	case key.Matches(k, m.keys.Up):
		m.nav.Move(-1)
	case key.Matches(k, m.keys.Down):
		m.nav.Move(1)
	case key.Matches(k, m.keys.Home):
		m.nav.Move(-m.nav.N)
	case key.Matches(k, m.keys.End):
		m.nav.Move(m.nav.N)
	case key.Matches(k, m.keys.PageDown):
		m.previewOff += max(m.height/2, 1)
	case key.Matches(k, m.keys.PageUp):
		m.previewOff = max(m.previewOff-max(m.height/2, 1), 0)
	case key.Matches(k, m.keys.Toggle):
		return m.toggle(m.steps[m.nav.Cursor].ID)
	case key.Matches(k, m.keys.All):
		if e.Snapshot == nil {
			return nil
		}
		m.flash, m.selectingAll = "selecting every step that can run together…", true
		snap, choices := e.Snapshot, e.Choices
		return func() tea.Msg { return StepsMsg{Steps: plannable(snap, choices)} }
	case key.Matches(k, m.keys.None):
		m.previewOff = 0
		cmd := m.c.Eng.SetSteps(nil, m.c.Backend.Now)
		m.rebuild()
		return cmd
	case key.Matches(k, m.keys.Detail):
		m.mode, m.detailID, m.detailOff = planDetail, m.steps[m.nav.Cursor].ID, 0
	case key.Matches(k, m.keys.Choices):
		return m.openForm()
	}
	return nil
}

// toggle selects or deselects a step; a step that cannot join the
// selection is not selected, and the reason is shown instead.
func (m *Plan) toggle(id string) tea.Cmd {
	sel := m.c.Eng.Steps
	if slices.Contains(sel, id) {
		cmd := m.c.Eng.SetSteps(slices.DeleteFunc(slices.Clone(sel), func(s string) bool { return s == id }), m.c.Backend.Now)
		m.rebuild()
		return cmd
	}
	if why := m.blocked(id); len(why) > 0 {
		m.flash, m.flashWarn = fmt.Sprintf("%s cannot be selected: %s", id, strings.Join(why, "; ")), true
		return nil
	}
	cmd := m.c.Eng.SetSteps(append(slices.Clone(sel), id), m.c.Backend.Now)
	m.rebuild()
	return cmd
}

func (m *Plan) updateDetail(k tea.KeyPressMsg) tea.Cmd {
	page := max(m.height-3, 1)
	switch {
	case key.Matches(k, m.keys.Back):
		m.mode = planList
	case key.Matches(k, m.keys.Up):
		m.detailOff--
	case key.Matches(k, m.keys.Down):
		m.detailOff++
	case key.Matches(k, m.keys.PageUp):
		m.detailOff -= page
	case key.Matches(k, m.keys.PageDown):
		m.detailOff += page
	case key.Matches(k, m.keys.Home):
		m.detailOff = 0
	case key.Matches(k, m.keys.End):
		m.detailOff = m.detail.total
	case key.Matches(k, m.keys.Toggle):
		return m.toggle(m.detailID)
	}
	return nil
}

// plannable is the largest selection that can be planned together: every
// step, less those whose preconditions are not met even with the others
// (dropping one can make another fail: A needs E), until the plan holds.
func plannable(s *tenant.Snapshot, c remediate.Choices) []string {
	var ids []string
	for _, st := range remediate.Steps() {
		ids = append(ids, st.ID)
	}
	for len(ids) > 0 {
		_, err := remediate.NewPlan(s, ids, c, s.AsOf)
		var pe *remediate.PlanError
		if !errors.As(err, &pe) {
			break
		}
		n := len(ids)
		ids = slices.DeleteFunc(ids, func(id string) bool {
			return slices.ContainsFunc(pe.Problems, func(p remediate.Problem) bool { return p.Step == id })
		})
		if len(ids) == n {
			break // problems that name no step: let the preview say them
		}
	}
	return ids
}

// blocked says why a step not selected cannot join the selection (nil:
// it can, or it is not known yet: a derivation for another selection
// or other choices does not refuse a step; the plan would say).
func (m *Plan) blocked(id string) []string {
	e, d := m.c.Eng, m.derived
	if d == nil || slices.Contains(e.Steps, id) || d.in.snap != e.Snapshot ||
		!slices.Equal(d.in.steps, e.Steps) || !reflect.DeepEqual(d.in.choices, e.Choices) {
		return nil
	}
	return d.blocked[id]
}

// planProblems are the plan's problems with a selected step.
func (m *Plan) planProblems(id string) []string {
	var pe *remediate.PlanError
	if !errors.As(m.c.Eng.PlanErr, &pe) {
		return nil
	}
	var out []string
	for _, p := range pe.Problems {
		if p.Step == id {
			out = append(out, p.Reason)
		}
	}
	return out
}

// --- the choices form ---

func (m *Plan) formWidth() int  { return max(min(m.width-2, 76), 30) }
func (m *Plan) formHeight() int { return max(m.height-3, 5) }

func (m *Plan) openForm() tea.Cmd {
	e := m.c.Eng
	if e.Snapshot == nil {
		return nil
	}
	var groups, users []string
	for _, g := range e.Snapshot.Okta.Groups {
		groups = append(groups, g.Name)
	}
	sort.Strings(groups)
	for _, u := range e.Snapshot.Users {
		users = append(users, u.UserPrincipalName)
	}
	m.form, m.answers = buildChoicesForm(e.Choices, groups, users)
	m.form.WithTheme(m.c.Styles.Form).WithWidth(m.formWidth()).WithHeight(m.formHeight())
	m.mode = planForm
	return m.form.Init()
}

func (m *Plan) updateForm(msg tea.Msg) (Screen, tea.Cmd) {
	f, cmd := m.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		m.form = ff
	}
	switch m.form.State {
	case huh.StateCompleted:
		ch := m.answers.Choices()
		m.mode, m.form, m.answers = planList, nil, nil
		if reflect.DeepEqual(ch, m.c.Eng.Choices) {
			m.flash = "choices unchanged"
			return m, nil
		}
		m.flash = "choices saved"
		return m, Send(ChoicesMsg{Choices: ch})
	case huh.StateAborted:
		m.mode, m.form, m.answers = planList, nil, nil
		m.flash = "choices unchanged (esc discarded the form)"
		return m, nil
	}
	return m, cmd
}

// --- background derivation ---

// deriveInput is what a derivation is made from.
type deriveInput struct {
	snap          *tenant.Snapshot
	choices       remediate.Choices
	steps         []string
	before, after *matrix.Matrix
}

func (a deriveInput) same(b deriveInput) bool {
	return a.snap == b.snap && a.before == b.before && a.after == b.after &&
		slices.Equal(a.steps, b.steps) && reflect.DeepEqual(a.choices, b.choices)
}

// planDerived is what the screen works out in the background.
type planDerived struct {
	gen int
	in  deriveInput
	// alone are each step's unmet preconditions planned alone.
	alone map[string][]string
	// blocked are the steps not selected that cannot join the selection,
	// with why.
	blocked map[string][]string
	// Per matrix.Protocols, users who can read mail with a password
	// alone, before and after the plan (and who could not be judged).
	beforePw, afterPw *accessCounts
}

// derivedSlot holds the newest derivation until the screen takes it in.
type derivedSlot struct {
	mu     sync.Mutex
	latest *planDerived
}

func (s *derivedSlot) put(d *planDerived) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latest == nil || d.gen > s.latest.gen {
		s.latest = d
	}
}

func (s *derivedSlot) take() *planDerived {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.latest
	s.latest = nil
	return d
}

// absorb takes in a finished derivation; it reports whether it did.
func (m *Plan) absorb() bool {
	d := m.slot.take()
	if d == nil || d.gen != m.gen {
		return false
	}
	m.derived = d
	return true
}

// derive starts working out, in the background, what the engagement
// implies for the screen, when its inputs changed.
func (m *Plan) derive() tea.Cmd {
	e := m.c.Eng
	if e.Snapshot == nil {
		return nil
	}
	in := deriveInput{snap: e.Snapshot, choices: e.Choices, steps: slices.Clone(e.Steps), before: e.Before, after: e.After}
	if m.lastIn != nil && m.lastIn.same(in) {
		return nil
	}
	m.lastIn = &in
	m.gen++
	gen, prev, slot := m.gen, m.derived, m.slot
	return func() tea.Msg {
		slot.put(computeDerived(gen, in, prev))
		return planDerivedMsg{}
	}
}

func computeDerived(gen int, in deriveInput, prev *planDerived) *planDerived {
	d := &planDerived{gen: gen, in: in, blocked: map[string][]string{}}
	if prev != nil && prev.in.snap == in.snap && reflect.DeepEqual(prev.in.choices, in.choices) {
		d.alone = prev.alone
	} else {
		d.alone = map[string][]string{}
		for _, st := range remediate.Steps() {
			if why := st.Check(in.snap, in.choices); len(why) > 0 {
				d.alone[st.ID] = why
			}
		}
	}
	// A step that cannot run alone may run with the selection (D after
	// B): plan it with the selection to know.
	for _, st := range remediate.Steps() {
		if len(d.alone[st.ID]) == 0 || slices.Contains(in.steps, st.ID) {
			continue
		}
		_, err := remediate.NewPlan(in.snap, append(slices.Clone(in.steps), st.ID), in.choices, in.snap.AsOf)
		var pe *remediate.PlanError
		switch {
		case errors.As(err, &pe):
			for _, p := range pe.Problems {
				if p.Step == st.ID {
					d.blocked[st.ID] = append(d.blocked[st.ID], p.Reason)
				}
			}
		case err != nil:
			d.blocked[st.ID] = []string{err.Error()}
		}
	}
	if prev != nil && prev.in.before == in.before {
		d.beforePw = prev.beforePw
	} else {
		d.beforePw = passwordCounts(in.before)
	}
	switch {
	case prev != nil && prev.in.after == in.after:
		d.afterPw = prev.afterPw
	case in.after == in.before && in.after != nil:
		d.afterPw = d.beforePw
	default:
		d.afterPw = passwordCounts(in.after)
	}
	return d
}

// accessCounts count, per protocol (matrix.Protocols), the users by the
// most permissive of their basic and modern verdicts: a password alone
// reads their mail, a password from allowed networks only (restricted),
// or it could not be judged (unknown).
type accessCounts struct {
	password, restricted, unknown []int
}

// passwordCounts counts a matrix's users (each once per protocol); nil
// for no matrix.
func passwordCounts(mx *matrix.Matrix) *accessCounts {
	if mx == nil {
		return nil
	}
	n := len(matrix.Protocols)
	c := &accessCounts{password: make([]int, n), restricted: make([]int, n), unknown: make([]int, n)}
	if len(mx.Users) == 0 {
		// A matrix read back without its users: the larger of the two
		// cells is the least it can be.
		for i, p := range matrix.Protocols {
			b, m := mx.Cell(p, matrix.Basic), mx.Cell(p, matrix.Modern)
			c.password[i] = max(b.Count(matrix.Password), m.Count(matrix.Password))
			c.restricted[i] = max(b.Count(matrix.Restricted), m.Count(matrix.Restricted))
			c.unknown[i] = max(b.Count(matrix.Unknown), m.Count(matrix.Unknown))
		}
		return c
	}
	for u := range mx.Users {
		ua := &mx.Users[u]
		for i, p := range matrix.Protocols {
			v := ua.Verdict(p, matrix.Basic)
			if w := ua.Verdict(p, matrix.Modern); w.Rank() < v.Rank() {
				v = w
			}
			switch v {
			case matrix.Password:
				c.password[i]++
			case matrix.Restricted:
				c.restricted[i]++
			case matrix.Unknown:
				c.unknown[i]++
			}
		}
	}
	return c
}

// --- layout ---

// columns: the list on the left and the preview on the right, or the
// preview below the list when the body is narrow.
func (m *Plan) columns() (side bool, left, right int) {
	w := max(m.width, 40)
	if w >= 76 {
		left = min(max(w*38/100, 34), 46)
		// " " left " │ " right
		return true, left, w - left - 4
	}
	return false, w - 1, w - 1
}

// rebuild recomputes the rows, the preview and the detail for the
// engagement and the size.
func (m *Plan) rebuild() {
	side, left, right := m.columns()
	// Two lines a step under a title line, and a line saying how many
	// more when they do not all fit.
	listRows := len(m.steps)
	if !side {
		listRows = max(min(len(m.steps), (m.height-3)/4), 1)
	} else if 1+2*listRows > m.height {
		listRows = max((m.height-2)/2, 1)
	}
	m.nav.SetHeight(listRows)
	m.rows = m.rows[:0]
	for _, st := range m.steps {
		m.rows = append(m.rows, m.stepRow(st, left))
	}
	m.preview = m.previewLines(right)
	if m.mode == planDetail {
		m.detail = m.detailDoc(m.detailWidth())
	}
}

// stepStats are what the rows and the preview count of a planned step,
// worked out once per plan (a step may have 200,000 writes).
type stepStats struct {
	writes, irreversible int
	// irreversibleWhy is the first irreversible write's reason.
	irreversibleWhy string
	breakUsers      int
	losesAll        int
}

// planStats are the plan's steps' stats, recounted when the plan changes.
func (m *Plan) planStats() map[string]stepStats {
	e := m.c.Eng
	if e.Plan == m.statsFor && m.stats != nil {
		return m.stats
	}
	m.statsFor, m.stats = e.Plan, map[string]stepStats{}
	if e.Plan == nil {
		return m.stats
	}
	for _, ps := range e.Plan.Steps {
		st := stepStats{writes: len(ps.Writes)}
		for _, w := range ps.Writes {
			if !w.Reversible {
				st.irreversible++
				if st.irreversibleWhy == "" {
					st.irreversibleWhy = w.Irreversible
				}
			}
		}
		if im := m.impact(ps.ID); im != nil {
			st.breakUsers, st.losesAll = distinctUsers(im.Breaks), len(im.LosesAll)
		}
		m.stats[ps.ID] = st
	}
	return m.stats
}

// stepRow is a step's two lines: checkbox, ID and title; then its state.
func (m *Plan) stepRow(st remediate.Step, width int) [2]string {
	s, e := m.c.Styles, m.c.Eng
	selected := slices.Contains(e.Steps, st.ID)
	problems := m.planProblems(st.ID)
	blocked := m.blocked(st.ID)
	box := s.Label.Render("[ ]")
	switch {
	case selected && len(problems) > 0:
		box = s.Fail.Render("[x]")
	case selected:
		box = s.Pass.Render("[x]")
	case len(blocked) > 0:
		box = s.Muted.Render("[—]")
	}
	id := fmt.Sprintf("%-9s", st.ID)
	if len(blocked) > 0 && !selected {
		id = s.Muted.Render(id)
	} else {
		id = s.Value.Render(id)
	}
	line1 := box + " " + id + " " + truncate(shortTitle(st), width-16)
	status := s.Muted.Render(truncate("fixes "+strings.Join(st.Fixes, ", "), width-6))
	ps := (*remediate.PlannedStep)(nil)
	if e.Plan != nil {
		ps = e.Plan.Step(st.ID)
	}
	switch {
	case selected && len(problems) > 0:
		status = s.Fail.Render(truncate("✗ "+Clean(problems[0]), width-6))
	case selected && ps == nil:
		status = s.Running.Render("previewing…")
	case selected && ps.Manual:
		status = s.Warn.Render(truncate("! manual: instructions only", width-6))
	case selected && ps.Nothing != "":
		status = s.Muted.Render("· nothing to do")
	case selected:
		status = m.writesStatus(ps, width-6)
	case len(blocked) > 0:
		status = s.Muted.Render(truncate("— "+Clean(blocked[0]), width-6))
	}
	return [2]string{line1, "    " + status}
}

// writesStatus is a planned step's count of writes, and what it costs.
func (m *Plan) writesStatus(ps *remediate.PlannedStep, width int) string {
	s := m.c.Styles
	text := plural(len(ps.Writes), "write")
	out := s.Label.Render(text)
	w := lipgloss.Width(text)
	add := func(part string, st lipgloss.Style) {
		if w+lipgloss.Width(part) <= width {
			out += st.Render(part)
			w += lipgloss.Width(part)
		}
	}
	st := m.planStats()[ps.ID]
	if st.irreversible > 0 {
		add(" · irreversible", s.Warn)
	}
	if st.losesAll > 0 {
		add(fmt.Sprintf(" · ✗ %d cut off", st.losesAll), s.Fail)
	}
	if st.breakUsers > 0 {
		add(fmt.Sprintf(" · breaks %d", st.breakUsers), s.Warn)
	}
	return out
}

func (m *Plan) impact(id string) *remediate.Impact {
	for i := range m.c.Eng.Impact {
		if m.c.Eng.Impact[i].Step == id {
			return &m.c.Eng.Impact[i]
		}
	}
	return nil
}

func distinctUsers(bs []remediate.Break) int {
	seen := map[string]bool{}
	for _, b := range bs {
		seen[strings.ToLower(b.User)] = true
	}
	return len(seen)
}

// para wraps text to width at spaces (never inside a word such as
// EXO-CAS-PLANS, unless the word alone is wider), the lines after the
// first indented, each line in st.
func para(st lipgloss.Style, text string, width, indent int) []string {
	width = max(width, indent+10)
	lines := wrapWords(text, width-indent)
	for i, l := range lines {
		if i > 0 {
			l = strings.Repeat(" ", indent) + l
		}
		lines[i] = st.Render(l)
	}
	return lines
}

// names lists up to n names (cleaned) and how many more there are.
func names(list []string, n int) string {
	var out []string
	for i, s := range list {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(list)-n))
			break
		}
		out = append(out, Clean(s))
	}
	return strings.Join(out, ", ")
}

// previewLines is the preview of the selection at width.
func (m *Plan) previewLines(width int) []string {
	s, e := m.c.Styles, m.c.Eng
	var out []string
	add := func(lines ...string) { out = append(out, lines...) }
	if e.Snapshot == nil {
		return []string{s.Muted.Render("Discovery has not finished.")}
	}
	switch {
	case len(e.Steps) == 0:
		add(s.Section.Render("Preview"))
		add(para(s.Muted, "Nothing selected. space selects the step under the cursor, a every step that can run; e sets the choices (exceptions, break-glass accounts, scope).", width, 0)...)
		add("")
		add(m.passwordLines(width, false)...)
		return out
	case e.PlanErr != nil:
		add(s.Fail.Render("✗ The plan cannot be made"))
		var pe *remediate.PlanError
		if errors.As(e.PlanErr, &pe) {
			for _, p := range pe.Problems {
				add(para(s.Fail, "✗ "+p.Step+": "+Clean(p.Reason), width, 2)...)
			}
		} else {
			add(para(s.Fail, Clean(e.PlanErr.Error()), width, 0)...)
		}
		add(para(s.Muted, "Change the selection (space) or the choices (e).", width, 0)...)
		return out
	case e.Plan == nil:
		return []string{s.Running.Render("Previewing…")}
	}
	p := e.Plan
	stats := m.planStats()
	writes, irreversible := 0, 0
	for _, ps := range p.Steps {
		writes += stats[ps.ID].writes
	}
	head := s.Section.Render("Preview") + s.Label.Render(fmt.Sprintf(" · %s · %s", plural(len(p.Steps), "step"), plural(writes, "write")))
	if e.Previewing {
		head += s.Running.Render(" · updating…")
	}
	add(head)

	// Lockout risks first: they stop the apply.
	cutOff := false
	for _, r := range e.Risks {
		cutOff = cutOff || r.Rule == remediate.RiskCutOff
	}
	for _, l := range RiskLines(e.Risks) {
		add(para(s.Fail, "✗ Lockout risk: "+l, width, 2)...)
	}
	if len(e.Risks) > 0 {
		add(para(s.Fail, "✗ The apply will be refused unless the operator accepts these risks.", width, 2)...)
	}
	for _, im := range e.Impact {
		if len(im.LosesAll) > 0 && !cutOff { // the cut-off risk says it already
			add(para(s.Fail, fmt.Sprintf("✗ %s: %s every way into their mailbox: %s", im.Step, loseVerb(len(im.LosesAll)), names(im.LosesAll, 3)), width, 2)...)
		}
		if len(im.Regressions) > 0 {
			add(para(s.Fail, fmt.Sprintf("✗ %s: stops passing: %s", im.Step, strings.Join(im.Regressions, ", ")), width, 2)...)
		}
	}
	// What cannot be undone, by step.
	for _, ps := range p.Steps {
		n, why := stats[ps.ID].irreversible, stats[ps.ID].irreversibleWhy
		if n > 0 {
			// The reason's first clause; the detail has it whole.
			why, _, _ = strings.Cut(why, ": ")
			irreversible += n
			add(para(s.Warn, fmt.Sprintf("! %s: %s cannot be undone (%s)", ps.ID, plural(n, "write"), Clean(why)), width, 2)...)
		}
	}
	if irreversible == 0 && writes > 0 {
		add(s.Pass.Render("✓ every write can be undone (rollback)"))
	}
	var manual, nothing []string
	for _, ps := range p.Steps {
		if ps.Manual {
			manual = append(manual, ps.ID)
		} else if ps.Nothing != "" {
			nothing = append(nothing, ps.ID)
		}
	}
	if len(manual) > 0 {
		add(para(s.Warn, "! manual: "+strings.Join(manual, ", ")+": instructions only, the preview cannot show the effect", width, 2)...)
	}
	if len(nothing) > 0 {
		add(para(s.Muted, "· nothing to do: "+strings.Join(nothing, ", "), width, 2)...)
	}
	add("")
	add(m.passwordLines(width, true)...)
	var breaks []string
	for _, im := range e.Impact {
		if len(im.Breaks) > 0 {
			breaks = append(breaks, para(s.Warn, "! "+breakLine(im), width, 4)...)
		}
	}
	if len(breaks) > 0 {
		add("", s.Section.Render("Who loses a mail client"))
		add(breaks...)
	}
	var passes []string
	for _, im := range e.Impact {
		passes = append(passes, im.Passes...)
	}
	if len(passes) > 0 {
		add("")
		turn := fmt.Sprintf("%d findings turn", len(passes))
		if len(passes) == 1 {
			turn = "1 finding turns"
		}
		add(para(s.Pass, fmt.Sprintf("✓ %s to pass: %s", turn, strings.Join(passes, ", ")), width, 2)...)
	}
	return out
}

func loseVerb(n int) string {
	if n == 1 {
		return "1 user loses"
	}
	return fmt.Sprintf("%d users lose", n)
}

// breakLine is one step's breaks in a line: "C breaks imap, pop for 3
// users: Thunderbird, Windows Live Mail".
func breakLine(im remediate.Impact) string {
	var protos, clients []string
	for _, b := range im.Breaks {
		for _, p := range b.Protocols {
			if !slices.Contains(protos, p) {
				protos = append(protos, p)
			}
		}
		if c := Clean(b.Client); !slices.Contains(clients, c) {
			clients = append(clients, c)
		}
	}
	sort.Slice(protos, func(i, j int) bool {
		return matrix.Protocol(protos[i]).Index() < matrix.Protocol(protos[j]).Index()
	})
	users := plural(distinctUsers(im.Breaks), "user")
	return fmt.Sprintf("%s breaks %s for %s: %s", im.Step, strings.Join(protos, ", "), users, names(clients, 3))
}

// passwordLines say, per protocol, how many users can read mail with a
// password alone: before → after the plan, or today. Protocols with the
// same counts share a line, the worst first.
func (m *Plan) passwordLines(width int, after bool) []string {
	s, e := m.c.Styles, m.c.Eng
	title := "Password alone reads mail · today"
	if after {
		title = "Password alone reads mail · before → after"
	}
	out := para(s.Section, title, width, 0)
	d := m.derived
	switch {
	case e.Before == nil && e.Judging:
		return append(out, s.Running.Render("Judging…"))
	case e.Before == nil:
		return append(out, s.Muted.Render("? the matrix could not be made"))
	case after && e.After == nil:
		return append(out, s.Running.Render("previewing…"))
	case d == nil || d.in.before != e.Before || (after && d.in.after != e.After) || d.beforePw == nil || (after && d.afterPw == nil):
		return append(out, s.Running.Render("counting…"))
	}
	type group struct {
		before, after int
		protos        []string
	}
	var groups []*group
	cur := d.beforePw
	if after {
		cur = d.afterPw
	}
	for i, p := range matrix.Protocols {
		b, a := d.beforePw.password[i], cur.password[i]
		j := slices.IndexFunc(groups, func(g *group) bool { return g.before == b && g.after == a })
		if j < 0 {
			groups = append(groups, &group{before: b, after: a})
			j = len(groups) - 1
		}
		groups[j].protos = append(groups[j].protos, string(p))
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].after != groups[j].after {
			return groups[i].after > groups[j].after
		}
		return groups[i].before > groups[j].before
	})
	for _, g := range groups {
		count := plural(g.after, "user")
		if after {
			count = fmt.Sprintf("%d → %s", g.before, plural(g.after, "user"))
		}
		mark, st := "✓", s.Pass
		if g.after > 0 {
			mark, st = "✗", s.Fail
		}
		out = append(out, para(st, fmt.Sprintf("%s %s: %s", mark, count, strings.Join(g.protos, ", ")), width, 4)...)
	}
	// What is not a plain yes or no, after the plan (or today).
	for _, k := range []struct {
		counts     []int
		mark, what string
		st         lipgloss.Style
	}{
		{cur.restricted, "!", "with a password from allowed networks only", s.Warn},
		{cur.unknown, "?", "could not be judged", s.Muted},
	} {
		most, protos := 0, []string(nil)
		for i, p := range matrix.Protocols {
			if k.counts[i] > 0 {
				most = max(most, k.counts[i])
				protos = append(protos, string(p))
			}
		}
		if most > 0 {
			out = append(out, para(k.st, fmt.Sprintf("%s up to %s %s: %s", k.mark, plural(most, "user"), k.what, strings.Join(protos, ", ")), width, 4)...)
		}
	}
	return out
}

// cursorNote is what the list says about the step under the cursor in
// the preview's place: the last key's message, or why it cannot be
// selected or planned.
func (m *Plan) cursorNote(width int) []string {
	s := m.c.Styles
	if m.flash != "" {
		if m.flashWarn {
			return para(s.Warn, "! "+Clean(m.flash), width, 2)
		}
		return para(s.Info, "· "+Clean(m.flash), width, 2)
	}
	st := m.steps[m.nav.Cursor]
	if why := m.blocked(st.ID); len(why) > 0 {
		return para(s.Muted, "— "+st.ID+" cannot be selected now: "+Clean(strings.Join(why, "; ")), width, 2)
	}
	return nil
}

// --- the detail of a step ---

// doc is a document of lines, some made on demand (a step may have
// 200,000 writes: only those on screen are rendered).
type doc struct {
	segs  []docSeg
	total int
}

type docSeg struct {
	n    int
	line func(i int) string
}

func (d *doc) add(lines ...string) {
	if len(lines) == 0 {
		return
	}
	d.segs = append(d.segs, docSeg{n: len(lines), line: func(i int) string { return lines[i] }})
	d.total += len(lines)
}

func (d *doc) addFunc(n int, f func(int) string) {
	d.segs = append(d.segs, docSeg{n: n, line: f})
	d.total += n
}

// lines renders the lines [from, to).
func (d *doc) lines(from, to int) []string {
	var out []string
	at := 0
	for _, sg := range d.segs {
		for i := max(from-at, 0); i < sg.n && at+i < to; i++ {
			out = append(out, sg.line(i))
		}
		at += sg.n
		if at >= to {
			break
		}
	}
	return out
}

// maxInstructions is how many of a step's instructions the detail
// shows; the handover report has all of them.
const maxInstructions = 200

func (m *Plan) detailDoc(width int) doc {
	s, e := m.c.Styles, m.c.Eng
	var d doc
	st, ok := remediate.LookupStep(m.detailID)
	if !ok {
		d.add(s.Fail.Render("? unknown step " + Clean(m.detailID)))
		return d
	}
	d.add(para(s.Title, "Step "+st.ID+" · "+st.Title, width, 2)...)
	selected := slices.Contains(e.Steps, st.ID)
	var ps *remediate.PlannedStep
	if e.Plan != nil && selected {
		ps = e.Plan.Step(st.ID)
	}
	box := "[ ] not selected"
	if selected {
		box = "[x] selected"
	}
	d.add(para(s.Label, box+" · fixes "+strings.Join(st.Fixes, ", "), width, 2)...)
	switch {
	case selected && len(m.planProblems(st.ID)) > 0:
		for _, p := range m.planProblems(st.ID) {
			d.add(para(s.Fail, "✗ cannot be planned: "+Clean(p), width, 2)...)
		}
	case !selected && len(m.blocked(st.ID)) > 0:
		for _, p := range m.blocked(st.ID) {
			d.add(para(s.Muted, "— cannot be selected now: "+Clean(p), width, 2)...)
		}
	case !selected:
		d.add(para(s.Muted, "Select it (space) to see its writes, instructions and what it changes for people.", width, 0)...)
	case ps == nil:
		d.add(s.Running.Render("previewing…"))
	}
	if ps == nil {
		return d
	}
	switch {
	case ps.Manual:
		d.add(para(s.Warn, "! manual: instructions only; the preview cannot show its effect", width, 2)...)
	case ps.Nothing != "":
		d.add(para(s.Muted, "· nothing to do: "+Clean(ps.Nothing), width, 2)...)
	case ps.Reversible():
		d.add(s.Pass.Render(fmt.Sprintf("✓ %s, every one can be undone", plural(len(ps.Writes), "write"))))
	default:
		n := m.planStats()[ps.ID].irreversible
		what := fmt.Sprintf("%d cannot be undone", n)
		if n == len(ps.Writes) {
			what = "none can be undone"
		}
		d.add(s.Warn.Render(fmt.Sprintf("! %s, %s", plural(len(ps.Writes), "write"), what)))
	}
	if im := m.impact(st.ID); im != nil {
		var lines []string
		for _, l := range im.Summary() {
			lines = append(lines, para(s.Warn, "! "+Clean(l), width-2, 4)...)
		}
		if len(im.Passes) > 0 {
			lines = append(lines, para(s.Pass, "✓ turns to pass: "+strings.Join(im.Passes, ", "), width-2, 4)...)
		}
		if len(im.Regressions) > 0 {
			lines = append(lines, para(s.Fail, "✗ stops passing: "+strings.Join(im.Regressions, ", "), width-2, 4)...)
		}
		if len(lines) > 0 {
			d.add("", s.Section.Render("What it changes for people"))
			d.add(indent(lines)...)
		}
	}
	if n := len(ps.Writes); n > 0 {
		d.add("", s.Section.Render(fmt.Sprintf("Writes (%d)", n)))
		writes := ps.Writes
		d.addFunc(n, func(i int) string {
			w := writes[i]
			text := fmt.Sprintf("%s · %s", Clean(w.Target), Clean(w.Operation))
			if !w.Reversible {
				return "  " + s.Warn.Render(truncate("! "+w.ID+" irreversible: "+text, width-2))
			}
			return "  " + truncate(w.ID+"  "+text, width-2)
		})
	}
	if n := len(ps.Instructions); n > 0 {
		d.add("", s.Section.Render(fmt.Sprintf("Instructions (%d)", n)))
		var lines []string
		for i, in := range ps.Instructions {
			if i == maxInstructions {
				lines = append(lines, s.Muted.Render(fmt.Sprintf("  … and %d more: the handover report lists every one", n-i)))
				break
			}
			lines = append(lines, "  "+s.Label.Render(truncate(Clean(in.Tool)+":", width-2)))
			for _, l := range firstN(para(s.Value, Clean(in.Text), width-4, 0), 12, s) {
				lines = append(lines, "    "+l)
			}
		}
		d.add(lines...)
	}
	if len(ps.Notes) > 0 {
		d.add("", s.Section.Render("Notes"))
		for _, n := range ps.Notes {
			d.add(indent(firstN(para(s.Label, "· "+Clean(n), width-2, 2), 12, s))...)
		}
	}
	return d
}

// firstN keeps the first n lines, saying how many were left out.
func firstN(lines []string, n int, s Styles) []string {
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n-1], s.Muted.Render(fmt.Sprintf("… %d more lines", len(lines)-n+1)))
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

// --- view ---

// View renders the body.
func (m *Plan) View() string {
	w, h := max(m.width, 40), max(m.height, 3)
	switch m.mode {
	case planForm:
		return m.viewForm(w, h)
	case planDetail:
		return m.viewDetail(w, h)
	}
	if m.c.Eng.Snapshot == nil {
		return " " + m.c.Styles.Muted.Render("Discovery has not finished: nothing to plan yet.")
	}
	side, left, right := m.columns()
	list := m.listLines(left)
	if !side {
		rest := max(h-len(list)-1, 1)
		lines := append(indent1(list), "")
		lines = append(lines, indent1(m.rightLines(right, rest))...)
		return strings.Join(lines, "\n")
	}
	rightLines := m.rightLines(right, h)
	sep := m.c.Styles.Muted.Render("│")
	var b strings.Builder
	for i := 0; i < h; i++ {
		l, r := "", ""
		if i < len(list) {
			l = list[i]
		}
		if i < len(rightLines) {
			r = rightLines[i]
		}
		if l == "" && r == "" && i >= len(list) && i >= len(rightLines) {
			break
		}
		pad := left - lipgloss.Width(l)
		line := " " + l + strings.Repeat(" ", max(pad, 0)) + " " + sep + " " + r
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.TrimRight(line, " "))
	}
	return b.String()
}

func indent1(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = " " + l
	}
	return out
}

// listLines is the title and the visible steps' rows.
func (m *Plan) listLines(width int) []string {
	s, e := m.c.Styles, m.c.Eng
	title := s.Section.Render("Steps") + s.Muted.Render(fmt.Sprintf(" · %d of %d selected", len(e.Steps), len(m.steps)))
	out := []string{title}
	from, to := m.nav.Visible()
	for i := from; i < to && i < len(m.rows); i++ {
		cur := "  "
		if i == m.nav.Cursor {
			cur = s.Cursor.Render("› ")
		}
		out = append(out, cur+m.rows[i][0], "  "+m.rows[i][1])
	}
	if more := len(m.steps) - to; more > 0 {
		out = append(out, s.Muted.Render(fmt.Sprintf("  ↓ %d more", more)))
	}
	return out
}

// rightLines is the cursor's note and the preview from its scroll
// offset, cut to height with a mark when there is more.
func (m *Plan) rightLines(width, height int) []string {
	note := m.cursorNote(width)
	if len(note) > 0 {
		note = append(note, "")
	}
	room := max(height-len(note), 1)
	m.previewOff = max(min(m.previewOff, len(m.preview)-room), 0)
	body := m.preview[m.previewOff:]
	if len(body) > room {
		below := len(body) - room + 1
		body = append(slices.Clone(body[:room-1]), m.c.Styles.Muted.Render(fmt.Sprintf("↓ %d more lines (pgdn)", below)))
	}
	if m.previewOff > 0 && len(body) > 0 {
		body[0] = m.c.Styles.Muted.Render(fmt.Sprintf("↑ %d lines above (pgup)", m.previewOff))
	}
	out := append(note, body...)
	if len(out) > height {
		out = out[:height]
	}
	return out
}

func (m *Plan) viewDetail(w, h int) string {
	s := m.c.Styles
	room := max(h-1, 1)
	m.detailOff = max(min(m.detailOff, m.detail.total-room), 0)
	lines := indent1(m.detail.lines(m.detailOff, m.detailOff+room))
	foot := fmt.Sprintf("lines %d–%d of %d · esc back", m.detailOff+1, m.detailOff+len(lines), m.detail.total)
	for len(lines) < room {
		lines = append(lines, "")
	}
	lines = append(lines, " "+s.Muted.Render(truncate(foot, w-2)))
	return strings.Join(lines, "\n")
}

// formPages name the choices form's pages by the keys of their fields.
var formPages = map[string]int{"exceptions": 1, "oktaGroup": 1, "breakGlass": 2, "operator": 2, "protocols": 3, "titles": 3, "mfaPrompt": 4}

func (m *Plan) viewForm(w, h int) string {
	s := m.c.Styles
	title := " " + s.Section.Render("Operator choices")
	if p := formPages[m.form.GetFocusedField().GetKey()]; p > 0 {
		title += s.Muted.Render(fmt.Sprintf(" · page %d of 4", p))
	}
	// Two lines for the field's error, above the form (huh's own footer
	// would fall below the body); the keys when there is none.
	var errs []string
	for _, err := range m.form.Errors() {
		errs = append(errs, para(s.Fail, "✗ "+Clean(err.Error()), w-2, 2)...)
	}
	if len(errs) == 0 {
		errs = para(s.Muted, "enter: next field, saves after the last page · shift+tab: back · esc: discard", w-2, 0)
	}
	if len(errs) > 2 {
		errs = errs[:2]
	}
	for len(errs) < 2 {
		errs = append(errs, "")
	}
	body := strings.Split(m.form.View(), "\n")
	if len(body) > h-3 {
		body = body[:h-3]
	}
	for i, l := range body {
		body[i] = " " + strings.TrimRight(l, " ")
		if lipgloss.Width(body[i]) > w {
			body[i] = ansi.Truncate(body[i], w, "…")
		}
	}
	return title + "\n" + strings.Join(indent1(errs), "\n") + "\n" + strings.Join(body, "\n")
}
