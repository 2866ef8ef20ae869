package matrix

import (
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/harden365/harden365/tenant"
)

func TestIndexes(t *testing.T) {
	if len(Protocols) != nProtocols || len(Methods) != nMethods || len(Verdicts) != nVerdicts {
		t.Fatal("the fixed array sizes do not match the contract's lists")
	}
	for i, p := range Protocols {
		if p.Index() != i {
			t.Errorf("%s.Index() = %d", p, p.Index())
		}
	}
	for i, m := range Methods {
		if m.Index() != i {
			t.Errorf("%s.Index() = %d", m, m.Index())
		}
	}
	if Protocol("gopher").Index() != -1 || Method("kerberos").Index() != -1 {
		t.Error("unknown names must index -1")
	}
	var m Matrix
	if m.Cell("gopher", Basic) != nil || m.UsersIn(POP, "kerberos", Password) != nil {
		t.Error("unknown cells must be nil")
	}
	var u UserAccess
	if a := u.Access("gopher", Basic); a.Verdict != "" {
		t.Error("unknown access must be zero")
	}
}

// three managed mailboxes, two with POP on.
func threeUsers() *tenant.Snapshot {
	s := base()
	s.Exchange.CASMailboxes = append(s.Exchange.CASMailboxes, mailbox("bob", "bob@contoso.test", "id-bob"))
	s.Users = append(s.Users, tenant.User{ID: "id-bob", UserPrincipalName: "bob@contoso.test", AccountEnabled: true})
	s.Exchange.Users = append(s.Exchange.Users, tenant.ExchangeUser{Identity: "bob", UserPrincipalName: "bob@contoso.test", RemotePowerShellEnabled: yes()})
	mbx(s, "fred").PopEnabled = false
	return s
}

func TestCellAggregation(t *testing.T) {
	m := Evaluate(threeUsers())
	c := m.Cell(POP, Basic)
	if c.Verdict != Password || c.Count(Password) != 2 || c.Count(Blocked) != 1 || c.Total() != 3 {
		t.Fatalf("pop/basic: %s %v", c.Verdict, c.Counts)
	}
	if !reflect.DeepEqual(c.Reasons[:2], []string{
		"POP basic auth accepted by Exchange Online (as in 2019, when Basic auth worked on every protocol but OWA)",
		"mailbox ann has PopEnabled true (and 1 more user alike)",
	}) {
		t.Errorf("reasons: %q", c.Reasons)
	}
	var got []string
	for _, u := range m.UsersIn(POP, Basic, Password) {
		got = append(got, u.UPN)
	}
	if strings.Join(got, ",") != "ann@contoso.test,bob@contoso.test" {
		t.Errorf("UsersIn: %v", got)
	}
	// Users are in UPN order, with their joins filled in.
	var order []string
	for _, u := range m.Users {
		order = append(order, u.UPN)
	}
	if !sort.StringsAreSorted(order) {
		t.Errorf("users not sorted: %v", order)
	}
	f := m.User("FRED@fab.test")
	if f == nil || !f.Federated || f.Domain != "fab.test" || f.ID != "id-fred" || f.Mailbox != "fred" || f.RecipientTypeDetails != "UserMailbox" || f.DisplayName != "Fred" {
		t.Errorf("fred: %+v", f)
	}
	// The blocked verdict's reason for a cell where it is the most
	// permissive.
	b := m.Cell(OWA, Basic)
	if b.Verdict != Unsupported || b.Count(Unsupported) != 3 || len(b.Reasons) != 1 {
		t.Errorf("owa/basic: %s %v %q", b.Verdict, b.Counts, b.Reasons)
	}
}

func TestCellReasonsAreFew(t *testing.T) {
	s := base()
	// Many distinct blocking reasons: only the first few are shown.
	for i := 0; i < 20; i++ {
		alias := "u" + strconv.Itoa(i)
		upn := alias + "@contoso.test"
		m := mailbox(alias, upn, "id-"+alias)
		m.PopEnabled = false
		s.Exchange.CASMailboxes = append(s.Exchange.CASMailboxes, m)
		s.Users = append(s.Users, tenant.User{ID: "id-" + alias, UserPrincipalName: upn, AccountEnabled: i%2 == 0})
		s.Exchange.Users = append(s.Exchange.Users, tenant.ExchangeUser{Identity: alias, UserPrincipalName: upn})
	}
	mbx(s, "ann").PopEnabled = false
	mbx(s, "fred").PopEnabled = false
	c := Evaluate(s).Cell(POP, Modern)
	if c.Verdict != Blocked || len(c.Reasons) == 0 || len(c.Reasons) > maxCellReasons {
		t.Fatalf("%s %q", c.Verdict, c.Reasons)
	}
	if !strings.HasPrefix(c.Reasons[0], "mailbox ") || !strings.Contains(c.Reasons[0], "has PopEnabled false (and 11 more users alike)") {
		t.Errorf("most common first: %q", c.Reasons)
	}
}

func TestMarshalJSONShape(t *testing.T) {
	m := Evaluate(threeUsers())
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(Evaluate(threeUsers()))
	if !bytes.Equal(data, again) {
		t.Error("not deterministic")
	}
	if byValue, _ := json.Marshal(*m); !bytes.Equal(byValue, data) {
		t.Error("a Matrix value must marshal like a pointer")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if keys := sortedKeys(doc); strings.Join(keys, ",") != "cells,methods,protocols" {
		t.Fatalf("top-level keys %v", keys)
	}
	var shape struct {
		Protocols []string                                         `json:"protocols"`
		Methods   []string                                         `json:"methods"`
		Cells     map[string]map[string]map[string]json.RawMessage `json:"cells"`
	}
	if err := json.Unmarshal(data, &shape); err != nil {
		t.Fatal(err)
	}
	if strings.Join(shape.Protocols, ",") != "owa,mapi,rpc,ews,activesync,pop,imap,smtp,powershell" || strings.Join(shape.Methods, ",") != "basic,modern" {
		t.Errorf("protocols %v methods %v", shape.Protocols, shape.Methods)
	}
	if len(shape.Cells) != 9 {
		t.Errorf("%d protocols in cells", len(shape.Cells))
	}
	for p, row := range shape.Cells {
		if len(row) != 2 {
			t.Errorf("%s: %d methods", p, len(row))
		}
		for meth, cell := range row {
			if keys := sortedKeys(cell); strings.Join(keys, ",") != "reasons,users,verdict" {
				t.Errorf("%s/%s keys %v", p, meth, keys)
			}
		}
	}
	var pop struct {
		Verdict string         `json:"verdict"`
		Users   map[string]int `json:"users"`
		Reasons []string       `json:"reasons"`
	}
	if err := json.Unmarshal(shape.Cells["pop"]["basic"]["verdict"], &pop.Verdict); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(shape.Cells["pop"]["basic"]["users"], &pop.Users)
	if pop.Verdict != "password" || !reflect.DeepEqual(pop.Users, map[string]int{"password": 2, "blocked": 1}) {
		t.Errorf("pop/basic: %+v", pop)
	}
	// Round trip of the cells.
	var back Matrix
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if round, _ := json.Marshal(&back); !bytes.Equal(round, data) {
		t.Errorf("round trip differs:\n%s\n%s", round, data)
	}
	if err := json.Unmarshal([]byte(`{"cells":{"gopher":{"basic":{"verdict":"password"}}}}`), &back); err == nil {
		t.Error("an unknown protocol must be an error")
	}
	if err := json.Unmarshal([]byte(`{"cells":{"pop":{"basic":{"verdict":"password","users":{"maybe":1}}}}}`), &back); err == nil {
		t.Error("an unknown verdict must be an error")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestNoMailboxes(t *testing.T) {
	s := base()
	fail(s, "exchange.Get-CASMailbox")
	m := Evaluate(s)
	if len(m.Users) != 0 {
		t.Fatalf("%d users", len(m.Users))
	}
	for _, p := range Protocols {
		for _, meth := range Methods {
			c := m.Cell(p, meth)
			if c.Verdict != Unknown || len(c.Reasons) != 1 || !strings.Contains(c.Reasons[0], "exchange.Get-CASMailbox could not be collected") {
				t.Errorf("%s/%s: %s %q", p, meth, c.Verdict, c.Reasons)
			}
		}
	}
	data, _ := json.Marshal(m)
	if !bytes.Contains(data, []byte(`"users":{}`)) {
		t.Errorf("empty counts must be {}: %s", data)
	}
	// Collected, but empty: nobody to reach.
	s = base()
	s.Exchange.CASMailboxes = nil
	m = Evaluate(s)
	if c := m.Cell(POP, Basic); c.Verdict != Blocked {
		t.Errorf("no mailboxes: %s", c.Verdict)
	}
	if c := m.Cell(OWA, Basic); c.Verdict != Unsupported {
		t.Errorf("no mailboxes, owa basic: %s", c.Verdict)
	}
}

func TestGenericText(t *testing.T) {
	u := &UserAccess{UPN: "info@x.test", Mailbox: "info"}
	for in, want := range map[string]string{
		"mailbox info has PopEnabled true":          "mailbox \x01 has PopEnabled true",
		"no Okta account with login info@x.test":    "no Okta account with login \x01",
		"information about info.desk and info-desk": "information about info.desk and info-desk",
		"infos": "infos",
	} {
		if got := genericText(in, u); got != want {
			t.Errorf("genericText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPure: the matrix imports only the standard library and tenant, and
// neither it nor the timeline reads the clock.
func TestPure(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	files = append(files, "../tenant/timeline.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("time.Now")) || bytes.Contains(src, []byte("time.Since")) {
			t.Errorf("%s reads the clock", f)
		}
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && path != "github.com/harden365/harden365/tenant" {
				t.Errorf("%s imports %s", f, path)
			}
			if path == "os" || path == "net/http" || path == "io" {
				t.Errorf("%s does I/O (%s)", f, path)
			}
		}
	}
}
