package sim_test

import (
	"context"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

// A generated organisation of 1,000 mailboxes is collected through the
// real clients without an error, and every count the snapshot holds is the
// file's.
func TestGeneratedScenarioDiscovers(t *testing.T) {
	if testing.Short() {
		t.Skip("collects 1,000 mailboxes")
	}
	data, err := sim.Generate(1000, 42)
	if err != nil {
		t.Fatal(err)
	}
	srv, doc := simtest.Serve(t, data, "generated-1000", sim.Options{})
	sc := srv.Scenario()
	cfg := clients.SimConfig(srv.URL(), sc.AsOf())
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range snap.Errors() {
		t.Errorf("%s: %s", st.ID, st.Error)
	}

	sect := func(path ...string) any {
		var v any = doc
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v
	}
	n := func(path ...string) int { return len(sect(path...).([]any)) }
	legacy := map[string]bool{}
	for _, a := range graph.LegacyClientApps {
		legacy[a] = true
	}
	legacySignIns := 0
	for _, s := range sect("graph", "signIns").([]any) {
		if legacy[s.(map[string]any)["clientAppUsed"].(string)] {
			legacySignIns++
		}
	}
	groupMembers := 0
	for _, g := range snap.Okta.Groups {
		groupMembers += len(g.Members)
	}
	fileMembers := 0
	for _, ids := range sect("okta", "groupUsers").(map[string]any) {
		fileMembers += len(ids.([]any))
	}
	factors, fileFactors := 0, 0
	for _, u := range snap.Okta.Users {
		factors += len(u.Factors)
	}
	for _, fs := range sect("okta", "factors").(map[string]any) {
		fileFactors += len(fs.([]any))
	}
	rules := 0
	for _, p := range snap.Okta.Policies {
		rules += len(p.Rules)
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"graph users", len(snap.Users), 1001},
		{"graph users (file)", len(snap.Users), n("graph", "users")},
		{"domains", len(snap.Domains), n("graph", "domains")},
		{"mailboxes", len(snap.Exchange.CASMailboxes), 1000},
		{"Get-User", len(snap.Exchange.Users), n("exchange", "Get-User")},
		{"Get-MobileDevice", len(snap.Exchange.MobileDevices), n("exchange", "Get-MobileDevice")},
		{"authentication policies", len(snap.Exchange.AuthenticationPolicies), n("exchange", "Get-AuthenticationPolicy")},
		{"mailbox plans", len(snap.Exchange.CASMailboxPlans), n("exchange", "Get-CASMailboxPlan")},
		{"legacy sign-ins", len(snap.Entra.SignIns), legacySignIns},
		{"usage rows", len(snap.Entra.EmailAppUsage), n("graph", "emailAppUsageUserDetail")},
		{"CA policies", len(snap.Entra.ConditionalAccess), n("graph", "conditionalAccessPolicies")},
		{"okta users", len(snap.Okta.Users), n("okta", "users")},
		{"okta factors", factors, fileFactors},
		{"okta groups", len(snap.Okta.Groups), n("okta", "groups")},
		{"okta group members", groupMembers, fileMembers},
		{"okta zones", len(snap.Okta.Zones), n("okta", "zones")},
		{"okta logs", len(snap.Okta.Logs), n("okta", "logs")},
		{"okta access policies", len(snap.Okta.Policies), n("okta", "policies")},
		{"okta rules", rules, 5},
	} {
		if c.got != c.want {
			t.Errorf("%s: collected %d, the file has %d", c.what, c.got, c.want)
		}
	}
	if legacySignIns == 0 || len(snap.Exchange.MobileDevices) == 0 || len(snap.Okta.Logs) == 0 {
		t.Errorf("the tail is missing: %d legacy sign-ins, %d devices, %d logs", legacySignIns, len(snap.Exchange.MobileDevices), len(snap.Okta.Logs))
	}
}
