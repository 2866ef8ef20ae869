package textsafe

import "testing"

// plainMarkdown never skips text the full escaping would change: every
// string of up to three characters from a set of letters, digits, spaces
// and every character Markdown escapes (and a few it does not), and some
// longer ones.
func TestPlainMarkdownIsExact(t *testing.T) {
	alphabet := []byte("a0 _-+=:(.)&#\\`*[]<>|~^$!@/,%'\"")
	check := func(s string) {
		if plainMarkdown(s) && escapeMarkdown(s) != s {
			t.Errorf("plainMarkdown(%q) is true, but escaping gives %q", s, escapeMarkdown(s))
		}
	}
	var rec func(prefix []byte, n int)
	rec = func(prefix []byte, n int) {
		check(string(prefix))
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			rec(append(prefix, c), n-1)
		}
	}
	rec(nil, 3)
	for _, s := range []string{"ann.lee@contoso.com", "Outlook 2016", "1. first", "  - item", "x_y", "_x", "x_", "a (b) c", "12) x", "v1.2", "a: b", "née", "hello world."} {
		check(s)
	}
	if !plainMarkdown("ann.lee@contoso.com") || !plainMarkdown("Outlook 2016 (MSI)") {
		t.Error("plain addresses and names should take the fast path")
	}
}
