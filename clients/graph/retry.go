package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// transient sits under Kiota's retry handler and turns the failures it
// does not retry (a 500 or 502, a dropped connection, a truncated JSON
// body on a GET) into the 503 it does retry, so that they are retried,
// bounded and reported like throttling.
type transient struct {
	next http.RoundTripper
}

func (t *transient) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return resp, err
	}
	if err != nil {
		if req.Context().Err() != nil {
			return nil, err
		}
		return unavailable(req, err.Error()), nil
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway:
		resp.StatusCode = http.StatusServiceUnavailable
		resp.Status = "503 Service Unavailable"
		resp.Header = resp.Header.Clone()
		if resp.Header.Get("Retry-After") == "" {
			resp.Header.Set("Retry-After", "1")
		}
		return resp, nil
	case http.StatusOK:
		if !strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json") || req.Method == http.MethodHead {
			return resp, nil
		}
		raw, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil || !json.Valid(raw) {
			why := "truncated JSON body"
			if rerr != nil {
				why = rerr.Error()
			}
			return unavailable(req, why), nil
		}
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		resp.ContentLength = int64(len(raw))
		return resp, nil
	}
	return resp, nil
}

// unavailable is a synthetic 503 for a failure below HTTP.
func unavailable(req *http.Request, why string) *http.Response {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "serviceNotAvailable", "message": fmt.Sprintf("%s %s: %s", req.Method, req.URL.Path, why)}})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", "1")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}
