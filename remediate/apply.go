package remediate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// Writer carries out one write against an organisation. The write comes
// with its placeholders filled (from vars, the values earlier writes were
// assigned) and its Stamp params set; the writer reads what Resolve lists
// just before sending it. It returns the string properties of the
// service's answer ("id" of a new object, ...). clients/write.Writer is
// the real one.
type Writer interface {
	Do(ctx context.Context, w tenant.Write, vars map[string]string) (assigned map[string]string, err error)
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Before is the snapshot the plan was made for: the lockout guard
	// judges the plan on it. Required.
	Before *tenant.Snapshot
	// AllowLockoutRisk lets a plan the lockout guard objects to run
	// (--allow-lockout-risk).
	AllowLockoutRisk bool
	// Confirm is asked before each write that has a Checkpoint; false
	// stops the apply there. nil refuses a plan with checkpoints before
	// any write.
	Confirm func(w tenant.Write) bool
	// ContinueOnError makes the writes after a failed one (except those
	// that need its result) instead of stopping.
	ContinueOnError bool
	// Now is the clock of the journal and of Stamp params (nil: time.Now).
	Now func() time.Time
	// Settle is the pause before a run of irreversible writes (step F's
	// revocations): the services record change times to the second, and
	// a revocation must fall in a later second than the changes it makes
	// bite (TOKENS-REVOKED compares "later than"). 0: one second; < 0:
	// none.
	Settle time.Duration
	// Progress, when set, hears about every write as it begins and ends.
	Progress func(Progress)
	// Tool and Target go into the journal's header.
	Tool   Tool
	Target string
}

// Progress is one event of an apply or a rollback.
type Progress struct {
	Phase string // begin, done, failed, skipped
	Write tenant.Write
	// Index counts the writes from 1; Total is how many there are.
	Index, Total int
	Assigned     map[string]string
	Error        string
}

// WriteError is a write that was not made.
type WriteError struct {
	ID     string `json:"id"`
	Target string `json:"target"`
	Error  string `json:"error"`
}

// Result says what an apply did.
type Result struct {
	Outcome string    `json:"outcome"`
	Started time.Time `json:"started"`
	// Done are the IDs of the writes made, in order.
	Done []string `json:"done"`
	// Failed are the writes the service refused, or that are in doubt;
	// Skipped those not sent because a write they need failed.
	Failed []WriteError `json:"failed,omitempty"`
	// InDoubt are the IDs of the Failed writes that may have been made all
	// the same (the connection dropped after sending them).
	InDoubt []string     `json:"inDoubt,omitempty"`
	Skipped []WriteError `json:"skipped,omitempty"`
	// NotReached are the writes after the apply stopped.
	NotReached []string `json:"notReached,omitempty"`
	// Assigned are the done writes' answers, by write ID.
	Assigned map[string]map[string]string `json:"assigned,omitempty"`
}

// IDs maps every id the simulation planned for an object the apply
// created (Ref.Planned) to the id the service assigned, so that the
// simulated snapshot can be compared with the re-collected one.
func (r Result) IDs(p *Plan) map[string]string {
	out := map[string]string{}
	for _, w := range p.Writes() {
		refs := append([]tenant.Ref(nil), w.Refs...)
		for _, u := range w.Undo {
			for _, ref := range u.Refs {
				if ref.Write == "" {
					ref.Write = w.ID
				}
				refs = append(refs, ref)
			}
		}
		for _, ref := range refs {
			if v := r.Assigned[ref.Write][ref.Field]; v != "" && ref.Planned != "" {
				out[ref.Planned] = v
			}
		}
	}
	return out
}

// RefusedError is a plan refused before any write: the lockout guard's
// risks, or problems such as checkpoints nobody can confirm.
type RefusedError struct {
	Risks    []Risk
	Problems []Problem
}

func (e *RefusedError) Error() string {
	var parts []string
	for _, r := range e.Risks {
		parts = append(parts, "lockout risk: "+r.String())
	}
	for _, p := range e.Problems {
		parts = append(parts, strings.TrimPrefix(p.Step+": ", ": ")+p.Reason)
	}
	return "plan refused before any write: " + strings.Join(parts, "; ")
}

// FailedError is an apply that stopped at a failed write (or finished
// with failures, continuing).
type FailedError struct {
	Failed  []WriteError
	Skipped []WriteError
}

func (e *FailedError) Error() string {
	var parts []string
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s (%s): %s", f.ID, f.Target, f.Error))
	}
	for _, f := range e.Skipped {
		parts = append(parts, fmt.Sprintf("%s (%s) not sent: %s", f.ID, f.Target, f.Error))
	}
	return "write failed: " + strings.Join(parts, "; ")
}

// StoppedError is an apply stopped between writes: cancelled, or a
// checkpoint not confirmed.
type StoppedError struct {
	Reason string
	Err    error
}

func (e *StoppedError) Error() string { return "stopped between writes: " + e.Reason }
func (e *StoppedError) Unwrap() error { return e.Err }

// Apply makes the plan's writes, in order, through w, journalling each
// before it is sent and after the service answered (j). It refuses (a
// *RefusedError, nothing journalled) a plan the lockout guard objects to,
// unless AllowLockoutRisk, and a plan with checkpoints when nobody can
// confirm them.
//
// A failed write stops the plan there (*FailedError), unless
// ContinueOnError; a write whose placeholder comes from a write that was
// not made is skipped. Cancelling ctx stops between writes (*StoppedError
// wrapping ctx's error): a write once sent is seen through to its answer
// (the clients' own timeouts bound it), so that the journal says exactly
// which writes were made.
func Apply(ctx context.Context, p *Plan, w Writer, j *JournalWriter, opts ApplyOptions) (Result, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	res := Result{Started: now().UTC(), Assigned: map[string]map[string]string{}, Done: []string{}}
	if p == nil || w == nil || j == nil {
		return res, errors.New("apply: a plan, a writer and a journal are needed")
	}
	if opts.Before == nil {
		return res, errors.New("apply: the snapshot the plan was made for is needed (the lockout guard judges it)")
	}
	writes := p.Writes()
	refused := &RefusedError{}
	if risks := Guard(p, opts.Before, p.Choices); len(risks) > 0 && !opts.AllowLockoutRisk {
		refused.Risks = risks
	}
	if opts.Confirm == nil {
		for _, wr := range writes {
			if wr.Checkpoint != "" {
				refused.Problems = append(refused.Problems, Problem{Step: wr.Step,
					Reason: fmt.Sprintf("write %s needs a person to confirm first (%s), and nobody can be asked", wr.ID, wr.Checkpoint)})
			}
		}
	}
	if len(refused.Risks)+len(refused.Problems) > 0 {
		res.Outcome = OutcomeRefused
		return res, refused
	}

	hdr := JournalHeader{Format: JournalFormat, Version: JournalVersion, Kind: KindApply, Tool: opts.Tool,
		Tenant: opts.Before.Tenant, Target: opts.Target, Started: res.Started, Plan: p}
	if err := j.Append(Line{Phase: PhaseHeader, Header: &hdr}); err != nil {
		return res, err
	}
	end := func(outcome, note string) error {
		res.Outcome = outcome
		return j.Append(Line{Phase: PhaseEnd, Outcome: outcome, Note: note})
	}
	var prev *tenant.Write
	for i, wr := range writes {
		stop := func(reason string, err error) (Result, error) {
			for _, rest := range writes[i:] {
				res.NotReached = append(res.NotReached, rest.ID)
			}
			if jerr := end(OutcomeStopped, reason); jerr != nil {
				return res, jerr
			}
			return res, &StoppedError{Reason: reason, Err: err}
		}
		if err := ctx.Err(); err != nil {
			return stop(fmt.Sprintf("cancelled before %s (%v)", wr.ID, err), err)
		}
		// A write needing an id from a write that was not made is not sent.
		if missing := missingRefs(wr.Refs, "", res.Assigned); len(missing) > 0 {
			why := fmt.Sprintf("needs the result of %s, which was not made", strings.Join(missing, ", "))
			res.Skipped = append(res.Skipped, WriteError{ID: wr.ID, Target: wr.Target, Error: why})
			if err := j.Append(Line{Phase: PhaseSkipped, ID: wr.ID, Step: wr.Step, Note: why}); err != nil {
				return res, err
			}
			report(opts.Progress, Progress{Phase: PhaseSkipped, Write: wr, Index: i + 1, Total: len(writes), Error: why})
			if !opts.ContinueOnError {
				return finishFailed(&res, writes[i+1:], end)
			}
			continue
		}
		if wr.Checkpoint != "" && !opts.Confirm(wr) {
			return stop(fmt.Sprintf("checkpoint before %s not confirmed: %s", wr.ID, wr.Checkpoint), nil)
		}
		if settle := settleTime(opts.Settle); settle > 0 && prev != nil && wr.Irreversible != "" &&
			(prev.Irreversible == "" || prev.Operation != wr.Operation) {
			t := time.NewTimer(settle)
			select {
			case <-ctx.Done():
				t.Stop()
				return stop(fmt.Sprintf("cancelled before %s (%v)", wr.ID, ctx.Err()), ctx.Err())
			case <-t.C:
			}
		}
		vars := refVars(wr.Refs, "", res.Assigned)
		bound := Bind(wr, vars, now())
		if err := j.Append(Line{Phase: PhaseBegin, ID: wr.ID, Step: wr.Step, Write: &bound}); err != nil {
			return res, err
		}
		report(opts.Progress, Progress{Phase: PhaseBegin, Write: bound, Index: i + 1, Total: len(writes)})
		assigned, err := w.Do(context.WithoutCancel(ctx), bound, vars)
		if err != nil {
			msg := scrub(err.Error())
			phase := PhaseFailed
			if inDoubt(err) {
				// It may have been made: the journal keeps it in doubt (its
				// begin line without an answer), so that rollback undoes it
				// where it can.
				phase = PhaseInDoubt
				res.InDoubt = append(res.InDoubt, wr.ID)
			}
			if jerr := j.Append(Line{Phase: phase, ID: wr.ID, Step: wr.Step, Error: msg}); jerr != nil {
				return res, jerr
			}
			res.Failed = append(res.Failed, WriteError{ID: wr.ID, Target: wr.Target, Error: msg})
			report(opts.Progress, Progress{Phase: PhaseFailed, Write: bound, Index: i + 1, Total: len(writes), Error: msg})
			if !opts.ContinueOnError {
				return finishFailed(&res, writes[i+1:], end)
			}
			continue
		}
		if assigned == nil {
			assigned = map[string]string{}
		}
		if err := j.Append(Line{Phase: PhaseDone, ID: wr.ID, Step: wr.Step, Assigned: assigned}); err != nil {
			return res, err
		}
		res.Done = append(res.Done, wr.ID)
		res.Assigned[wr.ID] = assigned
		report(opts.Progress, Progress{Phase: PhaseDone, Write: bound, Index: i + 1, Total: len(writes), Assigned: assigned})
		prev = &writes[i]
	}
	if len(res.Failed)+len(res.Skipped) > 0 {
		if err := end(OutcomeFailed, fmt.Sprintf("%d of %d writes made; %d failed, %d not sent", len(res.Done), len(writes), len(res.Failed), len(res.Skipped))); err != nil {
			return res, err
		}
		return res, &FailedError{Failed: res.Failed, Skipped: res.Skipped}
	}
	if err := end(OutcomeComplete, fmt.Sprintf("%d writes made", len(res.Done))); err != nil {
		return res, err
	}
	return res, nil
}

func finishFailed(res *Result, rest []tenant.Write, end func(string, string) error) (Result, error) {
	for _, w := range rest {
		res.NotReached = append(res.NotReached, w.ID)
	}
	note := fmt.Sprintf("stopped at the first failure; %d writes made, %d not reached", len(res.Done), len(res.NotReached))
	if err := end(OutcomeFailed, note); err != nil {
		return *res, err
	}
	return *res, &FailedError{Failed: res.Failed, Skipped: res.Skipped}
}

func settleTime(d time.Duration) time.Duration {
	if d == 0 {
		return time.Second
	}
	return d
}

func report(f func(Progress), p Progress) {
	if f != nil {
		f(p)
	}
}

// refVars are the values of refs' placeholders, from the answers of the
// writes they name (self for a Ref with an empty Write).
func refVars(refs []tenant.Ref, self string, assigned map[string]map[string]string) map[string]string {
	vars := map[string]string{}
	for _, r := range refs {
		src := r.Write
		if src == "" {
			src = self
		}
		if v, ok := assigned[src][r.Field]; ok && v != "" {
			vars[r.Placeholder] = v
		}
	}
	return vars
}

// missingRefs lists the writes whose answers refs need and do not have.
func missingRefs(refs []tenant.Ref, self string, assigned map[string]map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range refs {
		src := r.Write
		if src == "" {
			src = self
		}
		if v := assigned[src][r.Field]; v == "" && !seen[src] {
			seen[src] = true
			out = append(out, src)
		}
	}
	sort.Strings(out)
	return out
}

// Bind returns the write as it is sent: placeholders in Path and in
// Params' strings replaced by vars, and every Stamp param (and its New
// value) set to now, in the plan's format (RFC 3339, UTC). w is not
// changed; its Undo is kept as planned (a rollback binds it).
func Bind(w tenant.Write, vars map[string]string, now time.Time) tenant.Write {
	out := w
	out.Path = replaceVars(w.Path, vars)
	if w.Params != nil {
		out.Params = bindValue(w.Params, vars).(map[string]any)
	}
	if len(w.Stamp) > 0 {
		if out.Params == nil {
			out.Params = map[string]any{}
		}
		out.New = bindValue(w.New, nil).(map[string]any)
		for _, k := range w.Stamp {
			out.Params[k] = stamp(now)
			if _, ok := out.New[k]; ok {
				out.New[k] = stamp(now)
			}
		}
	}
	return out
}

func replaceVars(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// bindValue deep-copies a JSON value with vars replaced in its strings.
func bindValue(v any, vars map[string]string) any {
	switch x := v.(type) {
	case string:
		return replaceVars(x, vars)
	case map[string]any:
		if x == nil {
			return map[string]any{}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = bindValue(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = bindValue(e, vars)
		}
		return out
	}
	return v
}

// inDoubt reports whether a writer's error says the write may have been
// made all the same (the writers' errors implement WriteInDoubt).
func inDoubt(err error) bool {
	var d interface{ WriteInDoubt() bool }
	return errors.As(err, &d) && d.WriteInDoubt()
}

// notFound reports whether a writer's error says the object does not
// exist.
func notFound(err error) bool {
	var d interface{ WriteNotFound() bool }
	return errors.As(err, &d) && d.WriteNotFound()
}
