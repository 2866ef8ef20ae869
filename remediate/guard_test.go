package remediate

import (
	"strings"
	"testing"

	"github.com/harden365/harden365/tenant"
)

func wantRisk(t *testing.T, risks []Risk, rule, account, text string) {
	t.Helper()
	for _, r := range risks {
		if r.Rule == rule && strings.EqualFold(r.Account, account) && strings.Contains(r.Why, text) {
			return
		}
	}
	t.Errorf("no %s risk for %s containing %q in %v", rule, account, text, risks)
}

func TestGuardBreakGlass(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	// A break-glass account on a domain A federates, without an Okta
	// account: after A it has no way in.
	c.BreakGlass = []string{"wim.peeters@mijndomein.be"}
	p := mustPlan(t, s, []string{"B", "E", "A"}, c)
	wantRisk(t, Guard(p, s, c), RiskBreakGlass, "wim.peeters@mijndomein.be", "PROVISIONED: it cannot sign in")
	// The real break-glass account (no mailbox, the initial domain) keeps
	// its way in through every step.
	c = choicesFor(t, "whitepaper")
	if risks := Guard(mustPlan(t, s, []string{"all"}, c), s, c); len(risks) > 0 {
		t.Errorf("risks for the real break-glass account: %v", risks)
	}
}

func TestGuardOperator(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	c.Operator = "koen.maes@mijndomein.be"
	p := mustPlan(t, s, []string{"all"}, c)
	wantRisk(t, Guard(p, s, c), RiskOperator, "koen.maes@mijndomein.be", "none after it")
}

func TestGuardException(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	// Jira is declared an exception, but no Okta exception group: Okta's
	// deny rule refuses its IMAP client.
	c.Exceptions.OktaGroup = ""
	c.Zones = nil
	p := mustPlan(t, s, []string{"all"}, c)
	wantRisk(t, Guard(p, s, c), RiskException, "jira@mijndomein.nl", "imap")
	if !strings.Contains(strings.Join(p.Step("E").Notes, " "), "jira@mijndomein.nl signs in through Okta, but no exception group is declared") {
		t.Errorf("E notes: %v", p.Step("E").Notes)
	}
}

func TestGuardInitialDomain(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := &Plan{Now: nowFor(s), Choices: c, Steps: []PlannedStep{{ID: StepA, Writes: []tenant.Write{{
		ID: "A-1", Step: StepA, Service: tenant.ServiceGraph, Operation: "POST /domains/{id}/federationConfiguration",
		Path: "/domains/mijndomein.onmicrosoft.com/federationConfiguration", Target: "domain mijndomein.onmicrosoft.com",
	}}}}}
	wantRisk(t, Guard(p, s, c), RiskInitialDomain, "mijndomein.onmicrosoft.com", "initial domain")
}

func TestGuardUnknownAccount(t *testing.T) {
	s := snapshot(t, "contoso")
	c := choicesFor(t, "contoso")
	c.Operator = "ghost@contoso.com"
	p := mustPlan(t, s, []string{"C"}, c)
	wantRisk(t, Guard(p, s, c), RiskOperator, "ghost@contoso.com", "cannot check")
}
