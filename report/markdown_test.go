package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// sessionOf saves a session of snap (judged, with steps) and reads it
// back, as `report --session` would find it.
func sessionOf(t *testing.T, snap *tenant.Snapshot, c remediate.Choices, steps []string) *Session {
	t.Helper()
	created := snap.AsOf.Add(2*24*time.Hour + 14*time.Hour + 30*time.Minute)
	s := NewSession(Tool{Name: "harden365", Version: "test"}, created, "A. de Vries (consultant)", snap, c, assess.Run(snap, c.AssessOptions()), steps)
	data, err := EncodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EncodeSession(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Fatalf("a session read back does not encode to the same bytes:\n%s", firstDiff(string(data), string(again)))
	}
	return back
}

func render(t *testing.T, s *Session, applied *Applied) string {
	t.Helper()
	in, err := FromSession("test", s, applied)
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(in)
	if again := Markdown(in); again != md {
		t.Fatalf("the same input renders differently:\n%s", firstDiff(md, again))
	}
	checkMarkdown(t, md)
	return md
}

// The golden handover reports: each built-in scenario as assessed, and
// with the plan "all" (not applied), through the real collection
// pipeline and a saved session.
func TestMarkdownGolden(t *testing.T) {
	for _, name := range []string{"whitepaper", "contoso", "okta-classic"} {
		t.Run(name, func(t *testing.T) {
			snap := collectBuiltin(t, name)
			c := choicesFor(t, name)
			golden(t, name+".golden.md", render(t, sessionOf(t, snap, c, nil), nil))
			golden(t, name+"-plan-all.golden.md", render(t, sessionOf(t, snap, c, []string{"all"}), nil))
		})
	}
}

// An applied plan: the journal of an apply that made most writes, had
// one refused by the service, and was stopped during step F; the
// re-collection found one difference.
func TestMarkdownGoldenApplied(t *testing.T) {
	snap := collectBuiltin(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	s := sessionOf(t, snap, c, []string{"all"})
	plan, err := remediate.NewPlan(snap, s.Plan, c, snap.AsOf.Add(2*24*time.Hour+10*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	j := fakeApply(t, snap, plan, map[string]string{"SMTP-AUTH-1": "403 Forbidden: the caller lacks the role Organization Management (Set-TransportConfig)"}, "F-11")
	v := &Verification{CollectedAt: plan.Now.Add(time.Hour), Differences: []remediate.Difference{
		{Path: "exchange.casMailboxes[jan.janssen].popEnabled", Simulated: false, Collected: true, Note: "changed back by someone else"},
		{Path: "exchange.transportConfig.smtpClientAuthenticationDisabled", Simulated: true, Collected: false},
	}}
	s.Journal = "mijndomein-apply.jsonl"
	a := AppliedFromJournal(j, s.Journal, v)
	md := render(t, s, a)
	golden(t, "whitepaper-applied.golden.md", md)

	for _, want := range []string{
		"| `B-1` | organization mijndomein.onmicrosoft.com | OAuth2ClientProfileEnabled: false → true | done | yes |",
		"FAILED: 403 Forbidden",
		"NO: exchange.casMailboxes\\[jan.janssen\\].popEnabled",
		"| `F-11` | user ruben.vos@mijndomein.nl | not reached: the apply stopped before it |",
		"harden365 rollback --profile NAME --journal mijndomein-apply.jsonl --yes",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the applied report lacks %q", want)
		}
	}
}

// fakeApply journals plan as an apply would: every write begun and done
// (the ids the simulation planned stand for the ones a service assigns),
// except those in fail (refused with that error), stopping before stop.
func fakeApply(t *testing.T, snap *tenant.Snapshot, plan *remediate.Plan, fail map[string]string, stop string) *remediate.Journal {
	t.Helper()
	clock := plan.Now
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	var buf bytes.Buffer
	jw := remediate.NewJournalWriter(&buf, now)
	if err := jw.Append(remediate.Line{Phase: remediate.PhaseHeader, Header: &remediate.JournalHeader{
		Format: remediate.JournalFormat, Version: remediate.JournalVersion, Kind: remediate.KindApply,
		Tool: remediate.Tool{Name: "harden365", Version: "test"}, Tenant: snap.Tenant, Target: "profile mijndomein",
		Started: plan.Now, Plan: plan}}); err != nil {
		t.Fatal(err)
	}
	// What each write is assigned: the planned values of the refs to it.
	assigned := map[string]map[string]string{}
	for _, w := range plan.Writes() {
		refs := append([]tenant.Ref(nil), w.Refs...)
		for _, u := range w.Undo {
			for _, r := range u.Refs {
				if r.Write == "" {
					r.Write = w.ID
				}
				refs = append(refs, r)
			}
		}
		for _, r := range refs {
			if assigned[r.Write] == nil {
				assigned[r.Write] = map[string]string{}
			}
			assigned[r.Write][r.Field] = r.Planned
		}
	}
	outcome := remediate.OutcomeComplete
	for _, w := range plan.Writes() {
		if w.ID == stop {
			outcome = remediate.OutcomeStopped
			break
		}
		vars := map[string]string{}
		for _, r := range w.Refs {
			vars[r.Placeholder] = assigned[r.Write][r.Field]
		}
		sent := remediate.Bind(w, vars, clock)
		if err := jw.Append(remediate.Line{Phase: remediate.PhaseBegin, ID: w.ID, Step: w.Step, Write: &sent}); err != nil {
			t.Fatal(err)
		}
		l := remediate.Line{Phase: remediate.PhaseDone, ID: w.ID, Step: w.Step, Assigned: assigned[w.ID]}
		if e, ok := fail[w.ID]; ok {
			l = remediate.Line{Phase: remediate.PhaseFailed, ID: w.ID, Step: w.Step, Error: e}
		}
		if err := jw.Append(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := jw.Append(remediate.Line{Phase: remediate.PhaseEnd, Outcome: outcome, Note: "stopped by the operator"}); err != nil {
		t.Fatal(err)
	}
	j, err := remediate.ReadJournal(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// assess --format md and report --session tell the same story: the
// report of a session is the report of the assessment it saved.
func TestMarkdownOfSessionIsMarkdownOfAssessment(t *testing.T) {
	snap := serveBuiltin(t, "okta-classic")
	c := choicesFor(t, "okta-classic")
	in, err := Judge("test", snap, c, []string{"all"}, snap.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	in.Operator = "A. de Vries (consultant)"
	live := Markdown(in)
	saved := render(t, sessionOf(t, snap, c, []string{"all"}), nil)
	strip := func(s string) string {
		var keep []string
		skipped := false
		for _, l := range splitLines(s) {
			if strings.Contains(l, "Prepared on") || strings.HasPrefix(l, "- Session:") || strings.HasPrefix(l, "- Report:") ||
				strings.HasPrefix(l, "Judged again with this version") {
				skipped = true
				continue
			}
			if skipped && l == "" {
				skipped = false
				continue
			}
			skipped = false
			keep = append(keep, l)
		}
		return strings.Join(keep, "\n")
	}
	if strip(live) != strip(saved) {
		t.Errorf("assess --format md and report --session differ beyond the session lines:\n%s", firstDiff(strip(live), strip(saved)))
	}
}

func TestMarkdownWithoutSnapshot(t *testing.T) {
	md := Markdown(Input{})
	if !strings.Contains(md, "no snapshot") {
		t.Errorf("got %q", md)
	}
}

// checkMarkdown checks what every report must be: no control character
// but the newline, and tables that keep their shape.
func checkMarkdown(t *testing.T, md string) {
	t.Helper()
	for i, r := range md {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfffd {
			t.Fatalf("control character %U at byte %d: %q", r, i, md[max(0, i-40):min(len(md), i+40)])
		}
	}
	checkTables(t, md)
}
