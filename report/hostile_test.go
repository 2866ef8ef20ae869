package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/textsafe"
)

// Names a hostile (or careless) organisation could give its objects:
// table breakers, code spans, HTML, links, newlines, terminal escapes
// (colour, and an OSC that retitles the window), a C1 CSI and a
// right-to-left override.
const (
	hostileOrg   = "Evil | Corp `x` <script>alert(1)</script>\n# owned \x1b[31m"
	hostileName  = "Jan | Janssen\n| x | y |\x1b]0;pwned\x07 <img src=x onerror=alert(1)>"
	hostileGroup = "Svc | `accounts` <b>\n\x1b[31mred\x1b[0m"
	hostileZone  = "Office | egress [click](https://evil.example)\u009b2J"
	hostileRule  = "Catch-all | Rule\r\n\u202eelur `rm` <i>"
	hostileUA    = "Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 Thunderbird/60.7.0 | evil `ua` <script>\n\x1b[2J"
	hostileSPF   = "v=spf1 include:spf.protection.outlook.com | `x` <b>bold</b> \x1b]0;x\x07 ~all"
)

// hostileScenario is the whitepaper organisation with hostile names in
// every kind of place a report shows one.
func hostileScenario(t *testing.T) []byte {
	t.Helper()
	sc, err := sim.Load("whitepaper")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(sc.Doc)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	obj := func(v any) map[string]any { return v.(map[string]any) }
	arr := func(v any) []any { return v.([]any) }
	doc["tenant"].(map[string]any)["displayName"] = hostileOrg
	graph := obj(doc["graph"])
	for _, o := range arr(graph["organization"]) {
		obj(o)["displayName"] = hostileOrg
	}
	for _, u := range arr(graph["users"]) {
		if obj(u)["userPrincipalName"] == "jan.janssen@mijndomein.nl" {
			obj(u)["displayName"] = hostileName
		}
	}
	for _, s := range arr(graph["signIns"]) {
		if ua, _ := obj(s)["userAgent"].(string); strings.Contains(ua, "Thunderbird") {
			obj(s)["userAgent"] = hostileUA
		}
	}
	exo := obj(doc["exchange"])
	for _, cmd := range []string{"Get-User", "Get-CASMailbox", "Get-Mailbox"} {
		list, _ := exo[cmd].([]any)
		for _, m := range list {
			if obj(m)["Identity"] == "jan.janssen" {
				obj(m)["DisplayName"] = hostileName
			}
		}
	}
	okta := obj(doc["okta"])
	for _, g := range arr(okta["groups"]) {
		if p := obj(obj(g)["profile"]); p["name"] == "Service accounts" {
			p["name"] = hostileGroup
		}
	}
	for _, z := range arr(okta["zones"]) {
		if obj(z)["name"] == "Office egress" {
			obj(z)["name"] = hostileZone
		}
	}
	for _, rules := range obj(okta["policyRules"]) {
		for _, r := range arr(rules) {
			if obj(r)["name"] == "Catch-all Rule" {
				obj(r)["name"] = hostileRule
			}
		}
	}
	for _, rec := range arr(doc["dns"]) {
		if v, _ := obj(rec)["value"].(string); strings.HasPrefix(v, "v=spf1") && obj(rec)["name"] == "mijndomein.nl" {
			obj(rec)["value"] = hostileSPF
		}
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hostileChoices(t *testing.T) remediate.Choices {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"exceptions": map[string]any{"users": []string{"jira@mijndomein.nl"}, "oktaGroup": hostileGroup},
		"zones":      []string{hostileZone},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := remediate.ParseChoices(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// htmlText is how goldmark's HTML shows text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// A report of an organisation whose names are hostile keeps its shape:
// every table parses with all its rows and cells (goldmark, GFM tables),
// nothing parses as HTML or a link, no control character reaches the
// document, and each name reads back exactly as it is, less its control
// characters.
func TestHostileNamesKeepTheReportIntact(t *testing.T) {
	data := hostileScenario(t)
	sc, err := sim.Parse(data, "hostile.json")
	if err != nil {
		t.Fatal(err)
	}
	snap := collect(t, sc)
	if snap.Tenant.DisplayName != hostileOrg {
		t.Fatalf("the hostile organisation name did not survive collection: %q", snap.Tenant.DisplayName)
	}
	c := hostileChoices(t)
	s := sessionOf(t, snap, c, []string{"all"})
	s.Operator = "op | \x1b[1m`root`\n"
	md := render(t, s, nil) // checkMarkdown: controls, tables, no HTML or links
	if dir := os.Getenv("HARDEN365_KEEP_HOSTILE"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "hostile.md"), []byte(md), 0o644)
	}
	html := renderHTML(t, md)
	for _, bad := range []string{"<script", "<img", "<b>", "<i>", "<a ", "\x1b", "\x07", "\u009b", "\u202e"} {
		if strings.Contains(html, bad) {
			t.Errorf("the rendered HTML contains %q", bad)
		}
	}
	// The names read back as they are, in text and in table cells.
	for _, c := range []struct{ what, s string }{
		{"organisation", hostileOrg}, {"display name", hostileName}, {"Okta group", hostileGroup},
		{"Okta zone", hostileZone}, {"Okta rule", hostileRule}, {"client string", hostileUA}, {"SPF record", hostileSPF},
	} {
		// As it is, less its control characters; or as Go quotes it
		// (the checks quote names with %q, which spells controls out).
		clean := htmlText(textsafe.Terminal(c.s))
		quoted := htmlText(strconv.Quote(c.s))
		if !strings.Contains(html, clean) && !strings.Contains(html, quoted[len("&quot;"):len(quoted)-len("&quot;")]) {
			t.Errorf("the %s does not read back as %q", c.what, clean)
		}
	}
	if want := "<td>" + htmlText(textsafe.Terminal(hostileName)) + "</td>"; !strings.Contains(html, want) {
		t.Errorf("no table cell holds exactly %q", want)
	}
	if !regexp.MustCompile(`<td>[^<]*` + regexp.QuoteMeta(htmlText(textsafe.Terminal(hostileUA))) + `[^<]*</td>`).MatchString(html) {
		t.Errorf("no table cell holds the client string")
	}
	if !strings.Contains(html, "<h1>Mail access handover report: "+htmlText(textsafe.Terminal(hostileOrg))+"</h1>") {
		t.Errorf("the title does not hold the organisation's name as text")
	}
}
