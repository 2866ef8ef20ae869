package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Okta API writes, applied to the scenario's "okta" section:
//
//	POST   /api/v1/policies/{pid}/rules[?activate=false]          200 rule
//	PUT    /api/v1/policies/{pid}/rules/{rid}                     200 rule (full replace)
//	DELETE /api/v1/policies/{pid}/rules/{rid}                     204
//	POST   /api/v1/policies/{pid}/rules/{rid}/lifecycle/activate   204
//	POST   /api/v1/policies/{pid}/rules/{rid}/lifecycle/deactivate 204
//	POST   /api/v1/groups                                         200 group (OKTA_GROUP)
//	PUT    /api/v1/groups/{gid}/users/{uid}                       204
//	DELETE /api/v1/groups/{gid}/users/{uid}                       204
//
// Rules. The body is stored verbatim (office365Client and any field the
// simulator does not know included) except the fields Okta owns: id,
// created, lastUpdated (the simulator's clock, "2026-11-01T10:00:00.000Z"),
// status (ACTIVE, or INACTIVE with ?activate=false; PUT keeps it, the
// lifecycle calls change it), system (false for created rules) and
// priority. Priorities are positions: the non-system rules are numbered
// contiguously from 0 (ACCESS_POLICY; 1 for Classic policy types) in
// priority order, and the system rule (the catch-all, priority 99) stays
// last. Creating or moving a rule to priority p inserts it at p and shifts
// the rules from p on down by one; a priority beyond the end, or none, puts
// it just above the catch-all; deleting closes the gap. A policy holds at
// most 100 rules, the catch-all included.
//
// Validation (400 E0000001 "Api validation failed: <field>" with the cause
// in errorCauses): name (non-empty, unique in the policy), type (the
// policy's rule type: ACCESS_POLICY rules in ACCESS_POLICY policies,
// SIGN_ON in OKTA_SIGN_ON, ...), priority (a non-negative integer), and
// for ACCESS_POLICY rules: actions.appSignOn.access ALLOW or DENY,
// verificationMethod.factorMode 1FA or 2FA, an elCondition whose condition
// is not empty, network.connection ANYWHERE or ZONE (ZONE with include or
// exclude), and zone, group and user ids that exist. A body that is not a
// JSON object is 400 E0000003.
//
// PUT is a full replace: fields not sent are gone (office365Client too).
// The system (catch-all) rule can be replaced only in what is not its
// own: its conditions are immutable (sending different ones is 400
// E0000001; sending none or the same keeps them), and its name, priority
// and status are kept whatever is sent. Deleting or deactivating a system
// rule is refused with 403 E0000006 (Okta's docs: default rules "can't be
// deleted"; the exact answer is [unconfirmed]).
//
// On a Classic org (pipeline "v1") ACCESS_POLICY policies do not exist for
// the API, so their rule writes are 404 E0000007, as their reads are.
//
// Groups. POST /groups takes {"profile":{"name":...,"description":...}}
// and creates an OKTA_GROUP (name required and unique, else 400
// E0000001); membership writes need an existing group and user id (404
// E0000007 otherwise), only change OKTA_GROUP groups (400 E0000001 for
// BUILT_IN and APP_GROUP groups), are idempotent, and stamp the group's
// lastMembershipUpdated when they change something.

const oktaMaxRules = 100

// oktaApplyWrite serves the writes above and reports whether it did (called
// by oktaWrite in okta.go; anything else stays 405 / 501 there).
func (s *Server) oktaApplyWrite(w http.ResponseWriter, r *http.Request, parts []string) bool {
	n, m := len(parts), r.Method
	switch {
	case parts[0] == "policies" && n == 3 && parts[2] == "rules" && m == http.MethodPost:
		s.oktaCreateRule(w, r, parts[1])
	case parts[0] == "policies" && n == 4 && parts[2] == "rules" && m == http.MethodPut:
		s.oktaReplaceRule(w, r, parts[1], parts[3])
	case parts[0] == "policies" && n == 4 && parts[2] == "rules" && m == http.MethodDelete:
		s.oktaDeleteRule(w, r, parts[1], parts[3])
	case parts[0] == "policies" && n == 6 && parts[2] == "rules" && parts[4] == "lifecycle" && m == http.MethodPost:
		switch parts[5] {
		case "activate", "deactivate":
			s.oktaRuleLifecycle(w, r, parts[1], parts[3], parts[5] == "activate")
		default:
			s.oktaNotFound(w, r, r.URL.Path, "Path")
		}
	case parts[0] == "users" && n == 1 && m == http.MethodPost:
		s.oktaCreateUser(w, r) // okta_users_write.go
	case parts[0] == "users" && n == 4 && parts[2] == "lifecycle" && parts[3] == "deactivate" && m == http.MethodPost:
		s.oktaDeactivateUser(w, r, parts[1])
	case parts[0] == "users" && n == 2 && m == http.MethodDelete:
		s.oktaDeleteUser(w, r, parts[1])
	case parts[0] == "apps" && n == 3 && parts[2] == "users" && m == http.MethodPost:
		s.oktaAssignApp(w, r, parts[1])
	case parts[0] == "apps" && n == 4 && parts[2] == "users" && m == http.MethodDelete:
		s.oktaUnassignApp(w, r, parts[1], parts[3])
	case parts[0] == "groups" && n == 1 && m == http.MethodPost:
		s.oktaCreateGroup(w, r)
	case parts[0] == "groups" && n == 4 && parts[2] == "users" && (m == http.MethodPut || m == http.MethodDelete):
		s.oktaGroupMember(w, r, parts[1], parts[3], m == http.MethodPut)
	default:
		return false
	}
	return true
}

// oktaWriteErr is an Okta error decided under the lock, written after.
type oktaWriteErr struct {
	status        int
	code, summary string
	causes        []string
}

func oktaInvalidErr(field, cause string) *oktaWriteErr {
	return &oktaWriteErr{http.StatusBadRequest, "E0000001", "Api validation failed: " + field, []string{cause}}
}

func oktaNotFoundErr(id, typ string) *oktaWriteErr {
	return &oktaWriteErr{http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", id, typ), nil}
}

func (s *Server) oktaWriteError(w http.ResponseWriter, r *http.Request, e *oktaWriteErr) {
	s.oktaError(w, r, e.status, e.code, e.summary, e.causes...)
}

// oktaReply ends a write handler: Okta's error when the write was
// refused, else the answer (204 with no body for http.StatusNoContent).
func (s *Server) oktaReply(w http.ResponseWriter, r *http.Request, status int, v any, e *oktaWriteErr) {
	switch {
	case e != nil:
		s.oktaWriteError(w, r, e)
	case status == http.StatusNoContent:
		s.oktaNoContent(w, r)
	default:
		s.oktaJSON(w, r, status, v)
	}
}

func (s *Server) oktaNoContent(w http.ResponseWriter, r *http.Request) {
	s.oktaRateHeaders(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// oktaBody reads a JSON object body; on failure it has written Okta's 400
// E0000003.
func (s *Server) oktaBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	var v any
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		err = dec.Decode(&v)
		if err == nil && dec.More() {
			err = fmt.Errorf("more than one value")
		}
	}
	m, ok := v.(map[string]any)
	if err != nil || !ok {
		s.oktaError(w, r, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return nil, false
	}
	return m, true
}

// oktaTime is how Okta writes created / lastUpdated.
func oktaTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05.000Z")
}

const oktaIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// oktaNewID returns a 20-character id with Okta's prefix for the kind.
func oktaNewID(prefix string) string {
	b := make([]byte, 20-len(prefix))
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = oktaIDChars[int(b[i])%len(oktaIDChars)]
	}
	return prefix + string(b)
}

// oktaRuleTypes maps a policy type to the type of its rules.
var oktaRuleTypes = map[string]string{"OKTA_SIGN_ON": "SIGN_ON", "MFA_ENROLL": "MFA_ENROLL", "PASSWORD": "PASSWORD"}

func oktaRuleType(policyType string) string {
	if t, ok := oktaRuleTypes[policyType]; ok {
		return t
	}
	return policyType
}

// oktaPriorityBase is the priority of a policy's first rule.
func oktaPriorityBase(policyType string) int {
	if policyType == "ACCESS_POLICY" {
		return 0
	}
	return 1
}

// --- rules.

// oktaRuleCtx is a policy and its live rules, under the lock.
type oktaRuleCtx struct {
	o     map[string]any
	pol   map[string]any
	pid   string
	rules []any
}

func (s *Server) oktaRuleContext(pid string) (*oktaRuleCtx, *oktaWriteErr) {
	o := obj(s.sc.Doc["okta"])
	pol := oktaPolicy(o, pid)
	if pol == nil {
		return nil, oktaNotFoundErr(pid, "Policy")
	}
	return &oktaRuleCtx{o: o, pol: pol, pid: pid, rules: list(obj(o["policyRules"])[pid])}, nil
}

func (c *oktaRuleCtx) find(rid string) (int, map[string]any) {
	for i, r := range c.rules {
		if m := obj(r); str(m["id"]) == rid {
			return i, m
		}
	}
	return -1, nil
}

// place puts rule (already removed from c.rules, or new) at position pos
// among the non-system rules (pos < 0 or beyond the end: last), renumbers
// them from the policy's base, keeps system rules last, and stores the
// list.
func (c *oktaRuleCtx) place(rule map[string]any, pos int) {
	var plain, system []any
	for _, r := range c.rules {
		if obj(r)["system"] == true {
			system = append(system, r)
		} else {
			plain = append(plain, r)
		}
	}
	sort.SliceStable(plain, func(i, j int) bool { return oktaNum(obj(plain[i])["priority"]) < oktaNum(obj(plain[j])["priority"]) })
	if rule != nil {
		if pos < 0 || pos > len(plain) {
			pos = len(plain)
		}
		plain = append(plain[:pos], append([]any{rule}, plain[pos:]...)...)
	}
	typ := str(c.pol["type"])
	base := oktaPriorityBase(typ)
	for i, r := range plain {
		obj(r)["priority"] = json.Number(strconv.Itoa(base + i))
	}
	if typ != "ACCESS_POLICY" {
		// Classic policies number their default rule right after the others.
		for i, r := range system {
			obj(r)["priority"] = json.Number(strconv.Itoa(base + len(plain) + i))
		}
	}
	c.rules = append(plain, system...)
	pr := obj(c.o["policyRules"])
	if pr == nil {
		pr = map[string]any{}
		c.o["policyRules"] = pr
	}
	pr[c.pid] = c.rules
}

// without returns the rules other than the one at i.
func (c *oktaRuleCtx) without(i int) []any {
	return append(append([]any{}, c.rules[:i]...), c.rules[i+1:]...)
}

// requestedPriority reads the body's priority: -1 when absent.
func requestedPriority(body map[string]any) (int, *oktaWriteErr) {
	v, ok := body["priority"]
	if !ok || v == nil {
		return -1, nil
	}
	n, isNum := v.(json.Number)
	p, err := strconv.Atoi(string(n))
	if !isNum || err != nil || p < 0 {
		return 0, oktaInvalidErr("priority", fmt.Sprintf("priority: The value %s is not a valid priority: expected a non-negative integer", graphLiteral(v)))
	}
	return p, nil
}

// validate checks a rule body for policy c.pol; self is the id of the rule
// being replaced ("" on create), system whether it is the system rule.
func (c *oktaRuleCtx) validate(body map[string]any, self string, system bool) *oktaWriteErr {
	wantType := oktaRuleType(str(c.pol["type"]))
	if system {
		// A system rule's name, type and priority are its own.
		if t, ok := body["type"]; ok && t != nil && str(t) != wantType {
			return oktaInvalidErr("type", fmt.Sprintf("type: Invalid rule type %v for a %s policy; expected %s", graphLiteral(t), str(c.pol["type"]), wantType))
		}
	} else {
		t, _ := body["type"].(string)
		if t == "" {
			return oktaInvalidErr("type", "type: The field cannot be left blank")
		}
		if t != wantType {
			return oktaInvalidErr("type", fmt.Sprintf("type: Invalid rule type %s for a %s policy; expected %s", t, str(c.pol["type"]), wantType))
		}
		name, _ := body["name"].(string)
		if strings.TrimSpace(name) == "" {
			return oktaInvalidErr("name", "name: The field cannot be left blank")
		}
		if len(name) > 255 {
			return oktaInvalidErr("name", "name: The field cannot exceed 255 characters")
		}
		for _, r := range c.rules {
			if m := obj(r); str(m["id"]) != self && strings.EqualFold(str(m["name"]), name) {
				return oktaInvalidErr("name", "name: A rule with this name already exists in the policy")
			}
		}
		if _, e := requestedPriority(body); e != nil {
			return e
		}
	}
	if str(c.pol["type"]) != "ACCESS_POLICY" {
		return nil
	}
	cond := body["conditions"]
	if cond != nil && obj(cond) == nil {
		return oktaInvalidErr("conditions", "conditions: expected an object")
	}
	cm := obj(cond)
	if el, has := cm["elCondition"]; has && el != nil {
		if strings.TrimSpace(str(obj(el)["condition"])) == "" {
			return oktaInvalidErr("conditions.elCondition.condition", "conditions.elCondition.condition: The expression cannot be empty; omit elCondition instead")
		}
	}
	if nw := obj(cm["network"]); nw != nil {
		conn := str(nw["connection"])
		switch conn {
		case "ANYWHERE", "ON_NETWORK", "OFF_NETWORK":
		case "ZONE":
			if len(list(nw["include"])) == 0 && len(list(nw["exclude"])) == 0 {
				return oktaInvalidErr("conditions.network", "conditions.network: A ZONE connection needs at least one zone in include or exclude")
			}
			for _, key := range []string{"include", "exclude"} {
				for _, z := range list(nw[key]) {
					if oktaFind(list(c.o["zones"]), str(z)) == nil {
						return oktaInvalidErr("conditions.network."+key, fmt.Sprintf("conditions.network.%s: Invalid zone id %s", key, graphLiteral(z)))
					}
				}
			}
		default:
			return oktaInvalidErr("conditions.network.connection", fmt.Sprintf("conditions.network.connection: Invalid value %s; expected ANYWHERE or ZONE", graphLiteral(nw["connection"])))
		}
	}
	people := obj(cm["people"])
	for _, ref := range []struct{ section, key, what string }{{"groups", "groups", "group"}, {"users", "users", "user"}} {
		sec := obj(people[ref.key])
		for _, k := range []string{"include", "exclude"} {
			for _, id := range list(sec[k]) {
				if oktaFind(list(c.o[ref.section]), str(id)) == nil {
					return oktaInvalidErr("conditions.people."+ref.key+"."+k,
						fmt.Sprintf("conditions.people.%s.%s: Invalid %s id %s", ref.key, k, ref.what, graphLiteral(id)))
				}
			}
		}
	}
	as := obj(obj(body["actions"])["appSignOn"])
	switch a := str(as["access"]); a {
	case "ALLOW", "DENY":
	case "":
		return oktaInvalidErr("actions.appSignOn.access", "actions.appSignOn.access: The field cannot be left blank")
	default:
		return oktaInvalidErr("actions.appSignOn.access", fmt.Sprintf("actions.appSignOn.access: Invalid value %q; expected ALLOW or DENY", a))
	}
	if fm, has := obj(as["verificationMethod"])["factorMode"]; has && fm != nil && str(fm) != "1FA" && str(fm) != "2FA" {
		return oktaInvalidErr("actions.appSignOn.verificationMethod.factorMode",
			fmt.Sprintf("actions.appSignOn.verificationMethod.factorMode: Invalid value %s; expected 1FA or 2FA", graphLiteral(fm)))
	}
	return nil
}

// oktaServerOwned are the rule fields Okta assigns: never taken from a body.
var oktaServerOwned = []string{"id", "created", "lastUpdated", "status", "system", "priority", "_links", "_embedded"}

func oktaRuleFromBody(body map[string]any) map[string]any {
	rule := obj(clone(body))
	for _, k := range oktaServerOwned {
		delete(rule, k)
	}
	return rule
}

func (s *Server) oktaCreateRule(w http.ResponseWriter, r *http.Request, pid string) {
	body, ok := s.oktaBody(w, r)
	if !ok {
		return
	}
	activate := !strings.EqualFold(r.URL.Query().Get("activate"), "false")
	s.mu.Lock()
	rule, e := func() (map[string]any, *oktaWriteErr) {
		c, e := s.oktaRuleContext(pid)
		if e != nil {
			return nil, e
		}
		if e := c.validate(body, "", false); e != nil {
			return nil, e
		}
		if len(c.rules) >= oktaMaxRules {
			return nil, oktaInvalidErr("priority", fmt.Sprintf("A policy can have at most %d rules; this one has %d", oktaMaxRules, len(c.rules)))
		}
		prio, _ := requestedPriority(body)
		now := oktaTime(s.Now())
		rule := oktaRuleFromBody(body)
		rule["id"] = oktaNewID("0pr")
		rule["status"] = map[bool]string{true: "ACTIVE", false: "INACTIVE"}[activate]
		rule["system"] = false
		rule["created"], rule["lastUpdated"] = now, now
		pos := -1
		if prio >= 0 {
			pos = prio - oktaPriorityBase(str(c.pol["type"]))
			if pos < 0 {
				pos = 0
			}
		}
		c.place(rule, pos)
		return obj(clone(rule)), nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusOK, rule, e)
}

func (s *Server) oktaReplaceRule(w http.ResponseWriter, r *http.Request, pid, rid string) {
	body, ok := s.oktaBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	rule, e := func() (map[string]any, *oktaWriteErr) {
		c, e := s.oktaRuleContext(pid)
		if e != nil {
			return nil, e
		}
		i, old := c.find(rid)
		if old == nil {
			return nil, oktaNotFoundErr(rid, "PolicyRule")
		}
		system := old["system"] == true
		if e := c.validate(body, rid, system); e != nil {
			return nil, e
		}
		rule := oktaRuleFromBody(body)
		for _, k := range []string{"id", "created", "status", "system"} {
			if v, has := old[k]; has {
				rule[k] = v
			}
		}
		rule["lastUpdated"] = oktaTime(s.Now())
		if system {
			if sent, has := body["conditions"]; has && !reflect.DeepEqual(oktaNormalize(sent), oktaNormalize(old["conditions"])) {
				return nil, oktaInvalidErr("conditions", "conditions: The conditions of the default rule cannot be changed")
			}
			for _, k := range []string{"conditions", "name", "type", "priority"} {
				if v, has := old[k]; has {
					rule[k] = v
				} else {
					delete(rule, k)
				}
			}
			c.rules[i] = rule
			c.place(nil, 0)
			return obj(clone(rule)), nil
		}
		prio, _ := requestedPriority(body)
		pos := prio - oktaPriorityBase(str(c.pol["type"]))
		if prio < 0 {
			// No priority sent: the rule keeps its place.
			pos = oktaPosition(c.rules, old)
		} else if pos < 0 {
			pos = 0
		}
		rule["priority"] = old["priority"]
		c.rules = c.without(i)
		c.place(rule, pos)
		return obj(clone(rule)), nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusOK, rule, e)
}

// oktaPosition is rule's index among the non-system rules in priority
// order.
func oktaPosition(rules []any, rule map[string]any) int {
	pos := 0
	for _, r := range rules {
		m := obj(r)
		if m["system"] == true || sameMap(m, rule) {
			continue
		}
		if oktaNum(m["priority"]) < oktaNum(rule["priority"]) {
			pos++
		}
	}
	return pos
}

// oktaNormalize drops nulls, empty objects and empty arrays, so that
// "conditions": null, {} and {"people":{"users":{"exclude":[]}}} compare
// equal.
func oktaNormalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := oktaNormalize(e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = oktaNormalize(e)
		}
		return out
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
	}
	return v
}

func oktaSystemRuleRefused(what string) *oktaWriteErr {
	return &oktaWriteErr{http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action",
		[]string{"The default rule of a policy cannot be " + what + "."}}
}

func (s *Server) oktaDeleteRule(w http.ResponseWriter, r *http.Request, pid, rid string) {
	s.mu.Lock()
	e := func() *oktaWriteErr {
		c, e := s.oktaRuleContext(pid)
		if e != nil {
			return e
		}
		i, old := c.find(rid)
		if old == nil {
			return oktaNotFoundErr(rid, "PolicyRule")
		}
		if old["system"] == true {
			return oktaSystemRuleRefused("deleted")
		}
		c.rules = c.without(i)
		c.place(nil, 0)
		return nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusNoContent, nil, e)
}

func (s *Server) oktaRuleLifecycle(w http.ResponseWriter, r *http.Request, pid, rid string, activate bool) {
	s.mu.Lock()
	e := func() *oktaWriteErr {
		c, e := s.oktaRuleContext(pid)
		if e != nil {
			return e
		}
		_, rule := c.find(rid)
		if rule == nil {
			return oktaNotFoundErr(rid, "PolicyRule")
		}
		want := "INACTIVE"
		if activate {
			want = "ACTIVE"
		}
		if rule["system"] == true && !activate {
			return oktaSystemRuleRefused("deactivated")
		}
		if str(rule["status"]) != want {
			rule["status"] = want
			rule["lastUpdated"] = oktaTime(s.Now())
		}
		return nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusNoContent, nil, e)
}

// --- groups.

func (s *Server) oktaCreateGroup(w http.ResponseWriter, r *http.Request) {
	body, ok := s.oktaBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	group, e := func() (map[string]any, *oktaWriteErr) {
		o := obj(s.sc.Doc["okta"])
		profile := obj(body["profile"])
		name, _ := profile["name"].(string)
		if strings.TrimSpace(name) == "" {
			return nil, oktaInvalidErr("name", "name: The field cannot be left blank")
		}
		if d, has := profile["description"]; has && d != nil {
			if _, isStr := d.(string); !isStr {
				return nil, oktaInvalidErr("description", "description: expected a string")
			}
		}
		for _, g := range list(o["groups"]) {
			if strings.EqualFold(str(obj(obj(g)["profile"])["name"]), name) {
				return nil, oktaInvalidErr("name", "name: An object with this field already exists in the current organization")
			}
		}
		now := oktaTime(s.Now())
		prof := obj(clone(profile))
		if _, has := prof["description"]; !has {
			prof["description"] = nil
		}
		g := map[string]any{
			"id": oktaNewID("00g"), "created": now, "lastUpdated": now, "lastMembershipUpdated": now,
			"objectClass": []any{"okta:user_group"}, "type": "OKTA_GROUP", "profile": prof,
		}
		o["groups"] = append(list(o["groups"]), g)
		gu := obj(o["groupUsers"])
		if gu == nil {
			gu = map[string]any{}
			o["groupUsers"] = gu
		}
		gu[str(g["id"])] = []any{}
		return obj(clone(g)), nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusOK, group, e)
}

func (s *Server) oktaGroupMember(w http.ResponseWriter, r *http.Request, gid, uid string, add bool) {
	s.mu.Lock()
	e := func() *oktaWriteErr {
		o := obj(s.sc.Doc["okta"])
		g := obj(oktaFind(list(o["groups"]), gid))
		if g == nil {
			return oktaNotFoundErr(gid, "UserGroup")
		}
		if oktaFind(list(o["users"]), uid) == nil {
			return oktaNotFoundErr(uid, "User")
		}
		if t := str(g["type"]); t != "" && t != "OKTA_GROUP" {
			return oktaInvalidErr("group", fmt.Sprintf("Group membership can only be changed for groups of type OKTA_GROUP; %s is %s", gid, t))
		}
		gu := obj(o["groupUsers"])
		if gu == nil {
			gu = map[string]any{}
			o["groupUsers"] = gu
		}
		members := list(gu[gid])
		idx := -1
		for i, m := range members {
			if str(m) == uid {
				idx = i
			}
		}
		switch {
		case add && idx < 0:
			gu[gid] = append(members, uid)
		case !add && idx >= 0:
			gu[gid] = append(append([]any{}, members[:idx]...), members[idx+1:]...)
		default:
			return nil // already so
		}
		g["lastMembershipUpdated"] = oktaTime(s.Now())
		return nil
	}()
	s.mu.Unlock()
	s.oktaReply(w, r, http.StatusNoContent, nil, e)
}
