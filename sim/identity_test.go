package sim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func identityServer(t *testing.T) (*httptest.Server, *Scenario) {
	t.Helper()
	sc, err := Load("contoso")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(New(sc, Options{}).Handler())
	t.Cleanup(ts.Close)
	return ts, sc
}

func postForm(t *testing.T, ts *httptest.Server, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := ts.Client().PostForm(ts.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

const testClient = "3f0b8a52-6f0e-4d0c-9a4a-2b7b4b1f9c11"

// assertionFor signs a client assertion with key, carrying cert in x5c.
func assertionFor(t *testing.T, key *rsa.PrivateKey, certDER []byte, claims map[string]any) string {
	t.Helper()
	sum := sha256.Sum256(certDER)
	h, _ := json.Marshal(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum[:]),
		"x5c": []string{base64.StdEncoding.EncodeToString(certDER)}})
	c, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	d := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestEntraDiscoveryAndErrors(t *testing.T) {
	ts, sc := identityServer(t)
	resp, err := ts.Client().Get(ts.URL + "/" + sc.InitialDomain() + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if cfg["token_endpoint"] != ts.URL+"/"+sc.TenantID()+"/oauth2/v2.0/token" || cfg["issuer"] != ts.URL+"/"+sc.TenantID()+"/v2.0" {
		t.Errorf("discovery: %v", cfg)
	}

	tokenPath := "/" + sc.TenantID() + "/oauth2/v2.0/token"
	for name, tc := range map[string]struct {
		path   string
		form   url.Values
		status int
		code   string
	}{
		"unknown tenant": {"/nowhere.example/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}}, 400, "AADSTS90002"},
		"no secret": {tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient},
			"scope": {"https://graph.microsoft.com/.default"}}, 401, "AADSTS7000216"},
		"not .default": {tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {"x"},
			"scope": {"https://graph.microsoft.com/User.Read.All"}}, 400, "AADSTS1002012"},
		"unknown resource": {tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {"x"},
			"scope": {"https://vault.azure.net/.default"}}, 400, "AADSTS500011"},
		"not a client id": {tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {"my-app"}, "client_secret": {"x"}}, 400, "AADSTS700016"},
		"app-only on organizations": {"/organizations/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient},
			"client_secret": {"x"}, "scope": {"https://graph.microsoft.com/.default"}}, 400, "AADSTS50059"},
		"password grant": {tokenPath, url.Values{"grant_type": {"password"}, "client_id": {testClient}}, 400, "AADSTS70003"},
	} {
		status, body := postForm(t, ts, tc.path, tc.form)
		if status != tc.status || !strings.HasPrefix(body["error_description"].(string), tc.code+":") {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	status, body := postForm(t, ts, tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {"x"},
		"scope": {"https://outlook.office365.com/.default openid profile offline_access"}})
	if status != 200 || body["token_type"] != "Bearer" || !strings.HasPrefix(body["access_token"].(string), "sim-app-outlook.office365.com-") {
		t.Errorf("client secret: %d %v", status, body)
	}
}

func TestEntraClientAssertion(t *testing.T) {
	ts, sc := identityServer(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "app"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	tokenPath := "/" + sc.TenantID() + "/oauth2/v2.0/token"
	aud := ts.URL + tokenPath
	now := time.Now()
	good := map[string]any{"aud": aud, "iss": testClient, "sub": testClient, "exp": now.Add(10 * time.Minute).Unix(), "nbf": now.Unix(), "jti": "1"}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	for name, tc := range map[string]struct {
		jwt  string
		want string
	}{
		"good":          {assertionFor(t, key, der, good), ""},
		"wrong key":     {assertionFor(t, other, der, good), "AADSTS700027"},
		"wrong client":  {assertionFor(t, key, der, with("iss", "11111111-2222-3333-4444-555555555555")), "AADSTS700021"},
		"wrong aud":     {assertionFor(t, key, der, with("aud", "https://login.microsoftonline.com/x/oauth2/v2.0/token")), "AADSTS700212"},
		"expired":       {assertionFor(t, key, der, with("exp", now.Add(-time.Hour).Unix())), "AADSTS700024"},
		"not a jwt":     {"abc.def", "AADSTS50027"},
		"alg none":      {base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + ".e30.eHl6", "AADSTS5002738"},
		"tampered body": {tamper(assertionFor(t, key, der, good)), "AADSTS700027"},
	} {
		status, body := postForm(t, ts, tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient},
			"scope": {"https://graph.microsoft.com/.default"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {tc.jwt}})
		switch {
		case tc.want == "" && (status != http.StatusOK || body["access_token"] == nil):
			t.Errorf("%s: %d %v", name, status, body)
		case tc.want != "" && (status == http.StatusOK || !strings.HasPrefix(body["error_description"].(string), tc.want+":")):
			t.Errorf("%s: %d %v, want %s", name, status, body, tc.want)
		}
	}
}

// tamper changes the claims of a signed JWT, keeping its signature.
func tamper(jwt string) string {
	parts := strings.Split(jwt, ".")
	data, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	_ = json.Unmarshal(data, &c)
	c["jti"] = "replayed"
	data, _ = json.Marshal(c)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(data) + "." + parts[2]
}

func TestEntraDeviceCodePendingThenApproved(t *testing.T) {
	ts, sc := identityServer(t)
	base := "/" + sc.InitialDomain() + "/oauth2/v2.0/"
	status, dc := postForm(t, ts, base+"devicecode", url.Values{"client_id": {testClient}, "scope": {"https://graph.microsoft.com/.default offline_access"}})
	if status != 200 || dc["device_code"] == nil || !strings.Contains(dc["message"].(string), dc["user_code"].(string)) {
		t.Fatalf("devicecode: %d %v", status, dc)
	}
	poll := url.Values{"grant_type": {"device_code"}, "client_id": {testClient}, "device_code": {dc["device_code"].(string)}}
	status, body := postForm(t, ts, base+"token", poll)
	if status != 400 || body["error"] != "authorization_pending" {
		t.Errorf("first poll: %d %v", status, body)
	}
	time.Sleep(deviceApproval)
	status, body = postForm(t, ts, base+"token", poll)
	if status != 200 || body["id_token"] == nil || body["client_info"] == nil || body["refresh_token"] == nil {
		t.Fatalf("after sign-in: %d %v", status, body)
	}
	status, body = postForm(t, ts, base+"token", url.Values{"grant_type": {"refresh_token"}, "client_id": {testClient},
		"refresh_token": {body["refresh_token"].(string)}, "scope": {"https://outlook.office365.com/.default"}})
	if status != 200 || !strings.HasPrefix(body["access_token"].(string), "sim-user-outlook.office365.com-") {
		t.Errorf("refresh for Exchange: %d %v", status, body)
	}
}

func TestOktaTokenEndpoint(t *testing.T) {
	ts, _ := identityServer(t)
	status, body := postForm(t, ts, "/oauth2/v1/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"okta.apps.read"}})
	if status != 401 || body["error"] != "invalid_client" {
		t.Errorf("no assertion: %d %v", status, body)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	h, _ := json.Marshal(map[string]string{"alg": "RS256"})
	c, _ := json.Marshal(map[string]any{"iss": "0oa1", "sub": "0oa1", "aud": "https://acme.okta.com/oauth2/v1/token", "exp": time.Now().Add(time.Minute).Unix()})
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	d := sha256.Sum256([]byte(signed))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	status, body = postForm(t, ts, "/oauth2/v1/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"okta.apps.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {signed + "." + base64.RawURLEncoding.EncodeToString(sig)}})
	if status != 401 || body["error"] != "invalid_client" {
		t.Errorf("an assertion for another org: %d %v", status, body)
	}
}
