package matrix

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
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

	// verdicts are 1 + Verdict.Rank() per protocol and method (0: none).
	verdicts [nProtocols][nMethods]uint8
	// why explains a verdict on demand: the matrix's evaluator, on the
	// user's Get-CASMailbox row mbx of the snapshot judged.
	why *explainer
	mbx int
}

func (u *UserAccess) setVerdict(i, j int, v Verdict) { u.verdicts[i][j] = uint8(v.Rank() + 1) }

func (u *UserAccess) verdict(i, j int) Verdict {
	if r := u.verdicts[i][j]; r > 0 {
		return Verdicts[r-1]
	}
	return ""
}

// Access returns the user's verdict and reasons for p and m (the zero
// Access for an unknown protocol or method). The reasons are found again
// by walking the user's gates on the snapshot judged, which must not
// have changed since (see Evaluate).
func (u *UserAccess) Access(p Protocol, m Method) Access {
	i, j := p.Index(), m.Index()
	if i < 0 || j < 0 {
		return Access{}
	}
	if u.why == nil {
		return Access{Verdict: u.verdict(i, j)}
	}
	return u.why.explain(u, i, j)
}

// Verdict returns the user's verdict for p and m.
func (u *UserAccess) Verdict(p Protocol, m Method) Verdict {
	i, j := p.Index(), m.Index()
	if i < 0 || j < 0 {
		return ""
	}
	return u.verdict(i, j)
}

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
		if m.Users[k].verdict(i, j) == v {
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

// aggregate fills the cells from the workers' tallies of their users'
// verdicts and reasons (one per worker). Cells are
// independent: with many users, a few workers share them.
func (m *Matrix) aggregate(noUsers func(p Protocol, meth Method) (Verdict, string), tallies [][nProtocols][nMethods]cellTally) {
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
				m.aggregateCell(ij[0], ij[1], noUsers, tallies)
			}
		}()
	}
	wg.Wait()
}

func (m *Matrix) aggregateCell(i, j int, noUsers func(p Protocol, meth Method) (Verdict, string), tallies [][nProtocols][nMethods]cellTally) {
	p, meth := Protocols[i], Methods[j]
	c := &m.Cells[i][j]
	*c = Cell{Protocol: p, Method: meth}
	for w := range tallies { // the workers counted their users
		for r, n := range tallies[w][i][j].counts {
			c.Counts[r] += n
		}
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
	// The exact texts behind the verdict, from the workers that saw it
	// (one text's tallies joined), in order of first appearance.
	want := uint8(c.Verdict.Rank() + 1)
	var exacts []*exactText
	joined := map[textIdent]*exactText{}
	for w := range tallies {
		t := &tallies[w][i][j]
		if t.verdict != want {
			continue
		}
		for _, x := range t.exacts {
			if x.id == (textIdent{}) { // a user's own text
				exacts = append(exacts, x)
				continue
			}
			if y := joined[x.id]; y != nil {
				y.users += x.users
				y.seen(x.first, x.at)
				continue
			}
			y := *x
			joined[x.id] = &y
			exacts = append(exacts, &y)
		}
	}
	slices.SortFunc(exacts, func(a, b *exactText) int {
		if a.first != b.first {
			return a.first - b.first
		}
		return a.at - b.at
	})
	c.Reasons = m.cellReasons(exacts)
}

// cellTally gathers, for one cell, the reason texts behind the most
// permissive verdict seen so far (the cell's verdict, once every user is
// seen) and how many users gave each, and where each first appears (the
// users come in any order): a less permissive verdict is skipped, a more
// permissive one starts the tally again.
type cellTally struct {
	// counts are the users per verdict (indexed by rank).
	counts  [nVerdicts]int
	verdict uint8 // 1 + rank; 0 before the first user
	exacts  []*exactText
	byText  map[textIdent]*exactText
	// recent are the texts found last, looked at before byText: a
	// cell's users share a few texts.
	recent     [8]*exactText
	recentID   [8]textIdent
	recentNext int
}

// find returns the tally of the text id (nil when new).
func (t *cellTally) find(id textIdent) *exactText {
	for k := range t.recent {
		if t.recentID[k] == id && t.recent[k] != nil {
			return t.recent[k]
		}
	}
	x := t.byText[id]
	if x != nil {
		t.remember(id, x)
	}
	return x
}

func (t *cellTally) remember(id textIdent, x *exactText) {
	t.recent[t.recentNext], t.recentID[t.recentNext] = x, id
	t.recentNext = (t.recentNext + 1) % len(t.recent)
}

// textIdent identifies a reason text by its bytes' address: shared
// reasons share their string, and hashing long texts per user is the
// cost that matters at 100,000 users.
type textIdent struct {
	gate, data *byte // the bytes of the gate's name and of the text
	n          int
}

type exactText struct {
	gate, text string
	// id is the text's identity (zero for a user's own text, written by
	// the tally).
	id textIdent
	// first is the first user (position) with the text and at its
	// place among that user's reasons; last the last user counted.
	users, first, at, last int
	// tmpl is set when text is a template's shared text (names.go):
	// users counts the users with plain names, first is the first of
	// them (-1 before).
	tmpl *nameTemplate
}

// userNames is the user whose reasons a tally counts; whether its names
// are plain is found once, when a shared text is counted.
type userNames struct {
	ua           *UserAccess
	names        *nameTemplates
	known, plain bool
}

// seen notes that the text is the at-th reason of the user at pos.
func (x *exactText) seen(pos, at int) {
	if x.first < 0 || pos < x.first || pos == x.first && at < x.at {
		x.first, x.at = pos, at
	}
}

func (u *userNames) isPlain() bool {
	if !u.known {
		u.plain, u.known = u.names.plainNames(u.ua), true
	}
	return u.plain
}

// add counts the reasons rs of the user at position pos, whose verdict
// for the cell is v (1 + rank): the texts of the reasons whose effect
// produces v. A template's shared text counts the user when its names
// are plain; otherwise the user's own text is written and counted as
// the user's.
func (t *cellTally) add(pos int, v uint8, rs []Reason, u *userNames) {
	if v > 0 {
		t.counts[v-1]++
	}
	switch {
	case t.verdict != 0 && v > t.verdict:
		return
	case v != t.verdict:
		t.verdict, t.exacts, t.byText = v, nil, map[textIdent]*exactText{}
		t.recent, t.recentNext = [8]*exactText{}, 0
	}
	verdict := Verdicts[v-1]
	want := effectOf(verdict)
	for k, r := range rs {
		relevant := r.Effect == want
		if verdict == Password {
			// A domain out of Okta's reach is part of why a
			// password works; that the account exists is not news.
			relevant = (relevant && r.Gate != GateAccount) || (r.Gate == GateOkta && r.Effect == EffectNotApplicable)
		}
		if !relevant {
			continue
		}
		id := textIdent{unsafe.StringData(r.Gate), unsafe.StringData(r.Text), len(r.Text)}
		x := t.find(id)
		if x == nil {
			x = &exactText{gate: r.Gate, text: r.Text, id: id, first: -1, last: -1, tmpl: u.names.byText[id.data]}
			t.byText[id] = x
			t.remember(id, x)
			if x.tmpl == nil {
				t.exacts = append(t.exacts, x)
			}
		}
		if x.tmpl != nil {
			switch {
			case !u.isPlain():
				t.exacts = append(t.exacts, &exactText{gate: r.Gate, text: x.tmpl.render(u.ua), users: 1, first: pos, at: k, last: pos})
				continue
			case x.first < 0:
				t.exacts = append(t.exacts, x)
			}
			x.users++
			x.seen(pos, k)
			continue
		}
		if x.last != pos {
			x.users++
			x.last = pos
			x.seen(pos, k)
		}
	}
}

// cellReasons picks the reasons behind a cell's verdict from the texts
// tallied: texts that differ only by the user they name are grouped
// ("... (and 39 more users alike)"). Most common first, then in gate
// order.
func (m *Matrix) cellReasons(exacts []*exactText) []string {
	type key struct{ gate, text string }
	type group struct {
		text    string
		gate    int
		users   int
		perUser bool // the text names the user
	}
	var order []*group
	groups := map[key]*group{}
	for _, x := range exacts {
		text, gk := x.text, key{gate: x.gate}
		if x.tmpl != nil { // users with plain names: genericText gives the shared text
			text, gk.text = x.tmpl.render(&m.Users[x.first]), x.tmpl.generic
		} else {
			gk.text = genericText(x.text, &m.Users[x.first])
		}
		g := groups[gk]
		if g == nil {
			g = &group{text: text, gate: gateRank(x.gate)}
			groups[gk] = g
			order = append(order, g)
		}
		g.users += x.users
		g.perUser = g.perUser || gk.text != text
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
