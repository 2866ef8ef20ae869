package remediate

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/tenant"
)

// Impact is what one step of a plan changes for people: which users lose
// which protocols through which mail client (from the client inventory
// and the access matrix before and after the step), who loses every way
// in, and which findings turn to pass.
type Impact struct {
	Step string `json:"step"`
	// Breaks: a user's client loses protocols it was using.
	Breaks []Break `json:"breaks"`
	// LosesAll are users who had some way into their mailbox before the
	// step and none after it.
	LosesAll []string `json:"losesAll,omitempty"`
	// Passes are the checks that pass after the step and did not before;
	// Regressions those that passed before and no longer do.
	Passes      []string `json:"passes"`
	Regressions []string `json:"regressions,omitempty"`
}

// Break is one user's mail client that stops working (for the protocols
// listed) because of a step.
type Break struct {
	User   string `json:"user"`
	Client string `json:"client"`
	// Protocols are the protocols the client loses ("imap", "mapi", ...).
	Protocols []string `json:"protocols,omitempty"`
	// All: the client loses every protocol it was seen using (it stops
	// reading mail altogether).
	All        bool   `json:"all"`
	ModernAuth string `json:"modernAuth,omitempty"`
}

type path struct {
	protocol matrix.Protocol
	method   matrix.Method
}

// clientAppProtocol maps Entra's clientAppUsed values to protocols.
var clientAppProtocol = map[string]matrix.Protocol{
	"mapi over http":                   matrix.MAPI,
	"outlook anywhere (rpc over http)": matrix.RPC,
	"exchange web services":            matrix.EWS,
	"exchange activesync":              matrix.ActiveSync,
	"imap4":                            matrix.IMAP,
	"pop3":                             matrix.POP,
	"authenticated smtp":               matrix.SMTP,
	"exchange online powershell":       matrix.PowerShell,
	"browser":                          matrix.OWA,
}

// reportProtocol maps the email-app usage report's columns to protocols.
var reportProtocol = map[string]matrix.Protocol{
	"outlookforwindows": matrix.MAPI, "outlookformac": matrix.EWS, "mailformac": matrix.EWS,
	"outlookformobile": matrix.ActiveSync, "otherformobile": matrix.ActiveSync, "outlookforweb": matrix.OWA,
	"pop3app": matrix.POP, "imap4app": matrix.IMAP, "smtpapp": matrix.SMTP,
}

// clientPaths are the protocols and methods a mail client uses: protocols
// from the evidence (sign-ins' clientAppUsed, the report's columns,
// mobile devices), else from what the client is; methods from its modern
// auth support (a client that cannot do modern auth uses basic; Outlook
// 2013 is taken as basic, since it needs registry keys for modern).
func clientPaths(c assess.ClientUse) []path {
	protos := map[matrix.Protocol]bool{}
	modernSeen, basicSeen := false, false
	for _, ev := range evidence(c.Source) {
		kind, detail := ev[0], ev[1]
		switch kind {
		case "signIn", "oktaLog", "mobileDevice":
			if i, j := strings.LastIndex(detail, "["), strings.LastIndex(detail, "]"); i >= 0 && j > i {
				for _, v := range strings.Split(detail[i+1:j], ",") {
					v = strings.ToLower(strings.TrimSpace(v))
					switch {
					case v == "wsfed/active":
						basicSeen = true
					case v == "wsfed/passive", v == "mobile apps and desktop clients":
						modernSeen = true
					case clientAppProtocol[v] != "":
						p := clientAppProtocol[v]
						protos[p] = true
						if p == matrix.OWA {
							modernSeen = true
						} else {
							basicSeen = true
						}
					case kind == "mobileDevice" && (strings.HasPrefix(v, "eas ") || strings.HasPrefix(v, "outlook ")):
						protos[matrix.ActiveSync] = true
					}
				}
			}
		case "emailAppUsage":
			col, _, _ := strings.Cut(detail, "=")
			if p, ok := reportProtocol[strings.ToLower(strings.TrimSpace(col))]; ok {
				protos[p] = true
				if p == matrix.MAPI {
					protos[matrix.RPC] = true
				}
			}
		}
	}
	if len(protos) == 0 {
		for _, p := range protocolsOfClient(c) {
			protos[p] = true
		}
	}
	var methods []matrix.Method
	switch c.ModernAuth {
	case assess.ModernYes:
		methods = []matrix.Method{matrix.Basic, matrix.Modern}
	case assess.ModernNo, assess.ModernConditional:
		methods = []matrix.Method{matrix.Basic}
	default:
		switch {
		case modernSeen && basicSeen, !modernSeen && !basicSeen:
			methods = []matrix.Method{matrix.Basic, matrix.Modern}
		case modernSeen:
			methods = []matrix.Method{matrix.Modern}
		default:
			methods = []matrix.Method{matrix.Basic}
		}
	}
	var out []path
	for _, p := range matrix.Protocols {
		if !protos[p] {
			continue
		}
		for _, m := range methods {
			if p == matrix.OWA && m == matrix.Basic {
				continue
			}
			out = append(out, path{p, m})
		}
		if p == matrix.OWA {
			out = append(out, path{p, matrix.Modern})
		}
	}
	return dedupePaths(out)
}

func dedupePaths(in []path) []path {
	seen := map[path]bool{}
	var out []path
	for _, p := range in {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// evidence splits an inventory Source ("signIn: <agent> [IMAP4]; oktaLog:
// ...") into (kind, detail) pairs; user agents may hold "; " themselves.
func evidence(source string) [][2]string {
	var out [][2]string
	for _, seg := range strings.Split(source, "; ") {
		kind, detail, ok := strings.Cut(seg, ": ")
		switch {
		case ok && (kind == "signIn" || kind == "oktaLog" || kind == "mobileDevice" || kind == "emailAppUsage"):
			out = append(out, [2]string{kind, detail})
		case len(out) > 0:
			out[len(out)-1][1] += "; " + seg
		}
	}
	return out
}

// protocolsOfClient is what a client speaks when the evidence names no
// protocol.
func protocolsOfClient(c assess.ClientUse) []matrix.Protocol {
	name := strings.ToLower(c.Client)
	switch {
	case strings.Contains(name, "on the web"):
		return []matrix.Protocol{matrix.OWA}
	case strings.Contains(name, "outlook for ios"), strings.Contains(name, "outlook for android"):
		return []matrix.Protocol{matrix.ActiveSync}
	case strings.Contains(name, "outlook") && (strings.Contains(name, "mac") || c.Platform == "macos"):
		return []matrix.Protocol{matrix.EWS}
	case strings.Contains(name, "outlook"):
		return []matrix.Protocol{matrix.MAPI, matrix.RPC}
	case strings.Contains(name, "ios mail"), strings.Contains(name, "android"), strings.Contains(name, "windows 10 mail"), strings.Contains(name, "mobile"):
		return []matrix.Protocol{matrix.ActiveSync}
	case strings.Contains(name, "apple mail"):
		return []matrix.Protocol{matrix.EWS}
	case strings.Contains(name, "thunderbird"):
		return []matrix.Protocol{matrix.IMAP, matrix.SMTP}
	case strings.Contains(name, "windows live mail"):
		return []matrix.Protocol{matrix.POP, matrix.SMTP}
	case strings.HasPrefix(name, "pop3"):
		return []matrix.Protocol{matrix.POP}
	case strings.HasPrefix(name, "imap4"):
		return []matrix.Protocol{matrix.IMAP}
	case strings.HasPrefix(name, "smtp"):
		return []matrix.Protocol{matrix.SMTP}
	}
	return nil
}

// usable: a way in (with or without MFA), or not known to be closed.
func usable(v matrix.Verdict) bool {
	return v == matrix.Password || v == matrix.Restricted || v == matrix.MFA || v == matrix.Unknown
}

func hasWayIn(u *matrix.UserAccess) bool {
	for _, p := range matrix.Protocols {
		for _, m := range matrix.Methods {
			if usable(u.Verdict(p, m)) {
				return true
			}
		}
	}
	return false
}

// Impact computes, for every step of the plan in order, what it breaks
// and what it fixes (see Impact). s is not changed.
func (p *Plan) Impact(s *tenant.Snapshot) []Impact {
	out, _, _, _ := p.impacts(s, Base{})
	return out
}

// Base is what a caller already has of the snapshot a plan is for (as
// report.Judge does: the findings, the inventory, the matrix); a nil
// field is computed.
type Base struct {
	Findings  []assess.Finding
	Inventory []assess.ClientUse
	Matrix    *matrix.Matrix
}

// Outcome is what a plan does to s, computed in one pass over its steps:
// the matrix after it, each step's impact and the plan's entries of
// assess's JSON, and the lockout risks (Guard, with the plan's choices).
type Outcome struct {
	After   *matrix.Matrix
	Impacts []Impact
	Entries []PlanEntry
	Risks   []Risk
}

// Outcome computes the plan's outcome for s from base. It gives what
// matrix.Evaluate(p.Simulate(s)), p.Impact(s), p.PlanJSON(s) and Guard(p,
// s, p.Choices) give, without simulating the plan three times and
// judging s again. When NewPlan planned p for s (and p's now, choices and
// steps are still the planned ones), the states it simulated are used:
// like every judgement, this takes s as a value that no one changes.
func (p *Plan) Outcome(s *tenant.Snapshot, base Base) Outcome {
	if base.Inventory == nil {
		base.Inventory = assess.Inventory(s)
	}
	if base.Matrix == nil {
		base.Matrix = matrix.Evaluate(s)
	}
	imps, after, final, rows := p.impacts(s, base)
	if after == nil { // no step: the state is s's
		after = base.Matrix
	}
	return Outcome{After: after, Impacts: imps, Entries: p.entries(imps), Risks: guard(p, s, p.Choices, final, base.Inventory, base.Matrix, after, rows)}
}

// impacts is Impact from base; it also returns the matrix after the last
// step (nil without steps), the simulated state after the plan and the
// rows of the users of base's matrix.
//
// A step without writes leaves the state, and so its judgement, as it
// was: only the states after steps with writes are judged.
func (p *Plan) impacts(s *tenant.Snapshot, base Base) ([]Impact, *matrix.Matrix, *tenant.Snapshot, *userRows) {
	opts := p.Choices.AssessOptions()
	inv := base.Inventory
	if inv == nil {
		inv = assess.Inventory(s)
	}
	prevM := base.Matrix
	if prevM == nil {
		prevM = matrix.Evaluate(s)
	}
	fs := base.Findings
	if fs == nil {
		fs = assess.RunReusing(s, opts, s, inv)
	}
	sim := p.simulation(s)
	n := len(p.Steps)
	// The states are judged one after the other: matrix.Evaluate and
	// assess use every core already, and judging two states at once took
	// as much CPU and more memory (at 100,000 mailboxes).
	ms, fss := make([]*matrix.Matrix, n), make([]map[string]string, n)
	for i := range n {
		if sim.changed[i] {
			ms[i] = matrix.Evaluate(sim.states[i])
			fss[i] = statuses(assess.RunReusing(sim.states[i], opts, s, inv))
		}
	}
	var paths [][]path // what each client uses, read once
	var rows *userRows
	parallel([]func(){func() { paths = clientPathsOf(inv) }, func() { rows = newUserRows(prevM, inv) }})

	// Who has a way in, by row, in each matrix (each is compared twice).
	judged := []*matrix.Matrix{prevM}
	for i := range n {
		if sim.changed[i] {
			judged = append(judged, ms[i])
		}
	}
	ways := make([][]bool, len(judged))
	var wjobs []func()
	for i, m := range judged {
		wjobs = append(wjobs, func() { ways[i] = rows.waysIn(m) })
	}
	parallel(wjobs)
	rows.ways = make(map[*matrix.Matrix][]bool, len(judged))
	for i, m := range judged {
		if ways[i] != nil {
			rows.ways[m] = ways[i]
		}
	}

	out := make([]Impact, n)
	prevF := statuses(fs)
	var last *matrix.Matrix
	var diffs []func()
	for i, ps := range p.Steps {
		if !sim.known[i] {
			continue
		}
		if !sim.changed[i] {
			out[i] = Impact{Step: ps.ID, Breaks: []Break{}, Passes: []string{}}
			last = prevM
			continue
		}
		bm, bf, am, af := prevM, prevF, ms[i], fss[i]
		diffs = append(diffs, func() { out[i] = diffImpact(ps.ID, inv, paths, rows, bm, am, bf, af) })
		prevM, prevF, last = am, af, am
	}
	parallel(diffs)
	return out, last, sim.final(), rows
}

// clientPathsOf is clientPaths of every client; clients seen the same way
// (most are) share their paths.
func clientPathsOf(inv []assess.ClientUse) [][]path {
	type seen struct{ source, client, platform, modernAuth string }
	known := map[seen][]path{}
	out := make([][]path, len(inv))
	for k, c := range inv {
		key := seen{c.Source, c.Client, c.Platform, c.ModernAuth}
		ps, ok := known[key]
		if !ok {
			ps = clientPaths(c)
			known[key] = ps
		}
		out[k] = ps
	}
	return out
}

// parallel runs the jobs on at most GOMAXPROCS goroutines.
func parallel(jobs []func()) {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if workers <= 1 {
		for _, job := range jobs {
			job()
		}
		return
	}
	next := make(chan func(), len(jobs))
	for _, job := range jobs {
		next <- job
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range next {
				job()
			}
		})
	}
	wg.Wait()
}

func statuses(fs []assess.Finding) map[string]string {
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		out[f.ID] = f.Status
	}
	return out
}

// userRows finds the users of a plan's matrices by position. Every state
// of a plan has the same mailboxes (steps neither add nor remove any), so
// the matrices after the steps list the users of the matrix before them
// in the same order; a matrix that does not (aligned) is searched by UPN.
type userRows struct {
	base *matrix.Matrix
	// inv[k] is the row of the inventory's k-th client's user (-1: none);
	// first[j] the row of the first user with base.Users[j]'s UPN, as
	// Matrix.User finds them.
	inv, first []int
	// ways[m][j] is hasWayIn(&m.Users[j]), for aligned matrices.
	ways map[*matrix.Matrix][]bool
}

// waysIn is hasWayIn of every user of m by row, or nil when m is not
// aligned.
func (r *userRows) waysIn(m *matrix.Matrix) []bool {
	if !r.aligned(m) {
		return nil
	}
	out := make([]bool, len(m.Users))
	for j := range m.Users {
		out[j] = hasWayIn(&m.Users[j])
	}
	return out
}

// wayIn is hasWayIn(&m.Users[j]).
func (r *userRows) wayIn(m *matrix.Matrix, j int) bool {
	if w := r.ways[m]; w != nil {
		return w[j]
	}
	return hasWayIn(&m.Users[j])
}

func newUserRows(base *matrix.Matrix, inv []assess.ClientUse) *userRows {
	pos := make(map[*matrix.UserAccess]int, len(base.Users))
	for j := range base.Users {
		pos[&base.Users[j]] = j
	}
	row := func(upn string) int {
		if u := base.User(upn); u != nil {
			return pos[u]
		}
		return -1
	}
	r := &userRows{base: base, inv: make([]int, len(inv)), first: make([]int, len(base.Users))}
	for k, c := range inv {
		if k > 0 && c.User == inv[k-1].User { // a user's clients are listed together
			r.inv[k] = r.inv[k-1]
			continue
		}
		r.inv[k] = row(c.User)
	}
	for j := range base.Users {
		if j > 0 && base.Users[j].UPN == base.Users[j-1].UPN {
			r.first[j] = r.first[j-1]
			continue
		}
		r.first[j] = row(base.Users[j].UPN)
	}
	return r
}

// aligned reports whether m lists base's users in base's order.
func (r *userRows) aligned(m *matrix.Matrix) bool {
	if m == r.base {
		return true
	}
	if len(m.Users) != len(r.base.Users) {
		return false
	}
	for j := range m.Users {
		if m.Users[j].UPN != r.base.Users[j].UPN {
			return false
		}
	}
	return true
}

// userAt returns the user at row of m when aligned, else m.User(upn).
func userAt(m *matrix.Matrix, aligned bool, row int, upn string) *matrix.UserAccess {
	switch {
	case !aligned:
		return m.User(upn)
	case row < 0:
		return nil
	}
	return &m.Users[row]
}

// diffImpact compares two states; paths[k] are clientPaths(inv[k]), rows
// the users' rows in the matrix before the plan.
func diffImpact(step string, inv []assess.ClientUse, paths [][]path, rows *userRows, before, after *matrix.Matrix, fb, fa map[string]string) Impact {
	im := Impact{Step: step, Breaks: []Break{}, Passes: []string{}}
	for _, c := range assess.Catalog() {
		switch {
		case fa[c.ID] == assess.Pass && fb[c.ID] != assess.Pass:
			im.Passes = append(im.Passes, c.ID)
		case fb[c.ID] == assess.Pass && fa[c.ID] != assess.Pass:
			im.Regressions = append(im.Regressions, c.ID)
		}
	}
	alignedB, alignedA := rows.aligned(before), rows.aligned(after)
	for k, c := range inv {
		ub, ua := userAt(before, alignedB, rows.inv[k], c.User), userAt(after, alignedA, rows.inv[k], c.User)
		if ub == nil || ua == nil {
			continue
		}
		paths := paths[k]
		var lost []string
		var used [16]bool // by protocol index
		for _, p := range paths {
			used[p.protocol.Index()] = true
		}
		allLost := len(paths) > 0
		for i, proto := range matrix.Protocols {
			if !used[i] {
				continue
			}
			wasOpen, isOpen := false, false
			for _, pth := range paths {
				if pth.protocol == proto {
					wasOpen = wasOpen || usable(ub.Verdict(proto, pth.method))
					isOpen = isOpen || usable(ua.Verdict(proto, pth.method))
				}
			}
			switch {
			case wasOpen && !isOpen:
				lost = append(lost, string(proto))
			case isOpen || wasOpen:
				allLost = false
			default:
				// closed before and after: not this step's doing
			}
		}
		if len(lost) > 0 {
			im.Breaks = append(im.Breaks, Break{User: c.User, Client: c.Client, Protocols: lost, All: allLost, ModernAuth: c.ModernAuth})
		}
	}
	if alignedB && alignedA {
		for k := range before.Users {
			if rows.wayIn(before, k) && !rows.wayIn(after, rows.first[k]) {
				im.LosesAll = append(im.LosesAll, before.Users[k].UPN)
			}
		}
		return im
	}
	for k := range before.Users {
		ub := &before.Users[k]
		if ua := after.User(ub.UPN); ua != nil && hasWayIn(ub) && !hasWayIn(ua) {
			im.LosesAll = append(im.LosesAll, ub.UPN)
		}
	}
	return im
}

// Summary says the breaks in a few lines, grouped by client: "2 users on
// Outlook 2010 lose mail (mapi, rpc)".
func (im Impact) Summary() []string {
	type group struct {
		client, protos   string
		all, conditional bool
		users            []string
	}
	var order []*group
	by := map[string]*group{}
	for _, b := range im.Breaks {
		key := fmt.Sprintf("%s|%s|%v", b.Client, strings.Join(b.Protocols, ","), b.All)
		g := by[key]
		if g == nil {
			g = &group{client: b.Client, protos: strings.Join(b.Protocols, ", "), all: b.All, conditional: b.ModernAuth == assess.ModernConditional}
			by[key] = g
			order = append(order, g)
		}
		g.users = append(g.users, b.User)
	}
	sort.SliceStable(order, func(i, j int) bool {
		if len(order[i].users) != len(order[j].users) {
			return len(order[i].users) > len(order[j].users)
		}
		return order[i].client < order[j].client
	})
	var out []string
	for _, g := range order {
		verb := "lose"
		if len(g.users) == 1 {
			verb = "loses"
		}
		what := verb + " " + strings.ToUpper(g.protos)
		if g.all {
			what = verb + " mail (" + g.protos + ")"
		}
		if g.conditional {
			what += " unless Outlook 2013's modern-auth registry keys (EnableADAL=1, Version=1) are set"
		}
		who := plural(len(g.users), "user", "users")
		out = append(out, fmt.Sprintf("%s on %s %s: %s", who, g.client, what, list(g.users, 6)))
	}
	if n := len(im.LosesAll); n > 0 {
		verb := "lose"
		if n == 1 {
			verb = "loses"
		}
		out = append(out, fmt.Sprintf("%s %s every way into their mailbox: %s", plural(n, "user", "users"), verb, list(im.LosesAll, 6)))
	}
	return out
}

// PlanEntry is one step in the `plan` part of assess's JSON
// (CONTRACT.md).
type PlanEntry struct {
	Step       string   `json:"step"`
	Title      string   `json:"title"`
	Fixes      []string `json:"fixes"`
	Changes    int      `json:"changes"`
	Reversible bool     `json:"reversible"`
	Breaks     []Break  `json:"breaks"`
	// Beyond the contract's keys:
	Manual   bool     `json:"manual,omitempty"`
	Nothing  string   `json:"nothing,omitempty"`
	Passes   []string `json:"passes"`
	LosesAll []string `json:"losesAll,omitempty"`
	Summary  []string `json:"summary,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// PlanJSON gives the plan entries of `assess --plan` for s.
func (p *Plan) PlanJSON(s *tenant.Snapshot) []PlanEntry { return p.entries(p.Impact(s)) }

func (p *Plan) entries(imps []Impact) []PlanEntry {
	out := make([]PlanEntry, len(p.Steps))
	for i, ps := range p.Steps {
		im := imps[i]
		out[i] = PlanEntry{Step: ps.ID, Title: ps.Title, Fixes: append([]string{}, ps.Fixes...), Changes: len(ps.Writes),
			Reversible: ps.Reversible(), Breaks: im.Breaks, Manual: ps.Manual, Nothing: ps.Nothing, Passes: im.Passes,
			LosesAll: im.LosesAll, Summary: im.Summary(), Notes: ps.Notes}
	}
	return out
}
