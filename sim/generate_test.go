package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(300, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(300, 7)
	if !bytes.Equal(a, b) {
		t.Fatal("the same (mailboxes, seed) gave different bytes")
	}
	c, _ := Generate(300, 8)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same bytes")
	}
	if _, err := Parse(a, "generated"); err != nil {
		t.Fatal(err)
	}
}

// The generated organisation keeps the built-in scenarios' conventions
// (scenarios/README.md): the joins between Graph, Exchange, the usage
// report and Okta, the Everyone group, the version counts and the time
// window.
func TestGenerateConventions(t *testing.T) {
	sc, err := GenerateScenario(500, 3)
	if err != nil {
		t.Fatal(err)
	}
	d := sc.Doc
	g, exo, okta := obj(d["graph"]), obj(d["exchange"]), obj(d["okta"])
	graphByID := map[string]map[string]any{}
	for _, u := range list(g["users"]) {
		graphByID[str(obj(u)["id"])] = obj(u)
	}
	users, cas := list(exo["Get-User"]), list(exo["Get-CASMailbox"])
	if len(cas) != 500 || len(users) != 501 || len(graphByID) != 501 {
		t.Fatalf("mailboxes %d, Get-User %d, graph users %d; want 500, 501, 501", len(cas), len(users), len(graphByID))
	}
	exoUser := map[string]map[string]any{}
	for _, u := range users {
		exoUser[str(obj(u)["Identity"])] = obj(u)
	}
	fedDomain := map[string]bool{}
	for _, dom := range list(g["domains"]) {
		fedDomain[str(obj(dom)["id"])] = str(obj(dom)["authenticationType"]) == "Federated"
	}
	oktaLogin := map[string]string{}
	for _, u := range list(okta["users"]) {
		oktaLogin[str(obj(obj(u)["profile"])["login"])] = str(obj(u)["id"])
	}
	usage := map[string]bool{}
	for _, r := range list(g["emailAppUsageUserDetail"]) {
		usage[str(obj(r)["userPrincipalName"])] = true
	}
	federated := 0
	for _, c := range cas {
		m := obj(c)
		upn := str(m["PrimarySmtpAddress"])
		gu := graphByID[str(m["ExternalDirectoryObjectId"])]
		xu := exoUser[str(m["Identity"])]
		if gu == nil || str(gu["userPrincipalName"]) != upn || str(gu["mail"]) != upn || xu == nil || str(xu["UserPrincipalName"]) != upn || !usage[upn] {
			t.Fatalf("%s does not join across Graph, Get-User and the usage report", upn)
		}
		_, dom, _ := strings.Cut(upn, "@")
		if _, inOkta := oktaLogin[upn]; inOkta != fedDomain[dom] {
			t.Fatalf("%s: in Okta %v, domain federated %v", upn, inOkta, fedDomain[dom])
		}
		if fedDomain[dom] {
			federated++
		}
	}
	if federated == 0 || federated == len(cas) || len(oktaLogin) != federated {
		t.Errorf("%d federated mailboxes of %d, %d Okta users", federated, len(cas), len(oktaLogin))
	}
	for _, grp := range list(okta["groups"]) {
		if str(obj(grp)["type"]) == "BUILT_IN" && len(list(obj(okta["groupUsers"])[str(obj(grp)["id"])])) != len(oktaLogin) {
			t.Error("Everyone must hold exactly the Okta users")
		}
	}
	if len(obj(okta["factors"])) != len(oktaLogin) {
		t.Error("okta.factors needs a key for every Okta user")
	}
	labels := map[string]int{}
	for _, r := range list(g["emailAppUsageUserDetail"]) {
		for _, l := range list(obj(r)["outlookForWindows"]) {
			labels[str(l)]++
		}
	}
	v := obj(list(g["emailAppUsageVersionsUserCounts"])[0])
	for key, label := range map[string]string{"outlookM365": "Outlook M365", "outlook2019": "Outlook 2019", "outlook2016": "Outlook 2016", "outlook2013": "Outlook 2013", "outlook2010": "Outlook 2010"} {
		if n, _ := v[key].(json.Number).Int64(); int(n) != labels[label] {
			t.Errorf("%s = %d, the rows say %d", key, n, labels[label])
		}
	}
	from, to := sc.AsOf().Add(-30*24*time.Hour), sc.AsOf()
	legacy, prev := 0, to
	for _, s := range list(g["signIns"]) {
		ts, _ := ParseTime(str(obj(s)["createdDateTime"]))
		if ts.Before(from) || !ts.Before(to) || ts.After(prev) {
			t.Fatalf("sign-in at %s: outside the window or not newest first", ts)
		}
		prev = ts
		if app := str(obj(s)["clientAppUsed"]); app != "Browser" && app != "Mobile Apps and Desktop clients" {
			legacy++
		}
	}
	if n := len(list(g["signIns"])); legacy == 0 || legacy*2 > n {
		t.Errorf("%d legacy sign-ins of %d: want a tail", legacy, n)
	}
}
