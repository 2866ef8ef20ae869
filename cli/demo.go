package cli

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/ui"
)

func newDemoCmd(a *app) *cobra.Command {
	var t target
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The wizard against a built-in simulated organisation (no account, no network)",
		Long: "Starts the simulator in-process on loopback and runs discovery against it with the real\n" +
			"Graph, Exchange and Okta clients. Default scenario: contoso.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if t.simURL == "" && t.profile == "" && t.scenario == "" {
				t.scenario = "contoso"
			}
			conn, err := t.open(cmd.Context(), a, "contoso")
			if err != nil {
				return err
			}
			defer conn.close()
			run := func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
				return clients.Discover(ctx, conn.cfg, func(ev collect.Event) {
					a.log.Debug("collect", "source", ev.Source, "kind", ev.Kind, "items", ev.Items, "wait", ev.Wait, "msg", ev.Message)
					sink(ev)
				})
			}
			model := ui.NewWizard(ui.Options{Mode: "demo", Org: conn.label, AsOf: conn.cfg.AsOf, Backend: ui.Backend{Discover: run, Version: version()}})
			p := tea.NewProgram(model, tea.WithContext(cmd.Context()), tea.WithInput(a.io.In), tea.WithOutput(a.io.Out))
			_, err = p.Run()
			return err
		},
	}
	t.flags(cmd)
	cmd.Flags().DurationVar(&t.latency, "latency", 150*time.Millisecond, "simulated network latency per request, as a real tenant has, so discovery can be watched (0 for none)")
	return cmd
}
