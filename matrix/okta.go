package matrix

import (
	"fmt"
	"sort"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// Okta's Office 365 client types (conditions.office365Client.include).
const (
	oktaLegacy = "EXCHANGE_ACTIVE_SYNC" // "Exchange ActiveSync or Legacy Auth client"
	oktaWeb    = "WEB"
	oktaModern = "MODERN_AUTH"
)

// oktaClient is how Okta sees a sign-in: basic auth arrives as the
// "Exchange ActiveSync or Legacy Auth client" (WS-Trust, relayed by
// Microsoft), modern auth as a web browser (OWA) or a modern
// authentication client.
func oktaClient(p Protocol, meth Method) string {
	switch {
	case meth == Basic:
		return oktaLegacy
	case p == OWA:
		return oktaWeb
	}
	return oktaModern
}

func oktaClientLabel(ct string) string {
	switch ct {
	case oktaLegacy:
		return "legacy clients"
	case oktaWeb:
		return "web browsers"
	case oktaModern:
		return "modern auth clients"
	}
	return ct
}

type oktaLayer struct {
	e *evaluator
	s *tenant.Snapshot

	groupsOK     bool
	factorsRead  bool // the users' factors were read (okta.factors)
	usersByLogin map[string]*tenant.OktaUser
	// groupsOf maps an Okta user id to its groups among those a policy
	// rule names (the rules ask about no other; a set each cost more).
	groupsOf  map[string][]string
	groupName map[string]string
	zoneName  map[string]string
	prepared  map[string]*preparedPolicy // by policy id
	// domainFixed caches, per domain, a reason that decides the layer for
	// every user of the domain (Okta not collected, no app, ...).
	domainFixed map[string]*Reason
	// domains caches resolve's per-domain part, by the users' domain.
	domains map[string]oktaDomain
	// keys interns the users' standings (oktaUserState.key).
	keys   map[string]string
	keyBuf []byte
	cache  map[oktaKey][]Reason
}

// oktaDomain is what resolve finds for every user of a domain.
type oktaDomain struct {
	fixed *Reason
	pre   *preparedPolicy
}

// oktaKey is what a decision depends on: the policy, the client type and
// the user's standing in the rules (oktaUserState.key).
type oktaKey struct{ policy, ct, user string }

// oktaUserState is one federated user's resolution, done once.
type oktaUserState struct {
	done  bool
	fixed *Reason // decides every cell when set
	pre   *preparedPolicy
	user  *tenant.OktaUser
	// groups are the user's groups (the rules reference only refGroups).
	groups []string
	key    string
	// noFactor: the user has no ACTIVE factor (false when the factors
	// were not read: no claim either way).
	noFactor bool
	// out are the layer's reasons per client type (oktaClientIndex),
	// once decided for this user.
	out [3][]Reason
}

// preparedPolicy is the Office 365 app's policy, ready to evaluate.
type preparedPolicy struct {
	pol    *tenant.OktaPolicy
	rules  []*tenant.OktaRule // ACTIVE, by priority
	worlds []oktaWorld
	// refGroups and refUsers are what the rules' people conditions name.
	refGroups []string
	refUsers  map[string]bool
}

// oktaWorld is what an attacker with the password may or may not
// control: the network zone the sign-in comes from ("" = none of the
// named zones, "*" = some zone) and whether the device is registered or
// managed. The first world, outside every zone on an unknown device, is
// the attacker's; the others are reachable only from named zones or
// trusted devices.
type oktaWorld struct {
	zone    string
	trusted bool
}

func newOktaLayer(e *evaluator) *oktaLayer {
	s := e.s
	l := &oktaLayer{
		e: e, s: s, groupsOK: e.ok(srcOktaGroups), factorsRead: s.FactorsRead(),
		usersByLogin: make(map[string]*tenant.OktaUser, len(s.Okta.Users)), groupsOf: map[string][]string{},
		groupName: map[string]string{}, zoneName: map[string]string{},
		prepared: map[string]*preparedPolicy{}, domainFixed: map[string]*Reason{}, cache: map[oktaKey][]Reason{},
		domains: map[string]oktaDomain{}, keys: map[string]string{},
	}
	l.build()
	return l
}

// fork is a copy of the layer for another worker of e: the indexes are
// shared (read-only), the caches its own.
func (l *oktaLayer) fork(e *evaluator) *oktaLayer {
	c := *l
	c.e = e
	c.prepared, c.domainFixed, c.cache = map[string]*preparedPolicy{}, map[string]*Reason{}, map[oktaKey][]Reason{}
	c.domains, c.keys, c.keyBuf = map[string]oktaDomain{}, map[string]string{}, nil
	return &c
}

func (l *oktaLayer) build() {
	s := l.s
	for k := range s.Okta.Users {
		u := &s.Okta.Users[k]
		if u.Login != "" {
			l.usersByLogin[lower(u.Login)] = u
		}
	}
	named := s.OktaRuleGroups()
	for _, g := range s.Okta.Groups {
		l.groupName[g.ID] = g.Name
		if !named[g.ID] {
			continue // no rule asks (at 100k, "Everyone" alone has every user)
		}
		for _, m := range g.Members {
			if mine := l.groupsOf[m]; !has(mine, g.ID) {
				l.groupsOf[m] = append(mine, g.ID)
			}
		}
	}
	for _, z := range s.Okta.Zones {
		l.zoneName[z.ID] = z.Name
	}
}

func (l *oktaLayer) prepare(pol *tenant.OktaPolicy) *preparedPolicy {
	if pp := l.prepared[pol.ID]; pp != nil {
		return pp
	}
	pp := &preparedPolicy{pol: pol, refUsers: map[string]bool{}}
	groups := map[string]bool{}
	zones := map[string]bool{}
	device, onNetwork := false, false
	for k := range pol.Rules {
		r := &pol.Rules[k]
		if !strings.EqualFold(r.Status, "ACTIVE") {
			continue
		}
		pp.rules = append(pp.rules, r)
		for _, g := range r.GroupsInclude {
			groups[g] = true
		}
		for _, g := range r.GroupsExclude {
			groups[g] = true
		}
		for _, u := range r.UsersInclude {
			pp.refUsers[u] = true
		}
		for _, u := range r.UsersExclude {
			pp.refUsers[u] = true
		}
		switch strings.ToUpper(r.NetworkConnection) {
		case "ZONE":
			for _, z := range r.NetworkInclude {
				zones[z] = true
			}
			for _, z := range r.NetworkExclude {
				zones[z] = true
			}
		case "ON_NETWORK":
			onNetwork = true
		}
		device = device || needsTrustedDevice(r)
	}
	sort.SliceStable(pp.rules, func(a, b int) bool { return pp.rules[a].Priority < pp.rules[b].Priority })
	for g := range groups {
		pp.refGroups = append(pp.refGroups, g)
	}
	sort.Strings(pp.refGroups)
	zoneList := make([]string, 0, len(zones)+1)
	for z := range zones {
		zoneList = append(zoneList, z)
	}
	sort.Strings(zoneList)
	if onNetwork && len(zoneList) == 0 {
		zoneList = append(zoneList, "*")
	}
	pp.worlds = []oktaWorld{{}}
	for _, z := range zoneList {
		pp.worlds = append(pp.worlds, oktaWorld{zone: z})
	}
	if device {
		pp.worlds = append(pp.worlds, oktaWorld{trusted: true})
		for _, z := range zoneList {
			pp.worlds = append(pp.worlds, oktaWorld{zone: z, trusted: true})
		}
	}
	l.prepared[pol.ID] = pp
	return pp
}

func needsTrustedDevice(r *tenant.OktaRule) bool {
	return (r.DeviceRegistered != nil && *r.DeviceRegistered) || (r.DeviceManaged != nil && *r.DeviceManaged) || len(r.DeviceAssurance) > 0
}

// evaluate is the Okta layer for one user, protocol and method: "" when
// Okta is not involved (a managed domain).
func (l *oktaLayer) evaluate(uc *userCtx, p Protocol, meth Method, rs []Reason) ([]Reason, Verdict) {
	if !uc.domKnown {
		return append(rs, Reason{Gate: GateOkta, Effect: EffectUnknown,
			Text: fmt.Sprintf("%s: whether domain %s is federated to Okta is unknown", l.e.missing(srcDomains), uc.ua.Domain)}), Unknown
	}
	if !uc.ua.Federated {
		text := ""
		if t := l.e.names.managed[uc.ua.Domain]; t != nil {
			text = l.e.text(t, uc) // a managed domain Graph lists: one text for all its users
		} else {
			text = fmt.Sprintf("domain %s is managed, not federated: Okta is not involved", uc.ua.Domain)
		}
		return append(rs, Reason{Gate: GateOkta, Effect: EffectNotApplicable, Text: text}), ""
	}
	st := &uc.okta
	if !st.done {
		l.resolve(uc)
	}
	if st.fixed != nil {
		return append(rs, *st.fixed), verdictOfEffect(st.fixed.Effect)
	}
	ct := oktaClient(p, meth)
	c := oktaClientIndex(ct)
	if st.out[c] == nil { // once per user and client type
		key := oktaKey{st.pre.pol.ID, ct, st.key}
		out, hit := l.cache[key]
		if !hit {
			out = l.decide(st, ct)
			l.cache[key] = out
		}
		if verdictOfEffect(out[0].Effect) == MFA && st.noFactor {
			r := out[0]
			r.Text += fmt.Sprintf("; %s has no active Okta factor, so whoever signs in first with the password may be able to enroll one (the authenticator enrollment policy is not collected)", uc.ua.UPN)
			out = append([]Reason{r}, out[1:]...)
		}
		st.out[c] = out
	}
	out := st.out[c]
	return append(rs, out...), verdictOfEffect(out[0].Effect)
}

// oktaClientIndex numbers the client types for oktaUserState.out.
func oktaClientIndex(ct string) int {
	switch ct {
	case oktaLegacy:
		return 0
	case oktaWeb:
		return 1
	}
	return 2
}

func verdictOfEffect(effect string) Verdict {
	switch effect {
	case EffectAllows:
		return Password
	case EffectRestricts:
		return Restricted
	case EffectRequiresMFA:
		return MFA
	case EffectBlocks:
		return Blocked
	case EffectNotApplicable:
		return ""
	}
	return Unknown
}

// resolve finds the user's Office 365 app, its policy and Okta account.
func (l *oktaLayer) resolve(uc *userCtx) {
	st := &uc.okta
	st.done = true
	// uc.dom is the snapshot's domain of the user's (lower-case) domain
	// name: what follows depends on it alone, once per domain.
	d, seen := l.domains[uc.ua.Domain]
	if !seen {
		if d.fixed = l.domainReason(uc.dom); d.fixed == nil {
			app, _ := l.appFor(lower(uc.dom.Name))
			d.pre = l.prepare(l.policyOf(app))
		}
		l.domains[uc.ua.Domain] = d
	}
	if d.fixed != nil {
		st.fixed = d.fixed
		return
	}
	st.pre = d.pre
	if why := l.e.missing(srcOktaUsers); why != "" {
		st.fixed = &Reason{Gate: GateOkta, Effect: EffectUnknown,
			Text: fmt.Sprintf("%s: whether %s has an Okta account is unknown", why, uc.ua.UPN)}
		return
	}
	st.user = l.usersByLogin[lower(uc.ua.UPN)]
	if st.user == nil {
		st.fixed = &Reason{Gate: GateOkta, Effect: EffectBlocks,
			Text: fmt.Sprintf("no Okta account with login %s: Okta cannot sign this user in", uc.ua.UPN)}
		return
	}
	switch strings.ToUpper(st.user.Status) {
	case "SUSPENDED", "DEPROVISIONED", "STAGED", "PROVISIONED":
		st.fixed = &Reason{Gate: GateOkta, Effect: EffectBlocks,
			Text: fmt.Sprintf("Okta account %s is %s: it cannot sign in", uc.ua.UPN, st.user.Status)}
		return
	}
	st.noFactor = l.factorsRead
	for _, f := range st.user.Factors {
		if strings.EqualFold(f.Status, "ACTIVE") {
			st.noFactor = false
		}
	}
	// The rules name only refGroups, so the user's own group set (shared,
	// read-only) answers them as its restriction to refGroups would.
	mine := l.groupsOf[st.user.ID]
	b := l.keyBuf[:0]
	st.groups = mine
	for _, g := range st.pre.refGroups {
		if has(mine, g) {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	if st.pre.refUsers[st.user.ID] {
		b = append(append(b, 0), st.user.ID...)
	}
	l.keyBuf = b
	// Few users stand apart: their standings are interned.
	key, ok := l.keys[string(b)]
	if !ok {
		key = string(b)
		l.keys[key] = key
	}
	st.key = key
}

// domainReason is the reason that decides the Okta layer for every user
// of a federated domain, or nil when the rules can be evaluated.
func (l *oktaLayer) domainReason(dom tenant.Domain) *Reason {
	name := lower(dom.Name)
	if r, done := l.domainFixed[name]; done {
		return r
	}
	r := l.domainReasonUncached(dom)
	l.domainFixed[name] = r
	return r
}

func (l *oktaLayer) domainReasonUncached(dom tenant.Domain) *Reason {
	unknown := func(format string, args ...any) *Reason {
		return &Reason{Gate: GateOkta, Effect: EffectUnknown, Text: fmt.Sprintf(format, args...)}
	}
	if !l.s.Okta.Configured {
		idp := "a federated identity provider"
		if dom.Federation != nil && dom.Federation.IssuerURI != "" {
			idp = dom.Federation.IssuerURI
		}
		return unknown("domain %s is federated to %s, but no Okta org was collected: its sign-on rules are unknown", dom.Name, idp)
	}
	if why := l.e.missing(srcOktaPolicies); why != "" {
		st := l.e.status[srcOktaPolicies]
		if l.s.Okta.Pipeline == "v1" || strings.HasPrefix(st.Error, "Classic Engine") {
			return unknown("Okta Classic Engine: the Office 365 app's sign-on rules are not readable through Okta's API (%s), so Okta's decision is unknown", srcOktaPolicies)
		}
		return unknown("%s: Okta's Office 365 sign-on rules are unknown", why)
	}
	if why := l.e.missing(srcOktaApps); why != "" {
		return unknown("%s: Okta's Office 365 app is unknown", why)
	}
	app, why := l.appFor(lower(dom.Name))
	if app == nil {
		return unknown("%s", why)
	}
	label := app.Label
	if label == "" {
		label = app.ID
	}
	if !strings.EqualFold(app.Status, "ACTIVE") {
		return &Reason{Gate: GateOkta, Effect: EffectBlocks,
			Text: fmt.Sprintf("Okta's Office 365 app %q is %s: federated sign-in to %s fails", label, app.Status, dom.Name)}
	}
	if app.AccessPolicyID == "" {
		return unknown("Okta's Office 365 app %q links no access policy: its sign-on rules are unknown", label)
	}
	if l.policyOf(app) == nil {
		return unknown("Okta policy %s (the access policy of app %q) is not among the collected policies", app.AccessPolicyID, label)
	}
	return nil
}

// appFor picks the Office 365 app whose settings cover the domain, else
// the only one.
func (l *oktaLayer) appFor(domain string) (*tenant.OktaApp, string) {
	var o365 []*tenant.OktaApp
	for k := range l.s.Okta.Apps {
		if a := &l.s.Okta.Apps[k]; strings.EqualFold(a.Name, "office365") {
			o365 = append(o365, a)
		}
	}
	var covering *tenant.OktaApp
	for _, a := range o365 {
		covers := lower(a.Domain) == domain
		for _, d := range a.Domains {
			covers = covers || lower(d) == domain
		}
		if covers && (covering == nil || !strings.EqualFold(covering.Status, "ACTIVE")) {
			covering = a
		}
	}
	switch {
	case covering != nil:
		return covering, ""
	case len(o365) == 1:
		return o365[0], ""
	case len(o365) == 0:
		return nil, "Okta lists no Office 365 app, yet domain " + domain + " is federated: the sign-on rules are unknown"
	}
	return nil, fmt.Sprintf("none of Okta's %d Office 365 apps covers domain %s: the sign-on rules are unknown", len(o365), domain)
}

// policyOf returns the app's access policy (through its accessPolicy
// link, never "the first ACCESS_POLICY"), or nil.
func (l *oktaLayer) policyOf(app *tenant.OktaApp) *tenant.OktaPolicy {
	if app == nil || app.AccessPolicyID == "" {
		return nil
	}
	for k := range l.s.Okta.Policies {
		if l.s.Okta.Policies[k].ID == app.AccessPolicyID {
			return &l.s.Okta.Policies[k]
		}
	}
	return nil
}

type matchKind uint8

const (
	matchNo matchKind = iota
	matchYes
	matchOptional // the attacker decides (platform)
	matchUnknown  // group membership unknown
)

// oktaOutcome is what one rule (or the implicit deny) does.
type oktaOutcome struct {
	v    Verdict
	text string
	// scoped: the text already says the rule holds only in some zones
	// or on trusted devices.
	scoped bool
}

// decide evaluates the policy for one user and client type, worst case
// over what the attacker controls, and returns the layer's reasons (the
// first explains the verdict).
func (l *oktaLayer) decide(st *oktaUserState, ct string) []Reason {
	pp := st.pre
	primary := l.evalWorld(pp, st, ct, pp.worlds[0])
	if primary.v == Unknown {
		return []Reason{{Gate: GateOkta, Effect: EffectUnknown, Text: primary.text}}
	}
	best, bestWorld := primary, -1
	for w := 1; w < len(pp.worlds); w++ {
		o := l.evalWorld(pp, st, ct, pp.worlds[w])
		if o.v == Password {
			o.v = Restricted
		}
		if o.v.Rank() < best.v.Rank() {
			best, bestWorld = o, w
		}
	}
	if bestWorld < 0 {
		return []Reason{{Gate: GateOkta, Effect: effectOf(primary.v), Text: primary.text}}
	}
	w := pp.worlds[bestWorld]
	text := best.text
	if !best.scoped && (best.v == Restricted || best.v == MFA) {
		text += ", " + l.worldText(w)
	}
	return []Reason{
		{Gate: GateOkta, Effect: effectOf(best.v), Text: text},
		{Gate: GateOkta, Effect: effectOf(primary.v), Text: "from anywhere else: " + primary.text},
	}
}

func (l *oktaLayer) worldText(w oktaWorld) string {
	var parts []string
	switch w.zone {
	case "":
	case "*":
		parts = append(parts, "from a network zone")
	default:
		name := l.zoneName[w.zone]
		if name == "" {
			name = w.zone
		}
		parts = append(parts, "from zone "+name)
	}
	if w.trusted {
		parts = append(parts, "on a registered or managed device")
	}
	return "so only " + strings.Join(parts, " ")
}

// evalWorld runs the rules in priority order (first match wins) in one
// world. Rules the attacker may skip (platform conditions) are taken
// only when that is better for the attacker.
func (l *oktaLayer) evalWorld(pp *preparedPolicy, st *oktaUserState, ct string, w oktaWorld) oktaOutcome {
	best := oktaOutcome{v: Blocked, text: fmt.Sprintf("no active rule of Okta policy %q matches %s for this user: Okta denies (implicit deny)",
		pp.pol.Name, oktaClientLabel(ct))}
	for k := len(pp.rules) - 1; k >= 0; k-- {
		r := pp.rules[k]
		switch l.match(r, st, ct, w) {
		case matchNo:
		case matchYes:
			best = l.action(r, ct)
		case matchOptional:
			if a := l.action(r, ct); a.v.Rank() < best.v.Rank() {
				a.text += " (its platform condition is the attacker's choice)"
				best = a
			} else if a.v.Rank() > best.v.Rank() {
				best.text += fmt.Sprintf("; Okta rule %q (priority %d) above it does not protect: its platform condition is the attacker's choice", r.Name, r.Priority)
			}
		case matchUnknown:
			if a := l.action(r, ct); a.v != best.v {
				best = oktaOutcome{v: Unknown, text: fmt.Sprintf("%s: whether the user is in the groups of Okta rule %q (priority %d) is unknown, and it decides",
					l.e.missing(srcOktaGroups), r.Name, r.Priority)}
			}
		}
	}
	return best
}

func (l *oktaLayer) match(r *tenant.OktaRule, st *oktaUserState, ct string, w oktaWorld) matchKind {
	if len(r.Office365Client) > 0 && !hasFold(r.Office365Client, ct) {
		return matchNo
	}
	switch strings.ToUpper(r.NetworkConnection) {
	case "ZONE":
		if len(r.NetworkInclude) > 0 && !has(r.NetworkInclude, w.zone) {
			return matchNo
		}
		if len(r.NetworkExclude) > 0 && has(r.NetworkExclude, w.zone) {
			return matchNo
		}
	case "ON_NETWORK":
		if w.zone == "" {
			return matchNo
		}
	case "OFF_NETWORK":
		if w.zone != "" {
			return matchNo
		}
	}
	if needsTrustedDevice(r) && !w.trusted {
		return matchNo
	}
	uid := st.user.ID
	if len(r.UsersInclude) > 0 && !has(r.UsersInclude, uid) {
		return matchNo
	}
	if has(r.UsersExclude, uid) {
		return matchNo
	}
	if len(r.GroupsInclude) > 0 || len(r.GroupsExclude) > 0 {
		if !l.groupsOK {
			return matchUnknown
		}
		if len(r.GroupsInclude) > 0 && !anyIn(r.GroupsInclude, st.groups) {
			return matchNo
		}
		if anyIn(r.GroupsExclude, st.groups) {
			return matchNo
		}
	}
	if platformMatters(r) {
		return matchOptional
	}
	return matchYes
}

// platformMatters: a platform condition that does not cover every
// platform; the attacker picks the platform, so it never protects.
func platformMatters(r *tenant.OktaRule) bool {
	if len(r.PlatformExclude) > 0 {
		return true
	}
	if len(r.PlatformInclude) == 0 {
		return false
	}
	for _, p := range r.PlatformInclude {
		if strings.EqualFold(p, "ANY/ANY") {
			return false
		}
	}
	return true
}

// action is what a matching rule does to this client type.
func (l *oktaLayer) action(r *tenant.OktaRule, ct string) oktaOutcome {
	head := fmt.Sprintf("Okta rule %q (priority %d)", r.Name, r.Priority)
	client := "every client"
	if len(r.Office365Client) > 0 {
		client = oktaClientLabel(ct)
	}
	people := l.peopleText(r)
	var o oktaOutcome
	switch strings.ToUpper(r.Access) {
	case "DENY":
		o = oktaOutcome{v: Blocked, text: fmt.Sprintf("%s denies %s %s", head, client, people)}
	case "ALLOW":
		switch {
		case !needsFactor(r):
			o = oktaOutcome{v: Password, text: fmt.Sprintf("%s allows %s %s with a password only", head, client, people)}
		case ct == oktaLegacy:
			o = oktaOutcome{v: Blocked, text: fmt.Sprintf("%s allows %s %s only with a factor prompt, which a legacy client cannot answer", head, client, people)}
		default:
			how := "2FA"
			if r.ReauthenticateIn != "" {
				how += ", re-authentication " + r.ReauthenticateIn
			}
			o = oktaOutcome{v: MFA, text: fmt.Sprintf("%s allows %s %s only with MFA (%s)", head, client, people, how)}
		}
	default:
		return oktaOutcome{v: Unknown, text: fmt.Sprintf("%s has no access action harden365 understands (%q)", head, r.Access)}
	}
	if net := l.networkText(r); net != "" {
		o.text += ", " + net
		o.scoped = true
	}
	if needsTrustedDevice(r) {
		o.text += ", from a registered or managed device only"
		o.scoped = true
	}
	var unevaluated []string
	if r.ElCondition != "" {
		unevaluated = append(unevaluated, "elCondition")
	}
	if r.RiskScore != "" && !strings.EqualFold(r.RiskScore, "ANY") {
		unevaluated = append(unevaluated, "riskScore "+r.RiskScore)
	}
	unevaluated = append(unevaluated, r.Unmodelled...)
	if len(unevaluated) > 0 {
		o.text += " (conditions not evaluated, taken as matching: " + strings.Join(unevaluated, ", ") + ")"
	}
	return o
}

// needsFactor: the rule asks for more than a password (2FA, or a single
// factor that is not a knowledge factor).
func needsFactor(r *tenant.OktaRule) bool {
	if strings.EqualFold(r.FactorMode, "2FA") {
		return true
	}
	if len(r.Constraints) == 0 {
		return false
	}
	for _, c := range r.Constraints {
		if strings.Contains(c, "knowledge") {
			return false
		}
	}
	return true
}

func (l *oktaLayer) names(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if n := l.groupName[id]; n != "" {
			out[i] = n
		} else {
			out[i] = id
		}
	}
	return strings.Join(out, ", ")
}

func (l *oktaLayer) peopleText(r *tenant.OktaRule) string {
	var who string
	switch {
	case len(r.GroupsInclude) == 1:
		who = "for group " + l.names(r.GroupsInclude)
	case len(r.GroupsInclude) > 1:
		who = "for groups " + l.names(r.GroupsInclude)
	}
	if len(r.UsersInclude) > 0 {
		users := fmt.Sprintf("%d listed users", len(r.UsersInclude))
		if len(r.UsersInclude) == 1 {
			users = "1 listed user"
		}
		if who == "" {
			who = "for " + users
		} else {
			who += " and " + users
		}
	}
	if who == "" {
		who = "for everyone"
	}
	var except []string
	switch {
	case len(r.GroupsExclude) == 1:
		except = append(except, "group "+l.names(r.GroupsExclude))
	case len(r.GroupsExclude) > 1:
		except = append(except, "groups "+l.names(r.GroupsExclude))
	}
	if n := len(r.UsersExclude); n > 0 {
		except = append(except, fmt.Sprintf("%d listed users", n))
	}
	if len(except) > 0 {
		who += " except " + strings.Join(except, " and ")
	}
	return who
}

func (l *oktaLayer) networkText(r *tenant.OktaRule) string {
	zones := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			if n := l.zoneName[id]; n != "" {
				out[i] = n
			} else {
				out[i] = id
			}
		}
		return strings.Join(out, ", ")
	}
	switch strings.ToUpper(r.NetworkConnection) {
	case "ZONE":
		if len(r.NetworkInclude) > 0 {
			return "from zone " + zones(r.NetworkInclude) + " only"
		}
		if len(r.NetworkExclude) > 0 {
			return "from anywhere but zone " + zones(r.NetworkExclude)
		}
	case "ON_NETWORK":
		return "from a network zone only"
	case "OFF_NETWORK":
		return "from outside the network zones only"
	}
	return ""
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func anyIn(list []string, set []string) bool {
	for _, x := range list {
		if has(set, x) {
			return true
		}
	}
	return false
}
