package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Encode writes a snapshot as indented JSON.
func Encode(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Encode and EncodeTo (stream.go) write the same bytes; EncodeTo streams.

// Decode reads a snapshot written by Encode. Unknown keys, a wrong type or
// a schema version this build does not know are errors that say where.
//
// The strings of the decoded snapshot are interned (Strings), as the
// collectors intern them: a UPN repeated in eight sections is held once
// (at 100,000 mailboxes, ~160 MB instead of ~260 MB for as long as the
// snapshot is worked on).
func Decode(data []byte) (*Snapshot, error) {
	version, err := schemaVersion(data)
	if err != nil {
		return nil, err
	}
	switch {
	case version == nil:
		return nil, errors.New("not a harden365 snapshot: no schemaVersion key")
	case *version > SchemaVersion:
		return nil, fmt.Errorf("snapshot schema version %d is newer than this harden365 understands (%d): upgrade harden365", *version, SchemaVersion)
	case *version < 1:
		return nil, fmt.Errorf("snapshot schema version %d is not valid", *version)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, describeJSONError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid snapshot: more than one JSON value")
	}
	NewStrings().Value(&s)
	return &s, nil
}

// schemaVersion reads the top-level schemaVersion of a snapshot, nil when
// it has none. It stops at that key: Encode writes it first, so a large
// snapshot is not parsed twice (the whole document is checked by the
// decoding that follows).
func schemaVersion(data []byte) (*int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) (*int, error) {
		// Say where, as the full parse would.
		var v any
		if perr := json.Unmarshal(data, &v); perr != nil {
			return nil, describeJSONError(data, perr)
		}
		return nil, describeJSONError(data, err)
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a harden365 snapshot: expected a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		if key == "schemaVersion" {
			var v *int
			if err := dec.Decode(&v); err != nil {
				return fail(err)
			}
			if v != nil {
				return v, nil
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fail(err)
		}
	}
	return nil, nil
}

func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := lineCol(data, se.Offset)
		return fmt.Errorf("line %d, column %d: invalid JSON: %v", l, c, err)
	case errors.As(err, &te):
		l, c := lineCol(data, te.Offset)
		return fmt.Errorf("line %d, column %d: %s: expected %s, found JSON %s", l, c, te.Field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		l, c := lineCol(data, int64(len(data)))
		return fmt.Errorf("line %d, column %d: invalid JSON: the file ends in the middle of a value (cut short?)", l, c)
	}
	return err
}

func lineCol(data []byte, off int64) (int, int) {
	line, col := 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
