package tenant

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
)

// EncodeTo writes s to w exactly as Encode would (indented JSON, HTML not
// escaped, a final newline) without building it in memory: long slices
// are written an element at a time, so writing the snapshot of 100,000
// mailboxes needs a few kilobytes beyond the snapshot itself, not two
// copies of its text (json.Encoder marshals the whole value, then indents
// it into a second buffer).
//
// It walks the value as encoding/json does: exported fields in order,
// named by their json tag, with omitempty and omitzero; a value whose
// type has its own MarshalJSON, and any struct it cannot walk (embedded
// fields, a ",string" option), is marshalled whole by encoding/json.
func EncodeTo(w io.Writer, s *Snapshot) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	st := &streamer{w: bw}
	st.value(reflect.ValueOf(s), "")
	if st.err == nil {
		_, st.err = bw.WriteString("\n")
	}
	if st.err == nil {
		st.err = bw.Flush()
	}
	return st.err
}

// streamAt is the length from which a slice is written element by
// element (shorter ones are marshalled whole).
const streamAt = 64

type streamer struct {
	w   *bufio.Writer
	err error
	buf bytes.Buffer // one leaf's compact JSON
	ind bytes.Buffer // the same, indented
}

func (st *streamer) write(s string) {
	if st.err == nil {
		_, st.err = st.w.WriteString(s)
	}
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// value writes v at indentation prefix (the prefix of the line it starts
// on; nested lines get prefix plus two spaces).
func (st *streamer) value(v reflect.Value, prefix string) {
	if st.err != nil {
		return
	}
	t := v.Type()
	switch {
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
	case v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct:
		st.value(v.Elem(), prefix)
		return
	case v.Kind() == reflect.Struct && walkable(t):
		st.object(v, prefix)
		return
	case v.Kind() == reflect.Slice && !v.IsNil() && v.Len() >= streamAt && t.Elem().Kind() != reflect.Uint8:
		inner := prefix + "  "
		st.write("[\n")
		for i := 0; i < v.Len(); i++ {
			st.write(inner)
			st.value(v.Index(i), inner)
			if i < v.Len()-1 {
				st.write(",\n")
			} else {
				st.write("\n")
			}
		}
		st.write(prefix + "]")
		return
	}
	st.leaf(v, prefix)
}

// leaf marshals v whole, as json.Encoder with SetEscapeHTML(false) and
// SetIndent(prefix, "  ") would.
func (st *streamer) leaf(v reflect.Value, prefix string) {
	st.buf.Reset()
	enc := json.NewEncoder(&st.buf)
	enc.SetEscapeHTML(false)
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface() // as encoding/json, which calls pointer methods of addressable values
	}
	if err := enc.Encode(x); err != nil {
		st.err = err
		return
	}
	compact := bytes.TrimSuffix(st.buf.Bytes(), []byte("\n"))
	st.ind.Reset()
	if err := json.Indent(&st.ind, compact, prefix, "  "); err != nil {
		st.err = err
		return
	}
	if st.err == nil {
		_, st.err = st.w.Write(st.ind.Bytes())
	}
}

func (st *streamer) object(v reflect.Value, prefix string) {
	inner := prefix + "  "
	n := 0
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.omitEmpty && isEmpty(fv) || f.omitZero && isZero(fv) {
			continue
		}
		if n == 0 {
			st.write("{\n")
		} else {
			st.write(",\n")
		}
		n++
		st.write(inner + f.key + ": ")
		st.value(fv, inner)
	}
	if n == 0 {
		st.write("{}")
		return
	}
	st.write("\n" + prefix + "}")
}

type streamField struct {
	index               int
	key                 string // the quoted name
	omitEmpty, omitZero bool
}

// walkable reports whether the streamer can write struct type t field by
// field with encoding/json's result.
func walkable(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			return false
		}
		_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		for _, o := range strings.Split(opts, ",") {
			if o != "" && o != "omitempty" && o != "omitzero" {
				return false
			}
		}
	}
	return true
}

func fieldsOf(t reflect.Type) []streamField {
	var out []streamField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || !validKey(name) {
			name = f.Name
		}
		key, _ := json.Marshal(name)
		sf := streamField{index: i, key: string(key)}
		for _, o := range strings.Split(opts, ",") {
			sf.omitEmpty = sf.omitEmpty || o == "omitempty"
			sf.omitZero = sf.omitZero || o == "omitzero"
		}
		out = append(out, sf)
	}
	return out
}

// validKey is encoding/json's test of a tag name.
func validKey(s string) bool {
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c > 127:
		default:
			return false
		}
	}
	return s != ""
}

// isEmpty is omitempty's test.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// isZero is omitzero's test, as encoding/json makes it: the type's IsZero
// method when it has one (nil counting as zero), else the zero value.
func isZero(v reflect.Value) bool {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) || v.Interface().(isZeroer).IsZero()
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return v.IsNil() || v.Interface().(isZeroer).IsZero()
	case t.Implements(isZeroerType):
		return v.Interface().(isZeroer).IsZero()
	case reflect.PointerTo(t).Implements(isZeroerType):
		if !v.CanAddr() {
			box := reflect.New(t).Elem()
			box.Set(v)
			v = box
		}
		return v.Addr().Interface().(isZeroer).IsZero()
	}
	return v.IsZero()
}
