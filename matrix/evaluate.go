package matrix

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/harden365/harden365/tenant"
)

// Sources the gates read (tenant.SourceStatus IDs).
const (
	srcGraphUsers   = "graph.users"
	srcDomains      = "graph.domains"
	srcCA           = "graph.conditionalAccess"
	srcSecDefaults  = "graph.securityDefaults"
	srcCASMailbox   = "exchange.Get-CASMailbox"
	srcGetUser      = "exchange.Get-User"
	srcOrgConfig    = "exchange.Get-OrganizationConfig"
	srcTransport    = "exchange.Get-TransportConfig"
	srcAuthPolicy   = "exchange.Get-AuthenticationPolicy"
	srcOktaApps     = "okta.apps"
	srcOktaPolicies = "okta.policies"
	srcOktaGroups   = "okta.groups"
	srcOktaUsers    = "okta.users"
)

// policyFlag is the AllowBasicAuth* suffix that gates basic auth per
// protocol (ARCHITECTURE.md, "Which switches gate which protocol").
// Indexed by Protocol.Index(); OWA has none.
var policyFlag = func() (a [nProtocols]string) {
	for p, f := range map[Protocol]string{
		MAPI: "Mapi", RPC: "Rpc", EWS: "WebServices", ActiveSync: "ActiveSync",
		POP: "Pop", IMAP: "Imap", SMTP: "Smtp", PowerShell: "Powershell",
	} {
		a[p.Index()] = f
	}
	return a
}()

// Evaluate judges every mailbox user of s on every protocol and method,
// on the date s.AsOf, and aggregates the cells. It is pure: it reads s
// and nothing else, and does not change s.
//
// The users are the Get-CASMailbox rows, joined to their Graph user and
// Get-User row. For each user, protocol and method the gates are walked
// in order; each appends a Reason:
//
//   - platform: tenant.PlatformAt on s.AsOf. Unsupported and retired
//     decide for everyone (before the account: a method that does not
//     exist is unsupported for a disabled account too); "uncertain"
//     records unknown and goes on.
//   - account: Graph accountEnabled (else Get-User AccountDisabled).
//   - mailbox: the protocol switch of ARCHITECTURE.md (EWS also the
//     organisation's EwsEnabled, null counting as False from 2026-10-01;
//     SMTP null inheriting Get-TransportConfig).
//   - policy (basic): the assigned, else the org default, authentication
//     policy's AllowBasicAuth* flag; none means allowed.
//   - modern (modern): OAuth2ClientProfileEnabled false makes modern auth
//     unsupported for MAPI and RPC, the protocols of Outlook for Windows,
//     the only client it governs (Microsoft Learn); EWS, ActiveSync, POP,
//     IMAP, SMTP and PowerShell clients use OAuth regardless, OWA is a
//     browser sign-in.
//   - identity providers: Okta for federated domains (the Office 365
//     app's access policy, worst case over what the attacker controls)
//     and Entra for everyone (security defaults, enabled conditional
//     access); the most restrictive wins.
//
// A gate that blocks (or finds the method unsupported) decides. A gate
// whose data is missing records unknown and the walk goes on: a later
// gate that blocks still blocks; otherwise the verdict is unknown.
// Missing data never becomes blocked or mfa.
//
// The matrix keeps every verdict and each cell's reasons; a user's own
// reasons are found again when asked for (UserAccess.Access), by walking
// that user's gates on s once more, so s must not change while they may
// be asked for. (Keeping them would cost ~70 reasons per user: most of a
// matrix's memory and time at 100,000 users.)
func Evaluate(s *tenant.Snapshot) *Matrix {
	return evaluate(s, nil)
}

// EvaluateUsers is Evaluate for the mailbox users whose UPN is one of
// upns (case-insensitive): each user's row is what Evaluate gives it (a
// user's verdicts depend on the organisation and on that user alone),
// and the cells count only them. For the few accounts a check follows
// (break-glass, the operator, declared exceptions), without judging
// every mailbox.
func EvaluateUsers(s *tenant.Snapshot, upns []string) *Matrix {
	want := make(map[string]bool, len(upns))
	for _, u := range upns {
		want[strings.ToLower(u)] = true
	}
	return evaluate(s, want)
}

// evaluate judges the mailbox users of s (only those whose lower-case
// UPN is in want, unless want is nil).
//
// Users are independent: a few workers, each with its own caches, take
// contiguous runs of them in snapshot order and put each in its place in
// UPN order (the result does not depend on how many: the caches only
// remember what they would compute again, and the tallies where each
// text first appears in UPN order).
// Each user's reasons are walked into a scratch slice, counted into the
// worker's cell tallies (cellTally) and dropped: the matrix keeps the
// verdicts, and explains one on demand (UserAccess.Access) by walking
// that user again. At 100,000 users the reasons would be ~70 per user.
func evaluate(s *tenant.Snapshot, want map[string]bool) *Matrix {
	e := newEvaluator(s)
	m := &Matrix{AsOf: s.AsOf, byUPN: &upnIndex{}}
	var tallies [][nProtocols][nMethods]cellTally
	if e.ok(srcCASMailbox) && (want == nil || len(want) > 0) {
		// Join first, then evaluate in UPN order straight into place.
		type pick struct {
			k   int
			row joined
			// upn is the lower-case UPN: users are in order of upn +
			// "\x00" + Mailbox (compared as the pair when neither upn
			// has a NUL, which is the same), then in snapshot order.
			upn string
			nul bool
		}
		// The joins are independent: on workers, each into place.
		cas := s.Exchange.CASMailboxes
		picks := make([]pick, len(cas))
		ids := make([]UserAccess, len(cas))
		keep := make([]bool, len(cas))
		inRanges(len(cas), func(lo, hi int) {
			for k := lo; k < hi; k++ {
				ua := &ids[k]
				row := e.join(&cas[k], ua)
				upn := strings.ToLower(ua.UPN)
				if want != nil && !want[upn] {
					continue
				}
				ua.mbx, keep[k] = k, true
				picks[k] = pick{k, row, upn, strings.IndexByte(upn, 0) >= 0}
			}
		})
		if want != nil { // only the users wanted, in snapshot order
			kept := 0
			for k := range cas {
				if keep[k] {
					picks[kept], ids[kept] = picks[k], ids[k]
					kept++
				}
			}
			picks, ids = picks[:kept], ids[:kept]
		}
		type sortKey struct {
			// head is the upn's first 8 bytes, big-endian, zero-padded:
			// without NULs, heads that differ order as the upns do.
			head     uint64
			upn, mbx string
			i        int
			nul      bool
		}
		keys := make([]sortKey, len(picks))
		for i := range keys {
			keys[i] = sortKey{upnHead(picks[i].upn), picks[i].upn, ids[i].Mailbox, i, picks[i].nul}
		}
		// A total order (ties by snapshot position): sorted in runs on
		// workers and merged, it is the one sort's.
		sortRuns(keys, func(a, b sortKey) int {
			c := 0
			if !a.nul && !b.nul && a.head != b.head {
				if a.head < b.head {
					return -1
				}
				return 1
			}
			if a.nul || b.nul {
				c = strings.Compare(a.upn+"\x00"+a.mbx, b.upn+"\x00"+b.mbx)
			} else if c = strings.Compare(a.upn, b.upn); c == 0 {
				c = strings.Compare(a.mbx, b.mbx)
			}
			if c != 0 {
				return c
			}
			return a.i - b.i // stable
		})
		order := make([]int, len(keys))
		for pos := range keys {
			order[pos] = keys[pos].i
		}
		n := len(picks)
		m.Users = make([]UserAccess, n)
		why := &explainer{e: e}
		workers := min(runtime.GOMAXPROCS(0), maxWorkers, max(1, n/minUsersPerWorker))
		tallies = make([][nProtocols][nMethods]cellTally, workers)
		var evs []*evaluator // forked before any worker starts; lazy
		for range workers {
			ew := e.fork()
			ew.lazy = sharedTexts
			evs = append(evs, ew)
		}
		var wg sync.WaitGroup
		// Workers take runs of the users in snapshot order (the rows
		// they read follow each other), each into its place in UPN
		// order; the tallies keep where each text first appears.
		posOf := make([]int, n)
		for pos, i := range order {
			posOf[i] = pos
		}
		for w := range workers {
			lo, hi := n*w/workers, n*(w+1)/workers
			ew := evs[w]
			t := &tallies[w]
			wg.Add(1)
			go func() {
				defer wg.Done()
				var scratch []Reason
				var ends [nProtocols][nMethods]int
				for i := lo; i < hi; i++ {
					p, pos := picks[i], posOf[i]
					ua := &m.Users[pos]
					*ua = ids[i]
					ua.why = why
					scratch, ends = ew.evaluateUser(&s.Exchange.CASMailboxes[p.k], p.row, ua, scratch)
					plain := userNames{ua: ua, names: e.names}
					start := 0
					for i := range Protocols {
						for j := range Methods {
							rs := scratch[start:ends[i][j]]
							start = ends[i][j]
							if early := ew.early[i][j]; early.Reasons != nil {
								rs = early.Reasons
							}
							t[i][j].add(pos, ua.verdicts[i][j], rs, &plain)
						}
					}
					clear(scratch) // drop the scratch's references to texts
				}
			}()
		}
		wg.Wait()
	}
	m.aggregate(e.noUsers, tallies)
	return m
}

// upnHead is s's first 8 bytes as a big-endian number, zero-padded.
func upnHead(s string) uint64 {
	var h uint64
	for k := range 8 {
		h <<= 8
		if k < len(s) {
			h |= uint64(s[k])
		}
	}
	return h
}

// inRanges calls f on consecutive ranges of [0, n) that cover it, at
// once on a few workers when n is large (Evaluate's parallelism).
func inRanges(n int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), maxWorkers, max(1, n/minUsersPerWorker))
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { f(n*w/workers, n*(w+1)/workers) })
	}
	wg.Wait()
}

// sortRuns sorts xs by cmp, a total order: runs sorted on workers
// (inRanges), then merged.
func sortRuns[T any](xs []T, cmp func(a, b T) int) {
	var runs [][2]int
	var mu sync.Mutex
	inRanges(len(xs), func(lo, hi int) {
		slices.SortFunc(xs[lo:hi], cmp)
		mu.Lock()
		runs = append(runs, [2]int{lo, hi})
		mu.Unlock()
	})
	if len(runs) <= 1 {
		return
	}
	sort.Slice(runs, func(a, b int) bool { return runs[a][0] < runs[b][0] })
	merged := xs[runs[0][0]:runs[0][1]] // read only until the copy back
	for _, r := range runs[1:] {
		next := xs[r[0]:r[1]]
		out := make([]T, 0, len(merged)+len(next))
		a, b := merged, next
		for len(a) > 0 && len(b) > 0 {
			if cmp(b[0], a[0]) < 0 {
				out, b = append(out, b[0]), b[1:]
			} else {
				out, a = append(out, a[0]), a[1:]
			}
		}
		merged = append(append(out, a...), b...)
	}
	copy(xs, merged)
}

// explainer walks a user's gates again to explain a verdict (Access):
// the evaluator of the matrix, its caches guarded.
type explainer struct {
	mu      sync.Mutex
	e       *evaluator
	scratch []Reason
}

// explain returns u's access for cell (i, j), reasons included.
func (x *explainer) explain(u *UserAccess, i, j int) Access {
	if early := x.e.early[i][j]; early.Reasons != nil {
		return early
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	mbx := &x.e.s.Exchange.CASMailboxes[u.mbx]
	var ua UserAccess
	row := x.e.join(mbx, &ua)
	rs, ends := x.e.evaluateUser(mbx, row, &ua, x.scratch)
	start := 0
	if i > 0 || j > 0 {
		prev := i*nMethods + j - 1
		start = ends[prev/nMethods][prev%nMethods]
	}
	out := Access{Verdict: ua.verdict(i, j), Reasons: append([]Reason(nil), rs[start:ends[i][j]]...)}
	if out.Reasons == nil {
		out.Reasons = []Reason{}
	}
	clear(rs)
	x.scratch = rs[:0]
	return out
}

// Evaluate's parallelism: at most maxWorkers workers, each with at least
// minUsersPerWorker users. sharedTexts lets the workers' walks share the
// texts that name the user (names.go); tests turn it off to compare.
var (
	maxWorkers        = 8
	minUsersPerWorker = 2000
	sharedTexts       = true
)

// fork is a copy of e for another worker: what newEvaluator built is
// shared (read-only), the identity layers' caches are its own.
func (e *evaluator) fork() *evaluator {
	c := *e
	c.uc = userCtx{}
	c.okta = e.okta.fork(&c)
	c.entra = e.entra.fork(&c)
	return &c
}

// noUsers is a cell's verdict when there is no mailbox to judge.
func (e *evaluator) noUsers(p Protocol, meth Method) (Verdict, string) {
	if why := e.missing(srcCASMailbox); why != "" {
		return Unknown, why + ": the mailboxes are unknown"
	}
	if early := e.early[p.Index()][meth.Index()]; early.Reasons != nil {
		return early.Verdict, early.Reasons[len(early.Reasons)-1].Text
	}
	return Blocked, "the organisation has no mailboxes"
}

type evaluator struct {
	s      *tenant.Snapshot
	status map[string]tenant.SourceStatus

	graphByID    map[string]*tenant.User
	exByIdentity map[string]*tenant.ExchangeUser
	// fallback holds the indexes a join needs only when those miss
	// (shared by forks).
	fallback     *joinFallback
	domains      map[string]tenant.Domain
	authPolicies map[string]*tenant.AuthPolicy

	platform [nProtocols][nMethods]Reason
	// ewsOrg is the organisation-level EWS reason (the same for everyone).
	ewsOrg Reason
	// modern is the OAuth2ClientProfileEnabled reason per protocol.
	modern [nProtocols]Reason
	// early holds, per cell, the access every user gets when the
	// organisation or the date decides before any user gate (the
	// reasons are shared between users); walked counts the other cells.
	early  [nProtocols][nMethods]Access
	walked int
	// defaultPolicy caches the org default policy's reason per protocol.
	defaultPolicy [nProtocols]Reason
	defaultName   string

	okta  *oktaLayer
	entra *entraLayer

	// names are the texts that name the user; lazy walks give their
	// shared form (a worker's, for the tallies: see names.go).
	names *nameTemplates
	lazy  bool

	// uc is the context of the user being evaluated (evaluateUser); a
	// worker's evaluator evaluates one user at a time.
	uc userCtx
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func newEvaluator(s *tenant.Snapshot) *evaluator {
	e := &evaluator{
		s: s, status: make(map[string]tenant.SourceStatus, len(s.Collection)),
		graphByID:    make(map[string]*tenant.User, len(s.Users)),
		exByIdentity: make(map[string]*tenant.ExchangeUser, len(s.Exchange.Users)),
		fallback:     &joinFallback{},
		domains:      map[string]tenant.Domain{}, authPolicies: map[string]*tenant.AuthPolicy{},
	}
	for _, st := range s.Collection {
		e.status[st.ID] = st
	}
	// The indexes are independent maps: built at once (at 100,000 users
	// each is a noticeable part of a matrix). Those that only a mailbox
	// without a matching identity or object id needs wait for one
	// (joinFallback).
	var wg sync.WaitGroup
	wg.Go(func() {
		for k := range s.Users {
			if u := &s.Users[k]; u.ID != "" {
				e.graphByID[lower(u.ID)] = u
			}
		}
	})
	wg.Go(func() {
		for k := range s.Exchange.Users {
			if x := &s.Exchange.Users[k]; x.Identity != "" {
				e.exByIdentity[lower(x.Identity)] = x
			}
		}
	})
	var okta *oktaLayer
	wg.Go(func() { okta = newOktaLayer(e) })
	for _, d := range s.Domains {
		e.domains[lower(d.Name)] = d
	}
	for k := range s.Exchange.AuthenticationPolicies {
		p := &s.Exchange.AuthenticationPolicies[k]
		for _, n := range []string{p.Name, p.Identity} {
			if n != "" {
				if _, dup := e.authPolicies[lower(n)]; !dup {
					e.authPolicies[lower(n)] = p
				}
			}
		}
	}
	for i, p := range Protocols {
		for j, meth := range Methods {
			e.platform[i][j] = platformReason(p, meth, s)
		}
	}
	e.ewsOrg = e.ewsOrgReason()
	for i, p := range Protocols {
		e.modern[i] = e.modernReason(p)
	}
	for i := range Protocols {
		for j, meth := range Methods {
			pr, mr := e.platform[i][j], e.modern[i]
			switch {
			case pr.Effect == EffectUnsupported:
				e.early[i][j] = Access{Verdict: Unsupported, Reasons: []Reason{pr}}
			case pr.Effect == EffectBlocks:
				e.early[i][j] = Access{Verdict: Blocked, Reasons: []Reason{pr}}
			case meth == Modern && mr.Effect == EffectUnsupported:
				e.early[i][j] = Access{Verdict: Unsupported, Reasons: []Reason{pr, mr}}
			default:
				e.walked++
			}
		}
	}
	e.prepareDefaultPolicy()
	e.names = newNameTemplates(e)
	wg.Wait()
	e.okta = okta
	e.entra = newEntraLayer(e)
	return e
}

// ok reports whether source id was collected.
func (e *evaluator) ok(id string) bool {
	st, found := e.status[id]
	return found && st.State == tenant.StateOK
}

// missing says why source id cannot be relied on ("" when collected).
func (e *evaluator) missing(id string) string {
	st, found := e.status[id]
	switch {
	case !found:
		return id + " was not collected"
	case st.State == tenant.StateOK:
		return ""
	case st.State == tenant.StateSkipped:
		return id + " was skipped"
	case st.HTTPStatus != 0:
		return fmt.Sprintf("%s could not be collected (HTTP %d)", id, st.HTTPStatus)
	}
	return id + " could not be collected"
}

// userCtx is one mailbox user joined across the sources.
type userCtx struct {
	ua  *UserAccess
	mbx *tenant.CASMailbox
	g   *tenant.User         // Graph user, or nil
	x   *tenant.ExchangeUser // Get-User row, or nil
	// name is how reasons name the user: the mailbox alias.
	name string
	dom  tenant.Domain
	// domKnown is false when the domain's federation state is unknown.
	domKnown bool
	account  Reason
	okta     oktaUserState
	// mailbox is the mailbox gate's reasons per protocol (the same for
	// both methods), once made.
	mailbox  [nProtocols][2]Reason
	mailboxN [nProtocols]int8 // -1 until made
	// entra are the Entra layer's answers per client type
	// (entraClientIndex) for users like this one (entraLayer.cache),
	// found at its first client type.
	entra      *[4]*Reason
	entraUID   string
	entraGuest bool
}

// joined are a mailbox's Graph user and Get-User row (either nil).
type joined struct {
	g *tenant.User
	x *tenant.ExchangeUser
}

// join fills a user's identity from the mailbox, its Graph user and
// its Get-User row, and returns the rows.
func (e *evaluator) join(mbx *tenant.CASMailbox, ua *UserAccess) joined {
	g, x := e.joinRows(mbx)
	ua.Mailbox = mbx.Identity
	ua.UPN, ua.DisplayName = mbx.PrimarySmtpAddress, mbx.DisplayName
	if x != nil {
		ua.RecipientTypeDetails = x.RecipientTypeDetails
		if x.UserPrincipalName != "" {
			ua.UPN = x.UserPrincipalName
		}
		if ua.DisplayName == "" {
			ua.DisplayName = x.DisplayName
		}
	}
	if g != nil {
		ua.ID = g.ID
		if g.UserPrincipalName != "" {
			ua.UPN = g.UserPrincipalName
		}
		if g.DisplayName != "" {
			ua.DisplayName = g.DisplayName
		}
	}
	ua.Domain = tenant.DomainOf(ua.UPN)
	return joined{g, x}
}

// joinRows finds the mailbox's Get-User row (Identity, else
// ExternalDirectoryObjectId, else the address) and Graph user
// (ExternalDirectoryObjectId = id, else the UPN: Get-User's, else the
// primary address).
func (e *evaluator) joinRows(mbx *tenant.CASMailbox) (g *tenant.User, x *tenant.ExchangeUser) {
	id := lower(mbx.ExternalDirectoryObjectID)
	if x = e.exByIdentity[lower(mbx.Identity)]; x == nil && id != "" {
		x = e.fallback.get(e.s).exByID[id]
	}
	if x == nil {
		x = e.fallback.get(e.s).exByUPN[lower(mbx.PrimarySmtpAddress)]
	}
	if id != "" {
		g = e.graphByID[id]
	}
	if g == nil && x != nil && x.UserPrincipalName != "" {
		g = e.fallback.get(e.s).graphByUPN[lower(x.UserPrincipalName)]
	}
	if g == nil {
		g = e.fallback.get(e.s).graphByUPN[lower(mbx.PrimarySmtpAddress)]
	}
	return g, x
}

// joinFallback are joinRows' indexes for mailboxes whose Get-User row
// is not found by identity or Graph user by object id, built when the
// first such mailbox is joined (in a collected organisation, seldom).
type joinFallback struct {
	once            sync.Once
	graphByUPN      map[string]*tenant.User
	exByID, exByUPN map[string]*tenant.ExchangeUser
}

func (f *joinFallback) get(s *tenant.Snapshot) *joinFallback {
	f.once.Do(func() {
		f.graphByUPN = make(map[string]*tenant.User, len(s.Users))
		for k := range s.Users {
			if u := &s.Users[k]; u.UserPrincipalName != "" {
				f.graphByUPN[lower(u.UserPrincipalName)] = u
			}
		}
		f.exByID = make(map[string]*tenant.ExchangeUser, len(s.Exchange.Users))
		f.exByUPN = make(map[string]*tenant.ExchangeUser, len(s.Exchange.Users))
		for k := range s.Exchange.Users {
			x := &s.Exchange.Users[k]
			if x.ExternalDirectoryObjectID != "" {
				f.exByID[lower(x.ExternalDirectoryObjectID)] = x
			}
			if x.UserPrincipalName != "" {
				f.exByUPN[lower(x.UserPrincipalName)] = x
			}
		}
	})
	return f
}

// evaluateUser walks every protocol and method for one joined user,
// setting its verdicts. Its reasons are appended to scratch[:0]: those of
// cell (i, j) end at ends[i][j] and begin where the previous cell's end
// (a cell decided for everyone, evaluator.early, has none there).
func (e *evaluator) evaluateUser(mbx *tenant.CASMailbox, rows joined, ua *UserAccess, scratch []Reason) ([]Reason, [nProtocols][nMethods]int) {
	// The user's context is the evaluator's own, reused user after user
	// (it is large, and would be allocated per user).
	uc := &e.uc
	*uc = userCtx{ua: ua, mbx: mbx}
	uc.g, uc.x = rows.g, rows.x
	for i := range uc.mailboxN {
		uc.mailboxN[i] = -1
	}
	uc.name = mbx.Identity
	if uc.name == "" {
		uc.name = ua.UPN
	}
	if e.ok(srcDomains) {
		uc.dom, uc.domKnown = e.domains[ua.Domain]
	}
	if !uc.domKnown && e.ok(srcDomains) {
		// A UPN domain Graph does not list cannot be federated.
		uc.dom, uc.domKnown = tenant.Domain{Name: ua.Domain, AuthenticationType: "Managed"}, true
	}
	ua.Federated = uc.domKnown && uc.dom.Federated()
	uc.account = e.accountReason(uc)

	rs := scratch[:0]
	var ends [nProtocols][nMethods]int
	for i, p := range Protocols {
		for j, meth := range Methods {
			if early := e.early[i][j]; early.Reasons != nil {
				ua.setVerdict(i, j, early.Verdict)
			} else {
				var v Verdict
				rs, v = e.walk(uc, p, meth, rs)
				ua.setVerdict(i, j, v)
			}
			ends[i][j] = len(rs)
		}
	}
	return rs, ends
}

// scan reads the effects of the reasons a gate appended: a blocking or
// unsupported effect decides; an unknown one is remembered.
func scan(rs []Reason, unknown *bool) (Verdict, bool) {
	for _, r := range rs {
		switch r.Effect {
		case EffectBlocks:
			return Blocked, true
		case EffectUnsupported:
			return Unsupported, true
		case EffectUnknown:
			*unknown = true
		}
	}
	return "", false
}

// walk meets the gates in order for one user, protocol and method,
// appending their reasons to rs. What the service does not offer
// (platform unsupported or retired, modern auth off for Outlook for
// Windows) is a property of the organisation and the date, not of the
// user, so it is decided before walk (evaluator.early): a disabled
// account on a method that does not exist is "unsupported", not
// "blocked".
func (e *evaluator) walk(uc *userCtx, p Protocol, meth Method, rs []Reason) ([]Reason, Verdict) {
	unknown := false
	rs = append(rs, e.platform[p.Index()][meth.Index()])
	scan(rs[len(rs)-1:], &unknown)
	gates := [...]func(*userCtx, Protocol, Method, []Reason) []Reason{
		e.gateAccount, e.gateMailbox, e.gatePolicy, e.gateModern,
	}
	for _, gate := range gates {
		mark := len(rs)
		rs = gate(uc, p, meth, rs)
		if v, decided := scan(rs[mark:], &unknown); decided {
			return rs, v
		}
	}
	var ov, ev Verdict
	rs, ov = e.okta.evaluate(uc, p, meth, rs)
	rs, ev = e.entra.evaluate(uc, p, meth, rs)
	v := combineIdP(ov, ev)
	if unknown && v != Blocked {
		v = Unknown
	}
	return rs, v
}

// idpStrictness orders the identity-provider outcomes, most restrictive
// last: password < restricted < mfa < blocked.
func idpStrictness(v Verdict) int {
	switch v {
	case Password:
		return 0
	case Restricted:
		return 1
	case MFA:
		return 2
	case Blocked:
		return 3
	}
	return -1
}

// combineIdP joins the Okta and Entra layers: a block anywhere blocks; a
// layer that is unknown makes the result unknown; otherwise the more
// restrictive layer wins. "" is a layer that does not apply.
func combineIdP(a, b Verdict) Verdict {
	switch {
	case a == Blocked || b == Blocked:
		return Blocked
	case a == Unknown || b == Unknown:
		return Unknown
	case a == "":
		return b
	case b == "":
		return a
	case idpStrictness(a) >= idpStrictness(b):
		return a
	}
	return b
}

// --- gate 0: the account

func (e *evaluator) accountReason(uc *userCtx) Reason {
	r := Reason{Gate: GateAccount}
	switch {
	case uc.g != nil && e.ok(srcGraphUsers):
		r.Effect = EffectBlocks
		if uc.g.AccountEnabled {
			r.Effect = EffectAllows
		}
		r.Text = e.text(e.names.account[b2i(uc.g.AccountEnabled)], uc)
	case uc.x != nil && e.ok(srcGetUser):
		// Get-User mirrors the directory's account state.
		why := e.missing(srcGraphUsers)
		if why == "" {
			why = "no Graph user matches mailbox " + uc.name
		}
		if uc.x.AccountDisabled {
			r.Effect, r.Text = EffectBlocks, fmt.Sprintf("sign-in disabled: Get-User shows AccountDisabled true for %s (%s)", uc.name, why)
		} else {
			r.Effect, r.Text = EffectAllows, fmt.Sprintf("Get-User shows AccountDisabled false for %s (%s)", uc.name, why)
		}
	case !e.ok(srcGraphUsers):
		r.Effect, r.Text = EffectUnknown, fmt.Sprintf("%s: whether %s can sign in is unknown", e.missing(srcGraphUsers), uc.ua.UPN)
	default:
		r.Effect, r.Text = EffectUnknown, fmt.Sprintf("no Entra user matches mailbox %s (graph.users): whether it can sign in is unknown", uc.name)
	}
	return r
}

func (e *evaluator) gateAccount(uc *userCtx, _ Protocol, _ Method, rs []Reason) []Reason {
	return append(rs, uc.account)
}

// --- gate 1: the platform on the date judged

func platformReason(p Protocol, meth Method, s *tenant.Snapshot) Reason {
	st := tenant.PlatformAt(string(p), string(meth), s.AsOf)
	r := Reason{Gate: GatePlatform, Text: st.Text, Source: st.Source}
	switch st.Status {
	case tenant.PlatformAccepted:
		r.Effect = EffectAllows
	case tenant.PlatformUnsupported:
		r.Effect = EffectUnsupported
	case tenant.PlatformRetired:
		r.Effect = EffectBlocks
	default:
		r.Effect = EffectUnknown
	}
	return r
}

// --- gate 2: the mailbox's protocol switch

func (e *evaluator) ewsOrgReason() Reason {
	r := Reason{Gate: GateMailbox}
	if why := e.missing(srcOrgConfig); why != "" || e.s.Exchange.OrganizationConfig == nil {
		if why == "" {
			why = srcOrgConfig + " returned nothing"
		}
		r.Effect, r.Text = EffectUnknown, why+": the organisation's EwsEnabled is unknown"
		return r
	}
	v := e.s.Exchange.OrganizationConfig.EwsEnabled
	switch {
	case v != nil && !*v:
		r.Effect, r.Text = EffectBlocks, "the organisation has EwsEnabled false: EWS is off for every mailbox"
	case v != nil:
		r.Effect, r.Text = EffectAllows, "the organisation has EwsEnabled true"
	default:
		if off, entry := tenant.OrgEwsNullDisabled(e.s.AsOf); off {
			r.Effect, r.Source = EffectBlocks, entry.Source
			r.Text = "the organisation has EwsEnabled null, which Microsoft switched to False on " +
				entry.Date.Format("2006-01-02") + ": EWS is off for every mailbox"
		} else {
			r.Effect, r.Text = EffectAllows, "the organisation has EwsEnabled null (EWS on unless a mailbox turns it off)"
		}
	}
	return r
}

// switchReason is the mailbox's protocol switch (index i of Protocols).
func (e *evaluator) switchReason(uc *userCtx, i int, on bool) Reason {
	r := Reason{Gate: GateMailbox, Effect: EffectAllows}
	if !on {
		r.Effect = EffectBlocks
	}
	r.Text = e.text(e.names.switches[i][b2i(on)], uc)
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (e *evaluator) gateMailbox(uc *userCtx, p Protocol, _ Method, rs []Reason) []Reason {
	i := p.Index()
	if uc.mailboxN[i] < 0 {
		uc.mailboxN[i] = int8(len(e.mailboxReasons(uc, p, uc.mailbox[i][:0])))
	}
	return append(rs, uc.mailbox[i][:uc.mailboxN[i]]...)
}

func (e *evaluator) mailboxReasons(uc *userCtx, p Protocol, rs []Reason) []Reason {
	mbx := uc.mbx
	i := p.Index()
	switch p {
	case OWA:
		return append(rs, e.switchReason(uc, i, mbx.OWAEnabled))
	case MAPI, RPC: // MAPIEnabled also governs Outlook Anywhere
		return append(rs, e.switchReason(uc, i, mbx.MAPIEnabled))
	case EWS:
		rs = append(rs, e.ewsOrg)
		if e.ewsOrg.Effect == EffectBlocks {
			return rs
		}
		return append(rs, e.switchReason(uc, i, mbx.EwsEnabled))
	case ActiveSync:
		return append(rs, e.switchReason(uc, i, mbx.ActiveSyncEnabled))
	case POP:
		return append(rs, e.switchReason(uc, i, mbx.PopEnabled))
	case IMAP:
		return append(rs, e.switchReason(uc, i, mbx.ImapEnabled))
	case SMTP:
		return append(rs, e.smtpReason(uc))
	case PowerShell:
		return append(rs, e.powershellReason(uc))
	}
	return rs
}

func (e *evaluator) smtpReason(uc *userCtx) Reason {
	r := Reason{Gate: GateMailbox}
	n := e.names
	if v := uc.mbx.SmtpClientAuthenticationDisabled; v != nil {
		if *v {
			r.Effect, r.Text = EffectBlocks, e.text(n.smtpOff, uc)
		} else {
			r.Effect, r.Text = EffectAllows, e.text(n.smtpOn, uc)
		}
		return r
	}
	if why := e.missing(srcTransport); why != "" || e.s.Exchange.TransportConfig == nil {
		r.Effect, r.Text = EffectUnknown, e.text(n.smtpNullUnknown, uc)
		return r
	}
	if e.s.Exchange.TransportConfig.SmtpClientAuthenticationDisabled {
		r.Effect, r.Text = EffectBlocks, e.text(n.smtpNullOff, uc)
	} else {
		r.Effect, r.Text = EffectAllows, e.text(n.smtpNullOn, uc)
	}
	return r
}

func (e *evaluator) powershellReason(uc *userCtx) Reason {
	r := Reason{Gate: GateMailbox}
	n := e.names
	switch {
	case !e.ok(srcGetUser):
		r.Effect, r.Text = EffectUnknown, e.text(n.psMissing, uc)
	case uc.x == nil:
		r.Effect, r.Text = EffectUnknown, e.text(n.psNoRow, uc)
	case uc.x.RemotePowerShellEnabled == nil:
		r.Effect, r.Text = EffectUnknown, e.text(n.psNoValue, uc)
	case *uc.x.RemotePowerShellEnabled:
		r.Effect, r.Text = EffectAllows, e.text(n.psOn, uc)
	default:
		r.Effect, r.Text = EffectBlocks, e.text(n.psOff, uc)
	}
	return r
}

// --- gate 3 (basic only): the Exchange authentication policy

func (e *evaluator) prepareDefaultPolicy() {
	if oc := e.s.Exchange.OrganizationConfig; oc != nil && e.ok(srcOrgConfig) {
		e.defaultName = oc.DefaultAuthenticationPolicy
	}
	for i := range Protocols {
		if policyFlag[i] == "" {
			continue
		}
		if e.defaultName == "" {
			e.defaultPolicy[i] = Reason{Gate: GatePolicy, Effect: EffectAllows,
				Text: "no authentication policy assigned and no org default: basic auth allowed"}
			continue
		}
		e.defaultPolicy[i] = e.policyReason(e.defaultName, "the org default", policyFlag[i])
	}
}

// policyReason reads policy name's AllowBasicAuth<flag>; how says how
// the policy reaches the user ("the org default", "assigned to x").
func (e *evaluator) policyReason(name, how, flag string) Reason {
	r := Reason{Gate: GatePolicy}
	if why := e.missing(srcAuthPolicy); why != "" {
		r.Effect, r.Text = EffectUnknown, fmt.Sprintf("authentication policy %q (%s) cannot be read: %s", name, how, why)
		return r
	}
	pol := e.authPolicies[lower(name)]
	if pol == nil {
		r.Effect, r.Text = EffectUnknown, fmt.Sprintf("authentication policy %q (%s) is not among the collected policies", name, how)
		return r
	}
	v, found := pol.AllowBasicAuth[flag]
	switch {
	case !found:
		r.Effect, r.Text = EffectUnknown, fmt.Sprintf("authentication policy %q (%s) does not report AllowBasicAuth%s", pol.Name, how, flag)
	case v:
		r.Effect, r.Text = EffectAllows, fmt.Sprintf("authentication policy %q (%s) has AllowBasicAuth%s true", pol.Name, how, flag)
	default:
		r.Effect, r.Text = EffectBlocks, fmt.Sprintf("authentication policy %q (%s) has AllowBasicAuth%s false", pol.Name, how, flag)
	}
	return r
}

func (e *evaluator) gatePolicy(uc *userCtx, p Protocol, meth Method, rs []Reason) []Reason {
	i := p.Index()
	if meth != Basic || policyFlag[i] == "" {
		return rs
	}
	// The assignment (Get-User) comes first; without it the default
	// cannot be trusted either.
	switch {
	case !e.ok(srcGetUser):
		return append(rs, Reason{Gate: GatePolicy, Effect: EffectUnknown,
			Text: fmt.Sprintf("%s: whether %s is assigned an authentication policy is unknown", e.missing(srcGetUser), uc.name)})
	case uc.x == nil:
		return append(rs, Reason{Gate: GatePolicy, Effect: EffectUnknown,
			Text: fmt.Sprintf("no Get-User row for mailbox %s: its authentication policy is unknown", uc.name)})
	case uc.x.AuthenticationPolicy != "":
		return append(rs, e.policyReason(uc.x.AuthenticationPolicy, "assigned to "+uc.name, policyFlag[i]))
	case !e.ok(srcOrgConfig) || e.s.Exchange.OrganizationConfig == nil:
		why := e.missing(srcOrgConfig)
		if why == "" {
			why = srcOrgConfig + " returned nothing"
		}
		return append(rs, Reason{Gate: GatePolicy, Effect: EffectUnknown,
			Text: fmt.Sprintf("%s has no authentication policy assigned and the org default is unknown (%s)", uc.name, why)})
	}
	return append(rs, e.defaultPolicy[i])
}

// --- gate 4 (modern only): OAuth2ClientProfileEnabled

// modernOutlookWindows are the protocols of Outlook for Windows, the
// only client OAuth2ClientProfileEnabled governs (Microsoft Learn,
// "Enable or disable modern authentication for Outlook in Exchange
// Online").
var modernOutlookWindows = map[Protocol]bool{MAPI: true, RPC: true}

const srcModernDoc = "Microsoft Learn: \"Enable or disable modern authentication for Outlook in Exchange Online\""

func (e *evaluator) modernReason(p Protocol) Reason {
	r := Reason{Gate: GateModern, Source: srcModernDoc}
	oc := e.s.Exchange.OrganizationConfig
	known := e.ok(srcOrgConfig) && oc != nil
	switch {
	case p == OWA:
		return Reason{} // a browser sign-in: nothing to say
	case !modernOutlookWindows[p]:
		if known && !oc.OAuth2ClientProfileEnabled {
			r.Effect = EffectNotApplicable
			r.Text = "OAuth2ClientProfileEnabled is false, which affects only Outlook for Windows: " +
				tenant.PlatformProtocolLabel(string(p)) + " clients that do OAuth use it regardless"
			return r
		}
		return Reason{}
	case !known:
		why := e.missing(srcOrgConfig)
		if why == "" {
			why = srcOrgConfig + " returned nothing"
		}
		r.Effect, r.Text = EffectUnknown, why+": whether Outlook for Windows may use modern auth (OAuth2ClientProfileEnabled) is unknown"
	case oc.OAuth2ClientProfileEnabled:
		r.Effect, r.Text = EffectAllows, "OAuth2ClientProfileEnabled is true: Outlook for Windows uses modern auth"
	default:
		r.Effect, r.Text = EffectUnsupported, "OAuth2ClientProfileEnabled is false: Outlook for Windows cannot use modern auth (it falls back to basic)"
	}
	return r
}

func (e *evaluator) gateModern(_ *userCtx, p Protocol, meth Method, rs []Reason) []Reason {
	if meth != Modern {
		return rs
	}
	if r := e.modern[p.Index()]; r.Gate != "" {
		rs = append(rs, r)
	}
	return rs
}
