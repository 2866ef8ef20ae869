package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// The apply screen writes to the customer's organisation, so it is built
// to make that impossible by accident: nothing is bound to a key that
// writes but the typed confirmation (the tenant's domain, then enter),
// a lockout risk must be accepted with a key of its own, and once the
// writes have begun the screen keeps the keyboard until they end (the
// root would otherwise quit on a ctrl+c pressed on another page).

type applyKeys struct {
	// Review.
	Type   key.Binding // start typing the domain
	Submit key.Binding // apply, with the domain typed
	Leave  key.Binding // stop typing
	Accept key.Binding // accept the lockout risk
	Plan   key.Binding // go to the plan screen
	// Scrolling the review and the result.
	Up, Down, PageUp, PageDown, Home, End key.Binding
	// Running.
	Stop    key.Binding
	Yes, No key.Binding
	// Result.
	Rollback key.Binding
	Report   key.Binding
	Back     key.Binding
}

func newApplyKeys() applyKeys {
	lk := newListKeys()
	return applyKeys{
		Type:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "type the domain to apply")),
		Submit:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Leave:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop typing")),
		Accept:   key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "accept lockout risk")),
		Plan:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "go to the plan")),
		Up:       lk.Up,
		Down:     lk.Down,
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn", "page down")),
		Home:     lk.Home,
		End:      lk.End,
		Stop:     key.NewBinding(key.WithKeys("ctrl+c", "q"), key.WithHelp("ctrl+c/q", "stop after the write in flight")),
		Yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
		Rollback: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "roll back")),
		Report:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "see the report")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the review")),
	}
}

// applyMode is where the screen is.
type applyMode int

const (
	applyReview applyMode = iota
	applyRunning
	applyResult
	applyRollingBack
)

// logLine is one write of the log under way.
type logLine struct {
	mark, id, op, target, err string
	// last and n: a run of n writes not sent for the same reason, id to
	// last.
	last string
	n    int
}

// Messages of a run (an apply or a rollback), stamped with the run's
// generation so that nothing of an earlier run is taken for this one.
type (
	applyEventMsg struct {
		gen int
		ev  ApplyEvent
	}
	applyDoneMsg struct {
		gen int
		out ApplyOutcome
	}
	rollbackDoneMsg struct {
		gen int
		out RollbackOutcome
	}
)

// planFacts are what the review shows of a plan, computed once per plan
// (a plan on 100,000 users has hundreds of thousands of writes).
type planFacts struct {
	plan   *remediate.Plan
	writes int
	steps  []remediate.PlannedStep // without their writes
	counts []int
	irrev  []irrevGroup
	nIrrev int
	checks []tenant.Write
}

type irrevGroup struct {
	step, why string
	n         int
}

func factsOf(p *remediate.Plan) planFacts {
	f := planFacts{plan: p}
	if p == nil {
		return f
	}
	for _, ps := range p.Steps {
		n := len(ps.Writes)
		f.writes += n
		lite := ps
		lite.Writes = nil
		f.steps = append(f.steps, lite)
		f.counts = append(f.counts, n)
		for _, w := range ps.Writes {
			if w.Checkpoint != "" {
				f.checks = append(f.checks, w)
			}
			if w.Reversible && w.Irreversible == "" {
				continue
			}
			f.nIrrev++
			why := w.Irreversible
			if why == "" {
				why = "no undo is known for it"
			}
			if k := len(f.irrev) - 1; k >= 0 && f.irrev[k].step == ps.ID && f.irrev[k].why == why {
				f.irrev[k].n++
			} else {
				f.irrev = append(f.irrev, irrevGroup{step: ps.ID, why: why, n: 1})
			}
		}
	}
	return f
}

// Apply is the apply screen: the review of the plan and its typed
// confirmation, the writes as they are made, the result (journal,
// session, verification) and the rollback of a failed apply.
type Apply struct {
	c      *Common
	keys   applyKeys
	input  textinput.Model
	spin   spinner.Model
	bar    progress.Model
	mode   applyMode
	width  int
	height int

	facts    planFacts
	accept   bool   // the operator accepted the lockout risks
	typing   bool   // the confirmation input has the keyboard
	feedback string // under the input: why enter did not apply
	changed  bool   // the plan changed under the operator's eyes
	scroll   int    // first line of the review or result shown

	// The run under way (or the last one).
	gen      int
	ch       chan tea.Msg
	cancel   context.CancelFunc
	stage    string
	message  string
	journal  string
	inflight *tenant.Write
	done     int
	failed   int
	skipped  int
	total    int
	log      []logLine
	asking   bool // "abandon?" is on screen
	// gate holds the run between two writes while "abandon?" is on
	// screen: no write is sent until the operator answers.
	gate      *gate
	stopping  bool // the operator asked to stop after the write in flight
	out       *ApplyOutcome
	rbAsk     bool // "roll back?" is on screen
	rb        *RollbackOutcome
	rbLog     []logLine
	rbStarted bool
}

// maxLog is how many writes of a run the screen keeps (the journal has
// them all).
const maxLog = 200

func newApply(c *Common) Screen {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "press enter, then type the domain"
	in.CharLimit = 253
	in.SetStyles(inputStyles(c.Styles.Dark))
	m := &Apply{
		c: c, keys: newApplyKeys(), input: in, width: 80, height: 18,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		bar: progress.New(progress.WithFillCharacters('█', '░'), progress.WithWidth(60),
			progress.WithColors(c.Styles.Running.GetForeground())),
	}
	m.sync()
	return m
}

// inputStyles are the confirmation input's: a steady cursor (a blinking
// one redraws the screen twice a second for nothing).
func inputStyles(dark bool) textinput.Styles {
	s := textinput.DefaultStyles(dark)
	s.Cursor.Blink = false
	return s
}

func (m *Apply) Init() tea.Cmd { m.refresh(); return nil }

// SetSize sets the body's size.
func (m *Apply) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.SetWidth(max(w-8, 10))
	m.bar.SetWidth(max(w-2, 10))
}

// Capturing: while the domain is typed, and while writes are under way
// (the screen keeps the keyboard: no tab away, no quit but through the
// question it asks).
func (m *Apply) Capturing() bool {
	return m.typing || m.mode == applyRunning || m.mode == applyRollingBack
}

// Busy names the writes under way.
func (m *Apply) Busy() string {
	switch m.mode {
	case applyRunning:
		return fmt.Sprintf("applying: %d of %d writes done", m.done, m.total)
	case applyRollingBack:
		return fmt.Sprintf("rolling back: %d writes undone", m.done)
	}
	return ""
}

func (m *Apply) ShortHelp() []key.Binding {
	m.sync()
	k := m.keys
	return []key.Binding{k.Type, k.Submit, k.Leave, k.Accept, k.Plan, k.Stop, k.Yes, k.No, k.Rollback, k.Report, k.Back, k.Down}
}

func (m *Apply) FullHelp() [][]key.Binding {
	m.sync()
	k := m.keys
	return [][]key.Binding{
		{k.Type, k.Submit, k.Leave, k.Accept, k.Plan},
		{k.Stop, k.Yes, k.No, k.Rollback, k.Report, k.Back},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
	}
}

// blocker says why the review cannot end in an apply ("" when it can),
// and whether there is a plan with writes to show at all.
func (m *Apply) blocker() (why string, review bool) {
	e := m.c.Eng
	switch {
	case e.Snapshot == nil:
		return "nothing has been collected yet", false
	case e.PlanErr != nil:
		return "the plan cannot be made: " + Clean(e.PlanErr.Error()), false
	case e.Plan == nil && e.Previewing:
		return "the plan is being made…", false
	case len(e.Steps) == 0 || e.Plan == nil:
		return "no steps are chosen", false
	case m.facts.writes == 0:
		return "nothing to write: every chosen step already holds or is done by hand", false
	case m.c.ReadOnly:
		return "read-only: harden365 was started with --read-only; nothing can be written", true
	case m.c.Backend.Apply == nil:
		return "this session cannot write to the organisation (no signed-in connection that applies, e.g. a resumed session): sign in to apply", true
	case e.TenantDomain() == "":
		return "the organisation has no domain to type as confirmation, so nothing can be applied from here", true
	}
	return "", true
}

// sync enables the keys that apply in the state the screen is in; a key
// that would write is never enabled in read-only mode.
func (m *Apply) sync() {
	k := &m.keys
	for _, b := range []*key.Binding{&k.Type, &k.Submit, &k.Leave, &k.Accept, &k.Plan, &k.Stop, &k.Yes, &k.No,
		&k.Rollback, &k.Report, &k.Back, &k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End} {
		b.SetEnabled(false)
	}
	scroll := func() {
		for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End} {
			b.SetEnabled(true)
		}
	}
	switch m.mode {
	case applyReview:
		why, review := m.blocker()
		if !review {
			k.Plan.SetEnabled(true)
			return
		}
		if m.typing {
			k.Submit.SetEnabled(why == "")
			k.Leave.SetEnabled(true)
			return
		}
		scroll()
		k.Plan.SetEnabled(true)
		if why == "" {
			k.Type.SetEnabled(true)
			k.Accept.SetEnabled(len(m.c.Eng.Risks) > 0)
			if m.accept {
				k.Accept.SetHelp("!", "withdraw the lockout risk acceptance")
			} else {
				k.Accept.SetHelp("!", "accept lockout risk")
			}
		}
	case applyRunning, applyRollingBack:
		if m.asking {
			k.Yes.SetHelp("y", "stop after the write in flight")
			k.No.SetHelp("n", "continue")
			k.Yes.SetEnabled(true)
			k.No.SetEnabled(true)
			return
		}
		k.Stop.SetEnabled(!m.stopping)
	case applyResult:
		if m.rbAsk {
			k.Yes.SetHelp("y", "roll back")
			k.No.SetHelp("n", "keep the writes")
			k.Yes.SetEnabled(true)
			k.No.SetEnabled(true)
			return
		}
		scroll()
		k.Rollback.SetEnabled(m.rollbackOffered() && m.c.Backend.Rollback != nil && !m.c.ReadOnly)
		k.Report.SetEnabled(true)
		// Back to the review only when nothing was written.
		k.Back.SetEnabled(m.out != nil && m.out.Done == 0 && m.rb == nil)
	}
}

// rollbackOffered: the apply failed (or was stopped) after writing, and
// the journal says what to undo; not offered twice.
func (m *Apply) rollbackOffered() bool {
	o := m.out
	return o != nil && o.Err != nil && o.Journal != "" && o.Done > 0 && !m.rbStarted
}

// refresh takes a new plan from the engagement; a change of plan
// withdraws what the operator had typed and accepted for the old one.
func (m *Apply) refresh() {
	p := m.c.Eng.Plan
	if p == m.facts.plan {
		return
	}
	hadOne := m.facts.plan != nil
	m.facts = factsOf(p)
	if m.mode != applyReview {
		return
	}
	if hadOne && (m.typing || m.accept || m.input.Value() != "") {
		m.changed = true
	}
	m.accept, m.feedback, m.scroll = false, "", 0
	m.input.Reset()
	m.blur()
}

func (m *Apply) blur() {
	m.typing = false
	m.input.Blur()
}

// Update handles the keys and the run's messages.
func (m *Apply) Update(msg tea.Msg) (Screen, tea.Cmd) {
	defer m.sync()
	switch msg := msg.(type) {
	case EngagementMsg:
		m.refresh()
		return m, nil
	case tea.BackgroundColorMsg:
		m.input.SetStyles(inputStyles(msg.IsDark()))
		return m, nil
	case applyEventMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.event(msg.ev)
		return m, m.wait()
	case applyDoneMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		return m, m.finished(msg.out)
	case rollbackDoneMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.rolledBack(msg.out)
		return m, nil
	case spinner.TickMsg:
		if m.mode != applyRunning && m.mode != applyRollingBack {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		m.sync()
		return m, m.key(msg)
	}
	if m.typing {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Apply) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch m.mode {
	case applyRunning, applyRollingBack:
		switch {
		case m.asking && key.Matches(msg, k.Yes):
			m.asking, m.stopping = false, true
			if m.cancel != nil {
				m.cancel()
			}
			m.gate.release()
		case m.asking && key.Matches(msg, k.No):
			m.asking = false
			m.gate.release()
		case key.Matches(msg, k.Stop):
			m.asking = true
			m.gate.hold()
		}
		return nil
	case applyResult:
		switch {
		case m.rbAsk && key.Matches(msg, k.Yes):
			m.rbAsk = false
			return m.startRollback()
		case m.rbAsk && key.Matches(msg, k.No):
			m.rbAsk = false
		case key.Matches(msg, k.Rollback):
			m.rbAsk = true
		case key.Matches(msg, k.Report):
			return Send(GoTo(PageReport))
		case key.Matches(msg, k.Back):
			m.mode, m.out, m.scroll = applyReview, nil, 0
			m.facts = planFacts{}
			m.refresh()
		default:
			m.scrollKey(msg)
		}
		return nil
	}
	// Review.
	if m.typing {
		switch {
		case key.Matches(msg, k.Leave):
			m.blur()
			m.feedback = ""
			return nil
		case key.Matches(msg, k.Submit):
			return m.submit()
		case msg.String() == "enter":
			return nil // Submit is disabled: the blocker says why
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		if m.feedback != "" && !strings.HasPrefix(m.feedback, "!") {
			m.feedback = ""
		}
		return cmd
	}
	switch {
	case key.Matches(msg, k.Plan):
		return Send(GoTo(PagePlan))
	case key.Matches(msg, k.Accept):
		m.accept = !m.accept
		m.feedback = ""
	case key.Matches(msg, k.Type):
		m.changed = false
		if len(m.c.Eng.Risks) > 0 && !m.accept {
			m.feedback = "✗ accept the lockout risk first (!), or change the choices on the Plan screen (p)"
			return nil
		}
		m.feedback = ""
		m.typing = true
		return m.input.Focus()
	default:
		m.scrollKey(msg)
	}
	return nil
}

func (m *Apply) scrollKey(msg tea.KeyPressMsg) {
	k, page := m.keys, max(m.detailHeight()-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		m.scroll--
	case key.Matches(msg, k.Down):
		m.scroll++
	case key.Matches(msg, k.PageUp):
		m.scroll -= page
	case key.Matches(msg, k.PageDown):
		m.scroll += page
	case key.Matches(msg, k.Home):
		m.scroll = 0
	case key.Matches(msg, k.End):
		m.scroll = 1 << 30
	}
	m.scroll = max(m.scroll, 0) // the view clamps the top
}

// submit checks the typed confirmation and starts the apply. It is the
// only way to Backend.Apply.
func (m *Apply) submit() tea.Cmd {
	e := m.c.Eng
	if why, _ := m.blocker(); why != "" || m.mode != applyReview {
		return nil
	}
	domain := e.TenantDomain()
	typed := strings.TrimSpace(m.input.Value())
	switch {
	case !strings.EqualFold(typed, domain):
		m.feedback = "✗ that is not " + Clean(domain)
		return nil
	case e.Previewing:
		m.feedback = "✗ the plan is being recomputed: wait a moment, then press enter again"
		return nil
	case len(e.Risks) > 0 && !m.accept:
		m.feedback = "✗ the lockout risk is not accepted: esc, then ! to accept it (or change the choices)"
		return nil
	}
	req := ApplyRequest{
		Steps:            slices.Clone(e.Steps),
		Choices:          e.Choices,
		Previewed:        e.Plan,
		AllowLockoutRisk: m.accept && len(e.Risks) > 0,
	}
	m.blur()
	m.input.Reset()
	m.feedback = ""
	return m.startApply(req)
}

// begin resets the run's progress for a new run and returns its context.
func (m *Apply) begin(total int) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	if m.gate != nil {
		m.gate.release()
	}
	m.gate = &gate{}
	m.gen++
	m.ch = make(chan tea.Msg, 256)
	m.cancel = cancel
	m.stage, m.message, m.inflight = "", "", nil
	m.done, m.failed, m.skipped, m.total = 0, 0, 0, total
	m.asking, m.stopping, m.scroll = false, false, 0
	return ctx
}

func (m *Apply) startApply(req ApplyRequest) tea.Cmd {
	ctx := m.begin(m.facts.writes)
	m.mode, m.out, m.rb, m.rbStarted, m.journal, m.log, m.rbLog = applyRunning, nil, nil, false, "", nil, nil
	run, gen, ch := m.c.Backend.Apply, m.gen, m.ch
	apply := func() tea.Msg {
		out := func() (out ApplyOutcome) {
			defer func() {
				if r := recover(); r != nil {
					out.Err = fmt.Errorf("the apply stopped on an internal error: %v", r)
				}
			}()
			return run(ctx, req, m.progress(ctx, gen, ch))
		}()
		ch <- applyDoneMsg{gen, out}
		return nil
	}
	return tea.Batch(apply, m.wait(), m.spin.Tick)
}

func (m *Apply) startRollback() tea.Cmd {
	if !m.rollbackOffered() || m.c.Backend.Rollback == nil || m.c.ReadOnly {
		return nil
	}
	journal := m.out.Journal
	ctx := m.begin(m.out.Done)
	m.mode, m.rbStarted, m.rbLog = applyRollingBack, true, nil
	run, gen, ch := m.c.Backend.Rollback, m.gen, m.ch
	rollback := func() tea.Msg {
		out := func() (out RollbackOutcome) {
			defer func() {
				if r := recover(); r != nil {
					out.Err = fmt.Errorf("the rollback stopped on an internal error: %v", r)
				}
			}()
			return run(ctx, journal, m.progress(ctx, gen, ch))
		}()
		ch <- rollbackDoneMsg{gen, out}
		return nil
	}
	return tea.Batch(rollback, m.wait(), m.spin.Tick)
}

// progress is the run's progress callback: it passes each event to the
// screen and, once a write has ended, waits while the operator is being
// asked whether to abandon the run: the next write is not begun until
// they answer.
func (m *Apply) progress(ctx context.Context, gen int, ch chan tea.Msg) func(ApplyEvent) {
	g := m.gate
	return func(ev ApplyEvent) {
		ch <- applyEventMsg{gen, ev}
		if p := ev.Progress; p != nil && (p.Phase == remediate.PhaseDone || p.Phase == remediate.PhaseFailed || p.Phase == remediate.PhaseSkipped) {
			g.wait(ctx)
		}
	}
}

// gate holds a run between two writes; its zero value is open.
type gate struct {
	mu   sync.Mutex
	held chan struct{} // non-nil while held; closed on release
}

func (g *gate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil {
		g.held = make(chan struct{})
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held != nil {
		close(g.held)
		g.held = nil
	}
}

// wait returns when the gate is open or ctx is done.
func (g *gate) wait(ctx context.Context) {
	g.mu.Lock()
	held := g.held
	g.mu.Unlock()
	if held == nil {
		return
	}
	select {
	case <-held:
	case <-ctx.Done():
	}
}

// wait reads the run's next message (one at a time, in order).
func (m *Apply) wait() tea.Cmd {
	ch := m.ch
	return func() tea.Msg { return <-ch }
}

func (m *Apply) event(ev ApplyEvent) {
	if ev.Journal != "" && m.mode == applyRunning {
		m.journal = ev.Journal
	}
	if ev.Phase != "" && ev.Phase != m.stage {
		m.stage, m.message = ev.Phase, ""
	}
	if ev.Message != "" {
		m.message = ev.Message
	}
	p := ev.Progress
	if p == nil {
		return
	}
	if p.Total > 0 {
		m.total = p.Total
	}
	w := p.Write
	line := logLine{id: w.ID, op: w.Operation, target: w.Target, err: p.Error, n: 1}
	switch p.Phase {
	case remediate.PhaseBegin:
		m.inflight = &w
		return
	case remediate.PhaseDone:
		m.done++
		line.mark = "✓"
	case remediate.PhaseFailed:
		m.failed++
		line.mark = "✗"
	case remediate.PhaseSkipped:
		m.skipped++
		line.mark = "-"
	default:
		return
	}
	m.inflight = nil
	log := &m.log
	if m.mode == applyRollingBack {
		log = &m.rbLog
	}
	if k := len(*log) - 1; line.mark == "-" && k >= 0 && (*log)[k].mark == "-" && (*log)[k].err == line.err {
		(*log)[k].last = line.id
		(*log)[k].n++
		return
	}
	*log = append(*log, line)
	if len(*log) > maxLog {
		*log = slices.Delete(*log, 0, len(*log)-maxLog)
	}
}

// finished shows how the apply ended and hands the outcome to the
// engagement (which keeps the before-snapshot: the report needs it).
func (m *Apply) finished(out ApplyOutcome) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	if out.Journal == "" {
		out.Journal = m.journal
	}
	m.mode, m.out, m.asking, m.inflight, m.scroll = applyResult, &out, false, nil, 0
	if out.Total == 0 {
		out.Total = m.total
	}
	return Send(AppliedMsg{Outcome: out})
}

func (m *Apply) rolledBack(out RollbackOutcome) {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.mode, m.rb, m.asking, m.inflight, m.scroll = applyResult, &out, false, nil, 0
}

// View renders the body.
func (m *Apply) View() string {
	m.sync()
	w := max(m.width, 40)
	switch m.mode {
	case applyRunning, applyRollingBack:
		return m.viewRunning(w)
	case applyResult:
		return m.viewResult(w)
	}
	why, review := m.blocker()
	if !review {
		return m.viewNothing(w, why)
	}
	return m.viewReview(w, why)
}

func (m *Apply) viewNothing(w int, why string) string {
	st := m.c.Styles
	var b strings.Builder
	head, next := "Nothing to apply", "Choose the steps to apply on the Plan screen: press "
	if m.c.Eng.PlanErr != nil {
		head, next = "The plan cannot be made", "Correct the choices or the steps on the Plan screen: press "
	}
	b.WriteString(" " + st.Section.Render(head) + "\n\n")
	for _, l := range wrapLines("· "+why, w-3) {
		b.WriteString(" " + l + "\n")
	}
	if f := m.facts; f.plan != nil && f.writes == 0 {
		b.WriteString("\n")
		for _, ps := range f.steps {
			note := "done by hand: see the Plan screen"
			if ps.Nothing != "" {
				note = "nothing to do: " + ps.Nothing
			}
			b.WriteString("   " + st.Muted.Render(truncate(fmt.Sprintf("%-9s %s", ps.ID, Clean(note)), w-4)) + "\n")
		}
	}
	b.WriteString("\n " + next + st.Key.Render("p") + ".")
	return fitLines(b.String(), m.height)
}

// glance is the one line that says what kind of writes these are.
func (m *Apply) glance(w int) []string {
	st := m.c.Styles
	f := m.facts
	var parts []string
	if f.nIrrev > 0 {
		parts = append(parts, st.Warn.Render(fmt.Sprintf("! %d cannot be undone", f.nIrrev)))
	} else {
		parts = append(parts, st.Pass.Render("✓ every write can be undone"))
	}
	if n := len(f.checks); n > 0 {
		parts = append(parts, st.Warn.Render("! "+plural(n, "checkpoint")))
	}
	switch r := len(m.c.Eng.Risks); {
	case r == 0:
		parts = append(parts, st.Pass.Render("✓ no lockout risk"))
	case m.accept:
		parts = append(parts, st.Warn.Render(fmt.Sprintf("! %s accepted", plural(r, "lockout risk"))))
	default:
		parts = append(parts, st.Fail.Render(fmt.Sprintf("✗ %s, not accepted", plural(r, "lockout risk"))))
	}
	line := strings.Join(parts, st.Muted.Render(" · "))
	if ansi.StringWidth(line) <= w-2 {
		return []string{" " + line}
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = " " + p
	}
	return out
}

// reviewLines are the review's details: the steps, what cannot be
// undone, the checkpoints and the lockout risks, wrapped to w.
func (m *Apply) reviewLines(w int) []string {
	st := m.c.Styles
	f := m.facts
	var out []string
	out = append(out, " "+st.Section.Render("Steps, in the order they are applied"))
	idw := 1
	for _, ps := range f.steps {
		idw = max(idw, len(ps.ID))
	}
	for i, ps := range f.steps {
		right := fmt.Sprintf("%d", f.counts[i])
		switch {
		case ps.Manual:
			right = "by hand"
		case ps.Nothing != "":
			right = "nothing to do"
		case f.counts[i] == 1:
			right = "1 write"
		default:
			right += " writes"
		}
		id := fmt.Sprintf("%-*s", idw, ps.ID)
		title := truncate(ps.Title, w-idw-len(right)-9)
		gap := w - 5 - idw - ansi.StringWidth(title) - len(right) - 2
		text := "   " + st.Value.Render(id) + "  " + title + strings.Repeat(" ", max(gap, 1)) + right
		if ps.Manual || ps.Nothing != "" {
			text = "   " + st.Muted.Render(id+"  "+title+strings.Repeat(" ", max(gap, 1))+right)
		}
		out = append(out, text)
	}
	out = append(out, "")
	if len(f.irrev) > 0 {
		out = append(out, " "+st.Warn.Render("! Cannot be undone")+st.Muted.Render(": a rollback leaves these as they are"))
		for _, g := range f.irrev {
			head := fmt.Sprintf("%s: %s: ", g.step, plural(g.n, "write"))
			out = append(out, indentWrap(head, Clean(g.why), w-3, "   ")...)
		}
	} else {
		out = append(out, " "+st.Pass.Render("✓ Every write can be undone")+st.Muted.Render(": the journal records how (rollback)"))
	}
	out = append(out, "")
	if len(f.checks) > 0 {
		out = append(out, " "+st.Warn.Render("! Checkpoints")+st.Muted.Render(": typing the domain confirms these too"))
		for _, c := range f.checks {
			out = append(out, indentWrap(c.ID+": ", Clean(c.Checkpoint), w-3, "   ")...)
		}
	} else {
		out = append(out, " "+st.Pass.Render("✓ No checkpoints")+st.Muted.Render(": nothing to confirm by hand before a write"))
	}
	out = append(out, "")
	if risks := m.c.Eng.Risks; len(risks) > 0 {
		if m.accept {
			out = append(out, " "+st.Warn.Render("! Lockout risks, accepted")+st.Muted.Render(" (! to withdraw)"))
		} else {
			out = append(out, " "+st.Fail.Render("✗ Lockout risks: the apply is refused unless you accept them with !"))
		}
		for _, l := range RiskLines(risks) {
			rule, rest, _ := strings.Cut(l, ": ")
			out = append(out, indentWrap(rule+": ", rest, w-3, "   ")...)
		}
	} else {
		out = append(out, " "+st.Pass.Render("✓ No lockout risk")+st.Muted.Render(": the guard found no account the plan cuts off"))
	}
	return out
}

func (m *Apply) viewReview(w int, why string) string {
	st := m.c.Styles
	e := m.c.Eng
	f := m.facts
	var top []string
	title := fmt.Sprintf("Apply %s of steps %s to %s", plural(f.writes, "write"), stepIDs(f.steps), Clean(orgName(m.c)))
	top = append(top, styledWrap(st.Title, title, w)...)
	top = append(top, m.glance(w)...)
	if m.changed {
		top = append(top, " "+st.Warn.Render("! The plan changed: review it again; what was typed or accepted was withdrawn"))
	}
	top = append(top, "")

	var bottom []string
	switch {
	case why != "":
		bottom = append(bottom, "")
		for _, l := range wrapLines("✗ "+why, w-3) {
			bottom = append(bottom, " "+st.Fail.Render(l))
		}
	default:
		bottom = append(bottom, "")
		ask := fmt.Sprintf("Type the tenant's domain (%s) to apply %s", Clean(e.TenantDomain()), plural(f.writes, "write"))
		for _, l := range wrapLines(ask, w-2) {
			bottom = append(bottom, " "+st.Value.Render(l))
		}
		bottom = append(bottom, " "+m.input.View())
		fb := m.feedback
		switch {
		case fb != "" && strings.HasPrefix(fb, "✗"):
			fb = st.Fail.Render(truncate(fb, w-2))
		case fb != "":
			fb = st.Warn.Render(truncate(fb, w-2))
		case e.Previewing:
			fb = st.Running.Render("the plan is being recomputed…")
		case m.typing:
			fb = st.Muted.Render("enter applies · esc stops typing")
		default:
			fb = st.Muted.Render("nothing is written until the domain is typed and enter pressed")
		}
		bottom = append(bottom, " "+fb)
	}
	return m.frame(top, m.reviewLines(w), bottom)
}

// frame lays out pinned top lines, a scrolling middle and pinned bottom
// lines in the body's height.
func (m *Apply) frame(top, mid, bottom []string) string {
	room := m.height - len(top) - len(bottom)
	if room < 1 {
		lines := append(append(top, mid...), bottom...)
		return fitLines(strings.Join(lines, "\n"), m.height)
	}
	for len(mid) > 0 && mid[len(mid)-1] == "" {
		mid = mid[:len(mid)-1]
	}
	if len(mid) <= room {
		m.scroll = 0
		pad := make([]string, room-len(mid))
		return strings.Join(append(append(append(top, mid...), pad...), bottom...), "\n")
	}
	show := room - 1 // one line says what is above and below
	m.scroll = max(0, min(m.scroll, len(mid)-show))
	win := mid[m.scroll : m.scroll+show]
	below := len(mid) - m.scroll - show
	var more string
	switch {
	case below > 0 && m.scroll > 0:
		more = fmt.Sprintf("   ↑ %d more · ↓ %d more (j/k)", m.scroll, below)
	case below > 0:
		more = fmt.Sprintf("   ↓ %d more lines (j/k, pgdn)", below)
	default:
		more = fmt.Sprintf("   ↑ %d more lines (k, g)", m.scroll)
	}
	lines := append(append(append(top, win...), m.c.Styles.Muted.Render(more)), bottom...)
	return strings.Join(lines, "\n")
}

func (m *Apply) detailHeight() int { return max(m.height-8, 1) }

func (m *Apply) viewRunning(w int) string {
	st := m.c.Styles
	var top []string
	rollback := m.mode == applyRollingBack
	if rollback {
		top = append(top, styledWrap(st.Title, "Rolling back "+plural(m.total, "write")+" of journal "+Clean(m.out.Journal), w)...)
	} else {
		top = append(top, styledWrap(st.Title, fmt.Sprintf("Applying %s of steps %s to %s", plural(m.total, "write"), stepIDs(m.facts.steps), Clean(orgName(m.c))), w)...)
	}
	stage := map[string]string{
		ApplyCollecting: "collecting the organisation again: the plan must still hold before anything is written",
		ApplyWriting:    "writing",
		ApplyVerifying:  "collecting again to verify the writes",
	}[m.stage]
	if stage == "" {
		stage = "starting"
		if m.stage != "" {
			stage = Clean(m.stage)
		}
	}
	if m.stopping {
		stage = "stopping after the write in flight…"
	}
	if m.asking && m.stage == ApplyWriting {
		stage = "held: no further write is sent until you answer"
	}
	verb := "done"
	if rollback {
		verb = "undone"
	}
	count := fmt.Sprintf("%d of %d writes %s", m.done, m.total, verb)
	if m.failed > 0 {
		count += st.Fail.Render(fmt.Sprintf(" · %d failed", m.failed))
	}
	if m.skipped > 0 {
		count += fmt.Sprintf(" · %d not sent", m.skipped)
	}
	top = append(top, " "+st.Running.Render(m.spin.View())+" "+truncate(stage, w-4))
	top = append(top, " "+count)
	pct := 0.0
	if m.total > 0 {
		pct = float64(m.done) / float64(m.total)
	}
	top = append(top, " "+m.bar.ViewAs(pct))
	if !rollback {
		if m.journal != "" {
			top = append(top, pathLines(st.Label.Render("Journal  "), Clean(m.journal), w)...)
		} else {
			top = append(top, " "+st.Label.Render("Journal  ")+st.Muted.Render("not written yet"))
		}
	}
	if m.message != "" {
		top = append(top, " "+st.Muted.Render(truncate("· "+Clean(m.message), w-2)))
	}
	top = append(top, "")

	bottom := []string{""}
	what := "apply"
	if rollback {
		what = "rollback"
	}
	switch {
	case m.asking:
		q := fmt.Sprintf("! Abandon the %s? The write in flight finishes and is journalled; no other is sent until you answer. y to stop after it, n to continue", what)
		for _, l := range wrapLines(q, w-2) {
			bottom = append(bottom, " "+st.Warn.Render(l))
		}
	case m.stopping:
		bottom = append(bottom, " "+st.Warn.Render(truncate("! Stopping after the write in flight; it is journalled. Waiting for it…", w-2)))
	default:
		bottom = append(bottom, " "+st.Muted.Render(truncate("ctrl+c or q stops after the write in flight (never in the middle of one)", w-2)))
	}

	log := m.log
	if rollback {
		log = m.rbLog
	}
	room := m.height - len(top) - len(bottom)
	mid := []string{" " + st.Section.Render("Last writes")}
	var flight []string
	if m.inflight != nil {
		flight = append(flight, "   "+st.Running.Render("…")+" "+truncate(fmt.Sprintf("%-*s %s  %s", idWidth(log, m.inflight.ID), Clean(m.inflight.ID), Clean(m.inflight.Operation), Clean(m.inflight.Target)), w-6))
	}
	if len(log) == 0 && len(flight) == 0 {
		mid = append(mid, "   "+st.Muted.Render("none yet"))
	}
	mid = append(mid, m.logLines(log, w, room-1-len(flight))...)
	mid = append(mid, flight...)
	return strings.Join(fitBody(top, mid, bottom, m.height), "\n")
}

// idWidth is the width of the write-ID column: the longest ID of the log
// on show and the write in flight, so that a rollback's "CA-LEGACY-1.undo" keeps
// the columns straight; at least 11, at most 20.
func idWidth(log []logLine, inflight string) int {
	w := max(11, len(inflight))
	for _, l := range log[max(len(log)-200, 0):] { // the newest: those on show
		w = max(w, len(l.id))
	}
	return min(w, 20)
}

// logLines renders the newest writes of a log in at most n lines.
func (m *Apply) logLines(log []logLine, w, n int) []string {
	st := m.c.Styles
	var lines []string
	idw := idWidth(log, "")
	if m.inflight != nil {
		idw = idWidth(log, m.inflight.ID)
	}
	for i := len(log) - 1; i >= 0 && n > 0; i-- {
		l := log[i]
		mark := st.Pass.Render(l.mark)
		switch l.mark {
		case "✗":
			mark = st.Fail.Render(l.mark)
		case "-":
			mark = st.Muted.Render(l.mark)
		}
		text := fmt.Sprintf("%-*s %s  %s", idw, Clean(l.id), Clean(l.op), Clean(l.target))
		if l.mark == "-" {
			text = fmt.Sprintf("%-*s not sent", idw, Clean(l.id))
			if l.n > 1 {
				text = fmt.Sprintf("%s to %s: %d writes not sent", Clean(l.id), Clean(l.last), l.n)
			}
			if l.err != "" {
				text += ": " + Clean(l.err)
			}
		}
		entry := []string{"   " + mark + " " + truncate(text, w-6)}
		if l.mark == "✗" && l.err != "" && n > 1 {
			entry = append(entry, "     "+st.ErrorText.Render(truncate(Clean(l.err), w-6)))
		}
		if len(entry) > n {
			entry = entry[:n]
		}
		lines = append(entry, lines...)
		n -= len(entry)
	}
	return lines
}

func (m *Apply) viewResult(w int) string {
	st := m.c.Styles
	o := m.out
	var top []string
	var status string
	stopped := o.Err != nil && (m.stopping || errors.Is(o.Err, context.Canceled))
	switch {
	case len(o.Refused) > 0:
		status = st.Fail.Render("✗ Refused: nothing was written")
	case stopped:
		status = st.Warn.Render(fmt.Sprintf("! Stopped: %d of %d writes made", o.Done, o.Total))
	case o.Err != nil && o.Done == 0 && o.Journal == "":
		status = st.Fail.Render("✗ The apply failed before any write: nothing was written")
	case o.Err != nil:
		status = st.Fail.Render(fmt.Sprintf("✗ The apply failed: %d of %d writes made", o.Done, o.Total))
	case o.After != nil && len(o.Differences) > 0:
		status = st.Warn.Render(fmt.Sprintf("! Applied %d of %d writes; verification found %s", o.Done, o.Total, plural(len(o.Differences), "difference")))
	default:
		status = st.Pass.Render(fmt.Sprintf("✓ Applied %d of %d writes", o.Done, o.Total))
	}
	top = append(top, " "+clip(status, w-2))
	if o.Journal != "" {
		top = append(top, pathLines(st.Label.Render("Journal  "), Clean(o.Journal), w)...)
	}
	if o.Session != "" {
		top = append(top, pathLines(st.Label.Render("Session  "), Clean(o.Session), w)...)
	}
	top = append(top, "")

	var mid []string
	if len(o.Refused) > 0 {
		mid = append(mid, " "+st.Section.Render("Why it was refused"))
		for _, r := range o.Refused {
			mid = append(mid, indentWrap("✗ ", Clean(r), w-3, "   ")...)
		}
		mid = append(mid, "")
	}
	if o.Err != nil && len(o.Refused) == 0 {
		mid = append(mid, indentWrap("Error: ", Clean(o.Err.Error()), w-3, " ")...)
		mid = append(mid, "")
	}
	switch {
	case len(o.Refused) > 0 || o.Done == 0:
	case o.After != nil && len(o.Differences) == 0:
		mid = append(mid, " "+st.Pass.Render("✓ Verified: the organisation now matches the plan's simulation"), "")
	case o.After != nil:
		for _, l := range wrapLines(fmt.Sprintf("! Verification: collected again, the organisation differs from the plan's simulation in %s:", plural(len(o.Differences), "place")), w-2) {
			mid = append(mid, " "+st.Warn.Render(l))
		}
		for _, d := range o.Differences {
			mid = append(mid, indentWrap("· ", Clean(d.String()), w-3, "   ")...)
		}
		if errs := o.After.Errors(); len(errs) > 0 {
			mid = append(mid, "   "+st.Muted.Render(truncate(fmt.Sprintf("(%s could not be collected again, which may explain some)", plural(len(errs), "source")), w-4)))
		}
		mid = append(mid, "")
	default:
		mid = append(mid, " "+st.Info.Render("? Not verified: the organisation was not collected again after the writes"), "")
	}
	if m.rb != nil {
		rb := m.rb
		if rb.Err != nil {
			mid = append(mid, " "+st.Fail.Render(fmt.Sprintf("✗ The rollback failed after undoing %s", plural(rb.Undone, "write"))))
			mid = append(mid, indentWrap("Error: ", Clean(rb.Err.Error()), w-3, "   ")...)
		} else {
			mid = append(mid, " "+st.Pass.Render(fmt.Sprintf("✓ Rolled back: %s undone", plural(rb.Undone, "write"))))
		}
		if len(rb.Irreversible) > 0 {
			mid = append(mid, " "+st.Warn.Render(fmt.Sprintf("! %s could not be undone:", plural(len(rb.Irreversible), "write"))))
			for _, s := range rb.Irreversible {
				mid = append(mid, indentWrap("· ", Clean(s), w-3, "   ")...)
			}
		}
		mid = append(mid, "")
		if len(m.rbLog) > 0 {
			mid = append(mid, " "+st.Section.Render("Undone, newest first"))
			mid = append(mid, m.logLines(m.rbLog, w, maxLog)...)
			mid = append(mid, "")
		}
	}
	if len(m.log) > 0 {
		mid = append(mid, " "+st.Section.Render("Writes"))
		mid = append(mid, m.logLines(m.log, w, maxLog)...)
	}

	bottom := []string{""}
	switch {
	case m.rbAsk:
		q := fmt.Sprintf("! Roll back the %s the journal records, newest first? Writes that cannot be undone stay. y to roll back, n to keep them", plural(o.Done, "write"))
		for _, l := range wrapLines(q, w-2) {
			bottom = append(bottom, " "+st.Warn.Render(l))
		}
	case m.rollbackOffered() && m.c.Backend.Rollback != nil:
		bottom = append(bottom, " "+clip(st.Key.Render("r")+" roll back the "+plural(o.Done, "write")+" made · "+st.Key.Render("enter")+" see the report", w-2))
	case m.rollbackOffered():
		for _, l := range wrapLines("This session cannot roll back; to undo: harden365 rollback --journal "+Clean(o.Journal)+" --yes", w-2) {
			bottom = append(bottom, " "+st.Muted.Render(l))
		}
	case o.Done == 0:
		bottom = append(bottom, " "+clip(st.Key.Render("esc")+" back to the review · "+st.Key.Render("enter")+" see the report", w-2))
	case o.Journal != "" && m.rb == nil:
		for _, l := range wrapLines("To undo later: harden365 rollback --journal "+Clean(o.Journal)+" --yes", w-2) {
			bottom = append(bottom, " "+st.Muted.Render(l))
		}
	default:
		bottom = append(bottom, " "+clip(st.Key.Render("enter")+" see the report", w-2))
	}
	return m.frame(top, mid, bottom)
}

// fitBody joins top, mid and bottom in height lines: mid is cut first
// (its newest lines are at its end, they stay), then bottom's first
// lines.
func fitBody(top, mid, bottom []string, height int) []string {
	room := height - len(top) - len(bottom)
	if room < 0 {
		all := append(append(top, mid...), bottom...)
		return all[:min(len(all), max(height, 1))]
	}
	if len(mid) > room {
		mid = mid[:room]
	}
	pad := make([]string, room-len(mid))
	return append(append(append(top, mid...), pad...), bottom...)
}

// fitLines keeps the first height lines of s.
func fitLines(s string, height int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > height {
		lines = lines[:max(height, 1)]
	}
	return strings.Join(lines, "\n")
}

// clip cuts a styled line to width cells, with an ellipsis.
func clip(s string, width int) string { return ansi.Truncate(s, max(width, 1), "…") }

// styledWrap is a heading wrapped to the screen, each line one column in:
// the org's name and the steps are never cut off.
func styledWrap(style lipgloss.Style, s string, w int) []string {
	var out []string
	for _, l := range wrapLines(s, w-2) {
		out = append(out, " "+style.Render(l))
	}
	return out
}

// pathLines shows a file's path after its 9-column label, broken (not
// cut) where it is wider than the screen: the operator needs all of it to
// roll back or report.
func pathLines(label, path string, w int) []string {
	lines := strings.Split(ansi.Hardwrap(path, max(w-11, 10), false), "\n")
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = " " + label + l
		} else {
			out[i] = " " + strings.Repeat(" ", 9) + l
		}
	}
	return out
}

// wrapLines wraps plain text to width.
func wrapLines(s string, width int) []string {
	return strings.Split(ansi.Wrap(s, max(width, 10), ""), "\n")
}

// indentWrap wraps head+text to width: the first line starts with
// indent+head, the next ones with indent and as many spaces as head.
func indentWrap(head, text string, width int, indent string) []string {
	avail := max(width-len(indent)-ansi.StringWidth(head), 10)
	lines := wrapLines(text, avail)
	out := make([]string, len(lines))
	pad := strings.Repeat(" ", ansi.StringWidth(head))
	if len(pad) > 14 {
		// A long head (an account's name) would leave a narrow column.
		pad = "  "
		avail = max(width-len(indent)-2, 10)
		lines = wrapLines(head+text, avail)
		for i, l := range lines {
			if i == 0 {
				lines[i] = indent + l
			} else {
				lines[i] = indent + pad + l
			}
		}
		return lines
	}
	for i, l := range lines {
		if i == 0 {
			out[i] = indent + head + l
		} else {
			out[i] = indent + pad + l
		}
	}
	return out
}

func stepIDs(steps []remediate.PlannedStep) string {
	var ids []string
	for _, s := range steps {
		if !s.Manual && s.Nothing == "" {
			ids = append(ids, s.ID)
		}
	}
	return strings.Join(ids, ", ")
}

// orgName is the organisation's name for titles (not yet cleaned).
func orgName(c *Common) string {
	if s := c.Eng.Snapshot; s != nil && s.Tenant.DisplayName != "" {
		return s.Tenant.DisplayName
	}
	if d := c.Eng.TenantDomain(); d != "" {
		return d
	}
	return c.Org
}
