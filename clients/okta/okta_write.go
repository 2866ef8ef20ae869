package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/harden365/harden365/clients/collect"
)

// Writer makes the remediation's Okta writes (app sign-on rules, their
// lifecycle, groups and memberships, users, app assignments) through
// okta-sdk-golang v2's raw request executor: v2's typed PolicyRule drops
// actions.appSignOn and conditions.office365Client, so rules travel as
// JSON objects. The SDK's cache is off, so a read after a write sees it.
type Writer struct {
	c  *collector
	cl *sdk.Client
}

// NewWriter returns a writer for the Okta org in cfg.
func NewWriter(ctx context.Context, cfg Config) (*Writer, error) {
	c, err := newCollector(cfg)
	if err != nil {
		return nil, err
	}
	cl, err := c.client(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Writer{c: c, cl: cl}, nil
}

// Call sends method to path (relative to the org URL, query included)
// with body as JSON (nil: no body) and returns the decoded answer: an
// object, a list, or nil for 204 No Content.
func (w *Writer) Call(ctx context.Context, method, path string, body any) (any, error) {
	method = strings.ToUpper(strings.TrimSpace(method))
	re := w.cl.CloneRequestExecutor()
	var payload any
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return nil, fmt.Errorf("okta: encoding the body of %s %s: %w", method, path, err)
		}
		payload = &buf
	}
	req, err := re.WithAccept("application/json").WithContentType("application/json").NewRequest(method, path, payload)
	if err != nil {
		return nil, fmt.Errorf("okta: %s %s: %w", method, path, err)
	}
	var raw json.RawMessage
	resp, err := re.Do(ctx, req, &raw)
	if err != nil {
		return nil, explainWrite(method, path, w.c.mode, withResponse(resp, err))
	}
	if len(bytes.TrimSpace(raw)) == 0 && resp != nil && resp.Body != nil {
		// Do decodes only JSON bodies; read what is left of any other.
		data, _ := io.ReadAll(resp.Body)
		raw = data
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("okta: %s %s: the answer is not JSON: %w", method, path, err)
	}
	return out, nil
}

// Merge reads the object at path, overlays patch (objects merged key by
// key, anything else replaced: a JSON merge patch without deletions) and
// PUTs the result back, so that fields harden365 does not model (and
// office365Client) survive Okta's full-replace PUT. It returns Okta's
// answer.
func (w *Writer) Merge(ctx context.Context, path string, patch map[string]any) (any, error) {
	cur, err := w.Call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	obj, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("okta: GET %s did not answer with an object", path)
	}
	return w.Call(ctx, http.MethodPut, path, Overlay(obj, patch))
}

// Overlay returns base with patch laid over it: objects are merged key by
// key (recursively), every other value replaces. Neither input changes.
func Overlay(base, patch map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(patch))
	for k, v := range base {
		out[k] = v
	}
	for k, pv := range patch {
		pm, pIsObj := pv.(map[string]any)
		bm, bIsObj := out[k].(map[string]any)
		if pIsObj && bIsObj {
			out[k] = Overlay(bm, pm)
			continue
		}
		out[k] = pv
	}
	return out
}

// writeScopes names the OAuth scope a write needs, by path.
func writeScope(path string) string {
	p := strings.ToLower(path)
	switch {
	case strings.HasPrefix(p, "/api/v1/policies"):
		return "okta.policies.manage"
	case strings.HasPrefix(p, "/api/v1/groups"):
		return "okta.groups.manage"
	case strings.HasPrefix(p, "/api/v1/users"):
		return "okta.users.manage"
	case strings.HasPrefix(p, "/api/v1/apps"):
		return "okta.apps.manage"
	}
	return "okta.*.manage"
}

// explainWrite turns a write's error into a Failure with Okta's own words
// and, for 401/403, what would let the write through.
func explainWrite(method, path, mode string, err error) error {
	e := explain("", mode, err)
	var f *collect.Failure
	if !errors.As(e, &f) {
		return fmt.Errorf("%s %s: %w", method, path, e)
	}
	if f.InDoubt {
		return f
	}
	if f.HTTPStatus == http.StatusInternalServerError || f.HTTPStatus == http.StatusBadGateway || f.HTTPStatus == http.StatusGatewayTimeout {
		return collect.InDoubtFailure(f.HTTPStatus, fmt.Sprintf("%s %s: Okta answered %d (%s)", method, path, f.HTTPStatus, f.Message))
	}
	out := *f
	out.Message = fmt.Sprintf("%s %s: %s", method, path, f.Message)
	switch f.HTTPStatus {
	case http.StatusForbidden:
		out.Fix = fmt.Sprintf("grant the %s scope to the service app (OAuth), and give the token's admin a role that may make this change (Super Administrator, or the Org/App Administrator role for users, groups and apps)", writeScope(path))
	case http.StatusNotImplemented:
		out.Fix = "the service does not carry out this call"
	}
	return &out
}
