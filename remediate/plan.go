package remediate

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// Plan is an ordered selection of steps with their writes, computed for
// one snapshot, one set of choices and one now.
type Plan struct {
	// Now is the time of the first write; the simulation gives each
	// later write one more second.
	Now     time.Time     `json:"now"`
	Choices Choices       `json:"choices"`
	Steps   []PlannedStep `json:"steps"`

	// sim is what NewPlan simulated, for Outcome (nil for a plan read
	// back from JSON).
	sim *simulation
}

// simulation is a plan's simulation of one snapshot: the state after
// each step, each a copy of the state before it in the sections the step
// writes and sharing the rest (none may be changed).
type simulation struct {
	// from, now, choices and steps are what it was simulated for.
	from    *tenant.Snapshot
	now     time.Time
	choices Choices
	steps   []string

	states []*tenant.Snapshot
	// known: the step is in the catalog (an unknown one is skipped);
	// changed: the step made writes (a step changes the state exactly as
	// its writes say, so a step without writes leaves it as it was).
	known, changed []bool
}

// newSimulation starts the simulation of p on s.
func newSimulation(p *Plan, s *tenant.Snapshot) *simulation {
	n := len(p.Steps)
	sim := &simulation{from: s, now: p.Now, choices: deepCopy(reflect.ValueOf(p.Choices)).Interface().(Choices),
		states: make([]*tenant.Snapshot, n), known: make([]bool, n), changed: make([]bool, n)}
	for _, ps := range p.Steps {
		sim.steps = append(sim.steps, ps.ID)
	}
	return sim
}

// final is the state after the plan (s's without steps).
func (sim *simulation) final() *tenant.Snapshot {
	if n := len(sim.states); n > 0 {
		return sim.states[n-1]
	}
	return sim.from
}

// of reports whether sim is p's simulation of s.
func (sim *simulation) of(p *Plan, s *tenant.Snapshot) bool {
	if sim == nil || sim.from != s || sim.now != p.Now || len(sim.steps) != len(p.Steps) || !reflect.DeepEqual(sim.choices, p.Choices) {
		return false
	}
	for i, ps := range p.Steps {
		if sim.steps[i] != ps.ID {
			return false
		}
	}
	return true
}

// simulation returns p's simulation of s: NewPlan's when it planned p for
// s, else simulated now (as Simulate does, but a copy per step of what
// the step writes).
func (p *Plan) simulation(s *tenant.Snapshot) *simulation {
	if p.sim.of(p, s) {
		return p.sim
	}
	sim := newSimulation(p, s)
	state, clock, planned := s, p.Now, p.planned()
	var ix *userIndex
	for i, ps := range p.Steps {
		sim.states[i] = state
		st, ok := LookupStep(ps.ID)
		if !ok {
			continue
		}
		cp := cloneSections(state, st.writes)
		r := st.execute(cp, p.Choices, clock, planned, ix)
		state, clock, ix = cp, r.clock, r.ix
		sim.states[i], sim.known[i], sim.changed[i] = cp, true, len(r.writes) > 0
	}
	return sim
}

// PlannedStep is a step as planned for the snapshot.
type PlannedStep struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Fixes []string `json:"fixes"`
	// Manual: the step cannot be made through an API (E on Okta Classic
	// Engine); it is instructions only and the simulation cannot show it.
	Manual bool `json:"manual,omitempty"`
	// Nothing says why the step has nothing to do ("" when it has).
	Nothing      string         `json:"nothing,omitempty"`
	Writes       []tenant.Write `json:"writes"`
	Instructions []Instruction  `json:"instructions"`
	Notes        []string       `json:"notes,omitempty"`
}

// Reversible reports whether every write of the step can be undone.
func (ps PlannedStep) Reversible() bool {
	for _, w := range ps.Writes {
		if !w.Reversible {
			return false
		}
	}
	return true
}

// Problem is a reason a plan is refused.
type Problem struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// PlanError is a refused plan: an unknown step or unmet preconditions.
type PlanError struct {
	Problems []Problem `json:"problems"`
}

func (e *PlanError) Error() string {
	var parts []string
	for _, p := range e.Problems {
		parts = append(parts, p.Step+": "+p.Reason)
	}
	return "plan refused: " + strings.Join(parts, "; ")
}

// ParseSteps reads a step selection: "all", step IDs, or both, each entry
// possibly comma-separated ("A,B"). It returns the IDs in the order a plan
// applies them, or a *PlanError naming unknown ones.
func ParseSteps(steps []string) ([]string, error) {
	want := map[string]bool{}
	var bad []Problem
	n := 0
	for _, entry := range steps {
		for _, id := range strings.Split(entry, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			n++
			if strings.EqualFold(id, "all") {
				for _, x := range stepIDs() {
					want[x] = true
				}
				continue
			}
			st, ok := LookupStep(id)
			if !ok {
				bad = append(bad, Problem{Step: id, Reason: fmt.Sprintf("unknown step (the steps are %s, or all)", strings.Join(stepIDs(), ", "))})
				continue
			}
			want[st.ID] = true
		}
	}
	if len(bad) > 0 {
		return nil, &PlanError{Problems: bad}
	}
	if n == 0 {
		return nil, &PlanError{Problems: []Problem{{Step: "", Reason: "no step chosen (give all, or step IDs such as A,B)"}}}
	}
	var out []string
	for _, id := range stepIDs() {
		if want[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// NewPlan plans the chosen steps ("all" or IDs) for s, in dependency order
// (B; C; SMTP-AUTH; D; E; A; FED-MFA; CA-LEGACY; F last), each step
// checked against the state the earlier ones leave. It returns a
// *PlanError listing every unknown step and every unmet precondition. s
// is not changed.
func NewPlan(s *tenant.Snapshot, steps []string, c Choices, now time.Time) (*Plan, error) {
	ids, err := ParseSteps(steps)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, &PlanError{Problems: []Problem{{Reason: "there is no snapshot to plan for"}}}
	}
	planned := map[string]bool{}
	for _, id := range ids {
		planned[id] = true
	}
	p := &Plan{Now: now, Choices: c}
	var problems []Problem
	state, clock := s, now
	var states []*tenant.Snapshot
	var changed []bool
	var ix *userIndex // the users' index of state, handed from step to step
	for _, id := range ids {
		st, _ := LookupStep(id)
		r, next := st.trial(state, c, clock, planned, ix)
		for _, why := range r.problems {
			problems = append(problems, Problem{Step: id, Reason: why})
		}
		if r.refused() {
			continue
		}
		state, clock, ix = next, r.clock, r.ix
		states, changed = append(states, state), append(changed, len(r.writes) > 0)
		p.Steps = append(p.Steps, PlannedStep{ID: st.ID, Title: st.Title, Fixes: append([]string(nil), st.Fixes...), Manual: r.manual,
			Nothing: r.nothing, Writes: nonNilWrites(r.writes), Instructions: nonNilInstr(instructionsOf(r)), Notes: r.notes})
	}
	if len(problems) > 0 {
		return nil, &PlanError{Problems: problems}
	}
	p.sim = newSimulation(p, s)
	copy(p.sim.states, states)
	copy(p.sim.changed, changed)
	for i := range p.sim.known {
		p.sim.known[i] = true
	}
	return p, nil
}

func nonNilWrites(w []tenant.Write) []tenant.Write {
	if w == nil {
		return []tenant.Write{}
	}
	return w
}

func nonNilInstr(in []Instruction) []Instruction {
	if in == nil {
		return []Instruction{}
	}
	return in
}

func (p *Plan) planned() map[string]bool {
	out := map[string]bool{}
	for _, ps := range p.Steps {
		out[ps.ID] = true
	}
	return out
}

// Simulate returns s as it would be after the plan: the steps'
// simulations in order, on one deep copy (s is not changed). The matrix
// after the plan is matrix.Evaluate(p.Simulate(s)).
func (p *Plan) Simulate(s *tenant.Snapshot) *tenant.Snapshot {
	out, _ := p.simulateSteps(s, nil)
	return out
}

// simulateSteps runs the plan on a copy of s, calling each (when not
// nil) with the state after every step.
func (p *Plan) simulateSteps(s *tenant.Snapshot, each func(i int, after *tenant.Snapshot)) (*tenant.Snapshot, []tenant.Write) {
	out := clone(s)
	clock, planned := p.Now, p.planned()
	var writes []tenant.Write
	for i, ps := range p.Steps {
		st, ok := LookupStep(ps.ID)
		if !ok {
			continue
		}
		r := st.execute(out, p.Choices, clock, planned, nil)
		clock = r.clock
		writes = append(writes, r.writes...)
		if each != nil {
			each(i, out)
		}
	}
	return out, writes
}

// Writes returns every write of the plan, in the order they are made.
func (p *Plan) Writes() []tenant.Write {
	var out []tenant.Write
	for _, ps := range p.Steps {
		out = append(out, ps.Writes...)
	}
	return out
}

// Step returns the planned step with the given ID, or nil.
func (p *Plan) Step(id string) *PlannedStep {
	for i := range p.Steps {
		if strings.EqualFold(p.Steps[i].ID, id) {
			return &p.Steps[i]
		}
	}
	return nil
}
