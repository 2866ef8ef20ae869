// Package probe looks at an organisation's mail endpoints from outside, as
// a client would: which TLS versions and legacy cipher suites they accept,
// their certificate, whether the plain-text mail ports offer STARTTLS,
// and whether they advertise password ("basic") sign-in, before or after
// TLS. It never signs in.
//
// Per endpoint (host:port and protocol) it makes one or two dozen short
// connections:
//
//   - a session with a client that offers every version and suite it knows
//     (greeting, capabilities, STARTTLS, handshake, capabilities again):
//     the negotiated version and suite, the certificate, the
//     advertisements;
//   - one handshake per version, TLS 1.0 to 1.3, with Go's crypto/tls
//     (which serves and speaks TLS 1.0 and 1.1 when MinVersion is set
//     explicitly, no GODEBUG needed);
//   - SSL 3.0, which crypto/tls does not have, and the legacy suites it
//     does not implement (NULL, export, anonymous, DES, ...), by a
//     hand-written ClientHello whose ServerHello says whether the server
//     accepts them (the handshake is then abandoned): acceptance is known,
//     a full handshake is not made;
//   - for each accepted version up to TLS 1.2, ClientHellos offering the
//     legacy suites, removing each one the server picks, until it refuses;
//   - for https, unauthenticated GETs of the EWS, Autodiscover and
//     ActiveSync paths, reading WWW-Authenticate.
//
// A refusal (an alert, a reset, a close) is recorded as refused; a dial
// failure or a timeout as an error, never as refused. When the endpoint
// cannot be reached at all, the task fails and the checks say "error"
// for it.
package probe

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// DialFunc opens a TCP connection (net.Dialer.DialContext's shape).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Config says how to reach the endpoints.
type Config struct {
	// Dial opens connections; nil means a plain net.Dialer. MapDialer maps
	// real host:port pairs to the simulator's listeners.
	Dial DialFunc
	// Timeout bounds each connection: dial, dialogue and handshake
	// (default 8s).
	Timeout time.Duration
	// Roots are the roots certificates are checked against; nil means the
	// system's (when there are none, trust is "unchecked").
	Roots *x509.CertPool
}

// MapDialer dials addresses found in m ("host:port" -> "127.0.0.1:PORT",
// the simulator's endpoints map) at their mapped address, and any other
// address with next (nil: refuse, so a probe of a scenario never leaves
// the machine).
func MapDialer(m map[string]string, next DialFunc) DialFunc {
	lower := map[string]string{}
	for k, v := range m {
		lower[strings.ToLower(k)] = v
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := lower[strings.ToLower(addr)]; ok {
			var d net.Dialer
			return d.DialContext(ctx, network, to)
		}
		if next == nil {
			return nil, fmt.Errorf("dial %s: not an endpoint of the simulator", addr)
		}
		return next(ctx, network, addr)
	}
}

// Target is one endpoint to probe.
type Target struct {
	Host string
	Port int
	// Protocol is imaps, pop3s, smtps, https, imap, pop3, smtp or
	// submission; "" means the port's usual one (ProtocolFor).
	Protocol string
}

// Addr is host:port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// ProtocolFor is the usual protocol of a port ("" when there is none).
func ProtocolFor(port int) string { return tenant.PortProtocol(port) }

// ParseTarget reads "host:port" or "host:port/protocol" (--probe-host, a
// profile's probeHosts).
func ParseTarget(s string) (Target, error) {
	h, p, proto, err := tenant.ParseEndpoint(s)
	if err != nil {
		return Target{}, err
	}
	return Target{Host: h, Port: p, Protocol: proto}, nil
}

func (t Target) normalise() (Target, error) {
	var err error
	t.Host, t.Port, t.Protocol, err = tenant.NormalizeEndpoint(t.Host, t.Port, t.Protocol)
	return t, err
}

// DefaultTargets are Exchange Online's public client endpoints
// (Microsoft's "POP, IMAP, and SMTP settings" and the HTTPS front door).
func DefaultTargets() []Target {
	return []Target{
		{Host: "outlook.office365.com", Port: 993, Protocol: tenant.ProtoIMAPS},
		{Host: "outlook.office365.com", Port: 995, Protocol: tenant.ProtoPOP3S},
		{Host: "smtp.office365.com", Port: 587, Protocol: tenant.ProtoSMTP},
		{Host: "outlook.office365.com", Port: 443, Protocol: tenant.ProtoHTTPS},
	}
}

// HTTPPaths are the paths an https endpoint is asked, unauthenticated,
// for its WWW-Authenticate challenges.
var HTTPPaths = []string{"/EWS/Exchange.asmx", "/autodiscover/autodiscover.xml", "/Microsoft-Server-ActiveSync"}

// Tasks returns one collector task per endpoint: ID "probe.<host>:<port>",
// service "probe". A task fails when the endpoint cannot be reached (or
// never answers as its protocol); otherwise every part of the probe
// carries its own outcome.
func Tasks(cfg Config, targets []Target) []collect.Task {
	var out []collect.Task
	seen := map[string]bool{}
	for _, t := range targets {
		nt, terr := t.normalise()
		if seen[nt.Addr()] {
			continue
		}
		seen[nt.Addr()] = true
		out = append(out, collect.Task{
			ID: "probe." + nt.Addr(), Service: "probe",
			Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
				if terr != nil {
					return nil, &collect.Failure{Message: terr.Error(), Fix: "name the endpoint's protocol (host:port/protocol)"}
				}
				ep, err := Probe(ctx, cfg, nt)
				if err != nil {
					if cerr := ctx.Err(); cerr != nil {
						return nil, cerr
					}
					return nil, &collect.Failure{Message: err.Error(),
						Fix: "check that " + nt.Addr() + " is reachable from this machine (firewall, proxy, VPN) and speaks " + nt.Protocol + ", or leave it out of the probes"}
				}
				rep.Page(1)
				return func(s *tenant.Snapshot) { setEndpoint(s, ep) }, nil
			},
		})
	}
	return out
}

func setEndpoint(s *tenant.Snapshot, ep tenant.EndpointProbe) {
	for i := range s.Endpoints {
		if strings.EqualFold(s.Endpoints[i].Host, ep.Host) && s.Endpoints[i].Port == ep.Port {
			s.Endpoints[i] = ep
			return
		}
	}
	s.Endpoints = append(s.Endpoints, ep)
}

// prober probes one endpoint.
type prober struct {
	t       Target
	fam     string
	timeout time.Duration
	dial    DialFunc
	roots   *x509.CertPool
	rootErr error
	// peer is the certificate chain of the first version handshake, for
	// when the session's handshake failed (a server intolerant of the
	// session's ClientHello).
	peer []*x509.Certificate
}

// Probe probes one endpoint. The error is for an endpoint that could not
// be reached or did not speak its protocol; everything else is recorded.
func Probe(ctx context.Context, cfg Config, t Target) (tenant.EndpointProbe, error) {
	t, err := t.normalise()
	if err != nil {
		return tenant.EndpointProbe{}, err
	}
	p := &prober{t: t, fam: family(t.Protocol), timeout: cfg.Timeout, dial: cfg.Dial, roots: cfg.Roots}
	if p.timeout <= 0 {
		p.timeout = 8 * time.Second
	}
	if p.dial == nil {
		var d net.Dialer
		p.dial = d.DialContext
	}
	if p.roots == nil {
		p.roots, p.rootErr = x509.SystemCertPool()
	}
	ep := tenant.EndpointProbe{Host: t.Host, Port: t.Port, Protocol: t.Protocol, ProbedAt: time.Now().UTC()}

	sessionOK, err := p.session(ctx, &ep)
	if errors.Is(err, errStalled) {
		return ep, nil // STARTTLS offered, TLS never answered: recorded
	}
	if err != nil {
		return ep, err
	}
	if ep.StartTLS != nil && !ep.StartTLS.Offered {
		return ep, nil // plain text only: nothing TLS to probe
	}
	p.versions(ctx, &ep)
	if !sessionOK && len(ep.Accepted()) == 0 {
		refused := false
		for _, v := range ep.Versions {
			refused = refused || v.Status == tenant.ProbeRefused
		}
		if !refused && ep.StartTLS == nil {
			return ep, fmt.Errorf("no TLS handshake could be made: %s", ep.Versions[len(ep.Versions)-1].Error)
		}
	}
	if !sessionOK && p.peer != nil {
		// The session's ClientHello failed where a single version's
		// worked: STARTTLS works, and the certificate is that one's.
		if ep.StartTLS != nil {
			if ep.StartTLS.Error != "" {
				ep.Notes = append(ep.Notes, "STARTTLS: "+ep.StartTLS.Error)
			}
			ep.StartTLS.Works, ep.StartTLS.Error = true, ""
		}
		if ep.Certificate == nil {
			ep.Certificate = p.certInfo(p.peer)
		}
	}
	p.weakSuites(ctx, &ep)
	if t.Protocol == tenant.ProtoHTTPS && len(ep.Accepted()) > 0 {
		p.httpAuth(ctx, &ep)
	}
	if err := ctx.Err(); err != nil {
		return ep, err
	}
	return ep, nil
}

// --- connections

type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// stageError says how far a connection got before it failed.
type stageError struct {
	stage string // connect, greeting, capabilities, starttls
	err   error
}

func (e *stageError) Error() string {
	if e.stage == "connect" {
		return e.err.Error()
	}
	return e.stage + ": " + e.err.Error()
}

func (e *stageError) Unwrap() error { return e.err }

// connect dials the endpoint, with the whole connection bounded by the
// timeout and closed when ctx ends.
func (p *prober) connect(ctx context.Context) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &stageError{"connect", err}
	}
	dctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	c, err := p.dial(dctx, "tcp", p.t.Addr())
	if err != nil {
		if !timedOut(err) {
			err = fmt.Errorf("connecting to %s: %w", p.t.Addr(), err)
		}
		return nil, &stageError{"connect", describe(err, "connecting to "+p.t.Addr(), p.timeout)}
	}
	_ = c.SetDeadline(time.Now().Add(p.timeout))
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return &ctxConn{Conn: c, stop: stop}, nil
}

// plain is what a plain-text endpoint said before TLS.
type plain struct {
	caps    []string
	offered bool
	tp      *textproto.Conn
}

// errNoUpgrade: the plain endpoint does not offer STARTTLS.
var errNoUpgrade = errors.New("STARTTLS is not offered")

// errStalled: after STARTTLS the server never answered the ClientHello.
var errStalled = errors.New("no answer after STARTTLS")

// ready opens a connection up to the point where the TLS handshake
// starts: for a plain protocol, after the greeting, the capabilities and
// the STARTTLS go-ahead. With errNoUpgrade the connection and what was
// said are returned, still open.
func (p *prober) ready(ctx context.Context) (net.Conn, *plain, error) {
	c, err := p.connect(ctx)
	if err != nil || tenant.ImplicitTLS(p.t.Protocol) {
		return c, nil, err
	}
	tp := textproto.NewConn(c)
	pl := &plain{tp: tp}
	fail := func(stage string, err error) (net.Conn, *plain, error) {
		c.Close()
		return nil, pl, &stageError{stage, describe(err, p.t.Protocol+" "+stage, p.timeout)}
	}
	if err := greet(p.fam, tp); err != nil {
		return fail("greeting", err)
	}
	if pl.caps, err = capabilities(p.fam, tp); err != nil {
		return fail("capabilities", err)
	}
	pl.offered = offersUpgrade(p.fam, pl.caps)
	if !pl.offered {
		return c, pl, errNoUpgrade
	}
	if err := startTLS(p.fam, tp); err != nil {
		return fail("starttls", err)
	}
	return c, pl, nil
}

// readyTLS is ready for the probes after the session: a plain endpoint
// that does not offer STARTTLS now is an error.
func (p *prober) readyTLS(ctx context.Context) (net.Conn, error) {
	c, _, err := p.ready(ctx)
	if errors.Is(err, errNoUpgrade) {
		c.Close()
		return nil, &stageError{"starttls", err}
	}
	return c, err
}

// clientConfig is crypto/tls's client, offering versions min..max and
// every suite Go implements. Verification is off on purpose: the probe
// records the certificate and judges it itself (certInfo), so that an
// expired or mismatched certificate is a finding and not a failed probe.
func (p *prober) clientConfig(min, max uint16) *tls.Config {
	return &tls.Config{
		ServerName:         p.t.Host,
		InsecureSkipVerify: true, //nolint:gosec // the certificate is judged by certInfo
		MinVersion:         min,
		MaxVersion:         max,
		CipherSuites:       goSuites(),
	}
}

// session: the first connection, which learns the plain capabilities,
// STARTTLS, the negotiated session, the certificate and the capabilities
// on TLS. Its error means the endpoint is unreachable or does not speak
// its protocol; ok is false when no TLS session could be made.
func (p *prober) session(ctx context.Context, ep *tenant.EndpointProbe) (ok bool, err error) {
	c, pl, err := p.ready(ctx)
	if pl != nil {
		ep.StartTLS = &tenant.StartTLSProbe{Offered: pl.offered}
		if pl.caps != nil || err == nil || errors.Is(err, errNoUpgrade) {
			ep.Auth.Read = true
			ep.Auth.CapabilitiesPlain = pl.caps
			ep.Auth.BasicPlain = basicMechanisms(p.fam, pl.caps)
		}
	}
	switch {
	case errors.Is(err, errNoUpgrade):
		goodbye(p.fam, pl.tp)
		c.Close()
		return false, nil
	case err != nil:
		var se *stageError
		if pl != nil && errors.As(err, &se) && se.stage == "starttls" {
			ep.StartTLS.Error = err.Error()
			return false, nil
		}
		return false, err
	}
	defer c.Close()
	tc := tls.Client(c, p.clientConfig(tls.VersionTLS10, tls.VersionTLS13))
	if err := tc.HandshakeContext(ctx); err != nil {
		msg := describe(err, "TLS handshake", p.timeout).Error()
		if timedOut(err) {
			// No answer to a ClientHello: every other probe would wait as
			// long. Not "refused": the endpoint cannot be judged.
			if ep.StartTLS == nil {
				return false, fmt.Errorf("no answer to a TLS ClientHello: %s", msg)
			}
			ep.StartTLS.Error = "the STARTTLS go-ahead came, then the server did not answer the ClientHello: " + msg
			return false, errStalled
		}
		if ep.StartTLS != nil {
			ep.StartTLS.Error = "the STARTTLS go-ahead came, then the handshake failed: " + msg
		}
		ep.Notes = append(ep.Notes, "A client offering TLS 1.0 to 1.3 and every suite Go implements could not complete a handshake: "+msg)
		return false, nil
	}
	if ep.StartTLS != nil {
		ep.StartTLS.Works = true
	}
	st := tc.ConnectionState()
	ep.Negotiated = &tenant.TLSSession{Version: versionString(st.Version), CipherSuite: suiteName(st.CipherSuite)}
	if len(st.PeerCertificates) > 0 {
		ep.Certificate = p.certInfo(st.PeerCertificates)
	}
	if p.fam == "" {
		return true, nil // https: its auth is read by httpAuth
	}
	tp := textproto.NewConn(tc)
	if tenant.ImplicitTLS(p.t.Protocol) {
		if err := greet(p.fam, tp); err != nil {
			ep.Auth.Error = "greeting on TLS: " + describe(err, "greeting", p.timeout).Error()
			return true, nil
		}
	}
	caps, err := capabilities(p.fam, tp)
	if err != nil {
		ep.Auth.Error = "capabilities on TLS: " + describe(err, "capabilities", p.timeout).Error()
		return true, nil
	}
	ep.Auth.Read = true
	ep.Auth.CapabilitiesTLS = caps
	ep.Auth.BasicTLS = basicMechanisms(p.fam, caps)
	goodbye(p.fam, tp)
	return true, nil
}

// --- versions

var goVersions = map[string]uint16{tenant.TLS10: tls.VersionTLS10, tenant.TLS11: tls.VersionTLS11, tenant.TLS12: tls.VersionTLS12, tenant.TLS13: tls.VersionTLS13}

func versionString(v uint16) string {
	switch v {
	case versionSSL30:
		return tenant.SSL30
	case tls.VersionTLS10:
		return tenant.TLS10
	case tls.VersionTLS11:
		return tenant.TLS11
	case tls.VersionTLS12:
		return tenant.TLS12
	case tls.VersionTLS13:
		return tenant.TLS13
	}
	return fmt.Sprintf("0x%04X", v)
}

func versionID(v string) uint16 {
	if v == tenant.SSL30 {
		return versionSSL30
	}
	return goVersions[v]
}

// versions tries each version on its own.
func (p *prober) versions(ctx context.Context, ep *tenant.EndpointProbe) {
	for _, v := range tenant.TLSVersions {
		var r tenant.TLSVersionProbe
		if v == tenant.SSL30 {
			r = p.helloVersion(ctx, versionSSL30, anySuite())
		} else {
			r = p.handshakeVersion(ctx, goVersions[v])
		}
		r.Version = v
		ep.Versions = append(ep.Versions, r)
	}
}

// handshakeVersion makes a crypto/tls handshake at exactly version v; a
// refusal up to TLS 1.2 is checked again with a raw ClientHello offering
// every known suite (a server may accept the version with suites Go lacks).
func (p *prober) handshakeVersion(ctx context.Context, v uint16) tenant.TLSVersionProbe {
	c, err := p.readyTLS(ctx)
	if err != nil {
		return tenant.TLSVersionProbe{Status: tenant.ProbeError, Error: err.Error()}
	}
	defer c.Close()
	tc := tls.Client(c, p.clientConfig(v, v))
	herr := tc.HandshakeContext(ctx)
	if herr == nil {
		st := tc.ConnectionState()
		if p.peer == nil && len(st.PeerCertificates) > 0 {
			p.peer = st.PeerCertificates
		}
		return tenant.TLSVersionProbe{Status: tenant.ProbeAccepted, CipherSuite: suiteName(st.CipherSuite), Handshake: true}
	}
	msg := describe(herr, "TLS handshake", p.timeout).Error()
	if !refusal(herr) {
		if v == tls.VersionTLS13 || timedOut(herr) {
			return tenant.TLSVersionProbe{Status: tenant.ProbeError, Error: msg}
		}
	}
	if v == tls.VersionTLS13 {
		return tenant.TLSVersionProbe{Status: tenant.ProbeRefused, Error: msg}
	}
	r := p.helloVersion(ctx, v, anySuite())
	if r.Status == tenant.ProbeAccepted {
		r.Error = "crypto/tls could not complete the handshake (" + msg + "); the ServerHello shows the version is accepted"
	} else if r.Status == tenant.ProbeRefused {
		r.Error = msg
	}
	return r
}

// helloVersion sends a raw ClientHello at version v.
func (p *prober) helloVersion(ctx context.Context, v uint16, suites []uint16) tenant.TLSVersionProbe {
	a, err := p.hello(ctx, v, suites)
	switch {
	case err != nil:
		return tenant.TLSVersionProbe{Status: tenant.ProbeError, Error: err.Error()}
	case !a.accepted:
		return tenant.TLSVersionProbe{Status: tenant.ProbeRefused, Error: a.why}
	case a.version != v:
		return tenant.TLSVersionProbe{Status: tenant.ProbeRefused, Error: "the server answered with " + tenant.VersionName(versionString(a.version))}
	}
	return tenant.TLSVersionProbe{Status: tenant.ProbeAccepted, CipherSuite: suiteName(a.suite)}
}

// hello sends one raw ClientHello on a new connection.
func (p *prober) hello(ctx context.Context, v uint16, suites []uint16) (helloAnswer, error) {
	c, err := p.readyTLS(ctx)
	if err != nil {
		return helloAnswer{}, err
	}
	defer c.Close()
	if _, err := c.Write(clientHello(v, suites, p.t.Host)); err != nil {
		if closedByPeer(err) {
			return helloAnswer{why: "the server closed the connection"}, nil
		}
		return helloAnswer{}, describe(err, "sending a ClientHello", p.timeout)
	}
	a, err := readServerHello(c)
	if err != nil {
		return helloAnswer{}, describe(err, "reading the ServerHello", p.timeout)
	}
	return a, nil
}

// --- legacy suites

// weakSuites offers the legacy suites at each accepted version up to TLS
// 1.2, taking out each one the server picks, until it refuses them all.
func (p *prober) weakSuites(ctx context.Context, ep *tenant.EndpointProbe) {
	found := map[uint16][]string{}
	var order []uint16
	for _, v := range []string{tenant.SSL30, tenant.TLS10, tenant.TLS11, tenant.TLS12} {
		if r, ok := ep.Version(v); !ok || r.Status != tenant.ProbeAccepted {
			continue
		}
		left := ids(legacySuites)
		for range len(legacySuites) {
			a, err := p.hello(ctx, versionID(v), left)
			if err != nil {
				ep.CipherError = tenant.VersionName(v) + ": " + err.Error()
				break
			}
			if !a.accepted {
				break
			}
			if !slices.Contains(left, a.suite) {
				ep.CipherError = fmt.Sprintf("%s: the server chose %s, which was not offered", tenant.VersionName(v), suiteName(a.suite))
				break
			}
			left = slices.DeleteFunc(left, func(id uint16) bool { return id == a.suite })
			got := versionString(a.version)
			if _, seen := found[a.suite]; !seen {
				order = append(order, a.suite)
			}
			if !slices.Contains(found[a.suite], got) {
				found[a.suite] = append(found[a.suite], got)
			}
		}
		if ep.CipherError != "" {
			break
		}
	}
	for _, id := range order {
		ep.WeakCiphers = append(ep.WeakCiphers, tenant.CipherAccept{Name: suiteName(id), ID: id, Versions: found[id]})
	}
}

// --- certificate

func (p *prober) certInfo(chain []*x509.Certificate) *tenant.CertificateInfo {
	leaf := chain[0]
	sum := sha256.Sum256(leaf.Raw)
	ci := &tenant.CertificateInfo{
		Subject:            leaf.Subject.String(),
		Issuer:             leaf.Issuer.String(),
		SignatureAlgorithm: leaf.SignatureAlgorithm.String(),
		PublicKey:          publicKey(leaf),
		NotBefore:          leaf.NotBefore.UTC(),
		NotAfter:           leaf.NotAfter.UTC(),
		DNSNames:           leaf.DNSNames,
		NameMatches:        leaf.VerifyHostname(p.t.Host) == nil,
		SelfSigned:         selfSigned(leaf),
		SHA256:             hex.EncodeToString(sum[:]),
	}
	if len(ci.DNSNames) == 0 && leaf.Subject.CommonName != "" {
		ci.DNSNames = []string{leaf.Subject.CommonName}
	}
	for _, c := range chain[1:] {
		if tenant.WeakSignatureAlgorithm(c.SignatureAlgorithm.String()) && !selfSigned(c) {
			ci.WeakChain = append(ci.WeakChain, c.Subject.String()+" ("+c.SignatureAlgorithm.String()+")")
		}
	}
	switch {
	case p.roots == nil:
		ci.Trust = tenant.TrustUnchecked
		if p.rootErr != nil {
			ci.TrustError = "no root certificates to check against: " + p.rootErr.Error()
		}
	default:
		inter := x509.NewCertPool()
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		// Validity and name are judged on their own (against the
		// snapshot's asOf, and the host): check the chain at a moment the
		// leaf is valid, for any name.
		mid := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
		_, err := leaf.Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: inter, CurrentTime: mid,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			ci.Trust, ci.TrustError = tenant.TrustUntrusted, err.Error()
		} else {
			ci.Trust = tenant.TrustOK
		}
	}
	return ci
}

func publicKey(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA " + strconv.Itoa(k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// selfSigned: issuer equals subject and, where the algorithm still allows
// checking, the certificate's own key made its signature.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	if len(c.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) {
		return false
	}
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

// --- https

// httpAuth asks each HTTPPaths path without credentials.
func (p *prober) httpAuth(ctx context.Context, ep *tenant.EndpointProbe) {
	tr := &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := p.connect(ctx)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(c, p.clientConfig(tls.VersionTLS10, tls.VersionTLS13))
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, describe(err, "TLS handshake", p.timeout)
			}
			return tc, nil
		},
		DisableKeepAlives: true,
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: p.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range HTTPPaths {
		h := tenant.HTTPAuthProbe{Path: path}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+p.t.Addr()+path, nil)
		if err == nil {
			req.Header.Set("User-Agent", "harden365-probe")
			var resp *http.Response
			if resp, err = client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				h.Status = resp.StatusCode
				h.Authenticate = resp.Header.Values("WWW-Authenticate")
				for _, a := range h.Authenticate {
					scheme, _, _ := strings.Cut(strings.TrimSpace(a), " ")
					h.Schemes = append(h.Schemes, scheme)
					if strings.EqualFold(scheme, "Basic") {
						ep.Auth.BasicTLS = append(ep.Auth.BasicTLS, "Basic on "+path)
					}
				}
				ep.Auth.Read = true
			}
		}
		if err != nil {
			h.Error = err.Error()
		}
		ep.Auth.HTTP = append(ep.Auth.HTTP, h)
	}
	if !ep.Auth.Read {
		ep.Auth.Error = "no path answered: " + ep.Auth.HTTP[0].Error
	}
}

// --- errors

// closedByPeer: EOF or a reset, the usual answer of a server that will
// not talk to this client.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// refusal reports whether a crypto/tls handshake error is the server
// saying no: an alert, a close, a reset, or a ServerHello for another
// version or a suite that was not offered.
func refusal(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" {
		return true
	}
	if closedByPeer(err) {
		return true
	}
	m := err.Error()
	return strings.Contains(m, "unsupported protocol version") || strings.Contains(m, "server chose an unconfigured cipher suite") ||
		strings.Contains(m, "protocol version not supported") || strings.Contains(m, "no cipher suite supported")
}

// describe makes a network error read well: timeouts say how long.
func describe(err error, what string, timeout time.Duration) error {
	if timedOut(err) {
		return fmt.Errorf("timeout: %s took longer than %s", what, timeout)
	}
	return err
}
