package remediate

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/tenant"
)

// Sources the steps read (tenant.SourceStatus IDs).
const (
	srcDomains        = "graph.domains"
	srcUsers          = "graph.users"
	srcCA             = "graph.conditionalAccess"
	srcSecDefaults    = "graph.securityDefaults"
	srcOrgConfig      = "exchange.Get-OrganizationConfig"
	srcTransport      = "exchange.Get-TransportConfig"
	srcCASMailbox     = "exchange.Get-CASMailbox"
	srcExoUser        = "exchange.Get-User"
	srcAuthPolicy     = "exchange.Get-AuthenticationPolicy"
	srcCASMailboxPlan = "exchange.Get-CASMailboxPlan"
	srcOktaApps       = "okta.apps"
	srcOktaPolicies   = "okta.policies"
	srcOktaGroups     = "okta.groups"
	srcOktaUsers      = "okta.users"
	srcOktaZones      = "okta.zones"
)

// exoWrite is a cmdlet write.
func exoWrite(cmdlet, target string, params, old, new map[string]any) tenant.Write {
	return tenant.Write{Service: tenant.ServiceExchange, Operation: cmdlet, Target: target, Params: params, Old: old, New: new}
}

// exoUndo is the same cmdlet setting the old values back.
func exoUndo(cmdlet, target string, identity map[string]any, old, new map[string]any) []tenant.Write {
	params := map[string]any{}
	for k, v := range identity {
		params[k] = v
	}
	for k, v := range old {
		params[k] = v
	}
	return []tenant.Write{exoWrite(cmdlet, target, params, new, old)}
}

func orgName(oc *tenant.OrganizationConfig) string {
	if oc.Name != "" {
		return "organization " + oc.Name
	}
	return "the organization"
}

// --- B: modern authentication

func runB(r *run) {
	if !r.need(srcOrgConfig) {
		return
	}
	oc := r.s.Exchange.OrganizationConfig
	if oc == nil {
		r.refuse("Get-OrganizationConfig returned nothing, so whether modern authentication is on is unknown")
		return
	}
	r.instruct(ToolEXO, "Connect-ExchangeOnline (ExchangeOnlineManagement v3; the whitepaper's Connect-EXOPSSession and basic-auth remote PowerShell are retired), then check with Get-OrganizationConfig | Format-List OAuth2ClientProfileEnabled")
	if oc.OAuth2ClientProfileEnabled {
		r.nothing = "modern authentication is already on (OAuth2ClientProfileEnabled True)"
		return
	}
	old, new := map[string]any{"OAuth2ClientProfileEnabled": false}, map[string]any{"OAuth2ClientProfileEnabled": true}
	r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-OrganizationConfig", Target: orgName(oc),
		Params: map[string]any{"OAuth2ClientProfileEnabled": true}, Old: old, New: new,
		Undo: exoUndo("Set-OrganizationConfig", orgName(oc), nil, old, new)})
	oc.OAuth2ClientProfileEnabled = true
	oc.WhenChanged = r.lastAt()
	r.note("Outlook 2013 uses modern authentication only with the registry keys EnableADAL=1 and Version=1 set (HKCU\\Software\\Microsoft\\Office\\15.0\\Common\\Identity); Outlook 2016 and later use it at their next start.")
}

// --- C: legacy protocols per mailbox and in the mailbox plans

// casField is the CASMailbox property of a choice protocol.
func casField(p string) string {
	switch p {
	case "pop":
		return "PopEnabled"
	case "imap":
		return "ImapEnabled"
	case "activesync":
		return "ActiveSyncEnabled"
	}
	return ""
}

func casSwitch(m *tenant.CASMailbox, p string) *bool {
	switch p {
	case "pop":
		return &m.PopEnabled
	case "imap":
		return &m.ImapEnabled
	case "activesync":
		return &m.ActiveSyncEnabled
	}
	return nil
}

func planSwitch(p *tenant.CASMailboxPlan, proto string) *bool {
	switch proto {
	case "pop":
		return &p.PopEnabled
	case "imap":
		return &p.ImapEnabled
	case "activesync":
		return &p.ActiveSyncEnabled
	}
	return nil
}

func runC(r *run) {
	if !r.need(srcCASMailbox, srcCASMailboxPlan) {
		return
	}
	protos := r.c.protocols()
	var names []string
	for _, p := range protos {
		names = append(names, casField(p))
	}
	kept := 0
	for _, ex := range r.c.Exceptions.Users {
		found := false
		for _, m := range r.s.Exchange.CASMailboxes {
			found = found || strings.EqualFold(mailboxUPN(m), ex)
		}
		if !found {
			r.note("declared exception %s has no mailbox (Get-CASMailbox)", ex)
		}
	}
	for i := range r.s.Exchange.CASMailboxes {
		m := &r.s.Exchange.CASMailboxes[i]
		upn := mailboxUPN(*m)
		if !r.inScope(upn) {
			continue
		}
		params := map[string]any{"Identity": m.Identity}
		old, new := map[string]any{}, map[string]any{}
		for _, p := range protos {
			if sw := casSwitch(m, p); *sw {
				old[casField(p)], new[casField(p)], params[casField(p)] = true, false, false
			}
		}
		if len(old) == 0 {
			continue
		}
		if r.c.isException(upn) {
			kept++
			continue
		}
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-CASMailbox", Target: "mailbox " + m.Identity,
			Params: params, Old: old, New: new,
			Undo: exoUndo("Set-CASMailbox", "mailbox "+m.Identity, map[string]any{"Identity": m.Identity}, old, new)})
		for _, p := range protos {
			*casSwitch(m, p) = false
		}
	}
	if kept > 0 {
		r.note("%s keep %s as documented exceptions", plural(kept, "mailbox", "mailboxes"), strings.Join(names, " and "))
	}
	if r.c.Scope.Everyone() {
		for i := range r.s.Exchange.CASMailboxPlans {
			p := &r.s.Exchange.CASMailboxPlans[i]
			params := map[string]any{"Identity": p.Identity}
			old, new := map[string]any{}, map[string]any{}
			for _, proto := range protos {
				if sw := planSwitch(p, proto); *sw {
					old[casField(proto)], new[casField(proto)], params[casField(proto)] = true, false, false
					*sw = false
				}
			}
			if len(old) == 0 {
				continue
			}
			name := p.Name
			if name == "" {
				name = p.Identity
			}
			r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-CASMailboxPlan", Target: "mailbox plan " + name,
				Params: params, Old: old, New: new,
				Undo: exoUndo("Set-CASMailboxPlan", "mailbox plan "+name, map[string]any{"Identity": p.Identity}, old, new)})
		}
	} else {
		r.note("the mailbox plans (defaults for new mailboxes) are left alone: they are organisation-wide and the scope is limited")
	}
	filter := "$_.PopEnabled -or $_.ImapEnabled"
	if r.c.hasProtocol("activesync") || !r.c.hasProtocol("pop") || !r.c.hasProtocol("imap") {
		var f []string
		for _, n := range names {
			f = append(f, "$_."+n)
		}
		filter = strings.Join(f, " -or ")
	}
	var sets []string
	for _, n := range names {
		sets = append(sets, "-"+n+" $false")
	}
	bulk := fmt.Sprintf("Get-CASMailbox -ResultSize Unlimited | Where-Object {%s} | Set-CASMailbox %s", filter, strings.Join(sets, " "))
	if len(r.c.Exceptions.Users) > 0 {
		bulk = fmt.Sprintf("$exceptions = @(%s); Get-CASMailbox -ResultSize Unlimited | Where-Object {(%s) -and $_.PrimarySmtpAddress -notin $exceptions} | Set-CASMailbox %s",
			quoteList(r.c.Exceptions.Users), filter, strings.Join(sets, " "))
	}
	r.instruct(ToolEXO, "In bulk: %s; for new mailboxes: Get-CASMailboxPlan | Set-CASMailboxPlan %s", bulk, strings.Join(sets, " "))
	if len(r.writes) == 0 {
		r.nothing = fmt.Sprintf("%s already off on every mailbox in scope outside the exceptions and in the mailbox plans", strings.Join(names, " and "))
	}
}

func quoteList(xs []string) string {
	var q []string
	for _, x := range xs {
		q = append(q, "'"+strings.ReplaceAll(x, "'", "''")+"'")
	}
	return strings.Join(q, ", ")
}

// --- SMTP-AUTH: the tenant switch and the mailboxes' nulls

// usesSMTP reports whether the inventory shows the user sending with SMTP
// AUTH (the report's smtpApp column or an Authenticated SMTP sign-in).
func usesSMTP(inv []assess.ClientUse, upn string) bool {
	for _, c := range inv {
		if strings.EqualFold(c.User, upn) {
			for _, p := range clientPaths(c) {
				if p.protocol == "smtp" {
					return true
				}
			}
		}
	}
	return false
}

func runSMTPAuth(r *run) {
	if !r.need(srcTransport, srcCASMailbox) {
		return
	}
	tc := r.s.Exchange.TransportConfig
	if tc == nil {
		r.refuse("Get-TransportConfig returned nothing, so the tenant's SMTP AUTH setting is unknown")
		return
	}
	// The inventory is needed only for declared exceptions (who sends
	// with SMTP AUTH): made when first asked for.
	inv := sync.OnceValue(func() []assess.ClientUse { return assess.Inventory(r.s) })
	setMbx := func(m *tenant.CASMailbox, to *bool) {
		old := map[string]any{"SmtpClientAuthenticationDisabled": boolOrNil(m.SmtpClientAuthenticationDisabled)}
		new := map[string]any{"SmtpClientAuthenticationDisabled": boolOrNil(to)}
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-CASMailbox", Target: "mailbox " + m.Identity,
			Params: map[string]any{"Identity": m.Identity, "SmtpClientAuthenticationDisabled": boolOrNil(to)}, Old: old, New: new,
			Undo: exoUndo("Set-CASMailbox", "mailbox "+m.Identity, map[string]any{"Identity": m.Identity}, old, new)})
		if to == nil {
			m.SmtpClientAuthenticationDisabled = nil
		} else {
			v := *to
			m.SmtpClientAuthenticationDisabled = &v
		}
	}
	f := false
	// Exceptions that send with SMTP AUTH and inherit the tenant value
	// get it explicitly before the tenant switch goes off.
	if !tc.SmtpClientAuthenticationDisabled {
		for i := range r.s.Exchange.CASMailboxes {
			m := &r.s.Exchange.CASMailboxes[i]
			upn := mailboxUPN(*m)
			if m.SmtpClientAuthenticationDisabled == nil && r.c.isException(upn) && usesSMTP(inv(), upn) {
				setMbx(m, &f)
				r.note("documented exception %s sends with SMTP AUTH: it keeps it explicitly (SmtpClientAuthenticationDisabled $false) before the tenant switch goes off", upn)
			}
		}
		old, new := map[string]any{"SmtpClientAuthenticationDisabled": false}, map[string]any{"SmtpClientAuthenticationDisabled": true}
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-TransportConfig", Target: "the tenant's transport configuration",
			Params: map[string]any{"SmtpClientAuthenticationDisabled": true}, Old: old, New: new,
			Undo: exoUndo("Set-TransportConfig", "the tenant's transport configuration", nil, old, new)})
		tc.SmtpClientAuthenticationDisabled = true
		tc.WhenChanged = r.lastAt()
	}
	// Mailboxes that turn SMTP AUTH back on, outside the exceptions,
	// inherit the (now off) tenant value again.
	var back []string
	for i := range r.s.Exchange.CASMailboxes {
		m := &r.s.Exchange.CASMailboxes[i]
		upn := mailboxUPN(*m)
		v := m.SmtpClientAuthenticationDisabled
		if v == nil || *v || r.c.isException(upn) || !r.inScope(upn) {
			continue
		}
		setMbx(m, nil)
		back = append(back, m.Identity)
	}
	if len(back) > 0 {
		r.note("%s turned SMTP AUTH back on explicitly; they inherit the tenant value again (null)", plural(len(back), "mailbox", "mailboxes"))
	}
	if !r.c.Scope.Everyone() {
		r.note("SMTP AUTH is a tenant switch: it goes off for everyone, not only the users in scope")
	}
	r.instruct(ToolEXO, "Check afterwards: Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled; Get-CASMailbox -ResultSize Unlimited | Where-Object {$_.SmtpClientAuthenticationDisabled -eq $false} | Format-Table Identity (only documented exceptions should remain; prefer OAuth, a connector or High Volume Email for devices and apps)")
	if len(r.writes) == 0 {
		r.nothing = "SMTP AUTH is already off for the tenant and no mailbox outside the exceptions turns it back on"
	}
}

func boolOrNil(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// --- D: the authentication policy

const (
	blockPolicyName     = "Block Basic Authentication"
	exceptionPolicyName = "Allow Basic Authentication for exceptions"
)

// policyAllows lists the switches a policy turns on; complete is false
// when a switch the cmdlet returns was missing.
func policyAllows(p tenant.AuthPolicy) (on []string, complete bool) {
	complete = true
	for _, sw := range tenant.AuthPolicySwitches {
		v, ok := p.AllowBasicAuth[sw]
		if !ok {
			complete = false
		}
		if v {
			on = append(on, sw)
		}
	}
	return on, complete
}

func blocksAll(p tenant.AuthPolicy) bool {
	on, complete := policyAllows(p)
	return complete && len(on) == 0
}

func findPolicy(s *tenant.Snapshot, name string) *tenant.AuthPolicy {
	for i := range s.Exchange.AuthenticationPolicies {
		p := &s.Exchange.AuthenticationPolicies[i]
		if strings.EqualFold(p.Name, name) || strings.EqualFold(p.Identity, name) {
			return p
		}
	}
	return nil
}

// protocolFlag is the AllowBasicAuth* suffix of a choice protocol.
func protocolFlag(p string) string {
	switch p {
	case "pop":
		return "Pop"
	case "imap":
		return "Imap"
	case "activesync":
		return "ActiveSync"
	}
	return ""
}

func runD(r *run) {
	if !r.need(srcOrgConfig, srcAuthPolicy, srcExoUser) {
		return
	}
	oc := r.s.Exchange.OrganizationConfig
	if oc == nil {
		r.refuse("Get-OrganizationConfig returned nothing, so the org default authentication policy is unknown")
		return
	}
	// The blocking policy: the org default if it blocks everything, else
	// "Block Basic Authentication", else any policy that blocks
	// everything; created when there is none.
	var block *tenant.AuthPolicy
	if p := findPolicy(r.s, oc.DefaultAuthenticationPolicy); oc.DefaultAuthenticationPolicy != "" && p != nil && blocksAll(*p) {
		block = p
	} else if p := findPolicy(r.s, blockPolicyName); p != nil && blocksAll(*p) {
		block = p
	} else {
		for i := range r.s.Exchange.AuthenticationPolicies {
			if p := &r.s.Exchange.AuthenticationPolicies[i]; blocksAll(*p) {
				block = p
				break
			}
		}
	}
	blockName := blockPolicyName
	if block != nil {
		blockName = block.Name
	} else if findPolicy(r.s, blockName) != nil {
		blockName += " (harden365)"
	}
	defBlocks := block != nil && strings.EqualFold(oc.DefaultAuthenticationPolicy, block.Name)
	everyone := r.c.Scope.Everyone()

	// Decide, then act.
	type assign struct {
		x  *tenant.ExchangeUser
		to string
	}
	var assigns, exceptionAssigns []assign
	allows := func(name string) bool {
		if name == "" {
			return true // no policy at all: basic allowed
		}
		p := findPolicy(r.s, name)
		return p == nil || !blocksAll(*p)
	}
	var excFlags []string
	for _, proto := range r.c.protocols() {
		excFlags = append(excFlags, protocolFlag(proto))
	}
	for i := range r.s.Exchange.Users {
		x := &r.s.Exchange.Users[i]
		if !isMailboxUser(*x) {
			continue
		}
		upn := x.UserPrincipalName
		if r.c.isException(upn) {
			// An exception that relies on the default, when the default
			// is about to block, gets its own narrow policy.
			if x.AuthenticationPolicy == "" && everyone && !defBlocks {
				exceptionAssigns = append(exceptionAssigns, assign{x, exceptionPolicyName})
			}
			continue
		}
		if !r.inScope(upn) {
			continue
		}
		switch {
		case x.AuthenticationPolicy != "" && allows(x.AuthenticationPolicy):
			assigns = append(assigns, assign{x, blockName})
		case x.AuthenticationPolicy == "" && !everyone && !defBlocks:
			assigns = append(assigns, assign{x, blockName})
		}
	}
	// An exception that sends with SMTP AUTH (basic) keeps that too, as
	// SMTP-AUTH keeps its mailbox switch.
	if len(exceptionAssigns) > 0 {
		inv := assess.Inventory(r.s)
		for _, a := range exceptionAssigns {
			if usesSMTP(inv, a.x.UserPrincipalName) && !containsFold(excFlags, "Smtp") {
				excFlags = append(excFlags, "Smtp")
			}
		}
	}
	setDefault := everyone && !defBlocks
	if !setDefault && len(assigns) == 0 && len(exceptionAssigns) == 0 {
		r.nothing = fmt.Sprintf("the org default %q allows no basic auth and no user in scope is assigned a policy that allows any", oc.DefaultAuthenticationPolicy)
		if !everyone && !defBlocks {
			r.nothing = "every user in scope is already assigned a policy that allows no basic auth"
		}
		return
	}

	newPolicy := func(name string, flags []string) {
		params := map[string]any{"Name": name}
		allow := map[string]bool{}
		for _, sw := range tenant.AuthPolicySwitches {
			allow[sw] = false
		}
		for _, f := range flags {
			params["AllowBasicAuth"+f] = true
			allow[f] = true
		}
		newVals := map[string]any{"Name": name}
		for _, sw := range tenant.AuthPolicySwitches {
			newVals["AllowBasicAuth"+sw] = allow[sw]
		}
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "New-AuthenticationPolicy", Target: fmt.Sprintf("authentication policy %q", name),
			Params: params, Old: map[string]any{}, New: newVals,
			Undo: []tenant.Write{exoWrite("Remove-AuthenticationPolicy", fmt.Sprintf("authentication policy %q", name),
				map[string]any{"Identity": name, "Confirm": false}, newVals, map[string]any{})}})
		r.s.Exchange.AuthenticationPolicies = append(r.s.Exchange.AuthenticationPolicies,
			tenant.AuthPolicy{Identity: name, Name: name, AllowBasicAuth: allow, WhenChanged: r.lastAt()})
	}
	setUser := func(x *tenant.ExchangeUser, to string) {
		old := map[string]any{"AuthenticationPolicy": strOrNil(x.AuthenticationPolicy)}
		new := map[string]any{"AuthenticationPolicy": to}
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-User", Target: "user " + x.UserPrincipalName,
			Params: map[string]any{"Identity": x.Identity, "AuthenticationPolicy": to}, Old: old, New: new,
			Undo: exoUndo("Set-User", "user "+x.UserPrincipalName, map[string]any{"Identity": x.Identity}, old, new)})
		x.AuthenticationPolicy = to
		x.WhenChanged = r.lastAt()
	}

	if block == nil {
		newPolicy(blockName, nil)
	}
	if len(exceptionAssigns) > 0 {
		ep := findPolicy(r.s, exceptionPolicyName)
		if ep == nil {
			newPolicy(exceptionPolicyName, excFlags)
		} else {
			r.note("documented exceptions get the existing policy %q (it allows %s)", ep.Name, list(func() []string { on, _ := policyAllows(*ep); return on }(), 0))
		}
		for _, a := range exceptionAssigns {
			setUser(a.x, a.to)
		}
		r.note("%s keep basic auth for %s through their own policy %q", plural(len(exceptionAssigns), "documented exception", "documented exceptions"),
			strings.Join(excFlags, " and "), exceptionPolicyName)
	}
	if setDefault {
		old := map[string]any{"DefaultAuthenticationPolicy": strOrNil(oc.DefaultAuthenticationPolicy)}
		new := map[string]any{"DefaultAuthenticationPolicy": blockName}
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-OrganizationConfig", Target: orgName(oc),
			Params: map[string]any{"DefaultAuthenticationPolicy": blockName}, Old: old, New: new,
			Undo: exoUndo("Set-OrganizationConfig", orgName(oc), nil, old, new)})
		oc.DefaultAuthenticationPolicy = blockName
		oc.WhenChanged = r.lastAt()
	}
	sort.SliceStable(assigns, func(i, j int) bool {
		return strings.ToLower(assigns[i].x.UserPrincipalName) < strings.ToLower(assigns[j].x.UserPrincipalName)
	})
	for _, a := range assigns {
		setUser(a.x, a.to)
	}
	r.note("assigning or changing a policy takes up to 24 hours to bite; step F (StsRefreshTokensValidFrom) makes it bite within about 30 minutes")
	if !everyone {
		r.instruct(ToolEXO, "The whitepaper's selection by title: Get-User -ResultSize Unlimited | Where-Object {%s} | ForEach-Object { Set-User -Identity $_.Identity -AuthenticationPolicy '%s' }",
			titleFilter(r.c.Scope.Titles), blockName)
	}
}

func titleFilter(titles []string) string {
	if len(titles) == 0 {
		return "$true"
	}
	var f []string
	for _, t := range titles {
		f = append(f, "$_.Title -like '"+strings.ReplaceAll(t, "'", "''")+"'")
	}
	return strings.Join(f, " -or ")
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
