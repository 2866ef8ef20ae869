// Package cli holds harden365's commands (cobra, rendered by fang). Each
// command parses its flags into an options struct and hands it to a run
// function with injected I/O, so tests can drive it without globals.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/profile"
)

// Version is set at build time (-ldflags "-X .../cli.Version=v1.2.3").
var Version = ""

// IO is where a command reads and writes; tests replace it.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// app is what every command shares: its streams and the debug log.
type app struct {
	io       IO
	debug    string
	log      *slog.Logger
	closeLog func()
}

// ExitError carries a specific exit code (CONTRACT.md) out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// NewRoot builds the command tree.
func NewRoot(streams IO) *cobra.Command {
	a := &app{io: streams, log: slog.New(slog.DiscardHandler), closeLog: func() {}}
	var wo wizardOptions
	var flags connFlags
	root := &cobra.Command{
		Use:   "harden365",
		Short: "Find every way to read an organisation's Exchange Online mail with a password alone, and close them",
		Long: "harden365 collects an organisation's Microsoft 365 (Exchange Online, Entra ID) and Okta settings,\n" +
			"shows who can read mail with a password alone, previews fixes and applies them in a safe order.\n\n" +
			"Try it without an account: harden365 demo",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.openDebugLog(cmd)
		},
		PersistentPostRun: func(cmd *cobra.Command, args []string) { a.closeLog() },
		Args:              cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := profile.CheckOktaFactors(flags.oktaFactors); err != nil {
				return fmt.Errorf("--okta-factors: %w", err)
			}
			if err := checkConnFlags(flags, true); err != nil {
				return err
			}
			return a.runConnectWizard(cmd.Context(), &wo, flags)
		},
	}
	wo.flags(root.Flags())
	root.Flags().StringVar(&flags.oktaFactors, "okta-factors", "", oktaFactorsUsage+", whatever the profile says")
	root.Flags().BoolVar(&flags.probe, "probe", false, "probe the organisation's mail endpoints (TLS, ciphers, advertised password sign-in) from this machine, whatever the profile says")
	connFlagsOf(root.Flags(), &flags.probeHosts, &flags.resolver, "")
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.PersistentFlags().StringVar(&a.debug, "debug", "", "write a debug log to `FILE` (never to the screen)")
	root.AddCommand(newScenariosCmd(a), newSimCmd(a), newCollectCmd(a), newAssessCmd(a), newDemoCmd(a), newApplyCmd(a), newRollbackCmd(a))
	root.AddCommand(newReportCmd(a))
	root.AddCommand(newProfileCmd(a))
	plainUsages(root)
	return root
}

// plainUsages drops the backticks of the flags' usages. They name cobra's
// placeholder (`FILE`), which fang's help does not show: it printed them
// as they are ("Write a debug log to `FILE`").
func plainUsages(c *cobra.Command) {
	strip := func(f *pflag.Flag) { f.Usage = strings.ReplaceAll(f.Usage, "`", "") }
	c.Flags().VisitAll(strip)
	c.PersistentFlags().VisitAll(strip)
	for _, sub := range c.Commands() {
		plainUsages(sub)
	}
}

func (a *app) openDebugLog(cmd *cobra.Command) error {
	if a.debug == "" {
		return nil
	}
	f, err := os.OpenFile(a.debug, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("--debug: %w", err)
	}
	a.log = slog.New(newDebugHandler(f))
	a.closeLog = func() { f.Close() }
	// The command and the flags it was given, from cobra rather than
	// os.Args (which is the test binary's when run in-process). No flag
	// carries a secret: secrets come from the keyring, stdin or env.
	var set []string
	cmd.Flags().Visit(func(f *pflag.Flag) { set = append(set, "--"+f.Name+"="+f.Value.String()) })
	a.log.Debug("harden365 starting", "version", version(), "command", cmd.CommandPath(), "flags", set)
	return nil
}

// logCollect puts a collection event in the debug log, with the error of
// a source that failed.
func (a *app) logCollect(ev collect.Event) {
	attrs := []any{"source", ev.Source, "kind", ev.Kind, "items", ev.Items, "pages", ev.Pages}
	if ev.Wait > 0 {
		attrs = append(attrs, "wait", ev.Wait)
	}
	if ev.Message != "" {
		attrs = append(attrs, "message", ev.Message)
	}
	if ev.Status != nil && ev.Status.Error != "" {
		attrs = append(attrs, "state", ev.Status.State, "error", ev.Status.Error)
	}
	a.log.Debug("collect", attrs...)
}

func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// errorHandler is fang's, but prints the error as written: fang's
// title-cases its first word, which turned "--okta-factors:" into
// "--Okta-Factors:" and a tenant's domain into "Contoso.Onmicrosoft.Com:".
func errorHandler(w io.Writer, styles fang.Styles, err error) {
	styles.ErrorText = styles.ErrorText.UnsetTransform()
	fang.DefaultErrorHandler(w, styles, err)
}

// Main runs harden365 and returns the process exit code.
func Main(ctx context.Context, args []string, streams IO) int {
	root := NewRoot(streams)
	root.SetArgs(args)
	err := fang.Execute(ctx, root, fang.WithVersion(version()), fang.WithNotifySignal(os.Interrupt), fang.WithErrorHandler(errorHandler))
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 1
}
