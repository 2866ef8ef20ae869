package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

// faultScenario writes the built-in scenario name with faults added as its
// "faults" key, and returns the file.
func faultScenario(t *testing.T, name string, faults map[string]any) string {
	t.Helper()
	sc, err := sim.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{}
	for k, v := range sc.Doc {
		doc[k] = v
	}
	doc["faults"] = faults
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name+".json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// faultView is the part of assess's JSON a fault profile must not change:
// findings and matrix as they are, collection without retry counts.
func faultView(t *testing.T, out string) (findings map[string]any, matrix any, collection []any, retries float64) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	findings = map[string]any{}
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		findings[m["id"].(string)] = m
	}
	for _, c := range doc["collection"].([]any) {
		m := c.(map[string]any)
		r, _ := m["retries"].(float64)
		retries += r
		delete(m, "retries")
		delete(m, "pages") // a fault profile's pageSize pages more
		collection = append(collection, m)
	}
	return findings, doc["matrix"], collection, retries
}

func assessRaw(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, append([]string{"assess", "--format", "json", "-q"}, args...)...)
	if code != 0 && code != 1 && code != 2 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return out
}

// Throttling, server errors, dropped and reset connections, a broken next
// page and heavier rates on some paths and cmdlets change nothing but the
// retry counts (and, with the profile's small pageSize, the page counts).
func TestAssessUnderFaultsEqualsClean(t *testing.T) {
	profile := map[string]any{"seed": 7, "throttle": 0.10, "retryAfter": "10ms", "serverErrors": 0.02,
		"timeouts": 0.02, "timeoutHold": "100ms", "brokenNextLink": 1, "pageSize": 5, "resets": 0.03,
		"paths": map[string]any{
			"/v1.0/users":    map[string]any{"throttle": 0.3},
			"Get-CASMailbox": map[string]any{"serverErrors": 0.2, "resets": 0.1},
			"/api/v1/users":  map[string]any{"resets": 0.15},
		}}
	for _, name := range sim.Builtins() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cf, cm, cc, _ := faultView(t, assessRaw(t, "--scenario", name))
			ff, fm, fc, retries := faultView(t, assessRaw(t, "--scenario", faultScenario(t, name, profile)))
			if retries == 0 {
				t.Errorf("no retries under the fault profile: were any faults injected?")
			}
			if !reflect.DeepEqual(cf, ff) {
				for id := range cf {
					if !reflect.DeepEqual(cf[id], ff[id]) {
						t.Errorf("finding %s differs under faults:\nclean  %v\nfaults %v", id, cf[id], ff[id])
					}
				}
			}
			if !reflect.DeepEqual(cm, fm) {
				t.Errorf("matrix differs under faults")
			}
			if !reflect.DeepEqual(cc, fc) {
				t.Errorf("collection differs under faults:\nclean  %v\nfaults %v", cc, fc)
			}
		})
	}
}

// A 403 on Get-AuthenticationPolicy makes the checks that need it error,
// naming the role; a check that only uses it as context keeps its status
// and names the role; everything else is as in the clean run.
func TestAssessForbiddenCmdletErrorsNamingRole(t *testing.T) {
	for _, name := range sim.Builtins() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cf, cm, _, _ := faultView(t, assessRaw(t, "--scenario", name))
			ff, fm, _, _ := faultView(t, assessRaw(t, "--scenario", faultScenario(t, name, map[string]any{"seed": 1, "forbidden": []string{"Get-AuthenticationPolicy"}})))
			changed := 0
			for id, c := range cf {
				f := ff[id].(map[string]any)
				if reflect.DeepEqual(c, f) {
					continue
				}
				changed++
				text, _ := json.Marshal(f)
				namesRole := strings.Contains(strings.ToLower(string(text)), "global reader")
				switch {
				case f["status"] == "error" && namesRole:
				case f["status"] == c.(map[string]any)["status"] && namesRole:
				default:
					t.Errorf("%s: %v %q, want error naming Global Reader (clean: %v)", id, f["status"], f["detail"], c.(map[string]any)["status"])
				}
			}
			if _, ok := cf["EXO-BASIC-AUTH-POLICY"]; ok {
				if f := ff["EXO-BASIC-AUTH-POLICY"].(map[string]any); f["status"] != "error" {
					t.Errorf("EXO-BASIC-AUTH-POLICY is %v, want error", f["status"])
				}
			}
			if changed == 0 {
				t.Errorf("no finding changed under a 403 on Get-AuthenticationPolicy")
			}
			// Missing data never turns into blocked or mfa: under the 403 no
			// cell counts more blocked or mfa users than in the clean run.
			cells := func(m any) map[string]any {
				return m.(map[string]any)["before"].(map[string]any)["cells"].(map[string]any)
			}
			for p, byMethod := range cells(cm) {
				for meth, c := range byMethod.(map[string]any) {
					clean := c.(map[string]any)["users"].(map[string]any)
					faulty := cells(fm)[p].(map[string]any)[meth].(map[string]any)["users"].(map[string]any)
					for _, v := range []string{"blocked", "mfa"} {
						cn, _ := clean[v].(float64)
						fn, _ := faulty[v].(float64)
						if fn > cn {
							t.Errorf("%s/%s: %v %s users under the 403, %v in the clean run: missing data became %s", p, meth, fn, v, cn, v)
						}
					}
				}
			}
		})
	}
}

// The tokens expire mid-run: Graph and Exchange get new ones and collect
// as in the clean run; the Okta API token cannot be renewed, so the Okta
// sources still running are errors naming the token, and the findings
// that need them say error, never a pass on missing data.
func TestAssessTokenExpiresMidRun(t *testing.T) {
	for _, name := range sim.Builtins() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cf, _, cc, _ := faultView(t, assessRaw(t, "--scenario", name))
			ff, _, fc, _ := faultView(t, assessRaw(t, "--scenario", faultScenario(t, name, map[string]any{"seed": 1, "expireTokens": 8, "pageSize": 5})))
			clean := map[string]map[string]any{}
			for _, c := range cc {
				m := c.(map[string]any)
				clean[m["id"].(string)] = m
			}
			oktaErrors := 0
			for _, c := range fc {
				m := c.(map[string]any)
				id := m["id"].(string)
				if m["service"] == "okta" && m["state"] == "error" && clean[id]["state"] == "ok" {
					oktaErrors++
					if m["httpStatus"] != 401.0 || !strings.Contains(fmt.Sprint(m["fix"]), "create a new one") {
						t.Errorf("%s: %v, want a 401 saying to create a new API token", id, m)
					}
					continue
				}
				if id == "okta.factors" && m["state"] == "skipped" && strings.Contains(fmt.Sprint(m["fix"]), "could not be listed (okta.users)") {
					continue // read per listed user: not read when the listing failed
				}
				if m["state"] == "error" && clean[id]["state"] == "error" {
					// Failed either way (Classic Engine's rules); which
					// error comes first depends on the order of requests.
					continue
				}
				if !reflect.DeepEqual(m, clean[id]) {
					t.Errorf("%s differs after the tokens expired:\nclean  %v\nfaults %v", id, clean[id], m)
				}
			}
			if oktaErrors == 0 {
				t.Errorf("no Okta source failed with the expired API token")
			}
			changed := 0
			for id, c := range cf {
				f := ff[id].(map[string]any)
				if reflect.DeepEqual(c, f) {
					continue
				}
				changed++
				if f["status"] != "error" && f["status"] != c.(map[string]any)["status"] {
					t.Errorf("%s: %v (clean %v): missing Okta data must be an error, not a verdict", id, f["status"], c.(map[string]any)["status"])
				}
			}
			t.Logf("%d Okta sources failed, %d findings changed", oktaErrors, changed)
		})
	}
}

// An apply under throttling: writes refused with 429 are resent (the
// service did nothing), so every write is made once, the organisation
// collected again matches the simulation, and rollback restores the
// simulator's state.
func TestApplyUnderThrottling(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{Faults: &sim.Faults{Seed: 7, Throttle: 0.2, RetryAfter: 10 * time.Millisecond}})
	orig := getState(t, srv.URL())
	journal := filepath.Join(t.TempDir(), "apply.jsonl")
	out, errOut, code := run(t, "apply", "--sim", srv.URL(), "--plan", "B,C,SMTP-AUTH,D,E", "--yes", "--journal", journal, "-q")
	if code != 0 || !strings.Contains(out, "Verified") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Done()) == 0 || len(j.InDoubt()) != 0 || j.Outcome != remediate.OutcomeComplete {
		t.Errorf("journal: %d done, %d in doubt, outcome %s", len(j.Done()), len(j.InDoubt()), j.Outcome)
	}
	if _, errOut, code := run(t, "rollback", "--sim", srv.URL(), "--journal", journal, "--yes", "-q"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, errOut)
	}
	assertStateRestored(t, orig, getState(t, srv.URL()))
}

// An Okta API token that expires during an apply cannot be renewed: the
// apply stops at the first Okta write that meets it, says what to do,
// and the journal holds exactly the writes made, which rollback undoes
// (with a fresh token).
func TestApplyStopsWhenOktaTokenExpires(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "contoso", sim.Options{Faults: &sim.Faults{Seed: 7, ExpireTokens: 30}})
	orig := getState(t, srv.URL())
	journal := filepath.Join(t.TempDir(), "apply.jsonl")
	_, errOut, code := run(t, "apply", "--sim", srv.URL(), "--plan", "B,C,SMTP-AUTH,D,E", "--yes", "--journal", journal, "-q")
	if code != 1 || !strings.Contains(errOut, "E0000011") || !strings.Contains(errOut, "says") {
		t.Fatalf("exit %d\nstderr:\n%s", code, errOut)
	}
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Done()) == 0 || j.Outcome != remediate.OutcomeFailed {
		t.Fatalf("journal: %d done, outcome %s", len(j.Done()), j.Outcome)
	}
	for _, w := range j.Done() {
		if w.Write.Service == "okta" {
			t.Errorf("%s is journalled done, though Okta refused the token", w.Write.ID)
		}
	}
	if _, errOut, code := run(t, "rollback", "--sim", srv.URL(), "--journal", journal, "--yes", "-q"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, errOut)
	}
	assertStateRestored(t, orig, getState(t, srv.URL()))
}
