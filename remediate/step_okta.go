package remediate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// Office 365 client types of app sign-on rules (okta-api.md §2.3).
const (
	clientLegacy = "EXCHANGE_ACTIVE_SYNC" // "Exchange ActiveSync or Legacy Auth client"
	clientWeb    = "WEB"
	clientModern = "MODERN_AUTH"
)

const consoleRules = "Okta Admin Console → Applications → Applications → Microsoft Office 365 → Sign On → Sign On Policy"

// Names of the rules E creates.
const (
	denyRuleName = "Deny legacy authentication clients"
	mfaRuleName  = "Allow web and modern authentication with MFA"
)

func ruleActive(r *tenant.OktaRule) bool { return !strings.EqualFold(r.Status, "INACTIVE") }

func ruleMatches(r *tenant.OktaRule, client string) bool {
	return len(r.Office365Client) == 0 || containsFold(r.Office365Client, client)
}

// unrestricted: the rule applies anywhere, on any platform and device,
// with no condition harden365 does not evaluate.
func unrestricted(r *tenant.OktaRule) bool {
	if c := strings.ToUpper(r.NetworkConnection); c != "" && c != "ANYWHERE" {
		return false
	}
	if len(r.PlatformExclude) > 0 || (len(r.PlatformInclude) > 0 && !containsFold(r.PlatformInclude, "ANY/ANY")) {
		return false
	}
	if (r.DeviceRegistered != nil && *r.DeviceRegistered) || (r.DeviceManaged != nil && *r.DeviceManaged) || len(r.DeviceAssurance) > 0 {
		return false
	}
	if r.ElCondition != "" || (r.RiskScore != "" && !strings.EqualFold(r.RiskScore, "ANY")) || len(r.Unmodelled) > 0 {
		return false
	}
	return true
}

// oktaCtx is what E and A read about the Okta org.
type oktaCtx struct {
	o        *tenant.Okta
	everyone map[string]bool // BUILT_IN / "Everyone" group ids
	excID    string          // the declared exception group's id
	excName  string
	zoneIDs  []string
}

func newOktaCtx(s *tenant.Snapshot) *oktaCtx {
	x := &oktaCtx{o: &s.Okta, everyone: map[string]bool{}}
	for _, g := range s.Okta.Groups {
		if strings.EqualFold(g.Type, "BUILT_IN") || strings.EqualFold(g.Name, "Everyone") {
			x.everyone[g.ID] = true
		}
	}
	return x
}

// forEveryone: the rule's people condition includes everyone (exclusions
// aside).
func (x *oktaCtx) forEveryone(r *tenant.OktaRule) bool {
	if len(r.UsersInclude) > 0 {
		return false
	}
	for _, g := range r.GroupsInclude {
		if !x.everyone[g] {
			return false
		}
	}
	return true
}

// isDeny: the rule is (or can be made, by fixing its exclusions) E's deny
// rule: active, DENY, legacy clients only, everyone, anywhere.
func (x *oktaCtx) isDeny(r *tenant.OktaRule) bool {
	return !r.System && ruleActive(r) && strings.EqualFold(r.Access, "DENY") && containsFold(r.Office365Client, clientLegacy) &&
		!containsFold(r.Office365Client, clientWeb) && !containsFold(r.Office365Client, clientModern) &&
		x.forEveryone(r) && unrestricted(r)
}

// isException: an active ALLOW for legacy clients limited to the exception
// group.
func (x *oktaCtx) isException(r *tenant.OktaRule) bool {
	return x.excID != "" && !r.System && ruleActive(r) && strings.EqualFold(r.Access, "ALLOW") &&
		ruleMatches(r, clientLegacy) && len(r.UsersInclude) == 0 && len(r.GroupsInclude) == 1 && r.GroupsInclude[0] == x.excID
}

// isMFA: an active ALLOW with 2FA for browsers and modern clients, for
// everyone, anywhere.
func (x *oktaCtx) isMFA(r *tenant.OktaRule) bool {
	return !r.System && ruleActive(r) && strings.EqualFold(r.Access, "ALLOW") && strings.EqualFold(r.FactorMode, "2FA") &&
		ruleMatches(r, clientWeb) && ruleMatches(r, clientModern) && x.forEveryone(r) &&
		len(r.GroupsExclude) == 0 && len(r.UsersExclude) == 0 && unrestricted(r)
}

// isExceptionDeny: an active DENY for legacy clients of the exception
// group, from anywhere.
func (x *oktaCtx) isExceptionDeny(r *tenant.OktaRule) bool {
	return x.excID != "" && !r.System && ruleActive(r) && strings.EqualFold(r.Access, "DENY") && ruleMatches(r, clientLegacy) &&
		len(r.UsersInclude) == 0 && len(r.GroupsInclude) == 1 && r.GroupsInclude[0] == x.excID && unrestricted(r)
}

// legacyOffender: lets legacy clients in (other than the exception rule).
func (x *oktaCtx) legacyOffender(r *tenant.OktaRule) bool {
	return ruleActive(r) && strings.EqualFold(r.Access, "ALLOW") && ruleMatches(r, clientLegacy) && !x.isException(r)
}

// webOffender: lets browsers or modern clients in without a factor.
func webOffender(r *tenant.OktaRule) bool {
	return ruleActive(r) && strings.EqualFold(r.Access, "ALLOW") && !strings.EqualFold(r.FactorMode, "2FA") &&
		(ruleMatches(r, clientWeb) || ruleMatches(r, clientModern))
}

// officePolicies are the access policies of the Office 365 apps (each
// once), or a reason they cannot be found.
func officePolicies(s *tenant.Snapshot) ([]*tenant.OktaPolicy, string) {
	var out []*tenant.OktaPolicy
	seen := map[string]bool{}
	apps := 0
	for _, a := range s.Okta.Apps {
		if !strings.EqualFold(a.Name, "office365") {
			continue
		}
		apps++
		if a.AccessPolicyID == "" {
			return nil, fmt.Sprintf("Okta's Office 365 app %q (%s) links no access policy", a.Label, a.ID)
		}
		var pol *tenant.OktaPolicy
		for i := range s.Okta.Policies {
			if s.Okta.Policies[i].ID == a.AccessPolicyID {
				pol = &s.Okta.Policies[i]
			}
		}
		if pol == nil {
			return nil, fmt.Sprintf("policy %s, the access policy of Okta's Office 365 app %q, was not among the collected policies", a.AccessPolicyID, a.Label)
		}
		if !seen[pol.ID] {
			seen[pol.ID] = true
			out = append(out, pol)
		}
	}
	if apps == 0 {
		return nil, "the Okta org has no Microsoft Office 365 app: add it (Applications → Browse App Catalog → Microsoft Office 365) before its rules can be set"
	}
	return out, ""
}

// denyExists reports whether every Office 365 policy has E's deny rule.
func denyExists(s *tenant.Snapshot) bool {
	pols, why := officePolicies(s)
	if why != "" || len(pols) == 0 {
		return false
	}
	x := newOktaCtx(s)
	for _, p := range pols {
		found := false
		for i := range p.Rules {
			found = found || x.isDeny(&p.Rules[i])
		}
		if !found {
			return false
		}
	}
	return true
}

// resolveOkta finds the exception group and the zones the operator named;
// false when a name is unknown (refused).
func (r *run) resolveOkta(x *oktaCtx) bool {
	ok := true
	if g := strings.TrimSpace(r.c.Exceptions.OktaGroup); g != "" {
		if !r.need(srcOktaGroups) {
			return false
		}
		for _, grp := range x.o.Groups {
			if strings.EqualFold(grp.Name, g) || grp.ID == g {
				x.excID, x.excName = grp.ID, grp.Name
			}
		}
		if x.excID == "" {
			var names []string
			for _, grp := range x.o.Groups {
				names = append(names, fmt.Sprintf("%q", grp.Name))
			}
			r.refuse("the exception group %q (choices exceptions.oktaGroup) is not an Okta group (groups: %s): create it and put the exception accounts in it, or name an existing one", g, list(names, 10))
			ok = false
		}
	}
	if len(r.c.Zones) > 0 {
		if !r.need(srcOktaZones) {
			return false
		}
		for _, z := range r.c.Zones {
			id := ""
			for _, zone := range x.o.Zones {
				if strings.EqualFold(zone.Name, z) || zone.ID == z {
					id = zone.ID
				}
			}
			if id == "" {
				var names []string
				for _, zone := range x.o.Zones {
					names = append(names, fmt.Sprintf("%q", zone.Name))
				}
				r.refuse("the network zone %q (choices zones) is not an Okta zone (zones: %s)", z, list(names, 10))
				ok = false
				continue
			}
			x.zoneIDs = append(x.zoneIDs, id)
		}
	}
	return ok
}

func (x *oktaCtx) zoneNames(ids []string) []string {
	var out []string
	for _, id := range ids {
		name := id
		for _, z := range x.o.Zones {
			if z.ID == id {
				name = z.Name
			}
		}
		out = append(out, name)
	}
	return out
}

func runE(r *run) {
	o := &r.s.Okta
	if !o.Configured {
		fed := false
		for _, d := range r.s.Domains {
			fed = fed || d.Federated()
		}
		if fed {
			r.refuse("domains are federated, but no Okta org is configured: Okta's Office 365 rules can be neither read nor written (add the Okta org URL and an API token to the profile)")
			return
		}
		r.nothing = "no Okta org is configured and no domain is federated: step E does not apply (CA-LEGACY blocks legacy authentication in Entra ID instead)"
		return
	}
	x := newOktaCtx(r.s)
	if !r.resolveOkta(x) {
		return
	}
	reauth, chosen := r.c.reauthenticateIn()
	if !o.IdentityEngine() {
		r.manualE(x, reauth)
		return
	}
	if !r.need(srcOktaApps, srcOktaPolicies) {
		return
	}
	pols, why := officePolicies(r.s)
	if why != "" {
		r.refuse("%s", why)
		return
	}
	if x.excID == "" && len(x.zoneIDs) > 0 {
		r.note("zones are used only for the exception group's rule, and no exception group is declared (choices exceptions.oktaGroup)")
	}
	if x.excID != "" && len(x.zoneIDs) == 0 {
		r.note("no network zone chosen: the exception group's legacy clients are allowed from anywhere; limit them to the zones they sign in from (choices zones)")
	}
	r.noteExceptionsOutsideGroup(x)
	for _, pol := range pols {
		r.planPolicy(x, pol, reauth, chosen)
	}
	r.instruct(ToolOkta, "%s: check the order afterwards: the exception group's rule, the deny rule, the MFA rule, then the rest, the catch-all last", consoleRules)
	if len(r.writes) == 0 {
		r.nothing = "the Office 365 rules already deny legacy clients above any rule that allows them, and require MFA for browsers and modern clients"
	}
}

// noteExceptionsOutsideGroup warns about declared exception users Okta
// will deny because they are not in the exception group.
func (r *run) noteExceptionsOutsideGroup(x *oktaCtx) {
	members := map[string]bool{}
	for _, g := range x.o.Groups {
		if g.ID == x.excID {
			for _, m := range g.Members {
				members[m] = true
			}
		}
	}
	for _, ex := range r.c.Exceptions.Users {
		for _, u := range x.o.Users {
			if strings.EqualFold(u.Login, ex) && !members[u.ID] {
				what := "no exception group is declared"
				if x.excID != "" {
					what = fmt.Sprintf("it is not in the exception group %q", x.excName)
				}
				r.note("declared exception %s signs in through Okta, but %s: Okta's deny rule will refuse its legacy clients", ex, what)
			}
		}
	}
}

// rule bodies (okta-api.md §2.4)

func verification(factor, reauth string, password bool) map[string]any {
	vm := map[string]any{"type": "ASSURANCE", "factorMode": factor, "reauthenticateIn": reauth, "constraints": []any{}}
	if password {
		vm["constraints"] = []any{map[string]any{"knowledge": map[string]any{"types": []any{"password"}}}}
	}
	return vm
}

func anyList(xs []string) []any {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}

// newRule is a rule E creates: its wire body and the rule as Okta will
// return it.
type newRule struct {
	body map[string]any
	rule tenant.OktaRule
}

func (x *oktaCtx) exceptionRule(pol *tenant.OktaPolicy, name string) newRule {
	network := map[string]any{"connection": "ANYWHERE"}
	rule := tenant.OktaRule{NetworkConnection: "ANYWHERE"}
	if len(x.zoneIDs) > 0 {
		network = map[string]any{"connection": "ZONE", "include": anyList(x.zoneIDs)}
		rule.NetworkConnection, rule.NetworkInclude = "ZONE", append([]string(nil), x.zoneIDs...)
	}
	body := map[string]any{
		"type": "ACCESS_POLICY", "name": name, "status": "ACTIVE",
		"conditions": map[string]any{
			"people":          map[string]any{"groups": map[string]any{"include": []any{x.excID}}},
			"network":         network,
			"office365Client": map[string]any{"include": []any{clientLegacy}},
		},
		"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW", "verificationMethod": verification("1FA", "PT43800H", false)}},
	}
	rule.Name, rule.GroupsInclude, rule.Office365Client = name, []string{x.excID}, []string{clientLegacy}
	rule.Access, rule.FactorMode, rule.VerificationType, rule.ReauthenticateIn = "ALLOW", "1FA", "ASSURANCE", "PT43800H"
	rule.ID = oktaID("0pr", pol.ID, name)
	return newRule{body, rule}
}

func (x *oktaCtx) denyRule(pol *tenant.OktaPolicy, name string) newRule {
	groups := []any{}
	rule := tenant.OktaRule{}
	if x.excID != "" {
		groups = []any{x.excID}
		rule.GroupsExclude = []string{x.excID}
	}
	body := map[string]any{
		"type": "ACCESS_POLICY", "name": name, "status": "ACTIVE",
		"conditions": map[string]any{
			"people":          map[string]any{"users": map[string]any{"exclude": []any{}}, "groups": map[string]any{"exclude": groups}},
			"network":         map[string]any{"connection": "ANYWHERE"},
			"office365Client": map[string]any{"include": []any{clientLegacy}},
		},
		"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY", "verificationMethod": verification("1FA", "PT43800H", false)}},
	}
	rule.Name, rule.NetworkConnection, rule.Office365Client = name, "ANYWHERE", []string{clientLegacy}
	rule.Access, rule.FactorMode, rule.VerificationType, rule.ReauthenticateIn = "DENY", "1FA", "ASSURANCE", "PT43800H"
	rule.ID = oktaID("0pr", pol.ID, name)
	return newRule{body, rule}
}

func (x *oktaCtx) exceptionDenyRule(pol *tenant.OktaPolicy, name string) newRule {
	body := map[string]any{
		"type": "ACCESS_POLICY", "name": name, "status": "ACTIVE",
		"conditions": map[string]any{
			"people":          map[string]any{"groups": map[string]any{"include": []any{x.excID}}},
			"network":         map[string]any{"connection": "ANYWHERE"},
			"office365Client": map[string]any{"include": []any{clientLegacy}},
		},
		"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY", "verificationMethod": verification("1FA", "PT43800H", false)}},
	}
	rule := tenant.OktaRule{Name: name, GroupsInclude: []string{x.excID}, NetworkConnection: "ANYWHERE", Office365Client: []string{clientLegacy},
		Access: "DENY", FactorMode: "1FA", VerificationType: "ASSURANCE", ReauthenticateIn: "PT43800H"}
	rule.ID = oktaID("0pr", pol.ID, name)
	return newRule{body, rule}
}

// fallsThrough walks the planned rules, for each member of the exception
// group signing in with a legacy client from outside every named zone,
// and returns the login of one whom the first matching rule allows ("" if
// none): the deny rule counts as excluding exactly the group, as planned.
func (r *run) fallsThrough(x *oktaCtx, pol *tenant.OktaPolicy, order []slot, ruleAt func(slot) *tenant.OktaRule, sys []int) string {
	var rules []*tenant.OktaRule
	for _, s := range order {
		rules = append(rules, ruleAt(s))
	}
	for _, i := range sys {
		rules = append(rules, &pol.Rules[i])
	}
	groupsOf := map[string]map[string]bool{}
	var members []string
	for _, g := range x.o.Groups {
		for _, m := range g.Members {
			if groupsOf[m] == nil {
				groupsOf[m] = map[string]bool{}
			}
			groupsOf[m][g.ID] = true
			if g.ID == x.excID {
				members = append(members, m)
			}
		}
	}
	login := func(id string) string {
		for _, u := range x.o.Users {
			if u.ID == id {
				return u.Login
			}
		}
		return id
	}
	for _, uid := range members {
		for _, rule := range rules {
			if !ruleActive(rule) || !ruleMatches(rule, clientLegacy) {
				continue
			}
			if c := strings.ToUpper(rule.NetworkConnection); c == "ON_NETWORK" || (c == "ZONE" && len(rule.NetworkInclude) > 0) {
				continue
			}
			in := len(rule.UsersInclude) == 0 && len(rule.GroupsInclude) == 0
			for _, u := range rule.UsersInclude {
				in = in || u == uid
			}
			for _, g := range rule.GroupsInclude {
				in = in || groupsOf[uid][g] || x.everyone[g]
			}
			excluded := false
			for _, u := range rule.UsersExclude {
				excluded = excluded || u == uid
			}
			for _, g := range rule.GroupsExclude {
				excluded = excluded || groupsOf[uid][g]
			}
			if x.isDeny(rule) {
				excluded = true // as planned: the deny excludes the group
			}
			if !in || excluded {
				continue
			}
			if strings.EqualFold(rule.Access, "ALLOW") {
				return login(uid)
			}
			if unrestricted(rule) || strings.ToUpper(rule.NetworkConnection) == "ZONE" {
				break // a deny that holds here
			}
		}
	}
	return ""
}

func (x *oktaCtx) mfaRule(pol *tenant.OktaPolicy, name, reauth string) newRule {
	body := map[string]any{
		"type": "ACCESS_POLICY", "name": name, "status": "ACTIVE",
		"conditions": map[string]any{
			"people":          map[string]any{"users": map[string]any{"exclude": []any{}}},
			"network":         map[string]any{"connection": "ANYWHERE"},
			"office365Client": map[string]any{"include": []any{clientWeb, clientModern}},
		},
		"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW", "verificationMethod": verification("2FA", reauth, true)}},
	}
	rule := tenant.OktaRule{Name: name, NetworkConnection: "ANYWHERE", Office365Client: []string{clientWeb, clientModern},
		Access: "ALLOW", FactorMode: "2FA", VerificationType: "ASSURANCE", ReauthenticateIn: reauth, Constraints: []string{"knowledge:password"}}
	rule.ID = oktaID("0pr", pol.ID, name)
	return newRule{body, rule}
}

// slot is one non-system rule in the order being planned: an existing
// rule (index into the policy's rules) or one to create.
type slot struct {
	idx int // -1 for a new rule
	add *newRule
}

func uniqueName(pol *tenant.OktaPolicy, name string) string {
	taken := func(n string) bool {
		for _, r := range pol.Rules {
			if strings.EqualFold(r.Name, n) {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s (%d)", name, i); !taken(n) {
			return n
		}
	}
}

func ruleWrite(pol *tenant.OktaPolicy, r *tenant.OktaRule) (path, target string) {
	return fmt.Sprintf("/api/v1/policies/%s/rules/%s", pol.ID, r.ID), fmt.Sprintf("Okta rule %q of policy %q", r.Name, pol.Name)
}

// mergePut records a merge PUT of an existing rule.
func (r *run) mergePut(pol *tenant.OktaPolicy, rule *tenant.OktaRule, patch, old, new, undoPatch map[string]any) {
	path, target := ruleWrite(pol, rule)
	r.emit(tenant.Write{Service: tenant.ServiceOkta, Operation: "PUT /api/v1/policies/{policyId}/rules/{ruleId}", Path: path,
		Target: target, Params: patch, Merge: true, Old: old, New: new,
		Undo: []tenant.Write{{Service: tenant.ServiceOkta, Operation: "PUT /api/v1/policies/{policyId}/rules/{ruleId}", Path: path,
			Target: target, Params: undoPatch, Merge: true, Old: new, New: old}}})
	rule.LastUpdated = r.lastAt()
}

// planPolicy brings one Office 365 access policy to the recommended shape
// (okta-api.md §2.4): the exception group's zoned rule, the deny rule,
// the MFA rule; existing rules are reused and moved only as far as needed.
//
// Priorities follow Okta's semantics: a rule written with priority p takes
// place p and the rules from p on move down one; the writes are made in
// ascending order of place, so that each lands where the plan says.
func (r *run) planPolicy(x *oktaCtx, pol *tenant.OktaPolicy, reauth string, reauthChosen bool) {
	written := len(r.writes)
	var order []slot
	var sys []int
	for i := range pol.Rules {
		if pol.Rules[i].System {
			sys = append(sys, i)
		} else {
			order = append(order, slot{idx: i})
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return pol.Rules[order[a].idx].Priority < pol.Rules[order[b].idx].Priority })
	current := append([]slot(nil), order...)
	ruleAt := func(s slot) *tenant.OktaRule {
		if s.add != nil {
			return &s.add.rule
		}
		return &pol.Rules[s.idx]
	}
	find := func(pred func(*tenant.OktaRule) bool) int {
		for k, s := range order {
			if pred(ruleAt(s)) {
				return k
			}
		}
		return -1
	}
	move := func(from, to int) {
		s := order[from]
		order = append(order[:from], order[from+1:]...)
		if to > from {
			to--
		}
		order = append(order[:to], append([]slot{s}, order[to:]...)...)
	}
	insert := func(at int, s slot) { order = append(order[:at], append([]slot{s}, order[at:]...)...) }

	// The deny rule: above every rule that lets legacy clients in.
	d := find(x.isDeny)
	firstOffender := find(x.legacyOffender)
	switch {
	case d < 0:
		nr := x.denyRule(pol, uniqueName(pol, denyRuleName))
		at := len(order)
		if firstOffender >= 0 {
			at = firstOffender
		}
		insert(at, slot{idx: -1, add: &nr})
		d = at
	case firstOffender >= 0 && firstOffender < d:
		move(d, firstOffender)
		d = firstOffender
	}
	// The exception group's rule, right above the deny (the deny excludes
	// the group, so its members fall through to it).
	if x.excID != "" && find(x.isException) < 0 {
		nr := x.exceptionRule(pol, uniqueName(pol, fmt.Sprintf("Allow legacy authentication for %s", x.excName)+zoneSuffix(x)))
		insert(d, slot{idx: -1, add: &nr})
	}
	// The deny excludes the exception group, so outside the zones its
	// members fall through to the rules below; when the first of those
	// that takes legacy clients allows them (the whitepaper's catch-all
	// ALLOW), a deny for the group, right below its own rule, closes the
	// gap (okta-api.md §2.4: the exclusion alone is not enough).
	if xi := find(x.isException); xi >= 0 && len(x.zoneIDs) > 0 && find(x.isExceptionDeny) < 0 {
		if who := r.fallsThrough(x, pol, order, ruleAt, sys); who != "" {
			nr := x.exceptionDenyRule(pol, uniqueName(pol, fmt.Sprintf("Deny legacy authentication for %s elsewhere", x.excName)))
			insert(xi+1, slot{idx: -1, add: &nr})
			r.note("outside %s, the exception group's members would fall through the deny rule (which excludes them) to a rule that allows legacy clients (for %s); the rule %q closes that", list(x.zoneNames(x.zoneIDs), 3), who, nr.rule.Name)
		}
	}
	// The MFA rule: above every rule that lets browsers or modern clients
	// in without a factor.
	m := find(x.isMFA)
	firstWeb := find(webOffender)
	switch {
	case m < 0:
		nr := x.mfaRule(pol, uniqueName(pol, mfaRuleName), reauth)
		at := len(order)
		if firstWeb >= 0 {
			at = firstWeb
		}
		insert(at, slot{idx: -1, add: &nr})
	case firstWeb >= 0 && firstWeb < m:
		move(m, firstWeb)
	}

	// Writes, in ascending place: create or move what is not in place.
	cur := current
	for p, want := range order {
		if p < len(cur) && cur[p] == want {
			continue
		}
		if want.add != nil {
			nr := want.add
			nr.body["priority"] = p
			nr.rule.Priority = p
			r.emit(tenant.Write{Service: tenant.ServiceOkta, Operation: "POST /api/v1/policies/{policyId}/rules",
				Path: fmt.Sprintf("/api/v1/policies/%s/rules", pol.ID), Target: fmt.Sprintf("Okta rule %q of policy %q", nr.rule.Name, pol.Name),
				Params: nr.body, Old: map[string]any{}, New: nr.body,
				Undo: []tenant.Write{{Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/policies/{policyId}/rules/{ruleId}",
					Path: fmt.Sprintf("/api/v1/policies/%s/rules/{ruleId}", pol.ID), Target: fmt.Sprintf("Okta rule %q of policy %q", nr.rule.Name, pol.Name),
					Refs: []tenant.Ref{{Placeholder: "{ruleId}", Field: "id", Planned: nr.rule.ID}}, Old: nr.body}}})
			nr.rule.Status, nr.rule.Created, nr.rule.LastUpdated = "ACTIVE", r.lastAt(), r.lastAt()
			cur = append(cur[:p], append([]slot{want}, cur[p:]...)...)
			continue
		}
		from := -1
		for k := range cur {
			if cur[k] == want {
				from = k
			}
		}
		rule := &pol.Rules[want.idx]
		r.mergePut(pol, rule, map[string]any{"priority": p}, map[string]any{"priority": from}, map[string]any{"priority": p}, map[string]any{"priority": from})
		s := cur[from]
		cur = append(cur[:from], cur[from+1:]...)
		cur = append(cur[:p], append([]slot{s}, cur[p:]...)...)
	}
	reordered := len(r.writes) > written

	// Content: the deny excludes exactly the exception group; the
	// exception rule keeps to the chosen zones; the MFA rule prompts as
	// chosen.
	for _, s := range order {
		if s.add != nil {
			continue
		}
		rule := &pol.Rules[s.idx]
		switch {
		case x.isDeny(rule):
			want := []string(nil)
			if x.excID != "" {
				want = []string{x.excID}
			}
			if !sameSet(rule.GroupsExclude, want) || len(rule.UsersExclude) > 0 {
				patch := map[string]any{"conditions": map[string]any{"people": map[string]any{
					"users": map[string]any{"exclude": []any{}}, "groups": map[string]any{"exclude": anyList(want)}}}}
				undo := map[string]any{"conditions": map[string]any{"people": map[string]any{
					"users": map[string]any{"exclude": anyList(rule.UsersExclude)}, "groups": map[string]any{"exclude": anyList(rule.GroupsExclude)}}}}
				r.mergePut(pol, rule, patch,
					map[string]any{"conditions.people.groups.exclude": anyList(rule.GroupsExclude), "conditions.people.users.exclude": anyList(rule.UsersExclude)},
					map[string]any{"conditions.people.groups.exclude": anyList(want), "conditions.people.users.exclude": []any{}}, undo)
				if len(rule.GroupsExclude) > 0 && !sameSet(rule.GroupsExclude, want) {
					r.note("the deny rule %q stops excluding %s: only the declared exception group stays excluded", rule.Name, list(rule.GroupsExclude, 4))
				}
				rule.GroupsExclude, rule.UsersExclude = want, nil
			}
		case x.isException(rule) && len(x.zoneIDs) > 0:
			if !strings.EqualFold(rule.NetworkConnection, "ZONE") || !sameSet(rule.NetworkInclude, x.zoneIDs) || len(rule.NetworkExclude) > 0 {
				patch := map[string]any{"conditions": map[string]any{"network": map[string]any{"connection": "ZONE", "include": anyList(x.zoneIDs), "exclude": []any{}}}}
				oldNet := map[string]any{"connection": strOrNil(rule.NetworkConnection), "include": anyList(rule.NetworkInclude), "exclude": anyList(rule.NetworkExclude)}
				r.mergePut(pol, rule, patch, map[string]any{"conditions.network": oldNet},
					map[string]any{"conditions.network": patch["conditions"].(map[string]any)["network"]},
					map[string]any{"conditions": map[string]any{"network": oldNet}})
				rule.NetworkConnection, rule.NetworkInclude, rule.NetworkExclude = "ZONE", append([]string(nil), x.zoneIDs...), nil
			}
		case x.isMFA(rule) && reauthChosen && rule.ReauthenticateIn != reauth:
			patch := map[string]any{"actions": map[string]any{"appSignOn": map[string]any{"verificationMethod": map[string]any{"reauthenticateIn": reauth}}}}
			undo := map[string]any{"actions": map[string]any{"appSignOn": map[string]any{"verificationMethod": map[string]any{"reauthenticateIn": rule.ReauthenticateIn}}}}
			r.mergePut(pol, rule, patch, map[string]any{"actions.appSignOn.verificationMethod.reauthenticateIn": rule.ReauthenticateIn},
				map[string]any{"actions.appSignOn.verificationMethod.reauthenticateIn": reauth}, undo)
			rule.ReauthenticateIn = reauth
		}
	}

	if !reordered && len(order) == len(current) {
		return
	}
	// Okta numbers the places 0, 1, 2, ...; the system catch-all stays last.
	rules := make([]tenant.OktaRule, 0, len(order)+len(sys))
	for p, s := range order {
		rule := *ruleAt(s)
		rule.Priority = p
		rules = append(rules, rule)
	}
	for _, i := range sys {
		rules = append(rules, pol.Rules[i])
	}
	sort.SliceStable(rules, func(a, b int) bool { return rules[a].Priority < rules[b].Priority })
	pol.Rules = rules
}

func zoneSuffix(x *oktaCtx) string {
	if len(x.zoneIDs) == 0 {
		return ""
	}
	return " from " + strings.Join(x.zoneNames(x.zoneIDs), ", ")
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x] == 0 {
			return false
		}
		seen[x]--
	}
	return true
}

// manualE is E on Classic Engine: the rules have no public API, so the
// step is instructions only.
func (r *run) manualE(x *oktaCtx, reauth string) {
	r.manual = true
	r.note("Okta Classic Engine: the Office 365 app's sign-on rules are neither readable nor writable through Okta's public API; this step is manual instructions only, and the simulation cannot show its effect (the matrix keeps Okta's cells unknown)")
	prompt := "once per session"
	if reauth == "PT0S" {
		prompt = "every sign-in"
	} else if reauth != "PT43800H" {
		prompt = "every " + strings.TrimPrefix(strings.ToLower(reauth), "pt")
	}
	n := 1
	if x.excID != "" {
		where := "Anywhere"
		if len(x.zoneIDs) > 0 {
			where = "In zone " + strings.Join(x.zoneNames(x.zoneIDs), ", ")
		}
		r.instruct(ToolOkta, "%s → Add Rule %q: People: the group %q; Location: %s; Client: \"Exchange ActiveSync or Legacy Auth client\", all platforms; Device: any; Access: Allowed. Place it first (priority %d).",
			consoleRules, "Allow legacy authentication for "+x.excName+zoneSuffix(x), x.excName, where, n)
		n++
	}
	except := ""
	if x.excID != "" {
		except = fmt.Sprintf(", excluding the group %q", x.excName)
	}
	r.instruct(ToolOkta, "%s → Add Rule %q: People: everyone assigned the app%s; Location: Anywhere; Client: \"Exchange ActiveSync or Legacy Auth client\" on all platforms; Device: any; Access: Denied. Place it at priority %d, above every rule that allows legacy clients.",
		consoleRules, denyRuleName, except, n)
	n++
	r.instruct(ToolOkta, "%s → Add Rule %q: People: everyone; Location: Anywhere; Client: \"Web browser\" and \"Modern Authentication client\", all platforms; Device: any; Access: Allowed, Prompt for factor (%s). Place it at priority %d, above every rule that allows those clients without a factor.",
		consoleRules, mfaRuleName, prompt, n)
	r.instruct(ToolOkta, "Check the result in the System Log: no Office 365 sign-in via /sso/wsfed/active (legacy) should succeed except from the exception group (eventType eq \"user.authentication.sso\"). Upgrading the org to Identity Engine makes the rules readable and writable by harden365.")
}
