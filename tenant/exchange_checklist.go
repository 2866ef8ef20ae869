package tenant

import (
	"strings"
	"time"
)

// ExchangeChecklist is what the tenant-settings half of the Exchange
// security checklist (seed 2: auditing, DKIM signing, RBAC, malware
// filtering, Safe Links and Safe Attachments, IRM/OME, S/MIME, connector
// TLS) reads from Exchange Online through the admin API, one source per
// cmdlet ("exchange.<cmdlet>"). Property names are the cmdlets' own; the
// collector (clients/exchange/checklist.go) cites where each comes from.
//
// A slice that is empty means the cmdlet returned no row (or was not
// collected: the source status says which).
type ExchangeChecklist struct {
	// AdminAuditLog is Get-AdminAuditLogConfig.
	AdminAuditLog *AdminAuditLogConfig `json:"adminAuditLog,omitempty"`
	// Mailboxes are the audit settings of every mailbox (Get-Mailbox).
	Mailboxes []MailboxAudit `json:"mailboxes,omitempty"`
	// AuditBypass lists the accounts whose mailbox access is not audited
	// (Get-MailboxAuditBypassAssociation rows with AuditBypassEnabled =
	// True); AuditBypassRead counts every row the cmdlet returned.
	AuditBypass     []AuditBypass `json:"auditBypass,omitempty"`
	AuditBypassRead int           `json:"auditBypassRead,omitempty"`
	// DKIM is Get-DkimSigningConfig: one row per domain Exchange Online
	// has a signing configuration for.
	DKIM []DkimSigningConfig `json:"dkim,omitempty"`
	// RoleGroups is Get-RoleGroup (Exchange RBAC role groups with their
	// direct members).
	RoleGroups []RoleGroup `json:"roleGroups,omitempty"`
	// MalwareFilterPolicies is Get-MalwareFilterPolicy (Exchange Online
	// Protection: every tenant has the Default policy).
	MalwareFilterPolicies []MalwareFilterPolicy `json:"malwareFilterPolicies,omitempty"`
	// Safe Links and Safe Attachments (Microsoft Defender for Office 365):
	// the policies and the rules that scope custom policies to recipients.
	SafeLinksPolicies      []SafeLinksPolicy      `json:"safeLinksPolicies,omitempty"`
	SafeLinksRules         []ProtectionRule       `json:"safeLinksRules,omitempty"`
	SafeAttachmentPolicies []SafeAttachmentPolicy `json:"safeAttachmentPolicies,omitempty"`
	SafeAttachmentRules    []ProtectionRule       `json:"safeAttachmentRules,omitempty"`
	// IRM is Get-IRMConfiguration (Microsoft Purview Message Encryption /
	// Office 365 Message Encryption and IRM).
	IRM *IRMConfiguration `json:"irm,omitempty"`
	// SMIME is Get-SmimeConfig.
	SMIME              *SmimeConfig        `json:"smime,omitempty"`
	InboundConnectors  []InboundConnector  `json:"inboundConnectors,omitempty"`
	OutboundConnectors []OutboundConnector `json:"outboundConnectors,omitempty"`
	// Unavailable maps a cmdlet the service does not offer this tenant
	// (the Defender for Office 365 cmdlets without that licence) to the
	// service's own words. Its source is still "ok": the answer is a fact
	// about the tenant, not a failure to read it.
	Unavailable map[string]string `json:"unavailable,omitempty"`
}

// NotAvailable returns the service's words when cmdlet is not offered to
// the tenant, and whether that is the case.
func (c ExchangeChecklist) NotAvailable(cmdlet string) (string, bool) {
	for k, v := range c.Unavailable {
		if strings.EqualFold(k, cmdlet) {
			return v, true
		}
	}
	return "", false
}

// AdminAuditLogConfig is Get-AdminAuditLogConfig.
type AdminAuditLogConfig struct {
	Identity string `json:"identity,omitempty"`
	// UnifiedAuditLogIngestionEnabled: the organisation's audit log (the
	// Purview audit search) records activity.
	UnifiedAuditLogIngestionEnabled bool `json:"unifiedAuditLogIngestionEnabled"`
	// AdminAuditLogEnabled: Exchange logs admin cmdlets (on by default).
	AdminAuditLogEnabled bool `json:"adminAuditLogEnabled"`
}

// MailboxAudit is the audit part of one Get-Mailbox row.
type MailboxAudit struct {
	Identity                  string `json:"identity"`
	UserPrincipalName         string `json:"userPrincipalName,omitempty"`
	PrimarySmtpAddress        string `json:"primarySmtpAddress,omitempty"`
	ExternalDirectoryObjectID string `json:"externalDirectoryObjectId,omitempty"`
	// RecipientTypeDetails: UserMailbox, SharedMailbox, RoomMailbox,
	// EquipmentMailbox, ...
	RecipientTypeDetails string `json:"recipientTypeDetails,omitempty"`
	AuditEnabled         bool   `json:"auditEnabled"`
	// AuditLogAgeLimit is a TimeSpan as the service writes it
	// ("90.00:00:00").
	AuditLogAgeLimit string `json:"auditLogAgeLimit,omitempty"`
}

// Name is the mailbox's address, else its Identity.
func (m MailboxAudit) Name() string {
	switch {
	case m.PrimarySmtpAddress != "":
		return m.PrimarySmtpAddress
	case m.UserPrincipalName != "":
		return m.UserPrincipalName
	}
	return m.Identity
}

// AuditBypass is a Get-MailboxAuditBypassAssociation row with
// AuditBypassEnabled = True.
type AuditBypass struct {
	Identity string `json:"identity"`
	Name     string `json:"name,omitempty"`
}

// DkimSigningConfig is one Get-DkimSigningConfig row.
type DkimSigningConfig struct {
	Identity string `json:"identity,omitempty"`
	Domain   string `json:"domain"`
	Enabled  bool   `json:"enabled"`
	// Status is Valid, CnameMissing, NoDKIMKeys, ... (Valid when signing
	// works).
	Status         string `json:"status,omitempty"`
	Selector1CNAME string `json:"selector1CNAME,omitempty"`
	Selector2CNAME string `json:"selector2CNAME,omitempty"`
}

// RoleGroup is one Get-RoleGroup row.
type RoleGroup struct {
	Identity string `json:"identity,omitempty"`
	Name     string `json:"name"`
	// Members are the direct members' identities as the service lists
	// them: users (their Exchange Identity) and, for Organization
	// Management, the groups that carry Entra ID roles into Exchange
	// (TenantAdmins_-<n> = Global Administrator, ExchangeServiceAdmins_-<n>
	// = Exchange Administrator), whose own members are not listed here.
	Members       []string `json:"members"`
	RoleGroupType string   `json:"roleGroupType,omitempty"`
}

// MalwareFilterPolicy is one Get-MalwareFilterPolicy row.
type MalwareFilterPolicy struct {
	Identity  string `json:"identity,omitempty"`
	Name      string `json:"name"`
	IsDefault bool   `json:"isDefault"`
	// EnableFileFilter is the common attachments filter.
	EnableFileFilter bool `json:"enableFileFilter"`
	// ZapEnabled is zero-hour auto purge of malware already delivered.
	ZapEnabled                             bool   `json:"zapEnabled"`
	EnableInternalSenderAdminNotifications bool   `json:"enableInternalSenderAdminNotifications"`
	InternalSenderAdminAddress             string `json:"internalSenderAdminAddress,omitempty"`
}

// SafeLinksPolicy is one Get-SafeLinksPolicy row.
type SafeLinksPolicy struct {
	Identity string `json:"identity,omitempty"`
	Name     string `json:"name"`
	// IsBuiltInProtection marks the "Built-In Protection Policy", which
	// applies to every recipient no other policy covers.
	IsBuiltInProtection bool `json:"isBuiltInProtection"`
	// RecommendedPolicyType is Standard or Strict for the preset security
	// policies (scoped by Get-ATPProtectionPolicyRule, not by the rules
	// below), Custom otherwise.
	RecommendedPolicyType    string `json:"recommendedPolicyType,omitempty"`
	EnableSafeLinksForEmail  bool   `json:"enableSafeLinksForEmail"`
	EnableSafeLinksForTeams  bool   `json:"enableSafeLinksForTeams"`
	EnableSafeLinksForOffice bool   `json:"enableSafeLinksForOffice"`
	ScanUrls                 bool   `json:"scanUrls"`
	DeliverMessageAfterScan  bool   `json:"deliverMessageAfterScan"`
	EnableForInternalSenders bool   `json:"enableForInternalSenders"`
	TrackClicks              bool   `json:"trackClicks"`
	AllowClickThrough        bool   `json:"allowClickThrough"`
	DisableUrlRewrite        bool   `json:"disableUrlRewrite"`
}

// SafeAttachmentPolicy is one Get-SafeAttachmentPolicy row.
type SafeAttachmentPolicy struct {
	Identity              string `json:"identity,omitempty"`
	Name                  string `json:"name"`
	IsBuiltInProtection   bool   `json:"isBuiltInProtection"`
	RecommendedPolicyType string `json:"recommendedPolicyType,omitempty"`
	Enable                bool   `json:"enable"`
	// Action is Block, DynamicDelivery or Allow (monitor only).
	Action string `json:"action,omitempty"`
}

// ProtectionRule is one Get-SafeLinksRule or Get-SafeAttachmentRule row:
// which recipients a custom policy applies to.
type ProtectionRule struct {
	Identity string `json:"identity,omitempty"`
	Name     string `json:"name"`
	// Policy is the rule's SafeLinksPolicy or SafeAttachmentPolicy.
	Policy   string `json:"policy"`
	State    string `json:"state"` // Enabled or Disabled
	Priority int    `json:"priority"`
	// Conditions: recipients in these domains, these users, or members of
	// these groups; the ExceptIf* lists are exclusions.
	RecipientDomainIs         []string `json:"recipientDomainIs,omitempty"`
	SentTo                    []string `json:"sentTo,omitempty"`
	SentToMemberOf            []string `json:"sentToMemberOf,omitempty"`
	ExceptIfRecipientDomainIs []string `json:"exceptIfRecipientDomainIs,omitempty"`
	ExceptIfSentTo            []string `json:"exceptIfSentTo,omitempty"`
	ExceptIfSentToMemberOf    []string `json:"exceptIfSentToMemberOf,omitempty"`
}

// Enabled reports whether the rule's State is Enabled.
func (r ProtectionRule) Enabled() bool { return strings.EqualFold(r.State, "Enabled") }

// IRMConfiguration is the part of Get-IRMConfiguration that decides
// whether users can encrypt mail.
type IRMConfiguration struct {
	AzureRMSLicensingEnabled      bool `json:"azureRMSLicensingEnabled"`
	InternalLicensingEnabled      bool `json:"internalLicensingEnabled"`
	ExternalLicensingEnabled      bool `json:"externalLicensingEnabled"`
	SimplifiedClientAccessEnabled bool `json:"simplifiedClientAccessEnabled"`
}

// SmimeConfig is the part of Get-SmimeConfig that says whether S/MIME is
// set up (the trusted issuing CAs uploaded) and whether they expire.
type SmimeConfig struct {
	// CertificateIssuingCA reports whether SMIMECertificateIssuingCA (the
	// serialized certificate store of trusted root and intermediate CAs)
	// holds anything.
	CertificateIssuingCA bool `json:"certificateIssuingCA"`
	// CertificatesExpiryDate is SMIMECertificatesExpiryDate: when the first
	// of those certificates expires (zero when none).
	CertificatesExpiryDate       time.Time `json:"certificatesExpiryDate,omitzero"`
	ExpiredCertificateThumbprint string    `json:"expiredCertificateThumbprint,omitempty"`
	OWAAlwaysSign                bool      `json:"owaAlwaysSign"`
	OWAAlwaysEncrypt             bool      `json:"owaAlwaysEncrypt"`
}

// InboundConnector is one Get-InboundConnector row.
type InboundConnector struct {
	Identity string `json:"identity,omitempty"`
	Name     string `json:"name"`
	Enabled  bool   `json:"enabled"`
	// ConnectorType is Partner or OnPremises.
	ConnectorType string `json:"connectorType,omitempty"`
	// ConnectorSource is Default (made by hand), HybridWizard or Migrated.
	ConnectorSource              string   `json:"connectorSource,omitempty"`
	SenderDomains                []string `json:"senderDomains,omitempty"`
	SenderIPAddresses            []string `json:"senderIPAddresses,omitempty"`
	RequireTls                   bool     `json:"requireTls"`
	RestrictDomainsToCertificate bool     `json:"restrictDomainsToCertificate"`
	RestrictDomainsToIPAddresses bool     `json:"restrictDomainsToIPAddresses"`
	TlsSenderCertificateName     string   `json:"tlsSenderCertificateName,omitempty"`
}

// OutboundConnector is one Get-OutboundConnector row.
type OutboundConnector struct {
	Identity         string   `json:"identity,omitempty"`
	Name             string   `json:"name"`
	Enabled          bool     `json:"enabled"`
	ConnectorType    string   `json:"connectorType,omitempty"`
	ConnectorSource  string   `json:"connectorSource,omitempty"`
	RecipientDomains []string `json:"recipientDomains,omitempty"`
	SmartHosts       []string `json:"smartHosts,omitempty"`
	UseMXRecord      bool     `json:"useMXRecord"`
	// TlsSettings is "" (null: opportunistic TLS, the default),
	// EncryptionOnly, CertificateValidation or DomainValidation.
	TlsSettings           string `json:"tlsSettings,omitempty"`
	TlsDomain             string `json:"tlsDomain,omitempty"`
	IsTransportRuleScoped bool   `json:"isTransportRuleScoped"`
	AllAcceptedDomains    bool   `json:"allAcceptedDomains"`
}
