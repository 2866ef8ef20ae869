package probe_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
)

// asOf is the date the test organisation is judged on.
var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// serve plays endpoints (scenario "endpoints" entries, built in memory)
// on loopback and returns a config whose dialer reaches them and trusts
// the simulator's roots.
func serve(t *testing.T, endpoints ...map[string]any) probe.Config {
	t.Helper()
	list := make([]any, len(endpoints))
	for i, e := range endpoints {
		list[i] = e
	}
	srv := sim.New(&sim.Scenario{Doc: map[string]any{"name": "probe", "asOf": asOf.Format("2006-01-02"), "endpoints": list}}, sim.Options{})
	m, err := srv.StartEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	roots, err := sim.EndpointRoots()
	if err != nil {
		t.Fatal(err)
	}
	return probe.Config{Dial: probe.MapDialer(m, nil), Timeout: 3 * time.Second, Roots: roots}
}

// endpoint is a scenario entry.
func endpoint(host string, port int, protocol string, versions, ciphers []any, cert map[string]any, advertises ...any) map[string]any {
	tl := map[string]any{"versions": versions}
	if ciphers != nil {
		tl["ciphers"] = ciphers
	}
	if cert != nil {
		tl["certificate"] = cert
	}
	return map[string]any{"host": host, "port": port, "protocol": protocol, "tls": tl, "advertises": advertises}
}

var (
	modern    = []any{"1.2", "1.3"}
	gcm       = []any{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}
	goodCert  = map[string]any{"signature": "SHA256-RSA", "notAfter": "2027-06-30T00:00:00Z"}
	sha1Cert  = map[string]any{"signature": "SHA1-RSA", "notAfter": "2027-06-30T00:00:00Z"}
	oldCert   = map[string]any{"signature": "SHA256-RSA", "notAfter": "2026-10-01T00:00:00Z"}
	closeCert = map[string]any{"signature": "SHA256-RSA", "notAfter": "2026-11-15T00:00:00Z"}
)

func probeOne(t *testing.T, cfg probe.Config, host string, port int, proto string) tenant.EndpointProbe {
	t.Helper()
	ep, err := probe.Probe(context.Background(), cfg, probe.Target{Host: host, Port: port, Protocol: proto})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// assessed runs the probe tasks as Discover does and judges the snapshot.
func assessed(t *testing.T, cfg probe.Config, targets ...probe.Target) (*tenant.Snapshot, map[string]assess.Finding) {
	t.Helper()
	s := &tenant.Snapshot{SchemaVersion: tenant.SchemaVersion, AsOf: asOf}
	for _, task := range probe.Tasks(cfg, targets) {
		if task.Service != "probe" || !strings.HasPrefix(task.ID, "probe.") {
			t.Errorf("task %s service %s", task.ID, task.Service)
		}
		st := tenant.SourceStatus{ID: task.ID, Service: task.Service, State: tenant.StateOK}
		apply, err := task.Run(context.Background(), collect.NewReporter(task.ID, task.Service, nil))
		if err != nil {
			st.State, st.Error = tenant.StateError, err.Error()
			var f *collect.Failure
			if errors.As(err, &f) {
				st.Fix = f.Fix
			}
		} else {
			apply(s)
		}
		s.SetStatus(st)
	}
	out := map[string]assess.Finding{}
	for _, f := range assess.Run(s, assess.Options{}) {
		out[f.ID] = f
	}
	return s, out
}

type want struct {
	status   string
	affected int
	says     []string
}

func expect(t *testing.T, fs map[string]assess.Finding, wants map[string]want) {
	t.Helper()
	for id, w := range wants {
		f, ok := fs[id]
		if !ok {
			t.Errorf("no finding %s", id)
			continue
		}
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

func statuses(ep tenant.EndpointProbe) map[string]string {
	out := map[string]string{}
	for _, v := range ep.Versions {
		out[v.Version] = v.Status
	}
	return out
}

func weakNames(ep tenant.EndpointProbe) []string {
	var out []string
	for _, c := range ep.WeakCiphers {
		out = append(out, c.Name)
	}
	return out
}

// --- the five cases of the issue

func TestProbeTLS10Only(t *testing.T) {
	cfg := serve(t, endpoint("mail.fabrikam.example", 993, "imaps", []any{"1.0"}, []any{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}, goodCert, "AUTH=XOAUTH2", "LOGINDISABLED"))
	ep := probeOne(t, cfg, "mail.fabrikam.example", 993, "")
	got := statuses(ep)
	wantV := map[string]string{"SSL3": "refused", "1.0": "accepted", "1.1": "refused", "1.2": "refused", "1.3": "refused"}
	for v, w := range wantV {
		if got[v] != w {
			t.Errorf("TLS %s: %s, want %s (%+v)", v, got[v], w, ep.Versions)
		}
	}
	if v, _ := ep.Version("1.0"); !v.Handshake || v.CipherSuite != "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" {
		t.Errorf("1.0: %+v", v)
	}
	if ep.Negotiated == nil || ep.Negotiated.Version != "1.0" {
		t.Errorf("negotiated %+v", ep.Negotiated)
	}
	if ep.Protocol != "imaps" || ep.StartTLS != nil {
		t.Errorf("protocol %q starttls %+v", ep.Protocol, ep.StartTLS)
	}
	_, fs := assessed(t, cfg, probe.Target{Host: "mail.fabrikam.example", Port: 993})
	expect(t, fs, map[string]want{
		assess.IDTLSVersions:    {assess.Fail, 1, []string{"mail.fabrikam.example:993 (imaps): accepts TLS 1.0", "TLS 1.1: refused", "2017 checklist", "unconfirmed"}},
		assess.IDTLSCiphers:     {assess.Warn, 1, []string{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (CBC with a SHA-1 MAC)"}},
		assess.IDTLSCert:        {assess.Pass, 0, []string{"SHA256-RSA, valid until 2027-06-30", "trusted"}},
		assess.IDTLSStartTLS:    {assess.Info, 0, []string{"Not applicable"}},
		assess.IDAuthAdvertised: {assess.Pass, 0, []string{"advertises no password sign-in"}},
	})
}

func TestProbeSHA1Certificate(t *testing.T) {
	cfg := serve(t, endpoint("mail.fabrikam.example", 993, "imaps", modern, gcm, sha1Cert, "AUTH=XOAUTH2", "LOGINDISABLED"))
	ep := probeOne(t, cfg, "mail.fabrikam.example", 993, "imaps")
	c := ep.Certificate
	if c == nil || c.SignatureAlgorithm != "SHA1-RSA" || !c.WeakSignature() || !c.NameMatches || c.SelfSigned {
		t.Fatalf("certificate %+v", c)
	}
	if c.Trust != tenant.TrustUntrusted || !strings.Contains(c.TrustError, "insecure algorithm SHA1-RSA") {
		t.Errorf("trust %s %s", c.Trust, c.TrustError)
	}
	_, fs := assessed(t, cfg, probe.Target{Host: "mail.fabrikam.example", Port: 993})
	expect(t, fs, map[string]want{
		assess.IDTLSCert:     {assess.Fail, 1, []string{"signed with SHA1-RSA"}},
		assess.IDTLSVersions: {assess.Pass, 0, []string{"accepts only TLS 1.2 and TLS 1.3"}},
	})
	if f := fs[assess.IDTLSCert]; strings.Contains(f.Detail, "does not chain") {
		t.Errorf("SHA-1 counted twice (as untrusted too): %s", f.Detail)
	}
}

func TestProbeCertificateProblems(t *testing.T) {
	wrong := map[string]any{"signature": "SHA256-RSA", "notAfter": "2027-06-30T00:00:00Z", "names": []any{"legacy.fabrikam.example"}}
	self := map[string]any{"signature": "SHA256-RSA", "notAfter": "2027-06-30T00:00:00Z", "selfSigned": true}
	cfg := serve(t,
		endpoint("expired.fabrikam.example", 993, "imaps", modern, gcm, oldCert, "AUTH=XOAUTH2", "LOGINDISABLED"),
		endpoint("soon.fabrikam.example", 993, "imaps", modern, gcm, closeCert, "AUTH=XOAUTH2", "LOGINDISABLED"),
		endpoint("wrong.fabrikam.example", 993, "imaps", modern, gcm, wrong, "AUTH=XOAUTH2", "LOGINDISABLED"),
		endpoint("self.fabrikam.example", 993, "imaps", modern, gcm, self, "AUTH=XOAUTH2", "LOGINDISABLED"),
	)
	ep := probeOne(t, cfg, "self.fabrikam.example", 993, "imaps")
	if !ep.Certificate.SelfSigned || ep.Certificate.Trust != tenant.TrustUntrusted {
		t.Errorf("self-signed: %+v", ep.Certificate)
	}
	ep = probeOne(t, cfg, "wrong.fabrikam.example", 993, "imaps")
	if ep.Certificate.NameMatches || !slices.Equal(ep.Certificate.DNSNames, []string{"legacy.fabrikam.example"}) || ep.Certificate.Trust != tenant.TrustOK {
		t.Errorf("wrong name: %+v", ep.Certificate)
	}
	_, fs := assessed(t, cfg,
		probe.Target{Host: "expired.fabrikam.example", Port: 993}, probe.Target{Host: "soon.fabrikam.example", Port: 993},
		probe.Target{Host: "wrong.fabrikam.example", Port: 993}, probe.Target{Host: "self.fabrikam.example", Port: 993})
	expect(t, fs, map[string]want{
		assess.IDTLSCert: {assess.Fail, 4, []string{
			"expired.fabrikam.example:993 (imaps): its certificate is expired on 2026-10-01",
			"soon.fabrikam.example:993 (imaps): its certificate expires on 2026-11-15, 14 days after 2026-11-01",
			"wrong.fabrikam.example:993 (imaps): its certificate is does not name wrong.fabrikam.example (it names legacy.fabrikam.example)",
			"self.fabrikam.example:993 (imaps): its certificate is self-signed",
		}},
	})
}

func TestProbeSTARTTLSAuthPlainBeforeTLS(t *testing.T) {
	e := endpoint("smtp.fabrikam.example", 587, "smtp", modern, gcm, goodCert, "STARTTLS", "AUTH LOGIN PLAIN")
	e["advertisesBeforeTLS"] = []any{"AUTH PLAIN LOGIN"}
	cfg := serve(t, e)
	ep := probeOne(t, cfg, "smtp.fabrikam.example", 587, "")
	if ep.StartTLS == nil || !ep.StartTLS.Offered || !ep.StartTLS.Works {
		t.Errorf("STARTTLS %+v", ep.StartTLS)
	}
	if !slices.Equal(ep.Auth.BasicPlain, []string{"AUTH PLAIN", "AUTH LOGIN"}) || !slices.Equal(ep.Auth.BasicTLS, []string{"AUTH LOGIN", "AUTH PLAIN"}) {
		t.Errorf("auth %+v", ep.Auth)
	}
	if !slices.Contains(ep.Auth.CapabilitiesPlain, "STARTTLS") || slices.Contains(ep.Auth.CapabilitiesTLS, "STARTTLS") {
		t.Errorf("capabilities %q / %q", ep.Auth.CapabilitiesPlain, ep.Auth.CapabilitiesTLS)
	}
	_, fs := assessed(t, cfg, probe.Target{Host: "smtp.fabrikam.example", Port: 587})
	expect(t, fs, map[string]want{
		assess.IDAuthAdvertised: {assess.Fail, 1, []string{"advertises password sign-in before TLS (AUTH PLAIN, AUTH LOGIN)", "clear text", "before TLS: "}},
		assess.IDTLSStartTLS:    {assess.Pass, 0, []string{"STARTTLS offered and working (TLS 1.3)"}},
		assess.IDTLSVersions:    {assess.Pass, 0, nil},
	})
}

func TestProbeCleanModern(t *testing.T) {
	cfg := serve(t,
		endpoint("mail.fabrikam.example", 993, "imaps", modern, gcm, goodCert, "AUTH=XOAUTH2", "SASL-IR", "LOGINDISABLED"),
		endpoint("mail.fabrikam.example", 995, "pop3s", modern, gcm, goodCert, "SASL XOAUTH2"),
		endpoint("smtp.fabrikam.example", 587, "smtp", modern, gcm, goodCert, "STARTTLS", "AUTH XOAUTH2"),
		endpoint("mail.fabrikam.example", 443, "https", modern, gcm, goodCert, "Bearer"),
	)
	ep := probeOne(t, cfg, "mail.fabrikam.example", 443, "https")
	if len(ep.Auth.HTTP) != 3 || ep.Auth.HTTP[0].Status != 401 || !slices.Equal(ep.Auth.HTTP[0].Schemes, []string{"Bearer"}) {
		t.Errorf("http %+v", ep.Auth.HTTP)
	}
	if len(ep.WeakCiphers) != 0 || ep.CipherError != "" {
		t.Errorf("weak %v %s", weakNames(ep), ep.CipherError)
	}
	_, fs := assessed(t, cfg,
		probe.Target{Host: "mail.fabrikam.example", Port: 993}, probe.Target{Host: "mail.fabrikam.example", Port: 995},
		probe.Target{Host: "smtp.fabrikam.example", Port: 587}, probe.Target{Host: "mail.fabrikam.example", Port: 443})
	expect(t, fs, map[string]want{
		assess.IDTLSVersions:    {assess.Pass, 0, []string{"accepts only TLS 1.2 and TLS 1.3"}},
		assess.IDTLSCiphers:     {assess.Pass, 0, []string{"accepts no legacy suite"}},
		assess.IDTLSCert:        {assess.Pass, 0, []string{"trusted"}},
		assess.IDTLSStartTLS:    {assess.Pass, 0, []string{"smtp.fabrikam.example:587 (smtp): STARTTLS offered and working", "Not applicable"}},
		assess.IDAuthAdvertised: {assess.Pass, 0, []string{"GET /EWS/Exchange.asmx: 401, WWW-Authenticate: Bearer"}},
	})
}

// --- more of what the probe sees

func TestProbeSSL3AndSuitesGoLacks(t *testing.T) {
	cfg := serve(t, endpoint("old.fabrikam.example", 995, "pop3s", []any{"SSL3", "1.0"},
		[]any{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
			"TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS_RSA_WITH_NULL_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"}, goodCert, "USER"))
	ep := probeOne(t, cfg, "old.fabrikam.example", 995, "pop3s")
	v, _ := ep.Version("SSL3")
	if v.Status != tenant.ProbeAccepted || v.Handshake {
		t.Errorf("SSL3 %+v", v)
	}
	wantWeak := []string{"TLS_RSA_WITH_NULL_SHA", "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"}
	got := weakNames(ep)
	for _, w := range wantWeak {
		if !slices.Contains(got, w) {
			t.Errorf("weak suite %s not found: %v", w, got)
		}
	}
	for _, c := range ep.WeakCiphers {
		if !slices.Equal(c.Versions, []string{"SSL3", "1.0"}) {
			t.Errorf("%s accepted with %v, want SSL3 and 1.0", c.Name, c.Versions)
		}
	}
	if !slices.Equal(ep.Auth.BasicTLS, []string{"USER"}) {
		t.Errorf("basic %v", ep.Auth.BasicTLS)
	}
	_, fs := assessed(t, cfg, probe.Target{Host: "old.fabrikam.example", Port: 995})
	expect(t, fs, map[string]want{
		assess.IDTLSVersions:    {assess.Fail, 1, []string{"accepts SSL 3.0 and TLS 1.0", "ServerHello only", "hand-written ClientHello"}},
		assess.IDTLSCiphers:     {assess.Fail, 1, []string{"NULL (no encryption)", "export-grade", "RC4", "3DES (Sweet32)"}},
		assess.IDAuthAdvertised: {assess.Warn, 1, []string{"advertises password sign-in on TLS (USER)"}},
	})
}

func TestProbeVersionGap(t *testing.T) {
	cfg := serve(t, endpoint("gap.fabrikam.example", 993, "imaps", []any{"1.0", "1.2"}, nil, goodCert, "LOGINDISABLED"))
	got := statuses(probeOne(t, cfg, "gap.fabrikam.example", 993, "imaps"))
	want := map[string]string{"SSL3": "refused", "1.0": "accepted", "1.1": "refused", "1.2": "accepted", "1.3": "refused"}
	for v, w := range want {
		if got[v] != w {
			t.Errorf("%s: %s, want %s", v, got[v], w)
		}
	}
}

func TestProbePlainWithoutSTARTTLS(t *testing.T) {
	cfg := serve(t,
		endpoint("imap.fabrikam.example", 143, "imap", modern, gcm, goodCert, "AUTH=PLAIN"),
		endpoint("pop.fabrikam.example", 110, "pop3", modern, gcm, goodCert, "STLS", "USER"),
	)
	ep := probeOne(t, cfg, "imap.fabrikam.example", 143, "imap")
	if ep.StartTLS == nil || ep.StartTLS.Offered || len(ep.Versions) != 0 || ep.Certificate != nil {
		t.Errorf("plain endpoint %+v", ep)
	}
	if !slices.Equal(ep.Auth.BasicPlain, []string{"LOGIN", "AUTH=PLAIN"}) {
		t.Errorf("basic before TLS %v", ep.Auth.BasicPlain)
	}
	pop := probeOne(t, cfg, "pop.fabrikam.example", 110, "pop3")
	if !pop.StartTLS.Works || len(pop.Auth.BasicPlain) != 0 || !slices.Equal(pop.Auth.BasicTLS, []string{"USER"}) {
		t.Errorf("pop3 %+v", pop)
	}
	_, fs := assessed(t, cfg, probe.Target{Host: "imap.fabrikam.example", Port: 143}, probe.Target{Host: "pop.fabrikam.example", Port: 110})
	expect(t, fs, map[string]want{
		assess.IDTLSStartTLS:    {assess.Fail, 1, []string{"imap.fabrikam.example:143 (imap): offers no STARTTLS", "pop.fabrikam.example:110 (pop3): STARTTLS offered and working"}},
		assess.IDAuthAdvertised: {assess.Fail, 2, []string{"advertises password sign-in on a port without TLS (LOGIN, AUTH=PLAIN)", "on TLS (USER)"}},
		assess.IDTLSVersions:    {assess.Pass, 0, []string{"imap.fabrikam.example:143 (imap): not applicable"}},
	})
}

// listen serves each connection with handle on a loopback port.
func listen(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// A stock crypto/tls server (not the simulator): TLS 1.2 only, Go's
// default suites, an IMAP greeting.
func TestProbeStockGoServer(t *testing.T) {
	cert := selfSignedCert(t, "stock.fabrikam.example")
	addr := listen(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
		if tc.Handshake() != nil {
			return
		}
		w := bufio.NewWriter(tc)
		w.WriteString("* OK ready\r\n")
		w.Flush()
		r := bufio.NewReader(tc)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			tag, _, _ := strings.Cut(l, " ")
			w.WriteString("* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\r\n" + tag + " OK done\r\n")
			w.Flush()
		}
	})
	cfg := probe.Config{Dial: probe.MapDialer(map[string]string{"stock.fabrikam.example:993": addr}, nil), Timeout: 2 * time.Second}
	ep := probeOne(t, cfg, "stock.fabrikam.example", 993, "imaps")
	want := map[string]string{"SSL3": "refused", "1.0": "refused", "1.1": "refused", "1.2": "accepted", "1.3": "refused"}
	got := statuses(ep)
	for v, w := range want {
		if got[v] != w {
			t.Errorf("%s: %s, want %s (%+v)", v, got[v], w, ep.Versions)
		}
	}
	// Go's defaults serve no legacy suite but the CBC-SHA1 ECDHE ones.
	for _, n := range weakNames(ep) {
		if !strings.HasPrefix(n, "TLS_ECDHE_") || !strings.HasSuffix(n, "_CBC_SHA") {
			t.Errorf("stock server accepted %s", n)
		}
	}
	if !ep.Certificate.SelfSigned || !slices.Equal(ep.Auth.BasicTLS, []string{"LOGIN"}) {
		t.Errorf("cert %+v auth %+v", ep.Certificate, ep.Auth)
	}
}

// --- failures are errors, never "secure"

// selfSignedCert makes a self-signed RSA certificate for host.
func selfSignedCert(t *testing.T, host string) tls.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: asOf.AddDate(-1, 0, 0), NotAfter: asOf.AddDate(1, 0, 0), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestProbeUnreachable(t *testing.T) {
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	// A server that accepts and says nothing.
	silent := listen(t, func(c net.Conn) { time.Sleep(2 * time.Second) })
	cfg := probe.Config{Timeout: 300 * time.Millisecond, Dial: probe.MapDialer(map[string]string{
		"gone.fabrikam.example:993":   closed,
		"silent.fabrikam.example:993": silent,
		"silent.fabrikam.example:143": silent,
	}, nil)}
	for _, tg := range []probe.Target{{Host: "gone.fabrikam.example", Port: 993}, {Host: "silent.fabrikam.example", Port: 993}, {Host: "silent.fabrikam.example", Port: 143}} {
		if _, err := probe.Probe(context.Background(), cfg, tg); err == nil {
			t.Errorf("%s: no error", tg.Addr())
		} else {
			t.Logf("%s: %v", tg.Addr(), err)
		}
	}
	s, fs := assessed(t, cfg, probe.Target{Host: "gone.fabrikam.example", Port: 993}, probe.Target{Host: "silent.fabrikam.example", Port: 143})
	if len(s.Endpoints) != 0 || len(s.Errors()) != 2 {
		t.Errorf("endpoints %+v errors %+v", s.Endpoints, s.Errors())
	}
	if st, _ := s.Status("probe.silent.fabrikam.example:143"); !strings.Contains(st.Error, "timeout") || !strings.Contains(st.Fix, "reachable") {
		t.Errorf("silent: %+v", st)
	}
	for _, id := range []string{assess.IDTLSVersions, assess.IDTLSCiphers, assess.IDTLSCert, assess.IDAuthAdvertised} {
		expect(t, fs, map[string]want{id: {assess.Error, 2, []string{"gone.fabrikam.example:993: it could not be probed", "connection refused"}}})
	}
}

// STARTTLS offered, then refused by the server: a fail, the command's
// answer in the finding.
func TestProbeSTARTTLSBroken(t *testing.T) {
	addr := listen(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		c.Write([]byte("220 broken.fabrikam.example ESMTP\r\n"))
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.Fields(l + " x")[0]); cmd {
			case "EHLO":
				c.Write([]byte("250-broken.fabrikam.example\r\n250-STARTTLS\r\n250 AUTH XOAUTH2\r\n"))
			case "STARTTLS":
				c.Write([]byte("454 4.7.0 TLS not available due to local problem\r\n"))
			default:
				c.Write([]byte("221 bye\r\n"))
				return
			}
		}
	})
	cfg := probe.Config{Timeout: time.Second, Dial: probe.MapDialer(map[string]string{"broken.fabrikam.example:587": addr}, nil)}
	ep := probeOne(t, cfg, "broken.fabrikam.example", 587, "smtp")
	if !ep.StartTLS.Offered || ep.StartTLS.Works || !strings.Contains(ep.StartTLS.Error, "454") {
		t.Errorf("STARTTLS %+v", ep.StartTLS)
	}
	_, fs := assessed(t, cfg, probe.Target{Host: "broken.fabrikam.example", Port: 587})
	expect(t, fs, map[string]want{
		assess.IDTLSStartTLS: {assess.Fail, 1, []string{"offers STARTTLS but the upgrade fails", "454"}},
		assess.IDTLSVersions: {assess.Error, 1, []string{"could not be told"}},
	})
}

func TestParseTarget(t *testing.T) {
	for in, w := range map[string]probe.Target{
		"Mail.Fabrikam.Example:993":        {Host: "mail.fabrikam.example", Port: 993, Protocol: "imaps"},
		"smtp.fabrikam.example:587":        {Host: "smtp.fabrikam.example", Port: 587, Protocol: "smtp"},
		"mail.fabrikam.example:8443/https": {Host: "mail.fabrikam.example", Port: 8443, Protocol: "https"},
		"[2001:db8::1]:143":                {Host: "2001:db8::1", Port: 143, Protocol: "imap"},
	} {
		got, err := probe.ParseTarget(in)
		if err != nil || got != w {
			t.Errorf("%s: %+v %v, want %+v", in, got, err, w)
		}
	}
	for _, bad := range []string{"mail.fabrikam.example", "mail.fabrikam.example:8443", "mail.fabrikam.example:993/gopher", ":993", "x:0"} {
		if _, err := probe.ParseTarget(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestMapDialerStaysLocal(t *testing.T) {
	d := probe.MapDialer(map[string]string{}, nil)
	if _, err := d(context.Background(), "tcp", "outlook.office365.com:993"); err == nil || !strings.Contains(err.Error(), "not an endpoint of the simulator") {
		t.Errorf("dialed out: %v", err)
	}
}
