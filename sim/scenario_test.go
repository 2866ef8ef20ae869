package sim

import (
	"os"
	"strings"
	"testing"
)

func TestBuiltinsParse(t *testing.T) {
	names := Builtins()
	for _, want := range []string{"contoso", "okta-classic", "whitepaper"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("built-in scenario %q missing (have %v)", want, names)
		}
	}
	for _, n := range names {
		sc, err := Load(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if sc.Name() != n {
			t.Errorf("%s: its name key says %q", n, sc.Name())
		}
		if sc.AsOf().IsZero() || sc.TenantID() == "" || sc.Description() == "" {
			t.Errorf("%s: asOf, tenant id and description are required", n)
		}
	}
}

func TestMalformedScenariosSayWhereAndWhat(t *testing.T) {
	base, err := os.ReadFile("../testdata/scenarios/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(base, "minimal.json"); err != nil {
		t.Fatalf("the shape example must parse: %v", err)
	}
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"bad JSON", `"asOf": "2026-11-01",`, `"asOf": "2026-11-01",,`, []string{"bad.json:4:", "invalid JSON"}},
		{"unknown top-level key", `"asOf": "2026-11-01",`, `"asOf": "2026-11-01", "tenantt": {},`, []string{"bad.json", "$", `unknown key "tenantt"`, "tenant"}},
		{"unknown graph section", `"graph": {`, `"graph": {"userz": [],`, []string{`$.graph: unknown key "userz"`}},
		{"wrong type", `"accountEnabled": true, "userType": "Member", "onPremisesSyncEnabled": true}`, `"accountEnabled": "yes", "userType": "Member", "onPremisesSyncEnabled": true}`,
			[]string{"$.graph.users[0].accountEnabled", "expected a boolean", `"yes"`}},
		{"bad enum", `"pipeline": "idx"`, `"pipeline": "oie"`, []string{"$.okta.pipeline", "expected one of idx, v1", `"oie"`}},
		{"bad date", `"asOf": "2026-11-01"`, `"asOf": "1 Nov 2026"`, []string{"$.asOf", "YYYY-MM-DD"}},
		{"cmdlet rows not objects", `"Get-TransportConfig": [{"Identity": "Transport Settings", "SmtpClientAuthenticationDisabled": false}]`, `"Get-TransportConfig": [true]`,
			[]string{`$.exchange["Get-TransportConfig"][0]`, "expected an object"}},
		{"missing tenant id", `"tenant": {"id": "6f1c2a9e-5b7d-4c1e-9a3b-2d8e4f6a1c00", `, `"tenant": {`, []string{"$.tenant", `missing required key "id"`}},
		{"bad time", `"createdDateTime": "2026-10-20T08:01:00Z"`, `"createdDateTime": "yesterday"`, []string{"$.graph.signIns[0].createdDateTime", "ISO 8601"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(string(base), c.from) {
				t.Fatalf("fixture text %q not found", c.from)
			}
			bad := strings.Replace(string(base), c.from, c.to, 1)
			_, err := Parse([]byte(bad), "bad.json")
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestLoadUnknownNameListsBuiltins(t *testing.T) {
	_, err := Load("no-such-scenario")
	if err == nil || !strings.Contains(err.Error(), "contoso") {
		t.Fatalf("want an error listing the built-ins, got %v", err)
	}
}
