package tenant

import "strings"

// DNS lookup outcomes (DNSLookup.Status).
//
// The difference between DNSAbsent and DNSError is the point of keeping a
// status per record: a name that does not exist (NXDOMAIN) or has no
// record of the type asked for (NOERROR with an empty answer, "NODATA") is
// genuinely absent; a lookup the resolver could not answer (SERVFAIL,
// REFUSED, a timeout, any other rcode) says nothing about the record, and
// a check must report it as "could not be judged", never as "missing".
const (
	DNSFound  = "found"  // at least one record of the wanted kind
	DNSAbsent = "absent" // NXDOMAIN, NODATA, or records of other kinds only
	DNSError  = "error"  // SERVFAIL, REFUSED, timeout, network or protocol error
)

// DNSLookup is one DNS question and what came of it.
type DNSLookup struct {
	// Name is the name asked for, lower case, without the trailing dot
	// ("_dmarc.contoso.com").
	Name string `json:"name"`
	// Type is the record type asked for: TXT, MX, CNAME, A, ...
	Type string `json:"type"`
	// Status is DNSFound, DNSAbsent or DNSError.
	Status string `json:"status"`
	// Rcode is the response code of the answer that decided Status
	// (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...); "" when no answer came
	// (timeout, network error).
	Rcode string `json:"rcode,omitempty"`
	// Values are the records of the wanted kind, in presentation form:
	// TXT strings joined (a TXT record split into several strings is one
	// value), MX "PREFERENCE HOST." (e.g. "0 contoso-com.mail.protection.outlook.com."),
	// CNAME the target with its trailing dot. For the TXT lookups of
	// MailDomainDNS only the records of the protocol (those starting
	// "v=spf1", "v=DMARC1", ...) are Values.
	Values []string `json:"values,omitempty"`
	// Other are the TXT records found at the name that are not of the
	// wanted kind (a domain-verification "MS=ms12345678" next to SPF).
	Other []string `json:"other,omitempty"`
	// Error says what went wrong when Status is DNSError ("SERVFAIL from
	// 10.0.0.2:53", "no answer from 10.0.0.2:53 within 2s (2 attempts)").
	Error string `json:"error,omitempty"`
}

// Found reports whether records of the wanted kind were found.
func (l DNSLookup) Found() bool { return l.Status == DNSFound }

// Absent reports whether DNS said there is no such record.
func (l DNSLookup) Absent() bool { return l.Status == DNSAbsent }

// Failed reports whether the lookup could not be answered.
func (l DNSLookup) Failed() bool { return l.Status == DNSError }

// Outcome is the lookup's result in a few words: "found", "absent
// (NXDOMAIN)", "error (SERVFAIL)", "error (timeout: ...)".
func (l DNSLookup) Outcome() string {
	switch l.Status {
	case DNSFound:
		return "found"
	case DNSAbsent:
		if l.Rcode == "NOERROR" {
			return "absent (NOERROR, no " + l.Type + " record)"
		}
		if l.Rcode != "" {
			return "absent (" + l.Rcode + ")"
		}
		return "absent"
	case DNSError:
		if l.Rcode != "" {
			return "error (" + l.Rcode + ")"
		}
		if l.Error != "" {
			return "error (" + l.Error + ")"
		}
		return "error"
	}
	return "not looked up"
}

// SPFEval is what following an SPF record through its include: and
// redirect= targets found, counted as RFC 7208 §4.6.4 counts: the terms
// include, a, mx, ptr, exists and redirect each cost one DNS lookup,
// wherever they appear in the tree; more than 10 is a permerror (receivers
// treat the domain's SPF as broken). ip4, ip6 and all cost nothing.
type SPFEval struct {
	// Lookups is the number of lookup-costing terms counted.
	Lookups int `json:"lookups"`
	// Capped is true when following stopped early (too many targets, too
	// deep, or a loop): the real count is higher than Lookups.
	Capped bool `json:"capped,omitempty"`
	// All is the effective "all" term, with its qualifier: "-all", "~all",
	// "?all" or "+all", taken from the record itself or, when it has
	// none, from its redirect= target; "" when there is none (the result
	// is then neutral, as "?all").
	All string `json:"all"`
	// AllFrom is the domain whose record supplied All (the domain itself
	// or a redirect target).
	AllFrom string `json:"allFrom,omitempty"`
	// Targets lists every domain reached through include: or redirect=,
	// in the order met, with how it was reached ("include:spf.protection.outlook.com").
	Targets []string `json:"targets,omitempty"`
	// Problems are permanent errors found on the way: an include target
	// with no SPF record or with two, a loop, an unknown mechanism.
	Problems []string `json:"problems,omitempty"`
	// Errors are the lookups of targets that could not be answered: the
	// count is then a lower bound.
	Errors []DNSLookup `json:"errors,omitempty"`
	// Notes are things not followed on purpose (a target with a macro,
	// such as include:%{i}._spf.example).
	Notes []string `json:"notes,omitempty"`
}

// Reaches reports whether domain is among the include/redirect targets.
func (e *SPFEval) Reaches(domain string) bool {
	if e == nil {
		return false
	}
	domain = NormalizeDomain(domain)
	for _, t := range e.Targets {
		if _, d, ok := strings.Cut(t, ":"); ok && NormalizeDomain(d) == domain {
			return true
		}
		if _, d, ok := strings.Cut(t, "="); ok && NormalizeDomain(d) == domain {
			return true
		}
	}
	return false
}

// MailDomainDNS is what DNS says about one mail domain: each record the
// mail-hygiene checks read, each with its own outcome, so that a lookup
// that failed makes only the checks that need it "error".
type MailDomainDNS struct {
	// Domain is the mail domain, lower case, without a trailing dot.
	Domain string `json:"domain"`
	// Resolver is the server that was asked ("127.0.0.1:5353", or the
	// system resolver's first server).
	Resolver string `json:"resolver,omitempty"`

	// MX is the domain's MX record set.
	MX DNSLookup `json:"mx"`
	// SPF is the TXT record set at the domain, Values holding the records
	// starting "v=spf1" (all of them: two are a permerror).
	SPF DNSLookup `json:"spf"`
	// SPFEval follows the SPF record when there is exactly one.
	SPFEval *SPFEval `json:"spfEval,omitempty"`
	// DMARC is _dmarc.<domain> TXT, Values holding the "v=DMARC1" records.
	DMARC DNSLookup `json:"dmarc"`
	// OrgDomain is the organisational domain (the registrable domain, by
	// the public suffix list) when it differs from Domain; DMARCOrg is
	// then its _dmarc record, looked up only when Domain has none (RFC
	// 7489 §6.6.3: receivers fall back to it, applying its sp= policy).
	OrgDomain string     `json:"orgDomain,omitempty"`
	DMARCOrg  *DNSLookup `json:"dmarcOrg,omitempty"`
	// DKIM holds the CNAME lookups of selector1._domainkey.<domain> and
	// selector2._domainkey.<domain>, in that order: the two keys Exchange
	// Online signs with and rotates between.
	DKIM []DNSLookup `json:"dkim"`
	// MTASTS is _mta-sts.<domain> TXT, Values holding the "v=STSv1"
	// records (the policy file on https://mta-sts.<domain> is not DNS and
	// is not read).
	MTASTS DNSLookup `json:"mtaSts"`
	// TLSRPT is _smtp._tls.<domain> TXT, Values holding the "v=TLSRPTv1"
	// records.
	TLSRPT DNSLookup `json:"tlsRpt"`
}

// Lookups returns every lookup made for the domain (SPF targets aside).
func (m MailDomainDNS) Lookups() []DNSLookup {
	out := []DNSLookup{m.MX, m.SPF, m.DMARC}
	if m.DMARCOrg != nil {
		out = append(out, *m.DMARCOrg)
	}
	out = append(out, m.DKIM...)
	return append(out, m.MTASTS, m.TLSRPT)
}

// NormalizeDomain lower-cases a domain name and drops surrounding space
// and the trailing dot.
func NormalizeDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// MicrosoftManaged reports whether Microsoft runs the domain's DNS: the
// initial *.onmicrosoft.com domain (and any other onmicrosoft.com name),
// whose SPF, MX and DKIM Microsoft publishes and the organisation cannot
// change.
func MicrosoftManaged(domain string) bool {
	d := NormalizeDomain(domain)
	return d == "onmicrosoft.com" || strings.HasSuffix(d, ".onmicrosoft.com")
}

// IsMailDomain reports whether d is a mail domain whose DNS the
// organisation runs: verified, serving Email, and neither the initial
// domain nor any other *.onmicrosoft.com name.
func IsMailDomain(d Domain) bool {
	return d.IsVerified && d.ServesEmail() && !d.IsInitial && !MicrosoftManaged(d.Name)
}

// MailDomains lists the snapshot's mail domains (IsMailDomain), lower
// case, in the order of Domains.
func (s *Snapshot) MailDomains() []string {
	var out []string
	for _, d := range s.Domains {
		if IsMailDomain(d) {
			out = append(out, NormalizeDomain(d.Name))
		}
	}
	return out
}

// DNSOf returns what DNS said about domain, if it was looked up.
func (s *Snapshot) DNSOf(domain string) (MailDomainDNS, bool) {
	domain = NormalizeDomain(domain)
	for _, m := range s.DNS {
		if NormalizeDomain(m.Domain) == domain {
			return m, true
		}
	}
	return MailDomainDNS{}, false
}
