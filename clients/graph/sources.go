package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/domains"
	"github.com/microsoftgraph/msgraph-sdk-go/identity"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// --- organization.

func (c *client) organization(ctx context.Context, rep *collect.Reporter) (tenant.Tenant, error) {
	resp, err := c.sdk.Organization().Get(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{Options: options(rep)})
	if err != nil {
		return tenant.Tenant{}, err
	}
	orgs := resp.GetValue()
	page(rep, len(orgs))
	if len(orgs) == 0 {
		return tenant.Tenant{}, errors.New("Microsoft Graph returned no organization")
	}
	o := orgs[0]
	t := tenant.Tenant{ID: deref(o.GetId()), DisplayName: deref(o.GetDisplayName())}
	for _, vd := range o.GetVerifiedDomains() {
		if deref(vd.GetIsInitial()) {
			t.InitialDomain = deref(vd.GetName())
		}
	}
	return t, nil
}

func (c *client) runOrganization(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	t, err := c.organization(ctx, rep)
	if err != nil {
		return nil, err
	}
	return func(s *tenant.Snapshot) {
		if s.Tenant.ID == "" {
			s.Tenant.ID = t.ID
		}
		if s.Tenant.DisplayName == "" {
			s.Tenant.DisplayName = t.DisplayName
		}
		if s.Tenant.InitialDomain == "" {
			s.Tenant.InitialDomain = t.InitialDomain
		}
	}, nil
}

// --- domains and federation.

func (c *client) runDomains(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	opts := options(rep)
	resp, err := c.sdk.Domains().Get(ctx, &domains.DomainsRequestBuilderGetRequestConfiguration{Options: opts})
	if err != nil {
		return nil, err
	}
	var out []tenant.Domain
	err = iterate(ctx, c, rep, resp, models.CreateDomainCollectionResponseFromDiscriminatorValue, func(d models.Domainable) {
		out = append(out, tenant.Domain{
			Name:               deref(d.GetId()),
			AuthenticationType: deref(d.GetAuthenticationType()),
			IsVerified:         deref(d.GetIsVerified()),
			IsDefault:          deref(d.GetIsDefault()),
			IsInitial:          deref(d.GetIsInitial()),
			IsRoot:             deref(d.GetIsRoot()),
			SupportedServices:  d.GetSupportedServices(),
		})
	})
	if err != nil {
		return nil, err
	}

	// Each federated domain's internalDomainFederation, concurrently.
	var federated []int
	for i, d := range out {
		if d.Federated() {
			federated = append(federated, i)
		}
	}
	var mu sync.Mutex
	err = forEach(ctx, len(federated), c.cfg.Concurrency, func(ctx context.Context, k int) error {
		d := &out[federated[k]]
		fed, err := c.federation(ctx, d.Name, rep)
		if err != nil {
			f := explain(TaskDomains, err)
			return &collect.Failure{HTTPStatus: f.HTTPStatus, Fix: f.Fix,
				Message: "federation configuration of " + d.Name + ": " + f.Message}
		}
		mu.Lock()
		d.Federation = fed
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(s *tenant.Snapshot) { s.Domains = out }, nil
}

// federation reads a domain's federation configuration; nil (no error)
// when Graph says the domain has none (404).
func (c *client) federation(ctx context.Context, domain string, rep *collect.Reporter) (*tenant.Federation, error) {
	resp, err := c.sdk.Domains().ByDomainId(domain).FederationConfiguration().Get(ctx,
		&domains.ItemFederationConfigurationRequestBuilderGetRequestConfiguration{Options: options(rep)})
	if err != nil {
		if f := explain("", err); f.HTTPStatus == http.StatusNotFound {
			page(rep, 0)
			return nil, nil
		}
		return nil, err
	}
	items := resp.GetValue()
	page(rep, 0) // the items counted are domains
	if len(items) == 0 {
		return nil, nil
	}
	f := items[0]
	return &tenant.Federation{
		ID:                                    deref(f.GetId()),
		DisplayName:                           deref(f.GetDisplayName()),
		IssuerURI:                             deref(f.GetIssuerUri()),
		MetadataExchangeURI:                   deref(f.GetMetadataExchangeUri()),
		PassiveSignInURI:                      deref(f.GetPassiveSignInUri()),
		ActiveSignInURI:                       deref(f.GetActiveSignInUri()),
		SignOutURI:                            deref(f.GetSignOutUri()),
		PreferredAuthenticationProtocol:       enumString(f.GetPreferredAuthenticationProtocol()),
		PromptLoginBehavior:                   enumString(f.GetPromptLoginBehavior()),
		IsSignedAuthenticationRequestRequired: deref(f.GetIsSignedAuthenticationRequestRequired()),
		FederatedIdpMfaBehavior:               enumString(f.GetFederatedIdpMfaBehavior()),
		HasSigningCertificate:                 deref(f.GetSigningCertificate()) != "",
	}, nil
}

// --- users.

// UserSelect is the $select of the users request: exactly what tenant.User
// holds.
var UserSelect = []string{
	"id", "userPrincipalName", "displayName", "mail", "jobTitle", "accountEnabled",
	"userType", "onPremisesSyncEnabled", "signInSessionsValidFromDateTime",
}

func (c *client) runUsers(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	top := int32(min(c.top(999), 999))
	resp, err := c.sdk.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Select: UserSelect, Top: &top},
		Options:         options(rep),
	})
	if err != nil {
		return nil, err
	}
	var rows collect.Rows[tenant.User]
	err = iterate(ctx, c, rep, resp, models.CreateUserCollectionResponseFromDiscriminatorValue, func(u models.Userable) {
		tu := tenant.User{
			ID:                    deref(u.GetId()),
			UserPrincipalName:     deref(u.GetUserPrincipalName()),
			DisplayName:           deref(u.GetDisplayName()),
			Mail:                  deref(u.GetMail()),
			JobTitle:              deref(u.GetJobTitle()),
			AccountEnabled:        deref(u.GetAccountEnabled()),
			UserType:              deref(u.GetUserType()),
			OnPremisesSyncEnabled: deref(u.GetOnPremisesSyncEnabled()),
		}
		if t := u.GetSignInSessionsValidFromDateTime(); t != nil {
			tu.SignInSessionsValidFrom = t.UTC()
		}
		c.cfg.Strings.Value(&tu)
		rows.Add(tu)
	})
	if err != nil {
		return nil, err
	}
	out := rows.Slice()
	return func(s *tenant.Snapshot) { s.Users = out }, nil
}

// --- conditional access and security defaults.

func (c *client) runConditionalAccess(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	resp, err := c.sdk.Identity().ConditionalAccess().Policies().Get(ctx,
		&identity.ConditionalAccessPoliciesRequestBuilderGetRequestConfiguration{Options: options(rep)})
	if err != nil {
		return nil, err
	}
	out := []tenant.CAPolicy{}
	err = iterate(ctx, c, rep, resp, models.CreateConditionalAccessPolicyCollectionResponseFromDiscriminatorValue, func(p models.ConditionalAccessPolicyable) {
		cp := tenant.CAPolicy{
			ID:          deref(p.GetId()),
			DisplayName: deref(p.GetDisplayName()),
			State:       enumString(p.GetState()),
		}
		if cond := p.GetConditions(); cond != nil {
			if u := cond.GetUsers(); u != nil {
				cp.IncludeUsers, cp.ExcludeUsers = u.GetIncludeUsers(), u.GetExcludeUsers()
				cp.IncludeGroups, cp.ExcludeGroups = u.GetIncludeGroups(), u.GetExcludeGroups()
				cp.IncludeRoles, cp.ExcludeRoles = u.GetIncludeRoles(), u.GetExcludeRoles()
			}
			if a := cond.GetApplications(); a != nil {
				cp.IncludeApplications, cp.ExcludeApplications = a.GetIncludeApplications(), a.GetExcludeApplications()
			}
			cp.ClientAppTypes = enumStrings(cond.GetClientAppTypes())
		}
		if g := p.GetGrantControls(); g != nil {
			cp.GrantOperator = deref(g.GetOperator())
			cp.BuiltInControls = enumStrings(g.GetBuiltInControls())
		}
		cp.IncludeUsers, cp.ExcludeUsers = nilIfEmpty(cp.IncludeUsers), nilIfEmpty(cp.ExcludeUsers)
		cp.IncludeGroups, cp.ExcludeGroups = nilIfEmpty(cp.IncludeGroups), nilIfEmpty(cp.ExcludeGroups)
		cp.IncludeRoles, cp.ExcludeRoles = nilIfEmpty(cp.IncludeRoles), nilIfEmpty(cp.ExcludeRoles)
		cp.IncludeApplications, cp.ExcludeApplications = nilIfEmpty(cp.IncludeApplications), nilIfEmpty(cp.ExcludeApplications)
		out = append(out, cp)
	})
	if err != nil {
		return nil, err
	}
	return func(s *tenant.Snapshot) { s.Entra.ConditionalAccess = out }, nil
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (c *client) runSecurityDefaults(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	p, err := c.sdk.Policies().IdentitySecurityDefaultsEnforcementPolicy().Get(ctx,
		&policies.IdentitySecurityDefaultsEnforcementPolicyRequestBuilderGetRequestConfiguration{Options: options(rep)})
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("Microsoft Graph returned an empty identitySecurityDefaultsEnforcementPolicy")
	}
	page(rep, 1)
	sd := &tenant.SecurityDefaults{IsEnabled: deref(p.GetIsEnabled())}
	return func(s *tenant.Snapshot) { s.Entra.SecurityDefaults = sd }, nil
}

// --- sign-ins (beta, for userAgent).

func (c *client) runSignIns(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	since := c.asOf().Add(-SignInWindow)
	// Judged as of a date: nothing after that day counts (matters when
	// --as-of lies in the past of a real tenant).
	until := c.asOf().Add(24 * time.Hour)
	top := min(c.top(1000), 1000)
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		out  = []tenant.SignIn{}
	)
	err := forEach(ctx, len(LegacyClientApps), c.cfg.Concurrency, func(ctx context.Context, i int) error {
		filter := fmt.Sprintf("clientAppUsed eq '%s' and createdDateTime ge %s and createdDateTime lt %s",
			strings.ReplaceAll(LegacyClientApps[i], "'", "''"), since.Format("2006-01-02T15:04:05Z"), until.Format("2006-01-02T15:04:05Z"))
		first := c.beta("/auditLogs/signIns", "$filter", filter, "$top", fmt.Sprint(top))
		return getPages(ctx, c, first, rep, func(w signInWire) {
			mu.Lock()
			defer mu.Unlock()
			if w.ID != "" && seen[w.ID] {
				return
			}
			seen[w.ID] = true
			si := w.signIn()
			c.cfg.Strings.Value(&si)
			out = append(out, si)
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedDateTime.Equal(out[j].CreatedDateTime) {
			return out[i].CreatedDateTime.After(out[j].CreatedDateTime)
		}
		return out[i].ID < out[j].ID
	})
	searched := append([]string(nil), LegacyClientApps...)
	return func(s *tenant.Snapshot) {
		s.Entra.SignIns = out
		s.Entra.SignInsSince = since
		s.Entra.SignInsClientAppsSearched = searched
	}, nil
}

// --- email-app usage reports (beta JSON).

func (c *client) runEmailAppUsage(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	var (
		usage    collect.Rows[tenant.EmailAppUsage]
		versions *tenant.EmailAppVersions
		mu       sync.Mutex
	)
	params := []string{"$format", "application/json"}
	if c.cfg.PageSize > 0 {
		params = append(params, "$top", fmt.Sprint(c.cfg.PageSize))
	}
	err := forEach(ctx, 2, c.cfg.Concurrency, func(ctx context.Context, i int) error {
		if i == 0 {
			return getPages(ctx, c, c.beta("/reports/getEmailAppUsageUserDetail(period='D30')", params...), rep, func(w emailAppUsageWire) {
				u := w.usage()
				c.cfg.Strings.Value(&u)
				mu.Lock()
				usage.Add(u)
				mu.Unlock()
			})
		}
		return getPages(ctx, c, c.beta("/reports/getEmailAppUsageVersionsUserCounts(period='D30')", params...), rep, func(w emailAppVersionsWire) {
			mu.Lock()
			defer mu.Unlock()
			// One row per report; keep the most recent.
			if versions == nil || w.ReportRefreshDate > versions.ReportRefreshDate {
				v := w.versions()
				versions = &v
			}
		})
	})
	if err != nil {
		return nil, err
	}
	rows := usage.Slice()
	if rows == nil {
		rows = []tenant.EmailAppUsage{}
	}
	return func(s *tenant.Snapshot) {
		s.Entra.EmailAppUsage = rows
		s.Entra.EmailAppVersions = versions
	}, nil
}
