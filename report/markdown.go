package report

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

// Markdown renders the handover report: who ran harden365, when and
// against which organisation; what it found, step by step; who can read
// mail with a password alone before and after the plan; who loses which
// mail client; what was changed and what was not; what is left to do by
// hand and how to undo it; the consultant's manual checklist; and the
// evidence. It is plain CommonMark with GFM tables (no HTML), readable raw
// and rendered by GitHub, glamour or pandoc. Same input, same bytes: the
// date it carries is in.Generated (or when the snapshot was collected),
// never the clock.
func Markdown(in Input) string {
	r := &renderer{in: in}
	if in.Snapshot == nil {
		r.line("# Mail access handover report")
		r.blank()
		r.para("Nothing was collected: there is no snapshot to report on.")
		return textsafe.Document(r.b.String())
	}
	r.prepare()
	// The sections read the input and write their own text: each is
	// rendered into its own builder, on up to GOMAXPROCS workers, and the
	// texts are joined in order. Only the appendix reads what other
	// sections found (the findings whose lists were cut short, listed by
	// the findings and hygiene sections), so those two come first.
	sections := []func(*renderer){
		(*renderer).title, (*renderer).summary, (*renderer).about, (*renderer).findings, (*renderer).hygiene,
		(*renderer).accessMatrix, (*renderer).clients, (*renderer).plan, (*renderer).applied, (*renderer).notApplied,
		(*renderer).remaining, (*renderer).rollback, (*renderer).manualChecklist, (*renderer).appendix,
	}
	first := []int{3, 4} // findings, hygiene: they fill r.long
	texts := make([]string, len(sections))
	writes := 0
	for _, ps := range r.steps {
		writes += len(ps.Writes)
	}
	// What the long sections write per client or change, roughly: their
	// builders start that large rather than doubling up to it.
	hint := map[int]int{6: 120 * len(r.in.Clients), 10: 150 * writes, 11: 100 * writes, 13: 100 * len(r.in.Clients)}
	render := func(i int) *renderer {
		sr := *r
		sr.b = strings.Builder{}
		sr.b.Grow(hint[i])
		sections[i](&sr)
		texts[i] = sr.b.String()
		return &sr
	}
	for _, i := range first {
		r.long = render(i).long
	}
	next := make(chan int, len(sections))
	for i := range sections {
		if !slices.Contains(first, i) {
			next <- i
		}
	}
	close(next)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				render(i)
			}
		}()
	}
	wg.Wait()
	n := 1
	for _, t := range texts {
		n += len(t)
	}
	r.b.Grow(n)
	for _, t := range texts {
		r.b.WriteString(t)
	}
	// One final newline; the document's text is not copied for it when
	// it ends with one or more (it always does).
	doc := r.b.String()
	if trimmed := strings.TrimRight(doc, "\n"); len(trimmed) < len(doc) {
		doc = doc[:len(trimmed)+1]
	} else {
		doc += "\n"
	}
	return textsafe.Document(doc)
}

type renderer struct {
	in Input
	b  strings.Builder

	snap     *tenant.Snapshot
	steps    []remediate.PlannedStep // the plan's steps (none without a plan)
	entries  map[string]remediate.PlanEntry
	done     map[string]*Change // changes made, by write ID
	recorded map[string]*Change // every change the journal recorded, by write ID
	long     []assess.Finding   // findings whose lists were cut short, for the appendix
}

func (r *renderer) prepare() {
	r.snap = r.in.Snapshot
	if r.in.Planned != nil {
		r.steps = r.in.Planned.Steps
	}
	r.entries = map[string]remediate.PlanEntry{}
	for _, e := range r.in.Plan {
		r.entries[e.Step] = e
	}
	r.done = r.in.Applied.done()
	r.recorded = r.in.Applied.byID()
}

// --- writing

func (r *renderer) line(s string) {
	r.b.WriteString(s)
	r.b.WriteByte('\n')
}
func (r *renderer) blank() { r.b.WriteString("\n") }

func (r *renderer) heading(level int, text string) {
	// pandoc reads a heading's trailing {...} as its attributes.
	if strings.HasSuffix(text, "}") && !strings.HasSuffix(text, "\\}") {
		text = text[:len(text)-1] + "\\}"
	}
	r.line(strings.Repeat("#", level) + " " + text)
	r.blank()
}

func (r *renderer) para(s string) {
	r.line(s)
	r.blank()
}

func (r *renderer) bullets(items []string) {
	if len(items) == 0 {
		return
	}
	for _, it := range items {
		r.b.WriteString("- ")
		r.line(it)
	}
	r.blank()
}

// table writes a GFM table; every cell must come from cell, t or id.
func (r *renderer) table(head []string, rows [][]string) {
	r.line("| " + strings.Join(head, " | ") + " |")
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
	}
	r.line("| " + strings.Join(sep, " | ") + " |")
	for _, row := range rows {
		r.b.WriteString("|")
		for i := range head {
			c := "-"
			if i < len(row) && row[i] != "" {
				c = row[i]
			}
			r.b.WriteByte(' ')
			r.b.WriteString(c)
			r.b.WriteString(" |")
		}
		r.b.WriteByte('\n')
	}
	r.blank()
}

// At scale a table of every user, client or change makes the report tens
// of megabytes (91 MB for 100,000 mailboxes): no one reads it, and
// viewers (glamour, GitHub, pandoc) choke on it. The per-user and
// per-change listings stop at these sizes and say how many more there are
// and where every one of them is.
const (
	maxTableRows = 250  // rows of a table of users, clients or changes
	maxWrites    = 100  // changes of one step whose commands are written out
	maxNames     = 50   // names listed in a sentence
	maxFullNames = 1000 // names of a finding's "in full" list in the appendix
)

// rowCap gathers a table's rows up to maxTableRows and counts the rest,
// so that a caller builds the cells only of the rows shown.
type rowCap struct {
	rows [][]string
	more int
}

// room reports whether another row is shown; if not, it is counted.
func (c *rowCap) room() bool {
	if len(c.rows) < maxTableRows {
		return true
	}
	c.more++
	return false
}

func (c *rowCap) add(row ...string) { c.rows = append(c.rows, row) }

func (c *rowCap) empty() bool { return len(c.rows) == 0 }

// cappedTable writes the rows gathered and, when some were left out, how
// many and where every one is (where: "harden365 ... lists every one").
func (r *renderer) cappedTable(head []string, c *rowCap, where string) {
	r.table(head, c.rows)
	if c.more > 0 {
		r.para(fmt.Sprintf("The first %d of %d rows are shown; %s.", len(c.rows), len(c.rows)+c.more, where))
	}
}

func (r *renderer) code(info, body string) {
	r.b.WriteString(code(info, body))
	r.blank()
}

// --- words

var statusMark = map[string]string{
	assess.Pass: "✓ PASS", assess.Fail: "✗ FAIL", assess.Warn: "! WARN", assess.Info: "i INFO", assess.Error: "? ERROR",
}

func mark(status string) string {
	if m, ok := statusMark[status]; ok {
		return m
	}
	return strings.ToUpper(status)
}

var protocolNames = map[matrix.Protocol]string{
	matrix.OWA: "Outlook on the web (OWA)", matrix.MAPI: "Outlook (MAPI over HTTP)", matrix.RPC: "Outlook Anywhere (RPC over HTTP)",
	matrix.EWS: "Exchange Web Services (EWS)", matrix.ActiveSync: "Exchange ActiveSync", matrix.POP: "POP", matrix.IMAP: "IMAP",
	matrix.SMTP: "SMTP AUTH", matrix.PowerShell: "Exchange PowerShell",
}

var shortNames = map[matrix.Protocol]string{
	matrix.OWA: "OWA", matrix.MAPI: "MAPI", matrix.RPC: "RPC", matrix.EWS: "EWS", matrix.ActiveSync: "ActiveSync",
	matrix.POP: "POP", matrix.IMAP: "IMAP", matrix.SMTP: "SMTP AUTH", matrix.PowerShell: "PowerShell",
}

func shortProtocol(p matrix.Protocol) string {
	if n, ok := shortNames[p]; ok {
		return n
	}
	return string(p)
}

func protocolName(p matrix.Protocol) string {
	if n, ok := protocolNames[p]; ok {
		return n
	}
	return string(p)
}

var verdictMeaning = []struct {
	v    matrix.Verdict
	text string
}{
	{matrix.Password, "a password alone reads the mail"},
	{matrix.Restricted, "a password alone, but only from named network zones or trusted devices"},
	{matrix.Unknown, "could not be judged: some data could not be collected (the reasons say which)"},
	{matrix.MFA, "a second factor is required"},
	{matrix.Blocked, "refused"},
	{matrix.Unsupported, "the service does not offer this way in (on the date judged)"},
}

var stepHeadings = map[string]string{
	"A": "Step A: federate the mail domains with Okta",
	"B": "Step B: enable modern authentication",
	"C": "Step C: switch legacy protocols off",
	"D": "Step D: block basic authentication with an authentication policy",
	"E": "Step E: Okta's Office 365 sign-on rules",
	"F": "Step F: revoke sessions and refresh tokens (last)",
}

var serviceNames = map[string]string{
	"graph": "Microsoft Graph (Entra ID)", "exchange": "Exchange Online admin API", "okta": "Okta API",
	"dns": "DNS", "probe": "mail endpoint probes",
}

var serviceOrder = []string{"graph", "exchange", "okta", "dns", "probe"}

func serviceName(s string) string {
	if n, ok := serviceNames[s]; ok {
		return n
	}
	return s
}

// --- the title and the summary

func (r *renderer) orgName() string {
	if n := strings.TrimSpace(r.snap.Tenant.DisplayName); n != "" {
		return n
	}
	if r.snap.Tenant.InitialDomain != "" {
		return r.snap.Tenant.InitialDomain
	}
	return "the organisation"
}

func (r *renderer) operator() string {
	if r.in.Operator != "" {
		return r.in.Operator
	}
	return r.in.Choices.Operator
}

func (r *renderer) generated() string {
	if !r.in.Generated.IsZero() {
		return stamp(r.in.Generated)
	}
	return stamp(r.snap.CollectedAt)
}

func (r *renderer) title() {
	r.heading(1, "Mail access handover report: "+t(r.orgName()))
	by := " (operator not recorded)"
	if op := r.operator(); op != "" {
		by = " by " + t(op)
	}
	r.para(fmt.Sprintf("Exchange Online, Entra ID and Okta, judged as of **%s**. Prepared on %s%s with harden365 %s.",
		day(r.snap.AsOf), r.generated(), by, t(orDefault(r.in.Version, "(version unknown)"))))
}

// exposure sorts a matrix's users by how exposed they are.
type exposure struct {
	users      int
	password   []string // a password alone reads mail over some way in
	restricted []string // only from named zones or trusted devices
	unknown    []string // no password path known, but some could not be judged
	paths      []string // the ways in where some user needs only a password
}

func exposureOf(m *matrix.Matrix) exposure {
	var e exposure
	if m == nil {
		return e
	}
	e.users = len(m.Users)
	for i := range m.Users {
		u := &m.Users[i]
		pw, rs, un := false, false, false
		for _, p := range matrix.Protocols {
			for _, meth := range matrix.Methods {
				switch u.Verdict(p, meth) {
				case matrix.Password:
					pw = true
				case matrix.Restricted:
					rs = true
				case matrix.Unknown:
					un = true
				}
			}
		}
		switch {
		case pw:
			e.password = append(e.password, u.UPN)
		case rs:
			e.restricted = append(e.restricted, u.UPN)
		case un:
			e.unknown = append(e.unknown, u.UPN)
		}
	}
	for _, meth := range matrix.Methods {
		var ps []string
		for _, p := range matrix.Protocols {
			if c := m.Cell(p, meth); c != nil && c.Count(matrix.Password) > 0 {
				ps = append(ps, shortProtocol(p))
			}
		}
		if len(ps) > 0 {
			e.paths = append(e.paths, fmt.Sprintf("with %s auth over %s", meth, joinAnd(ps)))
		}
	}
	return e
}

func (e exposure) sentence(when string) string {
	if e.users == 0 {
		return when + ": no mailbox users were found, so nobody was judged."
	}
	var s string
	switch n := len(e.password); {
	case n == 0 && len(e.unknown) > 0:
		return fmt.Sprintf("%s: **no mailbox user is known to read mail with a password alone** (of %d), but for %s some ways in could not be judged, because data is missing (see \"What could not be collected\").",
			when, e.users, plural(len(e.unknown), "user", "users"))
	case n == 0:
		s = fmt.Sprintf("%s: **no mailbox user can read mail with a password alone** (of %d)", when, e.users)
	default:
		verb := "can"
		s = fmt.Sprintf("%s: **%d of %d mailbox users %s read mail with a password alone**, without a second factor: %s",
			when, n, e.users, verb, t(strings.Join(e.paths, "; ")))
	}
	if n := len(e.restricted); n > 0 {
		s += fmt.Sprintf("; %s only from named network zones or trusted devices (%s)", plural(n, "more user can", "more users can"), t(list(e.restricted, 8)))
	}
	if n := len(e.unknown); n > 0 {
		s += fmt.Sprintf("; for %s some ways in could not be judged, because data is missing", plural(n, "user", "users"))
	}
	return s + "."
}

// list is up to max names, then "and N more".
func list(names []string, max int) string {
	if len(names) <= max {
		return joinAnd(names)
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

func (r *renderer) summary() {
	r.heading(2, "Summary")
	var items []string
	before := exposureOf(r.in.Before)
	items = append(items, before.sentence("Before"))
	if r.in.After != nil {
		when := "After the plan (simulated)"
		if a := r.in.Applied; a != nil && a.Verification != nil && len(a.Verification.Differences) == 0 && r.allDone() {
			when = "After the changes (applied, and the organisation collected again matched the simulation)"
		}
		items = append(items, exposureOf(r.in.After).sentence(when))
	}

	counts := map[string]int{}
	highFail := 0
	for _, f := range r.in.Findings {
		counts[f.Status]++
		if f.Status == assess.Fail && f.Severity == assess.High {
			highFail++
		}
	}
	var parts []string
	for _, st := range []string{assess.Fail, assess.Warn, assess.Error, assess.Info, assess.Pass} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, mark(st)))
		}
	}
	if len(r.in.Findings) > 0 {
		s := fmt.Sprintf("Checks: %d, of which %s", len(r.in.Findings), strings.Join(parts, ", "))
		if highFail > 0 {
			s += fmt.Sprintf("; %d failing at high severity (below)", highFail)
		}
		items = append(items, s+".")
	}

	if len(r.steps) > 0 {
		writes, irreversible := 0, 0
		for _, ps := range r.steps {
			writes += len(ps.Writes)
			for _, w := range ps.Writes {
				if !w.Reversible {
					irreversible++
				}
			}
		}
		s := fmt.Sprintf("The plan: %s (%s), %s", plural(len(r.steps), "step", "steps"), stepList(r.steps), plural(writes, "change", "changes"))
		if irreversible > 0 {
			s += fmt.Sprintf(", %d of them irreversible", irreversible)
		}
		if lose := r.losers(); len(lose) > 0 {
			s += fmt.Sprintf("; %s would lose a mail client or more", plural(len(lose), "user", "users"))
		}
		if all := r.losesAll(); len(all) > 0 {
			s += fmt.Sprintf(", %s every way into their mailbox", plural(len(all), "user", "users"))
		}
		if len(r.in.Risks) > 0 {
			s += fmt.Sprintf("; the lockout guard objects (%s)", plural(len(r.in.Risks), "risk", "risks"))
		}
		items = append(items, s+".")
	} else {
		s := "No plan was chosen: this report is an assessment, and each finding says what to do."
		if only := assess.LegacyOnly(r.in.Clients); len(only) > 0 {
			s += fmt.Sprintf(" Blocking basic authentication would cut %s off altogether: none of their mail clients can do modern authentication (see \"Who loses access\").",
				plural(len(only), "user", "users"))
		}
		items = append(items, s)
	}

	if a := r.in.Applied; a != nil {
		n, failed := 0, 0
		for _, c := range a.Changes {
			switch c.State {
			case ChangeDone:
				n++
			case ChangeFailed, ChangeInDoubt:
				failed++
			}
		}
		s := fmt.Sprintf("Applied on %s: %s made", stamp(a.Started), plural(n, "change", "changes"))
		if failed > 0 {
			s += fmt.Sprintf(", %d failed or in doubt", failed)
		}
		if rest := r.notAppliedCount(); rest > 0 {
			s += fmt.Sprintf("; %s of the plan not applied (below)", plural(rest, "change", "changes"))
		}
		switch v := a.Verification; {
		case v == nil:
			s += "; the organisation was not collected again, so nothing is verified"
		case len(v.Differences) == 0:
			s += "; collected again, the organisation matches the simulation"
		default:
			s += fmt.Sprintf("; collected again, the organisation differs from the simulation in %s", plural(len(v.Differences), "place", "places"))
		}
		items = append(items, s+".")
	} else if len(r.steps) > 0 {
		items = append(items, "Nothing has been changed yet: the plan is a preview.")
	}

	if errs := r.collectionErrors(); len(errs) > 0 {
		items = append(items, fmt.Sprintf("%d of %d sources could not be collected (see \"What could not be collected\"); the checks that need them say %s, never pass or fail.",
			len(errs), len(r.snap.Collection), mark(assess.Error)))
	}
	r.bullets(items)

	var rows [][]string
	for _, f := range r.in.Findings {
		if f.Status == assess.Fail && f.Severity == assess.High {
			rows = append(rows, []string{id(f.ID), stepCell(f.Step), cell(f.Title), affected(f)})
		}
	}
	if len(rows) > 0 {
		r.heading(3, "Fix first: failing checks of high severity")
		r.table([]string{"Check", "Step", "What should hold", "Affected"}, rows)
	}
}

func stepList(steps []remediate.PlannedStep) string {
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = s.ID
	}
	return t(strings.Join(ids, ", "))
}

func stepCell(step string) string {
	if step == "" {
		return "-"
	}
	return cell(step)
}

func affected(f assess.Finding) string {
	if f.Affected == 0 || f.Status == assess.Pass {
		return "-"
	}
	return fmt.Sprint(f.Affected)
}

// allDone reports whether every write of the plan was made.
func (r *renderer) allDone() bool {
	return r.notAppliedCount() == 0
}

// --- about the assessment

func (r *renderer) collectionErrors() []tenant.SourceStatus {
	var out []tenant.SourceStatus
	for _, st := range r.snap.Collection {
		if st.State != tenant.StateOK && st.State != tenant.StateSkipped {
			out = append(out, st)
		}
	}
	return out
}

// collectionSkipped are the sources not read by choice (Okta's factors
// of a large org, one request per user): not errors, and no verdict
// depends on them.
func (r *renderer) collectionSkipped() []tenant.SourceStatus {
	var out []tenant.SourceStatus
	for _, st := range r.snap.Collection {
		if st.State == tenant.StateSkipped {
			out = append(out, st)
		}
	}
	return out
}

func (r *renderer) about() {
	r.heading(2, "About this assessment")
	s := r.snap
	items := []string{
		"Organisation: " + t(r.orgName()),
		"Tenant ID: " + t(orDefault(s.Tenant.ID, "not recorded")),
	}
	if s.Tenant.InitialDomain != "" {
		items = append(items, "Initial domain: "+t(s.Tenant.InitialDomain))
	}
	items = append(items,
		fmt.Sprintf("Judged as of: %s (what Microsoft had retired by then, and the 30 days of sign-ins before it)", day(s.AsOf)),
		fmt.Sprintf("Collected: %s, from %s", stamp(s.CollectedAt), t(orDefault(s.Source, "a source not recorded"))),
	)
	op := r.operator()
	if op == "" {
		op = "not recorded"
	}
	items = append(items, "Operator (who ran harden365): "+t(op))
	if si := r.in.Session; si != nil {
		items = append(items, fmt.Sprintf("Session: saved on %s by %s %s; judged again for this report by harden365 %s",
			stamp(si.Created), t(orDefault(si.Tool.Name, "harden365")), t(orDefault(si.Tool.Version, "(version not recorded)")), t(orDefault(r.in.Version, "(version unknown)"))))
	} else {
		items = append(items, "Report: harden365 "+t(orDefault(r.in.Version, "(version unknown)"))+", from a live assessment (no saved session)")
	}
	items = append(items, "Operator's choices: "+choicesText(r.in.Choices))
	r.bullets(items)

	if len(s.Domains) > 0 {
		r.heading(3, "Domains")
		doms := append([]tenant.Domain(nil), s.Domains...)
		sort.SliceStable(doms, func(i, j int) bool { return strings.ToLower(doms[i].Name) < strings.ToLower(doms[j].Name) })
		var rows [][]string
		for _, d := range doms {
			sign := "managed (cloud authentication at Entra ID)"
			if d.Federated() {
				sign = "federated"
				if d.Federation != nil {
					if h := hostOf(d.Federation.PassiveSignInURI); h != "" {
						sign += " to " + h
					}
				}
			}
			var roles []string
			if d.IsDefault {
				roles = append(roles, "default")
			}
			if d.IsInitial {
				roles = append(roles, "initial")
			}
			if !d.IsVerified {
				roles = append(roles, "not verified")
			}
			mail := "no"
			if d.ServesEmail() {
				mail = "yes"
			}
			rows = append(rows, []string{cell(d.Name), cell(sign), mail, cell(strings.Join(roles, ", "))})
		}
		r.table([]string{"Domain", "Sign-in", "Mail", "Notes"}, rows)
	}

	r.heading(3, "Permissions and collection")
	byService := map[string][2]int{}
	for _, st := range s.Collection {
		c := byService[st.Service]
		c[1]++
		if st.State == tenant.StateOK {
			c[0]++
		}
		byService[st.Service] = c
	}
	var svc []string
	for _, name := range append(serviceOrder, sortedKeys(byService)...) {
		if _, ok := byService[name]; !ok || contains(svc, name) {
			continue
		}
		svc = append(svc, name)
	}
	var parts []string
	for _, name := range svc {
		c := byService[name]
		parts = append(parts, fmt.Sprintf("%s %d of %d", t(serviceName(name)), c[0], c[1]))
	}
	errs, skipped := r.collectionErrors(), r.collectionSkipped()
	r.para(fmt.Sprintf("harden365 only reads while it assesses. It read %d of %d sources with the access it was given: %s. "+
		"Reading needs the Microsoft Graph read permissions (Domain.Read.All, User.Read.All, Policy.Read.All, AuditLog.Read.All, Reports.Read.All), "+
		"Exchange.ManageAsApp with the Global Reader role for the Exchange Online admin API, and an Okta Read-Only Administrator's okta.*.read scopes. "+
		"Making the plan's changes needs Exchange \"Organization Management\", an Okta administrator who can edit the Office 365 app, and the Graph permissions each step names. "+
		"Every source and its outcome is listed in the appendix.",
		len(s.Collection)-len(errs)-len(skipped), len(s.Collection), strings.Join(parts, "; ")))
	if len(skipped) > 0 {
		r.heading(3, "What was not read")
		r.para("These sources were left out by choice, not for want of access: no verdict depends on them, and the findings that would cite them say they were not read.")
		var rows [][]string
		for _, st := range skipped {
			rows = append(rows, []string{id(st.ID), cell(serviceName(st.Service)), cell(orDefault(st.Fix, st.Error))})
		}
		r.table([]string{"Source", "Service", "Why, and how to read it"}, rows)
	}
	r.heading(3, "What could not be collected")
	if len(errs) == 0 {
		if len(skipped) > 0 {
			r.para("Everything else was collected: no finding is limited by missing data.")
		} else {
			r.para("Everything was collected: no finding is limited by missing data.")
		}
		return
	}
	var rows [][]string
	for _, st := range errs {
		rows = append(rows, []string{id(st.ID), cell(serviceName(st.Service)), cell(st.State), cell(st.Error), cell(st.Fix)})
	}
	r.table([]string{"Source", "Service", "State", "Reason", "What would fix it"}, rows)
}

func hostOf(raw string) string {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return s
}

func choicesText(c remediate.Choices) string {
	var parts []string
	if len(c.Exceptions.Users) > 0 {
		parts = append(parts, "exception mailboxes "+t(joinAnd(c.Exceptions.Users)))
	} else {
		parts = append(parts, "no exception mailboxes")
	}
	if c.Exceptions.OktaGroup != "" {
		parts = append(parts, "Okta exception group "+t(quote(c.Exceptions.OktaGroup)))
	}
	if len(c.Zones) > 0 {
		parts = append(parts, "Okta network zones "+t(joinAnd(quoteAll(c.Zones))))
	}
	if len(c.BreakGlass) > 0 {
		parts = append(parts, "break-glass accounts "+t(joinAnd(c.BreakGlass)))
	}
	protos := c.Protocols
	if len(protos) == 0 {
		protos = []string{"pop", "imap"}
	}
	parts = append(parts, "legacy protocols to switch off: "+t(joinAnd(protos)))
	if c.Scope.Everyone() {
		parts = append(parts, "scope: everyone")
	} else {
		var sc []string
		if len(c.Scope.Titles) > 0 {
			sc = append(sc, "titles "+joinAnd(quoteAll(c.Scope.Titles)))
		}
		if len(c.Scope.Users) > 0 {
			sc = append(sc, "users "+joinAnd(c.Scope.Users))
		}
		parts = append(parts, "scope: "+t(strings.Join(sc, " and ")))
	}
	prompt := c.MFAPrompt
	if prompt == "" {
		prompt = "not chosen (once per session for a new rule)"
	}
	parts = append(parts, "MFA prompt: "+t(prompt))
	return strings.Join(parts, "; ") + "."
}

func quote(s string) string { return "\"" + s + "\"" }

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = quote(x)
	}
	return out
}

// --- findings

type findingGroup struct {
	title    string
	intro    string
	findings []assess.Finding
}

func hygiene(f assess.Finding) bool { return assess.Hygiene(f) }

func (r *renderer) groups() (steps []findingGroup, hyg []findingGroup) {
	byStep := map[string][]assess.Finding{}
	var extras, dns, tls, exo []assess.Finding
	for _, f := range r.in.Findings {
		switch {
		case f.Step != "":
			byStep[f.Step] = append(byStep[f.Step], f)
		case !hygiene(f):
			extras = append(extras, f)
		case strings.HasPrefix(f.ID, "DNS-"):
			dns = append(dns, f)
		case strings.HasPrefix(f.ID, "TLS-"), f.ID == "AUTH-ADVERTISED":
			tls = append(tls, f)
		default:
			exo = append(exo, f)
		}
	}
	for _, s := range sortedKeys(byStep) {
		title := stepHeadings[s]
		if title == "" {
			title = "Step " + s
		}
		steps = append(steps, findingGroup{title: title, findings: byStep[s]})
	}
	if len(extras) > 0 {
		steps = append(steps, findingGroup{title: "Beyond the whitepaper", intro: "Checks the whitepaper did not have: today's Entra ID and Exchange Online settings that decide the same question, and the evidence of who uses legacy protocols.", findings: extras})
	}
	if len(dns) > 0 {
		hyg = append(hyg, findingGroup{title: "Mail DNS: SPF, DKIM, DMARC, MTA-STS, TLS-RPT and MX", findings: dns})
	}
	if len(tls) > 0 {
		hyg = append(hyg, findingGroup{title: "Mail endpoints: TLS versions, ciphers, certificates, STARTTLS and password sign-in", findings: tls})
	}
	if len(exo) > 0 {
		hyg = append(hyg, findingGroup{title: "Exchange Online settings: auditing, signing, protection, encryption and connectors", findings: exo})
	}
	return steps, hyg
}

func (r *renderer) findingsTable(gs []findingGroup) {
	var rows [][]string
	for _, g := range gs {
		for _, f := range g.findings {
			rows = append(rows, []string{mark(f.Status), cell(f.Severity), stepCell(f.Step), id(f.ID), cell(f.Title), affected(f)})
		}
	}
	r.table([]string{"Status", "Severity", "Step", "Check", "What should hold", "Affected"}, rows)
}

func (r *renderer) findings() {
	r.heading(2, "Findings")
	if len(r.in.Findings) == 0 {
		r.para("No check was run.")
		return
	}
	steps, _ := r.groups()
	r.para("Grouped by the whitepaper's steps A to F (\"Securing Office 365 with Okta\"), then the checks beyond it; the mail-hygiene checklist follows in its own section. " +
		"Status: ✓ PASS holds; ✗ FAIL does not hold; ! WARN needs attention; i INFO is for the record; ? ERROR could not be judged (the detail names what is missing).")
	r.sessionDrift()
	r.findingsTable(steps)
	for _, g := range steps {
		r.heading(3, t(g.title))
		if g.intro != "" {
			r.para(t(g.intro))
		}
		for _, f := range g.findings {
			r.finding(f)
		}
	}
}

// sessionDrift says where the findings judged now differ from those the
// session recorded (a newer harden365 judges differently).
func (r *renderer) sessionDrift() {
	si := r.in.Session
	if si == nil || len(si.Findings) == 0 {
		return
	}
	was := map[string]string{}
	for _, f := range si.Findings {
		was[f.ID] = f.Status
	}
	var diffs []string
	for _, f := range r.in.Findings {
		old, ok := was[f.ID]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s is new (%s)", id(f.ID), mark(f.Status)))
		case old != f.Status:
			diffs = append(diffs, fmt.Sprintf("%s was %s, now %s", id(f.ID), mark(old), mark(f.Status)))
		}
	}
	if len(diffs) == 0 {
		r.para("Judged again with this version of harden365: the findings are those the session recorded.")
		return
	}
	r.para(fmt.Sprintf("Judged again with this version of harden365 (the session was saved by %s): %s differ from what the session recorded:",
		t(orDefault(si.Tool.Version, "an unrecorded version")), plural(len(diffs), "finding", "findings")))
	r.bullets(diffs)
}

func (r *renderer) finding(f assess.Finding) {
	r.heading(4, fmt.Sprintf("%s: %s %s", mark(f.Status), id(f.ID), t(f.Title)))
	meta := []string{"severity " + t(f.Severity)}
	if f.Step != "" {
		meta = append(meta, "whitepaper step "+t(f.Step))
	}
	if n := affected(f); n != "-" {
		meta = append(meta, n+" affected")
	}
	r.para(strings.Join(meta, " · "))
	if f.Detail != "" {
		r.para(t(f.Detail))
	}
	cutShort := false
	if n := len(f.AffectedUsers); n > 0 && f.Status != assess.Pass {
		if n > maxInline {
			cutShort = true
			r.para(fmt.Sprintf("Affected (%d): %s, and %d more (all in the appendix).", n, t(strings.Join(f.AffectedUsers[:maxInline], ", ")), n-maxInline))
		} else {
			r.para(fmt.Sprintf("Affected (%d): %s.", n, t(joinAnd(f.AffectedUsers))))
		}
	}
	if len(f.Evidence) > 0 {
		ev := f.Evidence
		if len(ev) > maxInline {
			ev = ev[:maxInline]
			cutShort = true
		}
		r.para("Evidence:")
		items := make([]string, len(ev))
		for i, e := range ev {
			items[i] = t(e)
		}
		if len(ev) < len(f.Evidence) {
			items = append(items, fmt.Sprintf("and %d more lines (all in the appendix)", len(f.Evidence)-len(ev)))
		}
		r.bullets(items)
	}
	if cutShort {
		r.long = append(r.long, f)
	}
}

// maxInline is how many affected users or evidence lines a finding shows
// before the rest goes to the appendix.
const maxInline = 12

func (r *renderer) hygiene() {
	_, hyg := r.groups()
	if len(hyg) == 0 {
		return
	}
	r.heading(2, "Mail hygiene checklist")
	r.para("The Exchange security checklist's points that can be seen from outside and from the cloud: the mail domains' DNS records, what the mail endpoints offer, and the tenant's auditing, signing and protection settings. " +
		"What cannot be seen from the cloud is in the manual checklist below.")
	r.findingsTable(hyg)
	for _, g := range hyg {
		r.heading(3, t(g.title))
		for _, f := range g.findings {
			r.finding(f)
		}
	}
}

// --- the access matrix

func cellText(c *matrix.Cell) string {
	if c == nil {
		return "-"
	}
	if c.Total() == 0 {
		return string(c.Verdict)
	}
	head := fmt.Sprintf("%s %d", c.Verdict, c.Count(c.Verdict))
	if c.Verdict == matrix.Password || c.Verdict == matrix.Restricted {
		head = "**" + head + "**"
	}
	parts := []string{head}
	for _, v := range matrix.Verdicts {
		if v != c.Verdict && c.Count(v) > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", v, c.Count(v)))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *renderer) accessMatrix() {
	r.heading(2, "Who can read mail, and how: the access matrix")
	if r.in.Before == nil {
		r.para("The access matrix was not evaluated.")
		return
	}
	r.para(fmt.Sprintf("For each of the %d mailbox users, each way into a mailbox and each sign-in method, harden365 follows the gates a real sign-in meets "+
		"(what Microsoft accepts on the date judged, the mailbox's protocol switch, the Exchange authentication policy, modern authentication, Okta's sign-on rules and Entra ID's conditional access) "+
		"and stops at the first that decides. A cell shows the most permissive verdict among the users and how many users have each verdict. "+
		"Basic authentication is a user name and password; modern authentication is OAuth, where a second factor can be asked.", len(r.in.Before.Users)))
	var legend []string
	for _, v := range verdictMeaning {
		legend = append(legend, fmt.Sprintf("**%s**: %s", v.v, v.text))
	}
	r.bullets(legend)

	var rows [][]string
	if r.in.After == nil {
		for _, p := range matrix.Protocols {
			rows = append(rows, []string{t(protocolName(p)), cellText(r.in.Before.Cell(p, matrix.Basic)), cellText(r.in.Before.Cell(p, matrix.Modern))})
		}
		r.table([]string{"Way in", "Basic auth", "Modern auth"}, rows)
	} else {
		for _, p := range matrix.Protocols {
			rows = append(rows, []string{t(protocolName(p)),
				cellText(r.in.Before.Cell(p, matrix.Basic)), cellText(r.in.After.Cell(p, matrix.Basic)),
				cellText(r.in.Before.Cell(p, matrix.Modern)), cellText(r.in.After.Cell(p, matrix.Modern))})
		}
		r.table([]string{"Way in", "Basic auth, before", "Basic auth, after", "Modern auth, before", "Modern auth, after"}, rows)
		r.para("\"After\" is the organisation as the plan's simulation leaves it, judged by the same code as \"before\"." + r.verificationNote())
	}
	r.heading(3, "Why, before")
	r.reasonDigest(r.in.Before)
	if r.in.After != nil {
		r.heading(3, "Why, after the plan")
		r.reasonDigest(r.in.After)
	}
}

func (r *renderer) verificationNote() string {
	a := r.in.Applied
	if a == nil {
		return " Nothing has been applied yet."
	}
	partial := ""
	if n := r.notAppliedCount(); n > 0 {
		partial = fmt.Sprintf(" %s of the plan %s not made (see \"Changes not applied\"), so the organisation is not yet as \"after\" shows.",
			plural(n, "change", "changes"), map[bool]string{true: "was", false: "were"}[n == 1])
	}
	return r.verifiedNote(a) + partial
}

func (r *renderer) verifiedNote(a *Applied) string {
	switch v := a.Verification; {
	case v == nil:
		return " The organisation was not collected again after the apply, so the simulation is not verified."
	case len(v.Differences) == 0:
		return fmt.Sprintf(" Collected again on %s, the organisation matched the simulation.", stamp(v.CollectedAt))
	default:
		return fmt.Sprintf(" Collected again on %s, the organisation differs from the simulation in %s (see \"Changes applied\").", stamp(v.CollectedAt), plural(len(v.Differences), "place", "places"))
	}
}

// reasonDigest gives, for every cell where a password alone gets in (or
// might), the first reasons.
func (r *renderer) reasonDigest(m *matrix.Matrix) {
	var items []string
	for _, p := range matrix.Protocols {
		for _, meth := range matrix.Methods {
			c := m.Cell(p, meth)
			if c == nil || (c.Verdict != matrix.Password && c.Verdict != matrix.Restricted && c.Verdict != matrix.Unknown) {
				continue
			}
			reasons := c.Reasons
			if len(reasons) > 3 {
				reasons = reasons[:3]
			}
			items = append(items, fmt.Sprintf("%s, %s: **%s** for %s: %s.", t(protocolName(p)), meth, c.Verdict,
				plural(c.Count(c.Verdict), "user", "users"), t(strings.Join(reasons, "; "))))
		}
	}
	if len(items) == 0 {
		r.para("No way in takes a password alone, and none is unknown.")
		return
	}
	r.bullets(items)
	r.para("Every cell's full chain of reasons is in the appendix.")
}

// --- mail clients

func (r *renderer) clientIndex() map[string]assess.ClientUse {
	out := map[string]assess.ClientUse{}
	for _, c := range r.in.Clients {
		out[strings.ToLower(c.User)+"\x00"+c.Client] = c
	}
	return out
}

// losers are the users the plan's steps take a mail client from.
func (r *renderer) losers() []string {
	seen := map[string]bool{}
	for _, e := range r.in.Plan {
		for _, b := range e.Breaks {
			seen[b.User] = true
		}
	}
	return sortedKeys(seen)
}

func (r *renderer) losesAll() []string {
	seen := map[string]bool{}
	for _, e := range r.in.Plan {
		for _, u := range e.LosesAll {
			seen[u] = true
		}
	}
	return sortedKeys(seen)
}

func (r *renderer) clients() {
	r.heading(2, "Mail clients, and who loses access")
	inv := r.in.Clients
	users := map[string]bool{}
	kinds := map[string]int{}
	for _, c := range inv {
		users[c.User] = true
		kinds[c.ModernAuth]++
	}
	if len(inv) == 0 {
		r.para("No mail client was seen (no sign-ins, email-app usage reports, mobile devices or Okta System Log entries were collected).")
	} else {
		r.para(fmt.Sprintf("%s seen using %s, from the sign-ins, the email-app usage reports, the ActiveSync devices and Okta's System Log, each classified against the whitepaper's tables of clients that do and do not support modern authentication: "+
			"%d with modern auth, %d without, %d only with Outlook 2013's registry keys, %d unknown.",
			plural(len(users), "user was", "users were"), plural(len(inv), "mail client", "mail clients"),
			kinds[assess.ModernYes], kinds[assess.ModernNo], kinds[assess.ModernConditional], kinds[assess.ModernUnknown]))
	}

	idx := r.clientIndex()
	r.heading(3, "Who loses access")
	if len(r.in.Plan) > 0 {
		var rows rowCap
		for _, e := range r.in.Plan {
			for _, b := range e.Breaks {
				if !rows.room() {
					continue
				}
				protos := make([]string, len(b.Protocols))
				for i, p := range b.Protocols {
					protos[i] = shortProtocol(matrix.Protocol(p))
				}
				loses := "all its mail (" + joinAnd(protos) + ")"
				if !b.All {
					loses = joinAnd(protos) + " only"
				}
				why := "cannot do modern authentication"
				c, known := idx[strings.ToLower(b.User)+"\x00"+b.Client]
				switch {
				case b.ModernAuth == assess.ModernYes || known && c.ModernAuth == assess.ModernYes:
					// The client is not the reason: the step closes the
					// user's way in.
					why = "not the client (it can do modern authentication): the step closes this way in for the user"
					if contains(e.LosesAll, b.User) {
						why = "not the client (it can do modern authentication): after this step the user has no way in at all (below)"
					}
				case known && c.TableRow != "":
					why = c.TableRow
				case b.ModernAuth == assess.ModernConditional:
					why = "keeps working only if Outlook 2013's registry keys EnableADAL=1 and Version=1 are set"
				}
				rows.add(id(e.Step), cell(b.User), cell(b.Client), cell(loses), cell(why))
			}
		}
		if rows.empty() {
			r.para("No step of the plan takes a mail client from anyone who was seen using one.")
		} else {
			r.para("The plan's steps stop these mail clients, as far as the clients seen and the matrix before and after each step tell:")
			r.cappedTable([]string{"Step", "User", "Mail client", "Loses", "Why"}, &rows,
				"every one is in the plan's breaks of harden365 assess --plan STEPS --format json, and the wizard's Clients screen lists them")
		}
		for _, e := range r.in.Plan {
			if len(e.LosesAll) == 0 {
				continue
			}
			note := ""
			if ps := r.step(e.Step); ps != nil && len(ps.Notes) > 0 {
				note = " The step's notes: " + t(strings.Join(ps.Notes, "; ")) + "."
			}
			r.para(fmt.Sprintf("After step %s, %s no way into their mailbox at all: %s.%s", id(e.Step),
				plural(len(e.LosesAll), "user has", "users have"), t(list(e.LosesAll, maxNames)), note))
		}
	} else {
		only := assess.LegacyOnly(inv)
		if len(only) == 0 {
			r.para("Blocking basic authentication (step D, Okta's deny rule or Entra's legacy block) leaves every user seen at least one mail client that works.")
		} else {
			r.para(fmt.Sprintf("Blocking basic authentication (step D, Okta's deny rule or Entra's legacy block) cuts %s off altogether, because none of the mail clients they were seen with can do modern authentication:", plural(len(only), "user", "users")))
			byUser := map[string][]int{}
			for i, c := range inv {
				byUser[c.User] = append(byUser[c.User], i)
			}
			var rows rowCap
			for _, u := range only {
				if !rows.room() {
					continue
				}
				var names, why []string
				for _, i := range byUser[u] {
					names = append(names, clientLabel(inv[i]))
					why = append(why, inv[i].TableRow)
				}
				who := cell(u)
				if containsFold(r.in.Choices.Exceptions.Users, u) {
					who += " (documented exception)"
				}
				rows.add(who, cell(strings.Join(names, "; ")), cell(strings.Join(why, "; ")))
			}
			r.cappedTable([]string{"User", "Mail clients", "Why"}, &rows,
				"the clients of every user are in harden365 assess --format json (clients.users), and the wizard's Clients screen lists them")
		}
		legacy := assess.LegacyUsers(inv)
		var some []string
		for _, u := range legacy {
			if !contains(only, u) {
				some = append(some, u)
			}
		}
		if len(some) > 0 {
			r.para(fmt.Sprintf("%s also use a client without modern authentication, and keep another: %s.", plural(len(some), "more user", "more users"), t(list(some, maxNames))))
		}
	}

	if len(inv) > 0 {
		r.heading(3, "Mail-client inventory")
		var rows rowCap
		for _, c := range inv {
			if rows.room() {
				rows.add(cell(c.User), cell(c.Client), cell(c.Version), cell(c.Platform), cell(c.ModernAuth), cell(c.TableRow))
			}
		}
		r.cappedTable([]string{"User", "Mail client", "Version", "Platform", "Modern auth", "Whitepaper table row"}, &rows,
			"every one is in harden365 assess --format json (clients.users), and the wizard's Clients screen lists them")
		r.para("Where each client was seen is in the appendix.")
	}
}

func clientLabel(c assess.ClientUse) string {
	if c.Version != "" {
		return c.Client + " " + c.Version
	}
	return c.Client
}

// --- the plan

func (r *renderer) step(id string) *remediate.PlannedStep {
	for i := range r.steps {
		if r.steps[i].ID == id {
			return &r.steps[i]
		}
	}
	return nil
}

func (r *renderer) plan() {
	r.heading(2, "The plan")
	if len(r.steps) == 0 {
		r.para("No plan was chosen. To see one: harden365 assess --plan all (with --choices FILE for the exceptions, break-glass accounts and zones).")
		return
	}
	r.para("The steps in the order they are applied: modern authentication first, so that clients that can use it switch instead of breaking; " +
		"then the protocol switches, the authentication policy and Okta's rules; federation once Okta denies legacy clients; " +
		"conditional access; and revoking sessions last, so that every change bites at once.")
	var rows [][]string
	for i, ps := range r.steps {
		e := r.entries[ps.ID]
		rev := "yes"
		if !ps.Reversible() {
			rev = "no"
		}
		changes := fmt.Sprint(len(ps.Writes))
		switch {
		case ps.Manual:
			changes, rev = "by hand", "-"
		case len(ps.Writes) == 0:
			changes, rev = "none needed", "-"
		}
		users := map[string]bool{}
		for _, b := range e.Breaks {
			users[b.User] = true
		}
		rows = append(rows, []string{fmt.Sprint(i + 1), id(ps.ID), cell(ps.Title), changes, rev, fmt.Sprint(len(users))})
	}
	r.table([]string{"Order", "Step", "What", "Changes", "Reversible", "Users losing a client"}, rows)

	for _, ps := range r.steps {
		e := r.entries[ps.ID]
		r.heading(3, fmt.Sprintf("Step %s: %s", id(ps.ID), t(ps.Title)))
		var items []string
		if len(ps.Fixes) > 0 {
			var ids []string
			for _, f := range ps.Fixes {
				ids = append(ids, id(f))
			}
			items = append(items, "Fixes: "+strings.Join(ids, ", "))
		}
		switch {
		case ps.Manual:
			items = append(items, "harden365 cannot make this step through an API: it is done by hand (see \"Remaining steps, by hand\").")
		case ps.Nothing != "":
			items = append(items, "Nothing to do: "+t(ps.Nothing)+".")
		default:
			irr := 0
			for _, w := range ps.Writes {
				if !w.Reversible {
					irr++
				}
			}
			s := plural(len(ps.Writes), "change", "changes")
			if irr > 0 {
				s += fmt.Sprintf(", %d irreversible", irr)
			}
			items = append(items, "Changes: "+s+".")
		}
		if len(e.Passes) > 0 {
			var ids []string
			for _, f := range e.Passes {
				ids = append(ids, id(f))
			}
			items = append(items, "Passes afterwards: "+strings.Join(ids, ", "))
		}
		for _, s := range e.Summary {
			items = append(items, "Impact: "+t(s))
		}
		for _, n := range ps.Notes {
			items = append(items, "Note: "+t(n))
		}
		r.bullets(items)
	}

	if len(r.in.Risks) > 0 {
		r.heading(3, "Lockout risks")
		r.para("The lockout guard refuses to apply this plan unless --allow-lockout-risk is given:")
		var rows rowCap
		for _, k := range r.in.Risks {
			if rows.room() {
				rows.add(cell(k.Rule), cell(k.Account), cell(k.Why))
			}
		}
		r.cappedTable([]string{"Rule", "Account", "Why"}, &rows, "every one is in harden365 assess --plan STEPS --format json (lockoutRisks)")
	}
}

// --- changes applied and not applied

// changeText is a write's changed properties: "PopEnabled: true → false".
func changeText(old, new map[string]any) string {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	if len(old) == 0 && len(new) > 0 {
		var parts []string
		for _, k := range sortedKeys(keys) {
			parts = append(parts, k+" "+value(new[k], 48))
		}
		return cut("created: "+strings.Join(parts, ", "), 240)
	}
	if len(new) == 0 && len(old) > 0 {
		return "deleted"
	}
	var parts []string
	for _, k := range sortedKeys(keys) {
		parts = append(parts, fmt.Sprintf("%s: %s → %s", k, value(old[k], 60), value(new[k], 60)))
	}
	return cut(strings.Join(parts, "; "), 240)
}

var stateWords = map[string]string{
	ChangeDone: "done", ChangeFailed: "FAILED", ChangeInDoubt: "IN DOUBT (sent, no answer recorded)", ChangeSkipped: "not sent",
}

func verifiedText(c Change, a *Applied) string {
	switch {
	case c.State != ChangeDone:
		return "-"
	case c.Verified == VerifiedYes:
		return "yes"
	case c.Verified == VerifiedNo:
		return "NO: " + t(c.Difference)
	case a.Verification == nil:
		return "not checked"
	}
	return "not checked"
}

func (r *renderer) applied() {
	r.heading(2, "Changes applied")
	a := r.in.Applied
	if a == nil {
		if len(r.steps) > 0 {
			r.para("None: nothing has been changed. This report previews the plan; harden365 apply makes it, journalled, and its journal turns this section into the record of what was done.")
		} else {
			r.para("None: this report is an assessment, and nothing was changed.")
		}
		return
	}
	outcome := a.Outcome
	if outcome == "" {
		outcome = "interrupted: the journal has no end line (the run was stopped before it finished: killed, or the machine stopped); the table lists every change that was sent"
	}
	r.para(fmt.Sprintf("From the journal %s: started on %s against %s; outcome: %s.", t(orDefault(a.Journal, "(not named)")), stamp(a.Started), t(orDefault(a.Target, "a target not recorded")), t(outcome)))
	var rows rowCap
	for _, c := range a.Changes {
		if c.State == ChangeSkipped || !rows.room() {
			continue
		}
		result := stateWords[c.State]
		if c.Error != "" {
			result += ": " + c.Error
		}
		rows.add(stamp(c.Time), id(c.ID), cell(c.Target), cell(changeText(c.Old, c.New)), cell(result), verifiedText(c, a))
	}
	if rows.empty() {
		r.para("No change was sent.")
	} else {
		r.cappedTable([]string{"Time", "Change", "What", "Old → new", "Result", "Verified"}, &rows,
			"the journal "+t(orDefault(a.Journal, "(not named)"))+" records every one")
	}
	if len(a.Notes) > 0 {
		r.para("The journal notes:")
		items := make([]string, len(a.Notes))
		for i, n := range a.Notes {
			items[i] = t(n)
		}
		r.bullets(items)
	}
	r.heading(3, "Verification")
	switch v := a.Verification; {
	case v == nil:
		r.para("The organisation was not collected again after the apply: the changes marked done are what the services answered, not verified against the organisation's state.")
	case len(v.Differences) == 0:
		r.para(fmt.Sprintf("Collected again on %s: the organisation matches the plan's simulation in every value compared (values the services assign, such as ids and change times, are not compared).", stamp(v.CollectedAt)))
	default:
		r.para(fmt.Sprintf("Collected again on %s: the organisation differs from the plan's simulation in %s:", stamp(v.CollectedAt), plural(len(v.Differences), "place", "places")))
		items := make([]string, len(v.Differences))
		for i, d := range v.Differences {
			items[i] = t(d.String())
		}
		r.bullets(items)
	}
}

// notApplied are the plan's writes that were not made, in plan order.
func (r *renderer) notAppliedWrites() []*tenant.Write {
	var out []*tenant.Write
	for _, ps := range r.steps {
		for k := range ps.Writes {
			if _, ok := r.done[ps.Writes[k].ID]; !ok {
				out = append(out, &ps.Writes[k])
			}
		}
	}
	return out
}

// notAppliedCount is len(r.notAppliedWrites()).
func (r *renderer) notAppliedCount() int {
	n := 0
	for _, ps := range r.steps {
		for k := range ps.Writes {
			if _, ok := r.done[ps.Writes[k].ID]; !ok {
				n++
			}
		}
	}
	return n
}

func (r *renderer) notApplied() {
	if len(r.steps) == 0 {
		return
	}
	r.heading(2, "Changes not applied")
	rest := r.notAppliedWrites()
	var manual []string
	for _, ps := range r.steps {
		if ps.Manual {
			manual = append(manual, ps.ID)
		}
	}
	if r.in.Applied == nil {
		s := fmt.Sprintf("All %s of the plan are still to be made: nothing has been applied.", plural(len(rest), "change", "changes"))
		if len(manual) > 0 {
			s += fmt.Sprintf(" Step %s can only be done by hand.", t(joinAnd(manual)))
		}
		r.para(s)
		return
	}
	if len(rest) == 0 && len(manual) == 0 {
		r.para("None: every change of the plan was made.")
		return
	}
	var rows rowCap
	for _, w := range rest {
		if !rows.room() {
			continue
		}
		why := "not reached: the apply stopped before it"
		if c, ok := r.recorded[w.ID]; ok {
			why = stateWords[c.State]
			if c.Error != "" {
				why += ": " + c.Error
			}
		}
		rows.add(id(w.ID), cell(w.Target), cell(why))
	}
	for _, s := range manual {
		rows.add(id(s), cell("step "+s+": "+r.step(s).Title), cell("manual: harden365 cannot make it through an API"))
	}
	r.cappedTable([]string{"Change", "What", "Why not"}, &rows,
		"the journal "+t(orDefault(r.in.Applied.Journal, "(not named)"))+" records every change sent, and the plan's other changes were not reached")
}

// --- remaining steps, by hand

// stepInstructions splits a planned step's instructions into those of
// each write (in order) and the step's own explanations after them.
func stepInstructions(ps remediate.PlannedStep) (perWrite [][]remediate.Instruction, own []remediate.Instruction) {
	n := 0
	counts := make([]int, len(ps.Writes))
	for i, w := range ps.Writes {
		counts[i] = len(remediate.WriteInstructions(w))
		n += counts[i]
	}
	if n > len(ps.Instructions) {
		return make([][]remediate.Instruction, len(ps.Writes)), ps.Instructions
	}
	at := 0
	for _, c := range counts {
		perWrite = append(perWrite, ps.Instructions[at:at+c])
		at += c
	}
	return perWrite, ps.Instructions[at:]
}

func (r *renderer) remaining() {
	r.heading(2, "Remaining steps, by hand")
	if len(r.steps) == 0 {
		r.para("No plan was chosen, so no step is prepared. Each failing finding above says what to do, with the commands of today's tooling.")
		return
	}
	var items []string
	for _, ps := range r.steps {
		if ps.Nothing != "" && !ps.Manual {
			continue
		}
		perWrite, own := stepInstructions(ps)
		var todo []remediate.Instruction
		left := 0
		for i, w := range ps.Writes {
			if _, ok := r.done[w.ID]; ok {
				continue
			}
			left++
			if left <= maxWrites {
				todo = append(todo, perWrite[i]...)
			}
		}
		if left == 0 && !ps.Manual {
			continue
		}
		items = append(items, ps.ID)
		r.heading(3, fmt.Sprintf("Step %s: %s", id(ps.ID), t(ps.Title)))
		switch {
		case ps.Manual:
			r.para("harden365 cannot make this step through an API; do it by hand:")
		case left < len(ps.Writes):
			r.para(fmt.Sprintf("%s of %d still to be made:", plural(left, "change", "changes"), len(ps.Writes)))
		default:
			r.para(fmt.Sprintf("%s, in this order:", plural(left, "change", "changes")))
		}
		r.instructions(todo)
		if left > maxWrites {
			r.para(fmt.Sprintf("The commands of the first %d changes are shown; the other %d are the same commands for the step's other targets. harden365 apply makes every one of them, journalled.", maxWrites, left-maxWrites))
		}
		if len(own) > 0 {
			var lines []string
			for _, in := range own {
				text := in.Text
				if !strings.HasPrefix(text, in.Tool) {
					text = in.Tool + ": " + text
				}
				lines = append(lines, t(text))
			}
			r.bullets(lines)
		}
	}
	if len(items) == 0 {
		r.para("Nothing: every change of the plan was made.")
		return
	}
	if r.in.Applied == nil {
		r.para(fmt.Sprintf("Or let harden365 make them, in this order and journalled: harden365 apply --profile NAME --plan %s --choices FILE --yes --journal FILE.", t(strings.Join(stepIDsOf(r.steps), ","))))
	}
}

func stepIDsOf(steps []remediate.PlannedStep) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return out
}

// instructions renders instructions in order: PowerShell commands in code
// blocks (a trailing remark becomes a comment), console paths as
// numbered items, API calls in code blocks, checkpoints as their own
// paragraph.
func (r *renderer) instructions(ins []remediate.Instruction) {
	kind := func(in remediate.Instruction) string {
		switch in.Tool {
		case remediate.ToolEXO, remediate.ToolGraphPS:
			return in.Tool
		case remediate.ToolOktaAPI:
			return "api"
		case "checkpoint":
			return "checkpoint"
		}
		return "console"
	}
	for i := 0; i < len(ins); {
		k := kind(ins[i])
		if k == "checkpoint" {
			r.para("**Checkpoint.** " + t(ins[i].Text))
			i++
			continue
		}
		if k == "console" || k == "api" {
			// Okta's console paths and their API equivalents alternate;
			// show the console steps, then the same through the API.
			var console, api []string
			for i < len(ins) && (kind(ins[i]) == "console" || kind(ins[i]) == "api") {
				if kind(ins[i]) == "api" {
					api = append(api, ins[i].Text)
				} else {
					text := ins[i].Text
					if !strings.HasPrefix(text, ins[i].Tool) {
						text = ins[i].Tool + ": " + text
					}
					console = append(console, text)
				}
				i++
			}
			for n, c := range console {
				r.line(fmt.Sprintf("%d. %s", n+1, t(c)))
			}
			if len(console) > 0 {
				r.blank()
			}
			if len(api) > 0 {
				if len(console) > 0 {
					r.para("The same through the Okta API:")
				} else {
					r.para("Through the Okta API:")
				}
				r.code("text", strings.Join(api, "\n"))
			}
			continue
		}
		var lines []string
		for i < len(ins) && kind(ins[i]) == k {
			lines = append(lines, ins[i].Text)
			i++
		}
		r.para("In " + t(k) + ":")
		r.code("powershell", powershellBlock(lines))
	}
}

// powershellBlock turns instruction lines into a script: a trailing
// parenthesised remark becomes a comment, hoisted above the block when
// every line has the same one.
func powershellBlock(lines []string) string {
	cmds := make([]string, len(lines))
	notes := make([]string, len(lines))
	for i, l := range lines {
		cmds[i], notes[i] = splitRemark(l)
	}
	same := len(lines) > 1 && notes[0] != ""
	for _, n := range notes {
		if n != notes[0] {
			same = false
		}
	}
	var b strings.Builder
	if same {
		b.WriteString("# " + notes[0] + "\n")
	}
	for i, c := range cmds {
		if notes[i] != "" && !same {
			b.WriteString("# " + notes[i] + "\n")
		}
		b.WriteString(c + "\n")
	}
	return b.String()
}

// splitRemark splits "Cmd -X 'y' (a remark)" into the command and the
// remark, when the parenthesis is outside any quoted string.
func splitRemark(s string) (string, string) {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, ")") {
		return s, ""
	}
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				remark := strings.TrimSpace(s[i+1 : len(s)-1])
				// A remark is words ("replaces the retired ..."), not
				// an expression such as ([DateTime]::UtcNow).
				if i == 0 || s[i-1] != ' ' || strings.Count(s[:i], "'")%2 != 0 || strings.Count(s[:i], "\"")%2 != 0 ||
					strings.Count(remark, " ") < 2 || remark == "" || !(remark[0] >= 'a' && remark[0] <= 'z') {
					return s, ""
				}
				return strings.TrimSpace(s[:i]), remark
			}
		}
	}
	return s, ""
}

// --- rollback

func (r *renderer) rollback() {
	r.heading(2, "Rollback")
	if len(r.steps) == 0 && r.in.Applied == nil {
		r.para("Nothing was changed, so there is nothing to undo.")
		return
	}
	assigned := r.in.Applied.assigned()
	var writes []*tenant.Write // the writes whose undo is shown, newest first
	if a := r.in.Applied; a != nil {
		journal := orDefault(a.Journal, "JOURNAL")
		r.para("harden365 undoes what the journal records as done, newest first, where it can (revoked sessions cannot be restored and are skipped):")
		r.code("sh", "harden365 rollback --profile NAME --journal "+shellQuote(journal)+" --yes")
		for i := len(a.Changes) - 1; i >= 0; i-- {
			if c := &a.Changes[i]; c.State == ChangeDone {
				writes = append(writes, &c.Write)
			}
		}
	} else {
		r.para("Nothing has been applied yet. Once the plan is applied, harden365 rollback --profile NAME --journal FILE --yes undoes what its journal records as done, newest first. " +
			"By hand, these commands undo each change of the plan, newest first; a value in braces, such as {ruleId}, is the id the service assigns when the change is made (the journal records it).")
		for i := len(r.steps) - 1; i >= 0; i-- {
			ws := r.steps[i].Writes
			for j := len(ws) - 1; j >= 0; j-- {
				writes = append(writes, &ws[j])
			}
		}
	}

	type group struct {
		step, why string
		targets   []string
	}
	var irreversible []*group
	var undo []remediate.Instruction
	step := ""
	shown, unshown := 0, 0 // the step's changes whose undo is written out, and the others
	flush := func() {
		if len(undo) > 0 {
			r.heading(3, "Undo step "+id(step))
			r.instructions(undo)
		}
		if unshown > 0 {
			how := "harden365 rollback undoes every one of them from the journal"
			r.para(fmt.Sprintf("The undo of the first %d changes is shown; the other %d are undone by the same commands for the step's other targets: %s.", shown, unshown, how))
		}
		undo, shown, unshown = nil, 0, 0
	}
	for _, w := range writes {
		if !w.Reversible {
			why := orDefault(w.Irreversible, "no undo is known")
			if n := len(irreversible); n > 0 && irreversible[n-1].step == w.Step && irreversible[n-1].why == why {
				irreversible[n-1].targets = append(irreversible[n-1].targets, w.Target)
			} else {
				irreversible = append(irreversible, &group{step: w.Step, why: why, targets: []string{w.Target}})
			}
			continue
		}
		if w.Step != step {
			flush()
			step = w.Step
		}
		if shown >= maxWrites {
			unshown++
			continue
		}
		shown++
		for _, u := range w.Undo {
			vars := map[string]string{}
			for _, ref := range u.Refs {
				src := ref.Write
				if src == "" {
					src = w.ID
				}
				if v := assigned[src][ref.Field]; v != "" {
					vars[ref.Placeholder] = v
				}
			}
			for _, ref := range w.Refs {
				if v := assigned[ref.Write][ref.Field]; v != "" {
					vars[ref.Placeholder] = v
				}
			}
			for _, in := range remediate.WriteInstructions(remediate.Bind(u, vars, u.At)) {
				// An API call or a command with an id left to fill does
				// not say what it undoes: a comment does.
				if in.Tool == remediate.ToolOktaAPI || (in.Tool == remediate.ToolGraphPS || in.Tool == remediate.ToolEXO) && strings.Contains(in.Text, "{") {
					undo = append(undo, remediate.Instruction{Tool: in.Tool, Text: "# " + w.ID + ": " + w.Target})
				}
				undo = append(undo, in)
			}
		}
	}
	flush()
	if len(writes) == 0 {
		r.para("No change was made, so there is nothing to undo.")
	}
	if len(irreversible) > 0 {
		r.heading(3, "Cannot be undone")
		var rows [][]string
		for _, g := range irreversible {
			rows = append(rows, []string{id(g.step), fmt.Sprint(len(g.targets)), cell(list(g.targets, 6)), cell(g.why)})
		}
		r.table([]string{"Step", "Changes", "What", "Why"}, rows)
	}
}

// --- the manual checklist

func (r *renderer) manualChecklist() {
	r.heading(2, "Manual checklist: not assessed")
	r.para(t(assess.ManualNote))
	var rows [][]string
	for _, it := range assess.ManualChecklist() {
		rows = append(rows, []string{cell(it.Section), cell(it.Title), "not assessed"})
	}
	r.table([]string{"Section", "Point", "Status"}, rows)
	for _, it := range assess.ManualChecklist() {
		r.heading(3, t(it.Section)+": "+t(it.Title))
		r.para("Status: not assessed.")
		r.para("What to verify: " + t(it.What))
		r.para("How: " + t(it.How))
	}
}

// --- the appendix

func (r *renderer) appendix() {
	r.heading(2, "Appendix: evidence")

	r.heading(3, "A. Every source collected")
	var rows [][]string
	for _, st := range r.snap.Collection {
		note := st.Error
		switch {
		case st.Fix != "" && note == "":
			note = st.Fix
		case st.Fix != "":
			note += " (fix: " + st.Fix + ")"
		}
		rows = append(rows, []string{id(st.ID), cell(serviceName(st.Service)), cell(st.State), fmt.Sprint(st.Items), fmt.Sprint(st.Pages), fmt.Sprint(st.Retries), cell(note)})
	}
	if len(rows) == 0 {
		r.para("No source status was recorded.")
	} else {
		r.table([]string{"Source", "Service", "State", "Items", "Pages", "Retries", "Note"}, rows)
	}

	r.heading(3, "B. Users who can read mail with a password alone")
	r.passwordUsers("Before", r.in.Before)
	if r.in.After != nil {
		r.passwordUsers("After the plan (simulated)", r.in.After)
	}

	r.heading(3, "C. The reasons behind every cell of the matrix")
	r.allReasons("Before", r.in.Before)
	if r.in.After != nil {
		r.allReasons("After the plan (simulated)", r.in.After)
	}

	if len(r.long) > 0 {
		r.heading(3, "D. Affected users and evidence in full")
		r.para("For the findings whose lists above were cut short.")
		for _, f := range r.long {
			r.heading(4, fmt.Sprintf("%s: %s %s", mark(f.Status), id(f.ID), t(f.Title)))
			if len(f.AffectedUsers) > 0 && f.Status != assess.Pass {
				s := fmt.Sprintf("Affected (%d): %s.", len(f.AffectedUsers), t(list(f.AffectedUsers, maxFullNames)))
				if len(f.AffectedUsers) > maxFullNames {
					s += " Every one is in harden365 assess --format json (the finding's affectedUsers)."
				}
				r.para(s)
			}
			if len(f.Evidence) > 0 {
				ev := f.Evidence[:min(len(f.Evidence), maxFullNames)]
				items := make([]string, len(ev))
				for i, e := range ev {
					items[i] = t(e)
				}
				r.bullets(items)
				if more := len(f.Evidence) - len(ev); more > 0 {
					r.para(fmt.Sprintf("The first %d of %d lines of evidence are shown; every one is in harden365 assess --format json (the finding's evidence).", len(ev), len(f.Evidence)))
				}
			}
		}
	}

	if len(r.in.Clients) > 0 {
		r.heading(3, "E. Where each mail client was seen")
		var rows rowCap
		for _, c := range r.in.Clients {
			if rows.room() {
				rows.add(cell(c.User), cell(clientLabel(c)), cell(c.Source))
			}
		}
		r.cappedTable([]string{"User", "Mail client", "Seen in"}, &rows, "every one is in harden365 assess --format json (clients.users)")
	}
}

func (r *renderer) passwordUsers(when string, m *matrix.Matrix) {
	if m == nil {
		return
	}
	var rows rowCap
	for i := range m.Users {
		u := &m.Users[i]
		if !hasVerdict(u, matrix.Password, matrix.Restricted) || !rows.room() {
			continue // no row, or one past the cap: its text is not written
		}
		var pw, rs []string
		for _, p := range matrix.Protocols {
			for _, meth := range matrix.Methods {
				switch u.Verdict(p, meth) {
				case matrix.Password:
					pw = append(pw, fmt.Sprintf("%s (%s)", p, meth))
				case matrix.Restricted:
					rs = append(rs, fmt.Sprintf("%s (%s)", p, meth))
				}
			}
		}
		rows.add(cell(u.UPN), cell(u.DisplayName), cell(strings.Join(pw, ", ")), cell(strings.Join(rs, ", ")))
	}
	if rows.empty() {
		r.para(when + ": none.")
		return
	}
	r.para(when + ":")
	r.cappedTable([]string{"User", "Name", "A password alone, over", "Only from named zones or trusted devices, over"}, &rows,
		"the wizard's Matrix screen lists each cell's users (enter on a cell)")
}

// hasVerdict reports whether one of u's ways in has one of the verdicts.
func hasVerdict(u *matrix.UserAccess, verdicts ...matrix.Verdict) bool {
	for _, p := range matrix.Protocols {
		for _, meth := range matrix.Methods {
			if slices.Contains(verdicts, u.Verdict(p, meth)) {
				return true
			}
		}
	}
	return false
}

func (r *renderer) allReasons(when string, m *matrix.Matrix) {
	if m == nil {
		return
	}
	r.para(when + ":")
	var items []string
	for _, p := range matrix.Protocols {
		for _, meth := range matrix.Methods {
			c := m.Cell(p, meth)
			if c == nil {
				continue
			}
			reasons := t(strings.Join(c.Reasons, "; "))
			if reasons == "" {
				reasons = "no reason recorded"
			}
			items = append(items, fmt.Sprintf("%s, %s: %s. %s.", t(protocolName(p)), meth, cellText(c), reasons))
		}
	}
	r.bullets(items)
}
