// Package remediate plans the fixes: the whitepaper's steps A-F and the
// extras (CA-LEGACY, SMTP-AUTH, FED-MFA), each with its preconditions, the
// operator's parameters, the exact writes (with their undo), the
// equivalent instructions for today's tooling, and a simulation of its
// effect on the snapshot. The access matrix after a plan is
// matrix.Evaluate(plan.Simulate(snapshot)): the same evaluation as before,
// never a second logic.
//
// Everything here is pure: no I/O, no clock (now comes in as a value), no
// mutable globals. Simulations deep-copy their input and never change it.
package remediate

import (
	"strings"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/tenant"
)

// Step IDs (CONTRACT.md, "Plan step IDs").
const (
	StepA        = "A"
	StepB        = "B"
	StepC        = "C"
	StepD        = "D"
	StepE        = "E"
	StepF        = "F"
	StepCALegacy = "CA-LEGACY"
	StepSMTPAuth = "SMTP-AUTH"
	StepFedMFA   = "FED-MFA"
)

// Step is one remediation step of the catalog.
type Step struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Fixes are the check IDs (assess) the step makes pass.
	Fixes []string `json:"fixes"`
	// blocksBasic: the step cuts basic auth, so with modern auth off it
	// would leave Outlook for Windows without a way in: it needs B first.
	blocksBasic bool
	// writes are the sections of the snapshot the step changes (a trial
	// copies only those).
	writes section
	run    func(*run)
}

// catalog lists the steps in the order a plan applies them:
//
//   - B first: modern auth on before anything blocks basic auth, so that
//     modern-capable clients (Outlook 2013 with its keys, 2016) switch to
//     OAuth instead of breaking (D, E and CA-LEGACY need it);
//   - C and SMTP-AUTH: protocol switches, per mailbox and for the tenant;
//   - D: the authentication policy, after B;
//   - E: Okta's rules (exception, deny, MFA), after B;
//   - A: federation, after E's deny rule exists (federating first would
//     let the new domain's legacy sign-ins through a permissive rule);
//   - FED-MFA: Entra sends federated users to Okta for MFA, once Okta's
//     MFA rule is there;
//   - CA-LEGACY: Entra's legacy block, report-only first, then on;
//   - F last: revoking sessions makes every earlier change bite.
func catalog() []Step {
	return []Step{
		{ID: StepB, Title: "Enable modern authentication in Exchange Online", Fixes: []string{assess.IDExoModernAuth}, writes: secOrgConfig, run: runB},
		{ID: StepC, Title: "Switch legacy protocols off on the mailboxes and in the mailbox plans",
			Fixes: []string{assess.IDExoLegacyProtocols, assess.IDExoCASPlans}, writes: secCASMailboxes | secCASMailboxPlans, run: runC},
		{ID: StepSMTPAuth, Title: "Switch SMTP AUTH off for the tenant and resolve the mailboxes that turn it back on",
			Fixes: []string{assess.IDExoSMTPAuth}, writes: secTransportConfig | secCASMailboxes, run: runSMTPAuth},
		{ID: StepD, Title: "Block basic authentication with an Exchange authentication policy",
			Fixes: []string{assess.IDExoBasicAuthPolicy}, blocksBasic: true,
			writes: secOrgConfig | secAuthPolicies | secExchangeUsers, run: runD},
		{ID: StepE, Title: "Okta Office 365 rules: deny legacy clients, MFA for browsers and modern clients, a zoned exception",
			Fixes: []string{assess.IDOktaDenyLegacy, assess.IDOktaMFAModern}, blocksBasic: true, writes: secOkta, run: runE},
		{ID: StepA, Title: "Federate the remaining mail domains with Okta's Office 365 app",
			Fixes: []string{assess.IDFedDomains}, writes: secDomains | secOkta, run: runA},
		{ID: StepFedMFA, Title: "Make Entra ID send federated users to Okta for MFA (federatedIdpMfaBehavior)",
			Fixes: []string{assess.IDFedMFABehavior}, writes: secDomains, run: runFedMFA},
		{ID: StepCALegacy, Title: "Block legacy authentication with conditional access (report-only first, then on)",
			Fixes: []string{assess.IDEntraLegacyBlock}, blocksBasic: true, writes: secEntraPolicies, run: runCALegacy},
		{ID: StepF, Title: "Revoke sessions and refresh tokens so that the changes bite now",
			Fixes: []string{assess.IDTokensRevoked}, writes: secUsers | secExchangeUsers, run: runF},
	}
}

// Steps returns the catalog, in the order a plan applies the steps.
func Steps() []Step { return catalog() }

// LookupStep finds a step by ID (case-insensitive).
func LookupStep(id string) (Step, bool) {
	for _, st := range catalog() {
		if strings.EqualFold(st.ID, strings.TrimSpace(id)) {
			return st, true
		}
	}
	return Step{}, false
}

func stepIDs() []string {
	var out []string
	for _, st := range catalog() {
		out = append(out, st.ID)
	}
	return out
}

// execute runs the step on s (changed in place) with the writes starting
// at clock; planned are the steps of the same plan. ix, when not nil, is
// the user index of the state s was copied from (steps never change the
// keys it holds, so it holds for s too).
func (st Step) execute(s *tenant.Snapshot, c Choices, clock time.Time, planned map[string]bool, ix *userIndex) *run {
	r := &run{s: s, c: c, step: st.ID, clock: clock, planned: planned, ix: ix.on(s)}
	if st.run == nil {
		r.refuse("not a step of the catalog (use LookupStep or Steps)")
		return r
	}
	st.run(r)
	return r
}

// trial runs the step on a copy of s (of the sections it writes) and
// applies the checks every step shares; the copy is the state after the
// step (unchanged s when refused).
func (st Step) trial(s *tenant.Snapshot, c Choices, clock time.Time, planned map[string]bool, ix *userIndex) (*run, *tenant.Snapshot) {
	return st.trialOn(s, cloneSections(s, st.writes), c, clock, planned, ix)
}

// trialOn is trial on cp, a copy of s.
func (st Step) trialOn(s, cp *tenant.Snapshot, c Choices, clock time.Time, planned map[string]bool, ix *userIndex) (*run, *tenant.Snapshot) {
	r := st.execute(cp, c, clock, planned, ix)
	if !r.refused() && st.blocksBasic && len(r.writes) > 0 && !planned[StepB] {
		if oc := s.Exchange.OrganizationConfig; oc != nil && !oc.OAuth2ClientProfileEnabled {
			r.refuse("modern authentication is off (OAuth2ClientProfileEnabled False): blocking basic auth now leaves Outlook for Windows without any way in; add step B to the plan (B comes first)")
		}
	}
	if r.refused() {
		r.writes, r.instr = nil, nil
		return r, s
	}
	return r, cp
}

func alone(id string) map[string]bool { return map[string]bool{id: true} }

// Check returns the step's unmet preconditions on s, as if it were planned
// alone (so A needs E's deny rule to exist already); none means it can run.
func (st Step) Check(s *tenant.Snapshot, c Choices) []string {
	r, _ := st.trial(s, c, time.Time{}, alone(st.ID), nil)
	return r.problems
}

// Simulate returns the snapshot as it would be after the step alone, with
// its writes made from now on: a deep copy of s with the changes; s itself
// is never changed. When the step's preconditions are not met, the copy is
// unchanged.
func (st Step) Simulate(s *tenant.Snapshot, now time.Time, c Choices) *tenant.Snapshot {
	_, out := st.trialOn(s, clone(s), c, now, alone(st.ID), nil)
	if out == s {
		return clone(s)
	}
	return out
}

// Writes returns the writes the step alone would make on s (none when its
// target state already holds or its preconditions are not met).
func (st Step) Writes(s *tenant.Snapshot, now time.Time, c Choices) []tenant.Write {
	r, _ := st.trial(s, c, now, alone(st.ID), nil)
	return r.writes
}

// Instructions returns the step's equivalent instructions in today's
// tooling: for each write the PowerShell command or console path, with
// the step's own explanations first.
func (st Step) Instructions(s *tenant.Snapshot, now time.Time, c Choices) []Instruction {
	r, _ := st.trial(s, c, now, alone(st.ID), nil)
	return instructionsOf(r)
}
