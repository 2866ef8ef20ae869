package assess

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// The Entra ID side: federation (step A and its MFA behaviour), token
// revocation (step F), the conditional access legacy block, and the
// evidence of use (sign-ins, mail clients).

// exchangeOnlineAppID is "Office 365 Exchange Online" in conditional
// access includeApplications.
const exchangeOnlineAppID = "00000002-0000-0ff1-ce00-000000000000"

// mailDomain reports whether d is a verified custom domain that serves
// Email (the initial *.onmicrosoft.com domain is not custom).
func mailDomain(d tenant.Domain) bool {
	return d.IsVerified && !d.IsInitial && d.ServesEmail() && !strings.HasSuffix(strings.ToLower(d.Name), ".onmicrosoft.com")
}

// federatedToOkta says whether domain d is federated to the Okta org's
// Office 365 app. known is false when that cannot be told (the federation
// points elsewhere and the Okta apps could not be read, or no Okta org is
// configured).
func (e *env) federatedToOkta(d tenant.Domain) (ok, known bool, why string) {
	if !d.Federated() {
		return false, true, d.AuthenticationType + " (not federated: cloud authentication at Entra ID)"
	}
	var hosts []string
	if f := d.Federation; f != nil {
		for _, u := range []string{f.PassiveSignInURI, f.ActiveSignInURI, f.MetadataExchangeURI, f.IssuerURI} {
			if h := hostOf(u); h != "" && !containsFold(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	target := "an identity provider at " + list(hosts, 3)
	if len(hosts) == 0 {
		target = "an identity provider whose federation configuration was not returned"
	}
	if !e.oktaConfigured() {
		return false, false, "Federated to " + target + ", but no Okta org is configured to compare it with"
	}
	org := hostOf(e.s.Okta.OrgURL)
	if org != "" && d.Federation != nil {
		for _, u := range []string{d.Federation.PassiveSignInURI, d.Federation.ActiveSignInURI, d.Federation.MetadataExchangeURI, d.Federation.IssuerURI} {
			if hostOf(u) == org {
				return true, true, "Federated to the Okta org (" + fieldFor(d.Federation, u) + " " + u + ")"
			}
		}
	}
	for _, a := range e.officeApps() {
		if strings.EqualFold(a.Domain, d.Name) || containsFold(a.Domains, d.Name) {
			return true, true, fmt.Sprintf("Federated; the Okta Office 365 app %q lists the domain", a.Label)
		}
	}
	if !e.ok(srcOktaApps) {
		return false, false, "Federated to " + target + ", which is not the Okta org's host " + orDash(org) + ", and the Okta apps could not be read to see whether the Office 365 app lists the domain"
	}
	return false, true, "Federated to " + target + ", not to the Okta org " + orDash(org)
}

func fieldFor(f *tenant.Federation, u string) string {
	switch u {
	case f.PassiveSignInURI:
		return "passiveSignInUri"
	case f.ActiveSignInURI:
		return "activeSignInUri"
	case f.MetadataExchangeURI:
		return "metadataExchangeUri"
	}
	return "issuerUri"
}

func checkFedDomains(e *env) Finding {
	if m := e.missing(srcDomains); len(m) > 0 {
		return cannotJudge("which domains are federated (graph.domains)", m)
	}
	var ev, bad, unknown, affected []string
	var mail []tenant.Domain
	for _, d := range e.s.Domains {
		switch {
		case mailDomain(d):
			mail = append(mail, d)
		case d.IsInitial || strings.HasSuffix(strings.ToLower(d.Name), ".onmicrosoft.com"):
			ev = append(ev, d.Name+": initial *.onmicrosoft.com domain, not judged")
		case !d.IsVerified:
			ev = append(ev, d.Name+": not verified, not judged")
		default:
			ev = append(ev, d.Name+": does not serve Email, not judged")
		}
	}
	if len(mail) == 0 {
		return Finding{Status: Info, Evidence: ev,
			Detail: "There is no verified custom domain serving Email: mail uses only the initial *.onmicrosoft.com domain, which cannot be federated. Step A does not apply."}
	}
	if !e.oktaConfigured() && len(e.federatedDomains()) == 0 {
		for _, d := range mail {
			ev = append(ev, d.Name+": "+d.AuthenticationType+", serves Email")
		}
		return Finding{Status: Info, Evidence: append(ev, "okta: not configured"),
			Detail: "No Okta org is configured and no domain is federated: every user signs in with Entra ID cloud authentication, so the whitepaper's step A (federation with Okta) does not apply. MFA and the legacy-auth block must then come from Entra ID (see ENTRA-LEGACY-BLOCK). If the organisation does use Okta, add its org URL to the profile."}
	}
	var okNames []string
	for _, d := range mail {
		ok, known, why := e.federatedToOkta(d)
		users := e.domainUsers(d.Name)
		ev = append(ev, fmt.Sprintf("%s: %s; serves Email; %s", d.Name, why, plural(len(users), "mailbox", "mailboxes")))
		switch {
		case ok:
			okNames = append(okNames, d.Name)
		case known:
			bad = append(bad, d.Name)
			affected = append(affected, users...)
		default:
			unknown = append(unknown, d.Name)
		}
	}
	org := e.s.Okta.OrgURL
	if len(bad) > 0 {
		return Finding{Status: Fail, Evidence: ev, AffectedUsers: nonNil(affected),
			Detail: fmt.Sprintf("%s not federated with the Okta org %s: %s. Their users sign in at Entra ID, so the Okta rules of step E never see them. "+
				"Federate each with the Okta Office 365 app: Okta Admin Console → Applications → Microsoft Office 365 → Sign On → WS-Federation (add the domain to the app, automatic configuration), "+
				"or with Microsoft Graph PowerShell New-MgDomainFederationConfiguration -DomainId <domain> with the app's issuer, passive and active sign-in and metadata URIs (POST /domains/{id}/federationConfiguration, permission Domain-InternalFederation.ReadWrite.All; the whitepaper-era MSOnline cmdlets are retired). "+
				"A domain that stays managed needs the legacy block and MFA in Entra ID instead (ENTRA-LEGACY-BLOCK).",
				plural(len(bad), "mail domain is", "mail domains are"), orDash(org), list(bad, 8))}
	}
	if len(unknown) > 0 {
		why := "the Okta apps could not be read"
		if !e.oktaConfigured() {
			why = "no Okta org is configured"
		}
		f := Finding{Status: Error, Evidence: ev,
			Detail: fmt.Sprintf("Cannot be judged: %s federated (%s), but %s, so harden365 cannot tell whether to the Okta org's Office 365 app. Give the Okta org URL and a token with okta.apps.read (Read-Only Administrator) and collect again.",
				plural(len(unknown), "domain is", "domains are"), list(unknown, 8), why)}
		if m := e.missing(srcOktaApps); len(m) > 0 && e.oktaConfigured() {
			f.Evidence = append(f.Evidence, sourceEvidence(m)...)
		}
		return f
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: fmt.Sprintf("Every verified custom mail domain (%s) is federated with the Okta org %s. Nothing to do.", list(okNames, 8), orDash(org))}
}

func checkFedMFABehavior(e *env) Finding {
	if m := e.missing(srcDomains); len(m) > 0 {
		return cannotJudge("the federated domains' MFA behaviour (graph.domains with federationConfiguration)", m)
	}
	var ev, bad, rejects, unknown, affected []string
	for _, d := range e.s.Domains {
		if !d.Federated() {
			continue
		}
		if d.Federation == nil {
			unknown = append(unknown, d.Name)
			ev = append(ev, d.Name+": Federated, but no federationConfiguration was returned")
			continue
		}
		b := d.Federation.FederatedIdpMfaBehavior
		shown := b
		if b == "" {
			shown = "not set (acceptIfMfaDoneByFederatedIdp)"
		}
		ev = append(ev, fmt.Sprintf("%s: federationConfiguration %s federatedIdpMfaBehavior = %s", d.Name, d.Federation.ID, shown))
		switch {
		case strings.EqualFold(b, "enforceMfaByFederatedIdp"):
		case strings.EqualFold(b, "rejectMfaByFederatedIdp"):
			rejects = append(rejects, d.Name)
		default:
			bad = append(bad, d.Name)
			affected = append(affected, e.domainUsers(d.Name)...)
		}
	}
	if len(bad)+len(rejects)+len(unknown) == 0 && len(ev) == 0 {
		return Finding{Status: Info, Evidence: []string{"graph.domains: no federated domain"},
			Detail: "Not applicable: no domain is federated, so Entra ID never hands MFA to an identity provider."}
	}
	fix := " With Microsoft Graph PowerShell: Update-MgDomainFederationConfiguration -DomainId <domain> -InternalDomainFederationId <id> -FederatedIdpMfaBehavior enforceMfaByFederatedIdp (PATCH /domains/{id}/federationConfiguration/{id}, permission Domain-InternalFederation.ReadWrite.All); it replaces the retired Set-MsolDomainFederationSettings -SupportsMfa $true."
	if len(bad) > 0 {
		return Finding{Status: Fail, Evidence: ev, AffectedUsers: nonNil(affected),
			Detail: fmt.Sprintf("%s federatedIdpMfaBehavior set to accept (or not set): when Entra ID needs MFA that Okta did not do, Entra runs its own MFA instead of sending the user back to Okta, so Okta's factors and sign-on rules are not the ones that decide (%s).%s",
				plural(len(bad), "federated domain has", "federated domains have"), list(bad, 8), fix)}
	}
	if len(unknown) > 0 {
		return Finding{Status: Error, Evidence: ev,
			Detail: fmt.Sprintf("Cannot be judged: Graph returned no federation configuration for %s (GET /domains/{id}/federationConfiguration; harden365 needs %s).", list(unknown, 8), permission(srcDomains))}
	}
	if len(rejects) > 0 {
		return Finding{Status: Warn, Evidence: ev,
			Detail: fmt.Sprintf("%s rejectMfaByFederatedIdp: Entra ID always runs its own MFA and ignores Okta's, so users get two prompts and Okta's factor rules do not count. Prefer enforceMfaByFederatedIdp (%s).%s",
				plural(len(rejects), "federated domain uses", "federated domains use"), list(rejects, 8), fix)}
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: "Every federated domain has federatedIdpMfaBehavior = enforceMfaByFederatedIdp: when Entra ID needs MFA it sends the user to Okta to do it. Nothing to do."}
}

// legacyBlock says whether a conditional access policy blocks legacy
// authentication for everyone, and what keeps it from doing so.
// candidate is false for policies that have nothing to do with it.
func legacyBlock(p tenant.CAPolicy) (candidate, full bool, gaps []string) {
	if !containsFold(p.BuiltInControls, "block") {
		return false, false, nil
	}
	all := containsFold(p.ClientAppTypes, "all")
	eas := all || containsFold(p.ClientAppTypes, "exchangeActiveSync") || containsFold(p.ClientAppTypes, "easSupported")
	other := all || containsFold(p.ClientAppTypes, "other")
	if !eas && !other {
		return false, false, nil
	}
	if !eas {
		gaps = append(gaps, "Exchange ActiveSync clients are not included")
	}
	if !other {
		gaps = append(gaps, "other (legacy) clients are not included")
	}
	if !containsFold(p.IncludeUsers, "All") {
		gaps = append(gaps, "applies to some users only")
	}
	if !containsFold(p.IncludeApplications, "All") && !containsFold(p.IncludeApplications, exchangeOnlineAppID) && !containsFold(p.IncludeApplications, "Office365") {
		gaps = append(gaps, "does not target Exchange Online")
	}
	if !strings.EqualFold(p.State, "enabled") {
		gaps = append(gaps, "state "+p.State+" (does not enforce)")
	}
	return true, len(gaps) == 0, gaps
}

func checkEntraLegacyBlock(e *env) Finding {
	var ev []string
	sdOK := e.ok(srcSecurityDefaults) && e.s.Entra.SecurityDefaults != nil
	if sdOK {
		ev = append(ev, "identitySecurityDefaultsEnforcementPolicy: isEnabled = "+psBool(e.s.Entra.SecurityDefaults.IsEnabled))
		if e.s.Entra.SecurityDefaults.IsEnabled {
			return Finding{Status: Pass, Evidence: ev,
				Detail: "Security defaults are on: Entra ID blocks legacy authentication for every user. Nothing to do (conditional access replaces security defaults once you need exclusions such as a break-glass account)."}
		}
	}
	caOK := e.ok(srcConditionalAccess)
	var blocking, partial []string
	if caOK {
		for _, p := range e.s.Entra.ConditionalAccess {
			cand, full, gaps := legacyBlock(p)
			if !cand {
				continue
			}
			line := fmt.Sprintf("conditional access %q: state %s, clientAppTypes [%s], users include [%s], apps [%s], grant [%s]",
				p.DisplayName, p.State, strings.Join(p.ClientAppTypes, ", "), strings.Join(p.IncludeUsers, ", "),
				strings.Join(p.IncludeApplications, ", "), strings.Join(p.BuiltInControls, ", "))
			if n := len(p.ExcludeUsers) + len(p.ExcludeGroups); n > 0 {
				line += fmt.Sprintf("; excludes %d users/groups", n)
			}
			if full {
				blocking = append(blocking, p.DisplayName)
				ev = append(ev, line+" - blocks legacy authentication")
			} else {
				partial = append(partial, fmt.Sprintf("%q (%s)", p.DisplayName, strings.Join(gaps, "; ")))
				ev = append(ev, line+" - "+strings.Join(gaps, "; "))
			}
		}
		if len(blocking) == 0 && len(partial) == 0 {
			ev = append(ev, fmt.Sprintf("conditional access: %s, none blocks legacy clients", plural(len(e.s.Entra.ConditionalAccess), "policy", "policies")))
		}
	}
	if len(blocking) > 0 {
		return Finding{Status: Pass, Evidence: ev,
			Detail: fmt.Sprintf("An enabled conditional access policy blocks legacy authentication (Exchange ActiveSync and other clients) for all users: %s. Nothing to do; keep the exclusions to break-glass accounts.", list(blocking, 3))}
	}
	var m []tenant.SourceStatus
	if !sdOK {
		m = append(m, e.missing(srcSecurityDefaults)...)
		if len(m) == 0 {
			m = append(m, tenant.SourceStatus{ID: srcSecurityDefaults, State: "missing", Error: "no security defaults policy in the snapshot"})
		}
	}
	m = append(m, e.missing(srcConditionalAccess)...)
	if len(m) > 0 {
		return cannotJudge("whether Entra ID blocks legacy authentication (security defaults and conditional access)", m)
	}
	found := "Neither security defaults nor any conditional access policy blocks legacy authentication"
	if len(partial) > 0 {
		found = "No enabled conditional access policy blocks legacy authentication for everyone: " + strings.Join(partial, "; ")
	}
	return Finding{Status: Fail, Evidence: ev, AffectedUsers: e.mailboxUsers(),
		Detail: found + ". Legacy clients (basic auth) cannot do MFA, and for users of managed domains nothing else stops them. " +
			"Entra admin center → Protection → Conditional Access → Policies: a policy with Users: All users (exclude the break-glass accounts), Target resources: All cloud apps (or Office 365 Exchange Online), Conditions → Client apps: Exchange ActiveSync clients and Other clients, Grant: Block access; " +
			"review its report-only results, then set it to On (Graph: New-MgIdentityConditionalAccessPolicy / PATCH /identity/conditionalAccess/policies/{id} with state enabled, permission Policy.ReadWrite.ConditionalAccess)."}
}

func checkTokensRevoked(e *env) Finding {
	if m := e.missing(srcUsers, srcCASMailbox); len(m) > 0 {
		return cannotJudge("whose sessions are older than the last rule change (graph.users, Get-CASMailbox)", m)
	}
	type change struct {
		at   time.Time
		what string
	}
	var changes []change
	var unknown []string
	if e.ok(srcOrgConfig) && e.s.Exchange.OrganizationConfig != nil {
		changes = append(changes, change{e.s.Exchange.OrganizationConfig.WhenChanged, "Get-OrganizationConfig WhenChanged"})
	} else {
		unknown = append(unknown, "Get-OrganizationConfig ("+fixFor(statusOf(e, srcOrgConfig))+")")
	}
	if e.ok(srcTransportConfig) && e.s.Exchange.TransportConfig != nil {
		changes = append(changes, change{e.s.Exchange.TransportConfig.WhenChanged, "Get-TransportConfig WhenChanged"})
	} else {
		unknown = append(unknown, "Get-TransportConfig ("+fixFor(statusOf(e, srcTransportConfig))+")")
	}
	if e.ok(srcAuthPolicy) {
		for _, p := range e.s.Exchange.AuthenticationPolicies {
			changes = append(changes, change{p.WhenChanged, fmt.Sprintf("Get-AuthenticationPolicy %q WhenChanged", p.Name)})
		}
	} else {
		unknown = append(unknown, "Get-AuthenticationPolicy ("+fixFor(statusOf(e, srcAuthPolicy))+")")
	}
	okta, oktaWhat, oktaKnown, oktaWhy := e.officeRuleChange()
	if !oktaKnown {
		unknown = append(unknown, "the Office 365 Okta rules ("+oktaWhy+")")
	} else if !okta.IsZero() {
		changes = append(changes, change{okta, oktaWhat})
	}
	var newest change
	var ev []string
	for _, c := range changes {
		if c.at.IsZero() {
			continue
		}
		ev = append(ev, c.what+" = "+stamp(c.at))
		if c.at.After(newest.at) {
			newest = c
		}
	}
	// A user's own policy assignment (Get-User WhenChanged) counts for that
	// user.
	assignedAt := map[string]time.Time{}
	if e.ok(srcExoUser) {
		for _, u := range e.s.Exchange.Users {
			if u.AuthenticationPolicy != "" && !u.WhenChanged.IsZero() {
				assignedAt[strings.ToLower(u.UserPrincipalName)] = u.WhenChanged
			}
		}
	}
	if newest.at.IsZero() && len(assignedAt) == 0 {
		if len(unknown) > 0 {
			return Finding{Status: Error, Evidence: ev,
				Detail: "Cannot be judged: no change time of the sign-in rules is known. Unread: " + strings.Join(unknown, "; ") + "."}
		}
		return Finding{Status: Error, Evidence: append(ev, "no WhenChanged or lastUpdated time was returned"),
			Detail: "Cannot be judged: the Exchange settings and Okta rules carry no change time (WhenChanged, lastUpdated), so harden365 cannot tell whether sessions were revoked after them."}
	}
	if !newest.at.IsZero() {
		ev = append([]string{"newest change: " + newest.what + " " + stamp(newest.at)}, ev...)
	}

	mailbox := make(map[string]bool, 2*len(e.s.Exchange.CASMailboxes))
	for _, m := range e.s.Exchange.CASMailboxes {
		mailbox[strings.ToLower(m.ExternalDirectoryObjectID)] = true
		mailbox[strings.ToLower(mailboxName(m))] = true
	}
	var stale, staleLines []string
	inScope := 0
	for _, u := range e.s.Users {
		if !mailbox[strings.ToLower(u.ID)] && !mailbox[strings.ToLower(u.UserPrincipalName)] {
			continue
		}
		inScope++
		threshold, what := newest.at, newest.what
		if t, ok := assignedAt[strings.ToLower(u.UserPrincipalName)]; ok && t.After(threshold) {
			threshold, what = t, "its own authentication policy assignment (Get-User WhenChanged)"
		}
		if !u.SignInSessionsValidFrom.After(threshold) {
			stale = append(stale, u.UserPrincipalName)
			staleLines = append(staleLines, fmt.Sprintf("%s: signInSessionsValidFromDateTime = %s, before %s %s", u.UserPrincipalName, stamp(u.SignInSessionsValidFrom), what, stamp(threshold)))
		}
	}
	sort.Strings(staleLines)
	ev = append(ev, fmt.Sprintf("%d of %d mailbox users have sessions valid from before the newest change", len(stale), inScope))
	ev = append(ev, capped(staleLines, 30)...)
	if e.ok(srcExoUser) && !newest.at.IsZero() {
		n := 0
		for _, u := range e.s.Exchange.Users {
			if isMailboxUser(u) && !u.StsRefreshTokensValidFrom.After(newest.at) {
				n++
			}
		}
		ev = append(ev, fmt.Sprintf("Get-User: StsRefreshTokensValidFrom is before the newest change for %d mailbox users", n))
	}
	note := ""
	if len(unknown) > 0 {
		note = " Not counted, because unread: " + strings.Join(unknown, "; ") + "; revoke again after any change to them."
		ev = append(ev, "not counted (unread): "+strings.Join(unknown, "; "))
	}
	newestText := "the newest change"
	if !newest.at.IsZero() {
		newestText = fmt.Sprintf("the newest change to the sign-in rules (%s %s)", newest.what, stamp(newest.at))
	}
	if len(stale) > 0 {
		return Finding{Status: Fail, Evidence: ev, AffectedUsers: stale,
			Detail: fmt.Sprintf("%d of %d mailbox users have sessions (signInSessionsValidFromDateTime) older than %s: their refresh tokens (valid up to 90 days) still carry the decision of the old rules. "+
				"As the very last step, after A-E: Microsoft Graph PowerShell Revoke-MgUserSignInSession -UserId <user> (POST /users/{id}/revokeSignInSessions, permission User.RevokeSessions.All; it replaces the retired Revoke-AzureADUserAllRefreshToken), "+
				"and in Exchange Online Set-User -Identity <user> -STSRefreshTokensValidFrom ([DateTime]::UtcNow). An access token already issued keeps working until it expires (1 hour by default).%s",
				len(stale), inScope, newestText, note)}
	}
	if len(unknown) > 0 {
		return Finding{Status: Error, Evidence: ev,
			Detail: fmt.Sprintf("Cannot be judged: every mailbox user's sessions are newer than %s, but part of the rules could not be read, so a newer change may be missed.%s", newestText, note)}
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: fmt.Sprintf("Every mailbox user's sessions were revoked after %s. Nothing to do; revoke again after the next change to the rules.", newestText)}
}

func statusOf(e *env, id string) tenant.SourceStatus {
	if st, ok := e.s.Status(id); ok {
		return st
	}
	return tenant.SourceStatus{ID: id, State: "missing", Error: "not collected"}
}

// --- evidence of use

// isLegacyClientApp reports whether a sign-in's clientAppUsed is a legacy
// (basic-auth capable) client.
func isLegacyClientApp(c string) bool {
	switch strings.ToLower(strings.TrimSpace(c)) {
	case "exchange activesync", "authenticated smtp", "imap4", "pop3", "mapi over http", "exchange web services",
		"outlook anywhere (rpc over http)", "offline address book", "autodiscover", "exchange online powershell",
		"reporting web services", "other clients":
		return true
	}
	return strings.HasPrefix(strings.ToLower(c), "other clients")
}

func checkLegacySignIns(e *env) Finding {
	if m := e.missing(srcSignIns); len(m) > 0 {
		return cannotJudge("which legacy-protocol sign-ins happened in the last 30 days (graph.signIns)", m)
	}
	from, to := e.s.AsOf.Add(-window), e.s.AsOf
	type count struct{ ok, failed int }
	perApp := map[string]*count{}
	perUser := map[string]map[string]int{}
	var users []string
	failedIPs := map[string]bool{}
	var failedUsers []string
	total, okN, failN := 0, 0, 0
	var newest time.Time
	for _, si := range e.s.Entra.SignIns {
		if !isLegacyClientApp(si.ClientAppUsed) {
			continue
		}
		if !e.s.AsOf.IsZero() && (si.CreatedDateTime.Before(from) || !si.CreatedDateTime.Before(to)) {
			continue
		}
		total++
		c := perApp[si.ClientAppUsed]
		if c == nil {
			c = &count{}
			perApp[si.ClientAppUsed] = c
		}
		u := si.UserPrincipalName
		if perUser[u] == nil {
			perUser[u] = map[string]int{}
			users = append(users, u)
		}
		perUser[u][si.ClientAppUsed]++
		if si.ErrorCode != 0 {
			c.failed++
			failN++
			failedIPs[si.IPAddress] = true
			if !containsFold(failedUsers, u) {
				failedUsers = append(failedUsers, u)
			}
		} else {
			c.ok++
			okN++
			if si.CreatedDateTime.After(newest) {
				newest = si.CreatedDateTime
			}
		}
	}
	span := "in the 30 days before " + day(e.s.AsOf) + " (" + day(from) + " to " + day(to.Add(-time.Second)) + ")"
	var ev []string
	if !e.s.Entra.SignInsSince.IsZero() && e.s.Entra.SignInsSince.After(from) {
		ev = append(ev, "graph.signIns: collected only since "+stamp(e.s.Entra.SignInsSince)+", not the whole window")
	}
	if searched := e.s.Entra.SignInsClientAppsSearched; len(searched) > 0 {
		ev = append(ev, "graph.signIns: clientAppUsed searched: "+strings.Join(searched, ", "))
	}
	if total == 0 {
		return Finding{Status: Pass, Evidence: ev,
			Detail: "No legacy-protocol sign-in " + span + " (failed ones included). Nothing to do; keep watching the sign-in logs (Entra admin center → Monitoring & health → Sign-in logs, Client app filter)."}
	}
	ev = append(ev, fmt.Sprintf("graph.signIns: %d legacy sign-ins %s: %d succeeded, %d failed (errorCode ≠ 0), from %s",
		total, span, okN, failN, plural(len(users), "user", "users")))
	apps := make([]string, 0, len(perApp))
	for a := range perApp {
		apps = append(apps, a)
	}
	sort.Slice(apps, func(i, j int) bool {
		ti, tj := perApp[apps[i]].ok+perApp[apps[i]].failed, perApp[apps[j]].ok+perApp[apps[j]].failed
		if ti != tj {
			return ti > tj
		}
		return apps[i] < apps[j]
	})
	var appText []string
	for _, a := range apps {
		c := perApp[a]
		n := 0
		for _, u := range users {
			if perUser[u][a] > 0 {
				n++
			}
		}
		ev = append(ev, fmt.Sprintf("clientAppUsed %q: %d (%d succeeded, %d failed) from %s", a, c.ok+c.failed, c.ok, c.failed, plural(n, "user", "users")))
		appText = append(appText, fmt.Sprintf("%s %d", a, c.ok+c.failed))
	}
	users = sortedCopy(users)
	var userLines []string
	for _, u := range users {
		var parts []string
		for _, a := range apps {
			if n := perUser[u][a]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", a, n))
			}
		}
		userLines = append(userLines, u+": "+strings.Join(parts, ", "))
	}
	ev = append(ev, capped(userLines, 40)...)
	if failN > 0 {
		ips := make([]string, 0, len(failedIPs))
		for ip := range failedIPs {
			ips = append(ips, ip)
		}
		sort.Strings(ips)
		ev = append(ev, fmt.Sprintf("failed: %d against %s from %s", failN, list(sortedCopy(failedUsers), 10), list(ips, 6)))
	}
	counted := "Failed sign-ins are counted too (a password spray shows up as failed IMAP, POP or SMTP sign-ins); there were none."
	if failN > 0 {
		counted = fmt.Sprintf("Failed sign-ins are counted too (%d of them, against %s): a password spray shows up as failed IMAP, POP or SMTP sign-ins.", failN, plural(len(failedUsers), "user", "users"))
	}
	todo := " Move these users to modern clients (CLIENTS-LEGACY), then close the paths: steps C-E and ENTRA-LEGACY-BLOCK. Review them in Entra admin center → Monitoring & health → Sign-in logs, filter Client app on the legacy values (or Get-MgBetaAuditLogSignIn -Filter \"clientAppUsed eq 'IMAP4'\")."
	if okN == 0 {
		return Finding{Status: Warn, Evidence: ev, AffectedUsers: users,
			Detail: fmt.Sprintf("%d legacy-protocol sign-ins %s, all failed (%s): someone is trying passwords over legacy protocols, and none got in during the window. %s%s", total, span, list(appText, 6), counted, todo)}
	}
	return Finding{Status: Fail, Evidence: ev, AffectedUsers: users,
		Detail: fmt.Sprintf("%d legacy-protocol sign-ins %s (%s), %d of them successful, newest %s: each successful one signed in to Exchange Online with a password alone, without MFA. %s%s",
			total, span, list(appText, 6), okN, stamp(newest), counted, todo)}
}

func checkClientsLegacy(e *env) Finding {
	srcs := []string{srcEmailAppUsage, srcSignIns, srcMobileDevice}
	miss := e.missing(srcs...)
	if len(miss) == len(srcs) {
		return cannotJudge("which mail clients are in use (email-app usage report, sign-ins, mobile devices)", miss)
	}
	inv := e.inventory()
	type clients struct{ no, cond, unknown []string }
	per := map[string]*clients{}
	var legacyUsers, condUsers, unknownUsers, excepted []string
	for _, c := range inv {
		if c.ModernAuth != ModernNo && c.ModernAuth != ModernUnknown && c.ModernAuth != ModernConditional {
			continue // nothing to list for a client that does modern auth
		}
		key := strings.ToLower(c.User)
		p := per[key]
		if p == nil {
			p = &clients{}
			per[key] = p
		}
		desc := c.Client
		if c.Version != "" {
			desc += " " + c.Version
		}
		if c.Platform != "" && c.Platform != "unknown" {
			desc += " (" + c.Platform + ")"
		}
		switch c.ModernAuth {
		case ModernNo:
			if len(p.no) == 0 {
				if e.isException(c.User) {
					excepted = append(excepted, c.User)
				} else {
					legacyUsers = append(legacyUsers, c.User)
				}
			}
			if !containsFold(p.no, desc) {
				p.no = append(p.no, desc)
			}
		case ModernUnknown:
			if len(p.unknown) == 0 {
				unknownUsers = append(unknownUsers, c.User)
			}
			if !containsFold(p.unknown, desc) {
				p.unknown = append(p.unknown, desc)
			}
		case ModernConditional:
			if len(p.cond) == 0 {
				condUsers = append(condUsers, c.User)
			}
			if !containsFold(p.cond, desc) {
				p.cond = append(p.cond, desc)
			}
		}
	}
	only := map[string]bool{}
	for _, u := range LegacyOnly(inv) {
		only[strings.ToLower(u)] = true
	}
	// The evidence shows the first 60 lines (capped): only those are
	// written.
	const shown = 60
	var ev []string
	lines := 0
	add := func(line func() string) {
		if lines++; lines <= shown {
			ev = append(ev, line())
		}
	}
	for _, u := range sortedCopy(legacyUsers) {
		add(func() string {
			line := u + ": " + strings.Join(per[strings.ToLower(u)].no, ", ") + " - no modern auth"
			if only[strings.ToLower(u)] {
				line += "; no other client seen (cut off completely)"
			}
			return line
		})
	}
	for _, u := range sortedCopy(excepted) {
		add(func() string {
			return u + ": " + strings.Join(per[strings.ToLower(u)].no, ", ") + " - no modern auth (documented exception)"
		})
	}
	for _, u := range sortedCopy(condUsers) {
		add(func() string {
			return u + ": " + strings.Join(per[strings.ToLower(u)].cond, ", ") + " - modern auth only with the registry keys EnableADAL=1 and Version=1 set"
		})
	}
	for _, u := range sortedCopy(unknownUsers) {
		add(func() string {
			return u + ": " + strings.Join(per[strings.ToLower(u)].unknown, ", ") + " - not in the whitepaper's tables, modern auth unknown"
		})
	}
	if lines > shown {
		ev = append(ev[:shown:shown], fmt.Sprintf("... and %d more", lines-shown))
	}
	ev = append(ev, sourceEvidence(miss)...)
	cutOff := 0
	for _, u := range legacyUsers {
		if only[strings.ToLower(u)] {
			cutOff++
		}
	}
	if len(legacyUsers) > 0 {
		d := fmt.Sprintf("%s a mail client that cannot do modern auth (%s); %s no other client and %s mail access altogether once basic auth is blocked (step D, and Okta's legacy deny in step E). ",
			plural(len(legacyUsers), "user relies on", "users rely on"), list(sortedCopy(legacyUsers), 8),
			plural(cutOff, "of them has", "of them have"), map[bool]string{true: "loses", false: "lose"}[cutOff == 1])
		if len(condUsers) > 0 {
			d += fmt.Sprintf("%s Outlook 2013, which needs the registry keys HKCU\\Software\\Microsoft\\Exchange\\AlwaysUseMSOAuthForAutoDiscover and HKCU\\Software\\Microsoft\\Office\\15.0\\Common\\Identity EnableADAL=1, Version=1. ", plural(len(condUsers), "user runs", "users run"))
		}
		d += "Before blocking, move them to a client that does (Outlook 2016 or later, Outlook for iOS/Android, current Apple Mail, OWA), or declare a documented exception (--choices) with its own narrow path."
		if len(unknownUsers) > 0 {
			d += fmt.Sprintf(" Whether the clients of %s can do modern auth is unknown (not in the whitepaper's tables): test them before blocking.", plural(len(unknownUsers), "more user", "more users"))
		}
		if len(miss) > 0 {
			d += " Some sources could not be read, so there may be more."
		}
		return Finding{Status: Warn, Evidence: ev, AffectedUsers: legacyUsers, Detail: d}
	}
	if len(unknownUsers) > 0 {
		return Finding{Status: Warn, Evidence: ev, AffectedUsers: unknownUsers,
			Detail: fmt.Sprintf("No mail client seen is known to lack modern auth, but the clients of %s (%s) are not in the whitepaper's tables, so whether blocking basic auth cuts them off is unknown. Test those clients with modern auth (or ask their users) before step D.",
				plural(len(unknownUsers), "user", "users"), list(sortedCopy(unknownUsers), 8))}
	}
	if len(miss) > 0 {
		return cannotJudge("whether any mail client without modern auth is in use: no such client was seen, but part of the evidence is missing", miss)
	}
	d := "Every mail client seen (email-app usage report, sign-ins, mobile devices) can do modern auth: blocking basic auth cuts no one off."
	if len(excepted) > 0 {
		d = fmt.Sprintf("Only documented exceptions (%s) use mail clients without modern auth: blocking basic auth cuts no one else off.", list(sortedCopy(excepted), 8))
	}
	if len(condUsers) > 0 {
		d += fmt.Sprintf(" %s Outlook 2013: make sure its registry keys (EnableADAL=1, Version=1) are set.", plural(len(condUsers), "user runs", "users run"))
	}
	return Finding{Status: Pass, Evidence: ev, Detail: d + " Nothing else to do."}
}
