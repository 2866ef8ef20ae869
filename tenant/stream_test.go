package tenant

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// EncodeTo writes Encode's bytes: for the collected snapshots of the
// built-in scenarios the UI tests keep, and for a snapshot with long
// slices (streamed element by element), empty and nil ones, zero and
// set times, omitted and present optional fields.
func TestEncodeToIsEncode(t *testing.T) {
	var snaps []*Snapshot
	files, _ := filepath.Glob("../ui/testdata/*.snapshot.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		snaps = append(snaps, s)
	}
	if len(snaps) == 0 {
		t.Fatal("no snapshot files found under ui/testdata")
	}
	at := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	big := &Snapshot{SchemaVersion: SchemaVersion, AsOf: at, Source: "a <b> & c", Users: []User{}, Domains: nil}
	yes, no := true, false
	for i := range 300 {
		u := User{ID: string(rune('a' + i%26)), UserPrincipalName: "u<" + string(rune('a'+i%26)) + ">@x.com", AccountEnabled: i%2 == 0}
		if i%3 == 0 {
			u.SignInSessionsValidFrom = at.Add(time.Duration(i) * time.Hour)
		}
		big.Users = append(big.Users, u)
		m := CASMailbox{Identity: "m", PrimarySmtpAddress: "m@x.com"}
		if i%4 == 0 {
			m.SmtpClientAuthenticationDisabled = &yes
		} else if i%4 == 1 {
			m.SmtpClientAuthenticationDisabled = &no
		}
		big.Exchange.CASMailboxes = append(big.Exchange.CASMailboxes, m)
		big.Okta.Users = append(big.Okta.Users, OktaUser{ID: "00u", Login: "l", Factors: []OktaFactor{{ID: "f", Status: "ACTIVE"}}})
	}
	big.Exchange.OrganizationConfig = &OrganizationConfig{EwsEnabled: &no, WhenChanged: at}
	big.Collection = []SourceStatus{{ID: "graph.users", State: StateOK}}
	snaps = append(snaps, big, &Snapshot{})
	for i, s := range snaps {
		want, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := EncodeTo(&got, s); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			g, w := got.Bytes(), want
			k := 0
			for k < len(g) && k < len(w) && g[k] == w[k] {
				k++
			}
			t.Fatalf("snapshot %d: EncodeTo differs from Encode at byte %d:\n got %q\nwant %q", i, k, g[max(0, k-80):min(len(g), k+80)], w[max(0, k-80):min(len(w), k+80)])
		}
	}
}
