package remediate

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/tenant"
)

// The properties every plan the planner accepts must have, over all
// built-in scenarios, two sets of choices each (the defaults, and the
// scenario's documented exceptions) and every subset of the steps:
//
//   - no user's cell becomes more permissive (after rank >= before rank,
//     matrix.Verdict.Rank); the one principled exception is step B:
//     switching modern auth on makes modern auth exist for Outlook for
//     Windows (mapi, rpc), which was "unsupported" before; such a cell may
//     be no more permissive than the same user's basic-auth cell was;
//   - simulating twice equals simulating once (reflect.DeepEqual), and a
//     plan of the same steps on the simulated snapshot makes no writes;
//   - Simulate never changes its input.
func TestPlanProperties(t *testing.T) {
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
		before := matrix.Evaluate(s)
		for _, label := range []string{"defaults", "exceptions"} {
			c := Choices{}
			if label == "exceptions" {
				c = choicesFor(t, name)
			}
			accepted := 0
			for _, steps := range stepSubsets(ids) {
				p, err := NewPlan(s, steps, c, nowFor(s))
				if err != nil {
					continue
				}
				accepted++
				where := fmt.Sprintf("%s/%s/%v", name, label, steps)
				after := p.Simulate(s)
				if now, _ := tenant.Encode(s); !bytes.Equal(now, orig) {
					t.Fatalf("%s: Simulate changed its input", where)
				}
				if err := noMorePermissive(before, matrix.Evaluate(after), p.Step(StepB) != nil); err != nil {
					t.Errorf("%s: %v", where, err)
				}
				if again := p.Simulate(after); !reflect.DeepEqual(again, after) {
					t.Errorf("%s: simulating twice differs from simulating once", where)
				}
				p2, err := NewPlan(after, steps, c, nowFor(s))
				if err != nil {
					t.Errorf("%s: the plan is refused on its own result: %v", where, err)
					continue
				}
				if ws := p2.Writes(); len(ws) > 0 {
					t.Errorf("%s: %d writes the second time, first %s %s %s", where, len(ws), ws[0].ID, ws[0].Operation, ws[0].Target)
				}
			}
			if accepted < 20 {
				t.Errorf("%s/%s: only %d subsets accepted", name, label, accepted)
			}
			t.Logf("%s/%s: %d of %d subsets accepted", name, label, accepted, 1<<len(ids)-1)
		}
	}
}

func noMorePermissive(before, after *matrix.Matrix, withB bool) error {
	for k := range before.Users {
		ub := &before.Users[k]
		ua := after.User(ub.UPN)
		if ua == nil {
			return fmt.Errorf("user %s missing after", ub.UPN)
		}
		for _, p := range matrix.Protocols {
			for _, m := range matrix.Methods {
				b, a := ub.Verdict(p, m), ua.Verdict(p, m)
				if a.Rank() >= b.Rank() {
					continue
				}
				if withB && m == matrix.Modern && (p == matrix.MAPI || p == matrix.RPC) && b == matrix.Unsupported &&
					a.Rank() >= ub.Verdict(p, matrix.Basic).Rank() {
					continue // modern auth switched on: no more than basic gave
				}
				return fmt.Errorf("%s %s/%s: %s -> %s (%v)", ub.UPN, p, m, b, a, ua.Access(p, m).Reasons)
			}
		}
	}
	return nil
}

// A step alone: Simulate deep-copies, Writes and Simulate agree with a
// one-step plan, and the input is untouched.
func TestStepAlone(t *testing.T) {
	s := snapshot(t, "contoso")
	c := choicesFor(t, "contoso")
	orig, _ := tenant.Encode(s)
	now := nowFor(s)
	for _, st := range Steps() {
		out := st.Simulate(s, now, c)
		if out == s {
			t.Fatalf("%s: Simulate returned its input", st.ID)
		}
		if cur, _ := tenant.Encode(s); !bytes.Equal(cur, orig) {
			t.Fatalf("%s: Simulate changed its input", st.ID)
		}
		ws := st.Writes(s, now, c)
		if len(st.Check(s, c)) > 0 {
			if len(ws) > 0 || !reflect.DeepEqual(out, s) {
				t.Errorf("%s: refused alone, yet writes or changes", st.ID)
			}
			continue
		}
		p := mustPlan(t, s, []string{st.ID}, c)
		if !reflect.DeepEqual(nonNilWrites(ws), p.Steps[0].Writes) {
			t.Errorf("%s: Step.Writes differs from the one-step plan's", st.ID)
		}
		if !reflect.DeepEqual(out, p.Simulate(s)) {
			t.Errorf("%s: Step.Simulate differs from the one-step plan's", st.ID)
		}
		if len(st.Instructions(s, now, c)) == 0 {
			t.Errorf("%s: no instructions", st.ID)
		}
	}
}

func TestClone(t *testing.T) {
	s := snapshot(t, "contoso")
	cp := clone(s)
	if !reflect.DeepEqual(cp, s) {
		t.Fatal("clone differs")
	}
	orig, _ := tenant.Encode(s)
	cp.Exchange.CASMailboxes[0].PopEnabled = !cp.Exchange.CASMailboxes[0].PopEnabled
	for i := range cp.Exchange.CASMailboxes {
		if v := cp.Exchange.CASMailboxes[i].SmtpClientAuthenticationDisabled; v != nil {
			*v = !*v
			break
		}
	}
	cp.Exchange.AuthenticationPolicies[0].AllowBasicAuth["Smtp"] = true
	cp.Okta.Policies[1].Rules[0].Office365Client[0] = "WEB"
	cp.Okta.Groups[0].Members[0] = "x"
	cp.Exchange.OrganizationConfig.OAuth2ClientProfileEnabled = false
	if now, _ := tenant.Encode(s); !bytes.Equal(now, orig) {
		t.Fatal("changing the clone changed the original")
	}
}

// The permissiveness check is not vacuous: undoing a plan is caught.
func TestNoMorePermissiveDetects(t *testing.T) {
	s := snapshot(t, "whitepaper")
	p := mustPlan(t, s, []string{"all"}, choicesFor(t, "whitepaper"))
	after := matrix.Evaluate(p.Simulate(s))
	if err := noMorePermissive(after, matrix.Evaluate(s), true); err == nil {
		t.Fatal("going from the hardened organisation back to the original is not reported as more permissive")
	}
}

// stepSubsets are the non-empty subsets of ids, in the order of their bit
// masks: subset k holds ids[i] when bit i of k+1 is set, and the last
// holds them all.
func stepSubsets(ids []string) [][]string {
	var out [][]string
	for mask := 1; mask < 1<<len(ids); mask++ {
		var steps []string
		for i, id := range ids {
			if mask&(1<<i) != 0 {
				steps = append(steps, id)
			}
		}
		out = append(out, steps)
	}
	return out
}
