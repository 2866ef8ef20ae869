// Package write carries out the remediation's writes (tenant.Write)
// through the same clients that collect: Exchange cmdlets through the
// admin API's InvokeCommand, Graph through msgraph-sdk-go's request
// adapter, Okta through okta-sdk-golang v2's request executor. Its Writer
// satisfies remediate.Writer (without importing remediate: clients never
// do).
//
// A write reaches Do with its ids already filled in by the caller (the
// Refs, from earlier writes' answers) and its Stamp params set to the
// caller's clock; Do reads what the write's Resolve lists (a signing
// certificate) just before sending, then sends it. For a Merge write to
// Okta it reads the object, overlays Params and PUTs the whole back.
//
// A write is resent only when the service certainly did not act on it: a
// 429 or 503 (refused, after the wait it asks for) and a 401 (once, with a
// renewed token; a second 401 or no new token is an error naming the
// sign-in). A write that may have reached the service without its answer
// coming back (a connection reset or dropped, no answer within the request
// timeout, a 500/502/504, an answer cut short) is never resent, whatever
// its verb: Do returns an error for which InDoubt is true, saying that it
// may or may not have been made.
package write

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/exchange"
	"github.com/harden365/harden365/clients/graph"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/tenant"
)

// Writer dispatches writes to the service each names. A nil service
// writer refuses the writes for that service.
type Writer struct {
	Exchange *exchange.Writer
	Graph    *graph.Writer
	Okta     *okta.Writer
}

// New connects a writer for every service in cfg (Okta only when
// cfg.OktaURL is set). cfg.TenantID must be known: the admin API's URL
// carries it.
func New(ctx context.Context, cfg clients.Config) (*Writer, error) {
	if cfg.TenantID == "" {
		return nil, errors.New("write: the tenant id is unknown (the Exchange admin API needs it)")
	}
	w := &Writer{
		Exchange: exchange.NewWriter(exchange.Config{BaseURL: cfg.ExchangeURL, TenantID: cfg.TenantID, Credential: cfg.Credential, HTTPClient: cfg.HTTPClient, RequestTimeout: cfg.RequestTimeout}),
	}
	g, err := graph.NewWriter(graph.Config{BaseURL: cfg.GraphURL, Credential: cfg.Credential, HTTPClient: cfg.HTTPClient, Concurrency: 1, RequestTimeout: cfg.RequestTimeout})
	if err != nil {
		return nil, err
	}
	w.Graph = g
	if cfg.OktaURL != "" {
		o, err := okta.NewWriter(ctx, okta.Config{OrgURL: cfg.OktaURL, Token: cfg.OktaToken, AuthMode: cfg.OktaAuthMode, Renew: cfg.OktaRenew,
			HTTPClient: cfg.HTTPClient, Concurrency: 1, RequestTimeout: cfg.RequestTimeout})
		if err != nil {
			return nil, err
		}
		w.Okta = o
	}
	return w, nil
}

// Do makes one write and returns the string properties of the service's
// answer (the new object's "id", an Exchange object's "Identity", ...):
// what later writes and undos refer to. vars fills placeholders left in
// the write's Resolve paths.
func (w *Writer) Do(ctx context.Context, tw tenant.Write, vars map[string]string) (map[string]string, error) {
	// A placeholder that a Resolve fills (read just below) is not missing.
	left := slices.DeleteFunc(placeholders(tw.Path, tw.Params), func(ph string) bool {
		return slices.ContainsFunc(tw.Resolve, func(r tenant.Resolve) bool { return ph == "{"+r.Param+"}" })
	})
	if len(left) > 0 {
		return nil, fmt.Errorf("%s: the value of %s is unknown (an earlier write that assigns it was not made)", tw.ID, strings.Join(left, ", "))
	}
	params := tw.Params
	if len(tw.Resolve) > 0 {
		params = copyMap(tw.Params)
		for _, r := range tw.Resolve {
			v, err := w.resolve(ctx, r, vars)
			if err != nil {
				return nil, fmt.Errorf("%s: reading %s for %s: %w", tw.ID, r.Operation, r.Param, err)
			}
			params[r.Param] = v
		}
	}
	switch tw.Service {
	case tenant.ServiceExchange:
		if w.Exchange == nil {
			return nil, errors.New("write: no Exchange connection")
		}
		return w.Exchange.Cmdlet(ctx, tw.Operation, params)
	case tenant.ServiceGraph:
		if w.Graph == nil {
			return nil, errors.New("write: no Graph connection")
		}
		method, err := methodOf(tw)
		if err != nil {
			return nil, err
		}
		res, err := w.Graph.Call(ctx, method, tw.Path, params)
		if err != nil {
			return nil, err
		}
		return strings1(res), nil
	case tenant.ServiceOkta:
		if w.Okta == nil {
			return nil, errors.New("write: no Okta org is configured")
		}
		method, err := methodOf(tw)
		if err != nil {
			return nil, err
		}
		var res any
		if tw.Merge {
			if method != http.MethodPut {
				return nil, fmt.Errorf("%s: a merge write to Okta must be a PUT, not %s", tw.ID, method)
			}
			res, err = w.Okta.Merge(ctx, tw.Path, params)
		} else {
			var body any
			if params != nil {
				body = params
			}
			res, err = w.Okta.Call(ctx, method, tw.Path, body)
		}
		if err != nil {
			return nil, err
		}
		m, _ := res.(map[string]any)
		return strings1(m), nil
	}
	return nil, fmt.Errorf("write: unknown service %q", tw.Service)
}

// InDoubt reports whether err (from Do) is a write that may or may not
// have been made: sent, with no whole answer back. It was not resent.
func InDoubt(err error) bool { return collect.IsInDoubt(err) }

// methodOf is the HTTP method of a REST write ("PATCH /domains/{id}").
func methodOf(tw tenant.Write) (string, error) {
	m, _, ok := strings.Cut(strings.TrimSpace(tw.Operation), " ")
	m = strings.ToUpper(m)
	switch m {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		if ok && tw.Path != "" {
			return m, nil
		}
	}
	return "", fmt.Errorf("%s: operation %q is not \"METHOD /path\" with a path", tw.ID, tw.Operation)
}

// resolve reads a value the write needs from the service.
func (w *Writer) resolve(ctx context.Context, r tenant.Resolve, vars map[string]string) (any, error) {
	path := r.Path
	for k, v := range vars {
		path = strings.ReplaceAll(path, k, v)
	}
	switch {
	case r.Service == tenant.ServiceOkta && strings.HasSuffix(r.Operation, "/credentials/keys"):
		if w.Okta == nil {
			return nil, errors.New("no Okta org is configured")
		}
		res, err := w.Okta.Call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return nil, err
		}
		return signingCertificate(res)
	}
	return nil, fmt.Errorf("harden365 does not know how to read %s (%s)", r.Operation, r.Pick)
}

// signingCertificate picks x5c[0] of the app's newest signing key that has
// not expired (Okta lists an app's keys from GET .../credentials/keys).
func signingCertificate(res any) (string, error) {
	keys, ok := res.([]any)
	if !ok {
		return "", errors.New("the answer is not a list of keys")
	}
	type key struct {
		cert    string
		created time.Time
	}
	var found []key
	for _, k := range keys {
		m, _ := k.(map[string]any)
		x5c, _ := m["x5c"].([]any)
		if len(x5c) == 0 {
			continue
		}
		cert, _ := x5c[0].(string)
		if cert == "" {
			continue
		}
		if exp, err := time.Parse(time.RFC3339, fmt.Sprint(m["expiresAt"])); err == nil && exp.Before(time.Now()) && len(keys) > 1 {
			continue
		}
		created, _ := time.Parse(time.RFC3339, fmt.Sprint(m["created"]))
		found = append(found, key{cert, created})
	}
	if len(found) == 0 {
		return "", errors.New("the app has no signing key with a certificate (x5c)")
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].created.After(found[j].created) })
	return found[0].cert, nil
}

// strings1 keeps the top-level string (and number) properties of an
// answer.
func strings1(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if x != "" {
				out[k] = x
			}
		case fmt.Stringer: // json.Number
			out[k] = x.String()
		}
	}
	return out
}

// placeholders lists "{name}" placeholders still in the path or in string
// values of params.
func placeholders(path string, params map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(v any)
	add := func(s string) {
		for {
			i := strings.IndexByte(s, '{')
			if i < 0 {
				return
			}
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return
			}
			name := s[i : i+j+1]
			if isPlaceholder(name) && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
			s = s[i+j+1:]
		}
	}
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			add(x)
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	add(path)
	walk(params)
	sort.Strings(out)
	return out
}

// isPlaceholder: "{name}" with a plain identifier inside (so JSON-ish text
// in a value is not mistaken for one).
func isPlaceholder(s string) bool {
	if len(s) < 3 {
		return false
	}
	for _, r := range s[1 : len(s)-1] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
