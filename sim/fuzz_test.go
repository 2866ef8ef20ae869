package sim

import (
	"encoding/json"
	"os"
	"testing"
)

// Any bytes: Parse either refuses with an error or returns a scenario
// whose document, written back, parses again (what /_sim/state relies on).
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../testdata/scenarios/minimal.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"name":"x","asOf":"2026-01-01","tenant":{"id":"t","displayName":"d","initialDomain":"i"}}`))
	f.Add([]byte(`{"name":"x","asOf":"2026-13-01"}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"graph":{"users":[{"id":1}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse(data, "fuzz.json")
		if err != nil {
			return
		}
		again, err := json.Marshal(sc.Doc)
		if err != nil {
			t.Fatalf("a parsed scenario cannot be written back: %v", err)
		}
		if _, err := Parse(again, "again.json"); err != nil {
			t.Fatalf("a parsed scenario, written back, no longer parses: %v", err)
		}
	})
}
