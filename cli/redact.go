package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/harden365/harden365/textsafe"
)

// The debug log (--debug FILE) must never hold a credential: no
// Authorization header, Okta API token (SSWS), access or refresh token,
// client secret, certificate password or token response. Nothing
// harden365 logs is meant to carry one; the redaction below is defence in
// depth against a message that does anyway (an error text in which a
// service or a library echoes a request, a value logged under the wrong
// key). It applies to every attribute and to the message itself.

// newDebugHandler is the debug log's handler: text lines, every level,
// secrets masked.
func newDebugHandler(w io.Writer) slog.Handler {
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: redactAttr})
}

const redacted = "[redacted]"

// secretKeyWords are the parts of attribute names whose values are
// secrets whatever they look like (compared without case, "-" and "_").
var secretKeyWords = []string{"authorization", "token", "secret", "password", "passwd", "assertion", "apikey", "cookie", "credential"}

// secretKey reports whether an attribute named key holds a secret.
func secretKey(key string) bool {
	k := strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(key))
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redactText masks what looks like a credential in s, as the journal
// and the snapshot do.
func redactText(s string) string { return textsafe.Redact(s) }

// redactAttr is the debug log's ReplaceAttr: an attribute whose name says
// it is a secret is masked whole; any other string (the message too) has
// what looks like a credential masked; other values are checked in their
// printed form.
func redactAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
		return a
	}
	v := a.Value.Resolve()
	secret := secretKey(a.Key)
	for _, g := range groups {
		secret = secret || secretKey(g)
	}
	if secret {
		if v.Kind() == slog.KindBool || v.Kind() == slog.KindString && v.String() == "" {
			return a // whether there is one, never what it is
		}
		a.Value = slog.StringValue(redacted)
		return a
	}
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); redactText(s) != s {
			a.Value = slog.StringValue(redactText(s))
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case []string:
			out := make([]string, len(x))
			changed := false
			for i, s := range x {
				out[i] = redactText(s)
				changed = changed || out[i] != s
			}
			if changed {
				a.Value = slog.AnyValue(out)
			}
		case error:
			if s := x.Error(); redactText(s) != s {
				a.Value = slog.AnyValue(errors.New(redactText(s)))
			}
		default:
			if s := fmt.Sprintf("%+v", x); redactText(s) != s {
				a.Value = slog.StringValue(redactText(s))
			}
		}
	}
	return a
}
