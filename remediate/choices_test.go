package remediate

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseChoicesContractExample(t *testing.T) {
	c, err := ParseChoices([]byte(`{"exceptions": {"users": ["scanner@fabrikam.example"], "oktaGroup": "O365 legacy exceptions"},
 "breakGlass": ["breakglass@fabrikamexample.onmicrosoft.com"],
 "operator": "admin@fabrikam.example",
 "protocols": ["pop", "imap", "activesync"],
 "scope": {"titles": ["*Engineering*"], "users": []},
 "zones": ["Office egress"],
 "mfaPrompt": "every-sign-in"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Choices{
		Exceptions: Exceptions{Users: []string{"scanner@fabrikam.example"}, OktaGroup: "O365 legacy exceptions"},
		BreakGlass: []string{"breakglass@fabrikamexample.onmicrosoft.com"}, Operator: "admin@fabrikam.example",
		Protocols: []string{"pop", "imap", "activesync"}, Scope: Scope{Titles: []string{"*Engineering*"}, Users: []string{}},
		Zones: []string{"Office egress"}, MFAPrompt: "every-sign-in",
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if r, chosen := c.reauthenticateIn(); r != "PT0S" || !chosen {
		t.Errorf("every-sign-in: reauthenticateIn %s chosen %v, want PT0S true", r, chosen)
	}
	o := c.AssessOptions()
	if !reflect.DeepEqual(o.ExceptionUsers, []string{"scanner@fabrikam.example"}) || o.ExceptionGroup != "O365 legacy exceptions" {
		t.Errorf("assess options: %+v", o)
	}
}

func TestChoicesDefaults(t *testing.T) {
	for _, doc := range []string{`{}`, `null`, `{"protocols": null, "scope": null, "exceptions": {}}`} {
		c, err := ParseChoices([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if got := c.protocols(); !reflect.DeepEqual(got, []string{"pop", "imap"}) {
			t.Errorf("%s: protocols %v, want pop, imap", doc, got)
		}
		if !c.Scope.Everyone() || len(c.Exceptions.Users) > 0 || c.Exceptions.OktaGroup != "" {
			t.Errorf("%s: not the defaults: %+v", doc, c)
		}
		if r, chosen := c.reauthenticateIn(); r != "PT43800H" || chosen {
			t.Errorf("%s: default prompt %s (chosen %v), want once per session PT43800H, not chosen", doc, r, chosen)
		}
	}
	if !reflect.DeepEqual(DefaultChoices().protocols(), (Choices{}).protocols()) {
		t.Error("DefaultChoices and the zero value differ in protocols")
	}
	for prompt, want := range map[string]string{"once-per-session": "PT43800H", "every-session": "PT43800H", "pt2h": "PT2H"} {
		c, err := ParseChoices([]byte(`{"mfaPrompt": "` + prompt + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := c.reauthenticateIn(); r != want {
			t.Errorf("mfaPrompt %s: %s, want %s", prompt, r, want)
		}
	}
}

func TestParseChoicesErrorsNamePath(t *testing.T) {
	cases := []struct{ doc, path string }{
		{`{"exception": {}}`, "exception: unknown key"},
		{`{"exceptions": {"user": []}}`, "exceptions.user: unknown key"},
		{`{"exceptions": {"users": ["a@b", 3]}}`, "exceptions.users[1]: expected a string, found a number"},
		{`{"exceptions": {"users": ["scanner"]}}`, `exceptions.users[0]: "scanner" is not a user principal name`},
		{`{"exceptions": {"oktaGroup": ["x"]}}`, "exceptions.oktaGroup: expected a string, found a list"},
		{`{"exceptions": []}`, "exceptions: expected an object, found a list"},
		{`{"protocols": ["pop", "smtp"]}`, `protocols[1]: "smtp" is not one of pop, imap, activesync`},
		{`{"protocols": "pop"}`, "protocols: expected a list of strings, found a string"},
		{`{"scope": {"title": ["x"]}}`, "scope.title: unknown key"},
		{`{"scope": {"titles": [""]}}`, "scope.titles[0]: empty"},
		{`{"breakGlass": ["bg"]}`, `breakGlass[0]: "bg" is not a user principal name`},
		{`{"operator": "admin"}`, `operator: "admin" is not a user principal name`},
		{`{"operator": true}`, "operator: expected a string, found a boolean"},
		{`{"zones": [{}]}`, "zones[0]: expected a string, found an object"},
		{`{"mfaPrompt": "sometimes"}`, `mfaPrompt: "sometimes" is not one of`},
		{`{"mfaPrompt": "PT"}`, `mfaPrompt: "PT" is not one of`},
		{`[]`, "choices: expected an object, found a list"},
		{`{"zones": [`, "choices: invalid JSON"},
	}
	for _, tc := range cases {
		_, err := ParseChoices([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: error %v, want it to contain %q", tc.doc, err, tc.path)
		}
	}
}

func TestLikeMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*Engineering*", "Manager Engineering", true},
		{"*Engineering*", "engineering stagiair", true},
		{"*Engineering*", "Software Engineer", false},
		{"Engineer?", "Engineers", true},
		{"Engineer?", "Engineer", false},
		{"[a-c]*", "Boekhouder", true},
		{"[a-c]*", "Directeur", false},
		{"*", "", true},
		{"Sales", "sales", true},
	}
	for _, tc := range cases {
		if got := likeMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("%q -like %q = %v, want %v", tc.s, tc.pat, got, tc.want)
		}
	}
}

// The whitepaper's title selection: *Engineering* picks six users (one of
// them in lower case), not the Okta Engineering group's nine.
func TestScopeByTitleOnWhitepaper(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := Choices{Scope: Scope{Titles: []string{"*Engineering*"}}}
	var in []string
	for _, m := range s.Exchange.CASMailboxes {
		if c.inScope(s, mailboxUPN(m)) {
			in = append(in, mailboxUPN(m))
		}
	}
	want := []string{"pieter.devries@mijndomein.nl", "sanne.bakker@mijndomein.nl", "daan.visser@mijndomein.nl",
		"thijs.degroot@mijndomein.nl", "eva.vermeulen@mijndomein.nl", "lotte.smit@mijndomein.nl"}
	if len(in) != len(want) {
		t.Fatalf("in scope: %v, want %v", in, want)
	}
	for _, w := range want {
		if !containsFold(in, w) {
			t.Errorf("%s not in scope (%v)", w, in)
		}
	}
	c = Choices{Scope: Scope{Users: []string{"jan.janssen@mijndomein.nl", "JOKE.janssen@mijndomein.nl"}}}
	n := 0
	for _, m := range s.Exchange.CASMailboxes {
		if c.inScope(s, mailboxUPN(m)) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("the seed's list example selects %d users, want 2", n)
	}
}
