package matrix_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/harden365/harden365/matrix"
)

// Evaluate gives the same matrix, users, verdicts and reasons whether
// one worker or several share the users (each worker has its own
// caches).
func TestEvaluateWorkersAgree(t *testing.T) {
	for _, name := range []string{"whitepaper", "contoso", "okta-classic"} {
		for _, size := range []int{0, 600} {
			s := collect(t, name)
			if size > 0 {
				s = replicate(s, size)
			}
			restore := matrix.SetWorkers(1, 1)
			one := matrix.Evaluate(s)
			restore()
			for _, w := range []int{2, 3, 7} {
				restore := matrix.SetWorkers(w, 1)
				many := matrix.Evaluate(s)
				restore()
				label := fmt.Sprintf("%s, %d mailboxes, %d workers", name, len(s.Exchange.CASMailboxes), w)
				if !reflect.DeepEqual(one.Cells, many.Cells) {
					t.Errorf("%s: cells differ", label)
				}
				if len(one.Users) != len(many.Users) {
					t.Fatalf("%s: %d users, want %d", label, len(many.Users), len(one.Users))
				}
				for k := range one.Users {
					a, b := &one.Users[k], &many.Users[k]
					for _, p := range matrix.Protocols {
						for _, m := range matrix.Methods {
							if x, y := a.Access(p, m), b.Access(p, m); !reflect.DeepEqual(x, y) {
								t.Fatalf("%s: %s %s/%s: %+v, one worker says %+v", label, a.UPN, p, m, y, x)
							} else if x.Verdict != a.Verdict(p, m) || len(x.Reasons) == 0 {
								t.Fatalf("%s: %s %s/%s: explained as %q with %d reasons, judged %q", label, a.UPN, p, m, x.Verdict, len(x.Reasons), a.Verdict(p, m))
							}
						}
					}
				}
			}
		}
	}
}

// EvaluateUsers gives the chosen users the rows Evaluate gives them.
func TestEvaluateUsersIsEvaluateForThem(t *testing.T) {
	for _, name := range []string{"whitepaper", "contoso", "okta-classic"} {
		s := collect(t, name)
		all := matrix.Evaluate(s)
		if len(all.Users) < 3 {
			continue
		}
		pick := []string{strings.ToUpper(all.Users[0].UPN), all.Users[len(all.Users)/2].UPN, all.Users[len(all.Users)-1].UPN, "nobody@nowhere.example"}
		some := matrix.EvaluateUsers(s, pick)
		if len(some.Users) < 3 {
			t.Fatalf("%s: %d users evaluated, want at least 3", name, len(some.Users))
		}
		for k := range some.Users {
			u := &some.Users[k]
			w := all.User(u.UPN)
			if w == nil {
				t.Fatalf("%s: %s is not in the full matrix", name, u.UPN)
			}
			if u.UPN != w.UPN || u.Mailbox != w.Mailbox || u.ID != w.ID || u.Domain != w.Domain || u.Federated != w.Federated ||
				u.DisplayName != w.DisplayName || u.RecipientTypeDetails != w.RecipientTypeDetails {
				t.Errorf("%s: %s: the identity differs from the full matrix's row", name, u.UPN)
			}
			for _, p := range matrix.Protocols {
				for _, m := range matrix.Methods {
					if !reflect.DeepEqual(u.Access(p, m), w.Access(p, m)) {
						t.Errorf("%s: %s %s/%s differs from the full matrix's row", name, u.UPN, p, m)
					}
				}
			}
		}
	}
}

// The workers' walks share the texts that name the user and write a
// user's own only where shown (names.go). Cells and reasons are those of
// walks that write every user's text, also for names that genericText
// treats otherwise: names that are words of the texts, names with other
// bytes, aliases that hold the UPN, no alias.
func TestSharedTextsAsWritten(t *testing.T) {
	odd := []string{"has", "true", "false", "mailbox", "is", "null", "off", "on", "the", "domain", "Okta", "user", "account",
		"SMTP", "AUTH", "a", "in", "sign", "x y", "info.desk", "has.", "-", "Get-TransportConfig", "not", "managed", ""}
	for _, name := range []string{"whitepaper", "contoso", "okta-classic"} {
		s := replicate(collect(t, name), 400)
		for k := range s.Exchange.CASMailboxes {
			m := &s.Exchange.CASMailboxes[k]
			switch k % 5 {
			case 1:
				m.Identity = odd[(k/5)%len(odd)]
			case 3:
				m.Identity = m.PrimarySmtpAddress + ".old" // holds the UPN
			}
		}
		for _, w := range []int{1, 3} {
			restore := matrix.SetWorkers(w, 1)
			shared := matrix.Evaluate(s)
			undo := matrix.SetSharedTexts(false)
			written := matrix.Evaluate(s)
			undo()
			restore()
			label := fmt.Sprintf("%s, %d workers", name, w)
			if !reflect.DeepEqual(shared.Cells, written.Cells) {
				for i := range shared.Cells {
					for j := range shared.Cells[i] {
						if !reflect.DeepEqual(shared.Cells[i][j], written.Cells[i][j]) {
							t.Errorf("%s: cell %d/%d:\n shared  %+v\n written %+v", label, i, j, shared.Cells[i][j], written.Cells[i][j])
						}
					}
				}
			}
			for k := range shared.Users {
				a, b := &shared.Users[k], &written.Users[k]
				for _, p := range matrix.Protocols {
					for _, m := range matrix.Methods {
						if x, y := a.Access(p, m), b.Access(p, m); !reflect.DeepEqual(x, y) {
							t.Fatalf("%s: %s %s/%s: %+v, written %+v", label, a.UPN, p, m, x, y)
						}
					}
				}
			}
		}
	}
}
