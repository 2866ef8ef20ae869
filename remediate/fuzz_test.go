package remediate

import (
	"bytes"
	"testing"
)

// Any bytes, such as a journal cut by SIGKILL anywhere: ReadJournal
// returns a journal or an error, never panics, and never claims a write
// both done and in doubt.
func FuzzReadJournal(f *testing.F) {
	f.Add([]byte(`{"kind":"header"}` + "\n"))
	f.Add([]byte(`{"seq":1,"phase":"begin","write":{"ID":"B-1"}}` + "\n" + `{"seq":1,"phase":"done"}` + "\n"))
	f.Add([]byte(`{"seq":1,"phase":"begin","write":{"ID":"B-1"}}` + "\n" + `{"seq":1,"pha`))
	f.Add([]byte("\x00\x00\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := ReadJournal(bytes.NewReader(data))
		if err != nil {
			return
		}
		if j == nil {
			t.Fatal("no journal and no error")
		}
		done := map[string]bool{}
		for _, w := range j.Done() {
			done[w.Write.ID] = true
		}
		for _, w := range j.InDoubt() {
			if done[w.Write.ID] {
				t.Fatalf("write %s is both done and in doubt", w.Write.ID)
			}
		}
	})
}
