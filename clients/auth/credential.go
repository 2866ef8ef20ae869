package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/pkg/browser"

	"github.com/harden365/harden365/profile"
)

// Scopes are the resources harden365 asks tokens for; one credential
// serves both (clients/graph.Scope and clients/exchange.Scope).
const (
	GraphScope    = "https://graph.microsoft.com/.default"
	ExchangeScope = "https://outlook.office365.com/.default"
)

// Options say where to sign in, how to reach it and where to show what
// the admin must do.
type Options struct {
	// AuthorityHost is Entra's sign-in host; empty means the public
	// cloud's (https://login.microsoftonline.com/). Must be https.
	AuthorityHost string
	// HTTPClient carries the sign-in requests (nil: azcore's default).
	HTTPClient *http.Client
	// DisableInstanceDiscovery skips asking login.microsoft.com whether
	// AuthorityHost is a known authority: for a test authority only.
	DisableInstanceDiscovery bool
	// Prompt receives device-code sign-in instructions when OnDeviceCode
	// is nil; nil means os.Stderr. Never stdout: stdout is where the
	// wizard draws and where commands write their output.
	Prompt io.Writer
	// OnDeviceCode, when set, receives the device code instead (the
	// wizard shows it on the connect screen).
	OnDeviceCode func(DeviceCode)
	// RedirectURL is browser sign-in's redirect (default: http://localhost
	// on a free port, which the app registration must allow as a "Mobile
	// and desktop applications" redirect URI).
	RedirectURL string
	// SendCertificateChain sends the certificate (x5c) with certificate
	// sign-in's assertions: needed for subject name/issuer
	// authentication, harmless otherwise.
	SendCertificateChain bool
}

// DeviceCode is what the admin needs to sign in on another device.
type DeviceCode struct {
	UserCode        string
	VerificationURL string
	// Message is Entra's own instruction ("To sign in, use a web browser
	// to open the page https://microsoft.com/devicelogin and enter the
	// code ... to authenticate.").
	Message string
}

// Secrets are the secrets a credential may need (from profile.Secrets).
type Secrets struct {
	ClientSecret        string
	CertificatePassword string
}

// Credential builds the azcore.TokenCredential of a profile's sign-in:
// device code or browser (an admin signs in, delegated), certificate or
// client secret (the app registration signs in, app-only). Nothing is
// asked of the network until the first GetToken.
func Credential(p profile.Profile, s Secrets, o Options) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{}
	if o.AuthorityHost != "" {
		co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: o.AuthorityHost}
	}
	if o.HTTPClient != nil {
		co.Transport = o.HTTPClient
	}
	switch p.SignIn {
	case profile.DeviceCode:
		prompt := o.devicePrompt()
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, TenantID: p.Tenant, ClientID: p.ClientID,
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
			UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
				return prompt(DeviceCode{UserCode: m.UserCode, VerificationURL: m.VerificationURL, Message: m.Message})
			},
		})
	case profile.Browser:
		// MSAL opens the browser with pkg/browser, which copies what the
		// opener (xdg-open, open, start) prints to os.Stdout: in the
		// wizard that would draw over the screen. Nothing it prints is
		// needed (a failure comes back as an error).
		browser.Stdout, browser.Stderr = io.Discard, io.Discard
		return azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			ClientOptions: co, TenantID: p.Tenant, ClientID: p.ClientID, RedirectURL: o.RedirectURL,
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
	case profile.Secret:
		if s.ClientSecret == "" {
			return nil, fmt.Errorf("profile %s signs in with a client secret, and none was given (set %s, or add the profile again)", p.Name, profile.ClientSecret.Env())
		}
		return azidentity.NewClientSecretCredential(p.Tenant, p.ClientID, s.ClientSecret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
	case profile.Certificate:
		data, err := os.ReadFile(p.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("profile %s: reading the certificate: %w", p.Name, err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(s.CertificatePassword))
		if err != nil {
			return nil, certificateError(p, s, err)
		}
		cred, err := azidentity.NewClientCertificateCredential(p.Tenant, p.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery, SendCertificateChain: o.SendCertificateChain,
		})
		if err != nil {
			return nil, certificateError(p, s, err)
		}
		return cred, nil
	}
	return nil, fmt.Errorf("profile %s: unknown sign-in %q", p.Name, p.SignIn)
}

// certificateError says what to do when the certificate file cannot be
// used (azidentity's own words are terse).
func certificateError(p profile.Profile, s Secrets, err error) error {
	hint := "give a PEM file holding the certificate and its unencrypted private key, or a PKCS#12 (.pfx) file with its password"
	if s.CertificatePassword == "" {
		hint += fmt.Sprintf(" (a password-protected file needs %s, or the password in the keyring: add the profile again)", profile.CertificatePassword.Env())
	}
	return fmt.Errorf("profile %s: the certificate %s cannot be used (%v): %s", p.Name, p.CertificatePath, err, hint)
}

func (o Options) devicePrompt() func(DeviceCode) error {
	if o.OnDeviceCode != nil {
		f := o.OnDeviceCode
		return func(d DeviceCode) error { f(d); return nil }
	}
	w := o.Prompt
	if w == nil {
		w = os.Stderr
	}
	return func(d DeviceCode) error {
		_, err := fmt.Fprintln(w, d.Message)
		return err
	}
}

// SignIn asks the credential for a Microsoft Graph token, so that an
// interactive sign-in happens now (and its failure is reported now)
// rather than in the middle of discovery. The Exchange token then comes
// from the same sign-in.
func SignIn(ctx context.Context, cred azcore.TokenCredential) error {
	_, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{GraphScope}})
	if err != nil {
		return Explain(err)
	}
	return nil
}

// Explain turns a sign-in failure into a sentence with what to do, keeping
// Entra's own code (AADSTS...) and words.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var fix string
	switch {
	case strings.Contains(msg, "AADSTS90002"):
		fix = "the tenant was not found: check the profile's tenant (its GUID, or a domain such as contoso.onmicrosoft.com)"
	case strings.Contains(msg, "AADSTS700016"):
		fix = "no app with that client id in this tenant: check the profile's client id, and that the app is registered (or consented) in this tenant"
	case strings.Contains(msg, "AADSTS7000215"), strings.Contains(msg, "AADSTS7000222"):
		fix = "the client secret is wrong or expired: create a new one under the app's Certificates & secrets and add the profile again"
	case strings.Contains(msg, "AADSTS700027"), strings.Contains(msg, "AADSTS700024"):
		fix = "the certificate is not one the app registration knows: upload its public part under the app's Certificates & secrets"
	case strings.Contains(msg, "AADSTS7000218"):
		fix = "device code and browser sign-in need a public client: turn on \"Allow public client flows\" in the app registration's Authentication page"
	case strings.Contains(msg, "AADSTS65001"), strings.Contains(msg, "AADSTS65004"):
		fix = "consent is missing: an admin must grant the app the permissions harden365 lists (admin consent)"
	case strings.Contains(msg, "AADSTS50076"), strings.Contains(msg, "AADSTS50079"):
		fix = "multi-factor authentication is required: use device code or browser sign-in, which can do MFA"
	case strings.Contains(msg, "AADSTS50126"):
		fix = "the user name or password is wrong"
	case strings.Contains(msg, "AADSTS70043"), strings.Contains(msg, "AADSTS700082"):
		fix = "the sign-in expired: sign in again"
	case strings.Contains(msg, "code_expired"), strings.Contains(msg, "AADSTS70020"):
		fix = "the device code expired before anyone signed in: sign in again, and enter the code within 15 minutes"
	case strings.Contains(msg, "cannot use an authority host without https"):
		fix = "the sign-in host must be https"
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("sign-in cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		fix = "nobody signed in in time: sign in again"
	}
	if fix == "" {
		return fmt.Errorf("sign-in failed: %w", err)
	}
	return &SignInError{Err: err, Fix: fix}
}

// SignInError is a sign-in failure and what would fix it.
type SignInError struct {
	Err error
	Fix string
}

func (e *SignInError) Error() string {
	return "sign-in failed: " + e.Fix + " (" + firstLine(e.Err.Error()) + ")"
}
func (e *SignInError) Unwrap() error { return e.Err }

// firstLine keeps azidentity's first line, and Entra's AADSTS sentence
// when it is on a later one (azidentity's errors run to 20 lines).
func firstLine(s string) string {
	lines := strings.Split(s, "\n")
	out := strings.TrimSpace(lines[0])
	for _, l := range lines[1:] {
		if i := strings.Index(l, "AADSTS"); i >= 0 {
			l = l[i:]
			if j := strings.Index(l, " Trace ID:"); j > 0 {
				l = l[:j]
			}
			return out + ": " + strings.TrimSpace(l)
		}
	}
	return out
}
