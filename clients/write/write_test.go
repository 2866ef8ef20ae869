package write

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

func serve(t *testing.T) (*sim.Server, *Writer) {
	t.Helper()
	srv := simtest.ServeBuiltin(t, "whitepaper", sim.Options{})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	w, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, w
}

func state(t *testing.T, srv *sim.Server) map[string]any {
	t.Helper()
	resp, err := http.Get(srv.URL() + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// row finds the object with key=value in the list at path (a.b.c).
func row(doc map[string]any, path, key, value string) map[string]any {
	var cur any = doc
	for _, p := range strings.Split(path, ".") {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	list, _ := cur.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && strings.EqualFold(m[key].(string), value) {
			return m
		}
	}
	return nil
}

func TestWriteExchange(t *testing.T) {
	srv, w := serve(t)
	ctx := context.Background()
	_, err := w.Do(ctx, tenant.Write{ID: "C-1", Service: tenant.ServiceExchange, Operation: "Set-CASMailbox",
		Params: map[string]any{"Identity": "jan.janssen", "PopEnabled": false, "ImapEnabled": false}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Do(ctx, tenant.Write{ID: "D-1", Service: tenant.ServiceExchange, Operation: "New-AuthenticationPolicy",
		Params: map[string]any{"Name": "Block Basic Authentication"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got["Name"] != "Block Basic Authentication" {
		t.Errorf("New-AuthenticationPolicy answered %v", got)
	}
	_, err = w.Do(ctx, tenant.Write{ID: "D-2", Service: tenant.ServiceExchange, Operation: "Set-OrganizationConfig",
		Params: map[string]any{"DefaultAuthenticationPolicy": nil}}, nil)
	if err != nil {
		t.Fatalf("null parameter: %v", err)
	}
	st := state(t, srv)
	if m := row(st, "exchange.Get-CASMailbox", "Identity", "jan.janssen"); m["PopEnabled"] != false || m["ImapEnabled"] != false {
		t.Errorf("mailbox after Set-CASMailbox: Pop %v Imap %v", m["PopEnabled"], m["ImapEnabled"])
	}
	if row(st, "exchange.Get-AuthenticationPolicy", "Name", "Block Basic Authentication") == nil {
		t.Error("the new policy is not there")
	}
	// The service's refusal comes back in its own words, with the status.
	_, err = w.Do(ctx, tenant.Write{ID: "X", Service: tenant.ServiceExchange, Operation: "Set-CASMailbox",
		Params: map[string]any{"Identity": "nobody", "PopEnabled": false}}, nil)
	var f *collect.Failure
	if !errors.As(err, &f) || f.HTTPStatus != http.StatusNotFound || !strings.Contains(f.Message, "couldn't be found") {
		t.Errorf("unknown mailbox: %v", err)
	}
	if _, err := w.Do(ctx, tenant.Write{ID: "X", Service: tenant.ServiceExchange, Operation: "Get-CASMailbox"}, nil); err == nil {
		t.Error("a Get- cmdlet was accepted as a write")
	}
}

const o365Policy = "rstxRaUWndQrcKiz9Ol2"

func TestWriteOktaRuleAndMerge(t *testing.T) {
	srv, w := serve(t)
	ctx := context.Background()
	body := map[string]any{"type": "ACCESS_POLICY", "name": "Deny legacy authentication clients", "priority": 0,
		"conditions": map[string]any{"network": map[string]any{"connection": "ANYWHERE"}, "office365Client": map[string]any{"include": []any{"EXCHANGE_ACTIVE_SYNC"}}},
		"actions":    map[string]any{"appSignOn": map[string]any{"access": "DENY", "verificationMethod": map[string]any{"type": "ASSURANCE", "factorMode": "1FA", "reauthenticateIn": "PT43800H", "constraints": []any{}}}}}
	got, err := w.Do(ctx, tenant.Write{ID: "E-1", Service: tenant.ServiceOkta, Operation: "POST /api/v1/policies/{policyId}/rules",
		Path: "/api/v1/policies/" + o365Policy + "/rules", Params: body}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := got["id"]
	if !strings.HasPrefix(id, "0pr") || got["status"] != "ACTIVE" {
		t.Fatalf("created rule answered %v", got)
	}
	// A merge PUT changes what it names and keeps the rest (office365Client
	// too, which v2's typed rule would drop).
	path := "/api/v1/policies/" + o365Policy + "/rules/" + id
	if _, err := w.Do(ctx, tenant.Write{ID: "E-2", Service: tenant.ServiceOkta, Operation: "PUT /api/v1/policies/{policyId}/rules/{ruleId}", Path: path, Merge: true,
		Params: map[string]any{"name": "Renamed", "conditions": map[string]any{"people": map[string]any{"groups": map[string]any{"exclude": []any{"00g7kz5IaLGCsRCwL4I2"}}}}}}, nil); err != nil {
		t.Fatal(err)
	}
	st := state(t, srv)
	rules := st["okta"].(map[string]any)["policyRules"].(map[string]any)[o365Policy].([]any)
	var rule map[string]any
	for _, r := range rules {
		if r.(map[string]any)["id"] == id {
			rule = r.(map[string]any)
		}
	}
	if rule == nil || rule["name"] != "Renamed" {
		t.Fatalf("rule after merge: %v", rule)
	}
	cond := rule["conditions"].(map[string]any)
	if inc := cond["office365Client"].(map[string]any)["include"].([]any); len(inc) != 1 || inc[0] != "EXCHANGE_ACTIVE_SYNC" {
		t.Errorf("office365Client lost in the merge: %v", cond)
	}
	if cond["network"].(map[string]any)["connection"] != "ANYWHERE" || cond["people"] == nil {
		t.Errorf("conditions after merge: %v", cond)
	}
	if _, err := w.Do(ctx, tenant.Write{ID: "E-1.undo", Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/policies/{policyId}/rules/{ruleId}", Path: path}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = w.Do(ctx, tenant.Write{ID: "E-1.undo", Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/policies/{policyId}/rules/{ruleId}", Path: path}, nil)
	var f *collect.Failure
	if !errors.As(err, &f) || f.HTTPStatus != http.StatusNotFound || !strings.Contains(f.Message, "E0000007") {
		t.Errorf("deleting twice: %v", err)
	}
}

func TestWriteGraph(t *testing.T) {
	srv, w := serve(t)
	ctx := context.Background()
	body := map[string]any{"displayName": "Block legacy authentication", "state": "enabledForReportingButNotEnforced",
		"conditions": map[string]any{"clientAppTypes": []any{"exchangeActiveSync", "other"},
			"applications": map[string]any{"includeApplications": []any{"All"}}, "users": map[string]any{"includeUsers": []any{"All"}, "excludeUsers": []any{}}},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []any{"block"}}}
	got, err := w.Do(ctx, tenant.Write{ID: "CA-1", Service: tenant.ServiceGraph, Operation: "POST /identity/conditionalAccess/policies",
		Path: "/identity/conditionalAccess/policies", Params: body}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := got["id"]
	if id == "" {
		t.Fatalf("created policy answered %v", got)
	}
	path := "/identity/conditionalAccess/policies/" + id
	if _, err := w.Do(ctx, tenant.Write{ID: "CA-2", Service: tenant.ServiceGraph, Operation: "PATCH /identity/conditionalAccess/policies/{id}", Path: path,
		Params: map[string]any{"state": "enabled"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Do(ctx, tenant.Write{ID: "F-1", Service: tenant.ServiceGraph, Operation: "POST /users/{id}/revokeSignInSessions",
		Path: "/users/5e1d0000-0000-4000-8000-000000000001/revokeSignInSessions"}, nil); err != nil {
		t.Fatal(err)
	}
	st := state(t, srv)
	p := row(st, "graph.conditionalAccessPolicies", "id", id)
	if p == nil || p["state"] != "enabled" || p["conditions"].(map[string]any)["users"] == nil {
		t.Errorf("policy after PATCH: %v", p)
	}
	u := row(st, "graph.users", "id", "5e1d0000-0000-4000-8000-000000000001")
	if v, _ := u["signInSessionsValidFromDateTime"].(string); !strings.HasPrefix(v, srv.Now().Format("2006-01-02")) {
		t.Errorf("sessions not revoked: %v", u["signInSessionsValidFromDateTime"])
	}
	if _, err := w.Do(ctx, tenant.Write{ID: "CA-1.undo", Service: tenant.ServiceGraph, Operation: "DELETE /identity/conditionalAccess/policies/{id}", Path: path}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = w.Do(ctx, tenant.Write{ID: "CA-1.undo", Service: tenant.ServiceGraph, Operation: "DELETE /identity/conditionalAccess/policies/{id}", Path: path}, nil)
	var f *collect.Failure
	if !errors.As(err, &f) || f.HTTPStatus != http.StatusNotFound {
		t.Errorf("deleting twice: %v", err)
	}
}

// A write whose placeholder was never filled is refused before anything
// is sent.
func TestWriteRefusesPlaceholders(t *testing.T) {
	srv, w := serve(t)
	before := srv.Requests()
	_, err := w.Do(context.Background(), tenant.Write{ID: "E-1.undo", Service: tenant.ServiceOkta, Operation: "DELETE /api/v1/policies/{policyId}/rules/{ruleId}",
		Path: "/api/v1/policies/" + o365Policy + "/rules/{ruleId}"}, nil)
	if err == nil || !strings.Contains(err.Error(), "{ruleId}") {
		t.Fatalf("err %v", err)
	}
	_, err = w.Do(context.Background(), tenant.Write{ID: "A-2", Service: tenant.ServiceOkta, Operation: "POST /api/v1/apps/{appId}/users",
		Path: "/api/v1/apps/x/users", Params: map[string]any{"id": "{userId}"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "{userId}") {
		t.Fatalf("err %v", err)
	}
	if after := srv.Requests(); after["okta"] != before["okta"] {
		t.Errorf("requests were sent: %v -> %v", before, after)
	}
}

func TestSigningCertificate(t *testing.T) {
	keys := []any{
		map[string]any{"kid": "old", "created": "2017-01-01T00:00:00.000Z", "expiresAt": "2099-01-01T00:00:00.000Z", "x5c": []any{"MIIold"}},
		map[string]any{"kid": "new", "created": "2019-01-01T00:00:00.000Z", "expiresAt": "2099-01-01T00:00:00.000Z", "x5c": []any{"MIInew", "MIIchain"}},
		map[string]any{"kid": "nocert", "created": "2020-01-01T00:00:00.000Z"},
	}
	if got, err := signingCertificate(keys); err != nil || got != "MIInew" {
		t.Errorf("picked %q (%v), want the newest key's first certificate", got, err)
	}
	if _, err := signingCertificate([]any{}); err == nil {
		t.Error("no keys: no error")
	}
	_, w := serve(t)
	_, err := w.Do(context.Background(), tenant.Write{ID: "X", Service: tenant.ServiceGraph, Operation: "POST /x", Path: "/x",
		Resolve: []tenant.Resolve{{Param: "p", Service: tenant.ServiceGraph, Operation: "GET /something/else"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "does not know how to read") {
		t.Errorf("unknown resolve: %v", err)
	}
}
