package report

import (
	"sort"
	"strings"
	"time"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// Applied is what an apply did, as the report tells it: the changes
// made (and those that failed or were never sent), and what collecting
// the organisation again found. AppliedFromJournal fills it from an
// apply journal; a caller may also fill it by hand.
type Applied struct {
	// Journal names the journal file, as the session refers to it.
	Journal string
	// Started is when the apply began; Target what it wrote to.
	Started time.Time
	Target  string
	// Outcome is the journal's end line: complete, failed, stopped,
	// refused ("" when the journal has none: the run was killed).
	Outcome string
	// Plan is the plan that was applied (the journal header's); nil when
	// unknown, and then the report uses the plan recomputed from the
	// session.
	Plan *remediate.Plan
	// Changes are the writes, in the order they were begun (skipped ones
	// where they were skipped).
	Changes []Change
	// Notes are the journal's own remarks (a torn last line, writes in
	// doubt, no end line).
	Notes []string
	// Verification is what re-collecting the organisation after the
	// apply found; nil when it was not collected again.
	Verification *Verification
}

// Change states.
const (
	ChangeDone    = "done"
	ChangeFailed  = "failed"
	ChangeInDoubt = "in-doubt" // sent, no answer recorded
	ChangeSkipped = "skipped"  // never sent
)

// Verified values of a change.
const (
	VerifiedYes = "yes" // the re-collected organisation shows the change
	VerifiedNo  = "no"  // a difference names the change's object and property
	// "" means not checked: no re-collection, or the change was not made.
)

// Change is one write of an apply.
type Change struct {
	// Time is when it was sent (its begin line).
	Time time.Time
	ID   string
	Step string
	// Target says in words what was changed; Operation is the cmdlet or
	// the REST call.
	Target    string
	Operation string
	// Old and New are the changed properties before and after.
	Old map[string]any
	New map[string]any
	// State is done, failed, in-doubt or skipped; Error the service's
	// answer (failed) or why it was not sent (skipped).
	State string
	Error string
	// Assigned are the properties the service gave a new object (its id).
	Assigned map[string]string
	// Verified is yes, no or "" (not checked); Difference says what the
	// re-collection found for a change that is not verified.
	Verified   string
	Difference string
	// Write is the write as sent: its undo and whether it can be undone.
	Write tenant.Write
}

// Verification is what collecting the organisation again after an apply
// found, compared with the plan's simulation (remediate.Verify).
type Verification struct {
	CollectedAt time.Time              `json:"collectedAt"`
	Differences []remediate.Difference `json:"differences"`
}

// AppliedFromJournal turns an apply journal (remediate.ReadJournal) and,
// when the organisation was collected again, the verification into what
// the report shows. file names the journal as the session refers to it.
// A change counts as verified when the verification found no difference
// that names its object and one of its properties.
func AppliedFromJournal(j *remediate.Journal, file string, v *Verification) *Applied {
	if j == nil {
		return nil
	}
	a := &Applied{Journal: file, Started: j.Header.Started, Target: j.Header.Target, Outcome: j.Outcome,
		Plan: j.Header.Plan, Notes: append([]string(nil), j.Notes...), Verification: v}
	for _, w := range j.Writes {
		c := Change{Time: w.Begun, ID: w.Write.ID, Step: w.Write.Step, Target: w.Write.Target, Operation: w.Write.Operation,
			Old: w.Write.Old, New: w.Write.New, State: w.State, Error: w.Error, Assigned: w.Assigned, Write: w.Write}
		if c.Step == "" {
			c.Step, _, _ = strings.Cut(c.ID, "-")
		}
		if c.State == ChangeDone && v != nil {
			c.Verified = VerifiedYes
			if d, ok := differenceOf(c, v.Differences); ok {
				c.Verified, c.Difference = VerifiedNo, d.String()
			}
		}
		a.Changes = append(a.Changes, c)
	}
	return a
}

// differenceOf finds the first difference that names the change's object
// (a bracketed key of its path appears in the change's target or is its
// Identity) and one of the properties the change set.
func differenceOf(c Change, diffs []remediate.Difference) (remediate.Difference, bool) {
	props := map[string]bool{}
	for k := range c.New {
		props[strings.ToLower(k)] = true
	}
	for k := range c.Old {
		props[strings.ToLower(k)] = true
	}
	target := strings.ToLower(c.Target)
	identity, _ := c.Write.Params["Identity"].(string)
	identity = strings.ToLower(identity)
	for _, d := range diffs {
		keys, names := pathParts(d.Path)
		object := false
		for _, k := range keys {
			k = strings.ToLower(k)
			if k != "" && (k == identity || strings.Contains(target, k)) {
				object = true
				break
			}
		}
		if !object {
			continue
		}
		for _, n := range names {
			if props[strings.ToLower(n)] {
				return d, true
			}
		}
	}
	return remediate.Difference{}, false
}

// pathParts splits "exchange.casMailboxes[jan.janssen].popEnabled" into
// its bracketed keys (jan.janssen) and its property names (exchange,
// casMailboxes, popEnabled).
func pathParts(path string) (keys, names []string) {
	for path != "" {
		i := strings.IndexAny(path, ".[")
		if i < 0 {
			names = append(names, path)
			break
		}
		if i > 0 {
			names = append(names, path[:i])
		}
		if path[i] == '[' {
			j := strings.IndexByte(path[i:], ']')
			if j < 0 {
				keys = append(keys, path[i+1:])
				break
			}
			keys = append(keys, path[i+1:i+j])
			path = path[i+j+1:]
			continue
		}
		path = path[i+1:]
	}
	return keys, names
}

// done returns the changes made, by write ID.
func (a *Applied) done() map[string]*Change {
	out := map[string]*Change{}
	if a == nil {
		return out
	}
	for i := range a.Changes {
		if a.Changes[i].State == ChangeDone {
			out[a.Changes[i].ID] = &a.Changes[i]
		}
	}
	return out
}

// byID returns the last change recorded for each write ID.
func (a *Applied) byID() map[string]*Change {
	out := map[string]*Change{}
	if a == nil {
		return out
	}
	for i := range a.Changes {
		out[a.Changes[i].ID] = &a.Changes[i]
	}
	return out
}

// assigned returns every done change's answer, by write ID.
func (a *Applied) assigned() map[string]map[string]string {
	out := map[string]map[string]string{}
	if a == nil {
		return out
	}
	for _, c := range a.Changes {
		if c.State == ChangeDone {
			out[c.ID] = c.Assigned
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
