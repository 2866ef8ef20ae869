package assess_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// The Exchange security checklist's tenant settings: one table per check
// on hand-built snapshots (hardened() plus a good checklist, each case
// changing one thing), then the built-in scenarios through the real
// pipeline, as sim/scenarios/README.md describes them.

var checklistIDs = []string{"EXO-AUDIT-ADMIN", "EXO-AUDIT-MAILBOX", "EXO-DKIM", "EXO-RBAC", "EXO-MALWARE", "EXO-SAFE-LINKS",
	"EXO-SAFE-ATTACHMENTS", "EXO-DLP", "EXO-IRM", "EXO-SMIME", "EXO-CONNECTOR-TLS"}

var checklistCmdlets = []string{"Get-AdminAuditLogConfig", "Get-Mailbox", "Get-MailboxAuditBypassAssociation", "Get-DkimSigningConfig",
	"Get-RoleGroup", "Get-MalwareFilterPolicy", "Get-SafeLinksPolicy", "Get-SafeLinksRule", "Get-SafeAttachmentPolicy",
	"Get-SafeAttachmentRule", "Get-IRMConfiguration", "Get-SmimeConfig", "Get-InboundConnector", "Get-OutboundConnector"}

// goodChecklist gives hardened() a checklist that passes every check.
func goodChecklist(s *tenant.Snapshot) {
	s.Exchange.Checklist = tenant.ExchangeChecklist{
		AdminAuditLog: &tenant.AdminAuditLogConfig{Identity: "Admin Audit Log Settings", UnifiedAuditLogIngestionEnabled: true, AdminAuditLogEnabled: true},
		Mailboxes: []tenant.MailboxAudit{
			{Identity: "alice", UserPrincipalName: "alice@example.com", PrimarySmtpAddress: "alice@example.com", ExternalDirectoryObjectID: "u1", RecipientTypeDetails: "UserMailbox", AuditEnabled: true, AuditLogAgeLimit: "90.00:00:00"},
			{Identity: "bob", UserPrincipalName: "bob@example.com", PrimarySmtpAddress: "bob@example.com", ExternalDirectoryObjectID: "u2", RecipientTypeDetails: "UserMailbox", AuditEnabled: true, AuditLogAgeLimit: "90.00:00:00"},
		},
		AuditBypassRead: 3,
		DKIM: []tenant.DkimSigningConfig{
			{Identity: "example.com", Domain: "example.com", Enabled: true, Status: "Valid"},
			{Identity: "example.onmicrosoft.com", Domain: "example.onmicrosoft.com", Enabled: true, Status: "Valid"},
		},
		RoleGroups: []tenant.RoleGroup{
			{Name: "Organization Management", Members: []string{"TenantAdmins_-1234567", "ExchangeServiceAdmins_-7654321", "alice"}},
			{Name: "Recipient Management", Members: []string{}},
		},
		MalwareFilterPolicies: []tenant.MalwareFilterPolicy{{Name: "Default", IsDefault: true, EnableFileFilter: true, ZapEnabled: true, EnableInternalSenderAdminNotifications: true, InternalSenderAdminAddress: "sec@example.com"}},
		SafeLinksPolicies: []tenant.SafeLinksPolicy{{Name: "Built-In Protection Policy", IsBuiltInProtection: true, EnableSafeLinksForEmail: true,
			ScanUrls: true, DeliverMessageAfterScan: true, EnableForInternalSenders: true, TrackClicks: true}},
		SafeAttachmentPolicies: []tenant.SafeAttachmentPolicy{{Name: "Built-In Protection Policy", IsBuiltInProtection: true, Enable: true, Action: "Block"}},
		IRM:                    &tenant.IRMConfiguration{AzureRMSLicensingEnabled: true, InternalLicensingEnabled: true, SimplifiedClientAccessEnabled: true},
		SMIME:                  &tenant.SmimeConfig{CertificateIssuingCA: true, CertificatesExpiryDate: at("2029-01-01T00:00:00Z")},
		OutboundConnectors:     []tenant.OutboundConnector{{Name: "Partner", Enabled: true, ConnectorType: "Partner", RecipientDomains: []string{"partner.example"}, UseMXRecord: true, TlsSettings: "DomainValidation", TlsDomain: "mail.partner.example"}},
		InboundConnectors: []tenant.InboundConnector{{Name: "Partner", Enabled: true, ConnectorType: "Partner", SenderDomains: []string{"smtp:partner.example;1"},
			RequireTls: true, RestrictDomainsToCertificate: true, TlsSenderCertificateName: "mail.partner.example"}},
	}
	for _, c := range checklistCmdlets {
		s.SetStatus(okStatus("exchange." + c))
	}
}

func cl(f func(c *tenant.ExchangeChecklist)) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) { f(&s.Exchange.Checklist) }
}

func failSource(id string, status int, fix string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		s.SetStatus(tenant.SourceStatus{ID: id, Service: "exchange", State: tenant.StateError, HTTPStatus: status, Error: strings.TrimPrefix(id, "exchange.") + ": 403 Forbidden", Fix: fix})
	}
}

func dropSource(id string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		s.Collection = slices.DeleteFunc(s.Collection, func(st tenant.SourceStatus) bool { return st.ID == id })
	}
}

func notLicensed(cmdlets ...string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		c := &s.Exchange.Checklist
		c.Unavailable = map[string]string{}
		for _, x := range cmdlets {
			c.Unavailable[x] = "Microsoft Defender for Office 365 (Plan 1 or 2) is not licensed: the service does not offer this cmdlet to the tenant (HTTP 400: The term '" + x + "' is not recognized as a name of a cmdlet.)"
		}
		c.SafeLinksPolicies, c.SafeAttachmentPolicies, c.SafeLinksRules, c.SafeAttachmentRules = nil, nil, nil, nil
	}
}

func good(extra ...func(*tenant.Snapshot)) []func(*tenant.Snapshot) {
	return append([]func(*tenant.Snapshot){goodChecklist}, extra...)
}

// The good checklist passes everything but DLP, which is never assessed.
func TestChecklistGoodPasses(t *testing.T) {
	s := hardened()
	goodChecklist(s)
	for _, f := range assess.Run(s, assess.Options{}) {
		if !slices.Contains(checklistIDs, f.ID) {
			continue
		}
		want := assess.Pass
		if f.ID == "EXO-DLP" {
			want = assess.Info
		}
		if f.Status != want {
			t.Errorf("%s: %s, want %s: %s %q", f.ID, f.Status, want, f.Detail, f.Evidence)
		}
		if !strings.Contains(f.Detail, "Exchange security checklist, section \"") {
			t.Errorf("%s does not name its checklist section: %s", f.ID, f.Detail)
		}
		if f.Severity == "" || f.Title == "" {
			t.Errorf("%s: severity %q title %q", f.ID, f.Severity, f.Title)
		}
	}
}

// Catalog: the checks sit after the extras and before the DNS checks,
// with the severities argued in checks_exo_checklist.go.
func TestChecklistCatalog(t *testing.T) {
	want := map[string]string{"EXO-AUDIT-ADMIN": "medium", "EXO-AUDIT-MAILBOX": "medium", "EXO-DKIM": "medium", "EXO-RBAC": "medium",
		"EXO-MALWARE": "low", "EXO-SAFE-LINKS": "medium", "EXO-SAFE-ATTACHMENTS": "medium", "EXO-DLP": "info", "EXO-IRM": "low",
		"EXO-SMIME": "low", "EXO-CONNECTOR-TLS": "medium"}
	cat := assess.Catalog()
	start := slices.IndexFunc(cat, func(c assess.Check) bool { return c.ID == checklistIDs[0] })
	if start < 0 || start+len(checklistIDs) > len(cat) {
		t.Fatalf("checklist checks not in the catalog: %+v", cat)
	}
	for i, id := range checklistIDs {
		c := cat[start+i]
		if c.ID != id || c.Severity != want[id] || c.Step != "" || c.Title == "" {
			t.Errorf("catalog[%d] = %+v, want %s (%s)", start+i, c, id, want[id])
		}
	}
	if cat[start-1].ID != "OKTA-ENGINE" || !strings.HasPrefix(cat[start+len(checklistIDs)].ID, "DNS-") {
		t.Errorf("the checklist should sit between the extras and the DNS checks: before %s, after %s", cat[start-1].ID, cat[start+len(checklistIDs)].ID)
	}
}

// Sources: nothing collected is an error, a snapshot without the
// checklist is "not checked", a failed or missing source is an error
// naming the role.
func TestChecklistSources(t *testing.T) {
	t.Run("nothing collected", func(t *testing.T) {
		s := hardened()
		goodChecklist(s)
		s.Collection = nil
		for _, f := range assess.Run(s, assess.Options{}) {
			if slices.Contains(checklistIDs, f.ID) && f.Status != assess.Error {
				t.Errorf("%s: %s with nothing collected", f.ID, f.Status)
			}
		}
	})
	t.Run("checklist not collected", func(t *testing.T) {
		for _, f := range assess.Run(hardened(), assess.Options{}) {
			if slices.Contains(checklistIDs, f.ID) && (f.Status != assess.Info || !strings.Contains(f.Detail, "Not")) {
				t.Errorf("%s without checklist sources: %s: %s", f.ID, f.Status, f.Detail)
			}
		}
	})
	// Each check, with each of its sources failing with a 403.
	needs := map[string][]string{
		"EXO-AUDIT-ADMIN":      {"Get-AdminAuditLogConfig"},
		"EXO-AUDIT-MAILBOX":    {"Get-Mailbox", "Get-MailboxAuditBypassAssociation"},
		"EXO-DKIM":             {"Get-DkimSigningConfig"},
		"EXO-RBAC":             {"Get-RoleGroup"},
		"EXO-MALWARE":          {"Get-MalwareFilterPolicy"},
		"EXO-SAFE-LINKS":       {"Get-SafeLinksPolicy", "Get-SafeLinksRule"},
		"EXO-SAFE-ATTACHMENTS": {"Get-SafeAttachmentPolicy", "Get-SafeAttachmentRule"},
		"EXO-IRM":              {"Get-IRMConfiguration"},
		"EXO-SMIME":            {"Get-SmimeConfig"},
		"EXO-CONNECTOR-TLS":    {"Get-InboundConnector", "Get-OutboundConnector"},
	}
	for id, cmdlets := range needs {
		for _, cmdlet := range cmdlets {
			fix := "assign the Global Reader role in Entra ID (" + cmdlet + ")"
			runTable(t, id, []tc{
				{name: cmdlet + " forbidden", mut: good(failSource("exchange."+cmdlet, 403, fix)), want: assess.Error,
					detail: []string{"Cannot be judged", cmdlet + " could not be read", fix}, evidence: []string{"exchange." + cmdlet + ": error (HTTP 403)"}, affected: -1},
				{name: cmdlet + " missing", mut: good(dropSource("exchange." + cmdlet)), want: assess.Error,
					detail: []string{"Cannot be judged", cmdlet, "Exchange.ManageAsApp", "Reader"}, affected: -1},
			})
		}
	}
	// The mailbox audit also needs the org config's AuditDisabled.
	runTable(t, "EXO-AUDIT-MAILBOX", []tc{{name: "org config failed", mut: good(failSource("exchange.Get-OrganizationConfig", 403, "")),
		want: assess.Error, detail: []string{"Get-OrganizationConfig could not be read", "Global Reader"}, affected: -1}})
	// The specific roles: Get-Mailbox needs more than Security Reader; the
	// protection policies take Security Reader.
	runTable(t, "EXO-AUDIT-MAILBOX", []tc{{name: "Get-Mailbox role", mut: good(dropSource("exchange.Get-Mailbox")), want: assess.Error,
		detail: []string{"View-Only Recipients", "Security Reader alone is not enough"}, affected: -1}})
	runTable(t, "EXO-SAFE-LINKS", []tc{{name: "Safe Links role", mut: good(dropSource("exchange.Get-SafeLinksPolicy")), want: assess.Error,
		detail: []string{"Security Reader or Global Reader"}, affected: -1}})
}

func TestChecklistAuditAdmin(t *testing.T) {
	runTable(t, "EXO-AUDIT-ADMIN", []tc{
		{name: "on", mut: good(), want: assess.Pass, evidence: []string{"UnifiedAuditLogIngestionEnabled = True"}, affected: 0},
		{name: "unified audit log off", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.AdminAuditLog.UnifiedAuditLogIngestionEnabled = false })),
			want: assess.Fail, detail: []string{"UnifiedAuditLogIngestionEnabled = False", "Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true", "Security & Compliance PowerShell always shows", "Data security: auditing"}, affected: 1},
		{name: "admin audit log off", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.AdminAuditLog.AdminAuditLogEnabled = false })),
			want: assess.Fail, detail: []string{"AdminAuditLogEnabled = False"}, affected: 1},
		{name: "no object", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.AdminAuditLog = nil })), want: assess.Error,
			detail: []string{"the service returned no object"}, affected: -1},
	})
}

func TestChecklistAuditMailbox(t *testing.T) {
	shared := cl(func(c *tenant.ExchangeChecklist) {
		c.Mailboxes = append(c.Mailboxes, tenant.MailboxAudit{Identity: "info", PrimarySmtpAddress: "info@example.com", RecipientTypeDetails: "SharedMailbox", AuditEnabled: false})
	})
	room := cl(func(c *tenant.ExchangeChecklist) {
		c.Mailboxes = append(c.Mailboxes, tenant.MailboxAudit{Identity: "room1", PrimarySmtpAddress: "room1@example.com", RecipientTypeDetails: "RoomMailbox", AuditEnabled: false})
	})
	runTable(t, "EXO-AUDIT-MAILBOX", []tc{
		{name: "all audited", mut: good(), want: assess.Pass, detail: []string{"AuditEnabled = True on all 2 user and shared mailboxes"}, affected: 0},
		{name: "org default off", mut: good(func(s *tenant.Snapshot) { s.Exchange.OrganizationConfig.AuditDisabled = true }), want: assess.Fail,
			detail: []string{"AuditDisabled = True", "Set-OrganizationConfig -AuditDisabled $false"}, users: []string{"alice@example.com", "bob@example.com"}},
		{name: "audit bypass", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.AuditBypass = []tenant.AuditBypass{{Identity: "bob", Name: "bob"}}
		})),
			want: assess.Fail, detail: []string{"1 account bypasses mailbox auditing", "bob@example.com", "Set-MailboxAuditBypassAssociation"},
			evidence: []string{"Get-MailboxAuditBypassAssociation bob: AuditBypassEnabled = True"}, users: []string{"bob@example.com"}},
		{name: "bypass of an account without mailbox", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.AuditBypass = []tenant.AuditBypass{{Identity: "svc-backup"}} })),
			want: assess.Fail, users: []string{"svc-backup"}},
		{name: "shared mailbox not audited", mut: good(shared), want: assess.Warn,
			detail: []string{"1 mailbox has AuditEnabled = False", "including shared mailbox info@example.com", "always on shared mailboxes", "Set-Mailbox -AuditEnabled $true"},
			users:  []string{"info@example.com"}},
		{name: "resource mailboxes are not judged", mut: good(room), want: assess.Pass, evidence: []string{"not covered by default mailbox auditing", "room1@example.com (RoomMailbox)"}},
		{name: "bypass outranks AuditEnabled", mut: good(shared, cl(func(c *tenant.ExchangeChecklist) { c.AuditBypass = []tenant.AuditBypass{{Identity: "alice"}} })),
			want: assess.Fail, detail: []string{"bypasses", "info@example.com"}, users: []string{"alice@example.com"}},
	})
}

func TestChecklistDKIM(t *testing.T) {
	addBe := func(s *tenant.Snapshot) {
		s.Domains = append(s.Domains, tenant.Domain{Name: "example.be", AuthenticationType: "Managed", IsVerified: true, IsRoot: true, SupportedServices: []string{"Email"}})
	}
	runTable(t, "EXO-DKIM", []tc{
		{name: "signing", mut: good(), want: assess.Pass, detail: []string{"example.com: Enabled, Status Valid"}, affected: 0},
		{name: "domain without configuration", mut: good(addBe), want: assess.Fail, detail: []string{"example.be: no DKIM signing configuration", "New-DkimSigningConfig -DomainName example.be"}, affected: 1},
		{name: "off with CNAMEs missing", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.DKIM[0].Enabled, c.DKIM[0].Status = false, "CnameMissing"
			c.DKIM[0].Selector1CNAME = "selector1-example-com._domainkey.example.onmicrosoft.com"
		})), want: assess.Fail, detail: []string{"signing is off (Enabled = False, Status CnameMissing)", "selector1._domainkey.example.com → selector1-example-com._domainkey.example.onmicrosoft.com", "Set-DkimSigningConfig -Identity example.com -Enabled $true"}, affected: 1},
		{name: "enabled but not valid", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.DKIM[0].Status = "NoDKIMKeys" })), want: assess.Fail, detail: []string{"Status is NoDKIMKeys"}, affected: 1},
		{name: "domains unknown: judged from the configurations", mut: good(failSource("graph.domains", 403, ""), cl(func(c *tenant.ExchangeChecklist) { c.DKIM[0].Enabled = false })),
			want: assess.Fail, detail: []string{"graph.domains) were not read"}, affected: 1},
		{name: "only the initial domain", mut: good(func(s *tenant.Snapshot) { s.Domains = s.Domains[1:] }), want: assess.Info, detail: []string{"no custom mail domain"}},
	})
}

func TestChecklistRBAC(t *testing.T) {
	members := func(m ...string) func(*tenant.Snapshot) {
		return cl(func(c *tenant.ExchangeChecklist) {
			c.RoleGroups[0].Members = append([]string{"TenantAdmins_-1234567", "ExchangeServiceAdmins_-7654321"}, m...)
		})
	}
	runTable(t, "EXO-RBAC", []tc{
		{name: "one named member", mut: good(), want: assess.Pass, detail: []string{"1 direct member", "alice@example.com", "Global Administrator and Exchange Administrator"}, affected: 0},
		{name: "only Entra roles", mut: good(members()), want: assess.Pass, detail: []string{"0 direct members"}},
		{name: "four is the threshold", mut: good(members("a", "b", "c", "d")), want: assess.Pass},
		{name: "five named members", mut: good(members("alice", "bob", "carol", "dave", "erin")), want: assess.Warn,
			detail: []string{"5 direct members", "threshold of 4", "fewer than five", "Remove-RoleGroupMember"},
			users:  []string{"alice@example.com", "bob@example.com", "carol", "dave", "erin"}},
		{name: "no Organization Management", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.RoleGroups = c.RoleGroups[1:] })), want: assess.Error,
			detail: []string{"but not Organization Management"}, affected: -1},
		{name: "other role groups in evidence", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.RoleGroups[1].Members = []string{"bob"} })), want: assess.Pass,
			evidence: []string{"Get-RoleGroup Recipient Management: direct members bob"}},
	})
}

func TestChecklistMalware(t *testing.T) {
	runTable(t, "EXO-MALWARE", []tc{
		{name: "default filters", mut: good(), want: assess.Pass, affected: 0},
		{name: "file filter off", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.MalwareFilterPolicies[0].EnableFileFilter = false })), want: assess.Warn,
			detail: []string{"EnableFileFilter = False", "Set-MalwareFilterPolicy -Identity Default -EnableFileFilter $true"}, affected: 1},
		{name: "ZAP off in a custom policy", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.MalwareFilterPolicies = append(c.MalwareFilterPolicies, tenant.MalwareFilterPolicy{Name: "Finance", EnableFileFilter: true, EnableInternalSenderAdminNotifications: true})
		})), want: assess.Warn, detail: []string{"Finance: zero-hour auto purge is off"}, affected: 1},
		{name: "notifications are advice only", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.MalwareFilterPolicies[0].EnableInternalSenderAdminNotifications = false
		})),
			want: assess.Pass, detail: []string{"EnableInternalSenderAdminNotifications $true"}},
		{name: "no policy", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.MalwareFilterPolicies = nil })), want: assess.Error, affected: -1},
	})
}

func TestChecklistSafeLinks(t *testing.T) {
	custom := func(email bool, domains ...string) func(*tenant.Snapshot) {
		return cl(func(c *tenant.ExchangeChecklist) {
			c.SafeLinksPolicies = append(c.SafeLinksPolicies, tenant.SafeLinksPolicy{Name: "Custom", EnableSafeLinksForEmail: email, ScanUrls: true, TrackClicks: true, EnableForInternalSenders: true})
			c.SafeLinksRules = append(c.SafeLinksRules, tenant.ProtectionRule{Name: "Custom rule", Policy: "Custom", State: "Enabled", RecipientDomainIs: domains})
		})
	}
	builtInOff := cl(func(c *tenant.ExchangeChecklist) { c.SafeLinksPolicies[0].EnableSafeLinksForEmail = false })
	noBuiltIn := cl(func(c *tenant.ExchangeChecklist) { c.SafeLinksPolicies = nil })
	runTable(t, "EXO-SAFE-LINKS", []tc{
		{name: "built-in protection", mut: good(), want: assess.Pass, detail: []string{"on for every recipient"}, affected: 0},
		{name: "not licensed", mut: good(notLicensed("Get-SafeLinksPolicy", "Get-SafeLinksRule")), want: assess.Info,
			detail: []string{"Not licensed", "Defender for Office 365", "Not a configuration failure"}, evidence: []string{"is not recognized"}, affected: 0},
		{name: "licensed, no policy", mut: good(noBuiltIn), want: assess.Fail, detail: []string{"no Safe Links policy at all"}, affected: 1},
		{name: "built-in off", mut: good(builtInOff), want: assess.Fail, detail: []string{"built-in protection policy", "Safe Links off", "EnableSafeLinksForEmail $true"}, affected: 1},
		{name: "custom rule for every domain", mut: good(noBuiltIn, custom(true, "example.com")), want: assess.Pass, detail: []string{"Custom → in example.com"}},
		{name: "custom rule for part of the domains", mut: good(noBuiltIn, custom(true, "example.com"),
			func(s *tenant.Snapshot) {
				s.Domains = append(s.Domains, tenant.Domain{Name: "example.be", IsVerified: true, SupportedServices: []string{"Email"}})
			}), want: assess.Warn, detail: []string{"protects only the recipients of its custom rules", "-RecipientDomainIs example.be,example.com"}, affected: 1},
		{name: "custom policy with email off beats the built-in", mut: good(custom(false, "example.com")), want: assess.Fail,
			detail: []string{"Rule Custom rule (in example.com) applies policy Custom, which has Safe Links off", "do not fall back to the built-in protection"}, affected: 1},
		{name: "disabled rule applies nothing", mut: good(custom(false, "example.com"), cl(func(c *tenant.ExchangeChecklist) { c.SafeLinksRules[0].State = "Disabled" })),
			want: assess.Pass, evidence: []string{"policy Custom applies to nobody"}},
		{name: "weak settings", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.SafeLinksPolicies[0].AllowClickThrough, c.SafeLinksPolicies[0].EnableForInternalSenders = true, false
		})), want: assess.Warn, detail: []string{"AllowClickThrough = True", "EnableForInternalSenders = False", "-AllowClickThrough $false"}, affected: 1},
		{name: "preset policy only", mut: good(noBuiltIn, cl(func(c *tenant.ExchangeChecklist) {
			c.SafeLinksPolicies = []tenant.SafeLinksPolicy{{Name: "Standard Preset Security Policy1", RecommendedPolicyType: "Standard", EnableSafeLinksForEmail: true, ScanUrls: true, TrackClicks: true, EnableForInternalSenders: true}}
		})), want: assess.Warn, detail: []string{"Get-ATPProtectionPolicyRule"}},
	})
}

func TestChecklistSafeAttachments(t *testing.T) {
	runTable(t, "EXO-SAFE-ATTACHMENTS", []tc{
		{name: "built-in blocks", mut: good(), want: assess.Pass, affected: 0},
		{name: "not licensed", mut: good(notLicensed("Get-SafeAttachmentPolicy", "Get-SafeAttachmentRule")), want: assess.Info, detail: []string{"Not licensed", "Safe Attachments"}},
		{name: "monitor only", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.SafeAttachmentPolicies[0].Action = "Allow" })), want: assess.Warn,
			detail: []string{"monitor only (Action = Allow)", "-Action Block"}, affected: 1},
		{name: "off", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.SafeAttachmentPolicies[0].Enable = false })), want: assess.Fail, affected: 1},
		{name: "rule names a missing policy", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.SafeAttachmentRules = []tenant.ProtectionRule{{Name: "Orphan", Policy: "Gone", State: "Enabled", RecipientDomainIs: []string{"example.com"}}}
		})), want: assess.Pass, evidence: []string{`names policy "Gone"`}},
	})
}

func TestChecklistDLP(t *testing.T) {
	runTable(t, "EXO-DLP", []tc{
		{name: "manual", mut: good(), want: assess.Info, detail: []string{"Not assessed", "Security & Compliance PowerShell", "manual checklist", "Get-DlpCompliancePolicy"}, affected: 0},
	})
}

func TestChecklistIRM(t *testing.T) {
	runTable(t, "EXO-IRM", []tc{
		{name: "on", mut: good(), want: assess.Pass, affected: 0},
		{name: "off", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.IRM.AzureRMSLicensingEnabled = false })), want: assess.Warn,
			detail: []string{"AzureRMSLicensingEnabled = False", "Set-IRMConfiguration -AzureRMSLicensingEnabled $true"}, affected: 1},
		{name: "internal licensing off", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.IRM.InternalLicensingEnabled = false })), want: assess.Warn,
			detail: []string{"InternalLicensingEnabled = False"}, affected: 1},
		{name: "no encrypt button", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.IRM.SimplifiedClientAccessEnabled = false })), want: assess.Pass,
			detail: []string{"SimplifiedClientAccessEnabled $true"}},
		{name: "no object", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.IRM = nil })), want: assess.Error, affected: -1},
	})
}

func TestChecklistSMIME(t *testing.T) {
	runTable(t, "EXO-SMIME", []tc{
		{name: "set up", mut: good(), want: assess.Pass, detail: []string{"2029-01-01"}},
		{name: "not set up", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.SMIME = &tenant.SmimeConfig{} })), want: assess.Info,
			detail: []string{"not set up", "only a gap if the organisation uses S/MIME"}, affected: 0},
		{name: "expired", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.SMIME.CertificatesExpiryDate = at("2026-01-01T00:00:00Z") })), want: assess.Warn,
			detail: []string{"expired (expiry 2026-01-01)"}, affected: 1},
		{name: "expired thumbprint", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.SMIME.ExpiredCertificateThumbprint = "ABCDEF" })), want: assess.Warn,
			evidence: []string{"SMIMEExpiredCertificateThumbprint = ABCDEF"}, affected: 1},
	})
}

func TestChecklistConnectorTLS(t *testing.T) {
	runTable(t, "EXO-CONNECTOR-TLS", []tc{
		{name: "all require TLS", mut: good(), want: assess.Pass, affected: 0},
		{name: "no connectors", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.InboundConnectors, c.OutboundConnectors = nil, nil })), want: assess.Info,
			detail: []string{"no inbound or outbound connectors", "DNS-MTA-STS"}},
		{name: "outbound opportunistic", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.OutboundConnectors[0].TlsSettings = "" })), want: assess.Fail,
			detail: []string{"uses opportunistic TLS (TlsSettings = null)", `Set-OutboundConnector -Identity "Partner" -TlsSettings DomainValidation`}, evidence: []string{"TlsSettings = null"}, affected: 1},
		{name: "outbound encryption only", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.OutboundConnectors[0].TlsSettings = "EncryptionOnly" })), want: assess.Warn,
			detail: []string{"does not validate the certificate"}, affected: 1},
		{name: "inbound without TLS", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.InboundConnectors[0].RequireTls = false })), want: assess.Fail,
			detail: []string{"inbound Partner accepts mail from smtp:partner.example;1 without TLS", "-RequireTls $true"}, affected: 1},
		{name: "inbound TLS without a certificate name", mut: good(cl(func(c *tenant.ExchangeChecklist) { c.InboundConnectors[0].TlsSenderCertificateName = "" })), want: assess.Warn,
			detail: []string{"does not tie the sender to a certificate"}, affected: 1},
		{name: "disabled connectors are not judged", mut: good(cl(func(c *tenant.ExchangeChecklist) {
			c.OutboundConnectors = append(c.OutboundConnectors, tenant.OutboundConnector{Name: "Old", Enabled: false})
		})), want: assess.Pass, detail: []string{"Disabled connectors, not judged: outbound Old"}},
	})
}

// Every manual item is complete, the list covers what the cloud cannot
// show, and it is a fresh value each time.
func TestManualChecklist(t *testing.T) {
	items := assess.ManualChecklist()
	var all strings.Builder
	for i, it := range items {
		if it.Section == "" || it.Title == "" || it.What == "" || it.How == "" {
			t.Errorf("item %d incomplete: %+v", i, it)
		}
		all.WriteString(it.Section + " " + it.Title + " " + it.What + " " + it.How + "\n")
	}
	for _, want := range []string{"Database Availability Group", "Native Data Protection", "VSS", "Anti-virus", "BitLocker", "pre-authenticat", "SSL bridging", "MFA", "DLP", "Device management"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the manual checklist does not mention %q", want)
		}
	}
	if !strings.Contains(assess.ManualNote, "Not assessed") {
		t.Errorf("ManualNote must say the items are not assessed: %q", assess.ManualNote)
	}
	items[0].Title = "changed"
	if !reflect.DeepEqual(assess.ManualChecklist()[1:], items[1:]) || assess.ManualChecklist()[0].Title == "changed" {
		t.Error("ManualChecklist returned shared state")
	}
}

// A snapshot written to a file and read back judges the same.
func TestChecklistSnapshotRoundTrip(t *testing.T) {
	s := hardened()
	goodChecklist(s)
	notLicensed("Get-SafeLinksPolicy")(s)
	cl(func(c *tenant.ExchangeChecklist) { c.AuditBypass = []tenant.AuditBypass{{Identity: "bob"}} })(s)
	data, err := tenant.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := tenant.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(assess.Run(s, assess.Options{}), assess.Run(back, assess.Options{})) {
		t.Error("the checklist findings differ after a round trip through the snapshot file")
	}
}

type want struct {
	status   string
	affected int      // -1: not checked
	users    []string // exact, when not nil
	contains []string
}

func checkSome(t *testing.T, s *tenant.Snapshot, wants map[string]want) {
	t.Helper()
	for _, f := range assess.Run(s, assess.Options{}) {
		w, ok := wants[f.ID]
		if !ok {
			continue
		}
		delete(wants, f.ID)
		if f.Status != w.status {
			t.Errorf("%s: %s, want %s\n%s\n%q", f.ID, f.Status, w.status, f.Detail, f.Evidence)
			continue
		}
		if w.affected >= 0 && f.Affected != w.affected {
			t.Errorf("%s: affected %d, want %d", f.ID, f.Affected, w.affected)
		}
		if w.users != nil && !slices.Equal(f.AffectedUsers, w.users) {
			t.Errorf("%s: affected users %q, want %q", f.ID, f.AffectedUsers, w.users)
		}
		all := f.Detail + "\n" + strings.Join(f.Evidence, "\n")
		for _, c := range w.contains {
			if !strings.Contains(all, c) {
				t.Errorf("%s: no %q in\n%s", f.ID, c, all)
			}
		}
	}
	for id := range wants {
		t.Errorf("no finding %s", id)
	}
}

// The built-in scenarios through the real pipeline, as
// sim/scenarios/README.md describes their checklist outcomes.
func TestChecklistScenarios(t *testing.T) {
	t.Run("whitepaper", func(t *testing.T) {
		checkSome(t, collect(t, "whitepaper"), map[string]want{
			"EXO-AUDIT-ADMIN":      {assess.Fail, 1, nil, []string{"UnifiedAuditLogIngestionEnabled = False"}},
			"EXO-AUDIT-MAILBOX":    {assess.Warn, 40, nil, []string{"40 mailboxes have AuditEnabled = False", "including shared mailbox info@mijndomein.nl", "AuditEnabled = True on 1 of 41"}},
			"EXO-DKIM":             {assess.Fail, 2, nil, []string{"mijndomein.nl: signing is off", "mijndomein.be: signing is off", "CnameMissing"}},
			"EXO-RBAC":             {assess.Pass, 0, nil, []string{"2 direct members", "tim.brouwer@mijndomein.nl (Systeembeheerder)", "jan.janssen@mijndomein.nl"}},
			"EXO-MALWARE":          {assess.Warn, 1, nil, []string{"EnableFileFilter = False"}},
			"EXO-SAFE-LINKS":       {assess.Info, 0, nil, []string{"Not licensed", "Advanced Threat Protection", "'Get-SafeLinksPolicy' is not recognized"}},
			"EXO-SAFE-ATTACHMENTS": {assess.Info, 0, nil, []string{"Not licensed"}},
			"EXO-DLP":              {assess.Info, 0, nil, []string{"Not assessed"}},
			"EXO-IRM":              {assess.Warn, 1, nil, []string{"AzureRMSLicensingEnabled = False"}},
			"EXO-SMIME":            {assess.Info, 0, nil, []string{"not set up"}},
			"EXO-CONNECTOR-TLS":    {assess.Info, 0, nil, []string{"no inbound or outbound connectors"}},
		})
	})
	t.Run("contoso", func(t *testing.T) {
		checkSome(t, collect(t, "contoso"), map[string]want{
			"EXO-AUDIT-ADMIN":   {assess.Pass, 0, nil, nil},
			"EXO-AUDIT-MAILBOX": {assess.Fail, 1, []string{"scanner@contoso.com"}, []string{"AuditBypassEnabled = True", "AuditEnabled = True on 20 of 20"}},
			"EXO-DKIM":          {assess.Fail, 1, nil, []string{"contoso-labs.com: signing is off", "Fine: contoso.com"}},
			"EXO-RBAC": {assess.Warn, 6, []string{"adele.vance@contoso.com", "christie.cline@contoso.com", "diego.siciliani@contoso.com", "miriam.graham@contoso.com",
				"nestor.wilke@contoso.com", "patti.fernandez@contoso.com"}, []string{"6 direct members", "TenantAdmins_-", "ExchangeServiceAdmins_-"}},
			"EXO-MALWARE":          {assess.Pass, 0, nil, nil},
			"EXO-SAFE-LINKS":       {assess.Pass, 0, nil, []string{"Contoso Safe Links → in contoso.com, contoso-labs.com"}},
			"EXO-SAFE-ATTACHMENTS": {assess.Pass, 0, nil, []string{"Action = DynamicDelivery"}},
			"EXO-DLP":              {assess.Info, 0, nil, nil},
			"EXO-IRM":              {assess.Pass, 0, nil, nil},
			"EXO-SMIME":            {assess.Info, 0, nil, nil},
			"EXO-CONNECTOR-TLS":    {assess.Fail, 1, nil, []string{"outbound Litware payroll", "TlsSettings = null", "Fine: inbound Adatum partner (TLS) requires TLS"}},
		})
	})
	t.Run("okta-classic", func(t *testing.T) {
		checkSome(t, collect(t, "okta-classic"), map[string]want{
			"EXO-AUDIT-ADMIN":      {assess.Pass, 0, nil, nil},
			"EXO-AUDIT-MAILBOX":    {assess.Pass, 0, nil, []string{"all 6 user and shared mailboxes"}},
			"EXO-DKIM":             {assess.Pass, 0, nil, []string{"northwind.example: Enabled, Status Valid"}},
			"EXO-RBAC":             {assess.Pass, 0, nil, []string{"0 direct members"}},
			"EXO-MALWARE":          {assess.Pass, 0, nil, nil},
			"EXO-SAFE-LINKS":       {assess.Info, 0, nil, []string{"Not licensed"}},
			"EXO-SAFE-ATTACHMENTS": {assess.Info, 0, nil, []string{"Not licensed"}},
			"EXO-DLP":              {assess.Info, 0, nil, nil},
			"EXO-IRM":              {assess.Pass, 0, nil, nil},
			"EXO-SMIME":            {assess.Pass, 0, nil, []string{"2029-06-30"}},
			"EXO-CONNECTOR-TLS":    {assess.Pass, 0, nil, []string{"outbound Wingtip logistics requires TLS (CertificateValidation)"}},
		})
	})
}

// A cmdlet the role cannot run, end to end: the service's 403 (a body of
// NULs) becomes the source's error, and the finding says which role reads
// it; the other checks are untouched.
func TestChecklistForbiddenEndToEnd(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{})
	u, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(u)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-CmdletName") == "Get-Mailbox" {
			w.WriteHeader(http.StatusForbidden)
			w.Write(make([]byte, 2048))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	cfg.ExchangeURL = ts.URL
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSome(t, snap, map[string]want{
		"EXO-AUDIT-MAILBOX": {assess.Error, -1, nil, []string{"Cannot be judged", "Get-Mailbox could not be read", "403 Forbidden", "Global Reader", "View-Only Recipients", "exchange.Get-Mailbox: error (HTTP 403)"}},
		"EXO-RBAC":          {assess.Warn, 6, nil, nil},
		"EXO-AUDIT-ADMIN":   {assess.Pass, 0, nil, nil},
	})
}
