package sim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
)

func oktaCall(t *testing.T, method, url string, body any) (int, map[string]any, []any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "SSWS t")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	var a []any
	if json.Unmarshal(data, &m) != nil {
		json.Unmarshal(data, &a)
	}
	return resp.StatusCode, m, a
}

func simState(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if _, err := sim.Parse(data, "state"); err != nil {
		t.Fatalf("/_sim/state is no longer a valid scenario: %v", err)
	}
	var doc map[string]any
	json.Unmarshal(data, &doc)
	return doc
}

// Step A's Okta side: create a user, assign the app, read the signing key;
// its undo: unassign, deactivate, delete; the state returns to the start.
func TestOktaUsersAndAppAssignments(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "whitepaper", sim.Options{})
	base := srv.URL() + "/api/v1"
	before, _ := json.Marshal(simState(t, srv.URL())["okta"])
	app := "0oaibMTfrB2J6y8QszKy"

	status, user, _ := oktaCall(t, "POST", base+"/users?activate=true", map[string]any{"profile": map[string]any{
		"login": "new.user@mijndomein.be", "email": "new.user@mijndomein.be", "firstName": "New", "lastName": "User"}})
	if status != 200 || user["status"] != "PROVISIONED" || !strings.HasPrefix(user["id"].(string), "00u") {
		t.Fatalf("create: %d %v", status, user)
	}
	id := user["id"].(string)
	if status, e, _ := oktaCall(t, "POST", base+"/users", map[string]any{"profile": map[string]any{"login": "NEW.user@mijndomein.be"}}); status != 400 || e["errorCode"] != "E0000001" {
		t.Errorf("duplicate login: %d %v", status, e)
	}
	if status, au, _ := oktaCall(t, "POST", base+"/apps/"+app+"/users", map[string]any{"id": id, "scope": "USER"}); status != 200 || au["id"] != id {
		t.Errorf("assign: %d %v", status, au)
	}
	if status, e, _ := oktaCall(t, "POST", base+"/apps/0oanope/users", map[string]any{"id": id}); status != 404 || e["errorCode"] != "E0000007" {
		t.Errorf("assign to a missing app: %d %v", status, e)
	}
	state := simState(t, srv.URL())
	if got := state["okta"].(map[string]any)["appUsers"].(map[string]any)[app].([]any); len(got) != 1 || got[0] != id {
		t.Errorf("appUsers: %v", got)
	}
	status, _, keys := oktaCall(t, "GET", base+"/apps/"+app+"/credentials/keys", nil)
	if status != 200 || len(keys) != 1 || len(keys[0].(map[string]any)["x5c"].([]any)) != 1 {
		t.Errorf("keys: %d %v", status, keys)
	}

	if status, _, _ := oktaCall(t, "DELETE", base+"/apps/"+app+"/users/"+id, nil); status != 204 {
		t.Errorf("unassign: %d", status)
	}
	if status, _, _ := oktaCall(t, "POST", base+"/users/"+id+"/lifecycle/deactivate", nil); status != 200 {
		t.Errorf("deactivate: %d", status)
	}
	if status, _, _ := oktaCall(t, "DELETE", base+"/users/"+id, nil); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _, _ := oktaCall(t, "GET", base+"/users/"+id, nil); status != 404 {
		t.Errorf("the deleted user still answers: %d", status)
	}
	after, _ := json.Marshal(simState(t, srv.URL())["okta"])
	if !bytes.Equal(before, after) {
		t.Error("creating and removing a user did not leave Okta as it was")
	}
}

// Graph: PATCH /domains/{id} to Managed converts a federated domain back.
func TestGraphPatchDomainToManaged(t *testing.T) {
	srv := simtest.ServeBuiltin(t, "whitepaper", sim.Options{})
	req, _ := http.NewRequest("PATCH", srv.URL()+"/v1.0/domains/mijndomein.nl", strings.NewReader(`{"authenticationType":"Managed"}`))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("PATCH: %d", resp.StatusCode)
	}
	g := simState(t, srv.URL())["graph"].(map[string]any)
	if _, still := g["federationConfiguration"].(map[string]any)["mijndomein.nl"]; still {
		t.Error("the federation configuration survived the conversion to Managed")
	}
	for _, d := range g["domains"].([]any) {
		if m := d.(map[string]any); m["id"] == "mijndomein.nl" && m["authenticationType"] != "Managed" {
			t.Errorf("domain: %v", m)
		}
	}
	req, _ = http.NewRequest("PATCH", srv.URL()+"/v1.0/domains/mijndomein.be", strings.NewReader(`{"authenticationType":"Federated"}`))
	req.Header.Set("Authorization", "Bearer t")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("federating by PATCH must be refused: %d", resp.StatusCode)
	}
}
