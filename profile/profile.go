// Package profile holds harden365's named connection profiles: which
// organisation to collect from (the Entra tenant, optionally an Okta org)
// and how to sign in. Profiles are saved as JSON without any secret; the
// secrets they need (a client secret, a certificate password, an Okta API
// token) go only to the OS keyring, or come from environment variables
// where there is no keyring (see Secrets).
package profile

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/harden365/harden365/tenant"
)

// SignIn is how harden365 signs in to Microsoft 365.
type SignIn string

// Sign-in methods. Device code and browser sign an administrator in
// (delegated: harden365 acts with the admin's roles); certificate and
// secret sign an app registration in (app-only: harden365 acts with the
// app's permissions).
const (
	DeviceCode  SignIn = "device-code"
	Browser     SignIn = "browser"
	Certificate SignIn = "certificate"
	Secret      SignIn = "secret"
)

// SignIns are the sign-in methods, in the order they are offered.
var SignIns = []SignIn{DeviceCode, Browser, Certificate, Secret}

// Delegated reports whether an administrator signs in (as opposed to an
// app on its own).
func (s SignIn) Delegated() bool { return s == DeviceCode || s == Browser }

// Describe is the method in a few words.
func (s SignIn) Describe() string {
	switch s {
	case DeviceCode:
		return "device code (an admin, on any device)"
	case Browser:
		return "browser (an admin, on this machine)"
	case Certificate:
		return "certificate (app-only)"
	case Secret:
		return "client secret (app-only)"
	}
	return string(s)
}

// OktaAuth is how harden365 authenticates to Okta.
type OktaAuth string

// Okta authentication modes: an API token (SSWS) of an admin, or an OAuth
// 2.0 service app (client credentials with a private_key_jwt assertion)
// whose access token is sent as Bearer.
const (
	OktaAPIToken OktaAuth = "api-token"
	OktaOAuth    OktaAuth = "oauth"
)

// Profile is one named connection. It holds no secret.
type Profile struct {
	Name string `json:"name"`
	// Tenant is the Entra tenant: its GUID or one of its domains
	// (contoso.onmicrosoft.com).
	Tenant string `json:"tenant"`
	SignIn SignIn `json:"signIn"`
	// ClientID is the app registration signed in to (app-only), or the
	// public client app the admin signs in through (delegated).
	ClientID string `json:"clientId"`
	// CertificatePath is the certificate file (PEM or PKCS#12, with its
	// private key) of certificate sign-in. The file stays where the user
	// keeps it: it is referenced, never copied.
	CertificatePath string `json:"certificate,omitempty"`

	// OktaOrg is the Okta org's URL (https://acme.okta.com); empty when
	// the organisation does not use Okta.
	OktaOrg  string   `json:"oktaOrg,omitempty"`
	OktaAuth OktaAuth `json:"oktaAuth,omitempty"`
	// OktaClientID and OktaKeyPath are the OAuth service app's client id
	// and the PEM file of the private key it signs its assertions with.
	OktaClientID string `json:"oktaClientId,omitempty"`
	OktaKeyPath  string `json:"oktaPrivateKey,omitempty"`

	// Probe: probe the mail endpoints (TLS, ciphers, advertised password
	// sign-in) from this machine. Off unless asked for: probing a real
	// organisation's servers is the operator's decision.
	Probe bool `json:"probe,omitempty"`
	// ProbeHosts are the organisation's own mail endpoints (on-premises
	// or hybrid Exchange), "host:port" or "host:port/protocol", probed
	// besides Exchange Online's; they turn probing on (--probe-host).
	ProbeHosts []string `json:"probeHosts,omitempty"`
	// Resolver is the DNS server the mail-domain records are asked of,
	// host or host:port (--resolver); empty: the system's resolver.
	Resolver string `json:"resolver,omitempty"`
	// OktaFactors says whether to read each Okta user's enrolled factors,
	// one request per user: "auto" (empty: up to 2,000 users), "all" or
	// "none" (--okta-factors).
	OktaFactors string `json:"oktaFactors,omitempty"`
}

// Probing reports whether the profile has the mail endpoints probed: it
// asks for it, or names endpoints of its own.
func (p Profile) Probing() bool { return p.Probe || len(p.ProbeHosts) > 0 }

// Kind names a secret a profile may need.
type Kind string

// The secrets a profile may need.
const (
	ClientSecret        Kind = "client-secret"
	CertificatePassword Kind = "certificate-password"
	OktaToken           Kind = "okta-token"
)

// Kinds are every kind of secret, in a stable order.
var Kinds = []Kind{ClientSecret, CertificatePassword, OktaToken}

// Env is the environment variable a secret is read from when the OS has
// no keyring (or the keyring holds none).
func (k Kind) Env() string {
	switch k {
	case ClientSecret:
		return "H365_CLIENT_SECRET"
	case CertificatePassword:
		return "H365_CERT_PASSWORD"
	case OktaToken:
		return "H365_OKTA_TOKEN"
	}
	return ""
}

// Describe is the secret in words.
func (k Kind) Describe() string {
	switch k {
	case ClientSecret:
		return "client secret"
	case CertificatePassword:
		return "certificate password"
	case OktaToken:
		return "Okta API token"
	}
	return string(k)
}

// Need is a secret a profile uses.
type Need struct {
	Kind Kind
	// Optional: the profile works without it (a certificate file without
	// a password).
	Optional bool
}

// Secrets lists the secrets the profile uses.
func (p Profile) Secrets() []Need {
	var out []Need
	switch p.SignIn {
	case Secret:
		out = append(out, Need{Kind: ClientSecret})
	case Certificate:
		out = append(out, Need{Kind: CertificatePassword, Optional: true})
	}
	if p.OktaOrg != "" && p.oktaAuth() == OktaAPIToken {
		out = append(out, Need{Kind: OktaToken})
	}
	return out
}

// OktaMode is the Okta auth mode as clients.Config names it: "SSWS" for an
// API token, "Bearer" for an OAuth access token.
func (p Profile) OktaMode() string {
	if p.oktaAuth() == OktaOAuth {
		return "Bearer"
	}
	return "SSWS"
}

func (p Profile) oktaAuth() OktaAuth {
	if p.OktaAuth == "" {
		return OktaAPIToken
	}
	return p.OktaAuth
}

var (
	nameRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	guidRe   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainRe = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
)

// IsGUID reports whether s is a GUID (a tenant or client id).
func IsGUID(s string) bool { return guidRe.MatchString(s) }

// CheckName says what is wrong with a profile name, or nil.
func CheckName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("profile name %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// CheckTenant says what is wrong with a tenant, or nil.
func CheckTenant(t string) error {
	if IsGUID(t) || domainRe.MatchString(t) {
		return nil
	}
	return fmt.Errorf("tenant %q: give the tenant's id (a GUID) or one of its domains (contoso.onmicrosoft.com)", t)
}

// CheckClientID says what is wrong with an app registration's client id.
func CheckClientID(id string) error {
	if IsGUID(id) {
		return nil
	}
	if id == "" {
		return errors.New("client id: give the application (client) id of the app registration, a GUID (Entra admin center > App registrations)")
	}
	return fmt.Errorf("client id %q: the application (client) id is a GUID", id)
}

// CheckOktaOrg says what is wrong with an Okta org URL.
func CheckOktaOrg(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("Okta org %q: give the org's address, https://acme.okta.com", s)
	}
	if strings.Contains(u.Host, "-admin.") {
		return fmt.Errorf("Okta org %q: use the org's address, not its admin console's (drop -admin)", s)
	}
	return nil
}

// Normalize trims what users paste around values (spaces, a trailing
// slash on the Okta URL) and fills the Okta auth default.
func (p Profile) Normalize() Profile {
	p.Name = strings.TrimSpace(p.Name)
	p.Tenant = strings.TrimSpace(p.Tenant)
	p.ClientID = strings.TrimSpace(p.ClientID)
	p.CertificatePath = strings.TrimSpace(p.CertificatePath)
	p.OktaOrg = strings.TrimRight(strings.TrimSpace(p.OktaOrg), "/")
	p.OktaClientID = strings.TrimSpace(p.OktaClientID)
	p.OktaKeyPath = strings.TrimSpace(p.OktaKeyPath)
	p.OktaFactors = strings.ToLower(strings.TrimSpace(p.OktaFactors))
	p.Resolver = strings.TrimSpace(p.Resolver)
	var hosts []string
	for _, h := range p.ProbeHosts {
		if h = strings.TrimSpace(h); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	p.ProbeHosts = hosts
	if p.OktaOrg == "" {
		p.OktaAuth, p.OktaClientID, p.OktaKeyPath = "", "", ""
	} else if p.OktaAuth == "" {
		p.OktaAuth = OktaAPIToken
	}
	if p.SignIn != Certificate {
		p.CertificatePath = ""
	}
	if p.OktaAuth != OktaOAuth {
		p.OktaClientID, p.OktaKeyPath = "", ""
	}
	return p
}

// Validate says what is wrong with the profile, all at once (one error
// per line), or nil. It does not look at files; Check does.
func (p Profile) Validate() error {
	var errs []error
	if err := CheckName(p.Name); err != nil {
		errs = append(errs, err)
	}
	if err := CheckTenant(p.Tenant); err != nil {
		errs = append(errs, err)
	}
	switch p.SignIn {
	case DeviceCode, Browser, Secret, Certificate:
	default:
		errs = append(errs, fmt.Errorf("sign-in %q: one of device-code, browser (an admin signs in), certificate, secret (app-only)", p.SignIn))
	}
	if err := CheckClientID(p.ClientID); err != nil {
		errs = append(errs, err)
	}
	if p.SignIn == Certificate && p.CertificatePath == "" {
		errs = append(errs, errors.New("certificate sign-in needs the certificate file (PEM or PKCS#12 with its private key)"))
	}
	if p.SignIn != Certificate && p.CertificatePath != "" {
		errs = append(errs, fmt.Errorf("a certificate file is only used with --sign-in certificate, not %s", p.SignIn))
	}
	if p.OktaOrg != "" {
		if err := CheckOktaOrg(p.OktaOrg); err != nil {
			errs = append(errs, err)
		}
		switch p.OktaAuth {
		case "", OktaAPIToken:
		case OktaOAuth:
			if !oktaClientRe.MatchString(p.OktaClientID) {
				errs = append(errs, fmt.Errorf("Okta OAuth needs the service app's client id (0oa…), not %q", p.OktaClientID))
			}
			if p.OktaKeyPath == "" {
				errs = append(errs, errors.New("Okta OAuth needs the PEM file of the service app's private key"))
			}
		default:
			errs = append(errs, fmt.Errorf("Okta auth %q: api-token or oauth", p.OktaAuth))
		}
		if err := CheckOktaFactors(p.OktaFactors); err != nil {
			errs = append(errs, err)
		}
	} else if p.OktaAuth != "" || p.OktaClientID != "" || p.OktaKeyPath != "" {
		errs = append(errs, errors.New("Okta settings without an Okta org: give --okta-org https://ORG.okta.com"))
	}
	for _, h := range p.ProbeHosts {
		if _, _, _, err := tenant.ParseEndpoint(h); err != nil {
			errs = append(errs, fmt.Errorf("probe host: %w", err))
		}
	}
	if p.Resolver != "" {
		if err := CheckResolver(p.Resolver); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckResolver checks a DNS server as given to --resolver: a host name
// or IP address, with an optional port (host:port, [v6]:port).
func CheckResolver(s string) error {
	host, port := s, "53"
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	}
	n, err := strconv.Atoi(port)
	if host == "" || strings.ContainsAny(host, " /") || err != nil || n <= 0 || n > 65535 {
		return fmt.Errorf("resolver %q: give the DNS server as host, IP or host:port (1.1.1.1, [2606:4700::1111]:53)", s)
	}
	return nil
}

// CheckOktaFactors checks an Okta factors mode: auto (or empty), all or
// none.
func CheckOktaFactors(mode string) error {
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "", "auto", "all", "none":
		return nil
	}
	return fmt.Errorf("Okta factors %q: auto (read them up to 2,000 Okta users), all or none", mode)
}

var oktaClientRe = regexp.MustCompile(`^[A-Za-z0-9]{10,64}$`)

// Check is Validate, then looks at the files the profile refers to: they
// must exist and be readable (their content is read when signing in).
func (p Profile) Check() error {
	if err := p.Validate(); err != nil {
		return err
	}
	var errs []error
	for _, f := range []struct{ what, path string }{
		{"certificate file", p.CertificatePath},
		{"Okta private key file", p.OktaKeyPath},
	} {
		if f.path == "" {
			continue
		}
		fh, err := os.Open(f.path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.what, err))
			continue
		}
		st, err := fh.Stat()
		fh.Close()
		if err == nil && st.IsDir() {
			err = fmt.Errorf("%s is a directory", f.path)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.what, err))
		}
	}
	return errors.Join(errs...)
}
