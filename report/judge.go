package report

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// Judge judges a snapshot with the running version's code, as `assess`
// does: the findings, the access matrix, the mail-client inventory and,
// when steps are given, the plan (its writes stamped from planNow), the
// matrix of the plan's simulation and its lockout risks.
func Judge(version string, snap *tenant.Snapshot, choices remediate.Choices, steps []string, planNow time.Time) (Input, error) {
	if snap == nil {
		return Input{}, errors.New("there is no snapshot to judge")
	}
	in := Input{Version: version, Snapshot: snap, Choices: choices}
	// The findings (with the inventory they make), the matrix and the
	// plan are independent: made at once.
	done, planned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		in.Before = matrix.Evaluate(snap)
	}()
	var plan *remediate.Plan
	var planErr error
	go func() {
		defer close(planned)
		if len(steps) > 0 {
			plan, planErr = remediate.NewPlan(snap, steps, choices, planNow)
		}
	}()
	in.Findings, in.Clients = assess.RunWithInventory(snap, choices.AssessOptions())
	<-done
	<-planned
	if planErr != nil {
		return Input{}, fmt.Errorf("plan: %w", planErr)
	}
	if plan != nil {
		in.withPlan(plan)
	}
	return in, nil
}

// withPlan sets the plan and what follows from it, from what is judged
// already of the snapshot.
func (in *Input) withPlan(plan *remediate.Plan) {
	in.Planned = plan
	base := remediate.Base{Inventory: in.Clients, Matrix: in.Before}
	if reflect.DeepEqual(plan.Choices.AssessOptions(), in.Choices.AssessOptions()) { // the findings judged are the plan's
		base.Findings = in.Findings
	}
	out := plan.Outcome(in.Snapshot, base)
	in.After, in.Plan, in.Risks = out.After, out.Entries, out.Risks
}

// FromSession is the input of the handover report of a session: the
// snapshot judged again with the running version (version), the plan
// recomputed for the session's steps and choices (as `assess --plan`
// does, its writes stamped at the date judged), and what the apply did
// (applied, nil when nothing was applied). When the journal holds the
// plan that was applied, that plan is the one reported.
func FromSession(version string, s *Session, applied *Applied) (Input, error) {
	if s == nil || s.Snapshot == nil {
		return Input{}, errors.New("the session has no snapshot")
	}
	steps := s.Plan
	if applied != nil && applied.Plan != nil {
		steps = nil // the applied plan replaces the recomputed one below
	}
	in, err := Judge(version, s.Snapshot, s.Choices, steps, s.Snapshot.AsOf)
	if err != nil {
		return Input{}, err
	}
	if applied != nil && applied.Plan != nil {
		in.withPlan(applied.Plan)
	}
	in.Operator = s.Operator
	in.Generated = s.Created
	in.Session = &SessionInfo{Tool: s.Tool, Created: s.Created, Findings: s.Findings, Steps: s.Plan}
	in.Applied = applied
	return in, nil
}
