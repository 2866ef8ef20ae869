package dns

import (
	"context"
	"fmt"
	"strings"
	"sync"

	mdns "github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// DKIMSelectors are the selectors Exchange Online signs with; each must be
// a CNAME to the key Microsoft publishes for the domain.
var DKIMSelectors = []string{"selector1", "selector2"}

// Tasks returns one collector task per mail domain: ID "dns.<domain>",
// service "dns". A task fails as a whole only when no resolver can be set
// up or when every one of the domain's lookups failed; otherwise each
// record carries its own outcome (tenant.DNSLookup).
func Tasks(cfg Config, domains []string) []collect.Task {
	c, cerr := New(cfg)
	var out []collect.Task
	seen := map[string]bool{}
	for _, d := range domains {
		d = tenant.NormalizeDomain(d)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, collect.Task{
			ID: "dns." + d, Service: "dns",
			Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
				if cerr != nil {
					return nil, &collect.Failure{Message: cerr.Error(), Fix: "give a DNS server (host:port) to ask"}
				}
				m := c.mailDomain(ctx, d, func(why string) { rep.Wait(0, why) })
				all := m.Lookups()
				failed := 0
				for _, l := range all {
					if l.Failed() {
						failed++
					}
				}
				rep.Page(len(all) - failed)
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				if failed == len(all) {
					return nil, &collect.Failure{Message: fmt.Sprintf("every DNS query for %s failed, e.g. %s %s: %s", d, all[0].Name, all[0].Type, all[0].Error),
						Fix: "check that the resolver " + c.Resolver() + " is reachable and answers for " + d}
				}
				return func(s *tenant.Snapshot) { setDNS(s, m) }, nil
			},
		})
	}
	return out
}

// setDNS records m in s, replacing an earlier entry for the same domain,
// keeping s.DNS in the order domains were added.
func setDNS(s *tenant.Snapshot, m tenant.MailDomainDNS) {
	for i := range s.DNS {
		if s.DNS[i].Domain == m.Domain {
			s.DNS[i] = m
			return
		}
	}
	s.DNS = append(s.DNS, m)
}

// MailDomain looks up everything the mail-hygiene checks read about domain.
func (c *Client) MailDomain(ctx context.Context, domain string) tenant.MailDomainDNS {
	return c.mailDomain(ctx, domain, nil)
}

func (c *Client) mailDomain(ctx context.Context, domain string, hook retryHook) tenant.MailDomainDNS {
	d := tenant.NormalizeDomain(domain)
	m := tenant.MailDomainDNS{Domain: d, Resolver: c.Resolver(), DKIM: make([]tenant.DNSLookup, len(DKIMSelectors))}
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	run(func() { m.MX = c.lookup(ctx, d, mdns.TypeMX, nil, hook) })
	run(func() {
		m.SPF = c.lookup(ctx, d, mdns.TypeTXT, IsSPF, hook)
		if len(m.SPF.Values) == 1 {
			m.SPFEval = c.evalSPF(ctx, d, m.SPF.Values[0], hook)
		}
	})
	run(func() {
		m.DMARC = c.lookup(ctx, "_dmarc."+d, mdns.TypeTXT, IsDMARC, hook)
		if org := OrgDomain(d); org != d {
			m.OrgDomain = org
			if m.DMARC.Absent() {
				l := c.lookup(ctx, "_dmarc."+org, mdns.TypeTXT, IsDMARC, hook)
				m.DMARCOrg = &l
			}
		}
	})
	for i, sel := range DKIMSelectors {
		run(func() { m.DKIM[i] = c.lookup(ctx, sel+"._domainkey."+d, mdns.TypeCNAME, nil, hook) })
	}
	run(func() { m.MTASTS = c.lookup(ctx, "_mta-sts."+d, mdns.TypeTXT, IsMTASTS, hook) })
	run(func() { m.TLSRPT = c.lookup(ctx, "_smtp._tls."+d, mdns.TypeTXT, IsTLSRPT, hook) })
	wg.Wait()
	return m
}

// OrgDomain is the organisational domain of d (RFC 7489 §3.2: the public
// suffix plus one label), or d itself when it cannot be told.
func OrgDomain(d string) string {
	d = tenant.NormalizeDomain(d)
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// versionIs reports whether a TXT record starts with the version tag
// "v=<want>" (as its first ";"- or space-separated term), case-insensitively.
func versionIs(txt, want string, sep string) bool {
	first := strings.TrimSpace(txt)
	if i := strings.IndexAny(first, sep); i >= 0 {
		first = first[:i]
	}
	k, v, ok := strings.Cut(first, "=")
	return ok && strings.EqualFold(strings.TrimSpace(k), "v") && strings.EqualFold(strings.TrimSpace(v), want)
}

// IsSPF reports whether a TXT record is an SPF record: "v=spf1" alone or
// followed by a space (RFC 7208 §4.5).
func IsSPF(txt string) bool {
	t := strings.TrimLeft(txt, " ")
	return len(t) >= 6 && strings.EqualFold(t[:6], "v=spf1") && (len(t) == 6 || t[6] == ' ')
}

// IsDMARC reports whether a TXT record is a DMARC record (v=DMARC1 first).
func IsDMARC(txt string) bool { return versionIs(txt, "DMARC1", ";") }

// IsMTASTS reports whether a TXT record is an MTA-STS record (v=STSv1 first).
func IsMTASTS(txt string) bool { return versionIs(txt, "STSv1", ";") }

// IsTLSRPT reports whether a TXT record is a TLS-RPT record (v=TLSRPTv1 first).
func IsTLSRPT(txt string) bool { return versionIs(txt, "TLSRPTv1", ";") }
