package assess

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// The client-server encryption half of the Exchange security checklist
// (seed 2, "Client-server encryption"), judged from the endpoint probes
// (clients/probe): TLS versions, cipher suites, certificates, STARTTLS on
// the plain-text mail ports, and whether password ("basic") sign-in is
// advertised. Each is one finding over all probed endpoints, with
// evidence per endpoint ("host:port (protocol): ...").
//
// Outcomes per endpoint, then for the finding:
//   - A probe.* source that failed (the endpoint could not be reached, or
//     did not speak its protocol) makes that endpoint "error", never
//     "secure"; so does a part of the probe that timed out.
//   - An endpoint a check does not apply to (TLS-STARTTLS on an implicit
//     TLS port; the TLS checks on a plain port that offers no STARTTLS,
//     which TLS-STARTTLS fails) is left out, and named in the evidence.
//   - The finding takes the worst endpoint: fail, error, warn, info, pass.
//     Affected counts the endpoints that are not fine (fail, error, warn).
//   - No probe data at all (Snapshot.Endpoints empty and no probe.*
//     source): "info", not probed. Probes are opt-in for real
//     organisations (--probe) and always on for scenarios.
//   - Endpoints Microsoft runs (outlook.office365.com, smtp.office365.com,
//     ...) are judged like any other (what they accept is what clients
//     get), but a version or suite finding there says that the
//     organisation cannot change it. A bad certificate there means someone
//     is in the middle.
//
// Severities:
//   - TLS-VERSIONS medium: SSL 3.0, TLS 1.0 and 1.1 allow downgrade and
//     padding-oracle attacks (POODLE, BEAST) that need an attacker on the
//     path; Microsoft retired them in Exchange Online.
//   - TLS-CIPHERS medium: the same attacker model (RC4 biases, Sweet32,
//     export downgrades such as FREAK and Logjam).
//   - TLS-CERT medium: an expired, mismatched, self-signed or SHA-1
//     certificate teaches users to click through warnings, which is what
//     an interception needs.
//   - TLS-STARTTLS high: a plain mail port without a working STARTTLS
//     carries mail and passwords in clear text to anyone who can listen,
//     no active attack needed.
//   - AUTH-ADVERTISED medium: it is the outside view of basic auth; a
//     password mechanism offered before TLS is a fail (clear text), one
//     offered on TLS a warn (the tenant's authentication policies, judged
//     by EXO-BASIC-AUTH-POLICY and EXO-SMTP-AUTH, decide whether it works).

// Check IDs of the endpoint checks (CONTRACT.md, "Stable check IDs").
const (
	IDTLSVersions    = "TLS-VERSIONS"
	IDTLSCiphers     = "TLS-CIPHERS"
	IDTLSCert        = "TLS-CERT"
	IDTLSStartTLS    = "TLS-STARTTLS"
	IDAuthAdvertised = "AUTH-ADVERTISED"
)

// certWarnDays is how close to expiry (from asOf) a certificate is a warn.
const certWarnDays = 30

// tlsChecks are the endpoint checks, in report order, appended to the
// catalog after the mail DNS checks.
func tlsChecks() []entry {
	return []entry{
		{Check{IDTLSVersions, "", Medium, "Mail endpoints accept only TLS 1.2 and 1.3"}, checkTLSVersions},
		{Check{IDTLSCiphers, "", Medium, "Mail endpoints accept no weak cipher suites"}, checkTLSCiphers},
		{Check{IDTLSCert, "", Medium, "Mail endpoint certificates are SHA-2 signed, valid, trusted and match the host name"}, checkTLSCert},
		{Check{IDTLSStartTLS, "", High, "Plain-text mail ports offer a working STARTTLS"}, checkTLSStartTLS},
		{Check{IDAuthAdvertised, "", Medium, "Mail endpoints advertise no password sign-in, and never before TLS"}, checkAuthAdvertised},
	}
}

// statusNA marks an endpoint a check does not apply to.
const statusNA = "n/a"

// epVerdict is one endpoint's outcome for one check.
type epVerdict struct {
	status string
	says   string   // a clause for the detail
	lines  []string // evidence, without the endpoint
}

// probed is one endpoint as the checks see it: its probe, or the failed
// source that stands for it.
type probed struct {
	addr  string // host:port (protocol)
	ep    *tenant.EndpointProbe
	st    tenant.SourceStatus
	hasSt bool
}

// probesCollected reports whether any endpoint was probed.
func (e *env) probesCollected() bool {
	if len(e.s.Endpoints) > 0 {
		return true
	}
	for _, st := range e.s.Collection {
		if st.Service == "probe" || strings.HasPrefix(st.ID, "probe.") {
			return true
		}
	}
	return false
}

// endpoints lists the probed endpoints: those with data, in the
// snapshot's order, then those whose probe failed.
func (e *env) endpoints() []probed {
	var out []probed
	seen := map[string]bool{}
	for i := range e.s.Endpoints {
		ep := &e.s.Endpoints[i]
		id := "probe." + ep.Addr()
		st, has := e.s.Status(id)
		seen[strings.ToLower(id)] = true
		out = append(out, probed{addr: ep.Addr() + " (" + ep.Protocol + ")", ep: ep, st: st, hasSt: has})
	}
	for _, st := range e.s.Collection {
		if !strings.HasPrefix(st.ID, "probe.") || seen[strings.ToLower(st.ID)] {
			continue
		}
		out = append(out, probed{addr: strings.TrimPrefix(st.ID, "probe."), st: st, hasSt: true})
	}
	return out
}

// endpointFinding judges every probed endpoint and aggregates. what names
// the subject for "not probed"; fix is the advice for fail and warn.
func (e *env) endpointFinding(what string, judge func(ep tenant.EndpointProbe) epVerdict, fix string, notes ...string) Finding {
	s := e.s
	if len(s.Collection) == 0 && len(s.Endpoints) == 0 {
		return Finding{Status: Error, Detail: "Cannot be judged: nothing was collected (the snapshot records no source), so " + what + " was not probed."}
	}
	if !e.probesCollected() {
		return Finding{Status: Info, Evidence: []string{"probe: not run"},
			Detail: "Not probed: this snapshot has no endpoint probes, so " + what + " of the mail endpoints was not looked at. " +
				"For a real organisation the probes are opt-in (--probe): they connect to Exchange Online's public endpoints and any host given, " +
				"as a mail client would, without signing in. For scenarios they always run."}
	}
	type result struct {
		addr string
		v    epVerdict
	}
	var results []result
	for _, p := range e.endpoints() {
		var v epVerdict
		switch {
		case p.hasSt && p.st.State != tenant.StateOK:
			v = epVerdict{status: Error, says: "it could not be probed (" + oneLine(p.st.Error) + ")" + fixSuffix(p.st.Fix),
				lines: sourceEvidence([]tenant.SourceStatus{p.st})}
		case p.ep == nil:
			v = epVerdict{status: Error, says: "it was not probed", lines: []string{"not probed"}}
		default:
			v = judge(*p.ep)
		}
		results = append(results, result{p.addr, v})
	}
	status := ""
	byStatus := map[string][]string{}
	var ev, na []string
	affected := 0
	for _, r := range results {
		if r.v.status == statusNA {
			na = append(na, r.addr)
			if r.v.says != "" {
				ev = append(ev, r.addr+": not applicable, "+r.v.says)
			}
			continue
		}
		if status == "" || statusRank[r.v.status] < statusRank[status] {
			status = r.v.status
		}
		if r.v.status == Fail || r.v.status == Warn || r.v.status == Error {
			affected++
		}
		byStatus[r.v.status] = append(byStatus[r.v.status], r.addr+": "+r.v.says)
		for _, l := range r.v.lines {
			ev = append(ev, r.addr+": "+l)
		}
	}
	if status == "" {
		return Finding{Status: Info, Evidence: capped(ev, 60),
			Detail: "Not applicable to any probed endpoint (" + list(na, 6) + "): " + what + " has nothing to judge there. " + strings.Join(notes, " ")}
	}
	parts := statusParts(status, byStatus)
	if len(na) > 0 {
		parts = append(parts, "Not applicable: "+list(na, 6)+".")
	}
	if (status == Fail || status == Warn) && fix != "" {
		parts = append(parts, fix)
	}
	parts = append(parts, notes...)
	return Finding{Status: status, Detail: strings.Join(parts, " "), Evidence: capped(ev, 60), Affected: affected}
}

// microsoftRun reports whether Microsoft runs the host (Exchange Online's
// shared endpoints, worldwide and sovereign clouds).
func microsoftRun(host string) bool {
	h := tenant.NormalizeDomain(host)
	for _, suf := range []string{"office365.com", "outlook.com", "office.com", "microsoft.com", "office365.us", "outlook.cn", "partner.outlook.cn"} {
		if h == suf || strings.HasSuffix(h, "."+suf) {
			return true
		}
	}
	return false
}

// microsoftNote adds, to a fail or warn on an endpoint Microsoft runs,
// that the organisation cannot reconfigure it.
func microsoftNote(ep tenant.EndpointProbe, v epVerdict) epVerdict {
	if (v.status == Fail || v.status == Warn) && microsoftRun(ep.Host) {
		v.says += " (Microsoft runs this endpoint: the organisation cannot change it, only keep its own clients on TLS 1.2 or later and watch Microsoft's retirement dates)"
	}
	return v
}

// plainOnly: a plain-text endpoint without STARTTLS has no TLS to judge.
func plainOnly(ep tenant.EndpointProbe) (epVerdict, bool) {
	if ep.StartTLS != nil && !ep.StartTLS.Offered {
		return epVerdict{status: statusNA, says: "plain text only, no STARTTLS (see TLS-STARTTLS)"}, true
	}
	return epVerdict{}, false
}

func versionLine(r tenant.TLSVersionProbe) string {
	s := tenant.VersionName(r.Version) + ": " + r.Status
	switch {
	case r.Status == tenant.ProbeAccepted && r.CipherSuite != "":
		s += " (" + r.CipherSuite
		if !r.Handshake {
			s += "; ServerHello only"
		}
		s += ")"
	case r.Error != "":
		s += " (" + oneLine(r.Error) + ")"
	}
	return s
}

// --- TLS-VERSIONS

func checkTLSVersions(e *env) Finding {
	return e.endpointFinding("the TLS versions", judgeTLSVersions,
		"To fix, turn SSL 3.0, TLS 1.0 and TLS 1.1 off on each server (Exchange Server: the SCHANNEL protocol settings of Microsoft's Exchange Server TLS guidance, then a restart) "+
			"or on the load balancer or reverse proxy in front of it, and check again after every Exchange update.",
		"The 2017 checklist advised keeping TLS 1.0 on Exchange servers for old clients; today's guidance is to turn TLS 1.0 and 1.1 off, and Exchange Online itself retired them for its clients. "+
			"Reportedly Exchange Online also blocks TLS 1.0 and 1.1 on POP and IMAP from July 2026 (unconfirmed, a secondary source; reference §3).",
		"SSL 3.0 is tested with a hand-written ClientHello, because Go's TLS library has no SSL 3.0: a ServerHello for it counts as accepted (the simulator plays SSL 3.0 the same way, at the ServerHello only).")
}

func judgeTLSVersions(ep tenant.EndpointProbe) epVerdict {
	if v, ok := plainOnly(ep); ok {
		return v
	}
	if len(ep.Versions) == 0 {
		return epVerdict{status: Error, says: "its TLS versions were not probed", lines: []string{"versions: not probed"}}
	}
	var lines, old, unknown, good []string
	for _, r := range ep.Versions {
		lines = append(lines, versionLine(r))
		legacy := r.Version == tenant.SSL30 || r.Version == tenant.TLS10 || r.Version == tenant.TLS11
		switch {
		case r.Status == tenant.ProbeAccepted && legacy:
			old = append(old, tenant.VersionName(r.Version))
		case r.Status == tenant.ProbeAccepted:
			good = append(good, tenant.VersionName(r.Version))
		case r.Status == tenant.ProbeError && legacy:
			unknown = append(unknown, tenant.VersionName(r.Version))
		}
	}
	switch {
	case len(old) > 0:
		return microsoftNote(ep, epVerdict{status: Fail, says: "accepts " + list(old, 0), lines: lines})
	case len(unknown) > 0:
		return epVerdict{status: Error, says: "whether it accepts " + list(unknown, 0) + " could not be told (no answer)", lines: lines}
	case len(good) == 0:
		return epVerdict{status: Error, says: "no TLS version could be negotiated at all", lines: lines}
	}
	says := "accepts only " + list(good, 0)
	if !slices.Contains(good, tenant.VersionName(tenant.TLS13)) {
		says += " (no TLS 1.3 yet)"
	}
	return epVerdict{status: Pass, says: says, lines: lines}
}

// --- TLS-CIPHERS

// suiteClass names what makes a legacy suite weak; broken suites fail,
// the others (CBC with SHA-1, static RSA key exchange) warn.
func suiteClass(name string) (class string, broken bool) {
	n := strings.ToUpper(name)
	switch {
	case strings.Contains(n, "_NULL_"):
		return "NULL (no encryption)", true
	case strings.Contains(n, "EXPORT"):
		return "export-grade", true
	case strings.Contains(n, "_ANON_"):
		return "anonymous (no server authentication)", true
	case strings.Contains(n, "RC4"):
		return "RC4", true
	case strings.Contains(n, "3DES"):
		return "3DES (Sweet32)", true
	case strings.Contains(n, "_DES_") || strings.Contains(n, "DES40"):
		return "single DES", true
	case strings.Contains(n, "RC2") || strings.Contains(n, "IDEA"):
		return "obsolete cipher", true
	case strings.HasSuffix(n, "_MD5"):
		return "MD5 MAC", true
	case strings.HasSuffix(n, "_CBC_SHA"):
		return "CBC with a SHA-1 MAC", false
	case strings.HasPrefix(n, "TLS_RSA_WITH_"):
		return "static RSA key exchange (no forward secrecy)", false
	}
	return "", false
}

func checkTLSCiphers(e *env) Finding {
	return e.endpointFinding("the cipher suites", judgeTLSCiphers,
		"To fix, remove NULL, export, anonymous, RC4, DES and 3DES suites outright, then the CBC suites with a SHA-1 MAC and the static-RSA ones, "+
			"keeping ECDHE with AES-GCM (or ChaCha20) first in the order (Exchange Server: the cipher-suite settings of Microsoft's Exchange Server TLS guidance; a load balancer's TLS profile), "+
			"and check again after every Exchange update.",
		"The legacy suites are offered in hand-written ClientHellos at each accepted version up to TLS 1.2 (TLS 1.3 has only strong suites), taking out each one the server picks until it refuses the rest; "+
			"Go cannot speak most of them, so a ServerHello choosing one counts as accepted.")
}

func judgeTLSCiphers(ep tenant.EndpointProbe) epVerdict {
	if v, ok := plainOnly(ep); ok {
		return v
	}
	if len(ep.Versions) == 0 {
		return epVerdict{status: Error, says: "its cipher suites were not probed", lines: []string{"cipher suites: not probed"}}
	}
	legacyVersion := false
	for _, v := range ep.Accepted() {
		legacyVersion = legacyVersion || v != tenant.TLS13
	}
	var lines, broken, legacy []string
	for _, c := range ep.WeakCiphers {
		class, bad := suiteClass(c.Name)
		if class == "" {
			class = "legacy"
		}
		lines = append(lines, fmt.Sprintf("accepts %s (%s) with %s", c.Name, class, versionList(c.Versions)))
		if bad {
			broken = append(broken, c.Name+" ("+class+")")
		} else {
			legacy = append(legacy, c.Name+" ("+class+")")
		}
	}
	if ep.Negotiated != nil {
		lines = append(lines, "a client offering everything gets "+tenant.VersionName(ep.Negotiated.Version)+" with "+ep.Negotiated.CipherSuite)
	}
	if ep.CipherError != "" {
		lines = append(lines, "the suite probe did not finish: "+oneLine(ep.CipherError))
	}
	switch {
	case len(broken) > 0:
		return microsoftNote(ep, epVerdict{status: Fail, says: "accepts " + list(broken, 4), lines: lines})
	case ep.CipherError != "":
		return epVerdict{status: Error, says: "the suite probe did not finish (" + oneLine(ep.CipherError) + ")", lines: lines}
	case len(legacy) > 0:
		return microsoftNote(ep, epVerdict{status: Warn, says: "accepts " + list(legacy, 4), lines: lines})
	case !legacyVersion && len(ep.Accepted()) > 0:
		return epVerdict{status: Pass, says: "TLS 1.3 only, whose suites are all strong", lines: lines}
	case len(ep.Accepted()) == 0:
		return epVerdict{status: Error, says: "no TLS version could be negotiated, so no suite could be tried", lines: lines}
	}
	return epVerdict{status: Pass, says: "accepts no legacy suite", lines: lines}
}

func versionList(vs []string) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = tenant.VersionName(v)
	}
	return list(names, 0)
}

// --- TLS-CERT

func checkTLSCert(e *env) Finding {
	asOf := e.s.AsOf
	return e.endpointFinding("the certificate", func(ep tenant.EndpointProbe) epVerdict { return judgeTLSCert(ep, asOf) },
		"To fix, request a new certificate from a public certification authority, signed with SHA-256 or better, naming every host clients use "+
			"(mail, autodiscover, the load balancer's name), and renew it well before it expires; on Exchange Server, assign it to IMAP, POP, SMTP and IIS "+
			"and check again after every Exchange update. A certificate problem on an endpoint Microsoft runs means something is intercepting the connection.")
}

func judgeTLSCert(ep tenant.EndpointProbe, asOf time.Time) epVerdict {
	if v, ok := plainOnly(ep); ok {
		return v
	}
	c := ep.Certificate
	if c == nil {
		why := "no handshake completed"
		for _, n := range ep.Notes {
			why = n
		}
		return epVerdict{status: Error, says: "its certificate could not be read: " + oneLine(why), lines: []string{"certificate: not read"}}
	}
	if asOf.IsZero() {
		asOf = ep.ProbedAt
	}
	line := fmt.Sprintf("certificate %s, issued by %s, %s, %s, valid %s to %s, names %s, trust: %s",
		c.Subject, c.Issuer, c.SignatureAlgorithm, c.PublicKey, day(c.NotBefore), day(c.NotAfter), list(c.DNSNames, 6), c.Trust)
	if c.TrustError != "" {
		line += " (" + oneLine(c.TrustError) + ")"
	}
	lines := []string{line}
	var fails, warns []string
	if c.WeakSignature() {
		fails = append(fails, "signed with "+c.SignatureAlgorithm+" (SHA-1 and MD5 signatures can be forged; browsers and mail clients reject them)")
	}
	if len(c.WeakChain) > 0 {
		fails = append(fails, "its chain has SHA-1 signed certificates: "+list(c.WeakChain, 3))
	}
	left := c.NotAfter.Sub(asOf)
	switch {
	case !c.NotAfter.After(asOf):
		fails = append(fails, "expired on "+day(c.NotAfter))
	case c.NotBefore.After(asOf):
		fails = append(fails, "not valid until "+day(c.NotBefore))
	case left < certWarnDays*24*time.Hour:
		warns = append(warns, fmt.Sprintf("expires on %s, %s after %s", day(c.NotAfter), plural(int(left.Hours()/24), "day", "days"), day(asOf)))
	}
	if !c.NameMatches {
		fails = append(fails, "does not name "+ep.Host+" (it names "+list(c.DNSNames, 4)+")")
	}
	if c.SelfSigned {
		fails = append(fails, "self-signed: clients trust it only if told to")
	} else if c.Trust == tenant.TrustUntrusted && !(c.WeakSignature() && strings.Contains(c.TrustError, "insecure algorithm")) {
		warns = append(warns, "does not chain to a trusted root ("+oneLine(c.TrustError)+")")
	}
	switch {
	case len(fails) > 0:
		return epVerdict{status: Fail, says: "its certificate is " + strings.Join(append(fails, warns...), "; "), lines: lines}
	case len(warns) > 0:
		return epVerdict{status: Warn, says: "its certificate " + strings.Join(warns, "; "), lines: lines}
	}
	says := fmt.Sprintf("%s, valid until %s, names the host", c.SignatureAlgorithm, day(c.NotAfter))
	if c.Trust == tenant.TrustOK {
		says += ", trusted"
	} else {
		says += ", trust not checked"
	}
	return epVerdict{status: Pass, says: says, lines: lines}
}

// --- TLS-STARTTLS

func checkTLSStartTLS(e *env) Finding {
	return e.endpointFinding("STARTTLS", judgeStartTLS,
		"To fix, turn STARTTLS on for the port (Exchange Server: a certificate assigned to IMAP, POP or SMTP, and the receive connector's TLS setting), "+
			"or close the plain-text port and let clients use the implicit TLS one (IMAP 993, POP 995).",
		"Implicit TLS ports (IMAP 993, POP 995, SMTP 465, HTTPS 443) need no STARTTLS.")
}

func judgeStartTLS(ep tenant.EndpointProbe) epVerdict {
	if ep.ImplicitTLS() {
		return epVerdict{status: statusNA}
	}
	st := ep.StartTLS
	lines := []string{}
	if len(ep.Auth.CapabilitiesPlain) > 0 {
		lines = append(lines, "before TLS it advertises: "+strings.Join(ep.Auth.CapabilitiesPlain, " | "))
	}
	switch {
	case st == nil:
		return epVerdict{status: Error, says: "STARTTLS was not probed", lines: append(lines, "STARTTLS: not probed")}
	case !st.Offered:
		return epVerdict{status: Fail, says: "offers no STARTTLS: mail and passwords cross the network in clear text", lines: append(lines, "STARTTLS: not offered")}
	case st.Works:
		s := "STARTTLS offered and working"
		if ep.Negotiated != nil {
			s += " (" + tenant.VersionName(ep.Negotiated.Version) + ")"
		}
		return epVerdict{status: Pass, says: s, lines: append(lines, "STARTTLS: offered, works")}
	case strings.Contains(st.Error, "timeout"):
		return epVerdict{status: Error, says: "STARTTLS is offered but the upgrade timed out (" + oneLine(st.Error) + ")", lines: append(lines, "STARTTLS: offered, "+oneLine(st.Error))}
	}
	return epVerdict{status: Fail, says: "offers STARTTLS but the upgrade fails (" + oneLine(st.Error) + "): clients that insist fail, the others fall back to clear text",
		lines: append(lines, "STARTTLS: offered, fails: "+oneLine(st.Error))}
}

// --- AUTH-ADVERTISED

func checkAuthAdvertised(e *env) Finding {
	return e.endpointFinding("the sign-in advertisement", judgeAuthAdvertised,
		"To fix, never offer a password mechanism before TLS (IMAP: LOGINDISABLED until STARTTLS; POP: no USER before STLS; SMTP: AUTH only after STARTTLS), "+
			"and where modern auth is in use, stop offering passwords at all (Exchange Server: the virtual directories' and connectors' authentication methods; "+
			"Exchange Online: authentication policies without basic auth, SMTP AUTH off, POP and IMAP off where not needed).",
		"An advertisement is not an acceptance: Exchange Online advertises AUTH=PLAIN and USER on its shared endpoints whatever a tenant allows; "+
			"whether a password works there is judged by EXO-BASIC-AUTH-POLICY, EXO-SMTP-AUTH and EXO-LEGACY-PROTOCOLS. Nothing was signed in to.")
}

func judgeAuthAdvertised(ep tenant.EndpointProbe) epVerdict {
	a := ep.Auth
	var lines []string
	if len(a.CapabilitiesPlain) > 0 {
		lines = append(lines, "before TLS: "+strings.Join(a.CapabilitiesPlain, " | "))
	}
	if len(a.CapabilitiesTLS) > 0 {
		lines = append(lines, "on TLS: "+strings.Join(a.CapabilitiesTLS, " | "))
	}
	for _, h := range a.HTTP {
		switch {
		case h.Error != "":
			lines = append(lines, fmt.Sprintf("GET %s: %s", h.Path, oneLine(h.Error)))
		case len(h.Authenticate) > 0:
			lines = append(lines, fmt.Sprintf("GET %s: %d, WWW-Authenticate: %s", h.Path, h.Status, strings.Join(h.Authenticate, " | ")))
		default:
			lines = append(lines, fmt.Sprintf("GET %s: %d, no WWW-Authenticate", h.Path, h.Status))
		}
	}
	switch {
	case len(a.BasicPlain) > 0:
		where := "before TLS"
		if ep.StartTLS != nil && !ep.StartTLS.Offered {
			where = "on a port without TLS"
		}
		return epVerdict{status: Fail, says: "advertises password sign-in " + where + " (" + strings.Join(a.BasicPlain, ", ") + "): a password can cross the network in clear text", lines: lines}
	case !a.Read:
		why := a.Error
		if why == "" {
			why = "the capabilities were not read"
		}
		return epVerdict{status: Error, says: "what it advertises could not be read (" + oneLine(why) + ")", lines: lines}
	case len(a.BasicTLS) > 0:
		says := "advertises password sign-in on TLS (" + strings.Join(a.BasicTLS, ", ") + ")"
		if microsoftRun(ep.Host) {
			says += ", as Microsoft's shared endpoint does for every tenant"
		}
		return epVerdict{status: Warn, says: says, lines: lines}
	case a.Error != "":
		return epVerdict{status: Error, says: "only part of what it advertises could be read (" + oneLine(a.Error) + ")", lines: lines}
	}
	return epVerdict{status: Pass, says: "advertises no password sign-in", lines: lines}
}
