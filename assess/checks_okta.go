package assess

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// The Okta checks: step E's two rules on the Office 365 app's sign-on
// policy, and the engine the org runs.

// Office 365 client types of app sign-on rules (conditions.office365Client).
const (
	clientWeb    = "WEB"
	clientModern = "MODERN_AUTH"
	clientLegacy = "EXCHANGE_ACTIVE_SYNC" // the UI's "Exchange ActiveSync or Legacy Auth client"
)

const manualRules = "Admin Console → Applications → Applications → Microsoft Office 365 → Sign On → Sign On Policy"

// oktaConfigured reports whether an Okta org was given: collected, or at
// least attempted (a source of service okta was recorded).
func (e *env) oktaConfigured() bool {
	if e.s.Okta.Configured {
		return true
	}
	for _, st := range e.s.Collection {
		if st.Service == "okta" || st.ID == "okta" || strings.HasPrefix(st.ID, "okta.") {
			return true
		}
	}
	return false
}

// classic reports whether the org runs Classic Engine, and why harden365
// thinks so.
func (e *env) classic() (bool, string) {
	st, _ := e.s.Status(srcOktaPolicies)
	if st.State == tenant.StateError && strings.Contains(st.Error, "Classic") {
		return true, oneLine(st.Error)
	}
	if e.s.Okta.Pipeline == "v1" {
		return true, "the Okta org runs Classic Engine (/.well-known/okta-organization: pipeline v1), where the Office 365 app's sign-on rules are not readable through Okta's public API"
	}
	return false, ""
}

// officeApps are the org's Office 365 app instances.
func (e *env) officeApps() []tenant.OktaApp {
	var out []tenant.OktaApp
	for _, a := range e.s.Okta.Apps {
		if strings.EqualFold(a.Name, "office365") {
			out = append(out, a)
		}
	}
	return out
}

// appPolicy is an Office 365 app with its sign-on policy.
type appPolicy struct {
	app    tenant.OktaApp
	policy tenant.OktaPolicy
}

func (e *env) policyByID(id string) (tenant.OktaPolicy, bool) {
	for _, p := range e.s.Okta.Policies {
		if p.ID == id {
			return p, true
		}
	}
	return tenant.OktaPolicy{}, false
}

// federatedDomains lists the federated domains (names).
func (e *env) federatedDomains() []string {
	var out []string
	for _, d := range e.s.Domains {
		if d.Federated() {
			out = append(out, d.Name)
		}
	}
	return out
}

// oktaGate decides what an OKTA-* check can do: a finding to return at
// once (not applicable, Classic, missing data, no app), or the Office 365
// apps with their policies to judge. legacy says which rule the check is
// about (for the Classic evidence and manual check).
func (e *env) oktaGate(legacy bool) (*Finding, []appPolicy) {
	if !e.oktaConfigured() {
		if m := e.missing(srcDomains); len(m) > 0 {
			f := cannotJudge("whether Okta sits in front of Exchange Online: no Okta org is configured and the domains could not be read", m,
				"If the organisation uses Okta, add its org URL and a read-only API token to the profile.")
			return &f, nil
		}
		if fed := e.federatedDomains(); len(fed) > 0 {
			f := Finding{Status: Error, Evidence: []string{"graph.domains: federated: " + strings.Join(fed, ", "), "okta: not configured"},
				Detail: fmt.Sprintf("Cannot be judged: %s federated, but no Okta org is configured, so the Office 365 app's sign-on rules could not be read. Add the Okta org URL and an API token of a Read-Only Administrator (scopes okta.apps.read, okta.policies.read, okta.groups.read, okta.users.read, okta.logs.read) to the profile and collect again.",
					plural(len(fed), "domain is", "domains are"))}
			return &f, nil
		}
		f := Finding{Status: Info, Evidence: []string{"okta: not configured", "graph.domains: no federated domain"},
			Detail: "Not applicable: no Okta org is configured and no domain is federated, so no Okta rule stands in front of Exchange Online (every user signs in with Entra ID cloud authentication). Step E does not apply; block legacy authentication and require MFA in Entra ID instead (see ENTRA-LEGACY-BLOCK)."}
		return &f, nil
	}
	if ok, why := e.classic(); ok {
		f := e.classicFinding(why, legacy)
		return &f, nil
	}
	if m := e.missing(srcOktaApps, srcOktaPolicies); len(m) > 0 {
		f := cannotJudge("the Office 365 app's sign-on rules (Okta apps and policies)", m)
		return &f, nil
	}
	apps := e.officeApps()
	if len(apps) == 0 {
		f := Finding{Status: Fail, Evidence: []string{"okta.apps: no app named office365"},
			Detail: "The Okta org has no Microsoft Office 365 app, so no Okta sign-on rule protects Exchange Online: legacy clients are not denied and modern clients are not asked for a factor by Okta. Add the Office 365 app (Admin Console → Applications → Browse App Catalog → Microsoft Office 365), federate the mail domains with it (step A), then add the rules of step E."}
		return &f, nil
	}
	var out []appPolicy
	var bad []string
	var ev []string
	for _, a := range apps {
		if a.AccessPolicyID == "" {
			bad = append(bad, fmt.Sprintf("the Office 365 app %q (%s) links no sign-on policy (_links.accessPolicy is missing)", a.Label, a.ID))
			continue
		}
		p, ok := e.policyByID(a.AccessPolicyID)
		if !ok {
			bad = append(bad, fmt.Sprintf("the Office 365 app %q (%s) links policy %s, which was not among the collected policies", a.Label, a.ID, a.AccessPolicyID))
			continue
		}
		out = append(out, appPolicy{app: a, policy: p})
		ev = append(ev, fmt.Sprintf("Okta app %q (%s, %s): sign-on policy %q (%s, %s) with %s", a.Label, a.ID, a.Status, p.Name, p.ID, p.Status, plural(len(p.Rules), "rule", "rules")))
	}
	if len(bad) > 0 {
		f := Finding{Status: Error, Evidence: append(ev, bad...),
			Detail: "Cannot be judged: " + strings.Join(bad, "; ") + ". harden365 finds the app's policy only through its accessPolicy link (never \"the first ACCESS_POLICY\"); check the rules by hand in " + manualRules + ", and that the token can read policies (okta.policies.read)."}
		return &f, nil
	}
	return nil, out
}

// officeLogs are the System Log events of Office 365 sign-ins in the 30
// days before AsOf, split by WS-Federation endpoint: active (WS-Trust:
// basic auth relayed by Microsoft) and passive (browser and modern auth).
func (e *env) officeLogs() (active, passive []tenant.OktaLog) {
	from, to := e.s.AsOf.Add(-window), e.s.AsOf
	for _, l := range e.s.Okta.Logs {
		if !e.s.AsOf.IsZero() && (l.Published.Before(from) || !l.Published.Before(to)) {
			continue
		}
		uri := strings.ToLower(l.RequestURI)
		switch {
		case strings.Contains(uri, "/sso/wsfed/active"):
			active = append(active, l)
		case strings.Contains(uri, "/sso/wsfed/passive"):
			passive = append(passive, l)
		}
	}
	return active, passive
}

// logSummary renders events as evidence: count, dates, users and user
// agents.
func logSummary(what string, logs []tenant.OktaLog) (lines, users []string) {
	if len(logs) == 0 {
		return []string{"System Log: no Office 365 sign-in via " + what}, nil
	}
	byUser, byAgent := map[string]int{}, map[string]int{}
	ok := 0
	first, last := logs[0].Published, logs[0].Published
	for _, l := range logs {
		u := l.ActorAlternateID
		if u == "" {
			u = l.ActorID
		}
		byUser[u]++
		byAgent[l.UserAgent]++
		if strings.EqualFold(l.Result, "SUCCESS") {
			ok++
		}
		if l.Published.Before(first) {
			first = l.Published
		}
		if l.Published.After(last) {
			last = l.Published
		}
	}
	for u := range byUser {
		users = append(users, u)
	}
	users = sortedCopy(users)
	var per []string
	for _, u := range users {
		per = append(per, fmt.Sprintf("%s %d", u, byUser[u]))
	}
	lines = append(lines, fmt.Sprintf("System Log: %d Office 365 sign-ins via %s (%d SUCCESS) between %s and %s, from %s: %s",
		len(logs), what, ok, day(first), day(last), plural(len(users), "user", "users"), list(per, 12)))
	agents := make([]string, 0, len(byAgent))
	for a := range byAgent {
		agents = append(agents, a)
	}
	sort.Slice(agents, func(i, j int) bool {
		if byAgent[agents[i]] != byAgent[agents[j]] {
			return byAgent[agents[i]] > byAgent[agents[j]]
		}
		return agents[i] < agents[j]
	})
	for _, a := range agents {
		name := a
		if name == "" {
			name = "(none)"
		}
		lines = append(lines, fmt.Sprintf("  user agent %q: %d", name, byAgent[a]))
	}
	return lines, users
}

// classicFinding is an OKTA-* check on Classic Engine: error, with the
// reason, the System Log's evidence and the manual check.
func (e *env) classicFinding(why string, legacy bool) Finding {
	ev := []string{"okta.policies: " + why}
	var users []string
	logNote := ""
	if m := e.missing(srcOktaLogs); len(m) > 0 {
		ev = append(ev, sourceEvidence(m)...)
		logNote = " The System Log could not be read either (" + fixFor(m[0]) + "), so there is no indirect evidence."
	} else {
		active, passive := e.officeLogs()
		la, ua := logSummary("/sso/wsfed/active (legacy basic auth relayed by Microsoft)", active)
		lp, _ := logSummary("/sso/wsfed/passive (browser and modern auth)", passive)
		if legacy {
			ev = append(ev, la...)
			ev = append(ev, lp[0])
			users = ua
			if len(active) > 0 {
				newest := active[0].Published
				for _, l := range active {
					if l.Published.After(newest) {
						newest = l.Published
					}
				}
				logNote = fmt.Sprintf(" The System Log shows %s via /sso/wsfed/active in the 30 days before %s (newest %s): legacy, basic-auth sign-ins relayed by Microsoft that the rules let through, from %s.",
					plural(len(active), "Office 365 sign-in", "Office 365 sign-ins"), day(e.s.AsOf), day(newest), list(ua, 8))
			} else {
				logNote = fmt.Sprintf(" The System Log shows no Office 365 sign-in via /sso/wsfed/active (legacy basic auth) in the 30 days before %s: no evidence that the rules let legacy clients through, but no proof that they deny them.", day(e.s.AsOf))
			}
		} else {
			ev = append(ev, lp...)
			ev = append(ev, la[0])
			logNote = fmt.Sprintf(" The System Log shows %s via /sso/wsfed/passive (browser and modern auth) in the 30 days before %s; it does not say whether the rule asked for a factor.",
				plural(len(passive), "Office 365 sign-in", "Office 365 sign-ins"), day(e.s.AsOf))
		}
	}
	manual := "Check by hand in " + manualRules + ": "
	if legacy {
		manual += "a rule must deny \"Exchange ActiveSync or Legacy Auth client\" (all platforms, anywhere) for everyone but the exception group, above any rule that allows those clients."
	} else {
		manual += "a rule must allow \"Web browser\" and \"Modern Authentication client\" only with \"Prompt for factor\", and no rule above it may allow them without."
	}
	if st, ok := e.s.Status(srcOktaPolicies); ok && strings.TrimSpace(st.Fix) != "" && !strings.Contains(st.Fix, "by hand") {
		manual += " (" + st.Fix + ")"
	}
	return Finding{Status: Error, Evidence: ev, AffectedUsers: users,
		Detail: "Cannot be judged: " + strings.TrimSuffix(why, ".") + "." + logNote + " " + manual +
			" Upgrading the org to Identity Engine makes the rules readable (then harden365 judges them)."}
}

// --- rule helpers

func isActive(r tenant.OktaRule) bool { return !strings.EqualFold(r.Status, "INACTIVE") }

// matchesClient reports whether r applies to client (no office365Client
// condition: every client).
func matchesClient(r tenant.OktaRule, client string) bool {
	return len(r.Office365Client) == 0 || containsFold(r.Office365Client, client)
}

func isAllow(r tenant.OktaRule) bool { return strings.EqualFold(r.Access, "ALLOW") }
func isDeny(r tenant.OktaRule) bool  { return strings.EqualFold(r.Access, "DENY") }
func is2FA(r tenant.OktaRule) bool   { return strings.EqualFold(r.FactorMode, "2FA") }

// sortedRules returns p's rules by priority (the first match wins).
func sortedRules(p tenant.OktaPolicy) []tenant.OktaRule {
	out := append([]tenant.OktaRule(nil), p.Rules...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out
}

func (e *env) isEveryoneGroup(id string) bool {
	g, ok := e.groupByID[id]
	return ok && (strings.EqualFold(g.Type, "BUILT_IN") || strings.EqualFold(g.Name, "Everyone"))
}

// includesEveryone reports whether r's people condition includes everyone
// (exclusions aside).
func (e *env) includesEveryone(r tenant.OktaRule) bool {
	if len(r.UsersInclude) > 0 {
		return false
	}
	for _, g := range r.GroupsInclude {
		if !e.isEveryoneGroup(g) {
			return false
		}
	}
	return true
}

// restriction says why r does not apply from everywhere, on every platform
// and device ("" when it does).
func (e *env) restriction(r tenant.OktaRule) string {
	var why []string
	if c := strings.ToUpper(r.NetworkConnection); c != "" && c != "ANYWHERE" {
		s := "network " + c
		if len(r.NetworkInclude) > 0 {
			s += " include [" + strings.Join(e.zoneNames(r.NetworkInclude), ", ") + "]"
		}
		if len(r.NetworkExclude) > 0 {
			s += " exclude [" + strings.Join(e.zoneNames(r.NetworkExclude), ", ") + "]"
		}
		why = append(why, s)
	}
	if len(r.PlatformInclude) > 0 && !containsFold(r.PlatformInclude, "ANY/ANY") {
		why = append(why, "platforms ["+strings.Join(r.PlatformInclude, ", ")+"]")
	}
	if len(r.PlatformExclude) > 0 {
		why = append(why, "excluded platforms ["+strings.Join(r.PlatformExclude, ", ")+"]")
	}
	if r.DeviceRegistered != nil && *r.DeviceRegistered {
		why = append(why, "registered devices")
	}
	if r.DeviceManaged != nil && *r.DeviceManaged {
		why = append(why, "managed devices")
	}
	if len(r.DeviceAssurance) > 0 {
		why = append(why, "device assurance ["+strings.Join(r.DeviceAssurance, ", ")+"]")
	}
	if r.ElCondition != "" {
		why = append(why, "expression "+r.ElCondition)
	}
	if r.RiskScore != "" && !strings.EqualFold(r.RiskScore, "ANY") {
		why = append(why, "risk "+r.RiskScore)
	}
	if len(r.Unmodelled) > 0 {
		why = append(why, "conditions harden365 does not evaluate ["+strings.Join(r.Unmodelled, ", ")+"]")
	}
	return strings.Join(why, ", ")
}

func (e *env) zoneNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if z, ok := e.zoneByID[id]; ok && z.Name != "" {
			out[i] = z.Name
		}
	}
	return out
}

func (e *env) groupNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if g, ok := e.groupByID[id]; ok && g.Name != "" {
			out[i] = g.Name
		}
	}
	return out
}

func (e *env) userNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if u, ok := e.userByID[id]; ok && u.Login != "" {
			out[i] = u.Login
		}
	}
	return out
}

// describe renders a rule for evidence.
func (e *env) describe(r tenant.OktaRule) string {
	action := strings.ToUpper(r.Access)
	if action == "" {
		action = "(no action)"
	}
	if isAllow(r) && r.FactorMode != "" {
		action += " " + r.FactorMode
	}
	clients := "any client"
	if len(r.Office365Client) > 0 {
		clients = strings.Join(r.Office365Client, ", ")
	}
	var people []string
	if len(r.UsersInclude) > 0 {
		people = append(people, "users include ["+strings.Join(e.userNames(r.UsersInclude), ", ")+"]")
	}
	if len(r.GroupsInclude) > 0 {
		people = append(people, "groups include ["+strings.Join(e.groupNames(r.GroupsInclude), ", ")+"]")
	}
	if len(r.UsersExclude) > 0 {
		people = append(people, "users exclude ["+strings.Join(e.userNames(r.UsersExclude), ", ")+"]")
	}
	if len(r.GroupsExclude) > 0 {
		people = append(people, "groups exclude ["+strings.Join(e.groupNames(r.GroupsExclude), ", ")+"]")
	}
	if len(people) == 0 {
		people = append(people, "everyone")
	}
	where := "anywhere"
	if x := e.restriction(r); x != "" {
		where = x
	}
	status := ""
	if !isActive(r) {
		status = ", INACTIVE"
	}
	sys := ""
	if r.System {
		sys = ", system"
	}
	return fmt.Sprintf("Okta rule %q (priority %d%s%s): %s for %s; %s; %s", r.Name, r.Priority, sys, status, action, clients, strings.Join(people, ", "), where)
}

// exclusionsUndeclared lists r's excluded groups and users that are not
// the declared exceptions.
func (e *env) exclusionsUndeclared(r tenant.OktaRule) []string {
	var out []string
	for _, g := range r.GroupsExclude {
		if e.excGroupID == "" || g != e.excGroupID {
			out = append(out, "group "+e.groupNames([]string{g})[0])
		}
	}
	for _, u := range r.UsersExclude {
		name := e.userNames([]string{u})[0]
		if !e.isException(name) {
			out = append(out, "user "+name)
		}
	}
	return out
}

// exceptionScoped reports whether r applies only to the declared
// exceptions (the exception group, exception users).
func (e *env) exceptionScoped(r tenant.OktaRule) bool {
	if len(r.GroupsInclude) == 0 && len(r.UsersInclude) == 0 {
		return false
	}
	for _, g := range r.GroupsInclude {
		if e.excGroupID == "" || g != e.excGroupID {
			return false
		}
	}
	for _, u := range r.UsersInclude {
		if !e.isException(e.userNames([]string{u})[0]) {
			return false
		}
	}
	return true
}

// appliesTo reports whether r's people condition covers Okta user u.
func (e *env) appliesTo(r tenant.OktaRule, u tenant.OktaUser) bool {
	groups := e.groupsOf[u.ID]
	in := len(r.UsersInclude) == 0 && len(r.GroupsInclude) == 0
	for _, id := range r.UsersInclude {
		in = in || id == u.ID
	}
	for _, g := range r.GroupsInclude {
		in = in || slices.Contains(groups, g) || e.isEveryoneGroup(g)
	}
	if !in {
		return false
	}
	for _, id := range r.UsersExclude {
		if id == u.ID {
			return false
		}
	}
	for _, g := range r.GroupsExclude {
		if slices.Contains(groups, g) {
			return false
		}
	}
	return true
}

// reach walks rules for Okta user u and one client type as an attacker
// would (any location, platform and device) and returns the first ALLOW
// that lets a password alone through, or nil when every path ends in a
// DENY or, with mfaStops, in an ALLOW that asks for a second factor.
// Rules that apply only somewhere (a zone, a platform) do not stop the
// walk: from elsewhere the next rule decides.
func (e *env) reach(rules []tenant.OktaRule, u tenant.OktaUser, client string, mfaStops bool) *tenant.OktaRule {
	for i := range rules {
		r := rules[i]
		if !isActive(r) || !matchesClient(r, client) || !e.appliesTo(r, u) {
			continue
		}
		everywhere := e.restriction(r) == ""
		switch {
		case isAllow(r) && mfaStops && is2FA(r):
			if everywhere {
				return nil
			}
		case isAllow(r):
			return &rules[i]
		case isDeny(r):
			if everywhere {
				return nil
			}
		}
	}
	return nil
}

// oktaUsersReaching lists the logins of Okta users (not deprovisioned)
// for whom reach finds an ALLOW, for any of clients; exceptions are left
// out when skipExceptions.
func (e *env) oktaUsersReaching(rules []tenant.OktaRule, clients []string, mfaStops, skipExceptions bool) []string {
	var out []string
	for _, u := range e.s.Okta.Users {
		if strings.EqualFold(u.Status, "DEPROVISIONED") {
			continue
		}
		if skipExceptions && (e.isException(u.Login) || (e.excGroupID != "" && slices.Contains(e.groupsOf[u.ID], e.excGroupID))) {
			continue
		}
		for _, c := range clients {
			if e.reach(rules, u, c, mfaStops) != nil {
				out = append(out, u.Login)
				break
			}
		}
	}
	return out
}

// membershipNote is evidence when users could not be resolved.
func (e *env) membershipNote() []string {
	m := e.missing(srcOktaGroups, srcOktaUsers)
	if len(m) == 0 {
		return nil
	}
	out := []string{"the affected users could not be listed: " + strings.Join(func() []string {
		var s []string
		for _, st := range m {
			s = append(s, label(st.ID)+" ("+fixFor(st)+")")
		}
		return s
	}(), "; ")}
	return out
}

func checkOktaDenyLegacy(e *env) Finding {
	f, aps := e.oktaGate(true)
	if f != nil {
		return *f
	}
	return e.judgeDenyLegacy(aps)
}

func (e *env) judgeDenyLegacy(aps []appPolicy) Finding {
	var ev, offenders, warns []string
	var affected []string
	status := Pass
	worse := func(s string) {
		if s == Fail || (s == Warn && status == Pass) {
			status = s
		}
	}
	if strings.TrimSpace(e.o.ExceptionGroup) != "" && e.excGroupID == "" {
		ev = append(ev, fmt.Sprintf("the declared exception group %q was not found among the Okta groups", e.o.ExceptionGroup))
	}
	var denyNames, moves, fallThrough []string
	addRule := false
	for _, ap := range aps {
		rules := sortedRules(ap.policy)
		var deny *tenant.OktaRule
		var above []string
		for i := range rules {
			r := rules[i]
			if !matchesClient(r, clientLegacy) {
				continue
			}
			if !isActive(r) {
				ev = append(ev, e.describe(r)+" - inactive, ignored")
				continue
			}
			if isDeny(r) {
				if x := e.restriction(r); x != "" || !e.includesEveryone(r) {
					ev = append(ev, e.describe(r)+" - denies only some users or places, not counted as the deny rule")
					continue
				}
				deny = &rules[i]
				break
			}
			if isAllow(r) {
				if e.exceptionScoped(r) {
					where := ""
					if e.restriction(r) == "" {
						where = " (from anywhere: consider limiting it to a network zone)"
					}
					ev = append(ev, e.describe(r)+" - the exception group's own rule, accepted"+where)
					continue
				}
				ev = append(ev, e.describe(r)+" - allows legacy clients above any deny")
				above = append(above, fmt.Sprintf("%q (priority %d)", r.Name, r.Priority))
			}
		}
		if len(above) > 0 || deny == nil {
			worse(Fail)
			offenders = append(offenders, above...)
			affected = append(affected, e.oktaUsersReaching(rules, []string{clientLegacy}, false, true)...)
		}
		if deny == nil {
			if len(above) == 0 {
				offenders = append(offenders, fmt.Sprintf("no rule of policy %q denies legacy clients", ap.policy.Name))
			}
			addRule = true
			continue
		}
		line := e.describe(*deny) + " - the deny rule"
		if deny.System {
			line += " (the catch-all: legacy clients fall through to it)"
		}
		ev = append(ev, line)
		denyNames = append(denyNames, fmt.Sprintf("%q (priority %d)", deny.Name, deny.Priority))
		if len(above) > 0 {
			if deny.System {
				addRule = true
			} else {
				moves = append(moves, fmt.Sprintf("move the deny %q above %s, or remove them", deny.Name, list(above, 4)))
			}
		}
		// Who the deny leaves out falls through to the rules below it.
		if und := e.exclusionsUndeclared(*deny); len(und) > 0 {
			var open, limited []string
			for _, r := range rules {
				if r.Priority <= deny.Priority || !isActive(r) || !isAllow(r) || !matchesClient(r, clientLegacy) {
					continue
				}
				if e.restriction(r) == "" {
					open = append(open, fmt.Sprintf("%q", r.Name))
				} else {
					limited = append(limited, fmt.Sprintf("%q (%s)", r.Name, e.restriction(r)))
				}
			}
			msg := fmt.Sprintf("the deny rule %q leaves out %s, which is not a declared exception", deny.Name, strings.Join(und, ", "))
			switch {
			case len(open) > 0:
				worse(Fail)
				offenders = append(offenders, msg+"; they fall through to "+list(open, 4)+", which allows legacy clients from anywhere")
				fallThrough = append(fallThrough, deny.Name)
			case len(limited) > 0:
				worse(Warn)
				warns = append(warns, msg+"; they fall through to "+list(limited, 4))
			default:
				worse(Warn)
				warns = append(warns, msg)
			}
			ev = append(ev, msg)
			affected = append(affected, e.oktaUsersReaching(rules, []string{clientLegacy}, false, true)...)
		}
	}
	ev = append(ev, e.membershipNote()...)
	const exceptionsTodo = " Put documented exceptions in the exception group (declared with --choices exceptions.oktaGroup), with their own rule limited to a network zone."
	switch status {
	case Fail:
		d := "Legacy clients (\"Exchange ActiveSync or Legacy Auth client\": basic auth relayed by Microsoft) get into Office 365 with a password alone: " + strings.Join(offenders, "; ") + "."
		var todo []string
		if addRule {
			todo = append(todo, "add a rule above every rule that allows legacy clients, with People: everyone assigned the app, excluding only the exception group; Location: anywhere; Client: \"Exchange ActiveSync or Legacy Auth client\" on all platforms; Device: any; Access: Denied (API: POST /api/v1/policies/{policyId}/rules with conditions.office365Client.include [\"EXCHANGE_ACTIVE_SYNC\"] and actions.appSignOn.access DENY)")
		}
		if len(moves) > 0 {
			todo = append(todo, strings.Join(moves, "; ")+" (API: PUT /api/v1/policies/{policyId}/rules/{ruleId} with the new priority)")
		}
		if len(fallThrough) > 0 {
			todo = append(todo, "remove the exclusion from "+list(fallThrough, 3)+", or declare the excluded group as the exception group")
		}
		if len(warns) > 0 {
			d += " Also, " + strings.Join(warns, "; ") + "."
		}
		return Finding{Status: Fail, Evidence: ev, AffectedUsers: nonNil(affected), Detail: d + " In " + manualRules + ": " + strings.Join(todo, "; ") + "." + exceptionsTodo}
	case Warn:
		return Finding{Status: Warn, Evidence: ev, AffectedUsers: nonNil(affected),
			Detail: "A rule denies legacy clients above any rule that allows them, but " + strings.Join(warns, "; ") + ". Declare the group as the exception group (--choices exceptions.oktaGroup) if its members have a documented need, or remove the exclusion in " + manualRules + "."}
	}
	d := "An active Office 365 rule denies legacy clients (\"Exchange ActiveSync or Legacy Auth client\") for everyone"
	if e.excGroupID != "" {
		d += " but the exception group"
	}
	d += ", above any rule that allows them: " + list(denyNames, 3) + ". Nothing to do."
	return Finding{Status: Pass, Evidence: ev, Detail: d}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func checkOktaMFAModern(e *env) Finding {
	f, aps := e.oktaGate(false)
	if f != nil {
		return *f
	}
	var ev, offenders, noFactor []string
	var affected []string
	var mfaNames []string
	status := Pass
	for _, ap := range aps {
		rules := sortedRules(ap.policy)
		var mfa *tenant.OktaRule
		done := false
		for i := range rules {
			r := rules[i]
			if !matchesClient(r, clientWeb) && !matchesClient(r, clientModern) {
				continue
			}
			if !isActive(r) {
				ev = append(ev, e.describe(r)+" - inactive, ignored")
				continue
			}
			everywhere := e.restriction(r) == ""
			everyone := e.includesEveryone(r) && len(r.GroupsExclude) == 0 && len(r.UsersExclude) == 0
			both := matchesClient(r, clientWeb) && matchesClient(r, clientModern)
			switch {
			case isAllow(r) && is2FA(r):
				if mfa == nil {
					mfa = &rules[i]
				}
				if both && everywhere && everyone {
					ev = append(ev, e.describe(r)+" - asks for a second factor, for everyone, anywhere")
					done = true
				} else {
					ev = append(ev, e.describe(r)+" - asks for a second factor, but not for every user, place or client: the rules below it stay reachable")
				}
			case isAllow(r):
				what := "above the MFA rule"
				if mfa != nil {
					what = "reachable below the MFA rule"
				}
				ev = append(ev, e.describe(r)+" - allows browser or modern clients without a second factor, "+what)
				offenders = append(offenders, fmt.Sprintf("%q (priority %d, %s)", r.Name, r.Priority, strings.ToUpper(r.FactorMode)))
			case isDeny(r):
				if both && everywhere && e.includesEveryone(r) {
					ev = append(ev, e.describe(r)+" - denies every browser and modern client")
					done = true
				}
			}
			if done {
				break
			}
		}
		if len(offenders) > 0 {
			affected = append(affected, e.oktaUsersReaching(rules, []string{clientWeb, clientModern}, true, false)...)
		}
		if mfa == nil {
			status = Fail
			if len(offenders) == 0 {
				offenders = append(offenders, fmt.Sprintf("no rule of policy %q allows browser and modern clients with a second factor", ap.policy.Name))
			}
			continue
		}
		mfaNames = append(mfaNames, fmt.Sprintf("%q (priority %d, %s, re-authenticate %s)", mfa.Name, mfa.Priority, mfa.FactorMode, orDash(mfa.ReauthenticateIn)))
		// Users the MFA rule covers who have no ACTIVE factor: Okta will
		// send them to enrolment (evidence only; unknown when the factors
		// were not read).
		if e.ok(srcOktaUsers) && e.s.FactorsRead() {
			for _, u := range e.s.Okta.Users {
				if strings.EqualFold(u.Status, "DEPROVISIONED") || !e.appliesTo(*mfa, u) {
					continue
				}
				active := false
				for _, fa := range u.Factors {
					active = active || strings.EqualFold(fa.Status, "ACTIVE")
				}
				if !active {
					noFactor = append(noFactor, u.Login)
				}
			}
		}
	}
	if len(offenders) > 0 {
		status = Fail
	}
	if len(mfaNames) > 0 && e.ok(srcOktaUsers) && !e.s.FactorsRead() {
		ev = append(ev, "users in the MFA rule's scope without an ACTIVE factor: not counted, the users' factors were not read (source okta.factors "+factorsState(e.s)+")")
	}
	if len(noFactor) > 0 {
		ev = append(ev, fmt.Sprintf("%s in the MFA rule's scope without an ACTIVE factor (Okta will make them enrol one at their next sign-in): %s",
			plural(len(noFactor), "user", "users"), list(sortedCopy(noFactor), 10)))
	}
	ev = append(ev, e.membershipNote()...)
	todo := " In " + manualRules + ": give browser and modern clients a rule with People: everyone; Location: anywhere; Client: \"Web browser\" and \"Modern Authentication client\", all platforms; Device: any; Access: Allowed with \"Prompt for factor\" (Identity Engine: factor mode 2FA, re-authentication every sign-in or every session), and place it above every rule that allows those clients without a factor (or lower such rules to 2FA)."
	if status == Fail {
		return Finding{Status: Fail, Evidence: ev, AffectedUsers: nonNil(affected),
			Detail: "Browser and modern-auth clients reach Office 365 with a password alone: " + strings.Join(offenders, "; ") + "." + todo}
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: "Browser and modern-auth clients are allowed only with a second factor: " + list(mfaNames, 3) + ", and no rule above it allows them without. Nothing to do."}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func checkOktaEngine(e *env) Finding {
	if !e.oktaConfigured() {
		return Finding{Status: Info, Evidence: []string{"okta: not configured"},
			Detail: "Not applicable: no Okta org is configured."}
	}
	if ok, why := e.classic(); ok {
		ev := []string{"/.well-known/okta-organization: pipeline = " + orDash(e.s.Okta.Pipeline)}
		if st, ok := e.s.Status(srcOktaPolicies); ok && st.State != tenant.StateOK {
			ev = append(ev, sourceEvidence([]tenant.SourceStatus{st})...)
		} else {
			ev = append(ev, why)
		}
		return Finding{Status: Warn, Evidence: ev,
			Detail: "The Okta org runs Classic Engine: its app sign-on rules have no public API, so step E (OKTA-DENY-LEGACY, OKTA-MFA-MODERN) cannot be judged and the access matrix shows Okta-dependent cells as unknown. Check the rules by hand in " + manualRules + ", and plan the upgrade to Identity Engine (Okta's Identity Engine upgrade in the Admin Console, or through Okta support) so that harden365 can read them."}
	}
	if m := e.missing(srcOktaOrg); len(m) > 0 {
		return cannotJudge("which engine the Okta org runs (/.well-known/okta-organization)", m)
	}
	if p := e.s.Okta.Pipeline; p != "idx" {
		return Finding{Status: Error, Evidence: []string{"/.well-known/okta-organization: pipeline = " + orDash(p)},
			Detail: fmt.Sprintf("Cannot be judged: the Okta org reports pipeline %q, neither idx (Identity Engine) nor v1 (Classic Engine). Check the org URL.", p)}
	}
	return Finding{Status: Pass, Evidence: []string{"/.well-known/okta-organization: pipeline = idx (Identity Engine)"},
		Detail: "The Okta org runs Identity Engine: the Office 365 app's sign-on rules are readable (ACCESS_POLICY), so step E is judged from the rules themselves. Nothing to do."}
}

// officeRuleChange is the newest lastUpdated among the Office 365 apps'
// sign-on rules, with the rule; known is false when the rules could not be
// read.
func (e *env) officeRuleChange() (newest time.Time, what string, known bool, why string) {
	if !e.oktaConfigured() {
		return time.Time{}, "", true, ""
	}
	if ok, _ := e.classic(); ok {
		return time.Time{}, "", false, "Classic Engine: not readable through Okta's public API"
	}
	if m := e.missing(srcOktaApps, srcOktaPolicies); len(m) > 0 {
		var parts []string
		for _, st := range m {
			parts = append(parts, label(st.ID)+" could not be read ("+fixFor(st)+")")
		}
		return time.Time{}, "", false, strings.Join(parts, "; ")
	}
	for _, a := range e.officeApps() {
		p, ok := e.policyByID(a.AccessPolicyID)
		if !ok {
			if a.AccessPolicyID == "" {
				continue
			}
			return time.Time{}, "", false, "the Office 365 app's policy " + a.AccessPolicyID + " was not collected"
		}
		for _, r := range p.Rules {
			if r.LastUpdated.After(newest) {
				newest, what = r.LastUpdated, fmt.Sprintf("Okta rule %q lastUpdated", r.Name)
			}
		}
	}
	return newest, what, true, ""
}

// srcOktaFactors is the Okta users' enrolled factors (evidence only).
const srcOktaFactors = "okta.factors"

// factorsState says how source okta.factors ended, for evidence.
func factorsState(s *tenant.Snapshot) string {
	if st, ok := s.Status(srcOktaFactors); ok && st.State == tenant.StateSkipped {
		return "skipped"
	} else if ok {
		return "failed"
	}
	return "not collected"
}
