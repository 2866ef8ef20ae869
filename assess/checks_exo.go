package assess

import (
	"fmt"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// The Exchange Online checks: B (modern auth), C (POP/IMAP), D
// (authentication policies) and the SMTP AUTH and mailbox-plan extras.

const connectEXO = "In Exchange Online PowerShell (ExchangeOnlineManagement v3: Connect-ExchangeOnline; the whitepaper's Connect-EXOPSSession and basic-auth remote PowerShell are retired)"

// mailboxUsers lists every mailbox user: the mailboxes, else the Get-User
// rows with a mailbox, else the Graph users with a mail address.
func (e *env) mailboxUsers() []string {
	if e.ok(srcCASMailbox) {
		return e.mailboxUPNs()
	}
	var out []string
	if e.ok(srcExoUser) {
		for _, u := range e.s.Exchange.Users {
			if isMailboxUser(u) {
				out = append(out, u.UserPrincipalName)
			}
		}
		return out
	}
	for _, u := range e.s.Users {
		if u.Mail != "" {
			out = append(out, u.UserPrincipalName)
		}
	}
	return out
}

func checkModernAuth(e *env) Finding {
	if m := e.missing(srcOrgConfig); len(m) > 0 {
		return cannotJudge("whether modern authentication is on (Get-OrganizationConfig)", m)
	}
	oc := e.s.Exchange.OrganizationConfig
	if oc == nil {
		return cannotJudge("whether modern authentication is on", []tenant.SourceStatus{{ID: srcOrgConfig, State: "missing", Error: "no organisation config in the snapshot"}})
	}
	ev := []string{"Get-OrganizationConfig: OAuth2ClientProfileEnabled = " + psBool(oc.OAuth2ClientProfileEnabled)}
	if oc.OAuth2ClientProfileEnabled {
		return Finding{Status: Pass, Evidence: ev,
			Detail: "Modern authentication is on (OAuth2ClientProfileEnabled = True): Outlook and other modern clients sign in with OAuth at the identity provider, where MFA applies. Nothing to do; keep it on (check with Get-OrganizationConfig | Format-List OAuth2ClientProfileEnabled)."}
	}
	return Finding{Status: Fail, Evidence: ev, AffectedUsers: e.mailboxUsers(),
		Detail: "Modern authentication is off (OAuth2ClientProfileEnabled = False): modern-capable clients such as Outlook 2013 and 2016 fall back to basic auth, where a password alone is enough and Okta cannot ask for a second factor. " +
			connectEXO + ": Set-OrganizationConfig -OAuth2ClientProfileEnabled $true, then check with Get-OrganizationConfig | Format-List OAuth2ClientProfileEnabled."}
}

func checkLegacyProtocols(e *env) Finding {
	if m := e.missing(srcCASMailbox, srcCASMailboxPlan); len(m) > 0 {
		return cannotJudge("which mailboxes have POP or IMAP on (Get-CASMailbox, Get-CASMailboxPlan)", m)
	}
	var open, excepted, ev, exLines []string
	eas := 0
	for _, m := range e.s.Exchange.CASMailboxes {
		if m.ActiveSyncEnabled {
			eas++
		}
		if !m.PopEnabled && !m.ImapEnabled {
			continue
		}
		name := mailboxName(m)
		line := fmt.Sprintf("Get-CASMailbox %s: PopEnabled = %s, ImapEnabled = %s", name, psBool(m.PopEnabled), psBool(m.ImapEnabled))
		if e.isException(name) {
			excepted = append(excepted, name)
			exLines = append(exLines, line+" (documented exception)")
			continue
		}
		open = append(open, name)
		ev = append(ev, line)
	}
	ev = append(exLines, capped(ev, 30)...)
	var plans []string
	for _, p := range e.s.Exchange.CASMailboxPlans {
		ev = append(ev, fmt.Sprintf("Get-CASMailboxPlan %s: PopEnabled = %s, ImapEnabled = %s, ActiveSyncEnabled = %s",
			planName(p), psBool(p.PopEnabled), psBool(p.ImapEnabled), psBool(p.ActiveSyncEnabled)))
		if p.PopEnabled || p.ImapEnabled {
			plans = append(plans, planName(p))
		}
	}
	ev = append(ev, fmt.Sprintf("ActiveSyncEnabled = True on %d of %d mailboxes (step C's optional switch; who may use ActiveSync is judged by OKTA-DENY-LEGACY and ENTRA-LEGACY-BLOCK)",
		eas, len(e.s.Exchange.CASMailboxes)))

	if len(open) == 0 && len(plans) == 0 {
		d := "No mailbox has POP or IMAP on, and every mailbox plan creates new mailboxes with them off. Nothing to do."
		if len(excepted) > 0 {
			d = fmt.Sprintf("No mailbox outside the documented exceptions has POP or IMAP on (%s keep them), and every mailbox plan creates new mailboxes with them off. Nothing to do; review the exceptions now and then.", list(excepted, 10))
		}
		return Finding{Status: Pass, Detail: d, Evidence: ev}
	}
	var found []string
	if len(open) > 0 {
		found = append(found, fmt.Sprintf("POP or IMAP is on for %s (%s)", plural(len(open), "mailbox", "mailboxes"), list(sortedCopy(open), 8)))
	}
	if len(plans) > 0 {
		found = append(found, fmt.Sprintf("%s create new mailboxes with POP or IMAP on", plural(len(plans), "mailbox plan", "mailbox plans")))
	}
	why := "POP and IMAP clients cannot do MFA: with basic auth a password alone reads the mailbox."
	if basicAuthRetired(e.s.AsOf) {
		why = "Exchange Online now accepts only OAuth on POP and IMAP, but every mailbox that keeps them on is attack surface nobody uses (tokens and app consents reach mail through them)."
	}
	fix := " " + connectEXO + ": Get-CASMailbox -ResultSize Unlimited | Where-Object {$_.PopEnabled -or $_.ImapEnabled} | Set-CASMailbox -PopEnabled $false -ImapEnabled $false"
	if len(e.exceptions) > 0 {
		fix = " " + connectEXO + ": Get-CASMailbox -ResultSize Unlimited | Where-Object {($_.PopEnabled -or $_.ImapEnabled) -and $_.PrimarySmtpAddress -notin $exceptions} | Set-CASMailbox -PopEnabled $false -ImapEnabled $false (keep the documented exceptions)"
	}
	fix += "; and for new mailboxes: Get-CASMailboxPlan | Set-CASMailboxPlan -PopEnabled $false -ImapEnabled $false."
	f := Finding{Status: Fail, Evidence: ev, Detail: strings.Join(found, "; ") + ". " + why + fix}
	if len(open) > 0 {
		f.AffectedUsers = open
	} else {
		f.Affected = len(plans)
	}
	return f
}

func planName(p tenant.CASMailboxPlan) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Identity
}

// allowed lists the AllowBasicAuth* switches a policy turns on, in the
// cmdlet's order (then any unknown ones, sorted).
func allowed(p tenant.AuthPolicy) []string {
	var out []string
	known := map[string]bool{}
	for _, sw := range tenant.AuthPolicySwitches {
		known[sw] = true
		if p.AllowBasicAuth[sw] {
			out = append(out, sw)
		}
	}
	var extra []string
	for sw, on := range p.AllowBasicAuth {
		if on && !known[sw] {
			extra = append(extra, sw)
		}
	}
	return append(out, sortedCopy(extra)...)
}

func (e *env) authPolicy(name string) (tenant.AuthPolicy, bool) {
	for _, p := range e.s.Exchange.AuthenticationPolicies {
		if strings.EqualFold(p.Name, name) || strings.EqualFold(p.Identity, name) {
			return p, true
		}
	}
	return tenant.AuthPolicy{}, false
}

func policyLine(p tenant.AuthPolicy) string {
	a := allowed(p)
	if len(a) == 0 {
		return fmt.Sprintf("Get-AuthenticationPolicy %q: every AllowBasicAuth* switch = False", p.Name)
	}
	parts := make([]string, len(a))
	for i, sw := range a {
		parts[i] = "AllowBasicAuth" + sw + " = True"
	}
	return fmt.Sprintf("Get-AuthenticationPolicy %q: %s", p.Name, strings.Join(parts, ", "))
}

func checkBasicAuthPolicy(e *env) Finding {
	if m := e.missing(srcOrgConfig, srcAuthPolicy, srcExoUser); len(m) > 0 {
		return cannotJudge("which authentication policy applies to whom (Get-OrganizationConfig, Get-AuthenticationPolicy, Get-User)", m)
	}
	oc := e.s.Exchange.OrganizationConfig
	if oc == nil {
		return cannotJudge("the org default authentication policy", []tenant.SourceStatus{{ID: srcOrgConfig, State: "missing", Error: "no organisation config in the snapshot"}})
	}
	var ev []string
	def := oc.DefaultAuthenticationPolicy
	defPol, defFound := e.authPolicy(def)
	defBlocks := def != "" && defFound && len(allowed(defPol)) == 0
	if def == "" {
		ev = append(ev, "Get-OrganizationConfig: DefaultAuthenticationPolicy = null")
	} else {
		ev = append(ev, fmt.Sprintf("Get-OrganizationConfig: DefaultAuthenticationPolicy = %q", def))
	}
	if len(e.s.Exchange.AuthenticationPolicies) == 0 {
		ev = append(ev, "Get-AuthenticationPolicy: no policies")
	}
	for _, p := range e.s.Exchange.AuthenticationPolicies {
		ev = append(ev, policyLine(p))
	}

	var badAssigned, unknownAssigned, exposed, exceptionNotes []string
	for _, u := range e.s.Exchange.Users {
		if !isMailboxUser(u) {
			continue
		}
		name := u.UserPrincipalName
		if u.AuthenticationPolicy == "" {
			if !defBlocks {
				exposed = append(exposed, name)
			}
			continue
		}
		p, ok := e.authPolicy(u.AuthenticationPolicy)
		switch {
		case !ok:
			unknownAssigned = append(unknownAssigned, name)
			ev = append(ev, fmt.Sprintf("Get-User %s: AuthenticationPolicy = %q (no such policy was returned)", name, u.AuthenticationPolicy))
		case len(allowed(p)) > 0:
			line := fmt.Sprintf("Get-User %s: AuthenticationPolicy = %q (allows basic auth for %s)", name, p.Name, strings.Join(allowed(p), ", "))
			if e.isException(name) {
				exceptionNotes = append(exceptionNotes, name)
				ev = append(ev, line+" - documented exception")
				continue
			}
			badAssigned = append(badAssigned, name)
			exposed = append(exposed, name)
			ev = append(ev, line)
		}
	}
	assigned := 0
	for _, u := range e.s.Exchange.Users {
		if isMailboxUser(u) && u.AuthenticationPolicy != "" {
			assigned++
		}
	}
	ev = append(ev, fmt.Sprintf("Get-User: %s carry an assigned AuthenticationPolicy; the others get the org default", plural(assigned, "mailbox user", "mailbox users")))

	today := ""
	if basicAuthRetired(e.s.AsOf) {
		today = " Since October 2022 Microsoft refuses basic auth on every Exchange Online protocol except SMTP AUTH, so today the policy decides SMTP AUTH basic (until Microsoft removes it: disabled by default for existing tenants at the end of December 2026)."
	}
	if defBlocks && len(badAssigned) == 0 {
		if len(unknownAssigned) > 0 {
			return Finding{Status: Warn, Evidence: ev, AffectedUsers: unknownAssigned,
				Detail: fmt.Sprintf("The org default %q allows no basic auth, but %s assigned a policy that Get-AuthenticationPolicy did not return (%s), so what it allows is unknown. Check with Get-User -Identity <user> | Format-List AuthenticationPolicy, and reassign: Set-User -Identity <user> -AuthenticationPolicy %q.",
					def, plural(len(unknownAssigned), "user is", "users are"), list(unknownAssigned, 8), def)}
		}
		d := fmt.Sprintf("The org default authentication policy %q allows no basic auth, and no user is assigned a policy that allows any. Nothing to do.", def)
		if len(exceptionNotes) > 0 {
			d = fmt.Sprintf("The org default authentication policy %q allows no basic auth; only documented exceptions (%s) are assigned a policy that allows some. Nothing to do; review the exceptions now and then.", def, list(exceptionNotes, 8))
		}
		return Finding{Status: Pass, Evidence: ev, Detail: d + today}
	}

	var found []string
	switch {
	case def == "":
		found = append(found, "There is no org default authentication policy (DefaultAuthenticationPolicy is null), so basic auth is allowed for everyone without an assigned policy")
	case !defFound:
		found = append(found, fmt.Sprintf("The org default %q names a policy Get-AuthenticationPolicy did not return", def))
	case !defBlocks:
		found = append(found, fmt.Sprintf("The org default %q allows basic auth for %s", def, strings.Join(allowed(defPol), ", ")))
	}
	if len(badAssigned) > 0 {
		found = append(found, fmt.Sprintf("%s assigned a policy that allows basic auth (%s)", plural(len(badAssigned), "user is", "users are"), list(sortedCopy(badAssigned), 8)))
	}
	name := "Block Basic Authentication"
	if defBlocks {
		name = def
	} else {
		for _, p := range e.s.Exchange.AuthenticationPolicies {
			if len(allowed(p)) == 0 {
				name = p.Name
				break
			}
		}
	}
	fix := " " + connectEXO + ": "
	if _, exists := e.authPolicy(name); !exists {
		fix += fmt.Sprintf("New-AuthenticationPolicy -Name %q (every AllowBasicAuth* switch is off by default), then ", name)
	}
	if !defBlocks {
		fix += fmt.Sprintf("Set-OrganizationConfig -DefaultAuthenticationPolicy %q", name)
	}
	if len(badAssigned) > 0 {
		if !defBlocks {
			fix += "; "
		}
		fix += fmt.Sprintf("move the listed users with Set-User -Identity <user> -AuthenticationPolicy %q (a documented exception gets its own policy that allows only what it needs)", name)
	}
	fix += "; make it bite now rather than within 24 hours with Set-User -Identity <user> -STSRefreshTokensValidFrom ([DateTime]::UtcNow). Check CLIENTS-LEGACY first: mail clients without modern auth stop working."
	return Finding{Status: Fail, Evidence: ev, AffectedUsers: exposed, Detail: strings.Join(found, "; ") + "." + fix + today}
}

// effectivePolicy is the authentication policy that applies to a user:
// the assigned one, else the org default (ok false when none applies or it
// is unknown).
func (e *env) effectivePolicy(upn string) (tenant.AuthPolicy, bool) {
	name := ""
	if oc := e.s.Exchange.OrganizationConfig; oc != nil {
		name = oc.DefaultAuthenticationPolicy
	}
	if p := e.assignedPolicies()[tenant.FoldKey(upn)]; p != "" {
		name = p
	}
	if name == "" {
		return tenant.AuthPolicy{}, false
	}
	return e.authPolicy(name)
}

// assignedPolicies maps each UPN (tenant.FoldKey) to the authentication
// policy its Get-User rows assign (the last row's that names one), made
// once: effectivePolicy is asked for every mailbox.
func (e *env) assignedPolicies() map[string]string {
	e.policiesOnce.Do(func() {
		e.policies = map[string]string{}
		for _, u := range e.s.Exchange.Users {
			if u.AuthenticationPolicy != "" {
				e.policies[tenant.FoldKey(u.UserPrincipalName)] = u.AuthenticationPolicy
			}
		}
	})
	return e.policies
}

func checkSMTPAuth(e *env) Finding {
	if m := e.missing(srcTransportConfig, srcCASMailbox); len(m) > 0 {
		return cannotJudge("where SMTP AUTH is on (Get-TransportConfig, Get-CASMailbox; a mailbox's null inherits the tenant value)", m)
	}
	tc := e.s.Exchange.TransportConfig
	if tc == nil {
		return cannotJudge("the tenant's SMTP AUTH setting", []tenant.SourceStatus{{ID: srcTransportConfig, State: "missing", Error: "no transport config in the snapshot"}})
	}
	tenantOff := tc.SmtpClientAuthenticationDisabled
	var enabled, backOn, excepted []string
	nulls, explicitOff := 0, 0
	for _, m := range e.s.Exchange.CASMailboxes {
		name := mailboxName(m)
		disabled := tenantOff
		switch {
		case m.SmtpClientAuthenticationDisabled == nil:
			nulls++
		case *m.SmtpClientAuthenticationDisabled:
			explicitOff++
			disabled = true
		default:
			disabled = false
			backOn = append(backOn, name)
		}
		if disabled {
			continue
		}
		if e.isException(name) {
			excepted = append(excepted, name)
			continue
		}
		enabled = append(enabled, name)
	}
	inherit := "disabled"
	if !tenantOff {
		inherit = "enabled"
	}
	ev := []string{
		"Get-TransportConfig: SmtpClientAuthenticationDisabled = " + psBool(tenantOff),
		fmt.Sprintf("Get-CASMailbox: SmtpClientAuthenticationDisabled = null on %d mailboxes (inherit the tenant: %s), True on %d, False on %d",
			nulls, inherit, explicitOff, len(backOn)),
	}
	for _, n := range sortedCopy(backOn) {
		line := "Get-CASMailbox " + n + ": SmtpClientAuthenticationDisabled = False (turns SMTP AUTH on)"
		if e.isException(n) {
			line += " - documented exception"
		}
		ev = append(ev, line)
	}
	basicBlocked := 0
	if e.ok(srcOrgConfig) && e.ok(srcAuthPolicy) && e.ok(srcExoUser) {
		for _, n := range enabled {
			if p, ok := e.effectivePolicy(n); ok && !p.AllowBasicAuth["Smtp"] {
				basicBlocked++
			}
		}
		if len(enabled) > 0 {
			ev = append(ev, fmt.Sprintf("of the %d mailboxes with SMTP AUTH on, %d have an authentication policy that refuses basic SMTP (AllowBasicAuthSmtp = False); OAuth SMTP AUTH still works for them",
				len(enabled), basicBlocked))
		}
	} else if len(enabled) > 0 {
		// Say what could not be read rather than leave the line out.
		for _, st := range e.missing(srcOrgConfig, srcAuthPolicy, srcExoUser) {
			ev = append(ev, fmt.Sprintf("whether the %d mailboxes with SMTP AUTH on have an authentication policy that refuses basic SMTP is not known: %s could not be read; %s",
				len(enabled), label(st.ID), fixFor(st)))
		}
	}

	if tenantOff && len(enabled) == 0 {
		d := "SMTP AUTH is off for the tenant (Get-TransportConfig SmtpClientAuthenticationDisabled = True) and no mailbox turns it back on. Nothing to do."
		if len(excepted) > 0 {
			d = fmt.Sprintf("SMTP AUTH is off for the tenant; only documented exceptions (%s) turn it back on. Nothing to do; review the exceptions now and then.", list(excepted, 8))
		}
		return Finding{Status: Pass, Evidence: ev, Detail: d}
	}
	var found []string
	if !tenantOff {
		found = append(found, "SMTP AUTH is on for the tenant (Get-TransportConfig SmtpClientAuthenticationDisabled = False), and every mailbox whose value is null inherits it")
	}
	found = append(found, fmt.Sprintf("SMTP AUTH is effectively on for %s", plural(len(enabled), "mailbox", "mailboxes")))
	why := " SMTP AUTH lets a client send as the user with a password alone and tells a password sprayer which passwords are right."
	if basicAuthRetired(e.s.AsOf) {
		why = " SMTP AUTH is the last Exchange Online protocol that still takes basic auth (Microsoft disables it by default for existing tenants at the end of December 2026): a password alone sends as the user and confirms the password to a sprayer."
	}
	fix := " " + connectEXO + ": Set-TransportConfig -SmtpClientAuthenticationDisabled $true"
	if len(backOn) > 0 {
		fix += "; for the mailboxes that turn it back on, Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $null (or $true), keeping $false only for documented exceptions (prefer OAuth, a connector or High Volume Email for devices and apps)"
	}
	fix += "."
	return Finding{Status: Fail, Evidence: ev, AffectedUsers: enabled, Detail: strings.Join(found, "; ") + "." + why + fix}
}

func checkCASPlans(e *env) Finding {
	if m := e.missing(srcCASMailboxPlan); len(m) > 0 {
		return cannotJudge("the defaults of new mailboxes (Get-CASMailboxPlan)", m)
	}
	var ev, bad []string
	for _, p := range e.s.Exchange.CASMailboxPlans {
		ev = append(ev, fmt.Sprintf("Get-CASMailboxPlan %s: PopEnabled = %s, ImapEnabled = %s, ActiveSyncEnabled = %s",
			planName(p), psBool(p.PopEnabled), psBool(p.ImapEnabled), psBool(p.ActiveSyncEnabled)))
		if p.PopEnabled || p.ImapEnabled {
			bad = append(bad, planName(p))
		}
	}
	if len(e.s.Exchange.CASMailboxPlans) == 0 {
		return Finding{Status: Warn, Evidence: []string{"Get-CASMailboxPlan: no plans returned"},
			Detail: "Get-CASMailboxPlan returned no mailbox plan, so the defaults of new mailboxes are unknown. Check with Get-CASMailboxPlan | Format-List Name,PopEnabled,ImapEnabled,ActiveSyncEnabled."}
	}
	if len(bad) == 0 {
		return Finding{Status: Pass, Evidence: ev,
			Detail: "Every mailbox plan creates new mailboxes with POP and IMAP off. Nothing to do (ActiveSync stays as the plans set it)."}
	}
	return Finding{Status: Fail, Evidence: ev, Affected: len(bad),
		Detail: fmt.Sprintf("%s create new mailboxes with POP or IMAP on (%s), so every new mailbox reopens what step C closed. %s: Get-CASMailboxPlan | Set-CASMailboxPlan -PopEnabled $false -ImapEnabled $false (add -ActiveSyncEnabled $false if new users should not get ActiveSync either).",
			plural(len(bad), "mailbox plan", "mailbox plans"), list(bad, 4), connectEXO)}
}
