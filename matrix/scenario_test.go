package matrix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

var update = flag.Bool("update", false, "rewrite matrix/testdata/*.golden.json")

var (
	snapMu sync.Mutex
	snaps  = map[string][]byte{}
)

// collect runs the real pipeline (simulator, SDK clients, Discover) on a
// built-in scenario once per test binary, and returns a fresh copy.
func collect(t testing.TB, name string) *tenant.Snapshot {
	t.Helper()
	snapMu.Lock()
	defer snapMu.Unlock()
	data, ok := snaps[name]
	if !ok {
		srv := simtest.ServeBuiltin(t, name, sim.Options{})
		cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
		cfg.TenantID = srv.Scenario().TenantID()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		snap, err := clients.Discover(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if data, err = tenant.Encode(snap); err != nil {
			t.Fatal(err)
		}
		snaps[name] = data
	}
	s, err := tenant.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func asOf(s *tenant.Snapshot, d string) *tenant.Snapshot {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		panic(err)
	}
	s.AsOf = t
	return s
}

func upns(us []*matrix.UserAccess) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.UPN
	}
	sort.Strings(out)
	return out
}

func counts(c *matrix.Cell) string {
	var parts []string
	for _, v := range matrix.Verdicts {
		if n := c.Count(v); n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", v, n))
		}
	}
	return strings.Join(parts, " ")
}

func expectCell(t *testing.T, m *matrix.Matrix, p matrix.Protocol, meth matrix.Method, verdict matrix.Verdict, want string, reasons ...string) {
	t.Helper()
	c := m.Cell(p, meth)
	if c.Verdict != verdict || counts(c) != want {
		t.Errorf("%s/%s: %s (%s), want %s (%s); reasons %q", p, meth, c.Verdict, counts(c), verdict, want, c.Reasons)
	}
	joined := strings.Join(c.Reasons, "\n")
	for _, r := range reasons {
		if !strings.Contains(joined, r) {
			t.Errorf("%s/%s: no reason contains %q; reasons:\n%s", p, meth, r, joined)
		}
	}
}

// userReason asserts a user's verdict and that a reason of gate contains
// text.
func userReason(t *testing.T, m *matrix.Matrix, upn string, p matrix.Protocol, meth matrix.Method, verdict matrix.Verdict, gate, text string) {
	t.Helper()
	u := m.User(upn)
	if u == nil {
		t.Fatalf("no user %s", upn)
	}
	a := u.Access(p, meth)
	for _, r := range a.Reasons {
		if r.Gate == gate && strings.Contains(r.Text, text) && a.Verdict == verdict {
			return
		}
	}
	var b strings.Builder
	for _, r := range a.Reasons {
		fmt.Fprintf(&b, "  [%s/%s] %s\n", r.Gate, r.Effect, r.Text)
	}
	t.Errorf("%s %s/%s = %s, want %s with a %s reason containing %q:\n%s", upn, p, meth, a.Verdict, verdict, gate, text, b.String())
}

var retiredBasic = []matrix.Protocol{matrix.MAPI, matrix.RPC, matrix.EWS, matrix.ActiveSync, matrix.POP, matrix.IMAP, matrix.PowerShell}

func TestWhitepaper2019(t *testing.T) {
	s := collect(t, "whitepaper")
	m := matrix.Evaluate(s)
	if len(m.Users) != 41 {
		t.Fatalf("%d users, want the 41 mailboxes", len(m.Users))
	}
	// Every basic cell but OWA: a password alone, for every enabled
	// mailbox user; the shared mailbox info@ cannot sign in.
	for _, p := range append(retiredBasic, matrix.SMTP) {
		expectCell(t, m, p, matrix.Basic, matrix.Password, "password=40 blocked=1",
			"no authentication policy assigned and no org default: basic auth allowed",
			`Okta rule "Catch-all Rule" (priority 99) allows every client for everyone with a password only`,
			"security defaults are off and no enabled conditional access policy applies")
		if got := upns(m.UsersIn(p, matrix.Basic, matrix.Blocked)); strings.Join(got, ",") != "info@mijndomein.nl" {
			t.Errorf("%s/basic blocked: %v", p, got)
		}
	}
	expectCell(t, m, matrix.POP, matrix.Basic, matrix.Password, "password=40 blocked=1", "has PopEnabled true (and 39 more users alike)")
	expectCell(t, m, matrix.IMAP, matrix.Basic, matrix.Password, "password=40 blocked=1", "has ImapEnabled true")
	expectCell(t, m, matrix.ActiveSync, matrix.Basic, matrix.Password, "password=40 blocked=1", "has ActiveSyncEnabled true")
	expectCell(t, m, matrix.EWS, matrix.Basic, matrix.Password, "password=40 blocked=1", "has EwsEnabled true")
	expectCell(t, m, matrix.MAPI, matrix.Basic, matrix.Password, "password=40 blocked=1", "has MAPIEnabled true")
	expectCell(t, m, matrix.SMTP, matrix.Basic, matrix.Password, "password=40 blocked=1", "null-inheritance trap")
	userReason(t, m, "info@mijndomein.nl", matrix.POP, matrix.Basic, matrix.Blocked, matrix.GateAccount, "sign-in disabled")
	// The gate that let each through, per user: Okta for .nl, Entra
	// alone for the managed .be domain.
	userReason(t, m, "jira@mijndomein.nl", matrix.IMAP, matrix.Basic, matrix.Password, matrix.GateOkta, "Catch-all Rule")
	userReason(t, m, "koen.maes@mijndomein.be", matrix.POP, matrix.Basic, matrix.Password, matrix.GateOkta, "domain mijndomein.be is managed, not federated: Okta is not involved")
	userReason(t, m, "koen.maes@mijndomein.be", matrix.POP, matrix.Basic, matrix.Password, matrix.GateEntra, "no enabled conditional access policy")

	expectCell(t, m, matrix.OWA, matrix.Basic, matrix.Unsupported, "unsupported=41", "never takes Basic auth")
	// OWA modern: Okta's catch-all ALLOW 1FA lets federated users in
	// with a password; the .be users meet no CA.
	expectCell(t, m, matrix.OWA, matrix.Modern, matrix.Password, "password=40 blocked=1", "Catch-all Rule")
	for _, u := range m.UsersIn(matrix.OWA, matrix.Modern, matrix.Password) {
		if u.Federated {
			userReason(t, m, u.UPN, matrix.OWA, matrix.Modern, matrix.Password, matrix.GateOkta, `allows every client for everyone with a password only`)
		}
	}
	// Modern auth off: Outlook for Windows cannot use it.
	for _, p := range []matrix.Protocol{matrix.MAPI, matrix.RPC} {
		expectCell(t, m, p, matrix.Modern, matrix.Unsupported, "unsupported=41", "OAuth2ClientProfileEnabled is false")
	}
	// 2019: no OAuth for POP, IMAP, SMTP.
	for _, p := range []matrix.Protocol{matrix.POP, matrix.IMAP, matrix.SMTP} {
		expectCell(t, m, p, matrix.Modern, matrix.Unsupported, "unsupported=41", "no OAuth")
	}
	for _, p := range []matrix.Protocol{matrix.EWS, matrix.ActiveSync, matrix.PowerShell} {
		expectCell(t, m, p, matrix.Modern, matrix.Password, "password=40 blocked=1", "Catch-all Rule")
	}
}

func TestWhitepaperToday(t *testing.T) {
	m := matrix.Evaluate(asOf(collect(t, "whitepaper"), "2026-11-22"))
	for _, p := range retiredBasic {
		expectCell(t, m, p, matrix.Basic, matrix.Blocked, "blocked=41", "retired by Microsoft on 2022-10-01")
	}
	// SMTP AUTH basic is still the tenant's and the mailboxes' business.
	expectCell(t, m, matrix.SMTP, matrix.Basic, matrix.Password, "password=40 blocked=1",
		"unchanged through December 2026", "null-inheritance trap", "no authentication policy assigned and no org default")
	// EwsEnabled null became False on 2026-10-01.
	expectCell(t, m, matrix.EWS, matrix.Modern, matrix.Blocked, "blocked=41", "switched to False on 2026-10-01")
	expectCell(t, m, matrix.IMAP, matrix.Modern, matrix.Password, "password=40 blocked=1", "OAuth 2.0 for IMAP")
	expectCell(t, m, matrix.PowerShell, matrix.Modern, matrix.Password, "password=40 blocked=1", "REST-based v3 module")
	// After the end of December 2026 SMTP AUTH basic depends on whether
	// the admins re-enabled it.
	m = matrix.Evaluate(asOf(collect(t, "whitepaper"), "2027-01-15"))
	expectCell(t, m, matrix.SMTP, matrix.Basic, matrix.Unknown, "unknown=40 blocked=1", "whether this tenant did cannot be seen")
}

func TestContoso(t *testing.T) {
	m := matrix.Evaluate(collect(t, "contoso"))
	if len(m.Users) != 20 {
		t.Fatalf("%d users", len(m.Users))
	}
	// The README's designed SMTP basic cell: password 7, restricted 1,
	// blocked 12.
	expectCell(t, m, matrix.SMTP, matrix.Basic, matrix.Password, "password=7 restricted=1 blocked=12",
		"null-inheritance trap", `Okta rule "Sales mobile legacy" (priority 0) allows legacy clients for group Sales mobile with a password only`)
	want := "alex.wilber@contoso.com,allan.deyoung@contoso-labs.com,debra.berger@contoso-labs.com,diego.siciliani@contoso.com," +
		"henrietta.mueller@contoso-labs.com,irvin.sayers@contoso-labs.com,lynne.robbins@contoso.com"
	if got := strings.Join(upns(m.UsersIn(matrix.SMTP, matrix.Basic, matrix.Password)), ","); got != want {
		t.Errorf("smtp/basic password: %s\nwant %s", got, want)
	}
	userReason(t, m, "scanner@contoso.com", matrix.SMTP, matrix.Basic, matrix.Restricted, matrix.GateOkta,
		`Okta rule "Scanner from the office only" (priority 2) allows legacy clients for group O365 legacy exceptions with a password only, from zone Office egress only`)
	userReason(t, m, "scanner@contoso.com", matrix.SMTP, matrix.Basic, matrix.Restricted, matrix.GatePolicy, `"Allow SMTP Basic" (assigned to scanner) has AllowBasicAuthSmtp true`)
	userReason(t, m, "megan.bowen@contoso.com", matrix.SMTP, matrix.Basic, matrix.Blocked, matrix.GateOkta, `"Deny legacy authentication clients" (priority 1) denies`)
	userReason(t, m, "adele.vance@contoso.com", matrix.SMTP, matrix.Basic, matrix.Blocked, matrix.GatePolicy, `"Block Basic Authentication" (assigned to adele.vance) has AllowBasicAuthSmtp false`)
	userReason(t, m, "patti.fernandez@contoso.com", matrix.SMTP, matrix.Basic, matrix.Blocked, matrix.GateMailbox, "SmtpClientAuthenticationDisabled true")
	userReason(t, m, "henrietta.mueller@contoso-labs.com", matrix.SMTP, matrix.Basic, matrix.Password, matrix.GateEntra, `report-only policy "Block legacy authentication" (blocks) does not enforce`)

	// asOf 2026-11-01: ActiveSync and IMAP basic are retired, so neither
	// the Sales rule nor the scanner's zone rule matters there any more.
	expectCell(t, m, matrix.ActiveSync, matrix.Basic, matrix.Blocked, "blocked=20", "retired by Microsoft on 2022-10-01")
	userReason(t, m, "scanner@contoso.com", matrix.IMAP, matrix.Basic, matrix.Blocked, matrix.GatePlatform, "retired by Microsoft on 2022-10-01")
	// EWS: the org's EwsEnabled null was switched off on 2026-10-01.
	expectCell(t, m, matrix.EWS, matrix.Modern, matrix.Blocked, "blocked=20", "switched to False on 2026-10-01")
	// OWA modern: Okta asks contoso.com for MFA; the managed labs domain
	// meets nothing that enforces.
	expectCell(t, m, matrix.OWA, matrix.Modern, matrix.Password, "password=4 mfa=15 blocked=1", "security defaults are off")
	userReason(t, m, "nestor.wilke@contoso.com", matrix.OWA, matrix.Modern, matrix.MFA, matrix.GateOkta, "has no active Okta factor")
	userReason(t, m, "christie.cline@contoso.com", matrix.OWA, matrix.Modern, matrix.MFA, matrix.GateEntra,
		`policy "Require MFA for administrators" (requires MFA) targets groups or roles the snapshot cannot resolve`)
	userReason(t, m, "megan.bowen@contoso.com", matrix.MAPI, matrix.Modern, matrix.MFA, matrix.GateOkta, `"Web and modern auth with MFA" (priority 3)`)

	// Before the retirement, the Sales mobile group's native mail got in
	// over ActiveSync basic with a password, through rule 0 above the
	// deny; the scanner's IMAP basic was stopped by its own policy.
	m = matrix.Evaluate(asOf(collect(t, "contoso"), "2022-06-01"))
	for _, u := range []string{"alex.wilber@contoso.com", "lynne.robbins@contoso.com", "diego.siciliani@contoso.com"} {
		userReason(t, m, u, matrix.ActiveSync, matrix.Basic, matrix.Password, matrix.GateOkta, `Okta rule "Sales mobile legacy" (priority 0) allows legacy clients for group Sales mobile with a password only`)
	}
	userReason(t, m, "megan.bowen@contoso.com", matrix.ActiveSync, matrix.Basic, matrix.Blocked, matrix.GateOkta, "Deny legacy authentication clients")
	userReason(t, m, "scanner@contoso.com", matrix.IMAP, matrix.Basic, matrix.Blocked, matrix.GatePolicy, `"Allow SMTP Basic" (assigned to scanner) has AllowBasicAuthImap false`)
	expectCell(t, m, matrix.ActiveSync, matrix.Basic, matrix.Password, "password=5 blocked=15", "Sales mobile legacy")
}

func TestOktaClassic(t *testing.T) {
	m := matrix.Evaluate(collect(t, "okta-classic"))
	if len(m.Users) != 6 {
		t.Fatalf("%d users", len(m.Users))
	}
	for _, p := range []matrix.Protocol{matrix.OWA, matrix.MAPI, matrix.RPC, matrix.ActiveSync, matrix.SMTP, matrix.PowerShell} {
		expectCell(t, m, p, matrix.Modern, matrix.Unknown, "unknown=6", "Classic Engine: the Office 365 app's sign-on rules are not readable")
	}
	expectCell(t, m, matrix.IMAP, matrix.Modern, matrix.Unknown, "unknown=1 blocked=5", "Classic Engine")
	userReason(t, m, "janet.leverling@northwind.example", matrix.IMAP, matrix.Modern, matrix.Unknown, matrix.GateOkta, "Classic Engine")
	// What does not depend on Okta is still decided.
	expectCell(t, m, matrix.SMTP, matrix.Basic, matrix.Blocked, "blocked=6", `"Block Basic Authentication" (the org default) has AllowBasicAuthSmtp false`)
	expectCell(t, m, matrix.POP, matrix.Modern, matrix.Blocked, "blocked=6", "PopEnabled false")
	for _, p := range matrix.Protocols {
		for _, meth := range matrix.Methods {
			if c := m.Cell(p, meth); c.Count(matrix.Password) > 0 {
				t.Errorf("%s/%s: %d users with a password path on Classic", p, meth, c.Count(matrix.Password))
			}
		}
	}
}

// TestInvariants checks every scenario and date: counts add up, the cell
// verdict is the most permissive, every verdict carries the reason that
// produced it, evaluation is deterministic and leaves the snapshot alone.
func TestInvariants(t *testing.T) {
	for _, c := range []struct{ name, date string }{
		{"whitepaper", ""}, {"whitepaper", "2022-11-01"}, {"whitepaper", "2026-11-22"}, {"whitepaper", "2027-06-01"},
		{"contoso", ""}, {"contoso", "2019-06-01"}, {"okta-classic", ""},
	} {
		t.Run(c.name+c.date, func(t *testing.T) {
			s := collect(t, c.name)
			if c.date != "" {
				asOf(s, c.date)
			}
			before, _ := tenant.Encode(s)
			m := matrix.Evaluate(s)
			after, _ := tenant.Encode(s)
			if !bytes.Equal(before, after) {
				t.Error("Evaluate changed the snapshot")
			}
			j1, _ := json.Marshal(m)
			j2, _ := json.Marshal(matrix.Evaluate(s))
			if !bytes.Equal(j1, j2) {
				t.Error("two evaluations differ")
			}
			for _, p := range matrix.Protocols {
				for _, meth := range matrix.Methods {
					cell := m.Cell(p, meth)
					if cell.Total() != len(m.Users) {
						t.Errorf("%s/%s counts %d users of %d", p, meth, cell.Total(), len(m.Users))
					}
					if len(cell.Reasons) == 0 {
						t.Errorf("%s/%s has no reasons", p, meth)
					}
					best := matrix.Unsupported
					for i := range m.Users {
						a := m.Users[i].Access(p, meth)
						if a.Verdict.Rank() < best.Rank() {
							best = a.Verdict
						}
						checkReasons(t, m.Users[i].UPN, p, meth, a)
					}
					if cell.Verdict != best {
						t.Errorf("%s/%s verdict %s, most permissive user %s", p, meth, cell.Verdict, best)
					}
				}
			}
		})
	}
}

func checkReasons(t *testing.T, upn string, p matrix.Protocol, meth matrix.Method, a matrix.Access) {
	t.Helper()
	effects := map[string]bool{}
	for _, r := range a.Reasons {
		effects[r.Effect] = true
		if r.Gate == "" || r.Text == "" {
			t.Errorf("%s %s/%s: empty reason %+v", upn, p, meth, r)
		}
	}
	need := map[matrix.Verdict]string{matrix.Blocked: matrix.EffectBlocks, matrix.Unsupported: matrix.EffectUnsupported,
		matrix.Unknown: matrix.EffectUnknown, matrix.MFA: matrix.EffectRequiresMFA, matrix.Restricted: matrix.EffectRestricts}[a.Verdict]
	if need != "" && !effects[need] {
		t.Errorf("%s %s/%s = %s without a %q reason", upn, p, meth, a.Verdict, need)
	}
	if a.Verdict == matrix.Password && (effects[matrix.EffectBlocks] || effects[matrix.EffectUnknown] || effects[matrix.EffectUnsupported]) {
		t.Errorf("%s %s/%s = password despite a blocking or unknown reason", upn, p, meth)
	}
}

// TestGolden pins each built-in scenario's matrix in CONTRACT.md's JSON
// shape; go test ./matrix -update rewrites the files (review them).
func TestGolden(t *testing.T) {
	for _, c := range []struct{ file, name, date string }{
		{"whitepaper", "whitepaper", ""},
		{"whitepaper-2026-11-22", "whitepaper", "2026-11-22"},
		{"contoso", "contoso", ""},
		{"okta-classic", "okta-classic", ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			s := collect(t, c.name)
			if c.date != "" {
				asOf(s, c.date)
			}
			got, err := json.MarshalIndent(matrix.Evaluate(s), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", c.file+".golden.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./matrix -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the evaluation; run go test ./matrix -update and review the diff", path)
			}
		})
	}
}

// BenchmarkEvaluate measures the largest built-in scenario and a
// synthetic organisation of about 10,000 mailboxes made by replicating
// it.
func BenchmarkEvaluate(b *testing.B) {
	wp := collect(b, "whitepaper")
	b.Run("whitepaper", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			matrix.Evaluate(wp)
		}
	})
	big := replicate(collect(b, "whitepaper"), 10000)
	b.Run(fmt.Sprintf("synthetic-%d", len(big.Exchange.CASMailboxes)), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			matrix.Evaluate(big)
		}
	})
}

// replicate copies every mailbox user (Graph, Get-CASMailbox, Get-User,
// Okta user and group memberships) until there are at least n mailboxes.
func replicate(s *tenant.Snapshot, n int) *tenant.Snapshot {
	base := len(s.Exchange.CASMailboxes)
	users, cas, exu, okta := s.Users, s.Exchange.CASMailboxes, s.Exchange.Users, s.Okta.Users
	suffix := func(upn string, k int) string {
		local, dom, _ := strings.Cut(upn, "@")
		return fmt.Sprintf("%s.%d@%s", local, k, dom)
	}
	members := map[string][]string{}
	for _, g := range s.Okta.Groups {
		for _, id := range g.Members {
			members[id] = append(members[id], g.ID)
		}
	}
	groupIdx := map[string]int{}
	for i, g := range s.Okta.Groups {
		groupIdx[g.ID] = i
	}
	for k := 1; len(s.Exchange.CASMailboxes) < n; k++ {
		for _, m := range cas[:base] {
			m.Identity = fmt.Sprintf("%s.%d", m.Identity, k)
			m.PrimarySmtpAddress = suffix(m.PrimarySmtpAddress, k)
			m.ExternalDirectoryObjectID = fmt.Sprintf("%s.%d", m.ExternalDirectoryObjectID, k)
			s.Exchange.CASMailboxes = append(s.Exchange.CASMailboxes, m)
		}
		for _, u := range users {
			u.ID, u.UserPrincipalName = fmt.Sprintf("%s.%d", u.ID, k), suffix(u.UserPrincipalName, k)
			s.Users = append(s.Users, u)
		}
		for _, x := range exu {
			x.Identity = fmt.Sprintf("%s.%d", x.Identity, k)
			x.UserPrincipalName = suffix(x.UserPrincipalName, k)
			x.ExternalDirectoryObjectID = fmt.Sprintf("%s.%d", x.ExternalDirectoryObjectID, k)
			s.Exchange.Users = append(s.Exchange.Users, x)
		}
		for _, o := range okta {
			id := fmt.Sprintf("%s.%d", o.ID, k)
			for _, g := range members[o.ID] {
				s.Okta.Groups[groupIdx[g]].Members = append(s.Okta.Groups[groupIdx[g]].Members, id)
			}
			o.ID, o.Login = id, suffix(o.Login, k)
			s.Okta.Users = append(s.Okta.Users, o)
		}
	}
	return s
}
