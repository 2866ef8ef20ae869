// Package simtest starts the simulator for tests: on loopback, stopped
// when the test ends.
package simtest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/harden365/harden365/sim"
)

// Serve parses a scenario from data (name is used in errors), serves it
// for the test's lifetime, and returns the server with the scenario
// decoded by encoding/json: tests take their expectations from the file,
// never from the simulator's reading of it.
func Serve(t testing.TB, data []byte, name string, opts sim.Options) (*sim.Server, map[string]any) {
	t.Helper()
	sc, err := sim.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return start(t, sc, opts), doc
}

// ServeBuiltin serves a built-in scenario for the test's lifetime.
func ServeBuiltin(t testing.TB, name string, opts sim.Options) *sim.Server {
	t.Helper()
	sc, err := sim.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return start(t, sc, opts)
}

func start(t testing.TB, sc *sim.Scenario, opts sim.Options) *sim.Server {
	t.Helper()
	srv := sim.New(sc, opts)
	if _, err := srv.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// Runs before Close: idle keep-alive connections would otherwise hold
	// the server's graceful shutdown.
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	return srv
}
