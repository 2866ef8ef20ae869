package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/textsafe"
)

type rollbackOptions struct {
	simURL   string
	profile  string
	scenario string
	journal  string
	out      string
	yes      bool
	quiet    bool
}

func newRollbackCmd(a *app) *cobra.Command {
	var o rollbackOptions
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Undo what an apply journal recorded, newest first, where reversible",
		Long: "Reads an apply journal and undoes every write it records as done, newest first, with the undo the plan\n" +
			"recorded (ids the services assigned filled in from the journal). Irreversible writes (revoked sessions)\n" +
			"are listed and skipped. The rollback is journalled itself.\n\n" +
			"Exit codes: 0 every reversible write was undone; 1 otherwise (the writes not undone are listed).",
		Example: "  harden365 rollback --sim http://127.0.0.1:PORT --journal harden365-journal-x-20260101T120000Z.jsonl --yes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runRollback(cmd.Context(), &o)
		},
	}
	cmd.Flags().StringVar(&o.simURL, "sim", "", "roll back on the running `harden365 sim serve` at `URL`")
	cmd.Flags().StringVar(&o.profile, "profile", "", "roll back on the organisation of connection profile `NAME`")
	cmd.Flags().StringVar(&o.scenario, "scenario", "", "not supported: a scenario's simulator lives only for one command")
	_ = cmd.Flags().MarkHidden("scenario")
	cmd.Flags().StringVar(&o.journal, "journal", "", "the apply journal `FILE` to undo")
	cmd.Flags().StringVar(&o.out, "rollback-journal", "", "journal the rollback to `FILE` (default: the apply journal's name + .rollback-<UTC time>.jsonl)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "confirm: change the organisation back")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print no progress")
	return cmd
}

func (a *app) runRollback(ctx context.Context, o *rollbackOptions) error {
	if o.journal == "" {
		return errors.New("--journal FILE is required: the journal an apply wrote")
	}
	if o.scenario != "" {
		return errors.New("--scenario: a scenario's simulator lives only for one command, so there is nothing to roll back there; roll back on the `harden365 sim serve` the apply wrote to, with --sim URL")
	}
	j, err := remediate.ReadJournalFile(o.journal)
	if err != nil {
		return err
	}
	for _, n := range j.Notes {
		a.say(o.quiet, "Note: %s\n", n)
	}
	if j.Header.Kind != remediate.KindApply {
		return fmt.Errorf("%s is a %s journal; only an apply journal can be rolled back", o.journal, j.Header.Kind)
	}
	if !o.yes {
		return fmt.Errorf("rollback changes the organisation: give --yes to undo the %d writes %s records as done", len(j.Done()), o.journal)
	}
	if o.simURL == "" && o.profile == "" {
		return errors.New("say where to roll back: --sim URL (or --profile NAME)")
	}
	t := target{simURL: o.simURL, profile: o.profile}
	conn, err := t.open(ctx, a, "")
	if err != nil {
		return err
	}
	defer conn.close()
	if err := resolveTenantID(ctx, conn); err != nil {
		return err
	}
	if want := j.Header.Tenant.ID; want != "" && conn.cfg.TenantID != "" && !strings.EqualFold(want, conn.cfg.TenantID) {
		return fmt.Errorf("the journal is of tenant %s (%s), but %s is tenant %s: refusing to roll back there",
			want, j.Header.Tenant.DisplayName, conn.label, conn.cfg.TenantID)
	}
	path := o.out
	if path == "" {
		path = defaultRollbackJournal(o.journal)
	}
	a.say(o.quiet, "Rolling back %d writes recorded in %s on %s; rollback journal: %s\n", len(j.Done())+len(j.InDoubt()), o.journal, conn.label, path)
	var mu sync.Mutex
	res, err := a.rollbackRun(ctx, conn, &t, j, o.journal, path, func(p remediate.Progress) { mu.Lock(); defer mu.Unlock(); a.progress(o.quiet, p) })
	var re *remediate.RollbackError
	if err != nil && !errors.As(err, &re) {
		return fmt.Errorf("%w (the rollback journal %s says how far it got)", err, path)
	}
	fmt.Fprintf(a.io.Out, "Undid %d writes on %s (rollback journal %s).\n", len(res.Undone), conn.label, path)
	if len(res.Restored) > 0 {
		fmt.Fprintf(a.io.Out, "Set back the old values of %d writes in doubt (their undo needs no id): %s\n", len(res.Restored), strings.Join(res.Restored, ", "))
	}
	if len(res.Irreversible) > 0 {
		fmt.Fprintf(a.io.Out, "Skipped %d irreversible writes:\n", len(res.Irreversible))
		for _, w := range res.Irreversible {
			fmt.Fprintf(a.io.Out, "  %s %s: %s\n", w.ID, textsafe.Terminal(w.Target), textsafe.Terminal(fmt.Sprint(w.Error)))
		}
	}
	if re != nil {
		fmt.Fprintf(a.io.Out, "Could not undo %d writes:\n", len(re.Failed)+len(re.InDoubt))
		for _, w := range append(append([]remediate.WriteError(nil), re.Failed...), re.InDoubt...) {
			fmt.Fprintf(a.io.Out, "  %s %s: %s\n", w.ID, textsafe.Terminal(w.Target), textsafe.Terminal(fmt.Sprint(w.Error)))
		}
		return re
	}
	return nil
}

// defaultRollbackJournal is the apply journal's name with
// .rollback-<UTC time>.jsonl.
func defaultRollbackJournal(journal string) string {
	return strings.TrimSuffix(journal, ".jsonl") + ".rollback-" + time.Now().UTC().Format("20060102T150405Z") + ".jsonl"
}

// rollbackRun undoes journal j (read from file) on conn, journalling the
// rollback to path (never overwritten): the rollback the CLI and the
// wizard share. A *remediate.RollbackError lists what could not be undone.
func (a *app) rollbackRun(ctx context.Context, conn *connection, t *target, j *remediate.Journal, file, path string, progress func(remediate.Progress)) (remediate.RollbackResult, error) {
	now, err := targetClock(ctx, t, conn)
	if err != nil {
		return remediate.RollbackResult{}, err
	}
	if _, err := os.Stat(path); err == nil {
		return remediate.RollbackResult{}, fmt.Errorf("rollback journal %s already exists: give --rollback-journal FILE", path)
	}
	if err := resolveTenantID(ctx, conn); err != nil {
		return remediate.RollbackResult{}, err
	}
	lf := &lazyFile{path: path}
	defer lf.Close()
	return remediate.Rollback(ctx, j, a.writerFor(ctx, conn), remediate.NewJournalWriter(lf, now), remediate.RollbackOptions{
		Now:      now,
		Progress: progress,
		Tool:     remediate.Tool{Name: "harden365", Version: version()},
		Target:   conn.label,
		File:     file,
	})
}

// resolveTenantID reads the tenant's id from Graph when the connection
// does not know it (a profile that names its tenant by a domain): the
// writers need it (it is in the Exchange admin API's URL), and the
// rollback checks the journal's tenant against it.
func resolveTenantID(ctx context.Context, conn *connection) error {
	if conn.cfg.TenantID != "" {
		return nil
	}
	t, err := graph.Organization(ctx, graph.Config{BaseURL: conn.cfg.GraphURL, Credential: conn.cfg.Credential,
		HTTPClient: conn.cfg.HTTPClient, AsOf: conn.cfg.AsOf})
	if err != nil {
		return fmt.Errorf("reading the tenant's id from Graph (the Exchange admin API needs it): %w", err)
	}
	conn.cfg.TenantID = t.ID
	return nil
}
