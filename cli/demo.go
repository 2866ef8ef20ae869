package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/textsafe"
	"github.com/harden365/harden365/ui"
)

func newDemoCmd(a *app) *cobra.Command {
	var t target
	var o wizardOptions
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
			resume, err := o.readResume()
			if err != nil {
				return err
			}
			conn, err := t.open(cmd.Context(), a, "contoso")
			if err != nil {
				return err
			}
			defer conn.close()
			if resume != nil && resume.Snapshot != nil && conn.cfg.TenantID != "" && resume.Snapshot.Tenant.ID != "" &&
				!strings.EqualFold(resume.Snapshot.Tenant.ID, conn.cfg.TenantID) {
				return fmt.Errorf("--resume %s is a session of tenant %s (%s), but %s is tenant %s: give the scenario the session was made with",
					o.resume, resume.Snapshot.Tenant.ID, textsafe.Terminal(resume.Snapshot.Tenant.DisplayName), conn.label, conn.cfg.TenantID)
			}
			backend, err := a.wizardBackend(cmd.Context(), conn, &t, &o)
			if err != nil {
				return err
			}
			return a.runWizard(cmd.Context(), ui.Options{Mode: "demo", Org: conn.label, AsOf: conn.cfg.AsOf, Backend: backend,
				ReadOnly: o.readOnly, Resume: resume, ResumeFile: o.resume, SaveOnQuit: true}, "harden365 demo --scenario "+t.scenario)
		},
	}
	t.flags(cmd)
	o.flags(cmd.Flags())
	cmd.Flags().DurationVar(&t.latency, "latency", 150*time.Millisecond, "simulated network latency per request, as a real tenant has, so discovery can be watched (0 for none)")
	return cmd
}
