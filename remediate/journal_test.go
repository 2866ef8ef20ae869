package remediate

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A journal of the synthetic plan, complete.
func journalBytes(t *testing.T) []byte {
	t.Helper()
	_, err, _, raw := applyFake(t, syntheticPlan(), &fakeWriter{}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestJournalTornLastLine(t *testing.T) {
	raw := journalBytes(t)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	// lines: 0 header, 1-2 B-1, 3-4 E-1, 5-6 E-2, 7-8 F-1, 9 end, then "".

	// Killed while writing E-1's begin line: E-1 was never sent.
	torn := append(bytes.Join(lines[:3], nil), lines[3][:len(lines[3])/2]...)
	j, err := ReadJournal(bytes.NewReader(torn))
	if err != nil {
		t.Fatal(err)
	}
	if !j.Torn || len(j.Writes) != 1 || j.Writes[0].State != StateDone || len(j.InDoubt()) != 0 {
		t.Fatalf("torn begin: torn %v, writes %+v", j.Torn, j.Writes)
	}
	if note := strings.Join(j.Notes, "\n"); !strings.Contains(note, "line 4") || !strings.Contains(note, "incomplete") || !strings.Contains(note, "never sent") ||
		!strings.Contains(note, "no end line") {
		t.Errorf("notes do not say what happened:\n%s", note)
	}

	// Killed while writing E-1's answer: E-1 is in doubt.
	torn = append(bytes.Join(lines[:4], nil), lines[4][:10]...)
	j, err = ReadJournal(bytes.NewReader(torn))
	if err != nil {
		t.Fatal(err)
	}
	if !j.Torn || !reflect.DeepEqual(ids(j.InDoubt()), []string{"E-1"}) || !strings.Contains(strings.Join(j.Notes, " "), "E-1") {
		t.Fatalf("torn done: in doubt %v, notes %v", ids(j.InDoubt()), j.Notes)
	}

	// A complete journal has nothing to say.
	j, err = ReadJournal(bytes.NewReader(raw))
	if err != nil || j.Torn || len(j.Notes) != 0 || j.Outcome != OutcomeComplete || len(j.Done()) != 4 {
		t.Fatalf("complete journal: %v, %+v", err, j.Notes)
	}
}

// Whatever byte the process is killed at, the journal reads back (once its
// header is whole), and the writes it calls done only grow.
func TestJournalEveryCut(t *testing.T) {
	raw := journalBytes(t)
	headerEnd := bytes.IndexByte(raw, '\n') + 1
	lastDone := 0
	for n := headerEnd; n <= len(raw); n++ {
		j, err := ReadJournal(bytes.NewReader(raw[:n]))
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", n, len(raw), err)
		}
		midLine := n < len(raw) && raw[n-1] != '\n'
		if j.Torn != midLine && !(midLine && raw[n] == '\n') {
			t.Fatalf("cut at %d: torn %v, mid-line %v", n, j.Torn, midLine)
		}
		if d := len(j.Done()); d < lastDone {
			t.Fatalf("cut at %d: %d done, fewer than before (%d)", n, d, lastDone)
		} else {
			lastDone = d
		}
	}
	for n := 1; n < headerEnd-1; n++ {
		if _, err := ReadJournal(bytes.NewReader(raw[:n])); err == nil {
			t.Fatalf("a journal cut inside its header (%d bytes) read without error", n)
		}
	}
}

func TestJournalRejectsDamage(t *testing.T) {
	raw := journalBytes(t)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	for name, doc := range map[string][]byte{
		"empty":          nil,
		"no header":      bytes.Join(lines[1:], nil),
		"middle damaged": bytes.Join([][]byte{lines[0], lines[1], []byte("{\"seq\":2,\"phase\":\n"), bytes.Join(lines[3:], nil)}, nil),
		"done unbegun":   bytes.Join([][]byte{lines[0], lines[2]}, nil),
		"not a journal":  []byte(`{"seq":0,"phase":"header","header":{"format":"other"}}` + "\n"),
	} {
		if _, err := ReadJournal(bytes.NewReader(doc)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
}

func TestCreateJournalNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := CreateJournal(path, clock())
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Line{Phase: PhaseHeader, Header: &JournalHeader{Format: JournalFormat, Version: JournalVersion, Kind: KindApply}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateJournal(path, nil); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second create: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("journal file mode %v (%v), want 0600", info.Mode(), err)
	}
	if jr, err := ReadJournalFile(path); err != nil || jr.Header.Kind != KindApply {
		t.Errorf("read back: %v", err)
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"401 (Authorization: SSWS 00abcdefghijklmnopqrstuvwxyz0123456789)": "401 (Authorization: [redacted])",
		`header "Authorization": "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi"`:      `header "Authorization": "[redacted]"`,
		"token Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.x.y rejected":   "token Bearer [redacted] rejected",
		"policy 'Block Basic Authentication' can't be removed":             "policy 'Block Basic Authentication' can't be removed",
		"the bearer token was rejected":                                    "the bearer token was rejected",
		"id_token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln was echoed":    "id_token [redacted] was echoed",
		"grant_type=client_credentials&client_secret=cs~Q8s7.x&scope=y":    "grant_type=client_credentials&client_secret=[redacted]&scope=y",
		`{"token_type":"Bearer","access_token":"0.AAA","expires_in":3599}`: `{"token_type":"Bearer","access_token":"[redacted]","expires_in":3599}`,
		"StsRefreshTokensValidFrom: 2019-06-01T00:00:00Z":                  "StsRefreshTokensValidFrom: 2019-06-01T00:00:00Z",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}
