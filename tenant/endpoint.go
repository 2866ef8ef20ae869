package tenant

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Endpoint probe outcomes (TLSVersionProbe.Status).
//
// As with DNS, "refused" and "error" are different answers: a server that
// answers a ClientHello with an alert, or closes the connection, refuses
// that version; a connection that could not be made or timed out says
// nothing about it, and a check must report it as "could not be judged",
// never as "secure".
const (
	ProbeAccepted = "accepted" // the server answered with a ServerHello for it
	ProbeRefused  = "refused"  // an alert, a reset or a close in answer to the ClientHello
	ProbeError    = "error"    // no answer: dial failure, timeout, STARTTLS failed
)

// TLS versions as recorded (TLSVersionProbe.Version), oldest first.
const (
	SSL30 = "SSL3"
	TLS10 = "1.0"
	TLS11 = "1.1"
	TLS12 = "1.2"
	TLS13 = "1.3"
)

// TLSVersions are the versions a probe tries, oldest first.
var TLSVersions = []string{SSL30, TLS10, TLS11, TLS12, TLS13}

// VersionName is how a recorded version reads in a sentence: "SSL 3.0",
// "TLS 1.2".
func VersionName(v string) string {
	if v == SSL30 {
		return "SSL 3.0"
	}
	return "TLS " + v
}

// Endpoint protocols (EndpointProbe.Protocol). The first four speak TLS
// from the first byte; the others start in plain text and may offer
// STARTTLS (STLS for POP3).
const (
	ProtoIMAPS      = "imaps"      // IMAP over TLS, 993
	ProtoPOP3S      = "pop3s"      // POP3 over TLS, 995
	ProtoSMTPS      = "smtps"      // SMTP over TLS, 465
	ProtoHTTPS      = "https"      // EWS, Autodiscover, ActiveSync, 443
	ProtoIMAP       = "imap"       // 143, STARTTLS
	ProtoPOP3       = "pop3"       // 110, STLS
	ProtoSMTP       = "smtp"       // 25 or 587, STARTTLS
	ProtoSubmission = "submission" // 587, STARTTLS (SMTP client submission)
)

// EndpointProtocols are every endpoint protocol, TLS-first ones first.
var EndpointProtocols = []string{ProtoIMAPS, ProtoPOP3S, ProtoSMTPS, ProtoHTTPS,
	ProtoIMAP, ProtoPOP3, ProtoSMTP, ProtoSubmission}

// PortProtocol is the usual protocol of a port ("" when there is none).
func PortProtocol(port int) string {
	switch port {
	case 993:
		return ProtoIMAPS
	case 995:
		return ProtoPOP3S
	case 465:
		return ProtoSMTPS
	case 443:
		return ProtoHTTPS
	case 143:
		return ProtoIMAP
	case 110:
		return ProtoPOP3
	case 25, 587:
		return ProtoSMTP
	}
	return ""
}

// ParseEndpoint reads a mail endpoint to probe as an operator writes it,
// "host:port" or "host:port/protocol" (--probe-host, a profile's
// probeHosts): the host lower-cased without a trailing dot, the protocol
// the port's usual one when not named. The error says what to write.
func ParseEndpoint(s string) (host string, port int, protocol string, err error) {
	s = strings.TrimSpace(s)
	hp, proto, _ := strings.Cut(s, "/")
	h, ps, serr := net.SplitHostPort(hp)
	n, perr := strconv.Atoi(ps)
	if serr != nil || perr != nil || n <= 0 || n > 65535 || strings.Trim(h, " .") == "" {
		return "", 0, "", fmt.Errorf("endpoint %q: expected host:port or host:port/protocol", s)
	}
	return NormalizeEndpoint(h, n, proto)
}

// NormalizeEndpoint checks an endpoint's protocol (the port's usual one
// when empty) and lower-cases host and protocol.
func NormalizeEndpoint(host string, port int, protocol string) (string, int, string, error) {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	protocol = strings.ToLower(strings.TrimSpace(protocol))
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if protocol == "" {
		protocol = PortProtocol(port)
		if protocol == "" {
			return host, port, "", fmt.Errorf("endpoint %s: port %d has no usual protocol; name one (%s)", addr, port, strings.Join(EndpointProtocols, ", "))
		}
	}
	if !slices.Contains(EndpointProtocols, protocol) {
		return host, port, protocol, fmt.Errorf("endpoint %s: protocol %q: expected one of %s", addr, protocol, strings.Join(EndpointProtocols, ", "))
	}
	return host, port, protocol, nil
}

// ImplicitTLS reports whether protocol speaks TLS from the first byte.
func ImplicitTLS(protocol string) bool {
	switch protocol {
	case ProtoIMAPS, ProtoPOP3S, ProtoSMTPS, ProtoHTTPS:
		return true
	}
	return false
}

// EndpointProbe is what one mail endpoint (host:port) offered when probed.
type EndpointProbe struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	// ProbedAt is the collector's wall clock when the probe started
	// (informational: certificates are judged against the snapshot's AsOf).
	ProbedAt time.Time `json:"probedAt,omitzero"`

	// StartTLS is set for the plain-text protocols (imap, pop3, smtp,
	// submission): whether the upgrade was offered before TLS and worked.
	StartTLS *StartTLSProbe `json:"startTls,omitempty"`

	// Versions holds one entry per version tried, oldest first (SSL3,
	// 1.0, 1.1, 1.2, 1.3); empty when no TLS could be started (a plain
	// endpoint without STARTTLS).
	Versions []TLSVersionProbe `json:"versions,omitempty"`
	// Negotiated is what a client offering every version and every suite
	// the prober knows got: the server's own choice.
	Negotiated *TLSSession `json:"negotiated,omitempty"`
	// WeakCiphers are the legacy suites (NULL, export, anonymous, RC4,
	// DES, 3DES, CBC with SHA-1, static RSA key exchange) the server
	// accepted, at each accepted version up to TLS 1.2.
	WeakCiphers []CipherAccept `json:"weakCiphers,omitempty"`
	// CipherError says why the weak-suite probe did not finish (its list
	// is then a lower bound).
	CipherError string `json:"cipherError,omitempty"`
	// Certificate is the server's leaf certificate, as the session got it.
	Certificate *CertificateInfo `json:"certificate,omitempty"`

	// Auth is what the endpoint advertised about signing in.
	Auth AuthProbe `json:"auth"`

	// Notes are limits of the probe worth knowing (what a ServerHello
	// showed but a handshake could not complete, ...).
	Notes []string `json:"notes,omitempty"`
}

// Addr is host:port.
func (p EndpointProbe) Addr() string { return net.JoinHostPort(p.Host, strconv.Itoa(p.Port)) }

// ImplicitTLS reports whether the endpoint speaks TLS from the first byte.
func (p EndpointProbe) ImplicitTLS() bool { return ImplicitTLS(p.Protocol) }

// Version returns the probe of version v ("1.0"), if it was tried.
func (p EndpointProbe) Version(v string) (TLSVersionProbe, bool) {
	for _, x := range p.Versions {
		if x.Version == v {
			return x, true
		}
	}
	return TLSVersionProbe{}, false
}

// Accepted lists the versions the server accepted, oldest first.
func (p EndpointProbe) Accepted() []string {
	var out []string
	for _, x := range p.Versions {
		if x.Status == ProbeAccepted {
			out = append(out, x.Version)
		}
	}
	return out
}

// StartTLSProbe is the STARTTLS (POP3: STLS) upgrade of a plain endpoint.
type StartTLSProbe struct {
	// Offered: the capability was advertised (IMAP CAPABILITY STARTTLS,
	// POP3 CAPA STLS, SMTP EHLO STARTTLS) before TLS.
	Offered bool `json:"offered"`
	// Works: the command was accepted and a TLS handshake followed.
	Works bool `json:"works"`
	// Error says what went wrong when it was offered and did not work.
	Error string `json:"error,omitempty"`
}

// TLSVersionProbe is the outcome of offering exactly one version.
type TLSVersionProbe struct {
	Version string `json:"version"` // SSL3, 1.0, 1.1, 1.2, 1.3
	Status  string `json:"status"`  // accepted, refused, error
	// CipherSuite is the suite the server chose (IANA name) when accepted.
	CipherSuite string `json:"cipherSuite,omitempty"`
	// Handshake is true when a full handshake completed (Go's crypto/tls);
	// false when acceptance is known from the ServerHello only (SSL 3.0,
	// and suites Go does not implement).
	Handshake bool `json:"handshake,omitempty"`
	// Error is the alert or network error (refused and error).
	Error string `json:"error,omitempty"`
}

// TLSSession is a negotiated version and suite.
type TLSSession struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipherSuite"`
}

// CipherAccept is one legacy suite the server accepted.
type CipherAccept struct {
	// Name is the IANA name ("TLS_RSA_WITH_RC4_128_SHA").
	Name string `json:"name"`
	// ID is the suite's code point.
	ID uint16 `json:"id"`
	// Versions are the versions it was accepted with, oldest first.
	Versions []string `json:"versions"`
}

// Certificate trust outcomes (CertificateInfo.Trust).
const (
	TrustOK        = "trusted"   // chains to a root the prober trusts
	TrustUntrusted = "untrusted" // does not (TrustError says why)
	TrustUnchecked = "unchecked" // no roots to check against
)

// CertificateInfo is the server's leaf certificate.
type CertificateInfo struct {
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// SignatureAlgorithm is crypto/x509's name of the issuer's signature:
	// "SHA256-RSA", "SHA1-RSA", "ECDSA-SHA256", "SHA256-RSAPSS", ...
	SignatureAlgorithm string `json:"signatureAlgorithm"`
	// PublicKey is the leaf's key: "RSA 2048", "ECDSA P-256".
	PublicKey string    `json:"publicKey,omitempty"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	// DNSNames are the subject alternative names (or the common name when
	// there are none).
	DNSNames []string `json:"dnsNames,omitempty"`
	// NameMatches: the probed host name is covered by DNSNames.
	NameMatches bool `json:"nameMatches"`
	// SelfSigned: issuer and subject are the same (and, where it can be
	// checked, the certificate's own key signed it).
	SelfSigned bool `json:"selfSigned"`
	// WeakChain names certificates above the leaf that the server sent
	// and that are signed with SHA-1 or MD5 ("CN=Old CA (SHA1-RSA)").
	WeakChain []string `json:"weakChain,omitempty"`
	// Trust is trusted, untrusted or unchecked; judged ignoring validity
	// dates and the host name (they have their own fields).
	Trust      string `json:"trust"`
	TrustError string `json:"trustError,omitempty"`
	// SHA256 is the fingerprint of the leaf, hex.
	SHA256 string `json:"sha256,omitempty"`
}

// WeakSignature reports whether the leaf is signed with SHA-1 or MD5.
func (c CertificateInfo) WeakSignature() bool { return WeakSignatureAlgorithm(c.SignatureAlgorithm) }

// WeakSignatureAlgorithm reports whether an x509 signature algorithm name
// uses SHA-1, MD5 or MD2.
func WeakSignatureAlgorithm(alg string) bool {
	a := strings.ToUpper(alg)
	return strings.Contains(a, "SHA1") || strings.Contains(a, "MD5") || strings.Contains(a, "MD2")
}

// AuthProbe is what an endpoint advertised about signing in.
//
// Basic* list the password mechanisms offered, as the protocol spells
// them: IMAP "LOGIN" (the LOGIN command, available unless the server
// says LOGINDISABLED) and "AUTH=PLAIN"/"AUTH=LOGIN"; POP3 "USER" and
// "SASL PLAIN"/"SASL LOGIN"; SMTP "AUTH PLAIN"/"AUTH LOGIN"; HTTP
// "Basic" (with the path, "Basic on /EWS/Exchange.asmx").
type AuthProbe struct {
	// Read is true when the protocol dialogue got as far as the
	// capabilities (or, for https, at least one path answered).
	Read bool `json:"read"`
	// Error says what went wrong in the dialogue.
	Error string `json:"error,omitempty"`
	// CapabilitiesPlain are the capabilities before TLS (plain
	// protocols): IMAP CAPABILITY atoms, POP3 CAPA lines, SMTP EHLO lines.
	CapabilitiesPlain []string `json:"capabilitiesPlain,omitempty"`
	// CapabilitiesTLS are the capabilities on the encrypted channel.
	CapabilitiesTLS []string `json:"capabilitiesTls,omitempty"`
	// BasicPlain are the password mechanisms offered before TLS: a
	// password could cross the network in clear text.
	BasicPlain []string `json:"basicPlain,omitempty"`
	// BasicTLS are the password mechanisms offered on the encrypted
	// channel.
	BasicTLS []string `json:"basicTls,omitempty"`
	// HTTP holds one entry per path asked (https only).
	HTTP []HTTPAuthProbe `json:"http,omitempty"`
}

// HTTPAuthProbe is an unauthenticated GET of one path.
type HTTPAuthProbe struct {
	Path   string `json:"path"`
	Status int    `json:"status,omitempty"`
	// Authenticate are the WWW-Authenticate header values.
	Authenticate []string `json:"authenticate,omitempty"`
	// Schemes are their scheme names ("Basic", "Bearer", "Negotiate").
	Schemes []string `json:"schemes,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Endpoint returns the probe of host:port, if there is one.
func (s *Snapshot) Endpoint(host string, port int) (EndpointProbe, bool) {
	for _, p := range s.Endpoints {
		if strings.EqualFold(p.Host, host) && p.Port == port {
			return p, true
		}
	}
	return EndpointProbe{}, false
}
