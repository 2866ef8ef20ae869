package matrix

import (
	"fmt"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// exchangeAppID is "Office 365 Exchange Online".
const exchangeAppID = "00000002-0000-0ff1-ce00-000000000000"

// entraClient is the conditional access clientAppTypes value of a
// sign-in: basic auth is exchangeActiveSync (ActiveSync) or other;
// modern auth is browser (OWA) or mobileAppsAndDesktopClients.
func entraClient(p Protocol, meth Method) string {
	switch {
	case meth == Basic && p == ActiveSync:
		return "exchangeActiveSync"
	case meth == Basic:
		return "other"
	case p == OWA:
		return "browser"
	}
	return "mobileAppsAndDesktopClients"
}

// entraClientIndex numbers the client types for userCtx.entra.
func entraClientIndex(ct string, _ bool) int {
	switch ct {
	case "exchangeActiveSync":
		return 0
	case "other":
		return 1
	case "browser":
		return 2
	}
	return 3
}

func entraClientLabel(ct string) string {
	switch ct {
	case "exchangeActiveSync":
		return "Exchange ActiveSync legacy clients"
	case "other":
		return "other legacy clients"
	case "browser":
		return "browsers"
	}
	return "mobile apps and desktop clients"
}

type entraLayer struct {
	e        *evaluator
	sdWhy    string // why security defaults are unknown ("" = known)
	sdOn     bool
	caWhy    string
	policies []*tenant.CAPolicy // enabled or report-only, aimed at Exchange
	refUsers map[string]bool
	cache    map[entraKey]*[4]*Reason
}

// entraKey is what the layer's answer depends on, besides the client
// type: the user when a policy names it, whether a guest, the federated
// domain. The cache holds the answers per client type
// (entraClientIndex).
type entraKey struct {
	uid        string
	guest, fed bool
	domain     string
}

func newEntraLayer(e *evaluator) *entraLayer {
	l := &entraLayer{e: e, refUsers: map[string]bool{}, cache: map[entraKey]*[4]*Reason{}}
	s := e.s
	if l.sdWhy = e.missing(srcSecDefaults); l.sdWhy == "" {
		if s.Entra.SecurityDefaults == nil {
			l.sdWhy = srcSecDefaults + " returned nothing"
		} else {
			l.sdOn = s.Entra.SecurityDefaults.IsEnabled
		}
	}
	l.caWhy = e.missing(srcCA)
	for k := range s.Entra.ConditionalAccess {
		p := &s.Entra.ConditionalAccess[k]
		if !enforced(p) && !reportOnly(p) || !targetsExchange(p) {
			continue
		}
		l.policies = append(l.policies, p)
		for _, u := range p.IncludeUsers {
			l.refUsers[lower(u)] = true
		}
		for _, u := range p.ExcludeUsers {
			l.refUsers[lower(u)] = true
		}
	}
	return l
}

func enforced(p *tenant.CAPolicy) bool { return strings.EqualFold(p.State, "enabled") }
func reportOnly(p *tenant.CAPolicy) bool {
	return strings.EqualFold(p.State, "enabledForReportingButNotEnforced")
}

func targetsExchange(p *tenant.CAPolicy) bool {
	for _, a := range p.ExcludeApplications {
		if strings.EqualFold(a, "Office365") || strings.EqualFold(a, exchangeAppID) {
			return false
		}
	}
	for _, a := range p.IncludeApplications {
		if strings.EqualFold(a, "All") || strings.EqualFold(a, "Office365") || strings.EqualFold(a, exchangeAppID) {
			return true
		}
	}
	return false
}

func targetsClient(p *tenant.CAPolicy, ct string) bool {
	if len(p.ClientAppTypes) == 0 {
		return true
	}
	for _, c := range p.ClientAppTypes {
		if strings.EqualFold(c, "all") || strings.EqualFold(c, ct) ||
			(ct == "exchangeActiveSync" && strings.EqualFold(c, "easSupported")) {
			return true
		}
	}
	return false
}

type caScope uint8

const (
	scopeNo caScope = iota
	scopeYes
	scopeUnresolved // depends on groups or roles the snapshot cannot resolve
)

func userScope(p *tenant.CAPolicy, uid string, guest bool) caScope {
	in := func(list []string) bool {
		for _, x := range list {
			if (uid != "" && strings.EqualFold(x, uid)) || (guest && strings.EqualFold(x, "GuestsOrExternalUsers")) {
				return true
			}
		}
		return false
	}
	if in(p.ExcludeUsers) {
		return scopeNo
	}
	if !hasFold(p.IncludeUsers, "All") && !in(p.IncludeUsers) {
		if len(p.IncludeGroups)+len(p.IncludeRoles) > 0 {
			return scopeUnresolved
		}
		return scopeNo
	}
	if len(p.ExcludeGroups)+len(p.ExcludeRoles) > 0 {
		return scopeUnresolved
	}
	return scopeYes
}

// grant is what a policy's grant controls do to an attacker with the
// password, and the words for it.
func grant(p *tenant.CAPolicy, basic bool) (Verdict, string) {
	if hasFold(p.BuiltInControls, "block") {
		return Blocked, "blocks"
	}
	if len(p.BuiltInControls) == 0 {
		return Password, "grants access without a control"
	}
	and := strings.EqualFold(p.GrantOperator, "AND")
	var v Verdict
	words := make([]string, 0, len(p.BuiltInControls))
	for _, c := range p.BuiltInControls {
		var cv Verdict
		switch strings.ToLower(c) {
		case "mfa":
			cv = MFA
			words = append(words, "MFA")
		case "compliantdevice":
			cv = Restricted
			words = append(words, "a compliant device")
		case "domainjoineddevice":
			cv = Restricted
			words = append(words, "a hybrid-joined device")
		case "approvedapplication", "compliantapplication":
			// An approved app (Outlook mobile) signs in with a password
			// too; a legacy client is no approved app.
			cv = Password
			if basic {
				cv = Blocked
			}
			words = append(words, "an approved client app")
		case "passwordchange":
			cv = Password
			words = append(words, "a password change")
		default:
			cv = Unknown
			words = append(words, c+" (not evaluated)")
		}
		if basic && (cv == MFA || cv == Restricted) {
			cv = Blocked // a legacy client proves neither a factor nor a device
		}
		if v == "" {
			v = cv
			continue
		}
		v = combineGrant(v, cv, and)
	}
	sep := " or "
	if and {
		sep = " and "
	}
	what := "requires " + strings.Join(words, sep)
	if basic && v == Blocked {
		what += ", which a legacy client cannot provide"
	}
	return v, what
}

// combineGrant joins two controls: with OR the attacker satisfies the
// easier, with AND both.
func combineGrant(a, b Verdict, and bool) Verdict {
	if and {
		switch {
		case a == Blocked || b == Blocked:
			return Blocked
		case a == Unknown || b == Unknown:
			return Unknown
		case idpStrictness(b) > idpStrictness(a):
			return b
		}
		return a
	}
	switch {
	case a == Password || b == Password:
		return Password
	case a == Unknown || b == Unknown:
		return Unknown
	case idpStrictness(b) < idpStrictness(a):
		return b
	}
	return a
}

// mfaBehaviour explains who performs MFA for a federated user.
func mfaBehaviour(dom tenant.Domain) string {
	b := ""
	if dom.Federation != nil {
		b = dom.Federation.FederatedIdpMfaBehavior
	}
	switch strings.ToLower(b) {
	case "enforcemfabyfederatedidp":
		return "federatedIdpMfaBehavior is enforceMfaByFederatedIdp: Entra sends the user back to Okta to perform the MFA"
	case "rejectmfabyfederatedidp":
		return "federatedIdpMfaBehavior is rejectMfaByFederatedIdp: Entra performs the MFA itself and ignores Okta's"
	case "acceptifmfadonebyfederatedidp":
		return "federatedIdpMfaBehavior is acceptIfMfaDoneByFederatedIdp: Entra accepts MFA done at Okta and otherwise prompts itself"
	}
	return "federatedIdpMfaBehavior is not set (acceptIfMfaDoneByFederatedIdp): Entra accepts MFA done at Okta and otherwise prompts itself"
}

// evaluate is the Entra layer: security defaults and conditional access.
// fork is a copy of the layer for another worker of e, with its own cache.
func (l *entraLayer) fork(e *evaluator) *entraLayer {
	c := *l
	c.e = e
	c.cache = map[entraKey]*[4]*Reason{}
	return &c
}

func (l *entraLayer) evaluate(uc *userCtx, p Protocol, meth Method, rs []Reason) ([]Reason, Verdict) {
	ct := entraClient(p, meth)
	// The user's key is found once, at its first client type: the
	// answers for users like it, per client type, come with it.
	if uc.entra == nil {
		uid := lower(uc.ua.ID)
		guest := uc.g != nil && strings.EqualFold(uc.g.UserType, "Guest")
		key := entraKey{guest: guest}
		if l.refUsers[uid] {
			key.uid = uid
		}
		if uc.ua.Federated {
			key.fed, key.domain = true, lower(uc.dom.Name)
		}
		all := l.cache[key]
		if all == nil {
			all = new([4]*Reason)
			l.cache[key] = all
		}
		uc.entra, uc.entraUID, uc.entraGuest = all, uid, guest
	}
	c := entraClientIndex(ct, meth == Basic)
	r := uc.entra[c]
	if r == nil {
		d := l.decide(uc, ct, meth == Basic, uc.entraUID, uc.entraGuest)
		r = &d
		uc.entra[c] = r
	}
	return append(rs, *r), verdictOfEffect(r.Effect)
}

func (l *entraLayer) decide(uc *userCtx, ct string, basic bool, uid string, guest bool) Reason {
	label := entraClientLabel(ct)
	var notes []string
	type hit struct {
		v    Verdict
		text string
	}
	var strongest, unknown *hit
	consider := func(h hit) {
		switch {
		case h.v == Unknown:
			if unknown == nil {
				unknown = &h
			}
		case strongest == nil || idpStrictness(h.v) > idpStrictness(strongest.v):
			strongest = &h
		}
	}
	if l.sdWhy == "" && l.sdOn {
		if basic {
			consider(hit{Blocked, "security defaults are on: Entra blocks legacy authentication"})
		} else {
			consider(hit{MFA, "security defaults are on: Entra requires MFA"})
		}
	}
	if l.caWhy == "" {
		for _, pol := range l.policies {
			if !targetsClient(pol, ct) {
				continue
			}
			scope := userScope(pol, uid, guest)
			if scope == scopeNo {
				continue
			}
			v, what := grant(pol, basic)
			switch {
			case reportOnly(pol):
				notes = append(notes, fmt.Sprintf("report-only policy %q (%s) does not enforce", pol.DisplayName, what))
			case scope == scopeUnresolved:
				notes = append(notes, fmt.Sprintf("policy %q (%s) targets groups or roles the snapshot cannot resolve, so it is not counted as protecting", pol.DisplayName, what))
			default:
				consider(hit{v, fmt.Sprintf("conditional access policy %q %s for %s", pol.DisplayName, what, label)})
			}
		}
	}
	note := ""
	if len(notes) > 0 {
		note = " (" + strings.Join(notes, "; ") + ")"
	}
	r := Reason{Gate: GateEntra}
	switch {
	case strongest != nil && strongest.v == Blocked:
		r.Effect, r.Text = EffectBlocks, strongest.text+note
	case l.sdWhy != "" || l.caWhy != "":
		why := l.sdWhy
		if why == "" {
			why = l.caWhy
		} else if l.caWhy != "" {
			why += " and " + l.caWhy
		}
		r.Effect, r.Text = EffectUnknown, why+": whether Entra blocks or requires MFA for "+label+" is unknown"+note
	case unknown != nil:
		r.Effect, r.Text = EffectUnknown, unknown.text+note
	case strongest == nil:
		r.Effect = EffectAllows
		r.Text = "security defaults are off and no enabled conditional access policy applies to " + label + note
	default:
		r.Effect, r.Text = effectOf(strongest.v), strongest.text+note
		if strongest.v == MFA && uc.ua.Federated {
			r.Text += "; " + mfaBehaviour(uc.dom)
		}
	}
	return r
}
