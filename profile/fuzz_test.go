package profile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Any bytes as the profiles file: decode refuses with an error that
// starts as the caller expects (":line:col: " or " ", after the path), or
// gives profiles that pass Validate, have distinct names, and write and
// read back the same.
func FuzzDecodeProfiles(f *testing.F) {
	f.Add([]byte(`{"version":1,"profiles":[]}`))
	f.Add([]byte(`{"version":1,"profiles":[{"name":"contoso","tenant":"contoso.onmicrosoft.com","signIn":"device-code","clientId":"00000000-0000-0000-0000-000000000001"}]}`))
	f.Add([]byte(`{"version":1,"profiles":[{"name":"a","tenant":"a.onmicrosoft.com","signIn":"certificate","clientId":"00000000-0000-0000-0000-000000000001","certificate":"/k.pem","oktaOrg":"https://a.okta.com","oktaAuth":"api-token","oktaFactors":"auto"}]}`))
	f.Add([]byte(`{"version":1,"profiles":[{"name":"h","tenant":"h.example","signIn":"browser","clientId":"00000000-0000-0000-0000-000000000001","probeHosts":["mail.h.example:993"," mail.h.example:8443/https","mail.h.example:993"],"resolver":"[::1]:5353"}]}`))
	f.Add([]byte(`{"version":1,"profiles":[{"name":"a","secret":"hunter2"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte("{\"version\":1,\n\"profiles\":[{\"name\":\"x\x1b[2J\"}]}"))
	f.Add([]byte(``))
	f.Add([]byte(`{"version":1,"profiles":[]} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decode(data)
		if err != nil {
			msg := err.Error()
			if msg == "" || !(strings.HasPrefix(msg, " ") || (len(msg) > 1 && msg[0] >= '0' && msg[0] <= '9')) {
				t.Fatalf("an error that does not read after the path: %q", msg)
			}
			return
		}
		seen := map[string]bool{}
		for _, p := range got.Profiles {
			if err := p.Validate(); err != nil {
				t.Fatalf("a profile that does not validate was read: %v", err)
			}
			if seen[p.Name] {
				t.Fatalf("the name %q twice", p.Name)
			}
			seen[p.Name] = true
		}
		out, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		again, err := decode(out)
		if err != nil {
			t.Fatalf("what was read does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("read back differently:\n%+v\n%+v", got, again)
		}
	})
}
