package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return true
		}
	}
	return false
}

// Whatever the tenant's data holds, Terminal lets no control character
// through and gives valid UTF-8; Markdown also leaves no unescaped pipe
// (which would break a table) and no line break.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "a|b", "`code`", "<script>alert(1)</script>", "line\nbreak", "\x1b[31mred\x1b[0m",
		"\x1b]0;title\x07", "\u202eevil", "\xff\xfe", "[link](http://x)", "\\|", "# heading", "- item"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term := Terminal(s)
		if hasControl(term) || !utf8.ValidString(term) {
			t.Fatalf("Terminal(%q) = %q", s, term)
		}
		md := Markdown(s)
		if hasControl(md) || strings.ContainsAny(md, "\n\r") {
			t.Fatalf("Markdown(%q) = %q has a control character", s, md)
		}
		for i := 0; i < len(md); i++ {
			if md[i] == '|' {
				backslashes := 0
				for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
					backslashes++
				}
				if backslashes%2 == 0 {
					t.Fatalf("Markdown(%q) = %q leaves a pipe unescaped", s, md)
				}
			}
		}
	})
}
