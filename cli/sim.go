package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/sim"
)

func newSimCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the simulated organisation",
	}
	var o struct {
		scenario, addr string
		latency        time.Duration
		pageSize       int
		faults         string
	}
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve a scenario's Graph, Exchange admin and Okta APIs on loopback until interrupted",
		Long: "Serves every simulated HTTP API under one base URL and prints, as the first line of stdout,\n" +
			`{"url": "http://127.0.0.1:PORT", "dns": "127.0.0.1:PORT", "endpoints": {"host:port": "127.0.0.1:PORT"}}` + "\n\nPoint other commands at it with --sim URL; GET /_sim/state shows the organisation's current state.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.scenario == "" {
				return fmt.Errorf("--scenario is required (built-ins: %v, or a file)", sim.Builtins())
			}
			sc, err := sim.Load(o.scenario)
			if err != nil {
				return err
			}
			faults, err := sim.FaultsOf(sc)
			if err != nil {
				return err
			}
			if o.faults != "" {
				data, err := os.ReadFile(o.faults)
				if err != nil {
					return fmt.Errorf("--faults: %w", err)
				}
				if faults, err = sim.ParseFaults(data); err != nil {
					return fmt.Errorf("--faults %s: %w", o.faults, err)
				}
			}
			srv := sim.New(sc, sim.Options{Latency: o.latency, PageSize: o.pageSize, Faults: faults})
			url, err := srv.Start(o.addr)
			if err != nil {
				return err
			}
			defer srv.Close()
			host, _, _ := net.SplitHostPort(o.addr)
			if host == "" {
				host = "127.0.0.1"
			}
			dnsAddr, err := srv.StartDNS(net.JoinHostPort(host, "0"))
			if err != nil {
				return err
			}
			endpoints, err := srv.StartEndpoints()
			if err != nil {
				return err
			}
			line, _ := json.Marshal(map[string]any{"url": url, "dns": dnsAddr, "endpoints": endpoints})
			fmt.Fprintln(a.io.Out, string(line))
			a.log.Info("simulator serving", "scenario", sc.Name(), "url", url)
			<-cmd.Context().Done()
			return nil
		},
	}
	serve.Flags().StringVar(&o.scenario, "scenario", "", "built-in scenario `NAME` or scenario FILE")
	serve.Flags().StringVar(&o.addr, "addr", "127.0.0.1:0", "listen on `ADDR` (loopback)")
	serve.Flags().DurationVar(&o.latency, "latency", 0, "add `DUR` of latency to every request (e.g. 50ms)")
	serve.Flags().StringVar(&o.faults, "faults", "", "inject the fault profile in `FILE` (JSON; see CONTRACT.md \"Fault profiles\"), over the scenario's own \"faults\"")
	serve.Flags().IntVar(&o.pageSize, "page-size", 0, "cap every service's page size at `N` (0: the services' own sizes)")
	cmd.AddCommand(serve, newSimGenerateCmd(a))
	return cmd
}

// newSimGenerateCmd is `sim generate`: a large, realistic, deterministic
// scenario file (sim.Generate).
func newSimGenerateCmd(a *app) *cobra.Command {
	var o struct {
		mailboxes int
		seed      int64
		out       string
	}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a large, realistic, deterministic scenario (same --mailboxes and --seed, same bytes)",
		Long: "Generates an organisation of --mailboxes mailboxes: several mail domains (most federated to Okta, one managed),\n" +
			"mostly hardened protocol switches with a realistic tail open, authentication policies, Okta groups and the\n" +
			"Office 365 app's rules, users with factors, 30 days of sign-ins (mostly modern, a tail of legacy clients),\n" +
			"client usage, mobile devices, DNS records and mail endpoints. Serve it with: harden365 sim serve --scenario FILE.",
		Example: "  harden365 sim generate --mailboxes 100000 --seed 1 --out big.json\n" +
			"  harden365 sim serve --scenario big.json --latency 50ms",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return fmt.Errorf("--out FILE is required (use - for standard output)")
			}
			if o.mailboxes < 1 {
				return fmt.Errorf("--mailboxes N is required (at least 1)")
			}
			data, err := sim.Generate(o.mailboxes, o.seed)
			if err != nil {
				return err
			}
			if o.out == "-" {
				_, err = a.io.Out.Write(data)
				return err
			}
			if err := writeFileAtomic(o.out, data); err != nil {
				return err
			}
			fmt.Fprintf(a.io.ErrOut, "Wrote %s: %d mailboxes (seed %d), %.1f MB\n", o.out, o.mailboxes, o.seed, float64(len(data))/1e6)
			return nil
		},
	}
	cmd.Flags().IntVar(&o.mailboxes, "mailboxes", 0, "number of `N` mailboxes")
	cmd.Flags().Int64Var(&o.seed, "seed", 1, "random `SEED` (same seed, same file)")
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the scenario to `FILE` (- for standard output)")
	return cmd
}
