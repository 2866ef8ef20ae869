package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile strings: what a tenant's names could hold.
var hostile = []string{
	"Evil | Rule",
	"`rm -rf` ``fence``",
	"<script>alert(1)</script>",
	"line one\nline two\r\nline three",
	"\x1b[31mred\x1b[0m",
	"\x1b]0;owned\x07title",
	"\u009b31mC1 CSI",
	"\u202egnp.exe",
	"[click](https://evil.example) ![img](x.png)",
	"**bold** _under_ ~~strike~~ ^sup^ $x$",
	"&lt; &#27; &amp;",
	"# heading",
	"- item",
	"1. ordered",
	"---",
	"===",
	": definition",
	"(@) example",
	"back\\slash\\",
	"tab\there",
	"bad utf8 \xff\xfe",
}

func TestTerminalRemovesEveryControl(t *testing.T) {
	for _, s := range hostile {
		got := Terminal(s)
		for _, r := range got {
			if unsafe(r) {
				t.Errorf("Terminal(%q) = %q keeps %U", s, got, r)
			}
		}
		if !utf8.ValidString(got) {
			t.Errorf("Terminal(%q) = %q is not valid UTF-8", s, got)
		}
	}
	if got := Terminal("plain text, ünïcode ✓"); got != "plain text, ünïcode ✓" {
		t.Errorf("clean text changed: %q", got)
	}
	if got := Terminal("a\x1b[31mb"); got != "a [31mb" {
		t.Errorf("ESC: got %q", got)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a | b", `a \| b`},
		{"`x`", "\\`x\\`"},
		{"<script>", `\<script\>`},
		{"[a](b)", `\[a\](b)`},
		{"![i](x)", `\!\[i\](x)`},
		{"*a* _b_", `\*a\* \_b\_`},
		{"snake_case_name", "snake_case_name"},
		{"TLS_RSA_WITH_AES", "TLS_RSA_WITH_AES"},
		{"$_.PopEnabled", `\$\_.PopEnabled`},
		{"&lt;", `\&lt;`},
		{"AT & T", "AT & T"},
		{"# h", `\# h`},
		{"- item", `\- item`},
		{"-all", "-all"},
		{"---", `\---`},
		{"1. one", `1\. one`},
		{"15.0.5127", "15.0.5127"},
		{"a\nb", "a b"},
		{"~all", `\~all`},
		{`C:\path`, `C:\\path`},
		{": x", `\: x`},
		{"(@) x", `\(@) x`},
		{"(a) b", "(a) b"},
		{"jan.janssen@mijndomein.nl", "jan.janssen@mijndomein.nl"},
	} {
		if got := Markdown(c.in); got != c.want {
			t.Errorf("Markdown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, s := range hostile {
		got := Markdown(s)
		if strings.ContainsAny(got, "\n\r\x1b\x07") {
			t.Errorf("Markdown(%q) = %q keeps a line break or control", s, got)
		}
	}
}

func TestCellIsNeverEmpty(t *testing.T) {
	for _, s := range []string{"", "  ", "\n"} {
		if got := Cell(s); got != "-" {
			t.Errorf("Cell(%q) = %q", s, got)
		}
	}
	if got := Cell("-"); got != `\-` {
		t.Errorf("Cell(\"-\") = %q: a data dash must not pass for an empty cell marker's syntax", got)
	}
}

func TestCodeBlockCannotBeClosedByItsBody(t *testing.T) {
	body := "Set-X -Name 'a```b'\n````\n```\nrm -rf \x1b[31m"
	got := CodeBlock("powershell", body)
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	fence := lines[0][:strings.IndexFunc(lines[0], func(r rune) bool { return r != '`' })]
	if len(fence) < 5 {
		t.Fatalf("fence %q is not longer than the body's longest backtick run (4)", fence)
	}
	if lines[len(lines)-1] != fence {
		t.Fatalf("the block does not end with its fence: %q", got)
	}
	for _, l := range lines[1 : len(lines)-1] {
		if strings.HasPrefix(strings.TrimSpace(l), fence) {
			t.Errorf("a body line closes the fence: %q", l)
		}
	}
	if strings.ContainsRune(got, 0x1b) {
		t.Errorf("ESC kept in a code block: %q", got)
	}
}

func TestDocument(t *testing.T) {
	in := "ok\nline\twith tab \x1b[31m\u202e\n"
	got := Document(in)
	if got != "ok\nline with tab  [31m \n" {
		t.Errorf("Document = %q", got)
	}
	if clean := "# Title\n\n- item ✓\n"; Document(clean) != clean {
		t.Error("Document changed clean text")
	}
}
