package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Okta scopes a service app is asked for: the reads every assessment
// makes, and the writes only apply makes.
var (
	OktaReadScopes  = []string{"okta.apps.read", "okta.policies.read", "okta.groups.read", "okta.users.read", "okta.networkZones.read", "okta.logs.read"}
	OktaWriteScopes = []string{"okta.apps.manage", "okta.policies.manage", "okta.groups.manage", "okta.users.manage"}
)

// OktaKey is a service app's private key, read from a PEM file (PKCS#8,
// PKCS#1 RSA or SEC 1 EC; not encrypted).
type OktaKey struct {
	signer crypto.Signer
	alg    string
	// KeyID is the key's kid in the app's JWKS ("" when none was given).
	KeyID string
}

// ReadOktaKey reads the private key file of an Okta service app.
func ReadOktaKey(path, keyID string) (*OktaKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Okta private key: %w", err)
	}
	k, err := ParseOktaKey(data)
	if err != nil {
		return nil, fmt.Errorf("Okta private key %s: %w", path, err)
	}
	k.KeyID = keyID
	return k, nil
}

// ParseOktaKey reads a PEM private key: RSA (signs RS256) or EC P-256
// (ES256).
func ParseOktaKey(data []byte) (*OktaKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("no PEM private key found (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")
		}
		if x509.IsEncryptedPEMBlock(b) || b.Type == "ENCRYPTED PRIVATE KEY" { //nolint:staticcheck // detection only
			return nil, errors.New("the key is encrypted: export it unencrypted and keep the file readable only by you (chmod 600)")
		}
		var key any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		switch k := key.(type) {
		case *rsa.PrivateKey:
			return &OktaKey{signer: k, alg: "RS256"}, nil
		case *ecdsa.PrivateKey:
			if k.Curve.Params().BitSize != 256 {
				return nil, fmt.Errorf("an EC key on %s: Okta's ES256 needs P-256", k.Curve.Params().Name)
			}
			return &OktaKey{signer: k, alg: "ES256"}, nil
		}
		return nil, fmt.Errorf("a %T key: Okta service apps sign with RSA or EC P-256 keys", key)
	}
}

// assertion is the private_key_jwt client assertion (RFC 7523) for the
// token endpoint aud, valid 5 minutes.
func (k *OktaKey) assertion(clientID, aud string, now time.Time) (string, error) {
	header := map[string]string{"alg": k.alg, "typ": "JWT"}
	if k.KeyID != "" {
		header["kid"] = k.KeyID
	}
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	claims := map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": hex.EncodeToString(jti)}
	hj, _ := json.Marshal(header)
	cj, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(hj) + "." + base64.RawURLEncoding.EncodeToString(cj)
	h := sha256.Sum256([]byte(signed))
	var sig []byte
	switch key := k.signer.(type) {
	case *rsa.PrivateKey:
		s, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
		if err != nil {
			return "", err
		}
		sig = s
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
		if err != nil {
			return "", err
		}
		sig = append(pad32(r), pad32(s)...)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func pad32(n *big.Int) []byte {
	b := n.Bytes()
	return append(make([]byte, 32-len(b)), b...)
}

// OktaError is the Okta authorization server's refusal.
type OktaError struct {
	Status      int
	Code        string
	Description string
	Fix         string
}

func (e *OktaError) Error() string {
	s := fmt.Sprintf("Okta token endpoint: %s: %s", e.Code, e.Description)
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

// OktaToken gets an access token for an Okta service app with the client
// credentials grant and a private_key_jwt assertion, from the org
// authorization server (org/oauth2/v1/token). The token is sent as
// "Authorization: Bearer" (clients.Config.OktaAuthMode "Bearer").
func OktaToken(ctx context.Context, org, clientID string, key *OktaKey, scopes []string, hc *http.Client) (string, time.Time, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	endpoint := strings.TrimRight(org, "/") + "/oauth2/v1/token"
	a, err := key.assertion(clientID, endpoint, time.Now())
	if err != nil {
		return "", time.Time{}, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {strings.Join(scopes, " ")},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {a},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("Okta token endpoint %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &out) != nil {
		return "", time.Time{}, fmt.Errorf("Okta token endpoint %s answered %s, not JSON", endpoint, resp.Status)
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		e := &OktaError{Status: resp.StatusCode, Code: out.Error, Description: out.Description}
		switch out.Error {
		case "invalid_dpop_proof", "use_dpop_nonce":
			e.Fix = "the service app requires DPoP, which harden365 does not send: clear \"Require Demonstrating Proof of Possession (DPoP) header in token requests\" in the app's General settings, or use an API token"
		case "invalid_scope":
			e.Fix = "grant the scopes under the service app's Okta API Scopes tab: " + strings.Join(OktaReadScopes, ", ") + " (and the .manage ones to apply)"
		case "invalid_client":
			e.Fix = "check the client id, and that the app's public key (JWKS) matches the private key file"
		}
		if e.Code == "" {
			e.Code = resp.Status
		}
		return "", time.Time{}, e
	}
	return out.AccessToken, time.Now().Add(time.Duration(out.ExpiresIn) * time.Second), nil
}
