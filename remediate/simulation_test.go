package remediate

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/tenant"
)

// A plan's simulation copies, for each step, only the sections of the
// snapshot the step writes (Step.writes) and shares the rest. Over every
// built-in, both sets of choices and every subset of the steps: planning
// and judging the outcome leave the snapshot as it was; the state after
// each step is the one a deep copy of the whole snapshot gives; a step
// without writes leaves the state as it was; and (for a fifth of them)
// Outcome, from NewPlan's states or simulating again, gives the impacts
// of re-judging the whole state after every step.
func TestStepWritesOnlyItsSections(t *testing.T) {
	if testing.Short() {
		t.Skip("512 plans per scenario and choice set")
	}
	ids := stepIDs()
	for _, name := range builtins {
		s := snapshot(t, name)
		orig, err := tenant.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		fs, inv := assess.RunWithInventory(s, Choices{}.AssessOptions())
		base := Base{Inventory: inv, Matrix: matrix.Evaluate(s)}
		for _, label := range []string{"defaults", "exceptions"} {
			c := Choices{}
			if label == "exceptions" {
				c = choicesFor(t, name)
			}
			base.Findings = nil
			if label == "defaults" {
				base.Findings = fs
			}
			for k, steps := range stepSubsets(ids) {
				mask := k + 1 // the subset's bits (see stepSubsets)
				p, err := NewPlan(s, steps, c, nowFor(s))
				if err != nil {
					continue
				}
				where := fmt.Sprintf("%s/%s/%v", name, label, steps)
				if now, _ := tenant.Encode(s); !bytes.Equal(now, orig) {
					t.Fatalf("%s: planning changed the snapshot", where)
				}
				var want []*tenant.Snapshot
				p.simulateSteps(s, func(i int, after *tenant.Snapshot) { want = append(want, clone(after)) })
				sim := p.simulation(s)
				if sim != p.sim {
					t.Fatalf("%s: NewPlan's simulation is not used", where)
				}
				for i, ps := range p.Steps {
					if !reflect.DeepEqual(sim.states[i], want[i]) {
						t.Errorf("%s: the state after %s differs from a deep copy's", where, ps.ID)
					}
					prev := s
					if i > 0 {
						prev = want[i-1]
					}
					if len(ps.Writes) == 0 && !reflect.DeepEqual(want[i], prev) {
						t.Errorf("%s: step %s has no writes, yet changes the state", where, ps.ID)
					}
				}
				if mask%5 != 0 && mask != 1<<len(ids)-1 {
					continue // judging is slow: the outcome of every fifth subset, and of all
				}
				got := p.Outcome(s, base)
				if now, _ := tenant.Encode(s); !bytes.Equal(now, orig) {
					t.Fatalf("%s: the outcome changed the snapshot", where)
				}
				if wantImp := stepByStepImpacts(p, s, c, inv); !reflect.DeepEqual(got.Impacts, wantImp) {
					t.Errorf("%s: impacts differ from judging every step's state", where)
				}
				again := *p
				again.sim = nil // as read back from a journal
				if other := again.Outcome(s, base); !reflect.DeepEqual(other.Impacts, got.Impacts) || !reflect.DeepEqual(other.Risks, got.Risks) ||
					!reflect.DeepEqual(other.After.Cells, got.After.Cells) {
					t.Errorf("%s: the outcome differs when simulated again", where)
				}
			}
		}
	}
}

// stepByStepImpacts is Impact the long way: a deep copy of s, every step
// on it in turn, the whole state judged after each and users looked up by
// UPN.
func stepByStepImpacts(p *Plan, s *tenant.Snapshot, c Choices, inv []assess.ClientUse) []Impact {
	paths := make([][]path, len(inv))
	for k, cu := range inv {
		paths[k] = clientPaths(cu)
	}
	byUPN := &userRows{base: &matrix.Matrix{}, inv: make([]int, len(inv))}
	prevM := matrix.Evaluate(s)
	prevF := statuses(assess.Run(s, c.AssessOptions()))
	out := make([]Impact, len(p.Steps))
	p.simulateSteps(s, func(i int, after *tenant.Snapshot) {
		m, f := matrix.Evaluate(after), statuses(assess.Run(after, c.AssessOptions()))
		out[i] = diffImpact(p.Steps[i].ID, inv, paths, byUPN, prevM, m, prevF, f)
		prevM, prevF = m, f
	})
	return out
}
