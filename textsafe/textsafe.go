// Package textsafe is the one place where text that harden365 does not
// control (display names, UPNs, rule and group names, mail-client strings,
// DNS values, error texts from services) is made safe to show: on a
// terminal, where a control byte could move the cursor, rename the window
// or hide what follows, and in markdown, where a pipe, a backtick or a
// bracket could break a table, open a code span, inject HTML or make a
// link.
//
// Terminal removes every control character; Markdown does that, then
// escapes what markdown would read as syntax, so that the reader sees the
// text exactly as it is (less its control characters), on GitHub, in
// glamour and in pandoc alike. Both are pure.
package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// unsafe reports whether r must not reach a screen: C0 controls (ESC,
// BEL, CR, LF, TAB, ...), DEL, C1 controls (CSI, OSC, NEL, ...) and the
// bidirectional overrides and isolates that can make text read in an
// order other than the one it has.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// Terminal makes s safe to print on a terminal: every control character
// (including newlines and tabs), and every bidirectional override, becomes
// a space; invalid UTF-8 becomes U+FFFD. The result is one line.
func Terminal(s string) string {
	if clean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unsafe(r) {
			return ' '
		}
		return r
	}, s)
}

// clean reports whether s needs no change for the terminal.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			return isCleanUTF8(s[i:])
		}
	}
	return true
}

func isCleanUTF8(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafe(r) {
			return false
		}
	}
	return true
}

// Lines is Terminal for text whose line breaks mean something (a
// multi-line command): each line is cleaned, and the lines are kept
// (CR LF and CR count as line breaks).
func Lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Terminal(l)
	}
	return lines
}

// Markdown makes s safe as inline markdown text: in a paragraph, a list
// item, a heading or a table cell. It is Terminal (so it is one line: a
// newline would end a table row), then every character that markdown
// could read as syntax is escaped with a backslash, which every
// CommonMark renderer (GitHub, glamour's goldmark, pandoc) removes again:
//
//   - always: \ ` * [ ] < > | ~ ^ $ # ! — code spans, emphasis, links and
//     images, HTML and autolinks, table cells, strikethrough and pandoc's
//     sub/superscript, math ($, in GitHub and pandoc), headings;
//   - _ unless it stands between two letters or digits (where it can
//     neither open nor close emphasis: snake_case stays readable);
//   - & when it could start an entity (&lt; &#27;), which a renderer
//     would otherwise turn into the character it names;
//   - at the start, what would begin a block: "- " and "+ " (list items),
//     a line of only - or = (thematic break, setext underline), "1. " and
//     "1) " (ordered lists), ":" and "(@" (pandoc's definition and example
//     lists).
//
// ( and ) are left alone: without an unescaped ] before them they cannot
// be part of a link, and prose is full of them. Bare URLs and e-mail
// addresses stay as they are; renderers that link them show the address
// itself as the text, so such a link cannot pretend to go elsewhere.
func Markdown(s string) string {
	return markdownLine(Terminal(s))
}

// markdownLine is Markdown of text Terminal has already made safe.
func markdownLine(s string) string {
	if plainMarkdown(s) {
		return s
	}
	return escapeMarkdown(s)
}

// escapeMarkdown is Markdown's escaping of one line of safe text.
func escapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	runes := []rune(s)
	for i, r := range runes {
		switch r {
		case '\\', '`', '*', '[', ']', '<', '>', '|', '~', '^', '$', '#', '!':
			b.WriteByte('\\')
		case '_':
			if i == 0 || i == len(runes)-1 || !wordRune(runes[i-1]) || !wordRune(runes[i+1]) {
				b.WriteByte('\\')
			}
		case '&':
			if i+1 < len(runes) && (runes[i+1] == '#' || unicode.IsLetter(runes[i+1]) || unicode.IsDigit(runes[i+1])) {
				b.WriteByte('\\')
			}
		case '-', '+', '=', ':', '(':
			if atLineStart(runes, i) && blockStart(runes, i) {
				b.WriteByte('\\')
			}
		case '.', ')':
			if orderedMarker(runes, i) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plainMarkdown reports, for ASCII text of one line (what Terminal
// returns), that Markdown has nothing to escape in it, without the
// rune-by-rune pass: none of the characters that are always escaped,
// no _ beside anything but a letter or digit, no block marker as the
// first character, no . or ) after digits that begin the line. Most cells (addresses,
// names, versions) are such text.
func plainMarkdown(s string) bool {
	lead := true // only spaces so far
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return false
		case c == '\\', c == '`', c == '*', c == '[', c == ']', c == '<', c == '>', c == '|', c == '~', c == '^', c == '$', c == '#', c == '!', c == '&':
			return false
		case c == '_':
			if i == 0 || i == len(s)-1 || !asciiWord(s[i-1]) || !asciiWord(s[i+1]) {
				return false
			}
		case c == '-', c == '+', c == '=', c == ':', c == '(':
			if lead {
				return false
			}
		case c == '.', c == ')':
			// An ordered-list marker: digits from the line's start.
			j := i - 1
			for j >= 0 && s[j] >= '0' && s[j] <= '9' {
				j--
			}
			if j < i-1 && strings.TrimLeft(s[:j+1], " ") == "" {
				return false
			}
		}
		lead = lead && c == ' '
	}
	return true
}

func asciiWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// atLineStart reports whether runes[i] is the first non-space rune.
func atLineStart(runes []rune, i int) bool {
	for j := 0; j < i; j++ {
		if runes[j] != ' ' {
			return false
		}
	}
	return true
}

// blockStart reports whether runes[i], the first non-space rune, would
// begin a block: "- " and "+ " a list item, a line of only - or = a
// thematic break or a setext underline, ":" a pandoc definition or div,
// "(@" a pandoc example list.
func blockStart(runes []rune, i int) bool {
	r := runes[i]
	next := rune(' ')
	if i+1 < len(runes) {
		next = runes[i+1]
	}
	switch r {
	case ':':
		return true
	case '(':
		return next == '@'
	case '-', '+':
		if next == ' ' || next == '\t' {
			return true
		}
	}
	for _, x := range runes[i:] {
		if x != r && x != ' ' {
			return false
		}
	}
	return r != '+'
}

// orderedMarker reports whether runes[i] ('.' or ')') ends a run of
// digits that begins the text and is followed by a space or the end:
// "1. " would start an ordered list.
func orderedMarker(runes []rune, i int) bool {
	if i+1 < len(runes) && runes[i+1] != ' ' && runes[i+1] != '\t' {
		return false
	}
	j := i - 1
	for j >= 0 && runes[j] >= '0' && runes[j] <= '9' {
		j--
	}
	if j == i-1 {
		return false
	}
	return atLineStart(runes, j+1)
}

// Cell is Markdown for a table cell: empty text becomes "-", so that
// the cell is visibly empty rather than missing.
func Cell(s string) string {
	t := Terminal(s)
	if strings.TrimSpace(t) == "" {
		return "-"
	}
	return markdownLine(t)
}

// CodeBlock renders body as a fenced code block: the text is shown
// verbatim, so nothing is escaped but control characters (each line goes
// through Terminal); the fence is made of more backticks than any run of
// backticks in the body, so the body cannot close it. info is the
// language ("powershell", "text"); it must be a word of harden365's own.
func CodeBlock(info, body string) string {
	lines := Lines(strings.TrimRight(body, "\n"))
	longest := 0
	for _, l := range lines {
		run := 0
		for _, r := range l {
			if r == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + Terminal(info) + "\n" + strings.Join(lines, "\n") + "\n" + fence + "\n"
}

// documentClean reports whether Document has nothing to change in s:
// printable ASCII and newlines a byte at a time, anything else by runes.
func documentClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f, c == '\n':
		case c >= utf8.RuneSelf:
			rest := s[i:]
			if !utf8.ValidString(rest) {
				return false
			}
			for _, r := range rest {
				if r != '\n' && unsafe(r) {
					return false
				}
			}
			return true
		default:
			return false
		}
	}
	return true
}

// Document is the last line of defence for a whole rendered document:
// every control character but the newline is removed (a tab becomes a
// space), and invalid UTF-8 becomes U+FFFD.
func Document(s string) string {
	if documentClean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r != '\n' && unsafe(r) {
			return ' '
		}
		return r
	}, s)
}
