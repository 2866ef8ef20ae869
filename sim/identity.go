package sim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is a SHA-1 thumbprint by definition
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The simulator's sign-in endpoints: a minimal Microsoft Entra ID (the
// v2.0 endpoints MSAL and azidentity call) and an Okta org authorization
// server's token endpoint, so that the real credentials can be exercised
// end to end.
//
// Entra (azidentity with the authority host set to the simulator and
// DisableInstanceDiscovery, over TLS: azidentity refuses an http
// authority):
//
//	GET  /{tenant}/v2.0/.well-known/openid-configuration  tenant discovery, MSAL's first call
//	POST /{tenant}/oauth2/v2.0/token                      client_credentials (client_secret or
//	                                                      client_assertion), device_code
//	POST /{tenant}/oauth2/v2.0/devicecode                 a device code, approved ~100 ms later
//
// Okta:
//
//	POST /oauth2/v1/token  client_credentials with a private_key_jwt assertion
//
// {tenant} is the scenario's tenant id, its initial domain, one of its
// domains, or organizations/common (delegated sign-in only). Any
// non-empty client secret is accepted, as any non-empty bearer token is;
// a client assertion must be well formed, for this endpoint and client,
// unexpired, and, when it carries its certificate (x5c), signed by it.
// Errors are Entra's (AADSTS codes) and Okta's OAuth error bodies.
// Tokens are opaque and accepted by the simulated APIs like any other.
func (s *Server) identity() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
			s.entraDiscovery(w, r, parts[0])
		case len(parts) == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token":
			s.entraToken(w, r, parts[0])
		case len(parts) == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "devicecode":
			s.entraDeviceCode(w, r, parts[0])
		case r.URL.Path == "/oauth2/v1/token":
			s.oktaToken(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// authorityBase is the scheme and host the client called.
func authorityBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// entraTenant resolves what the client gave as tenant to the scenario's
// tenant id; ok is false for an unknown tenant. "organizations" and
// "common" resolve to themselves.
func (s *Server) entraTenant(t string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.sc.TenantID()
	switch lt := strings.ToLower(t); {
	case lt == "organizations" || lt == "common":
		return lt, true
	case strings.EqualFold(t, id), strings.EqualFold(t, s.sc.InitialDomain()):
		return id, true
	default:
		for _, d := range list(obj(s.sc.Doc["graph"])["domains"]) {
			if strings.EqualFold(str(obj(d)["id"]), t) {
				return id, true
			}
		}
	}
	return "", false
}

// entraError answers as Entra's token endpoint does.
func entraError(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	now := time.Now().UTC()
	trace := newID()
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", aadsts, desc, trace, newID(), now.Format("2006-01-02 15:04:05Z")),
		"error_codes":       []int{aadsts},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"correlation_id":    newID(),
		"error_uri":         fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", aadsts),
	})
}

func unknownTenant(w http.ResponseWriter, t string) {
	entraError(w, http.StatusBadRequest, "invalid_tenant", 90002,
		fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t))
}

func (s *Server) entraDiscovery(w http.ResponseWriter, r *http.Request, tenantArg string) {
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	tid, ok := s.entraTenant(tenantArg)
	if !ok {
		unknownTenant(w, tenantArg)
		return
	}
	issuerTenant := tid
	if tid == "organizations" || tid == "common" {
		issuerTenant = "{tenantid}"
	}
	base := authorityBase(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/" + tid + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/" + tid + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/" + issuerTenant + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                base + "/" + tid + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/" + tid + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/" + tid + "/oauth2/v2.0/logout",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// resources are the APIs the simulator issues tokens for.
var resources = map[string]bool{"https://graph.microsoft.com": true, "https://outlook.office365.com": true, "https://outlook.office.com": true}

// checkScope returns the resource of an app-only scope
// ("https://graph.microsoft.com/.default"), or answers the error.
func checkScope(w http.ResponseWriter, scope string, appOnly bool) (string, bool) {
	var resource string
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "profile", "offline_access", "email":
			continue // MSAL adds them to every request; Entra ignores them for app tokens
		}
		if !strings.HasSuffix(sc, "/.default") && appOnly {
			entraError(w, http.StatusBadRequest, "invalid_scope", 1002012,
				fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc))
			return "", false
		}
		res := sc
		if i := strings.LastIndex(sc, "/"); i > len("https://") {
			res = sc[:i]
		}
		if !resources[strings.ToLower(res)] {
			entraError(w, http.StatusBadRequest, "invalid_resource", 500011,
				fmt.Sprintf("The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", res))
			return "", false
		}
		if resource != "" && resource != res {
			entraError(w, http.StatusBadRequest, "invalid_request", 28000,
				"Provided value for the input parameter scope is not valid because it contains more than one resource.")
			return "", false
		}
		resource = res
	}
	if resource == "" {
		entraError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
		return "", false
	}
	return resource, true
}

func (s *Server) entraToken(w http.ResponseWriter, r *http.Request, tenantArg string) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	tid, ok := s.entraTenant(tenantArg)
	if !ok {
		unknownTenant(w, tenantArg)
		return
	}
	if err := r.ParseForm(); err != nil {
		entraError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	if !guidRe.MatchString(clientID) {
		entraError(w, http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenantArg))
		return
	}
	switch f.Get("grant_type") {
	case "client_credentials":
		if tid == "organizations" || tid == "common" {
			entraError(w, http.StatusBadRequest, "invalid_request", 50059,
				"No tenant-identifying information found in either the request or implied by any provided credentials.")
			return
		}
		resource, ok := checkScope(w, f.Get("scope"), true)
		if !ok {
			return
		}
		switch {
		case f.Get("client_secret") != "":
		case f.Get("client_assertion") != "":
			if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
				entraError(w, http.StatusBadRequest, "invalid_request", 50027, "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.")
				return
			}
			if code, msg := checkAssertion(f.Get("client_assertion"), clientID, authorityBase(r)+r.URL.Path, true); code != 0 {
				entraError(w, http.StatusUnauthorized, "invalid_client", code, msg)
				return
			}
		default:
			entraError(w, http.StatusUnauthorized, "invalid_client", 7000216,
				"'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
			"access_token": accessToken("app", resource),
		})
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code": // MSAL sends the short form
		dc, ok := parseDeviceCode(f.Get("device_code"))
		if !ok || dc.Client != clientID {
			entraError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the 'device_code' is not valid.")
			return
		}
		if time.Since(dc.Issued) < deviceApproval {
			entraError(w, http.StatusBadRequest, "authorization_pending", 70016,
				"OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
			return
		}
		resource, ok := checkScope(w, dc.Scope, false)
		if !ok {
			return
		}
		s.delegatedToken(w, r, dc, resource)
	case "refresh_token":
		// A delegated token for another resource (Exchange after Graph)
		// comes from the refresh token of the same sign-in.
		if !strings.HasPrefix(f.Get("refresh_token"), "sim-refresh-") {
			entraError(w, http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
			return
		}
		resource, ok := checkScope(w, f.Get("scope"), false)
		if !ok {
			return
		}
		s.delegatedToken(w, r, deviceCode{Tenant: tenantArg, Client: clientID, Scope: f.Get("scope")}, resource)
	case "":
		entraError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	default:
		entraError(w, http.StatusBadRequest, "unsupported_grant_type", 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", f.Get("grant_type")))
	}
}

// deviceApproval is how long after issuing a device code the simulated
// admin has signed in.
const deviceApproval = 100 * time.Millisecond

// deviceCode is what the simulator's device codes carry (they are not
// secret: the simulator keeps no state for them).
type deviceCode struct {
	Tenant string    `json:"t"`
	Client string    `json:"c"`
	Scope  string    `json:"s"`
	Issued time.Time `json:"i"`
}

func parseDeviceCode(s string) (deviceCode, bool) {
	var dc deviceCode
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(data, &dc) != nil {
		return dc, false
	}
	return dc, true
}

func (s *Server) entraDeviceCode(w http.ResponseWriter, r *http.Request, tenantArg string) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if _, ok := s.entraTenant(tenantArg); !ok {
		unknownTenant(w, tenantArg)
		return
	}
	if err := r.ParseForm(); err != nil {
		entraError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	}
	clientID := r.PostForm.Get("client_id")
	if !guidRe.MatchString(clientID) {
		entraError(w, http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, tenantArg))
		return
	}
	if _, ok := checkScope(w, r.PostForm.Get("scope"), false); !ok {
		return
	}
	data, _ := json.Marshal(deviceCode{Tenant: tenantArg, Client: clientID, Scope: r.PostForm.Get("scope"), Issued: time.Now()})
	user := strings.ToUpper(hex.EncodeToString(randomBytes(5)))[:9]
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": user, "device_code": base64.RawURLEncoding.EncodeToString(data),
		"verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 5,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code %s to authenticate.", user),
	})
}

// delegatedToken answers a delegated sign-in: the simulated admin
// (admin@<initial domain>) with an id token and client info, as MSAL
// expects of a public client.
func (s *Server) delegatedToken(w http.ResponseWriter, r *http.Request, dc deviceCode, resource string) {
	s.mu.Lock()
	tid, domain := s.sc.TenantID(), s.sc.InitialDomain()
	s.mu.Unlock()
	oid := "5f1c9a2e-0b7d-4e3a-9c61-" + hex.EncodeToString(sha256Sum(tid))[:12]
	now := time.Now()
	idClaims, _ := json.Marshal(map[string]any{
		"aud": dc.Client, "iss": authorityBase(r) + "/" + tid + "/v2.0", "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "name": "Simulated Admin", "oid": oid, "preferred_username": "admin@" + domain,
		"sub": oid, "tid": tid, "ver": "2.0",
	})
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"none"}`))
	clientInfo, _ := json.Marshal(map[string]string{"uid": oid, "utid": tid})
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": dc.Scope, "expires_in": 3599, "ext_expires_in": 3599,
		"access_token":  accessToken("user", resource),
		"refresh_token": "sim-refresh-" + hex.EncodeToString(randomBytes(16)),
		"id_token":      head + "." + base64.RawURLEncoding.EncodeToString(idClaims) + ".",
		"client_info":   base64.RawURLEncoding.EncodeToString(clientInfo),
	})
}

// oktaToken is an Okta org authorization server's token endpoint for a
// service app: client_credentials with a private_key_jwt assertion whose
// audience is this endpoint, and okta.* scopes.
func (s *Server) oktaToken(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthErr(http.StatusMethodNotAllowed, "invalid_request", "The endpoint does not support the provided HTTP method.")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "The request is malformed.")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
		return
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || f.Get("client_assertion") == "" {
		oauthErr(http.StatusUnauthorized, "invalid_client", "Client authentication failed. Either the client or the client credentials are invalid.")
		return
	}
	claims, ok := assertionClaims(f.Get("client_assertion"))
	clientID := str(claims["sub"])
	if !ok || clientID == "" {
		oauthErr(http.StatusUnauthorized, "invalid_client", "The client_assertion token is malformed.")
		return
	}
	if code, msg := checkAssertion(f.Get("client_assertion"), clientID, authorityBase(r)+"/oauth2/v1/token", false); code != 0 {
		oauthErr(http.StatusUnauthorized, "invalid_client", msg)
		return
	}
	scopes := strings.Fields(f.Get("scope"))
	if len(scopes) == 0 {
		oauthErr(http.StatusBadRequest, "invalid_scope", "The authorization server resource does not have any configured default scopes, 'scope' must be provided.")
		return
	}
	for _, sc := range scopes {
		if !strings.HasPrefix(sc, "okta.") {
			oauthErr(http.StatusBadRequest, "invalid_scope", fmt.Sprintf("One or more scopes are not configured for the authorization server resource. Requested scope: %s", sc))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": 3600, "scope": strings.Join(scopes, " "),
		"access_token": accessToken("okta", authorityBase(r)),
	})
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// assertionClaims decodes a JWT's claims without checking anything.
func assertionClaims(jwt string) (map[string]any, bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, false
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	var claims map[string]any
	if json.Unmarshal(data, &claims) != nil {
		return nil, false
	}
	return claims, true
}

// checkAssertion checks a client assertion (RFC 7523) the way the
// identity provider does, as far as it can without the app's registered
// keys: the shape, the algorithm, issuer and subject = the client,
// audience = the token endpoint, the validity window, and, when the JWT
// carries its certificate (x5c), the signature and thumbprint. It returns
// Entra's AADSTS code and message, or 0.
func checkAssertion(jwt, clientID, audience string, entra bool) (int, string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return 50027, "JWT token is invalid or malformed."
	}
	var header struct {
		Alg     string   `json:"alg"`
		X5t     string   `json:"x5t"`
		X5tS256 string   `json:"x5t#S256"`
		Kid     string   `json:"kid"`
		X5c     []string `json:"x5c"`
	}
	hdata, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hdata, &header) != nil {
		return 50027, "JWT token is invalid or malformed."
	}
	claims, ok := assertionClaims(jwt)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if !ok || err != nil || len(sig) == 0 {
		return 50027, "JWT token is invalid or malformed."
	}
	switch header.Alg {
	case "RS256", "PS256", "ES256":
	default:
		return 5002738, fmt.Sprintf("Invalid JWT token. '%s' is not a supported signature algorithm.", header.Alg)
	}
	if entra && header.X5t == "" && header.X5tS256 == "" {
		return 700027, "Client assertion contains an invalid signature. [Reason - The key was not found.]"
	}
	if str(claims["iss"]) != clientID || str(claims["sub"]) != clientID {
		return 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."
	}
	aud := str(claims["aud"])
	if aud == "" {
		for _, a := range list(claims["aud"]) {
			if str(a) == audience {
				aud = audience
			}
		}
	}
	if !strings.EqualFold(strings.TrimRight(aud, "/"), strings.TrimRight(audience, "/")) {
		return 700212, fmt.Sprintf("No matching federated identity record found for presented assertion audience '%s'.", aud)
	}
	now := time.Now()
	exp, nbf := numericDate(claims["exp"]), numericDate(claims["nbf"])
	if exp.IsZero() || now.After(exp.Add(5*time.Minute)) || (!nbf.IsZero() && nbf.After(now.Add(5*time.Minute))) {
		return 700024, "Client assertion is not within its valid time range."
	}
	if !entra && exp.After(now.Add(time.Hour+5*time.Minute)) {
		return 700024, "The client_assertion token has an expiration too far into the future."
	}
	if len(header.X5c) == 0 {
		return 0, ""
	}
	der, err := base64.StdEncoding.DecodeString(header.X5c[0])
	if err != nil {
		return 50027, "JWT token is invalid or malformed."
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return 50027, "JWT token is invalid or malformed."
	}
	if header.X5tS256 != "" {
		sum := sha256.Sum256(der)
		if !thumbprintMatches(header.X5tS256, sum[:]) {
			return 700027, "Client assertion contains an invalid signature. [Reason - The key was not found.]"
		}
	} else if header.X5t != "" {
		sum := sha1.Sum(der) //nolint:gosec
		if !thumbprintMatches(header.X5t, sum[:]) {
			return 700027, "Client assertion contains an invalid signature. [Reason - The key was not found.]"
		}
	}
	if !verifySignature(header.Alg, cert.PublicKey, []byte(parts[0]+"."+parts[1]), sig) {
		return 700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value.]"
	}
	return 0, ""
}

// thumbprintMatches compares a thumbprint header with a digest: MSAL
// sends standard base64, the RFC base64url; accept both.
func thumbprintMatches(got string, sum []byte) bool {
	return got == base64.StdEncoding.EncodeToString(sum) || got == base64.RawURLEncoding.EncodeToString(sum) ||
		got == base64.URLEncoding.EncodeToString(sum)
}

func verifySignature(alg string, pub any, signed, sig []byte) bool {
	h := sha256.Sum256(signed)
	switch alg {
	case "RS256":
		k, ok := pub.(*rsa.PublicKey)
		return ok && rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil
	case "PS256":
		k, ok := pub.(*rsa.PublicKey)
		return ok && rsa.VerifyPSS(k, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	case "ES256":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k, h[:], r, s)
	}
	return false
}

func numericDate(v any) time.Time {
	switch n := v.(type) {
	case float64:
		return time.Unix(int64(n), 0)
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return time.Unix(i, 0)
		}
	}
	return time.Time{}
}

// accessToken is an opaque token: who it is for, the resource, and
// randomness. The simulated APIs accept any non-empty token.
func accessToken(kind, resource string) string {
	u, _ := url.Parse(resource)
	host := resource
	if u != nil && u.Host != "" {
		host = u.Host
	}
	return fmt.Sprintf("sim-%s-%s-%s", kind, strings.ReplaceAll(host, ":", "_"), hex.EncodeToString(randomBytes(16)))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func newID() string {
	b := randomBytes(16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
