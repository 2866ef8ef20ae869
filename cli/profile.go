package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/dns"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/textsafe"
	"github.com/harden365/harden365/ui"
)

func newProfileCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Named connection profiles: tenant, Okta org, sign-in method (secrets go to the OS keyring only)",
		Long: "A profile says which organisation to connect to and how to sign in. Profiles are kept without\n" +
			"secrets in profiles.json in your config directory (or $H365_CONFIG_DIR). Secrets (client secret,\n" +
			"certificate password, Okta API token) go to the OS keyring; where there is none, set\n" +
			"H365_CLIENT_SECRET, H365_CERT_PASSWORD or H365_OKTA_TOKEN when you run harden365.\n\n" +
			"Use a profile with harden365 (the wizard), or --profile NAME on collect, assess, apply and rollback.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newProfileListCmd(a), newProfileAddCmd(a), newProfileRemoveCmd(a))
	return cmd
}

func newProfileListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the profiles: name, tenant, sign-in, Okta org, and where each secret is",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := profile.Open()
			if err != nil {
				return err
			}
			ps, err := store.List()
			if err != nil {
				return err
			}
			if len(ps) == 0 {
				fmt.Fprintf(a.io.Out, "No profiles yet (%s).\nAdd one: harden365 profile add NAME --tenant contoso.onmicrosoft.com --sign-in device-code --client-id APP-ID\n", store.Path())
				return nil
			}
			secrets := profile.NewSecrets()
			tw := tabwriter.NewWriter(a.io.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTENANT\tSIGN-IN\tOKTA\tSECRETS\tPROBE")
			for _, p := range ps {
				okta := "-"
				if p.OktaOrg != "" {
					okta = p.OktaOrg + " (" + string(p.OktaAuth) + ")"
				}
				probe := "off"
				if p.Probing() {
					probe = "on"
				}
				if len(p.ProbeHosts) > 0 {
					probe += " (+" + strings.Join(p.ProbeHosts, ", ") + ")"
				}
				if p.Resolver != "" {
					probe += "; DNS " + p.Resolver
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", textsafe.Terminal(p.Name), textsafe.Terminal(p.Tenant), p.SignIn,
					textsafe.Terminal(okta), secretsWhere(p, secrets), textsafe.Terminal(probe))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if err := secrets.Available(); err != nil {
				fmt.Fprintf(a.io.ErrOut, "Note: %v\n", err)
			}
			return nil
		},
	}
}

// secretsWhere says where each secret of a profile is: "client secret:
// keyring", "Okta API token: env", "none needed".
func secretsWhere(p profile.Profile, s *profile.Secrets) string {
	var parts []string
	for _, n := range p.Secrets() {
		src := s.Where(p.Name, n.Kind)
		where := string(src)
		switch {
		case src == profile.FromNone && n.Optional:
			where = "none"
		case src == profile.FromNone:
			where = "MISSING (" + n.Kind.Env() + ")"
		case src == profile.FromEnv:
			where = "env " + n.Kind.Env()
		}
		parts = append(parts, n.Kind.Describe()+": "+where)
	}
	if len(parts) == 0 {
		return "none needed"
	}
	return strings.Join(parts, ", ")
}

type profileAddOptions struct {
	p           profile.Profile
	oktaAuth    string
	signIn      string
	secretStdin bool
}

func newProfileAddCmd(a *app) *cobra.Command {
	var o profileAddOptions
	cmd := &cobra.Command{
		Use:   "add NAME --tenant TENANT --sign-in device-code|browser|certificate|secret --client-id ID",
		Short: "Add a profile (or replace the one of that name), asking for its secrets without echo",
		Long: "Sign-in methods: device-code and browser sign an administrator in (delegated: harden365 acts with the\n" +
			"admin's roles; the app registration must allow public client flows); certificate and secret sign the\n" +
			"app registration in (app-only: harden365 acts with the app's application permissions).\n\n" +
			"Secrets are never taken from flags. They are asked for on the terminal without echo, or read from\n" +
			"stdin with --secret-stdin, one line each, in this order: the client secret (secret sign-in), the\n" +
			"certificate password (certificate sign-in; an empty line for none), the Okta API token (api-token).\n" +
			"They go to the OS keyring (service harden365, user NAME/KIND), never to a file.",
		Example: "  harden365 profile add contoso --tenant contoso.onmicrosoft.com --sign-in device-code --client-id 1b730954-... \\\n" +
			"      --okta-org https://contoso.okta.com --okta-auth api-token\n" +
			"  printf '%s\\n' \"$SECRET\" | harden365 profile add ci --tenant 6b1f0a3c-... --sign-in secret --client-id ... --secret-stdin",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.p.Name = args[0]
			return a.runProfileAdd(&o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.p.Tenant, "tenant", "", "the Entra tenant: its id (GUID) or a domain (contoso.onmicrosoft.com)")
	f.StringVar(&o.signIn, "sign-in", "", "how to sign in: device-code, browser (an admin), certificate, secret (app-only)")
	f.StringVar(&o.p.ClientID, "client-id", "", "the app registration's application (client) `ID`")
	f.StringVar(&o.p.CertificatePath, "certificate", "", "certificate sign-in: the PEM or PKCS#12 `FILE` with the certificate and its private key (referenced, not copied)")
	f.StringVar(&o.p.OktaOrg, "okta-org", "", "the Okta org's `URL` (https://acme.okta.com), when the organisation federates with Okta")
	f.StringVar(&o.oktaAuth, "okta-auth", "", "how to authenticate to Okta: api-token (default) or oauth (a service app)")
	f.StringVar(&o.p.OktaClientID, "okta-client-id", "", "--okta-auth oauth: the service app's client `ID` (0oa...)")
	f.StringVar(&o.p.OktaKeyPath, "okta-key", "", "--okta-auth oauth: the PEM `FILE` of the service app's private key (referenced, not copied)")
	f.BoolVar(&o.p.Probe, "probe", false, "probe the organisation's mail endpoints (TLS, ciphers, advertised password sign-in) from this machine")
	f.StringArrayVar(&o.p.ProbeHosts, "probe-host", nil, "probe this mail endpoint of the organisation's own too (on-premises or hybrid Exchange), `HOST:PORT[/PROTOCOL]`, besides Exchange Online's; repeatable, turns probing on")
	f.StringVar(&o.p.Resolver, "resolver", "", "ask this DNS server for the mail domains' records, `HOST[:PORT]` (default: the system's resolver)")
	f.StringVar(&o.p.OktaFactors, "okta-factors", "", oktaFactorsUsage)
	f.BoolVar(&o.secretStdin, "secret-stdin", false, "read the secrets from stdin, one line each (see above), instead of asking")
	return cmd
}

func (a *app) runProfileAdd(o *profileAddOptions) error {
	p := o.p
	p.SignIn, p.OktaAuth = profile.SignIn(o.signIn), profile.OktaAuth(o.oktaAuth)
	p, err := absPaths(p.Normalize())
	if err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		return err
	}
	store, err := profile.Open()
	if err != nil {
		return err
	}
	_, getErr := store.Get(p.Name)
	replaced := getErr == nil
	values, err := a.readSecrets(p, o.secretStdin)
	if err != nil {
		return err
	}
	if err := store.Save(p); err != nil {
		return err
	}
	verb := "Saved"
	if replaced {
		verb = "Replaced"
	}
	fmt.Fprintf(a.io.Out, "%s profile %s in %s\n", verb, p.Name, store.Path())
	secrets := profile.NewSecrets()
	if replaced {
		// Secrets the profile no longer uses (another sign-in method) go.
		used := map[profile.Kind]bool{}
		for _, n := range p.Secrets() {
			used[n.Kind] = true
		}
		for _, k := range profile.Kinds {
			if !used[k] {
				_ = secrets.Delete(p.Name, k)
			}
		}
	}
	for _, n := range p.Secrets() {
		v := values[n.Kind]
		err := secrets.Set(p.Name, n.Kind, v)
		var ke *profile.KeyringUnavailableError
		switch {
		case errors.As(err, &ke):
			fmt.Fprintf(a.io.ErrOut, "Warning: %v\n", err)
		case err != nil:
			return err
		case v == "":
			fmt.Fprintf(a.io.Out, "  %s: none\n", n.Kind.Describe())
		default:
			fmt.Fprintf(a.io.Out, "  %s: in the OS keyring (service %s, user %s/%s)\n", n.Kind.Describe(), profile.KeyringService, p.Name, n.Kind)
		}
	}
	a.log.Debug("profile saved", "profile", p.Name, "signIn", p.SignIn, "okta", p.OktaOrg != "")
	fmt.Fprintf(a.io.Out, "Use it: harden365 (the wizard), or harden365 assess --profile %s\n", p.Name)
	return nil
}

// readSecrets reads the profile's secrets: from stdin, one line each,
// with --secret-stdin; otherwise asked on the terminal without echo.
func (a *app) readSecrets(p profile.Profile, fromStdin bool) (map[profile.Kind]string, error) {
	needs := p.Secrets()
	out := map[profile.Kind]string{}
	if len(needs) == 0 {
		return out, nil
	}
	if fromStdin {
		r := bufio.NewReader(a.io.In)
		for i, n := range needs {
			line, err := r.ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("--secret-stdin: %w", err)
			}
			v := strings.TrimRight(line, "\r\n")
			if v == "" && !n.Optional {
				return nil, fmt.Errorf("--secret-stdin: expected the %s on line %d of stdin", n.Kind.Describe(), i+1)
			}
			out[n.Kind] = v
		}
		return out, nil
	}
	f, ok := a.io.In.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		var names []string
		for _, n := range needs {
			names = append(names, n.Kind.Describe())
		}
		return nil, fmt.Errorf("profile %s needs a secret (%s) and stdin is not a terminal: give it on stdin with --secret-stdin, one line each", p.Name, strings.Join(names, ", "))
	}
	for _, n := range needs {
		hint := ""
		if n.Optional {
			hint = " (empty if none)"
		}
		fmt.Fprintf(a.io.ErrOut, "%s for %s%s: ", capitalise(n.Kind.Describe()), p.Name, hint)
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(a.io.ErrOut)
		if err != nil {
			return nil, fmt.Errorf("reading the %s: %w", n.Kind.Describe(), err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" && !n.Optional {
			return nil, fmt.Errorf("no %s given", n.Kind.Describe())
		}
		out[n.Kind] = v
	}
	return out, nil
}

// absPaths makes the files a profile refers to absolute (expanding a
// leading ~/, which a form does not), so that it works from any directory.
func absPaths(p profile.Profile) (profile.Profile, error) {
	for _, path := range []*string{&p.CertificatePath, &p.OktaKeyPath} {
		if *path == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(*path, "~/"); ok {
			home, err := os.UserHomeDir()
			if err != nil {
				return p, err
			}
			*path = filepath.Join(home, rest)
		}
		abs, err := filepath.Abs(*path)
		if err != nil {
			return p, err
		}
		*path = abs
	}
	return p, nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func newProfileRemoveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a profile and its secrets from the OS keyring",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := profile.Open()
			if err != nil {
				return err
			}
			if err := store.Remove(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "Removed profile %s from %s\n", args[0], store.Path())
			if err := profile.NewSecrets().DeleteAll(args[0]); err != nil {
				fmt.Fprintf(a.io.ErrOut, "Warning: its secrets could not be removed from the keyring: %v\n", err)
			}
			return nil
		},
	}
}

// endpoints are where a profile's organisation is reached: Microsoft's
// public cloud and the profile's Okta org; tests point them at a
// simulator served over TLS.
type endpoints struct {
	authority string // Entra's sign-in host ("" = the public cloud)
	graph     string
	exchange  string
	okta      string // "" = the profile's Okta org
	dns       string // "" = the system resolver
	// probe dials the mail endpoints (nil: the network, trusting the
	// system's roots); tests point it at the simulator's listeners.
	probe *probe.Config
	http  *http.Client
	// testAuthority: the authority is not Microsoft's (skip instance
	// discovery).
	testAuthority bool
}

func microsoftCloud() endpoints {
	return endpoints{graph: "https://graph.microsoft.com", exchange: "https://outlook.office365.com"}
}

// profileConn opens a profile's organisation: the credential of its
// sign-in (not yet used), the Okta token, DNS with the system resolver,
// the mail endpoint probes when the profile or --probe asks for them.
// deviceCode receives device-code instructions (nil: they are written
// to stderr).
func (a *app) profileConn(ctx context.Context, p profile.Profile, secrets *profile.Secrets, ep endpoints, asOf time.Time, flags connFlags, deviceCode func(auth.DeviceCode)) (*connection, error) {
	var s auth.Secrets
	for _, n := range p.Secrets() {
		if n.Kind == profile.OktaToken {
			continue
		}
		v, src, err := secrets.Get(p.Name, n.Kind)
		if err != nil && !n.Optional {
			return nil, err
		}
		a.log.Debug("profile secret", "profile", p.Name, "kind", n.Kind, "from", src) // never the value
		switch n.Kind {
		case profile.ClientSecret:
			s.ClientSecret = v
		case profile.CertificatePassword:
			s.CertificatePassword = v
		}
	}
	cred, err := auth.Credential(p, s, auth.Options{AuthorityHost: ep.authority, HTTPClient: ep.http, DisableInstanceDiscovery: ep.testAuthority,
		Prompt: a.io.ErrOut, OnDeviceCode: deviceCode})
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = time.Now().UTC().Truncate(24 * time.Hour)
	}
	cfg := clients.Config{
		Source:   "profile:" + p.Name,
		GraphURL: ep.graph, ExchangeURL: ep.exchange,
		Credential: cred, HTTPClient: ep.http, AsOf: asOf,
		DNS: &dns.Config{Server: ep.dns},
	}
	// The admin API wants the tenant's GUID (a vanity domain may get a
	// 401): a domain is left for Discover to resolve through Graph.
	if profile.IsGUID(p.Tenant) {
		cfg.TenantID = strings.ToLower(p.Tenant)
	}
	if p.OktaOrg != "" {
		cfg.OktaURL = p.OktaOrg
		if ep.okta != "" {
			cfg.OktaURL = ep.okta
		}
		cfg.OktaAuthMode = p.OktaMode()
		switch p.OktaMode() {
		case "Bearer":
			key, err := auth.ReadOktaKey(p.OktaKeyPath, "")
			if err != nil {
				return nil, err
			}
			// Ask for the write scopes too (apply needs them); an app
			// granted only the reads gets a read-only token.
			org, scopes := cfg.OktaURL, append(append([]string{}, auth.OktaReadScopes...), auth.OktaWriteScopes...)
			tok, _, err := auth.OktaToken(ctx, org, p.OktaClientID, key, scopes, ep.http)
			var oe *auth.OktaError
			if errors.As(err, &oe) && oe.Code == "invalid_scope" {
				a.log.Debug("okta: the service app has no write scopes; asking for the read scopes only")
				scopes = auth.OktaReadScopes
				tok, _, err = auth.OktaToken(ctx, org, p.OktaClientID, key, scopes, ep.http)
			}
			if err != nil {
				return nil, fmt.Errorf("profile %s: %w", p.Name, err)
			}
			cfg.OktaToken = tok
			// The access token lives an hour: a long run gets a new one
			// when Okta refuses it.
			cfg.OktaRenew = func(ctx context.Context) (string, error) {
				tok, _, err := auth.OktaToken(ctx, org, p.OktaClientID, key, scopes, ep.http)
				return tok, err
			}
		default:
			tok, src, err := secrets.Get(p.Name, profile.OktaToken)
			if err != nil {
				return nil, err
			}
			a.log.Debug("profile secret", "profile", p.Name, "kind", profile.OktaToken, "from", src)
			cfg.OktaToken = tok
		}
	}
	cfg.OktaFactors = p.OktaFactors
	if flags.oktaFactors != "" {
		cfg.OktaFactors = flags.oktaFactors
	}
	if flags.resolver != "" {
		cfg.DNS.Server = flags.resolver
	} else if p.Resolver != "" {
		cfg.DNS.Server = p.Resolver
	}
	hosts := append(append([]string{}, p.ProbeHosts...), flags.probeHosts...)
	if p.Probing() || flags.probe || len(flags.probeHosts) > 0 {
		cfg.Probe = &probe.Config{}
		if ep.probe != nil {
			cfg.Probe = ep.probe
		}
		cfg.ProbeTargets = probe.DefaultTargets()
		for _, h := range hosts {
			t, err := probe.ParseTarget(h)
			if err != nil {
				return nil, fmt.Errorf("profile %s: probe host: %w", p.Name, err)
			}
			cfg.ProbeTargets = append(cfg.ProbeTargets, t)
		}
	}
	label := "profile " + p.Name + " (" + p.Tenant + ")"
	a.log.Debug("connecting with a profile", "profile", p.Name, "tenant", p.Tenant, "signIn", p.SignIn, "okta", cfg.OktaURL, "oktaFactors", cfg.OktaFactors,
		"probe", cfg.Probe != nil, "probeTargets", len(cfg.ProbeTargets), "resolver", cfg.DNS.Server)
	return &connection{cfg: cfg, label: label, name: p.Tenant, close: func() {}}, nil
}

// openProfile is --profile NAME of collect, assess, apply and rollback.
func (a *app) openProfile(ctx context.Context, t *target, asOf time.Time) (*connection, error) {
	store, err := profile.Open()
	if err != nil {
		return nil, err
	}
	p, err := store.Get(t.profile)
	if err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	return a.profileConn(ctx, p, profile.NewSecrets(), microsoftCloud(), asOf, t.connFlags, nil)
}

// connectOptions give the wizard's connect screen the profiles: listing,
// adding (secrets to the keyring), and opening one (signing in, then the
// backend of its organisation).
func (a *app) connectOptions(flags connFlags, o *wizardOptions) (*ui.ConnectOptions, error) {
	store, err := profile.Open()
	if err != nil {
		return nil, err
	}
	return a.connectOptionsWith(store, profile.NewSecrets(), microsoftCloud(), flags, o), nil
}

func (a *app) connectOptionsWith(store *profile.Store, secrets *profile.Secrets, ep endpoints, flags connFlags, o *wizardOptions) *ui.ConnectOptions {
	return &ui.ConnectOptions{
		List: store.List,
		Save: func(p profile.Profile, values map[profile.Kind]string) error {
			p, err := absPaths(p.Normalize())
			if err != nil {
				return err
			}
			if err := p.Check(); err != nil {
				return err
			}
			if err := store.Save(p); err != nil {
				return err
			}
			var keep error
			for _, n := range p.Secrets() {
				if err := secrets.Set(p.Name, n.Kind, values[n.Kind]); err != nil {
					var ke *profile.KeyringUnavailableError
					if !errors.As(err, &ke) {
						return err
					}
					keep = err
				}
			}
			return keep
		},
		Open: func(ctx context.Context, p profile.Profile, prompt func(ui.SignInPrompt)) (ui.Backend, string, time.Time, error) {
			onCode := func(d auth.DeviceCode) {
				if prompt != nil {
					prompt(ui.SignInPrompt{URL: d.VerificationURL, Code: d.UserCode, Message: d.Message})
				}
			}
			conn, err := a.profileConn(ctx, p, secrets, ep, time.Time{}, flags, onCode)
			if err != nil {
				return ui.Backend{}, "", time.Time{}, err
			}
			// Sign in now, on the connect screen, rather than in the
			// middle of discovery.
			if err := auth.SignIn(ctx, conn.cfg.Credential); err != nil {
				return ui.Backend{}, "", time.Time{}, err
			}
			b, err := a.wizardBackend(ctx, conn, &target{profile: p.Name}, o)
			if err != nil {
				return ui.Backend{}, "", time.Time{}, err
			}
			return b, conn.label, conn.cfg.AsOf, nil
		},
		Keyring: secrets.Available,
	}
}
