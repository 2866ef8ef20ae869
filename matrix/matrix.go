package matrix

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"
)

const (
	nProtocols = 9
	nMethods   = 2
	nVerdicts  = 6
	// maxCellReasons bounds the reasons a cell shows.
	maxCellReasons = 6
)

// Matrix is the access matrix of one snapshot: every mailbox user's
// verdict per protocol and method, and the cells that aggregate them.
type Matrix struct {
	// AsOf is the date judged (the snapshot's).
	AsOf time.Time
	// Users are the mailbox users, sorted by UPN.
	Users []UserAccess
	// Cells are indexed by Protocol.Index() and Method.Index(); use Cell.
	Cells [nProtocols][nMethods]Cell

	// byUPN finds a user by lower-case UPN (set by Evaluate; built by
	// the first User call).
	byUPN *upnIndex
}

type upnIndex struct {
	once sync.Once
	pos  map[string]int
}

// UserAccess is one mailbox user's row of the matrix.
type UserAccess struct {
	UPN         string
	DisplayName string
	// Domain is the UPN's domain, lower case.
	Domain string
	// Federated is true when the domain signs in at a federated IdP.
	Federated bool
	// ID is the Entra object id ("" when no Graph user matched).
	ID string
	// Mailbox is the Get-CASMailbox Identity (the alias).
	Mailbox string
	// RecipientTypeDetails is Get-User's (UserMailbox, SharedMailbox, ...).
	RecipientTypeDetails string

	access [nProtocols][nMethods]Access
}

// Access returns the user's verdict and reasons for p and m (the zero
// Access for an unknown protocol or method).
func (u *UserAccess) Access(p Protocol, m Method) Access {
	i, j := p.Index(), m.Index()
	if i < 0 || j < 0 {
		return Access{}
	}
	return u.access[i][j]
}

// Verdict returns the user's verdict for p and m.
func (u *UserAccess) Verdict(p Protocol, m Method) Verdict { return u.Access(p, m).Verdict }

// Cell is one protocol and method over all users.
type Cell struct {
	Protocol Protocol
	Method   Method
	// Verdict is the most permissive verdict among the users.
	Verdict Verdict
	// Counts holds the users per verdict, indexed by Verdict.Rank(); use
	// Count.
	Counts [nVerdicts]int
	// Reasons explain Verdict: deduplicated texts from the users with
	// that verdict, most common first, at most a few.
	Reasons []string
}

// Count returns how many users have verdict v in the cell.
func (c *Cell) Count(v Verdict) int {
	if r := v.Rank(); r < nVerdicts {
		return c.Counts[r]
	}
	return 0
}

// Total returns the number of users the cell counts.
func (c *Cell) Total() int {
	n := 0
	for _, k := range c.Counts {
		n += k
	}
	return n
}

// Cell returns the cell for p and m, or nil for an unknown protocol or
// method.
func (m *Matrix) Cell(p Protocol, meth Method) *Cell {
	i, j := p.Index(), meth.Index()
	if i < 0 || j < 0 {
		return nil
	}
	return &m.Cells[i][j]
}

// UsersIn returns the users whose verdict for p and meth is v, in UPN
// order: the drill-down behind a cell's count.
func (m *Matrix) UsersIn(p Protocol, meth Method, v Verdict) []*UserAccess {
	i, j := p.Index(), meth.Index()
	if i < 0 || j < 0 {
		return nil
	}
	var out []*UserAccess
	for k := range m.Users {
		if m.Users[k].access[i][j].Verdict == v {
			out = append(out, &m.Users[k])
		}
	}
	return out
}

// User returns the user with the given UPN (case-insensitive), or nil.
//
// The first call indexes the users by lower-case UPN, so later ones take
// O(1) (remediate's impact looks up every user of the inventory in two
// matrices per step: a scan made that quadratic). A UPN with non-ASCII
// letters the index misses is looked for by a scan (strings.EqualFold
// folds more than lower-casing).
func (m *Matrix) User(upn string) *UserAccess {
	if ix := m.byUPN; ix != nil {
		ix.once.Do(func() {
			ix.pos = make(map[string]int, len(m.Users))
			for k := len(m.Users) - 1; k >= 0; k-- { // the first of equal UPNs wins
				ix.pos[strings.ToLower(m.Users[k].UPN)] = k
			}
		})
		if k, ok := ix.pos[strings.ToLower(upn)]; ok && strings.EqualFold(m.Users[k].UPN, upn) {
			return &m.Users[k]
		}
		if isASCII(upn) {
			return nil // for ASCII, lower-case equality is EqualFold's
		}
	}
	for k := range m.Users {
		if strings.EqualFold(m.Users[k].UPN, upn) {
			return &m.Users[k]
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cellJSON is a cell in CONTRACT.md's shape.
type cellJSON struct {
	Verdict Verdict         `json:"verdict"`
	Users   map[Verdict]int `json:"users"`
	Reasons []string        `json:"reasons"`
}

type matrixJSON struct {
	Protocols []Protocol                       `json:"protocols"`
	Methods   []Method                         `json:"methods"`
	Cells     map[Protocol]map[Method]cellJSON `json:"cells"`
}

func (c *Cell) toJSON() cellJSON {
	out := cellJSON{Verdict: c.Verdict, Users: map[Verdict]int{}, Reasons: c.Reasons}
	for r, n := range c.Counts {
		if n > 0 {
			out.Users[Verdicts[r]] = n
		}
	}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	return out
}

// MarshalJSON writes a cell as CONTRACT.md's
// {"verdict": ..., "users": {...}, "reasons": [...]}.
func (c Cell) MarshalJSON() ([]byte, error) { return json.Marshal(c.toJSON()) }

// MarshalJSON writes the matrix in CONTRACT.md's shape
// ({"protocols": [...], "methods": [...], "cells": {protocol: {method:
// cell}}}); keys are sorted, so the output is deterministic. Per-user
// rows are not included (see UsersIn).
func (m Matrix) MarshalJSON() ([]byte, error) {
	out := matrixJSON{Protocols: Protocols, Methods: Methods, Cells: map[Protocol]map[Method]cellJSON{}}
	for i, p := range Protocols {
		row := map[Method]cellJSON{}
		for j, meth := range Methods {
			row[meth] = m.Cells[i][j].toJSON()
		}
		out.Cells[p] = row
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the cells of a matrix written by MarshalJSON (the
// users are not in that JSON, so Users stays empty).
func (m *Matrix) UnmarshalJSON(data []byte) error {
	var in matrixJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	for p, row := range in.Cells {
		for meth, c := range row {
			cell := m.Cell(p, meth)
			if cell == nil {
				return fmt.Errorf("matrix: unknown cell %s/%s", p, meth)
			}
			*cell = Cell{Protocol: p, Method: meth, Verdict: c.Verdict, Reasons: c.Reasons}
			for v, n := range c.Users {
				r := v.Rank()
				if r >= nVerdicts {
					return fmt.Errorf("matrix: %s/%s: unknown verdict %q", p, meth, v)
				}
				cell.Counts[r] = n
			}
		}
	}
	return nil
}

// effectOf is the reason effect that explains a verdict.
func effectOf(v Verdict) string {
	switch v {
	case Password:
		return EffectAllows
	case Restricted:
		return EffectRestricts
	case Unknown:
		return EffectUnknown
	case MFA:
		return EffectRequiresMFA
	case Blocked:
		return EffectBlocks
	case Unsupported:
		return EffectUnsupported
	}
	return ""
}

func gateRank(g string) int {
	for i, h := range Gates {
		if h == g {
			return i
		}
	}
	return len(Gates)
}

// aggregate fills the cells from the users. Cells are independent: with
// many users, a few workers share them.
func (m *Matrix) aggregate(noUsers func(p Protocol, meth Method) (Verdict, string)) {
	workers := 1
	if len(m.Users) >= minUsersPerWorker {
		workers = min(runtime.GOMAXPROCS(0), maxWorkers)
	}
	next := make(chan [2]int, nProtocols*nMethods)
	for i := range Protocols {
		for j := range Methods {
			next <- [2]int{i, j}
		}
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ij := range next {
				m.aggregateCell(ij[0], ij[1], noUsers)
			}
		}()
	}
	wg.Wait()
}

func (m *Matrix) aggregateCell(i, j int, noUsers func(p Protocol, meth Method) (Verdict, string)) {
	p, meth := Protocols[i], Methods[j]
	c := &m.Cells[i][j]
	*c = Cell{Protocol: p, Method: meth}
	for k := range m.Users {
		c.Counts[m.Users[k].access[i][j].Verdict.Rank()]++
	}
	if len(m.Users) == 0 {
		v, why := noUsers(p, meth)
		c.Verdict, c.Reasons = v, []string{why}
		return
	}
	for r, n := range c.Counts {
		if n > 0 {
			c.Verdict = Verdicts[r]
			break
		}
	}
	c.Reasons = m.cellReasons(i, j, c.Verdict)
}

// cellReasons picks the reasons behind verdict v in cell (i, j): the
// texts, from users with that verdict, of the reasons whose effect
// produces v. Texts that differ only by the user they name are grouped
// ("... (and 39 more users alike)"). Most common first, then in gate
// order.
func (m *Matrix) cellReasons(i, j int, v Verdict) []string {
	want := effectOf(v)
	// First by the text's identity (cheap: shared reasons share their
	// string, and hashing long texts per user is the cost that matters at
	// 10,000 users), then by content, merging texts that differ only by
	// the user they name.
	type key struct{ gate, text string }
	type ident struct {
		gate string
		data *byte
		n    int
	}
	type exact struct {
		key
		users, first, last int
	}
	var exacts []*exact
	byText := map[ident]*exact{}
	for k := range m.Users {
		a := &m.Users[k].access[i][j]
		if a.Verdict != v {
			continue
		}
		for _, r := range a.Reasons {
			relevant := r.Effect == want
			if v == Password {
				// A domain out of Okta's reach is part of why a
				// password works; that the account exists is not news.
				relevant = (relevant && r.Gate != GateAccount) || (r.Gate == GateOkta && r.Effect == EffectNotApplicable)
			}
			if !relevant {
				continue
			}
			id := ident{r.Gate, unsafe.StringData(r.Text), len(r.Text)}
			x := byText[id]
			if x == nil {
				x = &exact{key: key{r.Gate, r.Text}, first: k, last: -1}
				byText[id] = x
				exacts = append(exacts, x)
			}
			if x.last != k {
				x.users++
				x.last = k
			}
		}
	}
	type group struct {
		text    string
		gate    int
		users   int
		perUser bool // the text names the user
	}
	var order []*group
	groups := map[key]*group{}
	for _, x := range exacts {
		gk := key{x.gate, genericText(x.text, &m.Users[x.first])}
		g := groups[gk]
		if g == nil {
			g = &group{text: x.text, gate: gateRank(x.gate)}
			groups[gk] = g
			order = append(order, g)
		}
		g.users += x.users
		g.perUser = g.perUser || gk.text != x.text
	}
	sort.SliceStable(order, func(a, b int) bool {
		if order[a].users != order[b].users {
			return order[a].users > order[b].users
		}
		if order[a].gate != order[b].gate {
			return order[a].gate < order[b].gate
		}
		return order[a].text < order[b].text
	})
	if len(order) > maxCellReasons {
		order = order[:maxCellReasons]
	}
	out := make([]string, 0, len(order))
	for _, g := range order {
		t := g.text
		if g.perUser && g.users > 1 {
			more := "users"
			if g.users == 2 {
				more = "user"
			}
			t = fmt.Sprintf("%s (and %d more %s alike)", t, g.users-1, more)
		}
		out = append(out, t)
	}
	return out
}

// genericText replaces the user's UPN and mailbox identity in a reason
// text by a placeholder, where they stand as whole words.
func genericText(text string, u *UserAccess) string {
	for _, tok := range [...]string{u.UPN, u.Mailbox} {
		if tok != "" && strings.Contains(text, tok) {
			text = replaceWord(text, tok, "\x01")
		}
	}
	return text
}

func replaceWord(s, tok, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, tok)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(tok)
		// A dot inside a name ("info.desk") joins; a full stop does not.
		before := i > 0 && (wordByte(s[i-1]) || s[i-1] == '.' && i > 1 && wordByte(s[i-2]))
		after := end < len(s) && (wordByte(s[end]) || s[end] == '.' && end+1 < len(s) && wordByte(s[end+1]))
		if !before && !after {
			b.WriteString(s[:i])
			b.WriteString(with)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

func wordByte(c byte) bool {
	return c == '_' || c == '-' || c == '@' ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
