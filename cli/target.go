package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/dns"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/sim"
)

// target is where a command collects from: a built-in or file scenario
// (an in-process simulator on loopback), a running simulator, or a
// profile.
type target struct {
	scenario string
	simURL   string
	profile  string
	asOf     string
	// latency is added to every simulated request (scenario mode only).
	latency time.Duration
	// connFlags: what a profile's connection takes besides the profile
	// (--probe, --okta-factors, --probe-host, --resolver); scenarios and
	// simulators take only the Okta factors mode.
	connFlags
}

func (t *target) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.scenario, "scenario", "", "simulate a built-in scenario `NAME` or a scenario FILE (see `harden365 scenarios`)")
	cmd.Flags().StringVar(&t.simURL, "sim", "", "collect from a running `harden365 sim serve` at `URL`")
	cmd.Flags().StringVar(&t.profile, "profile", "", "collect from the organisation of connection profile `NAME`")
	cmd.Flags().StringVar(&t.asOf, "as-of", "", "judge the organisation as of `YYYY-MM-DD` (default: the scenario's date, or today)")
	cmd.Flags().BoolVar(&t.probe, "probe", false, "with --profile: probe the organisation's mail endpoints (TLS, ciphers, advertised password sign-in) from this machine (scenarios are always probed)")
	cmd.Flags().StringVar(&t.oktaFactors, "okta-factors", "", oktaFactorsUsage)
	connFlagsOf(cmd.Flags(), &t.probeHosts, &t.resolver, "with --profile: ")
}

// connFlagsOf declares --probe-host and --resolver, which only a profile's
// organisation takes (a scenario's endpoints and DNS are its own).
func connFlagsOf(f *pflag.FlagSet, hosts *[]string, resolver *string, prefix string) {
	f.StringArrayVar(hosts, "probe-host", nil, prefix+"probe this mail endpoint of the organisation's own too (on-premises or hybrid Exchange), `HOST:PORT[/PROTOCOL]`, besides Exchange Online's and the profile's; repeatable, turns probing on")
	f.StringVar(resolver, "resolver", "", prefix+"ask this DNS server for the mail domains' records, `HOST[:PORT]` (default: the profile's, else the system's resolver)")
}

// checkConnFlags refuses what a connection cannot take: a malformed
// --probe-host or --resolver, or either without a profile.
func checkConnFlags(f connFlags, profileGiven bool) error {
	if !profileGiven && (len(f.probeHosts) > 0 || f.resolver != "") {
		return errors.New("--probe-host and --resolver are for --profile: a scenario or simulator serves its own endpoints and DNS")
	}
	for _, h := range f.probeHosts {
		if _, err := probe.ParseTarget(h); err != nil {
			return fmt.Errorf("--probe-host: %w", err)
		}
	}
	if f.resolver != "" {
		if err := profile.CheckResolver(f.resolver); err != nil {
			return fmt.Errorf("--resolver: %w", err)
		}
	}
	return nil
}

// oktaFactorsUsage describes --okta-factors.
const oktaFactorsUsage = "read each Okta user's enrolled factors (one request per user; evidence only): `MODE` auto (when the org has at most 2,000 Okta users; default), all or none"

// connFlags are the command-line settings a connection takes besides the
// profile's own.
type connFlags struct {
	probe bool
	// oktaFactors overrides the profile's OktaFactors when set.
	oktaFactors string
	// probeHosts are probed besides the profile's own (--probe-host);
	// resolver overrides the profile's (--resolver).
	probeHosts []string
	resolver   string
}

// connection is an opened target.
type connection struct {
	cfg   clients.Config
	label string // what the user sees: "scenario contoso", "simulator http://..."
	name  string // organisation or scenario name
	close func()
}

func (t *target) open(ctx context.Context, a *app, defaultScenario string) (*connection, error) {
	n := 0
	for _, s := range []string{t.scenario, t.simURL, t.profile} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, errors.New("give only one of --scenario, --sim and --profile")
	}
	if err := profile.CheckOktaFactors(t.oktaFactors); err != nil {
		return nil, fmt.Errorf("--okta-factors: %w", err)
	}
	if err := checkConnFlags(t.connFlags, t.profile != ""); err != nil {
		return nil, err
	}
	if n == 0 {
		if defaultScenario == "" {
			return nil, errors.New("say what to collect from: --scenario NAME|FILE, --sim URL or --profile NAME")
		}
		t.scenario = defaultScenario
	}
	var asOf time.Time
	if t.asOf != "" {
		d, err := time.Parse("2006-01-02", t.asOf)
		if err != nil {
			return nil, fmt.Errorf("--as-of %q: expected a date YYYY-MM-DD", t.asOf)
		}
		asOf = d
	}
	switch {
	case t.profile != "":
		return a.openProfile(ctx, t, asOf)
	case t.simURL != "":
		info, err := simInfo(ctx, t.simURL)
		if err != nil {
			return nil, err
		}
		if asOf.IsZero() {
			asOf = info.asOf
		}
		cfg := clients.SimConfig(t.simURL, asOf)
		cfg.TenantID = info.tenantID
		cfg.OktaFactors = t.oktaFactors
		if info.dns != "" {
			cfg.DNS = &dns.Config{Server: info.dns}
		}
		if err := simProbes(&cfg, info.endpoints); err != nil {
			return nil, err
		}
		a.log.Debug("collecting from a running simulator", "url", t.simURL, "scenario", info.name)
		return &connection{cfg: cfg, label: "simulator " + t.simURL, name: info.name, close: func() {}}, nil
	default:
		sc, err := sim.Load(t.scenario)
		if err != nil {
			return nil, err
		}
		faults, err := sim.FaultsOf(sc)
		if err != nil {
			return nil, err
		}
		srv := sim.New(sc, sim.Options{Latency: t.latency, Faults: faults})
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		dnsAddr, err := srv.StartDNS("127.0.0.1:0")
		if err != nil {
			srv.Close()
			return nil, err
		}
		if asOf.IsZero() {
			asOf = sc.AsOf()
		}
		cfg := clients.SimConfig(url, asOf)
		cfg.DNS = &dns.Config{Server: dnsAddr}
		cfg.OktaFactors = t.oktaFactors
		addrs, err := srv.StartEndpoints()
		if err != nil {
			srv.Close()
			return nil, err
		}
		eps, err := srv.Endpoints()
		if err != nil {
			srv.Close()
			return nil, err
		}
		var list []simEndpoint
		for _, e := range eps {
			list = append(list, simEndpoint{Host: e.Host, Port: e.Port, Protocol: e.Protocol, Addr: addrs[e.Key()]})
		}
		if err := simProbes(&cfg, list); err != nil {
			srv.Close()
			return nil, err
		}
		cfg.Source = "scenario:" + sc.Name()
		cfg.TenantID = sc.TenantID()
		a.log.Debug("simulating scenario", "scenario", sc.Name(), "file", sc.File, "url", url)
		return &connection{cfg: cfg, label: "scenario " + sc.Name(), name: sc.Name(), close: func() { srv.Close() }}, nil
	}
}

// simEndpoint is one simulated mail endpoint and the loopback listener
// playing it.
type simEndpoint struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	Addr     string `json:"addr"`
}

// simProbes points the probes at the simulator's endpoint listeners, and
// trusts the simulator's root certificates as a real organisation's public
// ones; probing is always on in scenarios.
func simProbes(cfg *clients.Config, eps []simEndpoint) error {
	if len(eps) == 0 {
		return nil
	}
	roots, err := sim.EndpointRoots()
	if err != nil {
		return err
	}
	m := map[string]string{}
	for _, e := range eps {
		key := net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
		m[key] = e.Addr
		cfg.ProbeTargets = append(cfg.ProbeTargets, probe.Target{Host: e.Host, Port: e.Port, Protocol: e.Protocol})
	}
	cfg.Probe = &probe.Config{Dial: probe.MapDialer(m, nil), Roots: roots}
	return nil
}

type simInfoResult struct {
	name, tenantID, dns string
	endpoints           []simEndpoint
	asOf                time.Time
}

func simInfo(ctx context.Context, url string) (simInfoResult, error) {
	url = strings.TrimRight(url, "/")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/_sim/info", nil)
	if err != nil {
		return simInfoResult{}, fmt.Errorf("--sim %q: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return simInfoResult{}, fmt.Errorf("--sim %s: no simulator answers there (%v); start one with `harden365 sim serve --scenario NAME`", url, err)
	}
	defer resp.Body.Close()
	var info struct {
		Name, TenantID, AsOf, DNS string
		Endpoints                 []simEndpoint
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&info) != nil {
		return simInfoResult{}, fmt.Errorf("--sim %s: that is not a harden365 simulator (GET /_sim/info answered %s)", url, resp.Status)
	}
	d, err := time.Parse("2006-01-02", info.AsOf)
	if err != nil {
		return simInfoResult{}, fmt.Errorf("--sim %s: the simulator's asOf %q is not a date", url, info.AsOf)
	}
	return simInfoResult{name: info.Name, tenantID: info.TenantID, dns: info.DNS, endpoints: info.Endpoints, asOf: d}, nil
}
