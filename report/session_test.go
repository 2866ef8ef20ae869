package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A session written by an older harden365 of the same schema version,
// before the operator, findings, journal and verification keys existed
// and before snapshots held DNS, endpoints and the Exchange checklist,
// still reads and reports: the operator comes from the choices, the
// checks whose data the old collector did not gather say so.
func TestSessionFromAnOlderVersion(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "session-v1-old.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := DecodeSession(data)
	if err != nil {
		t.Fatalf("an older session does not read: %v", err)
	}
	if s.Operator != "" || s.Findings != nil || s.Journal != "" || s.Tool.Version != "v0.1.0" || len(s.Plan) != 3 {
		t.Errorf("read as %+v", s)
	}
	md := render(t, s, nil)
	golden(t, "session-v1-old.golden.md", md)
	for _, want := range []string{
		"by andrew.fuller@northwind.example",
		"saved on 2026-11-01 10:05:00 UTC by harden365 v0.1.0",
		"The plan: 3 steps (C, SMTP-AUTH, CA-LEGACY)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// A session of a newer schema version is refused, saying so and who
// wrote it, before anything else is read.
func TestSessionFromANewerVersionFailsClearly(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "session-v2-newer.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = DecodeSession(data)
	if err == nil {
		t.Fatal("a newer session was read")
	}
	want := "session schema version 2 is newer than this harden365 reads (1) (it was written by harden365 v3.0.0): upgrade harden365 to report on it"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
}

func TestSessionDecodeErrors(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "session-v1-old.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, data, want string
	}{
		{"not JSON", `{"format": `, "invalid JSON"},
		{"not an object", `[1, 2]`, "not a harden365 session: the file is not a JSON object"},
		{"no format", `{"schemaVersion": 1}`, `not a harden365 session: no "format": "harden365-session" key`},
		{"a snapshot", `{"schemaVersion": 1, "tenant": {}, "collection": []}`, "this is a snapshot (written by harden365 collect), not a session: use harden365 assess --snapshot FILE --format md"},
		{"other format", `{"format": "harden365-journal"}`, `format is "harden365-journal", expected "harden365-session"`},
		{"no version", `{"format": "harden365-session"}`, "no schemaVersion key"},
		{"bad version", `{"format": "harden365-session", "schemaVersion": "one"}`, `schemaVersion: expected a whole number, found "one"`},
		{"unknown key", strings.Replace(string(old), `"created":`, `"creatd": "x",`+"\n  "+`"created":`, 1), `line 11: unknown key "creatd"`},
		{"duplicate key", strings.Replace(string(old), `"created":`, `"plan": [],`+"\n  "+`"created":`, 1), `key "plan" appears twice`},
		{"no snapshot", `{"format": "harden365-session", "schemaVersion": 1, "created": "2026-01-01T00:00:00Z"}`, "no snapshot"},
		{"no created", `{"format": "harden365-session", "schemaVersion": 1, "snapshot": {}}`, "no created key"},
		{"wrong type", strings.Replace(string(old), `"created": "2026-11-01T10:05:00Z"`, `"created": 5`, 1), `created (from line 11): expected a date and time such as "2026-11-01T10:05:00Z"`},
		{"bad choices", strings.Replace(string(old), `"protocols": [`, `"protocols": ["smtp", `, 1), `choices (line 2): protocols[0]: "smtp" is not one of pop, imap, activesync`},
		{"bad plan", strings.Replace(string(old), `"SMTP-AUTH",`, `"G",`, 1), "plan (line 13): plan refused: G: unknown step"},
		{"bad snapshot key", strings.Replace(string(old), `"collectedAt":`, `"collectedBy": "x", "collectedAt":`, 1), `snapshot (from line 19): unknown key "collectedBy"`},
		{"snapshot type error", strings.Replace(string(old), `"asOf": "2026-11-01T00:00:00Z"`, `"asOf": 7`, 1), `snapshot (from line 19): expected a date and time`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeSession([]byte(c.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
		})
	}
}

// A session holds no secret: nothing that looks like a token, a key or
// a password is written.
func TestSessionHoldsNoSecret(t *testing.T) {
	snap := serveBuiltin(t, "whitepaper")
	s := sessionOf(t, snap, choicesFor(t, "whitepaper"), []string{"all"})
	data, err := EncodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(string(data))
	for _, bad := range []string{"bearer ", "ssws ", "authorization", "password\":", "secret", "token\":", "apikey", "client_secret"} {
		if strings.Contains(lower, bad) {
			t.Errorf("the session holds %q", bad)
		}
	}
}
