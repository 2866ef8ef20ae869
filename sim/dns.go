package sim

// The scenario's DNS: an authoritative server on loopback, UDP and TCP on
// the same port, answering from the scenario's "dns" records.
//
// A record is {"name": "contoso.com", "type": "TXT", "value": "v=spf1 -all"}.
// Names are case-insensitive, with or without the trailing dot. Types are
// any the DNS presentation format knows (TXT, MX, CNAME, A, AAAA, NS, SRV,
// CAA, PTR, ...); value is the record's data as in a zone file ("0
// contoso-com.mail.protection.outlook.com." for MX). Optional "ttl" (seconds,
// default 300).
//
// TXT values are text, not zone-file syntax: a value longer than 255 bytes
// is split into strings of 255 bytes, as real DNS carries it, and a value
// may also be a JSON array of strings, served as those strings (to test
// that clients join them).
//
// Faults, for tests: a record with "fault" instead of a value,
//
//	{"name": "_dmarc.contoso.com", "type": "TXT", "fault": "SERVFAIL"}
//
// makes questions for that name and type fail: "SERVFAIL" or "REFUSED"
// answer with that rcode; "TIMEOUT" never answers (neither on UDP nor on
// TCP). A fault with type "ANY" (or "*") applies to every type at the
// name. The name still exists for other types.
//
// Answers are authoritative (AA set): NXDOMAIN for a name that has no
// record and no record below it; NOERROR with an empty answer (NODATA)
// for a name that exists with other types, or only as a parent of other
// names (_domainkey.contoso.com when selector1._domainkey.contoso.com
// exists). A CNAME answers questions of other types, followed within the
// scenario's records. Over UDP an answer larger than 512 bytes (or the
// client's EDNS0 buffer size) is truncated with TC set, so clients retry
// over TCP.
//
// The simulator also knows a few public records outside the organisation
// that every Exchange Online tenant relies on (Microsoft's SPF record
// spf.protection.outlook.com), so that an SPF include of it resolves as it
// does on the Internet; a scenario record of the same name replaces them.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// publicDNS are the Internet's records that scenarios rely on without
// listing them. spf.protection.outlook.com is Microsoft's published SPF
// record for Exchange Online: IPv4 and IPv6 ranges only, so an include of
// it costs one DNS lookup.
var publicDNS = []map[string]any{
	{"name": "spf.protection.outlook.com", "type": "TXT", "value": "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/16 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/51 ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52 -all"},
}

// DNS faults a scenario record may carry.
const (
	dnsFaultServfail = "SERVFAIL"
	dnsFaultRefused  = "REFUSED"
	dnsFaultTimeout  = "TIMEOUT"
)

type dnsRecord struct {
	name  string // lower case, fully qualified (trailing dot)
	qtype uint16 // 0 for a fault on every type
	rr    dns.RR // nil for a fault
	fault string
}

// StartDNS serves the scenario's DNS records on addr (default
// 127.0.0.1:0), over UDP and TCP on the same port, until the server
// closes. It returns the address ("127.0.0.1:PORT"). A record the
// simulator cannot serve is an error naming it.
func (s *Server) StartDNS(addr string) (string, error) {
	if _, err := s.dnsRecords(); err != nil {
		return "", err
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("simulator DNS: %w", err)
	}
	// Port 0: the kernel picks a free TCP port, which may be taken for
	// UDP; try a few.
	var ln net.Listener
	var pc net.PacketConn
	for try := 0; ; try++ {
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("simulator DNS: listen on %s: %w", addr, err)
		}
		pc, err = net.ListenPacket("udp", ln.Addr().String())
		if err == nil {
			break
		}
		ln.Close()
		if port != "0" || try == 10 {
			return "", fmt.Errorf("simulator DNS: listen on %s (udp): %w", net.JoinHostPort(host, port), err)
		}
	}
	h := dns.HandlerFunc(s.serveDNS)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h, ReadTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 5 * time.Second }}
	for _, srv := range []*dns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe() //nolint:errcheck // returns on shutdown
		<-started
	}
	s.onClose(func() {
		for _, srv := range []*dns.Server{udp, tcp} {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			_ = srv.ShutdownContext(ctx)
			cancel()
		}
		ln.Close()
		pc.Close()
	})
	s.closeMu.Lock()
	s.dnsAddr = ln.Addr().String()
	s.closeMu.Unlock()
	return ln.Addr().String(), nil
}

// dnsRecords reads the scenario's records (under s.mu) and the public ones
// the scenario does not replace.
func (s *Server) dnsRecords() ([]dnsRecord, error) {
	s.mu.Lock()
	raw, _ := s.sc.Doc["dns"].([]any)
	items := make([]map[string]any, 0, len(raw)+len(publicDNS))
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			s.mu.Unlock()
			return nil, fmt.Errorf("simulator DNS: $.dns[%d]: expected an object", i)
		}
		items = append(items, m)
	}
	s.mu.Unlock()
	var out []dnsRecord
	names := map[string]bool{}
	for i, m := range items {
		r, err := parseDNSRecord(m)
		if err != nil {
			return nil, fmt.Errorf("simulator DNS: $.dns[%d]: %w", i, err)
		}
		names[r.name] = true
		out = append(out, r)
	}
	for _, m := range publicDNS {
		r, err := parseDNSRecord(m)
		if err != nil {
			panic(err) // a bug in publicDNS
		}
		if !names[r.name] {
			out = append(out, r)
		}
	}
	return out, nil
}

func parseDNSRecord(m map[string]any) (dnsRecord, error) {
	name, _ := m["name"].(string)
	typ, _ := m["type"].(string)
	if strings.TrimSpace(name) == "" {
		return dnsRecord{}, errors.New(`missing "name"`)
	}
	name = dns.Fqdn(strings.ToLower(strings.TrimSpace(name)))
	if _, ok := dns.IsDomainName(name); !ok {
		return dnsRecord{}, fmt.Errorf("name %q is not a domain name", name)
	}
	typ = strings.ToUpper(strings.TrimSpace(typ))
	r := dnsRecord{name: name}
	if typ != "ANY" && typ != "*" {
		t, ok := dns.StringToType[typ]
		if !ok {
			return dnsRecord{}, fmt.Errorf("unknown record type %q", typ)
		}
		r.qtype = t
	}
	if f, ok := m["fault"]; ok && f != nil {
		fs, _ := f.(string)
		switch fs = strings.ToUpper(fs); fs {
		case dnsFaultServfail, dnsFaultRefused, dnsFaultTimeout:
			r.fault = fs
			return r, nil
		}
		return dnsRecord{}, fmt.Errorf(`fault %v: expected "SERVFAIL", "REFUSED" or "TIMEOUT"`, f)
	}
	if r.qtype == 0 {
		return dnsRecord{}, fmt.Errorf("type %q is only for faults", typ)
	}
	ttl := uint32(300)
	switch t := m["ttl"].(type) {
	case nil:
	case float64:
		ttl = uint32(t)
	case interface{ String() string }: // json.Number
		n, err := strconv.ParseUint(t.String(), 10, 32)
		if err != nil {
			return dnsRecord{}, fmt.Errorf("ttl %v: expected seconds", t)
		}
		ttl = uint32(n)
	default:
		return dnsRecord{}, fmt.Errorf("ttl %v: expected seconds", t)
	}
	hdr := dns.RR_Header{Name: name, Rrtype: r.qtype, Class: dns.ClassINET, Ttl: ttl}
	if r.qtype == dns.TypeTXT {
		var parts []string
		switch v := m["value"].(type) {
		case string:
			parts = splitTXT(v)
		case []any:
			if len(v) == 0 {
				return dnsRecord{}, errors.New("a TXT value needs at least one string")
			}
			for j, p := range v {
				ps, ok := p.(string)
				if !ok {
					return dnsRecord{}, fmt.Errorf("value[%d]: expected a string", j)
				}
				parts = append(parts, splitTXT(ps)...)
			}
		default:
			return dnsRecord{}, errors.New(`"value" must be a string or a list of strings`)
		}
		for j := range parts {
			parts[j] = escapeTXT(parts[j])
		}
		r.rr = &dns.TXT{Hdr: hdr, Txt: parts}
		return r, nil
	}
	v, ok := m["value"].(string)
	if !ok || strings.TrimSpace(v) == "" {
		return dnsRecord{}, fmt.Errorf(`a %s record needs a "value" string`, typ)
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, ttl, typ, v))
	if err != nil {
		return dnsRecord{}, fmt.Errorf("%s value %q: %w", typ, v, err)
	}
	if rr == nil {
		return dnsRecord{}, fmt.Errorf("%s value %q: empty record", typ, v)
	}
	r.rr = rr
	return r, nil
}

// splitTXT cuts a TXT value into the 255-byte character-strings DNS
// carries ("" stays one empty string).
func splitTXT(v string) []string {
	if len(v) <= 255 {
		return []string{v}
	}
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	if v != "" {
		out = append(out, v)
	}
	return out
}

// escapeTXT turns raw text into the escaped form miekg/dns packs: a
// backslash and unprintable bytes as \DDD.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c < ' ' || c > '~' {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	if req.Opcode != dns.OpcodeQuery {
		m.SetRcode(req, dns.RcodeNotImplemented)
		_ = w.WriteMsg(m)
		return
	}
	if len(req.Question) != 1 {
		m.SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	recs, err := s.dnsRecords()
	if err != nil {
		m.SetRcode(req, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
		return
	}
	for _, r := range recs {
		if r.fault == "" || r.name != name || (r.qtype != 0 && r.qtype != q.Qtype) {
			continue
		}
		switch r.fault {
		case dnsFaultTimeout:
			return // never answer
		case dnsFaultRefused:
			m.SetRcode(req, dns.RcodeRefused)
		default:
			m.SetRcode(req, dns.RcodeServerFailure)
		}
		_ = w.WriteMsg(m)
		return
	}
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = false
	m.Answer = dnsAnswer(recs, name, q.Qtype)
	if len(m.Answer) == 0 && !dnsNameExists(recs, name) {
		m.Rcode = dns.RcodeNameError
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		if n := int(opt.UDPSize()); n > size {
			size = n
		}
		m.SetEdns0(uint16(size), false)
	}
	if _, tcp := w.RemoteAddr().(*net.TCPAddr); !tcp {
		m.Truncate(size)
	} else {
		m.Compress = true
	}
	_ = w.WriteMsg(m)
}

// dnsAnswer is the answer section for name/qtype: its records of that type,
// or its CNAME followed within the records (at most 8 links).
func dnsAnswer(recs []dnsRecord, name string, qtype uint16) []dns.RR {
	var out []dns.RR
	seen := map[string]bool{}
	for hop := 0; hop < 8 && !seen[name]; hop++ {
		seen[name] = true
		var cname *dns.CNAME
		var same []dns.RR
		for _, r := range recs {
			if r.rr == nil || r.name != name {
				continue
			}
			if qtype == dns.TypeANY || r.qtype == qtype {
				same = append(same, dns.Copy(r.rr))
			} else if c, ok := r.rr.(*dns.CNAME); ok && cname == nil {
				cname = c
			}
		}
		if len(same) > 0 || cname == nil {
			return append(out, same...)
		}
		out = append(out, dns.Copy(cname))
		name = strings.ToLower(cname.Target)
	}
	return out
}

// dnsNameExists reports whether name owns a record (or a fault), or is an
// empty non-terminal above one.
func dnsNameExists(recs []dnsRecord, name string) bool {
	for _, r := range recs {
		if r.name == name || strings.HasSuffix(r.name, "."+name) {
			return true
		}
	}
	return false
}
