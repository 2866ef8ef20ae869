package remediate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/tenant"
)

// Choices are the operator's decisions a plan needs (CONTRACT.md,
// "Operator choices"): the same JSON as --choices and the wizard's forms.
// The zero value means the defaults: no exceptions, POP and IMAP, everyone
// in scope, an MFA prompt once per session.
type Choices struct {
	Exceptions Exceptions `json:"exceptions"`
	// BreakGlass are UPNs of emergency accounts the plan must never cut off.
	BreakGlass []string `json:"breakGlass,omitempty"`
	// Operator is the UPN of the account running harden365.
	Operator string `json:"operator,omitempty"`
	// Protocols are the legacy protocols step C switches off: pop, imap,
	// activesync (empty: pop and imap).
	Protocols []string `json:"protocols,omitempty"`
	Scope     Scope    `json:"scope"`
	// Zones are Okta network zone names the exception rule is limited to.
	Zones []string `json:"zones,omitempty"`
	// MFAPrompt is how often Okta's MFA rule prompts: every-sign-in,
	// once-per-session, or an ISO-8601 duration such as PT2H ("" = not
	// chosen: once per session for a new rule, an existing rule keeps its
	// own).
	MFAPrompt string `json:"mfaPrompt,omitempty"`
}

// Exceptions are the documented exceptions: mailboxes that keep legacy
// protocols, and the Okta group excluded from the deny rule.
type Exceptions struct {
	Users     []string `json:"users,omitempty"`
	OktaGroup string   `json:"oktaGroup,omitempty"`
}

// Scope selects the users the per-user steps touch (C, D, SMTP-AUTH, F,
// CA-LEGACY): users whose title matches one of Titles (PowerShell -like,
// case-insensitive: "*Engineering*") or who are listed in Users. Both
// empty: everyone.
type Scope struct {
	Titles []string `json:"titles,omitempty"`
	Users  []string `json:"users,omitempty"`
}

// Protocol names step C accepts.
var choiceProtocols = []string{"pop", "imap", "activesync"}

// MFA prompt values and the reauthenticateIn they mean (okta-api.md §2.3).
const (
	PromptEverySignIn    = "every-sign-in"
	PromptOncePerSession = "once-per-session"
)

var isoDuration = regexp.MustCompile(`^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$`)

// DefaultChoices are the defaults spelt out.
func DefaultChoices() Choices {
	return Choices{Protocols: []string{"pop", "imap"}}
}

// AssessOptions maps the choices to what the checks need.
func (c Choices) AssessOptions() assess.Options {
	return assess.Options{ExceptionUsers: append([]string(nil), c.Exceptions.Users...), ExceptionGroup: c.Exceptions.OktaGroup}
}

// protocols returns the chosen protocols (the default when none), lower case.
func (c Choices) protocols() []string {
	if len(c.Protocols) == 0 {
		return []string{"pop", "imap"}
	}
	out := make([]string, 0, len(c.Protocols))
	for _, p := range c.Protocols {
		out = append(out, strings.ToLower(strings.TrimSpace(p)))
	}
	return out
}

func (c Choices) hasProtocol(p string) bool {
	for _, q := range c.protocols() {
		if q == p {
			return true
		}
	}
	return false
}

// reauthenticateIn is the chosen prompt frequency as Okta's
// reauthenticateIn, and whether it was chosen at all.
func (c Choices) reauthenticateIn() (string, bool) {
	switch v := strings.TrimSpace(c.MFAPrompt); {
	case v == "":
		return "PT43800H", false
	case strings.EqualFold(v, PromptEverySignIn):
		return "PT0S", true
	case strings.EqualFold(v, PromptOncePerSession), strings.EqualFold(v, "every-session"):
		return "PT43800H", true
	default:
		return strings.ToUpper(v), true
	}
}

// isException reports whether upn is a declared exception user.
func (c Choices) isException(upn string) bool { return containsFold(c.Exceptions.Users, upn) }

// Everyone reports whether the scope is everyone.
func (s Scope) Everyone() bool { return len(s.Titles) == 0 && len(s.Users) == 0 }

// Matches reports whether a user (UPN and job title) is in scope.
func (s Scope) Matches(upn, title string) bool {
	if s.Everyone() {
		return true
	}
	if containsFold(s.Users, upn) {
		return true
	}
	for _, pat := range s.Titles {
		if likeMatch(pat, title) {
			return true
		}
	}
	return false
}

// likeMatch is PowerShell's -like, case-insensitive: * any run, ? one
// character, [abc] / [a-z] one of a set.
func likeMatch(pattern, s string) bool {
	p, t := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(s))
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '*':
				for k := j; k <= len(t); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '?':
				if j >= len(t) {
					return false
				}
			case '[':
				end := i + 1
				for end < len(p) && p[end] != ']' {
					end++
				}
				if end >= len(p) || j >= len(t) {
					if end >= len(p) && j < len(t) && t[j] == '[' {
						break // an unclosed [ is literal
					}
					return false
				}
				set, ok := p[i+1:end], false
				for k := 0; k < len(set); k++ {
					if k+2 < len(set) && set[k+1] == '-' {
						ok = ok || (set[k] <= t[j] && t[j] <= set[k+2])
						k += 2
						continue
					}
					ok = ok || set[k] == t[j]
				}
				if !ok {
					return false
				}
				i, j = end+1, j+1
				continue
			default:
				if j >= len(t) || t[j] != p[i] {
					return false
				}
			}
			i, j = i+1, j+1
		}
		return j == len(t)
	}
	return match(0, 0)
}

// inScope reports whether a mailbox user is in the operator's scope; the
// title comes from Get-User, else Graph.
func (c Choices) inScope(s *tenant.Snapshot, upn string) bool {
	if c.Scope.Everyone() {
		return true
	}
	title := ""
	for _, u := range s.Exchange.Users {
		if strings.EqualFold(u.UserPrincipalName, upn) {
			title = u.Title
		}
	}
	if title == "" {
		for _, u := range s.Users {
			if strings.EqualFold(u.UserPrincipalName, upn) {
				title = u.JobTitle
			}
		}
	}
	return c.Scope.Matches(upn, title)
}

// ParseChoices reads the operator-choices JSON strictly: an unknown key, a
// value of the wrong type or a value outside what the plan understands is
// an error naming its path ("exceptions.users[1]", "mfaPrompt"). Absent
// keys and null take the defaults.
func ParseChoices(data []byte) (Choices, error) {
	var c Choices
	top, err := object(data, "")
	if err != nil {
		return c, err
	}
	for _, k := range sortedKeys(top) {
		raw := top[k]
		switch k {
		case "exceptions":
			ex, err := object(raw, "exceptions")
			if err != nil {
				return c, err
			}
			for _, k2 := range sortedKeys(ex) {
				switch k2 {
				case "users":
					if c.Exceptions.Users, err = stringList(ex[k2], "exceptions.users", true); err != nil {
						return c, err
					}
				case "oktaGroup":
					if c.Exceptions.OktaGroup, err = str(ex[k2], "exceptions.oktaGroup"); err != nil {
						return c, err
					}
				default:
					return c, unknownKey("exceptions."+k2, "users, oktaGroup")
				}
			}
		case "breakGlass":
			if c.BreakGlass, err = stringList(raw, "breakGlass", true); err != nil {
				return c, err
			}
		case "operator":
			if c.Operator, err = str(raw, "operator"); err != nil {
				return c, err
			}
			if c.Operator != "" && !strings.Contains(c.Operator, "@") {
				return c, fmt.Errorf("operator: %q is not a user principal name (name@domain)", c.Operator)
			}
		case "protocols":
			if c.Protocols, err = stringList(raw, "protocols", false); err != nil {
				return c, err
			}
			for i, p := range c.Protocols {
				if !containsFold(choiceProtocols, p) {
					return c, fmt.Errorf("protocols[%d]: %q is not one of %s", i, p, strings.Join(choiceProtocols, ", "))
				}
				c.Protocols[i] = strings.ToLower(p)
			}
		case "scope":
			sc, err := object(raw, "scope")
			if err != nil {
				return c, err
			}
			for _, k2 := range sortedKeys(sc) {
				switch k2 {
				case "titles":
					if c.Scope.Titles, err = stringList(sc[k2], "scope.titles", false); err != nil {
						return c, err
					}
				case "users":
					if c.Scope.Users, err = stringList(sc[k2], "scope.users", true); err != nil {
						return c, err
					}
				default:
					return c, unknownKey("scope."+k2, "titles, users")
				}
			}
		case "zones":
			if c.Zones, err = stringList(raw, "zones", false); err != nil {
				return c, err
			}
		case "mfaPrompt":
			if c.MFAPrompt, err = str(raw, "mfaPrompt"); err != nil {
				return c, err
			}
			v := c.MFAPrompt
			if v != "" && !strings.EqualFold(v, PromptEverySignIn) && !strings.EqualFold(v, PromptOncePerSession) &&
				!strings.EqualFold(v, "every-session") && !(isoDuration.MatchString(strings.ToUpper(v)) && len(v) > 2) {
				return c, fmt.Errorf("mfaPrompt: %q is not one of %s, %s or an ISO-8601 duration such as PT2H", v, PromptEverySignIn, PromptOncePerSession)
			}
		default:
			return c, unknownKey(k, "exceptions, breakGlass, operator, protocols, scope, zones, mfaPrompt")
		}
	}
	return c, nil
}

func unknownKey(path, known string) error {
	return fmt.Errorf("%s: unknown key (known here: %s)", path, known)
}

func describe(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// object decodes a JSON object into its members (null: empty).
func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	name := path
	if name == "" {
		name = "choices"
	}
	if isNull(raw) {
		return map[string]json.RawMessage{}, nil
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: expected an object, found %s", name, describe(raw))
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: invalid JSON at byte %d: %v", name, se.Offset, err)
		}
		return nil, fmt.Errorf("%s: invalid JSON: %v", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", name)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: expected an object, found %s", name, describe(raw))
	}
	return m, nil
}

func str(raw json.RawMessage, path string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: expected a string, found %s", path, describe(raw))
	}
	return strings.TrimSpace(s), nil
}

// stringList decodes a list of non-empty strings; upn requires name@domain.
func stringList(raw json.RawMessage, path string, upn bool) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: expected a list of strings, found %s", path, describe(raw))
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		s, err := str(it, p)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, fmt.Errorf("%s: empty", p)
		}
		if upn && !strings.Contains(s, "@") {
			return nil, fmt.Errorf("%s: %q is not a user principal name (name@domain)", p, s)
		}
		out = append(out, s)
	}
	return out, nil
}
