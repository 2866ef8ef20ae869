package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"
)

var endpointAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// endpointServer plays entries (scenario "endpoints") for the test's
// lifetime and returns the server and its map.
func endpointServer(t *testing.T, entries ...map[string]any) (*Server, map[string]string) {
	t.Helper()
	list := make([]any, len(entries))
	for i, e := range entries {
		list[i] = e
	}
	srv := New(&Scenario{Doc: map[string]any{"name": "endpoints-test", "asOf": endpointAsOf.Format("2006-01-02"), "endpoints": list}}, Options{})
	m, err := srv.StartEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, m
}

func ep(host string, port int, protocol string, tlsSpec map[string]any, advertises ...any) map[string]any {
	m := map[string]any{"host": host, "port": port, "protocol": protocol, "advertises": advertises}
	if tlsSpec != nil {
		m["tls"] = tlsSpec
	}
	return m
}

// clientTLS verifies the simulator's certificates as a client that trusts
// its roots would, on the scenario's date.
func clientTLS(t *testing.T, host string) *tls.Config {
	t.Helper()
	roots, err := EndpointRoots()
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{ServerName: host, RootCAs: roots, Time: func() time.Time { return endpointAsOf.Add(24 * time.Hour) }}
}

func dialText(t *testing.T, addr string) (net.Conn, *textproto.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c, textproto.NewConn(c)
}

func handshake(t *testing.T, c net.Conn, cfg *tls.Config) (*tls.Conn, *textproto.Conn) {
	t.Helper()
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return tc, textproto.NewConn(tc)
}

func line(t *testing.T, tp *textproto.Conn) string {
	t.Helper()
	l, err := tp.ReadLine()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func send(t *testing.T, tp *textproto.Conn, cmd string) {
	t.Helper()
	if err := tp.PrintfLine("%s", cmd); err != nil {
		t.Fatal(err)
	}
}

// imapCaps asks CAPABILITY and returns the atoms.
func imapCaps(t *testing.T, tp *textproto.Conn) []string {
	t.Helper()
	send(t, tp, "a CAPABILITY")
	caps := line(t, tp)
	if ok := line(t, tp); ok != "a OK CAPABILITY completed." {
		t.Fatalf("CAPABILITY ended %q", ok)
	}
	rest, found := strings.CutPrefix(caps, "* CAPABILITY ")
	if !found {
		t.Fatalf("CAPABILITY answered %q", caps)
	}
	return strings.Fields(rest)
}

func TestEndpointsIMAPDialogue(t *testing.T) {
	_, m := endpointServer(t, ep("mail.fabrikam.example", 143, "imap", nil, "STARTTLS", "AUTH=PLAIN", "AUTH=XOAUTH2"))
	c, tp := dialText(t, m["mail.fabrikam.example:143"])
	if g := line(t, tp); !strings.HasPrefix(g, "* OK ") {
		t.Fatalf("greeting %q", g)
	}
	if got, want := imapCaps(t, tp), []string{"IMAP4", "IMAP4rev1", "STARTTLS", "LOGINDISABLED"}; !slices.Equal(got, want) {
		t.Errorf("before TLS %q, want %q", got, want)
	}
	send(t, tp, "b LOGIN jan secret")
	if l := line(t, tp); !strings.HasPrefix(l, "b BAD") {
		t.Errorf("LOGIN before TLS: %q", l)
	}
	send(t, tp, "c STARTTLS")
	if l := line(t, tp); l != "c OK Begin TLS negotiation now." {
		t.Fatalf("STARTTLS: %q", l)
	}
	_, tp = handshake(t, c, clientTLS(t, "mail.fabrikam.example"))
	if got, want := imapCaps(t, tp), []string{"IMAP4", "IMAP4rev1", "AUTH=PLAIN", "AUTH=XOAUTH2"}; !slices.Equal(got, want) {
		t.Errorf("on TLS %q, want %q", got, want)
	}
	send(t, tp, "d STARTTLS")
	if l := line(t, tp); !strings.HasPrefix(l, "d BAD") {
		t.Errorf("second STARTTLS: %q", l)
	}
	send(t, tp, "e LOGIN jan secret")
	if l := line(t, tp); l != "e NO LOGIN failed." {
		t.Errorf("LOGIN on TLS: %q", l)
	}
	send(t, tp, "f LOGOUT")
	if l := line(t, tp); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("LOGOUT: %q", l)
	}
}

// advertisesBeforeTLS: the insecure case, AUTH=PLAIN (and so LOGIN) in
// the clear; and an implicit-TLS port advertises everything at once.
func TestEndpointsIMAPBeforeTLSAndImplicit(t *testing.T) {
	plain := ep("mail.fabrikam.example", 143, "imap", nil, "STARTTLS", "AUTH=PLAIN")
	plain["advertisesBeforeTLS"] = []any{"AUTH=PLAIN"}
	_, m := endpointServer(t, plain, ep("mail.fabrikam.example", 993, "", nil, "AUTH=PLAIN", "LOGINDISABLED"))
	_, tp := dialText(t, m["mail.fabrikam.example:143"])
	line(t, tp)
	if got, want := imapCaps(t, tp), []string{"IMAP4", "IMAP4rev1", "STARTTLS", "AUTH=PLAIN"}; !slices.Equal(got, want) {
		t.Errorf("before TLS %q, want %q", got, want)
	}
	c, _ := dialText(t, m["mail.fabrikam.example:993"])
	_, tp = handshake(t, c, clientTLS(t, "mail.fabrikam.example"))
	line(t, tp)
	if got, want := imapCaps(t, tp), []string{"IMAP4", "IMAP4rev1", "AUTH=PLAIN", "LOGINDISABLED"}; !slices.Equal(got, want) {
		t.Errorf("imaps %q, want %q", got, want)
	}
}

func popCapa(t *testing.T, tp *textproto.Conn) []string {
	t.Helper()
	send(t, tp, "CAPA")
	if l := line(t, tp); l != "+OK" {
		t.Fatalf("CAPA: %q", l)
	}
	lines, err := tp.ReadDotLines()
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestEndpointsPOP3Dialogue(t *testing.T) {
	e := ep("pop.fabrikam.example", 110, "pop3", nil, "STLS", "USER", "SASL PLAIN XOAUTH2")
	e["advertisesBeforeTLS"] = []any{"USER"}
	_, m := endpointServer(t, e)
	c, tp := dialText(t, m["pop.fabrikam.example:110"])
	if g := line(t, tp); !strings.HasPrefix(g, "+OK") {
		t.Fatalf("greeting %q", g)
	}
	if got, want := popCapa(t, tp), []string{"TOP", "UIDL", "STLS", "USER"}; !slices.Equal(got, want) {
		t.Errorf("before TLS %q, want %q", got, want)
	}
	send(t, tp, "STLS")
	if l := line(t, tp); !strings.HasPrefix(l, "+OK") {
		t.Fatalf("STLS: %q", l)
	}
	_, tp = handshake(t, c, clientTLS(t, "pop.fabrikam.example"))
	if got, want := popCapa(t, tp), []string{"TOP", "UIDL", "USER", "SASL PLAIN XOAUTH2"}; !slices.Equal(got, want) {
		t.Errorf("on TLS %q, want %q", got, want)
	}
	send(t, tp, "USER jan")
	if l := line(t, tp); l != "+OK" {
		t.Errorf("USER: %q", l)
	}
	send(t, tp, "PASS secret")
	if l := line(t, tp); !strings.HasPrefix(l, "-ERR") {
		t.Errorf("PASS: %q", l)
	}
	send(t, tp, "QUIT")
	if l := line(t, tp); !strings.HasPrefix(l, "+OK") {
		t.Errorf("QUIT: %q", l)
	}
}

func ehlo(t *testing.T, tp *textproto.Conn) []string {
	t.Helper()
	id, err := tp.Cmd("EHLO probe.test")
	if err != nil {
		t.Fatal(err)
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	_, msg, err := tp.ReadResponse(250)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(msg, "\n")[1:]
}

func TestEndpointsSMTPDialogue(t *testing.T) {
	_, m := endpointServer(t,
		ep("smtp.fabrikam.example", 587, "smtp", nil, "STARTTLS", "AUTH LOGIN XOAUTH2"),
		ep("smtp.fabrikam.example", 465, "smtps", nil, "AUTH PLAIN"),
	)
	c, tp := dialText(t, m["smtp.fabrikam.example:587"])
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	before := ehlo(t, tp)
	if !slices.Contains(before, "STARTTLS") || slices.ContainsFunc(before, func(s string) bool { return strings.HasPrefix(s, "AUTH") }) {
		t.Errorf("EHLO before TLS %q", before)
	}
	aid, err := tp.Cmd("AUTH LOGIN")
	if err != nil {
		t.Fatal(err)
	}
	tp.StartResponse(aid)
	if _, _, err := tp.ReadResponse(535); err == nil || !strings.HasPrefix(err.Error(), "504") {
		t.Errorf("AUTH before TLS: %v", err)
	}
	tp.EndResponse(aid)
	id, _ := tp.Cmd("STARTTLS")
	tp.StartResponse(id)
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	tp.EndResponse(id)
	_, tp = handshake(t, c, clientTLS(t, "smtp.fabrikam.example"))
	after := ehlo(t, tp)
	if slices.Contains(after, "STARTTLS") || !slices.Contains(after, "AUTH LOGIN XOAUTH2") {
		t.Errorf("EHLO on TLS %q", after)
	}
	c, _ = dialText(t, m["smtp.fabrikam.example:465"])
	_, tp = handshake(t, c, clientTLS(t, "smtp.fabrikam.example"))
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	if got := ehlo(t, tp); !slices.Contains(got, "AUTH PLAIN") {
		t.Errorf("smtps EHLO %q", got)
	}
}

func TestEndpointsHTTPS(t *testing.T) {
	_, m := endpointServer(t, ep("mail.fabrikam.example", 443, "https", nil, "Basic", "Bearer"))
	cfg := clientTLS(t, "mail.fabrikam.example")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, m["mail.fabrikam.example:443"])
		}}}
	defer client.CloseIdleConnections()
	for path, want := range map[string]int{"/EWS/Exchange.asmx": 401, "/autodiscover/autodiscover.xml": 401, "/Microsoft-Server-ActiveSync": 401, "/nothing": 404} {
		resp, err := client.Get("https://mail.fabrikam.example" + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 401 {
			got := resp.Header.Values("WWW-Authenticate")
			if len(got) != 2 || got[0] != `Basic realm="mail.fabrikam.example"` || !strings.HasPrefix(got[1], "Bearer authorization_uri=") {
				t.Errorf("%s: WWW-Authenticate %q", path, got)
			}
		}
	}
}

func TestEndpointsTLSVersionsAndSuites(t *testing.T) {
	_, m := endpointServer(t, ep("old.fabrikam.example", 993, "imaps", map[string]any{
		"versions": []any{"1.0", "1.1"},
		"ciphers":  []any{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA", "TLS_AES_128_GCM_SHA256"},
	}))
	try := func(v uint16, suites ...uint16) (tls.ConnectionState, error) {
		c, err := net.Dial("tcp", m["old.fabrikam.example:993"])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cfg := clientTLS(t, "old.fabrikam.example")
		cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = v, v, suites
		tc := tls.Client(c, cfg)
		err = tc.Handshake()
		return tc.ConnectionState(), err
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		st, err := try(v, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA)
		if err != nil || st.Version != v || st.CipherSuite != tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA {
			t.Errorf("%s with 3DES: %v %x", tls.VersionName(v), err, st.CipherSuite)
		}
		if st, err := try(v, tls.TLS_RSA_WITH_RC4_128_SHA); err != nil || st.CipherSuite != tls.TLS_RSA_WITH_RC4_128_SHA {
			t.Errorf("%s with RC4: %v", tls.VersionName(v), err)
		}
		if _, err := try(v, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA); err == nil {
			t.Errorf("%s: an unlisted suite was accepted", tls.VersionName(v))
		}
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		if _, err := try(v); err == nil {
			t.Errorf("%s accepted", tls.VersionName(v))
		}
	}
}

func TestEndpointsCertificates(t *testing.T) {
	_, m := endpointServer(t,
		ep("default.fabrikam.example", 993, "imaps", nil),
		ep("sha1.fabrikam.example", 993, "imaps", map[string]any{"certificate": map[string]any{"signature": "SHA1-RSA", "notAfter": "2026-10-01", "names": []any{"other.fabrikam.example"}}}),
		ep("self.fabrikam.example", 993, "imaps", map[string]any{"certificate": map[string]any{"selfSigned": true}}),
		ep("ec.fabrikam.example", 993, "imaps", map[string]any{"certificate": map[string]any{"signature": "ECDSA-SHA256"}}),
	)
	chain := func(host string) []*x509.Certificate {
		c, err := net.Dial("tcp", m[host+":993"])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		return tc.ConnectionState().PeerCertificates
	}
	roots, _ := EndpointRoots()
	verify := func(certs []*x509.Certificate, host string) error {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host, CurrentTime: endpointAsOf})
		return err
	}
	d := chain("default.fabrikam.example")
	if leaf := d[0]; leaf.SignatureAlgorithm != x509.SHA256WithRSA || !slices.Equal(leaf.DNSNames, []string{"default.fabrikam.example"}) ||
		!leaf.NotAfter.Equal(endpointAsOf.AddDate(1, 0, 0)) || leaf.NotBefore.After(endpointAsOf) || len(d) != 2 {
		t.Errorf("default certificate %v %v %v %v (%d in chain)", leaf.SignatureAlgorithm, leaf.DNSNames, leaf.NotBefore, leaf.NotAfter, len(d))
	}
	if err := verify(d, "default.fabrikam.example"); err != nil {
		t.Errorf("default certificate does not verify against EndpointRoots: %v", err)
	}
	s := chain("sha1.fabrikam.example")[0]
	if s.SignatureAlgorithm != x509.SHA1WithRSA || !s.NotAfter.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || s.VerifyHostname("sha1.fabrikam.example") == nil {
		t.Errorf("SHA-1 certificate %v %v %v", s.SignatureAlgorithm, s.NotAfter, s.DNSNames)
	}
	self := chain("self.fabrikam.example")
	if len(self) != 1 || !bytes.Equal(self[0].RawIssuer, self[0].RawSubject) {
		t.Errorf("self-signed: %d certificates, issuer %s", len(self), self[0].Issuer)
	}
	ec := chain("ec.fabrikam.example")
	if ec[0].SignatureAlgorithm != x509.ECDSAWithSHA256 || verify(ec, "ec.fabrikam.example") != nil {
		t.Errorf("ECDSA-signed: %v %v", ec[0].SignatureAlgorithm, verify(ec, "ec.fabrikam.example"))
	}
	pemRoots, err := EndpointRootsPEM()
	if err != nil || bytes.Count(pemRoots, []byte("BEGIN CERTIFICATE")) != 2 {
		t.Errorf("EndpointRootsPEM: %v", err)
	}
}

// rawHello is a minimal ClientHello (no extensions) for version offering
// suites.
func rawHello(version uint16, suites ...uint16) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint16(b, version)
	b = append(b, make([]byte, 32)...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(2*len(suites)))
	for _, s := range suites {
		b = binary.BigEndian.AppendUint16(b, s)
	}
	b = append(b, 1, 0)
	msg := append([]byte{1, 0, byte(len(b) >> 8), byte(len(b))}, b...)
	rec := []byte{22, 3, 0, byte(len(msg) >> 8), byte(len(msg))}
	return append(rec, msg...)
}

// helloAnswer returns the ServerHello's version and suite, or ok false
// with the alert (or -1 for a closed connection).
func helloAnswer(t *testing.T, addr string, hello []byte) (version, suite uint16, ok bool, alert int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(hello); err != nil {
		t.Fatal(err)
	}
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, 0, false, -1
	}
	body := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatal(err)
	}
	if hdr[0] == 21 {
		return 0, 0, false, int(body[1])
	}
	if hdr[0] != 22 || body[0] != 2 {
		t.Fatalf("answer %x %x", hdr, body)
	}
	m := body[4:]
	sid := int(m[34])
	return binary.BigEndian.Uint16(m), binary.BigEndian.Uint16(m[35+sid:]), true, 0
}

// What Go cannot serve is played at the ServerHello: SSL 3.0, and suites
// crypto/tls does not implement.
func TestEndpointsServerHelloOnly(t *testing.T) {
	_, m := endpointServer(t,
		ep("ssl3.fabrikam.example", 993, "imaps", map[string]any{"versions": []any{"SSL3", "1.0"},
			"ciphers": []any{"TLS_RSA_WITH_NULL_SHA", "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_WITH_AES_128_CBC_SHA"}}),
		ep("modern.fabrikam.example", 993, "imaps", nil),
	)
	old, modern := m["ssl3.fabrikam.example:993"], m["modern.fabrikam.example:993"]
	if v, s, ok, _ := helloAnswer(t, old, rawHello(0x0300, 0x0003, 0x002F)); !ok || v != 0x0300 || s != 0x0003 {
		t.Errorf("SSL3: %x %x %v", v, s, ok)
	}
	if v, s, ok, _ := helloAnswer(t, old, rawHello(0x0301, 0x0002)); !ok || v != 0x0301 || s != 0x0002 {
		t.Errorf("TLS 1.0 NULL: %x %x %v", v, s, ok)
	}
	// A suite Go serves is served by Go, even next to a raw one.
	if v, s, ok, _ := helloAnswer(t, old, rawHello(0x0301, 0x0002, 0x002F)); !ok || v != 0x0301 || s != 0x002F {
		t.Errorf("TLS 1.0 AES: %x %x %v", v, s, ok)
	}
	if _, _, ok, alert := helloAnswer(t, old, rawHello(0x0301, 0x0005)); ok || alert != 40 {
		t.Errorf("unlisted RC4 accepted (alert %d)", alert)
	}
	if _, _, ok, alert := helloAnswer(t, modern, rawHello(0x0300, 0x002F, 0xC02F)); ok || alert != 70 {
		t.Errorf("SSL3 on a modern endpoint: ok %v alert %d", ok, alert)
	}
}

func TestEndpointsParseClientHello(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		tc := tls.Client(client, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
		_ = tc.Handshake()
	}()
	_ = server.SetDeadline(time.Now().Add(5 * time.Second))
	raw, h, err := readClientHello(server)
	server.Close()
	if err != nil {
		t.Fatal(err)
	}
	if h.maxVersion != tls.VersionTLS13 || !slices.Contains(h.suites, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) || len(raw) < 200 {
		t.Errorf("parsed %x %x (%d bytes)", h.maxVersion, h.suites, len(raw))
	}
}

func TestEndpointsScenarioErrors(t *testing.T) {
	for _, c := range []struct {
		entry map[string]any
		want  string
	}{
		{ep("a.example", 993, "imaps", map[string]any{"versions": []any{"1.4"}}), `$.endpoints[0]: tls.versions: "1.4"`},
		{ep("a.example", 993, "imaps", map[string]any{"ciphers": []any{"TLS_MADE_UP"}}), `unknown cipher suite "TLS_MADE_UP"`},
		{ep("a.example", 993, "imaps", map[string]any{"certificate": map[string]any{"signature": "MD5-RSA"}}), "signature MD5-RSA"},
		{ep("a.example", 993, "imaps", map[string]any{"certificate": map[string]any{"signature": "SHA999"}}), `signature "SHA999"`},
		{ep("a.example", 993, "imaps", map[string]any{"certificate": map[string]any{"notAfter": "soon"}}), `notAfter "soon"`},
		{ep("a.example", 8443, "", nil), "port 8443 does not imply one"},
		{ep("a.example", 993, "gopher", nil), `protocol "gopher"`},
	} {
		srv := New(&Scenario{Doc: map[string]any{"name": "x", "asOf": "2026-11-01", "endpoints": []any{c.entry}}}, Options{})
		_, err := srv.StartEndpoints()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.entry, err, c.want)
		}
		srv.Close()
	}
	dup := New(&Scenario{Doc: map[string]any{"name": "x", "asOf": "2026-11-01", "endpoints": []any{ep("a.example", 993, "", nil), ep("A.example", 993, "", nil)}}}, Options{})
	if _, err := dup.StartEndpoints(); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("duplicate: %v", err)
	}
	dup.Close()
}

func TestEndpointsCloseAndBuiltins(t *testing.T) {
	for _, name := range Builtins() {
		sc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		srv := New(sc, Options{})
		m, err := srv.StartEndpoints()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		list, err := srv.Endpoints()
		if err != nil || len(list) != len(m) {
			t.Errorf("%s: %d endpoints listed, %d served (%v)", name, len(list), len(m), err)
		}
		for _, e := range list {
			if m[e.Key()] == "" || e.Protocol == "" {
				t.Errorf("%s: %+v not served", name, e)
			}
		}
		srv.Close()
		for k, addr := range m {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				t.Errorf("%s: %s still listening after Close", name, k)
			}
		}
	}
}
