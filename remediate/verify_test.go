package remediate

import (
	"strings"
	"testing"
	"time"
)

func TestDiffFindsWhatDiffers(t *testing.T) {
	s := snapshot(t, "whitepaper")
	if d := Diff(s, clone(s), DiffOptions{}); len(d) != 0 {
		t.Fatalf("a snapshot differs from its copy: %v", d)
	}
	other := clone(s)
	other.Exchange.CASMailboxes[3].PopEnabled = !other.Exchange.CASMailboxes[3].PopEnabled
	other.Okta.Policies[0].Name += " (renamed)"
	d := Diff(s, other, DiffOptions{})
	if len(d) != 2 {
		t.Fatalf("want 2 differences, got %v", d)
	}
	want := "exchange.casMailboxes[" + strings.ToLower(s.Exchange.CASMailboxes[3].Identity) + "].popEnabled"
	if d[0].Path != want || d[0].Simulated != s.Exchange.CASMailboxes[3].PopEnabled {
		t.Errorf("difference %s, want %s", d[0], want)
	}
	// A missing object is one difference, named by its key.
	other = clone(s)
	other.Exchange.AuthenticationPolicies = append(other.Exchange.AuthenticationPolicies, other.Exchange.AuthenticationPolicies...)
	other.Exchange.CASMailboxes = other.Exchange.CASMailboxes[1:]
	d = Diff(s, other, DiffOptions{})
	if len(d) != 1 || !strings.Contains(d[0].Path, strings.ToLower(s.Exchange.CASMailboxes[0].Identity)) {
		t.Errorf("missing mailbox: %v", d)
	}
}

func TestDiffIgnoresServiceAssignedValues(t *testing.T) {
	s := snapshot(t, "whitepaper")
	other := clone(s)
	other.CollectedAt = other.CollectedAt.Add(time.Hour)
	other.Source = "elsewhere"
	other.Collection = nil
	other.Exchange.OrganizationConfig.WhenChanged = time.Now()
	other.Domains[0].Federation = nil
	if s.Domains[0].Federation != nil {
		f := *s.Domains[0].Federation
		f.ID = "another-id"
		other.Domains[0].Federation = &f
	}
	for i := range other.Okta.Policies {
		for k := range other.Okta.Policies[i].Rules {
			other.Okta.Policies[i].Rules[k].LastUpdated = time.Now()
			other.Okta.Policies[i].Rules[k].Created = time.Now()
		}
	}
	if d := Diff(s, other, DiffOptions{}); len(d) != 0 {
		t.Errorf("service-assigned values compared: %v", d)
	}
	// Ids the simulation planned are renamed before comparing: a member
	// the simulation gave a planned id is the member the service named.
	sim := clone(s)
	sim.Okta.Groups[0].Members = append(sim.Okta.Groups[0].Members, "00uPLANNED")
	got := clone(s)
	got.Okta.Groups[0].Members = append(got.Okta.Groups[0].Members, "00uREAL")
	if d := Diff(sim, got, DiffOptions{}); len(d) != 2 {
		t.Errorf("without the id map: %v", d)
	}
	if d := Diff(sim, got, DiffOptions{IDs: map[string]string{"00uPLANNED": "00uREAL"}}); len(d) != 0 {
		t.Errorf("with the id map: %v", d)
	}
	// So is a created object, matched by its id.
	rule := s.Okta.Policies[0].Rules[0]
	sim.Okta.Policies[0].Rules = append(sim.Okta.Policies[0].Rules, rule)
	sim.Okta.Policies[0].Rules[len(sim.Okta.Policies[0].Rules)-1].ID = "0prPLANNED"
	got.Okta.Policies[0].Rules = append(got.Okta.Policies[0].Rules, rule)
	got.Okta.Policies[0].Rules[len(got.Okta.Policies[0].Rules)-1].ID = "0prREAL"
	if d := Diff(sim, got, DiffOptions{IDs: map[string]string{"00uPLANNED": "00uREAL", "0prPLANNED": "0prREAL"}}); len(d) != 0 {
		t.Errorf("a created rule: %v", d)
	}
}

func TestDiffRevocationTimes(t *testing.T) {
	s := snapshot(t, "whitepaper")
	since := s.AsOf.Add(9 * time.Hour)
	sim, got := clone(s), clone(s)
	sim.Users[0].SignInSessionsValidFrom = since.Add(40 * time.Second) // the simulation's stamp
	got.Users[0].SignInSessionsValidFrom = since.Add(2 * time.Second)  // the service's own clock
	if d := Diff(sim, got, DiffOptions{Since: since}); len(d) != 0 {
		t.Errorf("a revocation during the apply: %v", d)
	}
	got.Users[0].SignInSessionsValidFrom = since.Add(-time.Hour)
	if d := Diff(sim, got, DiffOptions{Since: since}); len(d) != 1 || !strings.Contains(d[0].Note, "before the apply started") {
		t.Errorf("a revocation before the apply: %v", d)
	}
	// Revoked where the simulation did not revoke.
	sim.Users[0].SignInSessionsValidFrom = s.Users[0].SignInSessionsValidFrom
	got.Users[0].SignInSessionsValidFrom = since.Add(time.Second)
	if d := Diff(sim, got, DiffOptions{Since: since}); len(d) != 1 || !strings.Contains(d[0].Note, "did not revoke") {
		t.Errorf("an unplanned revocation: %v", d)
	}
}

func TestDiffIgnoresListsDocumented(t *testing.T) {
	got := strings.Join(DiffIgnores(), "\n")
	for _, k := range []string{"id", "whenChanged", "lastUpdated", "created", "signInSessionsValidFrom", "collection"} {
		if !strings.Contains(got, k) {
			t.Errorf("DiffIgnores does not mention %s", k)
		}
	}
}
