package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type jsonResult struct {
	Tool         struct{ Name, Version string }
	Organization struct {
		TenantID string `json:"tenantId"`
		Name     string
		Domains  []string
	}
	AsOf     string `json:"asOf"`
	Findings []struct {
		ID, Step, Severity, Status, Title, Detail string
		Evidence                                  []string
		Affected                                  int
	}
	Matrix struct {
		Before struct {
			Protocols []string
			Methods   []string
			Cells     map[string]map[string]struct {
				Verdict string
				Users   map[string]int
				Reasons []string
			}
		}
	}
	Clients struct {
		Users []struct{ User, Platform, Client, Version, ModernAuth, Source, TableRow string }
	}
}

func assessJSON(t *testing.T, args ...string) (jsonResult, string) {
	t.Helper()
	out, errOut, code := run(t, append([]string{"assess", "--format", "json", "-q"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r jsonResult
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return r, out
}

func status(r jsonResult) map[string]string {
	m := map[string]string{}
	for _, f := range r.Findings {
		m[f.ID] = f.Status
	}
	return m
}

// The whitepaper's organisation fails A-E as the whitepaper describes, in
// CONTRACT.md's JSON shape.
func TestAssessWhitepaperJSON(t *testing.T) {
	r, raw := assessJSON(t, "--scenario", "whitepaper")
	for _, key := range []string{`"tool"`, `"organization"`, `"asOf"`, `"findings"`, `"matrix"`, `"before"`, `"clients"`, `"tenantId"`, `"modernAuth"`, `"tableRow"`} {
		if !strings.Contains(raw, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	if r.Tool.Name != "harden365" || r.AsOf != "2019-06-01" || r.Organization.TenantID == "" || len(r.Organization.Domains) != 3 {
		t.Errorf("header: %+v %s %+v", r.Tool, r.AsOf, r.Organization)
	}
	st := status(r)
	for _, id := range []string{"FED-DOMAINS", "EXO-MODERN-AUTH", "EXO-LEGACY-PROTOCOLS", "EXO-BASIC-AUTH-POLICY", "OKTA-DENY-LEGACY", "OKTA-MFA-MODERN"} {
		if st[id] != "fail" {
			t.Errorf("%s: %s, want fail", id, st[id])
		}
	}
	for _, f := range r.Findings {
		if f.ID == "FED-DOMAINS" && !strings.Contains(f.Detail, "mijndomein.be") {
			t.Errorf("FED-DOMAINS does not name the unfederated domain: %s", f.Detail)
		}
	}
	want := []string{"owa", "mapi", "rpc", "ews", "activesync", "pop", "imap", "smtp", "powershell"}
	if !reflect.DeepEqual(r.Matrix.Before.Protocols, want) || !reflect.DeepEqual(r.Matrix.Before.Methods, []string{"basic", "modern"}) {
		t.Errorf("protocols %v methods %v", r.Matrix.Before.Protocols, r.Matrix.Before.Methods)
	}
	for _, p := range []string{"pop", "imap", "activesync", "ews", "mapi"} {
		c := r.Matrix.Before.Cells[p]["basic"]
		if c.Verdict != "password" || c.Users["password"] == 0 || len(c.Reasons) == 0 {
			t.Errorf("%s/basic: %+v", p, c)
		}
	}
	if c := r.Matrix.Before.Cells["owa"]["basic"]; c.Verdict != "unsupported" {
		t.Errorf("owa/basic: %+v", c)
	}
	if len(r.Clients.Users) == 0 {
		t.Fatal("no client inventory")
	}
	for _, c := range r.Clients.Users {
		if c.User == "" || c.ModernAuth == "" || c.TableRow == "" {
			t.Errorf("incomplete client entry %+v", c)
		}
	}
}

// As of today, Microsoft's retirement of basic auth decides most cells;
// SMTP basic still depends on the organisation.
func TestAssessAsOfToday(t *testing.T) {
	r, _ := assessJSON(t, "--scenario", "whitepaper", "--as-of", "2026-11-22")
	if r.AsOf != "2026-11-22" {
		t.Errorf("asOf %s", r.AsOf)
	}
	for _, p := range []string{"pop", "imap", "activesync", "ews", "mapi", "rpc", "powershell"} {
		c := r.Matrix.Before.Cells[p]["basic"]
		if c.Verdict != "blocked" || !strings.Contains(strings.Join(c.Reasons, " "), "retired") {
			t.Errorf("%s/basic as of 2026-11-22: %+v", p, c)
		}
	}
	if c := r.Matrix.Before.Cells["smtp"]["basic"]; c.Verdict != "password" {
		t.Errorf("smtp/basic as of 2026-11-22: %+v", c)
	}
}

func TestAssessFromSnapshotEqualsDirect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	if _, errOut, code := run(t, "collect", "--scenario", "contoso", "--out", path, "-q"); code != 0 {
		t.Fatal(errOut)
	}
	direct, _ := assessJSON(t, "--scenario", "contoso")
	offline, _ := assessJSON(t, "--snapshot", path)
	for i := range direct.Findings {
		if i < len(offline.Findings) && !reflect.DeepEqual(direct.Findings[i], offline.Findings[i]) {
			t.Errorf("assessing the saved snapshot differs from assessing the organisation:\n%+v\n%+v", direct.Findings[i], offline.Findings[i])
		}
	}
	if len(direct.Findings) != len(offline.Findings) || !reflect.DeepEqual(direct.Matrix, offline.Matrix) {
		t.Error("assessing the saved snapshot differs from assessing the organisation")
	}
}

func TestAssessClassicOktaIsAnErrorNotAVerdict(t *testing.T) {
	r, _ := assessJSON(t, "--scenario", "okta-classic")
	st := status(r)
	if st["OKTA-DENY-LEGACY"] != "error" || st["OKTA-MFA-MODERN"] != "error" {
		t.Errorf("OKTA-* on Classic: %v", st)
	}
	unknown := 0
	for _, cells := range r.Matrix.Before.Cells {
		for _, c := range cells {
			unknown += c.Users["unknown"]
		}
	}
	if unknown == 0 {
		t.Error("no matrix cell is unknown although the Okta rules could not be read")
	}
}

func TestAssessExitCodes(t *testing.T) {
	if _, errOut, code := run(t, "assess", "--scenario", "whitepaper", "-q", "--fail-on", "high"); code != 3 || !strings.Contains(errOut, "FED-DOMAINS") {
		t.Errorf("--fail-on high on whitepaper: exit %d, %q", code, errOut)
	}
	if _, _, code := run(t, "assess", "--scenario", "whitepaper", "-q"); code != 0 {
		t.Errorf("no --fail-on: exit %d, want 0", code)
	}
	if _, errOut, code := run(t, "assess", "--scenario", "whitepaper", "--format", "yaml"); code != 1 || !strings.Contains(errOut, "json or text") {
		t.Errorf("bad format: exit %d, %q", code, errOut)
	}
	if _, errOut, code := run(t, "assess", "--scenario", "whitepaper", "--fail-on", "critical"); code != 1 || !strings.Contains(errOut, "high, medium or low") {
		t.Errorf("bad --fail-on: exit %d, %q", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schemaVersion": 1, "users": "many"}`), 0o600)
	if _, errOut, code := run(t, "assess", "--snapshot", bad); code != 1 || !strings.Contains(errOut, "users") {
		t.Errorf("malformed snapshot: exit %d, %q", code, errOut)
	}
}

func TestAssessTextAndChoices(t *testing.T) {
	choices := filepath.Join(t.TempDir(), "choices.json")
	os.WriteFile(choices, []byte(`{"exceptions": {"users": ["jira@mijndomein.nl"], "oktaGroup": "Service accounts"}}`), 0o600)
	out, errOut, code := run(t, "assess", "--scenario", "whitepaper", "-q", "--choices", choices)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Findings", "✗ FAIL", "FED-DOMAINS", "Access matrix", "password 40", "unsupported 41"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if !strings.Contains(out, "EXO-LEGACY-PROTOCOLS") || !strings.Contains(out, "(40 affected)") {
		t.Errorf("the declared exception did not reduce EXO-LEGACY-PROTOCOLS to 40 mailboxes:\n%s", out)
	}
	os.WriteFile(choices, []byte(`{"exceptions": {"userz": []}}`), 0o600)
	if _, errOut, code := run(t, "assess", "--scenario", "whitepaper", "--choices", choices); code != 1 || !strings.Contains(errOut, "userz") {
		t.Errorf("unknown choices key: exit %d, %q", code, errOut)
	}
}

// --plan adds the simulated after-matrix and the plan: on the whitepaper's
// organisation, A-F leave no password path and browsers need MFA.
func TestAssessPlanWhitepaper(t *testing.T) {
	choices := filepath.Join(t.TempDir(), "choices.json")
	os.WriteFile(choices, []byte(`{"exceptions": {"users": ["jira@mijndomein.nl"], "oktaGroup": "Service accounts"}, "zones": ["Office egress"]}`), 0o600)
	_, raw := assessJSON(t, "--scenario", "whitepaper", "--plan", "all", "--choices", choices)
	var r struct {
		Matrix struct {
			After struct {
				Cells map[string]map[string]struct{ Verdict string }
			}
		}
		Plan []struct {
			Step       string
			Fixes      []string
			Changes    int
			Reversible bool
			Breaks     []struct{ User, Client string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Matrix.After.Cells) == 0 {
		t.Fatal("no after-matrix")
	}
	for p, cells := range r.Matrix.After.Cells {
		for m, c := range cells {
			if c.Verdict == "password" {
				t.Errorf("after the plan, %s/%s is still password", p, m)
			}
		}
	}
	if v := r.Matrix.After.Cells["owa"]["modern"].Verdict; v != "mfa" {
		t.Errorf("owa/modern after: %s, want mfa", v)
	}
	var order []string
	breaks := 0
	for _, e := range r.Plan {
		order = append(order, e.Step)
		breaks += len(e.Breaks)
		if e.Changes == 0 || len(e.Fixes) == 0 {
			t.Errorf("step %s: %d changes, fixes %v", e.Step, e.Changes, e.Fixes)
		}
		if e.Step == "F" && e.Reversible {
			t.Error("revoking sessions cannot be undone")
		}
	}
	if order[len(order)-1] != "F" || strings.Index(strings.Join(order, ","), "B") > strings.Index(strings.Join(order, ","), "D") {
		t.Errorf("order %v: B must precede D and F come last", order)
	}
	if breaks == 0 {
		t.Error("the plan names nobody who loses a client, but the whitepaper has Outlook 2010 users")
	}
	if _, errOut, code := run(t, "assess", "--scenario", "whitepaper", "-q", "--plan", "A,Z"); code != 1 || !strings.Contains(errOut, "Z") {
		t.Errorf("unknown step: exit %d, %q", code, errOut)
	}
}
