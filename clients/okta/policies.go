package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// classicFailure is okta.policies' answer on a Classic Engine org, where
// app sign-on rules have no public API (reference §0.1, §2.1).
func classicFailure(why string) *collect.Failure {
	return &collect.Failure{
		HTTPStatus: http.StatusBadRequest,
		Message: "Classic Engine: the Office 365 app's sign-on rules are not readable through Okta's public API (" + why +
			"); only Identity Engine exposes them as ACCESS_POLICY rules",
		Fix: "check them by hand: Admin Console → Applications → Microsoft Office 365 → Sign On; " +
			"harden365 reads the System Log for evidence of legacy sign-ins instead",
	}
}

func (c *collector) policies(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
	cl, err := c.client(ctx, rep)
	if err != nil {
		return nil, err
	}
	// isClassic asks the org metadata (no token needed): known says
	// whether it answered.
	isClassic := func() (classic, known bool) {
		wk, err := c.wellKnown(ctx, cl)
		return err == nil && wk.Pipeline == "v1", err == nil
	}

	qp := query.NewQueryParams(query.WithType("ACCESS_POLICY"), query.WithLimit(c.limit(maxPolicies)))
	list, resp, err := cl.Policy.ListPolicies(ctx, qp)
	if err != nil {
		// Okta's answer to type=ACCESS_POLICY on Classic is a 400 (or an
		// empty list; both are handled). The org metadata decides; without
		// it, a 400 E0000001 (validation failed) is taken as Classic.
		var oe *sdk.Error
		if errors.As(err, &oe) && status(resp) == http.StatusBadRequest {
			classic, known := isClassic()
			if classic || (!known && oe.ErrorCode == "E0000001") {
				return nil, classicFailure(fmt.Sprintf("GET /api/v1/policies?type=ACCESS_POLICY answered %d %s", status(resp), oktaMessage(oe)))
			}
		}
		return nil, withResponse(resp, err)
	}
	var pols []*sdk.Policy
	add := func(ps []*sdk.Policy) {
		for _, p := range ps {
			if p != nil && p.Type == "ACCESS_POLICY" {
				pols = append(pols, p)
			}
		}
	}
	for _, p := range list {
		pol, _ := p.(*sdk.Policy)
		add([]*sdk.Policy{pol})
	}
	rep.Page(len(list))
	for resp.HasNextPage() {
		var page []sdk.Policy
		if resp, err = resp.Next(ctx, &page); err != nil {
			return nil, withResponse(resp, err)
		}
		ptrs := make([]*sdk.Policy, len(page))
		for i := range page {
			ptrs[i] = &page[i]
		}
		add(ptrs)
		rep.Page(len(page))
	}
	if len(pols) == 0 {
		if classic, _ := isClassic(); classic {
			return nil, classicFailure("the org runs Classic Engine (pipeline v1) and lists no ACCESS_POLICY policies")
		}
	}

	out := make([]tenant.OktaPolicy, len(pols))
	for i, p := range pols {
		out[i] = tenant.OktaPolicy{ID: p.Id, Name: p.Name, Type: p.Type, Status: p.Status}
		if p.System != nil {
			out[i].System = *p.System
		}
	}
	err = c.fanOut(ctx, len(out), func(ctx context.Context, i int) error {
		rules, err := c.rules(ctx, cl, rep, out[i].ID)
		if err != nil {
			return fmt.Errorf("rules of policy %s: %w", out[i].ID, err)
		}
		out[i].Rules = rules
		return nil
	})
	if err != nil {
		if classic, _ := isClassic(); classic {
			return nil, classicFailure(err.Error())
		}
		return nil, err
	}
	return func(s *tenant.Snapshot) {
		c.markConfigured(s)
		s.Okta.Policies = out
	}, nil
}

// rules reads one policy's rules through the raw request executor (v2's
// PolicyRule has no appSignOn, office365Client or elCondition), following
// Link headers, sorted by priority.
func (c *collector) rules(ctx context.Context, cl *sdk.Client, rep *collect.Reporter, policyID string) ([]tenant.OktaRule, error) {
	re := cl.CloneRequestExecutor()
	path := "/api/v1/policies/" + url.PathEscape(policyID) + "/rules" + fmt.Sprintf("?limit=%d", c.limit(maxRules))
	req, err := re.WithAccept("application/json").NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var wire []wireRule
	resp, err := re.Do(ctx, req, &wire)
	if err != nil {
		return nil, withResponse(resp, err)
	}
	rep.Page(0)
	for resp.HasNextPage() {
		var page []wireRule
		if resp, err = resp.Next(ctx, &page); err != nil {
			return nil, withResponse(resp, err)
		}
		wire = append(wire, page...)
		rep.Page(0)
	}
	out := make([]tenant.OktaRule, 0, len(wire))
	for _, w := range wire {
		r, err := w.convert()
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", w.ID, err)
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out, nil
}

// --- ACCESS_POLICY rules on the wire (reference §2.3)

type wireRule struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Status      string          `json:"status"`
	Priority    int             `json:"priority"`
	System      bool            `json:"system"`
	Created     *time.Time      `json:"created"`
	LastUpdated *time.Time      `json:"lastUpdated"`
	Conditions  json.RawMessage `json:"conditions"`
	Actions     *struct {
		AppSignOn *struct {
			Access             string `json:"access"`
			VerificationMethod *struct {
				Type             string                       `json:"type"`
				FactorMode       string                       `json:"factorMode"`
				ReauthenticateIn string                       `json:"reauthenticateIn"`
				Constraints      []map[string]json.RawMessage `json:"constraints"`
			} `json:"verificationMethod"`
		} `json:"appSignOn"`
	} `json:"actions"`
}

type includeExclude struct {
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
}

type platformEntry struct {
	Type string `json:"type"`
	OS   *struct {
		Type       string `json:"type"`
		Expression string `json:"expression"`
	} `json:"os"`
}

type wireConditions struct {
	People *struct {
		Users  *includeExclude `json:"users"`
		Groups *includeExclude `json:"groups"`
	} `json:"people"`
	Network *struct {
		Connection string   `json:"connection"`
		Include    []string `json:"include"`
		Exclude    []string `json:"exclude"`
	} `json:"network"`
	Platform *struct {
		Include []platformEntry `json:"include"`
		Exclude []platformEntry `json:"exclude"`
	} `json:"platform"`
	Device *struct {
		Registered *bool `json:"registered"`
		Managed    *bool `json:"managed"`
		Assurance  *struct {
			Include []string `json:"include"`
		} `json:"assurance"`
	} `json:"device"`
	ElCondition *struct {
		Condition string `json:"condition"`
	} `json:"elCondition"`
	RiskScore *struct {
		Level string `json:"level"`
	} `json:"riskScore"`
	Office365Client *struct {
		Include []string `json:"include"`
	} `json:"office365Client"`
}

// modelled lists, per condition key, the sub-keys harden365 reads; any
// other key (or sub-key) that carries a value is reported as Unmodelled.
var modelled = map[string]map[string]bool{
	"people":          {"users": true, "groups": true},
	"network":         {"connection": true, "include": true, "exclude": true},
	"platform":        {"include": true, "exclude": true},
	"device":          {"registered": true, "managed": true, "assurance": true},
	"elCondition":     {"condition": true},
	"riskScore":       {"level": true},
	"office365Client": {"include": true},
}

func (w wireRule) convert() (tenant.OktaRule, error) {
	r := tenant.OktaRule{ID: w.ID, Name: w.Name, Status: w.Status, Priority: w.Priority, System: w.System}
	if w.Created != nil {
		r.Created = w.Created.UTC()
	}
	if w.LastUpdated != nil {
		r.LastUpdated = w.LastUpdated.UTC()
	}
	if isPresent(w.Conditions) {
		var cond wireConditions
		if err := json.Unmarshal(w.Conditions, &cond); err != nil {
			return r, fmt.Errorf("conditions: %w", err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(w.Conditions, &keys); err != nil {
			return r, fmt.Errorf("conditions: %w", err)
		}
		r.Unmodelled = unmodelled(keys)
		if p := cond.People; p != nil {
			if p.Users != nil {
				r.UsersInclude, r.UsersExclude = p.Users.Include, p.Users.Exclude
			}
			if p.Groups != nil {
				r.GroupsInclude, r.GroupsExclude = p.Groups.Include, p.Groups.Exclude
			}
		}
		if n := cond.Network; n != nil {
			r.NetworkConnection, r.NetworkInclude, r.NetworkExclude = n.Connection, n.Include, n.Exclude
		}
		if p := cond.Platform; p != nil {
			r.PlatformInclude, r.PlatformExclude = platforms(p.Include), platforms(p.Exclude)
		}
		if d := cond.Device; d != nil {
			r.DeviceRegistered, r.DeviceManaged = d.Registered, d.Managed
			if d.Assurance != nil {
				r.DeviceAssurance = d.Assurance.Include
			}
		}
		if cond.ElCondition != nil {
			r.ElCondition = cond.ElCondition.Condition
		}
		if cond.RiskScore != nil {
			r.RiskScore = cond.RiskScore.Level
		}
		if cond.Office365Client != nil {
			r.Office365Client = cond.Office365Client.Include
		}
	}
	if w.Actions != nil && w.Actions.AppSignOn != nil {
		a := w.Actions.AppSignOn
		r.Access = a.Access
		if vm := a.VerificationMethod; vm != nil {
			r.VerificationType, r.FactorMode, r.ReauthenticateIn = vm.Type, vm.FactorMode, vm.ReauthenticateIn
			for _, cons := range vm.Constraints {
				if s := constraint(cons); s != "" {
					r.Constraints = append(r.Constraints, s)
				}
			}
		}
	}
	empty(&r.UsersInclude, &r.UsersExclude, &r.GroupsInclude, &r.GroupsExclude, &r.NetworkInclude,
		&r.NetworkExclude, &r.DeviceAssurance, &r.Office365Client)
	return r, nil
}

// empty turns empty lists (the wire often carries "exclude": []) into nil,
// so that "absent" and "empty" read the same.
func empty(ls ...*[]string) {
	for _, l := range ls {
		if len(*l) == 0 {
			*l = nil
		}
	}
}

// platforms renders platform entries as "TYPE/OS" ("OS" is ANY when the
// entry names none; an OTHER os's expression is not kept).
func platforms(es []platformEntry) []string {
	var out []string
	for _, e := range es {
		os := "ANY"
		if e.OS != nil && e.OS.Type != "" {
			os = e.OS.Type
		}
		typ := e.Type
		if typ == "" {
			typ = "ANY"
		}
		out = append(out, typ+"/"+os)
	}
	return out
}

// constraint summarises one constraint object (its keys must all hold):
// "knowledge:password", "possession", "knowledge:password+possession:..."
func constraint(c map[string]json.RawMessage) string {
	var parts []string
	for _, k := range sortedKeys(c) {
		if !isPresent(c[k]) && string(bytes.TrimSpace(c[k])) != "{}" {
			continue
		}
		var body struct {
			Types   []string `json:"types"`
			Methods []struct {
				Type string `json:"type"`
			} `json:"methods"`
		}
		_ = json.Unmarshal(c[k], &body)
		types := body.Types
		if len(types) == 0 {
			for _, m := range body.Methods {
				if m.Type != "" {
					types = append(types, m.Type)
				}
			}
		}
		if len(types) > 0 {
			parts = append(parts, k+":"+strings.Join(types, ","))
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, "+")
}

// unmodelled lists the condition keys (and sub-keys, as "key.sub") that
// carry a value harden365 does not read.
func unmodelled(keys map[string]json.RawMessage) []string {
	var out []string
	for _, k := range sortedKeys(keys) {
		if !isPresent(keys[k]) {
			continue
		}
		subs, known := modelled[k]
		if !known {
			out = append(out, k)
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(keys[k], &m) != nil {
			continue
		}
		for _, s := range sortedKeys(m) {
			if !subs[s] && isPresent(m[s]) {
				out = append(out, k+"."+s)
			}
		}
	}
	return out
}

// isPresent reports whether a JSON value says anything: not null, not an
// empty string, array or object, and not made only of such values.
func isPresent(raw json.RawMessage) bool {
	if len(bytes.TrimSpace(raw)) == 0 {
		return false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return true
	}
	return meaningful(v)
}

func meaningful(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		for _, e := range x {
			if meaningful(e) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, e := range x {
			if meaningful(e) {
				return true
			}
		}
		return false
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
