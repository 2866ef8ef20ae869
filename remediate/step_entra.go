package remediate

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// --- A: federation

// initialDomain reports whether name is the tenant's initial
// *.onmicrosoft.com domain, which can never be federated.
func initialDomain(s *tenant.Snapshot, name string) bool {
	n := lower(name)
	if strings.HasSuffix(n, ".onmicrosoft.com") || (s.Tenant.InitialDomain != "" && n == lower(s.Tenant.InitialDomain)) {
		return true
	}
	for _, d := range s.Domains {
		if lower(d.Name) == n && d.IsInitial {
			return true
		}
	}
	return false
}

// mailDomain: a verified custom domain that serves Email.
func mailDomain(s *tenant.Snapshot, d tenant.Domain) bool {
	return d.IsVerified && d.ServesEmail() && !initialDomain(s, d.Name)
}

func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// oktaFederation returns an existing federation with the Okta org (to take
// the Office 365 app's WS-Federation endpoints from), or nil.
func oktaFederation(s *tenant.Snapshot) *tenant.Federation {
	org := hostOf(s.Okta.OrgURL)
	if org == "" {
		return nil
	}
	for _, d := range s.Domains {
		f := d.Federation
		if !d.Federated() || f == nil {
			continue
		}
		if hostOf(f.PassiveSignInURI) == org || hostOf(f.ActiveSignInURI) == org {
			return f
		}
	}
	return nil
}

// names splits a display name into Okta's required first and last name.
func names(display, upn string) (string, string) {
	f := strings.Fields(display)
	switch len(f) {
	case 0:
		local := upn
		if i := strings.IndexByte(upn, '@'); i > 0 {
			local = upn[:i]
		}
		return local, local
	case 1:
		return f[0], f[0]
	}
	return f[0], strings.Join(f[1:], " ")
}

func runA(r *run) {
	if !r.need(srcDomains) {
		return
	}
	var todo []*tenant.Domain
	for i := range r.s.Domains {
		if d := &r.s.Domains[i]; mailDomain(r.s, *d) && !d.Federated() {
			todo = append(todo, d)
		}
	}
	if len(todo) == 0 {
		r.nothing = "every verified custom mail domain is already federated (the initial *.onmicrosoft.com domain never is)"
		return
	}
	var dnames []string
	for _, d := range todo {
		dnames = append(dnames, d.Name)
	}
	o := &r.s.Okta
	if !o.Configured {
		r.refuse("no Okta org is configured, so there is no Office 365 app to federate %s with (add the Okta org URL and an API token to the profile)", list(dnames, 5))
		return
	}
	if !r.need(srcOktaApps, srcOktaUsers) {
		return
	}
	var app *tenant.OktaApp
	n := 0
	for i := range o.Apps {
		if strings.EqualFold(o.Apps[i].Name, "office365") {
			app = &o.Apps[i]
			n++
		}
	}
	switch {
	case n == 0:
		r.refuse("the Okta org has no Microsoft Office 365 app to federate %s with", list(dnames, 5))
		return
	case n > 1:
		r.refuse("the Okta org has %d Office 365 apps: which one %s should be federated with is the operator's call; federate from the Okta Admin Console (the app → Sign On → WS-Federation)", n, list(dnames, 5))
		return
	}
	tmpl := oktaFederation(r.s)
	if tmpl == nil {
		r.refuse("no domain is federated with the Okta org yet, so the Office 365 app's WS-Federation endpoints (issuer, sign-in and metadata URIs) are unknown: federate the first domain from the Okta Admin Console (Microsoft Office 365 → Sign On → WS-Federation, automatic setup)")
		return
	}
	if !r.planned[StepE] && !denyExists(r.s) {
		r.refuse("Okta's Office 365 policy has no rule that denies legacy clients (step E's deny rule): federating %s now would send its users' legacy sign-ins to the permissive rules; add step E to the plan (E runs before A)", list(dnames, 5))
		return
	}
	checkpoint := ""
	if !o.IdentityEngine() {
		checkpoint = "Okta Classic Engine: confirm that step E's rules (made by hand in the Admin Console) are in place before federating: the deny rule for legacy clients above every rule that allows them"
	}
	var everyone *tenant.OktaGroup
	for i := range o.Groups {
		if strings.EqualFold(o.Groups[i].Type, "BUILT_IN") || strings.EqualFold(o.Groups[i].Name, "Everyone") {
			everyone = &o.Groups[i]
			break
		}
	}
	for _, d := range todo {
		r.provision(d, app, everyone, checkpoint)
		r.federate(d, tmpl, app, checkpoint)
	}
	r.instruct(ToolOkta, "The supported route in the console: Okta Admin Console → Applications → Microsoft Office 365 → Sign On → WS-Federation: add the domain and let Okta configure the federation (automatic); Microsoft Office 365 → Assignments for the users")
}

// provision gives every enabled mailbox user of the domain an Okta
// account and assigns it the Office 365 app: a federated domain's users
// sign in at Okta, and without an account they cannot sign in at all.
func (r *run) provision(d *tenant.Domain, app *tenant.OktaApp, everyone *tenant.OktaGroup, checkpoint string) {
	o := &r.s.Okta
	hasOkta := map[string]bool{}
	for _, u := range o.Users {
		hasOkta[lower(u.Login)] = true
	}
	var created, skipped []string
	for _, m := range r.s.Exchange.CASMailboxes {
		upn := mailboxUPN(m)
		if tenant.DomainOf(upn) != lower(d.Name) || hasOkta[lower(upn)] {
			continue
		}
		g := r.mailboxGraphUser(m)
		x := r.exUser(m)
		if (g != nil && !g.AccountEnabled) || (x != nil && !strings.EqualFold(x.RecipientTypeDetails, "UserMailbox") && x.RecipientTypeDetails != "") {
			skipped = append(skipped, upn)
			continue
		}
		if g != nil && g.UserPrincipalName != "" {
			upn = g.UserPrincipalName
		}
		display, email := m.DisplayName, upn
		if g != nil {
			if g.DisplayName != "" {
				display = g.DisplayName
			}
			if g.Mail != "" {
				email = g.Mail
			}
		}
		first, last := names(display, upn)
		id := oktaID("00u", o.OrgURL, lower(upn))
		profile := map[string]any{"firstName": first, "lastName": last, "email": email, "login": upn}
		create := r.emit(tenant.Write{Service: tenant.ServiceOkta, Operation: "POST /api/v1/users?activate=true", Path: "/api/v1/users?activate=true",
			Target: "Okta user " + upn, Params: map[string]any{"profile": profile}, Checkpoint: checkpoint,
			Old: map[string]any{}, New: map[string]any{"profile": profile, "status": "PROVISIONED"},
			Undo: []tenant.Write{
				{Service: tenant.ServiceOkta, Operation: "POST /api/v1/users/{userId}/lifecycle/deactivate", Path: "/api/v1/users/{userId}/lifecycle/deactivate",
					Target: "Okta user " + upn, Refs: []tenant.Ref{{Placeholder: "{userId}", Field: "id", Planned: id}},
					Old: map[string]any{"status": "PROVISIONED"}, New: map[string]any{"status": "DEPROVISIONED"}},
				{Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/users/{userId}", Path: "/api/v1/users/{userId}",
					Target: "Okta user " + upn, Refs: []tenant.Ref{{Placeholder: "{userId}", Field: "id", Planned: id}},
					Old: map[string]any{"status": "DEPROVISIONED"}, New: map[string]any{}},
			}})
		o.Users = append(o.Users, tenant.OktaUser{ID: id, Status: "PROVISIONED", Login: upn, Email: email, Factors: []tenant.OktaFactor{}})
		if everyone != nil {
			everyone.Members = append(everyone.Members, id)
		}
		assignPath := fmt.Sprintf("/api/v1/apps/%s/users", app.ID)
		ref := []tenant.Ref{{Placeholder: "{userId}", Write: create, Field: "id", Planned: id}}
		r.emit(tenant.Write{Service: tenant.ServiceOkta, Operation: "POST /api/v1/apps/{appId}/users", Path: assignPath,
			Target: fmt.Sprintf("assignment of Okta app %q to %s", app.Label, upn), Checkpoint: checkpoint,
			Params: map[string]any{"id": "{userId}", "scope": "USER", "credentials": map[string]any{"userName": upn}}, Refs: ref,
			Old: map[string]any{}, New: map[string]any{"assigned": true},
			Undo: []tenant.Write{{Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/apps/{appId}/users/{userId}", Path: assignPath + "/{userId}",
				Target: fmt.Sprintf("assignment of Okta app %q to %s", app.Label, upn), Refs: ref,
				Old: map[string]any{"assigned": true}, New: map[string]any{}}}})
		created = append(created, upn)
	}
	if len(created) > 0 {
		r.note("%s of %s had no Okta account: each gets one (status PROVISIONED) and an activation email from Okta, and cannot sign in to Office 365 until it is activated (%s)",
			plural(len(created), "mailbox user", "mailbox users"), d.Name, list(created, 8))
	}
	if len(skipped) > 0 {
		r.note("no Okta account for the disabled or shared mailboxes of %s (%s): they cannot sign in once the domain is federated", d.Name, list(skipped, 8))
	}
}

func (r *run) federate(d *tenant.Domain, tmpl *tenant.Federation, app *tenant.OktaApp, checkpoint string) {
	body := map[string]any{
		"@odata.type":                           "#microsoft.graph.internalDomainFederation",
		"displayName":                           "Okta",
		"issuerUri":                             tmpl.IssuerURI,
		"metadataExchangeUri":                   tmpl.MetadataExchangeURI,
		"passiveSignInUri":                      tmpl.PassiveSignInURI,
		"activeSignInUri":                       tmpl.ActiveSignInURI,
		"signOutUri":                            tmpl.SignOutURI,
		"signingCertificate":                    "{signingCertificate}",
		"preferredAuthenticationProtocol":       "wsFed",
		"promptLoginBehavior":                   orDefault(tmpl.PromptLoginBehavior, "nativeSupport"),
		"isSignedAuthenticationRequestRequired": tmpl.IsSignedAuthenticationRequestRequired,
		"federatedIdpMfaBehavior":               "enforceMfaByFederatedIdp",
	}
	keys := fmt.Sprintf("/api/v1/apps/%s/credentials/keys", app.ID)
	target := "domain " + d.Name
	r.emit(tenant.Write{Service: tenant.ServiceGraph, Operation: "POST /domains/{id}/federationConfiguration",
		Path: fmt.Sprintf("/domains/%s/federationConfiguration", d.Name), Target: target, Params: body, Checkpoint: checkpoint,
		Resolve: []tenant.Resolve{{Param: "signingCertificate", Service: tenant.ServiceOkta, Operation: "GET /api/v1/apps/{appId}/credentials/keys",
			Path: keys, Pick: "x5c[0] (base64 DER) of the key the app signs with (the newest key; Okta's WS-Federation metadata names the same certificate)"}},
		Old: map[string]any{"authenticationType": d.AuthenticationType},
		New: map[string]any{"authenticationType": "Federated", "issuerUri": tmpl.IssuerURI, "passiveSignInUri": tmpl.PassiveSignInURI,
			"activeSignInUri": tmpl.ActiveSignInURI, "federatedIdpMfaBehavior": "enforceMfaByFederatedIdp"},
		Undo: []tenant.Write{{Service: tenant.ServiceGraph, Operation: "PATCH /domains/{id}", Path: "/domains/" + d.Name, Target: target,
			Params: map[string]any{"authenticationType": "Managed"},
			Old:    map[string]any{"authenticationType": "Federated"}, New: map[string]any{"authenticationType": d.AuthenticationType}}}})
	d.AuthenticationType = "Federated"
	d.Federation = &tenant.Federation{
		ID: guid("federation", d.Name, tmpl.IssuerURI), DisplayName: "Okta",
		IssuerURI: tmpl.IssuerURI, MetadataExchangeURI: tmpl.MetadataExchangeURI, PassiveSignInURI: tmpl.PassiveSignInURI,
		ActiveSignInURI: tmpl.ActiveSignInURI, SignOutURI: tmpl.SignOutURI, PreferredAuthenticationProtocol: "wsFed",
		PromptLoginBehavior:                   orDefault(tmpl.PromptLoginBehavior, "nativeSupport"),
		IsSignedAuthenticationRequestRequired: tmpl.IsSignedAuthenticationRequestRequired,
		FederatedIdpMfaBehavior:               "enforceMfaByFederatedIdp", HasSigningCertificate: true,
	}
	r.note("after federation %s's users sign in at Okta with their Okta password; converting back (the undo) needs their Entra passwords", d.Name)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// --- FED-MFA: federatedIdpMfaBehavior

const enforceMFA = "enforceMfaByFederatedIdp"

func runFedMFA(r *run) {
	if !r.need(srcDomains) {
		return
	}
	fed := 0
	for i := range r.s.Domains {
		d := &r.s.Domains[i]
		if !d.Federated() {
			continue
		}
		fed++
		f := d.Federation
		if f == nil {
			r.refuse("domain %s is federated, but Graph returned no federationConfiguration for it (GET /domains/%s/federationConfiguration): its id is needed to change federatedIdpMfaBehavior", d.Name, d.Name)
			continue
		}
		if strings.EqualFold(f.FederatedIdpMfaBehavior, enforceMFA) {
			continue
		}
		if org := hostOf(r.s.Okta.OrgURL); org == "" || (hostOf(f.PassiveSignInURI) != org && hostOf(f.ActiveSignInURI) != org) {
			r.note("domain %s is federated with %s, not with the Okta org: that identity provider must perform MFA when Entra sends users back to it", d.Name, orDefault(hostOf(f.PassiveSignInURI), "an unknown identity provider"))
		}
		old := map[string]any{"federatedIdpMfaBehavior": strOrNil(f.FederatedIdpMfaBehavior)}
		undoTo := orDefault(f.FederatedIdpMfaBehavior, "acceptIfMfaDoneByFederatedIdp")
		path := fmt.Sprintf("/domains/%s/federationConfiguration/%s", d.Name, f.ID)
		r.emit(tenant.Write{Service: tenant.ServiceGraph, Operation: "PATCH /domains/{id}/federationConfiguration/{fedId}", Path: path,
			Target: "federation of domain " + d.Name, Params: map[string]any{"federatedIdpMfaBehavior": enforceMFA},
			Old: old, New: map[string]any{"federatedIdpMfaBehavior": enforceMFA},
			Undo: []tenant.Write{{Service: tenant.ServiceGraph, Operation: "PATCH /domains/{id}/federationConfiguration/{fedId}", Path: path,
				Target: "federation of domain " + d.Name, Params: map[string]any{"federatedIdpMfaBehavior": undoTo},
				Old: map[string]any{"federatedIdpMfaBehavior": enforceMFA}, New: map[string]any{"federatedIdpMfaBehavior": undoTo}}}})
		if f.FederatedIdpMfaBehavior == "" {
			r.note("domain %s had federatedIdpMfaBehavior unset; the undo sets acceptIfMfaDoneByFederatedIdp, which Entra treats the same", d.Name)
		}
		f.FederatedIdpMfaBehavior = enforceMFA
	}
	if r.refused() {
		r.writes = nil
		return
	}
	switch {
	case fed == 0:
		r.nothing = "no domain is federated"
	case len(r.writes) == 0:
		r.nothing = "every federated domain already has federatedIdpMfaBehavior enforceMfaByFederatedIdp"
	}
}

// --- CA-LEGACY: conditional access blocks legacy authentication

const caPolicyName = "Block legacy authentication"

const (
	caEnabled    = "enabled"
	caReportOnly = "enabledForReportingButNotEnforced"
)

// legacyShape: a policy that blocks legacy clients (Exchange ActiveSync
// and other) for the wanted users on Exchange Online; its state and
// exclusions aside.
func legacyShape(p tenant.CAPolicy, include []string) bool {
	if !containsFold(p.BuiltInControls, "block") {
		return false
	}
	all := containsFold(p.ClientAppTypes, "all")
	eas := all || containsFold(p.ClientAppTypes, "exchangeActiveSync") || containsFold(p.ClientAppTypes, "easSupported")
	other := all || containsFold(p.ClientAppTypes, "other")
	apps := containsFold(p.IncludeApplications, "All") || containsFold(p.IncludeApplications, "Office365") ||
		containsFold(p.IncludeApplications, "00000002-0000-0ff1-ce00-000000000000")
	if !eas || !other || !apps || len(p.ExcludeApplications) > 0 || len(p.IncludeGroups)+len(p.IncludeRoles) > 0 {
		return false
	}
	if containsFold(include, "All") {
		return containsFold(p.IncludeUsers, "All")
	}
	for _, u := range include {
		if !containsFold(p.IncludeUsers, u) && !containsFold(p.IncludeUsers, "All") {
			return false
		}
	}
	return true
}

func runCALegacy(r *run) {
	if !r.need(srcSecDefaults, srcCA, srcUsers) {
		return
	}
	if sd := r.s.Entra.SecurityDefaults; sd != nil && sd.IsEnabled {
		r.nothing = "security defaults are on: Entra ID already blocks legacy authentication for everyone (conditional access replaces security defaults once exclusions such as break-glass accounts are needed)"
		return
	}
	// Who is excluded: break-glass accounts and the documented exceptions.
	var exclude []string
	for _, bg := range r.c.BreakGlass {
		u := r.graphUser(bg)
		if u == nil {
			r.refuse("break-glass account %s (choices breakGlass) is not an Entra user, so the policy cannot exclude it: correct the name", bg)
			continue
		}
		exclude = append(exclude, u.ID)
	}
	for _, ex := range r.c.Exceptions.Users {
		if u := r.graphUser(ex); u != nil {
			exclude = append(exclude, u.ID)
		} else {
			r.note("declared exception %s is not an Entra user: not excluded", ex)
		}
	}
	if r.refused() {
		return
	}
	include := []string{"All"}
	if !r.c.Scope.Everyone() {
		include = nil
		for _, m := range r.s.Exchange.CASMailboxes {
			if upn := mailboxUPN(m); r.inScope(upn) && !r.c.isException(upn) {
				if u := r.mailboxGraphUser(m); u != nil {
					include = append(include, u.ID)
				}
			}
		}
		if len(include) == 0 {
			r.nothing = "no user in scope"
			return
		}
		r.note("the policy includes the %s in scope only; ENTRA-LEGACY-BLOCK passes only when it includes all users", plural(len(include), "user", "users"))
	}
	var pol *tenant.CAPolicy
	for i := range r.s.Entra.ConditionalAccess {
		p := &r.s.Entra.ConditionalAccess[i]
		if legacyShape(*p, include) && (pol == nil || strings.EqualFold(p.State, caEnabled)) {
			pol = p
		}
	}
	const checkpoint = "review the policy's report-only results before it is turned on: Entra admin center → Monitoring & health → Sign-in logs → Report-only (sign-ins with result \"Report-only: Failure\" are the ones it will block)"
	if pol == nil {
		name := caPolicyName
		for taken := true; taken; {
			taken = false
			for _, p := range r.s.Entra.ConditionalAccess {
				if strings.EqualFold(p.DisplayName, name) {
					taken, name = true, name+" (harden365)"
				}
			}
		}
		id := guid("ca", r.s.Tenant.ID, name)
		users := map[string]any{"includeUsers": anyList(include), "excludeUsers": anyList(exclude)}
		body := map[string]any{
			"displayName": name, "state": caReportOnly,
			"conditions": map[string]any{"clientAppTypes": []any{"exchangeActiveSync", "other"},
				"applications": map[string]any{"includeApplications": []any{"All"}}, "users": users},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []any{"block"}},
		}
		create := r.emit(tenant.Write{Service: tenant.ServiceGraph, Operation: "POST /identity/conditionalAccess/policies",
			Path: "/identity/conditionalAccess/policies", Target: fmt.Sprintf("conditional access policy %q", name), Params: body,
			Old: map[string]any{}, New: body,
			Undo: []tenant.Write{{Service: tenant.ServiceGraph, Operation: "DELETE /identity/conditionalAccess/policies/{id}",
				Path: "/identity/conditionalAccess/policies/{policyId}", Target: fmt.Sprintf("conditional access policy %q", name),
				Refs: []tenant.Ref{{Placeholder: "{policyId}", Field: "id", Planned: id}}, Old: body}}})
		r.s.Entra.ConditionalAccess = append(r.s.Entra.ConditionalAccess, tenant.CAPolicy{
			ID: id, DisplayName: name, State: caReportOnly, IncludeUsers: append([]string(nil), include...), ExcludeUsers: nilIfEmpty(exclude),
			IncludeApplications: []string{"All"}, ClientAppTypes: []string{"exchangeActiveSync", "other"}, GrantOperator: "OR", BuiltInControls: []string{"block"},
		})
		pol = &r.s.Entra.ConditionalAccess[len(r.s.Entra.ConditionalAccess)-1]
		r.enableCA(pol, "/identity/conditionalAccess/policies/{policyId}", []tenant.Ref{{Placeholder: "{policyId}", Write: create, Field: "id", Planned: id}}, checkpoint)
		r.instruct(ToolEntra, "Entra admin center → Protection → Conditional Access → Policies → New policy %q: Users: %s (exclude the break-glass accounts and documented exceptions); Target resources: All cloud apps; Conditions → Client apps: Exchange ActiveSync clients and Other clients; Grant: Block access; Enable policy: Report-only. After reviewing its results, set it to On.",
			name, map[bool]string{true: "All users", false: "the users in scope"}[include[0] == "All"])
		return
	}
	// An existing policy: exclusions completed, then turned on.
	var missing []string
	for _, id := range exclude {
		if !containsFold(pol.ExcludeUsers, id) {
			missing = append(missing, id)
		}
	}
	path := "/identity/conditionalAccess/policies/" + pol.ID
	if len(missing) > 0 {
		want := append(append([]string(nil), pol.ExcludeUsers...), missing...)
		r.emit(tenant.Write{Service: tenant.ServiceGraph, Operation: "PATCH /identity/conditionalAccess/policies/{id}", Path: path, Merge: true,
			Target: fmt.Sprintf("conditional access policy %q", pol.DisplayName),
			Params: map[string]any{"conditions": map[string]any{"users": map[string]any{"excludeUsers": anyList(want)}}},
			Old:    map[string]any{"conditions.users.excludeUsers": anyList(pol.ExcludeUsers)}, New: map[string]any{"conditions.users.excludeUsers": anyList(want)},
			Undo: []tenant.Write{{Service: tenant.ServiceGraph, Operation: "PATCH /identity/conditionalAccess/policies/{id}", Path: path, Merge: true,
				Target: fmt.Sprintf("conditional access policy %q", pol.DisplayName),
				Params: map[string]any{"conditions": map[string]any{"users": map[string]any{"excludeUsers": anyList(pol.ExcludeUsers)}}},
				Old:    map[string]any{"conditions.users.excludeUsers": anyList(want)}, New: map[string]any{"conditions.users.excludeUsers": anyList(pol.ExcludeUsers)}}}})
		pol.ExcludeUsers = want
	}
	if !strings.EqualFold(pol.State, caEnabled) {
		cp := checkpoint
		if !strings.EqualFold(pol.State, caReportOnly) {
			cp = "the policy was " + pol.State + ", not report-only: turning it on without a report-only period blocks legacy clients at once; check the sign-in logs for legacy clients (LEGACY-SIGNINS) first"
		}
		r.enableCA(pol, path, nil, cp)
		r.instruct(ToolEntra, "Entra admin center → Protection → Conditional Access → Policies → %q → Enable policy: On (after reviewing its report-only results)", pol.DisplayName)
	}
	if len(r.writes) == 0 {
		r.nothing = fmt.Sprintf("the enabled conditional access policy %q already blocks legacy authentication and excludes the break-glass accounts and exceptions", pol.DisplayName)
	}
}

func (r *run) enableCA(pol *tenant.CAPolicy, path string, refs []tenant.Ref, checkpoint string) {
	target := fmt.Sprintf("conditional access policy %q", pol.DisplayName)
	r.emit(tenant.Write{Service: tenant.ServiceGraph, Operation: "PATCH /identity/conditionalAccess/policies/{id}", Path: path, Target: target,
		Params: map[string]any{"state": caEnabled}, Refs: refs, Checkpoint: checkpoint,
		Old: map[string]any{"state": pol.State}, New: map[string]any{"state": caEnabled},
		Undo: []tenant.Write{{Service: tenant.ServiceGraph, Operation: "PATCH /identity/conditionalAccess/policies/{id}", Path: path, Target: target,
			Params: map[string]any{"state": pol.State}, Refs: refs, Old: map[string]any{"state": caEnabled}, New: map[string]any{"state": pol.State}}}})
	pol.State = caEnabled
}

func nilIfEmpty(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

// --- F: revoke sessions

// newestChange is the time of the newest change to the sign-in rules, as
// TOKENS-REVOKED counts it: the Exchange settings' WhenChanged and the
// Office 365 Okta rules' lastUpdated.
func newestChange(s *tenant.Snapshot) time.Time {
	var t time.Time
	later := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	if oc := s.Exchange.OrganizationConfig; oc != nil {
		later(oc.WhenChanged)
	}
	if tc := s.Exchange.TransportConfig; tc != nil {
		later(tc.WhenChanged)
	}
	for _, p := range s.Exchange.AuthenticationPolicies {
		later(p.WhenChanged)
	}
	if pols, why := officePolicies(s); why == "" {
		for _, p := range pols {
			for _, r := range p.Rules {
				later(r.LastUpdated)
			}
		}
	}
	return t
}

const revokedForGood = "revoked sessions cannot be un-revoked: the users sign in again, and nothing restores the old refresh tokens"

func runF(r *run) {
	if !r.need(srcUsers, srcCASMailbox) {
		return
	}
	newest := newestChange(r.s)
	type target struct {
		m tenant.CASMailbox
		g *tenant.User
		x *tenant.ExchangeUser
	}
	var todo []target
	for _, m := range r.s.Exchange.CASMailboxes {
		upn := mailboxUPN(m)
		if !r.inScope(upn) {
			continue
		}
		g := r.mailboxGraphUser(m)
		if g == nil {
			r.note("mailbox %s has no Entra user: its sessions cannot be revoked", m.Identity)
			continue
		}
		if strings.EqualFold(g.UserType, "Guest") {
			continue
		}
		x := r.exUser(m)
		threshold := newest
		if x != nil && x.AuthenticationPolicy != "" && x.WhenChanged.After(threshold) {
			threshold = x.WhenChanged
		}
		if g.SignInSessionsValidFrom.After(threshold) {
			continue
		}
		todo = append(todo, target{m, g, x})
	}
	if len(todo) == 0 {
		r.nothing = "every user in scope has sessions valid only from after the newest change to the sign-in rules"
		return
	}
	exoOK := r.s.OK(srcExoUser)
	r.writes = slices.Grow(r.writes, 2*len(todo))
	// Exchange first (Set-User changes the user's WhenChanged), Graph's
	// revocation last.
	for _, t := range todo {
		if t.x == nil || !exoOK {
			continue
		}
		at := r.clock
		when := stamp(at)
		r.emit(tenant.Write{Service: tenant.ServiceExchange, Operation: "Set-User", Target: "user " + t.x.UserPrincipalName,
			Params: map[string]any{"Identity": t.x.Identity, "StsRefreshTokensValidFrom": when}, Stamp: []string{"StsRefreshTokensValidFrom"},
			Old: map[string]any{"StsRefreshTokensValidFrom": timeOrNil(t.x.StsRefreshTokensValidFrom)}, New: map[string]any{"StsRefreshTokensValidFrom": when},
			Irreversible: revokedForGood})
		t.x.StsRefreshTokensValidFrom = at
		t.x.WhenChanged = at
	}
	for _, t := range todo {
		at := r.clock
		r.emit(tenant.Write{Service: tenant.ServiceGraph, Operation: "POST /users/{id}/revokeSignInSessions",
			Path: "/users/" + t.g.ID + "/revokeSignInSessions", Target: "sessions of " + t.g.UserPrincipalName,
			Old: map[string]any{"signInSessionsValidFromDateTime": timeOrNil(t.g.SignInSessionsValidFrom)}, New: map[string]any{"signInSessionsValidFromDateTime": stamp(at)},
			Irreversible: revokedForGood})
		t.g.SignInSessionsValidFrom = at
	}
	r.note("%s sign in again; an access token already issued keeps working until it expires (1 hour by default). Okta's own sessions are not touched (optional: DELETE /api/v1/users/{id}/sessions)", plural(len(todo), "user", "users"))
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return stamp(t)
}
