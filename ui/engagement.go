package ui

import (
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// Engagement is the work in progress that every screen reads: what was
// collected, what the operator chose, and what the pure core made of it.
// The root writes it from the messages below, and screens through
// SetSteps; screens hear EngagementMsg when it changed and read it
// through Common.Eng.
type Engagement struct {
	// Snapshot is the organisation as collected (nil until discovery ends).
	Snapshot *tenant.Snapshot
	// Resumed is the session file the engagement was resumed from.
	Resumed string

	Choices remediate.Choices
	// Steps are the plan's selected step IDs, in the catalog's order.
	Steps []string

	// Judged from Snapshot and Choices.
	Findings []assess.Finding
	Before   *matrix.Matrix
	Clients  []assess.ClientUse
	// Judging is true while findings are being (re)computed.
	Judging bool

	// Previewed from Snapshot, Choices and Steps (nil Plan: no steps, or
	// PlanErr says why the plan cannot be made).
	Plan    *remediate.Plan
	PlanErr error
	After   *matrix.Matrix
	Impact  []remediate.Impact
	Risks   []remediate.Risk
	// Previewing is true while the plan is being (re)computed.
	Previewing bool

	// Applied is the last apply's outcome (nil: nothing applied).
	Applied *ApplyOutcome

	judgeGen, previewGen int
}

// Messages that change the engagement. Screens send them as commands;
// the root applies them.
type (
	// SnapshotMsg: a new snapshot (discovery finished, or collected again).
	SnapshotMsg struct{ Snapshot *tenant.Snapshot }
	// ChoicesMsg: the operator changed the choices.
	ChoicesMsg struct{ Choices remediate.Choices }
	// StepsMsg: the operator changed the selected steps.
	StepsMsg struct{ Steps []string }
	// AppliedMsg: an apply ended.
	AppliedMsg struct{ Outcome ApplyOutcome }
	// EngagementMsg is broadcast to every screen after the engagement
	// changed.
	EngagementMsg struct{}

	judgedMsg struct {
		gen      int
		findings []assess.Finding
		before   *matrix.Matrix
		clients  []assess.ClientUse
	}
	previewedMsg struct {
		gen    int
		plan   *remediate.Plan
		err    error
		after  *matrix.Matrix
		impact []remediate.Impact
		risks  []remediate.Risk
	}
)

// Send wraps a message in a command.
func Send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// handle applies an engagement message; it returns the commands that
// recompute what depends on it, and whether msg was one of its own.
func (e *Engagement) handle(msg tea.Msg, now func() time.Time) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		e.Snapshot = msg.Snapshot
		return tea.Batch(e.judge(), e.preview(now)), true
	case ChoicesMsg:
		e.Choices = msg.Choices
		return tea.Batch(e.judge(), e.preview(now)), true
	case StepsMsg:
		e.Steps = orderSteps(msg.Steps)
		return e.preview(now), true
	case EngagementMsg:
		// Sent by a screen that changed the engagement itself (SetSteps):
		// the root passes it on to every screen.
		return nil, true
	case AppliedMsg:
		out := msg.Outcome
		e.Applied = &out
		return nil, true
	case judgedMsg:
		if msg.gen == e.judgeGen {
			e.Findings, e.Before, e.Clients, e.Judging = msg.findings, msg.before, msg.clients, false
		}
		return nil, true
	case previewedMsg:
		if msg.gen == e.previewGen {
			e.Plan, e.PlanErr, e.After, e.Impact, e.Risks, e.Previewing = msg.plan, msg.err, msg.after, msg.impact, msg.risks, false
		}
		return nil, true
	}
	return nil, false
}

// judge recomputes the findings, the matrix and the client inventory in
// the background: on 100,000 users it takes a moment, and no keypress
// waits for it.
func (e *Engagement) judge() tea.Cmd {
	if e.Snapshot == nil {
		return nil
	}
	e.judgeGen++
	e.Judging = true
	gen, snap, opts := e.judgeGen, e.Snapshot, e.Choices.AssessOptions()
	return func() tea.Msg {
		before := make(chan *matrix.Matrix, 1)
		go func() { before <- matrix.Evaluate(snap) }()
		findings, clients := assess.RunWithInventory(snap, opts)
		return judgedMsg{gen: gen, findings: findings, before: <-before, clients: clients}
	}
}

// preview recomputes the plan of the selected steps and what follows from
// it: the after-matrix, the impact and the lockout risks.
func (e *Engagement) preview(now func() time.Time) tea.Cmd {
	e.previewGen++
	gen := e.previewGen
	if e.Snapshot == nil || len(e.Steps) == 0 {
		e.Plan, e.PlanErr, e.After, e.Impact, e.Risks, e.Previewing = nil, nil, nil, nil, nil, false
		return nil
	}
	e.Previewing = true
	snap, steps, choices := e.Snapshot, slices.Clone(e.Steps), e.Choices
	// What is judged already of this snapshot and these choices (none
	// while a judgement is under way) is not judged again.
	var base remediate.Base
	if !e.Judging && e.Before != nil {
		base = remediate.Base{Findings: e.Findings, Inventory: e.Clients, Matrix: e.Before}
	}
	at := snap.AsOf
	if now != nil {
		at = now()
	}
	return func() tea.Msg {
		plan, err := remediate.NewPlan(snap, steps, choices, at)
		if err != nil {
			return previewedMsg{gen: gen, err: err}
		}
		out := plan.Outcome(snap, base)
		return previewedMsg{gen: gen, plan: plan, after: out.After, impact: out.Impacts, risks: out.Risks}
	}
}

// SetSteps changes the selected steps at once, so that keys pressed in
// quick succession each build on the last (a StepsMsg travels through a
// command, and commands run concurrently). It returns the commands that
// preview the new plan and tell every screen.
func (e *Engagement) SetSteps(ids []string, now func() time.Time) tea.Cmd {
	e.Steps = orderSteps(ids)
	return tea.Batch(e.preview(now), Send(EngagementMsg{}))
}

// orderSteps keeps known step IDs, once each, in the catalog's order.
func orderSteps(ids []string) []string {
	var out []string
	for _, st := range remediate.Steps() {
		if slices.Contains(ids, st.ID) {
			out = append(out, st.ID)
		}
	}
	return out
}

// TenantDomain is the domain the operator types to confirm an apply: the
// organisation's default domain, else its initial one.
func (e *Engagement) TenantDomain() string {
	if e.Snapshot == nil {
		return ""
	}
	for _, d := range e.Snapshot.Domains {
		if d.IsDefault {
			return d.Name
		}
	}
	if e.Snapshot.Tenant.InitialDomain != "" {
		return e.Snapshot.Tenant.InitialDomain
	}
	return e.Snapshot.Tenant.ID
}

// Summary is one line on what the engagement holds, for the header.
func (e *Engagement) Summary() string {
	if e.Snapshot == nil {
		return "nothing collected yet"
	}
	fail := 0
	for _, f := range e.Findings {
		if f.Status == assess.Fail {
			fail++
		}
	}
	return fmt.Sprintf("%d findings fail · %d steps chosen", fail, len(e.Steps))
}

// RiskLines states the lockout risks for the screen (remediate's
// summary, cleaned): the users simply cut off fold into one line.
func RiskLines(risks []remediate.Risk) []string {
	out := remediate.RiskSummary(risks)
	for i := range out {
		out[i] = Clean(out[i])
	}
	return out
}
