package sim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	minimalTenant = "6f1c2a9e-5b7d-4c1e-9a3b-2d8e4f6a1c00"
	exoLayout     = "2006-01-02T15:04:05.0000000+00:00"
)

// exo invokes a cmdlet through the admin API.
func (ws *wsim) exo(cmdlet string, params map[string]any) wresp {
	ws.t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	return ws.do(http.MethodPost, "/adminapi/beta/"+minimalTenant+"/InvokeCommand",
		map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
}

// exoOK checks a successful write: 200, the envelope, and the value's
// length; it returns the warnings.
func exoOK(t *testing.T, r wresp, values int) []any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.raw)
	}
	b := r.obj()
	if !strings.HasSuffix(jstr(b["@odata.context"]), "/$metadata#Collection(Exchange.GenericHashTable)") || b["adminapi.warnings@odata.type"] != "#Collection(String)" {
		t.Errorf("not the admin API envelope: %s", r.raw)
	}
	v, ok := b["value"].([]any)
	if !ok || len(v) != values {
		t.Errorf("value %v, want %d rows", b["value"], values)
	}
	w, ok := b["@adminapi.warnings"].([]any)
	if !ok {
		t.Errorf("@adminapi.warnings missing: %s", r.raw)
	}
	return w
}

// exoWantError checks the admin API error: status, and the .NET type and
// text in details[0].message ("<id>|<type>|<text>").
func exoWantError(t *testing.T, r wresp, status int, typ, text string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, r.raw)
	}
	msg := jstr(dig(r.body, "error", "details", 0, "message"))
	parts := strings.SplitN(msg, "|", 3)
	if len(parts) != 3 || !strings.HasSuffix(parts[1], typ) || !strings.Contains(parts[2], text) {
		t.Errorf("error detail %q, want type %s and text containing %q", msg, typ, text)
	}
	if inner := jstr(dig(r.body, "error", "innererror", "internalexception", "message")); inner != msg {
		t.Errorf("innererror.internalexception.message %q, want the detail", inner)
	}
}

// exoGet returns the rows of a Get- cmdlet (optionally for one Identity).
func (ws *wsim) exoGet(cmdlet, identity string) []any {
	ws.t.Helper()
	p := map[string]any{"ResultSize": "Unlimited"}
	if identity != "" {
		p["Identity"] = identity
	}
	r := ws.exo(cmdlet, p)
	if r.status != http.StatusOK {
		ws.t.Fatalf("%s %s: %d %s", cmdlet, identity, r.status, r.raw)
	}
	v, _ := r.obj()["value"].([]any)
	return v
}

func (ws *wsim) exoOne(cmdlet, identity string) map[string]any {
	ws.t.Helper()
	rows := ws.exoGet(cmdlet, identity)
	if len(rows) != 1 {
		ws.t.Fatalf("%s %s: %d rows", cmdlet, identity, len(rows))
	}
	m, _ := rows[0].(map[string]any)
	return m
}

func stateRow(st map[string]any, cmdlet, identity string) map[string]any {
	return find(dig(st, "exchange", cmdlet), "Identity", identity)
}

func TestExoWriteSetOrganizationConfig(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	var r wresp
	before, after := ws.timed(func() { r = ws.exo("Set-OrganizationConfig", map[string]any{"OAuth2ClientProfileEnabled": false}) })
	if w := exoOK(t, r, 0); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
	org := ws.exoOne("Get-OrganizationConfig", "")
	if org["OAuth2ClientProfileEnabled"] != false {
		t.Errorf("Get-OrganizationConfig after the write: %v", org)
	}
	wantStamp(t, "WhenChanged", org["WhenChanged"], exoLayout, before, after)
	if org["WhenChanged@data.type"] != "System.DateTime" {
		t.Errorf("WhenChanged has no DateTime sidecar: %v", org)
	}
	st := ws.state()
	if row := stateRow(st, "Get-OrganizationConfig", "fabrikamexample.onmicrosoft.com"); row["OAuth2ClientProfileEnabled"] != false || row["WhenChanged"] != org["WhenChanged"] {
		t.Errorf("/_sim/state row %v", row)
	}
	if _, ok := stateRow(st, "Get-OrganizationConfig", "fabrikamexample.onmicrosoft.com")["WhenChanged@data.type"]; ok {
		t.Error("the response's sidecars leaked into the state")
	}

	// Setting it again changes nothing: PowerShell's warning, WhenChanged
	// kept.
	time.Sleep(1100 * time.Millisecond)
	w := exoOK(t, ws.exo("Set-OrganizationConfig", map[string]any{"OAuth2ClientProfileEnabled": false}), 0)
	if len(w) != 1 || w[0] != "The command completed successfully but no settings of 'fabrikamexample.onmicrosoft.com' have been modified." {
		t.Errorf("warnings %v", w)
	}
	if again := ws.exoOne("Get-OrganizationConfig", ""); again["WhenChanged"] != org["WhenChanged"] {
		t.Errorf("WhenChanged moved on a no-op: %v -> %v", org["WhenChanged"], again["WhenChanged"])
	}

	// DefaultAuthenticationPolicy: a name (any case) that must exist, or null.
	exoOK(t, ws.exo("Set-OrganizationConfig", map[string]any{"defaultauthenticationpolicy": "block basic AUTHENTICATION", "EwsEnabled": false}), 0)
	org = ws.exoOne("Get-OrganizationConfig", "")
	if org["DefaultAuthenticationPolicy"] != "Block Basic Authentication" || org["EwsEnabled"] != false {
		t.Errorf("after setting the default policy: %v", org)
	}
	exoWantError(t, ws.exo("Set-OrganizationConfig", map[string]any{"DefaultAuthenticationPolicy": "No Such Policy"}),
		http.StatusNotFound, "ManagementObjectNotFoundException", `Couldn't find object "No Such Policy"`)
	exoOK(t, ws.exo("Set-OrganizationConfig", map[string]any{"DefaultAuthenticationPolicy": nil, "EwsEnabled": nil}), 0)
	org = ws.exoOne("Get-OrganizationConfig", "")
	if v, ok := org["DefaultAuthenticationPolicy"]; !ok || v != nil || org["EwsEnabled"] != nil {
		t.Errorf("after clearing: %v", org)
	}

	// Binding errors.
	exoWantError(t, ws.exo("Set-OrganizationConfig", map[string]any{"OAuth2ClientProfileEnabled": "yes"}),
		http.StatusBadRequest, "ParameterBindingException", `Cannot convert value "yes" to type "System.Boolean"`)
	exoWantError(t, ws.exo("Set-OrganizationConfig", map[string]any{"OAuth2ClientProfileEnabled": nil}),
		http.StatusBadRequest, "ParameterBindingException", `to type "System.Boolean"`)
	exoWantError(t, ws.exo("Set-OrganizationConfig", map[string]any{"OAuth2ClientProfileEnabld": true}),
		http.StatusBadRequest, "ParameterBindingException", "A parameter cannot be found that matches parameter name 'OAuth2ClientProfileEnabld'.")
	exoWantError(t, ws.exo("Set-OrganizationConfig", map[string]any{"Identity": "x", "OAuth2ClientProfileEnabled": true}),
		http.StatusBadRequest, "ParameterBindingException", "parameter name 'Identity'")
	exoWantError(t, ws.exo("Set-DkimSigningConfig", map[string]any{"Identity": "fabrikam.example", "Enabled": true}),
		http.StatusBadRequest, "CommandNotFoundException", "does not carry out 'Set-DkimSigningConfig'")
	if org := ws.exoOne("Get-OrganizationConfig", ""); org["OAuth2ClientProfileEnabled"] != false {
		t.Errorf("a refused write changed the state: %v", org)
	}
	ws.state()
}

func TestExoWriteAuthenticationPolicies(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	var r wresp
	before, after := ws.timed(func() {
		r = ws.exo("New-AuthenticationPolicy", map[string]any{"Name": "Allow SMTP Basic", "AllowBasicAuthSmtp": true, "Confirm": false})
	})
	exoOK(t, r, 1)
	created, _ := dig(r.body, "value", 0).(map[string]any)
	if created["Name"] != "Allow SMTP Basic" || created["Identity"] != "Allow SMTP Basic" || len(jstr(created["Guid"])) != 36 || created["Guid@odata.type"] != "#Guid" {
		t.Errorf("New-AuthenticationPolicy value %v", created)
	}
	wantStamp(t, "WhenCreated", created["WhenCreated"], exoLayout, before, after)
	switches := []string{"ActiveSync", "Autodiscover", "Imap", "Mapi", "OfflineAddressBook", "OutlookService", "Pop",
		"Powershell", "ReportingWebServices", "Rest", "Rpc", "Smtp", "WebServices"}
	for _, sw := range switches {
		if want := sw == "Smtp"; created["AllowBasicAuth"+sw] != want {
			t.Errorf("AllowBasicAuth%s = %v, want %v", sw, created["AllowBasicAuth"+sw], want)
		}
	}
	if rows := ws.exoGet("Get-AuthenticationPolicy", ""); len(rows) != 2 {
		t.Errorf("Get-AuthenticationPolicy after New: %d rows", len(rows))
	}
	if got := ws.exoOne("Get-AuthenticationPolicy", jstr(created["Guid"])); got["AllowBasicAuthSmtp"] != true {
		t.Errorf("by Guid: %v", got)
	}
	if row := stateRow(ws.state(), "Get-AuthenticationPolicy", "Allow SMTP Basic"); row == nil || row["AllowBasicAuthPop"] != false {
		t.Errorf("state row %v", row)
	}

	exoWantError(t, ws.exo("New-AuthenticationPolicy", map[string]any{"Name": "allow smtp basic"}),
		http.StatusBadRequest, "ADObjectAlreadyExistsException", "already exists")
	exoWantError(t, ws.exo("New-AuthenticationPolicy", map[string]any{"AllowBasicAuthPop": true}),
		http.StatusBadRequest, "ParameterBindingException", "missing mandatory parameters: Name.")
	exoWantError(t, ws.exo("New-AuthenticationPolicy", map[string]any{"Name": ""}),
		http.StatusBadRequest, "ParameterBindingException", "because it is an empty string")
	exoWantError(t, ws.exo("New-AuthenticationPolicy", map[string]any{"Name": "X", "AllowBasicAuthSmtp": "true"}),
		http.StatusBadRequest, "ParameterBindingException", "System.Boolean")

	// Set-AuthenticationPolicy.
	exoOK(t, ws.exo("Set-AuthenticationPolicy", map[string]any{"Identity": "Allow SMTP Basic", "AllowBasicAuthSmtp": false, "AllowBasicAuthImap": true}), 0)
	if got := ws.exoOne("Get-AuthenticationPolicy", "Allow SMTP Basic"); got["AllowBasicAuthSmtp"] != false || got["AllowBasicAuthImap"] != true {
		t.Errorf("after Set: %v", got)
	}
	exoWantError(t, ws.exo("Set-AuthenticationPolicy", map[string]any{"Identity": "Nope", "AllowBasicAuthSmtp": false}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "object 'Nope' couldn't be found")
	exoWantError(t, ws.exo("Set-AuthenticationPolicy", map[string]any{"AllowBasicAuthSmtp": false}),
		http.StatusBadRequest, "ParameterBindingException", "missing mandatory parameters: Identity.")

	// Remove-AuthenticationPolicy: refused while the org default or
	// assigned (ann has "Block Basic Authentication").
	exoWantError(t, ws.exo("Remove-AuthenticationPolicy", map[string]any{"Identity": "Block Basic Authentication"}),
		http.StatusBadRequest, "InvalidOperationException", "assigned to 1 user(s): ann")
	exoOK(t, ws.exo("Set-OrganizationConfig", map[string]any{"DefaultAuthenticationPolicy": "Allow SMTP Basic"}), 0)
	exoWantError(t, ws.exo("Remove-AuthenticationPolicy", map[string]any{"Identity": "Allow SMTP Basic", "Confirm": false}),
		http.StatusBadRequest, "InvalidOperationException", "default authentication policy")
	exoOK(t, ws.exo("Set-OrganizationConfig", map[string]any{"DefaultAuthenticationPolicy": nil}), 0)
	exoOK(t, ws.exo("Remove-AuthenticationPolicy", map[string]any{"Identity": "Allow SMTP Basic", "Confirm": false}), 0)
	exoWantError(t, ws.exo("Get-AuthenticationPolicy", map[string]any{"Identity": "Allow SMTP Basic"}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "Allow SMTP Basic")
	exoWantError(t, ws.exo("Remove-AuthenticationPolicy", map[string]any{"Identity": "Allow SMTP Basic"}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "Allow SMTP Basic")
	if st := ws.state(); stateRow(st, "Get-AuthenticationPolicy", "Allow SMTP Basic") != nil || len(dig(st, "exchange", "Get-AuthenticationPolicy").([]any)) != 1 {
		t.Errorf("state still holds the removed policy: %v", dig(st, "exchange", "Get-AuthenticationPolicy"))
	}
}

// TestExoWriteNewPolicyOnEmptyTenant: whitepaper has no authentication
// policy at all (an empty list).
func TestExoWriteNewPolicyOnEmptyTenant(t *testing.T) {
	ws := startWrite(t, "whitepaper", nil)
	r := ws.do(http.MethodPost, "/adminapi/beta/mijndomein.onmicrosoft.com/InvokeCommand",
		map[string]any{"CmdletInput": map[string]any{"CmdletName": "New-AuthenticationPolicy", "Parameters": map[string]any{"Name": "Block Basic Auth"}}})
	exoOK(t, r, 1)
	wantStamp(t, "WhenChanged", dig(r.body, "value", 0, "WhenChanged"), exoLayout, ws.srv.Scenario().AsOf(), ws.srv.Now())
	if !strings.HasPrefix(jstr(dig(r.body, "value", 0, "WhenChanged")), "2019-06-01T") {
		t.Errorf("the clock starts at asOf: %v", dig(r.body, "value", 0, "WhenChanged"))
	}
	if rows := dig(ws.state(), "exchange", "Get-AuthenticationPolicy").([]any); len(rows) != 1 {
		t.Errorf("state: %v", rows)
	}
}

func TestExoWriteSetUser(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	var r wresp
	before, after := ws.timed(func() {
		r = ws.exo("Set-User", map[string]any{"Identity": "scanner@fabrikam.example", "AuthenticationPolicy": "Block Basic Authentication"})
	})
	exoOK(t, r, 0)
	u := ws.exoOne("Get-User", "scanner")
	if u["AuthenticationPolicy"] != "Block Basic Authentication" {
		t.Errorf("Get-User after Set-User: %v", u)
	}
	wantStamp(t, "Get-User WhenChanged", u["WhenChanged"], exoLayout, before, after)
	// The mailbox's other view is the same directory object.
	if cas := ws.exoOne("Get-CASMailbox", "scanner"); cas["WhenChanged"] != u["WhenChanged"] {
		t.Errorf("Get-CASMailbox WhenChanged %v, want %v", cas["WhenChanged"], u["WhenChanged"])
	}

	// StsRefreshTokensValidFrom: any ISO date-time, stored in the
	// service's format in UTC.
	exoOK(t, ws.exo("Set-User", map[string]any{"Identity": "11111111-0000-0000-0000-000000000002", "StsRefreshTokensValidFrom": "2026-11-01T02:00:05+02:00"}), 0)
	if u := ws.exoOne("Get-User", "scanner"); u["StsRefreshTokensValidFrom"] != "2026-11-01T00:00:05.0000000+00:00" || u["StsRefreshTokensValidFrom@data.type"] != "System.DateTime" {
		t.Errorf("StsRefreshTokensValidFrom %v", u)
	}
	exoWantError(t, ws.exo("Set-User", map[string]any{"Identity": "scanner", "StsRefreshTokensValidFrom": "yesterday"}),
		http.StatusBadRequest, "ParameterBindingException", `to type "System.DateTime"`)

	exoOK(t, ws.exo("Set-User", map[string]any{"Identity": "ann", "AuthenticationPolicy": nil, "RemotePowerShellEnabled": false}), 0)
	if u := ws.exoOne("Get-User", "ann@fabrikam.example"); u["AuthenticationPolicy"] != nil || u["RemotePowerShellEnabled"] != false {
		t.Errorf("after clearing ann's policy: %v", u)
	}
	exoWantError(t, ws.exo("Set-User", map[string]any{"Identity": "nobody@fabrikam.example", "RemotePowerShellEnabled": false}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "object 'nobody@fabrikam.example' couldn't be found on")
	exoWantError(t, ws.exo("Set-User", map[string]any{"Identity": "ann", "AuthenticationPolicy": "Missing"}),
		http.StatusNotFound, "ManagementObjectNotFoundException", `Couldn't find object "Missing"`)
	exoWantError(t, ws.exo("Set-User", map[string]any{"Identity": nil}),
		http.StatusBadRequest, "ParameterBindingException", "parameter 'Identity' because it is null")
	exoWantError(t, ws.exo("Set-User", map[string]any{"Identity": []any{"ann"}}),
		http.StatusBadRequest, "ParameterBindingException", "Cannot convert 'System.Object[]' to the type 'System.String'")

	st := ws.state()
	if row := stateRow(st, "Get-User", "scanner"); row["AuthenticationPolicy"] != "Block Basic Authentication" || row["StsRefreshTokensValidFrom"] != "2026-11-01T00:00:05.0000000+00:00" {
		t.Errorf("state Get-User row %v", row)
	}
	if row := stateRow(st, "Get-User", "ann"); row["AuthenticationPolicy"] != nil {
		t.Errorf("state Get-User ann %v", row)
	}
}

func TestExoWriteSetCASMailbox(t *testing.T) {
	// bo's mailbox answers to a different primary address than his UPN, so
	// resolving the UPN needs his Get-User row.
	ws := startWrite(t, minimalFile, func(doc map[string]any) {
		cas := find(dig(doc, "exchange", "Get-CASMailbox"), "Identity", "bo")
		cas["PrimarySmtpAddress"] = "bo.chan@labs.fabrikam.example"
	})
	var r wresp
	before, after := ws.timed(func() {
		r = ws.exo("Set-CASMailbox", map[string]any{"Identity": "bo@labs.fabrikam.example", "PopEnabled": false, "imapenabled": false, "SmtpClientAuthenticationDisabled": true})
	})
	exoOK(t, r, 0)
	cas := ws.exoOne("Get-CASMailbox", "bo")
	if cas["PopEnabled"] != false || cas["ImapEnabled"] != false || cas["SmtpClientAuthenticationDisabled"] != true {
		t.Errorf("Get-CASMailbox after Set-CASMailbox: %v", cas)
	}
	if _, odd := cas["imapenabled"]; odd {
		t.Error("the parameter was stored under the case it was sent in")
	}
	wantStamp(t, "WhenChanged", cas["WhenChanged"], exoLayout, before, after)
	if u := ws.exoOne("Get-User", "bo"); u["WhenChanged"] != cas["WhenChanged"] {
		t.Errorf("Get-User WhenChanged %v, want %v", u["WhenChanged"], cas["WhenChanged"])
	}
	if ann := ws.exoOne("Get-CASMailbox", "ann"); ann["WhenChanged"] != nil {
		t.Errorf("another mailbox was stamped: %v", ann)
	}

	// Null (inherit the tenant value) is valid for SmtpClientAuthenticationDisabled only; 1/0 bind as booleans.
	exoOK(t, ws.exo("Set-CASMailbox", map[string]any{"Identity": "bo.chan@labs.fabrikam.example", "SmtpClientAuthenticationDisabled": nil, "ActiveSyncEnabled": 0, "OWAEnabled": true, "MAPIEnabled": false, "EwsEnabled": false}), 0)
	cas = ws.exoOne("Get-CASMailbox", "bo")
	if v, ok := cas["SmtpClientAuthenticationDisabled"]; !ok || v != nil || cas["ActiveSyncEnabled"] != false || cas["MAPIEnabled"] != false || cas["EwsEnabled"] != false {
		t.Errorf("after the second Set-CASMailbox: %v", cas)
	}
	exoWantError(t, ws.exo("Set-CASMailbox", map[string]any{"Identity": "bo", "PopEnabled": nil}),
		http.StatusBadRequest, "ParameterBindingException", "System.Boolean")
	exoWantError(t, ws.exo("Set-CASMailbox", map[string]any{"Identity": "bo", "PopEnable": false}),
		http.StatusBadRequest, "ParameterBindingException", "parameter name 'PopEnable'")
	exoWantError(t, ws.exo("Set-CASMailbox", map[string]any{"Identity": "nobody", "PopEnabled": false}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "'nobody'")

	if row := stateRow(ws.state(), "Get-CASMailbox", "bo"); row["PopEnabled"] != false || row["ActiveSyncEnabled"] != false {
		t.Errorf("state row %v", row)
	}
}

func TestExoWritePlansAndTransportConfig(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	var r wresp
	before, after := ws.timed(func() {
		// The plan answers to its display name, without the "-<guid>".
		r = ws.exo("Set-CASMailboxPlan", map[string]any{"Identity": "ExchangeOnlineEnterprise", "PopEnabled": false, "ImapEnabled": false, "ActiveSyncEnabled": false})
	})
	exoOK(t, r, 0)
	plan := ws.exoOne("Get-CASMailboxPlan", "ExchangeOnlineEnterprise-1a2b")
	if plan["PopEnabled"] != false || plan["ImapEnabled"] != false || plan["ActiveSyncEnabled"] != false {
		t.Errorf("plan after Set-CASMailboxPlan: %v", plan)
	}
	wantStamp(t, "plan WhenChanged", plan["WhenChanged"], exoLayout, before, after)
	exoWantError(t, ws.exo("Set-CASMailboxPlan", map[string]any{"Identity": "ExchangeOnlineDeskless", "PopEnabled": false}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "ExchangeOnlineDeskless")
	exoWantError(t, ws.exo("Set-CASMailboxPlan", map[string]any{"Identity": "ExchangeOnlineEnterprise", "SmtpClientAuthenticationDisabled": true}),
		http.StatusBadRequest, "ParameterBindingException", "'SmtpClientAuthenticationDisabled'")

	before, after = ws.timed(func() {
		r = ws.exo("Set-TransportConfig", map[string]any{"SmtpClientAuthenticationDisabled": true})
	})
	exoOK(t, r, 0)
	tc := ws.exoOne("Get-TransportConfig", "")
	if tc["SmtpClientAuthenticationDisabled"] != true {
		t.Errorf("transport config %v", tc)
	}
	wantStamp(t, "transport WhenChanged", tc["WhenChanged"], exoLayout, before, after)
	exoWantError(t, ws.exo("Set-TransportConfig", map[string]any{"SmtpClientAuthenticationDisabled": nil}),
		http.StatusBadRequest, "ParameterBindingException", "System.Boolean")
	exoOK(t, ws.exo("Set-TransportConfig", map[string]any{"Identity": "Transport Settings", "SmtpClientAuthenticationDisabled": false}), 0)
	exoWantError(t, ws.exo("Set-TransportConfig", map[string]any{"Identity": "Elsewhere", "SmtpClientAuthenticationDisabled": true}),
		http.StatusNotFound, "ManagementObjectNotFoundException", "'Elsewhere'")

	st := ws.state()
	if row := stateRow(st, "Get-CASMailboxPlan", "ExchangeOnlineEnterprise-1a2b"); row["PopEnabled"] != false {
		t.Errorf("state plan %v", row)
	}
	if row := stateRow(st, "Get-TransportConfig", "Transport Settings"); row["SmtpClientAuthenticationDisabled"] != false {
		t.Errorf("state transport config %v", row)
	}
}

// TestExoWriteAmbiguousPlan: two plans with one display name.
func TestExoWriteAmbiguousPlan(t *testing.T) {
	ws := startWrite(t, "contoso", func(doc map[string]any) {
		plans := dig(doc, "exchange", "Get-CASMailboxPlan").([]any)
		p := map[string]any{}
		for k, v := range plans[0].(map[string]any) {
			p[k] = v
		}
		p["Identity"] = "ExchangeOnlineEnterprise-00000000-1111-2222-3333-444444444444"
		p["Name"] = p["Identity"]
		doc["exchange"].(map[string]any)["Get-CASMailboxPlan"] = append(plans, p)
	})
	r := ws.do(http.MethodPost, "/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand",
		map[string]any{"CmdletInput": map[string]any{"CmdletName": "Set-CASMailboxPlan", "Parameters": map[string]any{"Identity": "ExchangeOnlineEnterprise", "PopEnabled": false}}})
	exoWantError(t, r, http.StatusBadRequest, "ManagementObjectAmbiguousException", "matches multiple entries")
}
