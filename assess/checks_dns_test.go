package assess

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/collect"
	dnsclient "github.com/harden365/harden365/clients/dns"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// --- hand-built DNS data

func dnsFound(name, typ string, values ...string) tenant.DNSLookup {
	return tenant.DNSLookup{Name: name, Type: typ, Status: tenant.DNSFound, Rcode: "NOERROR", Values: values}
}

func dnsAbsent(name, typ string) tenant.DNSLookup {
	return tenant.DNSLookup{Name: name, Type: typ, Status: tenant.DNSAbsent, Rcode: "NXDOMAIN"}
}

func dnsFailed(name, typ, rcode string) tenant.DNSLookup {
	l := tenant.DNSLookup{Name: name, Type: typ, Status: tenant.DNSError, Rcode: rcode, Error: rcode + " from 192.0.2.53:53"}
	if rcode == "" {
		l.Error = "timeout: no answer from 192.0.2.53:53 within 2s (2 attempts)"
	}
	return l
}

// goodDNS is a domain that passes every DNS check (DKIM: info, as the
// signing configuration is not collected).
func goodDNS(d string) tenant.MailDomainDNS {
	dashed := strings.ReplaceAll(d, ".", "-")
	return tenant.MailDomainDNS{
		Domain:  d,
		MX:      dnsFound(d, "MX", "0 "+dashed+".mail.protection.outlook.com."),
		SPF:     dnsFound(d, "TXT", "v=spf1 include:spf.protection.outlook.com -all"),
		SPFEval: &tenant.SPFEval{Lookups: 1, All: "-all", AllFrom: d, Targets: []string{"include:spf.protection.outlook.com"}},
		DMARC:   dnsFound("_dmarc."+d, "TXT", "v=DMARC1; p=reject; rua=mailto:dmarc@"+d),
		DKIM: []tenant.DNSLookup{
			dnsFound("selector1._domainkey."+d, "CNAME", "selector1-"+dashed+"._domainkey.contoso.onmicrosoft.com."),
			dnsFound("selector2._domainkey."+d, "CNAME", "selector2-"+dashed+"._domainkey.contoso.onmicrosoft.com."),
		},
		MTASTS: dnsFound("_mta-sts."+d, "TXT", "v=STSv1; id=20261101"),
		TLSRPT: dnsFound("_smtp._tls."+d, "TXT", "v=TLSRPTv1; rua=mailto:tls@"+d),
	}
}

func okSrc(id string) tenant.SourceStatus {
	svc, _, _ := strings.Cut(id, ".")
	return tenant.SourceStatus{ID: id, Service: svc, State: tenant.StateOK}
}

// dnsSnapshot has the mail domains of ms (verified, Email), the initial
// domain, and each domain's DNS collected.
func dnsSnapshot(ms ...tenant.MailDomainDNS) *tenant.Snapshot {
	s := &tenant.Snapshot{Tenant: tenant.Tenant{ID: "t", InitialDomain: "contoso.onmicrosoft.com"},
		Domains: []tenant.Domain{{Name: "contoso.onmicrosoft.com", IsVerified: true, IsInitial: true, SupportedServices: []string{"Email"}}}}
	s.SetStatus(okSrc("graph.domains"))
	for _, m := range ms {
		s.Domains = append(s.Domains, tenant.Domain{Name: m.Domain, IsVerified: true, SupportedServices: []string{"Email", "OfficeCommunicationsOnline"}})
		s.DNS = append(s.DNS, m)
		s.SetStatus(tenant.SourceStatus{ID: "dns." + m.Domain, Service: "dns", State: tenant.StateOK})
	}
	return s
}

func finding(t *testing.T, s *tenant.Snapshot, id string) Finding {
	t.Helper()
	for _, f := range Run(s, Options{}) {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s", id)
	return Finding{}
}

type dnsCase struct {
	name   string
	change func(m *tenant.MailDomainDNS)
	status string
	says   []string // substrings of detail + evidence
}

func runDNSCases(t *testing.T, id string, cases []dnsCase) {
	t.Helper()
	for _, c := range cases {
		m := goodDNS("contoso.com")
		if c.change != nil {
			c.change(&m)
		}
		f := finding(t, dnsSnapshot(m), id)
		text := f.Detail + "\n" + strings.Join(f.Evidence, "\n")
		if f.Status != c.status {
			t.Errorf("%s %s: %s, want %s\n%s", id, c.name, f.Status, c.status, text)
			continue
		}
		for _, w := range c.says {
			if !strings.Contains(text, w) {
				t.Errorf("%s %s: %q not said:\n%s", id, c.name, w, text)
			}
		}
		wantAffected := 0
		if c.status == Fail || c.status == Warn || c.status == Error {
			wantAffected = 1
		}
		if f.Affected != wantAffected {
			t.Errorf("%s %s: affected %d, want %d", id, c.name, f.Affected, wantAffected)
		}
		if f.Status == Error && !strings.Contains(f.Detail, "Cannot be judged") {
			t.Errorf("%s %s: error without saying so: %s", id, c.name, f.Detail)
		}
	}
}

func spf(record string, ev *tenant.SPFEval) func(m *tenant.MailDomainDNS) {
	return func(m *tenant.MailDomainDNS) {
		m.SPF = dnsFound(m.Domain, "TXT", record)
		m.SPFEval = ev
	}
}

func TestDNSSPF(t *testing.T) {
	exo := []string{"include:spf.protection.outlook.com"}
	runDNSCases(t, IDDNSSPF, []dnsCase{
		{"one record, -all", nil, Pass, []string{"ends in -all", "1 of 10 DNS lookups", `contoso.com: contoso.com TXT: "v=spf1 include:spf.protection.outlook.com -all"`}},
		{"~all", spf("v=spf1 include:spf.protection.outlook.com ~all", &tenant.SPFEval{Lookups: 1, All: "~all", Targets: exo}), Pass, []string{"ends in ~all", "soft fail"}},
		{"~all through a redirect", spf("v=spf1 redirect=_spf.contoso.com", &tenant.SPFEval{Lookups: 2, All: "~all", AllFrom: "_spf.contoso.com",
			Targets: []string{"redirect=_spf.contoso.com", "include:spf.protection.outlook.com"}}), Pass, []string{"~all (from _spf.contoso.com)"}},
		{"?all", spf("v=spf1 include:spf.protection.outlook.com ?all", &tenant.SPFEval{Lookups: 1, All: "?all", Targets: exo}), Fail, []string{"ends in ?all", "neutral"}},
		{"+all", spf("v=spf1 include:spf.protection.outlook.com +all", &tenant.SPFEval{Lookups: 1, All: "+all", Targets: exo}), Fail, []string{"+all (anyone may send"}},
		{"no all", spf("v=spf1 include:spf.protection.outlook.com", &tenant.SPFEval{Lookups: 1, Targets: exo}), Fail, []string{"no all term"}},
		{"no record", func(m *tenant.MailDomainDNS) { m.SPF, m.SPFEval = dnsAbsent(m.Domain, "TXT"), nil }, Fail, []string{"no SPF record (NXDOMAIN)", "To fix"}},
		{"TXT but no SPF", func(m *tenant.MailDomainDNS) {
			m.SPF = tenant.DNSLookup{Name: m.Domain, Type: "TXT", Status: tenant.DNSAbsent, Rcode: "NOERROR", Other: []string{"MS=ms123"}}
			m.SPFEval = nil
		}, Fail, []string{"no SPF record (only other TXT records at contoso.com)", `other TXT there: "MS=ms123"`}},
		{"two records", func(m *tenant.MailDomainDNS) {
			m.SPF = dnsFound(m.Domain, "TXT", "v=spf1 include:spf.protection.outlook.com -all", "v=spf1 include:_spf.google.com ~all")
			m.SPFEval = nil
		}, Fail, []string{"2 SPF records", "permerror", `"v=spf1 include:spf.protection.outlook.com -all" | "v=spf1 include:_spf.google.com ~all"`}},
		{"11 lookups", spf("v=spf1 include:a include:b -all", &tenant.SPFEval{Lookups: 11, All: "-all", Targets: append([]string{"include:a.example", "include:b.example"}, exo...)}),
			Fail, []string{"11 DNS lookups, over the limit of 10", "SPF DNS lookups: 11 of 10 (include:a.example"}},
		{"10 lookups", spf("v=spf1 include:a include:b -all", &tenant.SPFEval{Lookups: 10, All: "-all", Targets: exo}), Pass, []string{"10 of 10 DNS lookups"}},
		{"capped", spf("v=spf1 include:a -all", &tenant.SPFEval{Lookups: 8, Capped: true, All: "-all", Targets: exo, Notes: []string{"x: not followed"}}),
			Fail, []string{"more than 8 DNS lookups", "SPF note: x: not followed"}},
		{"no Exchange Online", spf("v=spf1 include:_spf.google.com -all", &tenant.SPFEval{Lookups: 1, All: "-all", Targets: []string{"include:_spf.google.com"}}),
			Fail, []string{"does not include spf.protection.outlook.com"}},
		{"permerror on the way", spf("v=spf1 include:gone.example include:spf.protection.outlook.com -all", &tenant.SPFEval{Lookups: 2, All: "-all",
			Targets: append([]string{"include:gone.example"}, exo...), Problems: []string{"contoso.com: include:gone.example has no SPF record, absent (NXDOMAIN) (permerror)"}}),
			Fail, []string{"permerror (contoso.com: include:gone.example has no SPF record"}},
		{"SERVFAIL", func(m *tenant.MailDomainDNS) { m.SPF, m.SPFEval = dnsFailed(m.Domain, "TXT", "SERVFAIL"), nil }, Error,
			[]string{"the SPF lookup of contoso.com failed: error (SERVFAIL)", "contoso.com TXT: error (SERVFAIL): SERVFAIL from 192.0.2.53:53"}},
		{"timeout", func(m *tenant.MailDomainDNS) { m.SPF, m.SPFEval = dnsFailed(m.Domain, "TXT", ""), nil }, Error, []string{"error (timeout: no answer"}},
		{"REFUSED", func(m *tenant.MailDomainDNS) { m.SPF, m.SPFEval = dnsFailed(m.Domain, "TXT", "REFUSED"), nil }, Error, []string{"error (REFUSED)"}},
		{"an include not resolved", spf("v=spf1 include:_spf.contoso.com include:spf.protection.outlook.com -all", &tenant.SPFEval{Lookups: 2, All: "-all",
			Targets: append([]string{"include:_spf.contoso.com"}, exo...), Errors: []tenant.DNSLookup{dnsFailed("_spf.contoso.com", "TXT", "SERVFAIL")}}),
			Error, []string{"2 DNS lookups counted, but _spf.contoso.com (error (SERVFAIL)) could not be resolved", "SPF include not resolved: _spf.contoso.com TXT: error (SERVFAIL)"}},
		{"an include not resolved, over the limit anyway", spf("v=spf1 ...", &tenant.SPFEval{Lookups: 12, All: "-all", Targets: exo,
			Errors: []tenant.DNSLookup{dnsFailed("_spf.contoso.com", "TXT", "SERVFAIL")}}), Fail, []string{"12 DNS lookups, over the limit"}},
		{"the Exchange include unknown", spf("v=spf1 include:_spf.contoso.com -all", &tenant.SPFEval{Lookups: 1, All: "-all",
			Targets: []string{"include:_spf.contoso.com"}, Errors: []tenant.DNSLookup{dnsFailed("_spf.contoso.com", "TXT", "")}}), Error, []string{"whether it includes spf.protection.outlook.com"}},
		{"not evaluated", func(m *tenant.MailDomainDNS) { m.SPFEval = nil }, Error, []string{"not evaluated"}},
		{"not looked up", func(m *tenant.MailDomainDNS) { m.SPF = tenant.DNSLookup{} }, Error, []string{"not looked up"}},
	})
}

func TestDNSDKIM(t *testing.T) {
	runDNSCases(t, IDDNSDKIM, []dnsCase{
		{"both CNAMEs", nil, Info, []string{"both selector CNAMEs point at Microsoft's keys", "Get-DkimSigningConfig", "never passes on DNS alone",
			`selector1._domainkey.contoso.com CNAME: "selector1-contoso-com._domainkey.contoso.onmicrosoft.com."`}},
		{"the newer key names", func(m *tenant.MailDomainDNS) {
			m.DKIM[0] = dnsFound(m.DKIM[0].Name, "CNAME", "selector1-contoso-com._domainkey.contoso.n-v1.dkim.mail.microsoft.")
		}, Info, nil},
		{"selector2 missing", func(m *tenant.MailDomainDNS) { m.DKIM[1] = dnsAbsent(m.DKIM[1].Name, "CNAME") }, Fail, []string{"selector2 CNAME is missing", "Set-DkimSigningConfig"}},
		{"none", func(m *tenant.MailDomainDNS) {
			m.DKIM = []tenant.DNSLookup{dnsAbsent(m.DKIM[0].Name, "CNAME"), dnsAbsent(m.DKIM[1].Name, "CNAME")}
		}, Fail, []string{"no DKIM selector CNAME", "selector2._domainkey.contoso.com CNAME: absent (NXDOMAIN)"}},
		{"elsewhere", func(m *tenant.MailDomainDNS) { m.DKIM[0] = dnsFound(m.DKIM[0].Name, "CNAME", "s1.dkim.example.net.") }, Warn, []string{"selector1 → s1.dkim.example.net."}},
		{"SERVFAIL", func(m *tenant.MailDomainDNS) { m.DKIM[0] = dnsFailed(m.DKIM[0].Name, "CNAME", "SERVFAIL") }, Error, []string{"selector1 (error (SERVFAIL))"}},
		{"SERVFAIL and one missing", func(m *tenant.MailDomainDNS) {
			m.DKIM = []tenant.DNSLookup{dnsFailed(m.DKIM[0].Name, "CNAME", "SERVFAIL"), dnsAbsent(m.DKIM[1].Name, "CNAME")}
		}, Fail, []string{"selector2 CNAME is missing"}},
		{"not looked up", func(m *tenant.MailDomainDNS) { m.DKIM = nil }, Error, nil},
	})
}

func dmarc(record string) func(m *tenant.MailDomainDNS) {
	return func(m *tenant.MailDomainDNS) { m.DMARC = dnsFound("_dmarc."+m.Domain, "TXT", record) }
}

func TestDNSDMARC(t *testing.T) {
	runDNSCases(t, IDDNSDMARC, []dnsCase{
		{"reject with reports", nil, Pass, []string{"p=reject", "rua=mailto:dmarc@contoso.com", "no sp= (subdomains take p)", "no ruf=",
			"initial domain contoso.onmicrosoft.com is not judged", "Microsoft 365 admin center"}},
		{"quarantine, sp, ruf", dmarc("v=DMARC1; p=quarantine; sp=reject; pct=100; rua=mailto:a@x.example,mailto:b@y.example; ruf=mailto:f@x.example"), Pass,
			[]string{"p=quarantine, pct=100, sp=reject, rua=mailto:a@x.example,mailto:b@y.example, ruf=mailto:f@x.example"}},
		{"p=none", dmarc("v=DMARC1; p=none; rua=mailto:d@contoso.com"), Warn, []string{"p=none: monitoring only", "To fix"}},
		{"pct=50", dmarc("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@contoso.com"), Warn, []string{"pct=50: the policy applies to only 50% of failing mail"}},
		{"bad pct", dmarc("v=DMARC1; p=reject; pct=lots; rua=mailto:d@contoso.com"), Warn, []string{`pct="lots" is not a percentage`}},
		{"sp=none", dmarc("v=DMARC1; p=reject; sp=none; rua=mailto:d@contoso.com"), Warn, []string{"sp=none: subdomains can be spoofed"}},
		{"no rua", dmarc("v=DMARC1; p=reject"), Warn, []string{"no rua= address"}},
		{"no record", func(m *tenant.MailDomainDNS) { m.DMARC = dnsAbsent("_dmarc."+m.Domain, "TXT") }, Fail, []string{"no DMARC record (NXDOMAIN)"}},
		{"two records", func(m *tenant.MailDomainDNS) {
			m.DMARC = dnsFound("_dmarc."+m.Domain, "TXT", "v=DMARC1; p=reject", "v=DMARC1; p=none")
		}, Fail, []string{"2 DMARC records at _dmarc.contoso.com"}},
		{"no policy", dmarc("v=DMARC1; rua=mailto:d@contoso.com"), Fail, []string{`no valid policy (p="")`}},
		{"REFUSED", func(m *tenant.MailDomainDNS) { m.DMARC = dnsFailed("_dmarc."+m.Domain, "TXT", "REFUSED") }, Error, []string{"DMARC lookup of _dmarc.contoso.com failed: error (REFUSED)"}},
		{"timeout", func(m *tenant.MailDomainDNS) { m.DMARC = dnsFailed("_dmarc."+m.Domain, "TXT", "") }, Error, []string{"error (timeout"}},
	})
}

// A subdomain without its own record is judged by the organisational
// domain's, with its sp= policy.
func TestDNSDMARCOrgDomain(t *testing.T) {
	for _, c := range []struct {
		org    tenant.DNSLookup
		status string
		says   string
	}{
		{dnsFound("_dmarc.contoso.com", "TXT", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@contoso.com"), Pass, "the organisational domain's applies: sp of contoso.com=quarantine"},
		{dnsFound("_dmarc.contoso.com", "TXT", "v=DMARC1; p=reject; sp=none; rua=mailto:d@contoso.com"), Warn, "sp of contoso.com=none"},
		{dnsFound("_dmarc.contoso.com", "TXT", "v=DMARC1; p=quarantine; rua=mailto:d@contoso.com"), Pass, "p of contoso.com=quarantine"},
		{dnsAbsent("_dmarc.contoso.com", "TXT"), Fail, "no DMARC record"},
		{dnsFailed("_dmarc.contoso.com", "TXT", "SERVFAIL"), Error, "organisational domain's (_dmarc.contoso.com) failed"},
	} {
		m := goodDNS("mail.contoso.com")
		m.DMARC = dnsAbsent("_dmarc.mail.contoso.com", "TXT")
		m.OrgDomain = "contoso.com"
		org := c.org
		m.DMARCOrg = &org
		f := finding(t, dnsSnapshot(m), IDDNSDMARC)
		if f.Status != c.status || !strings.Contains(f.Detail, c.says) {
			t.Errorf("%s: %s, want %s saying %q:\n%s", c.org.Values, f.Status, c.status, c.says, f.Detail)
		}
	}
}

func TestDNSMTASTS(t *testing.T) {
	runDNSCases(t, IDDNSMTASTS, []dnsCase{
		{"present", nil, Pass, []string{"MTA-STS record present (id=20261101)", "policy file", "not fetched"}},
		{"absent", func(m *tenant.MailDomainDNS) { m.MTASTS = dnsAbsent("_mta-sts."+m.Domain, "TXT") }, Fail, []string{"no MTA-STS record", "To fix"}},
		{"no id", func(m *tenant.MailDomainDNS) { m.MTASTS = dnsFound("_mta-sts."+m.Domain, "TXT", "v=STSv1;") }, Fail, []string{"no valid id="}},
		{"bad id", func(m *tenant.MailDomainDNS) {
			m.MTASTS = dnsFound("_mta-sts."+m.Domain, "TXT", "v=STSv1; id=2026-11-01")
		}, Fail, []string{"no valid id="}},
		{"two", func(m *tenant.MailDomainDNS) {
			m.MTASTS = dnsFound("_mta-sts."+m.Domain, "TXT", "v=STSv1; id=1", "v=STSv1; id=2")
		}, Fail, []string{"2 MTA-STS records"}},
		{"timeout", func(m *tenant.MailDomainDNS) { m.MTASTS = dnsFailed("_mta-sts."+m.Domain, "TXT", "") }, Error, []string{"MTA-STS lookup of _mta-sts.contoso.com failed: error (timeout"}},
	})
}

func TestDNSTLSRPT(t *testing.T) {
	runDNSCases(t, IDDNSTLSRPT, []dnsCase{
		{"present", nil, Pass, []string{"TLS-RPT reports go to mailto:tls@contoso.com"}},
		{"https", func(m *tenant.MailDomainDNS) {
			m.TLSRPT = dnsFound("_smtp._tls."+m.Domain, "TXT", "v=TLSRPTv1; rua=https://reports.example/tls")
		}, Pass, []string{"https://reports.example/tls"}},
		{"absent", func(m *tenant.MailDomainDNS) { m.TLSRPT = dnsAbsent("_smtp._tls."+m.Domain, "TXT") }, Fail, []string{"no TLS-RPT record"}},
		{"no rua", func(m *tenant.MailDomainDNS) { m.TLSRPT = dnsFound("_smtp._tls."+m.Domain, "TXT", "v=TLSRPTv1;") }, Fail, []string{"no rua="}},
		{"SERVFAIL", func(m *tenant.MailDomainDNS) { m.TLSRPT = dnsFailed("_smtp._tls."+m.Domain, "TXT", "SERVFAIL") }, Error, []string{"error (SERVFAIL)"}},
	})
}

func TestDNSMX(t *testing.T) {
	runDNSCases(t, IDDNSMX, []dnsCase{
		{"Exchange Online", nil, Pass, []string{"MX points at Exchange Online (0 contoso-com.mail.protection.outlook.com)"}},
		{"a gateway", func(m *tenant.MailDomainDNS) { m.MX = dnsFound(m.Domain, "MX", "10 eu-smtp-inbound-1.mimecast.com.") }, Warn,
			[]string{"MX points elsewhere (10 eu-smtp-inbound-1.mimecast.com)", "Enhanced Filtering"}},
		{"mixed", func(m *tenant.MailDomainDNS) {
			m.MX = dnsFound(m.Domain, "MX", "20 backup.contoso.com.", "0 contoso-com.mail.protection.outlook.com.")
		}, Warn, []string{"MX mixes Exchange Online (0 contoso-com.mail.protection.outlook.com) with other hosts (20 backup.contoso.com)"}},
		{"GCC High", func(m *tenant.MailDomainDNS) {
			m.MX = dnsFound(m.Domain, "MX", "0 contoso-com.mail.protection.office365.us.")
		}, Pass, nil},
		{"absent", func(m *tenant.MailDomainDNS) { m.MX = dnsAbsent(m.Domain, "MX") }, Fail, []string{"no MX record"}},
		{"null MX", func(m *tenant.MailDomainDNS) { m.MX = dnsFound(m.Domain, "MX", "0 .") }, Fail, []string{"null MX"}},
		{"SERVFAIL", func(m *tenant.MailDomainDNS) { m.MX = dnsFailed(m.Domain, "MX", "SERVFAIL") }, Error, []string{"MX lookup of contoso.com failed: error (SERVFAIL)"}},
	})
}

var dnsIDs = []string{IDDNSSPF, IDDNSDKIM, IDDNSDMARC, IDDNSMTASTS, IDDNSTLSRPT, IDDNSMX}

func TestDNSCatalog(t *testing.T) {
	want := map[string]string{IDDNSSPF: Medium, IDDNSDKIM: Medium, IDDNSDMARC: Medium, IDDNSMTASTS: Low, IDDNSTLSRPT: Low, IDDNSMX: Low}
	cat := Catalog()
	start := -1
	for i, c := range cat {
		if c.ID == dnsIDs[0] {
			start = i
			break
		}
	}
	if start < 0 || start+len(dnsIDs) > len(cat) {
		t.Fatalf("the DNS checks are not in the catalog in one run: %v", cat)
	}
	for i, c := range cat[start : start+len(dnsIDs)] {
		if c.ID != dnsIDs[i] || c.Severity != want[c.ID] || c.Step != "" || c.Title == "" {
			t.Errorf("catalog DNS[%d] = %+v", i, c)
		}
	}
	if cat[0].ID != IDFedDomains {
		t.Error("the DNS checks come after the whitepaper's")
	}
}

// Several domains aggregate: the worst status, every domain in the detail
// and the evidence, Affected = domains not fine.
func TestDNSAggregate(t *testing.T) {
	bad := goodDNS("contoso-labs.com")
	bad.DMARC = dnsAbsent("_dmarc.contoso-labs.com", "TXT")
	broken := goodDNS("contoso.net")
	broken.DMARC = dnsFailed("_dmarc.contoso.net", "TXT", "SERVFAIL")
	s := dnsSnapshot(goodDNS("contoso.com"), bad, broken)
	f := finding(t, s, IDDNSDMARC)
	if f.Status != Fail || f.Affected != 2 {
		t.Errorf("fail + error + pass: %s, affected %d", f.Status, f.Affected)
	}
	for _, w := range []string{"Fails: contoso-labs.com: no DMARC record", "Cannot be judged: contoso.net: the DMARC lookup", "Fine: contoso.com: p=reject"} {
		if !strings.Contains(f.Detail, w) {
			t.Errorf("%q not in %s", w, f.Detail)
		}
	}
	if !strings.HasPrefix(f.Evidence[0], "contoso.com: _dmarc.contoso.com TXT:") || !strings.HasPrefix(f.Evidence[2], "contoso.net: _dmarc.contoso.net TXT: error (SERVFAIL)") {
		t.Errorf("evidence %q", f.Evidence)
	}
	// Error and pass only: error, never pass.
	s = dnsSnapshot(goodDNS("contoso.com"), broken)
	if f := finding(t, s, IDDNSDMARC); f.Status != Error || f.Affected != 1 || !strings.HasPrefix(f.Detail, "Cannot be judged: contoso.net") {
		t.Errorf("error + pass: %s %d %s", f.Status, f.Affected, f.Detail)
	}
	// Other checks of the same domain are unaffected by the DMARC error.
	if f := finding(t, s, IDDNSSPF); f.Status != Pass || f.Affected != 0 {
		t.Errorf("SPF with a DMARC error: %s", f.Status)
	}
}

func TestDNSCollectionStates(t *testing.T) {
	// Not collected at all: info, not checked.
	s := dnsSnapshot()
	s.Domains = append(s.Domains, tenant.Domain{Name: "contoso.com", IsVerified: true, SupportedServices: []string{"Email"}})
	for _, id := range dnsIDs {
		if f := finding(t, s, id); f.Status != Info || !strings.Contains(f.Detail, "Not checked") || f.Affected != 0 {
			t.Errorf("%s not collected: %s %s", id, f.Status, f.Detail)
		}
	}
	// Nothing collected: error, as every check.
	for _, id := range dnsIDs {
		if f := finding(t, &tenant.Snapshot{}, id); f.Status != Error {
			t.Errorf("%s with nothing collected: %s", id, f.Status)
		}
	}
	// The domain's DNS source failed: error with the reason and the fix.
	s = dnsSnapshot(goodDNS("contoso.com"))
	s.DNS = nil
	s.SetStatus(tenant.SourceStatus{ID: "dns.contoso.com", Service: "dns", State: tenant.StateError,
		Error: "every DNS query for contoso.com failed", Fix: "check that the resolver 192.0.2.53:53 is reachable"})
	for _, id := range dnsIDs {
		f := finding(t, s, id)
		if f.Status != Error || !strings.Contains(f.Detail, "every DNS query for contoso.com failed") || !strings.Contains(f.Detail, "to fix: check that the resolver") {
			t.Errorf("%s source failed: %s %s", id, f.Status, f.Detail)
		}
	}
	// One mail domain collected, another not: error for the other.
	s = dnsSnapshot(goodDNS("contoso.com"))
	s.Domains = append(s.Domains, tenant.Domain{Name: "contoso-labs.com", IsVerified: true, SupportedServices: []string{"Email"}})
	f := finding(t, s, IDDNSMX)
	if f.Status != Error || !strings.Contains(f.Detail, "contoso-labs.com: its DNS was not looked up") || !strings.Contains(f.Detail, "contoso.com: MX points at Exchange Online") {
		t.Errorf("a domain not collected: %s %s", f.Status, f.Detail)
	}
	// Domains that do not serve Email, are unverified or Microsoft's are
	// not judged, even when their DNS was collected.
	s = dnsSnapshot(goodDNS("contoso.com"))
	s.Domains = append(s.Domains, tenant.Domain{Name: "web.contoso.com", IsVerified: true, SupportedServices: []string{"Intune"}},
		tenant.Domain{Name: "pending.example", IsVerified: false, SupportedServices: []string{"Email"}})
	ms := goodDNS("contoso.onmicrosoft.com")
	ms.DMARC = dnsAbsent("_dmarc.contoso.onmicrosoft.com", "TXT")
	s.DNS = append(s.DNS, ms)
	f = finding(t, s, IDDNSDMARC)
	if f.Status != Pass || strings.Contains(f.Detail, "web.contoso.com") || strings.Contains(f.Detail, "pending.example") ||
		!strings.Contains(f.Detail, "Its DMARC lookup: _dmarc.contoso.onmicrosoft.com TXT: absent (NXDOMAIN)") {
		t.Errorf("domains not judged: %s %s", f.Status, f.Detail)
	}
	// Only the initial domain: nothing to judge.
	s = dnsSnapshot()
	s.SetStatus(okSrc("dns.contoso.onmicrosoft.com"))
	if f := finding(t, s, IDDNSSPF); f.Status != Info || !strings.Contains(f.Detail, "no custom mail domain") {
		t.Errorf("only the initial domain: %s %s", f.Status, f.Detail)
	}
	// graph.domains failed: the domains DNS was collected for are judged.
	s = dnsSnapshot(goodDNS("contoso.com"))
	s.Domains = nil
	s.SetStatus(tenant.SourceStatus{ID: "graph.domains", Service: "graph", State: tenant.StateError, Error: "403"})
	if f := finding(t, s, IDDNSSPF); f.Status != Pass || !strings.Contains(f.Detail, "graph.domains) were not read") {
		t.Errorf("graph.domains failed: %s %s", f.Status, f.Detail)
	}
}

// --- end to end: the built-in scenarios' DNS through the real client

func TestDNSScenarios(t *testing.T) {
	type want struct {
		status   string
		affected int
		says     []string
	}
	for _, c := range []struct {
		scenario string
		want     map[string]want
	}{
		{"contoso", map[string]want{
			IDDNSSPF:  {Pass, 0, []string{"contoso.com: one SPF record", "ends in -all", "contoso-labs.com: one SPF record", "ends in ~all", "1 of 10 DNS lookups"}},
			IDDNSDKIM: {Fail, 1, []string{"contoso-labs.com: no DKIM selector CNAME", "contoso.com: both selector CNAMEs"}},
			IDDNSDMARC: {Fail, 2, []string{"contoso-labs.com: no DMARC record (NXDOMAIN)", "contoso.com: p=none: monitoring only",
				"rua=mailto:dmarc-reports@contoso.com", "contoso.onmicrosoft.com is not judged"}},
			IDDNSMTASTS: {Fail, 2, []string{"contoso.com: no MTA-STS record", "contoso-labs.com: no MTA-STS record"}},
			IDDNSTLSRPT: {Fail, 1, []string{"contoso-labs.com: no TLS-RPT record", "contoso.com: TLS-RPT reports go to mailto:tlsrpt@contoso.com"}},
			IDDNSMX:     {Pass, 0, []string{"contoso.com: MX points at Exchange Online (0 contoso-com.mail.protection.outlook.com)", "contosolabs-com.mail.protection.outlook.com"}},
		}},
		{"whitepaper", map[string]want{
			IDDNSSPF:    {Fail, 1, []string{"mijndomein.be: SPF ends in ?all", "mijndomein.nl: one SPF record", "ends in ~all", `other TXT there: "MS=ms48213375"`}},
			IDDNSDKIM:   {Fail, 2, []string{"mijndomein.nl: no DKIM selector CNAME", "mijndomein.be: no DKIM selector CNAME"}},
			IDDNSDMARC:  {Fail, 2, []string{"mijndomein.nl: no DMARC record", "mijndomein.be: no DMARC record"}},
			IDDNSMTASTS: {Fail, 2, nil},
			IDDNSTLSRPT: {Fail, 2, nil},
			IDDNSMX:     {Pass, 0, nil},
		}},
		{"okta-classic", map[string]want{
			IDDNSSPF:    {Pass, 0, []string{"ends in -all"}},
			IDDNSDKIM:   {Info, 0, []string{"northwind.example: both selector CNAMEs point at Microsoft's keys"}},
			IDDNSDMARC:  {Pass, 0, []string{"northwind.example: p=reject", "rua=mailto:dmarc@northwind.example"}},
			IDDNSMTASTS: {Fail, 1, nil},
			IDDNSTLSRPT: {Fail, 1, nil},
			IDDNSMX:     {Pass, 0, nil},
		}},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			srv := simtest.ServeBuiltin(t, c.scenario, sim.Options{})
			addr, err := srv.StartDNS("")
			if err != nil {
				t.Fatal(err)
			}
			s := scenarioSnapshot(t, srv)
			tasks := dnsclient.Tasks(dnsclient.Config{Server: addr, Timeout: time.Second}, s.MailDomains())
			if len(tasks) != len(s.MailDomains()) || len(tasks) == 0 {
				t.Fatalf("%d tasks for %q", len(tasks), s.MailDomains())
			}
			for _, task := range tasks {
				apply, err := task.Run(context.Background(), collect.NewReporter(task.ID, task.Service, nil))
				if err != nil {
					t.Fatalf("%s: %v", task.ID, err)
				}
				apply(s)
				s.SetStatus(tenant.SourceStatus{ID: task.ID, Service: task.Service, State: tenant.StateOK})
			}
			for id, w := range c.want {
				f := finding(t, s, id)
				text := f.Detail + "\n" + strings.Join(f.Evidence, "\n")
				if f.Status != w.status || f.Affected != w.affected {
					t.Errorf("%s: %s affected %d, want %s %d\n%s", id, f.Status, f.Affected, w.status, w.affected, text)
					continue
				}
				for _, say := range w.says {
					if !strings.Contains(text, say) {
						t.Errorf("%s: %q not said:\n%s", id, say, text)
					}
				}
			}
		})
	}
}

// scenarioSnapshot holds what the DNS checks need from the scenario
// itself: its domains (Graph's wire shape) and the initial domain.
func scenarioSnapshot(t *testing.T, srv *sim.Server) *tenant.Snapshot {
	t.Helper()
	sc := srv.Scenario()
	s := &tenant.Snapshot{Tenant: tenant.Tenant{ID: sc.TenantID(), InitialDomain: sc.InitialDomain()}, AsOf: sc.AsOf()}
	graph, _ := sc.Doc["graph"].(map[string]any)
	ds, _ := graph["domains"].([]any)
	for _, raw := range ds {
		d := raw.(map[string]any)
		dom := tenant.Domain{Name: d["id"].(string)}
		dom.IsVerified, _ = d["isVerified"].(bool)
		dom.IsInitial, _ = d["isInitial"].(bool)
		svcs, _ := d["supportedServices"].([]any)
		for _, sv := range svcs {
			dom.SupportedServices = append(dom.SupportedServices, sv.(string))
		}
		s.Domains = append(s.Domains, dom)
	}
	if len(s.Domains) == 0 {
		t.Fatal("the scenario lists no domains")
	}
	s.SetStatus(okSrc("graph.domains"))
	return s
}
