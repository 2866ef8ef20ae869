package probe

import (
	"fmt"
	"net/textproto"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// The mail protocols' opening moves: greeting, capabilities, STARTTLS.
// Nothing here signs in: the probe only reads what the server advertises.

// ehloName is the name the probe gives in SMTP EHLO.
const ehloName = "harden365.invalid"

// maxLines bounds any multi-line answer.
const maxLines = 200

// family is the protocol family: imap, pop3 or smtp ("" for https).
func family(protocol string) string {
	switch protocol {
	case tenant.ProtoIMAP, tenant.ProtoIMAPS:
		return "imap"
	case tenant.ProtoPOP3, tenant.ProtoPOP3S:
		return "pop3"
	case tenant.ProtoSMTP, tenant.ProtoSMTPS, tenant.ProtoSubmission:
		return "smtp"
	}
	return ""
}

// greet reads the server's greeting.
func greet(fam string, tp *textproto.Conn) error {
	switch fam {
	case "imap":
		l, err := tp.ReadLine()
		if err != nil {
			return err
		}
		if u := strings.ToUpper(l); !strings.HasPrefix(u, "* OK") && !strings.HasPrefix(u, "* PREAUTH") {
			return fmt.Errorf("unexpected IMAP greeting %q", clip(l))
		}
	case "pop3":
		l, err := tp.ReadLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(l, "+OK") {
			return fmt.Errorf("unexpected POP3 greeting %q", clip(l))
		}
	case "smtp":
		if _, _, err := tp.ReadResponse(220); err != nil {
			return fmt.Errorf("SMTP greeting: %w", err)
		}
	}
	return nil
}

// capabilities asks for the capability list: IMAP CAPABILITY atoms, POP3
// CAPA lines (none when the server does not know CAPA), SMTP EHLO lines
// (without the first, the server's name).
func capabilities(fam string, tp *textproto.Conn) ([]string, error) {
	switch fam {
	case "imap":
		if err := tp.PrintfLine("c1 CAPABILITY"); err != nil {
			return nil, err
		}
		var caps []string
		for range maxLines {
			l, err := tp.ReadLine()
			if err != nil {
				return nil, err
			}
			if len(l) > 13 && strings.EqualFold(l[:13], "* CAPABILITY ") {
				caps = append(caps, strings.Fields(l[13:])...)
				continue
			}
			if tag, rest, _ := strings.Cut(l, " "); tag == "c1" {
				if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
					return nil, fmt.Errorf("IMAP CAPABILITY: %q", clip(l))
				}
				return caps, nil
			}
		}
		return nil, fmt.Errorf("IMAP CAPABILITY: no end after %d lines", maxLines)
	case "pop3":
		if err := tp.PrintfLine("CAPA"); err != nil {
			return nil, err
		}
		l, err := tp.ReadLine()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(l, "+OK") {
			return nil, nil // CAPA unknown (RFC 1939 servers): nothing advertised
		}
		lines, err := tp.ReadDotLines()
		if err != nil {
			return nil, err
		}
		return lines, nil
	case "smtp":
		id, err := tp.Cmd("EHLO %s", ehloName)
		if err != nil {
			return nil, err
		}
		tp.StartResponse(id)
		_, msg, err := tp.ReadResponse(250)
		tp.EndResponse(id)
		if err != nil {
			return nil, fmt.Errorf("SMTP EHLO: %w", err)
		}
		lines := strings.Split(msg, "\n")
		return lines[1:], nil
	}
	return nil, nil
}

// offersUpgrade reports whether the capabilities offer STARTTLS (STLS).
func offersUpgrade(fam string, caps []string) bool {
	word := "STARTTLS"
	if fam == "pop3" {
		word = "STLS"
	}
	for _, c := range caps {
		if strings.EqualFold(strings.TrimSpace(c), word) {
			return true
		}
	}
	return false
}

// startTLS sends STARTTLS (STLS) and reads the go-ahead.
func startTLS(fam string, tp *textproto.Conn) error {
	switch fam {
	case "imap":
		if err := tp.PrintfLine("c2 STARTTLS"); err != nil {
			return err
		}
		for range maxLines {
			l, err := tp.ReadLine()
			if err != nil {
				return err
			}
			if tag, rest, _ := strings.Cut(l, " "); tag == "c2" {
				if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
					return fmt.Errorf("IMAP STARTTLS refused: %q", clip(l))
				}
				break
			}
		}
	case "pop3":
		if err := tp.PrintfLine("STLS"); err != nil {
			return err
		}
		l, err := tp.ReadLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(l, "+OK") {
			return fmt.Errorf("POP3 STLS refused: %q", clip(l))
		}
	case "smtp":
		id, err := tp.Cmd("STARTTLS")
		if err != nil {
			return err
		}
		tp.StartResponse(id)
		_, msg, err := tp.ReadResponse(220)
		tp.EndResponse(id)
		if err != nil {
			return fmt.Errorf("SMTP STARTTLS refused: %v (%s)", err, clip(msg))
		}
	}
	if tp.R.Buffered() > 0 {
		return fmt.Errorf("the server sent data after accepting STARTTLS")
	}
	return nil
}

// goodbye ends the dialogue politely (best effort).
func goodbye(fam string, tp *textproto.Conn) {
	switch fam {
	case "imap":
		_ = tp.PrintfLine("c9 LOGOUT")
	case "pop3", "smtp":
		_ = tp.PrintfLine("QUIT")
	}
}

// basicMechanisms lists the password mechanisms a capability list offers
// (see tenant.AuthProbe).
func basicMechanisms(fam string, caps []string) []string {
	var out []string
	add := func(m string) {
		for _, x := range out {
			if x == m {
				return
			}
		}
		out = append(out, m)
	}
	switch fam {
	case "imap":
		disabled := false
		for _, c := range caps {
			switch strings.ToUpper(c) {
			case "LOGINDISABLED":
				disabled = true
			case "AUTH=PLAIN":
				add("AUTH=PLAIN")
			case "AUTH=LOGIN":
				add("AUTH=LOGIN")
			}
		}
		if !disabled && len(caps) > 0 {
			out = append([]string{"LOGIN"}, out...)
		}
	case "pop3":
		for _, c := range caps {
			f := strings.Fields(strings.ToUpper(c))
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "USER":
				add("USER")
			case "SASL":
				for _, m := range f[1:] {
					if m == "PLAIN" || m == "LOGIN" {
						add("SASL " + m)
					}
				}
			}
		}
	case "smtp":
		for _, c := range caps {
			u := strings.ToUpper(strings.TrimSpace(c))
			if !strings.HasPrefix(u, "AUTH ") && !strings.HasPrefix(u, "AUTH=") {
				continue
			}
			for _, m := range strings.Fields(u[5:]) {
				if m == "PLAIN" || m == "LOGIN" {
					add("AUTH " + m)
				}
			}
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
