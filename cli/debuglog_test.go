package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// Secrets the tests below hand to harden365 or let a service echo.
const (
	testClientSecret = "cs~Q8s7-TestClientSecretValue.42"
	testOktaToken    = "00TestOktaApiTokenValue0123456789abcdef"
	testJWT          = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZWJ1ZyIsImF1ZCI6Imh0dHBzOi8vb3V0bG9vayJ9.c2lnbmF0dXJl"
)

func TestRedactAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newDebugHandler(&buf))
	log.Debug("sending with Authorization: SSWS "+testOktaToken, "url", "https://contoso.okta.com/api/v1/users")
	log.Debug("headers", "Authorization", "Bearer abc", "X-Api-Key", "k3y", "access_token", "tok", "clientSecret", testClientSecret, "cookie", "sid=1")
	log.Debug("token response", "body", `{"token_type":"Bearer","access_token":"`+testJWT+`","refresh_token":"0.AAAArefresh","expires_in":3599}`)
	log.Debug("form", "body", "grant_type=client_credentials&client_id=x&client_secret="+testClientSecret+"&scope=y")
	log.Debug("write", "error", errors.New("401 Unauthorized: token Bearer "+testJWT+" rejected"), "args", []string{"apply", "assertion=" + testJWT})
	log.Debug("nested", slog.Group("creds", "password", "pw1"), slog.Group("token", "value", "tv"), "kind", "client-secret", "signIn", "secret", "from", "keyring")
	log.Debug("typed", "struct", struct{ ClientSecret, Name string }{testClientSecret, "n"}, "token", true)
	out := buf.String()
	for _, leak := range []string{testOktaToken, testClientSecret, "eyJ", "abc", "k3y", "=tok", "0.AAAArefresh", "sid=1", "pw1", "tv"} {
		if strings.Contains(out, leak) {
			t.Errorf("the debug log holds %q:\n%s", leak, out)
		}
	}
	// What is not a secret stays, so the log is still useful.
	for _, keep := range []string{"url=https://contoso.okta.com/api/v1/users", "kind=client-secret", "signIn=secret", "from=keyring", "token=true",
		"token_type", "expires_in", "grant_type=client_credentials", "Authorization: [redacted]"} {
		if !strings.Contains(out, keep) {
			t.Errorf("the debug log lost %q:\n%s", keep, out)
		}
	}
}

// credentialLeak finds a credential in data: the values in secrets, a
// JWT, or an Authorization scheme followed by anything but "[redacted]".
var schemeValue = regexp.MustCompile(`(?i)\b(bearer|ssws)\s+[^\s\[]`)

func credentialLeak(data []byte, secrets []string) string {
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			return s
		}
	}
	if bytes.Contains(data, []byte("eyJ")) {
		return "eyJ (a JWT)"
	}
	if m := schemeValue.Find(data); m != nil {
		return string(m)
	}
	return ""
}

// assertNoCredentialIn reads every file under the folders and fails on
// the first credential in any of them.
func assertNoCredentialIn(t *testing.T, secrets []string, dirs ...string) (files int) {
	t.Helper()
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files++
			if leak := credentialLeak(data, secrets); leak != "" {
				t.Errorf("%s holds a credential (%s)", path, leak)
			}
			return nil
		})
	}
	return files
}

// echoCredentials is a service that, for one write and every call of
// one read cmdlet, answers an error whose text echoes the request's
// Authorization header, a JWT and a client secret: the worst a service
// could do to harden365's files.
func echoCredentials(h http.Handler, read, cmdlet, identity string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		exo := strings.Contains(r.URL.Path, "/adminapi/")
		if exo && bytes.Contains(body, []byte(`"`+read+`"`)) ||
			exo && bytes.Contains(body, []byte(`"`+cmdlet+`"`)) && bytes.Contains(body, []byte(`"`+identity+`"`)) {
			msg := fmt.Sprintf("Request rejected. It carried Authorization: %s (id_token %s; client_secret=%s; Okta SSWS %s)",
				r.Header.Get("Authorization"), testJWT, testClientSecret, testOktaToken)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// A whole engagement with --debug against the simulator (collect,
// assess, apply B-F verified, report, rollback; then an apply whose
// failed write comes back with the credentials echoed, and its
// rollback) leaves no credential in any file it wrote: the debug log,
// journals, sessions, report, snapshot.
func TestDebugLogHoldsNoCredentialSim(t *testing.T) {
	dir := t.TempDir()
	debug := filepath.Join(dir, "debug.log")
	srv := simtest.ServeBuiltin(t, "whitepaper", sim.Options{})
	choices := filepath.Join(dir, "choices.json")
	if err := os.WriteFile(choices, []byte(whitepaperChoices), 0o600); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, "apply.jsonl")
	for _, args := range [][]string{
		{"collect", "--sim", srv.URL(), "--out", filepath.Join(dir, "snapshot.json")},
		{"assess", "--sim", srv.URL(), "--plan", "B,C,D,E,F", "--choices", choices, "--format", "md", "--out", filepath.Join(dir, "assess.md")},
		{"apply", "--sim", srv.URL(), "--plan", "B,C,D,E,F", "--choices", choices, "--yes", "--journal", journal},
		{"report", "--session", filepath.Join(dir, "apply.session.json"), "--out", filepath.Join(dir, "report.md")},
		{"rollback", "--sim", srv.URL(), "--journal", journal, "--yes", "--rollback-journal", filepath.Join(dir, "rollback.jsonl")},
	} {
		if out, errOut, code := run(t, append(args, "--debug", debug)...); code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", args[0], code, out, errOut)
		}
	}

	// The service echoes the credentials in its answers to
	// Get-MobileDevice (the collection) and to C-3.
	srv2 := simtest.ServeBuiltin(t, "whitepaper", sim.Options{})
	front := httptest.NewServer(echoCredentials(srv2.Handler(), "Get-MobileDevice", "Set-CASMailbox", "pieter.devries"))
	t.Cleanup(front.Close)
	if _, errOut, code := run(t, "collect", "--sim", front.URL, "--out", filepath.Join(dir, "echo-snapshot.json"), "--debug", debug); code != 0 {
		t.Fatalf("collect with the echoed credentials: exit %d: %s", code, errOut)
	}
	journal2 := filepath.Join(dir, "echo.jsonl")
	_, errOut, code := run(t, "apply", "--sim", front.URL, "--plan", "B,C", "--yes", "--journal", journal2, "--debug", debug)
	if code != 1 || !strings.Contains(errOut, "Request rejected") {
		t.Fatalf("the apply with the echoed credentials: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := run(t, "rollback", "--sim", front.URL, "--journal", journal2, "--yes", "--rollback-journal", filepath.Join(dir, "echo-rollback.jsonl"), "--debug", debug); code != 0 {
		t.Fatalf("rollback: exit %d: %s", code, errOut)
	}

	log, _ := os.ReadFile(debug)
	for _, want := range []string{"msg=write phase=done id=F-82", "msg=write phase=done id=B-1.undo", "id=C-3", "source=exchange.Get-MobileDevice kind=3 items=0 pages=0 state=error error=\"Get-MobileDevice: HTTP 400:",
		"It carried Authorization: [redacted] (id_token [redacted]; client_secret=[redacted]; Okta SSWS [redacted])", "Request rejected", "[redacted]"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the debug log lacks %q", want)
		}
	}
	files := assertNoCredentialIn(t, []string{"harden365-simulator-token", testClientSecret, testOktaToken}, dir)
	if files < 10 {
		t.Errorf("only %d files were written", files)
	}
}

// A profile that signs in with a client secret (from the keyring) and an
// Okta API token, against the simulator's identity endpoint: collecting,
// applying and rolling back with the debug log on leave neither secret,
// nor a token the sign-in was given, in any file. (In process: --profile
// signs in to Microsoft's cloud, which a test cannot point elsewhere.)
// The profile names its tenant by a domain, so the apply and the rollback
// also show that the writers learn the tenant's id.
func TestDebugLogHoldsNoCredentialProfile(t *testing.T) {
	cfgDir := profileEnv(t)
	ep, sc := simCloud(t, "contoso")
	p := profile.Profile{Name: "contoso", Tenant: sc.InitialDomain(), SignIn: profile.Secret, ClientID: testApp,
		OktaOrg: "https://contoso.okta.com", OktaAuth: profile.OktaAPIToken}
	secrets := profile.NewSecrets()
	if err := secrets.Set("contoso", profile.ClientSecret, testClientSecret); err != nil {
		t.Fatal(err)
	}
	if err := secrets.Set("contoso", profile.OktaToken, testOktaToken); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a := testApp0()
	a.debug = filepath.Join(dir, "debug.log")
	if err := a.openDebugLog(NewRoot(IO{})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	conn, err := a.profileConn(ctx, p, secrets, ep, time.Time{}, connFlags{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tgt := &target{profile: "contoso"}
	journal := filepath.Join(dir, "apply.jsonl")
	run, err := a.applyRun(ctx, conn, tgt, applyRequest{
		steps: []string{"B", "C", "SMTP-AUTH", "D"}, choices: remediate.DefaultChoices(), journal: journal,
		collect:  func(ctx context.Context) (*tenant.Snapshot, error) { return a.collectFrom(ctx, conn, true) },
		say:      func(string, ...any) {},
		confirm:  func(tenant.Write) bool { return true },
		progress: func(p remediate.Progress) { a.progress(true, p) },
	})
	if err != nil || len(run.res.Done) == 0 || run.session == "" {
		t.Fatalf("apply through the profile: %v (%d writes, session %q %v)", err, len(run.res.Done), run.session, run.sessionErr)
	}
	j, err := remediate.ReadJournalFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	// The rollback signs in again, as `rollback --profile` does: the
	// profile names its tenant by a domain, and the writers need its id.
	conn, err = a.profileConn(ctx, p, secrets, ep, time.Time{}, connFlags{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.rollbackRun(ctx, conn, tgt, j, journal, filepath.Join(dir, "rollback.jsonl"), func(p remediate.Progress) { a.progress(true, p) }); err != nil {
		t.Fatalf("rollback through the profile: %v", err)
	}
	a.closeLog()
	log, _ := os.ReadFile(a.debug)
	if !bytes.Contains(log, []byte("msg=\"profile secret\" profile=contoso kind=client-secret from=keyring")) || !bytes.Contains(log, []byte("msg=write phase=done")) {
		t.Errorf("the debug log lacks the sign-in or the writes:\n%.2000s", log)
	}
	// The simulator's tokens are sim-app-..., sim-okta-... (sim/identity.go).
	assertNoCredentialIn(t, []string{testClientSecret, testOktaToken, "sim-app-", "sim-user-", "sim-okta-", "harden365-simulator-token"}, dir, cfgDir)
}

// The debug log opens with the command and the flags it was given (not
// os.Args, which in-process is the test binary's).
func TestDebugLogNamesTheCommand(t *testing.T) {
	dir := t.TempDir()
	debug := filepath.Join(dir, "debug.log")
	if _, stderr, code := run(t, "assess", "--scenario", "okta-classic", "--format", "json", "--out", filepath.Join(dir, "a.json"), "--debug", debug); code != 0 {
		t.Fatalf("assess exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(debug)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	for _, want := range []string{"harden365 starting", "harden365 assess", "--scenario=okta-classic", "--format=json"} {
		if !strings.Contains(first, want) {
			t.Errorf("the debug log's first line %q lacks %q", first, want)
		}
	}
	if strings.Contains(first, "-test.") {
		t.Errorf("the debug log's first line names the test binary's arguments: %q", first)
	}
}
