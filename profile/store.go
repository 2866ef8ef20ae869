package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ConfigDirEnv overrides where profiles are kept (tests, portable
// set-ups): the directory that holds profiles.json.
const ConfigDirEnv = "H365_CONFIG_DIR"

// FileName is the profiles file inside the config directory.
const FileName = "profiles.json"

// fileVersion is the profiles file's format.
const fileVersion = 1

// file is the profiles file: no secret ever goes in it (Profile has no
// field for one).
type file struct {
	Version  int       `json:"version"`
	Profiles []Profile `json:"profiles"`
}

// Store keeps profiles in one JSON file (0600, replaced atomically).
type Store struct {
	path string
}

// Option configures a Store.
type Option func(*Store)

// InDir keeps the profiles in dir instead of the user's config directory.
func InDir(dir string) Option {
	return func(s *Store) { s.path = filepath.Join(dir, FileName) }
}

// Open returns the store: in $H365_CONFIG_DIR when set, else in the
// user's config directory (os.UserConfigDir()/harden365), unless an
// option says otherwise. The file is created on the first Save.
func Open(opts ...Option) (*Store, error) {
	s := &Store{}
	if dir := os.Getenv(ConfigDirEnv); dir != "" {
		s.path = filepath.Join(dir, FileName)
	}
	for _, o := range opts {
		o(s)
	}
	if s.path == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("profiles: no config directory for this user (%v); set %s to a directory", err, ConfigDirEnv)
		}
		s.path = filepath.Join(dir, "harden365", FileName)
	}
	return s, nil
}

// Path is the profiles file.
func (s *Store) Path() string { return s.path }

// List returns every profile, by name. No file yet: none.
func (s *Store) List() ([]Profile, error) {
	f, err := s.read()
	if err != nil {
		return nil, err
	}
	return f.Profiles, nil
}

// Get returns the profile called name; an unknown name's error lists the
// known ones.
func (s *Store) Get(name string) (Profile, error) {
	f, err := s.read()
	if err != nil {
		return Profile{}, err
	}
	for _, p := range f.Profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, s.unknown(name, f.Profiles)
}

// NotFoundError is Get's or Remove's error for an unknown name.
type NotFoundError struct {
	Name  string
	Known []string
	Path  string
}

func (e *NotFoundError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no profile %q: none saved yet in %s; add one with `harden365 profile add %s --tenant ... --sign-in ...`", e.Name, e.Path, e.Name)
	}
	return fmt.Sprintf("no profile %q; known profiles: %s (see `harden365 profile list`)", e.Name, strings.Join(e.Known, ", "))
}

func (s *Store) unknown(name string, ps []Profile) error {
	e := &NotFoundError{Name: name, Path: s.path}
	for _, p := range ps {
		e.Known = append(e.Known, p.Name)
	}
	return e
}

// Save adds the profile, or replaces the one of the same name. It is
// normalised and validated first.
func (s *Store) Save(p Profile) error {
	p = p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	f, err := s.read()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(f.Profiles, func(q Profile) bool { return q.Name == p.Name })
	if i >= 0 {
		f.Profiles[i] = p
	} else {
		f.Profiles = append(f.Profiles, p)
	}
	return s.write(f)
}

// Remove deletes the profile called name (its secrets are the caller's:
// see Secrets.DeleteAll).
func (s *Store) Remove(name string) error {
	f, err := s.read()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(f.Profiles, func(q Profile) bool { return q.Name == name })
	if i < 0 {
		return s.unknown(name, f.Profiles)
	}
	f.Profiles = slices.Delete(f.Profiles, i, i+1)
	return s.write(f)
}

func (s *Store) read() (file, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return file{Version: fileVersion}, nil
	}
	if err != nil {
		return file{}, fmt.Errorf("profiles: %w", err)
	}
	f, err := decode(data)
	if err != nil {
		return file{}, fmt.Errorf("%s:%w", s.path, err)
	}
	slices.SortFunc(f.Profiles, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return f, nil
}

// decode reads the profiles file strictly: unknown keys (a typo, or a
// secret pasted in by hand) are errors that name the key; syntax errors
// say line:col. The error starts with ":line:col: " or " " so that the
// caller can put the file's path in front.
func decode(data []byte) (file, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&f)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			line, col := position(data, int(dec.InputOffset()))
			return file{}, fmt.Errorf("%d:%d: unexpected data after the profiles object", line, col)
		}
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &se):
		line, col := position(data, int(se.Offset))
		return file{}, fmt.Errorf("%d:%d: %s", line, col, se.Error())
	case errors.As(err, &te):
		line, col := position(data, int(te.Offset))
		return file{}, fmt.Errorf("%d:%d: key %q: expected %s, found a JSON %s", line, col, te.Field, te.Type, te.Value)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return file{}, fmt.Errorf(" the file is empty or cut short: expected {\"version\": 1, \"profiles\": [...]}")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		key := strings.TrimPrefix(err.Error(), "json: unknown field ")
		line, col := position(data, int(dec.InputOffset()))
		return file{}, fmt.Errorf("%d:%d: unknown key %s (profiles hold no secrets; secrets go to the OS keyring)", line, col, key)
	default:
		return file{}, fmt.Errorf(" %v", err)
	}
	if f.Version != fileVersion {
		return file{}, fmt.Errorf(" version %d: this harden365 reads version %d", f.Version, fileVersion)
	}
	seen := map[string]bool{}
	for i, p := range f.Profiles {
		if err := p.Validate(); err != nil {
			return file{}, fmt.Errorf(" profiles[%d] (%q): %v", i, p.Name, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		if seen[p.Name] {
			return file{}, fmt.Errorf(" profiles[%d]: the name %q is used twice", i, p.Name)
		}
		seen[p.Name] = true
	}
	return f, nil
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// write replaces the file atomically: a temporary file in the same
// directory, 0600, synced, then renamed over the old one.
func (s *Store) write(f file) error {
	f.Version = fileVersion
	if f.Profiles == nil {
		f.Profiles = []Profile{}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".profiles-*.json")
	if err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("profiles: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("profiles: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("profiles: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	return nil
}
