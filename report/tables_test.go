package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

var markdownParser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// parseMarkdown parses md as GitHub does (CommonMark, GFM tables and
// strikethrough) with a real parser.
func parseMarkdown(md string) ast.Node {
	return markdownParser.Parser().Parse(text.NewReader([]byte(md)))
}

// renderHTML renders md to HTML with the same parser.
func renderHTML(t *testing.T, md string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := markdownParser.Convert([]byte(md), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// rawTable is a table as written: its lines, outside code blocks.
type rawTable struct {
	line  int // 1-based, of the header
	cells []int
}

// rawTables finds the tables in md's source: a header line and a
// delimiter line, then rows, each starting with "|"; fenced code is
// skipped.
func rawTables(md string) []rawTable {
	lines := splitLines(md)
	var out []rawTable
	fence := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if fence != "" {
			if strings.TrimSpace(l) == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(l, "```") {
			fence = strings.TrimRight(l, "`abcdefghijklmnopqrstuvwxyz")
			continue
		}
		if !strings.HasPrefix(l, "|") || i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "| ---") {
			continue
		}
		tb := rawTable{line: i + 1}
		for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
			tb.cells = append(tb.cells, countCells(lines[i]))
		}
		out = append(out, tb)
	}
	return out
}

// countCells counts a table line's cells as GFM does: pipes not escaped
// by a backslash separate them (a backslash escapes the next character,
// itself included).
func countCells(line string) int {
	line = strings.TrimSpace(line)
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1 // leading and trailing pipes
}

// checkTables checks every table twice: in the source, each line has as
// many cells as the header; parsed by goldmark, there are as many tables
// as written, each with all its rows, each row with the header's cells;
// and nothing in the document parses as HTML, a link or an image.
func checkTables(t *testing.T, md string) {
	t.Helper()
	raw := rawTables(md)
	for _, tb := range raw {
		for i, n := range tb.cells {
			if n != tb.cells[0] {
				t.Errorf("table at line %d: line %d has %d cells, the header %d: %q", tb.line, tb.line+i, n, tb.cells[0], splitLines(md)[tb.line+i-1])
			}
		}
	}
	doc := parseMarkdown(md)
	var parsed []*extast.Table
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case extast.KindTable:
			parsed = append(parsed, n.(*extast.Table))
		case ast.KindRawHTML, ast.KindHTMLBlock, ast.KindLink, ast.KindImage, ast.KindAutoLink:
			t.Errorf("the report parses with a %s node: %q", n.Kind(), nodeText(n, md))
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed) != len(raw) {
		t.Fatalf("%d tables written, goldmark parses %d", len(raw), len(parsed))
	}
	for i, tb := range parsed {
		rows := 0
		for row := tb.FirstChild(); row != nil; row = row.NextSibling() {
			cells := row.ChildCount()
			if cells != raw[i].cells[0] {
				t.Errorf("table at line %d: a parsed row has %d cells, the header %d", raw[i].line, cells, raw[i].cells[0])
			}
			rows++
		}
		if want := len(raw[i].cells) - 1; rows != want { // less the delimiter line
			t.Errorf("table at line %d: %d lines written, goldmark parses %d rows", raw[i].line, want, rows)
		}
	}
}

func nodeText(n ast.Node, md string) string {
	var b strings.Builder
	src := []byte(md)
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if tx, ok := c.(*ast.Text); ok && entering {
			b.Write(tx.Segment.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
