package tenant

import (
	"strings"
	"testing"
	"unsafe"
)

// A snapshot that does not read is refused with what is wrong and, where
// the JSON is broken, the line and column.
func TestDecodeRefusesClearly(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"broken JSON", "{\n  \"schemaVersion\": 1,\n  \"asOf\": \n}", "line 4, column"},
		{"cut short", `{"schemaVersion": 1, "users": [`, "invalid JSON"},
		{"no version", `{"asOf": "2026-11-01T00:00:00Z"}`, "no schemaVersion key"},
		{"null version", `{"schemaVersion": null}`, "no schemaVersion key"},
		{"newer", `{"schemaVersion": 2, "somethingNew": {}}`, "newer than this harden365 understands (1): upgrade harden365"},
		{"zero", `{"schemaVersion": 0}`, "schema version 0 is not valid"},
		{"version of the wrong type", "{\n\"schemaVersion\": \"1\"}", "line 2, column"},
		{"not an object", `[{"schemaVersion": 1}]`, "expected a JSON object"},
		{"unknown key", `{"schemaVersion": 1, "bogus": true}`, `unknown field "bogus"`},
		{"two values", `{"schemaVersion": 1} {}`, "more than one JSON value"},
		{"version after a broken value", `{"users": [1,, "schemaVersion": 1}`, "invalid JSON"},
	} {
		_, err := Decode([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to say %q", c.name, err, c.want)
		}
	}
}

// Decoding interns the strings, as the collectors do: a UPN repeated in
// several sections is held once.
func TestDecodeInterns(t *testing.T) {
	s, err := Decode([]byte(`{"schemaVersion": 1,
		"users": [{"id": "u1", "userPrincipalName": "adele.vance@contoso.com", "accountEnabled": true, "onPremisesSyncEnabled": false}],
		"exchange": {"users": [{"identity": "adele.vance", "userPrincipalName": "adele.vance@contoso.com"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := s.Users[0].UserPrincipalName, s.Exchange.Users[0].UserPrincipalName
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("the UPN is held twice: %q at %p and %q at %p", a, unsafe.StringData(a), b, unsafe.StringData(b))
	}
}
