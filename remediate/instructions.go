package remediate

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// instructionsOf is a step's hand-over: for each write the equivalent in
// today's tooling (reference §3: Exchange Online PowerShell v3, Microsoft
// Graph PowerShell, the Okta Admin Console and API, the Entra admin
// center), then the step's own explanations.
func instructionsOf(r *run) []Instruction {
	names := map[string]string{}
	for _, g := range r.s.Okta.Groups {
		names[g.ID] = g.Name
	}
	for _, z := range r.s.Okta.Zones {
		names[z.ID] = z.Name
	}
	// A step may make 100,000 writes (F): their instructions are
	// rendered in runs on workers, and put together in order.
	runs := min(runtime.GOMAXPROCS(0), len(r.writes)/1024+1)
	parts := make([][]Instruction, runs)
	var jobs []func()
	for k := range runs {
		lo, hi := k*len(r.writes)/runs, (k+1)*len(r.writes)/runs
		jobs = append(jobs, func() {
			part := make([]Instruction, 0, hi-lo)
			for _, w := range r.writes[lo:hi] {
				part = append(part, writeInstructions(w, names)...)
			}
			parts[k] = part
		})
	}
	parallel(jobs)
	var out []Instruction
	if len(r.writes) > 0 {
		n := len(r.instr)
		for _, part := range parts {
			n += len(part)
		}
		out = make([]Instruction, 0, n)
	}
	for _, part := range parts {
		out = append(out, part...)
	}
	return append(out, r.instr...)
}

// WriteInstructions renders one write as what a person would type or
// click to make it.
func WriteInstructions(w tenant.Write) []Instruction { return writeInstructions(w, nil) }

// writeInstructions is WriteInstructions with Okta group and zone names
// by id, for the console's words.
func writeInstructions(w tenant.Write, names map[string]string) []Instruction {
	var out []Instruction
	if w.Checkpoint != "" {
		out = append(out, Instruction{Tool: "checkpoint", Text: "Before the next change: " + w.Checkpoint})
	}
	switch w.Service {
	case tenant.ServiceExchange:
		out = append(out, Instruction{Tool: ToolEXO, Text: PowerShell(w)})
	case tenant.ServiceGraph:
		out = append(out, graphInstructions(w)...)
	case tenant.ServiceOkta:
		out = append(out, oktaInstructions(w, names)...)
	}
	return out
}

// PowerShell renders a cmdlet write as an Exchange Online PowerShell
// command line.
func PowerShell(w tenant.Write) string {
	var b strings.Builder
	b.WriteString(w.Operation)
	keys := sortedKeys(w.Params)
	// Identity and Name first, as people write them.
	sort.SliceStable(keys, func(i, j int) bool { return paramRank(keys[i]) < paramRank(keys[j]) })
	for _, k := range keys {
		v := w.Params[k]
		b.WriteString(" -")
		b.WriteString(k)
		if containsFold(w.Stamp, k) {
			b.WriteString(" ([DateTime]::UtcNow)")
			continue
		}
		switch x := v.(type) {
		case nil:
			b.WriteString(" $null")
		case bool:
			if k == "Confirm" {
				b.WriteString(":" + psBool(x))
			} else if !strings.HasPrefix(w.Operation, "New-") || !x { // else a switch parameter
				b.WriteString(" " + psBool(x))
			}
		case string:
			b.WriteString(" " + psQuote(x))
		default:
			fmt.Fprintf(&b, " %v", x)
		}
	}
	return b.String()
}

func paramRank(k string) int {
	switch k {
	case "Identity":
		return 0
	case "Name":
		return 1
	case "Confirm":
		return 3
	}
	return 2
}

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func pathPart(path string, i int) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if i < len(parts) {
		return parts[i]
	}
	return ""
}

func graphInstructions(w tenant.Write) []Instruction {
	p := w.Params
	switch w.Operation {
	case "POST /domains/{id}/federationConfiguration":
		d := pathPart(w.Path, 1)
		return []Instruction{
			{ToolGraphPS, fmt.Sprintf("New-MgDomainFederationConfiguration -DomainId %s -DisplayName 'Okta' -IssuerUri %s -MetadataExchangeUri %s -PassiveSignInUri %s -ActiveSignInUri %s -SignOutUri %s -PreferredAuthenticationProtocol wsFed -PromptLoginBehavior %v -FederatedIdpMfaBehavior %v -SigningCertificate $cert "+
				"(with $cert the x5c[0] of the Okta app's signing key: GET /api/v1/apps/{appId}/credentials/keys; permission Domain-InternalFederation.ReadWrite.All; replaces the retired Set-MsolDomainAuthentication)",
				d, psQuote(fmt.Sprint(p["issuerUri"])), psQuote(fmt.Sprint(p["metadataExchangeUri"])), psQuote(fmt.Sprint(p["passiveSignInUri"])),
				psQuote(fmt.Sprint(p["activeSignInUri"])), psQuote(fmt.Sprint(p["signOutUri"])), p["promptLoginBehavior"], p["federatedIdpMfaBehavior"])},
		}
	case "PATCH /domains/{id}/federationConfiguration/{fedId}":
		return []Instruction{{ToolGraphPS, fmt.Sprintf("Update-MgDomainFederationConfiguration -DomainId %s -InternalDomainFederationId %s -FederatedIdpMfaBehavior %v (replaces the retired Set-MsolDomainFederationSettings -SupportsMfa $true)",
			pathPart(w.Path, 1), pathPart(w.Path, 3), p["federatedIdpMfaBehavior"])}}
	case "PATCH /domains/{id}":
		return []Instruction{{ToolGraphPS, fmt.Sprintf("Update-MgDomain -DomainId %s -AuthenticationType %v", pathPart(w.Path, 1), p["authenticationType"])}}
	case "POST /identity/conditionalAccess/policies":
		return []Instruction{{ToolGraphPS, fmt.Sprintf("New-MgIdentityConditionalAccessPolicy -BodyParameter '%s' (permission Policy.ReadWrite.ConditionalAccess)", jsonText(p))}}
	case "PATCH /identity/conditionalAccess/policies/{id}":
		id := pathPart(w.Path, 3)
		if st, ok := p["state"]; ok {
			return []Instruction{{ToolGraphPS, fmt.Sprintf("Update-MgIdentityConditionalAccessPolicy -ConditionalAccessPolicyId %s -State %v", id, st)}}
		}
		return []Instruction{{ToolGraphPS, fmt.Sprintf("Update-MgIdentityConditionalAccessPolicy -ConditionalAccessPolicyId %s -BodyParameter '%s' (read the policy first: the conditions object is sent whole)", id, jsonText(p))}}
	case "DELETE /identity/conditionalAccess/policies/{id}":
		return []Instruction{{ToolGraphPS, "Remove-MgIdentityConditionalAccessPolicy -ConditionalAccessPolicyId " + pathPart(w.Path, 3)}}
	case "POST /users/{id}/revokeSignInSessions":
		user := strings.TrimPrefix(w.Target, "sessions of ")
		return []Instruction{{ToolGraphPS, "Revoke-MgUserSignInSession -UserId " + user + " (replaces the retired Revoke-AzureADUserAllRefreshToken; permission User.RevokeSessions.All)"}}
	}
	return []Instruction{{ToolGraphPS, fmt.Sprintf("Invoke-MgGraphRequest -Method %s -Uri 'v1.0%s' -Body '%s'", strings.Fields(w.Operation)[0], w.Path, jsonText(p))}}
}

func oktaInstructions(w tenant.Write, names map[string]string) []Instruction {
	api := Instruction{ToolOktaAPI, fmt.Sprintf("%s %s", strings.Fields(w.Operation)[0], w.Path)}
	if w.Params != nil {
		api.Text += " " + jsonText(w.Params)
		if w.Merge {
			api.Text += " (GET the rule first and PUT it back whole with these fields changed)"
		}
	}
	var console string
	switch w.Operation {
	case "POST /api/v1/policies/{policyId}/rules":
		console = fmt.Sprintf("%s → Add Rule: %s", consoleRules, describeRuleBody(w.Params, names))
	case "PUT /api/v1/policies/{policyId}/rules/{ruleId}":
		if pr, ok := w.Params["priority"]; ok && len(w.Params) == 1 {
			console = fmt.Sprintf("%s: drag %s to place %v", consoleRules, strings.SplitN(w.Target, " of policy", 2)[0], pr)
		} else {
			console = fmt.Sprintf("%s: edit %s: %s", consoleRules, strings.SplitN(w.Target, " of policy", 2)[0], jsonText(w.New))
		}
	case "POST /api/v1/users?activate=true":
		prof, _ := w.Params["profile"].(map[string]any)
		console = fmt.Sprintf("Okta Admin Console → Directory → People → Add person: first name %v, last name %v, username %v, primary email %v, Send user activation email now", prof["firstName"], prof["lastName"], prof["login"], prof["email"])
	case "POST /api/v1/apps/{appId}/users":
		user := w.Target
		if i := strings.LastIndex(user, " to "); i >= 0 {
			user = user[i+4:]
		}
		console = "Okta Admin Console → Applications → Microsoft Office 365 → Assignments → Assign to People: " + user
	}
	if console == "" {
		return []Instruction{api}
	}
	return []Instruction{{ToolOkta, console}, api}
}

// describeRuleBody says an ACCESS_POLICY rule body in the console's words.
func describeRuleBody(b map[string]any, names map[string]string) string {
	named := func(v any) string {
		var out []string
		for _, x := range anySlice(v) {
			id := fmt.Sprint(x)
			if n := names[id]; n != "" {
				out = append(out, fmt.Sprintf("%q", n))
			} else {
				out = append(out, id)
			}
		}
		return strings.Join(out, ", ")
	}
	get := func(m any, path ...string) any {
		for _, k := range path {
			mm, ok := m.(map[string]any)
			if !ok {
				return nil
			}
			m = mm[k]
		}
		return m
	}
	people := "everyone"
	if inc := anySlice(get(b, "conditions", "people", "groups", "include")); len(inc) > 0 {
		people = "the group(s) " + named(inc)
	}
	if exc := anySlice(get(b, "conditions", "people", "groups", "exclude")); len(exc) > 0 {
		people += ", excluding the group(s) " + named(exc)
	}
	where := "Anywhere"
	if c, _ := get(b, "conditions", "network", "connection").(string); c == "ZONE" {
		where = "In zone(s) " + named(get(b, "conditions", "network", "include"))
	}
	var clients []string
	if inc, ok := get(b, "conditions", "office365Client", "include").([]any); ok {
		for _, c := range inc {
			switch c {
			case clientLegacy:
				clients = append(clients, "\"Exchange ActiveSync or Legacy Auth client\"")
			case clientWeb:
				clients = append(clients, "\"Web browser\"")
			case clientModern:
				clients = append(clients, "\"Modern Authentication client\"")
			default:
				clients = append(clients, fmt.Sprint(c))
			}
		}
	}
	access := fmt.Sprint(get(b, "actions", "appSignOn", "access"))
	action := "Denied"
	if access == "ALLOW" {
		action = "Allowed"
		if get(b, "actions", "appSignOn", "verificationMethod", "factorMode") == "2FA" {
			action += fmt.Sprintf(", Prompt for factor (re-authenticate %v)", get(b, "actions", "appSignOn", "verificationMethod", "reauthenticateIn"))
		}
	}
	return fmt.Sprintf("%q: People: %s; Location: %s; Client: %s, all platforms; Device: any; Access: %s; priority %v",
		b["name"], people, where, strings.Join(clients, " and "), action, b["priority"])
}

func anySlice(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out
	}
	return nil
}
