package sim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const oktaLayout = "2006-01-02T15:04:05.000Z"

// oktaWantErr checks Okta's error body.
func oktaWantErr(t *testing.T, r wresp, status int, code, summary, cause string) {
	t.Helper()
	b := r.obj()
	if r.status != status || b["errorCode"] != code || b["errorLink"] != code || !strings.HasPrefix(jstr(b["errorId"]), "oae") {
		t.Errorf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
	if summary != "" && b["errorSummary"] != summary {
		t.Errorf("errorSummary %q, want %q", b["errorSummary"], summary)
	}
	if cause != "" && !strings.Contains(jstr(dig(b, "errorCauses", 0, "errorSummary")), cause) {
		t.Errorf("errorCauses %v, want one containing %q", b["errorCauses"], cause)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" || r.header.Get("X-Rate-Limit-Remaining") == "" {
		t.Errorf("headers: Content-Type %q, X-Rate-Limit-Remaining %q", ct, r.header.Get("X-Rate-Limit-Remaining"))
	}
}

// oktaWant204 checks an empty 204 with Okta's headers.
func oktaWant204(t *testing.T, r wresp) {
	t.Helper()
	if r.status != http.StatusNoContent || len(r.raw) != 0 || r.header.Get("X-Rate-Limit-Limit") == "" {
		t.Errorf("want an empty 204 with rate-limit headers, got %d %q %v", r.status, r.raw, r.header)
	}
}

// rulesByPriority lists a policy's rules through the API as "id:priority".
func (ws *wsim) rulesByPriority(pid string) []string {
	ws.t.Helper()
	r := ws.do(http.MethodGet, "/api/v1/policies/"+pid+"/rules", nil)
	if r.status != http.StatusOK {
		ws.t.Fatalf("rules of %s: %d %s", pid, r.status, r.raw)
	}
	var out []string
	for _, v := range r.body.([]any) {
		m := v.(map[string]any)
		out = append(out, fmt.Sprintf("%s:%v", m["id"], m["priority"]))
	}
	return out
}

func denyLegacyRule(name string, priority any) map[string]any {
	r := map[string]any{
		"type": "ACCESS_POLICY", "name": name,
		"conditions": map[string]any{
			"people":          map[string]any{"users": map[string]any{"exclude": []any{}}, "groups": map[string]any{"exclude": []any{"00g1exc"}}},
			"network":         map[string]any{"connection": "ANYWHERE"},
			"office365Client": map[string]any{"include": []any{"EXCHANGE_ACTIVE_SYNC"}},
		},
		"actions": map[string]any{"appSignOn": map[string]any{
			"access":             "DENY",
			"verificationMethod": map[string]any{"type": "ASSURANCE", "factorMode": "1FA", "reauthenticateIn": "PT43800H", "constraints": []any{}},
		}},
		"keepMeSignedIn": "not modelled by the simulator, stored verbatim",
	}
	if priority != nil {
		r["priority"] = priority
	}
	return r
}

func TestOktaWriteCreateRule(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	const rules = "/api/v1/policies/rst1fab/rules"
	var r wresp
	before, after := ws.timed(func() { r = ws.do(http.MethodPost, rules, denyLegacyRule("Deny legacy (harden365)", 1)) })
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST rule: %d %s", r.status, r.raw)
	}
	rule := r.obj()
	id := jstr(rule["id"])
	if len(id) != 20 || !strings.HasPrefix(id, "0pr") || rule["status"] != "ACTIVE" || rule["system"] != false || rule["priority"] != json.Number("1") {
		t.Errorf("created rule %s", r.raw)
	}
	wantStamp(t, "created", rule["created"], oktaLayout, before, after)
	if rule["lastUpdated"] != rule["created"] {
		t.Errorf("lastUpdated %v, created %v", rule["lastUpdated"], rule["created"])
	}
	if !slices.Equal(dig(rule, "conditions", "office365Client", "include").([]any), []any{"EXCHANGE_ACTIVE_SYNC"}) ||
		rule["keepMeSignedIn"] != "not modelled by the simulator, stored verbatim" {
		t.Errorf("the body was not stored verbatim: %s", r.raw)
	}
	// Inserted at 1: the others from 1 on shift down, the catch-all stays.
	want := []string{"0pr1deny:0", id + ":1", "0pr2exc:2", "0pr3mfa:3", "0pr9all:99"}
	if got := ws.rulesByPriority("rst1fab"); !slices.Equal(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	if g := ws.do(http.MethodGet, rules+"/"+id, nil); g.status != http.StatusOK || dig(g.body, "conditions", "office365Client", "include", 0) != "EXCHANGE_ACTIVE_SYNC" {
		t.Errorf("GET the new rule: %d %s", g.status, g.raw)
	}
	st := ws.state()
	if sr := find(dig(st, "okta", "policyRules", "rst1fab"), "id", id); sr == nil || sr["created"] != rule["created"] {
		t.Errorf("state rule %v", sr)
	}

	// ?activate=false, a priority beyond the end, and none.
	r = ws.do(http.MethodPost, rules+"?activate=false", denyLegacyRule("Beyond", 50))
	beyond := jstr(r.obj()["id"])
	if r.status != http.StatusOK || r.obj()["status"] != "INACTIVE" || r.obj()["priority"] != json.Number("4") {
		t.Errorf("POST ?activate=false priority 50: %d %s", r.status, r.raw)
	}
	r = ws.do(http.MethodPost, rules, denyLegacyRule("No priority", nil))
	last := jstr(r.obj()["id"])
	want = []string{"0pr1deny:0", id + ":1", "0pr2exc:2", "0pr3mfa:3", beyond + ":4", last + ":5", "0pr9all:99"}
	if got := ws.rulesByPriority("rst1fab"); !slices.Equal(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	ws.state()

	// Refusals.
	empty := denyLegacyRule("Empty EL", 0)
	empty["conditions"].(map[string]any)["elCondition"] = map[string]any{"condition": ""}
	oktaWantErr(t, ws.do(http.MethodPost, rules, empty), 400, "E0000001", "Api validation failed: conditions.elCondition.condition", "cannot be empty")
	noName := denyLegacyRule("", 0)
	oktaWantErr(t, ws.do(http.MethodPost, rules, noName), 400, "E0000001", "Api validation failed: name", "name: The field cannot be left blank")
	oktaWantErr(t, ws.do(http.MethodPost, rules, denyLegacyRule("deny LEGACY (harden365)", 0)), 400, "E0000001", "Api validation failed: name", "already exists")
	wrongType := denyLegacyRule("Sign-on", 0)
	wrongType["type"] = "SIGN_ON"
	oktaWantErr(t, ws.do(http.MethodPost, rules, wrongType), 400, "E0000001", "Api validation failed: type", "Invalid rule type SIGN_ON")
	zone := denyLegacyRule("Zone", 0)
	zone["conditions"].(map[string]any)["network"] = map[string]any{"connection": "ZONE", "include": []any{"nzoNOSUCHZONE"}}
	oktaWantErr(t, ws.do(http.MethodPost, rules, zone), 400, "E0000001", "Api validation failed: conditions.network.include", "nzoNOSUCHZONE")
	group := denyLegacyRule("Group", 0)
	group["conditions"].(map[string]any)["people"] = map[string]any{"groups": map[string]any{"include": []any{"00gNOSUCHGROUP"}}}
	oktaWantErr(t, ws.do(http.MethodPost, rules, group), 400, "E0000001", "Api validation failed: conditions.people.groups.include", "00gNOSUCHGROUP")
	access := denyLegacyRule("Access", 0)
	access["actions"] = map[string]any{"appSignOn": map[string]any{"access": "MAYBE"}}
	oktaWantErr(t, ws.do(http.MethodPost, rules, access), 400, "E0000001", "Api validation failed: actions.appSignOn.access", "MAYBE")
	oktaWantErr(t, ws.do(http.MethodPost, rules, denyLegacyRule("Negative", -1)), 400, "E0000001", "Api validation failed: priority", "")
	oktaWantErr(t, ws.do(http.MethodPost, rules, []byte(`{"name":`)), 400, "E0000003", "The request body was not well-formed.", "")
	oktaWantErr(t, ws.do(http.MethodPost, "/api/v1/policies/rstNOSUCH/rules", denyLegacyRule("X", 0)), 404, "E0000007", "Not found: Resource not found: rstNOSUCH (Policy)", "")
	if got := ws.rulesByPriority("rst1fab"); len(got) != 7 {
		t.Errorf("refused creates changed the rules: %v", got)
	}
}

func TestOktaWriteRuleLimit(t *testing.T) {
	ws := startWrite(t, minimalFile, func(doc map[string]any) {
		pr := dig(doc, "okta", "policyRules").(map[string]any)
		rules := pr["rst1fab"].([]any)
		catchAll := rules[len(rules)-1]
		rules = rules[:len(rules)-1]
		for i := len(rules); i < 99; i++ {
			rules = append(rules, map[string]any{"id": fmt.Sprintf("0prFILL%013d", i), "type": "ACCESS_POLICY", "name": fmt.Sprintf("Filler %d", i),
				"status": "ACTIVE", "priority": i, "system": false,
				"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}})
		}
		pr["rst1fab"] = append(rules, catchAll)
	})
	oktaWantErr(t, ws.do(http.MethodPost, "/api/v1/policies/rst1fab/rules", denyLegacyRule("One too many", 0)), 400, "E0000001", "", "at most 100 rules")
	// Making room makes it possible again.
	oktaWant204(t, ws.do(http.MethodDelete, "/api/v1/policies/rst1fab/rules/0prFILL0000000000050", nil))
	if r := ws.do(http.MethodPost, "/api/v1/policies/rst1fab/rules", denyLegacyRule("The hundredth", 0)); r.status != http.StatusOK {
		t.Errorf("the 100th rule: %d %s", r.status, r.raw)
	}
}

func TestOktaWriteReplaceRule(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	const mfa = "/api/v1/policies/rst1fab/rules/0pr3mfa"
	orig := ws.do(http.MethodGet, mfa, nil).obj()
	body := map[string]any{
		"id": "0pr3mfa", "type": "ACCESS_POLICY", "name": "Web and modern with MFA, every sign-in", "priority": 0,
		"status":     "INACTIVE", // ignored: the lifecycle calls change status
		"conditions": map[string]any{"network": map[string]any{"connection": "ANYWHERE"}},
		"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW",
			"verificationMethod": map[string]any{"type": "ASSURANCE", "factorMode": "2FA", "reauthenticateIn": "PT0S", "constraints": []any{}}}},
	}
	var r wresp
	before, after := ws.timed(func() { r = ws.do(http.MethodPut, mfa, body) })
	if r.status != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.status, r.raw)
	}
	got := r.obj()
	if _, kept := dig(got, "conditions").(map[string]any)["office365Client"]; kept {
		t.Errorf("PUT is a full replace, office365Client must be gone: %s", r.raw)
	}
	if got["status"] != "ACTIVE" || got["created"] != orig["created"] || got["name"] != body["name"] || dig(got, "actions", "appSignOn", "verificationMethod", "reauthenticateIn") != "PT0S" {
		t.Errorf("replaced rule %s", r.raw)
	}
	wantStamp(t, "lastUpdated", got["lastUpdated"], oktaLayout, before, after)
	if want := []string{"0pr3mfa:0", "0pr1deny:1", "0pr2exc:2", "0pr9all:99"}; !slices.Equal(ws.rulesByPriority("rst1fab"), want) {
		t.Errorf("rules %v, want %v", ws.rulesByPriority("rst1fab"), want)
	}
	// Without a priority the rule keeps its place.
	delete(body, "priority")
	body["name"] = "Renamed"
	if r := ws.do(http.MethodPut, mfa, body); r.status != http.StatusOK || r.obj()["priority"] != json.Number("0") {
		t.Errorf("PUT without priority: %d %s", r.status, r.raw)
	}
	body["priority"] = 7
	if r := ws.do(http.MethodPut, mfa, body); r.status != http.StatusOK || r.obj()["priority"] != json.Number("2") {
		t.Errorf("PUT priority beyond the end: %d %s", r.status, r.raw)
	}
	if st := ws.state(); find(dig(st, "okta", "policyRules", "rst1fab"), "id", "0pr3mfa")["name"] != "Renamed" {
		t.Errorf("state: %v", dig(st, "okta", "policyRules", "rst1fab"))
	}

	// The catch-all: its conditions are immutable, its actions are not.
	const all = "/api/v1/policies/rst1fab/rules/0pr9all"
	catch := map[string]any{"type": "ACCESS_POLICY", "name": "Catch-all Rule", "conditions": map[string]any{"network": map[string]any{"connection": "ZONE", "include": []any{"nzo1office"}}},
		"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW"}}}
	oktaWantErr(t, ws.do(http.MethodPut, all, catch), 400, "E0000001", "Api validation failed: conditions", "cannot be changed")
	catch["conditions"] = map[string]any{"people": map[string]any{"users": map[string]any{"exclude": []any{}}}} // empty: the same as none
	catch["priority"], catch["name"] = 0, "Renamed catch-all"
	r = ws.do(http.MethodPut, all, catch)
	if r.status != http.StatusOK || dig(r.body, "actions", "appSignOn", "access") != "ALLOW" || r.obj()["priority"] != json.Number("99") ||
		r.obj()["name"] != "Catch-all Rule" || r.obj()["system"] != true || r.obj()["conditions"] != nil {
		t.Errorf("PUT catch-all: %d %s", r.status, r.raw)
	}
	oktaWantErr(t, ws.do(http.MethodPut, "/api/v1/policies/rst1fab/rules/0prNOSUCH", body), 404, "E0000007", "Not found: Resource not found: 0prNOSUCH (PolicyRule)", "")
	noType := map[string]any{"name": "x", "actions": body["actions"]}
	oktaWantErr(t, ws.do(http.MethodPut, mfa, noType), 400, "E0000001", "Api validation failed: type", "")
	ws.state()
}

func TestOktaWriteDeleteAndLifecycle(t *testing.T) {
	ws := startWrite(t, minimalFile, nil)
	const rules = "/api/v1/policies/rst1fab/rules/"
	oktaWant204(t, ws.do(http.MethodDelete, rules+"0pr1deny", nil))
	if want := []string{"0pr2exc:0", "0pr3mfa:1", "0pr9all:99"}; !slices.Equal(ws.rulesByPriority("rst1fab"), want) {
		t.Errorf("after DELETE: %v, want %v", ws.rulesByPriority("rst1fab"), want)
	}
	oktaWantErr(t, ws.do(http.MethodGet, rules+"0pr1deny", nil), 404, "E0000007", "", "")
	oktaWantErr(t, ws.do(http.MethodDelete, rules+"0pr1deny", nil), 404, "E0000007", "Not found: Resource not found: 0pr1deny (PolicyRule)", "")
	oktaWantErr(t, ws.do(http.MethodDelete, rules+"0pr9all", nil), 403, "E0000006", "You do not have permission to perform the requested action", "cannot be deleted")

	var r wresp
	before, after := ws.timed(func() { r = ws.do(http.MethodPost, rules+"0pr2exc/lifecycle/deactivate", nil) })
	oktaWant204(t, r)
	got := ws.do(http.MethodGet, rules+"0pr2exc", nil).obj()
	if got["status"] != "INACTIVE" {
		t.Errorf("after deactivate: %v", got)
	}
	wantStamp(t, "lastUpdated", got["lastUpdated"], oktaLayout, before, after)
	if st := ws.state(); find(dig(st, "okta", "policyRules", "rst1fab"), "id", "0pr2exc")["status"] != "INACTIVE" {
		t.Error("state: still ACTIVE")
	}
	oktaWant204(t, ws.do(http.MethodPost, rules+"0pr2exc/lifecycle/activate", nil))
	if got := ws.do(http.MethodGet, rules+"0pr2exc", nil).obj(); got["status"] != "ACTIVE" {
		t.Errorf("after activate: %v", got)
	}
	oktaWantErr(t, ws.do(http.MethodPost, rules+"0pr9all/lifecycle/deactivate", nil), 403, "E0000006", "", "cannot be deactivated")
	oktaWant204(t, ws.do(http.MethodPost, rules+"0pr9all/lifecycle/activate", nil))
	oktaWantErr(t, ws.do(http.MethodPost, rules+"0pr2exc/lifecycle/suspend", nil), 404, "E0000007", "", "")
	oktaWantErr(t, ws.do(http.MethodPost, rules+"0prNOSUCH/lifecycle/activate", nil), 404, "E0000007", "Not found: Resource not found: 0prNOSUCH (PolicyRule)", "")
	ws.state()
}

// TestOktaWriteClassic: on a Classic org ACCESS_POLICY policies do not
// exist for the API, for writes as for reads; groups work as on any org.
func TestOktaWriteClassic(t *testing.T) {
	ws := startWrite(t, minimalFile, func(doc map[string]any) { doc["okta"].(map[string]any)["pipeline"] = "v1" })
	const notFound = "Not found: Resource not found: rst1fab (Policy)"
	oktaWantErr(t, ws.do(http.MethodGet, "/api/v1/policies/rst1fab/rules", nil), 404, "E0000007", notFound, "")
	oktaWantErr(t, ws.do(http.MethodPost, "/api/v1/policies/rst1fab/rules", denyLegacyRule("X", 0)), 404, "E0000007", notFound, "")
	oktaWantErr(t, ws.do(http.MethodPut, "/api/v1/policies/rst1fab/rules/0pr1deny", denyLegacyRule("X", 0)), 404, "E0000007", notFound, "")
	oktaWantErr(t, ws.do(http.MethodDelete, "/api/v1/policies/rst1fab/rules/0pr1deny", nil), 404, "E0000007", notFound, "")
	oktaWantErr(t, ws.do(http.MethodPost, "/api/v1/policies/rst1fab/rules/0pr1deny/lifecycle/deactivate", nil), 404, "E0000007", notFound, "")
	if n := len(dig(ws.state(), "okta", "policyRules", "rst1fab").([]any)); n != 4 {
		t.Errorf("rules in the state: %d", n)
	}

	classic := startWrite(t, "okta-classic", nil)
	r := classic.do(http.MethodPost, "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "O365 legacy exceptions"}})
	if r.status != http.StatusOK {
		t.Fatalf("group on a Classic org: %d %s", r.status, r.raw)
	}
	// The Classic sign-on policy keeps its default rule last.
	rule := map[string]any{"type": "SIGN_ON", "name": "MFA everywhere", "priority": 1,
		"conditions": map[string]any{"network": map[string]any{"connection": "ANYWHERE"}},
		"actions":    map[string]any{"signon": map[string]any{"access": "ALLOW", "requireFactor": true}}}
	if r := classic.do(http.MethodPost, "/api/v1/policies/00pK0RRlhGxLxbvwXaYy/rules", rule); r.status != http.StatusOK || r.obj()["priority"] != json.Number("1") {
		t.Errorf("Classic sign-on rule: %d %s", r.status, r.raw)
	}
	if got := classic.rulesByPriority("00pK0RRlhGxLxbvwXaYy"); len(got) != 2 || got[1] != "0prSgXkmJqIaenzOmnxS:2" {
		t.Errorf("Classic rules %v", got)
	}
	classic.state()
}

func TestOktaWriteGroups(t *testing.T) {
	ws := startWrite(t, "contoso", nil)
	var r wresp
	before, after := ws.timed(func() {
		r = ws.do(http.MethodPost, "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "O365 legacy exceptions (harden365)", "description": "Declared exceptions"}})
	})
	if r.status != http.StatusOK {
		t.Fatalf("POST group: %d %s", r.status, r.raw)
	}
	g := r.obj()
	gid := jstr(g["id"])
	if len(gid) != 20 || !strings.HasPrefix(gid, "00g") || g["type"] != "OKTA_GROUP" || dig(g, "objectClass", 0) != "okta:user_group" ||
		dig(g, "profile", "description") != "Declared exceptions" {
		t.Errorf("created group %s", r.raw)
	}
	wantStamp(t, "created", g["created"], oktaLayout, before, after)
	if got := ws.do(http.MethodGet, "/api/v1/groups/"+gid, nil); got.status != http.StatusOK || dig(got.body, "profile", "name") != "O365 legacy exceptions (harden365)" {
		t.Errorf("GET group: %d %s", got.status, got.raw)
	}
	if l := ws.do(http.MethodGet, "/api/v1/groups?q=O365", nil); len(l.body.([]any)) != 2 {
		t.Errorf("groups starting with O365: %s", l.raw)
	}
	ws.state()
	oktaWantErr(t, ws.do(http.MethodPost, "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "o365 LEGACY exceptions (harden365)"}}),
		400, "E0000001", "Api validation failed: name", "An object with this field already exists in the current organization")
	oktaWantErr(t, ws.do(http.MethodPost, "/api/v1/groups", map[string]any{"profile": map[string]any{}}), 400, "E0000001", "Api validation failed: name", "cannot be left blank")

	// Membership.
	users := ws.do(http.MethodGet, "/api/v1/users?limit=2", nil).body.([]any)
	uid := jstr(users[0].(map[string]any)["id"])
	before, after = ws.timed(func() { r = ws.do(http.MethodPut, "/api/v1/groups/"+gid+"/users/"+uid, nil) })
	oktaWant204(t, r)
	members := ws.do(http.MethodGet, "/api/v1/groups/"+gid+"/users", nil).body.([]any)
	if len(members) != 1 || jstr(members[0].(map[string]any)["id"]) != uid {
		t.Errorf("members after PUT: %v", members)
	}
	g = ws.do(http.MethodGet, "/api/v1/groups/"+gid, nil).obj()
	wantStamp(t, "lastMembershipUpdated", g["lastMembershipUpdated"], oktaLayout, before, after)
	oktaWant204(t, ws.do(http.MethodPut, "/api/v1/groups/"+gid+"/users/"+uid, nil)) // idempotent
	if members := ws.do(http.MethodGet, "/api/v1/groups/"+gid+"/users", nil).body.([]any); len(members) != 1 {
		t.Errorf("a second PUT added the user twice: %v", members)
	}
	if st := ws.state(); !slices.Equal(dig(st, "okta", "groupUsers", gid).([]any), []any{uid}) {
		t.Errorf("state groupUsers %v", dig(st, "okta", "groupUsers", gid))
	}
	oktaWantErr(t, ws.do(http.MethodPut, "/api/v1/groups/"+gid+"/users/00uNOSUCHUSER", nil), 404, "E0000007", "Not found: Resource not found: 00uNOSUCHUSER (User)", "")
	oktaWantErr(t, ws.do(http.MethodPut, "/api/v1/groups/00gNOSUCHGROUP/users/"+uid, nil), 404, "E0000007", "Not found: Resource not found: 00gNOSUCHGROUP (UserGroup)", "")
	oktaWantErr(t, ws.do(http.MethodPut, "/api/v1/groups/00gZs2EiY16UPF0eVzYE/users/"+uid, nil), 400, "E0000001", "", "OKTA_GROUP")

	oktaWant204(t, ws.do(http.MethodDelete, "/api/v1/groups/"+gid+"/users/"+uid, nil))
	if members := ws.do(http.MethodGet, "/api/v1/groups/"+gid+"/users", nil).body.([]any); len(members) != 0 {
		t.Errorf("members after DELETE: %v", members)
	}
	oktaWant204(t, ws.do(http.MethodDelete, "/api/v1/groups/"+gid+"/users/"+uid, nil))
	if st := ws.state(); len(dig(st, "okta", "groupUsers", gid).([]any)) != 0 {
		t.Errorf("state groupUsers %v", dig(st, "okta", "groupUsers", gid))
	}

	// The new group can be used in a rule right away.
	rule := denyLegacyRule("Deny legacy", 0)
	rule["conditions"].(map[string]any)["people"] = map[string]any{"groups": map[string]any{"exclude": []any{gid}}}
	if r := ws.do(http.MethodPost, "/api/v1/policies/rst1HYkZunRuavcwBcyJ/rules", rule); r.status != http.StatusOK {
		t.Errorf("rule excluding the new group: %d %s", r.status, r.raw)
	}
	ws.state()
}
