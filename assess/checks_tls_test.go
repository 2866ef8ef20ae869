package assess

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

var tlsIDs = []string{IDTLSVersions, IDTLSCiphers, IDTLSCert, IDTLSStartTLS, IDAuthAdvertised}

var tlsAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// --- hand-built probes

func versions(accepted ...string) []tenant.TLSVersionProbe {
	var out []tenant.TLSVersionProbe
	for _, v := range tenant.TLSVersions {
		r := tenant.TLSVersionProbe{Version: v, Status: tenant.ProbeRefused, Error: "alert protocol_version (70)"}
		for _, a := range accepted {
			if a == v {
				r = tenant.TLSVersionProbe{Version: v, Status: tenant.ProbeAccepted, CipherSuite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Handshake: v != tenant.SSL30}
			}
		}
		out = append(out, r)
	}
	return out
}

// goodEndpoint passes every check.
func goodEndpoint(host string, port int, protocol string) tenant.EndpointProbe {
	ep := tenant.EndpointProbe{
		Host: host, Port: port, Protocol: protocol, ProbedAt: tlsAsOf,
		Versions:   versions(tenant.TLS12, tenant.TLS13),
		Negotiated: &tenant.TLSSession{Version: tenant.TLS13, CipherSuite: "TLS_AES_128_GCM_SHA256"},
		Certificate: &tenant.CertificateInfo{Subject: "CN=" + host, Issuer: "CN=Public CA", SignatureAlgorithm: "SHA256-RSA", PublicKey: "RSA 2048",
			NotBefore: tlsAsOf.AddDate(-1, 0, 0), NotAfter: tlsAsOf.AddDate(0, 6, 0), DNSNames: []string{host}, NameMatches: true, Trust: tenant.TrustOK},
		Auth: tenant.AuthProbe{Read: true, CapabilitiesTLS: []string{"IMAP4rev1", "AUTH=XOAUTH2", "LOGINDISABLED"}},
	}
	if !tenant.ImplicitTLS(protocol) {
		ep.StartTLS = &tenant.StartTLSProbe{Offered: true, Works: true}
		ep.Auth.CapabilitiesPlain = []string{"STARTTLS"}
	}
	return ep
}

func probeSnapshot(eps ...tenant.EndpointProbe) *tenant.Snapshot {
	s := &tenant.Snapshot{AsOf: tlsAsOf}
	for _, ep := range eps {
		s.Endpoints = append(s.Endpoints, ep)
		s.SetStatus(tenant.SourceStatus{ID: "probe." + ep.Addr(), Service: "probe", State: tenant.StateOK, Items: 1, Pages: 1})
	}
	return s
}

type tlsWant struct {
	status   string
	affected int
	says     []string
}

func checkTLS(t *testing.T, s *tenant.Snapshot, wants map[string]tlsWant) {
	t.Helper()
	for id, w := range wants {
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
}

func TestTLSCatalog(t *testing.T) {
	want := map[string]string{IDTLSVersions: Medium, IDTLSCiphers: Medium, IDTLSCert: Medium, IDTLSStartTLS: High, IDAuthAdvertised: Medium}
	cat := Catalog()
	tail := cat[len(cat)-len(tlsIDs):]
	for i, c := range tail {
		if c.ID != tlsIDs[i] || c.Severity != want[c.ID] || c.Step != "" || c.Title == "" {
			t.Errorf("catalog tail[%d] = %+v", i, c)
		}
	}
	dns := -1
	for i, c := range cat {
		if c.ID == IDDNSMX {
			dns = i
		}
	}
	if dns < 0 || dns > len(cat)-len(tlsIDs) {
		t.Error("the endpoint checks come after the DNS checks")
	}
}

func TestTLSAllGood(t *testing.T) {
	s := probeSnapshot(goodEndpoint("mail.contoso.com", 993, "imaps"), goodEndpoint("mail.contoso.com", 143, "imap"))
	checkTLS(t, s, map[string]tlsWant{
		IDTLSVersions:    {Pass, 0, []string{"mail.contoso.com:993 (imaps): accepts only TLS 1.2 and TLS 1.3", "TLS 1.0: refused (alert protocol_version (70))"}},
		IDTLSCiphers:     {Pass, 0, []string{"accepts no legacy suite"}},
		IDTLSCert:        {Pass, 0, []string{"SHA256-RSA, valid until 2027-05-01, names the host, trusted"}},
		IDTLSStartTLS:    {Pass, 0, []string{"mail.contoso.com:143 (imap): STARTTLS offered and working (TLS 1.3)", "Not applicable: mail.contoso.com:993 (imaps)"}},
		IDAuthAdvertised: {Pass, 0, []string{"advertises no password sign-in"}},
	})
}

func TestTLSVersionsJudged(t *testing.T) {
	tls10 := goodEndpoint("legacy.contoso.com", 993, "imaps")
	tls10.Versions = versions(tenant.TLS10)
	ssl3 := goodEndpoint("ancient.contoso.com", 995, "pop3s")
	ssl3.Versions = versions(tenant.SSL30, tenant.TLS12)
	exo := goodEndpoint("outlook.office365.com", 993, "imaps")
	exo.Versions = versions(tenant.TLS10, tenant.TLS11, tenant.TLS12)
	unknown := goodEndpoint("flaky.contoso.com", 993, "imaps")
	unknown.Versions[1] = tenant.TLSVersionProbe{Version: tenant.TLS10, Status: tenant.ProbeError, Error: "timeout: TLS handshake took longer than 8s"}
	checkTLS(t, probeSnapshot(tls10, ssl3, exo, unknown), map[string]tlsWant{
		IDTLSVersions: {Fail, 4, []string{
			"Fails: legacy.contoso.com:993 (imaps): accepts TLS 1.0;",
			"ancient.contoso.com:995 (pop3s): accepts SSL 3.0;",
			"outlook.office365.com:993 (imaps): accepts TLS 1.0 and TLS 1.1 (Microsoft runs this endpoint",
			"Cannot be judged: flaky.contoso.com:993 (imaps): whether it accepts TLS 1.0 could not be told",
			"SSL 3.0: accepted (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; ServerHello only)",
			"The 2017 checklist advised keeping TLS 1.0", "July 2026 (unconfirmed", "Go's TLS library has no SSL 3.0",
			"To fix, turn SSL 3.0, TLS 1.0 and TLS 1.1 off"}},
	})
	// An unanswered TLS 1.0 never passes.
	checkTLS(t, probeSnapshot(unknown), map[string]tlsWant{IDTLSVersions: {Error, 1, []string{"could not be told (no answer)"}}})
}

func TestTLSCiphersJudged(t *testing.T) {
	rc4 := goodEndpoint("rc4.contoso.com", 993, "imaps")
	rc4.Versions = versions(tenant.TLS10, tenant.TLS12)
	rc4.WeakCiphers = []tenant.CipherAccept{
		{Name: "TLS_RSA_WITH_RC4_128_SHA", ID: 5, Versions: []string{"1.0"}},
		{Name: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", ID: 8, Versions: []string{"1.0"}},
		{Name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", ID: 0xC013, Versions: []string{"1.0", "1.2"}},
	}
	cbc := goodEndpoint("cbc.contoso.com", 993, "imaps")
	cbc.WeakCiphers = []tenant.CipherAccept{{Name: "TLS_RSA_WITH_AES_256_CBC_SHA", ID: 0x35, Versions: []string{"1.2"}}}
	checkTLS(t, probeSnapshot(rc4, cbc), map[string]tlsWant{
		IDTLSCiphers: {Fail, 2, []string{
			"rc4.contoso.com:993 (imaps): accepts TLS_RSA_WITH_RC4_128_SHA (RC4) and TLS_RSA_EXPORT_WITH_DES40_CBC_SHA (export-grade)",
			"Needs attention: cbc.contoso.com:993 (imaps): accepts TLS_RSA_WITH_AES_256_CBC_SHA (CBC with a SHA-1 MAC)",
			"accepts TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (CBC with a SHA-1 MAC) with TLS 1.0 and TLS 1.2"}},
	})
	checkTLS(t, probeSnapshot(cbc), map[string]tlsWant{IDTLSCiphers: {Warn, 1, nil}})
	only13 := goodEndpoint("new.contoso.com", 993, "imaps")
	only13.Versions = versions(tenant.TLS13)
	unfinished := goodEndpoint("half.contoso.com", 993, "imaps")
	unfinished.CipherError = "TLS 1.2: timeout: reading the ServerHello took longer than 8s"
	checkTLS(t, probeSnapshot(only13, unfinished), map[string]tlsWant{
		IDTLSCiphers: {Error, 1, []string{"new.contoso.com:993 (imaps): TLS 1.3 only", "half.contoso.com:993 (imaps): the suite probe did not finish"}},
	})
	for name, want := range map[string]bool{
		"TLS_RSA_WITH_NULL_SHA": true, "TLS_DH_anon_WITH_AES_128_CBC_SHA": true, "TLS_RSA_WITH_3DES_EDE_CBC_SHA": true,
		"TLS_RSA_WITH_DES_CBC_SHA": true, "TLS_RSA_WITH_RC4_128_MD5": true, "TLS_RSA_WITH_IDEA_CBC_SHA": true,
		"TLS_RSA_WITH_AES_128_GCM_SHA256": false, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": false,
	} {
		if class, broken := suiteClass(name); broken != want || class == "" {
			t.Errorf("%s: %q broken %v", name, class, broken)
		}
	}
}

func TestTLSCertJudged(t *testing.T) {
	mk := func(host string, f func(c *tenant.CertificateInfo)) tenant.EndpointProbe {
		ep := goodEndpoint(host, 993, "imaps")
		f(ep.Certificate)
		return ep
	}
	sha1 := mk("sha1.contoso.com", func(c *tenant.CertificateInfo) {
		c.SignatureAlgorithm = "SHA1-RSA"
		c.Trust, c.TrustError = tenant.TrustUntrusted, `x509: certificate signed by unknown authority (possibly because of "x509: cannot verify signature: insecure algorithm SHA1-RSA"`
	})
	expired := mk("expired.contoso.com", func(c *tenant.CertificateInfo) { c.NotAfter = tlsAsOf.AddDate(0, -1, 0) })
	soon := mk("soon.contoso.com", func(c *tenant.CertificateInfo) { c.NotAfter = tlsAsOf.AddDate(0, 0, 10) })
	wrong := mk("wrong.contoso.com", func(c *tenant.CertificateInfo) { c.NameMatches, c.DNSNames = false, []string{"other.contoso.com"} })
	self := mk("self.contoso.com", func(c *tenant.CertificateInfo) {
		c.SelfSigned, c.Trust, c.TrustError = true, tenant.TrustUntrusted, "x509: certificate signed by unknown authority"
	})
	private := mk("private.contoso.com", func(c *tenant.CertificateInfo) {
		c.Trust, c.TrustError = tenant.TrustUntrusted, "x509: certificate signed by unknown authority"
	})
	chain := mk("chain.contoso.com", func(c *tenant.CertificateInfo) { c.WeakChain = []string{"CN=Old Intermediate (SHA1-RSA)"} })
	checkTLS(t, probeSnapshot(sha1, expired, soon, wrong, self, private, chain), map[string]tlsWant{
		IDTLSCert: {Fail, 7, []string{
			"sha1.contoso.com:993 (imaps): its certificate is signed with SHA1-RSA",
			"expired.contoso.com:993 (imaps): its certificate is expired on 2026-10-01",
			"soon.contoso.com:993 (imaps): its certificate expires on 2026-11-11, 10 days after 2026-11-01",
			"wrong.contoso.com:993 (imaps): its certificate is does not name wrong.contoso.com (it names other.contoso.com)",
			"self.contoso.com:993 (imaps): its certificate is self-signed",
			"private.contoso.com:993 (imaps): its certificate does not chain to a trusted root",
			"chain.contoso.com:993 (imaps): its certificate is its chain has SHA-1 signed certificates: CN=Old Intermediate (SHA1-RSA)",
		}},
	})
	if f := finding(t, probeSnapshot(sha1), IDTLSCert); strings.Contains(f.Detail, "does not chain") {
		t.Errorf("SHA-1 also reported as untrusted: %s", f.Detail)
	}
	checkTLS(t, probeSnapshot(soon), map[string]tlsWant{IDTLSCert: {Warn, 1, nil}})
	// No certificate read (no handshake): error, not pass.
	none := goodEndpoint("none.contoso.com", 993, "imaps")
	none.Certificate = nil
	none.Notes = []string{"A client offering TLS 1.0 to 1.3 ... could not complete a handshake: EOF"}
	checkTLS(t, probeSnapshot(none), map[string]tlsWant{IDTLSCert: {Error, 1, []string{"could not be read"}}})
}

func TestTLSStartTLSJudged(t *testing.T) {
	noTLS := goodEndpoint("plain.contoso.com", 143, "imap")
	noTLS.StartTLS = &tenant.StartTLSProbe{Offered: false}
	noTLS.Versions, noTLS.Certificate, noTLS.Negotiated = nil, nil, nil
	noTLS.Auth = tenant.AuthProbe{Read: true, CapabilitiesPlain: []string{"IMAP4rev1", "AUTH=PLAIN"}, BasicPlain: []string{"LOGIN", "AUTH=PLAIN"}}
	broken := goodEndpoint("broken.contoso.com", 587, "smtp")
	broken.StartTLS = &tenant.StartTLSProbe{Offered: true, Error: "starttls: SMTP STARTTLS refused: 454 4.7.0 TLS not available"}
	stalled := goodEndpoint("stalled.contoso.com", 110, "pop3")
	stalled.StartTLS = &tenant.StartTLSProbe{Offered: true, Error: "the STARTTLS go-ahead came, then the server did not answer the ClientHello: timeout: TLS handshake took longer than 8s"}
	s := probeSnapshot(noTLS, broken, stalled, goodEndpoint("ok.contoso.com", 993, "imaps"))
	checkTLS(t, s, map[string]tlsWant{
		IDTLSStartTLS: {Fail, 3, []string{
			"plain.contoso.com:143 (imap): offers no STARTTLS: mail and passwords cross the network in clear text",
			"broken.contoso.com:587 (smtp): offers STARTTLS but the upgrade fails (starttls: SMTP STARTTLS refused: 454",
			"Cannot be judged: stalled.contoso.com:110 (pop3): STARTTLS is offered but the upgrade timed out",
			"Not applicable: ok.contoso.com:993 (imaps)"}},
		// The TLS checks leave the plain-only port to TLS-STARTTLS.
		IDTLSVersions: {Pass, 0, []string{"plain.contoso.com:143 (imap): not applicable, plain text only"}},
		IDAuthAdvertised: {Fail, 1, []string{
			"plain.contoso.com:143 (imap): advertises password sign-in on a port without TLS (LOGIN, AUTH=PLAIN)"}},
	})
	// Implicit TLS only: nothing to judge.
	checkTLS(t, probeSnapshot(goodEndpoint("ok.contoso.com", 993, "imaps")), map[string]tlsWant{
		IDTLSStartTLS: {Info, 0, []string{"Not applicable to any probed endpoint (ok.contoso.com:993 (imaps))", "need no STARTTLS"}},
	})
}

func TestAuthAdvertisedJudged(t *testing.T) {
	before := goodEndpoint("smtp.contoso.com", 587, "smtp")
	before.Auth = tenant.AuthProbe{Read: true, CapabilitiesPlain: []string{"STARTTLS", "AUTH PLAIN LOGIN"}, BasicPlain: []string{"AUTH PLAIN", "AUTH LOGIN"},
		CapabilitiesTLS: []string{"AUTH PLAIN LOGIN"}, BasicTLS: []string{"AUTH PLAIN", "AUTH LOGIN"}}
	exo := goodEndpoint("outlook.office365.com", 993, "imaps")
	exo.Auth = tenant.AuthProbe{Read: true, CapabilitiesTLS: []string{"IMAP4", "IMAP4rev1", "AUTH=PLAIN", "AUTH=XOAUTH2"}, BasicTLS: []string{"LOGIN", "AUTH=PLAIN"}}
	web := goodEndpoint("mail.contoso.com", 443, "https")
	web.Auth = tenant.AuthProbe{Read: true, BasicTLS: []string{"Basic on /EWS/Exchange.asmx"}, HTTP: []tenant.HTTPAuthProbe{
		{Path: "/EWS/Exchange.asmx", Status: 401, Authenticate: []string{`Basic realm="mail.contoso.com"`, "Bearer"}, Schemes: []string{"Basic", "Bearer"}},
		{Path: "/Microsoft-Server-ActiveSync", Error: "timeout"},
	}}
	unread := goodEndpoint("unread.contoso.com", 995, "pop3s")
	unread.Auth = tenant.AuthProbe{Error: "greeting on TLS: timeout: greeting took longer than 8s"}
	checkTLS(t, probeSnapshot(before, exo, web, unread), map[string]tlsWant{
		IDAuthAdvertised: {Fail, 4, []string{
			"smtp.contoso.com:587 (smtp): advertises password sign-in before TLS (AUTH PLAIN, AUTH LOGIN)",
			"outlook.office365.com:993 (imaps): advertises password sign-in on TLS (LOGIN, AUTH=PLAIN), as Microsoft's shared endpoint does for every tenant",
			"mail.contoso.com:443 (https): advertises password sign-in on TLS (Basic on /EWS/Exchange.asmx)",
			`GET /EWS/Exchange.asmx: 401, WWW-Authenticate: Basic realm="mail.contoso.com" | Bearer`,
			"Cannot be judged: unread.contoso.com:995 (pop3s): what it advertises could not be read",
			"EXO-BASIC-AUTH-POLICY"}},
	})
	checkTLS(t, probeSnapshot(exo), map[string]tlsWant{IDAuthAdvertised: {Warn, 1, nil}})
}

func TestTLSCollectionStates(t *testing.T) {
	// Nothing collected at all.
	for _, id := range tlsIDs {
		if f := finding(t, &tenant.Snapshot{}, id); f.Status != Error {
			t.Errorf("%s with nothing collected: %s", id, f.Status)
		}
	}
	// Collected without probes: not probed, never passed.
	s := &tenant.Snapshot{AsOf: tlsAsOf}
	s.SetStatus(okSrc("graph.domains"))
	for _, id := range tlsIDs {
		f := finding(t, s, id)
		if f.Status != Info || !strings.Contains(f.Detail, "Not probed") || !strings.Contains(f.Detail, "--probe") {
			t.Errorf("%s without probes: %s %s", id, f.Status, f.Detail)
		}
	}
	// A probe that failed: error for that endpoint, next to a good one.
	s = probeSnapshot(goodEndpoint("mail.contoso.com", 993, "imaps"))
	s.SetStatus(tenant.SourceStatus{ID: "probe.gone.contoso.com:995", Service: "probe", State: tenant.StateError,
		Error: "connecting to gone.contoso.com:995: dial tcp 192.0.2.7:995: connect: connection refused", Fix: "check that gone.contoso.com:995 is reachable"})
	for _, id := range []string{IDTLSVersions, IDTLSCiphers, IDTLSCert, IDAuthAdvertised} {
		checkTLS(t, s, map[string]tlsWant{id: {Error, 1, []string{
			"Cannot be judged: gone.contoso.com:995: it could not be probed (connecting to gone.contoso.com:995: dial tcp 192.0.2.7:995: connect: connection refused); to fix: check that",
			"gone.contoso.com:995: probe.gone.contoso.com:995: error", "Fine: mail.contoso.com:993 (imaps)"}}})
	}
}

// The built-in scenarios' endpoints, played by the simulator and probed
// through a dialer that maps their real names to its listeners.
func TestTLSScenarios(t *testing.T) {
	for _, c := range []struct {
		scenario string
		asOf     time.Time
		want     map[string]tlsWant
	}{
		{"contoso", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), map[string]tlsWant{
			IDTLSVersions: {Pass, 0, []string{"outlook.office365.com:993 (imaps): accepts only TLS 1.2 and TLS 1.3", "smtp.office365.com:587 (smtp): accepts only TLS 1.2 and TLS 1.3"}},
			IDTLSCiphers:  {Pass, 0, []string{"accepts no legacy suite"}},
			IDTLSCert:     {Pass, 0, []string{"SHA256-RSA, valid until 2027-04-21, names the host, trusted"}},
			IDTLSStartTLS: {Pass, 0, []string{"smtp.office365.com:587 (smtp): STARTTLS offered and working", "Not applicable: outlook.office365.com:993 (imaps) and outlook.office365.com:995 (pop3s)"}},
			// Exchange Online advertises passwords on its shared endpoints,
			// after TLS only.
			IDAuthAdvertised: {Warn, 3, []string{
				"outlook.office365.com:993 (imaps): advertises password sign-in on TLS (LOGIN, AUTH=PLAIN)",
				"outlook.office365.com:995 (pop3s): advertises password sign-in on TLS (USER, SASL PLAIN)",
				"smtp.office365.com:587 (smtp): advertises password sign-in on TLS (AUTH LOGIN)"}},
		}},
		{"whitepaper", time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), map[string]tlsWant{
			IDTLSVersions:    {Fail, 3, []string{"outlook.office365.com:993 (imaps): accepts TLS 1.0 and TLS 1.1 (Microsoft runs this endpoint", "2017 checklist"}},
			IDTLSCiphers:     {Warn, 3, []string{"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA (CBC with a SHA-1 MAC)", "TLS_RSA_WITH_AES_256_CBC_SHA (CBC with a SHA-1 MAC)"}},
			IDTLSCert:        {Pass, 0, []string{"valid until 2020-07-14"}},
			IDTLSStartTLS:    {Pass, 0, nil},
			IDAuthAdvertised: {Warn, 3, []string{"smtp.office365.com:587 (smtp): advertises password sign-in on TLS (AUTH LOGIN)"}},
		}},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			srv := simtest.ServeBuiltin(t, c.scenario, sim.Options{})
			m, err := srv.StartEndpoints()
			if err != nil {
				t.Fatal(err)
			}
			list, err := srv.Endpoints()
			if err != nil {
				t.Fatal(err)
			}
			var targets []probe.Target
			for _, e := range list {
				targets = append(targets, probe.Target{Host: e.Host, Port: e.Port, Protocol: e.Protocol})
			}
			roots, err := sim.EndpointRoots()
			if err != nil {
				t.Fatal(err)
			}
			cfg := probe.Config{Dial: probe.MapDialer(m, nil), Timeout: 3 * time.Second, Roots: roots}
			s := &tenant.Snapshot{AsOf: c.asOf}
			for _, task := range probe.Tasks(cfg, targets) {
				apply, err := task.Run(context.Background(), collect.NewReporter(task.ID, task.Service, nil))
				if err != nil {
					t.Fatalf("%s: %v", task.ID, err)
				}
				apply(s)
				s.SetStatus(tenant.SourceStatus{ID: task.ID, Service: task.Service, State: tenant.StateOK})
			}
			if len(s.Endpoints) != len(list) {
				t.Fatalf("%d endpoints probed, %d in the scenario", len(s.Endpoints), len(list))
			}
			checkTLS(t, s, c.want)
		})
	}
}
