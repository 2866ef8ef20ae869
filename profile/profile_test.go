package profile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

func contoso() Profile {
	return Profile{Name: "contoso", Tenant: "contoso.onmicrosoft.com", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555",
		OktaOrg: "https://contoso.okta.com/", OktaAuth: OktaAPIToken}
}

func TestStoreSaveListGetRemove(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(InDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := s.List(); err != nil || len(ps) != 0 {
		t.Fatalf("a new store lists %v, %v", ps, err)
	}
	_, err = s.Get("contoso")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "none saved yet") {
		t.Errorf("Get on an empty store: %v", err)
	}
	fab := Profile{Name: "fabrikam", Tenant: "6b1f0a3c-8f5e-4a7b-9c2d-0e1f2a3b4c5d", SignIn: DeviceCode, ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Probe: true}
	for _, p := range []Profile{fab, contoso()} {
		if err := s.Save(p); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Name != "contoso" || ps[1].Name != "fabrikam" {
		t.Fatalf("List is not by name: %+v", ps)
	}
	got, err := s.Get("contoso")
	if err != nil {
		t.Fatal(err)
	}
	if got.OktaOrg != "https://contoso.okta.com" {
		t.Errorf("the Okta org was not normalised: %q", got.OktaOrg)
	}
	if got, _ := s.Get("fabrikam"); !reflect.DeepEqual(got, fab) {
		t.Errorf("fabrikam read back as %+v", got)
	}
	// Saving under the same name replaces.
	c := contoso()
	c.Probe = true
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.List(); len(ps) != 2 || !ps[0].Probe {
		t.Errorf("saving again did not replace: %+v", ps)
	}
	_, err = s.Get("northwind")
	if err == nil || !strings.Contains(err.Error(), "known profiles: contoso, fabrikam") {
		t.Errorf("unknown name: %v", err)
	}
	if err := s.Remove("northwind"); !errors.As(err, &nf) {
		t.Errorf("Remove of an unknown name: %v", err)
	}
	if err := s.Remove("contoso"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.List(); len(ps) != 1 || ps[0].Name != "fabrikam" {
		t.Errorf("after Remove: %+v", ps)
	}

	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("profiles.json is %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestStoreInConfigDirEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(ConfigDirEnv, dir)
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != filepath.Join(dir, "profiles.json") {
		t.Errorf("path %s, want it in %s", s.Path(), dir)
	}
}

func TestStoreSaveRefusesInvalid(t *testing.T) {
	s, _ := Open(InDir(t.TempDir()))
	p := contoso()
	p.ClientID = "my-app"
	p.Tenant = "not a tenant"
	err := s.Save(p)
	if err == nil || !strings.Contains(err.Error(), "client id \"my-app\"") || !strings.Contains(err.Error(), "tenant \"not a tenant\"") {
		t.Errorf("Save of an invalid profile: %v", err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an invalid profile created the file: %v", err)
	}
}

func TestStoreMalformedFileSaysWhere(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{"syntax", "{\"version\": 1,\n  \"profiles\": [\n    {\"name\": \"a\",, }\n  ]\n}\n", []string{"profiles.json:3:", "invalid character ','"}},
		{"unknown key", "{\"version\": 1, \"profiles\": [{\"name\": \"a\", \"tenant\": \"a.example\", \"signIn\": \"secret\",\n \"clientId\": \"11111111-2222-3333-4444-555555555555\", \"clientSecret\": \"hunter2\"}]}", []string{"profiles.json:2:", `unknown key "clientSecret"`, "no secrets"}},
		{"wrong type", "{\"version\": 1, \"profiles\": [{\"name\": \"a\",\n \"probe\": \"yes\"}]}", []string{"profiles.json:2:", "probe", "bool"}},
		{"invalid profile", `{"version": 1, "profiles": [{"name": "a", "tenant": "a.example", "signIn": "password", "clientId": "11111111-2222-3333-4444-555555555555"}]}`, []string{`profiles[0] ("a")`, `sign-in "password"`}},
		{"empty", "", []string{"profiles.json: the file is empty"}},
		{"version", `{"version": 7, "profiles": []}`, []string{"version 7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, _ := Open(InDir(dir))
			_, err := s.List()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats a secret found in the file: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := []Profile{
		contoso().Normalize(),
		{Name: "a.b_c-1", Tenant: "6B1F0A3C-8F5E-4A7B-9C2D-0E1F2A3B4C5D", SignIn: Browser, ClientID: "11111111-2222-3333-4444-555555555555"},
		{Name: "cert", Tenant: "fabrikam.com", SignIn: Certificate, ClientID: "11111111-2222-3333-4444-555555555555", CertificatePath: "/k/app.pem",
			OktaOrg: "https://fabrikam.okta.com", OktaAuth: OktaOAuth, OktaClientID: "0oa1abcdEFGH2ijk3l4", OktaKeyPath: "/k/okta.pem"},
		{Name: "hybrid", Tenant: "fabrikam.com", SignIn: DeviceCode, ClientID: "11111111-2222-3333-4444-555555555555",
			ProbeHosts: []string{"mail.fabrikam.com:993", "mail.fabrikam.com:443/https", "[2001:db8::25]:587"}, Resolver: "10.0.0.53"},
		{Name: "v6", Tenant: "fabrikam.com", SignIn: DeviceCode, ClientID: "11111111-2222-3333-4444-555555555555", Resolver: "[2606:4700::1111]:53"},
	}
	for _, p := range ok {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	bad := map[string]Profile{
		"profile name":         {Name: "-x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555"},
		"certificate file":     {Name: "x", Tenant: "a.example", SignIn: Certificate, ClientID: "11111111-2222-3333-4444-555555555555"},
		"only used with":       {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", CertificatePath: "/a.pem"},
		"not its admin":        {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", OktaOrg: "https://a-admin.okta.com"},
		"https://acme.okta":    {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", OktaOrg: "http://a.okta.com"},
		"private key":          {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", OktaOrg: "https://a.okta.com", OktaAuth: OktaOAuth, OktaClientID: "0oa1abcdEFGH2ijk3l4"},
		"without an Okta org":  {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", OktaAuth: OktaOAuth},
		"application (client)": {Name: "x", Tenant: "a.example", SignIn: DeviceCode},
		"no usual protocol":    {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", ProbeHosts: []string{"mail.a.example:8443"}},
		"host:port/protocol":   {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", ProbeHosts: []string{"mail.a.example"}},
		`protocol "gopher"`:    {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", ProbeHosts: []string{"mail.a.example:70/gopher"}},
		"resolver":             {Name: "x", Tenant: "a.example", SignIn: Secret, ClientID: "11111111-2222-3333-4444-555555555555", Resolver: "10.0.0.53:dns"},
	}
	for want, p := range bad {
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: error %v, want it to say %q", p, err, want)
		}
	}
}

func TestCheckLooksAtFiles(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "app.pem")
	p := Profile{Name: "x", Tenant: "a.example", SignIn: Certificate, ClientID: "11111111-2222-3333-4444-555555555555", CertificatePath: cert}
	if err := p.Check(); err == nil || !strings.Contains(err.Error(), "certificate file") {
		t.Errorf("a missing certificate file: %v", err)
	}
	if err := os.WriteFile(cert, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(); err != nil {
		t.Errorf("an existing certificate file: %v", err)
	}
	p.CertificatePath = dir
	if err := p.Check(); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory as certificate: %v", err)
	}
}

func TestSecretsNeeded(t *testing.T) {
	c := contoso()
	if got := c.Secrets(); len(got) != 2 || got[0].Kind != ClientSecret || got[1].Kind != OktaToken {
		t.Errorf("secret + Okta token: %+v", got)
	}
	c.SignIn, c.OktaAuth, c.OktaClientID, c.OktaKeyPath = Certificate, OktaOAuth, "0oa1abcdEFGH2ijk3l4", "/k.pem"
	if got := c.Secrets(); len(got) != 1 || got[0].Kind != CertificatePassword || !got[0].Optional {
		t.Errorf("certificate + Okta OAuth: %+v", got)
	}
	if c.OktaMode() != "Bearer" || contoso().OktaMode() != "SSWS" {
		t.Error("Okta modes")
	}
	c.SignIn, c.OktaOrg = DeviceCode, ""
	if got := c.Normalize().Secrets(); len(got) != 0 {
		t.Errorf("device code without Okta: %+v", got)
	}
}

func TestSecretsInKeyringNeverInFile(t *testing.T) {
	keyring.MockInit()
	dir := t.TempDir()
	s, _ := Open(InDir(dir))
	sec := NewSecrets()
	p := contoso()
	if err := s.Save(p); err != nil {
		t.Fatal(err)
	}
	secrets := map[Kind]string{ClientSecret: "cs~Very.Secret-Value_1", OktaToken: "00okta-token-SECRET-abc"}
	for k, v := range secrets {
		if err := sec.Set(p.Name, k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range secrets {
		got, src, err := sec.Get(p.Name, k)
		if err != nil || got != v || src != FromKeyring {
			t.Errorf("%s: %q from %s, %v", k, got, src, err)
		}
		// It is in the keyring under service "harden365", user "<profile>/<kind>".
		if raw, err := keyring.Get("harden365", "contoso/"+string(k)); err != nil || raw != v {
			t.Errorf("keyring entry harden365 contoso/%s: %q, %v", k, raw, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range secrets {
		if strings.Contains(string(data), v) {
			t.Fatalf("a secret reached profiles.json:\n%s", data)
		}
	}
	if err := sec.DeleteAll(p.Name); err != nil {
		t.Fatal(err)
	}
	if _, src, err := sec.Get(p.Name, ClientSecret); src != FromNone || err == nil || !strings.Contains(err.Error(), "H365_CLIENT_SECRET") {
		t.Errorf("after DeleteAll: %s, %v", src, err)
	}
	if err := sec.DeleteAll(p.Name); err != nil {
		t.Errorf("deleting secrets that are not there: %v", err)
	}
}

func TestSecretsWithoutKeyring(t *testing.T) {
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	t.Cleanup(keyring.MockInit)
	env := map[string]string{}
	sec := NewSecretsWith(osKeyring{}, func(k string) string { return env[k] })
	if err := sec.Available(); err == nil || !strings.Contains(err.Error(), "H365_OKTA_TOKEN") {
		t.Errorf("Available: %v", err)
	}
	_, _, err := sec.Get("contoso", ClientSecret)
	if err == nil || !strings.Contains(err.Error(), "keyring is unavailable") || !strings.Contains(err.Error(), "set H365_CLIENT_SECRET") {
		t.Errorf("Get without keyring nor env: %v", err)
	}
	env["H365_CLIENT_SECRET"] = "from-env"
	if v, src, err := sec.Get("contoso", ClientSecret); v != "from-env" || src != FromEnv || err != nil {
		t.Errorf("Get from env: %q %s %v", v, src, err)
	}
	// A secret given during the run is kept in memory, and the error says
	// which variable to set next time.
	err = sec.Set("contoso", OktaToken, "typed-now")
	var ke *KeyringUnavailableError
	if !errors.As(err, &ke) || ke.Kind != OktaToken || !strings.Contains(err.Error(), "set H365_OKTA_TOKEN") || strings.Contains(err.Error(), "typed-now") {
		t.Errorf("Set without keyring: %v", err)
	}
	if v, src, _ := sec.Get("contoso", OktaToken); v != "typed-now" || src != FromMemory {
		t.Errorf("the typed secret is not kept for the run: %q %s", v, src)
	}
	if sec.Where("other", OktaToken) != FromNone {
		t.Error("memory leaks across profiles")
	}
}

func TestPermissions(t *testing.T) {
	app := Permissions(contoso())
	del := contoso()
	del.SignIn = DeviceCode
	dp := Permissions(del)
	find := func(ps []Permission, name string) *Permission {
		for i := range ps {
			if ps[i].Name == name {
				return &ps[i]
			}
		}
		return nil
	}
	if p := find(app, "Exchange.ManageAsApp"); p == nil || p.Write || p.Kind != "application permission" {
		t.Errorf("app-only Exchange: %+v", p)
	}
	if p := find(dp, "Exchange.Manage"); p == nil || p.Kind != "delegated permission" {
		t.Errorf("delegated Exchange: %+v", p)
	}
	if p := find(app, "User.RevokeSessions.All"); p == nil || !p.Write {
		t.Errorf("revoke is a write: %+v", p)
	}
	// Reads come before writes.
	seenWrite := false
	for _, p := range app {
		if seenWrite && !p.Write {
			t.Errorf("read %s after a write", p.Name)
		}
		seenWrite = seenWrite || p.Write
	}
	noOkta := contoso()
	noOkta.OktaOrg = ""
	for _, p := range Permissions(noOkta.Normalize()) {
		if p.Service == ServiceOkta {
			t.Errorf("Okta permission without an Okta org: %+v", p)
		}
	}
}
