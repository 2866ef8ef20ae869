package okta

import "testing"

func TestFactorsCost(t *testing.T) {
	for n, want := range map[int]string{
		1:       "one request per Okta user (1 user, under a minute at Okta's rate limit)",
		2000:    "one request per Okta user (2,000 users, about 3 min at Okta's rate limit)",
		90143:   "one request per Okta user (90,143 users, about 2.5 h at Okta's rate limit)",
		1234567: "one request per Okta user (1,234,567 users, about 34.3 h at Okta's rate limit)",
	} {
		if got := factorsCost(n); got != want {
			t.Errorf("factorsCost(%d) = %q, want %q", n, got, want)
		}
	}
}
