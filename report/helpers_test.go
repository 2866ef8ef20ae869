package report

import (
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/dns"
	"github.com/harden365/harden365/clients/probe"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/")

// collect serves sc (through the real simulator, its DNS and its mail
// endpoints) and collects it with the real clients, as `assess
// --scenario` does. The collection's own time and source are fixed, so
// that reports of the snapshot are the same on every run.
func collect(t *testing.T, sc *sim.Scenario) *tenant.Snapshot {
	t.Helper()
	srv := sim.New(sc, sim.Options{})
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dnsAddr, err := srv.StartDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := clients.SimConfig(url, sc.AsOf())
	cfg.TenantID = sc.TenantID()
	cfg.DNS = &dns.Config{Server: dnsAddr}
	addrs, err := srv.StartEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	eps, err := srv.Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) > 0 {
		roots, err := sim.EndpointRoots()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, e := range eps {
			m[net.JoinHostPort(e.Host, strconv.Itoa(e.Port))] = addrs[e.Key()]
			cfg.ProbeTargets = append(cfg.ProbeTargets, probe.Target{Host: e.Host, Port: e.Port, Protocol: e.Protocol})
		}
		cfg.Probe = &probe.Config{Dial: probe.MapDialer(m, nil), Roots: roots}
	}
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap.CollectedAt = sc.AsOf().Add(9 * time.Hour)
	snap.Source = "scenario:" + sc.Name()
	return snap
}

// collectBuiltin collects a built-in scenario.
func collectBuiltin(t *testing.T, name string) *tenant.Snapshot {
	t.Helper()
	sc, err := sim.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, sc)
}

// serveBuiltin is the plain pipeline of the brief, for tests that need
// only the APIs.
func serveBuiltin(t *testing.T, name string) *tenant.Snapshot {
	t.Helper()
	srv := simtest.ServeBuiltin(t, name, sim.Options{})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap.CollectedAt = srv.Scenario().AsOf().Add(9 * time.Hour)
	snap.Source = "scenario:" + name
	return snap
}

// choicesFor are the operator's choices of the golden reports' plans.
func choicesFor(t *testing.T, scenario string) remediate.Choices {
	t.Helper()
	var data string
	switch scenario {
	case "whitepaper":
		data = `{"exceptions": {"users": ["jira@mijndomein.nl"], "oktaGroup": "Service accounts"}, "zones": ["Office egress"]}`
	case "contoso":
		data = `{"exceptions": {"users": ["scanner@contoso.com"], "oktaGroup": "O365 legacy exceptions"}, "zones": ["Office egress"]}`
	default:
		return remediate.DefaultChoices()
	}
	c, err := remediate.ParseChoices([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the report rendered now (go test ./report -update rewrites it):\n%s", path, firstDiff(string(want), got))
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := splitLines(a), splitLines(b)
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return "(same lines)"
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}
