package dns_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/dns"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
)

// serve starts the simulator's DNS with records (the scenario's "dns"
// entries, fault records included) and returns a client config for it.
// The scenario is built in memory, so records the scenario schema does
// not describe yet (faults, TXT lists) can be served.
func serve(t *testing.T, records ...map[string]any) dns.Config {
	t.Helper()
	list := make([]any, len(records))
	for i, r := range records {
		list[i] = r
	}
	srv := sim.New(&sim.Scenario{Doc: map[string]any{"name": "dns", "asOf": "2026-11-01", "dns": list}}, sim.Options{})
	addr, err := srv.StartDNS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return dns.Config{Server: addr, Timeout: 300 * time.Millisecond, Retries: -1}
}

func rec(name, typ string, value any) map[string]any {
	return map[string]any{"name": name, "type": typ, "value": value}
}

func fault(name, typ, f string) map[string]any {
	return map[string]any{"name": name, "type": typ, "fault": f}
}

func client(t *testing.T, cfg dns.Config) *dns.Client {
	t.Helper()
	c, err := dns.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func domain(t *testing.T, cfg dns.Config, d string) tenant.MailDomainDNS {
	t.Helper()
	return client(t, cfg).MailDomain(context.Background(), d)
}

// fabrikam is a domain with every record in place.
var fabrikam = []map[string]any{
	rec("fabrikam.example", "MX", "10 fabrikam-example.mail.protection.outlook.com."),
	rec("fabrikam.example", "TXT", "v=spf1 include:spf.protection.outlook.com -all"),
	rec("fabrikam.example", "TXT", "MS=ms12345678"),
	rec("_dmarc.fabrikam.example", "TXT", "v=DMARC1; p=reject; rua=mailto:d@fabrikam.example"),
	rec("selector1._domainkey.fabrikam.example", "CNAME", "selector1-fabrikam-example._domainkey.fabrikam.onmicrosoft.com."),
	rec("selector2._domainkey.fabrikam.example", "CNAME", "selector2-fabrikam-example._domainkey.fabrikam.onmicrosoft.com."),
	rec("_mta-sts.fabrikam.example", "TXT", "v=STSv1; id=20261101T000000"),
	rec("_smtp._tls.fabrikam.example", "TXT", "v=TLSRPTv1; rua=mailto:tls@fabrikam.example"),
}

func TestDNSMailDomainEverything(t *testing.T) {
	cfg := serve(t, fabrikam...)
	m := domain(t, cfg, "Fabrikam.Example.")
	if m.Domain != "fabrikam.example" || m.Resolver != cfg.Server {
		t.Errorf("domain %q resolver %q", m.Domain, m.Resolver)
	}
	want := map[string][]string{
		"mx":     {"10 fabrikam-example.mail.protection.outlook.com."},
		"spf":    {"v=spf1 include:spf.protection.outlook.com -all"},
		"dmarc":  {"v=DMARC1; p=reject; rua=mailto:d@fabrikam.example"},
		"dkim1":  {"selector1-fabrikam-example._domainkey.fabrikam.onmicrosoft.com."},
		"dkim2":  {"selector2-fabrikam-example._domainkey.fabrikam.onmicrosoft.com."},
		"mtasts": {"v=STSv1; id=20261101T000000"},
		"tlsrpt": {"v=TLSRPTv1; rua=mailto:tls@fabrikam.example"},
	}
	got := map[string]tenant.DNSLookup{"mx": m.MX, "spf": m.SPF, "dmarc": m.DMARC, "dkim1": m.DKIM[0], "dkim2": m.DKIM[1], "mtasts": m.MTASTS, "tlsrpt": m.TLSRPT}
	for k, w := range want {
		l := got[k]
		if l.Status != tenant.DNSFound || l.Rcode != "NOERROR" || !reflect.DeepEqual(l.Values, w) {
			t.Errorf("%s: %+v, want values %q", k, l, w)
		}
	}
	if m.DKIM[0].Name != "selector1._domainkey.fabrikam.example" || m.DKIM[0].Type != "CNAME" {
		t.Errorf("dkim lookup %+v", m.DKIM[0])
	}
	if !reflect.DeepEqual(m.SPF.Other, []string{"MS=ms12345678"}) {
		t.Errorf("other TXT at the apex: %q", m.SPF.Other)
	}
	ev := m.SPFEval
	if ev == nil || ev.Lookups != 1 || ev.All != "-all" || ev.AllFrom != "fabrikam.example" || !ev.Reaches("spf.protection.outlook.com") ||
		len(ev.Problems)+len(ev.Errors) != 0 || ev.Capped {
		t.Errorf("SPF evaluation %+v", ev)
	}
	if m.DMARCOrg != nil || m.OrgDomain != "" {
		t.Errorf("org-domain DMARC looked up for an organisational domain: %q %+v", m.OrgDomain, m.DMARCOrg)
	}
}

// Nothing published: every record absent (NXDOMAIN), none an error.
func TestDNSMailDomainNothingPublished(t *testing.T) {
	cfg := serve(t, rec("other.example", "A", "192.0.2.1"))
	m := domain(t, cfg, "empty.example")
	for _, l := range m.Lookups() {
		if l.Status != tenant.DNSAbsent || l.Rcode != "NXDOMAIN" || l.Error != "" {
			t.Errorf("%s %s: %+v, want absent (NXDOMAIN)", l.Name, l.Type, l)
		}
	}
	if m.SPFEval != nil {
		t.Errorf("SPF evaluated without a record: %+v", m.SPFEval)
	}
}

// A name that exists without the type asked (NODATA) is absent, and TXT
// records of other protocols do not count.
func TestDNSMailDomainNoData(t *testing.T) {
	cfg := serve(t,
		rec("nodata.example", "A", "192.0.2.1"),
		rec("_dmarc.nodata.example", "TXT", "hello"),
		rec("nodata.example", "TXT", "v=spf10 not spf"),
	)
	m := domain(t, cfg, "nodata.example")
	if m.MX.Status != tenant.DNSAbsent || m.MX.Rcode != "NOERROR" {
		t.Errorf("MX %+v", m.MX)
	}
	if m.DMARC.Status != tenant.DNSAbsent || !reflect.DeepEqual(m.DMARC.Other, []string{"hello"}) {
		t.Errorf("DMARC %+v", m.DMARC)
	}
	if m.SPF.Status != tenant.DNSAbsent || len(m.SPF.Other) != 1 {
		t.Errorf("SPF %+v", m.SPF)
	}
	if got := m.MX.Outcome(); got != "absent (NOERROR, no MX record)" {
		t.Errorf("outcome %q", got)
	}
}

// TXT records split into several strings are joined: one over 255 bytes
// (split by the server) and one given as a list of strings.
func TestDNSSplitTXTJoined(t *testing.T) {
	long := "v=spf1 " + strings.Repeat("ip4:192.0.2.1 ", 30) + "include:spf.protection.outlook.com -all"
	cfg := serve(t,
		rec("split.example", "TXT", long),
		rec("_dmarc.split.example", "TXT", []any{"v=DMARC1; p=quarantine; ", "pct=50; ", "rua=mailto:d@split.example"}),
	)
	m := domain(t, cfg, "split.example")
	if len(m.SPF.Values) != 1 || m.SPF.Values[0] != long {
		t.Errorf("SPF over 255 bytes: %q", m.SPF.Values)
	}
	if m.SPFEval == nil || m.SPFEval.Lookups != 1 || m.SPFEval.All != "-all" {
		t.Errorf("SPF evaluation %+v", m.SPFEval)
	}
	if want := "v=DMARC1; p=quarantine; pct=50; rua=mailto:d@split.example"; len(m.DMARC.Values) != 1 || m.DMARC.Values[0] != want {
		t.Errorf("DMARC from three strings: %q", m.DMARC.Values)
	}
}

// An answer too large for UDP comes truncated; the client asks again over
// TCP.
func TestDNSTCPFallbackOnTruncation(t *testing.T) {
	var recs []map[string]any
	for i := 0; i < 12; i++ {
		recs = append(recs, rec("big.example", "TXT", "filler-"+strings.Repeat(string(rune('a'+i)), 200)))
	}
	recs = append(recs, rec("big.example", "TXT", "v=spf1 -all"))
	cfg := serve(t, recs...)
	c := client(t, cfg)
	l := c.Lookup(context.Background(), "big.example", mdns.TypeTXT)
	if l.Status != tenant.DNSFound || len(l.Values) != 13 {
		t.Fatalf("%d values, status %s: %s", len(l.Values), l.Status, l.Error)
	}
	m := c.MailDomain(context.Background(), "big.example")
	if len(m.SPF.Values) != 1 || m.SPF.Values[0] != "v=spf1 -all" || len(m.SPF.Other) != 12 {
		t.Errorf("SPF among 13 TXT records: %q (+%d others)", m.SPF.Values, len(m.SPF.Other))
	}
}

func TestDNSTwoSPFRecords(t *testing.T) {
	cfg := serve(t,
		rec("two.example", "TXT", "v=spf1 include:spf.protection.outlook.com -all"),
		rec("two.example", "TXT", "v=spf1 include:_spf.google.com ~all"),
	)
	m := domain(t, cfg, "two.example")
	if m.SPF.Status != tenant.DNSFound || len(m.SPF.Values) != 2 {
		t.Errorf("SPF %+v", m.SPF)
	}
	if m.SPFEval != nil {
		t.Errorf("two records evaluated: %+v", m.SPFEval)
	}
}

// spfTree: 11 lookup-costing terms over nested includes (RFC 7208 counts
// include, a, mx, ptr, exists and redirect; ip4, ip6 and all are free).
func spfTree(extra string) []map[string]any {
	return []map[string]any{
		rec("many.example", "TXT", "v=spf1 ip4:192.0.2.0/24 include:_spf1.many.example include:_spf2.many.example a mx"+extra+" -all"), // 4 (+extra)
		rec("_spf1.many.example", "TXT", "v=spf1 include:_spf3.many.example a:mail.many.example exists:%{i}.bl.many.example ~all"),     // 3
		rec("_spf2.many.example", "TXT", "v=spf1 mx:relay.many.example ?all"),                                                          // 1
		rec("_spf3.many.example", "TXT", "v=spf1 include:spf.protection.outlook.com ip6:2001:db8::/32 -all"),                           // 1 (spf.protection.outlook.com adds none)
	}
}

func TestDNSSPFLookupCount(t *testing.T) {
	// 4 + 3 + 1 + 1 = 9, plus "ptr" = 10: at the limit.
	m := domain(t, serve(t, spfTree(" ptr")...), "many.example")
	if ev := m.SPFEval; ev == nil || ev.Lookups != 10 || ev.Capped || len(ev.Problems) != 0 {
		t.Fatalf("10 lookups: %+v", ev)
	}
	// Two more terms: 11 and 12, over the limit.
	m = domain(t, serve(t, spfTree(" ptr a:x.many.example")...), "many.example")
	ev := m.SPFEval
	if ev == nil || ev.Lookups != 11 {
		t.Fatalf("11 lookups: %+v", ev)
	}
	wantTargets := []string{"include:_spf1.many.example", "include:_spf3.many.example", "include:spf.protection.outlook.com", "include:_spf2.many.example"}
	if !reflect.DeepEqual(ev.Targets, wantTargets) || !ev.Reaches("spf.protection.outlook.com") || ev.All != "-all" {
		t.Errorf("targets %q all %q", ev.Targets, ev.All)
	}
	if !ev.Reaches("SPF.protection.outlook.com.") || ev.Reaches("outlook.com") {
		t.Error("Reaches matches whole names, case-insensitively")
	}
}

func TestDNSSPFRedirectLoopAndBrokenInclude(t *testing.T) {
	cfg := serve(t,
		rec("redir.example", "TXT", "v=spf1 redirect=_spf.redir.example"),
		rec("_spf.redir.example", "TXT", "v=spf1 include:spf.protection.outlook.com ~all"),
		rec("loop.example", "TXT", "v=spf1 include:_a.loop.example -all"),
		rec("_a.loop.example", "TXT", "v=spf1 include:loop.example -all"),
		rec("broken.example", "TXT", "v=spf1 include:gone.example include:nospf.example foo:bar -all"),
		rec("nospf.example", "TXT", "just text"),
		rec("macro.example", "TXT", "v=spf1 include:%{d}._spf.example -all"),
		rec("none.example", "TXT", "v=spf1 mx"),
	)
	c := client(t, cfg)
	ctx := context.Background()
	ev := c.MailDomain(ctx, "redir.example").SPFEval
	if ev.All != "~all" || ev.AllFrom != "_spf.redir.example" || ev.Lookups != 2 || !ev.Reaches("spf.protection.outlook.com") {
		t.Errorf("redirect: %+v", ev)
	}
	ev = c.MailDomain(ctx, "loop.example").SPFEval
	if !ev.Capped || len(ev.Problems) != 1 || !strings.Contains(ev.Problems[0], "loops back") {
		t.Errorf("loop: %+v", ev)
	}
	ev = c.MailDomain(ctx, "broken.example").SPFEval
	if len(ev.Problems) != 3 || !strings.Contains(ev.Problems[0], "include:gone.example has no SPF record, absent (NXDOMAIN)") ||
		!strings.Contains(ev.Problems[1], "include:nospf.example has no SPF record") || !strings.Contains(ev.Problems[2], `unknown mechanism "foo:bar"`) {
		t.Errorf("broken: %q", ev.Problems)
	}
	ev = c.MailDomain(ctx, "macro.example").SPFEval
	if ev.Lookups != 1 || len(ev.Notes) != 1 || len(ev.Problems) != 0 {
		t.Errorf("macro: %+v", ev)
	}
	ev = c.MailDomain(ctx, "none.example").SPFEval
	if ev.All != "" {
		t.Errorf("no all term: %q", ev.All)
	}
}

// SERVFAIL, REFUSED and a timeout are errors of that record, with the
// rcode; never "absent". The other records are unaffected.
func TestDNSFailuresAreErrorsNotMissing(t *testing.T) {
	cfg := serve(t,
		rec("flaky.example", "MX", "0 flaky-example.mail.protection.outlook.com."),
		fault("flaky.example", "TXT", "SERVFAIL"),
		fault("_dmarc.flaky.example", "TXT", "REFUSED"),
		fault("_mta-sts.flaky.example", "TXT", "TIMEOUT"),
		fault("selector1._domainkey.flaky.example", "ANY", "SERVFAIL"),
	)
	m := domain(t, cfg, "flaky.example")
	for _, c := range []struct {
		l     tenant.DNSLookup
		rcode string
		err   string
	}{
		{m.SPF, "SERVFAIL", "SERVFAIL from " + cfg.Server},
		{m.DMARC, "REFUSED", "REFUSED from " + cfg.Server},
		{m.MTASTS, "", "timeout: no answer from " + cfg.Server + " within 300ms (1 attempt)"},
		{m.DKIM[0], "SERVFAIL", "SERVFAIL"},
	} {
		if c.l.Status != tenant.DNSError || c.l.Rcode != c.rcode || !strings.Contains(c.l.Error, c.err) || len(c.l.Values) != 0 {
			t.Errorf("%s %s: %+v, want error %q (%s)", c.l.Name, c.l.Type, c.l, c.rcode, c.err)
		}
	}
	if m.MX.Status != tenant.DNSFound {
		t.Errorf("MX %+v", m.MX)
	}
	if m.DKIM[1].Status != tenant.DNSAbsent || m.TLSRPT.Status != tenant.DNSAbsent {
		t.Errorf("selector2 %+v, TLS-RPT %+v: want absent", m.DKIM[1], m.TLSRPT)
	}
	if m.DMARCOrg != nil {
		t.Errorf("an org-domain DMARC looked up after an error: %+v", m.DMARCOrg)
	}
	if got := m.MTASTS.Outcome(); !strings.HasPrefix(got, "error (timeout") {
		t.Errorf("outcome %q", got)
	}
	if got := m.SPF.Outcome(); got != "error (SERVFAIL)" {
		t.Errorf("outcome %q", got)
	}
}

// An include that cannot be resolved makes the count a lower bound.
func TestDNSSPFIncludeError(t *testing.T) {
	cfg := serve(t,
		rec("inc.example", "TXT", "v=spf1 include:_spf.inc.example include:spf.protection.outlook.com -all"),
		fault("_spf.inc.example", "TXT", "SERVFAIL"),
	)
	ev := domain(t, cfg, "inc.example").SPFEval
	if ev == nil || ev.Lookups != 2 || len(ev.Errors) != 1 || ev.Errors[0].Rcode != "SERVFAIL" || len(ev.Problems) != 0 {
		t.Errorf("%+v", ev)
	}
}

// A subdomain without its own DMARC record falls back to the
// organisational domain's.
func TestDNSDMARCOrgDomainFallback(t *testing.T) {
	cfg := serve(t, rec("_dmarc.contoso.co.uk", "TXT", "v=DMARC1; p=reject; sp=quarantine"))
	m := domain(t, cfg, "mail.contoso.co.uk")
	if m.OrgDomain != "contoso.co.uk" || !m.DMARC.Absent() || m.DMARCOrg == nil || !m.DMARCOrg.Found() ||
		m.DMARCOrg.Name != "_dmarc.contoso.co.uk" {
		t.Errorf("org %q dmarc %+v org dmarc %+v", m.OrgDomain, m.DMARC, m.DMARCOrg)
	}
	if got := dns.OrgDomain("northwind.example"); got != "northwind.example" {
		t.Errorf("OrgDomain(northwind.example) = %q", got)
	}
}

func TestDNSRetries(t *testing.T) {
	cfg := serve(t, fault("flaky.example", "TXT", "SERVFAIL"), rec("flaky.example", "MX", "0 mx.flaky.example."))
	cfg.Retries = 2
	tasks := dns.Tasks(cfg, []string{"flaky.example"})
	rep := collect.NewReporter(tasks[0].ID, tasks[0].Service, nil)
	apply, err := tasks[0].Run(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	s := &tenant.Snapshot{}
	apply(s)
	if got := s.DNS[0].SPF; got.Status != tenant.DNSError || got.Rcode != "SERVFAIL" {
		t.Errorf("SPF %+v", got)
	}
	if _, _, retries := rep.Counts(); retries != 2 {
		t.Errorf("%d retries reported, want 2", retries)
	}
}

func TestDNSTasks(t *testing.T) {
	recs := append([]map[string]any{}, fabrikam...)
	recs = append(recs, fault("down.example", "ANY", "REFUSED"), fault("_dmarc.down.example", "ANY", "REFUSED"),
		fault("selector1._domainkey.down.example", "ANY", "REFUSED"), fault("selector2._domainkey.down.example", "ANY", "REFUSED"),
		fault("_mta-sts.down.example", "ANY", "REFUSED"), fault("_smtp._tls.down.example", "ANY", "REFUSED"))
	cfg := serve(t, recs...)
	tasks := dns.Tasks(cfg, []string{"fabrikam.example", "Fabrikam.example.", "down.example", ""})
	if len(tasks) != 2 || tasks[0].ID != "dns.fabrikam.example" || tasks[0].Service != "dns" || tasks[1].ID != "dns.down.example" {
		t.Fatalf("tasks %+v", tasks)
	}
	s := &tenant.Snapshot{}
	rep := collect.NewReporter(tasks[0].ID, "dns", nil)
	apply, err := tasks[0].Run(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	apply(s)
	apply(s) // applying twice replaces
	if len(s.DNS) != 1 || s.DNS[0].Domain != "fabrikam.example" {
		t.Errorf("snapshot DNS %+v", s.DNS)
	}
	if items, pages, _ := rep.Counts(); items != 7 || pages != 1 {
		t.Errorf("items %d pages %d, want 7 lookups in one page", items, pages)
	}
	// Every lookup of a domain failed: the source fails.
	_, err = tasks[1].Run(context.Background(), collect.NewReporter(tasks[1].ID, "dns", nil))
	var f *collect.Failure
	if !errors.As(err, &f) || !strings.Contains(f.Message, "every DNS query for down.example failed") || !strings.Contains(f.Message, "REFUSED") || f.Fix == "" {
		t.Errorf("all lookups failed: %v", err)
	}
	// A cancelled collection is not recorded as data.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tasks[0].Run(ctx, collect.NewReporter(tasks[0].ID, "dns", nil)); err == nil {
		t.Error("cancelled task succeeded")
	}
}

func TestDNSConfig(t *testing.T) {
	c, err := dns.New(dns.Config{Server: "192.0.2.53"})
	if err != nil || c.Resolver() != "192.0.2.53:53" {
		t.Errorf("bare host: %v %v", c, err)
	}
	c, err = dns.New(dns.Config{Server: "[2001:db8::53]:5353"})
	if err != nil || c.Resolver() != "[2001:db8::53]:5353" {
		t.Errorf("v6: %v %v", c, err)
	}
	// The system resolver: from resolv.conf, or an error that says so.
	if c, err := dns.New(dns.Config{}); err != nil && !strings.Contains(err.Error(), dns.ResolvConf) {
		t.Errorf("system resolver: %v", err)
	} else if err == nil && c.Resolver() == "" {
		t.Error("system resolver without a server")
	}
}

func TestDNSRecordKinds(t *testing.T) {
	for _, c := range []struct {
		txt  string
		is   func(string) bool
		want bool
	}{
		{"v=spf1 -all", dns.IsSPF, true}, {"V=SPF1", dns.IsSPF, true}, {"v=spf10 -all", dns.IsSPF, false}, {"spf1", dns.IsSPF, false},
		{"v=DMARC1; p=none", dns.IsDMARC, true}, {"v=DMARC1", dns.IsDMARC, true}, {" v = DMARC1 ;p=reject", dns.IsDMARC, true},
		{"p=none; v=DMARC1", dns.IsDMARC, false}, {"v=STSv1; id=1", dns.IsMTASTS, true}, {"v=TLSRPTv1;rua=mailto:x@y", dns.IsTLSRPT, true},
		{"v=TLSRPTv2", dns.IsTLSRPT, false},
	} {
		if got := c.is(c.txt); got != c.want {
			t.Errorf("%q: %v, want %v", c.txt, got, c.want)
		}
	}
}
