package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"

	"github.com/harden365/harden365/clients/collect"
)

// Writer makes the remediation's Graph writes: federation configuration
// (POST, PATCH, DELETE), the domain's authenticationType (PATCH),
// conditional access policies (POST, PATCH, DELETE) and
// revokeSignInSessions, all through msgraph-sdk-go's request adapter (its
// token, retry, redirect and compression middleware).
//
// Revocation goes through the typed request builder. Writes with a body
// are sent as the JSON the plan computed, through the same adapter: the
// typed models would not send it verbatim (Kiota's backing store sends
// only values changed since a model was built, and a model adds or drops
// properties), and a plan's write must reach the service exactly as it
// was reviewed and journalled.
type Writer struct {
	c *client
}

// NewWriter returns a writer for the Graph service in cfg.
func NewWriter(cfg Config) (*Writer, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Writer{c: c}, nil
}

var revokePath = regexp.MustCompile(`^/users/([^/]+)/(?:microsoft\.graph\.)?revokeSignInSessions$`)

// Call sends method to path (relative to /v1.0, or starting with /beta/)
// with body as JSON (nil: no body) and returns the decoded answer (nil for
// 204 No Content).
func (w *Writer) Call(ctx context.Context, method, path string, body map[string]any) (map[string]any, error) {
	method = strings.ToUpper(strings.TrimSpace(method))
	if m := revokePath.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		id, err := url.PathUnescape(m[1])
		if err != nil {
			return nil, fmt.Errorf("graph: bad user id in %s", path)
		}
		res, err := w.c.sdk.Users().ByUserId(id).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil)
		if err != nil {
			return nil, explainWrite(method, path, err)
		}
		out := map[string]any{}
		if res != nil && res.GetValue() != nil {
			out["value"] = *res.GetValue()
		}
		return out, nil
	}
	var m abs.HttpMethod
	switch method {
	case http.MethodPost:
		m = abs.POST
	case http.MethodPatch:
		m = abs.PATCH
	case http.MethodPut:
		m = abs.PUT
	case http.MethodDelete:
		m = abs.DELETE
	default:
		return nil, fmt.Errorf("graph: %s is not a write method", method)
	}
	full := w.c.base + "/v1.0" + path
	if strings.HasPrefix(path, "/beta/") {
		full = w.c.base + path
	}
	u, err := url.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("graph: bad path %q: %w", path, err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = m
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	// Sent uncompressed: Kiota's compression handler gzips a copy of the
	// request but sets Content-Encoding on the header map it shares with
	// the retry handler's, so a write resent after a 429 or 503 went out
	// as an empty body marked gzip (Graph: 400, "could not be
	// decompressed").
	ri.AddRequestOptions([]abs.RequestOption{khttp.NewCompressionOptionsReference(false)})
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return nil, fmt.Errorf("graph: encoding the body of %s %s: %w", method, path, err)
		}
		ri.SetStreamContentAndContentType(bytes.TrimSpace(buf.Bytes()), "application/json")
	}
	res, err := w.c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMappings)
	if err != nil {
		return nil, explainWrite(method, path, err)
	}
	data, _ := res.([]byte)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("graph: %s %s: the answer is not a JSON object: %w", method, path, err)
	}
	return out, nil
}

// writePermission is the least-privilege application permission of a
// write, by path.
func writePermission(path string) string {
	p := strings.ToLower(path)
	switch {
	case strings.Contains(p, "/revokesigninsessions"):
		return "User.RevokeSessions.All"
	case strings.Contains(p, "/conditionalaccess/"):
		return "Policy.ReadWrite.ConditionalAccess (with Policy.Read.All and Application.Read.All)"
	case strings.HasPrefix(p, "/domains/"):
		return "Domain-InternalFederation.ReadWrite.All"
	}
	return ""
}

// explainWrite is explain for a write: the fix names the write permission;
// a write that may have been made without its answer coming back (a 500
// or 502 here; a dropped connection, a 504 or an answer cut short from
// transient) is in doubt.
func explainWrite(method, path string, err error) *collect.Failure {
	f := explain("", err)
	if f.InDoubt {
		return f
	}
	if f.HTTPStatus == http.StatusInternalServerError || f.HTTPStatus == http.StatusBadGateway {
		return collect.InDoubtFailure(f.HTTPStatus, fmt.Sprintf("%s %s: Microsoft Graph answered %d (%s)", method, path, f.HTTPStatus, f.Message))
	}
	out := *f
	out.Message = fmt.Sprintf("%s %s: %s", method, path, f.Message)
	if f.HTTPStatus == http.StatusForbidden {
		if perm := writePermission(path); perm != "" {
			out.Fix = "grant the Microsoft Graph permission " + perm
		}
	}
	return &out
}
