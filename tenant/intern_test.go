package tenant

import (
	"strings"
	"testing"
	"unsafe"
)

// Interned rows share their strings, but for fields tagged intern:"no";
// values are unchanged; a nil interner does nothing.
func TestStringsShareAndKeepValues(t *testing.T) {
	in := NewStrings()
	mk := func(s string) string { return strings.Clone(s) }
	a := OktaUser{ID: mk("00u1"), Status: mk("ACTIVE"), Login: mk("ann@x.com"), Factors: []OktaFactor{{ID: mk("f1"), FactorType: mk("push"), Status: mk("ACTIVE")}}}
	b := OktaUser{ID: mk("00u2"), Status: mk("ACTIVE"), Login: mk("bob@x.com"), Factors: []OktaFactor{{ID: mk("f1"), FactorType: mk("push"), Status: mk("ACTIVE")}}}
	in.Value(&a)
	in.Value(&b)
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	if !same(a.Status, b.Status) || !same(a.Factors[0].FactorType, b.Factors[0].FactorType) || !same(a.Status, b.Factors[0].Status) {
		t.Error("equal strings were not shared")
	}
	if same(a.Factors[0].ID, b.Factors[0].ID) {
		t.Error("a field tagged intern:\"no\" was interned")
	}
	if a.Login != "ann@x.com" || b.ID != "00u2" || a.Factors[0].ID != "f1" {
		t.Errorf("values changed: %+v %+v", a, b)
	}
	if got := in.S(mk("ann@x.com")); !same(got, a.Login) {
		t.Error("S did not return the interned copy")
	}
	var none *Strings
	u := User{UserPrincipalName: "x"}
	none.Value(&u)
	if none.S("y") != "y" || u.UserPrincipalName != "x" {
		t.Error("a nil interner changed something")
	}
}

// The set grows: many distinct strings stay interned and found.
func TestStringsGrow(t *testing.T) {
	in := NewStrings()
	first := make([]string, 20000)
	for i := range first {
		first[i] = in.S(strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26))
	}
	for i := range first {
		again := in.S(strings.Clone(first[i]))
		if again != first[i] || unsafe.StringData(again) != unsafe.StringData(first[i]) {
			t.Fatalf("string %d: interned again as a new copy", i)
		}
	}
}

// FoldKey gives two strings one key exactly when strings.EqualFold says
// they are equal.
func TestFoldKeyIsEqualFold(t *testing.T) {
	words := []string{"", "a", "A", "k", "K", "\u212A", "s", "S", "\u017F", "ß", "ẞ", "Σ", "σ", "ς", "İ", "i", "ı", "\xff", "\xfe", "ǅ", "ǆ", "Ǆ"}
	for _, a := range words {
		for _, b := range words {
			if got, want := FoldKey(a) == FoldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("FoldKey(%q) == FoldKey(%q) is %v, EqualFold says %v", a, b, got, want)
			}
		}
	}
}
