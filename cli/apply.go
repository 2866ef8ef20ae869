package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/write"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

// Exit codes of apply (CONTRACT.md).
const (
	exitRefused  = 3 // refused before any write
	exitMismatch = 4 // writes done, verification found a difference
)

type applyOptions struct {
	target           target
	plan             string
	choices          string
	yes              bool
	journal          string
	allowLockoutRisk bool
	continueOnError  bool
	quiet            bool
}

func newApplyCmd(a *app) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Apply plan steps in the safe order, journalled, then collect again and verify",
		Long: "Plans the chosen steps for the organisation as collected now, refuses a plan the lockout guard objects to,\n" +
			"then makes every write in order, each journalled (JSON lines, synced to disk) before it is sent and after it is answered.\n" +
			"Afterwards it collects the organisation again and compares it with the plan's simulation.\n\n" +
			"A write the service refuses stops the apply there: the writes after it are not sent (the journal ends with the failure).\n" +
			"With --continue-on-error the apply goes on with the writes that do not need the failed one's result, and exits 1 at the end.\n\n" +
			"Exit codes: 0 done and verified; 3 refused before any write (preconditions, lockout guard);\n" +
			"4 done, but the organisation differs from the simulation; 1 anything else (the journal says how far it got).\n\n" +
			"Undo with: harden365 rollback --journal FILE --yes",
		Example: "  harden365 sim serve --scenario whitepaper &\n" +
			"  harden365 apply --sim http://127.0.0.1:PORT --plan A,B,C,D,E,F --choices choices.json --yes",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runApply(cmd.Context(), &o)
		},
	}
	o.target.flags(cmd)
	cmd.Flags().StringVar(&o.plan, "plan", "", "the `STEPS` to apply (all, or A,B,...)")
	cmd.Flags().StringVar(&o.choices, "choices", "", "operator choices `FILE` (JSON: exceptions, break-glass accounts, ...)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "confirm: change the organisation (and confirm the plan's checkpoints)")
	cmd.Flags().StringVar(&o.journal, "journal", "", "write the journal to `FILE` (default harden365-journal-<tenant>-<UTC time>.jsonl here; never overwritten)")
	cmd.Flags().BoolVar(&o.allowLockoutRisk, "allow-lockout-risk", false, "apply even when the lockout guard finds a risk")
	cmd.Flags().BoolVar(&o.continueOnError, "continue-on-error", false, "after a failed write, go on with the writes that do not need its result (default: stop at the first failure)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print no progress")
	return cmd
}

func (a *app) runApply(ctx context.Context, o *applyOptions) error {
	if o.plan == "" {
		return errors.New("--plan is required: the steps to apply (all, or A,B,...)")
	}
	steps, err := remediate.ParseSteps([]string{o.plan})
	if err != nil {
		return fmt.Errorf("--plan: %w", err)
	}
	if !o.yes {
		return errors.New("apply changes the organisation: give --yes to go ahead (preview first with `harden365 assess --plan " + o.plan + "`)")
	}
	choices, err := readChoices(o.choices)
	if err != nil {
		return err
	}
	if o.journal != "" {
		if _, err := os.Stat(o.journal); err == nil {
			return fmt.Errorf("--journal %s already exists: a journal is never overwritten; choose another file", o.journal)
		}
	}
	conn, err := o.target.open(ctx, a, "")
	if err != nil {
		return err
	}
	defer conn.close()
	var mu sync.Mutex
	run, err := a.applyRun(ctx, conn, &o.target, applyRequest{
		steps: steps, choices: choices, journal: o.journal, allowLockoutRisk: o.allowLockoutRisk, continueOnError: o.continueOnError,
		collect: func(ctx context.Context) (*tenant.Snapshot, error) { return a.collectFrom(ctx, conn, o.quiet) },
		say:     func(format string, args ...any) { a.say(o.quiet, format, args...) },
		confirm: func(w tenant.Write) bool {
			a.say(o.quiet, "  ! checkpoint before %s, confirmed by --yes: %s\n", w.ID, w.Checkpoint)
			return true
		},
		progress: func(p remediate.Progress) { mu.Lock(); defer mu.Unlock(); a.progress(o.quiet, p) },
	})
	if err != nil {
		var pe *remediate.PlanError
		var re *remediate.RefusedError
		switch {
		case errors.As(err, &pe):
			return &ExitError{Code: exitRefused, Err: fmt.Errorf("%w\nNothing was written.", err)}
		case errors.As(err, &re):
			return &ExitError{Code: exitRefused, Err: refusal(re, o.allowLockoutRisk)}
		}
		return err
	}
	if run.journal == "" {
		fmt.Fprintf(a.io.Out, "Nothing to write: every step of %s already holds on %s (no journal written).\n", planIDs(run.plan), conn.label)
		return nil
	}
	fmt.Fprintf(a.io.Out, "Applied %d writes to %s (journal %s).\n", len(run.res.Done), conn.label, run.journal)
	if run.sessionErr != nil {
		fmt.Fprintf(a.io.ErrOut, "The session could not be saved (%v); the journal %s is complete.\n", run.sessionErr, run.journal)
	} else {
		fmt.Fprintf(a.io.Out, "Session %s: `harden365 report --session %s` writes the handover report.\n", run.session, run.session)
	}
	if diffs := run.diffs; len(diffs) > 0 {
		fmt.Fprintf(a.io.Out, "Verification: the organisation as collected again differs from the plan's simulation in %d places:\n", len(diffs))
		for _, d := range diffs {
			fmt.Fprintf(a.io.Out, "  %s\n", d)
		}
		if errs := run.after.Errors(); len(errs) > 0 {
			fmt.Fprintf(a.io.Out, "(%d sources could not be collected again, which may explain some: %s)\n", len(errs), sourceIDs(errs))
		}
		return &ExitError{Code: exitMismatch, Err: fmt.Errorf("verification found %d differences", len(diffs))}
	}
	fmt.Fprintf(a.io.Out, "Verified: the organisation as collected again is the one the plan simulated (ids and times the services assign aside).\n")
	return nil
}

// applyRequest is an apply as the CLI or the wizard asks for it.
type applyRequest struct {
	steps            []string
	choices          remediate.Choices
	journal          string // "" for the default name
	allowLockoutRisk bool
	// continueOnError goes on after a failed write (remediate.ApplyOptions).
	continueOnError bool
	// previewed, when set, is the plan the operator reviewed: the apply
	// refuses, before any write, when the organisation collected now
	// gives a different plan.
	previewed *remediate.Plan
	collect   func(ctx context.Context) (*tenant.Snapshot, error)
	say       func(format string, args ...any)
	confirm   func(w tenant.Write) bool
	progress  func(remediate.Progress)
	// journalOpened hears the journal's path once its file exists.
	journalOpened func(path string)
	// verifying hears that the writes are done and collecting again begins.
	verifying func()
}

// applyRunResult is what an apply did.
type applyRunResult struct {
	plan          *remediate.Plan
	before, after *tenant.Snapshot
	journal       string // "" when nothing was written
	res           remediate.Result
	diffs         []remediate.Difference
	session       string
	sessionErr    error
}

// changedError says the organisation changed between the preview and the
// apply, so the plan the operator confirmed is not the one that would run.
type changedError struct {
	previewed, now int
	first          string // the first difference
}

func (e *changedError) Error() string {
	return fmt.Sprintf("the organisation changed since it was discovered: the plan made now differs from the preview (%d writes, %d previewed; first difference: %s); nothing was written — review the new plan", e.now, e.previewed, e.first)
}

// applyRun collects, plans, guards, applies (journalled), collects again
// and verifies: the one apply the CLI and the wizard share. A
// *remediate.PlanError, *remediate.RefusedError or *changedError means
// nothing was written.
func (a *app) applyRun(ctx context.Context, conn *connection, t *target, req applyRequest) (applyRunResult, error) {
	var out applyRunResult
	now, err := targetClock(ctx, t, conn)
	if err != nil {
		return out, err
	}
	before, err := req.collect(ctx)
	if err != nil {
		return out, err
	}
	out.before = before
	// A profile may name its tenant by a domain: collecting read the
	// tenant's id from Graph, and the writers need it (it is in the
	// Exchange admin API's URL).
	if conn.cfg.TenantID == "" && before.Tenant.ID != "" {
		conn.cfg.TenantID = before.Tenant.ID
	}
	plan, err := remediate.NewPlan(before, req.steps, req.choices, now())
	if err != nil {
		return out, err
	}
	out.plan = plan
	writes := plan.Writes()
	if req.previewed != nil {
		if d := writesDiffer(req.previewed.Writes(), writes); d != "" {
			return out, &changedError{previewed: len(req.previewed.Writes()), now: len(writes), first: d}
		}
	}
	for _, ps := range plan.Steps {
		switch {
		case ps.Manual:
			req.say("Step %s is manual (instructions only, nothing is written): see `harden365 assess --plan %s`\n", ps.ID, ps.ID)
		case ps.Nothing != "":
			req.say("Step %s: nothing to do (%s)\n", ps.ID, ps.Nothing)
		}
	}
	if len(writes) == 0 {
		return out, nil
	}
	path := req.journal
	if path == "" {
		path = defaultJournal(before, conn)
		if _, err := os.Stat(path); err == nil {
			return out, fmt.Errorf("journal %s already exists: give --journal FILE", path)
		}
	}
	// The session is saved beside the journal once the journal's header
	// is synced, before the first write's begin line: an apply stopped
	// halfway (killed, the machine down) leaves a session that `report
	// --session` renders with the journal, saying which writes were made
	// and that the apply did not finish. It is saved again, with the
	// verification, at the end. A session that cannot be saved stops
	// nothing: the journal is the record.
	sess := a.newApplySession(path, before, req.choices, req.steps)
	lf := &lazyFile{path: path, opened: req.journalOpened, headerSynced: func() {
		out.session, out.sessionErr = sess.save(time.Now().UTC())
	}}
	defer lf.Close()
	jw := remediate.NewJournalWriter(lf, now)
	req.say("Applying %d writes of steps %s to %s; journal: %s\n", len(writes), planIDs(plan), conn.label, path)
	res, err := remediate.Apply(ctx, plan, a.writerFor(ctx, conn), jw, remediate.ApplyOptions{
		Before:           before,
		AllowLockoutRisk: req.allowLockoutRisk,
		ContinueOnError:  req.continueOnError,
		Confirm:          req.confirm,
		Now:              now,
		Progress:         req.progress,
		Tool:             remediate.Tool{Name: "harden365", Version: version()},
		Target:           conn.label,
	})
	out.res = res
	if lf.created() {
		out.journal = path
	}
	if err != nil {
		var re *remediate.RefusedError
		if !errors.As(err, &re) && lf.created() {
			describe := ""
			if out.session != "" && out.sessionErr == nil {
				describe = fmt.Sprintf("; `harden365 report --session %s` describes it", out.session)
			}
			return out, fmt.Errorf("%w\n%d of %d writes were made; the journal %s says exactly which (undo them with `harden365 rollback --journal %s --yes`)%s",
				err, len(res.Done), len(writes), path, path, describe)
		}
		return out, err
	}
	req.say("Collecting again to verify\n")
	if req.verifying != nil {
		req.verifying()
	}
	after, err := req.collect(ctx)
	if err != nil {
		return out, fmt.Errorf("all %d writes were made (journal %s), but collecting again failed: %w", len(res.Done), path, err)
	}
	out.after = after
	out.diffs = remediate.Verify(plan, before, after, res)
	if sess.saved {
		sess.s.Verification = &report.Verification{CollectedAt: after.CollectedAt, Differences: out.diffs}
		out.session, out.sessionErr = sess.save(time.Now().UTC())
	}
	return out, nil
}

// writesDiffer says how two plans' writes differ ("" when they make the
// same changes to the same objects, times aside).
func writesDiffer(a, b []tenant.Write) string {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		switch {
		case x.ID != y.ID || x.Operation != y.Operation || x.Path != y.Path || x.Target != y.Target:
			return fmt.Sprintf("write %d is now %s %s %s, was %s %s %s", i+1, y.ID, y.Operation, y.Target, x.ID, x.Operation, x.Target)
		case !reflect.DeepEqual(unstamped(x, x.Old), unstamped(y, y.Old)):
			return fmt.Sprintf("%s %s: the current values are now %v, were %v", y.ID, y.Target, y.Old, x.Old)
		case !reflect.DeepEqual(unstamped(x, x.New), unstamped(y, y.New)):
			return fmt.Sprintf("%s %s: it now sets %v, was to set %v", y.ID, y.Target, y.New, x.New)
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("%d writes now, %d previewed", len(b), len(a))
	}
	return ""
}

// unstamped is m without the values that are the write's own time: the
// keys the writer stamps with its clock, and values planned as the
// moment of the write (a revocation's time), which differ between a
// preview and the plan made at the apply.
func unstamped(w tenant.Write, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if slices.Contains(w.Stamp, k) {
			continue
		}
		// (to the second: the services record times to the second)
		if t, ok := v.(time.Time); ok && t.Sub(w.At).Abs() < time.Second {
			continue
		}
		if str, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339, str); err == nil && t.Sub(w.At).Abs() < time.Second {
				continue
			}
		}
		out[k] = v
	}
	return out
}

func (a *app) say(quiet bool, format string, args ...any) {
	if !quiet {
		fmt.Fprintf(a.io.ErrOut, format, args...)
	}
}

// progress prints a write's outcome.
func (a *app) progress(quiet bool, p remediate.Progress) {
	a.log.Debug("write", "phase", p.Phase, "id", p.Write.ID, "op", p.Write.Operation, "target", p.Write.Target, "error", p.Error)
	if quiet {
		return
	}
	switch p.Phase {
	case remediate.PhaseDone:
		fmt.Fprintf(a.io.ErrOut, "  ✓ [%d/%d] %-12s %s %s\n", p.Index, p.Total, p.Write.ID, p.Write.Operation, textsafe.Terminal(p.Write.Target))
	case remediate.PhaseFailed:
		fmt.Fprintf(a.io.ErrOut, "  ✗ [%d/%d] %-12s %s %s: %s\n", p.Index, p.Total, p.Write.ID, p.Write.Operation, textsafe.Terminal(p.Write.Target), textsafe.Terminal(fmt.Sprint(p.Error)))
	case remediate.PhaseSkipped:
		fmt.Fprintf(a.io.ErrOut, "  - [%d/%d] %-12s not sent: %s\n", p.Index, p.Total, p.Write.ID, textsafe.Terminal(fmt.Sprint(p.Error)))
	}
}

func refusal(re *remediate.RefusedError, allowed bool) error {
	var b strings.Builder
	b.WriteString("the plan was refused before any write:")
	for _, r := range remediate.RiskSummary(re.Risks) {
		fmt.Fprintf(&b, "\n  lockout risk %s", textsafe.Terminal(r))
	}
	for _, p := range re.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Step, p.Reason)
	}
	if len(re.Risks) > 0 && !allowed {
		b.WriteString("\nChange the choices, or give --allow-lockout-risk if you accept the risk")
	}
	return errors.New(b.String())
}

func planIDs(p *remediate.Plan) string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, ",")
}

func sourceIDs(sts []tenant.SourceStatus) string {
	var ids []string
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	return strings.Join(ids, ", ")
}

// collectFrom collects an opened connection (which stays open), printing
// progress to stderr unless quiet.
func (a *app) collectFrom(ctx context.Context, conn *connection, quiet bool) (*tenant.Snapshot, error) {
	var mu sync.Mutex
	sink := func(ev collect.Event) {
		a.logCollect(ev)
		if quiet || ev.Kind != collect.Done || ev.Status == nil || ev.Status.State == tenant.StateOK {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(a.io.ErrOut, "  ✗ %-34s %s\n", ev.Source, textsafe.Terminal(ev.Status.Error))
	}
	a.say(quiet, "Collecting from %s (as of %s)\n", conn.label, conn.cfg.AsOf.Format("2006-01-02"))
	return clients.Discover(ctx, conn.cfg, sink)
}

// lazyWriter connects the writers on the first write, so that a plan
// refused before any write needs no write access at all.
type lazyWriter struct {
	ctx  context.Context
	cfg  clients.Config
	once sync.Once
	w    *write.Writer
	err  error
}

func (l *lazyWriter) Do(ctx context.Context, w tenant.Write, vars map[string]string) (map[string]string, error) {
	l.once.Do(func() { l.w, l.err = write.New(l.ctx, l.cfg) })
	if l.err != nil {
		return nil, fmt.Errorf("connecting the writers: %w", l.err)
	}
	return l.w.Do(ctx, w, vars)
}

func (a *app) writerFor(ctx context.Context, conn *connection) remediate.Writer {
	return &lazyWriter{ctx: ctx, cfg: conn.cfg}
}

// targetClock is the clock writes are stamped with: the simulator's own
// (its scenario's asOf plus the time it has run) for --scenario and
// --sim, so that stamps agree with the times the simulated services
// record; the wall clock for a real organisation.
func targetClock(ctx context.Context, t *target, conn *connection) (func() time.Time, error) {
	if t.profile != "" {
		return func() time.Time { return time.Now().UTC() }, nil
	}
	simNow, err := simNow(ctx, conn.cfg.GraphURL)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	return func() time.Time { return simNow.Add(time.Since(start)).UTC() }, nil
}

// simNow reads the simulator's clock from GET /_sim/info.
func simNow(ctx context.Context, url string) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/_sim/info", nil)
	if err != nil {
		return time.Time{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the simulator's clock: %w", err)
	}
	defer resp.Body.Close()
	var info struct {
		Now string `json:"now"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&info) != nil {
		return time.Time{}, fmt.Errorf("reading the simulator's clock: GET /_sim/info answered %s", resp.Status)
	}
	now, err := time.Parse(time.RFC3339, info.Now)
	if err != nil {
		return time.Time{}, fmt.Errorf("the simulator's clock %q is not a time", info.Now)
	}
	return now, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// defaultJournal is harden365-journal-<tenant>-<UTC time>.jsonl in the
// current directory.
func defaultJournal(s *tenant.Snapshot, conn *connection) string {
	return fmt.Sprintf("harden365-journal-%s-%s.jsonl", tenantSlug(s, conn), time.Now().UTC().Format("20060102T150405Z"))
}

// tenantSlug names the organisation in file names: its initial domain,
// else its id, else the connection's name.
func tenantSlug(s *tenant.Snapshot, conn *connection) string {
	name := ""
	if s != nil {
		name = s.Tenant.InitialDomain
		if name == "" {
			name = s.Tenant.ID
		}
	}
	if name == "" {
		name = conn.name
	}
	name = strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-")
	if name == "" {
		name = "tenant"
	}
	return name
}

// lazyFile creates its file (never overwriting one) on the first write
// and syncs it on demand: a plan refused before any write leaves no
// journal behind.
type lazyFile struct {
	path string
	f    *os.File
	// opened, when set, hears the path once the file exists.
	opened func(path string)
	// headerSynced, when set, is called once the first line (an apply
	// journal's header) is synced to disk.
	headerSynced func()
	synced       bool
	// last is the last line written (kept for testHookJournalSynced).
	last []byte
}

// testHookJournalSynced, when set, hears each journal line once it is
// synced to disk. Only this package's tests set it (the kill tests stop
// the process there, between two writes): no flag, variable or input of
// the program reaches it.
var testHookJournalSynced func(line []byte)

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return 0, err
		}
		l.f = f
		syncDir(filepath.Dir(l.path))
		if l.opened != nil {
			l.opened(l.path)
		}
	}
	if testHookJournalSynced != nil {
		l.last = append(l.last[:0], p...)
	}
	return l.f.Write(p)
}

func (l *lazyFile) Sync() error {
	if l.f == nil {
		return nil
	}
	if err := l.f.Sync(); err != nil {
		return err
	}
	if !l.synced {
		l.synced = true
		if l.headerSynced != nil {
			l.headerSynced()
		}
	}
	if testHookJournalSynced != nil {
		testHookJournalSynced(l.last)
	}
	return nil
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

func (l *lazyFile) created() bool { return l.f != nil }

// applySession is the session an apply keeps beside its journal (the
// journal's name with .session.json): the snapshot before the apply, the
// choices, the findings, the steps, the journal's name and, once
// collected again, the verification, so that `report --session` can hand
// the work over.
type applySession struct {
	path string
	s    *report.Session
	// tried: the first save was attempted; saved: this apply wrote the
	// file (a file that was there before is never overwritten).
	tried, saved bool
}

func (a *app) newApplySession(journal string, before *tenant.Snapshot, choices remediate.Choices, steps []string) *applySession {
	path := strings.TrimSuffix(journal, filepath.Ext(journal)) + ".session.json"
	s := report.NewSession(report.Tool{Name: "harden365", Version: version()}, time.Now().UTC(), "", before, choices,
		assess.Run(before, choices.AssessOptions()), steps)
	if rel, err := filepath.Rel(filepath.Dir(path), journal); err == nil {
		s.Journal = rel
	} else {
		s.Journal = journal
	}
	return &applySession{path: path, s: s}
}

// save writes the session (atomically, synced to disk) and returns its
// path.
func (as *applySession) save(now time.Time) (string, error) {
	first := !as.tried
	as.tried = true
	if first {
		if _, err := os.Stat(as.path); err == nil {
			return "", fmt.Errorf("%s exists already", as.path)
		}
	} else if !as.saved {
		return "", fmt.Errorf("%s was not saved", as.path)
	}
	as.s.Created = now
	data, err := report.EncodeSession(as.s)
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(as.path, data); err != nil {
		return "", err
	}
	as.saved = true
	return as.path, nil
}
