package remediate

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
)

// Outcome gives what the separate calls give: the matrix of the
// simulated plan, the impacts, the plan entries and Guard's risks, from
// nothing known or from the caller's findings, inventory and matrix.
func TestOutcomeIsTheSeparateCalls(t *testing.T) {
	planned := 0
	defer func() {
		if planned < 4 {
			t.Errorf("only %d plans compared", planned)
		}
	}()
	for _, name := range builtins {
		s := snapshot(t, name)
		c := choicesFor(t, name)
		c.Operator = "koen.maes@mijndomein.be"
		for _, steps := range [][]string{{"all"}, {"B", "E", "A"}, {"D"}} {
			p, err := NewPlan(s, steps, c, s.AsOf)
			if err != nil {
				continue // not every selection suits every scenario
			}
			planned++
			wantAfter := matrix.Evaluate(p.Simulate(s))
			wantImp, wantEntries, wantRisks := p.Impact(s), p.PlanJSON(s), Guard(p, s, p.Choices)
			fs, inv := assess.RunWithInventory(s, c.AssessOptions())
			for _, base := range []Base{{}, {Findings: fs, Inventory: inv, Matrix: matrix.Evaluate(s)}} {
				got := p.Outcome(s, base)
				// Compared as the JSON says them: users explain their verdicts
				// on demand, into scratch space the comparison must not see.
				gj, _ := json.Marshal(got.After)
				wj, _ := json.Marshal(wantAfter)
				if !reflect.DeepEqual(got.After.Cells, wantAfter.Cells) || string(gj) != string(wj) {
					t.Errorf("%s %v: the matrix after differs", name, steps)
				}
				if !reflect.DeepEqual(got.Impacts, wantImp) || !reflect.DeepEqual(got.Entries, wantEntries) {
					t.Errorf("%s %v: impacts or entries differ", name, steps)
				}
				if !reflect.DeepEqual(got.Risks, wantRisks) {
					t.Errorf("%s %v: risks %v, Guard says %v", name, steps, got.Risks, wantRisks)
				}
			}
		}
	}
}
