package cli

import (
	"encoding/json"
	"fmt"
	"net"
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
			srv := sim.New(sc, sim.Options{Latency: o.latency, PageSize: o.pageSize})
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
	serve.Flags().IntVar(&o.pageSize, "page-size", 0, "cap every service's page size at `N` (0: the services' own sizes)")
	cmd.AddCommand(serve)
	return cmd
}
