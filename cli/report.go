package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
)

type reportOptions struct {
	session string
	journal string
	out     string
}

func newReportCmd(a *app) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report",
		Short: "The markdown handover report of a saved session",
		Long: "Reads a session (the organisation as collected, the operator's choices, the plan and, once applied, its journal),\n" +
			"judges the organisation again with this version's checks and writes the markdown handover report:\n" +
			"findings, the access matrix before and after, who loses which mail client, the changes applied and not applied,\n" +
			"what is left to do by hand, how to undo it, the manual checklist and the evidence.\n\n" +
			"The session's journal is looked for next to the session file unless --journal names it.",
		Example: "  harden365 report --session engagement.json --out handover.md\n" +
			"  harden365 assess --scenario whitepaper --plan all --format md",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runReport(&o)
		},
	}
	cmd.Flags().StringVar(&o.session, "session", "", "the session `FILE` to report on (required)")
	cmd.Flags().StringVar(&o.journal, "journal", "", "the apply journal `FILE` (default: the one the session names, next to the session file)")
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the report to `FILE` (default: standard output)")
	return cmd
}

func (a *app) runReport(o *reportOptions) error {
	if o.session == "" {
		return errors.New("--session FILE is required: the session to report on (for a live organisation: harden365 assess --format md)")
	}
	data, err := os.ReadFile(o.session)
	if err != nil {
		return fmt.Errorf("--session: %w", err)
	}
	s, err := report.DecodeSession(data)
	if err != nil {
		return fmt.Errorf("--session %s: %w", o.session, err)
	}
	applied, err := sessionApplied(s, o.session, o.journal)
	if err != nil {
		return err
	}
	in, err := report.FromSession(version(), s, applied)
	if err != nil {
		return fmt.Errorf("--session %s: %w", o.session, err)
	}
	out := []byte(report.Markdown(in))
	if o.out != "" {
		return writeFileAtomic(o.out, out)
	}
	_, err = a.io.Out.Write(out)
	return err
}

// sessionApplied reads the apply journal a session names (or the one
// given), resolved against the session file's folder, and turns it into
// what the report shows. No journal: nil.
func sessionApplied(s *report.Session, sessionFile, override string) (*report.Applied, error) {
	name, path := s.Journal, s.Journal
	switch {
	case override != "":
		name, path = override, override
	case path == "":
		return nil, nil
	case !filepath.IsAbs(path):
		path = filepath.Join(filepath.Dir(sessionFile), path)
	}
	j, err := remediate.ReadJournalFile(path)
	if err != nil {
		if override == "" && errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the session names the journal %s, which is not at %s: give its place with --journal FILE", s.Journal, path)
		}
		return nil, err
	}
	if j.Header.Kind != "" && j.Header.Kind != remediate.KindApply {
		return nil, fmt.Errorf("journal %s is a %s journal; the report needs the apply journal", path, j.Header.Kind)
	}
	if want, got := s.Snapshot.Tenant.ID, j.Header.Tenant.ID; want != "" && got != "" && want != got {
		return nil, fmt.Errorf("journal %s is of tenant %s, the session of tenant %s: not the same organisation", path, got, want)
	}
	return report.AppliedFromJournal(j, name, s.Verification), nil
}
