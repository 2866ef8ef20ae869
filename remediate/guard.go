package remediate

import (
	"fmt"
	"strings"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/tenant"
)

// Lockout rules the guard applies.
const (
	RiskBreakGlass    = "break-glass"
	RiskOperator      = "operator"
	RiskException     = "exception"
	RiskInitialDomain = "initial-domain"
	// RiskCutOff: any other mailbox user left without a way in (a domain
	// federated to an identity provider that has no account for them).
	RiskCutOff = "cut-off"
)

// Risk is one way a plan could lock someone out.
type Risk struct {
	Rule    string `json:"rule"`
	Account string `json:"account"`
	Why     string `json:"why"`
}

func (r Risk) String() string { return fmt.Sprintf("%s %s: %s", r.Rule, r.Account, r.Why) }

// Guard lists the lockout risks of a plan (empty: none). A plan with
// risks is refused unless the operator explicitly allows them
// (--allow-lockout-risk, and a typed confirmation in the wizard):
//
//   - a break-glass or the operator's account that had a way in before the
//     plan has none after it (every protocol and method blocked or
//     unsupported in matrix.Evaluate(p.Simulate(s)); an account without a
//     mailbox is judged as if it had one with every protocol on, so that
//     the identity gates decide);
//   - a declared exception user that had a way in on a protocol it needs
//     (the chosen protocols, and those its mail clients use) has none
//     after it;
//   - the plan federates the initial *.onmicrosoft.com domain;
//   - any other mailbox user who can read mail before the plan has no way
//     in after it (the impact's "loses every way in"): a lockout too, if
//     not of an administrator.
func Guard(p *Plan, s *tenant.Snapshot, c Choices) []Risk {
	if p == nil || s == nil {
		return nil
	}
	return guard(p, s, c, p.Simulate(s), nil, nil, nil, nil)
}

// guard is Guard with the plan's simulated state (after) and, when the
// caller has them, s's inventory (nil: made if an exception needs it) and
// the matrices of every user before and after the plan (nil: evaluated),
// with the rows of allBefore's users (nil: users are looked up by UPN).
func guard(p *Plan, s *tenant.Snapshot, c Choices, after *tenant.Snapshot, inv []assess.ClientUse, allBefore, allAfter *matrix.Matrix, rows *userRows) []Risk {
	var risks []Risk
	for _, ps := range p.Steps {
		for i := range ps.Writes {
			risks = initialDomainWrite(risks, s, &ps.Writes[i])
		}
	}
	for _, d := range after.Domains {
		if !d.Federated() || !initialDomain(s, d.Name) {
			continue
		}
		if bd, ok := s.Domain(d.Name); ok && !bd.Federated() && !hasRisk(risks, RiskInitialDomain, d.Name) {
			risks = append(risks, Risk{Rule: RiskInitialDomain, Account: d.Name, Why: "after the plan the initial domain " + d.Name + " is federated; it must stay managed"})
		}
	}

	// Accounts that must keep a way in.
	type account struct{ rule, upn string }
	var accounts []account
	for _, bg := range c.BreakGlass {
		accounts = append(accounts, account{RiskBreakGlass, bg})
	}
	if c.Operator != "" {
		accounts = append(accounts, account{RiskOperator, c.Operator})
	}
	var extra []string
	for _, a := range accounts {
		if !hasMailbox(s, a.upn) && graphUser(s, a.upn) != nil {
			extra = append(extra, a.upn)
		}
	}
	// Only these accounts are looked at: judge only them (a user's row
	// depends on the organisation and that user alone).
	var watched []string
	for _, a := range accounts {
		watched = append(watched, a.upn)
	}
	watched = append(watched, c.Exceptions.Users...)
	var mb, ma *matrix.Matrix
	switch {
	case len(watched) == 0: // no one to follow
		mb, ma = &matrix.Matrix{}, &matrix.Matrix{}
	case len(extra) == 0 && allBefore != nil && allAfter != nil:
		// Every account has its mailbox: the caller's matrices give
		// their rows already.
		mb, ma = allBefore, allAfter
	default:
		mb = matrix.EvaluateUsers(withPseudoMailboxes(s, extra), watched)
		ma = matrix.EvaluateUsers(withPseudoMailboxes(after, extra), watched)
	}
	for _, a := range accounts {
		ub, ua := mb.User(a.upn), ma.User(a.upn)
		if ub == nil || ua == nil {
			risks = append(risks, Risk{Rule: a.rule, Account: a.upn,
				Why: "not an Entra user or mailbox in the snapshot, so harden365 cannot check that the plan leaves it a way in: correct the name in the choices"})
			continue
		}
		if hasWayIn(ub) && !hasWayIn(ua) {
			risks = append(risks, Risk{Rule: a.rule, Account: a.upn,
				Why: "has a way in before the plan and none after it (every protocol and method blocked or unsupported): " + blockingReason(ua, matrix.OWA, matrix.Modern)})
		}
	}

	// Nobody else is cut off either.
	named := map[string]bool{}
	for _, a := range accounts {
		named[strings.ToLower(a.upn)] = true
	}
	if allBefore == nil {
		allBefore = matrix.Evaluate(s)
	}
	if allAfter == nil {
		allAfter = matrix.Evaluate(after)
	}
	aligned := rows != nil && rows.aligned(allBefore) && rows.aligned(allAfter)
	for i := range allBefore.Users {
		ub := &allBefore.Users[i]
		if named[strings.ToLower(ub.UPN)] {
			continue
		}
		if aligned {
			if j := rows.first[i]; rows.wayIn(allBefore, i) && !rows.wayIn(allAfter, j) {
				risks = append(risks, Risk{Rule: RiskCutOff, Account: ub.UPN,
					Why: "can read mail before the plan and has no way in after it: " + blockingReason(&allAfter.Users[j], matrix.OWA, matrix.Modern)})
			}
			continue
		}
		if ua := allAfter.User(ub.UPN); ua != nil && hasWayIn(ub) && !hasWayIn(ua) {
			risks = append(risks, Risk{Rule: RiskCutOff, Account: ub.UPN,
				Why: "can read mail before the plan and has no way in after it: " + blockingReason(ua, matrix.OWA, matrix.Modern)})
		}
	}

	// Exceptions keep a path for the protocols they need.
	if inv == nil && len(c.Exceptions.Users) > 0 {
		inv = assess.Inventory(s)
	}
	for _, ex := range c.Exceptions.Users {
		ub, ua := mb.User(ex), ma.User(ex)
		if ub == nil || ua == nil {
			continue
		}
		need := map[matrix.Protocol]bool{}
		for _, proto := range c.protocols() {
			need[matrix.Protocol(proto)] = true
		}
		for _, cu := range inv {
			if strings.EqualFold(cu.User, ex) {
				for _, pth := range clientPaths(cu) {
					need[pth.protocol] = true
				}
			}
		}
		var cut []string
		var why string
		for _, proto := range matrix.Protocols {
			if !need[proto] {
				continue
			}
			was, is := false, false
			for _, m := range matrix.Methods {
				was = was || usable(ub.Verdict(proto, m))
				is = is || usable(ua.Verdict(proto, m))
			}
			if was && !is {
				cut = append(cut, string(proto))
				if why == "" {
					why = blockingReason(ua, proto, matrix.Basic)
				}
			}
		}
		if len(cut) > 0 {
			risks = append(risks, Risk{Rule: RiskException, Account: ex,
				Why: fmt.Sprintf("a declared exception, left without any way in over %s after the plan: %s", strings.Join(cut, ", "), why)})
		}
	}
	return risks
}

// initialDomainWrite adds the risk of w federating the initial domain.
func initialDomainWrite(risks []Risk, s *tenant.Snapshot, w *tenant.Write) []Risk {
	if w.Service != tenant.ServiceGraph {
		return risks
	}
	federates := w.Operation == "POST /domains/{id}/federationConfiguration" ||
		(w.Operation == "PATCH /domains/{id}" && fmt.Sprint(w.Params["authenticationType"]) == "Federated")
	if d := pathPart(w.Path, 1); federates && initialDomain(s, d) {
		risks = append(risks, Risk{Rule: RiskInitialDomain, Account: d,
			Why: fmt.Sprintf("write %s federates the initial domain %s, which must stay managed: it is the way in (break-glass accounts, the tenant's own address) when the identity provider fails", w.ID, d)})
	}
	return risks
}

func hasRisk(rs []Risk, rule, account string) bool {
	for _, r := range rs {
		if r.Rule == rule && strings.EqualFold(r.Account, account) {
			return true
		}
	}
	return false
}

func hasMailbox(s *tenant.Snapshot, upn string) bool {
	for _, m := range s.Exchange.CASMailboxes {
		if strings.EqualFold(mailboxUPN(m), upn) {
			return true
		}
	}
	return false
}

// withPseudoMailboxes adds, to a copy of s, a mailbox with every protocol
// on for each of the accounts, so that the matrix judges their sign-in by
// the account, policy and identity-provider gates.
func withPseudoMailboxes(s *tenant.Snapshot, upns []string) *tenant.Snapshot {
	if len(upns) == 0 {
		return s
	}
	out := *s
	out.Exchange.CASMailboxes = append([]tenant.CASMailbox(nil), s.Exchange.CASMailboxes...)
	for _, upn := range upns {
		g := graphUser(s, upn)
		alias := upn
		for _, x := range s.Exchange.Users {
			if strings.EqualFold(x.UserPrincipalName, upn) || (x.ExternalDirectoryObjectID != "" && strings.EqualFold(x.ExternalDirectoryObjectID, g.ID)) {
				alias = x.Identity
			}
		}
		m := tenant.CASMailbox{Identity: alias, PrimarySmtpAddress: g.UserPrincipalName, ExternalDirectoryObjectID: g.ID, DisplayName: g.DisplayName,
			OWAEnabled: true, MAPIEnabled: true, EwsEnabled: true, ActiveSyncEnabled: true, PopEnabled: true, ImapEnabled: true}
		out.Exchange.CASMailboxes = append(out.Exchange.CASMailboxes, m)
	}
	return &out
}

// blockingReason is the text of the gate that closes a cell.
func blockingReason(u *matrix.UserAccess, p matrix.Protocol, m matrix.Method) string {
	a := u.Access(p, m)
	for _, r := range a.Reasons {
		if r.Effect == matrix.EffectBlocks || r.Effect == matrix.EffectUnsupported {
			return r.Text
		}
	}
	if len(a.Reasons) > 0 {
		return a.Reasons[len(a.Reasons)-1].Text
	}
	return string(a.Verdict)
}

// RiskSummary states risks one a line: one line per declared account or
// domain, and the users simply cut off folded into one (there may be
// thousands of them).
func RiskSummary(risks []Risk) []string {
	var out, cut []string
	why := ""
	for _, r := range risks {
		if r.Rule == RiskCutOff {
			cut = append(cut, r.Account)
			if why == "" {
				why = r.Why
			}
			continue
		}
		out = append(out, r.String())
	}
	switch len(cut) {
	case 0:
	case 1:
		out = append(out, fmt.Sprintf("%s %s: %s", RiskCutOff, cut[0], why))
	default:
		shown := cut[:min(len(cut), 3)]
		more := ""
		if len(cut) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(cut)-len(shown))
		}
		out = append(out, fmt.Sprintf("%s: %d users can read mail before the plan and have no way in after it (%s%s); the first: %s",
			RiskCutOff, len(cut), strings.Join(shown, ", "), more, why))
	}
	return out
}
