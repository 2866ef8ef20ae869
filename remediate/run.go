package remediate

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harden365/harden365/tenant"
)

// run is one step at work on a copy of the snapshot: it checks the step's
// preconditions, then changes the copy exactly as the writes it records
// would change the organisation. The writes and the simulated snapshot come
// from the same code, so they cannot disagree.
type run struct {
	s    *tenant.Snapshot
	c    Choices
	step string
	// clock is the time of the next write: the plan's now plus one second
	// per write made before it.
	clock time.Time
	// planned are the steps of the plan this run belongs to.
	planned map[string]bool

	writes   []tenant.Write
	instr    []Instruction
	notes    []string
	problems []string
	manual   bool
	// nothing says why the step has nothing to do ("" when it has, or
	// when it was refused).
	nothing string

	// ix finds users by UPN, id and Identity (see index).
	ix *userIndex
}

// Instruction is one thing to do by hand (for hand-over or change
// control): a command in today's tooling, or a path through an admin
// console.
type Instruction struct {
	// Tool: "Exchange Online PowerShell", "Microsoft Graph PowerShell",
	// "Okta Admin Console", "Entra admin center", "Okta API".
	Tool string `json:"tool"`
	Text string `json:"text"`
}

// Tools named by instructions.
const (
	ToolEXO     = "Exchange Online PowerShell"
	ToolGraphPS = "Microsoft Graph PowerShell"
	ToolOkta    = "Okta Admin Console"
	ToolOktaAPI = "Okta API"
	ToolEntra   = "Entra admin center"
)

// refuse records an unmet precondition.
func (r *run) refuse(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *run) refused() bool { return len(r.problems) > 0 }

// note records something the operator should know about the step.
func (r *run) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *run) instruct(tool, format string, args ...any) {
	r.instr = append(r.instr, Instruction{Tool: tool, Text: fmt.Sprintf(format, args...)})
}

// need refuses when a source the step reads was not collected.
func (r *run) need(ids ...string) bool {
	ok := true
	for _, id := range ids {
		st, found := r.s.Status(id)
		switch {
		case !found:
			r.refuse("%s was not collected, so the step cannot tell what to change", id)
			ok = false
		case st.State != tenant.StateOK:
			why := st.Error
			if why == "" {
				why = st.State
			}
			r.refuse("%s could not be collected (%s), so the step cannot tell what to change", id, oneLine(why))
			ok = false
		}
	}
	return ok
}

// emit records a write made now and returns its ID. Undo writes get their
// IDs from it; Reversible follows from Undo and Irreversible.
func (r *run) emit(w tenant.Write) string {
	w.Step = r.step
	w.ID = r.step + "-" + strconv.Itoa(len(r.writes)+1)
	w.At = r.clock
	r.clock = r.clock.Add(time.Second)
	for i := range w.Undo {
		w.Undo[i].Step = r.step
		w.Undo[i].ID = w.ID + ".undo"
		if len(w.Undo) > 1 {
			w.Undo[i].ID += "-" + strconv.Itoa(i+1)
		}
		if w.Undo[i].Old == nil {
			w.Undo[i].Old = map[string]any{}
		}
		if w.Undo[i].New == nil {
			w.Undo[i].New = map[string]any{}
		}
	}
	w.Reversible = w.Irreversible == "" && len(w.Undo) > 0
	if w.Old == nil {
		w.Old = map[string]any{}
	}
	if w.New == nil {
		w.New = map[string]any{}
	}
	r.writes = append(r.writes, w)
	return w.ID
}

// lastAt is the time the latest write was made.
func (r *run) lastAt() time.Time { return r.writes[len(r.writes)-1].At }

// --- ids the simulation gives to objects the service will create

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// oktaID is a deterministic 20-character Okta-style id with prefix
// ("00u", "0pr"), standing in for the one Okta will assign.
func oktaID(prefix string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; b.Len() < 20; i++ {
		b.WriteByte(idAlphabet[int(sum[i%len(sum)])%len(idAlphabet)])
	}
	return b.String()
}

// guid is a deterministic GUID standing in for one Graph will assign.
func guid(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", binary.BigEndian.Uint32(sum[0:4]), binary.BigEndian.Uint16(sum[4:6]),
		binary.BigEndian.Uint16(sum[6:8])&0x0fff|0x4000, binary.BigEndian.Uint16(sum[8:10])&0x3fff|0x8000, sum[10:16])
}

// --- lookups

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func mailboxUPN(m tenant.CASMailbox) string {
	if m.PrimarySmtpAddress != "" {
		return m.PrimarySmtpAddress
	}
	return m.Identity
}

// exUser returns the Get-User row of a mailbox (Identity, object id or
// address), or nil. It scans; a run looks rows up through its index
// (run.exUser), which gives the same answers.
func exUser(s *tenant.Snapshot, m tenant.CASMailbox) *tenant.ExchangeUser {
	for i := range s.Exchange.Users {
		if strings.EqualFold(s.Exchange.Users[i].Identity, m.Identity) {
			return &s.Exchange.Users[i]
		}
	}
	for i := range s.Exchange.Users {
		u := &s.Exchange.Users[i]
		if (m.ExternalDirectoryObjectID != "" && strings.EqualFold(u.ExternalDirectoryObjectID, m.ExternalDirectoryObjectID)) ||
			strings.EqualFold(u.UserPrincipalName, m.PrimarySmtpAddress) {
			return u
		}
	}
	return nil
}

// graphUser returns the Graph user with this UPN or id, or nil (a scan:
// see run.graphUser).
func graphUser(s *tenant.Snapshot, upnOrID string) *tenant.User {
	for i := range s.Users {
		u := &s.Users[i]
		if strings.EqualFold(u.UserPrincipalName, upnOrID) || (u.ID != "" && strings.EqualFold(u.ID, upnOrID)) {
			return u
		}
	}
	return nil
}

// --- the run's index of users

// userIndex finds Graph users and Get-User rows by the keys the lookups
// above compare, in O(1): for each key (folded as strings.EqualFold
// folds) the position of its first and last row. It is built from the
// run's snapshot when first needed and again whenever the Users or
// Exchange.Users slices are no longer the ones it was built from; the
// steps change fields of those rows but never the keys (UPN, id,
// Identity), so a built index stays true while the slices stay.
type userIndex struct {
	users   []tenant.User
	exUsers []tenant.ExchangeUser

	graphUPN, graphID       map[string]int // first position
	exIdentity, exID, exUPN map[string]int // first position
	exUPNLast, graphUPNLast map[string]int // last position (inScope takes the last)
}

func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// index returns the run's user index, built or rebuilt as needed.
func (r *run) index() *userIndex {
	if ix := r.ix; ix != nil && sameSlice(ix.users, r.s.Users) && sameSlice(ix.exUsers, r.s.Exchange.Users) {
		return ix
	}
	r.ix = newUserIndex(r.s)
	return r.ix
}

// on returns the index for s, a copy of the snapshot ix was built from
// (nil when ix is nil or s's user slices are not of the same length):
// the rows are where they were and their keys the same.
func (ix *userIndex) on(s *tenant.Snapshot) *userIndex {
	if ix == nil || len(ix.users) != len(s.Users) || len(ix.exUsers) != len(s.Exchange.Users) {
		return nil
	}
	out := *ix
	out.users, out.exUsers = s.Users, s.Exchange.Users
	return &out
}

func newUserIndex(s *tenant.Snapshot) *userIndex {
	ix := &userIndex{users: s.Users, exUsers: s.Exchange.Users,
		graphUPN: make(map[string]int, len(s.Users)), graphID: make(map[string]int, len(s.Users)), graphUPNLast: make(map[string]int, len(s.Users)),
		exIdentity: make(map[string]int, len(s.Exchange.Users)), exID: make(map[string]int, len(s.Exchange.Users)),
		exUPN: make(map[string]int, len(s.Exchange.Users)), exUPNLast: make(map[string]int, len(s.Exchange.Users))}
	first := func(m map[string]int, key string, i int) {
		if _, ok := m[key]; !ok {
			m[key] = i
		}
	}
	// The Graph users' maps and the Get-User rows' are independent.
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range s.Users {
			u := &s.Users[i]
			upn := tenant.FoldKey(u.UserPrincipalName)
			first(ix.graphUPN, upn, i)
			ix.graphUPNLast[upn] = i
			if u.ID != "" {
				first(ix.graphID, tenant.FoldKey(u.ID), i)
			}
		}
	})
	for i := range s.Exchange.Users {
		x := &s.Exchange.Users[i]
		first(ix.exIdentity, tenant.FoldKey(x.Identity), i)
		if x.ExternalDirectoryObjectID != "" {
			first(ix.exID, tenant.FoldKey(x.ExternalDirectoryObjectID), i)
		}
		upn := tenant.FoldKey(x.UserPrincipalName)
		first(ix.exUPN, upn, i)
		ix.exUPNLast[upn] = i
	}
	wg.Wait()
	return ix
}

// at returns the position of key in m, or -1.
func at(m map[string]int, key string) int {
	if i, ok := m[key]; ok {
		return i
	}
	return -1
}

// earliest is the smaller of two positions, -1 meaning none.
func earliest(a, b int) int {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

// graphUser is graphUser(r.s, upnOrID) through the index.
func (r *run) graphUser(upnOrID string) *tenant.User {
	ix := r.index()
	k := tenant.FoldKey(upnOrID)
	i := at(ix.graphUPN, k)
	if upnOrID != "" {
		i = earliest(i, at(ix.graphID, k))
	}
	if i < 0 {
		return nil
	}
	return &r.s.Users[i]
}

// exUser is exUser(r.s, m) through the index.
func (r *run) exUser(m tenant.CASMailbox) *tenant.ExchangeUser {
	ix := r.index()
	i := at(ix.exIdentity, tenant.FoldKey(m.Identity))
	if i < 0 {
		i = at(ix.exUPN, tenant.FoldKey(m.PrimarySmtpAddress))
		if m.ExternalDirectoryObjectID != "" {
			i = earliest(i, at(ix.exID, tenant.FoldKey(m.ExternalDirectoryObjectID)))
		}
	}
	if i < 0 {
		return nil
	}
	return &r.s.Exchange.Users[i]
}

// mailboxGraphUser returns a mailbox's Graph user (object id, else UPN).
func (r *run) mailboxGraphUser(m tenant.CASMailbox) *tenant.User {
	if m.ExternalDirectoryObjectID != "" {
		if u := r.graphUser(m.ExternalDirectoryObjectID); u != nil {
			return u
		}
	}
	if x := r.exUser(m); x != nil && x.UserPrincipalName != "" {
		if u := r.graphUser(x.UserPrincipalName); u != nil {
			return u
		}
	}
	return r.graphUser(mailboxUPN(m))
}

// jobTitle is the title Choices.inScope matches: the last Get-User row
// with this UPN, else the last Graph user's.
func (r *run) jobTitle(upn string) string {
	ix := r.index()
	k := tenant.FoldKey(upn)
	if i := at(ix.exUPNLast, k); i >= 0 && r.s.Exchange.Users[i].Title != "" {
		return r.s.Exchange.Users[i].Title
	}
	if i := at(ix.graphUPNLast, k); i >= 0 {
		return r.s.Users[i].JobTitle
	}
	return ""
}

// inScope is c.inScope(r.s, upn) through the index.
func (r *run) inScope(upn string) bool {
	if r.c.Scope.Everyone() {
		return true
	}
	return r.c.Scope.Matches(upn, r.jobTitle(upn))
}

func isMailboxUser(u tenant.ExchangeUser) bool {
	return strings.HasSuffix(strings.ToLower(u.RecipientTypeDetails), "mailbox")
}

func psBool(b bool) string {
	if b {
		return "$true"
	}
	return "$false"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// list renders names as "a, b and c", at most max of them.
func list(names []string, max int) string {
	if max > 0 && len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
	}
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
