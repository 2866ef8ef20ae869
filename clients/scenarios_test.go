package clients_test

import (
	"context"
	"strings"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// collectBuiltin runs the whole pipeline on a built-in scenario.
func collectBuiltin(t *testing.T, name string) *tenant.Snapshot {
	t.Helper()
	srv := simtest.ServeBuiltin(t, name, sim.Options{})
	sc := srv.Scenario()
	cfg := clients.SimConfig(srv.URL(), sc.AsOf())
	cfg.TenantID = sc.TenantID()
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func mailbox(s *tenant.Snapshot, upn string) *tenant.CASMailbox {
	for i := range s.Exchange.CASMailboxes {
		if strings.EqualFold(s.Exchange.CASMailboxes[i].PrimarySmtpAddress, upn) {
			return &s.Exchange.CASMailboxes[i]
		}
	}
	return nil
}

func officePolicy(t *testing.T, s *tenant.Snapshot) tenant.OktaPolicy {
	t.Helper()
	if len(s.Okta.Apps) != 1 {
		t.Fatalf("%d Office 365 apps", len(s.Okta.Apps))
	}
	for _, p := range s.Okta.Policies {
		if p.ID == s.Okta.Apps[0].AccessPolicyID {
			return p
		}
	}
	t.Fatalf("the app's access policy %q was not collected", s.Okta.Apps[0].AccessPolicyID)
	return tenant.OktaPolicy{}
}

// The whitepaper's organisation arrives as the seed describes it before
// hardening.
func TestWhitepaperScenarioFacts(t *testing.T) {
	s := collectBuiltin(t, "whitepaper")
	if len(s.Errors()) > 0 {
		t.Fatalf("errors: %+v", s.Errors())
	}
	if n, m := len(s.Users), len(s.Exchange.CASMailboxes); n != 42 || m != 41 {
		t.Errorf("users %d mailboxes %d, want 42 and 41", n, m)
	}
	nl, _ := s.Domain("mijndomein.nl")
	be, _ := s.Domain("mijndomein.be")
	if !nl.Federated() || nl.Federation == nil || be.Federated() || !be.ServesEmail() {
		t.Errorf("domains: nl %+v, be %+v", nl, be)
	}
	if s.Exchange.OrganizationConfig.OAuth2ClientProfileEnabled || len(s.Exchange.AuthenticationPolicies) != 0 || s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy != "" {
		t.Error("modern auth must be off and no authentication policy exist")
	}
	for _, m := range s.Exchange.CASMailboxes {
		if !m.PopEnabled || !m.ImapEnabled || !m.ActiveSyncEnabled || m.SmtpClientAuthenticationDisabled != nil {
			t.Errorf("%s: POP/IMAP/EAS must be on and SMTP inherited: %+v", m.Identity, m)
		}
	}
	if mailbox(s, "jan.janssen@mijndomein.nl") == nil || mailbox(s, "joke.janssen@mijndomein.nl") == nil || mailbox(s, "jira@mijndomein.nl") == nil {
		t.Error("the seed's example mailboxes are missing")
	}
	rules := officePolicy(t, s).Rules
	if len(rules) != 1 || !rules[0].System || rules[0].Access != "ALLOW" || rules[0].FactorMode != "1FA" || len(rules[0].Office365Client) != 0 {
		t.Errorf("the Office 365 app must have only the permissive catch-all: %+v", rules)
	}
	engineering := 0
	for _, u := range s.Exchange.Users {
		if strings.Contains(strings.ToLower(u.Title), "engineering") {
			engineering++
		}
	}
	if engineering != 6 {
		t.Errorf("*Engineering* titles: %d, want 6", engineering)
	}
	legacy := map[string]bool{}
	for _, si := range s.Entra.SignIns {
		legacy[si.ClientAppUsed] = true
	}
	for _, app := range []string{"IMAP4", "POP3", "Exchange ActiveSync"} {
		if !legacy[app] {
			t.Errorf("no %s sign-ins", app)
		}
	}
	// The client tables' rows are all represented somewhere.
	var agents strings.Builder
	for _, si := range s.Entra.SignIns {
		agents.WriteString(si.UserAgent + "\n")
	}
	for _, d := range s.Exchange.MobileDevices {
		agents.WriteString(d.DeviceOS + " " + d.DeviceUserAgent + "\n")
	}
	for _, u := range s.Entra.EmailAppUsage {
		agents.WriteString(strings.Join(append(u.OutlookForWindows, u.OutlookForMac...), "\n") + "\n")
	}
	for _, want := range []string{"Outlook 2007", "Outlook 2010", "Outlook 2013", "Outlook 2016", "Outlook 2011", "iOS 10.3.3", "iOS 11.3.1", "Android", "Thunderbird", "10.13.4", "17.9126.21785.0"} {
		if !strings.Contains(agents.String(), want) {
			t.Errorf("no client evidence for %q", want)
		}
	}
}

// contoso carries each of its deliberate traps.
func TestContosoScenarioFacts(t *testing.T) {
	s := collectBuiltin(t, "contoso")
	if len(s.Errors()) > 0 {
		t.Fatalf("errors: %+v", s.Errors())
	}
	fed, _ := s.Domain("contoso.com")
	if fed.Federation == nil || fed.Federation.FederatedIdpMfaBehavior != "acceptIfMfaDoneByFederatedIdp" {
		t.Errorf("contoso.com federation: %+v", fed.Federation)
	}
	reportOnly := false
	for _, p := range s.Entra.ConditionalAccess {
		if p.State == "enabledForReportingButNotEnforced" && strings.Join(p.ClientAppTypes, ",") == "exchangeActiveSync,other" {
			reportOnly = true
		}
	}
	if !reportOnly {
		t.Error("no report-only legacy-auth CA policy")
	}
	// SMTP AUTH: the tenant allows it, most mailboxes inherit (null).
	if s.Exchange.TransportConfig.SmtpClientAuthenticationDisabled {
		t.Error("the tenant must allow SMTP AUTH")
	}
	nulls := 0
	for _, m := range s.Exchange.CASMailboxes {
		if m.SmtpClientAuthenticationDisabled == nil {
			nulls++
		}
	}
	if nulls != 16 {
		t.Errorf("%d mailboxes inherit SMTP AUTH, want 16", nulls)
	}
	scanner := mailbox(s, "scanner@contoso.com")
	if scanner == nil || !scanner.ImapEnabled || scanner.SmtpClientAuthenticationDisabled == nil || *scanner.SmtpClientAuthenticationDisabled {
		t.Errorf("scanner: %+v", scanner)
	}
	assigned := 0
	for _, u := range s.Exchange.Users {
		if u.AuthenticationPolicy == "Block Basic Authentication" {
			assigned++
		}
	}
	if assigned != 6 || s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy != "" {
		t.Errorf("block policy on %d users (want 6), default %q (want none)", assigned, s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy)
	}
	rules := officePolicy(t, s).Rules
	if len(rules) != 5 {
		t.Fatalf("%d rules, want 5", len(rules))
	}
	allow, deny := rules[0], rules[1]
	if allow.Access != "ALLOW" || len(allow.GroupsInclude) != 1 || strings.Join(allow.Office365Client, ",") != "EXCHANGE_ACTIVE_SYNC" ||
		deny.Access != "DENY" || len(deny.GroupsExclude) != 1 || allow.Priority >= deny.Priority {
		t.Errorf("the legacy allow rule must sit above the deny rule: %+v / %+v", allow, deny)
	}
	if mfa := rules[3]; mfa.FactorMode != "2FA" || strings.Join(mfa.Office365Client, ",") != "WEB,MODERN_AUTH" {
		t.Errorf("MFA rule: %+v", mfa)
	}
}

// okta-classic: the rules are unreadable, and the System Log still tells.
func TestOktaClassicScenarioFacts(t *testing.T) {
	s := collectBuiltin(t, "okta-classic")
	if s.Okta.Pipeline != "v1" || s.Okta.IdentityEngine() {
		t.Errorf("pipeline %q", s.Okta.Pipeline)
	}
	st, _ := s.Status("okta.policies")
	if st.State != tenant.StateError || !strings.Contains(st.Error, "Classic") || !strings.Contains(st.Fix, "by hand") {
		t.Errorf("okta.policies: %+v", st)
	}
	if len(s.Errors()) != 1 {
		t.Errorf("only the rules may be missing: %+v", s.Errors())
	}
	active := 0
	for _, l := range s.Okta.Logs {
		if strings.HasSuffix(l.RequestURI, "/sso/wsfed/active") {
			active++
		}
	}
	if active == 0 {
		t.Error("no System Log evidence of legacy (wsfed/active) sign-ins")
	}
}
