package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/write"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// These tests apply plans to a running simulator through the real
// writers (clients/write) and collectors (clients.Discover), then read the
// simulator's state back (GET /_sim/state) or collect again.

// live is one simulator with its organisation collected before any write.
type live struct {
	srv    *sim.Server
	cfg    clients.Config
	before *tenant.Snapshot
	state  map[string]any // /_sim/state before any write
	writer *write.Writer
}

func serveLive(t *testing.T, name string) *live {
	t.Helper()
	srv := simtest.ServeBuiltin(t, name, sim.Options{})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	l := &live{srv: srv, cfg: cfg, state: simState(t, srv.URL())}
	l.before = l.collect(t)
	w, err := write.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.writer = w
	return l
}

func (l *live) collect(t *testing.T) *tenant.Snapshot {
	t.Helper()
	s, err := clients.Discover(context.Background(), l.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range s.Errors() {
		if st.ID != "okta.policies" || s.Okta.IdentityEngine() {
			t.Fatalf("source %s failed: %s", st.ID, st.Error)
		}
	}
	return s
}

// plan plans steps on the collected snapshot, now being the simulator's
// clock (the writes' stamps and the services' own times then agree).
func (l *live) plan(t *testing.T, s *tenant.Snapshot, steps string, c Choices) *Plan {
	t.Helper()
	p, err := NewPlan(s, []string{steps}, c, l.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// apply applies p. The scenarios' full plans cut off the users whose Okta
// accounts are not active (a deliberate trap, which the guard reports:
// guard_test.go); these tests check the writes, so they accept the risk.
func (l *live) apply(ctx context.Context, p *Plan, s *tenant.Snapshot, journal *bytes.Buffer, progress func(Progress)) (Result, error) {
	return Apply(ctx, p, l.writer, NewJournalWriter(journal, l.srv.Now), ApplyOptions{
		Before: s, Now: l.srv.Now, Progress: progress, AllowLockoutRisk: true, Tool: Tool{Name: "harden365", Version: "test"}, Target: "simulator " + l.srv.URL()})
}

func (l *live) rollback(t *testing.T, journal []byte) (RollbackResult, error, *Journal) {
	t.Helper()
	j, err := ReadJournal(bytes.NewReader(journal))
	if err != nil {
		t.Fatal(err)
	}
	var rb bytes.Buffer
	res, err := Rollback(context.Background(), j, l.writer, NewJournalWriter(&rb, l.srv.Now), RollbackOptions{Now: l.srv.Now})
	rj, rerr := ReadJournal(&rb)
	if rerr != nil {
		t.Fatalf("reading the rollback journal: %v", rerr)
	}
	return res, err, rj
}

func simState(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Compared after a rollback: the simulator's whole state (the scenario
// file's shape), except what the services stamp and a rollback cannot
// set back. Object ids need no exception: every object an apply creates,
// its rollback deletes, and the others keep their ids.
var (
	// serviceStamped are change and creation times the services set
	// themselves on every write (an undo is a write too).
	serviceStamped = []string{"WhenChanged", "WhenChangedUTC", "lastUpdated", "created", "modifiedDateTime", "createdDateTime", "lastMembershipUpdated"}
	// revocationTimes are what step F's irreversible writes set; ignored
	// only when the journal holds a done irreversible write.
	revocationTimes = []string{"signInSessionsValidFromDateTime", "StsRefreshTokensValidFrom"}
)

// stateDiff lists where two /_sim/state documents differ, ignoring the
// keys named.
func stateDiff(path string, a, b any, ignore map[string]bool) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s, now %s", path, short(a), short(b))}
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		var out []string
		for _, k := range sortedKeys(keys) {
			if ignore[k] {
				continue
			}
			out = append(out, stateDiff(path+"."+k, x[k], y[k], ignore)...)
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return []string{fmt.Sprintf("%s: %s, now %s", path, short(a), short(b))}
		}
		var out []string
		for i := range x {
			out = append(out, stateDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], ignore)...)
		}
		return out
	}
	if !reflect.DeepEqual(a, b) {
		return []string{fmt.Sprintf("%s: %s, now %s", path, short(a), short(b))}
	}
	return nil
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 160 {
		return string(b[:157]) + "..."
	}
	return string(b)
}

func ignoring(revocations bool) map[string]bool {
	out := map[string]bool{}
	for _, k := range serviceStamped {
		out[k] = true
	}
	if revocations {
		for _, k := range revocationTimes {
			out[k] = true
		}
	}
	return out
}

// assertRestored fails unless the simulator's state is the original one
// on every field a rollback can set back.
func (l *live) assertRestored(t *testing.T, revocations bool) {
	t.Helper()
	if d := stateDiff("", l.state, simState(t, l.srv.URL()), ignoring(revocations)); len(d) > 0 {
		t.Errorf("after the rollback the simulator's state differs from the original in %d places:\n  %s", len(d), strings.Join(head(d, 20), "\n  "))
	}
}

func head(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("... and %d more", len(xs)-n))
	}
	return xs
}

// checksFixedBy are the check IDs the plan's steps fix.
func checksFixedBy(p *Plan) map[string]string {
	out := map[string]string{}
	for _, ps := range p.Steps {
		for _, id := range ps.Fixes {
			out[id] = ps.ID
		}
	}
	return out
}

// The whitepaper's organisation, plan A-F with the documented exception
// (jira@mijndomein.nl, Okta group "Service accounts", zone "Office
// egress"): applied to a running simulator, the re-collected snapshot
// equals the simulated one, assess then passes every check of the steps,
// applying again does nothing, and the rollback returns the simulator's
// state to the original on every reversible field. (Should a simulator
// ever refuse one of A's Okta writes with 501, the test checks what it can
// and skips, saying why.)
func TestApplyWhitepaperAF(t *testing.T) {
	l := serveLive(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := l.plan(t, l.before, "A,B,C,D,E,F", c)
	var journal bytes.Buffer
	res, err := l.apply(context.Background(), p, l.before, &journal, nil)
	var fe *FailedError
	if errors.As(err, &fe) && len(fe.Failed) == 1 && strings.HasPrefix(fe.Failed[0].ID, "A-") && strings.Contains(fe.Failed[0].Error, "E0000060") {
		first := p.Step(StepA).Writes[0]
		if fe.Failed[0].ID != first.ID {
			t.Fatalf("the first write of A is %s, the failure was %s", first.ID, fe.Failed[0].ID)
		}
		var wantDone []string
		for _, w := range p.Writes() {
			if w.ID == first.ID {
				break
			}
			wantDone = append(wantDone, w.ID)
		}
		if !reflect.DeepEqual(res.Done, wantDone) {
			t.Fatalf("done %v, want every write before %s", res.Done, first.ID)
		}
		j, err := ReadJournal(bytes.NewReader(journal.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(j.Done()); !reflect.DeepEqual(got, wantDone) || j.Outcome != OutcomeFailed || len(j.Writes) != len(wantDone)+1 {
			t.Fatalf("journal: done %d, outcome %s, %d writes", len(got), j.Outcome, len(j.Writes))
		}
		rres, rerr, _ := l.rollback(t, journal.Bytes())
		if rerr != nil || len(rres.Undone) != len(wantDone) {
			t.Fatalf("rollback: %v, undone %d of %d", rerr, len(rres.Undone), len(wantDone))
		}
		l.assertRestored(t, false)
		t.Skipf("simulator gap: %s; B-E were applied, journalled and rolled back exactly", fe.Failed[0].Error)
	}
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	l.assertAppliedAsSimulated(t, p, res, c, journal.Bytes())
}

// Steps B-F (everything but federation) on the whitepaper: held to the
// whole of the "Done when".
func TestApplyWhitepaperBF(t *testing.T) {
	l := serveLive(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := l.plan(t, l.before, "B,C,D,E,F", c)
	var journal bytes.Buffer
	res, err := l.apply(context.Background(), p, l.before, &journal, nil)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	l.assertAppliedAsSimulated(t, p, res, c, journal.Bytes())
}

func ids(ws []JournalWrite) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Write.ID)
	}
	return out
}

func (l *live) assertAppliedAsSimulated(t *testing.T, p *Plan, res Result, c Choices, journal []byte) {
	t.Helper()
	writes := p.Writes()
	if res.Outcome != OutcomeComplete || len(res.Done) != len(writes) {
		t.Fatalf("outcome %s, %d of %d writes done", res.Outcome, len(res.Done), len(writes))
	}
	after := l.collect(t)

	// 1. The re-collected snapshot is the simulated one.
	if diffs := Verify(p, l.before, after, res); len(diffs) > 0 {
		var lines []string
		for _, d := range diffs {
			lines = append(lines, d.String())
		}
		t.Errorf("re-collected snapshot differs from the simulation in %d places:\n  %s", len(diffs), strings.Join(head(lines, 20), "\n  "))
	}

	// 2. assess passes every check the plan's steps fix. LEGACY-SIGNINS
	// (sign-ins of the 30 days before asOf) and CLIENTS-LEGACY (the mail
	// clients people use) are history and inventory: no write changes
	// them, so they are not expected to pass.
	fixed := checksFixedBy(p)
	findings := assess.Run(after, c.AssessOptions())
	for _, f := range findings {
		if step, ok := fixed[f.ID]; ok && f.Status != assess.Pass {
			t.Errorf("after the apply %s (step %s) is %s: %s", f.ID, step, f.Status, f.Detail)
		}
		if (f.ID == assess.IDLegacySignIns || f.ID == assess.IDClientsLegacy) && f.Status == assess.Pass {
			t.Logf("note: %s passes, though no write can change it", f.ID)
		}
	}
	for _, st := range p.Steps {
		if len(st.Fixes) == 0 {
			t.Errorf("step %s fixes nothing", st.ID)
		}
	}

	// 3. Applying the same plan again is applying it once: planned on the
	// re-collected organisation, the steps have nothing left to do, and
	// applying that plan changes nothing.
	again := l.plan(t, after, planSteps(p), c)
	if ws := again.Writes(); len(ws) > 0 {
		t.Errorf("the second plan has %d writes (first %s %s %s), want none", len(ws), ws[0].ID, ws[0].Operation, ws[0].Target)
	}
	stateOnce := simState(t, l.srv.URL())
	var j2 bytes.Buffer
	res2, err := l.apply(context.Background(), again, after, &j2, nil)
	if err != nil || len(res2.Done) != 0 || res2.Outcome != OutcomeComplete {
		t.Errorf("second apply: %v, %d writes, outcome %s", err, len(res2.Done), res2.Outcome)
	}
	if d := stateDiff("", stateOnce, simState(t, l.srv.URL()), nil); len(d) > 0 {
		t.Errorf("the second apply changed the organisation: %s", strings.Join(head(d, 10), "; "))
	}

	// 4. The rollback undoes every reversible write, newest first, skips
	// and lists F's revocations, and returns the simulator's state to the
	// original on every reversible field.
	rres, rerr, rj := l.rollback(t, journal)
	if rerr != nil {
		t.Fatalf("rollback: %v", rerr)
	}
	var reversible, irreversible []string
	for _, w := range writes {
		if w.Reversible {
			reversible = append([]string{w.ID}, reversible...)
		} else {
			irreversible = append([]string{w.ID}, irreversible...)
		}
	}
	if !reflect.DeepEqual(rres.Undone, reversible) {
		t.Errorf("undone %v,\nwant (newest first) %v", rres.Undone, reversible)
	}
	var skipped []string
	for _, w := range rres.Irreversible {
		skipped = append(skipped, w.ID)
		if w.Error == "" {
			t.Errorf("irreversible %s listed without its reason", w.ID)
		}
	}
	if !reflect.DeepEqual(skipped, irreversible) {
		t.Errorf("skipped as irreversible %v, want %v", skipped, irreversible)
	}
	if rj.Header.Kind != KindRollback || rj.Outcome != OutcomeComplete {
		t.Errorf("rollback journal: kind %s outcome %s", rj.Header.Kind, rj.Outcome)
	}
	l.assertRestored(t, len(irreversible) > 0)
}

func planSteps(p *Plan) string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, ",")
}

// An apply cancelled after n writes: the journal has exactly n begin/done
// pairs and nothing after them but the end line; the organisation has
// exactly those writes; the rollback undoes exactly those.
func TestApplyInterrupted(t *testing.T) {
	c := choicesFor(t, "whitepaper")
	for _, n := range []int{1, 20, 45, 50, 55} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			l := serveLive(t, "whitepaper")
			p := l.plan(t, l.before, "B,C,D,E,F", c)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var journal bytes.Buffer
			res, err := l.apply(ctx, p, l.before, &journal, func(ev Progress) {
				if ev.Phase == PhaseDone && ev.Index == n {
					cancel()
				}
			})
			var se *StoppedError
			if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
				t.Fatalf("apply: %v, want a stop by cancellation", err)
			}
			writes := p.Writes()
			var want []string
			for _, w := range writes[:n] {
				want = append(want, w.ID)
			}
			if !reflect.DeepEqual(res.Done, want) || len(res.NotReached) != len(writes)-n || res.Outcome != OutcomeStopped {
				t.Fatalf("result: done %d, not reached %d, outcome %s", len(res.Done), len(res.NotReached), res.Outcome)
			}
			j, err := ReadJournal(bytes.NewReader(journal.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			// Exactly: header, n begin/done pairs in order, end.
			if len(j.Lines) != 2*n+2 || j.Outcome != OutcomeStopped || j.Torn {
				t.Fatalf("journal: %d lines, outcome %q, torn %v; want %d lines", len(j.Lines), j.Outcome, j.Torn, 2*n+2)
			}
			for i := range n {
				b, d := j.Lines[1+2*i], j.Lines[2+2*i]
				if b.Phase != PhaseBegin || d.Phase != PhaseDone || b.ID != writes[i].ID || d.ID != writes[i].ID {
					t.Fatalf("journal lines %d-%d: %s %s / %s %s, want begin/done of %s", b.Seq, d.Seq, b.Phase, b.ID, d.Phase, d.ID, writes[i].ID)
				}
			}
			if got := ids(j.Done()); !reflect.DeepEqual(got, want) {
				t.Fatalf("journal done %v, want %v", got, want)
			}
			// The organisation has exactly those writes: each done
			// Set-CASMailbox's new values, and the first write not made
			// still has its old ones.
			after := l.collect(t)
			for i, w := range writes[:min(n+1, len(writes))] {
				if w.Operation != "Set-CASMailbox" || w.Params["PopEnabled"] == nil {
					continue
				}
				want := w.New["PopEnabled"]
				if i == n {
					want = w.Old["PopEnabled"]
				}
				m := mailbox(after, w.Params["Identity"].(string))
				if m == nil || m.PopEnabled != want {
					t.Errorf("after %d writes, mailbox %v PopEnabled is %v, want %v (write %s)", n, w.Params["Identity"], m != nil && m.PopEnabled, want, w.ID)
				}
			}
			rres, rerr, _ := l.rollback(t, journal.Bytes())
			if rerr != nil {
				t.Fatal(rerr)
			}
			var undone, irreversible []string
			for i := n - 1; i >= 0; i-- {
				if writes[i].Reversible {
					undone = append(undone, writes[i].ID)
				} else {
					irreversible = append(irreversible, writes[i].ID)
				}
			}
			if !reflect.DeepEqual(rres.Undone, undone) || len(rres.Irreversible) != len(irreversible) {
				t.Fatalf("rollback undid %v and skipped %d, want %v and %d", rres.Undone, len(rres.Irreversible), undone, len(irreversible))
			}
			l.assertRestored(t, len(irreversible) > 0)
		})
	}
}

func mailbox(s *tenant.Snapshot, identity string) *tenant.CASMailbox {
	for i := range s.Exchange.CASMailboxes {
		if strings.EqualFold(s.Exchange.CASMailboxes[i].Identity, identity) {
			return &s.Exchange.CASMailboxes[i]
		}
	}
	return nil
}

// Every built-in scenario, the documented choices and every step,
// checkpoints confirmed: simulate equals
// apply + re-collect, and the rollback restores the state (this covers the
// merge writes: contoso's Okta rule PUT and conditional access PATCH).
func TestApplyEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("applies three scenarios")
	}
	var steps []string
	for _, st := range Steps() {
		steps = append(steps, st.ID)
	}
	for _, name := range builtins {
		t.Run(name, func(t *testing.T) {
			l := serveLive(t, name)
			p, err := NewPlan(l.before, steps, choicesFor(t, name), l.srv.Now())
			if err != nil {
				t.Fatal(err)
			}
			var journal bytes.Buffer
			res, err := Apply(context.Background(), p, l.writer, NewJournalWriter(&journal, l.srv.Now), ApplyOptions{
				Before: l.before, Now: l.srv.Now, AllowLockoutRisk: true, Confirm: func(tenant.Write) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Done) == 0 {
				t.Fatal("nothing applied")
			}
			if diffs := Verify(p, l.before, l.collect(t), res); len(diffs) > 0 {
				var lines []string
				for _, d := range diffs {
					lines = append(lines, d.String())
				}
				sort.Strings(lines)
				t.Errorf("%d differences:\n  %s", len(diffs), strings.Join(head(lines, 20), "\n  "))
			}
			rres, err, _ := l.rollback(t, journal.Bytes())
			if err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if len(rres.Undone)+len(rres.Irreversible) != len(res.Done) {
				t.Errorf("rollback undid %d and skipped %d of %d writes", len(rres.Undone), len(rres.Irreversible), len(res.Done))
			}
			l.assertRestored(t, len(rres.Irreversible) > 0)
		})
	}
}

// Simulate equals apply + re-collect for plans other than the full one:
// every single step the planner accepts on its own, and a fixed sample of
// larger subsets, on every built-in scenario. (The properties that need
// no organisation, over every accepted subset, are in the plan tests.)
func TestApplySubsets(t *testing.T) {
	if testing.Short() {
		t.Skip("applies dozens of plans")
	}
	var ids []string
	for _, st := range Steps() {
		ids = append(ids, st.ID)
	}
	subsets := [][]string{}
	for _, id := range ids {
		subsets = append(subsets, []string{id})
	}
	// A fixed sample: every third step, the first half, the second half.
	var third, first, second []string
	for i, id := range ids {
		if i%3 == 0 {
			third = append(third, id)
		}
		if i < len(ids)/2 {
			first = append(first, id)
		} else {
			second = append(second, id)
		}
	}
	subsets = append(subsets, third, first, second)
	for _, name := range builtins {
		for _, sub := range subsets {
			t.Run(name+"/"+strings.Join(sub, ","), func(t *testing.T) {
				l := serveLive(t, name)
				p, err := NewPlan(l.before, sub, choicesFor(t, name), l.srv.Now())
				if err != nil {
					t.Skipf("the planner refuses this subset: %v", err)
				}
				if len(p.Writes()) == 0 {
					t.Skip("nothing to write")
				}
				res, err := Apply(context.Background(), p, l.writer, NewJournalWriter(io.Discard, l.srv.Now), ApplyOptions{
					Before: l.before, Now: l.srv.Now, AllowLockoutRisk: true, Confirm: func(tenant.Write) bool { return true }})
				if err != nil {
					t.Fatal(err)
				}
				if diffs := Verify(p, l.before, l.collect(t), res); len(diffs) > 0 {
					t.Errorf("apply + re-collect differs from simulate in %d places, first: %s", len(diffs), diffs[0])
				}
			})
		}
	}
}
