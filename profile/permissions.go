package profile

// Permission is one grant harden365 asks for, and why.
type Permission struct {
	// Service is "Microsoft Graph", "Exchange Online" or "Okta".
	Service string
	// Name is the permission, role or scope ("Domain.Read.All").
	Name string
	// Kind says what Name is: an application or delegated permission, a
	// directory role, an Okta scope or an Okta role.
	Kind string
	// Why is what harden365 reads or changes with it.
	Why string
	// Write: only apply uses it (assessing never does).
	Write bool
}

// Service names.
const (
	ServiceGraph    = "Microsoft Graph"
	ServiceExchange = "Exchange Online"
	ServiceOkta     = "Okta"
)

// Permissions lists what the profile's sign-in needs, reads first, then
// what only apply uses. App-only sign-in needs application permissions
// (with admin consent) and a directory role on the app's service
// principal; delegated sign-in needs the same permissions as delegated
// ones on the client app, and the signed-in admin's own roles.
func Permissions(p Profile) []Permission {
	graphKind, exoPerm, exoKind := "application permission", "Exchange.ManageAsApp", "application permission"
	roleHolder := "the app's service principal"
	if p.SignIn.Delegated() {
		graphKind, exoPerm, exoKind = "delegated permission", "Exchange.Manage", "delegated permission"
		roleHolder = "the admin who signs in"
	}
	out := []Permission{
		{ServiceGraph, "Organization.Read.All", graphKind, "the tenant's id, name and initial domain", false},
		{ServiceGraph, "Domain.Read.All", graphKind, "mail domains and their federation with Okta (step A)", false},
		{ServiceGraph, "User.Read.All", graphKind, "users, and when their sessions were last revoked (step F)", false},
		{ServiceGraph, "AuditLog.Read.All", graphKind, "30 days of sign-ins by legacy clients (needs Entra ID P1)", false},
		{ServiceGraph, "Policy.Read.All", graphKind, "conditional access policies and security defaults", false},
		{ServiceGraph, "Reports.Read.All", graphKind, "which mail apps and versions people use", false},
		{ServiceExchange, exoPerm, exoKind, "the Exchange admin API (InvokeCommand) on Office 365 Exchange Online", false},
		{ServiceExchange, "Global Reader", "directory role of " + roleHolder, "modern auth, mailbox protocols, authentication policies, SMTP AUTH (steps B-D)", false},
	}
	if p.OktaOrg != "" {
		if p.OktaAuth == OktaOAuth {
			out = append(out,
				Permission{ServiceOkta, "okta.apps.read okta.policies.read", "Okta scopes", "the Office 365 app and its sign-on rules (step E)", false},
				Permission{ServiceOkta, "okta.groups.read okta.users.read", "Okta scopes", "the exception group, users and their factors", false},
				Permission{ServiceOkta, "okta.networkZones.read okta.logs.read", "Okta scopes", "network zones, 30 days of System Log (legacy clients)", false},
				Permission{ServiceOkta, "Read-Only Administrator", "Okta role of the service app", "covers every read harden365 makes", false},
			)
		} else {
			out = append(out,
				Permission{ServiceOkta, "Read-Only Administrator", "Okta role of the token's admin", "the Office 365 app, its sign-on rules, groups, factors, zones, System Log (step E)", false},
			)
		}
	}
	out = append(out,
		Permission{ServiceGraph, "Domain-InternalFederation.ReadWrite.All", graphKind, "federate a domain with Okta, make Okta's MFA count (A, FED-MFA)", true},
		Permission{ServiceGraph, "Policy.ReadWrite.ConditionalAccess", graphKind, "the policy blocking legacy auth (CA-LEGACY; with Application.Read.All)", true},
		Permission{ServiceGraph, "User.RevokeSessions.All", graphKind, "revoke sessions so old tokens stop working (F)", true},
		Permission{ServiceExchange, "Exchange Administrator", "directory role of " + roleHolder, "instead of Global Reader: modern auth, protocols, authentication policies (B, C, D, SMTP-AUTH)", true},
	)
	if p.OktaOrg != "" {
		if p.OktaAuth == OktaOAuth {
			out = append(out,
				Permission{ServiceOkta, "okta.policies.manage", "Okta scope", "the Office 365 sign-on rules (E)", true},
				Permission{ServiceOkta, "okta.groups.manage okta.users.manage okta.apps.manage", "Okta scopes", "the exception group; users assigned to Office 365 before federating (A)", true},
				Permission{ServiceOkta, "Super Administrator", "Okta role of the service app", "instead of Read-Only Administrator: sign-on rules can only be changed by a Super or Org Administrator", true},
			)
		} else {
			out = append(out,
				Permission{ServiceOkta, "Super Administrator", "Okta role of the token's admin", "instead of Read-Only Administrator: sign-on rules, the exception group, users (A, E)", true},
			)
		}
	}
	return out
}
