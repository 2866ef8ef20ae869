package sim

// The scenario's mail endpoints: for every entry of "endpoints" a loopback
// listener that plays it, TLS settings and protocol dialogue included, so
// that the endpoint probes can be tested against what a scenario says.
//
// An entry:
//
//	{"host": "mail.fabrikam.example", "port": 143, "protocol": "imap",
//	 "tls": {"versions": ["1.0", "1.2"],
//	         "ciphers": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_RC4_128_SHA"],
//	         "certificate": {"signature": "SHA1-RSA", "notAfter": "2026-12-01T00:00:00Z",
//	                         "names": ["owa.fabrikam.example"], "selfSigned": true}},
//	 "advertises": ["STARTTLS", "AUTH=PLAIN"],
//	 "advertisesBeforeTLS": ["AUTH=PLAIN"]}
//
// protocol is imaps, pop3s, smtps or https (TLS from the first byte), or
// imap, pop3, smtp or submission (plain text, STARTTLS if advertised);
// without it the port decides (993 imaps, 995 pop3s, 465 smtps, 443 https,
// 143 imap, 110 pop3, 25 and 587 smtp).
//
// advertises lists what the endpoint advertises on the encrypted channel,
// as the protocol spells it: IMAP CAPABILITY atoms ("AUTH=PLAIN",
// "LOGINDISABLED", "AUTH=XOAUTH2"), POP3 CAPA lines ("USER", "SASL PLAIN
// XOAUTH2"), SMTP EHLO keywords ("AUTH LOGIN XOAUTH2"), or for https the
// WWW-Authenticate challenges ("Basic", "Bearer", "Negotiate"; a bare
// "Basic" gets a realm, a bare "Bearer" Entra ID's authorization_uri).
// "STARTTLS" (or "STLS") in the list makes a plain endpoint offer the
// upgrade; it is only advertised before TLS. Before TLS a plain endpoint
// advertises advertisesBeforeTLS when given (the insecure case: "AUTH
// PLAIN LOGIN" in the clear), otherwise only the upgrade (IMAP adds
// LOGINDISABLED, as Exchange does), or, when it offers no STARTTLS at
// all, everything in advertises.
//
// tls.versions are "SSL3", "1.0", "1.1", "1.2", "1.3" (default 1.2 and
// 1.3); they need not be contiguous: like a real server, the listener
// answers with the highest listed version not above the client's. Go's
// crypto/tls serves TLS 1.0 to 1.3 when a listener sets MinVersion
// explicitly (Go 1.22 made 1.2 the default minimum; an explicit minimum
// needs no GODEBUG). It has no SSL 3.0 at all, so SSL3 is played at the
// ServerHello only: a ClientHello whose highest version is SSL 3.0 gets a
// ServerHello for SSL 3.0 and a closed connection. That is all a probe
// needs to know the version is accepted, and all it can learn (Go cannot
// finish an SSL 3.0 handshake either).
//
// tls.ciphers are IANA names for TLS 1.0-1.2. Go serves every suite it
// implements when the list names it, the "insecure" ones included
// (RC4, 3DES, static RSA key exchange, CBC-SHA256): Go 1.22 and 1.23 only
// dropped RSA key exchange and 3DES from the *default* list (GODEBUG
// tlsrsakex, tls3des), and a non-nil Config.CipherSuites bypasses the
// defaults, so no GODEBUG and nothing process-wide is needed. Suites Go
// does not implement at all (NULL, export, DES, anonymous, RC4-MD5, IDEA,
// SEED, CAMELLIA, finite-field DHE) are played at the ServerHello only,
// like SSL 3.0: when a ClientHello offers none of the listed suites Go can
// serve but one of these, the listener answers with a ServerHello choosing
// it and closes. TLS 1.3 suites cannot be chosen in Go (all three are
// always on); TLS 1.3 names in the list are accepted and ignored. When no
// TLS 1.0-1.2 suite is listed, Go's defaults apply. The leaf key is RSA
// 2048, so ECDHE_ECDSA suites are never chosen.
//
// tls.certificate: signature is crypto/x509's name of the signature
// algorithm ("SHA256-RSA" default, "SHA384-RSA", "SHA512-RSA",
// "SHA1-RSA", "SHA256-RSAPSS", "ECDSA-SHA256", "ECDSA-SHA1", ...);
// x509.CreateCertificate still signs with SHA-1 (it refuses only MD5), so
// SHA-1 certificates are generated like the others. notAfter (RFC 3339 or
// a date; default asOf plus a year), notBefore (default a year before
// notAfter, and never after asOf minus 30 days), names (the DNS names,
// default the host; give other names for a mismatch), selfSigned (default
// false: issued by the simulator's own root, EndpointRoots). Certificates
// are generated when the listeners start.
//
// https answers any request on the Exchange paths (/EWS/, /autodiscover/,
// /Microsoft-Server-ActiveSync, /owa/, /mapi/, /rpc/, /oab/, /ecp/,
// /powershell) with 401 and one WWW-Authenticate header per advertised
// challenge, other paths with 404.

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Endpoint is one scenario endpoint: what it claims to be.
type Endpoint struct {
	Host     string
	Port     int
	Protocol string // imaps, pop3s, smtps, https, imap, pop3, smtp, submission
}

// Key is "host:port", the key of StartEndpoints' map.
func (e Endpoint) Key() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Endpoints lists the scenario's endpoints (protocols filled in from the
// port when the scenario leaves them out), in the scenario's order.
func (s *Server) Endpoints() ([]Endpoint, error) {
	specs, err := s.endpointSpecs(false)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, len(specs))
	for i, sp := range specs {
		out[i] = Endpoint{Host: sp.host, Port: sp.port, Protocol: sp.protocol}
	}
	return out, nil
}

// StartEndpoints starts, for every scenario endpoint, a loopback listener
// that plays it, and returns the map "host:port" -> "127.0.0.1:PORT". The
// listeners stop when the server closes. Each call starts a new set. A
// scenario endpoint the simulator cannot play is an error naming it.
func (s *Server) StartEndpoints() (map[string]string, error) {
	specs, err := s.endpointSpecs(true)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var started []*endpointListener
	for _, sp := range specs {
		if _, dup := out[sp.key()]; dup {
			for _, l := range started {
				l.close()
			}
			return nil, fmt.Errorf("simulator endpoints: %s is listed twice", sp.key())
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range started {
				l.close()
			}
			return nil, fmt.Errorf("simulator endpoints: listen for %s: %w", sp.key(), err)
		}
		l := &endpointListener{ep: sp, ln: ln, conns: map[net.Conn]struct{}{}}
		started = append(started, l)
		out[sp.key()] = ln.Addr().String()
		go l.serve()
	}
	s.onClose(func() {
		for _, l := range started {
			l.close()
		}
	})
	s.closeMu.Lock()
	s.endpointAddrs = out
	s.closeMu.Unlock()
	return out, nil
}

// EndpointRoots is the pool of the simulator's root certificates, which
// issue every endpoint certificate that is not self-signed. A client that
// trusts it sees the scenario's certificates as a real organisation's
// publicly trusted ones. The roots' keys are fixed, so the pool made in
// one process trusts the endpoints of a simulator running in another
// (`harden365 sim serve`).
func EndpointRoots() (*x509.CertPool, error) {
	p, err := simPKI()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.rsaCA)
	pool.AddCert(p.ecCA)
	return pool, nil
}

// EndpointRootsPEM is EndpointRoots as PEM (for a client in another
// process).
func EndpointRootsPEM() ([]byte, error) {
	p, err := simPKI()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, c := range []*x509.Certificate{p.rsaCA, p.ecCA} {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes(), nil
}

// --- the scenario's endpoints

const versionSSL30 uint16 = 0x0300

type endpointSpec struct {
	host     string
	port     int
	protocol string
	implicit bool // TLS from the first byte
	startTLS bool // plain: offers STARTTLS/STLS

	versions  []uint16 // allowed, ascending; may hold versionSSL30
	goSuites  []uint16 // TLS 1.0-1.2 suites crypto/tls serves (nil: Go's defaults)
	rawSuites []uint16 // suites played at the ServerHello only
	order     []uint16 // every listed TLS 1.0-1.2 suite, in the scenario's order

	advertises   []string
	beforeTLS    []string
	beforeTLSSet bool

	cert tls.Certificate
}

func (sp *endpointSpec) key() string { return net.JoinHostPort(sp.host, strconv.Itoa(sp.port)) }

var portProtocols = map[int]string{993: "imaps", 995: "pop3s", 465: "smtps", 443: "https", 143: "imap", 110: "pop3", 25: "smtp", 587: "smtp"}

var endpointProtocols = map[string]bool{"imaps": true, "pop3s": true, "smtps": true, "https": true, "imap": true, "pop3": true, "smtp": true, "submission": true}

// endpointSpecs reads the scenario's endpoints (under s.mu); with certs,
// it also generates their certificates.
func (s *Server) endpointSpecs(certs bool) ([]*endpointSpec, error) {
	s.mu.Lock()
	raw, _ := s.sc.Doc["endpoints"].([]any)
	items := make([]map[string]any, 0, len(raw))
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			s.mu.Unlock()
			return nil, fmt.Errorf("simulator endpoints: $.endpoints[%d]: expected an object", i)
		}
		items = append(items, m)
	}
	asOf := s.sc.AsOf()
	s.mu.Unlock()
	if asOf.IsZero() {
		asOf = time.Now().UTC().Truncate(24 * time.Hour)
	}
	var out []*endpointSpec
	for i, m := range items {
		sp, err := parseEndpoint(m, asOf, certs)
		if err != nil {
			return nil, fmt.Errorf("simulator endpoints: $.endpoints[%d]: %w", i, err)
		}
		out = append(out, sp)
	}
	return out, nil
}

func parseEndpoint(m map[string]any, asOf time.Time, certs bool) (*endpointSpec, error) {
	sp := &endpointSpec{}
	sp.host = strings.ToLower(strings.TrimSpace(str(m["host"])))
	if sp.host == "" {
		return nil, errors.New(`missing "host"`)
	}
	port, ok := number(m["port"])
	if !ok || port <= 0 || port > 65535 || port != float64(int(port)) {
		return nil, fmt.Errorf("port %v: expected a TCP port", m["port"])
	}
	sp.port = int(port)
	sp.protocol = strings.ToLower(strings.TrimSpace(str(m["protocol"])))
	if sp.protocol == "" {
		sp.protocol = portProtocols[sp.port]
		if sp.protocol == "" {
			return nil, fmt.Errorf(`no "protocol", and port %d does not imply one`, sp.port)
		}
	}
	if !endpointProtocols[sp.protocol] {
		return nil, fmt.Errorf("protocol %q: expected one of imaps, pop3s, smtps, https, imap, pop3, smtp, submission", sp.protocol)
	}
	sp.implicit = sp.protocol == "imaps" || sp.protocol == "pop3s" || sp.protocol == "smtps" || sp.protocol == "https"
	var err error
	if sp.advertises, err = stringList(m["advertises"], "advertises"); err != nil {
		return nil, err
	}
	if v, ok := m["advertisesBeforeTLS"]; ok && v != nil {
		if sp.beforeTLS, err = stringList(v, "advertisesBeforeTLS"); err != nil {
			return nil, err
		}
		sp.beforeTLSSet = true
	}
	for _, a := range sp.advertises {
		if strings.EqualFold(a, "STARTTLS") || strings.EqualFold(a, "STLS") {
			sp.startTLS = !sp.implicit
		}
	}
	t, _ := m["tls"].(map[string]any)
	if v, ok := m["tls"]; ok && v != nil && t == nil {
		return nil, errors.New(`"tls" must be an object`)
	}
	vers, err := stringList(t["versions"], "tls.versions")
	if err != nil {
		return nil, err
	}
	if len(vers) == 0 {
		vers = []string{"1.2", "1.3"}
	}
	for _, v := range vers {
		id, ok := parseTLSVersion(v)
		if !ok {
			return nil, fmt.Errorf("tls.versions: %q: expected SSL3, 1.0, 1.1, 1.2 or 1.3", v)
		}
		if !slices.Contains(sp.versions, id) {
			sp.versions = append(sp.versions, id)
		}
	}
	slices.Sort(sp.versions)
	names, err := stringList(t["ciphers"], "tls.ciphers")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		id, goServes, tls13, ok := lookupSuite(n)
		switch {
		case !ok:
			return nil, fmt.Errorf("tls.ciphers: unknown cipher suite %q (IANA names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)", n)
		case tls13:
			continue
		case goServes:
			sp.goSuites = append(sp.goSuites, id)
		default:
			sp.rawSuites = append(sp.rawSuites, id)
		}
		sp.order = append(sp.order, id)
	}
	if len(sp.order) > 0 && len(sp.goSuites) == 0 {
		sp.goSuites = []uint16{} // only suites Go lacks: crypto/tls serves none (TLS 1.3 aside)
	}
	if len(sp.order) == 0 {
		// Nothing listed for TLS 1.0-1.2: Go's defaults (nil) serve, and
		// they are what a raw (SSL 3.0) hello may be answered with.
		for _, cs := range tls.CipherSuites() {
			if slices.Contains(cs.SupportedVersions, tls.VersionTLS12) {
				sp.order = append(sp.order, cs.ID)
			}
		}
	}
	if certs {
		c, _ := t["certificate"].(map[string]any)
		if v, ok := t["certificate"]; ok && v != nil && c == nil {
			return nil, errors.New(`"tls.certificate" must be an object`)
		}
		if sp.cert, err = endpointCertificate(sp.host, c, asOf); err != nil {
			return nil, fmt.Errorf("tls.certificate: %w", err)
		}
	}
	return sp, nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// stringList reads a list of strings (absent or null: none).
func stringList(v any, what string) ([]string, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case []string:
		return l, nil
	case []any:
		out := make([]string, 0, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s[%d]: expected a string", what, i)
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: expected a list of strings", what)
}

func parseTLSVersion(v string) (uint16, bool) {
	v = strings.ToUpper(strings.TrimSpace(v))
	v = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(v, "TLSV"), "TLS"), " ")
	switch v {
	case "SSL3", "SSLV3", "SSL3.0", "SSLV3.0", "SSL 3.0":
		return versionSSL30, true
	case "1.0", "1":
		return tls.VersionTLS10, true
	case "1.1":
		return tls.VersionTLS11, true
	case "1.2":
		return tls.VersionTLS12, true
	case "1.3":
		return tls.VersionTLS13, true
	}
	return 0, false
}

// legacySuites are the TLS 1.0-1.2 suites Go does not implement, which a
// listener plays at the ServerHello only.
var legacySuites = map[string]uint16{
	"TLS_RSA_WITH_NULL_MD5":                   0x0001,
	"TLS_RSA_WITH_NULL_SHA":                   0x0002,
	"TLS_RSA_EXPORT_WITH_RC4_40_MD5":          0x0003,
	"TLS_RSA_WITH_RC4_128_MD5":                0x0004,
	"TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5":      0x0006,
	"TLS_RSA_WITH_IDEA_CBC_SHA":               0x0007,
	"TLS_RSA_EXPORT_WITH_DES40_CBC_SHA":       0x0008,
	"TLS_RSA_WITH_DES_CBC_SHA":                0x0009,
	"TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA":   0x0011,
	"TLS_DHE_DSS_WITH_DES_CBC_SHA":            0x0012,
	"TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA":       0x0013,
	"TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA":   0x0014,
	"TLS_DHE_RSA_WITH_DES_CBC_SHA":            0x0015,
	"TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA":       0x0016,
	"TLS_DH_anon_EXPORT_WITH_RC4_40_MD5":      0x0017,
	"TLS_DH_anon_WITH_RC4_128_MD5":            0x0018,
	"TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA":   0x0019,
	"TLS_DH_anon_WITH_3DES_EDE_CBC_SHA":       0x001B,
	"TLS_DHE_DSS_WITH_AES_128_CBC_SHA":        0x0032,
	"TLS_DHE_RSA_WITH_AES_128_CBC_SHA":        0x0033,
	"TLS_DH_anon_WITH_AES_128_CBC_SHA":        0x0034,
	"TLS_DHE_DSS_WITH_AES_256_CBC_SHA":        0x0038,
	"TLS_DHE_RSA_WITH_AES_256_CBC_SHA":        0x0039,
	"TLS_DH_anon_WITH_AES_256_CBC_SHA":        0x003A,
	"TLS_RSA_WITH_NULL_SHA256":                0x003B,
	"TLS_RSA_WITH_AES_256_CBC_SHA256":         0x003D,
	"TLS_RSA_WITH_CAMELLIA_128_CBC_SHA":       0x0041,
	"TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA":   0x0045,
	"TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA":     0x0062,
	"TLS_RSA_EXPORT1024_WITH_RC4_56_SHA":      0x0064,
	"TLS_DHE_RSA_WITH_AES_128_CBC_SHA256":     0x0067,
	"TLS_DHE_RSA_WITH_AES_256_CBC_SHA256":     0x006B,
	"TLS_RSA_WITH_CAMELLIA_256_CBC_SHA":       0x0084,
	"TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA":   0x0088,
	"TLS_RSA_WITH_SEED_CBC_SHA":               0x0096,
	"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256":     0x009E,
	"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384":     0x009F,
	"TLS_ECDHE_ECDSA_WITH_NULL_SHA":           0xC006,
	"TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA":   0xC008,
	"TLS_ECDHE_RSA_WITH_NULL_SHA":             0xC010,
	"TLS_ECDH_anon_WITH_NULL_SHA":             0xC015,
	"TLS_ECDH_anon_WITH_RC4_128_SHA":          0xC016,
	"TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA":     0xC017,
	"TLS_ECDH_anon_WITH_AES_128_CBC_SHA":      0xC018,
	"TLS_ECDH_anon_WITH_AES_256_CBC_SHA":      0xC019,
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": 0xC024,
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384":   0xC028,
}

// lookupSuite finds a suite by IANA name: its ID, whether crypto/tls
// serves it, and whether it is a TLS 1.3 suite.
func lookupSuite(name string) (id uint16, goServes, tls13, ok bool) {
	name = strings.TrimSpace(name)
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if strings.EqualFold(cs.Name, name) {
				only13 := len(cs.SupportedVersions) == 1 && cs.SupportedVersions[0] == tls.VersionTLS13
				return cs.ID, true, only13, true
			}
		}
	}
	for n, id := range legacySuites {
		if strings.EqualFold(n, name) {
			return id, false, false, true
		}
	}
	return 0, false, false, false
}

// --- certificates

type pki struct {
	leafKey       *rsa.PrivateKey
	rsaCA, ecCA   *x509.Certificate
	rsaKey        *rsa.PrivateKey
	ecKey         *ecdsa.PrivateKey
	serial        sync.Mutex
	nextSerialNum int64
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

// simPKI loads, once per process, the leaf key every endpoint shares and
// builds the simulator's two roots (RSA and ECDSA, for the two families of
// signature algorithms). The keys are fixed (simKeys), so every process
// has the same roots: a client in another process than `sim serve` trusts
// the simulator's certificates with EndpointRoots too.
func simPKI() (*pki, error) {
	pkiOnce.Do(func() {
		p := &pki{nextSerialNum: 1000}
		var err error
		if p.leafKey, err = parseTestRSA(simLeafKey); err != nil {
			pkiErr = err
			return
		}
		if p.rsaKey, err = parseTestRSA(simRootRSAKey); err != nil {
			pkiErr = err
			return
		}
		if p.ecKey, err = parseTestEC(simRootECKey); err != nil {
			pkiErr = err
			return
		}
		mk := func(cn string, key crypto.Signer, alg x509.SignatureAlgorithm) (*x509.Certificate, error) {
			tpl := &x509.Certificate{
				SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"harden365 simulator"}},
				NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC),
				IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
				SignatureAlgorithm: alg,
			}
			der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
			if err != nil {
				return nil, err
			}
			return x509.ParseCertificate(der)
		}
		if p.rsaCA, err = mk("harden365 Simulator Root CA (RSA)", p.rsaKey, x509.SHA256WithRSA); err != nil {
			pkiErr = err
			return
		}
		if p.ecCA, err = mk("harden365 Simulator Root CA (ECDSA)", p.ecKey, x509.ECDSAWithSHA256); err != nil {
			pkiErr = err
			return
		}
		pkiVal = p
	})
	return pkiVal, pkiErr
}

// testKey undoes the spelling that keeps secret scanners quiet about the
// simulator's (public, test-only) keys.
func testKey(s string) []byte { return []byte(strings.ReplaceAll(s, "TESTING KEY", "PRIVATE KEY")) }

func parseTestRSA(s string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode(testKey(s))
	if b == nil {
		return nil, errors.New("simulator key: no PEM block")
	}
	return x509.ParsePKCS1PrivateKey(b.Bytes)
}

func parseTestEC(s string) (*ecdsa.PrivateKey, error) {
	b, _ := pem.Decode(testKey(s))
	if b == nil {
		return nil, errors.New("simulator key: no PEM block")
	}
	return x509.ParseECPrivateKey(b.Bytes)
}

// The simulator's keys: for loopback test endpoints only, published here
// on purpose (a client must be able to trust the simulator from another
// process). Never use them for anything else.
const (
	simLeafKey = `-----BEGIN RSA TESTING KEY-----
MIIEpAIBAAKCAQEAs6vFwF/aoQM4z5B3CJPdkreOG6VfhiKjeWnqT0EX5wS1zZOG
NaXOtpWsfjdxjuVuxk87dOaQVQzP86sUh3a3FsHvoF2KnjeLBWZ3hvq1x7aztjKZ
44pON52cOP09gnwS0LIPp+YorDMBuarAnGpeaMaIPeEiIM+rqF+d9uTkMIGfSMv/
ceuWS+ncEKjm0N5fes1PjtDQ5cbNXRrD94OhnoY/sv0wJBFuH+zFTJVNfpsumJUf
MeI89ygWNBR4Adb7ecRxUGrfSlAkIMv7xEJTHlwCGyUM5nrM3H5KozZDcg7WjLpK
OvK2EjBBQ8/vwh01OFCIycWpZ7VjuGvPx0wkNQIDAQABAoIBAArUhG2hlDBnR7tN
QjuVttdd8faNJp+o2AaczDdS8rxQbp6xxoyBI4oie1y6qKvxfQFTq9S9WX8Nmr2y
9uBpLG/2UznXrErNXszTHcqDXhs9J60zH3nAL7xO/L3RAq4/nokOvqkDKOROXnYr
tS4IhGCCR8VGcZPy6K4+y0BjZjTdNX6s9UJtNheGI6SyWzlypr6OCmU73p/kBvq2
9RTCOEGP7yPebWJIJVYgLsyfIAl0cXSWDIEpiiDZOQXo5gNqInL4Mj6c4u8aDlET
TwIs2zLAWl8H/jD9X5CWmITo2BW4mOy+oue5cZaROyuXD9xbszKuB8bmfpJRGMMZ
0yzb7dkCgYEA4HDB3gKfoijva6Cl5sWVPptFkEuwHgtUM/svCwGt0H36bKVsp6iN
ggMEYtAADE5H8z+/DN7fMhXve0h0Wh+P3ojKv5SGGhKm8toVMCiNkknDujzvU7PO
Ty3/L28j9PxazCaJFLMTgpEkh2VC1sXWI9j9Bc0zrjW4kGjNZp/YG70CgYEAzO9v
xfux5houtVsNo2/Jk+K5lueFm0ZpMIJ7r3lmGFamZvqxEG/hlnq4VoK+hilKM/aD
Xavhn3sgtjy5+Qtm71WrlkfRKhLelxyKY4vF8fMkEHU4m+RLoMqSq340XGjs27aX
yza58i/i0HsnpVU837gf1BTkRb35MPtvBYuAtdkCgYEAsxPk68JGIrnsxoBovugZ
u9liOM7bWC2L4unhUDPnvro1zOh0+JU5S2oi3sC9uRPgvsq3IorVpX3xFfnqtFoI
jfOxagkUssr9IDo3u7QvuXBX1kp2Xt/RlkXKHcvc8cVEoS2CJNz5jS1H6yw1l25E
/VdOE4n2WWMNv1OPx/l0EjUCgYEApnUVZMq8BRrfNY9v1IDISsat2FTVwPnAFxbl
P/Jravl2z85wY9l8cq3bbOllt7NyAiMJMNybtt5cA6nvpMoOIfiEFtzemD4bbsJP
5etyLMRBVtzfzj/w7fmciI9KGIVhXlVBll4tSvp6ULy3xyMk/tKfh7QwdjWIYrDX
zLkzIoECgYBOT8xbHbiknjFfYzF9RKrgsxV1CKsYXwffhUS/MWqsOdIRUjm+bX3i
Ga+LKA/wBJtT6TyKgsnkTIYkATF6JW2SNBIZJreXkZ8xDiC9O4MNT4iPepVF6/p0
J9Pd94mtJuWKFpVBGysNtJq1Eo7XtZ3PIvWkP2xY5y9gW0HmJX4SjA==
-----END RSA TESTING KEY-----`
	simRootRSAKey = `-----BEGIN RSA TESTING KEY-----
MIIEpAIBAAKCAQEAsX8M1wUsJH7PJmHmLh6shWJg2M62sogxySUacLqSQFUKC1Fm
H9WgytE5EZbgAWVEggAU4lcebNbLjsM/MoCohU/py9+nR4LPQQ1Wbs51IJLx7PFz
ZUWU7Cih/RNdj3DC4i/DBqKkQ2x/fWVMWxG7tCIl0bTHb8fq+aeRZZeMTcgukRts
/JcqS35cBPbFWYk3RWGKcqhSs0zGBMTXXmGr6FrOF6FRV+Y2iaDHizX9UrErEBSV
aywduh7l0WJy7jp55k8XHo6f+pezWFEoijD7d32iwMcugNkay7AO/la+YXNSs2NH
uM5l/7bKUXlLkIkFRxjVpLjGdXw065AeDO+BxwIDAQABAoIBAFgEq+ZYv0odxDXB
aHbIaT7/yQzafUjNNvsLNjBepLXYNdHk/KKeuky5Mfah/dVTVYSt661ODF1mqqzR
753opSjutv6NmxNgL8yPg6QRJ44OsH+SQGog9jeh8qpgFw5RmaK2kpzQvGpe/F2/
hPzIL2+lW2HBpwCsf75rtTNO0pmi7uIyRvdlSpGjUceZ/RD5STB9TsOy9UmROW6z
px+soWGkoKoe+7+jfV+uiKu2eKgFlUtRO+9Myc4mUbWxqoVLPm55pvZEaqFbbKtZ
5/Y0TvT4n6pJFLoJ5oQd/2f+Xa66n3vkT53QzgP0KSCF7RpvSbdJPDRgvfCmBe/h
qbInVJkCgYEA1fnurszl5ouLKgD7GMxn+bS+02geduvO+ZC85TSZO4Rf/W4hJmKX
ViT7jV00jyzq/IFlSULXXwD+eoJhoUpeGkt5Vzv7vgp2baOFZCkkmzAjt6txONOR
xrsxvkfWQg/xsLdH55qqliRB0WAMDSpklTBiNXuyJ1MV4fIC6oZmILUCgYEA1FsD
/jjsJZCoBzYvpG4jZ8nR5bCPUUdfhtXfZUsU6PzgHfBn4i8f56eQCvRDzOPlQToe
hWWN9sME9eIzaYkoup6rpIU58z700jyT+H5Zadrq4HMrqsWfO7E9Gp7XNzwiGsz6
voZJ2B9PN29j22touUtpeQmUpPfhCbG9FP698gsCgYEAmAAqkJvXONWp7xWxSaVy
uwytfgn5kiri5Z/uv7eEnqXjdmk0PUtODBDLbVlni8mxx9u3crp7ue4/2BEkf2oP
vQgeU1y18QMHq8y8ZjFf4qnoxYGRNXf9lznFFVF8n4MqAonAF4NkaLGq26wqA3Q4
7U3oheuv24WHBvFfJvCAPf0CgYEAvne8RyOLO85Zx84kQVnAS/FLYLdSdNaNqgTe
0J3dbXSTGIduxgL6nO9AVXLt9TJbiHu2sHN8N96H7nsrHfe2Hlz/Gxub9L99G6zW
E8ZQMI/4p8TlX9DNl97LLbtW0eYPuPYt2QHd7gl3JgO1DzNxxPEM81FSj/z9TZKs
Q86RVC0CgYA89faAKFpHtYbsDyxQ/scuzCmlODjEh0hMuroP+SUOC9340ADkXire
RBZlHVoSvfYI9U/DI4Ds4n0O8teG6Fb+NgBSHsepxwSn6U0rgie8B07Mwt70vVD+
BYx6Wmft3dAAzCncLvxmSiTTQU6TlFTirU4E1ye2F3pNiD/lezQ2jg==
-----END RSA TESTING KEY-----`
	simRootECKey = `-----BEGIN EC TESTING KEY-----
MHcCAQEEIAJI86kIyyPBKvpW8DBF1FIgTIlTCoCat94YY2CxjWVeoAoGCCqGSM49
AwEHoUQDQgAEyBVB21/xuXz0oB/wS8MbzYdB2BqG6mYaIZJ3wSv9yum/rV9/H6Ft
v9PBqlEq86NJWa/kqLQwBgBEu3B++MEPCg==
-----END EC TESTING KEY-----`
)

func (p *pki) serialNumber() *big.Int {
	p.serial.Lock()
	defer p.serial.Unlock()
	p.nextSerialNum++
	return big.NewInt(p.nextSerialNum)
}

func signatureAlgorithm(name string) (x509.SignatureAlgorithm, bool) {
	for a := x509.MD2WithRSA; a <= x509.PureEd25519; a++ {
		if strings.EqualFold(a.String(), name) {
			return a, true
		}
	}
	return 0, false
}

func parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: expected an RFC 3339 time or a date", v)
	}
	return t, nil
}

// endpointCertificate makes the leaf certificate a scenario entry asks for.
func endpointCertificate(host string, c map[string]any, asOf time.Time) (tls.Certificate, error) {
	p, err := simPKI()
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating keys: %w", err)
	}
	sigName := str(c["signature"])
	if sigName == "" {
		sigName = "SHA256-RSA"
	}
	alg, ok := signatureAlgorithm(sigName)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("signature %q: not a signature algorithm crypto/x509 knows (SHA256-RSA, SHA1-RSA, ECDSA-SHA256, ...)", sigName)
	}
	notAfter := asOf.AddDate(1, 0, 0)
	if v := str(c["notAfter"]); v != "" {
		if notAfter, err = parseWhen(v); err != nil {
			return tls.Certificate{}, fmt.Errorf("notAfter %w", err)
		}
	}
	notBefore := notAfter.AddDate(-1, 0, 0)
	if latest := asOf.AddDate(0, 0, -30); notBefore.After(latest) {
		notBefore = latest
	}
	if v := str(c["notBefore"]); v != "" {
		if notBefore, err = parseWhen(v); err != nil {
			return tls.Certificate{}, fmt.Errorf("notBefore %w", err)
		}
	}
	names, err := stringList(c["names"], "names")
	if err != nil {
		return tls.Certificate{}, err
	}
	if len(names) == 0 {
		names = []string{host}
	}
	selfSigned, _ := c["selfSigned"].(bool)
	tpl := &x509.Certificate{
		SerialNumber:       p.serialNumber(),
		Subject:            pkix.Name{CommonName: names[0], Organization: []string{"harden365 simulator"}},
		DNSNames:           names,
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm: alg,
	}
	parent, signer := p.rsaCA, crypto.Signer(p.rsaKey)
	switch {
	case selfSigned:
		parent, signer = tpl, p.leafKey
	case strings.HasPrefix(alg.String(), "ECDSA"):
		parent, signer = p.ecCA, p.ecKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, &p.leafKey.PublicKey, signer)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("signature %s: %w", sigName, err)
	}
	chain := [][]byte{der}
	if !selfSigned {
		chain = append(chain, parent.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: p.leafKey}, nil
}

// --- listeners

type endpointListener struct {
	ep *endpointSpec
	ln net.Listener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func (l *endpointListener) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.conns[c] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go func() {
			defer l.wg.Done()
			defer func() {
				c.Close()
				l.mu.Lock()
				delete(l.conns, c)
				l.mu.Unlock()
			}()
			l.handle(c)
		}()
	}
}

func (l *endpointListener) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.ln.Close()
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// endpointIdle bounds how long a connection waits for the client.
const endpointIdle = 30 * time.Second

func (l *endpointListener) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(endpointIdle))
	var conn net.Conn = c
	if l.ep.implicit {
		tc, ok := l.ep.startTLSLayer(c)
		if !ok {
			return
		}
		conn = tc
	}
	switch l.ep.protocol {
	case "https":
		l.ep.serveHTTP(conn)
	case "imaps", "imap":
		l.ep.serveIMAP(c, conn)
	case "pop3s", "pop3":
		l.ep.servePOP3(c, conn)
	default:
		l.ep.serveSMTP(c, conn)
	}
}

// --- TLS, with SSL 3.0 and the suites Go lacks played at the ServerHello

// startTLSLayer reads the client's hello and either answers it itself
// (SSL 3.0, or a suite Go does not implement: a ServerHello, then the
// connection is closed, ok false) or hands the connection to crypto/tls at
// the version a real server would pick.
func (ep *endpointSpec) startTLSLayer(raw net.Conn) (net.Conn, bool) {
	buf, hello, err := readClientHello(raw)
	if err != nil {
		return nil, false
	}
	v := ep.pickVersion(hello.maxVersion)
	offered := func(list []uint16) (uint16, bool) {
		for _, id := range list {
			if slices.Contains(hello.suites, id) {
				return id, true
			}
		}
		return 0, false
	}
	switch {
	case v == versionSSL30:
		if id, ok := offered(ep.order); ok {
			writeServerHello(raw, versionSSL30, id)
		} else {
			writeAlert(raw, versionSSL30, 40) // handshake_failure
		}
		return nil, false
	case v != 0 && v <= tls.VersionTLS12 && len(ep.rawSuites) > 0:
		if _, ok := offered(ep.goSuites); !ok {
			if id, ok := offered(ep.rawSuites); ok {
				writeServerHello(raw, v, id)
				return nil, false
			}
		}
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{ep.cert}, CipherSuites: ep.goSuites}
	switch {
	case v != 0:
		cfg.MinVersion, cfg.MaxVersion = v, v
	default:
		// No listed version at or below the client's: let crypto/tls
		// refuse with its own alert, as from the lowest listed version.
		lowest := uint16(0)
		for _, x := range ep.versions {
			if x >= tls.VersionTLS10 {
				lowest = x
				break
			}
		}
		if lowest == 0 {
			writeAlert(raw, tls.VersionTLS10, 70) // protocol_version
			return nil, false
		}
		cfg.MinVersion, cfg.MaxVersion = lowest, lowest
	}
	tc := tls.Server(&replayConn{Conn: raw, r: io.MultiReader(bytes.NewReader(buf), raw)}, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, false
	}
	return tc, true
}

// pickVersion is the highest listed version not above the client's
// highest (0 when there is none).
func (ep *endpointSpec) pickVersion(clientMax uint16) uint16 {
	best := uint16(0)
	for _, v := range ep.versions {
		if v <= clientMax {
			best = v
		}
	}
	return best
}

type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

type clientHelloInfo struct {
	maxVersion uint16
	suites     []uint16
}

// readClientHello reads the records holding the first handshake message
// and parses it as a ClientHello; it returns the bytes read, to replay.
func readClientHello(r io.Reader) ([]byte, clientHelloInfo, error) {
	var raw, hs []byte
	for rec := 0; rec < 8; rec++ {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, clientHelloInfo{}, err
		}
		raw = append(raw, hdr[:]...)
		if hdr[0] != 22 {
			return nil, clientHelloInfo{}, errors.New("not a TLS handshake record")
		}
		n := int(binary.BigEndian.Uint16(hdr[3:5]))
		if n == 0 || n > 16384+2048 {
			return nil, clientHelloInfo{}, errors.New("bad record length")
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, clientHelloInfo{}, err
		}
		raw = append(raw, body...)
		hs = append(hs, body...)
		if len(hs) >= 4 {
			want := 4 + (int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3]))
			if len(hs) >= want {
				info, err := parseClientHello(hs[:want])
				return raw, info, err
			}
		}
	}
	return nil, clientHelloInfo{}, errors.New("ClientHello too long")
}

func parseClientHello(m []byte) (clientHelloInfo, error) {
	bad := errors.New("malformed ClientHello")
	if m[0] != 1 {
		return clientHelloInfo{}, errors.New("not a ClientHello")
	}
	b := m[4:]
	if len(b) < 35 {
		return clientHelloInfo{}, bad
	}
	info := clientHelloInfo{maxVersion: binary.BigEndian.Uint16(b[:2])}
	b = b[34:]
	sid := int(b[0])
	if len(b) < 1+sid+2 {
		return clientHelloInfo{}, bad
	}
	b = b[1+sid:]
	n := int(binary.BigEndian.Uint16(b[:2]))
	if n%2 != 0 || len(b) < 2+n+1 {
		return clientHelloInfo{}, bad
	}
	for i := 0; i < n; i += 2 {
		info.suites = append(info.suites, binary.BigEndian.Uint16(b[2+i:]))
	}
	b = b[2+n:]
	comp := int(b[0])
	if len(b) < 1+comp {
		return clientHelloInfo{}, bad
	}
	b = b[1+comp:]
	if len(b) < 2 {
		return info, nil // no extensions
	}
	ext := b[2:]
	if l := int(binary.BigEndian.Uint16(b[:2])); l <= len(ext) {
		ext = ext[:l]
	}
	for len(ext) >= 4 {
		typ := binary.BigEndian.Uint16(ext[:2])
		l := int(binary.BigEndian.Uint16(ext[2:4]))
		if len(ext) < 4+l {
			return clientHelloInfo{}, bad
		}
		data := ext[4 : 4+l]
		ext = ext[4+l:]
		if typ != 43 || len(data) < 1 { // supported_versions
			continue
		}
		list := data[1:]
		if int(data[0]) < len(list) {
			list = list[:data[0]]
		}
		best := uint16(0)
		for i := 0; i+1 < len(list); i += 2 {
			v := binary.BigEndian.Uint16(list[i:])
			if v&0x0f0f == 0x0a0a { // GREASE
				continue
			}
			best = max(best, v)
		}
		if best != 0 {
			info.maxVersion = best
		}
	}
	return info, nil
}

// writeServerHello answers with a bare ServerHello (no extensions).
func writeServerHello(w io.Writer, version, suite uint16) {
	body := make([]byte, 0, 2+32+1+2+1)
	body = binary.BigEndian.AppendUint16(body, version)
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	body = append(body, random...)
	body = append(body, 0) // no session id
	body = binary.BigEndian.AppendUint16(body, suite)
	body = append(body, 0) // null compression
	msg := append([]byte{2, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	rec := append([]byte{22}, binary.BigEndian.AppendUint16(nil, version)...)
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(msg)))
	_, _ = w.Write(append(rec, msg...))
}

func writeAlert(w io.Writer, version uint16, desc byte) {
	rec := append([]byte{21}, binary.BigEndian.AppendUint16(nil, version)...)
	rec = append(rec, 0, 2, 2, desc)
	_, _ = w.Write(rec)
}

// --- protocol dialogues

// hasCap reports whether a capability list holds word (case-insensitive), or
// a line starting with it ("AUTH" matches "AUTH LOGIN PLAIN").
func hasCap(caps []string, word string) bool {
	for _, c := range caps {
		if strings.EqualFold(c, word) || (len(c) > len(word) && strings.EqualFold(c[:len(word)], word) && (c[len(word)] == ' ' || c[len(word)] == '=')) {
			return true
		}
	}
	return false
}

func withoutUpgrade(caps []string) []string {
	var out []string
	for _, c := range caps {
		if !strings.EqualFold(c, "STARTTLS") && !strings.EqualFold(c, "STLS") {
			out = append(out, c)
		}
	}
	return out
}

// caps is what the endpoint advertises now; upgrade is the protocol's
// STARTTLS keyword; extraPlain is added before TLS when the scenario does
// not say (IMAP's LOGINDISABLED).
func (ep *endpointSpec) caps(secure bool, upgrade string, extraPlain ...string) []string {
	if secure {
		return withoutUpgrade(ep.advertises)
	}
	var out []string
	if ep.startTLS {
		out = append(out, upgrade)
	}
	switch {
	case ep.beforeTLSSet:
		out = append(out, withoutUpgrade(ep.beforeTLS)...)
	case ep.startTLS:
		out = append(out, extraPlain...)
	default:
		out = append(out, withoutUpgrade(ep.advertises)...)
	}
	return out
}

// session is one connection's text dialogue, upgradable in place.
type session struct {
	raw    net.Conn // the TCP connection
	conn   net.Conn // raw, or TLS over it
	r      *textproto.Reader
	br     *bufio.Reader
	w      *bufio.Writer
	secure bool
}

func newSession(raw, conn net.Conn) *session {
	s := &session{raw: raw}
	s.use(conn, conn != raw)
	return s
}

func (s *session) use(conn net.Conn, secure bool) {
	s.conn, s.secure = conn, secure
	s.br = bufio.NewReader(conn)
	s.r = textproto.NewReader(s.br)
	s.w = bufio.NewWriter(conn)
}

func (s *session) send(lines ...string) bool {
	for _, l := range lines {
		s.w.WriteString(l)
		s.w.WriteString("\r\n")
	}
	return s.w.Flush() == nil
}

func (s *session) line() (string, bool) {
	_ = s.raw.SetDeadline(time.Now().Add(endpointIdle))
	l, err := s.r.ReadLine()
	return l, err == nil
}

// upgrade runs STARTTLS on the connection; false when the connection is
// finished (hello answered at the ServerHello only, or a failed handshake).
func (s *session) upgrade(ep *endpointSpec) bool {
	if s.br.Buffered() > 0 {
		return false // data pipelined after STARTTLS: refuse (command injection)
	}
	tc, ok := ep.startTLSLayer(s.raw)
	if !ok {
		return false
	}
	s.use(tc, true)
	return true
}

func (ep *endpointSpec) serveIMAP(raw, conn net.Conn) {
	s := newSession(raw, conn)
	current := func() []string {
		caps := []string{"IMAP4", "IMAP4rev1"}
		for _, c := range ep.caps(s.secure, "STARTTLS", "LOGINDISABLED") {
			if !hasCap(caps, c) {
				caps = append(caps, c)
			}
		}
		return caps
	}
	if !s.send("* OK The Microsoft Exchange IMAP4 service is ready.") {
		return
	}
	for {
		l, ok := s.line()
		if !ok {
			return
		}
		tag, rest, _ := strings.Cut(l, " ")
		cmd, _, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(cmd) {
		case "CAPABILITY":
			s.send("* CAPABILITY "+strings.Join(current(), " "), tag+" OK CAPABILITY completed.")
		case "NOOP":
			s.send(tag + " OK NOOP completed.")
		case "LOGOUT":
			s.send("* BYE Microsoft Exchange Server IMAP4 server signing off.", tag+" OK LOGOUT completed.")
			return
		case "STARTTLS":
			if s.secure || !ep.startTLS {
				s.send(tag + " BAD Command received in Invalid state.")
				continue
			}
			if !s.send(tag+" OK Begin TLS negotiation now.") || !s.upgrade(ep) {
				return
			}
		case "LOGIN":
			if hasCap(current(), "LOGINDISABLED") {
				s.send(tag + " BAD Command received in Invalid state.")
			} else {
				s.send(tag + " NO LOGIN failed.")
			}
		case "AUTHENTICATE":
			s.send(tag + " NO AUTHENTICATE failed.")
		default:
			s.send(tag + " BAD Command Error. 12")
		}
	}
}

func (ep *endpointSpec) servePOP3(raw, conn net.Conn) {
	s := newSession(raw, conn)
	if !s.send("+OK The Microsoft Exchange POP3 service is ready.") {
		return
	}
	for {
		l, ok := s.line()
		if !ok {
			return
		}
		cmd, _, _ := strings.Cut(l, " ")
		caps := ep.caps(s.secure, "STLS")
		switch strings.ToUpper(cmd) {
		case "CAPA":
			lines := append([]string{"+OK", "TOP", "UIDL"}, caps...)
			s.send(append(lines, ".")...)
		case "STLS":
			if s.secure || !ep.startTLS {
				s.send("-ERR Command is not valid in this state.")
				continue
			}
			if !s.send("+OK Begin TLS negotiation.") || !s.upgrade(ep) {
				return
			}
		case "USER":
			if hasCap(caps, "USER") {
				s.send("+OK")
			} else {
				s.send("-ERR Command is not valid in this state.")
			}
		case "PASS", "AUTH", "APOP":
			s.send("-ERR Logon failure: unknown user name or bad password.")
		case "NOOP":
			s.send("+OK")
		case "QUIT":
			s.send("+OK Microsoft Exchange Server POP3 server signing off.")
			return
		default:
			s.send("-ERR Protocol error. 14")
		}
	}
}

func (ep *endpointSpec) serveSMTP(raw, conn net.Conn) {
	s := newSession(raw, conn)
	if !s.send("220 " + ep.host + " Microsoft ESMTP MAIL Service ready") {
		return
	}
	for {
		l, ok := s.line()
		if !ok {
			return
		}
		cmd, _, _ := strings.Cut(l, " ")
		caps := ep.caps(s.secure, "STARTTLS")
		switch strings.ToUpper(cmd) {
		case "EHLO":
			lines := []string{ep.host + " Hello [127.0.0.1]", "SIZE 157286400", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"}
			lines = append(lines, caps...)
			lines = append(lines, "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8")
			out := make([]string, len(lines))
			for i, x := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				out[i] = "250" + sep + x
			}
			s.send(out...)
		case "HELO":
			s.send("250 " + ep.host + " Hello [127.0.0.1]")
		case "STARTTLS":
			if s.secure || !ep.startTLS {
				s.send("503 5.5.2 Send hello first")
				continue
			}
			if !s.send("220 2.0.0 SMTP server ready") || !s.upgrade(ep) {
				return
			}
		case "AUTH":
			if hasCap(caps, "AUTH") {
				s.send("535 5.7.3 Authentication unsuccessful")
			} else {
				s.send("504 5.7.4 Unrecognized authentication type")
			}
		case "MAIL", "RCPT", "DATA", "BDAT":
			s.send("530 5.7.57 Client not authenticated to send mail.")
		case "NOOP", "RSET":
			s.send("250 2.0.0 OK")
		case "QUIT":
			s.send("221 2.0.0 Service closing transmission channel")
			return
		default:
			s.send("500 5.3.3 Unrecognized command")
		}
	}
}

// exchangePaths are the HTTPS paths that ask for credentials.
var exchangePaths = []string{"/ews/", "/autodiscover/", "/microsoft-server-activesync", "/owa", "/mapi/", "/rpc/", "/oab/", "/ecp", "/powershell"}

func (ep *endpointSpec) challenges() []string {
	adv := ep.advertises
	if len(adv) == 0 {
		adv = []string{"Bearer"}
	}
	var out []string
	for _, a := range adv {
		switch {
		case strings.EqualFold(a, "Basic"):
			out = append(out, `Basic realm="`+ep.host+`"`)
		case strings.EqualFold(a, "Bearer"):
			out = append(out, `Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
		case strings.EqualFold(a, "STARTTLS"), strings.EqualFold(a, "STLS"):
		default:
			out = append(out, a)
		}
	}
	return out
}

func (ep *endpointSpec) serveHTTP(conn net.Conn) {
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
		resp := &http.Response{StatusCode: http.StatusNotFound, ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Request: req, ContentLength: 0}
		p := strings.ToLower(req.URL.Path)
		for _, x := range exchangePaths {
			if strings.HasPrefix(p, x) {
				resp.StatusCode = http.StatusUnauthorized
				for _, c := range ep.challenges() {
					resp.Header.Add("WWW-Authenticate", c)
				}
				break
			}
		}
		resp.Status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
		resp.Header.Set("Server", "Microsoft-IIS/10.0")
		resp.Header.Set("Content-Length", "0")
		resp.Close = req.Close
		if err := resp.Write(conn); err != nil || req.Close {
			return
		}
		_ = conn.SetDeadline(time.Now().Add(endpointIdle))
	}
}
