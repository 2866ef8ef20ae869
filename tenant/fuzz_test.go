package tenant

import (
	"bytes"
	"testing"
)

// Any bytes: Decode refuses with an error or gives a snapshot that
// encodes and decodes to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":1,"asOf":"2026-11-01T00:00:00Z","tenant":{"id":"t","displayName":"d"},"domains":[],"users":[],"exchange":{"casMailboxes":[],"users":[],"authenticationPolicies":[],"casMailboxPlans":[],"mobileDevices":[]},"entra":{"conditionalAccess":[],"signIns":[],"emailAppUsage":[]},"okta":{"configured":false,"apps":[],"policies":[],"groups":[],"users":[],"zones":[],"logs":[]},"collection":[]}`))
	f.Add([]byte(`{"schemaVersion":2}`))
	f.Add([]byte(`{"schemaVersion":1,"users":"many"}`))
	f.Add([]byte(`{"schemaVersion":1,"bogus":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			return
		}
		once, err := Encode(s)
		if err != nil {
			t.Fatalf("a decoded snapshot cannot be encoded: %v", err)
		}
		s2, err := Decode(once)
		if err != nil {
			t.Fatalf("an encoded snapshot does not decode: %v", err)
		}
		twice, _ := Encode(s2)
		if !bytes.Equal(once, twice) {
			t.Fatal("encode/decode is not stable")
		}
	})
}
