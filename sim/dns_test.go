package sim

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dnsServer serves records (scenario "dns" entries) for the test's
// lifetime and returns the DNS address.
func dnsServer(t *testing.T, records ...map[string]any) (*Server, string) {
	t.Helper()
	list := make([]any, len(records))
	for i, r := range records {
		list[i] = r
	}
	srv := New(&Scenario{Doc: map[string]any{"name": "dns-test", "asOf": "2026-11-01", "dns": list}}, Options{})
	addr, err := srv.StartDNS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, addr
}

func rec(name, typ string, value any) map[string]any {
	return map[string]any{"name": name, "type": typ, "value": value}
}

func ask(t *testing.T, addr, network, name string, qtype uint16, edns bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	if edns {
		m.SetEdns0(1232, false)
	}
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return r
}

var testRecords = []map[string]any{
	rec("contoso.com", "MX", "0 contoso-com.mail.protection.outlook.com."),
	rec("Contoso.COM.", "TXT", "v=spf1 include:spf.protection.outlook.com -all"),
	rec("contoso.com", "TXT", "MS=ms12345678"),
	rec("selector1._domainkey.contoso.com", "CNAME", "selector1-contoso-com._domainkey.contoso.onmicrosoft.com."),
	rec("selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "TXT", "v=DKIM1; k=rsa; p=MIIB"),
	rec("mail.contoso.com", "A", "192.0.2.25"),
	rec("mail.contoso.com", "AAAA", "2001:db8::25"),
	rec("contoso.com", "NS", "ns1.contoso.com."),
}

func TestDNSServesUDPAndTCP(t *testing.T) {
	_, addr := dnsServer(t, testRecords...)
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Errorf("address %s, want loopback", addr)
	}
	for _, network := range []string{"udp", "tcp"} {
		r := ask(t, addr, network, "CONTOSO.com", dns.TypeTXT, false)
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 2 {
			t.Fatalf("%s: TXT: rcode %s aa %v answer %v", network, dns.RcodeToString[r.Rcode], r.Authoritative, r.Answer)
		}
		if got := r.Answer[0].(*dns.TXT).Txt; len(got) != 1 || got[0] != "v=spf1 include:spf.protection.outlook.com -all" {
			t.Errorf("%s: SPF %q", network, got)
		}
		r = ask(t, addr, network, "contoso.com", dns.TypeMX, false)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.MX).Mx != "contoso-com.mail.protection.outlook.com." || r.Answer[0].(*dns.MX).Preference != 0 {
			t.Errorf("%s: MX %v", network, r.Answer)
		}
		r = ask(t, addr, network, "mail.contoso.com", dns.TypeAAAA, false)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.AAAA).AAAA.String() != "2001:db8::25" {
			t.Errorf("%s: AAAA %v", network, r.Answer)
		}
		r = ask(t, addr, network, "contoso.com", dns.TypeNS, false)
		if len(r.Answer) != 1 {
			t.Errorf("%s: NS %v", network, r.Answer)
		}
		// A CNAME asked as CNAME, and followed when asked for TXT.
		r = ask(t, addr, network, "selector1._domainkey.contoso.com", dns.TypeCNAME, false)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.CNAME).Target != "selector1-contoso-com._domainkey.contoso.onmicrosoft.com." {
			t.Errorf("%s: CNAME %v", network, r.Answer)
		}
		r = ask(t, addr, network, "selector1._domainkey.contoso.com", dns.TypeTXT, false)
		if len(r.Answer) != 2 || r.Answer[1].Header().Rrtype != dns.TypeTXT {
			t.Errorf("%s: TXT through the CNAME: %v", network, r.Answer)
		}
		// Unknown name: NXDOMAIN. Known name, other type: NODATA. A parent
		// of a name (an empty non-terminal): NODATA.
		for _, c := range []struct {
			name  string
			qtype uint16
			rcode int
		}{
			{"_dmarc.contoso.com", dns.TypeTXT, dns.RcodeNameError},
			{"nope.example", dns.TypeA, dns.RcodeNameError},
			{"contoso.com", dns.TypeA, dns.RcodeSuccess},
			{"mail.contoso.com", dns.TypeTXT, dns.RcodeSuccess},
			{"_domainkey.contoso.com", dns.TypeTXT, dns.RcodeSuccess},
			{"selector2._domainkey.contoso.com", dns.TypeCNAME, dns.RcodeNameError},
		} {
			r := ask(t, addr, network, c.name, c.qtype, true)
			if r.Rcode != c.rcode || len(r.Answer) != 0 || !r.Authoritative {
				t.Errorf("%s: %s %s: rcode %s, %d answers, aa %v; want %s and none", network, c.name, dns.TypeToString[c.qtype],
					dns.RcodeToString[r.Rcode], len(r.Answer), r.Authoritative, dns.RcodeToString[c.rcode])
			}
		}
	}
}

// A TXT value over 255 bytes goes out as several strings; a value given
// as a list goes out as those strings.
func TestDNSSplitsLongTXT(t *testing.T) {
	long := "v=spf1 " + strings.Repeat("ip4:192.0.2.1 ", 40) + "-all"
	_, addr := dnsServer(t,
		rec("long.example", "TXT", long),
		rec("parts.example", "TXT", []any{"v=DMARC1; p=reject; ", "rua=mailto:d@parts.example"}),
		rec("quote.example", "TXT", `say "hi" \ back`),
	)
	r := ask(t, addr, "udp", "long.example", dns.TypeTXT, true)
	txt := r.Answer[0].(*dns.TXT).Txt
	if len(txt) != 3 || len(txt[0]) != 255 || len(txt[1]) != 255 || strings.Join(txt, "") != long {
		t.Errorf("split: %d strings %q", len(txt), txt)
	}
	r = ask(t, addr, "tcp", "parts.example", dns.TypeTXT, false)
	if txt := r.Answer[0].(*dns.TXT).Txt; len(txt) != 2 || txt[1] != "rua=mailto:d@parts.example" {
		t.Errorf("parts: %q", txt)
	}
	r = ask(t, addr, "udp", "quote.example", dns.TypeTXT, false)
	if txt := r.Answer[0].(*dns.TXT).Txt; len(txt) != 1 || txt[0] != `say \"hi\" \\ back` {
		t.Errorf("escapes: %q", txt)
	}
}

// An answer too large for UDP is truncated (TC) and whole over TCP.
func TestDNSTruncatesUDP(t *testing.T) {
	var recs []map[string]any
	for i := 0; i < 12; i++ {
		recs = append(recs, rec("big.example", "TXT", strings.Repeat(string(rune('a'+i)), 200)))
	}
	_, addr := dnsServer(t, recs...)
	r := ask(t, addr, "udp", "big.example", dns.TypeTXT, false)
	if !r.Truncated || len(r.Answer) >= 12 {
		t.Errorf("UDP without EDNS0: truncated %v with %d answers", r.Truncated, len(r.Answer))
	}
	r = ask(t, addr, "udp", "big.example", dns.TypeTXT, true) // 1232 bytes: still too small
	if !r.Truncated {
		t.Errorf("UDP with EDNS0 1232: not truncated (%d answers)", len(r.Answer))
	}
	r = ask(t, addr, "tcp", "big.example", dns.TypeTXT, false)
	if r.Truncated || len(r.Answer) != 12 {
		t.Errorf("TCP: truncated %v with %d answers", r.Truncated, len(r.Answer))
	}
}

func TestDNSFaults(t *testing.T) {
	_, addr := dnsServer(t,
		rec("f.example", "MX", "10 mx.f.example."),
		map[string]any{"name": "f.example", "type": "TXT", "fault": "SERVFAIL"},
		map[string]any{"name": "_dmarc.f.example", "type": "TXT", "fault": "REFUSED"},
		map[string]any{"name": "slow.f.example", "type": "ANY", "fault": "TIMEOUT"},
	)
	for _, network := range []string{"udp", "tcp"} {
		if r := ask(t, addr, network, "f.example", dns.TypeTXT, true); r.Rcode != dns.RcodeServerFailure {
			t.Errorf("%s: SERVFAIL fault answered %s", network, dns.RcodeToString[r.Rcode])
		}
		if r := ask(t, addr, network, "f.example", dns.TypeMX, true); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			t.Errorf("%s: the other type at a faulty name: %s %v", network, dns.RcodeToString[r.Rcode], r.Answer)
		}
		if r := ask(t, addr, network, "_dmarc.f.example", dns.TypeTXT, true); r.Rcode != dns.RcodeRefused {
			t.Errorf("%s: REFUSED fault answered %s", network, dns.RcodeToString[r.Rcode])
		}
		m := new(dns.Msg)
		m.SetQuestion("slow.f.example.", dns.TypeTXT)
		c := &dns.Client{Net: network, Timeout: 300 * time.Millisecond}
		if r, _, err := c.Exchange(m, addr); err == nil {
			t.Errorf("%s: TIMEOUT fault answered %v", network, r)
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Errorf("%s: TIMEOUT fault: %v, want a timeout", network, err)
		}
	}
}

func TestDNSBadRecords(t *testing.T) {
	for _, r := range []map[string]any{
		rec("x.example", "NOPE", "1"),
		rec("x.example", "MX", "not-a-number host."),
		rec("x.example", "A", []any{"192.0.2.1"}),
		{"name": "x.example", "type": "TXT", "fault": "SLOW"},
		{"name": "", "type": "TXT", "value": "x"},
	} {
		srv := New(&Scenario{Doc: map[string]any{"dns": []any{r}}}, Options{})
		if addr, err := srv.StartDNS(""); err == nil {
			srv.Close()
			t.Errorf("%v: served on %s", r, addr)
		} else if !strings.Contains(err.Error(), "$.dns[0]") {
			t.Errorf("%v: error does not say which record: %v", r, err)
		}
	}
}

// Close stops the DNS listeners too.
func TestDNSStopsOnClose(t *testing.T) {
	srv := New(&Scenario{Doc: map[string]any{"dns": []any{rec("a.example", "A", "192.0.2.1")}}}, Options{})
	addr, err := srv.StartDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ask(t, addr, "tcp", "a.example", dns.TypeA, false)
	srv.Close()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("TCP still listening after Close")
	}
}

// Every built-in scenario's records serve; Microsoft's SPF record is there
// without being listed.
func TestDNSBuiltins(t *testing.T) {
	for _, name := range Builtins() {
		sc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		srv := New(sc, Options{})
		addr, err := srv.StartDNS("")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range sc.Doc["dns"].([]any) {
			m := r.(map[string]any)
			qt := dns.StringToType[m["type"].(string)]
			if a := ask(t, addr, "udp", m["name"].(string), qt, true); a.Rcode != dns.RcodeSuccess || len(a.Answer) == 0 {
				t.Errorf("%s: %v: %s, %d answers", name, m, dns.RcodeToString[a.Rcode], len(a.Answer))
			}
		}
		a := ask(t, addr, "udp", "spf.protection.outlook.com", dns.TypeTXT, true)
		if len(a.Answer) != 1 || !strings.HasPrefix(a.Answer[0].(*dns.TXT).Txt[0], "v=spf1 ip4:") {
			t.Errorf("%s: spf.protection.outlook.com: %v", name, a.Answer)
		}
		srv.Close()
	}
}
