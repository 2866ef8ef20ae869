package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
)

// A write the service refuses stops the apply there: exit 1, the journal
// records the failed write and nothing after it (but its end line), the
// simulator received exactly the journal's writes, the session names
// what happened, and the rollback restores the organisation.
func TestApplyWriteFailureStops(t *testing.T) {
	url, sent := serveRecorded(t, "whitepaper", sim.Options{Faults: &sim.Faults{Forbidden: []string{"Set-CASMailbox"}}})
	orig := getState(t, url)
	dir := t.TempDir()
	journal := filepath.Join(dir, "apply.jsonl")
	choices := writeFile(t, "choices.json", whitepaperChoices)
	out, errOut, code := run(t, "apply", "--sim", url, "--plan", "B,C,SMTP-AUTH,D", "--choices", choices, "--yes", "--journal", journal)
	if code != 1 || !strings.Contains(errOut, "1 of 48 writes were made") || !strings.Contains(errOut, "C-1") ||
		!strings.Contains(errOut, "rollback --journal") || !strings.Contains(errOut, "report --session "+filepath.Join(dir, "apply.session.json")) {
		t.Fatalf("apply with Set-CASMailbox forbidden: exit %d\n%s\n%s", code, out, errOut)
	}
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	for _, l := range j.Lines {
		phases = append(phases, l.Phase+" "+l.ID)
	}
	want := []string{"header ", "begin B-1", "done B-1", "begin C-1", "failed C-1", "end "}
	if !slices.Equal(phases, want) || j.Outcome != remediate.OutcomeFailed || len(j.Notes) != 0 {
		t.Errorf("journal lines %q, outcome %q, notes %q; want %q, failed", phases, j.Outcome, j.Notes, want)
	}
	if f := j.Writes[len(j.Writes)-1]; f.State != remediate.StateFailed || !strings.Contains(f.Error, "403") {
		t.Errorf("the failed write: %s %q", f.State, f.Error)
	}
	if got, want := sent.all(), []sentWrite{{"Set-OrganizationConfig <nil>", 200}, {"Set-CASMailbox jan.janssen", 403}}; !slices.Equal(got, want) {
		t.Errorf("the simulator received %v, want %v", got, want)
	}
	md, errOut, code := run(t, "report", "--session", filepath.Join(dir, "apply.session.json"))
	if code != 0 || !strings.Contains(section(md, "## Changes applied"), "outcome: failed") || !strings.Contains(rowOf(md, "C-1"), "FAILED") ||
		!strings.Contains(rowOf(section(md, "## Changes not applied"), "C-2"), "not reached") {
		t.Errorf("report of the failed apply: exit %d %s\n%s", code, errOut, section(md, "## Changes applied"))
	}
	if _, errOut, code := run(t, "rollback", "--sim", url, "--journal", journal, "--yes", "-q"); code != 0 {
		t.Fatalf("rollback: exit %d: %s", code, errOut)
	}
	assertStateRestored(t, orig, getState(t, url))
}

// --continue-on-error goes on after a refused write: every other write
// is made, the apply exits 1, the journal records each failure and
// every write made, and the rollback restores.
func TestApplyContinueOnError(t *testing.T) {
	url, sent := serveRecorded(t, "whitepaper", sim.Options{Faults: &sim.Faults{Forbidden: []string{"Set-CASMailbox"}}})
	orig := getState(t, url)
	journal := filepath.Join(t.TempDir(), "apply.jsonl")
	choices := writeFile(t, "choices.json", whitepaperChoices)
	out, errOut, code := run(t, "apply", "--sim", url, "--plan", "B,C,SMTP-AUTH,D", "--choices", choices, "--yes", "--journal", journal, "--continue-on-error")
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	var failed, others int
	for _, w := range j.Header.Plan.Writes() {
		if w.Operation == "Set-CASMailbox" {
			failed++
		} else {
			others++
		}
	}
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("%d of 48 writes were made", others)) {
		t.Fatalf("apply --continue-on-error: exit %d\n%s\n%s", code, out, errOut)
	}
	var states []string
	for _, w := range j.Writes {
		if (w.State == remediate.StateFailed) != (w.Write.Operation == "Set-CASMailbox") {
			states = append(states, w.Write.ID+" "+w.State)
		}
	}
	if len(j.Writes) != 48 || len(j.Done()) != others || len(states) > 0 || j.Outcome != remediate.OutcomeFailed || failed == 0 {
		t.Errorf("journal: %d writes, %d done (want %d), outcome %q; unexpected states %v", len(j.Writes), len(j.Done()), others, j.Outcome, states)
	}
	if got := sentKeys(sent.all()); !slices.Equal(got, journalSent(j)) {
		t.Errorf("the simulator received %v, the journal records %v", got, journalSent(j))
	}
	if _, errOut, code := run(t, "rollback", "--sim", url, "--journal", journal, "--yes", "-q"); code != 0 {
		t.Fatalf("rollback: exit %d: %s", code, errOut)
	}
	assertStateRestored(t, orig, getState(t, url))

	// Without the flag the help says what a failed write does.
	out, _, _ = run(t, "apply", "--help")
	if !strings.Contains(out, "--continue-on-error") || !strings.Contains(out, "stops the apply there") {
		t.Errorf("apply --help:\n%s", out)
	}
}
