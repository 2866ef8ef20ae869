package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oktaStart serves the shape example, changed by mutate (on its okta
// section, decoded with encoding/json) when given.
func oktaStart(t *testing.T, mutate func(o map[string]any), opts Options) *Server {
	t.Helper()
	data, err := os.ReadFile("../testdata/scenarios/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		mutate(doc["okta"].(map[string]any))
		if data, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := Parse(data, "minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	return oktaServe(t, sc, opts)
}

func oktaServe(t *testing.T, sc *Scenario, opts Options) *Server {
	t.Helper()
	srv := New(sc, opts)
	if _, err := srv.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	return srv
}

type oktaResp struct {
	status int
	header http.Header
	body   any
	raw    string
}

const oktaTok = "SSWS test-token"

func oktaGet(t *testing.T, rawURL, authz string) oktaResp {
	t.Helper()
	return oktaDo(t, http.MethodGet, rawURL, authz)
}

func oktaDo(t *testing.T, method, rawURL, authz string) oktaResp {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	var body any
	dec := json.NewDecoder(strings.NewReader(func() string {
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				return b.String()
			}
		}
	}()))
	if b.Len() > 0 {
		if err := dec.Decode(&body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v: %q", method, rawURL, err, b.String())
		}
	}
	return oktaResp{resp.StatusCode, resp.Header, body, b.String()}
}

// oktaWantError checks Okta's error shape.
func oktaWantError(t *testing.T, r oktaResp, status int, code, summary string, causes ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (%s)", r.status, status, r.raw)
	}
	m, _ := r.body.(map[string]any)
	if m["errorCode"] != code || m["errorSummary"] != summary || m["errorLink"] != code {
		t.Errorf("error body %s, want code %s, summary %q", r.raw, code, summary)
	}
	if id, _ := m["errorId"].(string); !strings.HasPrefix(id, "oae") || len(id) < 20 {
		t.Errorf("errorId %q", m["errorId"])
	}
	cs, ok := m["errorCauses"].([]any)
	if !ok {
		t.Errorf("errorCauses missing or not a list: %s", r.raw)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.(map[string]any)["errorSummary"].(string))
	}
	if len(causes) > 0 && !slices.Equal(got, causes) {
		t.Errorf("errorCauses %q, want %q", got, causes)
	}
	oktaWantHeaders(t, r)
}

// oktaWantHeaders: the headers every Okta response carries.
func oktaWantHeaders(t *testing.T, r oktaResp) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	limit, err1 := strconv.Atoi(r.header.Get("X-Rate-Limit-Limit"))
	rem, err2 := strconv.Atoi(r.header.Get("X-Rate-Limit-Remaining"))
	reset, err3 := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 || rem < 0 || rem >= limit {
		t.Errorf("rate-limit headers: limit %q remaining %q reset %q", r.header.Get("X-Rate-Limit-Limit"), r.header.Get("X-Rate-Limit-Remaining"), r.header.Get("X-Rate-Limit-Reset"))
	}
	now := time.Now().Unix()
	if reset < now || reset > now+61 {
		t.Errorf("X-Rate-Limit-Reset %d is not within the next minute of %d (epoch seconds)", reset, now)
	}
	if _, err := http.ParseTime(r.header.Get("Date")); err != nil {
		t.Errorf("Date header %q: %v", r.header.Get("Date"), err)
	}
}

func oktaItems(t *testing.T, r oktaResp) []map[string]any {
	t.Helper()
	a, ok := r.body.([]any)
	if !ok {
		t.Fatalf("status %d, body is not a list: %s", r.status, r.raw)
	}
	out := make([]map[string]any, len(a))
	for i, e := range a {
		out[i] = e.(map[string]any)
	}
	return out
}

func oktaIDs(items []map[string]any, key string) []string {
	var out []string
	for _, m := range items {
		out = append(out, fmt.Sprint(m[key]))
	}
	return out
}

// oktaLinks splits the Link header lines into rel -> URL, failing when a
// line holds more than one link.
func oktaLinks(t *testing.T, h http.Header) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range h.Values("Link") {
		if strings.Count(line, "rel=") != 1 {
			t.Errorf("Link line %q holds more than one link (Okta sends one per line)", line)
		}
		u, rel, ok := strings.Cut(line, ">; rel=")
		if !ok || !strings.HasPrefix(u, "<") {
			t.Errorf("Link line %q is not <url>; rel=\"...\"", line)
			continue
		}
		out[strings.Trim(rel, `"`)] = strings.TrimPrefix(u, "<")
	}
	return out
}

// oktaFollow reads every page of a list, checking the Link lines of each.
func oktaFollow(t *testing.T, first string) ([]map[string]any, int) {
	t.Helper()
	var all []map[string]any
	pages := 0
	for next := first; next != ""; pages++ {
		r := oktaGet(t, next, oktaTok)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", next, r.status, r.raw)
		}
		oktaWantHeaders(t, r)
		links := oktaLinks(t, r.header)
		if links["self"] != next {
			t.Errorf("self link %q, want the request's URL %q", links["self"], next)
		}
		all = append(all, oktaItems(t, r)...)
		next = links["next"]
		if pages > 1000 {
			t.Fatal("endless paging")
		}
	}
	return all, pages
}

func TestOktaSimAuth(t *testing.T) {
	srv := oktaStart(t, nil, Options{})
	for _, c := range []struct {
		authz string
		ok    bool
	}{
		{"", false}, {"SSWS", false}, {"SSWS ", false}, {"SSWS    ", false}, {"Basic dXNlcjpwdw==", false}, {"token", false},
		{"SSWS 00abc", true}, {"ssws 00abc", true}, {"Bearer eyJ0", true},
	} {
		r := oktaGet(t, srv.URL()+"/api/v1/users", c.authz)
		if c.ok {
			if r.status != 200 {
				t.Errorf("Authorization %q: %d, want 200", c.authz, r.status)
			}
			continue
		}
		t.Run(fmt.Sprintf("%q", c.authz), func(t *testing.T) {
			oktaWantError(t, r, 401, "E0000011", "Invalid token provided")
			if len(r.body.(map[string]any)["errorCauses"].([]any)) != 0 {
				t.Errorf("errorCauses should be empty: %s", r.raw)
			}
		})
	}
	if n := srv.Requests()["okta"]; n != 9 {
		t.Errorf("okta requests counted: %d, want 9", n)
	}
}

func TestOktaSimWellKnown(t *testing.T) {
	for _, pipeline := range []string{"idx", "v1"} {
		srv := oktaStart(t, func(o map[string]any) { o["pipeline"] = pipeline }, Options{})
		r := oktaGet(t, srv.URL()+"/.well-known/okta-organization", "") // no token needed
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		oktaWantHeaders(t, r)
		m := r.body.(map[string]any)
		id, _ := m["id"].(string)
		if !strings.HasPrefix(id, "00o") || len(id) != 20 || m["pipeline"] != pipeline {
			t.Errorf("well-known = %s", r.raw)
		}
		if href := m["_links"].(map[string]any)["organization"].(map[string]any)["href"]; href != "https://fabrikam.okta.com" {
			t.Errorf("organization href %v", href)
		}
		if r2 := oktaGet(t, srv.URL()+"/.well-known/okta-organization", ""); r2.raw != r.raw {
			t.Errorf("well-known not stable: %s then %s", r.raw, r2.raw)
		}
	}
}

// TestOktaSimPaging: separate Link lines for self and next, opaque cursors
// that keep the other parameters, default and maximum page sizes.
func TestOktaSimPaging(t *testing.T) {
	many := func(o map[string]any) {
		users := o["users"].([]any)
		for i := range 250 {
			users = append(users, map[string]any{"id": fmt.Sprintf("00u%04d", i), "status": "ACTIVE",
				"profile": map[string]any{"login": fmt.Sprintf("u%d@fabrikam.example", i)}})
		}
		o["users"] = users
		apps := o["apps"].([]any)
		for i := range 30 {
			apps = append(apps, map[string]any{"id": fmt.Sprintf("0oa%04d", i), "name": "bookmark", "label": "App", "status": "ACTIVE"})
		}
		o["apps"] = apps
		logs := o["logs"].([]any)
		for i := range 150 {
			logs = append(logs, map[string]any{"uuid": fmt.Sprintf("log%04d", i), "published": "2026-10-21T10:00:00.000Z", "eventType": "user.session.start"})
		}
		o["logs"] = logs
	}
	srv := oktaStart(t, many, Options{})
	base := srv.URL()

	// Defaults and maxima: users 200/200, apps 20/200, logs 100/1000.
	for _, c := range []struct {
		path      string
		want      int
		nextLimit string
	}{
		{"/api/v1/users", 200, "200"},
		{"/api/v1/users?limit=1000", 200, "200"},
		{"/api/v1/users?limit=7", 7, "7"},
		{"/api/v1/apps", 20, "20"},
		{"/api/v1/apps?limit=500", 31, ""},
		{"/api/v1/logs?since=2026-10-01T00:00:00Z&until=2026-11-01T00:00:00Z", 100, "100"},
	} {
		r := oktaGet(t, base+c.path, oktaTok)
		items := oktaItems(t, r)
		links := oktaLinks(t, r.header)
		if len(items) != c.want {
			t.Errorf("%s: %d items, want %d", c.path, len(items), c.want)
		}
		next, _ := url.Parse(links["next"])
		if got := next.Query().Get("limit"); got != c.nextLimit {
			t.Errorf("%s: next link %q, want limit=%q", c.path, links["next"], c.nextLimit)
		}
	}

	// Following next links reads everything exactly once, with the
	// filter kept on every page.
	users, pages := oktaFollow(t, base+"/api/v1/users?limit=60")
	if len(users) != 252 || pages != 5 {
		t.Errorf("users: %d in %d pages, want 252 in 5", len(users), pages)
	}
	seen := map[string]bool{}
	for _, id := range oktaIDs(users, "id") {
		if seen[id] {
			t.Errorf("user %s on two pages", id)
		}
		seen[id] = true
	}
	filtered, pages := oktaFollow(t, base+"/api/v1/users?limit=1&filter="+url.QueryEscape(`status eq "ACTIVE" and profile.login sw "u1"`))
	// u1, u10-u19, u100-u199
	if len(filtered) != 111 || pages != 111 {
		t.Errorf("filtered users: %d in %d pages, want 111 in 111", len(filtered), pages)
	}

	// The test knob caps every page.
	small := oktaStart(t, nil, Options{PageSize: 2})
	rules, pages := oktaFollow(t, small.URL()+"/api/v1/policies/rst1fab/rules")
	if got := oktaIDs(rules, "id"); !slices.Equal(got, []string{"0pr1deny", "0pr2exc", "0pr3mfa", "0pr9all"}) || pages != 2 {
		t.Errorf("rules %v in %d pages, want 4 in 2", got, pages)
	}
	r := oktaGet(t, small.URL()+"/api/v1/policies/rst1fab/rules", oktaTok)
	if lines := r.header.Values("Link"); len(lines) != 2 || !strings.HasSuffix(lines[0], `rel="self"`) || !strings.HasSuffix(lines[1], `rel="next"`) {
		t.Errorf("Link lines %q, want two: self then next", lines)
	}

	// Cursors are opaque and checked.
	for _, bad := range []string{"10", "bm90LWEtdG9rZW4", pageToken("apps", 2)} {
		r := oktaGet(t, base+"/api/v1/users?after="+bad, oktaTok)
		oktaWantError(t, r, 400, "E0000001", "Api validation failed: after")
	}
	oktaWantError(t, oktaGet(t, base+"/api/v1/users?limit=ten", oktaTok), 400, "E0000001", "Api validation failed: limit")
}

func TestOktaSimApps(t *testing.T) {
	srv := oktaStart(t, func(o map[string]any) {
		o["apps"] = append(o["apps"].([]any),
			map[string]any{"id": "0oa2sf", "name": "salesforce", "label": "Salesforce.com", "status": "ACTIVE"},
			map[string]any{"id": "0oa3o365", "name": "office365", "label": "Second tenant", "status": "INACTIVE"})
	}, Options{})
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"0oa1fab", "0oa2sf", "0oa3o365"}},
		{`filter=name+eq+%22office365%22`, []string{"0oa1fab", "0oa3o365"}}, // as okta-sdk-golang encodes it
		{"filter=" + url.QueryEscape(`name eq "office365"`), []string{"0oa1fab", "0oa3o365"}},
		{"filter=" + url.QueryEscape(`name eq "office365" and status eq "ACTIVE"`), []string{"0oa1fab"}},
		{"filter=" + url.QueryEscape(`status eq "INACTIVE" or id eq "0oa2sf"`), []string{"0oa2sf", "0oa3o365"}},
		{"filter=" + url.QueryEscape(`id eq "0oa1fab"`), []string{"0oa1fab"}},
		{"filter=" + url.QueryEscape(`name eq "nothing"`), nil},
		{"q=office", []string{"0oa1fab", "0oa3o365"}}, // name starts with
		{"q=Micro", []string{"0oa1fab"}},              // label starts with
		{"q=sales", []string{"0oa2sf"}},
		{"q=365", nil}, // starts with, not contains
	} {
		r := oktaGet(t, srv.URL()+"/api/v1/apps?"+c.query, oktaTok)
		if got := oktaIDs(oktaItems(t, r), "id"); !slices.Equal(got, c.want) {
			t.Errorf("apps?%s = %v, want %v", c.query, got, c.want)
		}
		oktaWantHeaders(t, r)
	}
	app := oktaGet(t, srv.URL()+"/api/v1/apps/0oa1fab", oktaTok)
	links := app.body.(map[string]any)["_links"].(map[string]any)
	if href := links["accessPolicy"].(map[string]any)["href"]; href != "https://fabrikam.okta.com/api/v1/policies/rst1fab" {
		t.Errorf("accessPolicy href %v", href)
	}
	oktaWantError(t, oktaGet(t, srv.URL()+"/api/v1/apps/0oaNOPE", oktaTok), 404, "E0000007", "Not found: Resource not found: 0oaNOPE (AppInstance)")
	for _, bad := range []string{`label eq "x"`, `name eq`, `name equals "x"`, `(name eq "x")`, `name eq "x" or`, `name eq "x`} {
		r := oktaGet(t, srv.URL()+"/api/v1/apps?filter="+url.QueryEscape(bad), oktaTok)
		oktaWantError(t, r, 400, "E0000001", "Api validation failed: filter")
	}
}

func TestOktaSimPolicies(t *testing.T) {
	srv := oktaStart(t, func(o map[string]any) {
		o["policies"] = append(o["policies"].([]any),
			map[string]any{"id": "00pso", "type": "OKTA_SIGN_ON", "name": "Default Policy", "status": "ACTIVE", "system": true},
			map[string]any{"id": "rst2off", "type": "ACCESS_POLICY", "name": "Unused", "status": "INACTIVE", "system": false})
		// Listed out of order: the API sorts by priority.
		rules := o["policyRules"].(map[string]any)
		r := rules["rst1fab"].([]any)
		rules["rst1fab"] = []any{r[3], r[2], r[0], r[1]}
	}, Options{})
	base := srv.URL() + "/api/v1/policies"
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"type=ACCESS_POLICY", []string{"rst1fab", "rst2off"}},
		{"type=ACCESS_POLICY&status=ACTIVE", []string{"rst1fab"}},
		{"type=OKTA_SIGN_ON", []string{"00pso"}},
		{"type=PASSWORD", nil},
		{"type=ACCESS_POLICY&q=micro", []string{"rst1fab"}},
	} {
		if got := oktaIDs(oktaItems(t, oktaGet(t, base+"?"+c.query, oktaTok)), "id"); !slices.Equal(got, c.want) {
			t.Errorf("policies?%s = %v, want %v", c.query, got, c.want)
		}
	}
	oktaWantError(t, oktaGet(t, base, oktaTok), 400, "E0000001", "Api validation failed: type", "type: Policy type is required")
	oktaWantError(t, oktaGet(t, base+"?type=SIGN_ON", oktaTok), 400, "E0000001", "Api validation failed: type", "type: Invalid policy type SIGN_ON")

	if r := oktaGet(t, base+"/rst1fab", oktaTok); r.status != 200 || r.body.(map[string]any)["name"] != "Microsoft Office 365" {
		t.Errorf("policy: %d %s", r.status, r.raw)
	}
	oktaWantError(t, oktaGet(t, base+"/rstNOPE", oktaTok), 404, "E0000007", "Not found: Resource not found: rstNOPE (Policy)")

	rules := oktaItems(t, oktaGet(t, base+"/rst1fab/rules", oktaTok))
	if got := oktaIDs(rules, "id"); !slices.Equal(got, []string{"0pr1deny", "0pr2exc", "0pr3mfa", "0pr9all"}) {
		t.Errorf("rules in order %v", got)
	}
	deny := rules[0]
	o365 := deny["conditions"].(map[string]any)["office365Client"].(map[string]any)["include"]
	if !reflect.DeepEqual(o365, []any{"EXCHANGE_ACTIVE_SYNC"}) || deny["priority"] != float64(0) {
		t.Errorf("deny rule as served: %v", deny)
	}
	if r := oktaItems(t, oktaGet(t, base+"/rst2off/rules", oktaTok)); len(r) != 0 {
		t.Errorf("a policy without rules lists %v", r)
	}
	if r := oktaGet(t, base+"/rst1fab/rules/0pr3mfa", oktaTok); r.status != 200 || r.body.(map[string]any)["name"] != "Web and modern with MFA" {
		t.Errorf("rule: %d %s", r.status, r.raw)
	}
	oktaWantError(t, oktaGet(t, base+"/rst1fab/rules/0prNOPE", oktaTok), 404, "E0000007", "Not found: Resource not found: 0prNOPE (PolicyRule)")
	oktaWantError(t, oktaGet(t, base+"/rstNOPE/rules", oktaTok), 404, "E0000007", "Not found: Resource not found: rstNOPE (Policy)")
	oktaWantError(t, oktaGet(t, base+"/rst1fab/lifecycle/activate", oktaTok), 404, "E0000007", "Not found: Resource not found: /api/v1/policies/rst1fab/lifecycle/activate (Path)")
}

// TestOktaSimClassic: on a Classic org the app sign-on policies are not
// in the API (the simulator's chosen answer: 400 E0000001).
func TestOktaSimClassic(t *testing.T) {
	srv := oktaStart(t, func(o map[string]any) {
		o["pipeline"] = "v1"
		o["policies"] = append(o["policies"].([]any), map[string]any{"id": "00pso", "type": "OKTA_SIGN_ON", "name": "Default Policy", "status": "ACTIVE", "system": true})
	}, Options{})
	base := srv.URL() + "/api/v1/policies"
	oktaWantError(t, oktaGet(t, base+"?type=ACCESS_POLICY", oktaTok), 400, "E0000001", "Api validation failed: type", "type: Invalid policy type ACCESS_POLICY")
	oktaWantError(t, oktaGet(t, base+"?type=PROFILE_ENROLLMENT", oktaTok), 400, "E0000001", "Api validation failed: type", "type: Invalid policy type PROFILE_ENROLLMENT")
	if got := oktaIDs(oktaItems(t, oktaGet(t, base+"?type=OKTA_SIGN_ON", oktaTok)), "id"); !slices.Equal(got, []string{"00pso"}) {
		t.Errorf("Classic sign-on policies %v", got)
	}
	// The Office 365 app's rules are never readable, whatever the client
	// knows of the policy id.
	oktaWantError(t, oktaGet(t, base+"/rst1fab/rules", oktaTok), 404, "E0000007", "Not found: Resource not found: rst1fab (Policy)")
	oktaWantError(t, oktaGet(t, base+"/rst1fab/rules/0pr1deny", oktaTok), 404, "E0000007", "Not found: Resource not found: rst1fab (Policy)")
	oktaWantError(t, oktaGet(t, base+"/rst1fab", oktaTok), 404, "E0000007", "Not found: Resource not found: rst1fab (Policy)")
	// The System Log is there.
	if r := oktaItems(t, oktaGet(t, srv.URL()+"/api/v1/logs?since=2026-10-01T00:00:00.000Z", oktaTok)); len(r) != 1 {
		t.Errorf("Classic logs: %v", r)
	}
}

func TestOktaSimGroupsUsersFactors(t *testing.T) {
	srv := oktaStart(t, func(o map[string]any) {
		o["users"] = append(o["users"].([]any),
			map[string]any{"id": "00u3gone", "status": "DEPROVISIONED", "profile": map[string]any{"login": "gone@fabrikam.example", "firstName": "Gone"}},
			map[string]any{"id": "00u4sus", "status": "SUSPENDED", "profile": map[string]any{"login": "sus@fabrikam.example", "firstName": "Annabel"}})
		o["groups"] = append(o["groups"].([]any), map[string]any{"id": "00g2all", "type": "BUILT_IN", "profile": map[string]any{"name": "Everyone"}},
			map[string]any{"id": "00g3eng", "type": "OKTA_GROUP", "profile": map[string]any{"name": "Engineering"}})
		o["groupUsers"].(map[string]any)["00g2all"] = []any{"00u1ann", "00u2scan", "00u3gone", "00u9orphan"}
	}, Options{PageSize: 2})
	base := srv.URL() + "/api/v1"

	groups, pages := oktaFollow(t, base+"/groups")
	if got := oktaIDs(groups, "id"); !slices.Equal(got, []string{"00g1exc", "00g2all", "00g3eng"}) || pages != 2 {
		t.Errorf("groups %v in %d pages", got, pages)
	}
	if got := oktaIDs(oktaItems(t, oktaGet(t, base+"/groups?q=eve", oktaTok)), "id"); !slices.Equal(got, []string{"00g2all"}) {
		t.Errorf("groups?q=eve = %v", got)
	}
	if got := oktaIDs(oktaItems(t, oktaGet(t, base+"/groups?filter="+url.QueryEscape(`type eq "OKTA_GROUP"`), oktaTok)), "id"); !slices.Equal(got, []string{"00g1exc", "00g3eng"}) {
		t.Errorf("OKTA_GROUP groups = %v", got)
	}
	members, pages := oktaFollow(t, base+"/groups/00g2all/users")
	if got := oktaIDs(members, "id"); !slices.Equal(got, []string{"00u1ann", "00u2scan", "00u3gone", "00u9orphan"}) || pages != 2 {
		t.Errorf("members %v in %d pages", got, pages)
	}
	// Full user objects.
	if p, _ := members[0]["profile"].(map[string]any); p["login"] != "ann@fabrikam.example" || members[0]["status"] != "ACTIVE" {
		t.Errorf("member is not a full user: %v", members[0])
	}
	if empty := oktaItems(t, oktaGet(t, base+"/groups/00g3eng/users", oktaTok)); len(empty) != 0 {
		t.Errorf("group without members lists %v", empty)
	}
	oktaWantError(t, oktaGet(t, base+"/groups/00gNOPE/users", oktaTok), 404, "E0000007", "Not found: Resource not found: 00gNOPE (UserGroup)")

	users, _ := oktaFollow(t, base+"/users")
	if got := oktaIDs(users, "id"); !slices.Equal(got, []string{"00u1ann", "00u2scan", "00u4sus"}) {
		t.Errorf("users %v (deprovisioned ones are not listed)", got)
	}
	if got := oktaIDs(oktaItems(t, oktaGet(t, base+"/users?filter="+url.QueryEscape(`status eq "DEPROVISIONED"`), oktaTok)), "id"); !slices.Equal(got, []string{"00u3gone"}) {
		t.Errorf("deprovisioned by filter: %v", got)
	}
	if got := oktaIDs(oktaItems(t, oktaGet(t, base+"/users?q=ann&limit=10", oktaTok)), "id"); !slices.Equal(got, []string{"00u1ann", "00u4sus"}) {
		t.Errorf("users?q=ann = %v", got)
	}
	if r := oktaGet(t, base+"/users/scanner@fabrikam.example", oktaTok); r.status != 200 || r.body.(map[string]any)["id"] != "00u2scan" {
		t.Errorf("user by login: %d %s", r.status, r.raw)
	}
	oktaWantError(t, oktaGet(t, base+"/users/00uNOPE", oktaTok), 404, "E0000007", "Not found: Resource not found: 00uNOPE (User)")

	f := oktaItems(t, oktaGet(t, base+"/users/00u1ann/factors", oktaTok))
	if len(f) != 1 || f[0]["factorType"] != "push" || f[0]["provider"] != "OKTA" || f[0]["status"] != "ACTIVE" {
		t.Errorf("factors of ann: %v", f)
	}
	if f := oktaGet(t, base+"/users/00u2scan/factors", oktaTok); f.raw != "[]\n" {
		t.Errorf("factors of scanner: %q, want []", f.raw)
	}
	if f := oktaItems(t, oktaGet(t, base+"/users/00u4sus/factors", oktaTok)); len(f) != 0 {
		t.Errorf("user without a factors entry: %v", f)
	}
	oktaWantError(t, oktaGet(t, base+"/users/00uNOPE/factors", oktaTok), 404, "E0000007", "Not found: Resource not found: 00uNOPE (User)")
}

func TestOktaSimZones(t *testing.T) {
	srv := oktaStart(t, func(o map[string]any) {
		o["zones"] = append(o["zones"].([]any), map[string]any{"id": "nzo2legacy", "type": "IP", "name": "LegacyIpZone", "usage": "POLICY", "system": true},
			map[string]any{"id": "nzo3block", "type": "DYNAMIC", "name": "Blocked", "usage": "BLOCKLIST", "system": false})
	}, Options{PageSize: 2})
	zones, pages := oktaFollow(t, srv.URL()+"/api/v1/zones")
	if got := oktaIDs(zones, "id"); !slices.Equal(got, []string{"nzo1office", "nzo2legacy", "nzo3block"}) || pages != 2 {
		t.Errorf("zones %v in %d pages", got, pages)
	}
	gw := zones[0]["gateways"].([]any)[0].(map[string]any)
	if gw["type"] != "CIDR" || gw["value"] != "198.51.100.0/24" {
		t.Errorf("gateway %v", gw)
	}
	for q, want := range map[string][]string{
		`usage eq "BLOCKLIST"`: {"nzo3block"},
		`system eq true`:       {"nzo2legacy"},
		`id eq "nzo1office"`:   {"nzo1office"},
	} {
		if got := oktaIDs(oktaItems(t, oktaGet(t, srv.URL()+"/api/v1/zones?filter="+url.QueryEscape(q), oktaTok)), "id"); !slices.Equal(got, want) {
			t.Errorf("zones filter %s = %v, want %v", q, got, want)
		}
	}
	if r := oktaGet(t, srv.URL()+"/api/v1/zones/nzo2legacy", oktaTok); r.status != 200 {
		t.Errorf("zone: %d", r.status)
	}
	oktaWantError(t, oktaGet(t, srv.URL()+"/api/v1/zones/nzoNOPE", oktaTok), 404, "E0000007", "Not found: Resource not found: nzoNOPE (Zone)")
}

func TestOktaSimLogs(t *testing.T) {
	ev := func(uuid, published, typ string) map[string]any {
		return map[string]any{"uuid": uuid, "published": published, "eventType": typ,
			"actor":  map[string]any{"id": "00u1ann", "alternateId": "ann@fabrikam.example"},
			"target": []any{map[string]any{"id": "0oa1fab", "type": "AppInstance"}}}
	}
	srv := oktaStart(t, func(o map[string]any) {
		o["logs"] = append(o["logs"].([]any),
			ev("b-old", "2026-09-30T12:00:00.000Z", "user.authentication.sso"),
			ev("c-since", "2026-10-02T00:00:00.000Z", "policy.evaluate_sign_on"),
			ev("d-rich", "2026-10-25T09:00:00Z", "user.authentication.auth_via_richclient"),
			ev("a-same", "2026-10-25T09:00:00.000Z", "user.session.start"),
			ev("e-until", "2026-11-01T00:00:00.000Z", "user.authentication.sso"),
			ev("f-recent", "2026-10-28T00:00:00.000+01:00", "application.policy.sign_on.deny_access"),
		)
	}, Options{})
	base := srv.URL() + "/api/v1/logs?"
	window := "since=" + url.QueryEscape("2026-10-02T00:00:00.000Z") + "&until=" + url.QueryEscape("2026-11-01T00:00:00.000Z")
	const minimalLog = "5b0f0000-0000-0000-0000-000000000001" // 2026-10-20T08:01
	for _, c := range []struct {
		query string
		want  []string
	}{
		// since inclusive, until exclusive, ascending by published.
		{window, []string{"c-since", minimalLog, "a-same", "d-rich", "f-recent"}},
		{window + "&sortOrder=DESCENDING", []string{"f-recent", "d-rich", "a-same", minimalLog, "c-since"}},
		{window + "&filter=" + url.QueryEscape(`eventType eq "user.authentication.sso" or eventType eq "user.authentication.auth_via_richclient"`),
			[]string{minimalLog, "d-rich"}},
		{window + "&filter=" + url.QueryEscape(`eventType eq "user.session.start" and actor.id eq "00u1ann"`), []string{"a-same"}},
		{window + "&filter=" + url.QueryEscape(`target.id eq "0oa1fab" and eventType sw "policy"`), []string{"c-since"}},
		{window + "&filter=" + url.QueryEscape(`eventType eq "user.authentication.sso"`) + "&q=scanner", []string{minimalLog}},
		{"since=2026-10-26T00:00:00Z", []string{"f-recent", "e-until"}}, // no until: up to the clock
		{"until=2026-10-20T08:01:00.000Z", nil},                                               // default since: 7 days before the clock
		{"since=2026-09-01T00:00:00Z&until=2026-10-01T00:00:00Z", []string{"b-old"}},          // older than 30 days is there if asked
		{"since=2026-10-27T23:00:00Z&until=2026-10-27T23:00:01Z", []string{"f-recent"}},       // offsets are honoured
		{"since=2026-10-24T00:00:00Z&until=2026-10-26T00:00:00Z&limit=1", []string{"a-same"}}, // a page of 1
	} {
		if got := oktaIDs(oktaItems(t, oktaGet(t, base+c.query, oktaTok)), "uuid"); !slices.Equal(got, c.want) {
			t.Errorf("logs?%s = %v, want %v", c.query, got, c.want)
		}
	}
	// A bounded query ends; a polling query always offers a next page.
	bounded := oktaGet(t, base+window, oktaTok)
	if _, ok := oktaLinks(t, bounded.header)["next"]; ok {
		t.Errorf("bounded query offers a next page")
	}
	polling := oktaGet(t, base+"since=2026-10-26T00:00:00Z", oktaTok)
	next := oktaLinks(t, polling.header)["next"]
	if next == "" {
		t.Fatalf("polling query without a next link")
	}
	if r := oktaGet(t, next, oktaTok); len(oktaItems(t, r)) != 0 || oktaLinks(t, r.header)["next"] == "" {
		t.Errorf("polling next page: %s, links %v", r.raw, r.header.Values("Link"))
	}
	// Paging across equal timestamps is stable.
	all, pages := oktaFollow(t, base+window+"&limit=2")
	if got := oktaIDs(all, "uuid"); !slices.Equal(got, []string{"c-since", minimalLog, "a-same", "d-rich", "f-recent"}) || pages != 3 {
		t.Errorf("paged logs %v in %d pages", got, pages)
	}
	oktaWantError(t, oktaGet(t, base+"since=yesterday", oktaTok), 400, "E0000001", "Api validation failed: since")
	oktaWantError(t, oktaGet(t, base+"sortOrder=SIDEWAYS", oktaTok), 400, "E0000001", "Api validation failed: sortOrder")
	oktaWantError(t, oktaGet(t, base+"filter="+url.QueryEscape(`eventType eq`), oktaTok), 400, "E0000001", "Api validation failed: filter")
}

// TestOktaSimWritesRefused: writes the simulator does not carry out must
// never look like success (rule and group writes: okta_write_test.go).
func TestOktaSimWritesRefused(t *testing.T) {
	srv := oktaStart(t, nil, Options{})
	base := srv.URL() + "/api/v1"
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"PUT", "/apps/0oa1fab", 501},
		{"POST", "/policies/rst1fab/lifecycle/deactivate", 501},
		{"POST", "/zones", 501},
		{"DELETE", "/logs", 405},
		{"PUT", "/users", 405},
		{"POST", "/policies/rst1fab/rules/0pr1deny", 405},
	} {
		r := oktaDo(t, c.method, base+c.path, oktaTok)
		if c.status == 501 {
			oktaWantError(t, r, 501, "E0000060", "Unsupported operation.", fmt.Sprintf("the simulator does not carry out %s /api/v1%s yet", c.method, c.path))
		} else {
			oktaWantError(t, r, 405, "E0000022", "The endpoint does not support the provided HTTP method")
		}
	}
	// Unchanged.
	if rules := oktaItems(t, oktaGet(t, base+"/policies/rst1fab/rules", oktaTok)); len(rules) != 4 {
		t.Errorf("rules after refused writes: %d", len(rules))
	}
	oktaWantError(t, oktaGet(t, base+"/nothing", oktaTok), 404, "E0000007", "Not found: Resource not found: /api/v1/nothing (Path)")
}

func TestOktaSimWithoutOkta(t *testing.T) {
	data, err := os.ReadFile("../testdata/scenarios/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	_ = json.Unmarshal(data, &doc)
	delete(doc, "okta")
	data, _ = json.Marshal(doc)
	sc, err := Parse(data, "no-okta.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := oktaServe(t, sc, Options{})
	oktaWantError(t, oktaGet(t, srv.URL()+"/.well-known/okta-organization", ""), 404, "E0000007", "Not found: Resource not found: /.well-known/okta-organization (Path)")
	oktaWantError(t, oktaGet(t, srv.URL()+"/api/v1/apps", oktaTok), 404, "E0000007", "Not found: Resource not found: /api/v1/apps (Path)")
}

// TestOktaSimBuiltins: every built-in scenario's Okta org answers the
// calls the collector makes, by its engine.
func TestOktaSimBuiltins(t *testing.T) {
	for _, name := range Builtins() {
		t.Run(name, func(t *testing.T) {
			sc, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			o, ok := sc.Doc["okta"].(map[string]any)
			if !ok {
				t.Skip("no okta section")
			}
			srv := oktaServe(t, sc, Options{PageSize: 3})
			wk := oktaGet(t, srv.URL()+"/.well-known/okta-organization", "")
			if wk.body.(map[string]any)["pipeline"] != o["pipeline"] {
				t.Errorf("well-known %s", wk.raw)
			}
			apps, _ := oktaFollow(t, srv.URL()+"/api/v1/apps?filter=name+eq+%22office365%22")
			if len(apps) == 0 {
				t.Errorf("no office365 app")
			}
			pol := oktaGet(t, srv.URL()+"/api/v1/policies?type=ACCESS_POLICY", oktaTok)
			if o["pipeline"] == "v1" {
				oktaWantError(t, pol, 400, "E0000001", "Api validation failed: type", "type: Invalid policy type ACCESS_POLICY")
			} else {
				for _, p := range oktaItems(t, pol) {
					rules, _ := oktaFollow(t, srv.URL()+"/api/v1/policies/"+p["id"].(string)+"/rules")
					want := len(o["policyRules"].(map[string]any)[p["id"].(string)].([]any))
					if len(rules) != want {
						t.Errorf("policy %s: %d rules, want %d", p["id"], len(rules), want)
					}
				}
			}
			users, _ := oktaFollow(t, srv.URL()+"/api/v1/users")
			for _, u := range users {
				if f := oktaGet(t, srv.URL()+"/api/v1/users/"+u["id"].(string)+"/factors", oktaTok); f.status != 200 {
					t.Errorf("factors of %s: %d", u["id"], f.status)
				}
			}
			since := sc.AsOf().Add(-30 * 24 * time.Hour).Format(time.RFC3339)
			logs, _ := oktaFollow(t, srv.URL()+"/api/v1/logs?since="+since+"&until="+sc.AsOf().Format(time.RFC3339))
			if len(logs) == 0 {
				t.Errorf("no System Log events in the 30 days before asOf")
			}
		})
	}
}

func TestOktaSimFilterParser(t *testing.T) {
	obj := map[string]any{"name": "office365", "status": "ACTIVE", "n": json.Number("3"), "ok": true,
		"profile":   map[string]any{"login": "Ann@Fabrikam.example"},
		"target":    []any{map[string]any{"id": "a"}, map[string]any{"id": "b"}},
		"published": "2026-10-20T08:01:00.000Z", "none": nil}
	for _, c := range []struct {
		expr string
		want bool
	}{
		{``, true},
		{`name eq "office365"`, true},
		{`name eq "Office365"`, false},
		{`name ne "office365"`, false},
		{`name ne "x"`, true},
		{`profile.login sw "ann@"`, true},
		{`profile.login co "FABRIKAM"`, true},
		{`target.id eq "b"`, true},
		{`target.id eq "c"`, false},
		{`name pr`, true},
		{`none pr`, false},
		{`missing pr`, false},
		{`n eq 3`, true},
		{`n gt 2`, true},
		{`n lt 2`, false},
		{`ok eq true`, true},
		{`published gt "2026-10-20T08:00:59Z"`, true},
		{`published ge "2026-10-20T09:01:00+01:00"`, true},
		{`published lt "2026-10-20T08:01:00Z"`, false},
		{`name eq "x" or status eq "ACTIVE"`, true},
		{`name eq "x" and status eq "ACTIVE" or ok eq true`, true}, // and binds tighter
		{`name eq "office365" and status eq "INACTIVE" or n eq 4`, false},
		{`name EQ "office365" AND status eq "ACTIVE"`, true},
		{`name eq "a \"quoted\" value"`, false},
	} {
		f, err := parseOktaFilter(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := f.match(obj); got != c.want {
			t.Errorf("%s: match = %v, want %v", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{`name`, `name eq`, `"name" eq "x"`, `name is "x"`, `name eq "x" xor a eq "b"`, `name eq "x" and`, `(name eq "x")`, `name eq "open`} {
		if _, err := parseOktaFilter(bad); err == nil {
			t.Errorf("%s: parsed, want an error", bad)
		}
	}
	if _, err := parseOktaFilter(`label eq "x"`, "name", "id"); err == nil {
		t.Errorf("a field the list does not filter on was accepted")
	}
}
