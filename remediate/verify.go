package remediate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/harden365/harden365/tenant"
)

// After an apply the organisation is collected again and compared with
// the plan's simulation of it: any difference means the simulation (and
// so the after-matrix shown before the apply) was not what happened.

// Difference is one value the simulation and the re-collected snapshot
// disagree on.
type Difference struct {
	// Path locates the value: "exchange.casMailboxes[jan.janssen].popEnabled".
	Path      string `json:"path"`
	Simulated any    `json:"simulated"`
	Collected any    `json:"collected"`
	Note      string `json:"note,omitempty"`
}

func (d Difference) String() string {
	s := fmt.Sprintf("%s: simulated %s, collected %s", d.Path, jsonShort(d.Simulated), jsonShort(d.Collected))
	if d.Note != "" {
		s += " (" + d.Note + ")"
	}
	return s
}

func jsonShort(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 160 {
		return string(b[:157]) + "..."
	}
	return string(b)
}

// DiffOptions tune Diff.
type DiffOptions struct {
	// Since is when the apply started (the plan's now). A revocation time
	// the service stamps (signInSessionsValidFrom,
	// stsRefreshTokensValidFrom) matches when the simulation stamped it
	// during the apply and the collected one is not before Since (to the
	// second). Zero: any non-empty time matches a simulated stamp.
	Since time.Time
	// IDs maps ids the simulation planned for created objects to the ids
	// the service assigned (Result.IDs); references to them (group
	// members, ...) are renamed in the simulation before comparing.
	IDs map[string]string
}

// Ignored properties, anywhere in the snapshot: values the service
// assigns (CONTRACT.md: object ids, created / lastUpdated / WhenChanged
// times), and the collection's own times.
var diffIgnored = map[string]string{
	"id":          "object ids are assigned by the service",
	"whenChanged": "change times are stamped by the service",
	"created":     "creation times are stamped by the service",
	"lastUpdated": "change times are stamped by the service",
	"probedAt":    "when the collector probed an endpoint (the collection's own time)",
}

// Top-level properties that describe the collection, not the
// organisation.
var diffIgnoredTop = map[string]bool{"collectedAt": true, "source": true, "collection": true}

// Revocation times the service stamps with its clock.
var diffStamped = map[string]bool{"signInSessionsValidFrom": true, "stsRefreshTokensValidFrom": true}

// DiffIgnores describes what Diff does not compare, for reports.
func DiffIgnores() []string {
	out := []string{"collectedAt, source and collection (the collection's own statuses and time)"}
	for _, k := range sortedKeys(diffIgnored) {
		out = append(out, k+": "+diffIgnored[k])
	}
	out = append(out, "signInSessionsValidFrom and stsRefreshTokensValidFrom: stamped by the service's clock; compared as \"made during the apply\" (not before its start, to the second)")
	return out
}

// Diff compares the simulated snapshot with the collected one: every
// property of the organisation, except the values the service assigns
// (DiffIgnores). Lists of objects are matched by a key (an Exchange
// Identity, a UPN, an Okta login, an id, a name) when every element has a
// distinct one, else by position; objects the apply created carry the
// simulation's planned ids, renamed through opts.IDs first, so they match
// by id too. Lists of strings are compared as sets. The result is sorted
// by path; empty means they agree.
func Diff(simulated, collected *tenant.Snapshot, opts DiffOptions) []Difference {
	a, err1 := genericJSON(simulated, opts.IDs)
	b, err2 := genericJSON(collected, nil)
	if err1 != nil || err2 != nil {
		return []Difference{{Path: "", Note: fmt.Sprintf("cannot compare: %v %v", err1, err2)}}
	}
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	for k := range diffIgnoredTop {
		delete(am, k)
		delete(bm, k)
	}
	d := &differ{since: opts.Since}
	d.value("", am, bm)
	sort.SliceStable(d.out, func(i, j int) bool { return d.out[i].Path < d.out[j].Path })
	return d.out
}

// Verify compares what the plan simulated for before with the collected
// snapshot after the apply res.
func Verify(p *Plan, before, collected *tenant.Snapshot, res Result) []Difference {
	return Diff(p.Simulate(before), collected, DiffOptions{Since: p.Now, IDs: res.IDs(p)})
}

// genericJSON is s as plain JSON values, with ids renamed.
func genericJSON(s *tenant.Snapshot, ids map[string]string) (any, error) {
	if s == nil {
		return map[string]any{}, nil
	}
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		pairs := make([]string, 0, 2*len(ids))
		for _, k := range sortedKeys(ids) {
			kq, _ := json.Marshal(k)
			vq, _ := json.Marshal(ids[k])
			pairs = append(pairs, string(kq), string(vq))
		}
		data = []byte(strings.NewReplacer(pairs...).Replace(string(data)))
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return v, nil
}

type differ struct {
	since time.Time
	out   []Difference
}

func (d *differ) add(path string, a, b any, note string) {
	d.out = append(d.out, Difference{Path: path, Simulated: a, Collected: b, Note: note})
}

func (d *differ) value(path string, a, b any) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			if b == nil && len(x) == 0 {
				return
			}
			d.add(path, a, b, "")
			return
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			if _, skip := diffIgnored[k]; skip {
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			if diffStamped[k] {
				d.stamped(p, x[k], y[k])
				continue
			}
			d.value(p, x[k], y[k])
		}
	case []any:
		y, ok := b.([]any)
		if !ok {
			if b == nil && len(x) == 0 {
				return
			}
			d.add(path, a, b, "")
			return
		}
		d.list(path, x, y)
	default:
		if y, ok := b.([]any); ok && a == nil && len(y) == 0 {
			return
		}
		if y, ok := b.(map[string]any); ok && a == nil && len(y) == 0 {
			return
		}
		if !reflect.DeepEqual(a, b) {
			d.add(path, a, b, "")
		}
	}
}

// stamped compares a revocation time the service stamps.
func (d *differ) stamped(path string, a, b any) {
	if reflect.DeepEqual(a, b) {
		return
	}
	as, _ := a.(string)
	bs, _ := b.(string)
	at, errA := time.Parse(time.RFC3339, as)
	bt, errB := time.Parse(time.RFC3339, bs)
	since := d.since.Truncate(time.Second)
	switch {
	case errA != nil || as == "":
		d.add(path, a, b, "the simulation did not revoke here")
	case errB != nil || bs == "":
		d.add(path, a, b, "not revoked")
	case !d.since.IsZero() && at.Before(since):
		d.add(path, a, b, "the simulation did not revoke here")
	case !d.since.IsZero() && bt.Before(since):
		d.add(path, a, b, fmt.Sprintf("revoked before the apply started (%s)", since.Format(time.RFC3339)))
	}
}

// listKeys are the properties that identify an element of a list, in
// order of preference.
var listKeys = []string{"identity", "userPrincipalName", "login", "id", "uuid", "name", "displayName", "host"}

func (d *differ) list(path string, a, b []any) {
	if scalars(a) && scalars(b) {
		ca, cb := counts(a), counts(b)
		for _, k := range sortedKeys(ca) {
			if cb[k] < ca[k] {
				d.add(path, k, nil, "missing from the collected list")
			}
		}
		for _, k := range sortedKeys(cb) {
			if ca[k] < cb[k] {
				d.add(path, nil, k, "not in the simulated list")
			}
		}
		return
	}
	if key := commonKey(a, b); key != "" {
		ia, ib := index(a, key), index(b, key)
		for _, k := range sortedKeys(ia) {
			d.value(fmt.Sprintf("%s[%s]", path, k), ia[k], ib[k])
		}
		for _, k := range sortedKeys(ib) {
			if _, ok := ia[k]; !ok {
				d.add(fmt.Sprintf("%s[%s]", path, k), nil, ib[k], "not in the simulated list")
			}
		}
		return
	}
	n := max(len(a), len(b))
	for i := range n {
		var x, y any
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		d.value(fmt.Sprintf("%s[%d]", path, i), x, y)
	}
}

func scalars(xs []any) bool {
	for _, x := range xs {
		switch x.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

func counts(xs []any) map[string]int {
	out := map[string]int{}
	for _, x := range xs {
		b, _ := json.Marshal(x)
		k := string(b)
		if s, ok := x.(string); ok {
			k = s
		}
		out[k]++
	}
	return out
}

// commonKey is the first list key every element of both lists has, with
// distinct values within each list ("" when there is none).
func commonKey(a, b []any) string {
	for _, key := range listKeys {
		if distinct(a, key) && distinct(b, key) {
			return key
		}
	}
	return ""
}

func distinct(xs []any, key string) bool {
	seen := map[string]bool{}
	for _, x := range xs {
		m, ok := x.(map[string]any)
		if !ok {
			return false
		}
		v, ok := m[key].(string)
		if !ok || v == "" || seen[strings.ToLower(v)] {
			return false
		}
		seen[strings.ToLower(v)] = true
	}
	return true
}

func index(xs []any, key string) map[string]any {
	out := map[string]any{}
	for _, x := range xs {
		m := x.(map[string]any)
		out[strings.ToLower(m[key].(string))] = m
	}
	return out
}
