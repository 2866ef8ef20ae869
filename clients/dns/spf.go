package dns

import (
	"context"
	"fmt"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/harden365/harden365/tenant"
)

// SPF limits (RFC 7208 §4.6.4) and how far harden365 follows.
const (
	// SPFLookupLimit is the most DNS-querying terms an SPF evaluation may
	// need; more is a permerror.
	SPFLookupLimit = 10
	// spfMaxTargets caps how many include/redirect targets are resolved
	// for one domain; spfMaxDepth how deep.
	spfMaxTargets = 30
	spfMaxDepth   = 10
)

type spfWalk struct {
	c     *Client
	ctx   context.Context
	hook  retryHook
	ev    *tenant.SPFEval
	cache map[string]tenant.DNSLookup // target -> its TXT lookup (SPF values)
	asked int
}

// evalSPF follows record, the SPF record of domain, through its include:
// and redirect= targets, counting lookup-costing terms over the whole
// tree (every occurrence counts, as evaluation would query it again).
func (c *Client) evalSPF(ctx context.Context, domain, record string, hook retryHook) *tenant.SPFEval {
	w := &spfWalk{c: c, ctx: ctx, hook: hook, ev: &tenant.SPFEval{}, cache: map[string]tenant.DNSLookup{}}
	all, from := w.walk(domain, record, []string{domain})
	w.ev.All, w.ev.AllFrom = all, from
	return w.ev
}

// walk counts record's terms and follows its targets; it returns the
// record's effective all (its own, or its redirect's) and where it came
// from. stack holds the domains being evaluated (for loops).
func (w *spfWalk) walk(domain, record string, stack []string) (all, from string) {
	terms := strings.Fields(record)
	if len(terms) > 0 {
		terms = terms[1:] // v=spf1
	}
	var redirect string
	for _, term := range terms {
		lower := strings.ToLower(term)
		// A modifier: name=value (RFC 7208 §6); a mechanism may carry a
		// qualifier.
		if name, value, ok := strings.Cut(lower, "="); ok && !strings.ContainsAny(name, ":/") {
			switch name {
			case "redirect":
				w.ev.Lookups++
				redirect = value
			case "exp":
			default: // unknown modifiers are ignored
			}
			continue
		}
		qual := "+"
		if strings.ContainsAny(lower[:1], "+-~?") {
			qual, lower = lower[:1], lower[1:]
		}
		mech, arg, _ := strings.Cut(lower, ":")
		if i := strings.IndexByte(mech, '/'); i >= 0 {
			mech = mech[:i]
		}
		switch mech {
		case "all":
			if all == "" {
				all, from = qual+"all", domain
			}
		case "ip4", "ip6":
		case "a", "mx", "ptr", "exists":
			w.ev.Lookups++
		case "include":
			w.ev.Lookups++
			w.follow("include", domain, arg, stack)
		default:
			w.ev.Problems = append(w.ev.Problems, fmt.Sprintf("%s: unknown mechanism %q (permerror)", domain, term))
		}
	}
	// redirect= is ignored when the record has an all term.
	if redirect != "" && all == "" {
		return w.follow("redirect", domain, redirect, stack)
	}
	if redirect != "" {
		w.ev.Notes = append(w.ev.Notes, fmt.Sprintf("%s: redirect=%s is ignored, the record has an all term", domain, redirect))
	}
	return all, from
}

// follow resolves target's SPF record and walks it; for a redirect it
// returns the target's effective all.
func (w *spfWalk) follow(how, from, target string, stack []string) (all, allFrom string) {
	sep := ":"
	if how == "redirect" {
		sep = "="
	}
	target = tenant.NormalizeDomain(target)
	w.ev.Targets = append(w.ev.Targets, how+sep+target)
	switch {
	case target == "":
		w.ev.Problems = append(w.ev.Problems, fmt.Sprintf("%s: %s without a domain (permerror)", from, how))
		return "", ""
	case strings.Contains(target, "%"):
		w.ev.Notes = append(w.ev.Notes, fmt.Sprintf("%s: %s%s%s has a macro and was not followed", from, how, sep, target))
		return "", ""
	}
	for _, d := range stack {
		if d == target {
			w.ev.Problems = append(w.ev.Problems, fmt.Sprintf("%s: %s%s%s loops back (permerror: the lookup limit is exceeded)", from, how, sep, target))
			w.ev.Capped = true
			return "", ""
		}
	}
	if len(stack) > spfMaxDepth {
		w.ev.Capped = true
		w.ev.Notes = append(w.ev.Notes, fmt.Sprintf("%s: not followed (more than %d levels deep)", target, spfMaxDepth))
		return "", ""
	}
	l, ok := w.cache[target]
	if !ok {
		if w.asked >= spfMaxTargets {
			w.ev.Capped = true
			w.ev.Notes = append(w.ev.Notes, fmt.Sprintf("%s: not followed (more than %d targets resolved)", target, spfMaxTargets))
			return "", ""
		}
		w.asked++
		l = w.c.lookup(w.ctx, target, mdns.TypeTXT, IsSPF, w.hook)
		w.cache[target] = l
		if l.Failed() {
			w.ev.Errors = append(w.ev.Errors, l)
		}
	}
	switch {
	case l.Failed():
		return "", ""
	case len(l.Values) == 0:
		w.ev.Problems = append(w.ev.Problems, fmt.Sprintf("%s: %s%s%s has no SPF record, %s (permerror)", from, how, sep, target, l.Outcome()))
		return "", ""
	case len(l.Values) > 1:
		w.ev.Problems = append(w.ev.Problems, fmt.Sprintf("%s: %s%s%s has %d SPF records (permerror)", from, how, sep, target, len(l.Values)))
		return "", ""
	}
	return w.walk(target, l.Values[0], append(stack[:len(stack):len(stack)], target))
}
