package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/harden365/harden365/textsafe"
)

// Every string that reaches the markdown goes through one of these, so
// that text harden365 does not control (names, UPNs, rule names, client
// strings, DNS values, services' errors) can neither break the document's
// structure nor carry a control character to a screen. textsafe decides
// how; these only name the uses.

// t is running text: a paragraph, a list item, a heading.
func t(s string) string { return textsafe.Markdown(s) }

// cell is a table cell ("-" when empty).
func cell(s string) string { return textsafe.Cell(s) }

// code is a fenced code block of harden365's language info.
func code(info, body string) string { return textsafe.CodeBlock(info, body) }

// id is one of harden365's own identifiers (a check ID, a step ID), shown
// as code; anything that is not a plain identifier is shown as text.
func id(s string) string {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return t(s)
		}
	}
	if s == "" {
		return "-"
	}
	return "`" + s + "`"
}

// stamp formats a time for people, in UTC ("not recorded" when zero).
func stamp(tm time.Time) string {
	if tm.IsZero() {
		return "not recorded"
	}
	return tm.UTC().Format("2006-01-02 15:04:05 UTC")
}

func day(tm time.Time) string {
	if tm.IsZero() {
		return "not recorded"
	}
	return tm.UTC().Format(time.DateOnly)
}

// value is a JSON value in a few words: strings bare, null as "null",
// objects and lists as compact JSON, cut at max runes.
func value(v any, max int) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = "null"
	case string:
		s = x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = fmt.Sprint(x)
		} else {
			s = string(b)
		}
	}
	return cut(s, max)
}

// cut shortens s to at most max runes, ending in "…" when cut.
func cut(s string, max int) string {
	r := []rune(s)
	if max <= 0 || len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// plural is "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
