package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
)

// Exit codes of assess (CONTRACT.md).
const exitFindings = 3

var severityRank = map[string]int{assess.High: 3, assess.Medium: 2, assess.Low: 1, assess.SeverityInfo: 0}

type assessOptions struct {
	target   target
	snapshot string
	format   string
	out      string
	failOn   string
	choices  string
	plan     string
	quiet    bool
}

func newAssessCmd(a *app) *cobra.Command {
	var o assessOptions
	cmd := &cobra.Command{
		Use:   "assess",
		Short: "Headless assessment: findings, the access matrix and the mail-client inventory",
		Long: "Collects the organisation (or reads a snapshot), runs every check and evaluates the access matrix.\n\n" +
			"Exit codes: 0 done; 3 when a finding fails at or above --fail-on; 1 when the assessment could not run.\n" +
			"Sources that could not be collected do not stop it: the checks that need them say \"error\".",
		Example: "  harden365 assess --scenario whitepaper --format json\n" +
			"  harden365 assess --snapshot s.json --as-of 2026-11-22 --fail-on high",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAssess(cmd, &o)
		},
	}
	o.target.flags(cmd)
	cmd.Flags().StringVar(&o.snapshot, "snapshot", "", "assess a snapshot `FILE` written by collect, instead of collecting")
	cmd.Flags().StringVar(&o.format, "format", "text", "output `FORMAT`: json, text or md (the markdown handover report)")
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the result to `FILE` (default: standard output)")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "", "exit 3 when a finding fails at or above `SEVERITY` (high, medium or low)")
	cmd.Flags().StringVar(&o.choices, "choices", "", "operator choices `FILE` (JSON: exceptions, break-glass accounts, ...)")
	cmd.Flags().StringVar(&o.plan, "plan", "", "add the plan and the after-matrix for `STEPS` (all or A,B,...)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print no collection progress")
	return cmd
}

func (a *app) runAssess(cmd *cobra.Command, o *assessOptions) error {
	switch o.format {
	case "json", "text", "md":
	default:
		return fmt.Errorf("--format %q: expected md, json or text", o.format)
	}
	if o.failOn != "" {
		if _, ok := severityRank[o.failOn]; !ok || o.failOn == assess.SeverityInfo {
			return fmt.Errorf("--fail-on %q: expected high, medium or low", o.failOn)
		}
	}
	choices, err := readChoices(o.choices)
	if err != nil {
		return err
	}
	var steps []string
	if o.plan != "" {
		if steps, err = remediate.ParseSteps([]string{o.plan}); err != nil {
			return fmt.Errorf("--plan: %w", err)
		}
	}

	var snap *tenant.Snapshot
	if o.snapshot != "" {
		if o.target.scenario != "" || o.target.simURL != "" || o.target.profile != "" {
			return errors.New("give either --snapshot or one of --scenario, --sim and --profile")
		}
		data, err := os.ReadFile(o.snapshot)
		if err != nil {
			return fmt.Errorf("--snapshot: %w", err)
		}
		snap, err = tenant.Decode(data)
		if err != nil {
			return fmt.Errorf("--snapshot %s: %w", o.snapshot, err)
		}
		if o.target.asOf != "" {
			d, err := time.Parse(time.DateOnly, o.target.asOf)
			if err != nil {
				return fmt.Errorf("--as-of %q: expected a date YYYY-MM-DD", o.target.asOf)
			}
			snap.AsOf = d
		}
	} else {
		snap, err = a.discover(cmd.Context(), &o.target, o.quiet)
		if err != nil {
			return err
		}
	}

	findings, clients := assess.RunWithInventory(snap, choices.AssessOptions())
	in := report.Input{
		Version:  version(),
		Snapshot: snap,
		Findings: findings,
		Before:   matrix.Evaluate(snap),
		Clients:  clients,
		Choices:  choices,
	}
	if steps != nil {
		// The preview's writes are stamped at the date judged, so the same
		// snapshot always gives the same plan.
		plan, err := remediate.NewPlan(snap, steps, choices, snap.AsOf)
		if err != nil {
			return fmt.Errorf("--plan: %w", err)
		}
		out := plan.Outcome(snap, remediate.Base{Findings: findings, Inventory: clients, Matrix: in.Before})
		in.After, in.Plan, in.Risks = out.After, out.Entries, out.Risks
		in.Planned = plan
	}
	res := report.Build(in)
	var out []byte
	if o.format == "json" {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
		out = buf.Bytes()
	} else if o.format == "md" {
		out = []byte(report.Markdown(in))
	} else {
		out = []byte(renderText(res))
	}
	if o.out != "" {
		if err := writeFileAtomic(o.out, out); err != nil {
			return err
		}
	} else if _, err := a.io.Out.Write(out); err != nil {
		return err
	}

	if o.failOn != "" {
		var failed []string
		for _, f := range findings {
			if f.Status == assess.Fail && severityRank[f.Severity] >= severityRank[o.failOn] {
				failed = append(failed, f.ID)
			}
		}
		if len(failed) > 0 {
			return &ExitError{Code: exitFindings, Err: fmt.Errorf("%d finding(s) failed at or above %s: %s", len(failed), o.failOn, strings.Join(failed, ", "))}
		}
	}
	return nil
}

// readChoices reads the operator-choices file (CONTRACT.md); no file
// gives the defaults.
func readChoices(path string) (remediate.Choices, error) {
	if path == "" {
		return remediate.DefaultChoices(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return remediate.Choices{}, fmt.Errorf("--choices: %w", err)
	}
	c, err := remediate.ParseChoices(data)
	if err != nil {
		return remediate.Choices{}, fmt.Errorf("--choices %s: %w", path, err)
	}
	return c, nil
}
