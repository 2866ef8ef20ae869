package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/harden365/harden365/clients/auth"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

const minimalFile = "../../testdata/scenarios/minimal.json"

// --- the scenario as the test reads it (encoding/json, independent of
// both the simulator and the client).

type scenario struct {
	AsOf  string `json:"asOf"`
	Graph struct {
		Organization []struct {
			ID              string `json:"id"`
			DisplayName     string `json:"displayName"`
			VerifiedDomains []struct {
				Name      string `json:"name"`
				IsInitial bool   `json:"isInitial"`
			} `json:"verifiedDomains"`
		} `json:"organization"`
		Domains []struct {
			ID                 string   `json:"id"`
			AuthenticationType string   `json:"authenticationType"`
			IsVerified         bool     `json:"isVerified"`
			IsDefault          bool     `json:"isDefault"`
			IsInitial          bool     `json:"isInitial"`
			IsRoot             bool     `json:"isRoot"`
			SupportedServices  []string `json:"supportedServices"`
		} `json:"domains"`
		FederationConfiguration map[string][]map[string]any `json:"federationConfiguration"`
		Users                   []map[string]any            `json:"users"`
		SignIns                 []map[string]any            `json:"signIns"`
		ConditionalAccess       []struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
			State       string `json:"state"`
			Conditions  struct {
				Users struct {
					IncludeUsers  []string `json:"includeUsers"`
					ExcludeUsers  []string `json:"excludeUsers"`
					IncludeGroups []string `json:"includeGroups"`
					ExcludeGroups []string `json:"excludeGroups"`
					IncludeRoles  []string `json:"includeRoles"`
					ExcludeRoles  []string `json:"excludeRoles"`
				} `json:"users"`
				Applications struct {
					IncludeApplications []string `json:"includeApplications"`
					ExcludeApplications []string `json:"excludeApplications"`
				} `json:"applications"`
				ClientAppTypes []string `json:"clientAppTypes"`
			} `json:"conditions"`
			GrantControls *struct {
				Operator        string   `json:"operator"`
				BuiltInControls []string `json:"builtInControls"`
			} `json:"grantControls"`
		} `json:"conditionalAccessPolicies"`
		SecurityDefaults *struct {
			IsEnabled bool `json:"isEnabled"`
		} `json:"identitySecurityDefaultsEnforcementPolicy"`
		EmailAppUsage    []map[string]any `json:"emailAppUsageUserDetail"`
		EmailAppVersions []map[string]any `json:"emailAppUsageVersionsUserCounts"`
	} `json:"graph"`
}

func readScenario(t *testing.T, file string) (scenario, []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var sc scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatal(err)
	}
	return sc, data
}

func (sc scenario) asOf(t *testing.T) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", sc.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// --- running the collector against the simulator.

type env struct {
	url string
	srv *sim.Server
	cfg graph.Config
}

func startSim(t *testing.T, data []byte, file string, opts sim.Options, asOf time.Time) env {
	t.Helper()
	srv, _ := simtest.Serve(t, data, file, opts)
	return env{url: srv.URL(), srv: srv, cfg: graph.Config{BaseURL: srv.URL(), Credential: auth.Static(auth.SimToken), AsOf: asOf}}
}

type result struct {
	snap         *tenant.Snapshot
	err          error
	items, pages int
	retries      int
	applyCalled  bool
}

// runTask runs one task and applies it to a fresh snapshot.
func runTask(t *testing.T, cfg graph.Config, id string) result {
	t.Helper()
	tasks, err := graph.Tasks(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.ID != id {
			continue
		}
		if tk.Service != "graph" {
			t.Errorf("%s: service %q", id, tk.Service)
		}
		rep := collect.NewReporter(id, "graph", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		apply, err := tk.Run(ctx, rep)
		r := result{snap: &tenant.Snapshot{}, err: err}
		r.items, r.pages, r.retries = rep.Counts()
		if err == nil {
			if apply == nil {
				t.Fatalf("%s: nil apply without error", id)
			}
			apply(r.snap)
			r.applyCalled = true
		}
		return r
	}
	t.Fatalf("no task %s", id)
	return result{}
}

func mustRun(t *testing.T, cfg graph.Config, id string) result {
	t.Helper()
	r := runTask(t, cfg, id)
	if r.err != nil {
		t.Fatalf("%s: %v", id, r.err)
	}
	return r
}

// --- expectations built from the scenario.

func str(v any) string   { s, _ := v.(string); return s }
func boolean(v any) bool { b, _ := v.(bool); return b }

func strs(v any) []string {
	a, _ := v.([]any)
	if len(a) == 0 {
		return nil
	}
	out := make([]string, len(a))
	for i, e := range a {
		out[i] = str(e)
	}
	return out
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func wantUser(t *testing.T, u map[string]any) tenant.User {
	t.Helper()
	w := tenant.User{
		ID: str(u["id"]), UserPrincipalName: str(u["userPrincipalName"]), DisplayName: str(u["displayName"]),
		Mail: str(u["mail"]), JobTitle: str(u["jobTitle"]), AccountEnabled: boolean(u["accountEnabled"]),
		UserType: str(u["userType"]), OnPremisesSyncEnabled: boolean(u["onPremisesSyncEnabled"]),
	}
	if s := str(u["signInSessionsValidFromDateTime"]); s != "" {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		w.SignInSessionsValidFrom = ts.UTC()
	}
	return w
}

func isLegacy(app string) bool {
	return slices.ContainsFunc(graph.LegacyClientApps, func(l string) bool { return strings.EqualFold(l, app) })
}

// wantSignIns are the scenario's legacy sign-ins of the 30 days before
// asOf, newest first.
func wantSignIns(t *testing.T, sc scenario, asOf time.Time) []tenant.SignIn {
	t.Helper()
	since := asOf.Add(-30 * 24 * time.Hour)
	var out []tenant.SignIn
	for _, s := range sc.Graph.SignIns {
		ts, err := time.Parse(time.RFC3339Nano, str(s["createdDateTime"]))
		if err != nil {
			t.Fatal(err)
		}
		if !isLegacy(str(s["clientAppUsed"])) || ts.Before(since) {
			continue
		}
		st, _ := s["status"].(map[string]any)
		dd, _ := s["deviceDetail"].(map[string]any)
		ec, _ := st["errorCode"].(float64)
		out = append(out, tenant.SignIn{
			ID: str(s["id"]), CreatedDateTime: ts.UTC(), UserID: str(s["userId"]),
			UserPrincipalName: str(s["userPrincipalName"]), AppDisplayName: str(s["appDisplayName"]),
			ClientAppUsed: str(s["clientAppUsed"]), UserAgent: str(s["userAgent"]), IPAddress: str(s["ipAddress"]),
			ConditionalAccessStatus: str(s["conditionalAccessStatus"]), ErrorCode: int(ec),
			FailureReason: str(st["failureReason"]), OperatingSystem: str(dd["operatingSystem"]), Browser: str(dd["browser"]),
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedDateTime.Equal(out[j].CreatedDateTime) {
			return out[i].CreatedDateTime.After(out[j].CreatedDateTime)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func wantFederation(f map[string]any) *tenant.Federation {
	return &tenant.Federation{
		ID: str(f["id"]), DisplayName: str(f["displayName"]), IssuerURI: str(f["issuerUri"]),
		MetadataExchangeURI: str(f["metadataExchangeUri"]), PassiveSignInURI: str(f["passiveSignInUri"]),
		ActiveSignInURI: str(f["activeSignInUri"]), SignOutURI: str(f["signOutUri"]),
		PreferredAuthenticationProtocol:       str(f["preferredAuthenticationProtocol"]),
		PromptLoginBehavior:                   str(f["promptLoginBehavior"]),
		IsSignedAuthenticationRequestRequired: boolean(f["isSignedAuthenticationRequestRequired"]),
		FederatedIdpMfaBehavior:               str(f["federatedIdpMfaBehavior"]),
		HasSigningCertificate:                 str(f["signingCertificate"]) != "",
	}
}

func count(v any) int { f, _ := v.(float64); return int(f) }

// checkAll runs every task against sc and compares the snapshot with the
// file, field by field.
func checkAll(t *testing.T, sc scenario, e env) {
	t.Helper()
	asOf := sc.asOf(t)

	// Organization.
	r := mustRun(t, e.cfg, graph.TaskOrganization)
	org := sc.Graph.Organization[0]
	want := tenant.Tenant{ID: org.ID, DisplayName: org.DisplayName}
	for _, vd := range org.VerifiedDomains {
		if vd.IsInitial {
			want.InitialDomain = vd.Name
		}
	}
	if r.snap.Tenant != want {
		t.Errorf("tenant %+v, want %+v", r.snap.Tenant, want)
	}

	// Domains and federation.
	r = mustRun(t, e.cfg, graph.TaskDomains)
	if len(r.snap.Domains) != len(sc.Graph.Domains) {
		t.Fatalf("%d domains, want %d", len(r.snap.Domains), len(sc.Graph.Domains))
	}
	if r.items != len(sc.Graph.Domains) {
		t.Errorf("domains reported %d items", r.items)
	}
	for i, wd := range sc.Graph.Domains {
		d := r.snap.Domains[i]
		w := tenant.Domain{Name: wd.ID, AuthenticationType: wd.AuthenticationType, IsVerified: wd.IsVerified,
			IsDefault: wd.IsDefault, IsInitial: wd.IsInitial, IsRoot: wd.IsRoot, SupportedServices: nonEmpty(wd.SupportedServices)}
		if feds := sc.Graph.FederationConfiguration[wd.ID]; len(feds) > 0 && wd.AuthenticationType == "Federated" {
			w.Federation = wantFederation(feds[0])
		}
		got := d
		got.SupportedServices = nonEmpty(got.SupportedServices)
		if !reflect.DeepEqual(got, w) {
			t.Errorf("domain %s:\n got %+v %+v\nwant %+v %+v", wd.ID, got, got.Federation, w, w.Federation)
		}
	}

	// Users.
	r = mustRun(t, e.cfg, graph.TaskUsers)
	if len(r.snap.Users) != len(sc.Graph.Users) || r.items != len(sc.Graph.Users) {
		t.Fatalf("%d users (%d reported), want %d", len(r.snap.Users), r.items, len(sc.Graph.Users))
	}
	for i, u := range sc.Graph.Users {
		if w := wantUser(t, u); r.snap.Users[i] != w {
			t.Errorf("user %d:\n got %+v\nwant %+v", i, r.snap.Users[i], w)
		}
	}

	// Sign-ins: legacy clients, the 30 days before asOf, newest first.
	r = mustRun(t, e.cfg, graph.TaskSignIns)
	ws := wantSignIns(t, sc, asOf)
	if len(r.snap.Entra.SignIns) != len(ws) {
		t.Errorf("%d sign-ins, want %d", len(r.snap.Entra.SignIns), len(ws))
	}
	for i := range min(len(ws), len(r.snap.Entra.SignIns)) {
		if r.snap.Entra.SignIns[i] != ws[i] {
			t.Errorf("sign-in %d:\n got %+v\nwant %+v", i, r.snap.Entra.SignIns[i], ws[i])
		}
	}
	if !r.snap.Entra.SignInsSince.Equal(asOf.Add(-30 * 24 * time.Hour)) {
		t.Errorf("SignInsSince %v", r.snap.Entra.SignInsSince)
	}
	if !slices.Equal(r.snap.Entra.SignInsClientAppsSearched, graph.LegacyClientApps) {
		t.Errorf("SignInsClientAppsSearched %v", r.snap.Entra.SignInsClientAppsSearched)
	}

	// Conditional access.
	r = mustRun(t, e.cfg, graph.TaskConditionalAccess)
	if len(r.snap.Entra.ConditionalAccess) != len(sc.Graph.ConditionalAccess) {
		t.Fatalf("%d CA policies, want %d", len(r.snap.Entra.ConditionalAccess), len(sc.Graph.ConditionalAccess))
	}
	for i, p := range sc.Graph.ConditionalAccess {
		c := p.Conditions
		w := tenant.CAPolicy{ID: p.ID, DisplayName: p.DisplayName, State: p.State,
			IncludeUsers: nonEmpty(c.Users.IncludeUsers), ExcludeUsers: nonEmpty(c.Users.ExcludeUsers),
			IncludeGroups: nonEmpty(c.Users.IncludeGroups), ExcludeGroups: nonEmpty(c.Users.ExcludeGroups),
			IncludeRoles: nonEmpty(c.Users.IncludeRoles), ExcludeRoles: nonEmpty(c.Users.ExcludeRoles),
			IncludeApplications: nonEmpty(c.Applications.IncludeApplications), ExcludeApplications: nonEmpty(c.Applications.ExcludeApplications),
			ClientAppTypes: nonEmpty(c.ClientAppTypes)}
		if p.GrantControls != nil {
			w.GrantOperator, w.BuiltInControls = p.GrantControls.Operator, nonEmpty(p.GrantControls.BuiltInControls)
		}
		if got := r.snap.Entra.ConditionalAccess[i]; !reflect.DeepEqual(got, w) {
			t.Errorf("CA %d:\n got %+v\nwant %+v", i, got, w)
		}
	}

	// Security defaults.
	r = mustRun(t, e.cfg, graph.TaskSecurityDefaults)
	if sd := r.snap.Entra.SecurityDefaults; sd == nil || sd.IsEnabled != sc.Graph.SecurityDefaults.IsEnabled {
		t.Errorf("security defaults %+v, want %+v", sd, sc.Graph.SecurityDefaults)
	}

	// Email-app usage reports.
	r = mustRun(t, e.cfg, graph.TaskEmailAppUsage)
	if len(r.snap.Entra.EmailAppUsage) != len(sc.Graph.EmailAppUsage) {
		t.Fatalf("%d usage rows, want %d", len(r.snap.Entra.EmailAppUsage), len(sc.Graph.EmailAppUsage))
	}
	for i, u := range sc.Graph.EmailAppUsage {
		w := tenant.EmailAppUsage{
			UserPrincipalName: str(u["userPrincipalName"]), DisplayName: str(u["displayName"]),
			LastActivityDate: str(u["lastActivityDate"]), ReportRefreshDate: str(u["reportRefreshDate"]),
			MailForMac: strs(u["mailForMac"]), OutlookForMac: strs(u["outlookForMac"]), OutlookForWindows: strs(u["outlookForWindows"]),
			OutlookForMobile: strs(u["outlookForMobile"]), OtherForMobile: strs(u["otherForMobile"]), OutlookForWeb: strs(u["outlookForWeb"]),
			POP3App: strs(u["pop3App"]), IMAP4App: strs(u["imap4App"]), SMTPApp: strs(u["smtpApp"]),
		}
		if got := r.snap.Entra.EmailAppUsage[i]; !reflect.DeepEqual(got, w) {
			t.Errorf("usage %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if len(sc.Graph.EmailAppVersions) > 0 {
		v := sc.Graph.EmailAppVersions[0]
		w := tenant.EmailAppVersions{ReportRefreshDate: str(v["reportRefreshDate"]),
			Outlook2007: count(v["outlook2007"]), Outlook2010: count(v["outlook2010"]), Outlook2013: count(v["outlook2013"]),
			Outlook2016: count(v["outlook2016"]), Outlook2019: count(v["outlook2019"]), OutlookM365: count(v["outlookM365"]),
			Undetermined: count(v["undetermined"])}
		if got := r.snap.Entra.EmailAppVersions; got == nil || *got != w {
			t.Errorf("versions %+v, want %+v", got, w)
		}
	}
}

func TestGraphMinimal(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	checkAll(t, sc, e)

	// A few spot checks of what minimal.json says, so that a scenario and
	// a collector that agree on a wrong reading cannot both pass.
	r := mustRun(t, e.cfg, graph.TaskDomains)
	d, _ := r.snap.Domain("fabrikam.example")
	if d.Federation == nil || d.Federation.FederatedIdpMfaBehavior != "acceptIfMfaDoneByFederatedIdp" || d.Federation.PreferredAuthenticationProtocol != "wsFed" {
		t.Errorf("fabrikam.example federation %+v", d.Federation)
	}
	if d, _ := r.snap.Domain("labs.fabrikam.example"); d.Federation != nil || d.Federated() {
		t.Errorf("labs.fabrikam.example should be managed: %+v", d)
	}
	r = mustRun(t, e.cfg, graph.TaskUsers)
	if u := r.snap.Users[0]; u.UserPrincipalName != "ann@fabrikam.example" || !u.OnPremisesSyncEnabled || u.JobTitle != "Engineering Lead" {
		t.Errorf("ann: %+v", u)
	}
	if u := r.snap.Users[1]; u.JobTitle != "" || u.OnPremisesSyncEnabled {
		t.Errorf("scanner: %+v", u)
	}
	r = mustRun(t, e.cfg, graph.TaskSignIns)
	if len(r.snap.Entra.SignIns) != 1 || r.snap.Entra.SignIns[0].ClientAppUsed != "IMAP4" || r.snap.Entra.SignIns[0].OperatingSystem != "Linux" {
		t.Errorf("sign-ins %+v", r.snap.Entra.SignIns)
	}
}

// TestGraphFederatedWithoutConfiguration: Graph's 404 for a federated
// domain without federation configuration is "no federation", not an error.
func TestGraphFederatedWithoutConfiguration(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["graph"].(map[string]any)["federationConfiguration"] = map[string]any{}
	data, _ = json.Marshal(doc)
	e := startSim(t, data, "nofed", sim.Options{}, sc.asOf(t))
	r := mustRun(t, e.cfg, graph.TaskDomains)
	d, ok := r.snap.Domain("fabrikam.example")
	if !ok || !d.Federated() || d.Federation != nil {
		t.Errorf("fabrikam.example: %+v", d)
	}
	if len(r.snap.Domains) != len(sc.Graph.Domains) {
		t.Errorf("%d domains", len(r.snap.Domains))
	}
}

// TestGraphOrganizationFunc checks the exported Organization call.
func TestGraphOrganizationFunc(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	got, err := graph.Organization(context.Background(), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sc.Graph.Organization[0].ID || got.DisplayName != sc.Graph.Organization[0].DisplayName || got.InitialDomain != "fabrikamexample.onmicrosoft.com" {
		t.Errorf("Organization = %+v", got)
	}
}

// TestGraphOrganizationKeepsTenant: graph.organization fills only the
// empty fields of snap.Tenant.
func TestGraphOrganizationKeepsTenant(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	tasks, err := graph.Tasks(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	apply, err := tasks[0].Run(context.Background(), collect.NewReporter(tasks[0].ID, "graph", nil))
	if err != nil || tasks[0].ID != graph.TaskOrganization {
		t.Fatal(tasks[0].ID, err)
	}
	snap := &tenant.Snapshot{Tenant: tenant.Tenant{DisplayName: "Given by the operator"}}
	apply(snap)
	if snap.Tenant.DisplayName != "Given by the operator" || snap.Tenant.ID != sc.Graph.Organization[0].ID || snap.Tenant.InitialDomain == "" {
		t.Errorf("tenant %+v", snap.Tenant)
	}
}

// signInScenario is minimal.json with sign-ins around the 30-day edge,
// several pages of one client, and modern clients that must not come back.
func signInScenario(t *testing.T) (scenario, []byte) {
	t.Helper()
	_, data := readScenario(t, minimalFile)
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	g := doc["graph"].(map[string]any)
	si := g["signIns"].([]any)
	add := func(id, when, app, ua string) {
		si = append(si, map[string]any{"id": id, "createdDateTime": when, "userPrincipalName": "bo@labs.fabrikam.example",
			"userId": "11111111-0000-0000-0000-000000000003", "appDisplayName": "Office 365 Exchange Online",
			"clientAppUsed": app, "userAgent": ua, "ipAddress": "203.0.113.9", "conditionalAccessStatus": "notApplied",
			"status":       map[string]any{"errorCode": 50126, "failureReason": "Invalid username or password."},
			"deviceDetail": map[string]any{"operatingSystem": "Windows10", "browser": "Rich Client 4.0"}})
	}
	add("old-imap", "2026-09-15T10:00:00Z", "IMAP4", "")
	add("edge-smtp", "2026-10-02T00:00:00Z", "Authenticated SMTP", "")
	add("early-eas", "2026-10-03T09:00:00Z", "Exchange ActiveSync", "Apple-iPhone9C1/1602.92")
	add("imap-2", "2026-10-21T10:00:00.1234567Z", "IMAP4", "")
	add("imap-3", "2026-10-22T10:00:00Z", "IMAP4", "")
	add("pop", "2026-10-25T10:00:00Z", "POP3", "Thunderbird/115.0")
	add("browser", "2026-10-26T10:00:00Z", "Browser", "Mozilla/5.0")
	add("modern", "2026-10-27T10:00:00Z", "Mobile Apps and Desktop clients", "Microsoft Office/16.0")
	add("rpc", "2026-10-31T23:00:00Z", "Outlook Anywhere (RPC over HTTP)", "MSRPC")
	g["signIns"] = si
	out, _ := json.Marshal(doc)
	var sc scenario
	if err := json.Unmarshal(out, &sc); err != nil {
		t.Fatal(err)
	}
	return sc, out
}

func TestGraphSignInsFilterAndPaging(t *testing.T) {
	sc, data := signInScenario(t)
	e := startSim(t, data, "signins", sim.Options{PageSize: 2}, sc.asOf(t))
	r := mustRun(t, e.cfg, graph.TaskSignIns)
	var ids []string
	for _, s := range r.snap.Entra.SignIns {
		ids = append(ids, s.ID)
	}
	want := []string{"rpc", "pop", "imap-3", "imap-2", "a1", "early-eas", "edge-smtp"}
	if !slices.Equal(ids, want) {
		t.Errorf("sign-ins %v, want %v (legacy only, 30 days before asOf, newest first)", ids, want)
	}
	// One chain per legacy client; IMAP4's three sign-ins take two pages
	// of two.
	if r.pages != len(graph.LegacyClientApps)+1 || r.items != len(want) {
		t.Errorf("reported %d items in %d pages, want %d in %d", r.items, r.pages, len(want), len(graph.LegacyClientApps)+1)
	}
	if got := r.snap.Entra.SignIns[1]; got.UserAgent != "Thunderbird/115.0" || got.ErrorCode != 50126 || got.Browser != "Rich Client 4.0" {
		t.Errorf("pop sign-in %+v", got)
	}
	checkAll(t, sc, e)
}

func TestGraphUsersPaging(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{PageSize: 2}, sc.asOf(t))
	r := mustRun(t, e.cfg, graph.TaskUsers)
	wantPages := (len(sc.Graph.Users) + 1) / 2
	if r.pages != wantPages || r.pages < 2 || r.items != len(sc.Graph.Users) || len(r.snap.Users) != len(sc.Graph.Users) {
		t.Errorf("users: %d items in %d pages (%d collected), want %d in %d", r.items, r.pages, len(r.snap.Users), len(sc.Graph.Users), wantPages)
	}
	// The $top hint is honoured: one user a page.
	cfg := e.cfg
	cfg.PageSize = 1
	if r := mustRun(t, cfg, graph.TaskUsers); r.pages != len(sc.Graph.Users) {
		t.Errorf("PageSize 1: %d pages", r.pages)
	}
}

// TestGraphApplyOwnsItsPart: each task's apply writes only its own part of
// the snapshot.
func TestGraphApplyOwnsItsPart(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	clear := map[string]func(s *tenant.Snapshot){
		graph.TaskOrganization:      func(s *tenant.Snapshot) { s.Tenant = tenant.Tenant{} },
		graph.TaskDomains:           func(s *tenant.Snapshot) { s.Domains = nil },
		graph.TaskUsers:             func(s *tenant.Snapshot) { s.Users = nil },
		graph.TaskConditionalAccess: func(s *tenant.Snapshot) { s.Entra.ConditionalAccess = nil },
		graph.TaskSecurityDefaults:  func(s *tenant.Snapshot) { s.Entra.SecurityDefaults = nil },
		graph.TaskEmailAppUsage: func(s *tenant.Snapshot) {
			s.Entra.EmailAppUsage, s.Entra.EmailAppVersions = nil, nil
		},
		graph.TaskSignIns: func(s *tenant.Snapshot) {
			s.Entra.SignIns, s.Entra.SignInsSince, s.Entra.SignInsClientAppsSearched = nil, time.Time{}, nil
		},
	}
	tasks, err := graph.Tasks(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tk := range tasks {
		ids = append(ids, tk.ID)
		r := mustRun(t, e.cfg, tk.ID)
		if reflect.DeepEqual(*r.snap, tenant.Snapshot{}) {
			t.Errorf("%s wrote nothing", tk.ID)
		}
		clr, ok := clear[tk.ID]
		if !ok {
			t.Errorf("unexpected task %s", tk.ID)
			continue
		}
		clr(r.snap)
		if !reflect.DeepEqual(*r.snap, tenant.Snapshot{}) {
			t.Errorf("%s wrote outside its part: %+v", tk.ID, *r.snap)
		}
	}
	want := []string{"graph.organization", "graph.domains", "graph.users", "graph.signIns", "graph.conditionalAccess", "graph.securityDefaults", "graph.emailAppUsage"}
	if !slices.Equal(ids, want) {
		t.Errorf("task IDs %v, want %v", ids, want)
	}
}

// --- errors.

type emptyToken struct{}

func (emptyToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestGraph401(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	cfg := e.cfg
	cfg.Credential = emptyToken{}
	for _, id := range []string{graph.TaskOrganization, graph.TaskDomains, graph.TaskUsers, graph.TaskSignIns, graph.TaskEmailAppUsage} {
		r := runTask(t, cfg, id)
		var f *collect.Failure
		if !errors.As(r.err, &f) {
			t.Fatalf("%s: error %v (%T), want a *collect.Failure", id, r.err, r.err)
		}
		if f.HTTPStatus != http.StatusUnauthorized || f.Fix != "sign in again (token rejected)" ||
			f.Message != "InvalidAuthenticationToken: Access token is empty." {
			t.Errorf("%s: %+v", id, f)
		}
		if r.applyCalled {
			t.Errorf("%s: applied despite the error", id)
		}
	}
	if _, err := graph.Organization(context.Background(), cfg); graph.Explain(err).HTTPStatus != http.StatusUnauthorized {
		t.Errorf("Organization: %v", err)
	}
}

// rewrite is a transport that answers some paths itself (a 403, a 429)
// and passes everything else to the simulator.
type rewrite struct {
	next   http.RoundTripper
	answer func(r *http.Request) *http.Response
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if resp := rw.answer(r); resp != nil {
		return resp, nil
	}
	return rw.next.RoundTrip(r)
}

func graphErrorResponse(r *http.Request, status int, code, msg string, hdr map[string]string) *http.Response {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]any{"date": "2026-11-01T00:00:00", "request-id": "r", "client-request-id": "c"}}})
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range hdr {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

func TestGraph403NamesThePermission(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	cfg := e.cfg
	cfg.HTTPClient = &http.Client{Transport: rewrite{next: http.DefaultTransport, answer: func(r *http.Request) *http.Response {
		if strings.Contains(r.URL.Path, "/federationConfiguration") {
			return nil // federation is Domain.Read.All too; tested below
		}
		return graphErrorResponse(r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", nil)
	}}}
	for id, perm := range map[string]string{
		graph.TaskOrganization:      "Organization.Read.All",
		graph.TaskDomains:           "Domain.Read.All",
		graph.TaskUsers:             "User.Read.All",
		graph.TaskSignIns:           "AuditLog.Read.All",
		graph.TaskConditionalAccess: "Policy.Read.All",
		graph.TaskSecurityDefaults:  "Policy.Read.All",
		graph.TaskEmailAppUsage:     "Reports.Read.All",
	} {
		r := runTask(t, cfg, id)
		var f *collect.Failure
		if !errors.As(r.err, &f) {
			t.Fatalf("%s: error %v (%T)", id, r.err, r.err)
		}
		if f.HTTPStatus != http.StatusForbidden || !strings.Contains(f.Fix, perm) ||
			f.Message != "Authorization_RequestDenied: Insufficient privileges to complete the operation." {
			t.Errorf("%s: %+v (want fix naming %s)", id, f, perm)
		}
		if id == graph.TaskSignIns && !strings.Contains(f.Fix, "Entra ID P1") {
			t.Errorf("sign-ins fix should name the P1 licence: %q", f.Fix)
		}
	}

	// A 403 whose body is not JSON (a proxy's HTML, NUL bytes) keeps its
	// status and still names the permission.
	for _, body := range []string{"<html><body>Forbidden by proxy</body></html>", "\x00\x00\x00\x00", ""} {
		cfg.HTTPClient = &http.Client{Transport: rewrite{next: http.DefaultTransport, answer: func(r *http.Request) *http.Response {
			return &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{"Content-Type": {"text/html"}},
				Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}
		}}}
		r := runTask(t, cfg, graph.TaskConditionalAccess)
		if f := graph.Explain(r.err); f.HTTPStatus != http.StatusForbidden || !strings.Contains(f.Fix, "Policy.Read.All") {
			t.Errorf("non-JSON 403 %q: %+v", body, f)
		}
	}

	// A 403 on a second page or on federation fails the task, with the
	// permission named.
	cfg.HTTPClient = &http.Client{Transport: rewrite{next: http.DefaultTransport, answer: func(r *http.Request) *http.Response {
		if strings.Contains(r.URL.Path, "/federationConfiguration") || strings.Contains(r.URL.RawQuery, "skiptoken") {
			return graphErrorResponse(r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", nil)
		}
		return nil
	}}}
	r := runTask(t, cfg, graph.TaskDomains)
	if f := graph.Explain(r.err); f.HTTPStatus != http.StatusForbidden || !strings.Contains(f.Fix, "Domain.Read.All") || !strings.Contains(f.Message, "fabrikam.example") {
		t.Errorf("federation 403: %+v", f)
	}
	paged := startSim(t, data, minimalFile, sim.Options{PageSize: 2}, sc.asOf(t))
	cfg.BaseURL = paged.url
	r = runTask(t, cfg, graph.TaskUsers)
	if f := graph.Explain(r.err); f.HTTPStatus != http.StatusForbidden || !strings.Contains(f.Fix, "User.Read.All") {
		t.Errorf("403 on page 2 of users: %+v", f)
	}
}

func TestGraphThrottlingIsRetriedAndReported(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{}, sc.asOf(t))
	var throttled atomic.Int32
	cfg := e.cfg
	cfg.HTTPClient = &http.Client{Transport: rewrite{next: http.DefaultTransport, answer: func(r *http.Request) *http.Response {
		if strings.HasSuffix(r.URL.Path, "/users") && throttled.Add(1) == 1 {
			return graphErrorResponse(r, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.", map[string]string{"Retry-After": "0"})
		}
		return nil
	}}}
	r := mustRun(t, cfg, graph.TaskUsers)
	if r.retries != 1 || len(r.snap.Users) != len(sc.Graph.Users) {
		t.Errorf("retries %d, users %d", r.retries, len(r.snap.Users))
	}
}

// TestGraphConcurrencyLimit: the sign-ins' twelve request chains run
// concurrently, never more than Concurrency at once.
func TestGraphConcurrencyLimit(t *testing.T) {
	sc, data := readScenario(t, minimalFile)
	e := startSim(t, data, minimalFile, sim.Options{Latency: 30 * time.Millisecond}, sc.asOf(t))
	var mu sync.Mutex
	inFlight, peak := 0, 0
	cfg := e.cfg
	cfg.Concurrency = 3
	cfg.HTTPClient = &http.Client{Transport: countingTransport{next: http.DefaultTransport, enter: func(d int) {
		mu.Lock()
		inFlight += d
		peak = max(peak, inFlight)
		mu.Unlock()
	}}}
	start := time.Now()
	mustRun(t, cfg, graph.TaskSignIns)
	if peak > 3 || peak < 2 {
		t.Errorf("peak %d requests in flight, want 2..3", peak)
	}
	// Twelve 30ms requests, three at a time: at least four rounds.
	if el := time.Since(start); el < 4*30*time.Millisecond {
		t.Errorf("finished in %v: limit not applied", el)
	}
	if got := e.srv.Requests()["graph"]; got != int64(len(graph.LegacyClientApps)) {
		t.Errorf("%d requests, want one per legacy client (%d)", got, len(graph.LegacyClientApps))
	}
}

type countingTransport struct {
	next  http.RoundTripper
	enter func(delta int)
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.enter(1)
	defer c.enter(-1)
	return c.next.RoundTrip(r)
}

func TestGraphConfigErrors(t *testing.T) {
	if _, err := graph.Tasks(graph.Config{BaseURL: "http://127.0.0.1:1"}); err == nil {
		t.Error("Tasks without a credential should fail")
	}
	// Plain http is refused off loopback (the token must not leak).
	tasks, err := graph.Tasks(graph.Config{BaseURL: "http://graph.example.invalid", Credential: auth.Static("x")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tasks[0].Run(context.Background(), collect.NewReporter("x", "graph", nil))
	if err == nil || !strings.Contains(graph.Explain(err).Message, "https") {
		t.Errorf("plain http to a remote host: %v", err)
	}
}

// TestGraphBuiltins runs the collector over every built-in scenario.
func TestGraphBuiltins(t *testing.T) {
	names := sim.Builtins()
	for _, want := range []string{"whitepaper", "contoso", "okta-classic"} {
		if !slices.Contains(names, want) {
			t.Errorf("built-in scenario %s missing (have %v)", want, names)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			sc, data := readScenario(t, "../../sim/scenarios/"+name+".json")
			e := startSim(t, data, "builtin:"+name, sim.Options{PageSize: 5}, sc.asOf(t))
			checkAll(t, sc, e)
			r := mustRun(t, e.cfg, graph.TaskUsers)
			if want := (len(sc.Graph.Users) + 4) / 5; r.pages != want {
				t.Errorf("users: %d pages, want %d", r.pages, want)
			}
			// Each federated domain carries its federatedIdpMfaBehavior.
			r = mustRun(t, e.cfg, graph.TaskDomains)
			for dom, feds := range sc.Graph.FederationConfiguration {
				d, ok := r.snap.Domain(dom)
				if !ok || d.Federation == nil || d.Federation.FederatedIdpMfaBehavior != str(feds[0]["federatedIdpMfaBehavior"]) {
					t.Errorf("%s: federation %+v", dom, d.Federation)
				}
			}
		})
	}
}
