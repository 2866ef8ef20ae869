package remediate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/harden365/harden365/tenant"
)

func writeOps(ws []tenant.Write) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Operation+" "+w.Target)
	}
	return out
}

func TestWritesAreOrderedInTime(t *testing.T) {
	s := snapshot(t, "whitepaper")
	p := mustPlan(t, s, []string{"all"}, choicesFor(t, "whitepaper"))
	ws := p.Writes()
	seen := map[string]bool{}
	for i, w := range ws {
		if seen[w.ID] {
			t.Errorf("duplicate write id %s", w.ID)
		}
		seen[w.ID] = true
		if i > 0 && !w.At.After(ws[i-1].At) {
			t.Errorf("%s at %s is not after %s at %s", w.ID, w.At, ws[i-1].ID, ws[i-1].At)
		}
		if !w.Reversible && w.Irreversible == "" {
			t.Errorf("%s is neither reversible nor says why not", w.ID)
		}
		if w.Reversible && len(w.Undo) == 0 {
			t.Errorf("%s reversible without an undo", w.ID)
		}
	}
	if !ws[0].At.Equal(p.Now) {
		t.Errorf("first write at %s, want the plan's now %s", ws[0].At, p.Now)
	}
	// Journal-ready: a write survives JSON.
	data, err := json.Marshal(ws)
	if err != nil {
		t.Fatal(err)
	}
	var back []tenant.Write
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(ws) || back[0].ID != ws[0].ID || back[len(back)-1].Irreversible == "" {
		t.Errorf("round trip: %d writes", len(back))
	}
}

func TestStepCWrites(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	st, _ := LookupStep("C")
	ws := st.Writes(s, nowFor(s), c)
	if len(ws) != 42 { // 40 mailboxes (all but jira) and 2 plans
		t.Fatalf("C writes %d, want 42", len(ws))
	}
	w := ws[0]
	if w.Operation != "Set-CASMailbox" || !reflect.DeepEqual(w.Params, map[string]any{"Identity": "jan.janssen", "PopEnabled": false, "ImapEnabled": false}) ||
		!reflect.DeepEqual(w.Old, map[string]any{"PopEnabled": true, "ImapEnabled": true}) || !reflect.DeepEqual(w.New, map[string]any{"PopEnabled": false, "ImapEnabled": false}) {
		t.Errorf("C-1: %+v", w)
	}
	if got := PowerShell(w); got != "Set-CASMailbox -Identity 'jan.janssen' -ImapEnabled $false -PopEnabled $false" {
		t.Errorf("PowerShell: %s", got)
	}
	if u := w.Undo[0]; u.Operation != "Set-CASMailbox" || !reflect.DeepEqual(u.Params, map[string]any{"Identity": "jan.janssen", "PopEnabled": true, "ImapEnabled": true}) {
		t.Errorf("undo: %+v", u)
	}
	for _, w := range ws {
		if strings.Contains(w.Target, "jira") {
			t.Errorf("C touches the exception: %s", w.Target)
		}
	}
	if last := ws[41]; last.Operation != "Set-CASMailboxPlan" {
		t.Errorf("last C write %s, want Set-CASMailboxPlan", last.Operation)
	}
	// ActiveSync too, and a scope by title: 6 mailboxes, the plans alone.
	c.Protocols = []string{"pop", "imap", "activesync"}
	c.Scope = Scope{Titles: []string{"*Engineering*"}}
	ws = st.Writes(s, nowFor(s), c)
	if len(ws) != 6 || ws[0].Params["ActiveSyncEnabled"] != false {
		t.Errorf("C with scope: %v", writeOps(ws))
	}
}

func TestStepDWrites(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := mustPlan(t, s, []string{"B", "D"}, c)
	ws := p.Step("D").Writes
	want := []string{
		"New-AuthenticationPolicy -Name 'Block Basic Authentication'",
		"New-AuthenticationPolicy -Name 'Allow Basic Authentication for exceptions' -AllowBasicAuthImap -AllowBasicAuthPop",
		"Set-User -Identity 'jira' -AuthenticationPolicy 'Allow Basic Authentication for exceptions'",
		"Set-OrganizationConfig -DefaultAuthenticationPolicy 'Block Basic Authentication'",
	}
	if len(ws) != len(want) {
		t.Fatalf("D: %v", writeOps(ws))
	}
	for i, w := range ws {
		if got := PowerShell(w); got != want[i] {
			t.Errorf("D-%d: %s, want %s", i+1, got, want[i])
		}
	}
	if got := PowerShell(ws[0].Undo[0]); got != "Remove-AuthenticationPolicy -Identity 'Block Basic Authentication' -Confirm:$false" {
		t.Errorf("undo of D-1: %s", got)
	}
	if got := PowerShell(ws[3].Undo[0]); got != "Set-OrganizationConfig -DefaultAuthenticationPolicy $null" {
		t.Errorf("undo of D-4: %s", got)
	}
	// The whitepaper's per-user variant: a scope by title assigns the
	// policy to the six users and leaves the org default alone.
	c.Scope = Scope{Titles: []string{"*Engineering*"}}
	ws = mustPlan(t, s, []string{"B", "D"}, c).Step("D").Writes
	if len(ws) != 7 || ws[0].Operation != "New-AuthenticationPolicy" {
		t.Fatalf("D by title: %v", writeOps(ws))
	}
	for _, w := range ws[1:] {
		if w.Operation != "Set-User" || w.Params["AuthenticationPolicy"] != "Block Basic Authentication" {
			t.Errorf("D by title: %s", PowerShell(w))
		}
	}
	// contoso: the policy exists; only the default is set (the scanner
	// keeps its own SMTP policy, the engineers theirs).
	cs := snapshot(t, "contoso")
	ws = mustPlan(t, cs, []string{"D"}, choicesFor(t, "contoso")).Step("D").Writes
	if len(ws) != 1 || PowerShell(ws[0]) != "Set-OrganizationConfig -DefaultAuthenticationPolicy 'Block Basic Authentication'" {
		t.Errorf("D on contoso: %v", writeOps(ws))
	}
	// Without the scanner as exception, it is moved to the blocking policy.
	ws = mustPlan(t, cs, []string{"D"}, Choices{}).Step("D").Writes
	if len(ws) != 2 || PowerShell(ws[1]) != "Set-User -Identity 'scanner' -AuthenticationPolicy 'Block Basic Authentication'" {
		t.Errorf("D on contoso, no exceptions: %v", writeOps(ws))
	}
}

func TestStepSMTPAuthWrites(t *testing.T) {
	cs := snapshot(t, "contoso")
	st, _ := LookupStep("SMTP-AUTH")
	// The scanner is a documented exception: its explicit $false stays.
	ws := st.Writes(cs, nowFor(cs), choicesFor(t, "contoso"))
	if len(ws) != 1 || PowerShell(ws[0]) != "Set-TransportConfig -SmtpClientAuthenticationDisabled $true" {
		t.Errorf("contoso with the scanner excepted: %v", writeOps(ws))
	}
	// Not excepted: its explicit $false goes back to null (inherit: off).
	ws = st.Writes(cs, nowFor(cs), Choices{})
	if len(ws) != 2 || PowerShell(ws[1]) != "Set-CASMailbox -Identity 'scanner' -SmtpClientAuthenticationDisabled $null" ||
		!reflect.DeepEqual(ws[1].Old, map[string]any{"SmtpClientAuthenticationDisabled": false}) {
		t.Errorf("contoso without exceptions: %v", writeOps(ws))
	}
	after := st.Simulate(cs, nowFor(cs), Choices{})
	for _, m := range after.Exchange.CASMailboxes {
		if v := m.SmtpClientAuthenticationDisabled; v != nil && !*v {
			t.Errorf("%s still turns SMTP AUTH on", m.Identity)
		}
	}
	// An exception that sends with SMTP AUTH and inherits the tenant
	// value keeps it explicitly, before the tenant switch goes off.
	oc := snapshot(t, "okta-classic")
	ws = st.Writes(oc, nowFor(oc), Choices{Exceptions: Exceptions{Users: []string{"janet.leverling@northwind.example"}}})
	if len(ws) != 2 || PowerShell(ws[0]) != "Set-CASMailbox -Identity 'janet.leverling' -SmtpClientAuthenticationDisabled $false" || ws[1].Operation != "Set-TransportConfig" {
		t.Errorf("okta-classic with janet excepted: %v", writeOps(ws))
	}
}

func TestStepAWrites(t *testing.T) {
	s := snapshot(t, "whitepaper")
	p := mustPlan(t, s, []string{"B", "E", "A"}, choicesFor(t, "whitepaper"))
	ws := p.Step("A").Writes
	if len(ws) != 13 {
		t.Fatalf("A: %v", writeOps(ws))
	}
	create, assign, fed := ws[0], ws[1], ws[12]
	if create.Operation != "POST /api/v1/users?activate=true" || create.Params["profile"].(map[string]any)["login"] != "wim.peeters@mijndomein.be" ||
		len(create.Undo) != 2 || create.Undo[1].Operation != "DELETE /api/v1/users/{userId}" {
		t.Errorf("Okta user: %+v", create)
	}
	if assign.Params["id"] != "{userId}" || len(assign.Refs) != 1 || assign.Refs[0].Write != create.ID || assign.Refs[0].Field != "id" {
		t.Errorf("assignment: %+v", assign)
	}
	if fed.Operation != "POST /domains/{id}/federationConfiguration" || fed.Path != "/domains/mijndomein.be/federationConfiguration" ||
		fed.Params["issuerUri"] != "http://www.okta.com/exk8JAI5tCea5BMPdrE0" || fed.Params["federatedIdpMfaBehavior"] != "enforceMfaByFederatedIdp" ||
		fed.Params["signingCertificate"] != "{signingCertificate}" || len(fed.Resolve) != 1 || fed.Resolve[0].Path != "/api/v1/apps/0oaibMTfrB2J6y8QszKy/credentials/keys" {
		t.Errorf("federation: %s %s %v %+v", fed.Operation, fed.Path, fed.Params, fed.Resolve)
	}
	if u := fed.Undo[0]; u.Operation != "PATCH /domains/{id}" || u.Params["authenticationType"] != "Managed" {
		t.Errorf("federation undo: %+v", u)
	}
	d, _ := p.Simulate(s).Domain("mijndomein.be")
	if !d.Federated() || d.Federation == nil || d.Federation.FederatedIdpMfaBehavior != "enforceMfaByFederatedIdp" {
		t.Errorf("mijndomein.be after A: %+v", d)
	}
}

func TestStepFWrites(t *testing.T) {
	s := snapshot(t, "whitepaper")
	st, _ := LookupStep("F")
	now := nowFor(s)
	// Alone, F revokes only the five whose sessions predate the newest
	// change (the scenario's trap): the others were revoked after it.
	ws := st.Writes(s, now, Choices{})
	var users []string
	for _, w := range ws {
		if w.Service == tenant.ServiceGraph {
			users = append(users, strings.TrimPrefix(w.Target, "sessions of "))
		}
	}
	if want := []string{"wim.peeters@mijndomein.be", "koen.maes@mijndomein.be", "dirk.jacobs@mijndomein.be", "jira@mijndomein.nl", "info@mijndomein.nl"}; len(ws) != 10 || !sameSet(users, want) {
		t.Errorf("F alone: %v, want Set-User and revocation for %v", users, want)
	}
	// After the other steps, everyone in scope: Exchange first, then Graph.
	p := mustPlan(t, s, []string{"all"}, choicesFor(t, "whitepaper"))
	ws = p.Step("F").Writes
	if len(ws) != 82 {
		t.Fatalf("F in the full plan: %d writes, want 41 Set-User and 41 revocations", len(ws))
	}
	if ws[0].Operation != "Set-User" || !reflect.DeepEqual(ws[0].Stamp, []string{"StsRefreshTokensValidFrom"}) ||
		PowerShell(ws[0]) != "Set-User -Identity 'jan.janssen' -StsRefreshTokensValidFrom ([DateTime]::UtcNow)" || ws[0].Reversible {
		t.Errorf("F-1: %s %+v", PowerShell(ws[0]), ws[0])
	}
	last := ws[81]
	if last.Operation != "POST /users/{id}/revokeSignInSessions" || last.Reversible || !strings.Contains(last.Irreversible, "cannot be un-revoked") {
		t.Errorf("F-82: %+v", last)
	}
	if in := WriteInstructions(last); !strings.HasPrefix(in[0].Text, "Revoke-MgUserSignInSession -UserId ") {
		t.Errorf("F-82 instruction: %+v", in)
	}
	after := p.Simulate(s)
	for _, u := range after.Users {
		if u.UserPrincipalName == "breakglass@mijndomein.onmicrosoft.com" {
			if !u.SignInSessionsValidFrom.Before(now) {
				t.Error("the break-glass account (no mailbox) was revoked")
			}
			continue
		}
		if !u.SignInSessionsValidFrom.After(p.Step("CA-LEGACY").Writes[1].At) {
			t.Errorf("%s: sessions valid from %s, not after the last change", u.UserPrincipalName, u.SignInSessionsValidFrom)
		}
	}
	if again := st.Writes(after, now, Choices{}); len(again) != 0 {
		t.Errorf("F again: %d writes", len(again))
	}
}

func TestStepFedMFAAndCAWrites(t *testing.T) {
	cs := snapshot(t, "contoso")
	c := choicesFor(t, "contoso")
	st, _ := LookupStep("FED-MFA")
	ws := st.Writes(cs, nowFor(cs), c)
	if len(ws) != 1 || ws[0].Path != "/domains/contoso.com/federationConfiguration/8d2e6f10-4b7a-c93e-15f2-a06b8c4d7e91" ||
		ws[0].Old["federatedIdpMfaBehavior"] != "acceptIfMfaDoneByFederatedIdp" || ws[0].Undo[0].Params["federatedIdpMfaBehavior"] != "acceptIfMfaDoneByFederatedIdp" {
		t.Errorf("FED-MFA: %+v", ws)
	}
	in := WriteInstructions(ws[0])
	if len(in) != 1 || !strings.HasPrefix(in[0].Text, "Update-MgDomainFederationConfiguration -DomainId contoso.com -InternalDomainFederationId 8d2e6f10") {
		t.Errorf("FED-MFA instruction: %+v", in)
	}
	// CA-LEGACY on contoso: the report-only policy gains the scanner's
	// exclusion (merge), then is turned on after a checkpoint.
	st, _ = LookupStep("CA-LEGACY")
	ws = st.Writes(cs, nowFor(cs), c)
	if len(ws) != 2 || !ws[0].Merge || ws[1].Checkpoint == "" || ws[1].Undo[0].Params["state"] != "enabledForReportingButNotEnforced" {
		t.Errorf("CA-LEGACY: %+v", ws)
	}
	// On the whitepaper: created report-only, then turned on through the
	// id the creation returns.
	wp := snapshot(t, "whitepaper")
	ws = mustPlan(t, wp, []string{"B", "CA-LEGACY"}, choicesFor(t, "whitepaper")).Step("CA-LEGACY").Writes
	if len(ws) != 2 || ws[0].Params["state"] != "enabledForReportingButNotEnforced" || ws[1].Params["state"] != "enabled" ||
		ws[1].Path != "/identity/conditionalAccess/policies/{policyId}" || ws[1].Refs[0].Write != ws[0].ID || ws[1].Checkpoint == "" {
		t.Errorf("CA-LEGACY on the whitepaper: %+v", ws)
	}
	users := ws[0].Params["conditions"].(map[string]any)["users"].(map[string]any)
	if !reflect.DeepEqual(users["includeUsers"], []any{"All"}) || len(users["excludeUsers"].([]any)) != 2 {
		t.Errorf("CA users: %v (want All, excluding break-glass and jira)", users)
	}
}
