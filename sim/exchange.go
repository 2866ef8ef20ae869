package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The Exchange Online admin API: POST /adminapi/beta/{tenant}/InvokeCommand
// with {"CmdletInput":{"CmdletName":...,"Parameters":{...}}}, answered in
// the service's OData envelope with @odata.type sidecars, paged by
// "Prefer: odata.maxpagesize" and @odata.nextLink (re-POSTed by clients).

const (
	exoDefaultPage = 1000
	exoMaxPage     = 1000
	exoTruncated   = "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."
)

// Read cmdlets the simulator answers even when the scenario lists no rows
// (the service returns an empty collection for them).
var exoKnownGets = map[string]bool{
	"Get-OrganizationConfig": true, "Get-CASMailbox": true, "Get-User": true, "Get-AuthenticationPolicy": true,
	"Get-CASMailboxPlan": true, "Get-TransportConfig": true, "Get-MobileDevice": true, "Get-Mailbox": true,
	"Get-DkimSigningConfig": true, "Get-AdminAuditLogConfig": true, "Get-AcceptedDomain": true,
	// The Exchange security checklist's reads. The Defender for Office 365
	// cmdlets (Get-SafeLinksPolicy/-Rule, Get-SafeAttachmentPolicy/-Rule) are
	// deliberately absent: a tenant without that licence does not have them,
	// so unless the scenario lists them they answer CommandNotFoundException.
	"Get-MailboxAuditBypassAssociation": true, "Get-RoleGroup": true, "Get-MalwareFilterPolicy": true,
	"Get-IRMConfiguration": true, "Get-SmimeConfig": true, "Get-InboundConnector": true, "Get-OutboundConnector": true,
}

// Parameters each read cmdlet accepts here; anything else is the
// service's "parameter cannot be found" 400.
var exoGetParams = map[string]bool{"ResultSize": true, "Identity": true}

func (s *Server) exchangeAuth(w http.ResponseWriter, r *http.Request) bool {
	if bearer(r, "Bearer") != "" {
		return true
	}
	// The service answers a missing or unusable token with an empty 401
	// and a WWW-Authenticate challenge.
	w.Header().Set("WWW-Authenticate", `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
	return false
}

func (s *Server) exchange(w http.ResponseWriter, r *http.Request) {
	// /adminapi/beta/{tenant}/InvokeCommand
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "adminapi" || parts[1] != "beta" || parts[3] != "InvokeCommand" {
		exoError(w, http.StatusNotFound, "NotFound", "Resource not found", "")
		return
	}
	tenant := parts[2]
	if !strings.EqualFold(tenant, s.sc.TenantID()) && !strings.EqualFold(tenant, s.sc.InitialDomain()) {
		exoError(w, http.StatusNotFound, "NotFound", "Tenant not found", fmt.Sprintf("Ex0A1B2C|Microsoft.Exchange.Management.Tasks.TenantNotFoundException|The tenant '%s' couldn't be found.", tenant))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		exoError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The HTTP method is not allowed", "")
		return
	}
	var body struct {
		CmdletInput *struct {
			CmdletName string         `json:"CmdletName"`
			Parameters map[string]any `json:"Parameters"`
		} `json:"CmdletInput"`
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || body.CmdletInput == nil || body.CmdletInput.CmdletName == "" {
		exoError(w, http.StatusBadRequest, "BadRequest", "Invalid Operation", "Ex7C1E2D|System.ArgumentException|The request body must be {\"CmdletInput\":{\"CmdletName\":...,\"Parameters\":{...}}}.")
		return
	}
	name, params := body.CmdletInput.CmdletName, body.CmdletInput.Parameters

	// Writes (Set-/New-/Remove-...): exchange_write.go.
	if !strings.HasPrefix(name, "Get-") {
		s.exchangeWrite(w, r, tenant, name, params)
		s.wrote()
		return
	}
	for k := range params {
		if !exoGetParams[k] {
			exoError(w, http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
				fmt.Sprintf("Ex1F3B77|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name '%s'.", k))
			return
		}
	}
	var resultSize int
	limited, badSize := false, ""
	if rs, ok := params["ResultSize"]; ok && !strings.EqualFold(fmt.Sprint(rs), "Unlimited") {
		n, err := strconv.Atoi(fmt.Sprint(rs))
		if err != nil || n < 0 {
			badSize = fmt.Sprintf("Ex2B8C10|System.Management.Automation.ParameterBindingException|Cannot bind parameter 'ResultSize'. Cannot convert value \"%v\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.UInt32]\".", rs)
		}
		resultSize, limited = n, badSize == ""
	}
	off, pageOK := parsePageToken(name, r.URL.Query().Get("$skiptoken"))
	size := s.pageSize(preferMaxPageSize(r), exoDefaultPage, exoMaxPage)

	// Select under the lock without copying; copy only the page.
	s.mu.RLock()
	exo := obj(s.sc.Doc["exchange"])
	rowsV, listed := exo[name]
	rows := list(rowsV)
	want, byIdentity := "", false
	if id, ok := params["Identity"]; ok {
		want, byIdentity = fmt.Sprint(id), true
		var match []any
		for _, row := range rows {
			if exoIdentityMatches(obj(row), want) {
				match = append(match, row)
			}
		}
		rows = match
	}
	matched := len(rows)
	var warnings []any
	if limited && resultSize < len(rows) {
		rows = rows[:resultSize]
		warnings = append(warnings, exoTruncated)
	}
	var page []any
	next := -1
	if pageOK {
		page, next = pageOf(rows, off, size)
	}
	s.mu.RUnlock()

	if !listed && !exoKnownGets[name] {
		exoError(w, http.StatusBadRequest, "BadRequest", "Error executing cmdlet",
			fmt.Sprintf("Ex4D2A91|System.Management.Automation.CommandNotFoundException|The term '%s' is not recognized as a name of a cmdlet.", name))
		return
	}
	if byIdentity && matched == 0 {
		exoError(w, http.StatusNotFound, "NotFound", "Error executing cmdlet",
			fmt.Sprintf("Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '%s' couldn't be found on 'SIM01A01DC001.PROD.OUTLOOK.COM'.", want))
		return
	}
	if badSize != "" {
		exoError(w, http.StatusBadRequest, "BadRequest", "Error executing cmdlet", badSize)
		return
	}
	if !pageOK {
		exoError(w, http.StatusBadRequest, "BadRequest", "Expired or Invalid pagination request. Default Expiry time is 00:30:00", "")
		return
	}
	for _, row := range page {
		addODataSidecars(obj(row))
	}
	if page == nil {
		page = []any{}
	}
	if warnings == nil {
		warnings = []any{}
	}
	resp := map[string]any{
		"@odata.context":               baseURL(r) + "/adminapi/beta/" + tenant + "/$metadata#Collection(Exchange.GenericHashTable)",
		"adminapi.warnings@odata.type": "#Collection(String)",
		"@adminapi.warnings":           warnings,
		"value":                        page,
	}
	if next >= 0 {
		resp["@odata.nextLink"] = baseURL(r) + r.URL.Path + "?$skiptoken=" + pageToken(name, next)
	}
	writeJSON(w, http.StatusOK, resp)
}

func preferMaxPageSize(r *http.Request) int {
	for _, pref := range strings.Split(r.Header.Get("Prefer"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(pref), "odata.maxpagesize="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func exoIdentityMatches(row map[string]any, want string) bool {
	for _, k := range []string{"Identity", "Name", "PrimarySmtpAddress", "UserPrincipalName", "ExternalDirectoryObjectId", "Guid", "DistinguishedName"} {
		if v, ok := row[k].(string); ok && strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

// addODataSidecars adds the "@odata.type"/"@data.type" keys the service
// puts beside typed properties; clients must ignore them.
func addODataSidecars(row map[string]any) {
	for _, k := range sortedKeys(row) {
		if strings.Contains(k, "@") {
			continue
		}
		switch v := row[k].(type) {
		case []any:
			row[k+"@odata.type"] = "#Collection(String)"
		case string:
			switch {
			case k == "Guid" || strings.HasSuffix(k, "Guid"):
				row[k+"@data.type"] = "System.Guid"
				row[k+"@odata.type"] = "#Guid"
			case strings.HasSuffix(k, "Time") || strings.HasPrefix(k, "When") || strings.HasSuffix(k, "ValidFrom"):
				if _, err := ParseTime(v); err == nil {
					row[k+"@data.type"] = "System.DateTime"
					row[k+"@odata.type"] = "#DateTimeOffset"
				}
			}
		}
	}
}

// exoError writes the admin API's OData error body.
func exoError(w http.ResponseWriter, status int, code, message, detail string) {
	e := map[string]any{"code": code, "message": message}
	if detail != "" {
		e["details"] = []any{map[string]any{"code": "Client", "target": "", "message": detail}}
		e["innererror"] = map[string]any{
			"message": message, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
			"internalexception": map[string]any{"message": detail, "type": "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException"},
		}
	}
	writeJSON(w, status, map[string]any{
		"error":                        e,
		"adminapi.warnings@odata.type": "#Collection(String)",
		"@adminapi.warnings":           []any{},
	})
}
