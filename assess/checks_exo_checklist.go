package assess

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// The tenant-settings half of the Exchange security checklist (seed 2, the
// conference slides): auditing, DKIM signing, RBAC, malware filtering,
// Safe Links and Safe Attachments, DLP, IRM/OME, S/MIME and connector TLS,
// each one finding that names its checklist section, from the cmdlets
// clients/exchange/checklist.go collects. What the cloud cannot show
// (servers, backup, anti-virus, BitLocker, reverse proxies) is
// ManualChecklist, for the report.
//
// Outcomes, as the DNS checks do it:
//   - Nothing collected at all (no source status): error.
//   - None of the checklist's sources recorded (a snapshot from a collector
//     without them): info, not checked, never pass or fail.
//   - A source this check needs failed or is missing: error, naming the
//     role that reads the cmdlet.
//   - Defender for Office 365 not licensed (the service does not offer the
//     Safe Links / Safe Attachments cmdlets): info "not licensed", not fail.
//
// Severities:
//   - EXO-AUDIT-ADMIN, EXO-AUDIT-MAILBOX medium: without the audit log an
//     intrusion (a mailbox read through a stolen password, a forwarding
//     rule) cannot be reconstructed; they detect, they do not prevent.
//   - EXO-DKIM medium: as DNS-DKIM, it decides whether mail from the
//     domain can pass DMARC by signature.
//   - EXO-RBAC medium: every extra standing full admin is one more
//     account whose password gives away every mailbox.
//   - EXO-SAFE-LINKS, EXO-SAFE-ATTACHMENTS medium: the checklist's ATP
//     layer against phishing links and unknown malware.
//   - EXO-CONNECTOR-TLS medium: a connector without a TLS requirement lets
//     partner or hybrid mail cross the internet in plain text.
//   - EXO-MALWARE low: EOP scans every message for malware and that cannot
//     be switched off; the settings judged only refine it.
//   - EXO-IRM, EXO-SMIME low: capabilities users need to protect mail
//     themselves; their absence exposes nothing by itself.
//   - EXO-DLP info: never assessed (manual checklist).

// Check IDs of the checklist's tenant settings (CONTRACT.md).
const (
	IDExoAuditAdmin        = "EXO-AUDIT-ADMIN"
	IDExoAuditMailbox      = "EXO-AUDIT-MAILBOX"
	IDExoDKIM              = "EXO-DKIM"
	IDExoRBAC              = "EXO-RBAC"
	IDExoMalware           = "EXO-MALWARE"
	IDExoSafeLinks         = "EXO-SAFE-LINKS"
	IDExoSafeAttachments   = "EXO-SAFE-ATTACHMENTS"
	IDExoDLP               = "EXO-DLP"
	IDExoIRM               = "EXO-IRM"
	IDExoSMIME             = "EXO-SMIME"
	IDExoConnectorTLS      = "EXO-CONNECTOR-TLS"
	srcAdminAuditLog       = "exchange.Get-AdminAuditLogConfig"
	srcMailbox             = "exchange.Get-Mailbox"
	srcAuditBypass         = "exchange.Get-MailboxAuditBypassAssociation"
	srcDkim                = "exchange.Get-DkimSigningConfig"
	srcRoleGroup           = "exchange.Get-RoleGroup"
	srcMalwareFilter       = "exchange.Get-MalwareFilterPolicy"
	srcSafeLinksPolicy     = "exchange.Get-SafeLinksPolicy"
	srcSafeLinksRule       = "exchange.Get-SafeLinksRule"
	srcSafeAttachPolicy    = "exchange.Get-SafeAttachmentPolicy"
	srcSafeAttachRule      = "exchange.Get-SafeAttachmentRule"
	srcIRM                 = "exchange.Get-IRMConfiguration"
	srcSmime               = "exchange.Get-SmimeConfig"
	srcInboundConnector    = "exchange.Get-InboundConnector"
	srcOutboundConnector   = "exchange.Get-OutboundConnector"
	orgManagement          = "Organization Management"
	checklistSectionPrefix = " Exchange security checklist, section "
)

// rbacMaxNamed is the most direct (non-Entra-role) members Organization
// Management may have without a warning. Organization Management is
// Exchange's equivalent of Global Administrator, and for that role
// Microsoft recommends fewer than five holders ("Best practices for Microsoft
// Entra roles") and the CIS Microsoft 365 Foundations Benchmark (1.1.3) two
// to four; the break-glass accounts and the Entra role groups are not
// counted against it.
const rbacMaxNamed = 4

// checklistSources are the sources only the checklist reads.
var checklistSources = []string{srcAdminAuditLog, srcMailbox, srcAuditBypass, srcDkim, srcRoleGroup, srcMalwareFilter,
	srcSafeLinksPolicy, srcSafeLinksRule, srcSafeAttachPolicy, srcSafeAttachRule, srcIRM, srcSmime, srcInboundConnector, srcOutboundConnector}

// exoChecklistChecks are the checklist's tenant-settings checks, in report
// order, placed in the catalog after the extras.
func exoChecklistChecks() []entry {
	return []entry{
		{Check{IDExoAuditAdmin, "", Medium, "The unified audit log records admin and user activity"}, inSection("Data security: auditing", checkAuditAdmin)},
		{Check{IDExoAuditMailbox, "", Medium, "Mailbox auditing is on for every mailbox, with no audit bypass"}, inSection("Data security: auditing (per mailbox, always on shared mailboxes)", checkAuditMailbox)},
		{Check{IDExoDKIM, "", Medium, "Exchange Online DKIM-signs mail for every mail domain"}, inSection("Mail flow: DKIM", checkExoDKIM)},
		{Check{IDExoRBAC, "", Medium, "Organization Management has few direct members"}, inSection("Server security: RBAC", checkRBAC)},
		{Check{IDExoMalware, "", Low, "Anti-malware policies block risky attachment types and purge malware after delivery"}, inSection("Mail flow: malware filtering (EOP)", checkMalware)},
		{Check{IDExoSafeLinks, "", Medium, "Safe Links checks the links in mail for every recipient"}, inSection("Mail flow: malware filtering (ATP Safe Links)", checkSafeLinks)},
		{Check{IDExoSafeAttachments, "", Medium, "Safe Attachments detonates attachments for every recipient"}, inSection("Mail flow: malware filtering (ATP attachment detonation)", checkSafeAttachments)},
		{Check{IDExoDLP, "", SeverityInfo, "Data loss prevention policies cover mail (manual check)"}, inSection("Data security: DLP (policy tips)", checkDLP)},
		{Check{IDExoIRM, "", Low, "Users can encrypt mail (IRM / Purview Message Encryption)"}, inSection("Data security: Information Rights Management; Mail flow: Office 365 Message Encryption", checkIRM)},
		{Check{IDExoSMIME, "", Low, "S/MIME is set up for Outlook on the web, when S/MIME is used"}, inSection("Mail flow: S/MIME", checkSMIME)},
		{Check{IDExoConnectorTLS, "", Medium, "Mail connectors require TLS with certificate validation"}, inSection("Mail flow: TLS on SMTP, mutual TLS / domain security per partner", checkConnectorTLS)},
	}
}

// inSection names the checklist section at the end of the detail.
func inSection(section string, run func(e *env) Finding) func(e *env) Finding {
	return func(e *env) Finding {
		f := run(e)
		f.Detail = strings.TrimSpace(f.Detail) + checklistSectionPrefix + "\"" + section + "\"."
		return f
	}
}

// checklistRole names what reads a checklist cmdlet (mirrors
// clients/exchange ReadRole; sources cited there).
func checklistRole(id string) string {
	cmdlet := label(id)
	switch id {
	case srcMailbox:
		return "the Exchange.ManageAsApp application permission plus the Global Reader role (inside Exchange: View-Only Organization Management, whose View-Only Recipients role runs " + cmdlet + "; Security Reader alone is not enough)"
	case srcDkim, srcMalwareFilter, srcSafeLinksPolicy, srcSafeLinksRule, srcSafeAttachPolicy, srcSafeAttachRule:
		return "the Exchange.ManageAsApp application permission plus the Security Reader or Global Reader role (inside Exchange: the Security Reader or View-Only Configuration role runs " + cmdlet + ")"
	}
	return "the Exchange.ManageAsApp application permission plus the Global Reader role (inside Exchange: View-Only Organization Management, whose View-Only Configuration role runs " + cmdlet + ")"
}

// checklistGate handles what every checklist check does first: nothing
// collected, the checklist not collected, or its sources missing. done is
// false when the check can go on.
func (e *env) checklistGate(what string, ids ...string) (f Finding, done bool) {
	if len(e.s.Collection) == 0 {
		return Finding{Status: Error, Detail: "Cannot be judged: nothing was collected (the snapshot records no source), so " + what + " was not read."}, true
	}
	seen := false
	for _, id := range checklistSources {
		seen = seen || hasStatus(e.s, id)
	}
	if !seen {
		return Finding{Status: Info, Evidence: []string{"exchange checklist sources: not collected"},
			Detail: "Not checked: this snapshot has none of the Exchange security checklist's sources (it was collected without them), so " + what + " was not read. Collect again to judge it."}, true
	}
	if len(ids) == 0 {
		return Finding{}, false
	}
	miss := e.missing(ids...)
	if len(miss) == 0 {
		return Finding{}, false
	}
	for i := range miss {
		if strings.TrimSpace(miss[i].Fix) == "" && strings.HasPrefix(miss[i].ID, "exchange.") {
			miss[i].Fix = "harden365 reads it with " + checklistRole(miss[i].ID)
		}
	}
	return cannotJudge(what, miss), true
}

// noObject is the finding for a singleton the service did not return.
func noObject(what, id string) Finding {
	return cannotJudge(what, []tenant.SourceStatus{{ID: id, State: "missing", Error: "the service returned no object",
		Fix: "run " + label(id) + " in Exchange Online PowerShell to see what it answers; harden365 reads it with " + checklistRole(id)}})
}

// --- auditing

func checkAuditAdmin(e *env) Finding {
	if f, done := e.checklistGate("whether the audit log records activity (Get-AdminAuditLogConfig)", srcAdminAuditLog); done {
		return f
	}
	c := e.s.Exchange.Checklist.AdminAuditLog
	if c == nil {
		return noObject("whether the audit log records activity", srcAdminAuditLog)
	}
	ev := []string{fmt.Sprintf("Get-AdminAuditLogConfig: UnifiedAuditLogIngestionEnabled = %s, AdminAuditLogEnabled = %s",
		psBool(c.UnifiedAuditLogIngestionEnabled), psBool(c.AdminAuditLogEnabled))}
	var off []string
	if !c.UnifiedAuditLogIngestionEnabled {
		off = append(off, "the unified audit log is off (UnifiedAuditLogIngestionEnabled = False): sign-ins to mail, mailbox access, new inbox and forwarding rules and admin changes are not recorded where an investigation searches (Purview → Audit), so an intrusion cannot be reconstructed afterwards")
	}
	if !c.AdminAuditLogEnabled {
		off = append(off, "Exchange's own admin audit log is off (AdminAuditLogEnabled = False): admin cmdlets are not logged")
	}
	if len(off) > 0 {
		return Finding{Status: Fail, Evidence: ev, Affected: 1,
			Detail: capFirst(strings.Join(off, "; ")) + ". " + connectEXO + ": Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true (or Purview portal → Audit → Start recording user and admin activity); it takes effect within about an hour. " +
				"Read the value in Exchange Online PowerShell: Get-AdminAuditLogConfig in Security & Compliance PowerShell always shows UnifiedAuditLogIngestionEnabled = False."}
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: "The unified audit log records user and admin activity (UnifiedAuditLogIngestionEnabled = True) and Exchange logs admin cmdlets (AdminAuditLogEnabled = True). Nothing to do; records are kept for the retention period of the organisation's audit licence."}
}

// defaultAudited reports whether Microsoft's mailbox auditing on by
// default covers a mailbox type: user, shared and Microsoft 365 Group
// mailboxes (Microsoft, "Manage mailbox auditing"); resource and public
// folder mailboxes are not covered.
func defaultAudited(recipientType string) bool {
	switch strings.ToLower(recipientType) {
	case "", "usermailbox", "sharedmailbox", "groupmailbox", "linkedmailbox":
		return true
	}
	return false
}

func checkAuditMailbox(e *env) Finding {
	if f, done := e.checklistGate("whether mailbox actions are audited (Get-OrganizationConfig, Get-Mailbox, Get-MailboxAuditBypassAssociation)", srcOrgConfig, srcMailbox, srcAuditBypass); done {
		return f
	}
	oc := e.s.Exchange.OrganizationConfig
	if oc == nil {
		return noObject("whether mailbox auditing is on for the organisation", srcOrgConfig)
	}
	cl := e.s.Exchange.Checklist
	ev := []string{"Get-OrganizationConfig: AuditDisabled = " + psBool(oc.AuditDisabled)}

	var judged, off, offShared, notCovered []string
	for _, m := range cl.Mailboxes {
		if !defaultAudited(m.RecipientTypeDetails) {
			notCovered = append(notCovered, m.Name()+" ("+m.RecipientTypeDetails+")")
			continue
		}
		judged = append(judged, m.Name())
		if !m.AuditEnabled {
			off = append(off, m.Name())
			if strings.EqualFold(m.RecipientTypeDetails, "SharedMailbox") {
				offShared = append(offShared, m.Name())
			}
		}
	}
	ev = append(ev, fmt.Sprintf("Get-Mailbox: AuditEnabled = True on %d of %d user and shared mailboxes", len(judged)-len(off), len(judged)))
	var offLines []string
	for _, m := range cl.Mailboxes {
		if defaultAudited(m.RecipientTypeDetails) && !m.AuditEnabled {
			offLines = append(offLines, fmt.Sprintf("Get-Mailbox %s (%s): AuditEnabled = False", m.Name(), m.RecipientTypeDetails))
		}
	}
	ev = append(ev, capped(offLines, 20)...)
	if len(notCovered) > 0 {
		ev = append(ev, "not covered by default mailbox auditing (resource and public folder mailboxes): "+list(notCovered, 8))
	}

	// Bypassed accounts, shown as their mailbox's address where they have one.
	var bypass []string
	for _, b := range cl.AuditBypass {
		name := b.Identity
		for _, m := range cl.Mailboxes {
			if strings.EqualFold(b.Identity, m.Identity) || strings.EqualFold(b.Identity, m.UserPrincipalName) ||
				strings.EqualFold(b.Identity, m.PrimarySmtpAddress) || strings.EqualFold(b.Identity, m.ExternalDirectoryObjectID) ||
				(b.Name != "" && strings.EqualFold(b.Name, m.Identity)) {
				name = m.Name()
				break
			}
		}
		bypass = append(bypass, name)
		ev = append(ev, "Get-MailboxAuditBypassAssociation "+b.Identity+": AuditBypassEnabled = True")
	}
	ev = append(ev, fmt.Sprintf("Get-MailboxAuditBypassAssociation: %d accounts read, %d bypass auditing", cl.AuditBypassRead, len(cl.AuditBypass)))

	var parts []string
	status := Pass
	var affected []string
	if oc.AuditDisabled {
		status = Fail
		affected = append(affected, judged...)
		parts = append(parts, "Mailbox auditing is off for the whole organisation (Get-OrganizationConfig AuditDisabled = True): no owner, delegate or admin action in any mailbox is logged, whatever a mailbox's own AuditEnabled says. Turn it back on: Set-OrganizationConfig -AuditDisabled $false.")
	}
	if len(bypass) > 0 {
		status = Fail
		affected = append(affected, bypass...)
		parts = append(parts, fmt.Sprintf("%s mailbox auditing (AuditBypassEnabled = True: %s): nothing done with such an account in any mailbox is logged, which is exactly what an attacker holding it would want. "+
			"Remove the bypass unless a documented, monitored service needs it: Set-MailboxAuditBypassAssociation -Identity <account> -AuditBypassEnabled $false.",
			plural(len(bypass), "account bypasses", "accounts bypass"), list(sortedCopy(bypass), 8)))
	}
	if len(off) > 0 {
		if status == Pass {
			status = Warn
			affected = off
		}
		shared := ""
		if len(offShared) > 0 {
			shared = fmt.Sprintf(", including shared %s %s", map[bool]string{true: "mailbox", false: "mailboxes"}[len(offShared) == 1], list(sortedCopy(offShared), 5))
		}
		lead := ""
		if !oc.AuditDisabled {
			lead = " The organisation default (AuditDisabled = False) audits them anyway according to Microsoft, but the checklist asks for auditing enabled on every mailbox and always on shared mailboxes, and mailboxes without an E5 licence have been seen to send their events to the audit log only with AuditEnabled = True (office365itpros.com, 2020, updated 2023)."
		}
		parts = append(parts, fmt.Sprintf("%s AuditEnabled = False (%s%s).%s Set it explicitly: Get-Mailbox -ResultSize Unlimited -RecipientTypeDetails UserMailbox,SharedMailbox | Where-Object {-not $_.AuditEnabled} | Set-Mailbox -AuditEnabled $true.",
			plural(len(off), "mailbox has", "mailboxes have"), list(sortedCopy(off), 8), shared, lead))
	}
	if status == Pass {
		return Finding{Status: Pass, Evidence: ev,
			Detail: fmt.Sprintf("Mailbox auditing is on for the organisation (AuditDisabled = False), AuditEnabled = True on all %s, and no account bypasses it. Nothing to do.", plural(len(judged), "user or shared mailbox", "user and shared mailboxes"))}
	}
	return Finding{Status: status, Evidence: ev, AffectedUsers: affected, Detail: strings.Join(parts, " ")}
}

// --- DKIM

func checkExoDKIM(e *env) Finding {
	if f, done := e.checklistGate("whether Exchange Online DKIM-signs mail (Get-DkimSigningConfig)", srcDkim); done {
		return f
	}
	cl := e.s.Exchange.Checklist
	note := ""
	var domains []string
	if e.ok(srcDomains) {
		domains = e.s.MailDomains()
	} else {
		for _, d := range cl.DKIM {
			if !tenant.MicrosoftManaged(d.Domain) {
				domains = append(domains, tenant.NormalizeDomain(d.Domain))
			}
		}
		note = " The organisation's domains (graph.domains) were not read, so only the domains Get-DkimSigningConfig returned are judged; a mail domain without any signing configuration would not show."
	}
	var ev []string
	for _, d := range cl.DKIM {
		ev = append(ev, fmt.Sprintf("Get-DkimSigningConfig %s: Enabled = %s, Status = %s", d.Domain, psBool(d.Enabled), orNone(d.Status)))
	}
	if len(cl.DKIM) == 0 {
		ev = append(ev, "Get-DkimSigningConfig: no configuration")
	}
	if len(domains) == 0 {
		return Finding{Status: Info, Evidence: ev,
			Detail: "There is no custom mail domain: mail uses only the initial *.onmicrosoft.com domain, which Microsoft signs. Nothing to judge." + note}
	}
	var fails, fine []string
	for _, d := range domains {
		var cfg *tenant.DkimSigningConfig
		for i := range cl.DKIM {
			if tenant.NormalizeDomain(cl.DKIM[i].Domain) == d {
				cfg = &cl.DKIM[i]
			}
		}
		switch {
		case cfg == nil:
			fails = append(fails, d+": no DKIM signing configuration, so mail is signed as the onmicrosoft.com domain only, which does not align with the From domain for DMARC (New-DkimSigningConfig -DomainName "+d+" -Enabled $true)")
		case !cfg.Enabled:
			fix := "Set-DkimSigningConfig -Identity " + d + " -Enabled $true"
			if strings.EqualFold(cfg.Status, "CnameMissing") {
				fix = fmt.Sprintf("publish the CNAMEs selector1._domainkey.%s → %s and selector2._domainkey.%s → %s, then %s", d, orNone(cfg.Selector1CNAME), d, orNone(cfg.Selector2CNAME), fix)
			}
			fails = append(fails, fmt.Sprintf("%s: signing is off (Enabled = False, Status %s): %s", d, orNone(cfg.Status), fix))
		case !strings.EqualFold(cfg.Status, "Valid"):
			fails = append(fails, fmt.Sprintf("%s: signing is enabled but Status is %s, so Exchange Online does not sign with it (check the selector CNAMEs: DNS-DKIM)", d, orNone(cfg.Status)))
		default:
			fine = append(fine, d+": Enabled, Status Valid")
		}
	}
	tail := " DNS-DKIM checks the selector CNAMEs in DNS; this check reads whether Exchange Online actually signs. The initial *.onmicrosoft.com domain is signed by Microsoft and not judged."
	if len(fails) > 0 {
		d := "Fails: " + strings.Join(fails, "; ") + "."
		if len(fine) > 0 {
			d += " Fine: " + strings.Join(fine, "; ") + "."
		}
		return Finding{Status: Fail, Evidence: ev, Affected: len(fails), Detail: d + tail + note}
	}
	return Finding{Status: Pass, Evidence: ev, Detail: "Exchange Online signs mail for every mail domain: " + strings.Join(fine, "; ") + "." + tail + note}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func capFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// --- RBAC

// entraRoleGroup matches the role groups that carry an Entra ID role into
// Exchange: TenantAdmins_-<n> (Global Administrator),
// ExchangeServiceAdmins_-<n> (Exchange Administrator), GlobalReaders_-<n>,
// HelpdeskAdmins_-<n>, SecurityAdmins_-<n>, SecurityReaders_-<n>, ...
var entraRoleGroup = regexp.MustCompile(`^[A-Za-z]+_-?\d+$`)

var entraRoleOf = map[string]string{
	"tenantadmins": "Global Administrator", "exchangeserviceadmins": "Exchange Administrator", "globalreaders": "Global Reader",
	"helpdeskadmins": "Helpdesk Administrator", "securityadmins": "Security Administrator", "securityreaders": "Security Reader",
	"complianceadmins": "Compliance Administrator",
}

func entraRoleName(group string) string {
	prefix, _, _ := strings.Cut(group, "_")
	if r, ok := entraRoleOf[strings.ToLower(prefix)]; ok {
		return r
	}
	return "an Entra ID role"
}

func checkRBAC(e *env) Finding {
	if f, done := e.checklistGate("who is in Organization Management (Get-RoleGroup)", srcRoleGroup); done {
		return f
	}
	groups := e.s.Exchange.Checklist.RoleGroups
	var om *tenant.RoleGroup
	for i := range groups {
		if strings.EqualFold(groups[i].Name, orgManagement) {
			om = &groups[i]
		}
	}
	if om == nil {
		return cannotJudge("who is in Organization Management", []tenant.SourceStatus{{ID: srcRoleGroup, State: "missing",
			Error: fmt.Sprintf("Get-RoleGroup returned %d role groups but not Organization Management", len(groups)),
			Fix:   "check with Get-RoleGroup \"Organization Management\" | Format-List Members; harden365 reads it with " + checklistRole(srcRoleGroup)}})
	}
	ev := []string{fmt.Sprintf("Get-RoleGroup %s: Members = %s", orgManagement, membersList(om.Members))}
	var linked, named, upns []string
	for _, m := range om.Members {
		if entraRoleGroup.MatchString(m) {
			linked = append(linked, m)
			ev = append(ev, fmt.Sprintf("member %s: the holders of the Entra ID %s role (membership managed in Entra ID; its members are not listed by Exchange)", m, entraRoleName(m)))
			continue
		}
		who, upn := e.exchangeUserLabel(m)
		named = append(named, who)
		upns = append(upns, upn)
		ev = append(ev, "member "+m+": "+who)
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, orgManagement) || entraRoleGroup.MatchString(g.Name) {
			continue
		}
		var direct []string
		for _, m := range g.Members {
			if !entraRoleGroup.MatchString(m) {
				direct = append(direct, m)
			}
		}
		if len(direct) > 0 {
			ev = append(ev, fmt.Sprintf("Get-RoleGroup %s: direct members %s", g.Name, list(direct, 8)))
		}
	}
	roles := "no Entra ID role group"
	if len(linked) > 0 {
		var r []string
		for _, l := range linked {
			r = append(r, entraRoleName(l))
		}
		roles = "the Entra ID " + list(r, 4) + " role holders through " + list(linked, 4)
	}
	entraNote := " Who holds those Entra ID roles is not read by this check: review Entra ID → Roles and administrators (Global Administrator, Exchange Administrator), keep them few, and make them eligible through Privileged Identity Management rather than permanent."
	if len(named) > rbacMaxNamed {
		return Finding{Status: Warn, Evidence: ev, AffectedUsers: upns,
			Detail: fmt.Sprintf("Organization Management, Exchange's all-powerful role group (its members can change every setting, give themselves access to any mailbox and turn auditing off), has %s besides %s: %s. "+
				"That is more standing full administrators than the threshold of %d (Microsoft recommends fewer than five Global Administrators, CIS two to four). "+
				"Give day-to-day work narrower role groups (Recipient Management, Help Desk, or a custom role group with only the roles and cmdlets needed: RBAC down to cmdlet and parameter), "+
				"and grant Exchange Administrator just in time through Entra ID instead: Remove-RoleGroupMember -Identity \"Organization Management\" -Member <user>.%s",
				plural(len(named), "direct member", "direct members"), roles, list(named, 10), rbacMaxNamed, entraNote)}
	}
	d := fmt.Sprintf("Organization Management has %s besides %s", plural(len(named), "direct member", "direct members"), roles)
	if len(named) > 0 {
		d += ": " + list(named, rbacMaxNamed)
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: d + fmt.Sprintf(", within the threshold of %d standing full administrators (Microsoft recommends fewer than five Global Administrators, CIS two to four).", rbacMaxNamed) + entraNote}
}

func membersList(m []string) string {
	if len(m) == 0 {
		return "(none)"
	}
	return strings.Join(m, ", ")
}

// exchangeUserLabel resolves an Exchange identity (alias, name, UPN) to
// "upn (title)" through Get-User or Get-Mailbox, and returns the UPN (or
// the identity when unknown).
func (e *env) exchangeUserLabel(id string) (string, string) {
	for _, u := range e.s.Exchange.Users {
		if strings.EqualFold(u.Identity, id) || strings.EqualFold(u.UserPrincipalName, id) || strings.EqualFold(u.DisplayName, id) || strings.EqualFold(u.ExternalDirectoryObjectID, id) {
			l := u.UserPrincipalName
			if u.Title != "" {
				l += " (" + u.Title + ")"
			}
			return l, u.UserPrincipalName
		}
	}
	for _, m := range e.s.Exchange.Checklist.Mailboxes {
		if strings.EqualFold(m.Identity, id) || strings.EqualFold(m.UserPrincipalName, id) {
			return m.Name(), m.Name()
		}
	}
	return id, id
}

// --- malware filtering (EOP)

func checkMalware(e *env) Finding {
	if f, done := e.checklistGate("the anti-malware policies (Get-MalwareFilterPolicy)", srcMalwareFilter); done {
		return f
	}
	pols := e.s.Exchange.Checklist.MalwareFilterPolicies
	if len(pols) == 0 {
		return noObject("the anti-malware policies (every tenant has the Default policy)", srcMalwareFilter)
	}
	var ev, problems, notes []string
	weak := 0
	for _, p := range pols {
		name := p.Name
		if p.IsDefault {
			name += " (default)"
		}
		ev = append(ev, fmt.Sprintf("Get-MalwareFilterPolicy %s: EnableFileFilter = %s, ZapEnabled = %s, EnableInternalSenderAdminNotifications = %s",
			name, psBool(p.EnableFileFilter), psBool(p.ZapEnabled), psBool(p.EnableInternalSenderAdminNotifications)))
		var bad []string
		if !p.EnableFileFilter {
			bad = append(bad, "the common attachments filter is off (EnableFileFilter = False), so executables, scripts and disk images arrive unless a signature knows them")
		}
		if !p.ZapEnabled {
			bad = append(bad, "zero-hour auto purge is off (ZapEnabled = False), so malware recognised after delivery stays in the mailboxes")
		}
		if len(bad) > 0 {
			weak++
			problems = append(problems, name+": "+strings.Join(bad, "; "))
		}
		if !p.EnableInternalSenderAdminNotifications {
			notes = append(notes, p.Name)
		}
	}
	tail := " Exchange Online Protection scans every message for known malware; that cannot be turned off, the settings judged here refine it. Custom policies apply to the recipients of their Get-MalwareFilterRule, which is not read: each policy is judged on its own."
	if len(notes) > 0 {
		tail += fmt.Sprintf(" Also consider notifying an admin when an internal sender sends malware (a sign of a compromised account): Set-MalwareFilterPolicy -Identity <policy> -EnableInternalSenderAdminNotifications $true -InternalSenderAdminAddress <address> (off in %s %s).", map[bool]string{true: "policy", false: "policies"}[len(notes) == 1], list(notes, 4))
	}
	if len(problems) > 0 {
		return Finding{Status: Warn, Evidence: ev, Affected: weak,
			Detail: "Needs attention: " + strings.Join(problems, ". ") + ". " + connectEXO + ": Set-MalwareFilterPolicy -Identity Default -EnableFileFilter $true -ZapEnabled $true (and the same for each custom policy)." + tail}
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: fmt.Sprintf("Every anti-malware policy (%s) blocks the common risky attachment types and purges malware found after delivery (ZAP).", plural(len(pols), "policy", "policies")) + tail}
}

// --- Safe Links and Safe Attachments (Defender for Office 365)

// protPolicy is one Safe Links or Safe Attachments policy, judged.
type protPolicy struct {
	name     string
	builtIn  bool
	preset   bool // Standard or Strict preset security policy
	protects bool
	weak     []string
	line     string
}

type defenderKind struct {
	what, policyCmdlet, ruleCmdlet string
	policySrc, ruleSrc             string
	adds                           string // what the feature adds over EOP
	offFix, weakFix                string
}

func checkSafeLinks(e *env) Finding {
	cl := e.s.Exchange.Checklist
	var ps []protPolicy
	for _, p := range cl.SafeLinksPolicies {
		var weak []string
		if p.AllowClickThrough {
			weak = append(weak, "users may click through to a URL found malicious (AllowClickThrough = True)")
		}
		if !p.ScanUrls {
			weak = append(weak, "links are not checked in real time when clicked (ScanUrls = False)")
		}
		if !p.TrackClicks {
			weak = append(weak, "clicks are not recorded, so who clicked a bad link cannot be found (TrackClicks = False)")
		}
		if !p.EnableForInternalSenders {
			weak = append(weak, "mail between internal users is not covered (EnableForInternalSenders = False), so a compromised account phishes colleagues unchecked")
		}
		ps = append(ps, protPolicy{name: p.Name, builtIn: p.IsBuiltInProtection, preset: isPreset(p.RecommendedPolicyType), protects: p.EnableSafeLinksForEmail, weak: weak,
			line: fmt.Sprintf("Get-SafeLinksPolicy %s: EnableSafeLinksForEmail = %s, ScanUrls = %s, AllowClickThrough = %s, TrackClicks = %s, EnableForInternalSenders = %s, IsBuiltInProtection = %s",
				p.Name, psBool(p.EnableSafeLinksForEmail), psBool(p.ScanUrls), psBool(p.AllowClickThrough), psBool(p.TrackClicks), psBool(p.EnableForInternalSenders), psBool(p.IsBuiltInProtection))})
	}
	return e.defenderFinding(defenderKind{what: "Safe Links", policyCmdlet: "Get-SafeLinksPolicy", ruleCmdlet: "Get-SafeLinksRule",
		policySrc: srcSafeLinksPolicy, ruleSrc: srcSafeLinksRule,
		adds:    "rewrites and checks links in mail at the moment they are clicked, which catches phishing sites that were harmless when the message arrived",
		offFix:  "Set-SafeLinksPolicy -Identity <policy> -EnableSafeLinksForEmail $true (or turn on the Standard or Strict preset security policy in the Defender portal → Email & collaboration → Policies & rules → Threat policies → Preset security policies)",
		weakFix: "Set-SafeLinksPolicy -Identity <policy> -AllowClickThrough $false -ScanUrls $true -TrackClicks $true -EnableForInternalSenders $true",
	}, ps, cl.SafeLinksRules)
}

func checkSafeAttachments(e *env) Finding {
	cl := e.s.Exchange.Checklist
	var ps []protPolicy
	for _, p := range cl.SafeAttachmentPolicies {
		var weak []string
		if p.Enable && strings.EqualFold(p.Action, "Allow") {
			weak = append(weak, "monitor only (Action = Allow): malicious attachments are reported but still delivered")
		}
		ps = append(ps, protPolicy{name: p.Name, builtIn: p.IsBuiltInProtection, preset: isPreset(p.RecommendedPolicyType), protects: p.Enable, weak: weak,
			line: fmt.Sprintf("Get-SafeAttachmentPolicy %s: Enable = %s, Action = %s, IsBuiltInProtection = %s", p.Name, psBool(p.Enable), orNone(p.Action), psBool(p.IsBuiltInProtection))})
	}
	return e.defenderFinding(defenderKind{what: "Safe Attachments", policyCmdlet: "Get-SafeAttachmentPolicy", ruleCmdlet: "Get-SafeAttachmentRule",
		policySrc: srcSafeAttachPolicy, ruleSrc: srcSafeAttachRule,
		adds:    "opens attachments in a sandbox before delivery (detonation), which catches malware no signature knows yet",
		offFix:  "Set-SafeAttachmentPolicy -Identity <policy> -Enable $true -Action Block (or DynamicDelivery), or turn on the Standard or Strict preset security policy",
		weakFix: "Set-SafeAttachmentPolicy -Identity <policy> -Action Block (or DynamicDelivery, which delivers the body first and the attachment after the scan)",
	}, ps, cl.SafeAttachmentRules)
}

func isPreset(recommended string) bool {
	return strings.EqualFold(recommended, "Standard") || strings.EqualFold(recommended, "Strict")
}

// defenderFinding judges Safe Links or Safe Attachments: which policies
// apply (the built-in protection policy to everyone no other policy
// covers; a custom policy to the recipients of its enabled rules; a preset
// policy by rules this tool does not read), whether they protect, and how
// well.
func (e *env) defenderFinding(k defenderKind, policies []protPolicy, rules []tenant.ProtectionRule) Finding {
	if f, done := e.checklistGate("the "+k.what+" policies ("+k.policyCmdlet+", "+k.ruleCmdlet+")", k.policySrc, k.ruleSrc); done {
		return f
	}
	cl := e.s.Exchange.Checklist
	if msg, ok := cl.NotAvailable(k.policyCmdlet); ok {
		return Finding{Status: Info, Evidence: []string{k.policyCmdlet + ": not available: " + msg},
			Detail: fmt.Sprintf("Not licensed: %s is part of Microsoft Defender for Office 365 (formerly Office 365 Advanced Threat Protection, ATP; Plan 1 or 2, included in Microsoft 365 Business Premium and E5), which this organisation does not have: the service does not offer %s to it. "+
				"Exchange Online Protection still scans mail for known malware (EXO-MALWARE); %s %s. Not a configuration failure: a licensing decision to make.", k.what, k.policyCmdlet, k.what, k.adds)}
	}
	var ev []string
	for _, p := range policies {
		ev = append(ev, p.line)
	}
	if len(policies) == 0 {
		ev = append(ev, k.policyCmdlet+": no policy")
		return Finding{Status: Fail, Evidence: ev, Affected: 1,
			Detail: fmt.Sprintf("The organisation has Defender for Office 365, but there is no %s policy at all (not even the built-in protection policy), so nothing %s. %s.", k.what, k.adds, capFirst(k.offFix))}
	}
	byName := map[string]*protPolicy{}
	for i := range policies {
		byName[strings.ToLower(policies[i].name)] = &policies[i]
	}
	domains := map[string]bool{}
	for _, d := range e.s.MailDomains() {
		domains[d] = true
	}
	applied := map[string]string{} // lower-case policy name -> "Name → whom its rules cover"
	coversAll := false
	var off, weakLines []string
	affected := 0
	rules = append([]tenant.ProtectionRule(nil), rules...) // sorted without touching the snapshot
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
	for _, r := range rules {
		scope := ruleScope(r)
		ev = append(ev, fmt.Sprintf("%s %s (priority %d, %s): policy %s, recipients %s", k.ruleCmdlet, r.Name, r.Priority, orNone(r.State), r.Policy, scope))
		if !r.Enabled() {
			continue
		}
		p := byName[strings.ToLower(r.Policy)]
		if p == nil {
			ev = append(ev, fmt.Sprintf("%s %s names policy %q, which %s did not return", k.ruleCmdlet, r.Name, r.Policy, k.policyCmdlet))
			continue
		}
		if prev, ok := applied[strings.ToLower(p.name)]; ok {
			applied[strings.ToLower(p.name)] = prev + "; " + scope
		} else {
			applied[strings.ToLower(p.name)] = p.name + " → " + scope
		}
		if !p.protects {
			off = append(off, fmt.Sprintf("rule %s (%s) applies policy %s, which has %s off; these recipients do not fall back to the built-in protection", r.Name, scope, p.name, k.what))
			affected++
			continue
		}
		if ruleCoversAll(r, domains) {
			coversAll = true
		}
	}
	var presetProtects []string
	for i := range policies {
		p := &policies[i]
		_, isApplied := applied[strings.ToLower(p.name)]
		switch {
		case p.builtIn:
			if p.protects {
				coversAll = true
			} else {
				off = append(off, fmt.Sprintf("the built-in protection policy %s has %s off, so every recipient outside the custom rules is unprotected", p.name, k.what))
				affected++
			}
		case p.preset:
			if p.protects {
				presetProtects = append(presetProtects, p.name)
			}
		case !isApplied:
			ev = append(ev, fmt.Sprintf("policy %s applies to nobody (no enabled %s rule)", p.name, k.ruleCmdlet))
			continue
		}
		if (p.builtIn || p.preset || isApplied) && p.protects && len(p.weak) > 0 {
			weakLines = append(weakLines, p.name+": "+strings.Join(p.weak, "; "))
			affected++
		}
	}
	switch {
	case len(off) > 0:
		return Finding{Status: Fail, Evidence: ev, Affected: affected,
			Detail: capFirst(strings.Join(off, "; ")) + ". " + k.what + " " + k.adds + ". " + capFirst(k.offFix) + "."}
	case !coversAll && len(presetProtects) > 0:
		return Finding{Status: Warn, Evidence: ev, Affected: affected,
			Detail: fmt.Sprintf("%s is on in the preset security %s %s, but the preset policies are assigned to recipients by Get-ATPProtectionPolicyRule, which this check does not read, and no built-in or custom policy covers everyone: check in the Defender portal (Preset security policies) that they apply to all users.",
				k.what, map[bool]string{true: "policy", false: "policies"}[len(presetProtects) == 1], list(presetProtects, 3))}
	case !coversAll:
		return Finding{Status: Warn, Evidence: ev, Affected: max(affected, 1),
			Detail: fmt.Sprintf("%s protects only the recipients of its custom rules (%s): there is no built-in protection policy with it on and no rule covers every mail domain, so other recipients are unprotected. Widen a rule to all mail domains (Set-%s -Identity <rule> -RecipientDomainIs %s) or rely on the built-in protection policy.",
				k.what, list(scopes(applied), 4), strings.TrimPrefix(k.ruleCmdlet, "Get-"), strings.Join(sortedKeys(domains), ","))}
	case len(weakLines) > 0:
		return Finding{Status: Warn, Evidence: ev, Affected: affected,
			Detail: fmt.Sprintf("%s is on for every recipient, but weaker than Microsoft's Standard and Strict settings: %s. %s.", k.what, strings.Join(weakLines, ". "), capFirst(k.weakFix))}
	}
	d := fmt.Sprintf("%s is on for every recipient", k.what)
	if len(applied) > 0 {
		d += " (the built-in protection policy, and custom policies for " + list(scopes(applied), 4) + ")"
	}
	return Finding{Status: Pass, Evidence: ev, Detail: d + ": it " + k.adds + ". The built-in protection policy's own exceptions (Get-ATPBuiltInProtectionRule) are not read."}
}

func scopes(applied map[string]string) []string {
	var out []string
	for _, s := range applied {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ruleScope renders a rule's conditions and exceptions.
func ruleScope(r tenant.ProtectionRule) string {
	var c []string
	if len(r.RecipientDomainIs) > 0 {
		c = append(c, "in "+strings.Join(r.RecipientDomainIs, ", "))
	}
	if len(r.SentTo) > 0 {
		c = append(c, "users "+strings.Join(r.SentTo, ", "))
	}
	if len(r.SentToMemberOf) > 0 {
		c = append(c, "members of "+strings.Join(r.SentToMemberOf, ", "))
	}
	s := "(no condition)"
	if len(c) > 0 {
		s = strings.Join(c, " and ")
	}
	var x []string
	x = append(x, r.ExceptIfRecipientDomainIs...)
	x = append(x, r.ExceptIfSentTo...)
	x = append(x, r.ExceptIfSentToMemberOf...)
	if len(x) > 0 {
		s += " except " + strings.Join(x, ", ")
	}
	return s
}

// ruleCoversAll reports whether an enabled rule reaches every mail domain
// with no narrower condition and no exception. Without the list of mail
// domains, it cannot tell, and says no.
func ruleCoversAll(r tenant.ProtectionRule, domains map[string]bool) bool {
	if len(domains) == 0 || len(r.SentTo) > 0 || len(r.SentToMemberOf) > 0 ||
		len(r.ExceptIfRecipientDomainIs) > 0 || len(r.ExceptIfSentTo) > 0 || len(r.ExceptIfSentToMemberOf) > 0 {
		return false
	}
	in := map[string]bool{}
	for _, d := range r.RecipientDomainIs {
		in[tenant.NormalizeDomain(d)] = true
	}
	for d := range domains {
		if !in[d] {
			return false
		}
	}
	return true
}

// --- DLP (manual)

func checkDLP(e *env) Finding {
	if len(e.s.Collection) == 0 {
		return Finding{Status: Error, Detail: "Cannot be judged: nothing was collected (the snapshot records no source); DLP is on the manual checklist in any case."}
	}
	return Finding{Status: Info, Evidence: []string{"DLP policies: not collected (Security & Compliance PowerShell endpoint)"},
		Detail: "Not assessed: data loss prevention policies live in Microsoft Purview and are read through Security & Compliance PowerShell (Get-DlpCompliancePolicy, Get-DlpComplianceRule), a different admin endpoint from the Exchange admin API this tool uses, " +
			"and its wire format could not be sourced, so DLP is on the consultant's manual checklist. Check in the Purview portal → Data loss prevention → Policies, or with Connect-IPPSSession; " +
			"Get-DlpCompliancePolicy | Format-Table Name,Mode,ExchangeLocation: at least one policy in Enable mode (not TestWithNotifications or TestWithoutNotifications) whose ExchangeLocation is All, with policy tips for users (Get-DlpComplianceRule | Format-Table Name,Policy,NotifyUser,BlockAccess)."}
}

// --- IRM / Message Encryption

func checkIRM(e *env) Finding {
	if f, done := e.checklistGate("whether users can encrypt mail (Get-IRMConfiguration)", srcIRM); done {
		return f
	}
	c := e.s.Exchange.Checklist.IRM
	if c == nil {
		return noObject("whether users can encrypt mail", srcIRM)
	}
	ev := []string{fmt.Sprintf("Get-IRMConfiguration: AzureRMSLicensingEnabled = %s, InternalLicensingEnabled = %s, ExternalLicensingEnabled = %s, SimplifiedClientAccessEnabled = %s",
		psBool(c.AzureRMSLicensingEnabled), psBool(c.InternalLicensingEnabled), psBool(c.ExternalLicensingEnabled), psBool(c.SimplifiedClientAccessEnabled))}
	switch {
	case !c.AzureRMSLicensingEnabled:
		return Finding{Status: Warn, Evidence: ev, Affected: 1,
			Detail: "Message encryption is not set up (AzureRMSLicensingEnabled = False): users cannot encrypt mail or apply Do Not Forward / Encrypt-Only from Outlook and Outlook on the web, and mail flow rules cannot encrypt mail to outside recipients. " +
				"If the licences include Azure Information Protection (most Microsoft 365 business and enterprise plans do), turn it on: Set-IRMConfiguration -AzureRMSLicensingEnabled $true -InternalLicensingEnabled $true -SimplifiedClientAccessEnabled $true, then test with Test-IRMConfiguration -Sender <address>."}
	case !c.InternalLicensingEnabled:
		return Finding{Status: Warn, Evidence: ev, Affected: 1,
			Detail: "Message encryption is licensed (AzureRMSLicensingEnabled = True) but off for Outlook on the web and internal mail (InternalLicensingEnabled = False): protected messages cannot be created or read there. Set-IRMConfiguration -InternalLicensingEnabled $true."}
	}
	d := "Message encryption is set up (AzureRMSLicensingEnabled and InternalLicensingEnabled = True): users and mail flow rules can encrypt mail with Microsoft Purview Message Encryption and IRM templates."
	if !c.SimplifiedClientAccessEnabled {
		d += " The Encrypt button in Outlook on the web is hidden (SimplifiedClientAccessEnabled = False); consider Set-IRMConfiguration -SimplifiedClientAccessEnabled $true."
	}
	return Finding{Status: Pass, Evidence: ev, Detail: d}
}

// --- S/MIME

func checkSMIME(e *env) Finding {
	if f, done := e.checklistGate("the S/MIME configuration (Get-SmimeConfig)", srcSmime); done {
		return f
	}
	c := e.s.Exchange.Checklist.SMIME
	if c == nil {
		return noObject("the S/MIME configuration", srcSmime)
	}
	exp := "(none)"
	if !c.CertificatesExpiryDate.IsZero() {
		exp = day(c.CertificatesExpiryDate)
	}
	ev := []string{fmt.Sprintf("Get-SmimeConfig: SMIMECertificateIssuingCA %s, SMIMECertificatesExpiryDate = %s, OWAAlwaysSign = %s, OWAAlwaysEncrypt = %s",
		map[bool]string{true: "set", false: "empty"}[c.CertificateIssuingCA], exp, psBool(c.OWAAlwaysSign), psBool(c.OWAAlwaysEncrypt))}
	if c.ExpiredCertificateThumbprint != "" {
		ev = append(ev, "Get-SmimeConfig: SMIMEExpiredCertificateThumbprint = "+c.ExpiredCertificateThumbprint)
	}
	if !c.CertificateIssuingCA {
		return Finding{Status: Info, Evidence: ev,
			Detail: "S/MIME is not set up for Outlook on the web (no trusted issuing CAs uploaded: SMIMECertificateIssuingCA is empty). That is only a gap if the organisation uses S/MIME certificates; Message Encryption (EXO-IRM) covers encryption without them. " +
				"To set it up, export the issuing root and intermediate CAs to a serialized certificate store (.sst) and upload it: Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('<file>.sst'))."}
	}
	switch {
	case c.ExpiredCertificateThumbprint != "" || (!c.CertificatesExpiryDate.IsZero() && c.CertificatesExpiryDate.Before(e.s.AsOf)):
		return Finding{Status: Warn, Evidence: ev, Affected: 1,
			Detail: fmt.Sprintf("S/MIME is set up, but a certificate in the uploaded store of issuing CAs has expired (expiry %s): signatures and encryption chained to it fail validation in Outlook on the web. Upload a current store with Set-SmimeConfig -SMIMECertificateIssuingCA.", exp)}
	}
	return Finding{Status: Pass, Evidence: ev,
		Detail: fmt.Sprintf("S/MIME is set up for Outlook on the web: trusted issuing CAs are uploaded (the first expires %s).", exp)}
}

// --- connectors

func checkConnectorTLS(e *env) Finding {
	if f, done := e.checklistGate("the mail connectors' TLS settings (Get-InboundConnector, Get-OutboundConnector)", srcInboundConnector, srcOutboundConnector); done {
		return f
	}
	cl := e.s.Exchange.Checklist
	var ev, fails, warns, fine, disabled []string
	for _, c := range cl.InboundConnectors {
		senders := strings.Join(append(append([]string{}, c.SenderDomains...), c.SenderIPAddresses...), ", ")
		ev = append(ev, fmt.Sprintf("Get-InboundConnector %s (%s, %s): RequireTls = %s, RestrictDomainsToCertificate = %s, TlsSenderCertificateName = %s, senders %s",
			c.Name, orNone(c.ConnectorType), map[bool]string{true: "enabled", false: "disabled"}[c.Enabled], psBool(c.RequireTls), psBool(c.RestrictDomainsToCertificate), orNone(c.TlsSenderCertificateName), orNone(senders)))
		switch {
		case !c.Enabled:
			disabled = append(disabled, "inbound "+c.Name)
		case !c.RequireTls:
			fails = append(fails, fmt.Sprintf("inbound %s accepts mail from %s without TLS (RequireTls = False): Set-InboundConnector -Identity %q -RequireTls $true", c.Name, orNone(senders), c.Name))
		case c.TlsSenderCertificateName == "" && !c.RestrictDomainsToIPAddresses:
			warns = append(warns, fmt.Sprintf("inbound %s requires TLS but does not tie the sender to a certificate name or IP addresses, so any TLS server can claim its domains (Set-InboundConnector -Identity %q -TlsSenderCertificateName <name> -RestrictDomainsToCertificate $true)", c.Name, c.Name))
		default:
			fine = append(fine, "inbound "+c.Name+" requires TLS")
		}
	}
	for _, c := range cl.OutboundConnectors {
		dest := strings.Join(c.RecipientDomains, ", ")
		if c.AllAcceptedDomains {
			dest = "all accepted domains"
		}
		via := "MX"
		if !c.UseMXRecord && len(c.SmartHosts) > 0 {
			via = "smart host " + strings.Join(c.SmartHosts, ", ")
		}
		tls := c.TlsSettings
		if tls == "" {
			tls = "null"
		}
		ev = append(ev, fmt.Sprintf("Get-OutboundConnector %s (%s, %s): TlsSettings = %s, TlsDomain = %s, to %s via %s",
			c.Name, orNone(c.ConnectorType), map[bool]string{true: "enabled", false: "disabled"}[c.Enabled], tls, orNone(c.TlsDomain), orNone(dest), via))
		switch {
		case !c.Enabled:
			disabled = append(disabled, "outbound "+c.Name)
		case c.TlsSettings == "":
			fails = append(fails, fmt.Sprintf("outbound %s to %s uses opportunistic TLS (TlsSettings = null) and falls back to plain text when the other side offers none, or when an attacker on the path strips STARTTLS: Set-OutboundConnector -Identity %q -TlsSettings DomainValidation -TlsDomain <certificate name> (or CertificateValidation)", c.Name, orNone(dest), c.Name))
		case strings.EqualFold(c.TlsSettings, "EncryptionOnly"):
			warns = append(warns, fmt.Sprintf("outbound %s encrypts but does not validate the certificate (TlsSettings = EncryptionOnly), so whoever intercepts the connection can present any certificate: use CertificateValidation or DomainValidation", c.Name))
		default:
			fine = append(fine, fmt.Sprintf("outbound %s requires TLS (%s)", c.Name, c.TlsSettings))
		}
	}
	if len(cl.InboundConnectors)+len(cl.OutboundConnectors) == 0 {
		return Finding{Status: Info, Evidence: []string{"Get-InboundConnector: none", "Get-OutboundConnector: none"},
			Detail: "There are no inbound or outbound connectors: mail to and from the internet goes through Exchange Online Protection with opportunistic TLS, and no partner or on-premises server has a TLS requirement to judge. To require TLS towards a partner (domain security), create a connector with a TLS requirement; inbound mail from the internet is protected by MTA-STS (DNS-MTA-STS)."}
	}
	tail := ""
	if len(disabled) > 0 {
		tail = " Disabled connectors, not judged: " + list(disabled, 6) + "."
	}
	if len(fine) > 0 {
		tail = " Fine: " + strings.Join(fine, "; ") + "." + tail
	}
	switch {
	case len(fails) > 0:
		d := "Fails: " + strings.Join(fails, "; ") + "."
		if len(warns) > 0 {
			d += " Needs attention: " + strings.Join(warns, "; ") + "."
		}
		return Finding{Status: Fail, Evidence: ev, Affected: len(fails) + len(warns), Detail: d + tail}
	case len(warns) > 0:
		return Finding{Status: Warn, Evidence: ev, Affected: len(warns), Detail: "Needs attention: " + strings.Join(warns, "; ") + "." + tail}
	}
	return Finding{Status: Pass, Evidence: ev, Detail: "Every enabled connector requires TLS." + tail}
}

// --- the manual checklist

// ManualItem is a point of the Exchange security checklist the cloud
// cannot show: the consultant checks it by hand. None of them is assessed
// by harden365.
type ManualItem struct {
	Section string `json:"section"` // the checklist's section
	Title   string `json:"title"`
	What    string `json:"what"` // what to verify and why
	How     string `json:"how"`  // how to verify it
}

// ManualNote heads the manual checklist in reports.
const ManualNote = "Not assessed: harden365 cannot see these from the cloud (they concern on-premises servers, the network in front of them, or services it does not read). Check each by hand."

// ManualChecklist is the consultant's manual checklist, in the slides'
// order. Pure: the same list every time.
func ManualChecklist() []ManualItem {
	return []ManualItem{
		{"Client-server encryption", "TLS on on-premises Exchange servers, re-checked after every update",
			"SSL 3.0, RC4 and other weak ciphers are off, the cipher order is optimised and TLS 1.2 is on, on every Exchange server and load balancer; cumulative updates can reset these. harden365's TLS probes only see the endpoints it is given.",
			"Run Microsoft's Exchange HealthChecker script (CSS-Exchange, HealthChecker.ps1) on each server and read its TLS section; probe the published names with harden365 --probe or an SSL test."},
		{"Proxy / load balancer / application firewall", "Reverse proxy with pre-authentication and SSL bridging",
			"Published on-premises endpoints (OWA, ECP, EWS, ActiveSync, Autodiscover, MAPI/HTTP) go through a reverse proxy or web application firewall that pre-authenticates where clients allow it and re-encrypts to Exchange (SSL bridging, so content can be filtered) rather than offloading; /ecp is not published to the internet.",
			"Review the proxy's publishing rules; from outside, open https://<host>/ecp and https://<host>/owa and see who answers (the proxy's sign-in page, or Exchange's)."},
		{"MFA on premises", "What on-premises MFA actually covers",
			"MFA added to on-premises Exchange (an IIS or AD FS plug-in) protects only OWA and ECP: EWS (Outlook for Mac), Autodiscover, Outlook Anywhere / MAPI and ActiveSync still take a password alone. Hybrid Modern Authentication moves those protocols to Entra ID, where MFA applies; certificate-based auth for ActiveSync is not MFA.",
			"On the servers: Get-OrganizationConfig | Format-List OAuth2ClientProfileEnabled; Get-AuthServer | Where-Object {$_.Type -eq 'AzureAD'}; Get-WebServicesVirtualDirectory | Format-List *Authentication*; then try an EWS sign-in with a password only."},
		{"Server security", "Database Availability Groups and Exchange Native Data Protection",
			"Mailbox databases on premises have copies in more than one datacentre, and when Exchange Native Data Protection replaces backup, at least three copies including a lagged one. (Exchange Online: Microsoft runs this.)",
			"Get-DatabaseAvailabilityGroup | Format-List Name,Servers,DatacenterActivationMode; Get-MailboxDatabaseCopyStatus * | Format-Table Name,Status,CopyQueueLength,ReplayQueueLength; Get-MailboxDatabase | Format-List Name,ReplayLagTimes."},
		{"Server security", "VSS-aware backup",
			"A backup product that uses the Exchange VSS writer backs up every database, truncates logs, and has been restored from.",
			"Get-MailboxDatabase -Status | Format-Table Name,LastFullBackup,LastIncrementalBackup; the backup product's job history; a test restore into a recovery database."},
		{"Server security", "Anti-virus with Exchange exclusions",
			"File-level anti-virus runs on every Exchange server with Microsoft's exclusions (database and log folders, Exchange processes, file types), so it neither corrupts databases nor slows transport.",
			"Compare each server's exclusions with Microsoft's \"Running Windows antivirus software on Exchange servers\" list (Get-MpPreference | Format-List ExclusionPath,ExclusionProcess,ExclusionExtension for Defender Antivirus)."},
		{"Server security", "BitLocker on Exchange servers",
			"The volumes that hold databases, logs and the system are encrypted at rest, with recovery keys escrowed.",
			"manage-bde -status (or Get-BitLockerVolume) on each server; check where the recovery keys are stored."},
		{"Server security", "RBAC for delegated tasks, down to cmdlet and parameter",
			"Helpdesk and other delegated admins hold custom role groups limited to the cmdlets and parameters they need, scoped where possible, rather than Organization Management (EXO-RBAC counts only Organization Management's members).",
			"Get-ManagementRoleAssignment -GetEffectiveUsers | Where-Object {$_.EffectiveUserName -ne 'All Group Members'} | Format-Table Role,EffectiveUserName,CustomRecipientWriteScope; Get-ManagementRole | Where-Object {$_.IsRootRole -eq $false}."},
		{"Data security", "DLP policies with policy tips",
			"Microsoft Purview DLP policies cover Exchange email in Enable mode and show policy tips (EXO-DLP: the Security & Compliance endpoint is not read by harden365).",
			"Connect-IPPSSession; Get-DlpCompliancePolicy | Format-Table Name,Mode,ExchangeLocation; Get-DlpComplianceRule | Format-Table Name,Policy,NotifyUser,BlockAccess; or the Purview portal → Data loss prevention → Policies."},
		{"Data security", "Device management",
			"Phones and tablets reach mail only when managed or compliant (conditional access with Require compliant device or Require app protection policy), and a lost device can be wiped selectively or fully.",
			"Entra ID → Conditional Access: a policy for Office 365 Exchange Online requiring a compliant device or app protection; Intune app protection policies for Outlook; Get-MobileDevice -ResultSize Unlimited | Format-Table UserDisplayName,DeviceModel,ClientType,DeviceAccessState."},
	}
}
