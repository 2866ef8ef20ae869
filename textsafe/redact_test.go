package textsafe

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"401 (Authorization: SSWS 00abcdefghijklmnopqrstuvwxyz0123456789)":                              "401 (Authorization: [redacted])",
		"token Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.x.y rejected":                                "token Bearer [redacted] rejected",
		"id_token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln was echoed":                                 "id_token [redacted] was echoed",
		"grant_type=client_credentials&client_secret=cs~Q8s7.x&scope=y":                                 "grant_type=client_credentials&client_secret=[redacted]&scope=y",
		`{"token_type":"Bearer","access_token":"0.AAA","expires_in":3599}`:                              `{"token_type":"Bearer","access_token":"[redacted]","expires_in":3599}`,
		"{ClientSecret:cs~x Password:pw Name:n}":                                                        "{ClientSecret:[redacted] Password:[redacted] Name:n}",
		"policy 'Block Basic Authentication' can't be removed":                                          "policy 'Block Basic Authentication' can't be removed",
		"the bearer token was rejected; basic authentication is off":                                    "the bearer token was rejected; basic authentication is off",
		"StsRefreshTokensValidFrom: 2019-06-01T00:00:00Z":                                               "StsRefreshTokensValidFrom: 2019-06-01T00:00:00Z",
		"kind=client-secret signIn=secret TOKENS-REVOKED: fail":                                         "kind=client-secret signIn=secret TOKENS-REVOKED: fail",
		"access_token=[redacted] stays as it is, and so does Authorization":                             "access_token=[redacted] stays as it is, and so does Authorization",
		"Authorization: Bearer harden365-simulator-token (id_token eyJhbGciOiJSUzI1NiJ9.e30.c2ln; next": "Authorization: [redacted] (id_token [redacted]; next",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", in, got, want)
		}
		if again := Redact(want); again != want {
			t.Errorf("Redact(%q) = %q: redacting again changed it", want, again)
		}
	}
}
