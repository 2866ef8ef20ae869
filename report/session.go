package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// A session is one engagement saved to a file: the organisation as
// collected, the operator's choices, the plan chosen and, once applied,
// where its journal is. `harden365 report --session FILE` turns it into
// the handover report, judging the snapshot again with the running
// version's checks. It holds no secret: no token, key or password is
// part of a snapshot, of the choices or of a journal reference.

// SessionFormat names the file format.
const SessionFormat = "harden365-session"

// SessionSchemaVersion is the session format's version. Keys added later
// within a version are optional, so a file written by an older harden365
// of the same version reads; a newer version is refused with a message
// that says so.
//
// Version 1, keys in the order they were added: format, schemaVersion,
// tool, created, snapshot, choices, plan; then operator, findings,
// journal and verification.
const SessionSchemaVersion = 1

// Session is a saved engagement.
type Session struct {
	Format        string `json:"format"`
	SchemaVersion int    `json:"schemaVersion"`
	// Tool is the harden365 that wrote the session.
	Tool Tool `json:"tool"`
	// Created is when the session was saved: the report's date.
	Created time.Time `json:"created"`
	// Operator is who ran harden365 (a UPN or a name); empty in files
	// from before the key existed, where Choices.Operator stands in.
	Operator string `json:"operator,omitempty"`
	// Snapshot is the organisation as collected (before any change).
	Snapshot *tenant.Snapshot `json:"snapshot"`
	// Choices are the operator's choices (CONTRACT.md).
	Choices remediate.Choices `json:"choices"`
	// Findings are the findings as judged when the session was saved;
	// the report judges the snapshot again and says where they differ.
	Findings []assess.Finding `json:"findings,omitempty"`
	// Plan are the step IDs chosen (none: an assessment only).
	Plan []string `json:"plan,omitempty"`
	// Journal is the apply journal's file, relative to the session
	// file's folder or absolute ("" when nothing was applied).
	Journal string `json:"journal,omitempty"`
	// Verification is what collecting again after the apply found.
	Verification *Verification `json:"verification,omitempty"`
}

// NewSession makes a session of the current format. The operator is
// the choices' when not given.
func NewSession(tool Tool, created time.Time, operator string, snap *tenant.Snapshot, choices remediate.Choices, findings []assess.Finding, steps []string) *Session {
	if operator == "" {
		operator = choices.Operator
	}
	return &Session{Format: SessionFormat, SchemaVersion: SessionSchemaVersion, Tool: tool, Created: created.UTC(), Operator: operator,
		Snapshot: snap, Choices: choices, Findings: findings, Plan: append([]string(nil), steps...)}
}

// EncodeSession writes a session as indented JSON (same session, same
// bytes).
func EncodeSession(s *Session) ([]byte, error) {
	if s == nil || s.Snapshot == nil {
		return nil, errors.New("a session needs a snapshot")
	}
	out := *s
	out.Format, out.SchemaVersion = SessionFormat, SessionSchemaVersion
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sessionKeys are the keys a session of this version may hold.
var sessionKeys = []string{"format", "schemaVersion", "tool", "created", "operator", "snapshot", "choices", "findings", "plan", "journal", "verification"}

// DecodeSession reads a session. It refuses, with a message that says
// what to do: a file that is not a session (a snapshot gets a hint), a
// schema version newer than this build reads, an unknown key (named), a
// value of the wrong type (with its line and column), and a snapshot or
// choices that do not read. Keys added after a file was written take
// their defaults.
func DecodeSession(data []byte) (*Session, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(data, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a harden365 session: the file is not a JSON object")
	}
	raw := map[string]json.RawMessage{}
	start := map[string]int64{}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(data, err)
		}
		key, _ := tok.(string)
		at := dec.InputOffset()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, jsonError(data, err)
		}
		if _, dup := raw[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		raw[key], start[key] = v, valueStart(data, at)
		order = append(order, key)
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid session: more than one JSON value in the file")
	}

	var format string
	if r, ok := raw["format"]; ok {
		if err := json.Unmarshal(r, &format); err != nil {
			return nil, fmt.Errorf("format: expected a string, found %s", describeRaw(r))
		}
	}
	if format != SessionFormat {
		if _, snap := raw["tenant"]; snap {
			if _, ok := raw["collection"]; ok {
				return nil, errors.New("this is a snapshot (written by harden365 collect), not a session: use harden365 assess --snapshot FILE --format md for its report")
			}
		}
		if format == "" {
			return nil, fmt.Errorf("not a harden365 session: no \"format\": %q key", SessionFormat)
		}
		return nil, fmt.Errorf("not a harden365 session: format is %q, expected %q", format, SessionFormat)
	}
	var version int
	r, ok := raw["schemaVersion"]
	if !ok {
		return nil, errors.New("invalid session: no schemaVersion key")
	}
	if err := json.Unmarshal(r, &version); err != nil {
		return nil, fmt.Errorf("schemaVersion: expected a whole number, found %s", describeRaw(r))
	}
	if version > SessionSchemaVersion {
		by := ""
		var t Tool
		if json.Unmarshal(raw["tool"], &t) == nil && t.Version != "" {
			by = fmt.Sprintf(" (it was written by %s %s)", orDefault(t.Name, "harden365"), t.Version)
		}
		return nil, fmt.Errorf("session schema version %d is newer than this harden365 reads (%d)%s: upgrade harden365 to report on it", version, SessionSchemaVersion, by)
	}
	if version < 1 {
		return nil, fmt.Errorf("session schema version %d is not valid (versions start at 1)", version)
	}
	for _, k := range order {
		if !contains(sessionKeys, k) {
			return nil, fmt.Errorf("line %d: unknown key %q (a session of version %d has %s; a newer harden365 may have written it)",
				lineOf(data, start[k]), k, SessionSchemaVersion, strings.Join(sessionKeys, ", "))
		}
	}

	s := &Session{Format: format, SchemaVersion: version}
	strict := func(key string, v any) error {
		r, ok := raw[key]
		if !ok || string(bytes.TrimSpace(r)) == "null" {
			return nil
		}
		d := json.NewDecoder(bytes.NewReader(padded(data, start[key], r)))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			return located(key, lineOf(data, start[key]), jsonError(padded(data, start[key], r), err))
		}
		return nil
	}
	for _, f := range []struct {
		key string
		v   any
	}{{"tool", &s.Tool}, {"created", &s.Created}, {"operator", &s.Operator}, {"findings", &s.Findings}, {"plan", &s.Plan}, {"journal", &s.Journal}, {"verification", &s.Verification}} {
		if err := strict(f.key, f.v); err != nil {
			return nil, err
		}
	}
	if _, ok := raw["created"]; !ok {
		return nil, errors.New("invalid session: no created key (when the session was saved)")
	}
	snap, ok := raw["snapshot"]
	if !ok || string(bytes.TrimSpace(snap)) == "null" {
		return nil, errors.New("invalid session: no snapshot (the organisation as collected)")
	}
	if s.Snapshot, err = tenant.Decode(padded(data, start["snapshot"], snap)); err != nil {
		return nil, located("snapshot", lineOf(data, start["snapshot"]), jsonError(nil, err))
	}
	if r, ok := raw["choices"]; ok && string(bytes.TrimSpace(r)) != "null" {
		if s.Choices, err = remediate.ParseChoices(r); err != nil {
			return nil, fmt.Errorf("choices (line %d): %w", lineOf(data, start["choices"]), err)
		}
	} else {
		s.Choices = remediate.DefaultChoices()
	}
	if len(s.Plan) > 0 {
		if _, err := remediate.ParseSteps(s.Plan); err != nil {
			return nil, fmt.Errorf("plan (line %d): %w", lineOf(data, start["plan"]), err)
		}
	}
	return s, nil
}

// valueStart is the offset of the value that follows a key ending at at
// (past the colon and white space).
func valueStart(data []byte, at int64) int64 {
	i := at
	for i < int64(len(data)) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ':') {
		i++
	}
	return i
}

// padded is the value r preceded by white space in place of everything
// before it in the file, so that decoders' offsets, lines and columns
// are the file's.
func padded(data []byte, at int64, r json.RawMessage) []byte {
	if at < 0 || at > int64(len(data)) {
		return r
	}
	out := make([]byte, 0, int(at)+len(r))
	for _, c := range data[:at] {
		if c == '\n' {
			out = append(out, '\n')
		} else {
			out = append(out, ' ')
		}
	}
	return append(out, r...)
}

func lineOf(data []byte, off int64) int {
	line := 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
		}
	}
	return line
}

func colOf(data []byte, off int64) int {
	col := 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			col = 1
		} else {
			col++
		}
	}
	return col
}

// located prefixes an error with the key it is about, and with the line
// the key's value starts on when the error does not say where it is.
func located(key string, line int, err error) error {
	if strings.HasPrefix(err.Error(), "line ") {
		return fmt.Errorf("%s: %w", key, err)
	}
	return fmt.Errorf("%s (from line %d): %w", key, line, err)
}

// jsonError says where a decoding error is, in the file's lines, and in
// words where the decoder's are obscure.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("line %d, column %d: invalid JSON: %v", lineOf(data, se.Offset), colOf(data, se.Offset), err)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Errorf("line %d, column %d: %s: expected %s, found JSON %s", lineOf(data, te.Offset), colOf(data, te.Offset), field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: the file ends too early")
	}
	msg := err.Error()
	if i := strings.Index(msg, "json: unknown field "); i >= 0 {
		return fmt.Errorf("%sunknown key %s", msg[:i], msg[i+len("json: unknown field "):])
	}
	if strings.Contains(msg, "Time.UnmarshalJSON") || strings.Contains(msg, "parsing time") {
		return fmt.Errorf("expected a date and time such as \"2026-11-01T10:05:00Z\" (%v)", err)
	}
	return err
}

func describeRaw(r json.RawMessage) string {
	t := bytes.TrimSpace(r)
	if len(t) > 40 {
		t = append(t[:37:37], "..."...)
	}
	return string(t)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
