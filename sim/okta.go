package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Okta management API (/api/v1/...) and the org metadata
// (/.well-known/okta-organization), served from the scenario's "okta"
// section, which holds objects in Okta's own wire shapes.
//
// Wire behaviour reproduced here (see the Okta reference, §4 and §6):
//   - auth: "SSWS <token>" or "Bearer <token>", any non-empty token; else
//     401 E0000011;
//   - every response is "Content-Type: application/json" with the
//     X-Rate-Limit-Limit / -Remaining / -Reset headers (net/http adds
//     Date, which okta-sdk-golang needs to compute a 429 back-off);
//   - lists are paged by limit and an opaque "after" cursor, announced in
//     SEPARATE Link header lines for rel="self" and rel="next" (v2 of the
//     SDK splits each Link value on ';', so a combined "self, next" value
//     would be mis-read);
//   - errors have Okta's shape {errorCode, errorSummary, errorLink,
//     errorId, errorCauses}.
//
// Writes to policy rules and groups are carried out in okta_write.go.
// Other writes (app policy assignment, zones, ...) are not simulated yet:
// they answer 501 with an Okta-shaped error naming the request, so a client
// never mistakes them for success. Methods Okta itself does not offer on a
// path answer 405 E0000022 as Okta does.

// Page sizes: default and maximum per list. Where Okta documents them they
// are Okta's (apps 20/200, users 200/200, group members 1000/10000,
// groups 10000/10000, logs 100/1000); policies, rules and zones are not
// documented firmly and use values no real org reaches by default (so a
// client that follows Link headers, as it must, sees the same data).
const (
	oktaAppsDefault, oktaAppsMax             = 20, 200
	oktaPoliciesDefault, oktaPoliciesMax     = 20, 200
	oktaRulesDefault, oktaRulesMax           = 100, 100
	oktaGroupsDefault, oktaGroupsMax         = 10000, 10000
	oktaGroupUsersDefault, oktaGroupUsersMax = 1000, 10000
	oktaUsersDefault, oktaUsersMax           = 200, 200
	oktaZonesDefault, oktaZonesMax           = 1000, 1000
	oktaLogsDefault, oktaLogsMax             = 100, 1000
	oktaLogsDefaultSince                     = 7 * 24 * time.Hour
	oktaClassicPipeline                      = "v1"
)

// Policy types Okta knows. ACCESS_POLICY (app sign-on / authentication
// policies) and PROFILE_ENROLLMENT exist only on Identity Engine.
var (
	oktaPolicyTypes = map[string]bool{
		"OKTA_SIGN_ON": true, "PASSWORD": true, "MFA_ENROLL": true, "IDP_DISCOVERY": true,
		"ACCESS_POLICY": true, "PROFILE_ENROLLMENT": true, "POST_AUTH_SESSION": true,
		"ENTITY_RISK": true, "DEVICE_SIGNAL_COLLECTION": true,
	}
	oktaIdentityEngineOnly = map[string]bool{
		"ACCESS_POLICY": true, "PROFILE_ENROLLMENT": true, "POST_AUTH_SESSION": true,
		"ENTITY_RISK": true, "DEVICE_SIGNAL_COLLECTION": true,
	}
)

func (s *Server) oktaAuth(w http.ResponseWriter, r *http.Request) bool {
	if bearer(r, "SSWS", "Bearer") != "" {
		return true
	}
	s.oktaError(w, r, http.StatusUnauthorized, "E0000011", "Invalid token provided")
	return false
}

// oktaWellKnown answers GET /.well-known/okta-organization (no token
// needed): the org's id, its pipeline (idx = Identity Engine, v1 =
// Classic) and its own URL.
func (s *Server) oktaWellKnown(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.oktaError(w, r, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	s.mu.Lock()
	o, ok := s.sc.Doc["okta"].(map[string]any)
	orgURL, pipeline := str(o["orgUrl"]), str(o["pipeline"])
	s.mu.Unlock()
	if !ok {
		s.oktaNotFound(w, r, r.URL.Path, "Path")
		return
	}
	s.oktaJSON(w, r, http.StatusOK, map[string]any{
		"id":       oktaOrgID(orgURL),
		"pipeline": pipeline,
		"_links":   map[string]any{"organization": map[string]any{"href": orgURL}},
	})
}

// oktaOrgID derives a stable org id ("00o" + 17 characters, as Okta's ids
// are 20 long) from the org URL: scenarios do not carry one.
func oktaOrgID(orgURL string) string {
	sum := sha256.Sum256([]byte(orgURL))
	return "00o" + hex.EncodeToString(sum[:])[:17]
}

func (s *Server) oktaHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, _ := strings.CutPrefix(r.URL.Path, "/api/v1/")
		parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
		for i, p := range parts {
			if u, err := url.PathUnescape(p); err == nil {
				parts[i] = u
			}
		}
		s.mu.Lock()
		_, has := s.sc.Doc["okta"].(map[string]any)
		s.mu.Unlock()
		if !has || len(parts) == 0 || parts[0] == "" {
			s.oktaNotFound(w, r, r.URL.Path, "Path")
			return
		}
		if !s.oktaKnownPath(parts) {
			s.oktaNotFound(w, r, r.URL.Path, "Path")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.oktaWrite(w, r, parts)
			return
		}
		q := r.URL.Query()
		switch {
		case parts[0] == "apps" && len(parts) == 1:
			s.oktaListApps(w, r, q)
		case parts[0] == "apps" && len(parts) == 2:
			s.oktaGetByID(w, r, "apps", parts[1], "AppInstance")
		case parts[0] == "apps" && len(parts) == 4 && parts[2] == "credentials":
			s.oktaAppKeys(w, r, parts[1]) // okta_users_write.go
		case parts[0] == "policies" && len(parts) == 1:
			s.oktaListPolicies(w, r, q)
		case parts[0] == "policies" && len(parts) == 2:
			s.oktaGetPolicy(w, r, parts[1])
		case parts[0] == "policies" && len(parts) == 3:
			s.oktaListRules(w, r, q, parts[1])
		case parts[0] == "policies" && len(parts) == 4 && parts[2] == "rules":
			s.oktaGetRule(w, r, parts[1], parts[3])
		case parts[0] == "groups" && len(parts) == 1:
			s.oktaListGroups(w, r, q)
		case parts[0] == "groups" && len(parts) == 2:
			s.oktaGetByID(w, r, "groups", parts[1], "UserGroup")
		case parts[0] == "groups" && len(parts) == 3:
			s.oktaListGroupUsers(w, r, q, parts[1])
		case parts[0] == "users" && len(parts) == 1:
			s.oktaListUsers(w, r, q)
		case parts[0] == "users" && len(parts) == 2:
			s.oktaGetUser(w, r, parts[1])
		case parts[0] == "users" && len(parts) == 3:
			s.oktaListFactors(w, r, parts[1])
		case parts[0] == "zones" && len(parts) == 1:
			s.oktaListZones(w, r, q)
		case parts[0] == "zones" && len(parts) == 2:
			s.oktaGetByID(w, r, "zones", parts[1], "Zone")
		case parts[0] == "logs" && len(parts) == 1:
			s.oktaListLogs(w, r, q)
		default:
			s.oktaNotFound(w, r, r.URL.Path, "Path")
		}
	})
}

// oktaKnownPath reports whether the path is one the simulator knows (for
// reads, or as a write target answered 501).
func (s *Server) oktaKnownPath(p []string) bool {
	switch p[0] {
	case "apps":
		return len(p) <= 2 || (len(p) == 4 && p[2] == "credentials" && p[3] == "keys") || (p[2] == "users" && len(p) <= 4)
	case "zones":
		return len(p) <= 2
	case "policies":
		return len(p) <= 2 || (p[2] == "rules" && len(p) <= 4) ||
			(len(p) == 6 && p[2] == "rules" && p[4] == "lifecycle") || (len(p) == 4 && p[2] == "lifecycle")
	case "groups":
		return len(p) <= 2 || (p[2] == "users" && len(p) <= 4)
	case "users":
		return len(p) <= 2 || (p[2] == "factors" && len(p) <= 4) || (len(p) == 4 && p[2] == "lifecycle")
	case "logs":
		return len(p) == 1
	}
	return false
}

// oktaWrite answers every non-GET request: the writes okta_write.go
// carries out, else a loud refusal, never a half-applied write.
func (s *Server) oktaWrite(w http.ResponseWriter, r *http.Request, parts []string) {
	if s.oktaApplyWrite(w, r, parts) { // okta_write.go
		return
	}
	if parts[0] == "logs" || (len(parts) == 4 && parts[0] == "policies" && parts[2] == "rules" && r.Method == http.MethodPost) ||
		(len(parts) == 1 && r.Method != http.MethodPost) {
		w.Header().Set("Allow", "GET")
		s.oktaError(w, r, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	s.oktaError(w, r, http.StatusNotImplemented, "E0000060", "Unsupported operation.",
		fmt.Sprintf("the simulator does not carry out %s %s yet", r.Method, r.URL.Path))
}

// --- lists

func (s *Server) oktaListApps(w http.ResponseWriter, r *http.Request, q url.Values) {
	f, err := parseOktaFilter(q.Get("filter"), "id", "status", "name", "credentials.signing.kid", "settings.slo.enabled")
	if err != nil {
		s.oktaInvalid(w, r, "filter", err.Error())
		return
	}
	prefix := strings.ToLower(q.Get("q"))
	s.oktaList(w, r, q, "apps", oktaAppsDefault, oktaAppsMax, func(o map[string]any) ([]any, bool) {
		var out []any
		for _, a := range list(o["apps"]) {
			app := obj(a)
			if !f.match(app) {
				continue
			}
			if prefix != "" && !strings.HasPrefix(strings.ToLower(str(app["name"])), prefix) &&
				!strings.HasPrefix(strings.ToLower(str(app["label"])), prefix) {
				continue
			}
			out = append(out, a)
		}
		return out, true
	})
}

// oktaListPolicies answers GET /api/v1/policies?type=...
//
// On a Classic org (pipeline "v1") the Identity Engine types, ACCESS_POLICY
// above all, are refused with 400 E0000001 "Api validation failed: type"
// and the cause "type: Invalid policy type ACCESS_POLICY". Okta's real
// answer on Classic is unconfirmed: this 400 or an empty list (reference
// §2.1). The simulator picks the 400 because it is the answer a client
// cannot mistake for "no rules"; clients must handle both.
func (s *Server) oktaListPolicies(w http.ResponseWriter, r *http.Request, q url.Values) {
	typ := q.Get("type")
	if typ == "" {
		s.oktaInvalid(w, r, "type", "type: Policy type is required")
		return
	}
	s.mu.Lock()
	pipeline := str(obj(s.sc.Doc["okta"])["pipeline"])
	s.mu.Unlock()
	if !oktaPolicyTypes[typ] || (pipeline == oktaClassicPipeline && oktaIdentityEngineOnly[typ]) {
		s.oktaInvalid(w, r, "type", "type: Invalid policy type "+typ)
		return
	}
	status := q.Get("status")
	prefix := strings.ToLower(q.Get("q"))
	s.oktaList(w, r, q, "policies", oktaPoliciesDefault, oktaPoliciesMax, func(o map[string]any) ([]any, bool) {
		var out []any
		for _, p := range list(o["policies"]) {
			pol := obj(p)
			if str(pol["type"]) != typ || (status != "" && str(pol["status"]) != status) {
				continue
			}
			if prefix != "" && !strings.HasPrefix(strings.ToLower(str(pol["name"])), prefix) {
				continue
			}
			out = append(out, p)
		}
		return out, true
	})
}

// oktaPolicy finds a policy a client may read: on Classic, Identity Engine
// policy types do not exist for the API, so their ids are not found.
func oktaPolicy(o map[string]any, id string) map[string]any {
	for _, p := range list(o["policies"]) {
		pol := obj(p)
		if str(pol["id"]) != id {
			continue
		}
		if str(o["pipeline"]) == oktaClassicPipeline && oktaIdentityEngineOnly[str(pol["type"])] {
			return nil
		}
		return pol
	}
	return nil
}

func (s *Server) oktaGetPolicy(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	pol := oktaPolicy(obj(s.sc.Doc["okta"]), id)
	v := clone(pol)
	s.mu.Unlock()
	if pol == nil {
		s.oktaNotFound(w, r, id, "Policy")
		return
	}
	s.oktaJSON(w, r, http.StatusOK, v)
}

// oktaRules returns a policy's rules sorted by priority (ties keep the
// scenario's order), or false when the policy is not readable.
func oktaRules(o map[string]any, policyID string) ([]any, bool) {
	if oktaPolicy(o, policyID) == nil {
		return nil, false
	}
	rules := append([]any(nil), list(obj(o["policyRules"])[policyID])...)
	sort.SliceStable(rules, func(i, j int) bool { return oktaNum(obj(rules[i])["priority"]) < oktaNum(obj(rules[j])["priority"]) })
	return rules, true
}

func (s *Server) oktaListRules(w http.ResponseWriter, r *http.Request, q url.Values, policyID string) {
	s.oktaList(w, r, q, "rules:"+policyID, oktaRulesDefault, oktaRulesMax, func(o map[string]any) ([]any, bool) {
		rules, ok := oktaRules(o, policyID)
		if !ok {
			s.oktaNotFound(w, r, policyID, "Policy")
		}
		return rules, ok
	})
}

func (s *Server) oktaGetRule(w http.ResponseWriter, r *http.Request, policyID, ruleID string) {
	s.mu.Lock()
	rules, ok := oktaRules(obj(s.sc.Doc["okta"]), policyID)
	var rule any
	for _, ru := range rules {
		if str(obj(ru)["id"]) == ruleID {
			rule = clone(ru)
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.oktaNotFound(w, r, policyID, "Policy")
	case rule == nil:
		s.oktaNotFound(w, r, ruleID, "PolicyRule")
	default:
		s.oktaJSON(w, r, http.StatusOK, rule)
	}
}

func (s *Server) oktaListGroups(w http.ResponseWriter, r *http.Request, q url.Values) {
	f, err := parseOktaFilter(q.Get("filter"), "id", "type", "lastUpdated", "lastMembershipUpdated", "profile.name")
	if err != nil {
		s.oktaInvalid(w, r, "filter", err.Error())
		return
	}
	prefix := strings.ToLower(q.Get("q"))
	s.oktaList(w, r, q, "groups", oktaGroupsDefault, oktaGroupsMax, func(o map[string]any) ([]any, bool) {
		var out []any
		for _, g := range list(o["groups"]) {
			grp := obj(g)
			if !f.match(grp) || (prefix != "" && !strings.HasPrefix(strings.ToLower(str(obj(grp["profile"])["name"])), prefix)) {
				continue
			}
			out = append(out, g)
		}
		return out, true
	})
}

// oktaListGroupUsers returns a group's members as full user objects, in
// the order of groupUsers[id]; an id the scenario lists without a user
// object is returned as {"id": ...} so membership stays faithful.
func (s *Server) oktaListGroupUsers(w http.ResponseWriter, r *http.Request, q url.Values, groupID string) {
	s.oktaList(w, r, q, "members:"+groupID, oktaGroupUsersDefault, oktaGroupUsersMax, func(o map[string]any) ([]any, bool) {
		if oktaFind(list(o["groups"]), groupID) == nil {
			s.oktaNotFound(w, r, groupID, "UserGroup")
			return nil, false
		}
		ids := list(obj(o["groupUsers"])[groupID])
		byID := make(map[string]any, len(ids))
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[str(id)] = true
		}
		for _, u := range list(o["users"]) {
			if id := str(obj(u)["id"]); want[id] {
				byID[id] = u
			}
		}
		out := make([]any, 0, len(ids))
		for _, id := range ids {
			if u, ok := byID[str(id)]; ok {
				out = append(out, u)
			} else {
				out = append(out, map[string]any{"id": str(id)})
			}
		}
		return out, true
	})
}

// oktaListUsers: like Okta, users in DEPROVISIONED status are left out
// unless the filter asks for them by status.
func (s *Server) oktaListUsers(w http.ResponseWriter, r *http.Request, q url.Values) {
	f, err := parseOktaFilter(q.Get("filter"), "id", "status", "type.id", "created", "lastUpdated", "statusChanged",
		"profile.login", "profile.email", "profile.firstName", "profile.lastName")
	if err != nil {
		s.oktaInvalid(w, r, "filter", err.Error())
		return
	}
	askDeprovisioned := strings.Contains(q.Get("filter"), "DEPROVISIONED")
	words := strings.ToLower(q.Get("q"))
	s.oktaList(w, r, q, "users", oktaUsersDefault, oktaUsersMax, func(o map[string]any) ([]any, bool) {
		var out []any
		for _, u := range list(o["users"]) {
			user := obj(u)
			if str(user["status"]) == "DEPROVISIONED" && !askDeprovisioned {
				continue
			}
			if !f.match(user) {
				continue
			}
			if words != "" {
				p := obj(user["profile"])
				hit := false
				for _, k := range []string{"firstName", "lastName", "email", "login"} {
					if strings.HasPrefix(strings.ToLower(str(p[k])), words) {
						hit = true
					}
				}
				if !hit {
					continue
				}
			}
			out = append(out, u)
		}
		return out, true
	})
}

// oktaUser finds a user by id or login (as GET /api/v1/users/{idOrLogin}).
func oktaUser(o map[string]any, idOrLogin string) map[string]any {
	for _, u := range list(o["users"]) {
		user := obj(u)
		if str(user["id"]) == idOrLogin || strings.EqualFold(str(obj(user["profile"])["login"]), idOrLogin) {
			return user
		}
	}
	return nil
}

func (s *Server) oktaGetUser(w http.ResponseWriter, r *http.Request, idOrLogin string) {
	s.mu.Lock()
	u := oktaUser(obj(s.sc.Doc["okta"]), idOrLogin)
	v := clone(u)
	s.mu.Unlock()
	if u == nil {
		s.oktaNotFound(w, r, idOrLogin, "User")
		return
	}
	s.oktaJSON(w, r, http.StatusOK, v)
}

// oktaListFactors answers GET /api/v1/users/{id}/factors: not paged, as
// in Okta.
func (s *Server) oktaListFactors(w http.ResponseWriter, r *http.Request, userID string) {
	s.mu.Lock()
	o := obj(s.sc.Doc["okta"])
	factors, listed := obj(o["factors"])[userID]
	exists := listed || oktaUser(o, userID) != nil
	v := list(clone(factors))
	s.mu.Unlock()
	if !exists {
		s.oktaNotFound(w, r, userID, "User")
		return
	}
	if v == nil {
		v = []any{}
	}
	s.oktaJSON(w, r, http.StatusOK, v)
}

func (s *Server) oktaListZones(w http.ResponseWriter, r *http.Request, q url.Values) {
	f, err := parseOktaFilter(q.Get("filter"), "id", "usage", "system")
	if err != nil {
		s.oktaInvalid(w, r, "filter", err.Error())
		return
	}
	s.oktaList(w, r, q, "zones", oktaZonesDefault, oktaZonesMax, func(o map[string]any) ([]any, bool) {
		var out []any
		for _, z := range list(o["zones"]) {
			if f.match(obj(z)) {
				out = append(out, z)
			}
		}
		return out, true
	})
}

// oktaListLogs answers GET /api/v1/logs: since (default 7 days before
// the simulator's clock) inclusive, until exclusive, on "published";
// filter (eq/ne/sw/co/pr/gt/ge/lt/le joined by and/or, no parentheses) on
// any field path; q (every word must occur in the event); sortOrder
// ASCENDING (default) or DESCENDING. A bounded query (with until) ends
// without a next link; a polling query (without until) always carries one,
// as Okta's does, and a client stops on an empty page.
func (s *Server) oktaListLogs(w http.ResponseWriter, r *http.Request, q url.Values) {
	since := s.Now().Add(-oktaLogsDefaultSince)
	var until time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(p.name); v != "" {
			t, err := ParseTime(v)
			if err != nil {
				s.oktaInvalid(w, r, p.name, fmt.Sprintf("%s: The value %q is not a valid ISO 8601 date-time", p.name, v))
				return
			}
			*p.t = t
		}
	}
	order := strings.ToUpper(q.Get("sortOrder"))
	if order == "" {
		order = "ASCENDING"
	}
	if order != "ASCENDING" && order != "DESCENDING" {
		s.oktaInvalid(w, r, "sortOrder", "sortOrder: must be ASCENDING or DESCENDING")
		return
	}
	f, err := parseOktaFilter(q.Get("filter"))
	if err != nil {
		s.oktaInvalid(w, r, "filter", err.Error())
		return
	}
	words := strings.Fields(strings.ToLower(q.Get("q")))
	polling := q.Get("until") == ""
	s.oktaListPolling(w, r, q, "logs", oktaLogsDefault, oktaLogsMax, polling, func(o map[string]any) ([]any, bool) {
		type ev struct {
			t   time.Time
			id  string
			val any
		}
		var evs []ev
		for _, e := range list(o["logs"]) {
			m := obj(e)
			t, err := ParseTime(str(m["published"]))
			if err != nil || t.Before(since) || (!until.IsZero() && !t.Before(until)) || !f.match(m) {
				continue
			}
			if len(words) > 0 {
				b, _ := json.Marshal(m)
				text := strings.ToLower(string(b))
				all := true
				for _, wd := range words {
					all = all && strings.Contains(text, wd)
				}
				if !all {
					continue
				}
			}
			evs = append(evs, ev{t, str(m["uuid"]), e})
		}
		sort.SliceStable(evs, func(i, j int) bool {
			a, b := evs[i], evs[j]
			if order == "DESCENDING" {
				a, b = b, a
			}
			if !a.t.Equal(b.t) {
				return a.t.Before(b.t)
			}
			return a.id < b.id
		})
		out := make([]any, len(evs))
		for i, e := range evs {
			out[i] = e.val
		}
		return out, true
	})
}

func (s *Server) oktaGetByID(w http.ResponseWriter, r *http.Request, section, id, typ string) {
	s.mu.Lock()
	v := oktaFind(list(obj(s.sc.Doc["okta"])[section]), id)
	v = clone(v)
	s.mu.Unlock()
	if v == nil {
		s.oktaNotFound(w, r, id, typ)
		return
	}
	s.oktaJSON(w, r, http.StatusOK, v)
}

func oktaFind(items []any, id string) any {
	for _, it := range items {
		if str(obj(it)["id"]) == id {
			return it
		}
	}
	return nil
}

// --- paging

// oktaList selects items under the lock (select returns false after it has
// written an error), pages them and writes the page with its Link headers.
func (s *Server) oktaList(w http.ResponseWriter, r *http.Request, q url.Values, tag string, def, max int,
	sel func(o map[string]any) ([]any, bool)) {
	s.oktaListPolling(w, r, q, tag, def, max, false, sel)
}

func (s *Server) oktaListPolling(w http.ResponseWriter, r *http.Request, q url.Values, tag string, def, max int, polling bool,
	sel func(o map[string]any) ([]any, bool)) {
	requested := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.oktaInvalid(w, r, "limit", fmt.Sprintf("limit: The value %q is not a valid number", v))
			return
		}
		requested = n
	}
	off, ok := parsePageToken(tag, q.Get("after"))
	if !ok {
		s.oktaInvalid(w, r, "after", "after: The pagination cursor is invalid or has expired")
		return
	}
	size := s.pageSize(requested, def, max)

	// The selection is made once per listing and state (a log query
	// without since starts from the clock, so it is made afresh); each
	// page copies only its own items.
	s.mu.RLock()
	build := func() ([]any, bool) { return sel(obj(s.sc.Doc["okta"])) }
	var items []any
	if tag == "logs" && q.Get("since") == "" {
		items, ok = build()
	} else {
		items, ok = s.cachedList(listKey(r, "after", "limit"), build)
	}
	var page []any
	next := -1
	if ok {
		page, next = pageOf(items, off, size)
		if polling && next < 0 {
			next = off + len(page)
		}
	}
	s.mu.RUnlock()
	if !ok {
		return
	}
	if page == nil {
		page = []any{}
	}
	w.Header().Add("Link", "<"+baseURL(r)+r.URL.RequestURI()+`>; rel="self"`)
	if next >= 0 {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", pageToken(tag, next))
		nq.Set("limit", strconv.Itoa(size))
		w.Header().Add("Link", "<"+baseURL(r)+r.URL.Path+"?"+nq.Encode()+`>; rel="next"`)
	}
	s.oktaJSON(w, r, http.StatusOK, page)
}

// --- responses

// Rate-limit buckets (requests per minute), roughly Okta's org-wide
// defaults. The counters only fill the X-Rate-Limit headers: throttling
// (429 E0000047) is a fault to inject, not a consequence of them.
var oktaRateBuckets = []struct {
	prefix string
	limit  int
}{
	{"/api/v1/apps", 100}, {"/api/v1/groups", 500}, {"/api/v1/users", 600},
	{"/api/v1/logs", 120}, {"/api/v1/policies", 1200}, {"/api/v1/zones", 500},
}

type oktaRateState struct {
	mu     sync.Mutex
	minute int64
	counts map[string]int
}

func (s *Server) oktaRateHeaders(w http.ResponseWriter, r *http.Request) {
	bucket, limit := "default", 1200
	for _, b := range oktaRateBuckets {
		if strings.HasPrefix(r.URL.Path, b.prefix) {
			bucket, limit = b.prefix, b.limit
			break
		}
	}
	st := &s.oktaRate
	// The reset is wall-clock epoch seconds: okta-sdk-golang subtracts the
	// (real) Date header from it.
	now := time.Now().Unix()
	minute := now / 60
	st.mu.Lock()
	if st.minute != minute || st.counts == nil {
		st.minute, st.counts = minute, map[string]int{}
	}
	st.counts[bucket]++
	remaining := max(limit-st.counts[bucket], 0)
	st.mu.Unlock()
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt((minute+1)*60, 10))
	h.Set("X-Okta-Request-Id", oktaID("sim", s.oktaSeq.Add(1)))
}

func oktaID(prefix string, n int64) string {
	sum := sha256.Sum256([]byte(prefix + strconv.FormatInt(n, 10)))
	return prefix + hex.EncodeToString(sum[:])[:22]
}

func (s *Server) oktaJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	s.oktaRateHeaders(w, r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// oktaError writes Okta's error body; causes become errorCauses entries.
func (s *Server) oktaError(w http.ResponseWriter, r *http.Request, status int, code, summary string, causes ...string) {
	cs := make([]any, 0, len(causes))
	for _, c := range causes {
		cs = append(cs, map[string]any{"errorSummary": c})
	}
	s.oktaJSON(w, r, status, map[string]any{
		"errorCode":    code,
		"errorSummary": summary,
		"errorLink":    code,
		"errorId":      oktaID("oae", s.oktaSeq.Add(1)),
		"errorCauses":  cs,
	})
}

func (s *Server) oktaNotFound(w http.ResponseWriter, r *http.Request, id, typ string) {
	s.oktaError(w, r, http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", id, typ))
}

// oktaInvalid is Okta's 400 E0000001 "Api validation failed: {field}".
func (s *Server) oktaInvalid(w http.ResponseWriter, r *http.Request, field, cause string) {
	s.oktaError(w, r, http.StatusBadRequest, "E0000001", "Api validation failed: "+field, cause)
}

func oktaNum(v any) float64 {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case float64:
		return x
	}
	return 0
}

// --- filter expressions: `path op "value"` clauses joined by and/or ("and"
// binds tighter), as Okta's filter parameter; parentheses are not
// supported here.

type oktaClause struct{ path, op, value string }

// oktaFilter is an OR of AND-groups; the empty filter matches everything.
type oktaFilter [][]oktaClause

var oktaFilterOps = map[string]bool{"eq": true, "ne": true, "sw": true, "co": true, "pr": true, "gt": true, "ge": true, "lt": true, "le": true}

// parseOktaFilter parses expr; when fields are given, only those paths
// may be filtered on (as each Okta list allows only some).
func parseOktaFilter(expr string, fields ...string) (oktaFilter, error) {
	toks, err := oktaTokens(expr)
	if err != nil || len(toks) == 0 {
		return nil, err
	}
	allowed := map[string]bool{}
	for _, f := range fields {
		allowed[f] = true
	}
	var f oktaFilter
	group := []oktaClause{}
	for i := 0; i < len(toks); {
		if i+1 >= len(toks) {
			return nil, fmt.Errorf("filter: Invalid filter expression %q", expr)
		}
		c := oktaClause{path: toks[i].text, op: strings.ToLower(toks[i+1].text)}
		if toks[i].quoted || !oktaFilterOps[c.op] {
			return nil, fmt.Errorf("filter: Invalid filter expression %q", expr)
		}
		if len(fields) > 0 && !allowed[c.path] {
			return nil, fmt.Errorf("filter: Invalid filter parameter %q", c.path)
		}
		i += 2
		if c.op != "pr" {
			if i >= len(toks) {
				return nil, fmt.Errorf("filter: Invalid filter expression %q", expr)
			}
			c.value = toks[i].text
			i++
		}
		group = append(group, c)
		if i < len(toks) {
			switch strings.ToLower(toks[i].text) {
			case "and":
			case "or":
				f = append(f, group)
				group = []oktaClause{}
			default:
				return nil, fmt.Errorf("filter: Invalid filter expression %q", expr)
			}
			i++
			if i >= len(toks) {
				return nil, fmt.Errorf("filter: Invalid filter expression %q", expr)
			}
		}
	}
	return append(f, group), nil
}

type oktaToken struct {
	text   string
	quoted bool
}

func oktaTokens(s string) ([]oktaToken, error) {
	var out []oktaToken
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			return nil, fmt.Errorf("filter: parentheses are not supported by the simulator")
		case c == '"':
			var b strings.Builder
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("filter: unterminated string in %q", s)
			}
			i++
			out = append(out, oktaToken{b.String(), true})
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			out = append(out, oktaToken{s[i:j], false})
			i = j
		}
	}
	return out, nil
}

func (f oktaFilter) match(m map[string]any) bool {
	if len(f) == 0 {
		return true
	}
	for _, group := range f {
		all := true
		for _, c := range group {
			if !c.match(m) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (c oktaClause) match(m map[string]any) bool {
	vals := oktaLookup(m, strings.Split(c.path, "."))
	if c.op == "pr" {
		return len(vals) > 0
	}
	if c.op == "ne" {
		for _, v := range vals {
			if oktaString(v) == c.value {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		sv := oktaString(v)
		switch c.op {
		case "eq":
			if sv == c.value {
				return true
			}
		case "sw":
			if strings.HasPrefix(strings.ToLower(sv), strings.ToLower(c.value)) {
				return true
			}
		case "co":
			if strings.Contains(strings.ToLower(sv), strings.ToLower(c.value)) {
				return true
			}
		default:
			cmp := oktaCompare(sv, c.value)
			if (c.op == "gt" && cmp > 0) || (c.op == "ge" && cmp >= 0) || (c.op == "lt" && cmp < 0) || (c.op == "le" && cmp <= 0) {
				return true
			}
		}
	}
	return false
}

// oktaLookup returns the non-null values at path, looking through arrays.
func oktaLookup(v any, path []string) []any {
	switch x := v.(type) {
	case []any:
		var out []any
		for _, e := range x {
			out = append(out, oktaLookup(e, path)...)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return []any{x}
		}
		return oktaLookup(x[path[0]], path[1:])
	case nil:
		return nil
	}
	if len(path) == 0 {
		return []any{v}
	}
	return nil
}

func oktaString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// oktaCompare compares as times when both are date-times, as numbers when
// both are numbers, else as strings.
func oktaCompare(a, b string) int {
	if ta, err := ParseTime(a); err == nil {
		if tb, err := ParseTime(b); err == nil {
			return ta.Compare(tb)
		}
	}
	if fa, err := strconv.ParseFloat(a, 64); err == nil {
		if fb, err := strconv.ParseFloat(b, 64); err == nil {
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(a, b)
}
