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
		{ServiceGraph, "Organization.Read.All", graphKind, "tenant id, name, initial domain", false},
		{ServiceGraph, "Domain.Read.All", graphKind, "mail domains, federation (A)", false},
		{ServiceGraph, "User.Read.All", graphKind, "users and their sessions (F)", false},
		{ServiceGraph, "AuditLog.Read.All", graphKind, "30 days of sign-ins (needs P1)", false},
		{ServiceGraph, "Policy.Read.All", graphKind, "CA policies, security defaults", false},
		{ServiceGraph, "Reports.Read.All", graphKind, "mail apps and versions in use", false},
		{ServiceExchange, exoPerm, exoKind, "the Exchange admin API", false},
		{ServiceExchange, "Global Reader", "directory role of " + roleHolder, "protocols, auth policies (B-D)", false},
	}
	if p.OktaOrg != "" {
		if p.OktaAuth == OktaOAuth {
			out = append(out,
				Permission{ServiceOkta, "okta.apps.read okta.policies.read", "Okta scopes", "O365 app and its rules (E)", false},
				Permission{ServiceOkta, "okta.groups.read okta.users.read", "Okta scopes", "groups, users, factors", false},
				Permission{ServiceOkta, "okta.networkZones.read okta.logs.read", "Okta scopes", "zones, 30 days of System Log", false},
				Permission{ServiceOkta, "Read-Only Administrator", "Okta role of the service app", "covers every read harden365 makes", false},
			)
		} else {
			out = append(out,
				Permission{ServiceOkta, "Read-Only Administrator", "Okta role of the token's admin", "O365 app, rules, groups, log (E)", false},
			)
		}
	}
	out = append(out,
		Permission{ServiceGraph, "Domain-InternalFederation.ReadWrite.All", graphKind, "federation, Okta's MFA (A, FED-MFA)", true},
		Permission{ServiceGraph, "Policy.ReadWrite.ConditionalAccess", graphKind, "legacy-auth block (CA-LEGACY)", true},
	)
	if !p.SignIn.Delegated() {
		out = append(out, Permission{ServiceGraph, "Application.Read.All", graphKind, "with the CA write (app-only)", true})
	}
	out = append(out,
		Permission{ServiceGraph, "User.RevokeSessions.All", graphKind, "revoke sessions (F)", true},
		Permission{ServiceExchange, "Exchange Administrator", "directory role of " + roleHolder, "instead of Global Reader (B, C, D)", true},
	)
	if p.OktaOrg != "" {
		if p.OktaAuth == OktaOAuth {
			out = append(out,
				Permission{ServiceOkta, "okta.policies.manage", "Okta scope", "the O365 sign-on rules (E)", true},
				Permission{ServiceOkta, "okta.groups.manage okta.users.manage okta.apps.manage", "Okta scopes", "exception group, users (A)", true},
				Permission{ServiceOkta, "Super or Org Administrator", "Okta role of the service app", "instead of Read-Only (E)", true},
			)
		} else {
			out = append(out,
				Permission{ServiceOkta, "Super or Org Administrator", "Okta role of the token's admin", "instead of Read-Only (A, E)", true},
			)
		}
	}
	return out
}
