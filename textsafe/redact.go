package textsafe

import "regexp"

// Credentials that could appear in a text harden365 does not control (an
// error a service answered, a library's message): an Authorization
// header's value (any scheme), a bearer token or Okta API token (SSWS) on
// its own (tokens are long; ordinary words are not), a JWT (base64url
// JSON, which starts with eyJ), and the value of a name=value or
// "name": "value" pair whose name says it is secret (a form body, a token
// response, a header).
var (
	authHeaderPattern = regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?)[^\s"',;)\[]+(\s+[^\s"',;)\[]+)?`)
	tokenPattern      = regexp.MustCompile(`(?i)\b(bearer|ssws)\s+[A-Za-z0-9._~+/=-]{20,}`)
	jwtPattern        = regexp.MustCompile(`\beyJ[A-Za-z0-9_=-]{6,}(?:\.[A-Za-z0-9_=-]*){0,2}`)
	secretPairPattern = regexp.MustCompile(`(?i)\b((?:access|refresh|id)_?token|client_?secret|client_?assertion|assertion|password|passwd|api_?key|code_?verifier|device_?code|secret|token|x-api-key|cookie)\b(["']?\s*[:=]\s*["']?)[^\s"'&,;}\[\]]+`)
)

// Redact masks what looks like a credential in s, before s is written to
// a file (a journal, a snapshot, the debug log) or shown: each becomes
// [redacted], the header's name or the scheme kept. It is pure, and
// redacting twice is redacting once.
func Redact(s string) string {
	if s == "" {
		return s
	}
	s = authHeaderPattern.ReplaceAllString(s, "${1}[redacted]")
	s = tokenPattern.ReplaceAllString(s, "$1 [redacted]")
	s = jwtPattern.ReplaceAllString(s, "[redacted]")
	return secretPairPattern.ReplaceAllString(s, "${1}${2}[redacted]")
}
