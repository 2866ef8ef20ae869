package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
)

// Screen is one page of the wizard. Only the root returns a tea.View;
// screens render their body, the root adds the header, the tabs and the
// help bar (soft-serve's component idea).
type Screen interface {
	// Init runs when the screen is first shown.
	Init() tea.Cmd
	Update(tea.Msg) (Screen, tea.Cmd)
	// View renders the body: at most the width and height of SetSize.
	View() string
	SetSize(width, height int)
	// ShortHelp and FullHelp are the screen's own keys (help.KeyMap); the
	// root adds the global ones.
	help.KeyMap
	// Capturing is true while the screen takes text (a filter, a form, a
	// typed confirmation): the root then passes every key but ctrl+c on.
	Capturing() bool
	// Busy names work that must not be abandoned silently ("applying 3 of
	// 40 writes"); "" when none. ctrl+c then goes to the screen, which asks.
	Busy() string
}

// Common is what every screen shares, by pointer: the size of the body,
// the styles, the engagement being worked on and the backend.
type Common struct {
	Width, Height int
	Styles        Styles
	Eng           *Engagement
	Backend       Backend
	// ReadOnly: no write can be made (--read-only); the apply screen says
	// so and binds no key that writes.
	ReadOnly bool
	// Mode is "demo" or the profile's name; Org what is collected.
	Mode, Org string
}

// Backend is everything the wizard does outside itself, injected by the
// CLI (tests bind it to the simulator, or to anything).
type Backend struct {
	// Discover collects the organisation.
	Discover Discoverer
	// Now is the organisation's clock (the simulator's in a demo): plans
	// are stamped with it.
	Now func() time.Time
	// Apply collects the organisation again, plans the request on what it
	// finds, refuses when that plan differs from the previewed one, then
	// makes the writes (journalled), collects again and verifies. Events
	// arrive as they happen; nil when applying is not possible.
	Apply func(ctx context.Context, req ApplyRequest, progress func(ApplyEvent)) ApplyOutcome
	// Rollback undoes what a journal recorded, newest first.
	Rollback func(ctx context.Context, journal string, progress func(ApplyEvent)) RollbackOutcome
	// SaveReport writes the markdown handover report and returns its path.
	SaveReport func(markdown string) (string, error)
	// SaveSession writes the session and returns its path.
	SaveSession func(s *report.Session) (string, error)
	// Version is harden365's version, for reports and sessions.
	Version string
}

// ApplyRequest is what the operator confirmed.
type ApplyRequest struct {
	Steps   []string
	Choices remediate.Choices
	// Previewed is the plan the operator saw; Apply refuses to write when
	// the organisation has changed so that the plan would differ.
	Previewed *remediate.Plan
	// AllowLockoutRisk: the operator accepted the lockout guard's risks.
	AllowLockoutRisk bool
}

// Phases of an ApplyEvent.
const (
	ApplyCollecting = "collecting" // collecting before the writes
	ApplyWriting    = "writing"    // a write's progress (Progress set)
	ApplyVerifying  = "verifying"  // collecting again to verify
)

// ApplyEvent is one step of an apply or a rollback.
type ApplyEvent struct {
	Phase    string
	Progress *remediate.Progress
	// Journal is set once the journal file exists.
	Journal string
	Message string
}

// ApplyOutcome is how an apply ended.
type ApplyOutcome struct {
	// Journal is the journal file ("" when nothing was written).
	Journal string
	// Plan is the plan as applied (made on the organisation as collected
	// just before).
	Plan   *remediate.Plan
	Done   int
	Total  int
	Before *tenant.Snapshot
	After  *tenant.Snapshot
	// Differences are where the organisation collected again differs from
	// the plan's simulation.
	Differences []remediate.Difference
	// Session is the saved session beside the journal ("" when none).
	Session string
	// Refused lists why nothing was written (lockout risks, preconditions,
	// a changed organisation); empty when the apply went ahead.
	Refused []string
	Err     error
	// Verification is what collecting again after the apply found, when
	// After is not at hand (a resumed session keeps only this).
	Verification *report.Verification
}

// RollbackOutcome is how a rollback ended.
type RollbackOutcome struct {
	Undone       int
	Irreversible []string
	Err          error
}
