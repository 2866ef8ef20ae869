package matrix

import (
	"strings"
	"unsafe"
)

// Reason texts that name the user ("mailbox aaron.adams12 has
// OWAEnabled true") are the same for every user but for the name. A
// worker's walk (evaluator.lazy) does not write them per user: it gives
// the text with the name replaced by genericText's placeholder, shared
// by every user, and the cell tallies count it as one text; the user's
// own text is written only where it is shown (a cell's first user, or
// UserAccess.Access, whose walk is not lazy).
//
// That is exact only when genericText would give the shared text for
// the user's own one: plainNames says when it surely does; for the
// other users the tally writes their text and treats it as before.

// nameTemplate is a text that names the user: pre + name + post, the name
// being the mailbox name (evaluator's userCtx.name) or the UPN.
type nameTemplate struct {
	pre, post string
	upn       bool
	// fixed: the text is pre alone and names no user (a text every
	// user of a domain shares); generic is pre.
	fixed bool
	// generic is pre + "\x01" + post: genericText of the user's text
	// for a user whose names are plain; "" when the template cannot be
	// shared (the name does not stand as a whole word).
	generic string
}

// render is the text for user u.
func (t *nameTemplate) render(u *UserAccess) string {
	if t.fixed {
		return t.pre
	}
	name := u.UPN
	if !t.upn && u.Mailbox != "" {
		name = u.Mailbox
	}
	return t.pre + name + t.post
}

// nameTemplates are an evaluator's templates (shared by its forks).
type nameTemplates struct {
	// switches are the mailbox gate's protocol switches, per protocol
	// and value (false, true); smtp and powershell their other texts;
	// account the account gate's for a Graph user (disabled, enabled).
	switches                                   [nProtocols][2]*nameTemplate
	smtpOff, smtpOn, smtpNullOff, smtpNullOn   *nameTemplate
	smtpNullUnknown                            *nameTemplate
	psMissing, psNoRow, psNoValue, psOn, psOff *nameTemplate
	account                                    [2]*nameTemplate
	// managed is the Okta layer's text for a managed domain Graph
	// lists, by its (lower-case) name.
	managed map[string]*nameTemplate

	// byText finds a template by its shared text's bytes (the text
	// itself, not an equal one).
	byText map[*byte]*nameTemplate
	// runs are the longest runs of name bytes in the templates' fixed
	// parts, longest first; inRuns the bytes they have.
	runs   []string
	inRuns [256]bool
}

func newNameTemplates(e *evaluator) *nameTemplates {
	n := &nameTemplates{byText: map[*byte]*nameTemplate{}, managed: map[string]*nameTemplate{}}
	mk := func(pre, post string, upn bool) *nameTemplate {
		t := &nameTemplate{pre: pre, post: post, upn: upn}
		if !nameBoundary(pre, post) {
			return t
		}
		t.generic = pre + "\x01" + post
		n.byText[unsafe.StringData(t.generic)] = t
		n.addRuns(pre, post)
		return t
	}
	for name, d := range e.domains {
		if d.Federated() {
			continue
		}
		text := "domain " + name + " is managed, not federated: Okta is not involved"
		t := &nameTemplate{pre: text, fixed: true, generic: text}
		n.byText[unsafe.StringData(t.generic)] = t
		n.addRuns(text, "")
		n.managed[name] = t
	}

	var props [nProtocols]string
	for p, prop := range map[Protocol]string{OWA: "OWAEnabled", MAPI: "MAPIEnabled", RPC: "MAPIEnabled",
		EWS: "EwsEnabled", ActiveSync: "ActiveSyncEnabled", POP: "PopEnabled", IMAP: "ImapEnabled"} {
		props[p.Index()] = prop
	}
	for i, prop := range props {
		if prop == "" {
			continue
		}
		for v, on := range [...]string{"false", "true"} {
			post := " has " + prop + " " + on
			if i == RPC.Index() {
				post += " (it also governs Outlook Anywhere)"
			}
			n.switches[i][v] = mk("mailbox ", post, false)
		}
	}
	n.smtpOff = mk("mailbox ", " has SmtpClientAuthenticationDisabled true: SMTP AUTH is off", false)
	n.smtpOn = mk("mailbox ", " has SmtpClientAuthenticationDisabled false: SMTP AUTH is explicitly on, whatever the tenant says", false)
	why := e.missing(srcTransport)
	if why == "" && e.s.Exchange.TransportConfig == nil {
		why = srcTransport + " returned nothing"
	}
	n.smtpNullUnknown = mk("mailbox ", " has SmtpClientAuthenticationDisabled null, so it inherits the tenant's value, but "+why, false)
	n.smtpNullOff = mk("mailbox ", " has SmtpClientAuthenticationDisabled null and inherits Get-TransportConfig SmtpClientAuthenticationDisabled true: SMTP AUTH is off", false)
	n.smtpNullOn = mk("mailbox ", " has SmtpClientAuthenticationDisabled null, which inherits Get-TransportConfig SmtpClientAuthenticationDisabled false: SMTP AUTH is on (the null-inheritance trap: null does not mean off)", false)
	n.psMissing = mk(e.missing(srcGetUser)+": RemotePowerShellEnabled of ", " is unknown", false)
	n.psNoRow = mk("no Get-User row for mailbox ", ": RemotePowerShellEnabled is unknown", false)
	n.psNoValue = mk("the Get-User row of ", " has no RemotePowerShellEnabled", false)
	n.psOn = mk("user ", " has RemotePowerShellEnabled true", false)
	n.psOff = mk("user ", " has RemotePowerShellEnabled false", false)
	n.account[0] = mk("sign-in disabled: account ", " has accountEnabled false", true)
	n.account[1] = mk("account ", " can sign in (accountEnabled true)", true)
	// Longest first: plainNames looks only at the runs a name fits in.
	sortByLenDesc(n.runs)
	for _, run := range n.runs {
		for i := 0; i < len(run); i++ {
			n.inRuns[run[i]] = true
		}
	}
	return n
}

// addRuns adds the runs of name bytes of a template's fixed parts.
func (n *nameTemplates) addRuns(parts ...string) {
	for _, part := range parts {
		n.runs = append(n.runs, strings.FieldsFunc(part, func(c rune) bool { return c >= 0x80 || !nameByte(byte(c)) })...)
	}
}

// text is t's text for the user of uc: the shared one in a lazy walk.
func (e *evaluator) text(t *nameTemplate, uc *userCtx) string {
	if e.lazy && t.generic != "" || t.fixed {
		return t.generic
	}
	if t.upn {
		return t.pre + uc.ua.UPN + t.post
	}
	return t.pre + uc.name + t.post
}

// plainNames reports whether genericText, on any template's text for u,
// surely gives the template's generic text: u's UPN (never empty) and
// mailbox name are made of name bytes only, so that an occurrence of
// either cannot reach over a template's fixed parts (which end in
// other bytes next to the name, nameBoundary); neither occurs within
// those parts; and the UPN is not inside a different mailbox name
// (genericText replaces the UPN first).
func (n *nameTemplates) plainNames(u *UserAccess) bool {
	upn, mbx := u.UPN, u.Mailbox
	if upn == "" || !nameBytes(upn) || !nameBytes(mbx) {
		return false
	}
	if mbx != "" && mbx != upn && strings.Contains(mbx, upn) {
		return false
	}
	for _, tok := range [...]string{upn, mbx} {
		if tok == "" || !n.allInRuns(tok) {
			continue // a byte no run has: in none of them
		}
		for _, run := range n.runs {
			if len(run) < len(tok) {
				break
			}
			if strings.Contains(run, tok) {
				return false
			}
		}
	}
	return true
}

func (n *nameTemplates) allInRuns(s string) bool {
	for i := 0; i < len(s); i++ {
		if !n.inRuns[s[i]] {
			return false
		}
	}
	return true
}

// nameByte is a byte a plain name is made of: replaceWord's word bytes
// and the dot.
func nameByte(c byte) bool { return nameByteTable[c] }

var nameByteTable = func() (t [256]bool) {
	for c := range 256 {
		t[c] = wordByte(byte(c)) || c == '.'
	}
	return t
}()

func nameBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if !nameByteTable[s[i]] {
			return false
		}
	}
	return true
}

// nameBoundary: the fixed parts next to the name are no name bytes, so
// that the name stands as a whole word and no plain name reaches over.
func nameBoundary(pre, post string) bool {
	return pre != "" && !nameByte(pre[len(pre)-1]) && (post == "" || !nameByte(post[0]))
}

func sortByLenDesc(ss []string) {
	for i := 1; i < len(ss); i++ {
		for k := i; k > 0 && len(ss[k]) > len(ss[k-1]); k-- {
			ss[k], ss[k-1] = ss[k-1], ss[k]
		}
	}
}
