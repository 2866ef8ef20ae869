package ui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/tenant"
)

// fakeConnect stands in for the CLI's profiles, keyring and sign-in.
type fakeConnect struct {
	mu         sync.Mutex
	profiles   []profile.Profile
	listErr    error
	saved      []profile.Profile
	secrets    []map[profile.Kind]string
	saveErr    error
	keyringErr error
	opened     []string
	openErr    error
	prompt     *SignInPrompt
	// hold, when set, keeps Open waiting (after the prompt) until it is
	// closed or the sign-in is cancelled.
	hold      chan struct{}
	cancelled bool
	snap      *tenant.Snapshot
}

func (f *fakeConnect) options() *ConnectOptions {
	return &ConnectOptions{
		List: func() ([]profile.Profile, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return append([]profile.Profile(nil), f.profiles...), f.listErr
		},
		Save: func(p profile.Profile, s map[profile.Kind]string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.saved, f.secrets = append(f.saved, p), append(f.secrets, s)
			var ke *profile.KeyringUnavailableError
			if f.saveErr == nil || errors.As(f.saveErr, &ke) {
				f.profiles = append(f.profiles, p)
			}
			return f.saveErr
		},
		Open: func(ctx context.Context, p profile.Profile, prompt func(SignInPrompt)) (Backend, string, time.Time, error) {
			f.mu.Lock()
			f.opened = append(f.opened, p.Name)
			sp, hold, err, snap := f.prompt, f.hold, f.openErr, f.snap
			f.mu.Unlock()
			if sp != nil {
				prompt(*sp)
			}
			if hold != nil {
				select {
				case <-hold:
				case <-ctx.Done():
					f.mu.Lock()
					f.cancelled = true
					f.mu.Unlock()
					return Backend{}, "", time.Time{}, ctx.Err()
				}
			}
			if err != nil {
				return Backend{}, "", time.Time{}, err
			}
			b := Backend{
				Discover: func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) { return snap, nil },
				Now:      fixedNow(snap),
			}
			return b, "profile " + p.Name + " (" + p.Tenant + ")", snap.AsOf, nil
		},
		Keyring: func() error { return f.keyringErr },
	}
}

func twoProfiles() []profile.Profile {
	return []profile.Profile{
		{Name: "contoso", Tenant: "contoso.onmicrosoft.com", SignIn: profile.DeviceCode, ClientID: "3f0b8a52-6f0e-4d0c-9a4a-2b7b4b1f9c11",
			OktaOrg: "https://contoso.okta.com", OktaAuth: profile.OktaAPIToken},
		{Name: "fabrikam", Tenant: "6b1f0a3c-8f5e-4a7b-9c2d-0e1f2a3b4c5d", SignIn: profile.Certificate, ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			CertificatePath: "/home/consultant/keys/fabrikam-harden365.pem", Probe: true},
	}
}

// connectWizard is a wizard on the connect screen, profiles read.
func connectWizard(t *testing.T, f *fakeConnect, width, height int) *Wizard {
	t.Helper()
	if f.snap == nil {
		f.snap = snapshotFixture(t, "contoso")
	}
	w := NewWizard(Options{Mode: "sign in", Connect: f.options(), SaveOnQuit: true})
	w.Update(tea.WindowSizeMsg{Width: width, Height: height})
	pump(t, w, w.Init())
	if w.Page() != PageConnect {
		t.Fatalf("the wizard starts on %s", w.Page())
	}
	return w
}

// words is the frame as one line of words: wrapped sentences can be
// looked for whole.
func words(w *Wizard) string { return strings.Join(strings.Fields(ansi.Strip(w.render())), " ") }

func connectScreen(w *Wizard) *Connect { return w.Screen(PageConnect).(*Connect) }

// drive runs cmd and what follows from it concurrently, feeding each
// message to the wizard, until done says so (or 10 s pass). Unlike pump
// it does not wait for commands that block (a sign-in waiting for the
// admin).
func drive(t *testing.T, w *Wizard, cmd tea.Cmd, done func() bool) {
	t.Helper()
	msgs := make(chan tea.Msg, 64)
	run := func(c tea.Cmd) {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	run(cmd)
	deadline := time.After(10 * time.Second)
	for !done() {
		select {
		case msg := <-msgs:
			switch msg := msg.(type) {
			case nil, spinner.TickMsg, tea.QuitMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			default:
				name := reflect.TypeOf(msg).String()
				if strings.Contains(name, "cursor.") || strings.Contains(name, "blink") {
					continue
				}
				_, next := w.Update(msg)
				run(next)
			}
		case <-deadline:
			t.Fatalf("drive: not done after 10 s:\n%s", ansi.Strip(w.render()))
		}
	}
}

// settle runs cmd and what follows from it concurrently, feeding each
// message to the wizard, until nothing arrives for 20 ms. Cursor blinks
// (which wait half a second each) are abandoned rather than waited for:
// typing into a form then takes no time.
func settle(t *testing.T, w *Wizard, cmd tea.Cmd) {
	t.Helper()
	msgs := make(chan tea.Msg, 1024)
	run := func(c tea.Cmd) {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	run(cmd)
	for {
		select {
		case msg := <-msgs:
			switch msg := msg.(type) {
			case nil, spinner.TickMsg, tea.QuitMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			default:
				name := reflect.TypeOf(msg).String()
				if strings.Contains(name, "cursor.") || strings.Contains(name, "blink") {
					continue
				}
				_, next := w.Update(msg)
				run(next)
			}
		case <-time.After(20 * time.Millisecond):
			return
		}
	}
}

// keys presses keys, settling after each.
func keys(t *testing.T, w *Wizard, ks ...string) {
	t.Helper()
	for _, k := range ks {
		_, cmd := w.Update(keyMsg(k))
		settle(t, w, cmd)
	}
}

// typeIn types s, settling after each rune.
func typeIn(t *testing.T, w *Wizard, s string) {
	t.Helper()
	for _, r := range s {
		_, cmd := w.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		settle(t, w, cmd)
	}
}

func TestConnectListsProfilesAndSignsIn(t *testing.T) {
	f := &fakeConnect{profiles: twoProfiles()}
	w := connectWizard(t, f, 80, 24)
	view := ansi.Strip(w.render())
	for _, want := range []string{"Connection profiles · 2 profiles", "NAME     TENANT", "contoso.onmicrosoft.com              device code contoso.okta.com",
		"Sign-in   device code (an admin, on any device)", "Secrets   Okta API token in the OS keyring"} {
		if !strings.Contains(view, want) {
			t.Errorf("the list does not show %q:\n%s", want, view)
		}
	}
	if ok, _ := w.enabled(PageDiscovery); ok {
		t.Error("discovery is open before signing in")
	}
	press(t, w, "j")
	if c := connectScreen(w); c.nav.Cursor != 1 || !strings.Contains(ansi.Strip(w.render()), "/home/consultant/keys/fabrikam-harden365.pem") {
		t.Errorf("j: cursor %d, details:\n%s", c.nav.Cursor, ansi.Strip(w.render()))
	}
	press(t, w, "enter")
	if len(f.opened) != 1 || f.opened[0] != "fabrikam" {
		t.Fatalf("Open was called for %v", f.opened)
	}
	if w.Page() != PageDiscovery || w.Common().Mode != "fabrikam" || w.Common().Backend.Discover == nil {
		t.Fatalf("after signing in: page %s, mode %q", w.Page(), w.Common().Mode)
	}
	if w.Common().Eng.Snapshot == nil {
		t.Error("discovery did not run with the profile's backend")
	}
	// Back on the connect screen: signed in, enter disabled with why.
	press(t, w, "1")
	c := connectScreen(w)
	if c.keys.SignIn.Enabled() || !strings.Contains(c.keys.SignIn.Help().Desc, "restart") {
		t.Errorf("enter after signing in: enabled %v, %q", c.keys.SignIn.Enabled(), c.keys.SignIn.Help().Desc)
	}
	if !strings.Contains(ansi.Strip(w.render()), "✓ Signed in with fabrikam.") {
		t.Errorf("no notice:\n%s", ansi.Strip(w.render()))
	}
}

func TestConnectSignInFailureSaysWhatToDo(t *testing.T) {
	f := &fakeConnect{profiles: twoProfiles(), openErr: errors.New("sign-in failed: the tenant was not found: check the profile's tenant (its GUID, or a domain such as contoso.onmicrosoft.com) (AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found.)")}
	w := connectWizard(t, f, 80, 24)
	press(t, w, "enter")
	view := words(w)
	if w.Page() != PageConnect || !strings.Contains(view, "✗ Could not sign in with contoso: sign-in failed: the tenant was not found: check the profile's tenant") {
		t.Fatalf("after a failed sign-in (page %s):\n%s", w.Page(), view)
	}
	checkFits(t, w.render(), 80, 24)
	// Trying again is one key away.
	f.openErr = nil
	press(t, w, "enter")
	if w.Page() != PageDiscovery {
		t.Errorf("retry: page %s", w.Page())
	}
}

func deviceCodeFake() *fakeConnect {
	return &fakeConnect{profiles: twoProfiles(), hold: make(chan struct{}), prompt: &SignInPrompt{URL: "https://microsoft.com/devicelogin", Code: "F7KQ2LD9X",
		Message: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code F7KQ2LD9X to authenticate."}}
}

func TestConnectDeviceCodeShowsTheCodeAndCancels(t *testing.T) {
	f := deviceCodeFake()
	w := connectWizard(t, f, 80, 24)
	_, cmd := w.Update(keyMsg("enter"))
	c := connectScreen(w)
	drive(t, w, cmd, func() bool { return c.prompt != nil })
	view := words(w)
	for _, want := range []string{"Signing in with contoso · device code", "Open https://microsoft.com/devicelogin", "Code F7KQ2LD9X", "sign in as an admin of contoso.onmicrosoft.com", "esc cancels"} {
		if !strings.Contains(view, want) {
			t.Errorf("the sign-in view lacks %q:\n%s", want, view)
		}
	}
	w.Update(keyMsg("esc"))
	if c.mode != connectList || !strings.Contains(ansi.Strip(w.render()), "Sign-in cancelled.") {
		t.Errorf("esc: mode %d\n%s", c.mode, ansi.Strip(w.render()))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		done := f.cancelled
		f.mu.Unlock()
		if done || time.Now().After(deadline) {
			if !done {
				t.Error("the sign-in's context was not cancelled")
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w.Page() != PageConnect {
		t.Errorf("a cancelled sign-in moved on to %s", w.Page())
	}
}

func TestConnectNewProfileForm(t *testing.T) {
	f := &fakeConnect{profiles: twoProfiles()}
	w := connectWizard(t, f, 80, 24)
	keys(t, w, "n")
	c := connectScreen(w)
	if !c.Capturing() || c.mode != connectForm {
		t.Fatal("n did not open the form")
	}
	// A taken name is refused in place.
	typeIn(t, w, "contoso")
	keys(t, w, "enter")
	if !strings.Contains(ansi.Strip(w.render()), "a profile has that name") {
		t.Errorf("a taken name:\n%s", ansi.Strip(w.render()))
	}
	for range len("contoso") {
		keys(t, w, "backspace")
	}
	typeIn(t, w, "northwind")
	keys(t, w, "enter")
	typeIn(t, w, "northwind.onmicrosoft.com")
	keys(t, w, "enter")
	keys(t, w, "right", "right", "right", "enter") // client secret
	typeIn(t, w, "11111111-2222-3333-4444-555555555555")
	keys(t, w, "enter")
	typeIn(t, w, "s3cr3t~Value")
	if v := ansi.Strip(w.render()); strings.Contains(v, "s3cr3t~Value") || !strings.Contains(v, "Client secret") {
		t.Errorf("the secret is echoed, or not asked for:\n%s", v)
	}
	keys(t, w, "enter")
	typeIn(t, w, "https://northwind.okta.com/")
	keys(t, w, "enter", "enter") // API token
	typeIn(t, w, "00okta-token")
	keys(t, w, "enter")
	keys(t, w, "enter") // don't probe
	if len(f.saved) != 1 {
		t.Fatalf("Save was called %d times:\n%s", len(f.saved), ansi.Strip(w.render()))
	}
	got := f.saved[0]
	want := profile.Profile{Name: "northwind", Tenant: "northwind.onmicrosoft.com", SignIn: profile.Secret, ClientID: "11111111-2222-3333-4444-555555555555",
		OktaOrg: "https://northwind.okta.com", OktaAuth: profile.OktaAPIToken}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("saved %+v\nwant  %+v", got, want)
	}
	if s := f.secrets[0]; s[profile.ClientSecret] != "s3cr3t~Value" || s[profile.OktaToken] != "00okta-token" || len(s) != 2 {
		t.Errorf("secrets %v", s)
	}
	if c.mode != connectList || c.Capturing() {
		t.Error("the form is still open")
	}
	if p, ok := c.selected(); !ok || p.Name != "northwind" {
		t.Errorf("the new profile is not selected: %+v", p)
	}
	view := ansi.Strip(w.render())
	if !strings.Contains(view, "✓ Saved profile northwind. 2 secrets in the OS keyring.") {
		t.Errorf("no notice:\n%s", view)
	}
	if c.answers != nil || (c.retry != nil && c.retry.ClientSecret != "") {
		t.Error("the typed secrets are kept after saving")
	}
}

func TestConnectFormEscCancels(t *testing.T) {
	f := &fakeConnect{profiles: twoProfiles()}
	w := connectWizard(t, f, 80, 24)
	keys(t, w, "n")
	typeIn(t, w, "x")
	keys(t, w, "esc")
	c := connectScreen(w)
	if c.mode != connectList || c.Capturing() || len(f.saved) != 0 {
		t.Errorf("esc: mode %d, saved %v", c.mode, f.saved)
	}
	// q in the form is text, not quit.
	keys(t, w, "n", "q")
	if !c.Capturing() || !strings.Contains(ansi.Strip(w.render()), "q") {
		t.Error("q left the form")
	}
}

func TestConnectWithoutKeyring(t *testing.T) {
	f := &fakeConnect{profiles: twoProfiles(), keyringErr: errors.New("dbus: no session bus"),
		saveErr: &profile.KeyringUnavailableError{Err: errors.New("dbus: no session bus"), Kind: profile.OktaToken}}
	w := connectWizard(t, f, 120, 40)
	view := words(w)
	if !strings.Contains(view, "Okta API token from H365_OKTA_TOKEN") || !strings.Contains(view, "No OS keyring here: secrets typed in last this run only") {
		t.Errorf("the screen does not say where secrets come from:\n%s", view)
	}
	// Saving without a keyring warns, naming the variable to set.
	w = connectWizard(t, f, 80, 24)
	c := connectScreen(w)
	pump(t, w, c.saved(profileSaved{p: f.profiles[0], err: f.saveErr}))
	view = words(w)
	if !strings.Contains(view, "! Saved profile contoso. No OS keyring here (dbus: no session bus): the Okta API token lasts this run only; next time set H365_OKTA_TOKEN.") {
		t.Errorf("no warning:\n%s", view)
	}
}

func TestConnectUnreadableProfiles(t *testing.T) {
	f := &fakeConnect{listErr: errors.New("/home/u/.config/harden365/profiles.json:3:19: invalid character ',' looking for beginning of object key string")}
	w := connectWizard(t, f, 80, 24)
	view := ansi.Strip(w.render())
	if !strings.Contains(view, "✗ Could not read the profiles: /home/u/.config/harden365/profiles.json:3:19") || !strings.Contains(view, "r reads it again") {
		t.Errorf("a malformed file:\n%s", view)
	}
	f.listErr, f.profiles = nil, twoProfiles()
	press(t, w, "r")
	if c := connectScreen(w); len(c.profiles) != 2 || c.loadErr != nil {
		t.Errorf("r: %d profiles, %v", len(c.profiles), c.loadErr)
	}
}

func TestConnectNoProfiles(t *testing.T) {
	w := connectWizard(t, &fakeConnect{}, 80, 24)
	c := connectScreen(w)
	if c.keys.SignIn.Enabled() {
		t.Error("enter is enabled without profiles")
	}
	if v := ansi.Strip(w.render()); !strings.Contains(v, "No connection profiles yet.") || !strings.Contains(v, "n adds one") {
		t.Errorf("no profiles:\n%s", v)
	}
	press(t, w, "enter")
	if c.mode != connectList {
		t.Error("enter did something without profiles")
	}
}

func TestConnectPermissionsNarrow(t *testing.T) {
	p := twoProfiles()[0]
	p.OktaAuth, p.OktaClientID, p.OktaKeyPath = profile.OktaOAuth, "0oa1abcdEFGH2ijk3l4", "/k/okta.pem"
	w := connectWizard(t, &fakeConnect{profiles: []profile.Profile{p}}, 80, 24)
	press(t, w, "p")
	view := ansi.Strip(w.render())
	for _, want := range []string{"What harden365 asks for, and why", "Delegated", "To assess: read only", "Domain.Read.All", "Exchange.Manage"} {
		if !strings.Contains(view, want) {
			t.Errorf("the permissions lack %q:\n%s", want, view)
		}
	}
	if !strings.Contains(view, "more lines (j)") {
		t.Fatalf("OAuth's permissions fit at 80x24?\n%s", view)
	}
	press(t, w, "G")
	view = ansi.Strip(w.render())
	if !strings.Contains(view, "Only to apply") || !strings.Contains(view, "okta.policies.manage") || !strings.Contains(view, "OS keyring") {
		t.Errorf("scrolled to the end:\n%s", view)
	}
	checkFits(t, w.render(), 80, 24)
	press(t, w, "p")
	if connectScreen(w).perms {
		t.Error("p did not go back")
	}
}

// Tenant-controlled text (a hand-edited profiles file, an error quoting
// the service) never reaches the terminal raw.
func TestConnectHostileStrings(t *testing.T) {
	evil := "evil\x1b[31m|\a\nline\x1b]0;pwned\a"
	ps := []profile.Profile{{Name: "evil", Tenant: evil, SignIn: profile.Certificate, ClientID: evil, CertificatePath: evil, OktaOrg: "https://" + evil, Probe: true}}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		f := &fakeConnect{profiles: ps, openErr: errors.New("AADSTS90002: " + evil)}
		w := connectWizard(t, f, size[0], size[1])
		checkFits(t, w.render(), size[0], size[1])
		press(t, w, "enter")
		checkFits(t, w.render(), size[0], size[1])
		if !strings.Contains(ansi.Strip(w.render()), "evil [31m|") {
			t.Errorf("%v: the hostile tenant is not shown cleaned:\n%s", size, ansi.Strip(w.render()))
		}
		press(t, w, "p")
		checkFits(t, w.render(), size[0], size[1])
	}
}

func connectGolden(t *testing.T, w *Wizard, width, height int) {
	t.Helper()
	checkFits(t, w.render(), width, height)
	golden.RequireEqual(t, []byte(ansi.Strip(w.render())))
}

func TestConnectListGolden80x24(t *testing.T) {
	connectGolden(t, connectWizard(t, &fakeConnect{profiles: twoProfiles()}, 80, 24), 80, 24)
}

func TestConnectListGolden120x40(t *testing.T) {
	connectGolden(t, connectWizard(t, &fakeConnect{profiles: twoProfiles()}, 120, 40), 120, 40)
}

func TestConnectPermissionsGolden80x24(t *testing.T) {
	w := connectWizard(t, &fakeConnect{profiles: twoProfiles()}, 80, 24)
	press(t, w, "j", "p")
	connectGolden(t, w, 80, 24)
}

func TestConnectFormGolden80x24(t *testing.T) {
	w := connectWizard(t, &fakeConnect{profiles: twoProfiles()}, 80, 24)
	keys(t, w, "n")
	typeIn(t, w, "northwind")
	connectGolden(t, w, 80, 24)
}

func TestConnectFormGolden120x40(t *testing.T) {
	w := connectWizard(t, &fakeConnect{profiles: twoProfiles()}, 120, 40)
	keys(t, w, "n")
	typeIn(t, w, "northwind")
	keys(t, w, "enter")
	typeIn(t, w, "northwind.onmicrosoft.com")
	keys(t, w, "enter", "right", "right")
	connectGolden(t, w, 120, 40)
}

func deviceCodeGolden(t *testing.T, width, height int) {
	f := deviceCodeFake()
	t.Cleanup(func() { close(f.hold) })
	w := connectWizard(t, f, width, height)
	_, cmd := w.Update(keyMsg("enter"))
	c := connectScreen(w)
	drive(t, w, cmd, func() bool { return c.prompt != nil })
	connectGolden(t, w, width, height)
}

func TestConnectDeviceCodeGolden80x24(t *testing.T)  { deviceCodeGolden(t, 80, 24) }
func TestConnectDeviceCodeGolden120x40(t *testing.T) { deviceCodeGolden(t, 120, 40) }

func TestBuildProfileForm(t *testing.T) {
	f, a := buildProfileForm()
	if f == nil || a == nil || a.SignIn != profile.DeviceCode || a.OktaAuth != profile.OktaAPIToken {
		t.Fatalf("%v %+v", f, a)
	}
	a.Name, a.Tenant, a.SignIn, a.ClientID, a.Certificate, a.CertPassword = "x", "x.example", profile.Certificate, "11111111-2222-3333-4444-555555555555", "/k.pem", "pw"
	a.ClientSecret = "left over from switching"
	p := a.profile()
	if p.CertificatePath != "/k.pem" || p.OktaAuth != "" || p.Validate() != nil {
		t.Errorf("profile %+v: %v", p, p.Validate())
	}
	if s := a.secrets(); len(s) != 1 || s[profile.CertificatePassword] != "pw" {
		t.Errorf("only the secrets the profile uses are saved: %v", s)
	}
}

// Probing asks for the organisation's own mail endpoints too (on-premises
// or hybrid Exchange); one that does not read is refused in place, saying
// why.
func TestConnectNewProfileOnPremisesEndpoints(t *testing.T) {
	f := &fakeConnect{profiles: twoProfiles()}
	w := connectWizard(t, f, 80, 24)
	keys(t, w, "n")
	typeIn(t, w, "tailspin")
	keys(t, w, "enter")
	typeIn(t, w, "tailspin.com")
	keys(t, w, "enter", "enter") // device code
	typeIn(t, w, "11111111-2222-3333-4444-555555555555")
	keys(t, w, "enter")
	keys(t, w, "enter", "enter") // no Okta
	if v := ansi.Strip(w.render()); !strings.Contains(v, "Probe the mail endpoints") {
		t.Fatalf("the probe question is not on show:\n%s", v)
	}
	keys(t, w, "left", "enter") // probe
	if v := ansi.Strip(w.render()); !strings.Contains(v, "own mail endpoints") {
		t.Fatalf("probing does not ask for the organisation's own endpoints:\n%s", v)
	}
	typeIn(t, w, "mail.tailspin.com:993 mail.tailspin.com:8443")
	keys(t, w, "enter")
	if v := ansi.Strip(w.render()); len(f.saved) != 0 || !strings.Contains(v, "no usual protocol") {
		t.Fatalf("a port with no usual protocol was taken:\n%s", v)
	}
	typeIn(t, w, "/https")
	keys(t, w, "enter")
	if len(f.saved) != 1 {
		t.Fatalf("Save was called %d times:\n%s", len(f.saved), ansi.Strip(w.render()))
	}
	got := f.saved[0]
	if !got.Probe || !reflect.DeepEqual(got.ProbeHosts, []string{"mail.tailspin.com:993", "mail.tailspin.com:8443/https"}) {
		t.Errorf("saved probe %v hosts %q", got.Probe, got.ProbeHosts)
	}
}
