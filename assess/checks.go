package assess

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/harden365/harden365/tenant"
)

// Source IDs as the collectors record them (tenant.SourceStatus.ID).
const (
	srcDomains           = "graph.domains"
	srcUsers             = "graph.users"
	srcSignIns           = "graph.signIns"
	srcConditionalAccess = "graph.conditionalAccess"
	srcSecurityDefaults  = "graph.securityDefaults"
	srcEmailAppUsage     = "graph.emailAppUsage"
	srcOrgConfig         = "exchange.Get-OrganizationConfig"
	srcTransportConfig   = "exchange.Get-TransportConfig"
	srcCASMailbox        = "exchange.Get-CASMailbox"
	srcExoUser           = "exchange.Get-User"
	srcAuthPolicy        = "exchange.Get-AuthenticationPolicy"
	srcCASMailboxPlan    = "exchange.Get-CASMailboxPlan"
	srcMobileDevice      = "exchange.Get-MobileDevice"
	srcOktaOrg           = "okta.org"
	srcOktaApps          = "okta.apps"
	srcOktaPolicies      = "okta.policies"
	srcOktaGroups        = "okta.groups"
	srcOktaUsers         = "okta.users"
	srcOktaZones         = "okta.zones"
	srcOktaLogs          = "okta.logs"
)

// window is how far back from AsOf activity (sign-ins, logs) is judged.
const window = 30 * 24 * time.Hour

// basicAuthRetired reports whether, on asOf, Microsoft had begun turning
// basic auth off for every Exchange Online protocol but SMTP AUTH (1
// October 2022, reference §3).
func basicAuthRetired(asOf time.Time) bool {
	return !asOf.Before(time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC))
}

// permission names what harden365 needs to read a source: the least
// privilege that lets the collector read it.
func permission(id string) string {
	switch id {
	case srcDomains:
		return "the Microsoft Graph application permission Domain.Read.All"
	case srcUsers:
		return "the Microsoft Graph application permission User.Read.All"
	case srcSignIns:
		return "the Microsoft Graph application permission AuditLog.Read.All (and an Entra ID P1 licence)"
	case srcConditionalAccess, srcSecurityDefaults:
		return "the Microsoft Graph application permission Policy.Read.All"
	case srcEmailAppUsage:
		return "the Microsoft Graph application permission Reports.Read.All"
	case "graph.organization":
		return "the Microsoft Graph application permission Organization.Read.All"
	case srcOktaOrg:
		return "a reachable Okta org URL (GET /.well-known/okta-organization needs no token)"
	case srcOktaApps:
		return "the Okta scope okta.apps.read (Read-Only Administrator role)"
	case srcOktaPolicies:
		return "the Okta scope okta.policies.read (Read-Only Administrator role)"
	case srcOktaGroups:
		return "the Okta scope okta.groups.read (Read-Only Administrator role)"
	case srcOktaUsers:
		return "the Okta scope okta.users.read (Read-Only Administrator role)"
	case srcOktaZones:
		return "the Okta scope okta.networkZones.read (Read-Only Administrator role)"
	case srcOktaLogs:
		return "the Okta scope okta.logs.read (Read-Only Administrator role)"
	}
	switch {
	case strings.HasPrefix(id, "exchange."):
		return "the Exchange.ManageAsApp application permission (Office 365 Exchange Online) plus the Global Reader role in Entra ID"
	case strings.HasPrefix(id, "okta"):
		return "an Okta API token (or OAuth service app) of a Read-Only Administrator with the okta.*.read scopes"
	case strings.HasPrefix(id, "graph"):
		return "the Microsoft Graph read permissions (Domain.Read.All, User.Read.All, Policy.Read.All, AuditLog.Read.All, Reports.Read.All)"
	}
	return "read access to " + id
}

// label is how a source reads in a sentence.
func label(id string) string {
	if c, ok := strings.CutPrefix(id, "exchange."); ok {
		return c
	}
	return id
}

// env is what every check of one Run shares: the snapshot, the options
// and indexes built once.
type env struct {
	s *tenant.Snapshot
	o Options

	exceptions map[string]bool // lower-cased UPNs
	// Okta indexes.
	groupByID map[string]tenant.OktaGroup
	userByID  map[string]tenant.OktaUser
	// groupsOf maps an Okta user id to its groups among those a policy
	// rule names and the exception group (nothing asks about others; a
	// set each cost more).
	groupsOf   map[string][]string
	zoneByID   map[string]tenant.OktaZone
	excGroupID string // the exception group's id, "" when none is declared or found

	// inv is the client inventory, made once for every check (they may
	// run at once) by inventory.
	invOnce sync.Once
	inv     []ClientUse
	// policies are the assigned authentication policies by UPN
	// (assignedPolicies).
	policiesOnce sync.Once
	policies     map[string]string
}

// inventory is Inventory(e.s), computed once.
func (e *env) inventory() []ClientUse {
	e.invOnce.Do(func() { e.inv = Inventory(e.s) })
	return e.inv
}

func newEnv(s *tenant.Snapshot, o Options) *env {
	e := &env{s: s, o: o, exceptions: map[string]bool{}, groupByID: map[string]tenant.OktaGroup{},
		userByID: make(map[string]tenant.OktaUser, len(s.Okta.Users)), groupsOf: map[string][]string{},
		zoneByID: map[string]tenant.OktaZone{}}
	for _, u := range o.ExceptionUsers {
		if u = strings.ToLower(strings.TrimSpace(u)); u != "" {
			e.exceptions[u] = true
		}
	}
	for _, g := range s.Okta.Groups {
		e.groupByID[g.ID] = g
		if og := strings.TrimSpace(o.ExceptionGroup); og != "" && (strings.EqualFold(g.Name, og) || g.ID == og) {
			e.excGroupID = g.ID
		}
	}
	named := s.OktaRuleGroups()
	named[e.excGroupID] = true
	for _, g := range s.Okta.Groups {
		if !named[g.ID] {
			continue
		}
		for _, m := range g.Members {
			if mine := e.groupsOf[m]; !slices.Contains(mine, g.ID) {
				e.groupsOf[m] = append(mine, g.ID)
			}
		}
	}
	if e.excGroupID == "" && strings.TrimSpace(o.ExceptionGroup) != "" && len(s.Okta.Groups) == 0 {
		// Groups were not collected: an id given as the group still works.
		e.excGroupID = strings.TrimSpace(o.ExceptionGroup)
	}
	for _, u := range s.Okta.Users {
		e.userByID[u.ID] = u
	}
	for _, z := range s.Okta.Zones {
		e.zoneByID[z.ID] = z
	}
	return e
}

func (e *env) isException(upn string) bool { return e.exceptions[strings.ToLower(upn)] }

// missing returns the status of every source among ids that was not
// collected without error (a source never recorded counts as missing).
func (e *env) missing(ids ...string) []tenant.SourceStatus {
	var out []tenant.SourceStatus
	for _, id := range ids {
		st, ok := e.s.Status(id)
		if !ok {
			st = tenant.SourceStatus{ID: id, State: "missing", Error: "not collected"}
		}
		if st.State != tenant.StateOK {
			out = append(out, st)
		}
	}
	return out
}

func (e *env) ok(id string) bool { return e.s.OK(id) }

// cannotJudge is the finding for missing sources: status error, a detail
// naming what failed and the role, scope or permission that would let
// harden365 read it.
func cannotJudge(what string, miss []tenant.SourceStatus, extra ...string) Finding {
	var parts []string
	for _, st := range miss {
		parts = append(parts, label(st.ID)+" could not be read ("+oneLine(st.Error)+"); "+fixFor(st))
	}
	d := "Cannot be judged: " + what + ". " + strings.Join(parts, ". ") + "."
	if len(extra) > 0 {
		d += " " + strings.Join(extra, " ")
	}
	return Finding{Status: Error, Detail: d, Evidence: sourceEvidence(miss)}
}

// fixFor says what would let the source be read: the collector's Fix, and
// the permission harden365 needs when the Fix does not name it.
func fixFor(st tenant.SourceStatus) string {
	perm := permission(st.ID)
	fix := strings.TrimSpace(st.Fix)
	switch {
	case fix == "":
		return "harden365 needs " + perm
	case strings.Contains(fix, "by hand"), containsPermission(fix, perm):
		return "to fix: " + fix
	}
	return "to fix: " + fix + " (harden365 needs " + perm + ")"
}

// containsPermission reports whether fix already names perm's permission
// or scope (its first dotted word, such as Domain.Read.All).
func containsPermission(fix, perm string) bool {
	for _, w := range strings.Fields(perm) {
		w = strings.Trim(w, "(),")
		if strings.Count(w, ".") >= 1 && strings.Contains(fix, w) {
			return true
		}
	}
	return false
}

func sourceEvidence(miss []tenant.SourceStatus) []string {
	var out []string
	for _, st := range miss {
		line := st.ID + ": " + st.State
		if st.HTTPStatus != 0 {
			line += fmt.Sprintf(" (HTTP %d)", st.HTTPStatus)
		}
		if st.Error != "" {
			line += ": " + oneLine(st.Error)
		}
		out = append(out, line)
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// --- users

// mailboxUPNs lists the mailboxes' primary addresses (Get-CASMailbox).
func (e *env) mailboxUPNs() []string {
	out := make([]string, 0, len(e.s.Exchange.CASMailboxes))
	for _, m := range e.s.Exchange.CASMailboxes {
		out = append(out, mailboxName(m))
	}
	return out
}

func mailboxName(m tenant.CASMailbox) string {
	if m.PrimarySmtpAddress != "" {
		return m.PrimarySmtpAddress
	}
	return m.Identity
}

// isMailboxUser reports whether a Get-User row has a mailbox.
func isMailboxUser(u tenant.ExchangeUser) bool {
	return strings.HasSuffix(strings.ToLower(u.RecipientTypeDetails), "mailbox")
}

// domainUsers are the mailboxes (or, without them, the Graph users) on
// domain.
func (e *env) domainUsers(domain string) []string {
	var out []string
	if e.ok(srcCASMailbox) {
		for _, m := range e.s.Exchange.CASMailboxes {
			if tenant.DomainOf(mailboxName(m)) == strings.ToLower(domain) {
				out = append(out, mailboxName(m))
			}
		}
		return out
	}
	for _, u := range e.s.Users {
		if tenant.DomainOf(u.UserPrincipalName) == strings.ToLower(domain) {
			out = append(out, u.UserPrincipalName)
		}
	}
	return out
}

// --- formatting

func psBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func psNullBool(b *bool) string {
	if b == nil {
		return "null"
	}
	return psBool(*b)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "(not set)"
	}
	return t.UTC().Format(time.RFC3339)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// list renders names as "a, b and c", with at most max names (then "and
// N more").
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

func sortedCopy(in []string) []string {
	// Each name lowered once, not at every comparison: sort.Slice makes
	// the same moves for the same comparisons, so the order is that of
	// sorting the names themselves.
	type named struct{ key, name string }
	if len(in) == 0 {
		return nil
	}
	keyed := make([]named, len(in))
	for i, n := range in {
		keyed[i] = named{strings.ToLower(n), n}
	}
	sort.Slice(keyed, func(i, j int) bool { return keyed[i].key < keyed[j].key })
	out := make([]string, len(in))
	for i, k := range keyed {
		out[i] = k.name
	}
	return out
}

// capped keeps at most max evidence lines of lines, then says how many
// more there were.
func capped(lines []string, max int) []string {
	if len(lines) <= max {
		return lines
	}
	return append(lines[:max:max], fmt.Sprintf("... and %d more", len(lines)-max))
}

// hostOf is the lower-cased host name of a URL ("" when it has none).
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// statusParts words a finding that aggregates several objects (domains,
// endpoints): one sentence per status, the worst status first (so an
// error finding starts "Cannot be judged"), then the others, worst first.
func statusParts(status string, byStatus map[string][]string) []string {
	order := []string{status}
	for _, st := range []string{Fail, Error, Warn, Info, Pass} {
		if st != status {
			order = append(order, st)
		}
	}
	lead := map[string]string{Fail: "Fails", Warn: "Needs attention", Error: "Cannot be judged", Info: "Not fully judged", Pass: "Fine"}
	var parts []string
	for _, st := range order {
		if len(byStatus[st]) > 0 {
			parts = append(parts, lead[st]+": "+strings.Join(byStatus[st], "; ")+".")
		}
	}
	return parts
}
