package remediate

import (
	"strings"
	"testing"

	"github.com/harden365/harden365/tenant"
)

// The run's index gives the answers of the scans it replaces, for every
// key the scans can be asked, including duplicates, empty keys, case and
// Unicode folding (the Kelvin sign folds to k, the long s to s).
func TestUserIndexAgreesWithScans(t *testing.T) {
	s := &tenant.Snapshot{
		Users: []tenant.User{
			{ID: "id-1", UserPrincipalName: "Ann@Contoso.com", JobTitle: "Clerk"},
			{ID: "ID-1", UserPrincipalName: "dup@contoso.com", JobTitle: "Second"},
			{ID: "id-2", UserPrincipalName: "ann@contoso.com", JobTitle: "Later"},
			{ID: "", UserPrincipalName: "", JobTitle: "Nobody"},
			{ID: "id-3", UserPrincipalName: "\u212Aim@contoso.com", JobTitle: "Kelvin"},
			{ID: "id-4", UserPrincipalName: "\u017Fam@contoso.com"},
			{ID: "id-5", UserPrincipalName: "id-1"},
		},
		Exchange: tenant.Exchange{Users: []tenant.ExchangeUser{
			{Identity: "ann", ExternalDirectoryObjectID: "id-2", UserPrincipalName: "ANN@contoso.com", Title: ""},
			{Identity: "Ann", ExternalDirectoryObjectID: "id-1", UserPrincipalName: "ann@contoso.com", Title: "Boss"},
			{Identity: "", UserPrincipalName: "", Title: "Blank"},
			{Identity: "kim", ExternalDirectoryObjectID: "id-3", UserPrincipalName: "kim@contoso.com", Title: "K"},
			{Identity: "sam", UserPrincipalName: "SAM@contoso.com"},
		}},
	}
	s.Exchange.CASMailboxes = []tenant.CASMailbox{
		{Identity: "ann", PrimarySmtpAddress: "ann@contoso.com", ExternalDirectoryObjectID: "ID-2"},
		{Identity: "nobody", PrimarySmtpAddress: "kim@contoso.com"},
		{Identity: "ghost", PrimarySmtpAddress: "ghost@contoso.com", ExternalDirectoryObjectID: "id-3"},
		{Identity: "", PrimarySmtpAddress: ""},
		{Identity: "x", PrimarySmtpAddress: "sam@contoso.com"},
		{Identity: "y", PrimarySmtpAddress: "id-1"},
	}
	var keys []string
	for _, u := range s.Users {
		keys = append(keys, u.ID, u.UserPrincipalName, strings.ToUpper(u.UserPrincipalName), strings.ToLower(u.ID))
	}
	for _, x := range s.Exchange.Users {
		keys = append(keys, x.Identity, x.UserPrincipalName, x.ExternalDirectoryObjectID)
	}
	keys = append(keys, "kim@contoso.com", "sam@contoso.com", "nobody@contoso.com", "")
	for _, scope := range []Scope{{}, {Titles: []string{"b*"}}, {Titles: []string{"later", "k"}}, {Titles: []string{"blank"}}, {Titles: []string{"nobody"}}} {
		c := Choices{Scope: scope}
		r := &run{s: s, c: c}
		for _, k := range keys {
			if got, want := r.graphUser(k), graphUser(s, k); got != want {
				t.Errorf("graphUser(%q) = %v, the scan finds %v", k, got, want)
			}
			if got, want := r.inScope(k), c.inScope(s, k); got != want {
				t.Errorf("scope %v: inScope(%q) = %v, the scan says %v", scope, k, got, want)
			}
		}
		for _, m := range s.Exchange.CASMailboxes {
			if got, want := r.exUser(m), exUser(s, m); got != want {
				t.Errorf("exUser(%q) = %v, the scan finds %v", m.Identity, got, want)
			}
			if got, want := r.mailboxGraphUser(m), scanMailboxGraphUser(s, m); got != want {
				t.Errorf("mailboxGraphUser(%q) = %v, the scans find %v", m.Identity, got, want)
			}
		}
	}
	// A new Users slice (a clone, or rows appended) rebuilds the index.
	r := &run{s: s}
	_ = r.graphUser("ann@contoso.com")
	s.Users = append(s.Users[:len(s.Users):len(s.Users)], tenant.User{ID: "id-9", UserPrincipalName: "new@contoso.com"})
	if u := r.graphUser("new@contoso.com"); u == nil || u.ID != "id-9" {
		t.Errorf("after an append, graphUser(new) = %v", u)
	}
}

func scanMailboxGraphUser(s *tenant.Snapshot, m tenant.CASMailbox) *tenant.User {
	if m.ExternalDirectoryObjectID != "" {
		if u := graphUser(s, m.ExternalDirectoryObjectID); u != nil {
			return u
		}
	}
	if x := exUser(s, m); x != nil && x.UserPrincipalName != "" {
		if u := graphUser(s, x.UserPrincipalName); u != nil {
			return u
		}
	}
	return graphUser(s, mailboxUPN(m))
}
