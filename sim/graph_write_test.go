package sim_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var graphGUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// graphWantError checks Graph's error body.
func graphWantError(t *testing.T, r wresp, status int, code, text string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if got := jstr(dig(r.body, "error", "code")); got != code {
		t.Errorf("error.code %q, want %q: %s", got, code, r.raw)
	}
	if msg := jstr(dig(r.body, "error", "message")); !strings.Contains(msg, text) {
		t.Errorf("error.message %q, want it to contain %q", msg, text)
	}
	if jstr(dig(r.body, "error", "innerError", "request-id")) == "" {
		t.Errorf("no innerError.request-id: %s", r.raw)
	}
}

func gzipJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func oktaFederation() map[string]any {
	return map[string]any{
		"@odata.type":                     "#microsoft.graph.internalDomainFederation",
		"displayName":                     "Okta",
		"issuerUri":                       "http://www.okta.com/exk1fab",
		"metadataExchangeUri":             "https://fabrikam.okta.com/app/office365/exk1fab/sso/wsfed/mex",
		"signingCertificate":              "MIIC-EXAMPLE-NOT-A-CERT",
		"passiveSignInUri":                "https://fabrikam.okta.com/app/office365/exk1fab/sso/wsfed/passive",
		"activeSignInUri":                 "https://fabrikam.okta.com/app/office365/exk1fab/sso/wsfed/active",
		"signOutUri":                      "https://fabrikam.okta.com/login/signout",
		"preferredAuthenticationProtocol": "wsFed",
		"federatedIdpMfaBehavior":         "enforceMfaByFederatedIdp",
	}
}

func TestGraphWriteFederation(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	const path = "/v1.0/domains/labs.fabrikam.example/federationConfiguration"
	r := ws.do(http.MethodPost, path, oktaFederation())
	if r.status != http.StatusCreated {
		t.Fatalf("POST federation: %d %s", r.status, r.raw)
	}
	fed := r.obj()
	id := jstr(fed["id"])
	if !graphGUID.MatchString(id) || fed["issuerUri"] != "http://www.okta.com/exk1fab" || fed["federatedIdpMfaBehavior"] != "enforceMfaByFederatedIdp" ||
		fed["isSignedAuthenticationRequestRequired"] != false || fed["@odata.type"] != "#microsoft.graph.internalDomainFederation" {
		t.Errorf("created federation %s", r.raw)
	}
	if v, ok := fed["promptLoginBehavior"]; !ok || v != nil {
		t.Errorf("an unset property is null on Graph: %v", fed)
	}
	if !strings.HasSuffix(jstr(fed["@odata.context"]), "/v1.0/$metadata#domains('labs.fabrikam.example')/federationConfiguration/$entity") {
		t.Errorf("@odata.context %v", fed["@odata.context"])
	}
	if d := ws.do(http.MethodGet, "/v1.0/domains/labs.fabrikam.example", nil); d.obj()["authenticationType"] != "Federated" {
		t.Errorf("domain after federating: %s", d.raw)
	}
	if l := ws.do(http.MethodGet, path, nil); l.status != http.StatusOK || jstr(dig(l.body, "value", 0, "id")) != id {
		t.Errorf("federationConfiguration after POST: %d %s", l.status, l.raw)
	}
	st := ws.state()
	if jstr(dig(st, "graph", "federationConfiguration", "labs.fabrikam.example", 0, "id")) != id ||
		jstr(find(dig(st, "graph", "domains"), "id", "labs.fabrikam.example")["authenticationType"]) != "Federated" {
		t.Errorf("state: %v", dig(st, "graph", "federationConfiguration"))
	}
	if _, leaked := dig(st, "graph", "federationConfiguration", "labs.fabrikam.example", 0).(map[string]any)["@odata.context"]; leaked {
		t.Error("@odata.context leaked into the state")
	}

	// Refusals.
	graphWantError(t, ws.do(http.MethodPost, path, oktaFederation()), http.StatusBadRequest, "Request_BadRequest", "already federated")
	graphWantError(t, ws.do(http.MethodPost, "/v1.0/domains/fabrikamexample.onmicrosoft.com/federationConfiguration", oktaFederation()),
		http.StatusBadRequest, "Request_BadRequest", "initial domain")
	graphWantError(t, ws.do(http.MethodPost, "/v1.0/domains/nowhere.example/federationConfiguration", oktaFederation()),
		http.StatusNotFound, "Request_ResourceNotFound", "nowhere.example")
	ws2 := startWrite(t, minimalFile, nil)
	noIssuer := oktaFederation()
	delete(noIssuer, "issuerUri")
	graphWantError(t, ws2.do(http.MethodPost, path, noIssuer), http.StatusBadRequest, "Request_BadRequest", "'issuerUri'")
	odd := oktaFederation()
	odd["supportsMfa"] = true
	graphWantError(t, ws2.do(http.MethodPost, path, odd), http.StatusBadRequest, "BadRequest", "The property 'supportsMfa' does not exist on type 'microsoft.graph.internalDomainFederation'")
	bad := oktaFederation()
	bad["federatedIdpMfaBehavior"] = "sometimes"
	graphWantError(t, ws2.do(http.MethodPost, path, bad), http.StatusBadRequest, "BadRequest", "'sometimes'")
	graphWantError(t, ws2.do(http.MethodPost, path, []byte(`{"displayName":`)), http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload")
	if l := ws2.do(http.MethodGet, path, nil); l.status != http.StatusNotFound {
		t.Errorf("refused creates federated the domain: %d %s", l.status, l.raw)
	}

	// PATCH (beta here): 200 with the whole updated object.
	const fabFed = "/beta/domains/fabrikam.example/federationConfiguration/6601d14b-d113-8f64-fda2-9b5ddda18ecc"
	r = ws.do(http.MethodPatch, fabFed, map[string]any{"@odata.type": "#microsoft.graph.internalDomainFederation", "federatedIdpMfaBehavior": "enforceMfaByFederatedIdp"})
	if r.status != http.StatusOK || r.obj()["federatedIdpMfaBehavior"] != "enforceMfaByFederatedIdp" || r.obj()["issuerUri"] != "http://www.okta.com/exk1fab" ||
		!strings.HasSuffix(jstr(r.obj()["@odata.context"]), "/beta/$metadata#domains('fabrikam.example')/federationConfiguration/$entity") {
		t.Errorf("PATCH federation: %d %s", r.status, r.raw)
	}
	if l := ws.do(http.MethodGet, "/v1.0/domains/fabrikam.example/federationConfiguration", nil); dig(l.body, "value", 0, "federatedIdpMfaBehavior") != "enforceMfaByFederatedIdp" ||
		dig(l.body, "value", 0, "displayName") != "Okta" {
		t.Errorf("federation after PATCH: %s", l.raw)
	}
	graphWantError(t, ws.do(http.MethodPatch, "/v1.0/domains/fabrikam.example/federationConfiguration/nope", map[string]any{"displayName": "x"}),
		http.StatusNotFound, "Request_ResourceNotFound", "'nope'")
	graphWantError(t, ws.do(http.MethodPatch, fabFed, map[string]any{"issuerUri": nil}), http.StatusBadRequest, "Request_BadRequest", "'issuerUri'")
	graphWantError(t, ws.do(http.MethodPatch, fabFed, map[string]any{"promptLoginBehavior": 3}), http.StatusBadRequest, "BadRequest", "promptLoginBehavior")
	if st := ws.state(); dig(st, "graph", "federationConfiguration", "fabrikam.example", 0, "federatedIdpMfaBehavior") != "enforceMfaByFederatedIdp" {
		t.Errorf("state after PATCH: %v", dig(st, "graph", "federationConfiguration", "fabrikam.example"))
	}

	// DELETE: 204, the domain is Managed again.
	r = ws.do(http.MethodDelete, "/v1.0/domains/fabrikam.example/federationConfiguration/6601d14b-d113-8f64-fda2-9b5ddda18ecc", nil)
	if r.status != http.StatusNoContent || len(r.raw) != 0 || r.header.Get("request-id") == "" {
		t.Errorf("DELETE federation: %d %q", r.status, r.raw)
	}
	if d := ws.do(http.MethodGet, "/v1.0/domains/fabrikam.example", nil); d.obj()["authenticationType"] != "Managed" {
		t.Errorf("domain after DELETE: %s", d.raw)
	}
	graphWantError(t, ws.do(http.MethodGet, "/v1.0/domains/fabrikam.example/federationConfiguration", nil), http.StatusNotFound, "Request_ResourceNotFound", "fabrikam.example")
	graphWantError(t, ws.do(http.MethodDelete, "/v1.0/domains/fabrikam.example/federationConfiguration/6601d14b-d113-8f64-fda2-9b5ddda18ecc", nil),
		http.StatusNotFound, "Request_ResourceNotFound", "6601d14b")
	st = ws.state()
	if _, still := dig(st, "graph", "federationConfiguration").(map[string]any)["fabrikam.example"]; still {
		t.Error("state still holds the deleted federation")
	}
	if vd := find(dig(st, "graph", "organization", 0, "verifiedDomains"), "name", "fabrikam.example"); vd["type"] != "Managed" {
		t.Errorf("organization.verifiedDomains not updated: %v", vd)
	}
}

func TestGraphWriteGzipBodies(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	r := ws.do(http.MethodPost, "/v1.0/domains/labs.fabrikam.example/federationConfiguration", gzipJSON(t, oktaFederation()), "Content-Encoding", "gzip")
	if r.status != http.StatusCreated || r.obj()["passiveSignInUri"] != oktaFederation()["passiveSignInUri"] {
		t.Fatalf("gzip POST: %d %s", r.status, r.raw)
	}
	r = ws.do(http.MethodPatch, "/v1.0/identity/conditionalAccess/policies/9c3f0000-0000-0000-0000-00000000ca01",
		gzipJSON(t, map[string]any{"state": "enabled"}), "Content-Encoding", "gzip")
	if r.status != http.StatusNoContent {
		t.Fatalf("gzip PATCH: %d %s", r.status, r.raw)
	}
	if p := ws.do(http.MethodGet, "/v1.0/identity/conditionalAccess/policies/9c3f0000-0000-0000-0000-00000000ca01", nil); p.obj()["state"] != "enabled" {
		t.Errorf("policy after the gzip PATCH: %s", p.raw)
	}
	// Not gzip after all, and an encoding Graph does not take (the SDK
	// resends uncompressed on 415).
	graphWantError(t, ws.do(http.MethodPatch, "/v1.0/identity/conditionalAccess/policies/9c3f0000-0000-0000-0000-00000000ca01",
		[]byte(`{"state":"disabled"}`), "Content-Encoding", "gzip"), http.StatusBadRequest, "BadRequest", "decompressed")
	graphWantError(t, ws.do(http.MethodPatch, "/v1.0/identity/conditionalAccess/policies/9c3f0000-0000-0000-0000-00000000ca01",
		[]byte(`{"state":"disabled"}`), "Content-Encoding", "br"), http.StatusUnsupportedMediaType, "UnsupportedMediaType", "'br'")
	if p := ws.do(http.MethodGet, "/v1.0/identity/conditionalAccess/policies/9c3f0000-0000-0000-0000-00000000ca01", nil); p.obj()["state"] != "enabled" {
		t.Errorf("a refused PATCH changed the policy: %s", p.raw)
	}
	ws.state()
}

func TestGraphWriteRevokeSignInSessions(t *testing.T) {
	ws := startWrite(t, "contoso", nil)
	const upn = "megan.bowen@contoso.com"
	var r wresp
	before, after := ws.timed(func() { r = ws.do(http.MethodPost, "/v1.0/users/"+upn+"/revokeSignInSessions", nil) })
	if r.status != http.StatusOK || r.obj()["value"] != true || !strings.HasSuffix(jstr(r.obj()["@odata.context"]), "/v1.0/$metadata#Edm.Boolean") {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	u := ws.do(http.MethodGet, "/v1.0/users/"+upn+"?$select=signInSessionsValidFromDateTime", nil).obj()
	wantStamp(t, "signInSessionsValidFromDateTime", u["signInSessionsValidFromDateTime"], "2006-01-02T15:04:05Z", before, after)
	if !strings.HasPrefix(jstr(u["signInSessionsValidFromDateTime"]), "2026-11-01T") {
		t.Errorf("the clock starts at asOf: %v", u["signInSessionsValidFromDateTime"])
	}
	// By id, on beta; Exchange's StsRefreshTokensValidFrom is left alone.
	r = ws.do(http.MethodPost, "/beta/users/c0a70000-0000-4000-8000-000000000002/revokeSignInSessions", nil)
	if r.status != http.StatusOK || r.obj()["value"] != true {
		t.Errorf("revoke by id: %d %s", r.status, r.raw)
	}
	graphWantError(t, ws.do(http.MethodPost, "/v1.0/users/nobody@contoso.com/revokeSignInSessions", nil), http.StatusNotFound, "Request_ResourceNotFound", "nobody@contoso.com")
	st := ws.state()
	if got := find(dig(st, "graph", "users"), "userPrincipalName", upn)["signInSessionsValidFromDateTime"]; got != u["signInSessionsValidFromDateTime"] {
		t.Errorf("state %v, want %v", got, u["signInSessionsValidFromDateTime"])
	}
	if got := find(dig(st, "graph", "users"), "id", "c0a70000-0000-4000-8000-000000000003")["signInSessionsValidFromDateTime"]; strings.HasPrefix(jstr(got), "2026-11-01") {
		t.Errorf("a user not revoked was stamped: %v", got)
	}
	if got := find(dig(st, "exchange", "Get-User"), "UserPrincipalName", upn)["StsRefreshTokensValidFrom"]; got != "2025-03-10T18:00:00.0000000+00:00" {
		t.Errorf("Exchange's StsRefreshTokensValidFrom changed: %v", got)
	}
}

func blockLegacy() map[string]any {
	return map[string]any{
		"displayName": "Block legacy authentication (harden365)",
		"state":       "enabledForReportingButNotEnforced",
		"conditions": map[string]any{
			"clientAppTypes": []any{"exchangeActiveSync", "other"},
			"applications":   map[string]any{"includeApplications": []any{"All"}},
			"users":          map[string]any{"includeUsers": []any{"All"}, "excludeUsers": []any{"5e1d0000-0000-4000-8000-000000000042"}},
		},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []any{"block"}},
	}
}

func TestGraphWriteConditionalAccess(t *testing.T) {
	ws := startWrite(t, "whitepaper", nil) // no policies yet
	const coll = "/v1.0/identity/conditionalAccess/policies"
	var r wresp
	before, after := ws.timed(func() { r = ws.do(http.MethodPost, coll, blockLegacy()) })
	if r.status != http.StatusCreated {
		t.Fatalf("POST policy: %d %s", r.status, r.raw)
	}
	p := r.obj()
	id := jstr(p["id"])
	if !graphGUID.MatchString(id) || p["displayName"] != "Block legacy authentication (harden365)" || dig(p, "grantControls", "builtInControls", 0) != "block" ||
		!strings.HasSuffix(jstr(p["@odata.context"]), "/v1.0/$metadata#identity/conditionalAccess/policies/$entity") {
		t.Errorf("created policy %s", r.raw)
	}
	wantStamp(t, "createdDateTime", p["createdDateTime"], "2006-01-02T15:04:05.0000000Z", before, after)
	if l := ws.do(http.MethodGet, coll, nil); len(dig(l.body, "value").([]any)) != 1 || jstr(dig(l.body, "value", 0, "id")) != id {
		t.Errorf("policies after POST: %s", l.raw)
	}
	if st := ws.state(); jstr(dig(st, "graph", "conditionalAccessPolicies", 0, "id")) != id {
		t.Errorf("state: %v", dig(st, "graph", "conditionalAccessPolicies"))
	}

	// PATCH merges: only state and one nested list change.
	before, after = ws.timed(func() {
		r = ws.do(http.MethodPatch, "/beta/identity/conditionalAccess/policies/"+id,
			map[string]any{"state": "enabled", "conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{}}}})
	})
	if r.status != http.StatusNoContent || len(r.raw) != 0 {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	got := ws.do(http.MethodGet, coll+"/"+id, nil).obj()
	if got["state"] != "enabled" || len(dig(got, "conditions", "users", "excludeUsers").([]any)) != 0 ||
		dig(got, "conditions", "users", "includeUsers", 0) != "All" || dig(got, "conditions", "clientAppTypes", 1) != "other" ||
		got["createdDateTime"] != p["createdDateTime"] {
		t.Errorf("policy after PATCH: %v", got)
	}
	wantStamp(t, "modifiedDateTime", got["modifiedDateTime"], "2006-01-02T15:04:05.0000000Z", before, after)

	// Refusals leave it alone.
	graphWantError(t, ws.do(http.MethodPatch, coll+"/"+id, map[string]any{"state": "on"}), http.StatusBadRequest, "BadRequest", "'on'")
	graphWantError(t, ws.do(http.MethodPatch, coll+"/"+id, map[string]any{"grantControls": nil}), http.StatusBadRequest, "BadRequest", "grantControls or sessionControls")
	graphWantError(t, ws.do(http.MethodPatch, coll+"/"+id, map[string]any{"enabled": true}), http.StatusBadRequest, "BadRequest", "The property 'enabled' does not exist on type 'microsoft.graph.conditionalAccessPolicy'")
	graphWantError(t, ws.do(http.MethodPatch, coll+"/nope", map[string]any{"state": "disabled"}), http.StatusNotFound, "Request_ResourceNotFound", "'nope'")
	noGrant := blockLegacy()
	delete(noGrant, "grantControls")
	graphWantError(t, ws.do(http.MethodPost, coll, noGrant), http.StatusBadRequest, "BadRequest", "grantControls or sessionControls")
	noName := blockLegacy()
	delete(noName, "displayName")
	graphWantError(t, ws.do(http.MethodPost, coll, noName), http.StatusBadRequest, "BadRequest", "displayName")
	badApp := blockLegacy()
	badApp["conditions"].(map[string]any)["clientAppTypes"] = []any{"legacy"}
	graphWantError(t, ws.do(http.MethodPost, coll, badApp), http.StatusBadRequest, "BadRequest", "'legacy'")
	noUsers := blockLegacy()
	delete(noUsers["conditions"].(map[string]any), "users")
	graphWantError(t, ws.do(http.MethodPost, coll, noUsers), http.StatusBadRequest, "BadRequest", "users and applications")
	graphWantError(t, ws.do(http.MethodPost, coll, []byte(`[1]`)), http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload")
	if got := ws.do(http.MethodGet, coll+"/"+id, nil).obj(); got["state"] != "enabled" || got["grantControls"] == nil {
		t.Errorf("a refused write changed the policy: %v", got)
	}
	if l := ws.do(http.MethodGet, coll, nil); len(dig(l.body, "value").([]any)) != 1 {
		t.Errorf("refused creates added policies: %s", l.raw)
	}
	ws.state()

	// DELETE.
	if r := ws.do(http.MethodDelete, coll+"/"+id, nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", r.status, r.raw)
	}
	graphWantError(t, ws.do(http.MethodGet, coll+"/"+id, nil), http.StatusNotFound, "Request_ResourceNotFound", id)
	graphWantError(t, ws.do(http.MethodDelete, coll+"/"+id, nil), http.StatusNotFound, "Request_ResourceNotFound", id)
	if st := ws.state(); len(dig(st, "graph", "conditionalAccessPolicies").([]any)) != 0 {
		t.Errorf("state after DELETE: %v", dig(st, "graph", "conditionalAccessPolicies"))
	}
	// Methods Graph does not offer here stay 405.
	if r := ws.do(http.MethodPut, coll+"/"+id, blockLegacy()); r.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", r.status)
	}
}
