package report

import (
	"errors"
	"fmt"
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
	in := Input{
		Version:  version,
		Snapshot: snap,
		Findings: assess.Run(snap, choices.AssessOptions()),
		Before:   matrix.Evaluate(snap),
		Clients:  assess.Inventory(snap),
		Choices:  choices,
	}
	if len(steps) > 0 {
		plan, err := remediate.NewPlan(snap, steps, choices, planNow)
		if err != nil {
			return Input{}, fmt.Errorf("plan: %w", err)
		}
		in.withPlan(plan)
	}
	return in, nil
}

// withPlan sets the plan and what follows from it.
func (in *Input) withPlan(plan *remediate.Plan) {
	in.Planned = plan
	in.After = matrix.Evaluate(plan.Simulate(in.Snapshot))
	in.Plan = plan.PlanJSON(in.Snapshot)
	in.Risks = remediate.Guard(plan, in.Snapshot, plan.Choices)
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
