package ui

import (
	"context"
	"time"

	"github.com/harden365/harden365/profile"
)

// SignInPrompt is what the admin needs to sign in on another device
// (device code sign-in): open URL, enter Code. Message is Entra's own
// sentence.
type SignInPrompt struct {
	URL, Code, Message string
}

// ConnectOptions let the connect screen list, create and open profiles.
// Every func does I/O: the screen calls them in tea.Cmds, never in Update.
type ConnectOptions struct {
	// List returns the saved profiles.
	List func() ([]profile.Profile, error)
	// Save saves a new profile and its secrets (to the OS keyring). A
	// *profile.KeyringUnavailableError means the profile was saved but a
	// secret is kept for this run only; the screen shows it as a warning.
	Save func(p profile.Profile, secrets map[profile.Kind]string) error
	// Open signs in with the profile (prompt receives device code
	// instructions, from another goroutine) and returns the backend of
	// its organisation, the organisation's label and the date judged.
	Open func(ctx context.Context, p profile.Profile, prompt func(SignInPrompt)) (b Backend, org string, asOf time.Time, err error)
	// Keyring says whether the OS keyring can hold secrets (nil), or why
	// not; nil func: not known.
	Keyring func() error
}

func newConnect(c *Common, o *ConnectOptions) Screen { return &placeholder{c: c, name: "connect"} }
