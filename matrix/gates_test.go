package matrix

import (
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/tenant"
)

// Two users: ann@contoso.test on a managed domain, fred@fab.test on a
// domain federated to Okta. Everything is open; the date is one on which
// every protocol still takes basic auth and POP/IMAP/SMTP have OAuth.
const (
	ann  = "ann@contoso.test"
	fred = "fred@fab.test"

	oktaFred   = "00ufred"
	grpSales   = "00gsales"
	grpExcept  = "00gexcept"
	zoneOffice = "nzooffice"
	appPolicy  = "rstO365"
	decoyPol   = "rstDefault"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func mailbox(alias, upn, id string) tenant.CASMailbox {
	return tenant.CASMailbox{Identity: alias, Name: alias, DisplayName: alias, PrimarySmtpAddress: upn, ExternalDirectoryObjectID: id,
		OWAEnabled: true, MAPIEnabled: true, EwsEnabled: true, ActiveSyncEnabled: true, PopEnabled: true, ImapEnabled: true}
}

func catchAll(access, factor string) tenant.OktaRule {
	return tenant.OktaRule{ID: "0prcatch", Name: "Catch-all Rule", Status: "ACTIVE", Priority: 99, System: true, Access: access, FactorMode: factor}
}

func base() *tenant.Snapshot {
	s := &tenant.Snapshot{
		SchemaVersion: tenant.SchemaVersion,
		AsOf:          day("2021-06-01"),
		Tenant:        tenant.Tenant{ID: "t1", DisplayName: "Test"},
		Domains: []tenant.Domain{
			{Name: "contoso.test", AuthenticationType: "Managed", IsVerified: true, SupportedServices: []string{"Email"}},
			{Name: "fab.test", AuthenticationType: "Federated", IsVerified: true, SupportedServices: []string{"Email"},
				Federation: &tenant.Federation{ID: "f1", IssuerURI: "http://www.okta.com/exk1", FederatedIdpMfaBehavior: "acceptIfMfaDoneByFederatedIdp"}},
		},
		Users: []tenant.User{
			{ID: "id-ann", UserPrincipalName: ann, DisplayName: "Ann", AccountEnabled: true, UserType: "Member"},
			{ID: "id-fred", UserPrincipalName: fred, DisplayName: "Fred", AccountEnabled: true, UserType: "Member"},
		},
		Exchange: tenant.Exchange{
			OrganizationConfig: &tenant.OrganizationConfig{OAuth2ClientProfileEnabled: true, EwsEnabled: nil},
			TransportConfig:    &tenant.TransportConfig{SmtpClientAuthenticationDisabled: false},
			CASMailboxes:       []tenant.CASMailbox{mailbox("ann", ann, "id-ann"), mailbox("fred", fred, "id-fred")},
			Users: []tenant.ExchangeUser{
				{Identity: "ann", UserPrincipalName: ann, ExternalDirectoryObjectID: "id-ann", RecipientTypeDetails: "UserMailbox", RemotePowerShellEnabled: yes()},
				{Identity: "fred", UserPrincipalName: fred, ExternalDirectoryObjectID: "id-fred", RecipientTypeDetails: "UserMailbox", RemotePowerShellEnabled: yes()},
			},
			AuthenticationPolicies: []tenant.AuthPolicy{},
		},
		Entra: tenant.Entra{SecurityDefaults: &tenant.SecurityDefaults{IsEnabled: false}},
		Okta: tenant.Okta{
			Configured: true, OrgURL: "https://fab.okta.com", Pipeline: "idx",
			Apps: []tenant.OktaApp{{ID: "0oaO365", Name: "office365", Label: "Microsoft Office 365", Status: "ACTIVE",
				SignOnMode: "SAML_1_1", Domain: "fab.test", AccessPolicyID: appPolicy}},
			Policies: []tenant.OktaPolicy{
				// The decoy: listed first, allows everything.
				{ID: decoyPol, Name: "Default Policy", Type: "ACCESS_POLICY", Status: "ACTIVE", System: true,
					Rules: []tenant.OktaRule{catchAll("ALLOW", "1FA")}},
				{ID: appPolicy, Name: "Microsoft Office 365", Type: "ACCESS_POLICY", Status: "ACTIVE",
					Rules: []tenant.OktaRule{catchAll("ALLOW", "1FA")}},
			},
			Groups: []tenant.OktaGroup{
				{ID: "00geveryone", Name: "Everyone", Type: "BUILT_IN", Members: []string{oktaFred}},
				{ID: grpSales, Name: "Sales", Members: []string{oktaFred}},
				{ID: grpExcept, Name: "Legacy exceptions", Members: []string{}},
			},
			Users: []tenant.OktaUser{{ID: oktaFred, Status: "ACTIVE", Login: fred,
				Factors: []tenant.OktaFactor{{ID: "opf1", FactorType: "push", Status: "ACTIVE"}}}},
			Zones: []tenant.OktaZone{{ID: zoneOffice, Name: "Office egress", Type: "IP"}},
		},
	}
	for _, id := range []string{
		"graph.users", "graph.domains", "graph.conditionalAccess", "graph.securityDefaults",
		"exchange.Get-CASMailbox", "exchange.Get-User", "exchange.Get-OrganizationConfig",
		"exchange.Get-TransportConfig", "exchange.Get-AuthenticationPolicy",
		"okta.org", "okta.apps", "okta.policies", "okta.groups", "okta.users", "okta.zones",
	} {
		s.SetStatus(tenant.SourceStatus{ID: id, Service: strings.SplitN(id, ".", 2)[0], State: tenant.StateOK})
	}
	return s
}

// fail marks a source as not collected.
func fail(s *tenant.Snapshot, id string) {
	s.SetStatus(tenant.SourceStatus{ID: id, Service: strings.SplitN(id, ".", 2)[0], State: tenant.StateError, HTTPStatus: 403, Error: "Forbidden"})
}

func rules(s *tenant.Snapshot, rs ...tenant.OktaRule) {
	for i := range s.Okta.Policies {
		if s.Okta.Policies[i].ID == appPolicy {
			s.Okta.Policies[i].Rules = rs
		}
	}
}

func policy(name string, allow bool) tenant.AuthPolicy {
	p := tenant.AuthPolicy{Identity: name, Name: name, AllowBasicAuth: map[string]bool{}}
	for _, sw := range tenant.AuthPolicySwitches {
		p.AllowBasicAuth[sw] = allow
	}
	return p
}

func mbx(s *tenant.Snapshot, alias string) *tenant.CASMailbox {
	for i := range s.Exchange.CASMailboxes {
		if s.Exchange.CASMailboxes[i].Identity == alias {
			return &s.Exchange.CASMailboxes[i]
		}
	}
	panic(alias)
}

func exUser(s *tenant.Snapshot, alias string) *tenant.ExchangeUser {
	for i := range s.Exchange.Users {
		if s.Exchange.Users[i].Identity == alias {
			return &s.Exchange.Users[i]
		}
	}
	panic(alias)
}

type gateCase struct {
	name   string
	change func(s *tenant.Snapshot)
	user   string
	p      Protocol
	m      Method
	want   Verdict
	// gate and text: a reason of this gate whose text contains text.
	gate, text string
}

func runGateCases(t *testing.T, cases []gateCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			if c.change != nil {
				c.change(s)
			}
			m := Evaluate(s)
			u := m.User(c.user)
			if u == nil {
				t.Fatalf("no user %s", c.user)
			}
			a := u.Access(c.p, c.m)
			found := false
			for _, r := range a.Reasons {
				if r.Gate == c.gate && strings.Contains(r.Text, c.text) {
					found = true
				}
			}
			if a.Verdict != c.want || !found {
				t.Errorf("%s %s/%s = %s, want %s with a %s reason containing %q; reasons:\n%s",
					c.user, c.p, c.m, a.Verdict, c.want, c.gate, c.text, dump(a.Reasons))
			}
		})
	}
}

func dump(rs []Reason) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("  [" + r.Gate + "/" + r.Effect + "] " + r.Text + "\n")
	}
	return b.String()
}

func TestGateAccount(t *testing.T) {
	runGateCases(t, []gateCase{
		{"enabled", nil, ann, POP, Basic, Password, GateAccount, "accountEnabled true"},
		{"disabled", func(s *tenant.Snapshot) { s.Users[0].AccountEnabled = false }, ann, POP, Basic, Blocked, GateAccount, "sign-in disabled"},
		{"disabled but the method does not exist", func(s *tenant.Snapshot) { s.Users[0].AccountEnabled = false }, ann, OWA, Basic, Unsupported, GatePlatform, "browser sign-in"},
		{"graph users missing, Get-User says enabled", func(s *tenant.Snapshot) { fail(s, "graph.users") }, ann, POP, Basic, Password, GateAccount, "AccountDisabled false"},
		{"graph users missing, Get-User says disabled", func(s *tenant.Snapshot) {
			fail(s, "graph.users")
			exUser(s, "ann").AccountDisabled = true
		}, ann, POP, Basic, Blocked, GateAccount, "AccountDisabled true"},
		{"both missing", func(s *tenant.Snapshot) {
			fail(s, "graph.users")
			fail(s, "exchange.Get-User")
		}, ann, IMAP, Modern, Unknown, GateAccount, "graph.users could not be collected (HTTP 403)"},
		{"unknown account, later gate blocks", func(s *tenant.Snapshot) {
			fail(s, "graph.users")
			fail(s, "exchange.Get-User")
			mbx(s, "ann").PopEnabled = false
		}, ann, POP, Basic, Blocked, GateMailbox, "mailbox ann has PopEnabled false"},
		{"no graph row", func(s *tenant.Snapshot) { s.Users = s.Users[1:]; fail(s, "exchange.Get-User") }, ann, POP, Basic, Unknown, GateAccount, "no Entra user matches mailbox ann"},
	})
}

func TestGatePlatform(t *testing.T) {
	at := func(d string) func(*tenant.Snapshot) { return func(s *tenant.Snapshot) { s.AsOf = day(d) } }
	runGateCases(t, []gateCase{
		{"OWA never takes basic", nil, ann, OWA, Basic, Unsupported, GatePlatform, "never takes Basic auth"},
		{"2019: no OAuth for IMAP", at("2019-06-01"), ann, IMAP, Modern, Unsupported, GatePlatform, "no OAuth"},
		{"2020-04-30: OAuth for IMAP", at("2020-04-30"), ann, IMAP, Modern, Password, GatePlatform, "2020-04-30"},
		{"2022-09-30: POP basic accepted", at("2022-09-30"), ann, POP, Basic, Password, GatePlatform, "accepted"},
		{"2022-10-01: POP basic uncertain", at("2022-10-01"), ann, POP, Basic, Unknown, GatePlatform, "began retiring it on 2022-10-01"},
		{"2022-12-31: uncertain, a mailbox switch still blocks", func(s *tenant.Snapshot) {
			s.AsOf = day("2022-12-31")
			mbx(s, "ann").PopEnabled = false
		}, ann, POP, Basic, Blocked, GateMailbox, "PopEnabled false"},
		{"2023-01-01: retired", at("2023-01-01"), ann, POP, Basic, Blocked, GatePlatform, "retired by Microsoft on 2022-10-01"},
		{"retired before account", func(s *tenant.Snapshot) {
			s.AsOf = day("2024-01-01")
			s.Users[0].AccountEnabled = false
		}, ann, ActiveSync, Basic, Blocked, GatePlatform, "retired by Microsoft on 2022-10-01"},
		{"SMTP basic still accepted in 2026", at("2026-12-31"), ann, SMTP, Basic, Password, GatePlatform, "unchanged through December 2026"},
		{"SMTP basic uncertain from 2027", at("2027-01-01"), ann, SMTP, Basic, Unknown, GatePlatform, "admins can re-enable"},
		{"SMTP basic uncertain, mailbox blocks", func(s *tenant.Snapshot) {
			s.AsOf = day("2027-01-01")
			mbx(s, "ann").SmtpClientAuthenticationDisabled = yes()
		}, ann, SMTP, Basic, Blocked, GateMailbox, "SmtpClientAuthenticationDisabled true"},
		{"EWS gone 2027-04-01", func(s *tenant.Snapshot) {
			s.AsOf = day("2027-04-01")
			s.Exchange.OrganizationConfig.EwsEnabled = yes()
		}, ann, EWS, Modern, Blocked, GatePlatform, "retired by Microsoft on 2027-04-01"},
		{"PowerShell modern after RPS", at("2024-01-01"), ann, PowerShell, Modern, Password, GatePlatform, "REST-based v3 module"},
	})
}

func TestGateMailbox(t *testing.T) {
	off := func(f func(m *tenant.CASMailbox)) func(*tenant.Snapshot) {
		return func(s *tenant.Snapshot) { f(mbx(s, "ann")) }
	}
	runGateCases(t, []gateCase{
		{"POP on", nil, ann, POP, Basic, Password, GateMailbox, "mailbox ann has PopEnabled true"},
		{"POP off", off(func(m *tenant.CASMailbox) { m.PopEnabled = false }), ann, POP, Modern, Blocked, GateMailbox, "mailbox ann has PopEnabled false"},
		{"IMAP off", off(func(m *tenant.CASMailbox) { m.ImapEnabled = false }), ann, IMAP, Basic, Blocked, GateMailbox, "ImapEnabled false"},
		{"OWA off", off(func(m *tenant.CASMailbox) { m.OWAEnabled = false }), ann, OWA, Modern, Blocked, GateMailbox, "OWAEnabled false"},
		{"MAPI off", off(func(m *tenant.CASMailbox) { m.MAPIEnabled = false }), ann, MAPI, Basic, Blocked, GateMailbox, "MAPIEnabled false"},
		{"RPC follows MAPIEnabled", off(func(m *tenant.CASMailbox) { m.MAPIEnabled = false }), ann, RPC, Modern, Blocked, GateMailbox, "also governs Outlook Anywhere"},
		{"ActiveSync off", off(func(m *tenant.CASMailbox) { m.ActiveSyncEnabled = false }), ann, ActiveSync, Basic, Blocked, GateMailbox, "ActiveSyncEnabled false"},
		{"EWS mailbox off", off(func(m *tenant.CASMailbox) { m.EwsEnabled = false }), ann, EWS, Basic, Blocked, GateMailbox, "EwsEnabled false"},
		{"EWS org off", func(s *tenant.Snapshot) { s.Exchange.OrganizationConfig.EwsEnabled = no() }, ann, EWS, Modern, Blocked, GateMailbox, "organisation has EwsEnabled false"},
		{"EWS org null before 2026-10-01", func(s *tenant.Snapshot) { s.AsOf = day("2026-09-30") }, ann, EWS, Modern, Password, GateMailbox, "EwsEnabled null (EWS on"},
		{"EWS org null from 2026-10-01", func(s *tenant.Snapshot) { s.AsOf = day("2026-10-01") }, ann, EWS, Modern, Blocked, GateMailbox, "switched to False on 2026-10-01"},
		{"EWS org true after 2026-10-01", func(s *tenant.Snapshot) {
			s.AsOf = day("2026-10-01")
			s.Exchange.OrganizationConfig.EwsEnabled = yes()
		}, ann, EWS, Modern, Password, GateMailbox, "EwsEnabled true"},
		{"EWS org config missing", func(s *tenant.Snapshot) { fail(s, "exchange.Get-OrganizationConfig") }, ann, EWS, Modern, Unknown, GateMailbox, "Get-OrganizationConfig could not be collected"},
		{"SMTP null inherits tenant on", nil, ann, SMTP, Basic, Password, GateMailbox, "null-inheritance trap"},
		{"SMTP null inherits tenant off", func(s *tenant.Snapshot) { s.Exchange.TransportConfig.SmtpClientAuthenticationDisabled = true }, ann, SMTP, Basic, Blocked, GateMailbox, "inherits Get-TransportConfig SmtpClientAuthenticationDisabled true"},
		{"SMTP null, transport missing", func(s *tenant.Snapshot) { fail(s, "exchange.Get-TransportConfig") }, ann, SMTP, Modern, Unknown, GateMailbox, "inherits the tenant's value, but exchange.Get-TransportConfig"},
		{"SMTP explicit false beats tenant off", func(s *tenant.Snapshot) {
			s.Exchange.TransportConfig.SmtpClientAuthenticationDisabled = true
			mbx(s, "ann").SmtpClientAuthenticationDisabled = no()
		}, ann, SMTP, Basic, Password, GateMailbox, "explicitly on"},
		{"SMTP explicit true", off(func(m *tenant.CASMailbox) { m.SmtpClientAuthenticationDisabled = yes() }), ann, SMTP, Modern, Blocked, GateMailbox, "SmtpClientAuthenticationDisabled true"},
		{"PowerShell off", func(s *tenant.Snapshot) { exUser(s, "ann").RemotePowerShellEnabled = no() }, ann, PowerShell, Modern, Blocked, GateMailbox, "RemotePowerShellEnabled false"},
		{"PowerShell, Get-User missing", func(s *tenant.Snapshot) { fail(s, "exchange.Get-User") }, ann, PowerShell, Modern, Unknown, GateMailbox, "exchange.Get-User could not be collected"},
		{"PowerShell, no Get-User row", func(s *tenant.Snapshot) { s.Exchange.Users = s.Exchange.Users[1:] }, ann, PowerShell, Modern, Unknown, GateMailbox, "no Get-User row for mailbox ann"},
	})
}

func TestGatePolicy(t *testing.T) {
	runGateCases(t, []gateCase{
		{"none", nil, ann, POP, Basic, Password, GatePolicy, "no authentication policy assigned and no org default: basic auth allowed"},
		{"org default blocks", func(s *tenant.Snapshot) {
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{policy("Block Basic", false)}
			s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy = "Block Basic"
		}, ann, POP, Basic, Blocked, GatePolicy, `"Block Basic" (the org default) has AllowBasicAuthPop false`},
		{"assignment beats the default", func(s *tenant.Snapshot) {
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{policy("Block Basic", false), policy("Allow all", true)}
			s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy = "Block Basic"
			exUser(s, "ann").AuthenticationPolicy = "Allow all"
		}, ann, IMAP, Basic, Password, GatePolicy, `"Allow all" (assigned to ann) has AllowBasicAuthImap true`},
		{"flags per protocol", func(s *tenant.Snapshot) {
			p := policy("SMTP only", false)
			p.AllowBasicAuth["Smtp"] = true
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{p}
			exUser(s, "ann").AuthenticationPolicy = "SMTP only"
		}, ann, ActiveSync, Basic, Blocked, GatePolicy, "AllowBasicAuthActiveSync false"},
		{"EWS is WebServices", func(s *tenant.Snapshot) {
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{policy("Block Basic", false)}
			exUser(s, "ann").AuthenticationPolicy = "Block Basic"
		}, ann, EWS, Basic, Blocked, GatePolicy, "AllowBasicAuthWebServices false"},
		{"PowerShell is Powershell", func(s *tenant.Snapshot) {
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{policy("Block Basic", false)}
			exUser(s, "ann").AuthenticationPolicy = "Block Basic"
		}, ann, PowerShell, Basic, Blocked, GatePolicy, "AllowBasicAuthPowershell false"},
		{"modern is not gated", func(s *tenant.Snapshot) {
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{policy("Block Basic", false)}
			s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy = "Block Basic"
		}, ann, POP, Modern, Password, GateMailbox, "PopEnabled true"},
		{"assigned policy not collected", func(s *tenant.Snapshot) { exUser(s, "ann").AuthenticationPolicy = "Ghost" }, ann, POP, Basic, Unknown, GatePolicy, `"Ghost" (assigned to ann) is not among the collected policies`},
		{"policies not collected", func(s *tenant.Snapshot) {
			s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy = "Block Basic"
			fail(s, "exchange.Get-AuthenticationPolicy")
		}, ann, POP, Basic, Unknown, GatePolicy, "cannot be read: exchange.Get-AuthenticationPolicy could not be collected"},
		{"policies not collected, mailbox blocks first", func(s *tenant.Snapshot) {
			s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy = "Block Basic"
			fail(s, "exchange.Get-AuthenticationPolicy")
			mbx(s, "ann").PopEnabled = false
		}, ann, POP, Basic, Blocked, GateMailbox, "PopEnabled false"},
		{"policies not collected, Entra blocks later", func(s *tenant.Snapshot) {
			s.Exchange.OrganizationConfig.DefaultAuthenticationPolicy = "Block Basic"
			fail(s, "exchange.Get-AuthenticationPolicy")
			s.Entra.SecurityDefaults.IsEnabled = true
		}, ann, POP, Basic, Blocked, GateEntra, "security defaults are on"},
		{"Get-User not collected", func(s *tenant.Snapshot) { fail(s, "exchange.Get-User") }, ann, POP, Basic, Unknown, GatePolicy, "whether ann is assigned an authentication policy is unknown"},
		{"org config not collected", func(s *tenant.Snapshot) { fail(s, "exchange.Get-OrganizationConfig") }, ann, POP, Basic, Unknown, GatePolicy, "org default is unknown"},
		{"switch not reported", func(s *tenant.Snapshot) {
			p := policy("Partial", false)
			delete(p.AllowBasicAuth, "Pop")
			s.Exchange.AuthenticationPolicies = []tenant.AuthPolicy{p}
			exUser(s, "ann").AuthenticationPolicy = "Partial"
		}, ann, POP, Basic, Unknown, GatePolicy, "does not report AllowBasicAuthPop"},
	})
}

func TestGateModern(t *testing.T) {
	off := func(s *tenant.Snapshot) { s.Exchange.OrganizationConfig.OAuth2ClientProfileEnabled = false }
	runGateCases(t, []gateCase{
		{"on", nil, ann, MAPI, Modern, Password, GateModern, "OAuth2ClientProfileEnabled is true"},
		{"off: MAPI", off, ann, MAPI, Modern, Unsupported, GateModern, "Outlook for Windows cannot use modern auth"},
		{"off: RPC", off, ann, RPC, Modern, Unsupported, GateModern, "Outlook for Windows cannot use modern auth"},
		{"off: EWS unaffected", off, ann, EWS, Modern, Password, GateModern, "affects only Outlook for Windows"},
		{"off: ActiveSync unaffected", off, ann, ActiveSync, Modern, Password, GateModern, "affects only Outlook for Windows"},
		{"off: IMAP unaffected", off, ann, IMAP, Modern, Password, GateModern, "affects only Outlook for Windows"},
		{"off: OWA unaffected", off, ann, OWA, Modern, Password, GateMailbox, "OWAEnabled true"},
		{"off: basic unaffected", off, ann, MAPI, Basic, Password, GatePolicy, "no authentication policy"},
		{"off beats a disabled mailbox", func(s *tenant.Snapshot) { off(s); mbx(s, "ann").MAPIEnabled = false }, ann, MAPI, Modern, Unsupported, GateModern, "cannot use modern auth"},
		{"org config missing", func(s *tenant.Snapshot) { fail(s, "exchange.Get-OrganizationConfig") }, ann, MAPI, Modern, Unknown, GateModern, "OAuth2ClientProfileEnabled) is unknown"},
	})
}

func TestGateOkta(t *testing.T) {
	deny := func(name string, prio int, clients ...string) tenant.OktaRule {
		return tenant.OktaRule{ID: "0pr" + name, Name: name, Status: "ACTIVE", Priority: prio, Access: "DENY", FactorMode: "1FA", NetworkConnection: "ANYWHERE", Office365Client: clients}
	}
	allow := func(name string, prio int, factor string, clients ...string) tenant.OktaRule {
		return tenant.OktaRule{ID: "0pr" + name, Name: name, Status: "ACTIVE", Priority: prio, Access: "ALLOW", FactorMode: factor, NetworkConnection: "ANYWHERE", Office365Client: clients}
	}
	with := func(r tenant.OktaRule, f func(*tenant.OktaRule)) tenant.OktaRule { f(&r); return r }
	set := func(rs ...tenant.OktaRule) func(*tenant.Snapshot) {
		return func(s *tenant.Snapshot) { rules(s, rs...) }
	}

	runGateCases(t, []gateCase{
		{"catch-all allow 1FA, basic", nil, fred, POP, Basic, Password, GateOkta, `Okta rule "Catch-all Rule" (priority 99) allows every client for everyone with a password only`},
		{"catch-all allow 1FA, OWA", nil, fred, OWA, Modern, Password, GateOkta, "Catch-all Rule"},
		{"managed users skip Okta", set(catchAll("DENY", "")), ann, POP, Basic, Password, GateOkta, "domain contoso.test is managed, not federated: Okta is not involved"},
		{"the app's policy, not the decoy", set(catchAll("DENY", "")), fred, IMAP, Basic, Blocked, GateOkta, "denies every client for everyone"},
		{"deny legacy", set(deny("Deny legacy", 1, oktaLegacy), allow("Web and modern with MFA", 2, "2FA", oktaWeb, oktaModern), catchAll("DENY", "")),
			fred, ActiveSync, Basic, Blocked, GateOkta, `"Deny legacy" (priority 1) denies legacy clients for everyone`},
		{"modern gets MFA", set(deny("Deny legacy", 1, oktaLegacy), allow("Web and modern with MFA", 2, "2FA", oktaWeb, oktaModern), catchAll("DENY", "")),
			fred, MAPI, Modern, MFA, GateOkta, "only with MFA"},
		{"MFA rule for a legacy client", set(allow("Everything with MFA", 1, "2FA"), catchAll("DENY", "")),
			fred, POP, Basic, Blocked, GateOkta, "a legacy client cannot answer"},
		{"possession-only 1FA is not a password", set(with(allow("Passwordless", 1, "1FA"), func(r *tenant.OktaRule) { r.Constraints = []string{"possession"} }), catchAll("DENY", "")),
			fred, OWA, Modern, MFA, GateOkta, "Passwordless"},
		{"implicit deny", set(allow("Web only", 1, "1FA", oktaWeb)), fred, IMAP, Modern, Blocked, GateOkta, "Okta denies (implicit deny)"},
		{"group include matches", set(with(allow("Sales mobile legacy", 0, "1FA", oktaLegacy), func(r *tenant.OktaRule) { r.GroupsInclude = []string{grpSales} }), deny("Deny legacy", 1, oktaLegacy)),
			fred, ActiveSync, Basic, Password, GateOkta, `Okta rule "Sales mobile legacy" (priority 0) allows legacy clients for group Sales with a password only`},
		{"group include does not match", set(with(allow("Exceptions", 0, "1FA", oktaLegacy), func(r *tenant.OktaRule) { r.GroupsInclude = []string{grpExcept} }), deny("Deny legacy", 1, oktaLegacy)),
			fred, ActiveSync, Basic, Blocked, GateOkta, "Deny legacy"},
		{"group exclude", set(with(deny("Deny legacy", 0, oktaLegacy), func(r *tenant.OktaRule) { r.GroupsExclude = []string{grpSales} }), catchAll("ALLOW", "1FA")),
			fred, POP, Basic, Password, GateOkta, "Catch-all Rule"},
		{"user include", set(with(allow("Fred only", 0, "1FA"), func(r *tenant.OktaRule) { r.UsersInclude = []string{oktaFred} }), catchAll("DENY", "")),
			fred, POP, Basic, Password, GateOkta, "for 1 listed user"},
		{"user exclude", set(with(allow("Not Fred", 0, "1FA"), func(r *tenant.OktaRule) { r.UsersExclude = []string{oktaFred} }), catchAll("DENY", "")),
			fred, POP, Basic, Blocked, GateOkta, "Catch-all Rule"},
		{"inactive rules do not count", set(with(allow("Old", 0, "1FA"), func(r *tenant.OktaRule) { r.Status = "INACTIVE" }), catchAll("DENY", "")),
			fred, POP, Basic, Blocked, GateOkta, "Catch-all Rule"},
		{"zone include: restricted", set(with(allow("Office only", 0, "1FA", oktaLegacy), func(r *tenant.OktaRule) {
			r.NetworkConnection, r.NetworkInclude = "ZONE", []string{zoneOffice}
		}), catchAll("DENY", "")), fred, IMAP, Basic, Restricted, GateOkta, "from zone Office egress only"},
		{"zone exclude: deny outside the office only", set(with(deny("Deny outside", 0), func(r *tenant.OktaRule) {
			r.NetworkConnection, r.NetworkExclude = "ZONE", []string{zoneOffice}
		}), catchAll("ALLOW", "1FA")), fred, IMAP, Basic, Restricted, GateOkta, "so only from zone Office egress"},
		{"zone include MFA, outside password", set(with(allow("Office MFA", 0, "2FA"), func(r *tenant.OktaRule) {
			r.NetworkConnection, r.NetworkInclude = "ZONE", []string{zoneOffice}
		}), catchAll("ALLOW", "1FA")), fred, OWA, Modern, Password, GateOkta, "Catch-all Rule"},
		{"trusted device: restricted", set(with(allow("Managed devices", 0, "1FA"), func(r *tenant.OktaRule) { r.DeviceManaged, r.DeviceRegistered = yes(), yes() }), catchAll("DENY", "")),
			fred, ActiveSync, Modern, Restricted, GateOkta, "from a registered or managed device only"},
		{"platform deny does not protect", set(with(deny("Deny iOS", 0), func(r *tenant.OktaRule) { r.PlatformInclude = []string{"MOBILE/IOS"} }), catchAll("ALLOW", "1FA")),
			fred, ActiveSync, Basic, Password, GateOkta, `Okta rule "Deny iOS" (priority 0) above it does not protect`},
		{"platform allow is the attacker's", set(with(allow("Windows", 0, "1FA"), func(r *tenant.OktaRule) { r.PlatformInclude = []string{"DESKTOP/WINDOWS"} }), catchAll("DENY", "")),
			fred, MAPI, Modern, Password, GateOkta, "platform condition is the attacker's choice"},
		{"ANY/ANY platform is no condition", set(with(deny("Deny all platforms", 0), func(r *tenant.OktaRule) { r.PlatformInclude = []string{"ANY/ANY"} }), catchAll("ALLOW", "1FA")),
			fred, MAPI, Modern, Blocked, GateOkta, "Deny all platforms"},
		{"unmodelled: taken as matching", set(with(allow("Odd", 0, "1FA"), func(r *tenant.OktaRule) { r.Unmodelled = []string{"userType"} }), catchAll("DENY", "")),
			fred, POP, Modern, Password, GateOkta, "conditions not evaluated, taken as matching: userType"},
		{"no Okta account", func(s *tenant.Snapshot) { s.Okta.Users = nil }, fred, POP, Basic, Blocked, GateOkta, "no Okta account with login fred@fab.test"},
		{"suspended", func(s *tenant.Snapshot) { s.Okta.Users[0].Status = "SUSPENDED" }, fred, POP, Basic, Blocked, GateOkta, "is SUSPENDED"},
		{"okta.users not collected", func(s *tenant.Snapshot) { fail(s, "okta.users") }, fred, POP, Basic, Unknown, GateOkta, "okta.users could not be collected"},
		{"Classic Engine", func(s *tenant.Snapshot) {
			s.Okta.Pipeline = "v1"
			s.SetStatus(tenant.SourceStatus{ID: "okta.policies", Service: "okta", State: tenant.StateError, Error: "Classic Engine: not readable"})
		}, fred, OWA, Modern, Unknown, GateOkta, "Classic Engine: the Office 365 app's sign-on rules are not readable"},
		{"Okta not configured", func(s *tenant.Snapshot) { s.Okta = tenant.Okta{} }, fred, OWA, Modern, Unknown, GateOkta, "no Okta org was collected"},
		{"Okta unknown, Entra blocks", func(s *tenant.Snapshot) {
			s.Okta = tenant.Okta{}
			s.Entra.SecurityDefaults.IsEnabled = true
		}, fred, POP, Basic, Blocked, GateEntra, "security defaults are on"},
		{"groups unknown and deciding", func(s *tenant.Snapshot) {
			fail(s, "okta.groups")
			rules(s, with(allow("Sales", 0, "1FA"), func(r *tenant.OktaRule) { r.GroupsInclude = []string{grpSales} }), catchAll("DENY", ""))
		}, fred, POP, Basic, Unknown, GateOkta, "whether the user is in the groups of Okta rule \"Sales\" (priority 0) is unknown"},
		{"groups unknown but irrelevant", func(s *tenant.Snapshot) {
			fail(s, "okta.groups")
			rules(s, with(allow("Sales web", 0, "1FA", oktaWeb), func(r *tenant.OktaRule) { r.GroupsInclude = []string{grpSales} }), catchAll("DENY", ""))
		}, fred, POP, Basic, Blocked, GateOkta, "Catch-all Rule"},
		{"the app covering the domain", func(s *tenant.Snapshot) {
			s.Okta.Apps[0].Domain = "other.test"
			s.Okta.Apps = append(s.Okta.Apps, tenant.OktaApp{ID: "0oa2", Name: "office365", Status: "ACTIVE", Domains: []string{"x.test", "fab.test"}, AccessPolicyID: decoyPol})
			rules(s, catchAll("DENY", ""))
		}, fred, POP, Basic, Password, GateOkta, "Catch-all Rule\" (priority 99) allows"},
		{"no app", func(s *tenant.Snapshot) { s.Okta.Apps = nil }, fred, POP, Basic, Unknown, GateOkta, "Okta lists no Office 365 app"},
		{"inactive app", func(s *tenant.Snapshot) { s.Okta.Apps[0].Status = "INACTIVE" }, fred, POP, Basic, Blocked, GateOkta, "is INACTIVE"},
		{"policy not collected", func(s *tenant.Snapshot) { s.Okta.Policies = s.Okta.Policies[:1] }, fred, POP, Basic, Unknown, GateOkta, "is not among the collected policies"},
		{"domains unknown", func(s *tenant.Snapshot) { fail(s, "graph.domains") }, fred, POP, Basic, Unknown, GateOkta, "whether domain fab.test is federated"},
		{"MFA without a factor: said", func(s *tenant.Snapshot) {
			s.Okta.Users[0].Factors = nil
			rules(s, allow("MFA", 0, "2FA"))
		}, fred, OWA, Modern, MFA, GateOkta, "has no active Okta factor"},
	})
}

func TestGateEntra(t *testing.T) {
	ca := func(name, state string, controls []string, clients ...string) tenant.CAPolicy {
		return tenant.CAPolicy{ID: name, DisplayName: name, State: state, IncludeUsers: []string{"All"},
			IncludeApplications: []string{"All"}, ClientAppTypes: clients, GrantOperator: "OR", BuiltInControls: controls}
	}
	add := func(ps ...tenant.CAPolicy) func(*tenant.Snapshot) {
		return func(s *tenant.Snapshot) { s.Entra.ConditionalAccess = append(s.Entra.ConditionalAccess, ps...) }
	}
	with := func(p tenant.CAPolicy, f func(*tenant.CAPolicy)) tenant.CAPolicy { f(&p); return p }
	legacy := ca("Block legacy", "enabled", []string{"block"}, "exchangeActiveSync", "other")
	mfa := ca("MFA for all", "enabled", []string{"mfa"}, "all")
	sd := func(s *tenant.Snapshot) { s.Entra.SecurityDefaults.IsEnabled = true }

	runGateCases(t, []gateCase{
		{"nothing", nil, ann, POP, Basic, Password, GateEntra, "security defaults are off and no enabled conditional access policy applies to other legacy clients"},
		{"security defaults: basic", sd, ann, POP, Basic, Blocked, GateEntra, "Entra blocks legacy authentication"},
		{"security defaults: modern", sd, ann, POP, Modern, MFA, GateEntra, "Entra requires MFA"},
		{"legacy block: other", add(legacy), ann, IMAP, Basic, Blocked, GateEntra, `"Block legacy" blocks for other legacy clients`},
		{"legacy block: EAS", add(legacy), ann, ActiveSync, Basic, Blocked, GateEntra, "Exchange ActiveSync legacy clients"},
		{"legacy block: modern untouched", add(legacy), ann, ActiveSync, Modern, Password, GateEntra, "no enabled conditional access policy"},
		{"report-only does not enforce", add(with(legacy, func(p *tenant.CAPolicy) { p.State = "enabledForReportingButNotEnforced" })),
			ann, IMAP, Basic, Password, GateEntra, `report-only policy "Block legacy" (blocks) does not enforce`},
		{"disabled is ignored", add(with(legacy, func(p *tenant.CAPolicy) { p.State = "disabled" })), ann, IMAP, Basic, Password, GateEntra, "no enabled"},
		{"excluded user", add(with(legacy, func(p *tenant.CAPolicy) { p.ExcludeUsers = []string{"id-ann"} })), ann, IMAP, Basic, Password, GateEntra, "no enabled"},
		{"included by id", add(with(legacy, func(p *tenant.CAPolicy) { p.IncludeUsers = []string{"id-ann"} })), ann, IMAP, Basic, Blocked, GateEntra, "Block legacy"},
		{"included by group: not counted", add(with(legacy, func(p *tenant.CAPolicy) { p.IncludeUsers, p.IncludeGroups = nil, []string{"g1"} })),
			ann, IMAP, Basic, Password, GateEntra, "cannot resolve, so it is not counted as protecting"},
		{"included by role: not counted", add(with(mfa, func(p *tenant.CAPolicy) { p.IncludeUsers, p.IncludeRoles = nil, []string{"r1"} })),
			ann, OWA, Modern, Password, GateEntra, "cannot resolve"},
		{"excluded groups: not counted", add(with(legacy, func(p *tenant.CAPolicy) { p.ExcludeGroups = []string{"g1"} })),
			ann, IMAP, Basic, Password, GateEntra, "cannot resolve"},
		{"MFA for modern", add(mfa), ann, OWA, Modern, MFA, GateEntra, `"MFA for all" requires MFA for browsers`},
		{"MFA for basic blocks", add(mfa), ann, SMTP, Basic, Blocked, GateEntra, "which a legacy client cannot provide"},
		{"Exchange app id", add(with(mfa, func(p *tenant.CAPolicy) { p.IncludeApplications = []string{exchangeAppID} })), ann, MAPI, Modern, MFA, GateEntra, "MFA for all"},
		{"Office365 app", add(with(mfa, func(p *tenant.CAPolicy) { p.IncludeApplications = []string{"Office365"} })), ann, MAPI, Modern, MFA, GateEntra, "MFA for all"},
		{"another app", add(with(mfa, func(p *tenant.CAPolicy) { p.IncludeApplications = []string{"some-app"} })), ann, MAPI, Modern, Password, GateEntra, "no enabled"},
		{"Exchange excluded", add(with(mfa, func(p *tenant.CAPolicy) { p.ExcludeApplications = []string{"Office365"} })), ann, MAPI, Modern, Password, GateEntra, "no enabled"},
		{"browser only", add(with(mfa, func(p *tenant.CAPolicy) { p.ClientAppTypes = []string{"browser"} })), ann, MAPI, Modern, Password, GateEntra, "no enabled"},
		{"compliant device", add(with(mfa, func(p *tenant.CAPolicy) { p.BuiltInControls = []string{"compliantDevice"} })), ann, MAPI, Modern, Restricted, GateEntra, "a compliant device"},
		{"MFA or compliant device", add(with(mfa, func(p *tenant.CAPolicy) { p.BuiltInControls = []string{"mfa", "compliantDevice"} })), ann, MAPI, Modern, Restricted, GateEntra, "MFA or a compliant device"},
		{"MFA and compliant device", add(with(mfa, func(p *tenant.CAPolicy) {
			p.BuiltInControls, p.GrantOperator = []string{"mfa", "compliantDevice"}, "AND"
		})), ann, MAPI, Modern, MFA, GateEntra, "MFA and a compliant device"},
		{"most restrictive policy wins", add(with(mfa, func(p *tenant.CAPolicy) { p.BuiltInControls = []string{"compliantDevice"} }), mfa, with(mfa, func(p *tenant.CAPolicy) {
			p.DisplayName, p.BuiltInControls = "Block all", []string{"block"}
		})), ann, MAPI, Modern, Blocked, GateEntra, `"Block all" blocks`},
		{"CA not collected", func(s *tenant.Snapshot) { fail(s, "graph.conditionalAccess") }, ann, OWA, Modern, Unknown, GateEntra, "graph.conditionalAccess could not be collected"},
		{"CA not collected, security defaults block", func(s *tenant.Snapshot) { sd(s); fail(s, "graph.conditionalAccess") }, ann, POP, Basic, Blocked, GateEntra, "security defaults are on"},
		{"security defaults not collected", func(s *tenant.Snapshot) { fail(s, "graph.securityDefaults") }, ann, POP, Basic, Unknown, GateEntra, "graph.securityDefaults could not be collected"},
		{"security defaults not collected, CA blocks", func(s *tenant.Snapshot) {
			fail(s, "graph.securityDefaults")
			s.Entra.ConditionalAccess = []tenant.CAPolicy{legacy}
		}, ann, POP, Basic, Blocked, GateEntra, "Block legacy"},
		{"federated: who does the MFA", add(mfa), fred, OWA, Modern, MFA, GateEntra, "federatedIdpMfaBehavior is acceptIfMfaDoneByFederatedIdp"},
		{"federated: enforce", func(s *tenant.Snapshot) {
			s.Entra.ConditionalAccess = []tenant.CAPolicy{mfa}
			s.Domains[1].Federation.FederatedIdpMfaBehavior = "enforceMfaByFederatedIdp"
		}, fred, MAPI, Modern, MFA, GateEntra, "Entra sends the user back to Okta"},
		{"Okta password, Entra MFA", add(mfa), fred, MAPI, Modern, MFA, GateEntra, "MFA for all"},
		{"Okta restricted, Entra MFA", func(s *tenant.Snapshot) {
			s.Entra.ConditionalAccess = []tenant.CAPolicy{mfa}
			r := catchAll("ALLOW", "1FA")
			r.Priority, r.System, r.NetworkConnection, r.NetworkInclude = 0, false, "ZONE", []string{zoneOffice}
			rules(s, r, catchAll("DENY", ""))
		}, fred, MAPI, Modern, MFA, GateEntra, "MFA for all"},
		{"Okta unknown, Entra MFA", func(s *tenant.Snapshot) {
			s.Entra.ConditionalAccess = []tenant.CAPolicy{mfa}
			fail(s, "okta.users")
		}, fred, MAPI, Modern, Unknown, GateOkta, "okta.users"},
		{"Okta MFA, Entra nothing", func(s *tenant.Snapshot) {
			r := catchAll("ALLOW", "2FA")
			rules(s, r)
		}, fred, MAPI, Modern, MFA, GateOkta, "only with MFA"},
	})
}

// Factors not read (okta.factors skipped): the MFA reason makes no claim
// about the user's factors either way.
func TestGateOktaFactorsNotRead(t *testing.T) {
	s := base()
	s.Okta.Users[0].Factors = []tenant.OktaFactor{}
	rules(s, tenant.OktaRule{ID: "0prMFA", Name: "MFA", Status: "ACTIVE", Priority: 0, Access: "ALLOW", FactorMode: "2FA", NetworkConnection: "ANYWHERE"})
	s.SetStatus(tenant.SourceStatus{ID: "okta.factors", Service: "okta", State: tenant.StateSkipped, Fix: "not read: one request per Okta user"})
	a := Evaluate(s).User(fred).Access(OWA, Modern)
	if a.Verdict != MFA {
		t.Fatalf("verdict %s, want MFA; reasons:\n%s", a.Verdict, dump(a.Reasons))
	}
	for _, r := range a.Reasons {
		if strings.Contains(r.Text, "factor") && strings.Contains(r.Text, "no active") {
			t.Errorf("a reason claims no factor though none were read: %q", r.Text)
		}
	}
}
