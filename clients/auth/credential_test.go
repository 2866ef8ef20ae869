package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/pkg/browser"

	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/sim"
)

// entra serves the simulator over TLS (azidentity refuses an http
// authority) and returns the options that point the credentials at it.
func entra(t *testing.T, scenario string) (Options, *sim.Scenario) {
	t.Helper()
	sc, err := sim.Load(scenario)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(sim.New(sc, sim.Options{}).Handler())
	t.Cleanup(ts.Close)
	return Options{AuthorityHost: ts.URL + "/", HTTPClient: ts.Client(), DisableInstanceDiscovery: true}, sc
}

func token(t *testing.T, cred azcore.TokenCredential, scope string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		t.Fatalf("GetToken(%s): %v", scope, err)
	}
	if tok.Token == "" || time.Until(tok.ExpiresOn) < 30*time.Minute {
		t.Fatalf("GetToken(%s): token %q expires %s", scope, tok.Token, tok.ExpiresOn)
	}
	return tok.Token
}

const appID = "3f0b8a52-6f0e-4d0c-9a4a-2b7b4b1f9c11"

func TestClientSecretAgainstSimulator(t *testing.T) {
	o, sc := entra(t, "contoso")
	for _, tenant := range []string{sc.TenantID(), sc.InitialDomain()} {
		p := profile.Profile{Name: "c", Tenant: tenant, SignIn: profile.Secret, ClientID: appID}
		cred, err := Credential(p, Secrets{ClientSecret: "s3cr3t~value"}, o)
		if err != nil {
			t.Fatal(err)
		}
		if g := token(t, cred, GraphScope); !strings.HasPrefix(g, "sim-app-graph.microsoft.com-") {
			t.Errorf("tenant %s: Graph token %q", tenant, g)
		}
		if e := token(t, cred, ExchangeScope); !strings.HasPrefix(e, "sim-app-outlook.office365.com-") {
			t.Errorf("tenant %s: Exchange token %q", tenant, e)
		}
	}
	if _, err := Credential(profile.Profile{Name: "c", Tenant: sc.TenantID(), SignIn: profile.Secret, ClientID: appID}, Secrets{}, o); err == nil || !strings.Contains(err.Error(), "H365_CLIENT_SECRET") {
		t.Errorf("no secret: %v", err)
	}
}

func TestSignInExplainsUnknownTenant(t *testing.T) {
	o, _ := entra(t, "contoso")
	cred, err := Credential(profile.Profile{Name: "c", Tenant: "nowhere.example", SignIn: profile.Secret, ClientID: appID}, Secrets{ClientSecret: "x"}, o)
	if err != nil {
		t.Fatal(err)
	}
	err = SignIn(context.Background(), cred)
	var se *SignInError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "check the profile's tenant") || !strings.Contains(err.Error(), "AADSTS90002") {
		t.Fatalf("unknown tenant: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("the error runs over several lines: %q", err)
	}
}

// selfSigned writes a PEM file holding a self-signed certificate for
// certKey and the private key pemKey (normally the same key).
func selfSigned(t *testing.T, certKey, pemKey *rsa.PrivateKey) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "harden365 test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &certKey.PublicKey, certKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: pk})
	path := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClientCertificateAgainstSimulator(t *testing.T) {
	o, sc := entra(t, "whitepaper")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := profile.Profile{Name: "w", Tenant: sc.TenantID(), SignIn: profile.Certificate, ClientID: appID, CertificatePath: selfSigned(t, key, key)}
	// Without the chain the simulator checks the assertion's shape,
	// audience, client and times; with it, also the signature.
	for _, chain := range []bool{false, true} {
		o.SendCertificateChain = chain
		cred, err := Credential(p, Secrets{}, o)
		if err != nil {
			t.Fatal(err)
		}
		if g := token(t, cred, GraphScope); !strings.HasPrefix(g, "sim-app-graph.microsoft.com-") {
			t.Errorf("chain %v: Graph token %q", chain, g)
		}
		if e := token(t, cred, ExchangeScope); !strings.HasPrefix(e, "sim-app-outlook.office365.com-") {
			t.Errorf("chain %v: Exchange token %q", chain, e)
		}
	}

	// A file whose private key is not the certificate's (azidentity
	// refuses it; the simulator's own signature check is tested in sim).
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	p.CertificatePath = selfSigned(t, key, other)
	if _, err := Credential(p, Secrets{}, o); err == nil || !strings.Contains(err.Error(), "cannot be used") {
		t.Errorf("a certificate with the wrong key: %v", err)
	}

	p.CertificatePath = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := Credential(p, Secrets{}, o); err == nil || !strings.Contains(err.Error(), "reading the certificate") {
		t.Errorf("a missing certificate: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	_ = os.WriteFile(junk, []byte("not a certificate"), 0o600)
	p.CertificatePath = junk
	if _, err := Credential(p, Secrets{}, o); err == nil || !strings.Contains(err.Error(), "H365_CERT_PASSWORD") {
		t.Errorf("an unreadable certificate: %v", err)
	}
}

// The device code flow runs end to end against the simulator, whose
// simulated admin "signs in" 100 ms after the code is issued: the
// instructions go to the writer given (never stdout), once; the Exchange
// token comes from the same sign-in.
func TestDeviceCodeAgainstSimulator(t *testing.T) {
	o, sc := entra(t, "contoso")
	var prompt bytes.Buffer
	o.Prompt = &prompt
	p := profile.Profile{Name: "c", Tenant: sc.InitialDomain(), SignIn: profile.DeviceCode, ClientID: appID}
	cred, err := Credential(p, Secrets{}, o)
	if err != nil {
		t.Fatal(err)
	}
	if g := token(t, cred, GraphScope); !strings.HasPrefix(g, "sim-user-graph.microsoft.com-") {
		t.Errorf("Graph token %q", g)
	}
	if e := token(t, cred, ExchangeScope); !strings.HasPrefix(e, "sim-user-outlook.office365.com-") {
		t.Errorf("Exchange token %q", e)
	}
	if n := strings.Count(prompt.String(), "enter the code"); n != 1 {
		t.Errorf("the prompt was shown %d times:\n%s", n, prompt.String())
	}
	if !strings.Contains(prompt.String(), "https://microsoft.com/devicelogin") {
		t.Errorf("prompt: %q", prompt.String())
	}

	// OnDeviceCode receives it instead (the wizard's connect screen).
	var mu sync.Mutex
	var got []DeviceCode
	o.OnDeviceCode = func(d DeviceCode) { mu.Lock(); got = append(got, d); mu.Unlock() }
	prompt.Reset()
	cred, _ = Credential(p, Secrets{}, o)
	if err := SignIn(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].UserCode) != 9 || got[0].VerificationURL == "" || prompt.Len() != 0 {
		t.Errorf("OnDeviceCode got %+v; writer got %q", got, prompt.String())
	}
}

// Browser sign-in opens the system browser and waits on a localhost
// redirect: it cannot run here. What can be checked is that the
// credential is built for the profile without touching the network.
func TestBrowserCredentialBuilds(t *testing.T) {
	cred, err := Credential(profile.Profile{Name: "b", Tenant: "contoso.onmicrosoft.com", SignIn: profile.Browser, ClientID: appID}, Secrets{}, Options{})
	if err != nil || cred == nil {
		t.Fatalf("%v %v", cred, err)
	}
	if browser.Stdout != io.Discard || browser.Stderr != io.Discard {
		t.Error("what the browser opener prints would reach stdout, over the wizard")
	}
	if _, err := Credential(profile.Profile{Name: "b", Tenant: "t.example", SignIn: profile.Browser, ClientID: appID}, Secrets{}, Options{AuthorityHost: "http://127.0.0.1:1/"}); err == nil {
		t.Error("an http authority was accepted")
	}
}

func TestExplain(t *testing.T) {
	for msg, want := range map[string]string{
		"ClientSecretCredential authentication failed\nPOST https://x/token\n--------\nRESPONSE 401\nAADSTS7000215: Invalid client secret provided. Trace ID: 1": "client secret is wrong or expired",
		"x\nAADSTS7000218: The request body must contain client_assertion":                                                                                       "Allow public client flows",
		"x\nAADSTS65001: The user or administrator has not consented":                                                                                            "admin consent",
	} {
		err := Explain(errors.New(msg))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", msg, err)
		}
		if strings.Contains(err.Error(), "Trace ID") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: not cut to a line: %q", msg, err)
		}
	}
	if err := Explain(context.Canceled); err.Error() != "sign-in cancelled" {
		t.Errorf("cancelled: %v", err)
	}
}

func writeKey(t *testing.T, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "okta.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOktaServiceAppTokenAgainstSimulator(t *testing.T) {
	sc, _ := sim.Load("contoso")
	ts := httptest.NewServer(sim.New(sc, sim.Options{}).Handler())
	defer ts.Close()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ekDER, _ := x509.MarshalECPrivateKey(ek)
	p8, _ := x509.MarshalPKCS8PrivateKey(rk)
	for name, path := range map[string]string{
		"pkcs1": writeKey(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)),
		"pkcs8": writeKey(t, "PRIVATE KEY", p8),
		"ec":    writeKey(t, "EC PRIVATE KEY", ekDER),
	} {
		key, err := ReadOktaKey(path, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tok, exp, err := OktaToken(context.Background(), ts.URL, "0oa1abcdEFGH2ijk3l4", key, OktaReadScopes, ts.Client())
		if err != nil || !strings.HasPrefix(tok, "sim-okta-") || time.Until(exp) < 30*time.Minute {
			t.Errorf("%s: %q %s %v", name, tok, exp, err)
		}
	}
	key, _ := ReadOktaKey(writeKey(t, "PRIVATE KEY", p8), "")
	_, _, err := OktaToken(context.Background(), ts.URL, "0oa1abcdEFGH2ijk3l4", key, []string{"openid"}, ts.Client())
	var oe *OktaError
	if !errors.As(err, &oe) || oe.Code != "invalid_scope" || !strings.Contains(err.Error(), "Okta API Scopes") {
		t.Errorf("a scope Okta does not grant: %v", err)
	}
	if _, err := ParseOktaKey([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("an encrypted key: %v", err)
	}
}

func TestOktaDPoPRequiredIsExplained(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT header is missing."}`))
	}))
	defer ts.Close()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	key, _ := ParseOktaKey(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))
	_, _, err := OktaToken(context.Background(), ts.URL, "0oa1abcdEFGH2ijk3l4", key, OktaReadScopes, nil)
	if err == nil || !strings.Contains(err.Error(), "Require Demonstrating Proof of Possession") {
		t.Errorf("DPoP: %v", err)
	}
}
