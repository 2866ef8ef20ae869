package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/ui"
)

// wizardOptions are the flags the wizard shares between `harden365` and
// `harden365 demo`.
type wizardOptions struct {
	readOnly bool
	resume   string
}

func (o *wizardOptions) flags(fs interface {
	BoolVar(*bool, string, bool, string)
	StringVar(*string, string, string, string)
}) {
	fs.BoolVar(&o.readOnly, "read-only", false, "assess and plan only: the wizard makes no change at all (no apply, no rollback)")
	fs.StringVar(&o.resume, "resume", "", "continue the saved session `FILE` (written when you quit the wizard) instead of discovering again")
}

// readResume reads the session to resume, if any.
func (o *wizardOptions) readResume() (*report.Session, error) {
	if o.resume == "" {
		return nil, nil
	}
	data, err := os.ReadFile(o.resume)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	s, err := report.DecodeSession(data)
	if err != nil {
		return nil, fmt.Errorf("--resume %s: %w", o.resume, err)
	}
	return s, nil
}

// wizardBackend is what the wizard does through the CLI: collect, apply,
// roll back and save, against an opened connection.
func (a *app) wizardBackend(ctx context.Context, conn *connection, t *target, o *wizardOptions) (ui.Backend, error) {
	now, err := targetClock(ctx, t, conn)
	if err != nil {
		return ui.Backend{}, err
	}
	b := ui.Backend{
		Version: version(),
		Now:     now,
		Discover: func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
			return clients.Discover(ctx, conn.cfg, func(ev collect.Event) {
				a.logCollect(ev)
				sink(ev)
			})
		},
		SaveReport: func(markdown string) (string, error) {
			return saveNew("harden365-report-"+tenantSlug(nil, conn), ".md", []byte(markdown))
		},
		SaveSession: func(s *report.Session) (string, error) {
			data, err := report.EncodeSession(s)
			if err != nil {
				return "", err
			}
			if o.resume != "" {
				// Continuing a session saves it where it came from.
				return o.resume, writeFileAtomic(o.resume, data)
			}
			return saveNew("harden365-session-"+tenantSlug(s.Snapshot, conn), ".json", data)
		},
	}
	if o.readOnly {
		return b, nil
	}
	b.Apply = func(ctx context.Context, req ui.ApplyRequest, progress func(ui.ApplyEvent)) ui.ApplyOutcome {
		return a.wizardApply(ctx, conn, t, o, req, progress)
	}
	b.Rollback = func(ctx context.Context, journal string, progress func(ui.ApplyEvent)) ui.RollbackOutcome {
		return a.wizardRollback(ctx, conn, t, journal, progress)
	}
	return b, nil
}

func (a *app) wizardApply(ctx context.Context, conn *connection, t *target, o *wizardOptions, req ui.ApplyRequest, progress func(ui.ApplyEvent)) ui.ApplyOutcome {
	var mu sync.Mutex
	emit := func(ev ui.ApplyEvent) { mu.Lock(); defer mu.Unlock(); progress(ev) }
	collectQuiet := func(ctx context.Context) (*tenant.Snapshot, error) {
		return clients.Discover(ctx, conn.cfg, func(ev collect.Event) {
			a.logCollect(ev)
			if ev.Kind == collect.Waiting {
				emit(ui.ApplyEvent{Message: fmt.Sprintf("%s: %s, retrying in %s", ev.Source, ev.Message, ev.Wait.Round(100*time.Millisecond))})
			}
		})
	}
	emit(ui.ApplyEvent{Phase: ui.ApplyCollecting, Message: "collecting the organisation again before writing"})
	run, err := a.applyRun(ctx, conn, t, applyRequest{
		steps: req.Steps, choices: req.Choices, allowLockoutRisk: req.AllowLockoutRisk,
		previewed: req.Previewed,
		collect:   collectQuiet,
		say: func(format string, args ...any) {
			emit(ui.ApplyEvent{Message: strings.TrimSpace(fmt.Sprintf(format, args...))})
		},
		confirm: func(w tenant.Write) bool {
			// The typed confirmation listed every checkpoint and confirmed it.
			a.log.Info("checkpoint confirmed in the wizard", "write", w.ID, "checkpoint", w.Checkpoint)
			return true
		},
		progress: func(p remediate.Progress) {
			a.log.Debug("write", "phase", p.Phase, "id", p.Write.ID, "op", p.Write.Operation, "target", p.Write.Target, "error", p.Error)
			emit(ui.ApplyEvent{Phase: ui.ApplyWriting, Progress: &p})
		},
		journalOpened: func(path string) { emit(ui.ApplyEvent{Phase: ui.ApplyWriting, Journal: path}) },
		verifying:     func() { emit(ui.ApplyEvent{Phase: ui.ApplyVerifying, Message: "collecting again to verify"}) },
	})
	out := ui.ApplyOutcome{Journal: run.journal, Plan: run.plan, Done: len(run.res.Done), Before: run.before, After: run.after,
		Differences: run.diffs, Session: run.session}
	if run.plan != nil {
		out.Total = len(run.plan.Writes())
	}
	if run.sessionErr != nil && run.journal != "" && run.after != nil {
		emit(ui.ApplyEvent{Message: fmt.Sprintf("the session could not be saved beside the journal (%v); the journal is complete", run.sessionErr)})
	}
	var pe *remediate.PlanError
	var re *remediate.RefusedError
	var ce *changedError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		for _, p := range pe.Problems {
			out.Refused = append(out.Refused, fmt.Sprintf("step %s: %s", p.Step, p.Reason))
		}
	case errors.As(err, &re):
		for _, r := range remediate.RiskSummary(re.Risks) {
			out.Refused = append(out.Refused, "lockout risk: "+r)
		}
		for _, p := range re.Problems {
			out.Refused = append(out.Refused, fmt.Sprintf("step %s: %s", p.Step, p.Reason))
		}
	case errors.As(err, &ce):
		out.Refused = []string{ce.Error()}
	default:
		out.Err = err
	}
	return out
}

func (a *app) wizardRollback(ctx context.Context, conn *connection, t *target, journal string, progress func(ui.ApplyEvent)) ui.RollbackOutcome {
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		return ui.RollbackOutcome{Err: err}
	}
	var mu sync.Mutex
	res, err := a.rollbackRun(ctx, conn, t, j, journal, defaultRollbackJournal(journal), func(p remediate.Progress) {
		mu.Lock()
		defer mu.Unlock()
		a.log.Debug("undo", "phase", p.Phase, "id", p.Write.ID, "op", p.Write.Operation, "target", p.Write.Target, "error", p.Error)
		progress(ui.ApplyEvent{Phase: ui.ApplyWriting, Progress: &p})
	})
	out := ui.RollbackOutcome{Undone: len(res.Undone), Err: err}
	for _, w := range res.Irreversible {
		out.Irreversible = append(out.Irreversible, fmt.Sprintf("%s %s: %s", w.ID, w.Target, w.Error))
	}
	return out
}

// saveNew writes data to a new file <prefix>-<UTC time><ext> in the
// current directory, never overwriting one.
func saveNew(prefix, ext string, data []byte) (string, error) {
	base := prefix + "-" + time.Now().UTC().Format("20060102T150405Z")
	path := base + ext
	for i := 2; ; i++ {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			break
		}
		path = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
	return path, writeFileAtomic(path, data)
}

// runWizard runs the wizard until the operator quits, then says where
// the session was saved.
func (a *app) runWizard(ctx context.Context, opts ui.Options, resumeCmd string) error {
	model := ui.NewWizard(opts)
	p := tea.NewProgram(model, tea.WithContext(ctx), tea.WithInput(a.io.In), tea.WithOutput(a.io.Out))
	_, err := p.Run()
	if model.SaveErr != nil {
		fmt.Fprintf(a.io.ErrOut, "The session could not be saved: %v\n", model.SaveErr)
	}
	if model.Saved != "" {
		fmt.Fprintf(a.io.Out, "Session saved to %s\nContinue later with: %s --resume %s\nHandover report: harden365 report --session %s\n",
			model.Saved, resumeCmd, model.Saved, model.Saved)
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// runConnectWizard is `harden365`: the wizard from the connect screen
// (profiles, sign-in) against a real organisation. With --resume it
// continues a saved session offline: findings, matrix, plan and report
// from the saved snapshot; applying needs a fresh sign-in.
func (a *app) runConnectWizard(ctx context.Context, o *wizardOptions, flags connFlags) error {
	resume, err := o.readResume()
	if err != nil {
		return err
	}
	if resume != nil {
		conn := &connection{name: "session", label: "session " + o.resume, close: func() {}}
		b := ui.Backend{Version: version(),
			SaveReport: func(markdown string) (string, error) {
				return saveNew("harden365-report-"+tenantSlug(resume.Snapshot, conn), ".md", []byte(markdown))
			},
			SaveSession: func(s *report.Session) (string, error) {
				data, err := report.EncodeSession(s)
				if err != nil {
					return "", err
				}
				return o.resume, writeFileAtomic(o.resume, data)
			},
		}
		return a.runWizard(ctx, ui.Options{Mode: "session", Org: conn.label, Backend: b, ReadOnly: true,
			Resume: resume, ResumeFile: o.resume, SaveOnQuit: true}, "harden365")
	}
	connect, err := a.connectOptions(flags, o)
	if err != nil {
		return err
	}
	return a.runWizard(ctx, ui.Options{Mode: "sign in", Connect: connect, ReadOnly: o.readOnly, SaveOnQuit: true}, "harden365")
}
