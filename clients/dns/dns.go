// Package dns reads what DNS publishes about an organisation's mail
// domains: MX, SPF (followed through its includes and counted as RFC 7208
// counts), DMARC, the DKIM selector CNAMEs of Exchange Online, MTA-STS and
// TLS-RPT. It asks one resolver (the simulator's, a given server, or the
// system's from /etc/resolv.conf) with github.com/miekg/dns, so that it sees
// the response code: a SERVFAIL, REFUSED or timeout is recorded as an error
// for that record, never as "the record is missing".
package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/harden365/harden365/tenant"
)

// ResolvConf is where the system resolver is read from.
const ResolvConf = "/etc/resolv.conf"

// Config says which resolver to ask and how patiently.
type Config struct {
	// Server is the resolver as host:port (a bare host means port 53);
	// empty means the system resolver (the nameservers of
	// /etc/resolv.conf, tried in order).
	Server string
	// Timeout bounds one attempt of one query (default: resolv.conf's
	// timeout, else 2s).
	Timeout time.Duration
	// Retries is how many more times a query is tried after a timeout,
	// SERVFAIL or REFUSED (each time on every server); 0 means the
	// default (1, or resolv.conf's attempts - 1), negative means none.
	Retries int
}

// Client asks a resolver.
type Client struct {
	servers []string
	timeout time.Duration
	retries int
}

// New returns a client for cfg; without a Server it reads ResolvConf.
func New(cfg Config) (*Client, error) {
	c := &Client{timeout: cfg.Timeout, retries: cfg.Retries}
	defRetries := 1
	if cfg.Server != "" {
		addr := cfg.Server
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(strings.Trim(addr, "[]"), "53")
		}
		c.servers = []string{addr}
	} else {
		rc, err := mdns.ClientConfigFromFile(ResolvConf)
		if err != nil {
			return nil, fmt.Errorf("no system resolver: reading %s: %w", ResolvConf, err)
		}
		if len(rc.Servers) == 0 {
			return nil, fmt.Errorf("no system resolver: %s lists no nameserver", ResolvConf)
		}
		for _, s := range rc.Servers {
			c.servers = append(c.servers, net.JoinHostPort(s, rc.Port))
		}
		if c.timeout <= 0 && rc.Timeout > 0 {
			c.timeout = time.Duration(rc.Timeout) * time.Second
		}
		if rc.Attempts > 1 {
			defRetries = rc.Attempts - 1
		}
	}
	if c.timeout <= 0 {
		c.timeout = 2 * time.Second
	}
	switch {
	case c.retries == 0:
		c.retries = defRetries
	case c.retries < 0:
		c.retries = 0
	}
	return c, nil
}

// Resolver is the first server asked.
func (c *Client) Resolver() string { return c.servers[0] }

// retryHook is told about each retry (the collector reports it as a wait).
type retryHook func(why string)

// Lookup asks for name's records of type qtype (mdns.TypeTXT, ...) and
// records the outcome. Values are every record of that type in the
// answer, following CNAMEs; keep filters TXT values (nil keeps all).
func (c *Client) Lookup(ctx context.Context, name string, qtype uint16) tenant.DNSLookup {
	return c.lookup(ctx, name, qtype, nil, nil)
}

func (c *Client) lookup(ctx context.Context, name string, qtype uint16, keep func(string) bool, hook retryHook) tenant.DNSLookup {
	l := tenant.DNSLookup{Name: tenant.NormalizeDomain(name), Type: mdns.TypeToString[qtype]}
	resp, err := c.exchange(ctx, l.Name, qtype, hook)
	if err != nil {
		l.Status, l.Error = tenant.DNSError, err.Error()
		if resp != nil {
			l.Rcode = mdns.RcodeToString[resp.Rcode]
		}
		return l
	}
	l.Rcode = mdns.RcodeToString[resp.Rcode]
	switch resp.Rcode {
	case mdns.RcodeSuccess, mdns.RcodeNameError:
	default:
		l.Status = tenant.DNSError
		l.Error = l.Rcode + " from " + c.servers[len(c.servers)-1]
		return l
	}
	for _, rr := range resp.Answer {
		if rr.Header().Rrtype != qtype {
			continue
		}
		v := present(rr)
		if qtype == mdns.TypeTXT && keep != nil && !keep(v) {
			l.Other = append(l.Other, v)
			continue
		}
		l.Values = append(l.Values, v)
	}
	if len(l.Values) > 0 {
		// A CNAME chain may end in NXDOMAIN after records were found;
		// what was found counts.
		l.Status = tenant.DNSFound
	} else {
		l.Status = tenant.DNSAbsent
	}
	return l
}

// present renders a record's data: TXT strings joined, MX "pref host.",
// CNAME the target, others as their zone-file data.
func present(rr mdns.RR) string {
	switch r := rr.(type) {
	case *mdns.TXT:
		var b strings.Builder
		for _, s := range r.Txt {
			b.WriteString(unescapeTXT(s))
		}
		return b.String()
	case *mdns.MX:
		return strconv.Itoa(int(r.Preference)) + " " + strings.ToLower(r.Mx)
	case *mdns.CNAME:
		return strings.ToLower(r.Target)
	}
	full, hdr := rr.String(), rr.Header().String()
	return strings.TrimSpace(strings.TrimPrefix(full, hdr))
}

// unescapeTXT undoes miekg/dns's presentation escapes (\" \\ \DDD).
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			n, _ := strconv.Atoi(s[i : i+3])
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// exchange sends one question, over UDP first and again over TCP when the
// answer is truncated, trying every server, and retrying after a timeout,
// SERVFAIL or REFUSED. It returns the first answer with another rcode;
// otherwise the last failure (with the last response, if any).
func (c *Client) exchange(ctx context.Context, name string, qtype uint16, hook retryHook) (*mdns.Msg, error) {
	var lastResp *mdns.Msg
	var lastErr error
	attempts := 0
	for try := 0; try <= c.retries; try++ {
		for _, server := range c.servers {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if attempts > 0 && hook != nil {
				hook(fmt.Sprintf("retrying %s %s: %v", name, mdns.TypeToString[qtype], lastErr))
			}
			attempts++
			resp, err := c.ask(ctx, server, name, qtype, true)
			if err == nil && resp.Rcode == mdns.RcodeFormatError {
				// An old server that does not speak EDNS0.
				resp, err = c.ask(ctx, server, name, qtype, false)
			}
			switch {
			case err != nil:
				lastResp, lastErr = nil, describe(err, server, c.timeout, attempts)
				continue
			case resp.Rcode == mdns.RcodeServerFailure || resp.Rcode == mdns.RcodeRefused:
				lastResp = resp
				lastErr = fmt.Errorf("%s from %s", mdns.RcodeToString[resp.Rcode], server)
				continue
			}
			return resp, nil
		}
	}
	return lastResp, lastErr
}

// ask sends the question once to server: UDP, then TCP on truncation.
func (c *Client) ask(ctx context.Context, server, name string, qtype uint16, edns bool) (*mdns.Msg, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	m.RecursionDesired = true
	if edns {
		m.SetEdns0(1232, false) // the DNS flag day 2020 size
	}
	udp := &mdns.Client{Net: "udp", Timeout: c.timeout}
	resp, _, err := udp.ExchangeContext(ctx, m, server)
	if err != nil || !resp.Truncated {
		return resp, err
	}
	tcp := &mdns.Client{Net: "tcp", Timeout: c.timeout}
	resp, _, err = tcp.ExchangeContext(ctx, m, server)
	if err != nil {
		return nil, fmt.Errorf("truncated over UDP, and over TCP: %w", err)
	}
	return resp, nil
}

func describe(err error, server string, timeout time.Duration, attempts int) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timeout: no answer from %s within %s (%s)", server, timeout, plural(attempts, "attempt"))
	}
	return fmt.Errorf("asking %s: %w", server, err)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
