package sim_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/sim"
)

const minimalFile = "../testdata/scenarios/minimal.json"

// graphDoc reads a scenario file's graph section with encoding/json.
func graphDoc(t *testing.T, file string) (doc, graph map[string]any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	graph, _ = doc["graph"].(map[string]any)
	return doc, graph
}

// startGraphSim serves a scenario (a file, or doc re-encoded when given).
func startGraphSim(t *testing.T, file string, doc map[string]any, opts sim.Options) string {
	t.Helper()
	var sc *sim.Scenario
	var err error
	if doc != nil {
		data, _ := json.Marshal(doc)
		sc, err = sim.Parse(data, "test:"+file)
	} else {
		sc, err = sim.Load(file)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(sc, opts)
	u, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return u
}

type graphResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// graphGet does a raw GET; token "" sends no Authorization header.
func graphGet(t *testing.T, rawURL, token string) graphResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("client-request-id", "test-client-id")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := graphResp{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v\n%s", rawURL, err, raw)
		}
	}
	return out
}

// getAll follows @odata.nextLink from first, returning every item and the
// number of pages; every nextLink must be absolute on the simulator's host.
func getAll(t *testing.T, base, first string) ([]map[string]any, int) {
	t.Helper()
	var items []map[string]any
	pages := 0
	for next := first; next != ""; pages++ {
		r := graphGet(t, next, "tok")
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, r.status, r.raw)
		}
		if _, ok := r.body["@odata.context"].(string); !ok {
			t.Errorf("GET %s: no @odata.context", next)
		}
		for _, v := range r.body["value"].([]any) {
			items = append(items, v.(map[string]any))
		}
		next, _ = r.body["@odata.nextLink"].(string)
		if next != "" && !strings.HasPrefix(next, base+"/") {
			t.Fatalf("nextLink %q is not absolute on %s", next, base)
		}
		if pages > 100 {
			t.Fatal("endless paging")
		}
	}
	return items, pages
}

func wantGraphError(t *testing.T, r graphResp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	e, _ := r.body["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no Graph error body: %s", r.raw)
	}
	if e["code"] != code {
		t.Errorf("error.code %v, want %s", e["code"], code)
	}
	if m, _ := e["message"].(string); m == "" {
		t.Error("error.message is empty")
	}
	inner, _ := e["innerError"].(map[string]any)
	for _, k := range []string{"date", "request-id", "client-request-id"} {
		if s, _ := inner[k].(string); s == "" {
			t.Errorf("error.innerError.%s missing: %s", k, r.raw)
		}
	}
	if inner["client-request-id"] != "test-client-id" {
		t.Errorf("client-request-id not echoed: %v", inner["client-request-id"])
	}
	if r.header.Get("request-id") != inner["request-id"] {
		t.Errorf("request-id header %q differs from body %v", r.header.Get("request-id"), inner["request-id"])
	}
}

func TestGraphSimAuth(t *testing.T) {
	base := startGraphSim(t, minimalFile, nil, sim.Options{})
	r := graphGet(t, base+"/v1.0/users", "")
	wantGraphError(t, r, http.StatusUnauthorized, "InvalidAuthenticationToken")
	if msg := r.body["error"].(map[string]any)["message"]; msg != "Access token is empty." {
		t.Errorf("message %q", msg)
	}
	if _, err := time.Parse("2006-01-02T15:04:05", r.body["error"].(map[string]any)["innerError"].(map[string]any)["date"].(string)); err != nil {
		t.Errorf("innerError.date: %v", err)
	}
	// "Bearer" with nothing after it is empty too.
	req, _ := http.NewRequest(http.MethodGet, base+"/beta/organization", nil)
	req.Header.Set("Authorization", "Bearer ")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("empty bearer: %d", resp.StatusCode)
	}
	if r := graphGet(t, base+"/v1.0/organization", "anything"); r.status != http.StatusOK {
		t.Errorf("any token should do: %d %s", r.status, r.raw)
	}
}

func TestGraphSimOrganizationAndDomains(t *testing.T) {
	_, g := graphDoc(t, minimalFile)
	base := startGraphSim(t, minimalFile, nil, sim.Options{})
	for _, v := range []string{"v1.0", "beta"} {
		r := graphGet(t, base+"/"+v+"/organization", "tok")
		if r.body["@odata.context"] != base+"/"+v+"/$metadata#organization" {
			t.Errorf("%s organization context %v", v, r.body["@odata.context"])
		}
		orgs := r.body["value"].([]any)
		wantOrg := g["organization"].([]any)[0].(map[string]any)
		if len(orgs) != 1 || orgs[0].(map[string]any)["id"] != wantOrg["id"] || orgs[0].(map[string]any)["displayName"] != wantOrg["displayName"] {
			t.Errorf("%s organization %v", v, orgs)
		}

		doms, _ := getAll(t, base, base+"/"+v+"/domains")
		wantDoms := g["domains"].([]any)
		if len(doms) != len(wantDoms) {
			t.Fatalf("%s: %d domains, want %d", v, len(doms), len(wantDoms))
		}
		fedConf := g["federationConfiguration"].(map[string]any)
		for i, d := range wantDoms {
			dm := d.(map[string]any)
			id := dm["id"].(string)
			if doms[i]["id"] != id || doms[i]["authenticationType"] != dm["authenticationType"] {
				t.Errorf("domain %d: %v, want %v", i, doms[i], dm)
			}
			r := graphGet(t, base+"/"+v+"/domains/"+id+"/federationConfiguration", "tok")
			if feds, ok := fedConf[id].([]any); ok && dm["authenticationType"] == "Federated" {
				if r.status != http.StatusOK {
					t.Fatalf("%s federation of %s: %d %s", v, id, r.status, r.raw)
				}
				got := r.body["value"].([]any)
				if len(got) != len(feds) {
					t.Fatalf("%s federation of %s: %d items, want %d", v, id, len(got), len(feds))
				}
				want := feds[0].(map[string]any)
				for _, k := range []string{"id", "issuerUri", "federatedIdpMfaBehavior", "passiveSignInUri", "preferredAuthenticationProtocol"} {
					if got[0].(map[string]any)[k] != want[k] {
						t.Errorf("federation %s.%s = %v, want %v", id, k, got[0].(map[string]any)[k], want[k])
					}
				}
				if ctx, _ := r.body["@odata.context"].(string); !strings.Contains(ctx, "federationConfiguration") {
					t.Errorf("federation context %q", ctx)
				}
			} else {
				wantGraphError(t, r, http.StatusNotFound, "Request_ResourceNotFound")
			}
		}
	}
	wantGraphError(t, graphGet(t, base+"/v1.0/domains/nope.example/federationConfiguration", "tok"), http.StatusNotFound, "Request_ResourceNotFound")
	// Path segments are case-insensitive, as on Graph.
	if r := graphGet(t, base+"/v1.0/Domains/FABRIKAM.EXAMPLE/federationConfiguration", "tok"); r.status != http.StatusOK {
		t.Errorf("case-insensitive federation path: %d %s", r.status, r.raw)
	}
}

func TestGraphSimUsers(t *testing.T) {
	_, g := graphDoc(t, minimalFile)
	wantUsers := g["users"].([]any)
	base := startGraphSim(t, minimalFile, nil, sim.Options{})

	// $top=1: one user a page, nextLinks carry $select along.
	users, pages := getAll(t, base, base+"/v1.0/users?$select=id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime&$top=1&$count=true")
	if len(users) != len(wantUsers) || pages != len(wantUsers) {
		t.Fatalf("%d users in %d pages, want %d in %d", len(users), pages, len(wantUsers), len(wantUsers))
	}
	for i, u := range users {
		w := wantUsers[i].(map[string]any)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range u {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, []string{"accountEnabled", "id", "signInSessionsValidFromDateTime", "userPrincipalName"}) {
			t.Errorf("user %d has keys %v, want exactly the selected ones", i, keys)
		}
		if u["id"] != w["id"] || u["userPrincipalName"] != w["userPrincipalName"] || u["accountEnabled"] != w["accountEnabled"] {
			t.Errorf("user %d = %v, want %v", i, u, w)
		}
		if u["signInSessionsValidFromDateTime"] != w["signInSessionsValidFromDateTime"] { // null when absent
			t.Errorf("user %d signInSessionsValidFromDateTime %v, want %v", i, u["signInSessionsValidFromDateTime"], w["signInSessionsValidFromDateTime"])
		}
	}

	// Without $select, v1.0 returns its default set (no accountEnabled);
	// beta returns everything.
	r := graphGet(t, base+"/v1.0/users", "tok")
	first := r.body["value"].([]any)[0].(map[string]any)
	if _, ok := first["accountEnabled"]; ok {
		t.Error("v1.0 without $select returned accountEnabled")
	}
	if first["displayName"] != wantUsers[0].(map[string]any)["displayName"] {
		t.Errorf("v1.0 default set lacks displayName: %v", first)
	}
	r = graphGet(t, base+"/beta/users", "tok")
	if _, ok := r.body["value"].([]any)[0].(map[string]any)["accountEnabled"]; !ok {
		t.Error("beta without $select lost accountEnabled")
	}

	// "$" is optional and option names are case-insensitive.
	r = graphGet(t, base+"/v1.0/users?select=userPrincipalName&TOP=2", "tok")
	if n := len(r.body["value"].([]any)); n != 2 {
		t.Errorf("select/TOP without $: %d users", n)
	}
	if _, ok := r.body["@odata.nextLink"].(string); !ok {
		t.Error("no nextLink with TOP=2 of 3")
	}

	wantGraphError(t, graphGet(t, base+"/v1.0/users?$skiptoken=garbage", "tok"), http.StatusBadRequest, "Request_BadRequest")
	wantGraphError(t, graphGet(t, base+"/v1.0/users?$top=abc", "tok"), http.StatusBadRequest, "Request_BadRequest")

	// PageSize caps the page whatever $top says.
	capped := startGraphSim(t, minimalFile, nil, sim.Options{PageSize: 2})
	if _, pages := getAll(t, capped, capped+"/v1.0/users?$top=999"); pages != 2 {
		t.Errorf("PageSize 2, 3 users: %d pages", pages)
	}
}

// signInDoc is minimal.json with sign-ins around the 30-day edge, of legacy
// and modern clients.
func signInDoc(t *testing.T) map[string]any {
	doc, g := graphDoc(t, minimalFile)
	si := g["signIns"].([]any)
	add := func(id, when, app, ua string) {
		si = append(si, map[string]any{"id": id, "createdDateTime": when, "userPrincipalName": "ann@fabrikam.example",
			"userId": "11111111-0000-0000-0000-000000000001", "clientAppUsed": app, "userAgent": ua,
			"status": map[string]any{"errorCode": 0}, "deviceDetail": map[string]any{"operatingSystem": "Windows10"}})
	}
	add("old-imap", "2026-09-15T10:00:00Z", "IMAP4", "")
	add("edge-smtp", "2026-10-02T00:00:00Z", "Authenticated SMTP", "")
	add("early-eas", "2026-10-03T09:00:00Z", "Exchange ActiveSync", "Apple-iPhone9C1/1602.92")
	add("imap-2", "2026-10-21T10:00:00Z", "IMAP4", "")
	add("imap-3", "2026-10-22T10:00:00Z", "IMAP4", "")
	add("pop", "2026-10-25T10:00:00Z", "POP3", "Thunderbird/115.0")
	add("browser", "2026-10-26T10:00:00Z", "Browser", "Mozilla/5.0")
	add("modern", "2026-10-27T10:00:00Z", "Mobile Apps and Desktop clients", "Microsoft Office/16.0")
	add("rpc", "2026-10-31T23:00:00Z", "Outlook Anywhere (RPC over HTTP)", "MSRPC")
	g["signIns"] = si
	return doc
}

func TestGraphSimSignIns(t *testing.T) {
	doc := signInDoc(t)
	base := startGraphSim(t, "signins", doc, sim.Options{})
	ids := func(items []map[string]any) []string {
		var out []string
		for _, it := range items {
			out = append(out, it["id"].(string))
		}
		return out
	}
	q := func(filter string) string {
		return base + "/beta/auditLogs/signIns?$filter=" + strings.ReplaceAll(url.QueryEscape(filter), "+", "%20")
	}
	cases := []struct {
		filter string
		want   []string // newest first
	}{
		{"", []string{"rpc", "modern", "browser", "pop", "imap-3", "imap-2", "a1", "early-eas", "edge-smtp", "old-imap"}},
		{"clientAppUsed eq 'IMAP4'", []string{"imap-3", "imap-2", "a1", "old-imap"}},
		{"clientAppUsed eq 'imap4' and createdDateTime ge 2026-10-02T00:00:00Z", []string{"imap-3", "imap-2", "a1"}},
		{"createdDateTime ge 2026-10-02T00:00:00Z and createdDateTime le 2026-10-03T09:00:00Z", []string{"early-eas", "edge-smtp"}},
		{"(clientAppUsed eq 'POP3' or clientAppUsed eq 'Outlook Anywhere (RPC over HTTP)') and createdDateTime ge 2026-10-02T00:00:00Z", []string{"rpc", "pop"}},
		{"createdDateTime lt 2026-10-02T00:00:00Z", []string{"old-imap"}},
		{"clientAppUsed ne 'IMAP4' and createdDateTime gt 2026-10-25T10:00:00Z", []string{"rpc", "modern", "browser"}},
		{"startswith(clientAppUsed,'Exchange')", []string{"early-eas"}},
	}
	for _, c := range cases {
		items, _ := getAll(t, base, q(c.filter))
		if got := ids(items); !slices.Equal(got, c.want) {
			t.Errorf("$filter=%s: got %v, want %v", c.filter, got, c.want)
		}
	}
	for _, bad := range []string{
		"clientAppUsed eq", "clientAppUsed eq IMAP4", "createdDateTime ge '2026-10-02T00:00:00Z'",
		"(clientAppUsed eq 'IMAP4'", "clientAppUsed like 'IMAP4'", "nosuchprop eq 'x'", "clientAppUsed eq 'IMAP4' and",
		"clientAppUsed eq 'IMAP4", "createdDateTime ge yesterday",
	} {
		r := graphGet(t, q(bad), "tok")
		wantGraphError(t, r, http.StatusBadRequest, "BadRequest")
		if msg, _ := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, "Invalid filter clause") {
			t.Errorf("$filter=%s: message %q", bad, msg)
		}
	}

	// v1.0 has no userAgent; beta keeps it.
	v1, _ := getAll(t, base, strings.Replace(q("clientAppUsed eq 'POP3'"), "/beta/", "/v1.0/", 1))
	beta, _ := getAll(t, base, q("clientAppUsed eq 'POP3'"))
	if _, ok := v1[0]["userAgent"]; ok {
		t.Error("v1.0 sign-in carries userAgent")
	}
	if beta[0]["userAgent"] != "Thunderbird/115.0" {
		t.Errorf("beta userAgent %v", beta[0]["userAgent"])
	}

	// Paging keeps the filter; order survives across pages.
	items, pages := getAll(t, base, q("createdDateTime ge 2026-10-02T00:00:00Z")+"&$top=3")
	if pages != 3 || len(items) != 9 {
		t.Errorf("$top=3 over 9: %d items in %d pages", len(items), pages)
	}
	if got := ids(items); got[0] != "rpc" || got[len(got)-1] != "edge-smtp" {
		t.Errorf("paged order %v", got)
	}
}

func TestGraphSimPoliciesAndReports(t *testing.T) {
	_, g := graphDoc(t, minimalFile)
	base := startGraphSim(t, minimalFile, nil, sim.Options{})

	ca, _ := getAll(t, base, base+"/v1.0/identity/conditionalAccess/policies")
	wantCA := g["conditionalAccessPolicies"].([]any)
	if len(ca) != len(wantCA) || ca[0]["state"] != wantCA[0].(map[string]any)["state"] {
		t.Errorf("CA policies %v", ca)
	}
	r := graphGet(t, base+"/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", "tok")
	if r.body["isEnabled"] != g["identitySecurityDefaultsEnforcementPolicy"].(map[string]any)["isEnabled"] {
		t.Errorf("security defaults %v", r.body)
	}
	if ctx, _ := r.body["@odata.context"].(string); !strings.HasSuffix(ctx, "$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity") {
		t.Errorf("security defaults context %q", ctx)
	}

	for _, fn := range []string{"getEmailAppUsageUserDetail", "microsoft.graph.getEmailAppUsageUserDetail"} {
		rows, _ := getAll(t, base, base+"/beta/reports/"+fn+"(period='D30')?$format=application/json")
		want := g["emailAppUsageUserDetail"].([]any)
		if len(rows) != len(want) || rows[0]["userPrincipalName"] != want[0].(map[string]any)["userPrincipalName"] {
			t.Errorf("%s: %v", fn, rows)
		}
	}
	rows, _ := getAll(t, base, base+"/beta/reports/microsoft.graph.getEmailAppUsageVersionsUserCounts(period='D7')?$format=application/json")
	if len(rows) != len(g["emailAppUsageVersionsUserCounts"].([]any)) {
		t.Errorf("versions report %v", rows)
	}
	for _, p := range []string{"D1", "D365", "d30", "30"} {
		wantGraphError(t, graphGet(t, base+"/beta/reports/getEmailAppUsageUserDetail(period='"+p+"')?$format=application/json", "tok"), http.StatusBadRequest, "BadRequest")
	}

	// v1.0: 302 to a download that needs no token, CSV with a BOM.
	r = graphGet(t, base+"/v1.0/reports/getEmailAppUsageUserDetail(period='D30')", "tok")
	if r.status != http.StatusFound {
		t.Fatalf("v1.0 report: %d %s", r.status, r.raw)
	}
	loc := r.header.Get("Location")
	dl := graphGet(t, loc, "")
	if dl.status != http.StatusOK || !strings.HasPrefix(string(dl.raw), "\ufeffReport Refresh Date,User Principal Name,") {
		t.Fatalf("download %s: %d %q", loc, dl.status, dl.raw)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(dl.raw), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := g["emailAppUsageUserDetail"].([]any)
	if len(recs) != len(want)+1 || recs[1][1] != want[0].(map[string]any)["userPrincipalName"] || recs[1][len(recs[1])-1] != "30" {
		t.Errorf("CSV %v", recs)
	}
}

func TestGraphSimReportPaging(t *testing.T) {
	doc, g := graphDoc(t, minimalFile)
	var rows []any
	for i := range 5 {
		rows = append(rows, map[string]any{"userPrincipalName": "u" + string(rune('a'+i)) + "@fabrikam.example", "outlookForWindows": []any{"Outlook 2016"}})
	}
	g["emailAppUsageUserDetail"] = rows
	base := startGraphSim(t, "reports", doc, sim.Options{})
	got, pages := getAll(t, base, base+"/beta/reports/getEmailAppUsageUserDetail(period='D30')?$format=application/json&$top=2")
	if len(got) != 5 || pages != 3 {
		t.Errorf("%d rows in %d pages, want 5 in 3", len(got), pages)
	}
}

func TestGraphSimUnknownAndMethods(t *testing.T) {
	base := startGraphSim(t, minimalFile, nil, sim.Options{})
	for _, p := range []string{"/v1.0/nosuch", "/beta/auditLogs/nosuch", "/v1.0/reports/getSomethingElse(period='D30')"} {
		wantGraphError(t, graphGet(t, base+p, "tok"), http.StatusNotFound, "ResourceNotFound")
	}
	wantGraphError(t, graphGet(t, base+"/v1.0/users/nobody@fabrikam.example", "tok"), http.StatusNotFound, "Request_ResourceNotFound")
	if r := graphGet(t, base+"/v1.0/users/ann@fabrikam.example?$select=jobTitle", "tok"); r.body["jobTitle"] != "Engineering Lead" {
		t.Errorf("user by UPN: %s", r.raw)
	}
	req, _ := http.NewRequest(http.MethodDelete, base+"/v1.0/users", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /users: %d", resp.StatusCode)
	}
}

// TestGraphSimBuiltins checks every built-in scenario's graph section is
// served whole.
func TestGraphSimBuiltins(t *testing.T) {
	for _, name := range sim.Builtins() {
		t.Run(name, func(t *testing.T) {
			_, g := graphDoc(t, "scenarios/"+name+".json")
			base := startGraphSim(t, name, nil, sim.Options{PageSize: 7})
			for path, key := range map[string]string{
				"/v1.0/users":             "users",
				"/v1.0/domains":           "domains",
				"/beta/auditLogs/signIns": "signIns",
				"/v1.0/identity/conditionalAccess/policies":                                       "conditionalAccessPolicies",
				"/beta/reports/getEmailAppUsageUserDetail(period='D30')?$format=application/json": "emailAppUsageUserDetail",
			} {
				items, _ := getAll(t, base, base+path)
				want, _ := g[key].([]any)
				if len(items) != len(want) {
					t.Errorf("%s: %d items, want %d", path, len(items), len(want))
				}
			}
			// Sign-ins come newest first.
			items, _ := getAll(t, base, base+"/beta/auditLogs/signIns")
			if !sort.SliceIsSorted(items, func(i, j int) bool {
				return items[i]["createdDateTime"].(string) > items[j]["createdDateTime"].(string)
			}) {
				t.Error("sign-ins not newest first")
			}
		})
	}
}

// TestGraphSimFederationEdges: a federated domain without configuration and
// a managed domain with a stale one both answer 404, as Graph does.
func TestGraphSimFederationEdges(t *testing.T) {
	doc, g := graphDoc(t, minimalFile)
	fc := g["federationConfiguration"].(map[string]any)
	fc["labs.fabrikam.example"] = fc["fabrikam.example"] // managed, stale config
	delete(fc, "fabrikam.example")                       // federated, none
	base := startGraphSim(t, "fededges", doc, sim.Options{})
	for _, d := range []string{"fabrikam.example", "labs.fabrikam.example", "fabrikamexample.onmicrosoft.com"} {
		wantGraphError(t, graphGet(t, base+"/v1.0/domains/"+d+"/federationConfiguration", "tok"), http.StatusNotFound, "Request_ResourceNotFound")
	}
}

// TestGraphSimOrganizationFallback: without graph.organization the tenant
// and its verified domains make the organization object.
func TestGraphSimOrganizationFallback(t *testing.T) {
	doc, g := graphDoc(t, minimalFile)
	delete(g, "organization")
	base := startGraphSim(t, "noorg", doc, sim.Options{})
	orgs, _ := getAll(t, base, base+"/v1.0/organization")
	ten := doc["tenant"].(map[string]any)
	if len(orgs) != 1 || orgs[0]["id"] != ten["id"] || orgs[0]["displayName"] != ten["displayName"] {
		t.Fatalf("organization %v", orgs)
	}
	initial := ""
	for _, vd := range orgs[0]["verifiedDomains"].([]any) {
		if m := vd.(map[string]any); m["isInitial"] == true {
			initial, _ = m["name"].(string)
		}
	}
	if initial != ten["initialDomain"] {
		t.Errorf("initial verified domain %q, want %v", initial, ten["initialDomain"])
	}
}
