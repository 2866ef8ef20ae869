package sim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Microsoft Graph writes (v1.0 and beta alike), applied to the scenario's
// "graph" section:
//
//	POST   /domains/{id}/federationConfiguration          201 internalDomainFederation
//	PATCH  /domains/{id}/federationConfiguration/{fid}    200 internalDomainFederation
//	DELETE /domains/{id}/federationConfiguration/{fid}    204
//	POST   /users/{id|upn}/revokeSignInSessions           200 {"value": true}
//	POST   /identity/conditionalAccess/policies           201 conditionalAccessPolicy
//	PATCH  /identity/conditionalAccess/policies/{id}      204
//	DELETE /identity/conditionalAccess/policies/{id}      204
//
// Request bodies may be gzip-compressed (Content-Encoding: gzip, as
// msgraph-sdk-go sends them); another encoding is 415, on which the SDK
// resends uncompressed. A body that is not a JSON object is 400 BadRequest;
// a property the type does not define is OData's 400 BadRequest; a value
// the directory refuses is 400 Request_BadRequest; an unknown id is 404
// Request_ResourceNotFound.
//
// Semantics where the references are silent (simulator choices):
//   - creating a federation needs issuerUri, passiveSignInUri and
//     signingCertificate (what federation cannot work without);
//     preferredAuthenticationProtocol defaults to wsFed and
//     isSignedAuthenticationRequestRequired to false, other unset
//     properties are null (federatedIdpMfaBehavior null means Entra's
//     default, acceptIfMfaDoneByFederatedIdp); the initial
//     *.onmicrosoft.com domain, an unverified domain, and a domain already
//     federated are refused with 400 Request_BadRequest;
//   - creating sets the domain's authenticationType to Federated, deleting
//     sets it back to Managed (and organization.verifiedDomains[].type
//     follows); the domain's only federation object can be deleted;
//   - PATCH merges: properties not sent keep their values, and objects
//     (conditions, grantControls, ...) are merged property by property as
//     OData does for complex values, while arrays and scalars are replaced;
//   - a conditional access policy needs displayName, state,
//     conditions.users and conditions.applications, and grantControls or
//     sessionControls; createdDateTime (and, on PATCH, modifiedDateTime)
//     come from the simulator's clock;
//   - revokeSignInSessions sets signInSessionsValidFromDateTime to the
//     clock and nothing else (Exchange's StsRefreshTokensValidFrom is set
//     by Set-User, as in the service).

const graphMaxBody = 4 << 20

// graphWrite answers the write requests above and reports whether it did;
// anything else is left to the read router (405 or 404).
func (s *Server) graphWrite(w http.ResponseWriter, r *http.Request, version string, segs, low []string) bool {
	n := len(segs)
	route := strings.Join(low, "/")
	switch {
	case r.Method == http.MethodPost && n == 3 && low[0] == "domains" && low[2] == "federationconfiguration":
		s.graphCreateFederation(w, r, version, segs[1])
	case (r.Method == http.MethodPatch || r.Method == http.MethodDelete) && n == 4 && low[0] == "domains" && low[2] == "federationconfiguration":
		s.graphChangeFederation(w, r, version, segs[1], segs[3])
	case r.Method == http.MethodPatch && n == 2 && low[0] == "domains":
		s.graphPatchDomain(w, r, segs[1]) // graph_domain_write.go
	case r.Method == http.MethodPost && n == 3 && low[0] == "users" &&
		(low[2] == "revokesigninsessions" || low[2] == "microsoft.graph.revokesigninsessions"):
		s.graphRevokeSessions(w, r, version, segs[1])
	case r.Method == http.MethodPost && route == "identity/conditionalaccess/policies":
		s.graphCreateCAPolicy(w, r, version)
	case (r.Method == http.MethodPatch || r.Method == http.MethodDelete) && n == 4 && strings.HasPrefix(route, "identity/conditionalaccess/policies/"):
		s.graphChangeCAPolicy(w, r, segs[3])
	default:
		return false
	}
	return true
}

// graphBody reads a JSON object body, gunzipping it when it says so. On
// failure it has written the error.
func (s *Server) graphBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var rd io.Reader = http.MaxBytesReader(w, r.Body, graphMaxBody)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			s.graphError(w, r, http.StatusBadRequest, "BadRequest", "The request body could not be decompressed: "+err.Error())
			return nil, false
		}
		defer zr.Close()
		rd = zr
	default:
		s.graphError(w, r, http.StatusUnsupportedMediaType, "UnsupportedMediaType", fmt.Sprintf("Content-Encoding '%s' is not supported.", enc))
		return nil, false
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "The request body could not be read: "+err.Error())
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	return m, true
}

// graphNoContent answers 204 with Graph's request ids.
func (s *Server) graphNoContent(w http.ResponseWriter, r *http.Request) {
	s.graphIDs(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// --- property schemas of the writable types.

type graphProp struct {
	kind     string   // "string", "bool", "enum", "object", "array"
	enum     []string // kind enum
	readOnly bool     // accepted and ignored (only when unchanged, for id)
}

type graphType struct {
	name  string // microsoft.graph.<name>
	props map[string]graphProp
}

var graphFederationType = graphType{"internalDomainFederation", map[string]graphProp{
	"id": {kind: "string", readOnly: true}, "displayName": {kind: "string"}, "issuerUri": {kind: "string"},
	"metadataExchangeUri": {kind: "string"}, "signingCertificate": {kind: "string"}, "nextSigningCertificate": {kind: "string"},
	"passiveSignInUri": {kind: "string"}, "activeSignInUri": {kind: "string"}, "signOutUri": {kind: "string"},
	"passwordResetUri":                      {kind: "string"},
	"preferredAuthenticationProtocol":       {kind: "enum", enum: []string{"wsFed", "saml", "unknownFutureValue"}},
	"promptLoginBehavior":                   {kind: "enum", enum: []string{"translateToFreshPasswordAuthentication", "nativeSupport", "disabled", "unknownFutureValue"}},
	"federatedIdpMfaBehavior":               {kind: "enum", enum: []string{"acceptIfMfaDoneByFederatedIdp", "enforceMfaByFederatedIdp", "rejectMfaByFederatedIdp", "unknownFutureValue"}},
	"isSignedAuthenticationRequestRequired": {kind: "bool"},
	"signingCertificateUpdateStatus":        {kind: "object"},
}}

// The properties a federation needs (simulator choice; see above).
var graphFederationRequired = []string{"issuerUri", "passiveSignInUri", "signingCertificate"}

var graphCAPolicyType = graphType{"conditionalAccessPolicy", map[string]graphProp{
	"id": {kind: "string", readOnly: true}, "templateId": {kind: "string"}, "displayName": {kind: "string"},
	"description":      {kind: "string"},
	"createdDateTime":  {kind: "string", readOnly: true},
	"modifiedDateTime": {kind: "string", readOnly: true},
	"state":            {kind: "enum", enum: []string{"enabled", "disabled", "enabledForReportingButNotEnforced"}},
	"conditions":       {kind: "object"}, "grantControls": {kind: "object"}, "sessionControls": {kind: "object"},
}}

var (
	graphCAClientAppTypes  = []string{"all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other", "unknownFutureValue"}
	graphCABuiltInControls = []string{"block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication",
		"compliantApplication", "passwordChange", "unknownFutureValue"}
)

// check validates body against the type: unknown properties and values of
// the wrong JSON type are OData's 400; enum values outside the type's are
// the directory's. It returns the error (code, message) or "".
func (t graphType) check(body map[string]any) (string, string) {
	for _, k := range sortedKeys(body) {
		if strings.HasPrefix(k, "@odata.") {
			continue
		}
		p, ok := t.props[k]
		if !ok {
			return "BadRequest", fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", k, t.name)
		}
		v := body[k]
		if v == nil {
			continue
		}
		okType := false
		switch p.kind {
		case "string", "enum":
			_, okType = v.(string)
		case "bool":
			_, okType = v.(bool)
		case "object":
			_, okType = v.(map[string]any)
		}
		if !okType {
			return "BadRequest", fmt.Sprintf("Cannot convert the literal '%s' to the expected type of property '%s'.", graphLiteral(v), k)
		}
		if p.kind == "enum" && !containsString(p.enum, v.(string)) {
			return "BadRequest", fmt.Sprintf("Requested value '%s' was not found in enum type 'microsoft.graph.%s' (property '%s'); valid values are %s.", v, graphEnumName(k), k, strings.Join(p.enum, ", "))
		}
	}
	return "", ""
}

func graphEnumName(prop string) string {
	switch prop {
	case "preferredAuthenticationProtocol":
		return "authenticationProtocol"
	case "state":
		return "conditionalAccessPolicyState"
	}
	return prop
}

func graphLiteral(v any) string {
	switch v.(type) {
	case map[string]any:
		return "{...}"
	case []any:
		return "[...]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func containsString(list []string, v string) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

// --- the live graph section (callers hold s.mu).

func (s *Server) graphLive() map[string]any {
	g := obj(s.sc.Doc["graph"])
	if g == nil {
		g = map[string]any{}
		s.sc.Doc["graph"] = g
	}
	return g
}

func graphLiveDomain(g map[string]any, id string) map[string]any {
	for _, d := range list(g["domains"]) {
		if dm := obj(d); strings.EqualFold(str(dm["id"]), id) {
			return dm
		}
	}
	return nil
}

// graphLiveFederations returns the federation map's key for the domain and
// its list.
func graphLiveFederations(g map[string]any, domainID string) (string, []any) {
	for name, v := range obj(g["federationConfiguration"]) {
		if strings.EqualFold(name, domainID) {
			return name, list(v)
		}
	}
	return domainID, nil
}

// graphSetAuthType sets a domain's authenticationType, and the type of the
// domain in organization.verifiedDomains.
func graphSetAuthType(g map[string]any, d map[string]any, typ string) {
	d["authenticationType"] = typ
	for _, o := range list(g["organization"]) {
		for _, vd := range list(obj(o)["verifiedDomains"]) {
			if m := obj(vd); strings.EqualFold(str(m["name"]), str(d["id"])) {
				m["type"] = typ
			}
		}
	}
}

// --- federation.

func (s *Server) graphCreateFederation(w http.ResponseWriter, r *http.Request, version, domainID string) {
	body, ok := s.graphBody(w, r)
	if !ok {
		return
	}
	if code, msg := graphFederationType.check(body); code != "" {
		s.graphError(w, r, http.StatusBadRequest, code, msg)
		return
	}
	s.mu.Lock()
	g := s.graphLive()
	d := graphLiveDomain(g, domainID)
	var fail func()
	var created map[string]any
	var key string
	switch {
	case d == nil:
		fail = func() { s.graphMissing(w, r, domainID) }
	case d["isInitial"] == true:
		fail = func() {
			s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
				fmt.Sprintf("The initial domain '%s' cannot be federated: its authentication type is always Managed.", str(d["id"])))
		}
	case d["isVerified"] == false:
		fail = func() {
			s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Domain '%s' is not verified; verify it before federating it.", str(d["id"])))
		}
	default:
		var feds []any
		key, feds = graphLiveFederations(g, str(d["id"]))
		if strings.EqualFold(str(d["authenticationType"]), "Federated") || len(feds) > 0 {
			fail = func() {
				s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
					fmt.Sprintf("Domain '%s' is already federated; update its federationConfiguration instead.", str(d["id"])))
			}
			break
		}
		for _, p := range graphFederationRequired {
			if v, _ := body[p].(string); strings.TrimSpace(v) == "" {
				fail = func() {
					s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
						fmt.Sprintf("Invalid value specified for property '%s' of resource 'InternalDomainFederation'.", p))
				}
				break
			}
		}
		if fail != nil {
			break
		}
		created = map[string]any{"@odata.type": "#microsoft.graph.internalDomainFederation"}
		for p := range graphFederationType.props {
			created[p] = nil
		}
		created["preferredAuthenticationProtocol"] = "wsFed"
		created["isSignedAuthenticationRequestRequired"] = false
		for k, v := range body {
			if _, known := graphFederationType.props[k]; known && !graphFederationType.props[k].readOnly && v != nil {
				created[k] = clone(v)
			}
		}
		created["id"] = newUUID()
		fm := obj(g["federationConfiguration"])
		if fm == nil {
			fm = map[string]any{}
			g["federationConfiguration"] = fm
		}
		fm[key] = []any{created}
		graphSetAuthType(g, d, "Federated")
		created = obj(clone(created))
	}
	s.mu.Unlock()
	if fail != nil {
		fail()
		return
	}
	created["@odata.context"] = s.graphContext(r, version, "domains('"+key+"')/federationConfiguration/$entity")
	s.graphJSON(w, r, http.StatusCreated, created)
}

func (s *Server) graphChangeFederation(w http.ResponseWriter, r *http.Request, version, domainID, fedID string) {
	var body map[string]any
	if r.Method == http.MethodPatch {
		var ok bool
		if body, ok = s.graphBody(w, r); !ok {
			return
		}
		if code, msg := graphFederationType.check(body); code != "" {
			s.graphError(w, r, http.StatusBadRequest, code, msg)
			return
		}
		if id, has := body["id"]; has && !strings.EqualFold(str(id), fedID) {
			s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'id' of resource 'InternalDomainFederation'.")
			return
		}
		for _, p := range graphFederationRequired {
			if v, has := body[p]; has && strings.TrimSpace(str(v)) == "" {
				s.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
					fmt.Sprintf("Invalid value specified for property '%s' of resource 'InternalDomainFederation'.", p))
				return
			}
		}
	}
	s.mu.Lock()
	g := s.graphLive()
	d := graphLiveDomain(g, domainID)
	var key string
	var feds []any
	idx := -1
	if d != nil {
		key, feds = graphLiveFederations(g, str(d["id"]))
		for i, f := range feds {
			if strings.EqualFold(str(obj(f)["id"]), fedID) {
				idx = i
			}
		}
	}
	if d == nil || idx < 0 {
		s.mu.Unlock()
		missing := domainID
		if d != nil {
			missing = fedID
		}
		s.graphMissing(w, r, missing)
		return
	}
	if r.Method == http.MethodDelete {
		fm := obj(g["federationConfiguration"])
		rest := append(append([]any{}, feds[:idx]...), feds[idx+1:]...)
		if len(rest) == 0 {
			delete(fm, key)
			graphSetAuthType(g, d, "Managed")
		} else {
			fm[key] = rest
		}
		s.mu.Unlock()
		s.graphNoContent(w, r)
		return
	}
	fed := obj(feds[idx])
	for k, v := range body {
		if p, known := graphFederationType.props[k]; known && !p.readOnly {
			fed[k] = clone(v)
		}
	}
	out := obj(clone(fed))
	s.mu.Unlock()
	out["@odata.context"] = s.graphContext(r, version, "domains('"+key+"')/federationConfiguration/$entity")
	s.graphJSON(w, r, http.StatusOK, out)
}

// --- revoke sessions.

func (s *Server) graphRevokeSessions(w http.ResponseWriter, r *http.Request, version, userID string) {
	s.mu.Lock()
	var found bool
	for _, u := range list(s.graphLive()["users"]) {
		um := obj(u)
		if strings.EqualFold(str(um["id"]), userID) || strings.EqualFold(str(um["userPrincipalName"]), userID) {
			um["signInSessionsValidFromDateTime"] = s.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
			found = true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		s.graphMissing(w, r, userID)
		return
	}
	s.graphJSON(w, r, http.StatusOK, map[string]any{
		"@odata.context": s.graphContext(r, version, "Edm.Boolean"),
		"value":          true,
	})
}

// --- conditional access.

// graphCAValidate checks a whole policy (after a create or a merge).
func graphCAValidate(p map[string]any) (string, string) {
	if code, msg := graphCAPolicyType.check(p); code != "" {
		return code, msg
	}
	bad := func(format string, a ...any) (string, string) { return "BadRequest", fmt.Sprintf(format, a...) }
	if strings.TrimSpace(str(p["displayName"])) == "" {
		return bad("The conditional access policy's displayName is required.")
	}
	if str(p["state"]) == "" {
		return bad("The conditional access policy's state is required: enabled, disabled or enabledForReportingButNotEnforced.")
	}
	cond := obj(p["conditions"])
	if obj(cond["users"]) == nil || obj(cond["applications"]) == nil {
		return bad("The conditional access policy's conditions must include users and applications.")
	}
	if cats, has := cond["clientAppTypes"]; has && cats != nil {
		arr, ok := cats.([]any)
		if !ok {
			return bad("conditions.clientAppTypes must be a collection.")
		}
		for _, c := range arr {
			if !containsString(graphCAClientAppTypes, str(c)) {
				return bad("Requested value '%v' was not found in enum type 'microsoft.graph.conditionalAccessClientApp'.", c)
			}
		}
	}
	gc, sc := obj(p["grantControls"]), obj(p["sessionControls"])
	if gc == nil && sc == nil {
		return bad("The conditional access policy needs grantControls or sessionControls.")
	}
	if gc != nil {
		if op, has := gc["operator"]; has && op != nil && str(op) != "AND" && str(op) != "OR" {
			return bad("grantControls.operator must be AND or OR, found '%v'.", op)
		}
		if bic, has := gc["builtInControls"]; has && bic != nil {
			arr, ok := bic.([]any)
			if !ok {
				return bad("grantControls.builtInControls must be a collection.")
			}
			for _, c := range arr {
				if !containsString(graphCABuiltInControls, str(c)) {
					return bad("Requested value '%v' was not found in enum type 'microsoft.graph.conditionalAccessGrantControl'.", c)
				}
			}
		}
	}
	return "", ""
}

func graphCATime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func (s *Server) graphCreateCAPolicy(w http.ResponseWriter, r *http.Request, version string) {
	body, ok := s.graphBody(w, r)
	if !ok {
		return
	}
	p := map[string]any{"templateId": nil, "grantControls": nil, "sessionControls": nil, "modifiedDateTime": nil}
	for k, v := range body {
		if strings.HasPrefix(k, "@odata.") {
			continue
		}
		if prop, known := graphCAPolicyType.props[k]; known && prop.readOnly {
			continue
		}
		p[k] = v
	}
	// Read-only properties sent (id, createdDateTime, ...) are ignored:
	// Graph assigns them.
	if code, msg := graphCAValidate(p); code != "" {
		s.graphError(w, r, http.StatusBadRequest, code, msg)
		return
	}
	s.mu.Lock()
	p["id"] = newUUID()
	p["createdDateTime"] = graphCATime(s.Now())
	g := s.graphLive()
	g["conditionalAccessPolicies"] = append(list(g["conditionalAccessPolicies"]), p)
	out := obj(clone(p))
	s.mu.Unlock()
	out["@odata.context"] = s.graphContext(r, version, "identity/conditionalAccess/policies/$entity")
	s.graphJSON(w, r, http.StatusCreated, out)
}

func (s *Server) graphChangeCAPolicy(w http.ResponseWriter, r *http.Request, id string) {
	var body map[string]any
	if r.Method == http.MethodPatch {
		var ok bool
		if body, ok = s.graphBody(w, r); !ok {
			return
		}
		if code, msg := graphCAPolicyType.check(body); code != "" {
			s.graphError(w, r, http.StatusBadRequest, code, msg)
			return
		}
		if v, has := body["id"]; has && !strings.EqualFold(str(v), id) {
			s.graphError(w, r, http.StatusBadRequest, "BadRequest", "The policy's id cannot be changed.")
			return
		}
	}
	s.mu.Lock()
	g := s.graphLive()
	pols := list(g["conditionalAccessPolicies"])
	idx := -1
	for i, p := range pols {
		if strings.EqualFold(str(obj(p)["id"]), id) {
			idx = i
		}
	}
	if idx < 0 {
		s.mu.Unlock()
		s.graphMissing(w, r, id)
		return
	}
	if r.Method == http.MethodDelete {
		g["conditionalAccessPolicies"] = append(append([]any{}, pols[:idx]...), pols[idx+1:]...)
		s.mu.Unlock()
		s.graphNoContent(w, r)
		return
	}
	merged := obj(clone(pols[idx]))
	for k, v := range body {
		if strings.HasPrefix(k, "@odata.") || graphCAPolicyType.props[k].readOnly {
			continue
		}
		merged[k] = mergePatch(merged[k], v)
	}
	if code, msg := graphCAValidate(merged); code != "" {
		s.mu.Unlock()
		s.graphError(w, r, http.StatusBadRequest, code, msg)
		return
	}
	merged["modifiedDateTime"] = graphCATime(s.Now())
	pols[idx] = merged
	s.mu.Unlock()
	s.graphNoContent(w, r)
}

// mergePatch applies a PATCH value: objects merge key by key (recursively),
// anything else replaces.
func mergePatch(old, patch any) any {
	pm, isObj := patch.(map[string]any)
	om, wasObj := old.(map[string]any)
	if !isObj || !wasObj {
		return clone(patch)
	}
	out := obj(clone(om))
	keys := make([]string, 0, len(pm))
	for k := range pm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = mergePatch(out[k], pm[k])
	}
	return out
}

// sameMap reports whether a and b are the same map (not merely equal).
func sameMap(a, b map[string]any) bool {
	return a != nil && b != nil && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
