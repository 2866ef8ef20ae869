package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"

	"github.com/harden365/harden365/tenant"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

func TestScenariosListsBuiltins(t *testing.T) {
	out, errOut, code := run(t, "scenarios")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, name := range []string{"contoso", "okta-classic", "whitepaper"} {
		if !strings.Contains(out, name) {
			t.Errorf("scenarios does not list %s:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "2019-06-01") {
		t.Errorf("whitepaper's date missing:\n%s", out)
	}
}

// collect writes a snapshot that reads back to the same value.
func TestCollectRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	_, errOut, code := run(t, "collect", "--scenario", "whitepaper", "--out", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := tenant.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Errors(); len(errs) > 0 {
		t.Fatalf("whitepaper collected with errors: %+v", errs)
	}
	if snap.Source != "scenario:whitepaper" || snap.AsOf.Format("2006-01-02") != "2019-06-01" {
		t.Errorf("source %q asOf %s", snap.Source, snap.AsOf)
	}
	if len(snap.Users) < 30 || len(snap.Exchange.CASMailboxes) < 30 || !snap.Okta.Configured {
		t.Errorf("whitepaper looks empty: %d users, %d mailboxes, okta %v", len(snap.Users), len(snap.Exchange.CASMailboxes), snap.Okta.Configured)
	}
	again, err := tenant.Encode(snap)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Error("re-encoding the read snapshot changed it")
	}
	snap2, err := tenant.Decode(again)
	if err != nil || !reflect.DeepEqual(snap, snap2) {
		t.Errorf("round trip differs (err %v)", err)
	}
	if !strings.Contains(errOut, "graph.users") || !strings.Contains(errOut, "Wrote") {
		t.Errorf("no progress on stderr:\n%s", errOut)
	}
}

func TestCollectNeedsATarget(t *testing.T) {
	_, errOut, code := run(t, "collect", "--out", filepath.Join(t.TempDir(), "x.json"))
	if code != 1 || !strings.Contains(errOut, "--scenario") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = run(t, "collect", "--scenario", "nope", "--out", "x.json")
	if code != 1 || !strings.Contains(errOut, "built-ins") {
		t.Errorf("unknown scenario: exit %d, stderr %q", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"name": "x", "asOf": "2026-01-01", "tenant": {"id": "t", "displayName": "d", "initialDomain": "i"}, "graph": {"users": {}}}`), 0o600)
	_, errOut, code = run(t, "collect", "--scenario", bad, "--out", "x.json")
	if code != 1 || !strings.Contains(errOut, "$.graph.users") || !strings.Contains(errOut, "expected an array") {
		t.Errorf("malformed scenario: exit %d, stderr %q", code, errOut)
	}
}

// sim serve prints its URL first; collect --sim reads from it; the
// simulator's stats count the requests.
func TestSimServeAndCollectFromIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"sim", "serve", "--scenario", "contoso"}, IO{In: strings.NewReader(""), Out: pw, ErrOut: io.Discard})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	var first struct{ URL string }
	if err := json.Unmarshal([]byte(line), &first); err != nil || !strings.HasPrefix(first.URL, "http://127.0.0.1:") {
		t.Fatalf("first line %q: %v", line, err)
	}

	out, errOut, code := run(t, "collect", "--sim", first.URL, "--out", "-", "--quiet")
	if code != 0 {
		t.Fatalf("collect --sim: exit %d: %s", code, errOut)
	}
	snap, err := tenant.Decode([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Tenant.DisplayName == "" || snap.AsOf.Format("2006-01-02") != "2026-11-01" || len(snap.Errors()) != 0 {
		t.Errorf("tenant %+v asOf %s errors %+v", snap.Tenant, snap.AsOf, snap.Errors())
	}

	resp, err := http.Get(first.URL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	var stats struct{ Requests map[string]int }
	json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	for _, svc := range []string{"graph", "exchange", "okta"} {
		if stats.Requests[svc] == 0 {
			t.Errorf("no %s requests counted: %v", svc, stats.Requests)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("sim serve exited %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Error("sim serve did not stop when interrupted")
	}
}

// --okta-factors none: the snapshot records okta.factors as skipped, the
// progress says why, and assess --format text lists it as not read (not
// as a failure); a wrong mode is refused.
func TestOktaFactorsFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	_, errOut, code := run(t, "collect", "--scenario", "contoso", "--okta-factors", "none", "--out", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "– okta.factors") || !strings.Contains(errOut, "not read (--okta-factors none): one request per Okta user (16 users") {
		t.Errorf("progress does not say the factors were not read:\n%s", errOut)
	}
	snap := readSnapshot(t, path)
	if st, _ := snap.Status("okta.factors"); st.State != tenant.StateSkipped || snap.FactorsRead() || len(snap.Errors()) != 0 {
		t.Errorf("okta.factors %+v, errors %+v", st, snap.Errors())
	}
	out, errOut, code := run(t, "assess", "--snapshot", path, "--format", "text")
	if code != 0 {
		t.Fatalf("assess: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "\nNot read\n  – okta.factors: not read (--okta-factors none)") || strings.Contains(out, "Could not collect") {
		t.Errorf("assess text:\n%s", out)
	}
	if _, errOut, code := run(t, "collect", "--scenario", "contoso", "--okta-factors", "some", "--out", path); code == 0 || !strings.Contains(errOut, "auto") {
		t.Errorf("--okta-factors some: exit %d: %s", code, errOut)
	}
}

// On a terminal an error is printed as written: fang's handler would
// title-case its first word ("--Okta-Factors:", "Contoso.Onmicrosoft.Com:").
func TestErrorPrintedAsWritten(t *testing.T) {
	var b bytes.Buffer
	var styles fang.Styles
	styles.ErrorText = lipgloss.NewStyle().Transform(strings.ToUpper) // as fang's title-casing
	errorHandler(&b, styles, errors.New("contoso.onmicrosoft.com: --okta-factors: Okta factors \"bogus\""))
	if out := b.String(); !strings.Contains(out, "contoso.onmicrosoft.com: --okta-factors:") {
		t.Errorf("the error was rewritten:\n%s", out)
	}
}

// The flags' help reads as prose: no command's help shows cobra's
// placeholder backticks ("Write a debug log to `FILE`").
func TestHelpHasNoBackticks(t *testing.T) {
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden {
			return
		}
		out, errOut, code := run(t, append(path, "--help")...)
		if code != 0 {
			t.Fatalf("%v --help: exit %d: %s", path, code, errOut)
		}
		if i := strings.IndexByte(out, '`'); i >= 0 {
			t.Errorf("harden365 %s --help shows a backtick: …%s…", strings.Join(path, " "), out[max(i-40, 0):min(i+40, len(out))])
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(NewRoot(IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}), nil)
}

// readSnapshot reads and decodes a snapshot file.
func readSnapshot(t *testing.T, path string) *tenant.Snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tenant.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
