package report

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

// A large organisation's report stays readable: every per-user and
// per-change table stops at maxTableRows rows and says how many there are
// in all, and where every one is; each step's commands, by hand and to
// undo, are written out for maxWrites changes and the rest are counted.
func TestMarkdownOfALargeOrganisationIsCapped(t *testing.T) {
	sc, err := sim.GenerateScenario(1200, 3)
	if err != nil {
		t.Fatal(err)
	}
	snap := collect(t, sc)
	in, err := Judge("test", snap, remediate.DefaultChoices(), []string{"all"}, snap.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Clients) <= maxTableRows {
		t.Fatalf("the generated organisation has %d mail clients: too few to test the cap of %d", len(in.Clients), maxTableRows)
	}
	md := Markdown(in)
	checkMarkdown(t, md)

	for _, tb := range rawTables(md) {
		if rows := len(tb.cells) - 2; rows > maxTableRows {
			t.Errorf("the table at line %d has %d rows, more than %d", tb.line, rows, maxTableRows)
		}
	}
	// The inventory and the appendix's "where seen" say how many there are.
	want := fmt.Sprintf("The first %d of %d rows are shown; every one is in harden365 assess --format json (clients.users)", maxTableRows, len(in.Clients))
	if n := strings.Count(md, want); n != 2 {
		t.Errorf("%q appears %d times, want 2 (inventory and appendix E)", want, n)
	}
	// Every step with more changes than maxWrites says how many more.
	writes := map[string]int{}
	for _, ps := range in.Planned.Steps {
		if !ps.Manual {
			writes[ps.ID] = len(ps.Writes)
		}
	}
	big := 0
	for step, n := range writes {
		if n <= maxWrites {
			continue
		}
		big++
		by := fmt.Sprintf("The commands of the first %d changes are shown; the other %d are the same commands", maxWrites, n-maxWrites)
		if !strings.Contains(section(md, "## Remaining steps, by hand", "### Step `"+step+"`"), by) {
			t.Errorf("remaining step %s (%d changes): no %q", step, n, by)
		}
	}
	if big == 0 {
		t.Fatal("no step has more than maxWrites changes: the test proves nothing")
	}
	// The whole report grows with the organisation only through the capped
	// lists: far below the ~9 KB a mailbox it took uncapped.
	if len(md) > 3<<20 {
		t.Errorf("the report of %d mailboxes is %d bytes", 1200, len(md))
	}
	// Commands written out per step never exceed maxWrites changes' worth.
	re := regexp.MustCompile(`Revoke-MgUserSignInSession`)
	if n := len(re.FindAllStringIndex(section(md, "## Remaining steps, by hand", "### Step `F`"), -1)); n > maxWrites {
		t.Errorf("step F's remaining commands revoke %d users, more than %d", n, maxWrites)
	}
}

// section is the text of md from the heading after (inside the section
// named by within) to the next heading of the same or a higher level.
func section(md, within, heading string) string {
	i := strings.Index(md, within+"\n")
	if i < 0 {
		return ""
	}
	rest := md[i:]
	j := strings.Index(rest, heading)
	if j < 0 {
		return ""
	}
	rest = rest[j+len(heading):]
	level := strings.Count(strings.Fields(heading)[0], "#")
	for _, l := range []string{"\n" + strings.Repeat("#", level) + " ", "\n## "} {
		if k := strings.Index(rest, l); k >= 0 {
			rest = rest[:k]
		}
	}
	return rest
}

// Sources left out by choice (Okta's factors) are not "could not be
// collected": the report says what was not read and how to read it, and
// counts no error.
func TestMarkdownSaysWhatWasNotRead(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	cfg.OktaFactors = "none"
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Judge("test", snap, remediate.DefaultChoices(), nil, snap.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(in)
	checkMarkdown(t, md)
	notRead := section(md, "## About this assessment", "### What was not read")
	if !strings.Contains(notRead, "`okta.factors`") || !strings.Contains(notRead, "--okta-factors all reads them") {
		t.Errorf("the report does not say the factors were not read, and how to read them:\n%s", notRead)
	}
	if strings.Contains(md, "could not be collected (see") {
		t.Error("a source skipped by choice is counted as one that could not be collected")
	}
	if !strings.Contains(section(md, "## About this assessment", "### What could not be collected"), "Everything else was collected") {
		t.Error("no word that everything else was collected")
	}
}
