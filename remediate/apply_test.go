package remediate

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/tenant"
)

// fakeWriter records the writes it is given and answers from a script.
type fakeWriter struct {
	sent []tenant.Write
	vars []map[string]string
	// fail makes the write with this ID fail with the error.
	fail map[string]error
	// assign answers the write with this ID.
	assign map[string]map[string]string
}

func (f *fakeWriter) Do(ctx context.Context, w tenant.Write, vars map[string]string) (map[string]string, error) {
	if ctx.Err() != nil {
		return nil, errors.New("the writer got a cancelled context")
	}
	f.sent = append(f.sent, w)
	f.vars = append(f.vars, vars)
	if err := f.fail[w.ID]; err != nil {
		return nil, err
	}
	if a, ok := f.assign[w.ID]; ok {
		return a, nil
	}
	return map[string]string{"id": "real-" + w.ID}, nil
}

func (f *fakeWriter) sentIDs() []string {
	var out []string
	for _, w := range f.sent {
		out = append(out, w.ID)
	}
	return out
}

var t0 = time.Date(2019, 6, 1, 9, 0, 0, 0, time.UTC)

func clock() func() time.Time {
	t := t0
	return func() time.Time { t = t.Add(time.Second); return t }
}

// syntheticPlan: a reversible Exchange write, an Okta rule creation whose
// undo needs the id it is assigned, a write that refers to that id, and
// an irreversible revocation.
func syntheticPlan() *Plan {
	rule := []tenant.Ref{{Placeholder: "{ruleId}", Field: "id", Planned: "0prPLANNED"}}
	ws := []tenant.Write{
		{ID: "B-1", Step: "B", Service: tenant.ServiceExchange, Operation: "Set-OrganizationConfig", Target: "org",
			Params: map[string]any{"OAuth2ClientProfileEnabled": true}, Old: map[string]any{"OAuth2ClientProfileEnabled": false}, New: map[string]any{"OAuth2ClientProfileEnabled": true},
			Reversible: true, Undo: []tenant.Write{{ID: "B-1.undo", Step: "B", Service: tenant.ServiceExchange, Operation: "Set-OrganizationConfig", Params: map[string]any{"OAuth2ClientProfileEnabled": false}}}},
		{ID: "E-1", Step: "E", Service: tenant.ServiceOkta, Operation: "POST /api/v1/policies/{policyId}/rules", Path: "/api/v1/policies/rst1/rules", Target: "rule",
			Params: map[string]any{"name": "Deny"}, Reversible: true,
			Undo: []tenant.Write{{ID: "E-1.undo", Step: "E", Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/policies/{policyId}/rules/{ruleId}", Path: "/api/v1/policies/rst1/rules/{ruleId}", Refs: rule}}},
		{ID: "E-2", Step: "E", Service: tenant.ServiceOkta, Operation: "POST /api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/activate", Path: "/api/v1/policies/rst1/rules/{ruleId}/lifecycle/activate", Target: "rule",
			Refs: []tenant.Ref{{Placeholder: "{ruleId}", Write: "E-1", Field: "id", Planned: "0prPLANNED"}}, Reversible: true,
			Undo: []tenant.Write{{ID: "E-2.undo", Step: "E", Service: tenant.ServiceOkta, Operation: "POST deactivate", Path: "/api/v1/policies/rst1/rules/{ruleId}/lifecycle/deactivate",
				Refs: []tenant.Ref{{Placeholder: "{ruleId}", Write: "E-1", Field: "id"}}}}},
		{ID: "F-1", Step: "F", Service: tenant.ServiceExchange, Operation: "Set-User", Target: "user",
			Params: map[string]any{"Identity": "u", "StsRefreshTokensValidFrom": "planned"}, Stamp: []string{"StsRefreshTokensValidFrom"},
			New: map[string]any{"StsRefreshTokensValidFrom": "planned"}, Irreversible: "revoked for good"},
	}
	return &Plan{Now: t0, Steps: []PlannedStep{{ID: "B", Writes: ws[:1]}, {ID: "E", Writes: ws[1:3]}, {ID: "F", Writes: ws[3:]}}}
}

func emptySnapshot() *tenant.Snapshot {
	return &tenant.Snapshot{Tenant: tenant.Tenant{ID: "t-1", DisplayName: "Test"}}
}

func applyFake(t *testing.T, p *Plan, w *fakeWriter, opts ApplyOptions) (Result, error, *Journal, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if opts.Before == nil {
		opts.Before = emptySnapshot()
	}
	if opts.Now == nil {
		opts.Now = clock()
	}
	if opts.Settle == 0 {
		opts.Settle = -1
	}
	res, err := Apply(context.Background(), p, w, NewJournalWriter(&buf, opts.Now), opts)
	if buf.Len() == 0 {
		return res, err, nil, nil
	}
	j, jerr := ReadJournal(bytes.NewReader(buf.Bytes()))
	if jerr != nil {
		t.Fatalf("reading the journal: %v\n%s", jerr, buf.String())
	}
	return res, err, j, buf.Bytes()
}

func TestApplyFillsRefsAndStamps(t *testing.T) {
	w := &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "0prREAL", "status": "ACTIVE"}}}
	now := clock()
	res, err, j, _ := applyFake(t, syntheticPlan(), w, ApplyOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.sentIDs(); !reflect.DeepEqual(got, []string{"B-1", "E-1", "E-2", "F-1"}) {
		t.Fatalf("sent %v", got)
	}
	if w.sent[2].Path != "/api/v1/policies/rst1/rules/0prREAL/lifecycle/activate" || w.vars[2]["{ruleId}"] != "0prREAL" {
		t.Errorf("E-2 sent to %s with vars %v", w.sent[2].Path, w.vars[2])
	}
	stamped, _ := w.sent[3].Params["StsRefreshTokensValidFrom"].(string)
	if st, err := time.Parse(time.RFC3339, stamped); err != nil || !st.After(t0) || w.sent[3].New["StsRefreshTokensValidFrom"] != stamped {
		t.Errorf("F-1 stamp %q (new %v), want the writer's clock", stamped, w.sent[3].New["StsRefreshTokensValidFrom"])
	}
	if p := syntheticPlan(); p.Writes()[3].Params["StsRefreshTokensValidFrom"] != "planned" {
		t.Error("the plan's write changed")
	}
	if res.Outcome != OutcomeComplete || j.Outcome != OutcomeComplete || len(j.Done()) != 4 {
		t.Errorf("outcome %s / journal %s, %d done", res.Outcome, j.Outcome, len(j.Done()))
	}
	// The journal records the writes as sent, with their answers.
	if jw := j.Writes[2]; jw.Write.Path != w.sent[2].Path || jw.State != StateDone {
		t.Errorf("journal E-2: %+v", jw)
	}
	if j.Writes[1].Assigned["id"] != "0prREAL" {
		t.Errorf("journal E-1 assigned %v", j.Writes[1].Assigned)
	}
	if j.Header.Kind != KindApply || j.Header.Plan == nil || j.Header.Tenant.ID != "t-1" || len(j.Header.Plan.Writes()) != 4 {
		t.Errorf("header: %+v", j.Header)
	}
	if ids := res.IDs(syntheticPlan()); ids["0prPLANNED"] != "0prREAL" {
		t.Errorf("IDs %v", ids)
	}
}

func TestApplyStopsAtFailure(t *testing.T) {
	w := &fakeWriter{fail: map[string]error{"E-1": errors.New("E0000001 Api validation failed: name (Authorization: SSWS 00abcdefghijklmnopqrstuvwxyz)")}}
	res, err, j, raw := applyFake(t, syntheticPlan(), w, ApplyOptions{})
	var fe *FailedError
	if !errors.As(err, &fe) || len(fe.Failed) != 1 || fe.Failed[0].ID != "E-1" {
		t.Fatalf("err %v", err)
	}
	if got := w.sentIDs(); !reflect.DeepEqual(got, []string{"B-1", "E-1"}) {
		t.Errorf("sent %v: a failure must stop the plan", got)
	}
	if !reflect.DeepEqual(res.NotReached, []string{"E-2", "F-1"}) || res.Outcome != OutcomeFailed || j.Outcome != OutcomeFailed {
		t.Errorf("not reached %v, outcome %s/%s", res.NotReached, res.Outcome, j.Outcome)
	}
	if j.Writes[1].State != StateFailed || !strings.Contains(j.Writes[1].Error, "E0000001") {
		t.Errorf("journal E-1: %+v", j.Writes[1])
	}
	if bytes.Contains(raw, []byte("00abcdefghij")) || !bytes.Contains(raw, []byte("Authorization: [redacted]")) {
		t.Errorf("a credential reached the journal:\n%s", raw)
	}
}

func TestApplyContinueSkipsDependents(t *testing.T) {
	w := &fakeWriter{fail: map[string]error{"E-1": errors.New("refused")}}
	res, err, j, _ := applyFake(t, syntheticPlan(), w, ApplyOptions{ContinueOnError: true})
	var fe *FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err %v", err)
	}
	if got := w.sentIDs(); !reflect.DeepEqual(got, []string{"B-1", "E-1", "F-1"}) {
		t.Errorf("sent %v: E-2 needs E-1's id and must not be sent", got)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].ID != "E-2" || !strings.Contains(res.Skipped[0].Error, "E-1") {
		t.Errorf("skipped %+v", res.Skipped)
	}
	if j.Writes[2].State != StateSkipped || !reflect.DeepEqual(res.Done, []string{"B-1", "F-1"}) {
		t.Errorf("journal %+v, done %v", j.Writes[2], res.Done)
	}
}

func TestApplyRefusesBeforeAnyWrite(t *testing.T) {
	// A checkpoint nobody can confirm.
	p := syntheticPlan()
	p.Steps[1].Writes[0].Checkpoint = "look at the report-only results"
	w := &fakeWriter{}
	res, err, j, _ := applyFake(t, p, w, ApplyOptions{})
	var re *RefusedError
	if !errors.As(err, &re) || len(re.Problems) != 1 || res.Outcome != OutcomeRefused {
		t.Fatalf("err %v", err)
	}
	if len(w.sent) != 0 || j != nil {
		t.Errorf("refused, yet sent %v or journalled", w.sentIDs())
	}
	// A confirmation that says no stops there.
	w = &fakeWriter{}
	asked := 0
	res, err, j, _ = applyFake(t, p, w, ApplyOptions{Confirm: func(tenant.Write) bool { asked++; return false }})
	var se *StoppedError
	if !errors.As(err, &se) || asked != 1 || !reflect.DeepEqual(w.sentIDs(), []string{"B-1"}) || j.Outcome != OutcomeStopped {
		t.Errorf("err %v, asked %d, sent %v", err, asked, w.sentIDs())
	}
	// And one that says yes goes on.
	w = &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "x"}}}
	if _, err, _, _ = applyFake(t, p, w, ApplyOptions{Confirm: func(tenant.Write) bool { return true }}); err != nil || len(w.sent) != 4 {
		t.Errorf("confirmed: %v, sent %v", err, w.sentIDs())
	}
}

func TestApplyRefusesLockoutRisk(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	// The guard's own tests cover its rules; here: an operator whose
	// domain A federates without an Okta account for them.
	c.Operator = "koen.maes@mijndomein.be"
	p := mustPlan(t, s, []string{"all"}, c)
	risks := Guard(p, s, c)
	if len(risks) == 0 {
		t.Fatal("no lockout risk in this plan")
	}
	w := &fakeWriter{}
	_, err, j, _ := applyFake(t, p, w, ApplyOptions{Before: s})
	var re *RefusedError
	if !errors.As(err, &re) || len(re.Risks) != len(risks) || len(w.sent) != 0 || j != nil {
		t.Fatalf("err %v, sent %d", err, len(w.sent))
	}
	if _, err, _, _ = applyFake(t, p, w, ApplyOptions{Before: s, AllowLockoutRisk: true, Confirm: func(tenant.Write) bool { return true }}); err != nil || len(w.sent) != len(p.Writes()) {
		t.Errorf("allowed: %v, sent %d of %d", err, len(w.sent), len(p.Writes()))
	}
}

func TestApplyCancelBetweenWrites(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "x"}}}
	var buf bytes.Buffer
	res, err := Apply(ctx, syntheticPlan(), w, NewJournalWriter(&buf, clock()), ApplyOptions{Before: emptySnapshot(), Settle: -1,
		Progress: func(p Progress) {
			if p.Phase == PhaseBegin && p.Write.ID == "E-1" {
				cancel() // while E-1 is in flight: it is seen through
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if !reflect.DeepEqual(w.sentIDs(), []string{"B-1", "E-1"}) || !reflect.DeepEqual(res.Done, []string{"B-1", "E-1"}) {
		t.Errorf("sent %v, done %v", w.sentIDs(), res.Done)
	}
	j, err := ReadJournal(&buf)
	if err != nil || len(j.Done()) != 2 || len(j.InDoubt()) != 0 || j.Outcome != OutcomeStopped {
		t.Errorf("journal: %v, %d done, outcome %s", err, len(j.Done()), j.Outcome)
	}
}

func TestApplySettlesBeforeRevocations(t *testing.T) {
	var times []time.Time
	w := &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "x"}}}
	_, err, _, _ := applyFake(t, syntheticPlan(), w, ApplyOptions{Settle: 50 * time.Millisecond, Progress: func(p Progress) {
		if p.Phase == PhaseBegin {
			times = append(times, time.Now())
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if d := times[3].Sub(times[2]); d < 50*time.Millisecond {
		t.Errorf("the revocation followed the previous write after %s, want at least the settle time", d)
	}
	if d := times[2].Sub(times[1]); d >= 50*time.Millisecond {
		t.Errorf("reversible writes waited %s", d)
	}
}

func TestRollbackFake(t *testing.T) {
	w := &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "0prREAL"}}}
	_, err, j, _ := applyFake(t, syntheticPlan(), w, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rw := &fakeWriter{}
	var buf bytes.Buffer
	res, err := Rollback(context.Background(), j, rw, NewJournalWriter(&buf, clock()), RollbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rw.sentIDs(); !reflect.DeepEqual(got, []string{"E-2.undo", "E-1.undo", "B-1.undo"}) {
		t.Errorf("undo writes %v, want newest first", got)
	}
	if rw.sent[0].Path != "/api/v1/policies/rst1/rules/0prREAL/lifecycle/deactivate" || rw.sent[1].Path != "/api/v1/policies/rst1/rules/0prREAL" {
		t.Errorf("undo paths %s, %s", rw.sent[0].Path, rw.sent[1].Path)
	}
	if !reflect.DeepEqual(res.Undone, []string{"E-2", "E-1", "B-1"}) || len(res.Irreversible) != 1 || res.Irreversible[0].ID != "F-1" || res.Irreversible[0].Error != "revoked for good" {
		t.Errorf("result %+v", res)
	}
	rj, err := ReadJournal(&buf)
	if err != nil || rj.Header.Kind != KindRollback || len(rj.Done()) != 3 || rj.Writes[0].Write.ID != "F-1.undo" || rj.Writes[0].State != StateSkipped {
		t.Errorf("rollback journal: %v %+v", err, rj)
	}
	// A rollback journal cannot itself be rolled back.
	if _, err := Rollback(context.Background(), rj, rw, NewJournalWriter(&bytes.Buffer{}, nil), RollbackOptions{}); err == nil {
		t.Error("rolled back a rollback journal")
	}
}

func TestRollbackReportsWhatItCouldNotUndo(t *testing.T) {
	w := &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "0prREAL"}}}
	_, _, j, _ := applyFake(t, syntheticPlan(), w, ApplyOptions{})
	rw := &fakeWriter{fail: map[string]error{"E-1.undo": errors.New("E0000007 Not found")}}
	res, err := Rollback(context.Background(), j, rw, NewJournalWriter(&bytes.Buffer{}, nil), RollbackOptions{})
	var re *RollbackError
	if !errors.As(err, &re) || len(re.Failed) != 1 || re.Failed[0].ID != "E-1" {
		t.Fatalf("err %v", err)
	}
	if !reflect.DeepEqual(res.Undone, []string{"E-2", "B-1"}) || res.Outcome != OutcomeFailed {
		t.Errorf("undone %v outcome %s: the others are still undone", res.Undone, res.Outcome)
	}
}

// A write in doubt (begun, no answer: the process was killed) is undone
// blind when its undo needs no id, and listed when it does.
func TestRollbackInDoubt(t *testing.T) {
	w := &fakeWriter{assign: map[string]map[string]string{"E-1": {"id": "0prREAL"}}}
	_, _, _, raw := applyFake(t, syntheticPlan(), w, ApplyOptions{})
	lines := bytes.SplitAfter(raw, []byte("\n"))
	// header, B-1 begin, B-1 done, E-1 begin, [E-1 done cut]
	cut := bytes.Join(lines[:4], nil)
	j, err := ReadJournal(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(j.InDoubt()); !reflect.DeepEqual(got, []string{"E-1"}) || j.Outcome != "" {
		t.Fatalf("in doubt %v", got)
	}
	rw := &fakeWriter{}
	res, err := Rollback(context.Background(), j, rw, NewJournalWriter(&bytes.Buffer{}, nil), RollbackOptions{})
	var re *RollbackError
	if !errors.As(err, &re) || len(re.InDoubt) != 1 || re.InDoubt[0].ID != "E-1" || !reflect.DeepEqual(res.Undone, []string{"B-1"}) {
		t.Fatalf("err %v, result %+v", err, res)
	}
	// F-1 in doubt: irreversible either way, so listed and skipped.
	cut = bytes.Join(lines[:8], nil)
	j, _ = ReadJournal(bytes.NewReader(cut))
	if got := ids(j.InDoubt()); !reflect.DeepEqual(got, []string{"F-1"}) {
		t.Fatalf("in doubt %v", got)
	}
	res, err = Rollback(context.Background(), j, &fakeWriter{}, NewJournalWriter(&bytes.Buffer{}, nil), RollbackOptions{})
	if err != nil || len(res.Irreversible) != 1 || !strings.Contains(res.Irreversible[0].Error, "in doubt") || len(res.Undone) != 3 {
		t.Errorf("err %v, result %+v", err, res)
	}
	// B-1 in doubt: its undo needs no id, so it is made.
	cut = bytes.Join(lines[:2], nil)
	j, _ = ReadJournal(bytes.NewReader(cut))
	rw = &fakeWriter{}
	res, err = Rollback(context.Background(), j, rw, NewJournalWriter(&bytes.Buffer{}, nil), RollbackOptions{})
	if err != nil || !reflect.DeepEqual(res.Restored, []string{"B-1"}) || !reflect.DeepEqual(rw.sentIDs(), []string{"B-1.undo"}) {
		t.Errorf("err %v, result %+v, sent %v", err, res, rw.sentIDs())
	}
}

func TestBind(t *testing.T) {
	w := tenant.Write{Path: "/x/{a}/y", Params: map[string]any{"id": "{a}", "n": map[string]any{"l": []any{"{a}", 1}}}, Stamp: []string{"T"},
		New: map[string]any{"T": "old", "k": "v"}}
	b := Bind(w, map[string]string{"{a}": "A"}, t0)
	if b.Path != "/x/A/y" || b.Params["id"] != "A" || b.Params["n"].(map[string]any)["l"].([]any)[0] != "A" || b.Params["T"] != "2019-06-01T09:00:00Z" || b.New["T"] != "2019-06-01T09:00:00Z" || b.New["k"] != "v" {
		t.Errorf("bound %+v", b)
	}
	if w.Params["id"] != "{a}" || w.New["T"] != "old" || w.Params["T"] != nil {
		t.Errorf("Bind changed its input: %+v", w)
	}
}

// writerErr is a writer's error as the clients give it: in doubt (the
// answer was lost) or not found.
type writerErr struct {
	msg               string
	doubt, notPresent bool
}

func (e *writerErr) Error() string       { return e.msg }
func (e *writerErr) WriteInDoubt() bool  { return e.doubt }
func (e *writerErr) WriteNotFound() bool { return e.notPresent }

// A write whose answer was lost stays in doubt in the journal (not
// "failed", which would say it was not made), and the plan stops there.
// Rolling back undoes it blind where its undo needs no id; an undo that
// finds nothing to undo means the write was never made, which is no
// failure.
func TestApplyWriteInDoubt(t *testing.T) {
	w := &fakeWriter{fail: map[string]error{"B-1": &writerErr{msg: "connection reset: the write is in doubt", doubt: true}}}
	res, err, j, raw := applyFake(t, syntheticPlan(), w, ApplyOptions{})
	var fe *FailedError
	if !errors.As(err, &fe) || !reflect.DeepEqual(res.InDoubt, []string{"B-1"}) {
		t.Fatalf("err %v, in doubt %v", err, res.InDoubt)
	}
	if !bytes.Contains(raw, []byte(`"phase":"in-doubt"`)) {
		t.Errorf("the journal has no in-doubt line:\n%s", raw)
	}
	if len(j.InDoubt()) != 1 || j.InDoubt()[0].Write.ID != "B-1" || !strings.Contains(j.InDoubt()[0].Error, "reset") || len(j.Done()) != 0 {
		t.Fatalf("journal: in doubt %+v, done %d", j.InDoubt(), len(j.Done()))
	}
	if !reflect.DeepEqual(w.sentIDs(), []string{"B-1"}) {
		t.Errorf("sent %v after a write in doubt", w.sentIDs())
	}

	// The undo finds nothing to undo: the write was never made.
	rw := &fakeWriter{fail: map[string]error{"B-1.undo": &writerErr{msg: "The operation couldn't be performed because object 'org' couldn't be found", notPresent: true}}}
	var rb bytes.Buffer
	rres, rerr := Rollback(context.Background(), j, rw, NewJournalWriter(&rb, func() time.Time { return t0 }), RollbackOptions{})
	if rerr != nil || !reflect.DeepEqual(rres.Restored, []string{"B-1"}) {
		t.Fatalf("rollback: %v, restored %v, in doubt %v, failed %v", rerr, rres.Restored, rres.InDoubt, rres.Failed)
	}
	// A not-found on the undo of a write that was made is a failure.
	done := &fakeWriter{}
	_, _, j2, _ := applyFake(t, &Plan{Now: t0, Steps: syntheticPlan().Steps[:1]}, done, ApplyOptions{})
	rb.Reset()
	if _, err := Rollback(context.Background(), j2, rw, NewJournalWriter(&rb, func() time.Time { return t0 }), RollbackOptions{}); err == nil {
		t.Error("the undo of a write that was made found nothing, and rollback called it done")
	}
}
