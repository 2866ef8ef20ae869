package remediate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// RollbackOptions tune Rollback.
type RollbackOptions struct {
	// Now is the journal's clock (nil: time.Now).
	Now func() time.Time
	// Progress, when set, hears about every undo write.
	Progress func(Progress)
	// Tool and Target go into the rollback journal's header; File names
	// the apply journal being undone.
	Tool   Tool
	Target string
	File   string
}

// RollbackResult says what a rollback did. Write IDs are the apply
// journal's.
type RollbackResult struct {
	Outcome string `json:"outcome"`
	// Undone are the writes whose undo was made, newest first.
	Undone []string `json:"undone"`
	// Irreversible are done writes that cannot be undone (skipped, with
	// the reason).
	Irreversible []WriteError `json:"irreversible,omitempty"`
	// Failed are reversible writes whose undo the service refused.
	Failed []WriteError `json:"failed,omitempty"`
	// Restored are writes in doubt (sent, no answer recorded) whose undo
	// needs no id, so was made anyway: it sets the old values back
	// whether or not the write had been made.
	Restored []string `json:"restored,omitempty"`
	// InDoubt are writes in doubt that could not be undone blind (their
	// undo needs the id the write would have been assigned).
	InDoubt []WriteError `json:"inDoubt,omitempty"`
	// NotReached are writes not undone because the rollback stopped.
	NotReached []string `json:"notReached,omitempty"`
}

// RollbackError is a rollback that left reversible writes in place.
type RollbackError struct {
	Failed     []WriteError
	InDoubt    []WriteError
	NotReached []string
}

func (e *RollbackError) Error() string {
	var parts []string
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s (%s): %s", f.ID, f.Target, f.Error))
	}
	for _, f := range e.InDoubt {
		parts = append(parts, fmt.Sprintf("%s (%s) in doubt: %s", f.ID, f.Target, f.Error))
	}
	if len(e.NotReached) > 0 {
		parts = append(parts, "not reached: "+strings.Join(e.NotReached, ", "))
	}
	return "could not undo: " + strings.Join(parts, "; ")
}

// Rollback undoes what an apply journal says was done, newest first: for
// each done write that is reversible it makes the write's Undo (its
// placeholders filled from the ids the apply journal recorded); each
// irreversible write (step F's revocations) is skipped and listed with
// the reason. A write in doubt is undone when its undo needs no id
// (setting old values back is safe either way), else listed. The undo
// writes are journalled in jw exactly as Apply journals writes.
//
// The error is nil when every reversible write was undone; a
// *RollbackError lists the ones that were not. Cancelling ctx stops
// between writes.
func Rollback(ctx context.Context, j *Journal, w Writer, jw *JournalWriter, opts RollbackOptions) (RollbackResult, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	res := RollbackResult{Undone: []string{}}
	if j == nil || w == nil || jw == nil {
		return res, errors.New("rollback: a journal, a writer and a rollback journal are needed")
	}
	if j.Header.Kind != KindApply {
		return res, fmt.Errorf("rollback: this is a %s journal; only an apply journal can be rolled back", j.Header.Kind)
	}
	hdr := JournalHeader{Format: JournalFormat, Version: JournalVersion, Kind: KindRollback, Tool: opts.Tool,
		Tenant: j.Header.Tenant, Target: opts.Target, Started: now().UTC(), RollbackOf: &JournalRef{File: opts.File, Started: j.Header.Started}}
	if err := jw.Append(Line{Phase: PhaseHeader, Header: &hdr}); err != nil {
		return res, err
	}
	assigned := j.Assigned()
	var todo []JournalWrite
	for i := len(j.Writes) - 1; i >= 0; i-- {
		if s := j.Writes[i].State; s == StateDone || s == StateInDoubt {
			todo = append(todo, j.Writes[i])
		}
	}
	total := 0
	for _, jwr := range todo {
		total += len(jwr.Write.Undo)
	}
	index := 0
	for k, jwr := range todo {
		wr := jwr.Write
		if err := ctx.Err(); err != nil {
			for _, rest := range todo[k:] {
				if rest.Write.Reversible {
					res.NotReached = append(res.NotReached, rest.Write.ID)
				}
			}
			res.Outcome = OutcomeStopped
			if jerr := jw.Append(Line{Phase: PhaseEnd, Outcome: OutcomeStopped, Note: fmt.Sprintf("cancelled before undoing %s (%v)", wr.ID, err)}); jerr != nil {
				return res, jerr
			}
			return res, &StoppedError{Reason: "cancelled before undoing " + wr.ID, Err: err}
		}
		if !wr.Reversible || len(wr.Undo) == 0 {
			why := wr.Irreversible
			if why == "" {
				why = "the write has no undo"
			}
			if jwr.State == StateInDoubt {
				why = "in doubt (sent, no answer recorded), and irreversible anyway: " + why
			}
			res.Irreversible = append(res.Irreversible, WriteError{ID: wr.ID, Target: wr.Target, Error: why})
			if err := jw.Append(Line{Phase: PhaseSkipped, ID: wr.ID + ".undo", Step: wr.Step, Of: wr.ID, Note: "irreversible: " + why}); err != nil {
				return res, err
			}
			continue
		}
		if jwr.State == StateInDoubt {
			if missing := undoMissing(wr, assigned); len(missing) > 0 {
				why := "sent without a recorded answer; its undo needs the id it would have been assigned: check " + wr.Target + " by hand"
				res.InDoubt = append(res.InDoubt, WriteError{ID: wr.ID, Target: wr.Target, Error: why})
				if err := jw.Append(Line{Phase: PhaseSkipped, ID: wr.ID + ".undo", Step: wr.Step, Of: wr.ID, Note: "in doubt: " + why}); err != nil {
					return res, err
				}
				continue
			}
		}
		ok := true
		for _, u := range wr.Undo {
			index++
			if u.ID == "" {
				u.ID = wr.ID + ".undo"
			}
			if u.Step == "" {
				u.Step = wr.Step
			}
			if missing := missingRefs(u.Refs, wr.ID, assigned); len(missing) > 0 {
				why := fmt.Sprintf("needs the result of %s, which the journal does not have", strings.Join(missing, ", "))
				res.Failed = append(res.Failed, WriteError{ID: wr.ID, Target: wr.Target, Error: why})
				if err := jw.Append(Line{Phase: PhaseSkipped, ID: u.ID, Step: u.Step, Of: wr.ID, Note: why}); err != nil {
					return res, err
				}
				ok = false
				break
			}
			vars := refVars(u.Refs, wr.ID, assigned)
			bound := Bind(u, vars, now())
			if err := jw.Append(Line{Phase: PhaseBegin, ID: u.ID, Step: u.Step, Of: wr.ID, Write: &bound}); err != nil {
				return res, err
			}
			report(opts.Progress, Progress{Phase: PhaseBegin, Write: bound, Index: index, Total: total})
			got, err := w.Do(context.WithoutCancel(ctx), bound, vars)
			if err != nil && jwr.State == StateInDoubt && notFound(err) {
				// The write in doubt was never made: there is nothing to undo.
				note := "not found: the write in doubt was never made, so there is nothing to undo"
				if jerr := jw.Append(Line{Phase: PhaseDone, ID: u.ID, Step: u.Step, Of: wr.ID, Assigned: map[string]string{}, Note: note}); jerr != nil {
					return res, jerr
				}
				report(opts.Progress, Progress{Phase: PhaseDone, Write: bound, Index: index, Total: total, Error: note})
				continue
			}
			if err != nil {
				msg := scrub(err.Error())
				if jerr := jw.Append(Line{Phase: PhaseFailed, ID: u.ID, Step: u.Step, Of: wr.ID, Error: msg}); jerr != nil {
					return res, jerr
				}
				report(opts.Progress, Progress{Phase: PhaseFailed, Write: bound, Index: index, Total: total, Error: msg})
				res.Failed = append(res.Failed, WriteError{ID: wr.ID, Target: wr.Target, Error: msg})
				ok = false
				break
			}
			if got == nil {
				got = map[string]string{}
			}
			if err := jw.Append(Line{Phase: PhaseDone, ID: u.ID, Step: u.Step, Of: wr.ID, Assigned: got}); err != nil {
				return res, err
			}
			report(opts.Progress, Progress{Phase: PhaseDone, Write: bound, Index: index, Total: total, Assigned: got})
		}
		if ok {
			if jwr.State == StateInDoubt {
				res.Restored = append(res.Restored, wr.ID)
			} else {
				res.Undone = append(res.Undone, wr.ID)
			}
		}
	}
	if len(res.Failed)+len(res.InDoubt) > 0 {
		res.Outcome = OutcomeFailed
		if err := jw.Append(Line{Phase: PhaseEnd, Outcome: OutcomeFailed,
			Note: fmt.Sprintf("%d writes undone; %d could not be undone, %d in doubt", len(res.Undone), len(res.Failed), len(res.InDoubt))}); err != nil {
			return res, err
		}
		return res, &RollbackError{Failed: res.Failed, InDoubt: res.InDoubt}
	}
	res.Outcome = OutcomeComplete
	if err := jw.Append(Line{Phase: PhaseEnd, Outcome: OutcomeComplete,
		Note: fmt.Sprintf("%d writes undone; %d irreversible writes skipped", len(res.Undone), len(res.Irreversible))}); err != nil {
		return res, err
	}
	return res, nil
}

// undoMissing lists the results an in-doubt write's undo would need and
// the journal does not have.
func undoMissing(w tenant.Write, assigned map[string]map[string]string) []string {
	var out []string
	for _, u := range w.Undo {
		out = append(out, missingRefs(u.Refs, w.ID, assigned)...)
	}
	return out
}
