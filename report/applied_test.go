package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/write"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// A real apply, as `harden365 apply` makes it: the plan applied to the
// simulator through the real writers, journalled, the organisation
// collected again and verified. Its journal, read back, is what the
// report says was done.
func TestReportOfARealApply(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "whitepaper", sim.Options{})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	ctx := context.Background()
	before, err := clients.Discover(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := choicesFor(t, "whitepaper")
	plan, err := remediate.NewPlan(before, []string{"B,C,D"}, c, srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	w, err := write.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var journal bytes.Buffer
	res, err := remediate.Apply(ctx, plan, w, remediate.NewJournalWriter(&journal, srv.Now), remediate.ApplyOptions{
		Before: before, Now: srv.Now, Confirm: func(tenant.Write) bool { return true },
		Tool: remediate.Tool{Name: "harden365", Version: "test"}, Target: "simulator " + srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	after, err := clients.Discover(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	diffs := remediate.Verify(plan, before, after, res)
	j, err := remediate.ReadJournal(&journal)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(Tool{Name: "harden365", Version: "test"}, srv.Now(), "consultant", before, c, nil, []string{"B,C,D"})
	s.Journal = "apply.jsonl"
	s.Verification = &Verification{CollectedAt: after.CollectedAt, Differences: diffs}
	a := AppliedFromJournal(j, s.Journal, s.Verification)
	if len(a.Changes) != len(plan.Writes()) {
		t.Fatalf("%d changes from the journal, %d writes planned", len(a.Changes), len(plan.Writes()))
	}
	for _, ch := range a.Changes {
		if ch.State != ChangeDone || (len(diffs) == 0 && ch.Verified != VerifiedYes) {
			t.Errorf("%s: %s, verified %q", ch.ID, ch.State, ch.Verified)
		}
	}
	md := render(t, s, a)
	for _, want := range []string{
		"outcome: complete",
		"| `B-1` | organization mijndomein.onmicrosoft.com | OAuth2ClientProfileEnabled: false → true | done |",
		"## Changes not applied\n\nNone: every change of the plan was made.",
		"## Remaining steps, by hand\n\nNothing: every change of the plan was made.",
		"harden365 rollback --profile NAME --journal apply.jsonl --yes",
		"Remove-AuthenticationPolicy -Identity 'Block Basic Authentication' -Confirm:$false",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if len(diffs) == 0 && !strings.Contains(md, "the organisation matches the plan's simulation") {
		t.Error("the report does not say the apply was verified")
	}
}
