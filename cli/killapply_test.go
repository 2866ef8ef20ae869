package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// --- the simulator's side: which writes reached it

// sentWrite is one write request the simulator received: the cmdlet (or
// "METHOD /path"), the object it names and the status it answered.
type sentWrite struct {
	Key    string
	Status int
}

// writeLog records the write requests that reach a simulator, in order.
type writeLog struct {
	mu     sync.Mutex
	writes []sentWrite
}

func (l *writeLog) all() []sentWrite {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sentWrite(nil), l.writes...)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// writeKeyOfRequest names a write request as writeKeyOfJournal names the
// journal's write: an Exchange cmdlet other than Get-* with its
// Identity, or a Graph or Okta call other than GET with its path. Reads
// and sign-ins give "".
func writeKeyOfRequest(r *http.Request, body []byte) string {
	switch {
	case strings.Contains(r.URL.Path, "/adminapi/"):
		var in struct {
			CmdletInput struct {
				CmdletName string         `json:"CmdletName"`
				Parameters map[string]any `json:"Parameters"`
			} `json:"CmdletInput"`
		}
		if json.Unmarshal(body, &in) != nil || in.CmdletInput.CmdletName == "" || strings.HasPrefix(in.CmdletInput.CmdletName, "Get-") {
			return ""
		}
		return in.CmdletInput.CmdletName + " " + fmt.Sprint(in.CmdletInput.Parameters["Identity"])
	case r.Method == http.MethodGet:
		return ""
	case strings.HasPrefix(r.URL.Path, "/v1.0/"), strings.HasPrefix(r.URL.Path, "/beta/"):
		// Graph writes' paths are relative to the version.
		_, rest, _ := strings.Cut(r.URL.Path[1:], "/")
		return r.Method + " /" + rest
	case strings.HasPrefix(r.URL.Path, "/api/v1/"):
		return r.Method + " " + r.URL.Path
	}
	return ""
}

func writeKeyOfJournal(w tenant.Write) string {
	if w.Service == tenant.ServiceExchange {
		return w.Operation + " " + fmt.Sprint(w.Params["Identity"])
	}
	method, _, _ := strings.Cut(w.Operation, " ")
	path, _, _ := strings.Cut(w.Path, "?")
	return method + " " + path
}

// serveRecorded serves a built-in scenario for the test's lifetime behind
// a front that records every write request reaching it.
func serveRecorded(t *testing.T, name string, opts sim.Options) (string, *writeLog) {
	t.Helper()
	sc, err := sim.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(sc, opts)
	h := srv.Handler()
	log := &writeLog{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		key := writeKeyOfRequest(r, body)
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if key != "" {
			log.mu.Lock()
			log.writes = append(log.writes, sentWrite{Key: key, Status: rec.status})
			log.mu.Unlock()
		}
	}))
	t.Cleanup(func() { srv.Close() })
	t.Cleanup(front.Close)
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	return front.URL, log
}

// journalSent are the keys of the journal's writes that were sent and
// answered (done or failed), in order.
func journalSent(j *remediate.Journal) []string {
	var out []string
	for _, w := range j.Writes {
		if w.State == remediate.StateDone || w.State == remediate.StateFailed {
			out = append(out, writeKeyOfJournal(w.Write))
		}
	}
	return out
}

func sentKeys(ws []sentWrite) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Key)
	}
	return out
}

// --- the apply as a separate process, killed between two writes

// Environment of the helper process (this test binary, run again).
const (
	helperEnv = "H365_TEST_HELPER_PROCESS"
	// killEnv is PHASE:N: the helper SIGKILLs itself right after the N-th
	// journal line of that phase (done, begin, ...) is synced to disk.
	killEnv = "H365_TEST_KILL_AFTER"
)

// TestHelperProcess is not a test: it is the apply the kill tests run
// as a separate process (harden365's Main with the arguments after
// "--"), which kills itself with SIGKILL where killEnv says. It does
// nothing in an ordinary test run.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("the subprocess of the kill tests")
	}
	args := os.Args
	if i := slices.Index(args, "--"); i >= 0 {
		args = args[i+1:]
	}
	if kill := os.Getenv(killEnv); kill != "" {
		phase, count, _ := strings.Cut(kill, ":")
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "%s=%q: want PHASE:N\n", killEnv, kill)
			os.Exit(2)
		}
		seen := 0
		testHookJournalSynced = func(line []byte) {
			var l struct {
				Phase string `json:"phase"`
			}
			if json.Unmarshal(line, &l) != nil || l.Phase != phase {
				return
			}
			if seen++; seen == n {
				p, _ := os.FindProcess(os.Getpid())
				_ = p.Kill() // SIGKILL: no deferred function, no end line, nothing more
				time.Sleep(time.Minute)
			}
		}
	}
	os.Exit(Main(context.Background(), args, IO{In: strings.NewReader(""), Out: os.Stdout, ErrOut: os.Stderr}))
}

// runKilled runs harden365 args in a separate process that kills itself
// after the kill-th journal line (PHASE:N); it returns the exit code (-1:
// killed by a signal) and the process's output.
func runKilled(t *testing.T, kill string, args ...string) (int, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"=1", killEnv+"="+kill)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		t.Fatalf("the apply process did not run: %v", err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// killCase is one apply killed after the kill-th line of phase.
type killCase struct {
	scenario, plan, choices string
	// phase is "done" (between two writes), "begin" (a write's begin line
	// synced, the write not sent: in doubt) or "header" (no write begun).
	phase string
	n     int
}

func (c killCase) name() string { return fmt.Sprintf("%s/%s/%s-%d", c.scenario, c.plan, c.phase, c.n) }

// checkKilledApply runs one killed apply and checks what it left: (a) a
// journal that reads and records exactly the writes the simulator
// received, (b) a session that `report --session` renders, saying the
// apply was interrupted and which writes were made, and (c) a rollback
// that exits 0 and restores every reversible field.
func checkKilledApply(t *testing.T, c killCase) {
	url, sent := serveRecorded(t, c.scenario, sim.Options{})
	orig := getState(t, url)
	dir := t.TempDir()
	journal := filepath.Join(dir, "apply.jsonl")
	args := []string{"apply", "--sim", url, "--plan", c.plan, "--yes", "--journal", journal}
	if c.choices != "" {
		choices := filepath.Join(dir, "choices.json")
		if err := os.WriteFile(choices, []byte(c.choices), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--choices", choices)
	}
	code, out := runKilled(t, fmt.Sprintf("%s:%d", c.phase, c.n), args...)
	if code != -1 {
		t.Fatalf("the apply was not killed: exit %d\n%s", code, out)
	}

	// (a) The journal reads, and records exactly the writes made.
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatalf("the journal of the killed apply does not read: %v", err)
	}
	total := len(j.Header.Plan.Writes())
	if c.n > total || c.n == total && c.phase == remediate.PhaseDone {
		t.Fatalf("kill after the %s line of write %d of %d: not before the apply's end", c.phase, c.n, total)
	}
	begun, inDoubt := c.n, 0
	switch c.phase {
	case remediate.PhaseBegin:
		inDoubt = 1
	case remediate.PhaseHeader:
		begun = 0
	}
	if j.Outcome != "" || j.Torn || len(j.Done()) != begun-inDoubt || len(j.InDoubt()) != inDoubt || len(j.Writes) != begun {
		t.Errorf("journal: outcome %q, torn %v, %d writes: %d done, %d in doubt; want %d done, %d in doubt",
			j.Outcome, j.Torn, len(j.Writes), len(j.Done()), len(j.InDoubt()), begun-inDoubt, inDoubt)
	}
	for i, w := range j.Writes {
		if want := j.Header.Plan.Writes()[i].ID; w.Write.ID != want {
			t.Errorf("journal write %d is %s, the plan's is %s", i+1, w.Write.ID, want)
		}
	}
	got := sentKeys(sent.all())
	if want := journalSent(j); !slices.Equal(got, want) {
		t.Errorf("the simulator received %d writes, the journal records %d done:\n  received %v\n  journal  %v", len(got), len(want), got, want)
	}
	for _, w := range sent.all() {
		if w.Status/100 != 2 {
			t.Errorf("write %s answered %d", w.Key, w.Status)
		}
	}

	// (b) The session saved before the first write renders, with the
	// journal: interrupted, which writes were made, which not.
	session := filepath.Join(dir, "apply.session.json")
	md, errOut, rc := run(t, "report", "--session", session)
	if rc != 0 {
		t.Fatalf("report --session after the kill: exit %d: %s", rc, errOut)
	}
	applied := section(md, "## Changes applied")
	if !strings.Contains(applied, "interrupted: the journal has no end line") {
		t.Errorf("the report does not say the apply was interrupted:\n%s", applied)
	}
	for i, w := range j.Writes {
		state := "| done |"
		if w.State == remediate.StateInDoubt {
			state = "IN DOUBT"
		}
		if !strings.Contains(rowOf(applied, w.Write.ID), state) {
			t.Errorf("change %d (%s) is not listed as %q in Changes applied:\n%s", i+1, w.Write.ID, state, rowOf(applied, w.Write.ID))
		}
	}
	if begun == 0 && !strings.Contains(applied, "No change was sent") {
		t.Errorf("the report of an apply killed before its first write does not say that no change was sent:\n%s", applied)
	}
	if begun < total {
		next := j.Header.Plan.Writes()[begun].ID
		if row := rowOf(section(md, "## Changes not applied"), next); !strings.Contains(row, "not reached") {
			t.Errorf("%s, never sent, is not listed as not reached: %q", next, row)
		}
	}

	// (c) The rollback undoes it all.
	rj := filepath.Join(dir, "rollback.jsonl")
	rout, rerr, rc := run(t, "rollback", "--sim", url, "--journal", journal, "--yes", "--rollback-journal", rj)
	if rc != 0 {
		t.Fatalf("rollback after the kill: exit %d\n%s\n%s", rc, rout, rerr)
	}
	if !strings.Contains(rerr, "no end line") {
		t.Errorf("the rollback does not note the journal's missing end line:\n%s", rerr)
	}
	assertStateRestored(t, orig, getState(t, url))
}

// section is the markdown from heading to the next heading of the same
// level.
func section(md, heading string) string {
	i := strings.Index(md, heading+"\n")
	if i < 0 {
		return ""
	}
	rest := md[i+len(heading)+1:]
	if j := strings.Index(rest, "\n"+heading[:strings.Index(heading, " ")+1]); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// rowOf is the first table row of md that names id.
func rowOf(md, id string) string {
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "|") && strings.Contains(line, "`"+id+"`") {
			return line
		}
	}
	return ""
}

// planWrites is how many writes the plan makes on the scenario (as
// applied, in process, to a simulator of its own).
func planWrites(t *testing.T, scenario, plan, choices string) int {
	t.Helper()
	srv := simtest.ServeBuiltin(t, scenario, sim.Options{})
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	args := []string{"apply", "--sim", srv.URL(), "--plan", plan, "--yes", "--journal", journal, "-q"}
	if choices != "" {
		args = append(args, "--choices", writeFile(t, "choices.json", choices))
	}
	if _, errOut, code := run(t, args...); code != 0 {
		t.Fatalf("apply %s on %s: exit %d: %s", plan, scenario, code, errOut)
	}
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	return len(j.Header.Plan.Writes())
}

// An apply killed (SIGKILL, as a separate process) between any two
// writes leaves a journal that says exactly which writes were made, a
// session the report renders, and a rollback that restores the
// organisation. Every gap of whitepaper B,C,SMTP-AUTH,D (48 writes, all
// Exchange: 47 kills) and of contoso's (10 writes); a sample of gaps of
// whitepaper B-F (133 writes over Exchange, Okta and Graph, step F's
// revocations irreversible); a few kills after a write's begin line was
// synced, before it was sent (the write in doubt, its old values set
// back by the rollback); and a kill after the header, before any write.
// 70 processes, about 15 s on two cores; -short keeps every 7th gap of
// the small plan.
func TestApplyKilledBetweenWrites(t *testing.T) {
	var cases []killCase
	small := planWrites(t, "whitepaper", "B,C,SMTP-AUTH,D", whitepaperChoices)
	step := 1
	if testing.Short() {
		step = 7 // -short: every 7th gap
	}
	for n := 1; n < small; n += step {
		cases = append(cases, killCase{scenario: "whitepaper", plan: "B,C,SMTP-AUTH,D", choices: whitepaperChoices, phase: remediate.PhaseDone, n: n})
	}
	for n := 1; n < planWrites(t, "contoso", "B,C,SMTP-AUTH,D", ""); n++ {
		cases = append(cases, killCase{scenario: "contoso", plan: "B,C,SMTP-AUTH,D", phase: remediate.PhaseDone, n: n})
	}
	if n := planWrites(t, "whitepaper", "B,C,D,E,F", whitepaperChoices); n != 133 {
		t.Fatalf("whitepaper B-F makes %d writes: choose the sample of gaps again (B 1, C 42, D 4, E 4, F 82 were 133)", n)
	}
	// The last gap of each step and the first of the next, and two in F.
	for _, n := range []int{1, 43, 44, 47, 48, 51, 52, 90, 132} {
		cases = append(cases, killCase{scenario: "whitepaper", plan: "B,C,D,E,F", choices: whitepaperChoices, phase: remediate.PhaseDone, n: n})
	}
	for _, n := range []int{1, 2, 44, small} {
		cases = append(cases, killCase{scenario: "whitepaper", plan: "B,C,SMTP-AUTH,D", choices: whitepaperChoices, phase: remediate.PhaseBegin, n: n})
	}
	cases = append(cases, killCase{scenario: "whitepaper", plan: "B,C,SMTP-AUTH,D", choices: whitepaperChoices, phase: remediate.PhaseHeader, n: 1})
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel() // each case has its own simulator, files and process
			checkKilledApply(t, c)
		})
	}
}

// A completed apply saves its session again at the end, with the
// verification (the session saved before the first write is replaced);
// a session file that was there before the apply is never overwritten.
func TestApplySessionUpdatedAtTheEnd(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{})
	dir := t.TempDir()
	journal := filepath.Join(dir, "apply.jsonl")
	if _, errOut, code := run(t, "apply", "--sim", srv.URL(), "--plan", "B,C,SMTP-AUTH,D", "--yes", "--journal", journal, "-q"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, "apply.session.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := report.DecodeSession(data)
	if err != nil || s.Verification == nil || len(s.Verification.Differences) != 0 || s.Journal != "apply.jsonl" {
		t.Fatalf("the session after a completed apply: %v %+v", err, s)
	}
	md, _, _ := run(t, "report", "--session", filepath.Join(dir, "apply.session.json"))
	if applied := section(md, "## Changes applied"); !strings.Contains(applied, "outcome: complete") || !strings.Contains(applied, "Collected again on") {
		t.Errorf("report:\n%s", applied)
	}
	if _, err := os.Stat(filepath.Join(dir, "apply.session.json.tmp")); err == nil {
		t.Error("a temporary file was left behind")
	}

	// Someone else's file where the session would go stays as it was.
	journal2 := filepath.Join(dir, "second.jsonl")
	mine := []byte("not harden365's")
	if err := os.WriteFile(filepath.Join(dir, "second.session.json"), mine, 0o600); err != nil {
		t.Fatal(err)
	}
	srv2 := simtest.ServeBuiltin(t, "contoso", sim.Options{})
	out, errOut, code := run(t, "apply", "--sim", srv2.URL(), "--plan", "B,C", "--yes", "--journal", journal2, "-q")
	if code != 0 || !strings.Contains(errOut, "session could not be saved") {
		t.Errorf("apply beside an existing session file: exit %d\n%s\n%s", code, out, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "second.session.json")); !bytes.Equal(got, mine) {
		t.Error("the apply overwrote a session file it had not written")
	}
}
