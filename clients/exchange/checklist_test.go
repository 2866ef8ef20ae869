package exchange_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/exchange"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
)

// optRows returns a cmdlet's rows and whether the scenario lists it.
func optRows(doc map[string]any, cmdlet string) ([]map[string]any, bool) {
	v, ok := doc["exchange"].(map[string]any)[cmdlet]
	if !ok {
		return nil, false
	}
	var out []map[string]any
	for _, r := range v.([]any) {
		out = append(out, r.(map[string]any))
	}
	return out, true
}

func strsOf(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, strOf(x))
		}
	}
	return out
}

func sameStrs(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b)) }

// defender are the cmdlets a tenant has only with Defender for Office 365.
var defender = []string{"Get-SafeLinksPolicy", "Get-SafeLinksRule", "Get-SafeAttachmentPolicy", "Get-SafeAttachmentRule"}

// Every checklist source arrives as the scenario file has it, field by
// field, on every built-in and the minimal example (which lists only the
// DKIM and audit-log rows: the rest answer empty, or "not recognized" for
// the Defender cmdlets).
func TestChecklistMatchesScenario(t *testing.T) {
	for _, file := range scenarioFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			srv, doc := startSim(t, file, sim.Options{PageSize: 2})
			tenantID := doc["tenant"].(map[string]any)["id"].(string)
			snap, reps, errs := collectAll(t, exchange.Config{BaseURL: srv.URL(), TenantID: tenantID, Credential: auth.Static("t")})
			for _, cmdlet := range exchange.ChecklistCmdlets() {
				if err := errs["exchange."+cmdlet]; err != nil {
					t.Fatalf("%s: %v", cmdlet, err)
				}
				if _, ok := reps["exchange."+cmdlet]; !ok {
					t.Fatalf("no task for %s", cmdlet)
				}
			}
			cl := snap.Exchange.Checklist

			if w, ok := optRows(doc, "Get-AdminAuditLogConfig"); ok && len(w) > 0 {
				g := cl.AdminAuditLog
				if g == nil || g.Identity != strOf(w[0]["Identity"]) || g.UnifiedAuditLogIngestionEnabled != boolOf(w[0]["UnifiedAuditLogIngestionEnabled"]) ||
					g.AdminAuditLogEnabled != boolOf(w[0]["AdminAuditLogEnabled"]) {
					t.Errorf("admin audit log: got %+v, scenario %v", g, w[0])
				}
			} else if cl.AdminAuditLog != nil {
				t.Errorf("admin audit log from nowhere: %+v", cl.AdminAuditLog)
			}

			mbx, _ := optRows(doc, "Get-Mailbox")
			if len(cl.Mailboxes) != len(mbx) {
				t.Fatalf("Get-Mailbox: got %d, scenario %d", len(cl.Mailboxes), len(mbx))
			}
			if len(mbx) > 2 {
				if _, pages, _ := reps["exchange.Get-Mailbox"].Counts(); pages < 2 {
					t.Errorf("Get-Mailbox with page size 2 over %d rows came in %d page(s)", len(mbx), pages)
				}
			}
			for i, w := range mbx {
				g := cl.Mailboxes[i]
				if g.Identity != strOf(w["Identity"]) || g.UserPrincipalName != strOf(w["UserPrincipalName"]) || g.PrimarySmtpAddress != strOf(w["PrimarySmtpAddress"]) ||
					g.ExternalDirectoryObjectID != strOf(w["ExternalDirectoryObjectId"]) || g.RecipientTypeDetails != strOf(w["RecipientTypeDetails"]) ||
					g.AuditEnabled != boolOf(w["AuditEnabled"]) || g.AuditLogAgeLimit != strOf(w["AuditLogAgeLimit"]) {
					t.Errorf("mailbox %d: got %+v, scenario %v", i, g, w)
				}
			}

			bypass, _ := optRows(doc, "Get-MailboxAuditBypassAssociation")
			var want []string
			for _, w := range bypass {
				if boolOf(w["AuditBypassEnabled"]) {
					want = append(want, strOf(w["Identity"]))
				}
			}
			var got []string
			for _, b := range cl.AuditBypass {
				got = append(got, b.Identity)
			}
			if !sameStrs(got, want) || cl.AuditBypassRead != len(bypass) {
				t.Errorf("audit bypass: got %q of %d rows, scenario %q of %d", got, cl.AuditBypassRead, want, len(bypass))
			}

			dkim, _ := optRows(doc, "Get-DkimSigningConfig")
			if len(cl.DKIM) != len(dkim) {
				t.Fatalf("DKIM: got %d, scenario %d", len(cl.DKIM), len(dkim))
			}
			for i, w := range dkim {
				g := cl.DKIM[i]
				if g.Domain != strOf(w["Domain"]) || g.Enabled != boolOf(w["Enabled"]) || g.Status != strOf(w["Status"]) ||
					g.Selector1CNAME != strOf(w["Selector1CNAME"]) || g.Selector2CNAME != strOf(w["Selector2CNAME"]) {
					t.Errorf("DKIM %d: got %+v, scenario %v", i, g, w)
				}
			}

			groups, _ := optRows(doc, "Get-RoleGroup")
			if len(cl.RoleGroups) != len(groups) {
				t.Fatalf("role groups: got %d, scenario %d", len(cl.RoleGroups), len(groups))
			}
			for i, w := range groups {
				g := cl.RoleGroups[i]
				if g.Name != strOf(w["Name"]) || g.Identity != strOf(w["Identity"]) || !sameStrs(g.Members, strsOf(w["Members"])) || g.RoleGroupType != strOf(w["RoleGroupType"]) {
					t.Errorf("role group %d: got %+v, scenario %v", i, g, w)
				}
			}

			mal, _ := optRows(doc, "Get-MalwareFilterPolicy")
			if len(cl.MalwareFilterPolicies) != len(mal) {
				t.Fatalf("malware policies: got %d, scenario %d", len(cl.MalwareFilterPolicies), len(mal))
			}
			for i, w := range mal {
				g := cl.MalwareFilterPolicies[i]
				if g.Name != strOf(w["Name"]) || g.IsDefault != boolOf(w["IsDefault"]) || g.EnableFileFilter != boolOf(w["EnableFileFilter"]) ||
					g.ZapEnabled != boolOf(w["ZapEnabled"]) || g.EnableInternalSenderAdminNotifications != boolOf(w["EnableInternalSenderAdminNotifications"]) ||
					g.InternalSenderAdminAddress != strOf(w["InternalSenderAdminAddress"]) {
					t.Errorf("malware policy %d: got %+v, scenario %v", i, g, w)
				}
			}

			// Defender for Office 365: listed in the scenario = licensed.
			for _, cmdlet := range defender {
				_, listed := optRows(doc, cmdlet)
				msg, unavailable := cl.NotAvailable(cmdlet)
				switch {
				case listed && unavailable:
					t.Errorf("%s is in the scenario but was recorded as unavailable: %s", cmdlet, msg)
				case !listed && (!unavailable || !strings.Contains(msg, "not licensed") || !strings.Contains(msg, "is not recognized")):
					t.Errorf("%s is not in the scenario: want 'not licensed' with the service's words, got %q (unavailable %v)", cmdlet, msg, unavailable)
				}
			}
			links, _ := optRows(doc, "Get-SafeLinksPolicy")
			if len(cl.SafeLinksPolicies) != len(links) {
				t.Fatalf("Safe Links policies: got %d, scenario %d", len(cl.SafeLinksPolicies), len(links))
			}
			for i, w := range links {
				g := cl.SafeLinksPolicies[i]
				for name, got := range map[string]bool{"IsBuiltInProtection": g.IsBuiltInProtection, "EnableSafeLinksForEmail": g.EnableSafeLinksForEmail,
					"EnableSafeLinksForTeams": g.EnableSafeLinksForTeams, "EnableSafeLinksForOffice": g.EnableSafeLinksForOffice, "ScanUrls": g.ScanUrls,
					"DeliverMessageAfterScan": g.DeliverMessageAfterScan, "EnableForInternalSenders": g.EnableForInternalSenders,
					"TrackClicks": g.TrackClicks, "AllowClickThrough": g.AllowClickThrough, "DisableUrlRewrite": g.DisableUrlRewrite} {
					if got != boolOf(w[name]) {
						t.Errorf("Safe Links %s %s: got %v, scenario %v", g.Name, name, got, w[name])
					}
				}
				if g.Name != strOf(w["Name"]) || g.RecommendedPolicyType != strOf(w["RecommendedPolicyType"]) {
					t.Errorf("Safe Links %d: got %+v", i, g)
				}
			}
			att, _ := optRows(doc, "Get-SafeAttachmentPolicy")
			if len(cl.SafeAttachmentPolicies) != len(att) {
				t.Fatalf("Safe Attachments policies: got %d, scenario %d", len(cl.SafeAttachmentPolicies), len(att))
			}
			for i, w := range att {
				g := cl.SafeAttachmentPolicies[i]
				if g.Name != strOf(w["Name"]) || g.Enable != boolOf(w["Enable"]) || g.Action != strOf(w["Action"]) || g.IsBuiltInProtection != boolOf(w["IsBuiltInProtection"]) {
					t.Errorf("Safe Attachments %d: got %+v, scenario %v", i, g, w)
				}
			}
			for cmdlet, got := range map[string][]tenant.ProtectionRule{"Get-SafeLinksRule": cl.SafeLinksRules, "Get-SafeAttachmentRule": cl.SafeAttachmentRules} {
				rules, _ := optRows(doc, cmdlet)
				if len(got) != len(rules) {
					t.Fatalf("%s: got %d, scenario %d", cmdlet, len(got), len(rules))
				}
				key := strings.TrimSuffix(strings.TrimPrefix(cmdlet, "Get-"), "Rule") + "Policy"
				for i, w := range rules {
					g := got[i]
					if g.Name != strOf(w["Name"]) || g.Policy != strOf(w[key]) || g.State != strOf(w["State"]) || float64(g.Priority) != w["Priority"].(float64) ||
						!sameStrs(g.RecipientDomainIs, strsOf(w["RecipientDomainIs"])) || !sameStrs(g.SentTo, strsOf(w["SentTo"])) ||
						!sameStrs(g.ExceptIfRecipientDomainIs, strsOf(w["ExceptIfRecipientDomainIs"])) {
						t.Errorf("%s %d: got %+v, scenario %v", cmdlet, i, g, w)
					}
				}
			}

			if w, _ := optRows(doc, "Get-IRMConfiguration"); len(w) > 0 {
				g := cl.IRM
				if g == nil || g.AzureRMSLicensingEnabled != boolOf(w[0]["AzureRMSLicensingEnabled"]) || g.InternalLicensingEnabled != boolOf(w[0]["InternalLicensingEnabled"]) ||
					g.ExternalLicensingEnabled != boolOf(w[0]["ExternalLicensingEnabled"]) || g.SimplifiedClientAccessEnabled != boolOf(w[0]["SimplifiedClientAccessEnabled"]) {
					t.Errorf("IRM: got %+v, scenario %v", g, w[0])
				}
			} else if cl.IRM != nil {
				t.Errorf("IRM from an empty answer: %+v", cl.IRM)
			}
			if w, _ := optRows(doc, "Get-SmimeConfig"); len(w) > 0 {
				g := cl.SMIME
				ca := w[0]["SMIMECertificateIssuingCA"]
				if g == nil || g.CertificateIssuingCA != (ca != nil && ca != "") || g.OWAAlwaysSign != boolOf(w[0]["OWAAlwaysSign"]) || g.OWAAlwaysEncrypt != boolOf(w[0]["OWAAlwaysEncrypt"]) {
					t.Fatalf("S/MIME: got %+v, scenario %v", g, w[0])
				}
				if exp := strOf(w[0]["SMIMECertificatesExpiryDate"]); exp != "" {
					want, _ := sim.ParseTime(exp)
					if !g.CertificatesExpiryDate.Equal(want) {
						t.Errorf("S/MIME expiry: got %v, scenario %s", g.CertificatesExpiryDate, exp)
					}
				} else if !g.CertificatesExpiryDate.IsZero() {
					t.Errorf("S/MIME expiry from null: %v", g.CertificatesExpiryDate)
				}
			} else if cl.SMIME != nil {
				t.Errorf("S/MIME from an empty answer: %+v", cl.SMIME)
			}

			in, _ := optRows(doc, "Get-InboundConnector")
			if len(cl.InboundConnectors) != len(in) {
				t.Fatalf("inbound connectors: got %d, scenario %d", len(cl.InboundConnectors), len(in))
			}
			for i, w := range in {
				g := cl.InboundConnectors[i]
				if g.Name != strOf(w["Name"]) || g.Enabled != boolOf(w["Enabled"]) || g.ConnectorType != strOf(w["ConnectorType"]) || g.RequireTls != boolOf(w["RequireTls"]) ||
					g.RestrictDomainsToCertificate != boolOf(w["RestrictDomainsToCertificate"]) || g.TlsSenderCertificateName != strOf(w["TlsSenderCertificateName"]) ||
					!sameStrs(g.SenderDomains, strsOf(w["SenderDomains"])) || !sameStrs(g.SenderIPAddresses, strsOf(w["SenderIPAddresses"])) {
					t.Errorf("inbound connector %d: got %+v, scenario %v", i, g, w)
				}
			}
			out, _ := optRows(doc, "Get-OutboundConnector")
			if len(cl.OutboundConnectors) != len(out) {
				t.Fatalf("outbound connectors: got %d, scenario %d", len(cl.OutboundConnectors), len(out))
			}
			for i, w := range out {
				g := cl.OutboundConnectors[i]
				if g.Name != strOf(w["Name"]) || g.Enabled != boolOf(w["Enabled"]) || g.ConnectorType != strOf(w["ConnectorType"]) ||
					g.TlsSettings != strOf(w["TlsSettings"]) || g.TlsDomain != strOf(w["TlsDomain"]) || g.UseMXRecord != boolOf(w["UseMXRecord"]) ||
					!sameStrs(g.RecipientDomains, strsOf(w["RecipientDomains"])) || !sameStrs(g.SmartHosts, strsOf(w["SmartHosts"])) {
					t.Errorf("outbound connector %d: got %+v, scenario %v", i, g, w)
				}
			}
		})
	}
}

// forbidding serves the simulator through a proxy that answers the named
// cmdlets as the service does when the role cannot run them: 403 with a
// body of NULs.
func forbidding(t *testing.T, target string, cmdlets ...string) string {
	t.Helper()
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(cmdlets, r.Header.Get("X-CmdletName")) {
			w.WriteHeader(http.StatusForbidden)
			w.Write(make([]byte, 4096))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// A checklist cmdlet the role cannot run is an error naming the role that
// reads it, with the cmdlet in the fix.
func TestChecklistForbiddenNamesTheRole(t *testing.T) {
	srv, doc := startSim(t, "../../sim/scenarios/contoso.json", sim.Options{})
	base := forbidding(t, srv.URL(), "Get-Mailbox", "Get-SafeLinksPolicy", "Get-RoleGroup")
	cfg := exchange.Config{BaseURL: base, TenantID: doc["tenant"].(map[string]any)["id"].(string), Credential: auth.Static("t"), MaxRetries: 1, RetryBase: time.Millisecond}
	_, _, errs := collectAll(t, cfg)
	for cmdlet, role := range map[string][]string{
		"Get-Mailbox":         {"Global Reader", "View-Only Recipients", "Security Reader alone is not enough"},
		"Get-SafeLinksPolicy": {"Security Reader", "Global Reader"},
		"Get-RoleGroup":       {"Global Reader", "View-Only Organization Management"},
	} {
		var f *collect.Failure
		if err := errs["exchange."+cmdlet]; !errors.As(err, &f) || f.HTTPStatus != http.StatusForbidden {
			t.Fatalf("%s: want a 403 failure, got %#v", cmdlet, err)
		}
		for _, w := range append(role, cmdlet) {
			if !strings.Contains(f.Fix, w) {
				t.Errorf("%s: fix %q does not say %q", cmdlet, f.Fix, w)
			}
		}
		if exchange.ReadRole(cmdlet) != f.Fix {
			t.Errorf("%s: the fix is not ReadRole's", cmdlet)
		}
	}
	for _, cmdlet := range []string{"Get-MalwareFilterPolicy", "Get-DkimSigningConfig", "Get-IRMConfiguration"} {
		if err := errs["exchange."+cmdlet]; err != nil {
			t.Errorf("%s was not forbidden but failed: %v", cmdlet, err)
		}
	}
}

// "Not recognized" means "not licensed" only for the Defender cmdlets;
// for any other cmdlet it stays an error. A malformed row is the source's
// error, not a crash.
func TestChecklistNotRecognizedAndMalformed(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Header.Get("X-CmdletName") {
		case "Get-IRMConfiguration", "Get-SafeAttachmentPolicy":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":{"code":"BadRequest","message":"Error executing cmdlet","details":[{"code":"Client","target":"","message":"Ex4D2A91|System.Management.Automation.CommandNotFoundException|The term '` +
				r.Header.Get("X-CmdletName") + `' is not recognized as a name of a cmdlet."}]}}`))
		case "Get-Mailbox":
			w.Write([]byte(`{"value":[{"Identity":"a","AuditEnabled":"yes"}]}`))
		default:
			w.Write([]byte(`{"value":[]}`))
		}
	}))
	t.Cleanup(ts.Close)
	_, _, errs := collectAll(t, exchange.Config{BaseURL: ts.URL, TenantID: "x", Credential: auth.Static("t"), MaxRetries: 1, RetryBase: time.Millisecond})
	if err := errs["exchange.Get-IRMConfiguration"]; err == nil || !strings.Contains(err.Error(), "not recognized") {
		t.Errorf("Get-IRMConfiguration not recognized: want an error, got %v", err)
	}
	if err := errs["exchange.Get-SafeAttachmentPolicy"]; err != nil {
		t.Errorf("Get-SafeAttachmentPolicy not recognized is 'not licensed', not an error: %v", err)
	}
	if err := errs["exchange.Get-Mailbox"]; err == nil || !strings.Contains(err.Error(), "AuditEnabled") {
		t.Errorf("malformed Get-Mailbox row: want an error naming the property, got %v", err)
	}
}

// The not-licensed answer lands in the snapshot through the real task.
func TestChecklistNotLicensedRecorded(t *testing.T) {
	srv, doc := startSim(t, "../../sim/scenarios/whitepaper.json", sim.Options{})
	for _, task := range exchange.Tasks(exchange.Config{BaseURL: srv.URL(), TenantID: doc["tenant"].(map[string]any)["id"].(string), Credential: auth.Static("t")}) {
		if task.ID != "exchange.Get-SafeLinksPolicy" {
			continue
		}
		apply, err := task.Run(context.Background(), collect.NewReporter(task.ID, task.Service, nil))
		if err != nil {
			t.Fatal(err)
		}
		s := &tenant.Snapshot{}
		apply(s)
		msg, ok := s.Exchange.Checklist.NotAvailable("get-safelinkspolicy")
		if !ok || !strings.Contains(msg, "Defender for Office 365") || len(s.Exchange.Checklist.SafeLinksPolicies) != 0 {
			t.Errorf("want Get-SafeLinksPolicy unavailable (not licensed), got %q %v", msg, ok)
		}
		return
	}
	t.Fatal("no Get-SafeLinksPolicy task")
}
