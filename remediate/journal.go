package remediate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

// The journal: every write of an apply (and of a rollback) as JSON lines,
// appended and synced to disk before the write is sent ("begin") and
// again once the service has answered ("done" with what it assigned, or
// "failed" with its error). A line is one JSON object:
//
//	{"seq":0,"time":...,"phase":"header","header":{"kind":"apply","tool":...,"tenant":...,"plan":...}}
//	{"seq":1,"time":...,"phase":"begin","id":"B-1","step":"B","write":{...tenant.Write, as sent...}}
//	{"seq":2,"time":...,"phase":"done","id":"B-1","step":"B","assigned":{"id":"..."}}
//	{"seq":3,"time":...,"phase":"failed","id":"C-1","step":"C","error":"..."}
//	{"seq":4,"time":...,"phase":"skipped","id":"C-2","step":"C","note":"..."}
//	{"seq":5,"time":...,"phase":"end","outcome":"failed","note":"..."}
//
// A write has been sent only if its "begin" line is complete: the line is
// synced before the request goes out. A "begin" without an answer (the
// process was killed while the write was in flight) leaves that write in
// doubt. The journal never holds a secret: writes carry no tokens and
// errors are scrubbed of Authorization values.

// Journal line phases.
const (
	PhaseHeader = "header"
	PhaseBegin  = "begin"
	PhaseDone   = "done"
	PhaseFailed = "failed"
	// PhaseInDoubt: the write was sent and its answer lost (a dropped
	// connection, a 5xx, a timeout): it may or may not have been made.
	PhaseInDoubt = "in-doubt"
	PhaseSkipped = "skipped"
	PhaseEnd     = "end"
)

// Journal kinds.
const (
	KindApply    = "apply"
	KindRollback = "rollback"
)

// Outcomes (the end line).
const (
	OutcomeComplete = "complete" // every write was done
	OutcomeFailed   = "failed"   // a write failed (later ones were not made, unless continuing)
	OutcomeStopped  = "stopped"  // cancelled, or a checkpoint was not confirmed, between writes
	OutcomeRefused  = "refused"  // refused before any write
)

// JournalFormat names the file format in every header.
const JournalFormat = "harden365-journal"

// JournalVersion is the format's version.
const JournalVersion = 1

// Tool identifies the program that wrote a journal.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JournalHeader is the first line's content.
type JournalHeader struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Kind    string        `json:"kind"` // apply or rollback
	Tool    Tool          `json:"tool"`
	Tenant  tenant.Tenant `json:"tenant"`
	// Target says in words what was written to ("simulator http://...").
	Target  string    `json:"target,omitempty"`
	Started time.Time `json:"started"`
	// Plan is the plan applied (apply journals).
	Plan *Plan `json:"plan,omitempty"`
	// RollbackOf names the apply journal a rollback undoes: its file and
	// its header's start time.
	RollbackOf *JournalRef `json:"rollbackOf,omitempty"`
}

// JournalRef identifies a journal.
type JournalRef struct {
	File    string    `json:"file,omitempty"`
	Started time.Time `json:"started"`
}

// Line is one journal line.
type Line struct {
	Seq   int       `json:"seq"`
	Time  time.Time `json:"time"`
	Phase string    `json:"phase"`
	// ID and Step name the write (begin, done, failed, skipped).
	ID   string `json:"id,omitempty"`
	Step string `json:"step,omitempty"`
	// Of is, in a rollback journal, the apply write an undo write reverses.
	Of     string         `json:"of,omitempty"`
	Header *JournalHeader `json:"header,omitempty"`
	// Write is the write as sent: placeholders filled, stamps set (begin).
	Write *tenant.Write `json:"write,omitempty"`
	// Assigned are the string properties of the service's answer (done).
	Assigned map[string]string `json:"assigned,omitempty"`
	Error    string            `json:"error,omitempty"`
	Note     string            `json:"note,omitempty"`
	Outcome  string            `json:"outcome,omitempty"`
}

// JournalWriter appends lines to a journal, each synced to disk (when the
// destination can sync) before the call returns.
type JournalWriter struct {
	mu   sync.Mutex
	w    io.Writer
	now  func() time.Time
	seq  int
	path string
	err  error
}

// NewJournalWriter journals to w; now stamps the lines (nil: time.Now).
// When w has a Sync method (an *os.File), every line is synced.
func NewJournalWriter(w io.Writer, now func() time.Time) *JournalWriter {
	if now == nil {
		now = time.Now
	}
	return &JournalWriter{w: w, now: now}
}

// CreateJournal creates a new journal file (an existing file is never
// overwritten) and syncs its directory, so that the file survives a crash.
// Close it with Close.
func CreateJournal(path string, now func() time.Time) (*JournalWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("journal %s already exists: choose another file (a journal is never overwritten)", path)
		}
		return nil, fmt.Errorf("journal: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	j := NewJournalWriter(f, now)
	j.path = path
	return j, nil
}

// Path is the journal's file ("" when it journals to a stream).
func (j *JournalWriter) Path() string { return j.path }

// Lines reports how many lines were written.
func (j *JournalWriter) Lines() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// Close closes the journal's file, if it has one.
func (j *JournalWriter) Close() error {
	if c, ok := j.w.(io.Closer); ok && j.path != "" {
		return c.Close()
	}
	return nil
}

// Append writes one line (Seq and Time are filled in) and syncs it. After
// a failure every later Append fails: a journal with a hole is worse than
// a stopped apply.
func (j *JournalWriter) Append(l Line) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	l.Seq = j.seq
	if l.Time.IsZero() {
		l.Time = j.now().UTC()
	}
	l.Error = scrub(l.Error)
	l.Note = scrub(l.Note)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		j.err = fmt.Errorf("journal: %w", err)
		return j.err
	}
	if _, err := j.w.Write(buf.Bytes()); err != nil {
		j.err = fmt.Errorf("journal: %w", err)
		return j.err
	}
	if s, ok := j.w.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			j.err = fmt.Errorf("journal: syncing to disk: %w", err)
			return j.err
		}
	}
	j.seq++
	return nil
}

// scrub removes credentials from a text meant for the journal: an
// Authorization header's value, a bearer or SSWS token, a JWT, a secret
// name=value pair (textsafe.Redact).
func scrub(s string) string { return textsafe.Redact(s) }

// Write states, as a journal tells them.
const (
	StateDone    = "done"
	StateFailed  = "failed"
	StateInDoubt = "in-doubt" // sent, and no answer recorded
	StateSkipped = "skipped"  // never sent
)

// JournalWrite is one write as a journal records it.
type JournalWrite struct {
	// Write is the write as sent (from its begin line); for a skipped
	// write, only its ID and Step are known.
	Write    tenant.Write      `json:"write"`
	State    string            `json:"state"`
	Assigned map[string]string `json:"assigned,omitempty"`
	Error    string            `json:"error,omitempty"`
	Of       string            `json:"of,omitempty"`
	Begun    time.Time         `json:"begun,omitzero"`
}

// Journal is a journal read back.
type Journal struct {
	Header JournalHeader `json:"header"`
	Lines  []Line        `json:"lines"`
	// Writes are the writes in the order they were begun (skipped ones
	// where they were skipped).
	Writes []JournalWrite `json:"writes"`
	// Outcome is the end line's ("" when the journal has none: the
	// process stopped before it could write one).
	Outcome string `json:"outcome,omitempty"`
	// Torn is set when the last line was incomplete (the process was
	// killed while writing it) and was ignored; Notes says what that means.
	Torn  bool     `json:"torn,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Done returns the writes the journal says were made, in order.
func (j *Journal) Done() []JournalWrite { return j.inState(StateDone) }

// InDoubt returns the writes that were sent without an answer recorded.
func (j *Journal) InDoubt() []JournalWrite { return j.inState(StateInDoubt) }

func (j *Journal) inState(state string) []JournalWrite {
	var out []JournalWrite
	for _, w := range j.Writes {
		if w.State == state {
			out = append(out, w)
		}
	}
	return out
}

// Assigned returns every done write's answer, by write ID.
func (j *Journal) Assigned() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, w := range j.Writes {
		if w.State == StateDone {
			out[w.Write.ID] = w.Assigned
		}
	}
	return out
}

// ReadJournal reads a journal. An incomplete last line (the process was
// killed while writing it) is ignored and said so in Notes; any other
// unreadable line is an error naming it. The first line must be the
// header.
func ReadJournal(r io.Reader) (*Journal, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	j := &Journal{}
	rest := data
	n := 0
	for len(rest) > 0 {
		n++
		line, after, complete := bytes.Cut(rest, []byte("\n"))
		rest = after
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l Line
		dec := json.NewDecoder(bytes.NewReader(line))
		perr := dec.Decode(&l)
		if perr == nil && dec.More() {
			perr = errors.New("more than one value on the line")
		}
		if perr != nil {
			if len(bytes.TrimSpace(rest)) == 0 && (!complete || isTruncated(perr)) {
				j.Torn = true
				j.Notes = append(j.Notes, tornNote(n, len(line), lastBegun(j)))
				break
			}
			return nil, fmt.Errorf("journal line %d is unreadable: %v", n, perr)
		}
		if err := j.add(l, n); err != nil {
			return nil, err
		}
	}
	if len(j.Lines) == 0 {
		return nil, errors.New("the journal is empty (not even its header was written)")
	}
	for _, w := range j.Writes {
		if w.State == StateInDoubt {
			j.Notes = append(j.Notes, fmt.Sprintf("write %s (%s %s) was sent but its answer was never recorded: it may or may not have been made; check %s by hand",
				w.Write.ID, w.Write.Operation, w.Write.Target, w.Write.Target))
		}
	}
	if j.Outcome == "" {
		j.Notes = append(j.Notes, "the journal has no end line: the run was stopped before it finished (killed, or the machine stopped)")
	}
	return j, nil
}

func isTruncated(err error) bool {
	var se *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se)
}

func lastBegun(j *Journal) string {
	if len(j.Writes) == 0 {
		return ""
	}
	return j.Writes[len(j.Writes)-1].Write.ID
}

func tornNote(n, size int, last string) string {
	s := fmt.Sprintf("the journal's last line (line %d, %d bytes) is incomplete: the run was stopped while writing it, and the line is ignored. "+
		"A write's begin line is synced before the write is sent, so a torn begin line means that write was never sent", n, size)
	if last != "" {
		s += fmt.Sprintf("; if the torn line was the answer to %s, that write is in doubt (listed as such)", last)
	}
	return s
}

// add folds one line into the journal.
func (j *Journal) add(l Line, n int) error {
	if len(j.Lines) == 0 {
		if l.Phase != PhaseHeader || l.Header == nil {
			return fmt.Errorf("journal line %d: the first line must be the header (phase %q), found phase %q", n, PhaseHeader, l.Phase)
		}
		if l.Header.Format != JournalFormat {
			return fmt.Errorf("journal line %d: not a harden365 journal (format %q)", n, l.Header.Format)
		}
		if l.Header.Version > JournalVersion {
			return fmt.Errorf("journal line %d: journal version %d is newer than this harden365 reads (%d)", n, l.Header.Version, JournalVersion)
		}
		j.Header = *l.Header
		j.Lines = append(j.Lines, l)
		return nil
	}
	find := func() *JournalWrite {
		for i := len(j.Writes) - 1; i >= 0; i-- {
			if j.Writes[i].Write.ID == l.ID {
				return &j.Writes[i]
			}
		}
		return nil
	}
	switch l.Phase {
	case PhaseBegin:
		if l.Write == nil || l.ID == "" {
			return fmt.Errorf("journal line %d: a begin line without its write", n)
		}
		if w := find(); w != nil && w.State == StateInDoubt {
			return fmt.Errorf("journal line %d: write %s begun twice", n, l.ID)
		}
		j.Writes = append(j.Writes, JournalWrite{Write: *l.Write, State: StateInDoubt, Of: l.Of, Begun: l.Time})
	case PhaseDone, PhaseFailed, PhaseInDoubt:
		w := find()
		if w == nil || w.State != StateInDoubt || w.Error != "" {
			return fmt.Errorf("journal line %d: %s for write %q, which was not begun", n, l.Phase, l.ID)
		}
		switch l.Phase {
		case PhaseDone:
			w.State, w.Assigned = StateDone, l.Assigned
		case PhaseFailed:
			w.State, w.Error = StateFailed, l.Error
		default: // sent, and the answer lost: it stays in doubt, with why
			w.Error = l.Error
		}
	case PhaseSkipped:
		j.Writes = append(j.Writes, JournalWrite{Write: tenant.Write{ID: l.ID, Step: l.Step}, State: StateSkipped, Error: l.Note, Of: l.Of})
	case PhaseEnd:
		j.Outcome = l.Outcome
	case PhaseHeader:
		return fmt.Errorf("journal line %d: a second header", n)
	default:
		return fmt.Errorf("journal line %d: unknown phase %q", n, l.Phase)
	}
	j.Lines = append(j.Lines, l)
	return nil
}

// ReadJournalFile reads the journal at path.
func ReadJournalFile(path string) (*Journal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	j, err := ReadJournal(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return j, nil
}
