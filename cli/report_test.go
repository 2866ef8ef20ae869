package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/sim"
)

const oldSession = "../report/testdata/session-v1-old.json"

// report --session on a session written by an older harden365 works.
func TestReportSessionFromAnOlderVersion(t *testing.T) {
	out, errOut, code := run(t, "report", "--session", oldSession)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"# Mail access handover report: Northwind Traders", "saved on 2026-11-01 10:05:00 UTC by harden365 v0.1.0", "## Manual checklist: not assessed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "handover.md")
	if _, errOut, code := run(t, "report", "--session", oldSession, "--out", path); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != out {
		t.Error("--out wrote another report than standard output shows")
	}
}

// report --session on a session of a newer version fails, saying why
// and what to do.
func TestReportSessionFromANewerVersionFailsClearly(t *testing.T) {
	out, errOut, code := run(t, "report", "--session", "../report/testdata/session-v2-newer.json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("a report was written: %q", out)
	}
	for _, want := range []string{"session schema version 2 is newer than this harden365 reads (1)", "harden365 v3.0.0", "upgrade harden365"} {
		if !strings.Contains(flat(errOut), flat(want)) {
			t.Errorf("the error lacks %q:\n%s", want, errOut)
		}
	}
}

// flat is an error as fang shows it, without its wrapping and
// capitals, for comparing.
func flat(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func TestReportSessionErrors(t *testing.T) {
	dir := t.TempDir()
	snapPath := filepath.Join(dir, "snap.json")
	if _, errOut, code := run(t, "collect", "--scenario", "okta-classic", "--out", snapPath); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(oldSession)
	if err != nil {
		t.Fatal(err)
	}
	withJournal := filepath.Join(dir, "with-journal.json")
	if err := os.WriteFile(withJournal, bytes.Replace(data, []byte(`"created":`), []byte(`"journal": "gone.jsonl", "created":`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "--session FILE is required"},
		{[]string{"report", "--session", filepath.Join(dir, "nope.json")}, "no such file"},
		{[]string{"report", "--session", snapPath}, "this is a snapshot (written by harden365 collect), not a session"},
		{[]string{"report", "--session", withJournal}, "the session names the journal gone.jsonl, which is not at " + filepath.Join(dir, "gone.jsonl") + ": give its place with --journal FILE"},
	} {
		_, errOut, code := run(t, c.args...)
		if code != 1 || !strings.Contains(flat(errOut), flat(c.want)) {
			t.Errorf("%v: exit %d, error %q; want 1 and %q", c.args, code, errOut, c.want)
		}
	}
}

// report --session reads the journal the session names (next to it)
// and reports the changes it records.
func TestReportSessionWithItsJournal(t *testing.T) {
	dir := t.TempDir()
	snapPath := filepath.Join(dir, "snap.json")
	if _, errOut, code := run(t, "collect", "--scenario", "okta-classic", "--out", snapPath); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, errOut)
	}
	snap := readSnapshot(t, snapPath)
	c := remediate.DefaultChoices()
	plan, err := remediate.NewPlan(snap, []string{"C"}, c, snap.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	clock := snap.AsOf.Add(10 * time.Hour)
	jw := remediate.NewJournalWriter(&buf, func() time.Time { clock = clock.Add(time.Second); return clock })
	lines := []remediate.Line{{Phase: remediate.PhaseHeader, Header: &remediate.JournalHeader{Format: remediate.JournalFormat, Version: remediate.JournalVersion,
		Kind: remediate.KindApply, Tenant: snap.Tenant, Started: clock, Plan: plan}}}
	for _, w := range plan.Writes() {
		w := w
		lines = append(lines, remediate.Line{Phase: remediate.PhaseBegin, ID: w.ID, Step: w.Step, Write: &w}, remediate.Line{Phase: remediate.PhaseDone, ID: w.ID, Step: w.Step})
	}
	lines = append(lines, remediate.Line{Phase: remediate.PhaseEnd, Outcome: remediate.OutcomeComplete})
	for _, l := range lines {
		if err := jw.Append(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "apply.jsonl"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s := report.NewSession(report.Tool{Name: "harden365", Version: "test"}, snap.AsOf.Add(11*time.Hour), "consultant", snap, c, nil, []string{"C"})
	s.Journal = "apply.jsonl"
	s.Verification = &report.Verification{CollectedAt: clock.Add(time.Minute), Differences: []remediate.Difference{}}
	data, err := report.EncodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	sessPath := filepath.Join(dir, "session.json")
	if err := os.WriteFile(sessPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "report", "--session", sessPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"From the journal apply.jsonl", "| `C-1` | mailbox janet.leverling | ImapEnabled: true → false | done | yes |", "harden365 rollback --profile NAME --journal apply.jsonl --yes", "Set-CASMailbox -Identity 'janet.leverling' -ImapEnabled $true"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// assess --format md is the handover report of the assessment.
func TestAssessFormatMarkdown(t *testing.T) {
	out, errOut, code := run(t, "assess", "--scenario", "okta-classic", "--plan", "all", "--format", "md", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"# Mail access handover report: Northwind Traders", "## The plan", "## Remaining steps, by hand", "harden365 cannot make this step through an API", "## Appendix: evidence"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// hostileScenarioFile is the whitepaper organisation with terminal
// escapes, newlines and markdown in its names.
func hostileScenarioFile(t *testing.T) string {
	t.Helper()
	sc, err := sim.Load("whitepaper")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(sc.Doc)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	evil := " | `x` <script>\n\x1b[31m\x1b]0;owned\x07\u009b2J\u202e"
	doc["tenant"].(map[string]any)["displayName"] = "Evil Corp" + evil
	graph := doc["graph"].(map[string]any)
	for _, o := range graph["organization"].([]any) {
		o.(map[string]any)["displayName"] = "Evil Corp" + evil
	}
	for _, u := range graph["users"].([]any) {
		u.(map[string]any)["displayName"] = "User" + evil
	}
	for _, s := range graph["signIns"].([]any) {
		s.(map[string]any)["userAgent"] = s.(map[string]any)["userAgent"].(string) + evil
	}
	for _, rules := range doc["okta"].(map[string]any)["policyRules"].(map[string]any) {
		for _, r := range rules.([]any) {
			r.(map[string]any)["name"] = "Rule" + evil
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hostile.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// No escape sequence from the data reaches the terminal: assess's text
// and markdown outputs hold no control character but the newline.
func TestHostileNamesReachNoTerminal(t *testing.T) {
	path := hostileScenarioFile(t)
	for _, format := range []string{"text", "md"} {
		out, errOut, code := run(t, "assess", "--scenario", path, "--plan", "all", "--format", format, "-q")
		if code != 0 {
			t.Fatalf("--format %s: exit %d: %s", format, code, errOut)
		}
		if !strings.Contains(out, "Evil Corp") {
			t.Errorf("--format %s: the organisation's name is missing", format)
		}
		for i, r := range out {
			if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e {
				t.Fatalf("--format %s: control character %U at byte %d: %q", format, r, i, out[max(0, i-30):min(len(out), i+30)])
			}
		}
	}
}
