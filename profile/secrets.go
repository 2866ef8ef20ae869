package profile

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name of harden365's keyring entries; the
// user is "<profile>/<kind>" (contoso/client-secret).
const KeyringService = "harden365"

// Source is where a secret was found.
type Source string

// Where secrets come from.
const (
	FromKeyring Source = "keyring"
	FromEnv     Source = "env"
	// FromMemory: given during this run (the keyring being unavailable);
	// gone when harden365 exits.
	FromMemory Source = "memory"
	// FromNone: not found anywhere.
	FromNone Source = "none"
)

// Keyring is the part of go-keyring that Secrets uses (tests use
// keyring.MockInit, which replaces go-keyring's provider).
type Keyring interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

type osKeyring struct{}

func (osKeyring) Set(s, u, p string) error            { return keyring.Set(s, u, p) }
func (osKeyring) Get(s, u string) (string, error)     { return keyring.Get(s, u) }
func (osKeyring) Delete(s, u string) error            { return keyring.Delete(s, u) }
func user(profile string, k Kind) string              { return profile + "/" + string(k) }
func isNotFound(err error) bool                       { return errors.Is(err, keyring.ErrNotFound) }
func keyringError(err error) *KeyringUnavailableError { return &KeyringUnavailableError{Err: err} }

// Secrets reads and writes profiles' secrets: in the OS keyring (macOS
// Keychain, Windows Credential Manager, the Secret Service on Linux), and
// never in a file or a log. Where the keyring is unavailable (a headless
// server without a Secret Service), secrets are read from environment
// variables (Kind.Env); a secret given during the run is then kept in
// memory only, for this run.
type Secrets struct {
	ring   Keyring
	getenv func(string) string

	mu     sync.Mutex
	memory map[string]string
}

// NewSecrets uses the OS keyring and the process environment.
func NewSecrets() *Secrets { return &Secrets{ring: osKeyring{}, getenv: os.Getenv} }

// NewSecretsWith uses the keyring and environment given (tests).
func NewSecretsWith(ring Keyring, getenv func(string) string) *Secrets {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return &Secrets{ring: ring, getenv: getenv}
}

// KeyringUnavailableError says the OS keyring could not be used, and what
// to do instead.
type KeyringUnavailableError struct {
	Err error
	// Kind, when set, is the secret that could not be stored.
	Kind Kind
}

func (e *KeyringUnavailableError) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("the OS keyring is unavailable (%v): the %s is not saved (harden365 never writes secrets to a file); set %s when you run harden365 with this profile",
			e.Err, e.Kind.Describe(), e.Kind.Env())
	}
	return fmt.Sprintf("the OS keyring is unavailable (%v): harden365 reads secrets from %s, %s and %s instead",
		e.Err, ClientSecret.Env(), CertificatePassword.Env(), OktaToken.Env())
}

func (e *KeyringUnavailableError) Unwrap() error { return e.Err }

// Available says whether the keyring can be used (nil), or why not.
func (s *Secrets) Available() error {
	_, err := s.ring.Get(KeyringService, "harden365/availability-check")
	if err == nil || isNotFound(err) {
		return nil
	}
	return keyringError(err)
}

// Set stores a secret of a profile in the keyring. Without a keyring it
// keeps the secret in memory for this run and returns a
// *KeyringUnavailableError naming the variable to set next time.
func (s *Secrets) Set(profile string, k Kind, value string) error {
	if value == "" {
		return s.Delete(profile, k)
	}
	err := s.ring.Set(KeyringService, user(profile, k), value)
	if err == nil {
		s.forget(profile, k)
		return nil
	}
	s.mu.Lock()
	if s.memory == nil {
		s.memory = map[string]string{}
	}
	s.memory[user(profile, k)] = value
	s.mu.Unlock()
	e := keyringError(err)
	e.Kind = k
	return e
}

// Get returns a profile's secret and where it came from: the keyring
// first, then this run's memory, then the environment variable. A missing
// secret is an error that says where it was looked for and what to do.
func (s *Secrets) Get(profile string, k Kind) (string, Source, error) {
	v, err := s.ring.Get(KeyringService, user(profile, k))
	if err == nil && v != "" {
		return v, FromKeyring, nil
	}
	s.mu.Lock()
	mv, ok := s.memory[user(profile, k)]
	s.mu.Unlock()
	if ok {
		return mv, FromMemory, nil
	}
	if ev := s.getenv(k.Env()); ev != "" {
		return ev, FromEnv, nil
	}
	if err == nil || isNotFound(err) {
		return "", FromNone, fmt.Errorf("profile %s has no %s: not in the OS keyring, and %s is not set; add it with `harden365 profile add %s ...` again (it asks for it), or set %s",
			profile, k.Describe(), k.Env(), profile, k.Env())
	}
	return "", FromNone, fmt.Errorf("profile %s: the OS keyring is unavailable (%v) and %s is not set: set %s to the %s",
		profile, err, k.Env(), k.Env(), k.Describe())
}

// Where says where a profile's secret would come from, without returning
// it (profile list).
func (s *Secrets) Where(profile string, k Kind) Source {
	_, src, _ := s.Get(profile, k)
	return src
}

// Delete removes a secret from the keyring (and this run's memory); a
// secret that was not there is not an error.
func (s *Secrets) Delete(profile string, k Kind) error {
	s.forget(profile, k)
	err := s.ring.Delete(KeyringService, user(profile, k))
	if err == nil || isNotFound(err) {
		return nil
	}
	return keyringError(err)
}

// DeleteAll removes every secret of a profile.
func (s *Secrets) DeleteAll(profile string) error {
	var errs []error
	for _, k := range Kinds {
		if err := s.Delete(profile, k); err != nil {
			errs = append(errs, err)
			break // the keyring is unavailable: once is enough
		}
	}
	return errors.Join(errs...)
}

func (s *Secrets) forget(profile string, k Kind) {
	s.mu.Lock()
	delete(s.memory, user(profile, k))
	s.mu.Unlock()
}
