package assess

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// The mail-DNS half of the Exchange security checklist (seed 2, "Mail
// flow"): SPF, DKIM, DMARC, MTA-STS, TLS-RPT and MX, each one finding over
// all mail domains, with evidence per domain.
//
// Which domains: the mail domains, i.e. verified domains that serve Email
// (tenant.IsMailDomain), without the initial *.onmicrosoft.com domain:
// Microsoft runs that zone (its SPF, MX and DKIM are Microsoft's and cannot
// be changed), so judging it would only produce noise. DNS-DMARC says so
// in its detail, because a DMARC record is the one thing the organisation
// can add for it (Microsoft 365 admin center). Domains that DNS was
// collected for but Graph did not list (given by hand) are judged too.
//
// Outcomes per domain, then for the finding:
//   - A lookup that failed (SERVFAIL, REFUSED, timeout: tenant.DNSError)
//     makes that domain "error" for the checks that need the record,
//     never "fail": the record may well be there.
//   - NXDOMAIN or NODATA is "absent" and judged as missing.
//   - The finding takes the worst domain, in the order fail, error, warn,
//     info, pass: a definite problem on one domain outranks not knowing
//     about another (whose error stays in the detail and evidence).
//   - Affected counts the domains that are not fine (fail, error, warn).
//   - DNS never collected (Snapshot.DNS empty and no dns.* source): "info",
//     not checked (e.g. a snapshot from a run without DNS lookups). A dns.*
//     source that failed: "error" for its domain. Nothing collected at all
//     (no source status): "error", as every other check.
//
// Severities:
//   - DNS-SPF, DNS-DKIM, DNS-DMARC medium: together they decide whether
//     anyone can send mail as the organisation's domains (direct-domain
//     spoofing, the usual start of invoice fraud and phishing).
//   - DNS-MTA-STS low: it protects mail *to* the organisation against TLS
//     downgrade on the way, which needs an attacker on the path.
//   - DNS-TLS-RPT low: reporting only; it shows failed TLS deliveries.
//   - DNS-MX low: an MX elsewhere is usually a deliberate gateway; it is
//     reported so that the gateway and connector set-up get looked at.

// Check IDs of the mail DNS checks (CONTRACT.md, "Stable check IDs").
const (
	IDDNSSPF    = "DNS-SPF"
	IDDNSDKIM   = "DNS-DKIM"
	IDDNSDMARC  = "DNS-DMARC"
	IDDNSMTASTS = "DNS-MTA-STS"
	IDDNSTLSRPT = "DNS-TLS-RPT"
	IDDNSMX     = "DNS-MX"
)

// exoSPF is the SPF record Exchange Online's outbound servers are in.
const exoSPF = "spf.protection.outlook.com"

// spfLimit is RFC 7208's limit on DNS-querying terms.
const spfLimit = 10

// exoMXSuffixes end the MX host names of Exchange Online (worldwide,
// GCC High/DoD, operated by 21Vianet).
var exoMXSuffixes = []string{".mail.protection.outlook.com", ".mail.protection.office365.us", ".mail.protection.partner.outlook.cn"}

// dnsChecks are the mail DNS checks, in report order, appended to the
// catalog after the extras.
func dnsChecks() []entry {
	return []entry{
		{Check{IDDNSSPF, "", Medium, "Every mail domain has one SPF record that covers Exchange Online and ends in -all or ~all"}, checkDNSSPF},
		{Check{IDDNSDKIM, "", Medium, "Every mail domain publishes the DKIM selector CNAMEs of Exchange Online"}, checkDNSDKIM},
		{Check{IDDNSDMARC, "", Medium, "Every mail domain publishes a DMARC policy that quarantines or rejects, with reports"}, checkDNSDMARC},
		{Check{IDDNSMTASTS, "", Low, "Every mail domain publishes MTA-STS"}, checkDNSMTASTS},
		{Check{IDDNSTLSRPT, "", Low, "Every mail domain publishes a TLS-RPT reporting address"}, checkDNSTLSRPT},
		{Check{IDDNSMX, "", Low, "Every mail domain's MX points at Exchange Online"}, checkDNSMX},
	}
}

// dnsVerdict is one domain's outcome for one check.
type dnsVerdict struct {
	status string
	says   string   // a clause for the detail: "p=none (monitoring only)"
	lines  []string // evidence, without the domain
	// lookupFailed marks an error that came from DNS itself (SERVFAIL,
	// REFUSED, timeout), as opposed to data that is not there.
	lookupFailed bool
}

// statusRank orders per-domain outcomes, worst first.
var statusRank = map[string]int{Fail: 0, Error: 1, Warn: 2, Info: 3, Pass: 4}

// dnsFinding judges every mail domain with judge and aggregates.
// what names the subject for "not checked" ("SPF"); fix is the advice for
// fail and warn, added once.
func (e *env) dnsFinding(what string, judge func(m tenant.MailDomainDNS) dnsVerdict, fix string, notes ...string) Finding {
	s := e.s
	if len(s.Collection) == 0 && len(s.DNS) == 0 {
		return Finding{Status: Error, Detail: "Cannot be judged: nothing was collected (the snapshot records no source), so " + what + " was not looked up."}
	}
	if !e.dnsCollected() {
		return Finding{Status: Info, Evidence: []string{"dns: not collected"},
			Detail: "Not checked: this snapshot has no DNS data (no dns.* source), so " + what + " of the mail domains was not looked up. " +
				"Collect again with DNS lookups (the system resolver, or a DNS server given to harden365) to judge it."}
	}
	domains, graphNote := e.dnsDomains()
	if len(domains) == 0 {
		return Finding{Status: Info, Evidence: []string{},
			Detail: "There is no custom mail domain: mail uses only the initial *.onmicrosoft.com domain, whose DNS Microsoft runs. Nothing to judge." + graphNote}
	}
	type result struct {
		domain string
		v      dnsVerdict
	}
	var results []result
	for _, d := range domains {
		var v dnsVerdict
		st, hasSt := s.Status("dns." + d)
		m, ok := s.DNSOf(d)
		switch {
		case hasSt && st.State != tenant.StateOK:
			v = dnsVerdict{status: Error, says: "DNS could not be read (" + oneLine(st.Error) + ")" + fixSuffix(st.Fix),
				lines: sourceEvidence([]tenant.SourceStatus{st})}
		case !ok:
			v = dnsVerdict{status: Error, says: "its DNS was not looked up (no DNS data for it in the snapshot)", lines: []string{"dns." + d + ": not collected"}}
		default:
			v = judge(m)
		}
		results = append(results, result{d, v})
	}
	status := Pass
	byStatus := map[string][]string{}
	var ev []string
	affected := 0
	lookupFailed := false
	for _, r := range results {
		lookupFailed = lookupFailed || r.v.lookupFailed
		if statusRank[r.v.status] < statusRank[status] {
			status = r.v.status
		}
		if r.v.status == Fail || r.v.status == Warn || r.v.status == Error {
			affected++
		}
		byStatus[r.v.status] = append(byStatus[r.v.status], r.domain+": "+r.v.says)
		for _, l := range r.v.lines {
			ev = append(ev, r.domain+": "+l)
		}
	}
	parts := statusParts(status, byStatus)
	if lookupFailed {
		parts = append(parts, "A failed lookup (SERVFAIL, REFUSED, timeout) says nothing about the record: ask the resolver again, or the domain's own name servers, before concluding it is missing.")
	}
	if (status == Fail || status == Warn) && fix != "" {
		parts = append(parts, fix)
	}
	parts = append(parts, notes...)
	if graphNote != "" {
		parts = append(parts, strings.TrimSpace(graphNote))
	}
	return Finding{Status: status, Detail: strings.Join(parts, " "), Evidence: capped(ev, 60), Affected: affected}
}

func fixSuffix(fix string) string {
	if fix = strings.TrimSpace(fix); fix == "" {
		return ""
	}
	return "; to fix: " + fix
}

// dnsCollected reports whether DNS was looked up at all.
func (e *env) dnsCollected() bool {
	if len(e.s.DNS) > 0 {
		return true
	}
	for _, st := range e.s.Collection {
		if st.Service == "dns" || strings.HasPrefix(st.ID, "dns.") {
			return true
		}
	}
	return false
}

// dnsDomains lists the domains to judge: the mail domains Graph listed,
// then any other (non-Microsoft) domain DNS was collected for. The note
// says when Graph's list was not available.
func (e *env) dnsDomains() ([]string, string) {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		d = tenant.NormalizeDomain(d)
		if d != "" && !seen[d] && !tenant.MicrosoftManaged(d) {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, d := range e.s.MailDomains() {
		add(d)
	}
	for _, m := range e.s.DNS {
		add(m.Domain)
	}
	for _, st := range e.s.Collection {
		if d, ok := strings.CutPrefix(st.ID, "dns."); ok {
			add(d)
		}
	}
	note := ""
	if len(e.s.Domains) == 0 || (len(e.missing(srcDomains)) > 0 && hasStatus(e.s, srcDomains)) {
		note = " The organisation's domains (graph.domains) were not read, so only the domains DNS was collected for are judged."
	}
	return out, note
}

func hasStatus(s *tenant.Snapshot, id string) bool {
	_, ok := s.Status(id)
	return ok
}

// --- evidence helpers

// lookupLine renders a lookup: `_dmarc.contoso.com TXT: "v=DMARC1; p=none"`,
// `... TXT: absent (NXDOMAIN)`, `... TXT: error (SERVFAIL): SERVFAIL from ...`.
func lookupLine(l tenant.DNSLookup) string {
	head := l.Name + " " + l.Type + ": "
	var s string
	switch l.Status {
	case tenant.DNSFound:
		q := make([]string, len(l.Values))
		for i, v := range l.Values {
			q[i] = strconv.Quote(v)
		}
		s = head + strings.Join(q, " | ")
	case tenant.DNSError:
		s = head + l.Outcome()
		if l.Rcode != "" && l.Error != "" {
			s += ": " + l.Error
		}
	default:
		s = head + l.Outcome()
	}
	if len(l.Other) > 0 {
		s += fmt.Sprintf(" (other TXT there: %s)", quoteList(l.Other, 3))
	}
	return s
}

func quoteList(vs []string, max int) string {
	q := make([]string, 0, len(vs))
	for _, v := range vs {
		q = append(q, strconv.Quote(v))
	}
	return list(q, max)
}

func lookupError(what string, l tenant.DNSLookup) dnsVerdict {
	return dnsVerdict{status: Error, says: "the " + what + " lookup of " + l.Name + " failed: " + l.Outcome(), lines: []string{lookupLine(l)}, lookupFailed: true}
}

// notLooked is the verdict for a record missing from the data (a
// snapshot written by hand or by an older collector).
func notLooked(what string) dnsVerdict {
	return dnsVerdict{status: Error, says: what + " was not looked up", lines: []string{what + ": not looked up"}}
}

func looked(l tenant.DNSLookup) bool { return l.Status != "" }

// tags parses a "k=v; k=v" record (DMARC, MTA-STS, TLS-RPT): keys lower
// case, values trimmed; the first occurrence of a key wins.
func tags(record string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(record, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[k]; !dup && k != "" {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// uris splits a rua/ruf value into its URIs ("mailto:a@x,mailto:b@y!10m").
func uris(v string) []string {
	var out []string
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// --- SPF

func checkDNSSPF(e *env) Finding {
	return e.dnsFinding("SPF", judgeSPF,
		"To fix, publish exactly one TXT record at the domain, e.g. \"v=spf1 include:spf.protection.outlook.com -all\", listing every other service that sends as the domain; "+
			"merge two records into one, replace includes by ip4:/ip6: ranges (or drop unused ones) to stay within 10 DNS lookups, and end with -all (or ~all while DMARC is at p=none). "+
			"Each mail domain needs its own record (Microsoft 365 admin center → Settings → Domains → the domain → DNS records).")
}

func judgeSPF(m tenant.MailDomainDNS) dnsVerdict {
	l := m.SPF
	switch {
	case !looked(l):
		return notLooked("SPF (" + m.Domain + " TXT)")
	case l.Failed():
		return lookupError("SPF", l)
	case len(l.Values) == 0:
		return dnsVerdict{status: Fail, says: "no SPF record (" + absentWhy(l) + "): anyone can send as the domain without failing SPF", lines: []string{lookupLine(l)}}
	case len(l.Values) > 1:
		return dnsVerdict{status: Fail, says: fmt.Sprintf("%d SPF records: a permerror, receivers treat the domain's SPF as broken", len(l.Values)), lines: []string{lookupLine(l)}}
	}
	ev := m.SPFEval
	lines := []string{lookupLine(l)}
	if ev == nil {
		return dnsVerdict{status: Error, says: "the SPF record was not evaluated (its includes were not followed)", lines: lines}
	}
	count := strconv.Itoa(ev.Lookups)
	if ev.Capped {
		count = "more than " + count
	}
	chain := "no include or redirect"
	if len(ev.Targets) > 0 {
		chain = list(ev.Targets, 12)
	}
	lines = append(lines, fmt.Sprintf("SPF DNS lookups: %s of %d (%s)", count, spfLimit, chain))
	for _, p := range ev.Problems {
		lines = append(lines, "SPF permerror: "+p)
	}
	for _, x := range ev.Errors {
		lines = append(lines, "SPF include not resolved: "+lookupLine(x))
	}
	for _, n := range ev.Notes {
		lines = append(lines, "SPF note: "+n)
	}
	incomplete := len(ev.Errors) > 0
	var fails, unknown []string
	if len(ev.Problems) > 0 {
		fails = append(fails, "permerror ("+strings.Join(ev.Problems, "; ")+")")
	}
	switch {
	case ev.Lookups > spfLimit || (ev.Capped && len(ev.Problems) == 0):
		fails = append(fails, count+" DNS lookups, over the limit of 10 (a permerror: receivers treat SPF as broken)")
	case incomplete:
		unknown = append(unknown, fmt.Sprintf("%d DNS lookups counted, but %s could not be resolved, so the total is unknown", ev.Lookups, quoteNames(ev.Errors)))
	}
	if !ev.Reaches(exoSPF) {
		if incomplete {
			unknown = append(unknown, "whether it includes "+exoSPF+" (a target could not be resolved)")
		} else {
			fails = append(fails, "does not include "+exoSPF+": mail Exchange Online sends for the domain fails SPF")
		}
	}
	allWord := ev.All
	from := ""
	if ev.AllFrom != "" && ev.AllFrom != m.Domain {
		from = " (from " + ev.AllFrom + ")"
	}
	switch ev.All {
	case "-all":
		allWord = "ends in -all" + from + " (hard fail: unlisted senders fail)"
	case "~all":
		allWord = "ends in ~all" + from + " (soft fail: unlisted senders are marked, not refused; with DMARC at quarantine or reject that is enough, -all is stricter)"
	case "?all":
		fails = append(fails, "ends in ?all"+from+" (neutral: says nothing about unlisted senders)")
	case "+all":
		fails = append(fails, "ends in +all"+from+" (anyone may send as the domain)")
	default:
		if incomplete {
			unknown = append(unknown, "how it ends (the redirect target could not be resolved)")
		} else {
			fails = append(fails, "has no all term (unlisted senders get neutral, as with ?all)")
		}
	}
	switch {
	case len(fails) > 0:
		return dnsVerdict{status: Fail, says: "SPF " + strings.Join(fails, "; "), lines: lines}
	case len(unknown) > 0:
		return dnsVerdict{status: Error, says: "SPF " + strings.Join(unknown, "; "), lines: lines, lookupFailed: true}
	}
	return dnsVerdict{status: Pass, says: fmt.Sprintf("one SPF record, includes %s, %s of 10 DNS lookups, %s", exoSPF, count, allWord), lines: lines}
}

func quoteNames(ls []tenant.DNSLookup) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name+" ("+l.Outcome()+")")
	}
	return list(out, 4)
}

// --- DKIM

// dkimNote says what DNS-DKIM cannot see.
const dkimNote = "The CNAMEs are only the DNS half of DKIM: whether Exchange Online signs with them (Get-DkimSigningConfig: Enabled = True, Status Valid) is not collected by this check, so it never passes on DNS alone. " +
	"Check it in Exchange Online PowerShell with Get-DkimSigningConfig | Format-Table Domain,Enabled,Status, or in the Defender portal (Email authentication settings → DKIM)."

func checkDNSDKIM(e *env) Finding {
	return e.dnsFinding("DKIM", judgeDKIM,
		"To fix, publish the two CNAMEs Exchange Online gives for the domain (Get-DkimSigningConfig -Identity <domain> | Format-List Selector1CNAME,Selector2CNAME; "+
			"selector1._domainkey.<domain> and selector2._domainkey.<domain>), then enable signing: Set-DkimSigningConfig -Identity <domain> -Enabled $true "+
			"(New-DkimSigningConfig -DomainName <domain> -Enabled $true when the domain has no configuration yet).",
		dkimNote)
}

// microsoftDKIM reports whether a selector CNAME target is a key Microsoft
// publishes: selectorN-<domain>._domainkey.<tenant>.onmicrosoft.com, or
// the newer ...._domainkey.<tenant>.<x>-v1.dkim.mail.microsoft.
func microsoftDKIM(target string) bool {
	t := tenant.NormalizeDomain(target)
	return strings.Contains(t, "._domainkey.") && (strings.HasSuffix(t, ".onmicrosoft.com") || strings.HasSuffix(t, ".dkim.mail.microsoft"))
}

func judgeDKIM(m tenant.MailDomainDNS) dnsVerdict {
	if len(m.DKIM) < 2 || !looked(m.DKIM[0]) || !looked(m.DKIM[1]) {
		return notLooked("the DKIM selector CNAMEs")
	}
	var lines, missing, failed, foreign []string
	for i, l := range m.DKIM {
		sel := fmt.Sprintf("selector%d", i+1)
		lines = append(lines, lookupLine(l))
		switch {
		case l.Failed():
			failed = append(failed, sel+" ("+l.Outcome()+")")
		case len(l.Values) == 0:
			missing = append(missing, sel)
		case !microsoftDKIM(l.Values[0]):
			foreign = append(foreign, sel+" → "+l.Values[0])
		}
	}
	switch {
	case len(missing) == 2:
		return dnsVerdict{status: Fail, says: "no DKIM selector CNAME: Exchange Online cannot sign as the domain (it signs as the onmicrosoft.com domain, which does not align for DMARC)", lines: lines}
	case len(missing) == 1:
		return dnsVerdict{status: Fail, says: "the " + missing[0] + " CNAME is missing: signing breaks when Exchange Online rotates to that key", lines: lines}
	case len(failed) > 0:
		return dnsVerdict{status: Error, says: "the DKIM lookup of " + list(failed, 2) + " failed", lines: lines, lookupFailed: true}
	case len(foreign) > 0:
		return dnsVerdict{status: Warn, says: "the selector CNAMEs do not point at Microsoft's keys (" + list(foreign, 2) + "): Exchange Online cannot sign with them", lines: lines}
	}
	return dnsVerdict{status: Info, says: "both selector CNAMEs point at Microsoft's keys (the DNS half is in place; signing itself not checked)", lines: lines}
}

// --- DMARC

func checkDNSDMARC(e *env) Finding {
	notes := []string{}
	if n := e.initialDomainNote(); n != "" {
		notes = append(notes, n)
	}
	return e.dnsFinding("DMARC", judgeDMARC,
		"To fix, publish one TXT record at _dmarc.<domain>, e.g. \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@<domain>\": start at p=none with rua= to see who sends as the domain, "+
			"then move to p=quarantine and p=reject at pct=100 once SPF and DKIM pass for every legitimate sender; set sp= no weaker than p.",
		notes...)
}

// initialDomainNote explains why the initial domain is not judged.
func (e *env) initialDomainNote() string {
	initial := e.s.Tenant.InitialDomain
	for _, d := range e.s.Domains {
		if d.IsInitial {
			initial = d.Name
		}
	}
	if initial == "" {
		return ""
	}
	n := "The initial domain " + initial + " is not judged: Microsoft runs its DNS (SPF, MX and DKIM are Microsoft's); if mail is sent from it, add a DMARC record for it in the Microsoft 365 admin center (Settings → Domains → " + initial + " → DNS records)."
	if m, ok := e.s.DNSOf(initial); ok && looked(m.DMARC) {
		n += " Its DMARC lookup: " + lookupLine(m.DMARC) + "."
	}
	return n
}

func judgeDMARC(m tenant.MailDomainDNS) dnsVerdict {
	l := m.DMARC
	if !looked(l) {
		return notLooked("DMARC (_dmarc." + m.Domain + " TXT)")
	}
	if l.Failed() {
		return lookupError("DMARC", l)
	}
	lines := []string{lookupLine(l)}
	inherited := false
	if len(l.Values) == 0 && m.DMARCOrg != nil {
		lines = append(lines, "organisational domain "+m.OrgDomain+": "+lookupLine(*m.DMARCOrg))
		if m.DMARCOrg.Failed() {
			return dnsVerdict{status: Error, says: "no DMARC record of its own, and the lookup of the organisational domain's (" + m.DMARCOrg.Name + ") failed: " + m.DMARCOrg.Outcome(), lines: lines, lookupFailed: true}
		}
		if len(m.DMARCOrg.Values) > 0 {
			l, inherited = *m.DMARCOrg, true
		}
	}
	switch {
	case len(l.Values) == 0:
		return dnsVerdict{status: Fail, says: "no DMARC record (" + absentWhy(l) + "): receivers apply no policy to mail that fails SPF and DKIM, and nobody gets reports", lines: lines}
	case len(l.Values) > 1:
		return dnsVerdict{status: Fail, says: fmt.Sprintf("%d DMARC records at %s: receivers ignore them all (RFC 7489 §6.6.3)", len(l.Values), l.Name), lines: lines}
	}
	t := tags(l.Values[0])
	policy := strings.ToLower(t["p"])
	which := "p"
	if inherited {
		which = "sp of " + m.OrgDomain
		if sp := strings.ToLower(t["sp"]); sp != "" {
			policy = sp
		} else {
			which = "p of " + m.OrgDomain
		}
	}
	if policy != "none" && policy != "quarantine" && policy != "reject" {
		return dnsVerdict{status: Fail, says: fmt.Sprintf("no valid policy (%s=%q): receivers treat the record as p=none at best", which, t["p"]), lines: lines}
	}
	var warns, facts []string
	facts = append(facts, which+"="+policy)
	if policy == "none" {
		warns = append(warns, which+"=none: monitoring only, spoofed mail is still delivered")
	}
	if pv, ok := t["pct"]; ok {
		n, err := strconv.Atoi(pv)
		switch {
		case err != nil || n < 0 || n > 100:
			warns = append(warns, fmt.Sprintf("pct=%q is not a percentage (receivers use 100)", pv))
		case n < 100 && policy != "none":
			warns = append(warns, fmt.Sprintf("pct=%d: the policy applies to only %d%% of failing mail", n, n))
		}
		facts = append(facts, "pct="+pv)
	}
	if !inherited {
		if sp := strings.ToLower(t["sp"]); sp != "" {
			facts = append(facts, "sp="+sp)
			if sp == "none" && policy != "none" {
				warns = append(warns, "sp=none: subdomains can be spoofed although the domain itself is protected")
			}
		} else {
			facts = append(facts, "no sp= (subdomains take p)")
		}
	}
	rua, ruf := uris(t["rua"]), uris(t["ruf"])
	if len(rua) == 0 {
		warns = append(warns, "no rua= address: no aggregate reports, so failures and unknown senders go unseen")
	} else {
		facts = append(facts, "rua="+strings.Join(rua, ","))
	}
	if len(ruf) > 0 {
		facts = append(facts, "ruf="+strings.Join(ruf, ","))
	} else {
		facts = append(facts, "no ruf= (failure reports are optional, and few receivers send them)")
	}
	says := strings.Join(facts, ", ")
	if inherited {
		says = "no record of its own; the organisational domain's applies: " + says
	}
	if len(warns) > 0 {
		return dnsVerdict{status: Warn, says: strings.Join(warns, "; ") + " (" + says + ")", lines: lines}
	}
	return dnsVerdict{status: Pass, says: says, lines: lines}
}

// --- MTA-STS

func checkDNSMTASTS(e *env) Finding {
	return e.dnsFinding("MTA-STS", judgeMTASTS,
		"To fix, host the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt (version: STSv1, mode: testing then enforce, mx: *.mail.protection.outlook.com, max_age) "+
			"and publish \"v=STSv1; id=<a new id on every policy change>\" at _mta-sts.<domain>; add TLS-RPT to hear about failures.",
		"Only the DNS record is read: the policy file on https://mta-sts.<domain> (its mode, testing or enforce, and its mx lines) is not fetched.")
}

func judgeMTASTS(m tenant.MailDomainDNS) dnsVerdict {
	l := m.MTASTS
	switch {
	case !looked(l):
		return notLooked("MTA-STS (_mta-sts." + m.Domain + " TXT)")
	case l.Failed():
		return lookupError("MTA-STS", l)
	case len(l.Values) == 0:
		return dnsVerdict{status: Fail, says: "no MTA-STS record (" + absentWhy(l) + "): sending servers fall back to opportunistic TLS, which an attacker on the path can strip", lines: []string{lookupLine(l)}}
	case len(l.Values) > 1:
		return dnsVerdict{status: Fail, says: fmt.Sprintf("%d MTA-STS records: senders treat the domain as having none (RFC 8461 §3.1)", len(l.Values)), lines: []string{lookupLine(l)}}
	}
	id := tags(l.Values[0])["id"]
	if !validSTSID(id) {
		return dnsVerdict{status: Fail, says: fmt.Sprintf("the MTA-STS record has no valid id= (%q; 1 to 32 letters and digits): senders ignore it", id), lines: []string{lookupLine(l)}}
	}
	return dnsVerdict{status: Pass, says: "MTA-STS record present (id=" + id + ")", lines: []string{lookupLine(l)}}
}

func validSTSID(id string) bool {
	if len(id) < 1 || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// --- TLS-RPT

func checkDNSTLSRPT(e *env) Finding {
	return e.dnsFinding("TLS-RPT", judgeTLSRPT,
		"To fix, publish \"v=TLSRPTv1; rua=mailto:tls-reports@<domain>\" at _smtp._tls.<domain>: sending servers then report the TLS failures they meet delivering to the domain.")
}

func judgeTLSRPT(m tenant.MailDomainDNS) dnsVerdict {
	l := m.TLSRPT
	switch {
	case !looked(l):
		return notLooked("TLS-RPT (_smtp._tls." + m.Domain + " TXT)")
	case l.Failed():
		return lookupError("TLS-RPT", l)
	case len(l.Values) == 0:
		return dnsVerdict{status: Fail, says: "no TLS-RPT record (" + absentWhy(l) + "): failed TLS deliveries to the domain go unreported", lines: []string{lookupLine(l)}}
	case len(l.Values) > 1:
		return dnsVerdict{status: Fail, says: fmt.Sprintf("%d TLS-RPT records: senders use none (RFC 8460 §3)", len(l.Values)), lines: []string{lookupLine(l)}}
	}
	rua := uris(tags(l.Values[0])["rua"])
	var good []string
	for _, u := range rua {
		lu := strings.ToLower(u)
		if strings.HasPrefix(lu, "mailto:") || strings.HasPrefix(lu, "https:") {
			good = append(good, u)
		}
	}
	if len(good) == 0 {
		return dnsVerdict{status: Fail, says: "the TLS-RPT record has no rua= mailto: or https: address: reports have nowhere to go", lines: []string{lookupLine(l)}}
	}
	return dnsVerdict{status: Pass, says: "TLS-RPT reports go to " + strings.Join(good, ", "), lines: []string{lookupLine(l)}}
}

// --- MX

func checkDNSMX(e *env) Finding {
	return e.dnsFinding("MX", judgeMX,
		"Mail for a domain in Exchange Online should arrive at <domain-with-dashes>.mail.protection.outlook.com (the value in Microsoft 365 admin center → Settings → Domains → the domain → DNS records). "+
			"When a third-party filter or an on-premises server is deliberately in front, make sure Exchange Online accepts mail only from it (an inbound connector restricted to its IPs or certificate) and turn on Enhanced Filtering for Connectors, "+
			"otherwise senders can bypass it by delivering straight to Exchange Online.")
}

func judgeMX(m tenant.MailDomainDNS) dnsVerdict {
	l := m.MX
	switch {
	case !looked(l):
		return notLooked("MX (" + m.Domain + " MX)")
	case l.Failed():
		return lookupError("MX", l)
	case len(l.Values) == 0:
		return dnsVerdict{status: Fail, says: "no MX record (" + absentWhy(l) + "): senders fall back to the domain's address record, so mail to it most likely bounces", lines: []string{lookupLine(l)}}
	}
	type mx struct {
		pref int
		host string
	}
	var all []mx
	for _, v := range l.Values {
		p, h, _ := strings.Cut(strings.TrimSpace(v), " ")
		n, _ := strconv.Atoi(p)
		all = append(all, mx{n, tenant.NormalizeDomain(h)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].pref < all[j].pref })
	var exo, other []string
	for _, x := range all {
		name := fmt.Sprintf("%d %s", x.pref, x.host)
		if x.host == "" {
			return dnsVerdict{status: Fail, says: "a null MX (RFC 7505: the domain accepts no mail), yet it serves Email in Microsoft 365", lines: []string{lookupLine(l)}}
		}
		isEXO := false
		for _, s := range exoMXSuffixes {
			isEXO = isEXO || strings.HasSuffix(x.host, s)
		}
		if isEXO {
			exo = append(exo, name)
		} else {
			other = append(other, name)
		}
	}
	lines := []string{lookupLine(l)}
	switch {
	case len(other) == 0:
		return dnsVerdict{status: Pass, says: "MX points at Exchange Online (" + strings.Join(exo, ", ") + ")", lines: lines}
	case len(exo) == 0:
		return dnsVerdict{status: Warn, says: "MX points elsewhere (" + list(other, 4) + "): mail arrives through another gateway (a third-party filter or on-premises) before Exchange Online", lines: lines}
	}
	return dnsVerdict{status: Warn, says: "MX mixes Exchange Online (" + list(exo, 3) + ") with other hosts (" + list(other, 3) + "): mail delivered to the others takes a different path and filtering", lines: lines}
}

// absentWhy says why a record counts as absent: "NXDOMAIN", "only other
// TXT records", "the name has no MX record".
func absentWhy(l tenant.DNSLookup) string {
	switch {
	case len(l.Other) > 0:
		return "only other TXT records at " + l.Name
	case l.Rcode == "NOERROR":
		return l.Name + " has no " + l.Type + " record"
	case l.Rcode != "":
		return l.Rcode
	}
	return "absent"
}
