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
func Decode(data []byte) (*Snapshot, error) {
	var probe struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, describeJSONError(data, err)
	}
	switch {
	case probe.SchemaVersion == nil:
		return nil, errors.New("not a harden365 snapshot: no schemaVersion key")
	case *probe.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("snapshot schema version %d is newer than this harden365 understands (%d): upgrade harden365", *probe.SchemaVersion, SchemaVersion)
	case *probe.SchemaVersion < 1:
		return nil, fmt.Errorf("snapshot schema version %d is not valid", *probe.SchemaVersion)
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
	return &s, nil
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
