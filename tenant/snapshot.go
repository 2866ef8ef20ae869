// Package tenant holds the typed, JSON-serialisable state of one
// organisation as the collectors saw it: Entra ID (domains, federation,
// users, sign-ins, conditional access), Exchange Online (organisation
// settings, CAS mailboxes, authentication policies, ...), Okta (the Office
// 365 app, its sign-on rules, groups, users, factors, zones, logs), and the
// status of every source that was collected.
//
// It is pure data: no I/O, no clock. Every other package reads it; only
// the clients fill it.
package tenant

import (
	"sort"
	"strings"
	"time"
)

// SchemaVersion is written into every snapshot so that a later version can
// read (or refuse, clearly) an older file.
const SchemaVersion = 1

// Snapshot is everything harden365 knows about one organisation.
type Snapshot struct {
	SchemaVersion int `json:"schemaVersion"`
	// AsOf is the date the organisation is judged on (midnight UTC).
	AsOf time.Time `json:"asOf"`
	// CollectedAt is when collection ran (wall clock of the collector, or
	// the simulator's clock); informational only.
	CollectedAt time.Time `json:"collectedAt,omitzero"`
	// Source says where the data came from: "scenario:contoso",
	// "sim:http://127.0.0.1:1234", "profile:acme".
	Source string `json:"source,omitempty"`

	Tenant   Tenant   `json:"tenant"`
	Domains  []Domain `json:"domains"`
	Users    []User   `json:"users"`
	Exchange Exchange `json:"exchange"`
	Entra    Entra    `json:"entra"`
	Okta     Okta     `json:"okta"`

	// Mail hygiene (the Exchange security checklist): each mail domain's
	// DNS records, and what the organisation's mail endpoints offer.
	DNS       []MailDomainDNS `json:"dns,omitempty"`
	Endpoints []EndpointProbe `json:"endpoints,omitempty"`

	// Collection has one entry per source, sorted by ID.
	Collection []SourceStatus `json:"collection"`
}

// Tenant identifies the organisation.
type Tenant struct {
	ID            string `json:"id"`
	DisplayName   string `json:"displayName"`
	InitialDomain string `json:"initialDomain,omitempty"`
}

// Domain is a Graph domain with its federation settings, if federated.
type Domain struct {
	Name               string      `json:"name"`
	AuthenticationType string      `json:"authenticationType"` // Managed or Federated
	IsVerified         bool        `json:"isVerified"`
	IsDefault          bool        `json:"isDefault"`
	IsInitial          bool        `json:"isInitial"`
	IsRoot             bool        `json:"isRoot"`
	SupportedServices  []string    `json:"supportedServices,omitempty"`
	Federation         *Federation `json:"federation,omitempty"`
}

// Federated reports whether the domain's sign-ins go to a federated IdP.
func (d Domain) Federated() bool { return strings.EqualFold(d.AuthenticationType, "Federated") }

// ServesEmail reports whether the domain lists Email among its services.
func (d Domain) ServesEmail() bool {
	for _, s := range d.SupportedServices {
		if strings.EqualFold(s, "Email") {
			return true
		}
	}
	return false
}

// Federation is a Graph internalDomainFederation.
type Federation struct {
	ID                                    string `json:"id"`
	DisplayName                           string `json:"displayName,omitempty"`
	IssuerURI                             string `json:"issuerUri,omitempty"`
	MetadataExchangeURI                   string `json:"metadataExchangeUri,omitempty"`
	PassiveSignInURI                      string `json:"passiveSignInUri,omitempty"`
	ActiveSignInURI                       string `json:"activeSignInUri,omitempty"`
	SignOutURI                            string `json:"signOutUri,omitempty"`
	PreferredAuthenticationProtocol       string `json:"preferredAuthenticationProtocol,omitempty"`
	PromptLoginBehavior                   string `json:"promptLoginBehavior,omitempty"`
	IsSignedAuthenticationRequestRequired bool   `json:"isSignedAuthenticationRequestRequired"`
	// FederatedIdpMfaBehavior is acceptIfMfaDoneByFederatedIdp,
	// enforceMfaByFederatedIdp or rejectMfaByFederatedIdp ("" = not set,
	// which Entra treats as acceptIfMfaDoneByFederatedIdp).
	FederatedIdpMfaBehavior string `json:"federatedIdpMfaBehavior,omitempty"`
	HasSigningCertificate   bool   `json:"hasSigningCertificate"`
}

// User is an Entra ID user (Graph).
type User struct {
	ID                    string `json:"id"`
	UserPrincipalName     string `json:"userPrincipalName"`
	DisplayName           string `json:"displayName,omitempty"`
	Mail                  string `json:"mail,omitempty"`
	JobTitle              string `json:"jobTitle,omitempty"`
	AccountEnabled        bool   `json:"accountEnabled"`
	UserType              string `json:"userType,omitempty"`
	OnPremisesSyncEnabled bool   `json:"onPremisesSyncEnabled"`
	// SignInSessionsValidFrom is signInSessionsValidFromDateTime: tokens
	// issued before it are revoked.
	SignInSessionsValidFrom time.Time `json:"signInSessionsValidFrom,omitzero"`
}

// Exchange is the Exchange Online state read through the admin API.
type Exchange struct {
	OrganizationConfig     *OrganizationConfig `json:"organizationConfig,omitempty"`
	TransportConfig        *TransportConfig    `json:"transportConfig,omitempty"`
	CASMailboxes           []CASMailbox        `json:"casMailboxes"`
	Users                  []ExchangeUser      `json:"users"`
	AuthenticationPolicies []AuthPolicy        `json:"authenticationPolicies"`
	CASMailboxPlans        []CASMailboxPlan    `json:"casMailboxPlans"`
	MobileDevices          []MobileDevice      `json:"mobileDevices"`
	Checklist              ExchangeChecklist   `json:"checklist,omitzero"` // the Exchange security checklist's tenant settings (exchange_checklist.go)
}

// OrganizationConfig is the part of Get-OrganizationConfig that matters.
type OrganizationConfig struct {
	Identity                   string `json:"identity,omitempty"`
	Name                       string `json:"name,omitempty"`
	OAuth2ClientProfileEnabled bool   `json:"oAuth2ClientProfileEnabled"`
	// DefaultAuthenticationPolicy is the org default policy's name; ""
	// when null.
	DefaultAuthenticationPolicy string    `json:"defaultAuthenticationPolicy,omitempty"`
	AuditDisabled               bool      `json:"auditDisabled"`
	EwsEnabled                  *bool     `json:"ewsEnabled"` // null, true or false
	WhenChanged                 time.Time `json:"whenChanged,omitzero"`
}

// TransportConfig is the part of Get-TransportConfig that matters.
type TransportConfig struct {
	SmtpClientAuthenticationDisabled bool      `json:"smtpClientAuthenticationDisabled"`
	WhenChanged                      time.Time `json:"whenChanged,omitzero"`
}

// CASMailbox is one Get-CASMailbox row: a mailbox's protocol switches.
type CASMailbox struct {
	Identity                  string `json:"identity"`
	Name                      string `json:"name,omitempty"`
	DisplayName               string `json:"displayName,omitempty"`
	PrimarySmtpAddress        string `json:"primarySmtpAddress"`
	ExternalDirectoryObjectID string `json:"externalDirectoryObjectId,omitempty"`
	OWAEnabled                bool   `json:"owaEnabled"`
	MAPIEnabled               bool   `json:"mapiEnabled"`
	EwsEnabled                bool   `json:"ewsEnabled"`
	ActiveSyncEnabled         bool   `json:"activeSyncEnabled"`
	PopEnabled                bool   `json:"popEnabled"`
	ImapEnabled               bool   `json:"imapEnabled"`
	// SmtpClientAuthenticationDisabled: nil means "inherit the tenant's
	// TransportConfig value".
	SmtpClientAuthenticationDisabled *bool `json:"smtpClientAuthenticationDisabled"`
}

// ExchangeUser is one Get-User row.
type ExchangeUser struct {
	Identity                  string `json:"identity"`
	UserPrincipalName         string `json:"userPrincipalName"`
	DisplayName               string `json:"displayName,omitempty"`
	Title                     string `json:"title,omitempty"`
	RecipientTypeDetails      string `json:"recipientTypeDetails,omitempty"`
	ExternalDirectoryObjectID string `json:"externalDirectoryObjectId,omitempty"`
	// AuthenticationPolicy is the assigned policy's name; "" when none.
	AuthenticationPolicy      string    `json:"authenticationPolicy,omitempty"`
	RemotePowerShellEnabled   *bool     `json:"remotePowerShellEnabled"`
	AccountDisabled           bool      `json:"accountDisabled"`
	StsRefreshTokensValidFrom time.Time `json:"stsRefreshTokensValidFrom,omitzero"`
	WhenChanged               time.Time `json:"whenChanged,omitzero"`
}

// AuthPolicy is one Get-AuthenticationPolicy row. AllowBasicAuth maps the
// cmdlet's switch suffix (ActiveSync, Autodiscover, Imap, Mapi,
// OfflineAddressBook, OutlookService, Pop, Powershell, ReportingWebServices,
// Rest, Rpc, Smtp, WebServices) to its value; a switch the service did not
// return is absent.
type AuthPolicy struct {
	Identity       string          `json:"identity"`
	Name           string          `json:"name"`
	AllowBasicAuth map[string]bool `json:"allowBasicAuth"`
	WhenChanged    time.Time       `json:"whenChanged,omitzero"`
}

// AuthPolicySwitches are the AllowBasicAuth* suffixes, in the cmdlet's order.
var AuthPolicySwitches = []string{
	"ActiveSync", "Autodiscover", "Imap", "Mapi", "OfflineAddressBook",
	"OutlookService", "Pop", "Powershell", "ReportingWebServices", "Rest",
	"Rpc", "Smtp", "WebServices",
}

// CASMailboxPlan is one Get-CASMailboxPlan row: the defaults for new
// mailboxes of a licence.
type CASMailboxPlan struct {
	Identity          string `json:"identity"`
	Name              string `json:"name,omitempty"`
	PopEnabled        bool   `json:"popEnabled"`
	ImapEnabled       bool   `json:"imapEnabled"`
	ActiveSyncEnabled bool   `json:"activeSyncEnabled"`
	OwaMailboxPolicy  string `json:"owaMailboxPolicy,omitempty"`
}

// MobileDevice is one Get-MobileDevice row (an ActiveSync or Outlook mobile
// partnership).
type MobileDevice struct {
	Identity string `json:"identity"`
	// Mailbox is the owning mailbox's Identity (the part of Identity before
	// the first backslash).
	Mailbox         string    `json:"mailbox"`
	DeviceID        string    `json:"deviceId,omitempty"`
	DeviceType      string    `json:"deviceType,omitempty"`
	DeviceModel     string    `json:"deviceModel,omitempty"`
	DeviceOS        string    `json:"deviceOS,omitempty"`
	DeviceUserAgent string    `json:"deviceUserAgent,omitempty"`
	ClientType      string    `json:"clientType,omitempty"`
	ClientVersion   string    `json:"clientVersion,omitempty"`
	UserDisplayName string    `json:"userDisplayName,omitempty"`
	FirstSyncTime   time.Time `json:"firstSyncTime,omitzero"`
	LastSyncAttempt time.Time `json:"lastSyncAttemptTime,omitzero"`
	AccessState     string    `json:"deviceAccessState,omitempty"`
}

// Entra is the Entra ID (Azure AD) side: policies, sign-ins and reports.
type Entra struct {
	SecurityDefaults          *SecurityDefaults `json:"securityDefaults,omitempty"`
	ConditionalAccess         []CAPolicy        `json:"conditionalAccess"`
	SignIns                   []SignIn          `json:"signIns"`
	EmailAppUsage             []EmailAppUsage   `json:"emailAppUsage"`
	EmailAppVersions          *EmailAppVersions `json:"emailAppVersions,omitempty"`
	SignInsSince              time.Time         `json:"signInsSince,omitzero"`
	SignInsClientAppsSearched []string          `json:"signInsClientAppsSearched,omitempty"`
}

// SecurityDefaults is identitySecurityDefaultsEnforcementPolicy.
type SecurityDefaults struct {
	IsEnabled bool `json:"isEnabled"`
}

// CAPolicy is a conditional access policy, reduced to what decides
// legacy-auth and MFA outcomes.
type CAPolicy struct {
	ID                  string   `json:"id"`
	DisplayName         string   `json:"displayName"`
	State               string   `json:"state"` // enabled, disabled, enabledForReportingButNotEnforced
	IncludeUsers        []string `json:"includeUsers,omitempty"`
	ExcludeUsers        []string `json:"excludeUsers,omitempty"`
	IncludeGroups       []string `json:"includeGroups,omitempty"`
	ExcludeGroups       []string `json:"excludeGroups,omitempty"`
	IncludeRoles        []string `json:"includeRoles,omitempty"`
	ExcludeRoles        []string `json:"excludeRoles,omitempty"`
	IncludeApplications []string `json:"includeApplications,omitempty"`
	ExcludeApplications []string `json:"excludeApplications,omitempty"`
	ClientAppTypes      []string `json:"clientAppTypes,omitempty"`
	GrantOperator       string   `json:"grantOperator,omitempty"`
	BuiltInControls     []string `json:"builtInControls,omitempty"`
}

// SignIn is one Entra sign-in (beta shape, for userAgent).
type SignIn struct {
	ID                      string    `json:"id" intern:"no"`
	CreatedDateTime         time.Time `json:"createdDateTime"`
	UserID                  string    `json:"userId,omitempty"`
	UserPrincipalName       string    `json:"userPrincipalName"`
	AppDisplayName          string    `json:"appDisplayName,omitempty"`
	ClientAppUsed           string    `json:"clientAppUsed"`
	UserAgent               string    `json:"userAgent,omitempty"`
	IPAddress               string    `json:"ipAddress,omitempty"`
	ConditionalAccessStatus string    `json:"conditionalAccessStatus,omitempty"`
	ErrorCode               int       `json:"errorCode"`
	FailureReason           string    `json:"failureReason,omitempty"`
	OperatingSystem         string    `json:"operatingSystem,omitempty"`
	Browser                 string    `json:"browser,omitempty"`
}

// EmailAppUsage is one row of the email-app usage user detail report; each
// app column lists the versions seen (e.g. "Outlook 2016", "Undetermined").
type EmailAppUsage struct {
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName,omitempty"`
	LastActivityDate  string   `json:"lastActivityDate,omitempty"`
	ReportRefreshDate string   `json:"reportRefreshDate,omitempty"`
	MailForMac        []string `json:"mailForMac,omitempty"`
	OutlookForMac     []string `json:"outlookForMac,omitempty"`
	OutlookForWindows []string `json:"outlookForWindows,omitempty"`
	OutlookForMobile  []string `json:"outlookForMobile,omitempty"`
	OtherForMobile    []string `json:"otherForMobile,omitempty"`
	OutlookForWeb     []string `json:"outlookForWeb,omitempty"`
	POP3App           []string `json:"pop3App,omitempty"`
	IMAP4App          []string `json:"imap4App,omitempty"`
	SMTPApp           []string `json:"smtpApp,omitempty"`
}

// EmailAppVersions is the email-app versions user counts report.
type EmailAppVersions struct {
	ReportRefreshDate string `json:"reportRefreshDate,omitempty"`
	Outlook2007       int    `json:"outlook2007"`
	Outlook2010       int    `json:"outlook2010"`
	Outlook2013       int    `json:"outlook2013"`
	Outlook2016       int    `json:"outlook2016"`
	Outlook2019       int    `json:"outlook2019"`
	OutlookM365       int    `json:"outlookM365"`
	Undetermined      int    `json:"undetermined"`
}

// Okta is the Okta org as seen through its API.
type Okta struct {
	// Configured is false when no Okta org was given; then nothing below
	// was collected and no Okta source appears in Collection.
	Configured bool   `json:"configured"`
	OrgURL     string `json:"orgUrl,omitempty"`
	OrgID      string `json:"orgId,omitempty"`
	// Pipeline is "idx" (Identity Engine) or "v1" (Classic Engine).
	Pipeline string       `json:"pipeline,omitempty"`
	Apps     []OktaApp    `json:"apps"`
	Policies []OktaPolicy `json:"policies"`
	Groups   []OktaGroup  `json:"groups"`
	Users    []OktaUser   `json:"users"`
	Zones    []OktaZone   `json:"zones"`
	Logs     []OktaLog    `json:"logs"`
}

// IdentityEngine reports whether the org runs Okta Identity Engine, where
// app sign-on rules are readable.
func (o Okta) IdentityEngine() bool { return o.Pipeline == "idx" }

// OktaApp is an Office 365 app instance.
type OktaApp struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Label              string    `json:"label,omitempty"`
	Status             string    `json:"status"`
	SignOnMode         string    `json:"signOnMode,omitempty"`
	Domain             string    `json:"domain,omitempty"`
	Domains            []string  `json:"domains,omitempty"`
	MsftTenant         string    `json:"msftTenant,omitempty"`
	WsFedConfigureType string    `json:"wsFedConfigureType,omitempty"`
	AccessPolicyID     string    `json:"accessPolicyId,omitempty"`
	LastUpdated        time.Time `json:"lastUpdated,omitzero"`
}

// OktaPolicy is an Okta policy; for ACCESS_POLICY (the Office 365 app's
// sign-on policy) its rules in priority order.
type OktaPolicy struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Type   string     `json:"type"`
	Status string     `json:"status"`
	System bool       `json:"system"`
	Rules  []OktaRule `json:"rules,omitempty"`
}

// OktaRule is an app sign-on (ACCESS_POLICY) rule.
type OktaRule struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Priority    int       `json:"priority"`
	System      bool      `json:"system"`
	Created     time.Time `json:"created,omitzero"`
	LastUpdated time.Time `json:"lastUpdated,omitzero"`

	UsersInclude  []string `json:"usersInclude,omitempty"`
	UsersExclude  []string `json:"usersExclude,omitempty"`
	GroupsInclude []string `json:"groupsInclude,omitempty"`
	GroupsExclude []string `json:"groupsExclude,omitempty"`
	// NetworkConnection is ANYWHERE (or "" when absent) or ZONE.
	NetworkConnection string   `json:"networkConnection,omitempty"`
	NetworkInclude    []string `json:"networkInclude,omitempty"`
	NetworkExclude    []string `json:"networkExclude,omitempty"`
	// PlatformInclude / PlatformExclude are "TYPE/OS" pairs, e.g.
	// "MOBILE/IOS", "ANY/ANY".
	PlatformInclude  []string `json:"platformInclude,omitempty"`
	PlatformExclude  []string `json:"platformExclude,omitempty"`
	DeviceRegistered *bool    `json:"deviceRegistered,omitempty"`
	DeviceManaged    *bool    `json:"deviceManaged,omitempty"`
	DeviceAssurance  []string `json:"deviceAssurance,omitempty"`
	ElCondition      string   `json:"elCondition,omitempty"`
	RiskScore        string   `json:"riskScore,omitempty"`
	// Office365Client is conditions.office365Client.include (WEB,
	// MODERN_AUTH, EXCHANGE_ACTIVE_SYNC, AAD_JOIN); empty means any client.
	Office365Client []string `json:"office365Client,omitempty"`
	// Unmodelled lists condition keys present on the wire that harden365
	// does not evaluate, so judgement can say so instead of guessing.
	Unmodelled []string `json:"unmodelled,omitempty"`

	Access           string `json:"access"`               // ALLOW or DENY
	FactorMode       string `json:"factorMode,omitempty"` // 1FA or 2FA
	VerificationType string `json:"verificationType,omitempty"`
	ReauthenticateIn string `json:"reauthenticateIn,omitempty"`
	// Constraints summarises verificationMethod.constraints, one entry per
	// constraint object: "knowledge:password", "possession", ...
	Constraints []string `json:"constraints,omitempty"`
}

// OktaGroup is a group with its members' Okta user ids.
type OktaGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type,omitempty"`
	Members     []string `json:"members"`
}

// OktaUser is an Okta user with enrolled factors.
type OktaUser struct {
	ID      string       `json:"id"`
	Status  string       `json:"status"`
	Login   string       `json:"login"`
	Email   string       `json:"email,omitempty"`
	Factors []OktaFactor `json:"factors"`
}

// OktaFactor is one enrolled factor.
type OktaFactor struct {
	ID         string `json:"id" intern:"no"`
	FactorType string `json:"factorType"`
	Provider   string `json:"provider,omitempty"`
	Status     string `json:"status"`
}

// OktaZone is a network zone.
type OktaZone struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Status   string   `json:"status,omitempty"`
	Usage    string   `json:"usage,omitempty"`
	System   bool     `json:"system"`
	Gateways []string `json:"gateways,omitempty"`
	Proxies  []string `json:"proxies,omitempty"`
}

// OktaLog is a System Log event, reduced.
type OktaLog struct {
	UUID             string    `json:"uuid" intern:"no"`
	Published        time.Time `json:"published"`
	EventType        string    `json:"eventType"`
	ActorID          string    `json:"actorId,omitempty"`
	ActorAlternateID string    `json:"actorAlternateId,omitempty"`
	UserAgent        string    `json:"userAgent,omitempty"`
	OS               string    `json:"os,omitempty"`
	IPAddress        string    `json:"ipAddress,omitempty"`
	Result           string    `json:"result,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	RequestURI       string    `json:"requestUri,omitempty"`
	TargetIDs        []string  `json:"targetIds,omitempty"`
}

// Collection states.
const (
	StateOK      = "ok"
	StateError   = "error"
	StateSkipped = "skipped"
)

// SourceStatus records how collecting one source went.
type SourceStatus struct {
	// ID names the source: "graph.users", "exchange.Get-CASMailbox",
	// "okta.rules", ...
	ID      string `json:"id"`
	Service string `json:"service"` // graph, exchange, okta
	State   string `json:"state"`   // ok, error, skipped
	Items   int    `json:"items"`
	Pages   int    `json:"pages"`
	// Error is the exact reason, as the service gave it.
	Error string `json:"error,omitempty"`
	// Fix names the role, scope or permission that would let the source be
	// collected (for errors), or why it was skipped.
	Fix        string `json:"fix,omitempty"`
	HTTPStatus int    `json:"httpStatus,omitempty"`
	// Retries counts throttling or transient retries while collecting.
	Retries int `json:"retries,omitempty"`
}

// Status returns the status of source id, and whether it was recorded.
func (s *Snapshot) Status(id string) (SourceStatus, bool) {
	for _, st := range s.Collection {
		if st.ID == id {
			return st, true
		}
	}
	return SourceStatus{}, false
}

// OK reports whether source id was collected without error.
func (s *Snapshot) OK(id string) bool {
	st, ok := s.Status(id)
	return ok && st.State == StateOK
}

// FactorsRead reports whether the Okta users' enrolled factors were read:
// source okta.factors collected, or, in a snapshot written before factors
// became a source of their own (no okta.factors status), okta.users
// collected (it read them).
func (s *Snapshot) FactorsRead() bool {
	if st, ok := s.Status("okta.factors"); ok {
		return st.State == StateOK
	}
	return s.OK("okta.users")
}

// SetStatus records st, replacing any earlier status of the same source,
// and keeps Collection sorted.
func (s *Snapshot) SetStatus(st SourceStatus) {
	for i := range s.Collection {
		if s.Collection[i].ID == st.ID {
			s.Collection[i] = st
			return
		}
	}
	s.Collection = append(s.Collection, st)
	sort.Slice(s.Collection, func(i, j int) bool { return s.Collection[i].ID < s.Collection[j].ID })
}

// Errors returns the sources that failed, sorted by ID.
func (s *Snapshot) Errors() []SourceStatus {
	var out []SourceStatus
	for _, st := range s.Collection {
		if st.State == StateError {
			out = append(out, st)
		}
	}
	return out
}

// Domain returns the domain named name (case-insensitive).
func (s *Snapshot) Domain(name string) (Domain, bool) {
	for _, d := range s.Domains {
		if strings.EqualFold(d.Name, name) {
			return d, true
		}
	}
	return Domain{}, false
}

// DomainOf returns the domain part of a UPN or address, lower-cased.
func DomainOf(upn string) string {
	if i := strings.LastIndexByte(upn, '@'); i >= 0 {
		return strings.ToLower(upn[i+1:])
	}
	return ""
}

// OktaRuleGroups are the ids of the Okta groups that some sign-on rule
// names, included or excluded: the only groups whose members a rule's
// verdict depends on (at 100,000 users "Everyone" alone holds them all).
func (s *Snapshot) OktaRuleGroups() map[string]bool {
	named := map[string]bool{}
	for _, p := range s.Okta.Policies {
		for _, r := range p.Rules {
			for _, g := range r.GroupsInclude {
				named[g] = true
			}
			for _, g := range r.GroupsExclude {
				named[g] = true
			}
		}
	}
	return named
}
