package report

import (
	"os"
	"testing"
)

// Any bytes: DecodeSession refuses with an error or returns a session,
// never panics.
func FuzzDecodeSession(f *testing.F) {
	for _, p := range []string{"testdata/session-v1-old.json", "testdata/session-v2-newer.json"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format":"harden365-session","schemaVersion":1}`))
	f.Add([]byte(`{"schemaVersion":1,"asOf":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSession(data)
		if err == nil && s == nil {
			t.Fatal("no session and no error")
		}
	})
}
