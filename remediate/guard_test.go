package remediate

import (
	"bytes"
	"context"
	"errors"
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
	for _, r := range Guard(mustPlan(t, s, []string{"all"}, c), s, c) {
		if r.Rule != RiskCutOff {
			t.Errorf("risk for the real break-glass account: %v", r)
		}
	}
}

// Users the plan cuts off are a lockout risk even when nobody declared
// them: federating a domain whose users have no active Okta account
// locks them out of their mail, and Apply refuses it before any write.
func TestGuardCutOff(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := mustPlan(t, s, []string{"B", "E", "A"}, c)
	wantRisk(t, Guard(p, s, c), RiskCutOff, "an.claes@mijndomein.be", "PROVISIONED: it cannot sign in")
	var j bytes.Buffer
	w := &fakeWriter{}
	_, err := Apply(context.Background(), p, w, NewJournalWriter(&j, nil), ApplyOptions{Before: s})
	var re *RefusedError
	if !errors.As(err, &re) || len(re.Risks) == 0 || j.Len() != 0 || len(w.sent) != 0 {
		t.Fatalf("apply of a plan that cuts users off: %v (journal %d bytes)", err, j.Len())
	}
	// Steps that leave everyone a way in have no such risk.
	if risks := Guard(mustPlan(t, s, []string{"B", "C"}, c), s, c); len(risks) > 0 {
		t.Errorf("B, C: %v", risks)
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
