package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/ui"
)

// profileEnv gives the test its own config directory and an in-memory
// keyring.
func profileEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(profile.ConfigDirEnv, dir)
	for _, k := range profile.Kinds {
		t.Setenv(k.Env(), "")
	}
	keyring.MockInit()
	return dir
}

func runIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

const testApp = "3f0b8a52-6f0e-4d0c-9a4a-2b7b4b1f9c11"

func TestProfileAddListRemove(t *testing.T) {
	dir := profileEnv(t)
	out, errOut, code := runIn(t, "cs~secret-value\n00okta-SECRET-token\n", "profile", "add", "contoso", "--tenant", "contoso.onmicrosoft.com",
		"--sign-in", "secret", "--client-id", testApp, "--okta-org", "https://contoso.okta.com/", "--secret-stdin")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Saved profile contoso") || !strings.Contains(out, "client secret: in the OS keyring (service harden365, user contoso/client-secret)") {
		t.Errorf("add said:\n%s", out)
	}
	cert := filepath.Join(t.TempDir(), "app.pem")
	_ = os.WriteFile(cert, []byte("-"), 0o600)
	if _, errOut, code := runIn(t, "\n", "profile", "add", "fabrikam", "--tenant", "6b1f0a3c-8f5e-4a7b-9c2d-0e1f2a3b4c5d",
		"--sign-in", "certificate", "--client-id", testApp, "--certificate", cert, "--probe-host", "mail.fabrikam.com:993",
		"--probe-host", "mail.fabrikam.com:8443/https", "--resolver", "10.0.0.53", "--secret-stdin"); code != 0 {
		t.Fatalf("add fabrikam: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runIn(t, "\n", "profile", "add", "northwind", "--tenant", "northwind.com",
		"--sign-in", "device-code", "--client-id", testApp, "--probe-host", "mail.northwind.com:8443"); code == 0 || !strings.Contains(errOut, "no usual protocol") {
		t.Errorf("a probe host without a protocol: exit %d: %s", code, errOut)
	}

	out, errOut, code = runIn(t, "", "profile", "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("list:\n%s", out)
	}
	for _, want := range []string{"contoso", "contoso.onmicrosoft.com", "secret", "https://contoso.okta.com (api-token)", "client secret: keyring, Okta API token: keyring", "off"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("contoso's line lacks %q: %s", want, lines[1])
		}
	}
	for _, want := range []string{"fabrikam", "certificate", "certificate password: none", "on (+mail.fabrikam.com:993, mail.fabrikam.com:8443/https); DNS 10.0.0.53"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("fabrikam's line lacks %q: %s", want, lines[2])
		}
	}

	// No secret in the file; they are in the keyring.
	data, err := os.ReadFile(filepath.Join(dir, "profiles.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "cs~secret-value") || strings.Contains(string(data), "00okta-SECRET-token") {
		t.Fatalf("a secret reached profiles.json:\n%s", data)
	}
	if !strings.Contains(string(data), cert) {
		t.Errorf("the certificate is not referenced by its path:\n%s", data)
	}
	if v, err := keyring.Get("harden365", "contoso/okta-token"); err != nil || v != "00okta-SECRET-token" {
		t.Errorf("keyring: %q %v", v, err)
	}

	// Replacing it with a device-code sign-in drops the client secret.
	if _, errOut, code := runIn(t, "00okta-SECRET-token\n", "profile", "add", "contoso", "--tenant", "contoso.onmicrosoft.com",
		"--sign-in", "device-code", "--client-id", testApp, "--okta-org", "https://contoso.okta.com", "--secret-stdin"); code != 0 {
		t.Fatalf("replace: exit %d: %s", code, errOut)
	}
	if _, err := keyring.Get("harden365", "contoso/client-secret"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("the unused client secret stayed in the keyring: %v", err)
	}

	out, errOut, code = runIn(t, "", "profile", "remove", "contoso")
	if code != 0 || !strings.Contains(out, "Removed profile contoso") {
		t.Fatalf("remove: exit %d: %s %s", code, out, errOut)
	}
	if _, err := keyring.Get("harden365", "contoso/client-secret"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("remove left the secret in the keyring: %v", err)
	}
	_, errOut, code = runIn(t, "", "profile", "remove", "contoso")
	if code == 0 || !strings.Contains(errOut, "known profiles: fabrikam") {
		t.Errorf("removing it again: exit %d: %s", code, errOut)
	}
}

func TestProfileAddNeverTakesSecretsFromFlagsOrAPipeUnasked(t *testing.T) {
	profileEnv(t)
	_, errOut, code := runIn(t, "", "profile", "add", "c", "--tenant", "c.example", "--sign-in", "secret", "--client-id", testApp, "--client-secret", "x")
	if code == 0 || !strings.Contains(strings.ToLower(errOut), "unknown flag: --client-secret") {
		t.Errorf("--client-secret: exit %d: %s", code, errOut)
	}
	_, errOut, code = runIn(t, "piped\n", "profile", "add", "c", "--tenant", "c.example", "--sign-in", "secret", "--client-id", testApp)
	if code == 0 || !strings.Contains(errOut, "--secret-stdin") {
		t.Errorf("a secret on a pipe without --secret-stdin: exit %d: %s", code, errOut)
	}
	_, errOut, code = runIn(t, "", "profile", "add", "c", "--tenant", "c.example", "--sign-in", "secret", "--client-id", testApp, "--secret-stdin")
	if code == 0 || !strings.Contains(errOut, "expected the client secret on line 1") {
		t.Errorf("an empty stdin: exit %d: %s", code, errOut)
	}
	_, errOut, code = runIn(t, "", "profile", "add", "c", "--tenant", "c.example", "--sign-in", "password", "--client-id", "app")
	if code == 0 || !strings.Contains(strings.ToLower(errOut), "sign-in \"password\"") || !strings.Contains(errOut, "client id \"app\"") {
		t.Errorf("bad values: exit %d: %s", code, errOut)
	}
	if out, _, _ := runIn(t, "", "profile", "list"); !strings.Contains(out, "No profiles yet") {
		t.Errorf("a refused add saved something:\n%s", out)
	}
}

func TestProfileWithoutKeyringUsesEnvironment(t *testing.T) {
	profileEnv(t)
	keyring.MockInitWithError(errors.New("dbus: no session bus"))
	t.Cleanup(keyring.MockInit)
	out, errOut, code := runIn(t, "typed-secret\n", "profile", "add", "ci", "--tenant", "ci.example", "--sign-in", "secret", "--client-id", testApp, "--secret-stdin")
	if code != 0 || !strings.Contains(out, "Saved profile ci") {
		t.Fatalf("add: exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "keyring is unavailable") || !strings.Contains(errOut, "set H365_CLIENT_SECRET") || strings.Contains(errOut+out, "typed-secret") {
		t.Errorf("the warning: %s", errOut)
	}
	out, errOut, _ = runIn(t, "", "profile", "list")
	if !strings.Contains(out, "client secret: MISSING (H365_CLIENT_SECRET)") || !strings.Contains(errOut, "keyring is unavailable") {
		t.Errorf("list without keyring:\n%s\n%s", out, errOut)
	}
	t.Setenv("H365_CLIENT_SECRET", "from-env")
	if out, _, _ := runIn(t, "", "profile", "list"); !strings.Contains(out, "client secret: env H365_CLIENT_SECRET") {
		t.Errorf("list with the variable set:\n%s", out)
	}
}

func TestProfileUnknownNameListsKnown(t *testing.T) {
	profileEnv(t)
	runIn(t, "", "profile", "add", "alpha", "--tenant", "a.example", "--sign-in", "device-code", "--client-id", testApp)
	_, errOut, code := runIn(t, "", "collect", "--profile", "beta", "--out", filepath.Join(t.TempDir(), "s.json"))
	if code != 1 || !strings.Contains(errOut, `no profile "beta"; known profiles: alpha`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// simCloud serves a scenario over TLS (azidentity refuses an http
// authority) as Microsoft's cloud and the Okta org, with its DNS.
func simCloud(t *testing.T, scenario string) (endpoints, *sim.Scenario) {
	t.Helper()
	ep, sc, _ := simCloudServer(t, scenario)
	return ep, sc
}

// simCloudServer is simCloud, with the simulator's server.
func simCloudServer(t *testing.T, scenario string) (endpoints, *sim.Scenario, *sim.Server) {
	t.Helper()
	sc, err := sim.Load(scenario)
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(sc, sim.Options{})
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(ts.Close)
	dnsAddr, err := srv.StartDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return endpoints{authority: ts.URL + "/", graph: ts.URL, exchange: ts.URL, okta: ts.URL, dns: dnsAddr, http: ts.Client(), testAuthority: true}, sc, srv
}

func testApp0() *app {
	var errOut bytes.Buffer
	return &app{io: IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut}, log: slog.New(slog.DiscardHandler), closeLog: func() {}}
}

// A profile signing in with a client secret collects a whole organisation
// through the real credential, against the simulator: Graph, Exchange
// (the tenant GUID read from Graph, the profile giving a domain), Okta
// with the API token from the keyring, and DNS.
func TestProfileCollectsThroughRealSignIn(t *testing.T) {
	profileEnv(t)
	ep, sc := simCloud(t, "contoso")
	p := profile.Profile{Name: "contoso", Tenant: sc.InitialDomain(), SignIn: profile.Secret, ClientID: testApp,
		OktaOrg: "https://contoso.okta.com", OktaAuth: profile.OktaAPIToken}
	secrets := profile.NewSecrets()
	_ = secrets.Set("contoso", profile.ClientSecret, "s3cret")
	_ = secrets.Set("contoso", profile.OktaToken, "00okta")
	a := testApp0()
	conn, err := a.profileConn(context.Background(), p, secrets, ep, time.Time{}, connFlags{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conn.cfg.TenantID != "" || conn.cfg.Probe != nil || conn.cfg.OktaAuthMode != "SSWS" || conn.cfg.OktaToken != "00okta" {
		t.Errorf("config: tenant %q probe %v okta %s %q", conn.cfg.TenantID, conn.cfg.Probe, conn.cfg.OktaAuthMode, conn.cfg.OktaToken)
	}
	if y, m, d := conn.cfg.AsOf.Date(); time.Date(y, m, d, 0, 0, 0, 0, time.UTC) != conn.cfg.AsOf || time.Since(conn.cfg.AsOf) > 25*time.Hour {
		t.Errorf("asOf %s is not today", conn.cfg.AsOf)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := a.wizardBackend(ctx, conn, &target{profile: "test"}, &wizardOptions{readOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := b.Discover(ctx, func(collect.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Tenant.ID != sc.TenantID() || len(snap.Users) == 0 || len(snap.Exchange.CASMailboxes) == 0 || !snap.Okta.Configured || len(snap.DNS) == 0 {
		t.Errorf("collected tenant %q, %d users, %d mailboxes, okta %v, %d domains in DNS", snap.Tenant.ID, len(snap.Users), len(snap.Exchange.CASMailboxes), snap.Okta.Configured, len(snap.DNS))
	}
	for _, e := range snap.Errors() {
		if e.Service != "probe" {
			t.Errorf("%s: %s", e.ID, e.Error)
		}
	}
	if snap.Source != "profile:contoso" {
		t.Errorf("source %q", snap.Source)
	}

	// --probe (or the profile's probe) turns the endpoint probes on.
	conn, _ = a.profileConn(context.Background(), p, secrets, ep, time.Time{}, connFlags{probe: true}, nil)
	if conn.cfg.Probe == nil || len(conn.cfg.ProbeTargets) == 0 {
		t.Error("--probe did not turn probing on")
	}
	// The profile's Okta factors mode, unless --okta-factors says otherwise.
	if conn.cfg.OktaFactors != "" {
		t.Errorf("okta factors %q, want the default", conn.cfg.OktaFactors)
	}
	pf := p
	pf.OktaFactors = "none"
	if conn, _ = a.profileConn(context.Background(), pf, secrets, ep, time.Time{}, connFlags{}, nil); conn.cfg.OktaFactors != "none" {
		t.Errorf("profile's okta factors: %q", conn.cfg.OktaFactors)
	}
	if conn, _ = a.profileConn(context.Background(), pf, secrets, ep, time.Time{}, connFlags{oktaFactors: "all"}, nil); conn.cfg.OktaFactors != "all" {
		t.Errorf("--okta-factors all over the profile's none: %q", conn.cfg.OktaFactors)
	}
	if err := (profile.Profile{Name: "x", Tenant: "contoso.onmicrosoft.com", SignIn: profile.DeviceCode, ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		OktaOrg: "https://x.okta.com", OktaFactors: "some"}).Validate(); err == nil || !strings.Contains(err.Error(), "Okta factors") {
		t.Errorf("a wrong factors mode: %v", err)
	}
	// A missing secret says which variable to set.
	_ = secrets.Delete("contoso", profile.OktaToken)
	if _, err := a.profileConn(context.Background(), p, secrets, ep, time.Time{}, connFlags{}, nil); err == nil || !strings.Contains(err.Error(), "H365_OKTA_TOKEN") {
		t.Errorf("no Okta token: %v", err)
	}
}

// The connect screen's Open signs a device-code profile in against the
// simulator: the prompt reaches the screen's callback, and the backend
// it returns discovers the organisation.
func TestProfileConnectOptionsOpenSignsIn(t *testing.T) {
	dir := profileEnv(t)
	ep, sc := simCloud(t, "whitepaper")
	store, err := profile.Open(profile.InDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	a := testApp0()
	o := a.connectOptionsWith(store, profile.NewSecrets(), ep, connFlags{}, &wizardOptions{})
	p := profile.Profile{Name: "wp", Tenant: sc.TenantID(), SignIn: profile.DeviceCode, ClientID: testApp}
	if err := o.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	if ps, err := o.List(); err != nil || len(ps) != 1 || ps[0].Name != "wp" {
		t.Fatalf("List: %v %v", ps, err)
	}
	var mu sync.Mutex
	var prompts []ui.SignInPrompt
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, org, asOf, err := o.Open(ctx, p, func(sp ui.SignInPrompt) { mu.Lock(); prompts = append(prompts, sp); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 1 || prompts[0].Code == "" || !strings.Contains(prompts[0].Message, prompts[0].Code) {
		t.Errorf("prompts %+v", prompts)
	}
	if !strings.Contains(org, "wp") || asOf.IsZero() || b.Discover == nil || b.Now == nil {
		t.Errorf("org %q asOf %s backend %+v", org, asOf, b)
	}
	snap, err := b.Discover(ctx, func(collect.Event) {})
	if err != nil || snap.Tenant.ID != sc.TenantID() || len(snap.Users) == 0 {
		t.Errorf("discover: %v", err)
	}

	// A certificate file that is not there: Save refuses, nothing saved.
	bad := profile.Profile{Name: "cert", Tenant: sc.TenantID(), SignIn: profile.Certificate, ClientID: testApp, CertificatePath: filepath.Join(dir, "nope.pem")}
	if err := o.Save(bad, nil); err == nil || !strings.Contains(err.Error(), "certificate file") {
		t.Errorf("Save with a missing certificate: %v", err)
	}
	// A wrong tenant: Open says what to fix.
	wrong := p
	wrong.Tenant = "nowhere.example"
	_, _, _, err = o.Open(ctx, wrong, nil)
	var se *auth.SignInError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "check the profile's tenant") {
		t.Errorf("Open with a wrong tenant: %v", err)
	}
}

// The permissions the connect screen lists are the ones the collectors
// ask for (their 403 fixes name the same).
func TestProfilePermissionsMatchCollectors(t *testing.T) {
	listed := map[string]bool{}
	p := profile.Profile{Name: "x", Tenant: "x.example", SignIn: profile.Secret, ClientID: testApp, OktaOrg: "https://x.okta.com", OktaAuth: profile.OktaOAuth}
	for _, perm := range profile.Permissions(p) {
		for _, f := range strings.Fields(perm.Name) {
			listed[f] = true
		}
	}
	var want []string
	for _, v := range graph.Permissions {
		want = append(want, v)
	}
	want = append(want, auth.OktaReadScopes...)
	want = append(want, auth.OktaWriteScopes...)
	want = append(want, "Exchange.ManageAsApp", "User.RevokeSessions.All", "Domain-InternalFederation.ReadWrite.All", "Policy.ReadWrite.ConditionalAccess")
	for _, w := range want {
		if !listed[w] {
			t.Errorf("%s is asked for but not listed", w)
		}
	}
}

// The form gives paths as typed: ~/ and relative paths are made absolute,
// so the profile works from any directory.
func TestProfileSaveMakesPathsAbsolute(t *testing.T) {
	dir := profileEnv(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.WriteFile(filepath.Join(home, "app.pem"), []byte("-"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, _ := profile.Open(profile.InDir(dir))
	o := testApp0().connectOptionsWith(store, profile.NewSecrets(), microsoftCloud(), connFlags{}, &wizardOptions{})
	p := profile.Profile{Name: "c", Tenant: "c.example", SignIn: profile.Certificate, ClientID: testApp, CertificatePath: "~/app.pem"}
	if err := o.Save(p, map[profile.Kind]string{profile.CertificatePassword: ""}); err != nil {
		t.Fatal(err)
	}
	got, _ := store.Get("c")
	if got.CertificatePath != filepath.Join(home, "app.pem") {
		t.Errorf("saved %q", got.CertificatePath)
	}
}

// A profile's own mail endpoints (on-premises or hybrid, from the profile
// and --probe-host) are probed besides Exchange Online's, and --resolver
// (or the profile's resolver) is the DNS server asked. Against the
// simulator: its endpoint listeners stand in for the organisation's hosts.
func TestProfileOwnEndpointsAndResolver(t *testing.T) {
	profileEnv(t)
	ep, sc, srv := simCloudServer(t, "contoso")
	listeners, err := srv.StartEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	roots, err := sim.EndpointRoots()
	if err != nil {
		t.Fatal(err)
	}
	// The on-premises hosts are played by the simulator's IMAP and POP
	// listeners (their certificates name Exchange Online: a mismatch).
	dial := map[string]string{"mail.contoso.com:993": listeners["outlook.office365.com:993"], "legacy.contoso.com:995": listeners["outlook.office365.com:995"]}
	for k, v := range listeners {
		dial[k] = v
	}
	ep.probe = &probe.Config{Dial: probe.MapDialer(dial, nil), Roots: roots}
	simDNS := ep.dns
	ep.dns = "127.0.0.1:1" // as if the system resolver were unreachable: only --resolver answers

	p := profile.Profile{Name: "contoso", Tenant: sc.InitialDomain(), SignIn: profile.Secret, ClientID: testApp,
		ProbeHosts: []string{"mail.contoso.com:993"}}
	secrets := profile.NewSecrets()
	_ = secrets.Set("contoso", profile.ClientSecret, "s3cret")
	a := testApp0()
	flags := connFlags{probeHosts: []string{"legacy.contoso.com:995/pop3s"}, resolver: simDNS}
	if err := checkConnFlags(flags, true); err != nil {
		t.Fatal(err)
	}
	conn, err := a.profileConn(context.Background(), p, secrets, ep, time.Time{}, flags, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	snap, err := clients.Discover(ctx, conn.cfg, func(collect.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	probed := map[string]tenant.EndpointProbe{}
	for _, e := range snap.Endpoints {
		probed[net.JoinHostPort(e.Host, strconv.Itoa(e.Port))] = e
	}
	for _, want := range []string{"outlook.office365.com:993", "mail.contoso.com:993", "legacy.contoso.com:995"} {
		if _, ok := probed[want]; !ok {
			t.Errorf("%s was not probed (probed: %v)", want, slices.Collect(maps.Keys(probed)))
		}
	}
	if e := probed["mail.contoso.com:993"]; e.Certificate == nil || e.Certificate.NameMatches {
		t.Errorf("the on-premises host's certificate: %+v", e.Certificate)
	}
	if len(snap.DNS) == 0 {
		t.Fatal("no mail domain was looked up")
	}
	for _, st := range snap.Collection {
		if st.Service == "dns" && st.State != tenant.StateOK {
			t.Errorf("%s: %s %s (the resolver given was not asked?)", st.ID, st.State, st.Error)
		}
	}

	// Without --resolver the profile's resolver is asked; without either,
	// the system's (here: unreachable, so the DNS sources are errors that
	// name it, never "missing").
	p.Resolver = simDNS
	conn, _ = a.profileConn(context.Background(), p, secrets, ep, time.Time{}, connFlags{}, nil)
	if conn.cfg.DNS.Server != simDNS {
		t.Errorf("the profile's resolver was not taken: %q", conn.cfg.DNS.Server)
	}
	p.Resolver = ""
	conn, _ = a.profileConn(context.Background(), p, secrets, ep, time.Time{}, connFlags{}, nil)
	conn.cfg.Probe = nil
	snap, err = clients.Discover(ctx, conn.cfg, func(collect.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	dnsErrors := 0
	for _, st := range snap.Collection {
		if st.Service == "dns" && st.State == tenant.StateError {
			dnsErrors++
			if !strings.Contains(st.Error+st.Fix, "127.0.0.1:1") {
				t.Errorf("%s: the error does not name the resolver: %s / %s", st.ID, st.Error, st.Fix)
			}
		}
	}
	if dnsErrors == 0 {
		t.Error("an unreachable resolver gave no DNS error")
	}

	// Bad flags are refused before anything is collected.
	for flags, want := range map[*connFlags]string{
		{probeHosts: []string{"mail.contoso.com"}}:      "--probe-host",
		{probeHosts: []string{"mail.contoso.com:8443"}}: "no usual protocol",
		{resolver: "10.0.0.53:dns"}:                     "--resolver",
	} {
		if err := checkConnFlags(*flags, true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want it to say %q", *flags, err, want)
		}
	}
	if err := checkConnFlags(connFlags{resolver: "1.1.1.1"}, false); err == nil || !strings.Contains(err.Error(), "--profile") {
		t.Errorf("--resolver with a scenario: %v", err)
	}
}
