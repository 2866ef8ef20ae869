package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// Exchange Online admin API writes: the Set-/New-/Remove- cmdlets the
// remediation needs, sent to InvokeCommand exactly like the reads
// ({"CmdletInput":{"CmdletName":...,"Parameters":{...}}}) and applied to the
// scenario's "exchange" section, whose rows are what the Get- cmdlets
// return.
//
// Binding follows PowerShell's: parameter names are case-insensitive; an
// unknown one is 400 ParameterBindingException; a value of the wrong type is
// 400 with PowerShell's transformation error; a missing mandatory parameter
// is 400. Booleans take JSON true/false (or the numbers 1/0, as PowerShell
// does); nullable ones (Set-CASMailbox SmtpClientAuthenticationDisabled,
// Set-OrganizationConfig EwsEnabled) also take null; object references
// (AuthenticationPolicy, DefaultAuthenticationPolicy) take a name, Identity
// or Guid, or null to clear, and must exist (else 404
// ManagementObjectNotFoundException). "Confirm" is accepted by every write
// cmdlet and ignored (the admin API never prompts).
//
// Results: Set-* and Remove-* answer 200 with an empty value; New-* answers
// 200 with the new object in value. A Set-* that changes nothing answers 200
// with PowerShell's warning "The command completed successfully but no
// settings of '<Identity>' have been modified." in @adminapi.warnings and
// leaves WhenChanged alone; every real change stamps WhenChanged with the
// simulator's clock in the service's format (2026-11-01T10:00:00.0000000+00:00).
//
// A mailbox user is one directory object seen through several cmdlets: its
// Get-User, Get-CASMailbox and Get-Mailbox rows (joined by
// ExternalDirectoryObjectId) are resolved by any of their identities and
// all get the new WhenChanged when one of them changes.

// exoTimeFormat is how the admin API writes date-times.
const exoTimeFormat = "2006-01-02T15:04:05.0000000+00:00"

// exoServer is the domain controller named in not-found errors, as the reads
// do.
const exoServer = "SIM01A01DC001.PROD.OUTLOOK.COM"

type exoKind int

const (
	exoBool         exoKind = iota // System.Boolean or SwitchParameter
	exoNullableBool                // System.Nullable[bool]: true, false or null
	exoName                        // a non-empty string
	exoRef                         // an object reference (a name), or null to clear
	exoDateTime                    // System.DateTime
)

// The AllowBasicAuth* switches of an authentication policy, in the order
// Get-AuthenticationPolicy lists them.
var exoBasicAuthSwitches = []string{
	"AllowBasicAuthActiveSync", "AllowBasicAuthAutodiscover", "AllowBasicAuthImap", "AllowBasicAuthMapi",
	"AllowBasicAuthOfflineAddressBook", "AllowBasicAuthOutlookService", "AllowBasicAuthPop", "AllowBasicAuthPowershell",
	"AllowBasicAuthReportingWebServices", "AllowBasicAuthRest", "AllowBasicAuthRpc", "AllowBasicAuthSmtp", "AllowBasicAuthWebServices",
}

type exoCmdlet struct {
	name     string
	params   map[string]exoKind // besides Identity, Confirm
	identity string             // "" (no Identity parameter), "required" or "optional"
	required []string           // other mandatory parameters
	run      func(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr)
}

// exoCall is one bound invocation.
type exoCall struct {
	identity    string // the Identity argument, if any
	hasIdentity bool
	args        map[string]any // canonical name -> bool, nil, string or time.Time
	order       []string       // canonical names, in a stable order
	now         time.Time
}

type exoErr struct {
	status        int
	code, message string
	detail        string // "<id>|<.NET type>|<text>"
}

func exoBinding(format string, a ...any) *exoErr {
	return &exoErr{http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
		"Ex1F3B77|System.Management.Automation.ParameterBindingException|" + fmt.Sprintf(format, a...)}
}

func exoNotFound(identity string) *exoErr {
	return &exoErr{http.StatusNotFound, "NotFound", "Error executing cmdlet",
		fmt.Sprintf("Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '%s' couldn't be found on '%s'.", identity, exoServer)}
}

// exoRefNotFound is the error for a parameter naming an object that does
// not exist (as opposed to the Identity being acted on).
func exoRefNotFound(value string) *exoErr {
	return &exoErr{http.StatusNotFound, "NotFound", "Error executing cmdlet",
		fmt.Sprintf("Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object \"%s\". Please make sure that it was spelled correctly or specify a different object.", value)}
}

func exoAmbiguous(identity string) *exoErr {
	return &exoErr{http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
		fmt.Sprintf("Ex5C7A12|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|The operation couldn't be performed because '%s' matches multiple entries.", identity)}
}

func exoInvalidOperation(text string) *exoErr {
	return &exoErr{http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
		"Ex9D3E41|System.InvalidOperationException|" + text}
}

var exoWriteCmdlets = map[string]*exoCmdlet{}

func init() {
	policySwitches := map[string]exoKind{}
	for _, k := range exoBasicAuthSwitches {
		policySwitches[k] = exoBool
	}
	for _, c := range []*exoCmdlet{
		{name: "Set-OrganizationConfig", params: map[string]exoKind{
			"OAuth2ClientProfileEnabled": exoBool, "DefaultAuthenticationPolicy": exoRef, "EwsEnabled": exoNullableBool,
		}, run: exoSetOrganizationConfig},
		{name: "New-AuthenticationPolicy", params: mergeKinds(policySwitches, map[string]exoKind{"Name": exoName}),
			required: []string{"Name"}, run: exoNewAuthenticationPolicy},
		{name: "Set-AuthenticationPolicy", params: policySwitches, identity: "required", run: exoSetAuthenticationPolicy},
		{name: "Remove-AuthenticationPolicy", params: map[string]exoKind{}, identity: "required", run: exoRemoveAuthenticationPolicy},
		{name: "Set-User", params: map[string]exoKind{
			"AuthenticationPolicy": exoRef, "StsRefreshTokensValidFrom": exoDateTime, "RemotePowerShellEnabled": exoBool,
		}, identity: "required", run: exoSetUser},
		{name: "Set-CASMailbox", params: map[string]exoKind{
			"PopEnabled": exoBool, "ImapEnabled": exoBool, "ActiveSyncEnabled": exoBool, "OWAEnabled": exoBool,
			"MAPIEnabled": exoBool, "EwsEnabled": exoBool, "SmtpClientAuthenticationDisabled": exoNullableBool,
			"ECPEnabled": exoBool, "OWAforDevicesEnabled": exoBool, "UniversalOutlookEnabled": exoBool,
			"OutlookMobileEnabled": exoBool, "MacOutlookEnabled": exoBool, "OneWinNativeOutlookEnabled": exoBool,
		}, identity: "required", run: exoSetCASMailbox},
		{name: "Set-CASMailboxPlan", params: map[string]exoKind{
			"PopEnabled": exoBool, "ImapEnabled": exoBool, "ActiveSyncEnabled": exoBool,
			"OWAEnabled": exoBool, "MAPIEnabled": exoBool, "ECPEnabled": exoBool,
		}, identity: "required", run: exoSetCASMailboxPlan},
		{name: "Set-TransportConfig", params: map[string]exoKind{"SmtpClientAuthenticationDisabled": exoBool},
			identity: "optional", run: exoSetTransportConfig},
	} {
		exoWriteCmdlets[strings.ToLower(c.name)] = c
	}
}

func mergeKinds(a, b map[string]exoKind) map[string]exoKind {
	m := map[string]exoKind{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// exchangeWrite answers a non-Get cmdlet (called by exchange()).
func (s *Server) exchangeWrite(w http.ResponseWriter, r *http.Request, tenant, name string, params map[string]any) {
	spec, ok := exoWriteCmdlets[strings.ToLower(name)]
	if !ok {
		exoError(w, http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
			fmt.Sprintf("Ex4D2A91|System.Management.Automation.CommandNotFoundException|The simulator does not carry out '%s' yet.", name))
		return
	}
	call, e := spec.bind(params)
	if e != nil {
		exoError(w, e.status, e.code, e.message, e.detail)
		return
	}
	s.mu.Lock()
	call.now = s.Now()
	exo := obj(s.sc.Doc["exchange"])
	if exo == nil {
		exo = map[string]any{}
		s.sc.Doc["exchange"] = exo
	}
	value, warnings, e := spec.run(s, exo, call)
	for i, v := range value {
		value[i] = clone(v)
	}
	s.mu.Unlock()
	if e != nil {
		exoError(w, e.status, e.code, e.message, e.detail)
		return
	}
	for _, v := range value {
		addODataSidecars(obj(v))
	}
	if value == nil {
		value = []any{}
	}
	if warnings == nil {
		warnings = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":               baseURL(r) + "/adminapi/beta/" + tenant + "/$metadata#Collection(Exchange.GenericHashTable)",
		"adminapi.warnings@odata.type": "#Collection(String)",
		"@adminapi.warnings":           warnings,
		"value":                        value,
	})
}

// bind checks and converts the parameters as PowerShell's binder would.
func (c *exoCmdlet) bind(params map[string]any) (*exoCall, *exoErr) {
	call := &exoCall{args: map[string]any{}}
	for _, k := range sortedKeys(params) {
		v := params[k]
		switch {
		case strings.EqualFold(k, "Confirm"):
			if _, e := exoBindBool("Confirm", v, false); e != nil {
				return nil, e
			}
			continue
		case strings.EqualFold(k, "Identity") && c.identity != "":
			id, e := exoBindString("Identity", v)
			if e != nil {
				return nil, e
			}
			call.identity, call.hasIdentity = id, true
			continue
		}
		canon, kind, found := "", exoBool, false
		for p, pk := range c.params {
			if strings.EqualFold(p, k) {
				canon, kind, found = p, pk, true
			}
		}
		if !found {
			return nil, exoBinding("A parameter cannot be found that matches parameter name '%s'.", k)
		}
		var bound any
		var e *exoErr
		switch kind {
		case exoBool:
			bound, e = exoBindBool(canon, v, false)
		case exoNullableBool:
			bound, e = exoBindBool(canon, v, true)
		case exoName:
			bound, e = exoBindString(canon, v)
		case exoRef:
			if v == nil {
				bound = nil
			} else {
				bound, e = exoBindString(canon, v)
			}
		case exoDateTime:
			bound, e = exoBindDateTime(canon, v)
		}
		if e != nil {
			return nil, e
		}
		call.args[canon] = bound
		call.order = append(call.order, canon)
	}
	var missing []string
	if c.identity == "required" && !call.hasIdentity {
		missing = append(missing, "Identity")
	}
	for _, p := range c.required {
		if _, ok := call.args[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, exoBinding("Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(missing, " "))
	}
	return call, nil
}

func exoBindBool(name string, v any, nullable bool) (any, *exoErr) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case nil:
		if nullable {
			return nil, nil
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f != 0, nil
		}
	}
	return nil, exoBinding("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.", name, exoDotNetValue(v))
}

func exoBindString(name string, v any) (string, *exoErr) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", exoBinding("Cannot bind argument to parameter '%s' because it is null.", name)
	case string:
		s = x
	case json.Number:
		s = x.String()
	case bool:
		s = map[bool]string{true: "True", false: "False"}[x]
	default:
		return "", exoBinding("Cannot convert '%s' to the type 'System.String' required by parameter '%s'. Specified method is not supported.", exoDotNetValue(v), name)
	}
	if strings.TrimSpace(s) == "" {
		return "", exoBinding("Cannot bind argument to parameter '%s' because it is an empty string.", name)
	}
	return s, nil
}

func exoBindDateTime(name string, v any) (time.Time, *exoErr) {
	if s, ok := v.(string); ok {
		if t, err := ParseTime(s); err == nil {
			return t.UTC(), nil
		}
		for _, layout := range []string{"2006-01-02T15:04:05.9999999", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, exoBinding("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"System.DateTime\". Error: \"String '%s' was not recognized as a valid DateTime.\"", name, exoDotNetValue(v), exoDotNetValue(v))
}

// exoDotNetValue renders a JSON value as PowerShell names it in errors.
func exoDotNetValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		return "System.Object[]"
	case map[string]any:
		return "System.Collections.Hashtable"
	}
	return fmt.Sprint(v)
}

// --- finding rows.

// exoRows returns the live rows of a Get- cmdlet.
func exoRows(exo map[string]any, cmdlet string) []any { return list(exo[cmdlet]) }

// exoFind resolves identity among rows: the one match, or the not-found or
// ambiguous error. match decides whether a row answers to the identity.
func exoFind(rows []any, identity string, match func(map[string]any, string) bool) (map[string]any, *exoErr) {
	var found []map[string]any
	for _, row := range rows {
		if m := obj(row); m != nil && match(m, identity) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return nil, exoNotFound(identity)
	case 1:
		return found[0], nil
	}
	return nil, exoAmbiguous(identity)
}

// Recipient views: a mailbox user's rows in these cmdlets are one object.
var exoRecipientViews = []string{"Get-User", "Get-CASMailbox", "Get-Mailbox"}

// exoFindRecipient resolves identity to the row of view, also through the
// user's other views (so Set-CASMailbox takes a UPN that only Get-User
// lists).
func exoFindRecipient(exo map[string]any, view, identity string) (map[string]any, *exoErr) {
	row, e := exoFind(exoRows(exo, view), identity, exoIdentityMatches)
	if e == nil || e.status != http.StatusNotFound {
		return row, e
	}
	for _, other := range exoRecipientViews {
		if other == view {
			continue
		}
		o, oe := exoFind(exoRows(exo, other), identity, exoIdentityMatches)
		if oe != nil {
			if oe.status != http.StatusNotFound {
				return nil, oe
			}
			continue
		}
		if key := str(o["ExternalDirectoryObjectId"]); key != "" {
			if row, e2 := exoFind(exoRows(exo, view), key, func(m map[string]any, k string) bool {
				return strings.EqualFold(str(m["ExternalDirectoryObjectId"]), k)
			}); e2 == nil {
				return row, nil
			}
		}
	}
	return nil, e
}

// exoCompanions returns the user's rows in the other recipient views.
func exoCompanions(exo map[string]any, row map[string]any) []map[string]any {
	key, byID := str(row["ExternalDirectoryObjectId"]), true
	if key == "" {
		key, byID = str(row["Identity"]), false
	}
	if key == "" {
		return nil
	}
	var out []map[string]any
	for _, view := range exoRecipientViews {
		for _, r := range exoRows(exo, view) {
			m := obj(r)
			if m == nil || sameMap(m, row) {
				continue
			}
			if (byID && strings.EqualFold(str(m["ExternalDirectoryObjectId"]), key)) ||
				(!byID && str(m["ExternalDirectoryObjectId"]) == "" && strings.EqualFold(str(m["Identity"]), key)) {
				out = append(out, m)
			}
		}
	}
	return out
}

// exoGuidSuffix is the "-<guid>" a mailbox plan's Name carries after its
// display name (ExchangeOnlineEnterprise-<guid>; any hexadecimal groups).
var exoGuidSuffix = regexp.MustCompile(`(-[0-9a-fA-F]+)+$`)

// exoPlanMatches also resolves a mailbox plan by its display name
// (DisplayName, or the Name without its "-<guid>" suffix), as
// MailboxPlanIdParameter does.
func exoPlanMatches(row map[string]any, want string) bool {
	if exoIdentityMatches(row, want) || strings.EqualFold(str(row["DisplayName"]), want) {
		return true
	}
	name := str(row["Name"])
	return exoGuidSuffix.MatchString(name) && strings.EqualFold(exoGuidSuffix.ReplaceAllString(name, ""), want)
}

// exoPolicyName resolves an authentication policy reference to the
// policy's name.
func exoPolicyName(exo map[string]any, ref string) (string, *exoErr) {
	row, e := exoFind(exoRows(exo, "Get-AuthenticationPolicy"), ref, exoIdentityMatches)
	if e != nil {
		if e.status == http.StatusNotFound {
			return "", exoRefNotFound(ref)
		}
		return "", e
	}
	if n := str(row["Name"]); n != "" {
		return n, nil
	}
	return str(row["Identity"]), nil
}

// exoSingleton returns the one row of an organisation-wide cmdlet.
func exoSingleton(s *Server, exo map[string]any, cmdlet string, identity string, hasIdentity bool) (map[string]any, *exoErr) {
	rows := exoRows(exo, cmdlet)
	if hasIdentity {
		return exoFind(rows, identity, exoIdentityMatches)
	}
	if len(rows) == 0 || obj(rows[0]) == nil {
		return nil, exoNotFound(s.sc.InitialDomain())
	}
	return obj(rows[0]), nil
}

// --- applying.

// exoApply sets the call's arguments on row (values already converted),
// and stamps WhenChanged on row and its companions when anything changed.
// It returns the "nothing modified" warning otherwise.
func exoApply(call *exoCall, row map[string]any, values map[string]any, companions []map[string]any) []any {
	changed := false
	for _, k := range call.order {
		v, ok := values[k]
		if !ok {
			continue
		}
		old, had := row[k]
		if !had || !jsonEqual(old, v) {
			row[k] = v
			changed = true
		}
	}
	if !changed {
		return []any{fmt.Sprintf("The command completed successfully but no settings of '%s' have been modified.", exoDisplayIdentity(row))}
	}
	exoStamp(row, call.now)
	for _, c := range companions {
		exoStamp(c, call.now)
	}
	return nil
}

func exoDisplayIdentity(row map[string]any) string {
	for _, k := range []string{"Identity", "Name", "UserPrincipalName"} {
		if v := str(row[k]); v != "" {
			return v
		}
	}
	return ""
}

func exoStamp(row map[string]any, now time.Time) {
	row["WhenChanged"] = now.UTC().Truncate(time.Second).Format(exoTimeFormat)
	if _, ok := row["WhenChangedUTC"]; ok {
		row["WhenChangedUTC"] = now.UTC().Truncate(time.Second).Format(exoTimeFormat)
	}
}

// jsonEqual compares two JSON values (json.Number by value).
func jsonEqual(a, b any) bool {
	na, aNum := a.(json.Number)
	nb, bNum := b.(json.Number)
	if aNum && bNum {
		fa, _ := na.Float64()
		fb, _ := nb.Float64()
		return fa == fb
	}
	return reflect.DeepEqual(a, b)
}

// plainArgs copies the call's arguments as stored values.
func plainArgs(call *exoCall) map[string]any {
	out := map[string]any{}
	for _, k := range call.order {
		v := call.args[k]
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(exoTimeFormat)
		}
		out[k] = v
	}
	return out
}

// --- the cmdlets.

func exoSetOrganizationConfig(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	row, e := exoSingleton(s, exo, "Get-OrganizationConfig", "", false)
	if e != nil {
		return nil, nil, e
	}
	values := plainArgs(c)
	if ref, ok := values["DefaultAuthenticationPolicy"].(string); ok {
		name, e := exoPolicyName(exo, ref)
		if e != nil {
			return nil, nil, e
		}
		values["DefaultAuthenticationPolicy"] = name
	}
	return nil, exoApply(c, row, values, nil), nil
}

func exoNewAuthenticationPolicy(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	name := c.args["Name"].(string)
	for _, p := range exoRows(exo, "Get-AuthenticationPolicy") {
		if m := obj(p); strings.EqualFold(str(m["Name"]), name) || strings.EqualFold(str(m["Identity"]), name) {
			return nil, nil, &exoErr{http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
				fmt.Sprintf("Ex2E6B05|Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException|Active Directory operation failed on %s. The object 'CN=%s,CN=Auth Policies,CN=Configuration,CN=%s,CN=ConfigurationUnits,DC=SIM01A01,DC=PROD,DC=OUTLOOK,DC=COM' already exists.",
					exoServer, str(m["Name"]), s.sc.InitialDomain())}
		}
	}
	stamp := c.now.UTC().Truncate(time.Second).Format(exoTimeFormat)
	row := map[string]any{"Identity": name, "Name": name, "Guid": newUUID(), "WhenChanged": stamp, "WhenCreated": stamp}
	for _, k := range exoBasicAuthSwitches {
		v, ok := c.args[k]
		if !ok {
			v = false // a new policy blocks Basic authentication everywhere
		}
		row[k] = v
	}
	exo["Get-AuthenticationPolicy"] = append(exoRows(exo, "Get-AuthenticationPolicy"), row)
	return []any{row}, nil, nil
}

func exoSetAuthenticationPolicy(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	row, e := exoFind(exoRows(exo, "Get-AuthenticationPolicy"), c.identity, exoIdentityMatches)
	if e != nil {
		return nil, nil, e
	}
	return nil, exoApply(c, row, plainArgs(c), nil), nil
}

// exoRemoveAuthenticationPolicy refuses to remove the organisation's default
// policy or a policy still assigned to a user: Microsoft's docs are silent,
// and a policy removed under its users would leave dangling references in
// Get-OrganizationConfig and Get-User. Unassign first (Set-User
// -AuthenticationPolicy $null, Set-OrganizationConfig
// -DefaultAuthenticationPolicy $null), as an undo in reverse order does.
func exoRemoveAuthenticationPolicy(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	rows := exoRows(exo, "Get-AuthenticationPolicy")
	row, e := exoFind(rows, c.identity, exoIdentityMatches)
	if e != nil {
		return nil, nil, e
	}
	name := str(row["Name"])
	if name == "" {
		name = str(row["Identity"])
	}
	for _, org := range exoRows(exo, "Get-OrganizationConfig") {
		if strings.EqualFold(str(obj(org)["DefaultAuthenticationPolicy"]), name) {
			return nil, nil, exoInvalidOperation(fmt.Sprintf("The authentication policy '%s' can't be removed because it's the organization's default authentication policy. Run Set-OrganizationConfig -DefaultAuthenticationPolicy $null first.", name))
		}
	}
	var users []string
	for _, u := range exoRows(exo, "Get-User") {
		if m := obj(u); strings.EqualFold(str(m["AuthenticationPolicy"]), name) {
			users = append(users, exoDisplayIdentity(m))
		}
	}
	if len(users) > 0 {
		return nil, nil, exoInvalidOperation(fmt.Sprintf("The authentication policy '%s' can't be removed because it's assigned to %d user(s): %s. Run Set-User -AuthenticationPolicy $null for them first.", name, len(users), strings.Join(users, ", ")))
	}
	kept := make([]any, 0, len(rows))
	for _, p := range rows {
		if sameMap(obj(p), row) {
			continue
		}
		kept = append(kept, p)
	}
	exo["Get-AuthenticationPolicy"] = kept
	return nil, nil, nil
}

func exoSetUser(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	row, e := exoFindRecipient(exo, "Get-User", c.identity)
	if e != nil {
		return nil, nil, e
	}
	values := plainArgs(c)
	if ref, ok := values["AuthenticationPolicy"].(string); ok {
		name, e := exoPolicyName(exo, ref)
		if e != nil {
			return nil, nil, e
		}
		values["AuthenticationPolicy"] = name
	}
	return nil, exoApply(c, row, values, exoCompanions(exo, row)), nil
}

func exoSetCASMailbox(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	row, e := exoFindRecipient(exo, "Get-CASMailbox", c.identity)
	if e != nil {
		return nil, nil, e
	}
	return nil, exoApply(c, row, plainArgs(c), exoCompanions(exo, row)), nil
}

func exoSetCASMailboxPlan(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	row, e := exoFind(exoRows(exo, "Get-CASMailboxPlan"), c.identity, exoPlanMatches)
	if e != nil {
		return nil, nil, e
	}
	return nil, exoApply(c, row, plainArgs(c), nil), nil
}

func exoSetTransportConfig(s *Server, exo map[string]any, c *exoCall) ([]any, []any, *exoErr) {
	row, e := exoSingleton(s, exo, "Get-TransportConfig", c.identity, c.hasIdentity)
	if e != nil {
		return nil, nil, e
	}
	return nil, exoApply(c, row, plainArgs(c), nil), nil
}
