package remediate

import (
	"reflect"
	"sync"
	"time"

	"github.com/harden365/harden365/tenant"
)

// clone deep-copies a snapshot, so that a simulation never touches its
// input. It walks the value by reflection, so fields added to tenant later
// are copied too: structs are copied by value (unexported fields such as
// time.Time's come along) and every slice, map and pointer under them is
// copied afresh; nil stays nil and empty stays empty.
//
// A slice is copied in one move and then only the fields of its elements
// that hold references are replaced; which fields those are is worked out
// once per type. (Plans copy only the sections a step writes:
// cloneSections.)
func clone(s *tenant.Snapshot) *tenant.Snapshot {
	if s == nil {
		return nil
	}
	out := *s
	refresh(reflect.ValueOf(&out).Elem())
	return &out
}

// deepCopy returns a deep copy of v.
func deepCopy(v reflect.Value) reflect.Value {
	n := reflect.New(v.Type()).Elem()
	n.Set(v)
	refresh(n)
	return n
}

// refresh replaces, in v (settable, a shallow copy), every reference to
// shared memory by a copy of what it refers to.
func refresh(v reflect.Value) {
	t := v.Type()
	if plain(t) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		n := reflect.New(t.Elem())
		n.Elem().Set(v.Elem())
		refresh(n.Elem())
		v.Set(n)
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		n := reflect.MakeSlice(t, v.Len(), v.Len())
		reflect.Copy(n, v)
		if !plain(t.Elem()) {
			for i := 0; i < n.Len(); i++ {
				refresh(n.Index(i))
			}
		}
		v.Set(n)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		n := reflect.MakeMapWithSize(t, v.Len())
		deep := !plain(t.Elem())
		it := v.MapRange()
		for it.Next() {
			if deep {
				n.SetMapIndex(it.Key(), deepCopy(it.Value()))
			} else {
				n.SetMapIndex(it.Key(), it.Value())
			}
		}
		v.Set(n)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		v.Set(deepCopy(v.Elem()))
	case reflect.Struct:
		for _, f := range refFields(t) {
			refresh(v.Field(f))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			refresh(v.Index(i))
		}
	}
}

var (
	plainTypes sync.Map // reflect.Type -> bool
	fieldLists sync.Map // reflect.Type -> []int
)

// refFields are the exported fields of struct type t that are not plain
// (unexported ones are copied by value, as before).
func refFields(t reflect.Type) []int {
	if f, ok := fieldLists.Load(t); ok {
		return f.([]int)
	}
	var out []int
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && !plain(f.Type) {
			out = append(out, i)
		}
	}
	fieldLists.Store(t, out)
	return out
}

// plain reports whether a value of type t holds no reference to shared
// memory that a simulation could change (time.Time's *Location is
// treated as immutable).
func plain(t reflect.Type) bool {
	if p, ok := plainTypes.Load(t); ok {
		return p.(bool)
	}
	p := isPlain(t, map[reflect.Type]bool{})
	plainTypes.Store(t, p)
	return p
}

func isPlain(t reflect.Type, seen map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	case reflect.Array:
		return isPlain(t.Elem(), seen)
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return true
		}
		if seen[t] {
			return true
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			if !isPlain(t.Field(i).Type, seen) {
				return false
			}
		}
	}
	return true
}

// section is a part of a snapshot that steps change (Step.writes).
type section uint16

const (
	secDomains         section = 1 << iota // Domains (and their federation)
	secUsers                               // Users (Graph)
	secOrgConfig                           // Exchange.OrganizationConfig
	secTransportConfig                     // Exchange.TransportConfig
	secCASMailboxes                        // Exchange.CASMailboxes
	secCASMailboxPlans                     // Exchange.CASMailboxPlans
	secAuthPolicies                        // Exchange.AuthenticationPolicies
	secExchangeUsers                       // Exchange.Users (Get-User)
	secEntraPolicies                       // Entra.SecurityDefaults and Entra.ConditionalAccess
	secOkta                                // Okta's apps, policies, groups, users and zones (not its System Log)
)

// cloneSections copies s for a step that changes only the sections w:
// those are deep copies (as clone makes them), everything else is shared
// with s and must not be changed. A plan simulates every step on the
// state the previous one left, so a step copies what it writes, not the
// organisation (TestStepWritesOnlyItsSections holds the steps to their
// sections).
func cloneSections(s *tenant.Snapshot, w section) *tenant.Snapshot {
	if s == nil {
		return nil
	}
	out := *s
	deep := func(sec section, field any) {
		if w&sec != 0 {
			refresh(reflect.ValueOf(field).Elem())
		}
	}
	deep(secDomains, &out.Domains)
	deep(secUsers, &out.Users)
	deep(secOrgConfig, &out.Exchange.OrganizationConfig)
	deep(secTransportConfig, &out.Exchange.TransportConfig)
	deep(secCASMailboxes, &out.Exchange.CASMailboxes)
	deep(secCASMailboxPlans, &out.Exchange.CASMailboxPlans)
	deep(secAuthPolicies, &out.Exchange.AuthenticationPolicies)
	deep(secExchangeUsers, &out.Exchange.Users)
	deep(secEntraPolicies, &out.Entra.SecurityDefaults)
	deep(secEntraPolicies, &out.Entra.ConditionalAccess)
	deep(secOkta, &out.Okta.Apps)
	deep(secOkta, &out.Okta.Policies)
	deep(secOkta, &out.Okta.Groups)
	deep(secOkta, &out.Okta.Users)
	deep(secOkta, &out.Okta.Zones)
	return &out
}
