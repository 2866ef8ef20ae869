package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/sim"
)

func newScenariosCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in simulated organisations, one a line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range sim.Builtins() {
				sc, err := sim.Load(name)
				if err != nil {
					return fmt.Errorf("built-in scenario %s is broken: %w", name, err)
				}
				fmt.Fprintf(a.io.Out, "%-14s %s  %s\n", name, sc.AsOf().Format("2006-01-02"), sc.Description())
			}
			return nil
		},
	}
}
