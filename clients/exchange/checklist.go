package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// The tenant-settings half of the Exchange security checklist (seed 2):
// one task per cmdlet, decoded into tenant.ExchangeChecklist. Get-Organization
// Config's AuditDisabled, which mailbox auditing also needs, is collected by
// Tasks already.
//
// Where the property names come from (cmdlet reference pages are
// learn.microsoft.com/powershell/module/exchange/<cmdlet>, mirrored in the
// MicrosoftDocs/office-docs-powershell repository):
//
//   - Get-AdminAuditLogConfig: Identity, UnifiedAuditLogIngestionEnabled,
//     AdminAuditLogEnabled (reference/microsoft-apis.md §1.10; Set-
//     AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled in CIPP).
//   - Get-Mailbox -ResultSize Unlimited: AuditEnabled, AuditLogAgeLimit
//     (a TimeSpan "90.00:00:00"), RecipientTypeDetails, UserPrincipalName,
//     PrimarySmtpAddress, ExternalDirectoryObjectId (Microsoft "Manage
//     mailbox auditing"; SystemAdmins.M365Assessment
//     Invoke-ReviewExoMailboxAuditEnabled reads AuditEnabled the same way).
//   - Get-MailboxAuditBypassAssociation -ResultSize Unlimited: Identity,
//     Name, AuditBypassEnabled, one row per user account (cmdlet
//     reference; MailboxAuditBypassAssociation class: AuditBypassEnabled,
//     Name, ObjectId). AuditBypassEnabled is not a Get-Mailbox property,
//     hence the separate cmdlet.
//   - Get-DkimSigningConfig: Domain, Enabled, Status, Selector1CNAME,
//     Selector2CNAME (reference §1.10, from a live capture). It takes no
//     ResultSize.
//   - Get-RoleGroup -ResultSize Unlimited: Name, Identity, Members,
//     RoleGroupType (cmdlet reference: Filter works on "LinkedGroup,
//     ManagedBy, Members, Name, RoleGroupType"). Organization Management's
//     members are read from its Members property rather than with
//     Get-RoleGroupMember -Identity "Organization Management": the same
//     list, and one call for every role group. Get-RoleGroupMember would add
//     each member's RecipientType; the members here are joined to Get-User
//     by Identity instead.
//   - Get-MalwareFilterPolicy: Name, IsDefault, EnableFileFilter,
//     ZapEnabled, EnableInternalSenderAdminNotifications,
//     InternalSenderAdminAddress (Set-MalwareFilterPolicy parameters;
//     Microsoft365DSC EXOMalwareFilterPolicy).
//   - Get-SafeLinksPolicy: EnableSafeLinksForEmail, EnableSafeLinksForTeams,
//     EnableSafeLinksForOffice, ScanUrls, DeliverMessageAfterScan,
//     EnableForInternalSenders, TrackClicks, AllowClickThrough,
//     DisableUrlRewrite, IsBuiltInProtection, RecommendedPolicyType
//     (Microsoft365DSC EXOSafeLinksPolicy; Posh365 Get-ATPSafeLinksPolicy;
//     Microsoft "Preset security policies": the built-in policies are named
//     "Built-In Protection Policy" with IsBuiltInProtection True).
//   - Get-SafeAttachmentPolicy: Enable, Action (Block, DynamicDelivery,
//     Allow), IsBuiltInProtection, RecommendedPolicyType (Microsoft
//     "Preset security policies" evaluation-policy table).
//   - Get-SafeLinksRule / Get-SafeAttachmentRule: Name, SafeLinksPolicy /
//     SafeAttachmentPolicy, State, Priority, RecipientDomainIs, SentTo,
//     SentToMemberOf and their ExceptIf* forms (Posh365 Get-ATPSafeLinksRule;
//     Microsoft365DSC EXOSafeLinksRule).
//   - Get-IRMConfiguration: AzureRMSLicensingEnabled,
//     InternalLicensingEnabled, ExternalLicensingEnabled,
//     SimplifiedClientAccessEnabled (Set-IRMConfiguration parameters;
//     Microsoft "Set up Microsoft Purview Message Encryption" verifies with
//     Get-IRMConfiguration | fl AzureRMSLicensingEnabled).
//   - Get-SmimeConfig: SMIMECertificateIssuingCA (Byte[]),
//     SMIMECertificatesExpiryDate, SMIMEExpiredCertificateThumbprint,
//     OWAAlwaysSign, OWAAlwaysEncrypt (Set-SmimeConfig reference; the
//     expiry and thumbprint properties from decompiled Exchange code). How
//     the admin API serialises a byte array (base64 string or array of
//     numbers) is [unconfirmed]: any non-empty value counts as set.
//   - Get-InboundConnector: Name, Enabled, ConnectorType, ConnectorSource,
//     SenderDomains, SenderIPAddresses, RequireTls,
//     RestrictDomainsToCertificate, RestrictDomainsToIPAddresses,
//     TlsSenderCertificateName (Set-InboundConnector reference).
//   - Get-OutboundConnector: Name, Enabled, ConnectorType, ConnectorSource,
//     RecipientDomains, SmartHosts, UseMXRecord, TlsSettings (null =
//     opportunistic, EncryptionOnly, CertificateValidation,
//     DomainValidation), TlsDomain, IsTransportRuleScoped,
//     AllAcceptedDomains (Set-OutboundConnector reference). Outbound
//     connectors have no RequireTls: TlsSettings is their TLS requirement.
//
// Not licensed: the Safe Links and Safe Attachments cmdlets belong to
// Microsoft Defender for Office 365. A tenant without that licence does not
// have them; PowerShell answers "The term 'Get-SafeLinksPolicy' is not
// recognized as a name of a cmdlet" (cisagov ScubaGear's Defender provider
// tests for exactly this with Get-Command before calling them, and reports
// "Defender for Office 365 license not available in tenant"). Through the
// admin API that is a 400 CommandNotFoundException. The collector records
// it in ExchangeChecklist.Unavailable (the source is "ok") so that the
// checks say "not licensed" instead of failing or erroring.

// Checklist cmdlets.
const (
	cmdAdminAuditLog      = "Get-AdminAuditLogConfig"
	cmdMailbox            = "Get-Mailbox"
	cmdAuditBypass        = "Get-MailboxAuditBypassAssociation"
	cmdDkim               = "Get-DkimSigningConfig"
	cmdRoleGroup          = "Get-RoleGroup"
	cmdMalwareFilter      = "Get-MalwareFilterPolicy"
	cmdSafeLinksPolicy    = "Get-SafeLinksPolicy"
	cmdSafeLinksRule      = "Get-SafeLinksRule"
	cmdSafeAttachPolicy   = "Get-SafeAttachmentPolicy"
	cmdSafeAttachRule     = "Get-SafeAttachmentRule"
	cmdIRM                = "Get-IRMConfiguration"
	cmdSmime              = "Get-SmimeConfig"
	cmdInboundConnector   = "Get-InboundConnector"
	cmdOutboundConnector  = "Get-OutboundConnector"
	defenderLicenceAbsent = "Microsoft Defender for Office 365 (Plan 1 or 2) is not licensed: the service does not offer this cmdlet to the tenant"
)

// ChecklistCmdlets returns the cmdlets the checklist collects, in task
// order (each is the source "exchange.<cmdlet>").
func ChecklistCmdlets() []string {
	return []string{
		cmdAdminAuditLog, cmdMailbox, cmdAuditBypass, cmdDkim, cmdRoleGroup, cmdMalwareFilter,
		cmdSafeLinksPolicy, cmdSafeLinksRule, cmdSafeAttachPolicy, cmdSafeAttachRule,
		cmdIRM, cmdSmime, cmdInboundConnector, cmdOutboundConnector,
	}
}

// defenderCmdlets exist only with Defender for Office 365.
var defenderCmdlets = map[string]bool{
	cmdSafeLinksPolicy: true, cmdSafeLinksRule: true, cmdSafeAttachPolicy: true, cmdSafeAttachRule: true,
}

// Read roles, for a 403. Global Reader reads everything here; the
// Exchange-side equivalents are the View-Only Organization Management role
// group (View-Only Configuration, View-Only Recipients roles) and, for the
// protection policies and DKIM, the Security Reader role. Sources:
// Microsoft365DSC settings.json of EXORoleGroup and
// EXOMailboxAuditBypassAssociation (read: Global Reader; Exchange
// View-Only Configuration / View-Only Organization Management), of
// EXOMalwareFilterPolicy, EXODkimSigningConfig and the Safe Links/
// Attachments resources (read: Security Reader; Exchange Security Reader /
// View-Only Configuration); reference §1.1 (Get-Mailbox answered 403 with
// Security Reader only).
const (
	roleGlobalReader = "assign the Global Reader role in Entra ID to the signed-in account or the app's service principal (inside Exchange: the View-Only Organization Management role group, whose View-Only Configuration role runs %s)"
	roleRecipients   = "assign the Global Reader role in Entra ID to the signed-in account or the app's service principal (inside Exchange: the View-Only Organization Management role group, whose View-Only Recipients role runs %s); Security Reader alone is not enough for Get-Mailbox"
	roleSecurity     = "assign the Security Reader or Global Reader role in Entra ID to the signed-in account or the app's service principal (inside Exchange: the Security Reader or View-Only Configuration role runs %s)"
)

// ReadRole says which role lets the signed-in account or app run cmdlet.
func ReadRole(cmdlet string) string {
	switch cmdlet {
	case cmdMailbox:
		return fmt.Sprintf(roleRecipients, cmdlet)
	case cmdDkim, cmdMalwareFilter, cmdSafeLinksPolicy, cmdSafeLinksRule, cmdSafeAttachPolicy, cmdSafeAttachRule:
		return fmt.Sprintf(roleSecurity, cmdlet)
	}
	return fmt.Sprintf(roleGlobalReader, cmdlet)
}

// checklistTasks are the checklist's collector tasks (hooked into Tasks).
func checklistTasks(c *Client) []collect.Task {
	unlimited := map[string]any{"ResultSize": "Unlimited"}
	return []collect.Task{
		checklistTask(c, cmdAdminAuditLog, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			if len(rows) == 0 {
				return nil // the check says the service returned nothing
			}
			var w struct {
				Identity                                              string
				UnifiedAuditLogIngestionEnabled, AdminAuditLogEnabled bool
			}
			if err := decode(rows[0], &w); err != nil {
				return err
			}
			cl.AdminAuditLog = &tenant.AdminAuditLogConfig{Identity: w.Identity,
				UnifiedAuditLogIngestionEnabled: w.UnifiedAuditLogIngestionEnabled, AdminAuditLogEnabled: w.AdminAuditLogEnabled}
			return nil
		}),
		checklistRowsTask(c, cmdMailbox, func(r json.RawMessage) (tenant.MailboxAudit, bool, error) {
			var w struct {
				Identity, UserPrincipalName, PrimarySmtpAddress, ExternalDirectoryObjectId string
				RecipientTypeDetails, AuditLogAgeLimit                                     string
				AuditEnabled                                                               bool
			}
			if err := decodeRaw(r, &w); err != nil {
				return tenant.MailboxAudit{}, false, err
			}
			return tenant.MailboxAudit{Identity: w.Identity, UserPrincipalName: w.UserPrincipalName,
				PrimarySmtpAddress: w.PrimarySmtpAddress, ExternalDirectoryObjectID: w.ExternalDirectoryObjectId,
				RecipientTypeDetails: w.RecipientTypeDetails, AuditEnabled: w.AuditEnabled, AuditLogAgeLimit: w.AuditLogAgeLimit}, true, nil
		}, func(cl *tenant.ExchangeChecklist, out []tenant.MailboxAudit, _ int) { cl.Mailboxes = nonNil(out) }),
		checklistRowsTask(c, cmdAuditBypass, func(r json.RawMessage) (tenant.AuditBypass, bool, error) {
			var w struct {
				Identity, Name     string
				AuditBypassEnabled bool
			}
			if err := decodeRaw(r, &w); err != nil {
				return tenant.AuditBypass{}, false, err
			}
			return tenant.AuditBypass{Identity: w.Identity, Name: w.Name}, w.AuditBypassEnabled, nil
		}, func(cl *tenant.ExchangeChecklist, out []tenant.AuditBypass, read int) {
			cl.AuditBypass, cl.AuditBypassRead = out, read
		}),
		checklistTask(c, cmdDkim, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.DkimSigningConfig, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Domain, Status, Selector1CNAME, Selector2CNAME string
					Enabled                                                  bool
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				if w.Domain == "" {
					w.Domain = w.Identity
				}
				out = append(out, tenant.DkimSigningConfig{Identity: w.Identity, Domain: w.Domain, Enabled: w.Enabled, Status: w.Status,
					Selector1CNAME: w.Selector1CNAME, Selector2CNAME: w.Selector2CNAME})
			}
			cl.DKIM = out
			return nil
		}),
		checklistTask(c, cmdRoleGroup, unlimited, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.RoleGroup, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, RoleGroupType string
					Members                       []string
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				if w.Members == nil {
					w.Members = []string{}
				}
				out = append(out, tenant.RoleGroup{Identity: w.Identity, Name: w.Name, Members: w.Members, RoleGroupType: w.RoleGroupType})
			}
			cl.RoleGroups = out
			return nil
		}),
		checklistTask(c, cmdMalwareFilter, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.MalwareFilterPolicy, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, InternalSenderAdminAddress                                      string
					IsDefault, EnableFileFilter, ZapEnabled, EnableInternalSenderAdminNotifications bool
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				out = append(out, tenant.MalwareFilterPolicy{Identity: w.Identity, Name: w.Name, IsDefault: w.IsDefault,
					EnableFileFilter: w.EnableFileFilter, ZapEnabled: w.ZapEnabled,
					EnableInternalSenderAdminNotifications: w.EnableInternalSenderAdminNotifications, InternalSenderAdminAddress: w.InternalSenderAdminAddress})
			}
			cl.MalwareFilterPolicies = out
			return nil
		}),
		checklistTask(c, cmdSafeLinksPolicy, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.SafeLinksPolicy, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, RecommendedPolicyType                                      string
					IsBuiltInProtection                                                        bool
					EnableSafeLinksForEmail, EnableSafeLinksForTeams, EnableSafeLinksForOffice bool
					ScanUrls, DeliverMessageAfterScan, EnableForInternalSenders                bool
					TrackClicks, AllowClickThrough, DisableUrlRewrite                          bool
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				out = append(out, tenant.SafeLinksPolicy{Identity: w.Identity, Name: w.Name, RecommendedPolicyType: w.RecommendedPolicyType,
					IsBuiltInProtection: w.IsBuiltInProtection, EnableSafeLinksForEmail: w.EnableSafeLinksForEmail,
					EnableSafeLinksForTeams: w.EnableSafeLinksForTeams, EnableSafeLinksForOffice: w.EnableSafeLinksForOffice,
					ScanUrls: w.ScanUrls, DeliverMessageAfterScan: w.DeliverMessageAfterScan, EnableForInternalSenders: w.EnableForInternalSenders,
					TrackClicks: w.TrackClicks, AllowClickThrough: w.AllowClickThrough, DisableUrlRewrite: w.DisableUrlRewrite})
			}
			cl.SafeLinksPolicies = out
			return nil
		}),
		checklistTask(c, cmdSafeLinksRule, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out, err := protectionRules(rows, "SafeLinksPolicy")
			cl.SafeLinksRules = out
			return err
		}),
		checklistTask(c, cmdSafeAttachPolicy, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.SafeAttachmentPolicy, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, Action, RecommendedPolicyType string
					IsBuiltInProtection, Enable                   bool
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				out = append(out, tenant.SafeAttachmentPolicy{Identity: w.Identity, Name: w.Name, RecommendedPolicyType: w.RecommendedPolicyType,
					IsBuiltInProtection: w.IsBuiltInProtection, Enable: w.Enable, Action: w.Action})
			}
			cl.SafeAttachmentPolicies = out
			return nil
		}),
		checklistTask(c, cmdSafeAttachRule, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out, err := protectionRules(rows, "SafeAttachmentPolicy")
			cl.SafeAttachmentRules = out
			return err
		}),
		checklistTask(c, cmdIRM, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			if len(rows) == 0 {
				return nil
			}
			var w struct {
				AzureRMSLicensingEnabled, InternalLicensingEnabled, ExternalLicensingEnabled, SimplifiedClientAccessEnabled bool
			}
			if err := decode(rows[0], &w); err != nil {
				return err
			}
			cl.IRM = &tenant.IRMConfiguration{AzureRMSLicensingEnabled: w.AzureRMSLicensingEnabled, InternalLicensingEnabled: w.InternalLicensingEnabled,
				ExternalLicensingEnabled: w.ExternalLicensingEnabled, SimplifiedClientAccessEnabled: w.SimplifiedClientAccessEnabled}
			return nil
		}),
		checklistTask(c, cmdSmime, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			if len(rows) == 0 {
				return nil
			}
			var w struct {
				SMIMECertificateIssuingCA         json.RawMessage
				SMIMECertificatesExpiryDate       Time
				SMIMEExpiredCertificateThumbprint string
				OWAAlwaysSign, OWAAlwaysEncrypt   bool
			}
			if err := decode(rows[0], &w); err != nil {
				return err
			}
			cl.SMIME = &tenant.SmimeConfig{CertificateIssuingCA: nonEmpty(w.SMIMECertificateIssuingCA),
				CertificatesExpiryDate: w.SMIMECertificatesExpiryDate.Time, ExpiredCertificateThumbprint: w.SMIMEExpiredCertificateThumbprint,
				OWAAlwaysSign: w.OWAAlwaysSign, OWAAlwaysEncrypt: w.OWAAlwaysEncrypt}
			return nil
		}),
		checklistTask(c, cmdInboundConnector, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.InboundConnector, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, ConnectorType, ConnectorSource, TlsSenderCertificateName        string
					Enabled, RequireTls, RestrictDomainsToCertificate, RestrictDomainsToIPAddresses bool
					SenderDomains, SenderIPAddresses                                                []string
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				out = append(out, tenant.InboundConnector{Identity: w.Identity, Name: w.Name, Enabled: w.Enabled, ConnectorType: w.ConnectorType,
					ConnectorSource: w.ConnectorSource, SenderDomains: w.SenderDomains, SenderIPAddresses: w.SenderIPAddresses, RequireTls: w.RequireTls,
					RestrictDomainsToCertificate: w.RestrictDomainsToCertificate, RestrictDomainsToIPAddresses: w.RestrictDomainsToIPAddresses,
					TlsSenderCertificateName: w.TlsSenderCertificateName})
			}
			cl.InboundConnectors = out
			return nil
		}),
		checklistTask(c, cmdOutboundConnector, nil, func(cl *tenant.ExchangeChecklist, rows []Row) error {
			out := make([]tenant.OutboundConnector, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, ConnectorType, ConnectorSource, TlsDomain       string
					TlsSettings                                                     *string
					Enabled, UseMXRecord, IsTransportRuleScoped, AllAcceptedDomains bool
					RecipientDomains, SmartHosts                                    []string
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				out = append(out, tenant.OutboundConnector{Identity: w.Identity, Name: w.Name, Enabled: w.Enabled, ConnectorType: w.ConnectorType,
					ConnectorSource: w.ConnectorSource, RecipientDomains: w.RecipientDomains, SmartHosts: w.SmartHosts, UseMXRecord: w.UseMXRecord,
					TlsSettings: deref(w.TlsSettings), TlsDomain: w.TlsDomain, IsTransportRuleScoped: w.IsTransportRuleScoped,
					AllAcceptedDomains: w.AllAcceptedDomains})
			}
			cl.OutboundConnectors = out
			return nil
		}),
	}
}

// checklistTask runs cmdlet and hands its rows to apply, in the style of
// Tasks: decode first (a malformed row is this source's error), write into
// the snapshot later. A 403 names the role that reads the cmdlet; a
// Defender cmdlet the tenant does not have is recorded as unavailable.
func checklistTask(c *Client, cmdlet string, params map[string]any, apply func(cl *tenant.ExchangeChecklist, rows []Row) error) collect.Task {
	return collect.Task{
		ID: "exchange." + cmdlet, Service: "exchange",
		Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
			rows, err := c.Invoke(ctx, cmdlet, params, Hooks{Page: rep.Page, Wait: rep.Wait})
			if err != nil {
				if msg, ok := notOffered(cmdlet, err); ok {
					return markUnavailable(cmdlet, msg), nil
				}
				return nil, withReadRole(cmdlet, err)
			}
			if err := apply(&tenant.ExchangeChecklist{}, rows); err != nil {
				return nil, &collect.Failure{Message: cmdlet + ": " + err.Error()}
			}
			return func(s *tenant.Snapshot) { _ = apply(&s.Exchange.Checklist, rows) }, nil
		},
	}
}

// markUnavailable records that the tenant does not offer cmdlet (a
// Defender cmdlet without the licence), and why.
func markUnavailable(cmdlet, msg string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		cl := &s.Exchange.Checklist
		if cl.Unavailable == nil {
			cl.Unavailable = map[string]string{}
		}
		cl.Unavailable[cmdlet] = msg
	}
}

// checklistRowsTask is checklistTask for a listing (-ResultSize Unlimited)
// converted a page at a time (see rowsTask).
func checklistRowsTask[T any](c *Client, cmdlet string, conv func(json.RawMessage) (T, bool, error), set func(cl *tenant.ExchangeChecklist, out []T, read int)) collect.Task {
	return collect.Task{
		ID: "exchange." + cmdlet, Service: "exchange",
		Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
			out, read, err := convertRows(ctx, c, cmdlet, rep, conv)
			if err != nil {
				if _, bad := err.(rowError); bad {
					return nil, err
				}
				if msg, ok := notOffered(cmdlet, err); ok {
					return markUnavailable(cmdlet, msg), nil
				}
				return nil, withReadRole(cmdlet, err)
			}
			return func(s *tenant.Snapshot) { set(&s.Exchange.Checklist, out, read) }, nil
		},
	}
}

// notOffered recognises the service's answer to a Defender for Office 365
// cmdlet in a tenant without that licence: CommandNotFoundException, "The
// term '<cmdlet>' is not recognized as a name of a cmdlet".
func notOffered(cmdlet string, err error) (string, bool) {
	var f *collect.Failure
	if !defenderCmdlets[cmdlet] || !errors.As(err, &f) || f.HTTPStatus != http.StatusBadRequest {
		return "", false
	}
	if !strings.Contains(f.Message, "is not recognized") && !strings.Contains(f.Message, "CommandNotFound") {
		return "", false
	}
	return defenderLicenceAbsent + " (" + strings.TrimPrefix(f.Message, cmdlet+": ") + ")", true
}

// withReadRole replaces a 403's generic fix by the role that reads cmdlet.
func withReadRole(cmdlet string, err error) error {
	var f *collect.Failure
	if errors.As(err, &f) && f.HTTPStatus == http.StatusForbidden {
		return &collect.Failure{HTTPStatus: f.HTTPStatus, Message: f.Message, Fix: ReadRole(cmdlet)}
	}
	return err
}

// protectionRules decodes Safe Links or Safe Attachments rules; policyKey
// names the property that holds the rule's policy.
func protectionRules(rows []Row, policyKey string) ([]tenant.ProtectionRule, error) {
	out := make([]tenant.ProtectionRule, 0, len(rows))
	for i, r := range rows {
		var w struct {
			Identity, Name, State                                             string
			Priority                                                          int
			RecipientDomainIs, SentTo, SentToMemberOf                         []string
			ExceptIfRecipientDomainIs, ExceptIfSentTo, ExceptIfSentToMemberOf []string
		}
		if err := decode(r, &w); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		var policy string
		if raw, ok := r[policyKey]; ok {
			if err := json.Unmarshal(raw, &policy); err != nil {
				return nil, fmt.Errorf("row %d: property %s: expected a string", i, policyKey)
			}
		}
		out = append(out, tenant.ProtectionRule{Identity: w.Identity, Name: w.Name, Policy: policy, State: w.State, Priority: w.Priority,
			RecipientDomainIs: w.RecipientDomainIs, SentTo: w.SentTo, SentToMemberOf: w.SentToMemberOf,
			ExceptIfRecipientDomainIs: w.ExceptIfRecipientDomainIs, ExceptIfSentTo: w.ExceptIfSentTo, ExceptIfSentToMemberOf: w.ExceptIfSentToMemberOf})
	}
	return out, nil
}

// nonEmpty reports whether a raw JSON value holds anything: not null, "",
// [] or {}.
func nonEmpty(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != `""` && s != "[]" && s != "{}"
}
