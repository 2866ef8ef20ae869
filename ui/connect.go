package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/harden365/harden365/profile"
	"github.com/harden365/harden365/tenant"
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

type connectKeys struct {
	list          listKeys
	SignIn, New   key.Binding
	Perms, Reload key.Binding
	// In the form.
	Next, Back, Cancel key.Binding
	// While signing in.
	Abort key.Binding
}

func newConnectKeys() connectKeys {
	return connectKeys{
		list:   newListKeys(),
		SignIn: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "sign in")),
		New:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new profile")),
		Perms:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "permissions")),
		Reload: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "read again")),
		Next:   key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "next")),
		Back:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Abort:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel sign-in")),
	}
}

type connectMode int

const (
	connectList connectMode = iota
	connectForm
	connectSigningIn
)

// wideConnect is the width from which permissions sit beside the list.
const wideConnect = 110

// Messages of the connect screen.
type (
	profilesMsg struct {
		ps  []profile.Profile
		err error
	}
	keyringMsg   struct{ err error }
	profileSaved struct {
		p   profile.Profile
		err error
		// stored is how many secrets were given (optional ones may be
		// empty).
		stored int
	}
	signInPromptMsg struct {
		gen int
		p   SignInPrompt
	}
	signedInMsg struct {
		gen     int
		name    string
		backend Backend
		org     string
		asOf    time.Time
		err     error
	}
)

// Connect is the connect screen: the saved profiles, a form for a new
// one, and signing in; it says what harden365 will ask the organisation
// for and why, and where secrets go.
type Connect struct {
	c    *Common
	o    ConnectOptions
	keys connectKeys
	spin spinner.Model

	mode     connectMode
	profiles []profile.Profile
	loaded   bool
	loadErr  error
	nav      listNav

	keyringErr   error
	keyringKnown bool

	form    *huh.Form
	answers *profileAnswers
	saving  bool
	// retry keeps a refused form's answers (without secrets) to start
	// the next form from.
	retry *profileAnswers

	// notice is the last outcome (saved, signed in), warn a warning, err
	// an error, each with what to do.
	notice, warn string
	err          string

	// Signing in.
	gen       int
	signing   string
	signingAs profile.Profile
	prompt    *SignInPrompt
	cancel    context.CancelFunc
	connected string // the profile signed in with

	nameW   int // the longest profile name (the list's first column)
	tenantW int // the longest tenant

	perms    bool // the permissions page instead of the list
	permsOff int  // the first permission line on show

	width, height int
}

func newConnect(c *Common, o *ConnectOptions) Screen {
	m := &Connect{c: c, keys: newConnectKeys(), spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)), width: 80, height: 18}
	if o != nil {
		m.o = *o
	}
	m.updateKeys()
	return m
}

// Init reads the profiles and asks whether there is a keyring.
func (m *Connect) Init() tea.Cmd {
	return tea.Batch(m.loadCmd(), m.keyringCmd())
}

func (m *Connect) loadCmd() tea.Cmd {
	list := m.o.List
	if list == nil {
		return Send(profilesMsg{err: errors.New("this build cannot list profiles")})
	}
	return func() tea.Msg {
		ps, err := list()
		return profilesMsg{ps, err}
	}
}

func (m *Connect) keyringCmd() tea.Cmd {
	kr := m.o.Keyring
	if kr == nil {
		return nil
	}
	return func() tea.Msg { return keyringMsg{kr()} }
}

// SetSize sets the body's size.
func (m *Connect) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layoutNav()
	if m.form != nil {
		fw, fh := m.formSize()
		m.form.WithWidth(fw).WithHeight(fh)
	}
}

// Capturing: the form takes every key.
func (m *Connect) Capturing() bool { return m.mode == connectForm }

// Busy is "" even while signing in: abandoning a sign-in harms nothing.
func (m *Connect) Busy() string { return "" }

// ShortHelp is the keys of the mode on show.
func (m *Connect) ShortHelp() []key.Binding {
	switch m.mode {
	case connectForm:
		return []key.Binding{m.keys.Next, m.keys.Back, m.keys.Cancel}
	case connectSigningIn:
		return []key.Binding{m.keys.Abort}
	}
	return []key.Binding{m.keys.SignIn, m.keys.New, m.keys.Perms}
}

// FullHelp adds the list's movement and reloading.
func (m *Connect) FullHelp() [][]key.Binding {
	if m.mode != connectList {
		return [][]key.Binding{m.ShortHelp()}
	}
	l := m.keys.list
	return [][]key.Binding{{l.Up, l.Down, l.Home, l.End}, {m.keys.SignIn, m.keys.New, m.keys.Perms, m.keys.Reload}}
}

// updateKeys disables what cannot be done now, with the reason in the
// help text.
func (m *Connect) updateKeys() {
	k := &m.keys
	switch {
	case m.connected != "":
		k.SignIn.SetHelp("enter", "signed in: restart to switch")
		k.SignIn.SetEnabled(false)
	case len(m.profiles) == 0:
		k.SignIn.SetEnabled(false)
	default:
		k.SignIn.SetHelp("enter", "sign in")
		k.SignIn.SetEnabled(m.o.Open != nil)
	}
	k.New.SetEnabled(m.o.Save != nil && m.connected == "")
	if m.perms {
		k.Perms.SetHelp("p", "profiles")
	} else {
		k.Perms.SetHelp("p", "permissions")
	}
}

// Update handles keys and the results of the I/O.
func (m *Connect) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case profilesMsg:
		m.loaded, m.loadErr = true, msg.err
		if msg.err == nil {
			m.profiles = msg.ps
			m.nameW, m.tenantW = 0, 0
			for _, p := range m.profiles {
				m.nameW = max(m.nameW, lipgloss.Width(Clean(p.Name)))
				m.tenantW = max(m.tenantW, lipgloss.Width(Clean(p.Tenant)))
			}
		}
		m.nav.SetLen(len(m.profiles))
		m.layoutNav()
		m.updateKeys()
		return m, nil
	case profilesSelect:
		m.Update(msg.profilesMsg)
		m.nav.Cursor = msg.at
		m.nav.Move(0)
		return m, nil
	case keyringMsg:
		m.keyringErr, m.keyringKnown = msg.err, true
		return m, nil
	case profileSaved:
		return m, m.saved(msg)
	case signInPromptMsg:
		if msg.gen != m.gen || m.mode != connectSigningIn {
			return m, nil
		}
		p := msg.p
		m.prompt = &p
		return m, nil
	case signedInMsg:
		return m, m.signedIn(msg)
	case spinner.TickMsg:
		if m.mode != connectSigningIn && !m.saving {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		switch m.mode {
		case connectForm:
			if key.Matches(msg, m.keys.Cancel) {
				m.closeForm()
				return m, nil
			}
		case connectSigningIn:
			if key.Matches(msg, m.keys.Abort) {
				m.abortSignIn()
			}
			return m, nil
		default:
			return m, m.listKey(msg)
		}
	}
	if m.mode == connectForm && m.form != nil {
		return m, m.updateForm(msg)
	}
	return m, nil
}

func (m *Connect) listKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.perms {
		if key.Matches(msg, m.keys.Perms) {
			m.perms = false
			m.updateKeys()
			return nil
		}
		m.scrollPerms(msg)
		return nil
	}
	if m.nav.Update(msg, m.keys.list) {
		m.layoutNav()
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.SignIn):
		if p, ok := m.selected(); ok {
			return m.startSignIn(p)
		}
	case key.Matches(msg, m.keys.New):
		return m.openForm()
	case key.Matches(msg, m.keys.Perms):
		m.perms, m.permsOff = true, 0
		m.updateKeys()
	case key.Matches(msg, m.keys.Reload):
		m.err = ""
		return m.loadCmd()
	}
	return nil
}

func (m *Connect) selected() (profile.Profile, bool) {
	if m.nav.Cursor < 0 || m.nav.Cursor >= len(m.profiles) {
		return profile.Profile{}, false
	}
	return m.profiles[m.nav.Cursor], true
}

// --- the form ---

// rightPanel is the width of the permissions beside the list or the
// form (wide screens).
func rightPanel(w int) int { return min(70, w-56) }

func (m *Connect) formSize() (int, int) {
	w := m.width - 2
	if m.width >= wideConnect {
		w = m.width - rightPanel(m.width) - 4
	}
	// The group grows by two lines (a blank and the error) when a field
	// is refused: leave room for them.
	return max(w, 30), max(m.height-5, 6)
}

func (m *Connect) openForm() tea.Cmd {
	var taken []string
	for _, p := range m.profiles {
		taken = append(taken, p.Name)
	}
	prev := profileAnswers{SignIn: profile.DeviceCode, OktaAuth: profile.OktaAPIToken}
	if m.retry != nil {
		prev = *m.retry
	}
	m.form, m.answers = profileForm(prev, taken)
	fw, fh := m.formSize()
	m.form.WithTheme(m.c.Styles.Form).WithShowHelp(false).WithWidth(fw).WithHeight(fh)
	m.mode, m.err, m.notice, m.warn = connectForm, "", "", ""
	return m.form.Init()
}

func (m *Connect) closeForm() {
	m.form, m.answers, m.mode = nil, nil, connectList
}

func (m *Connect) updateForm(msg tea.Msg) tea.Cmd {
	f, cmd := m.form.Update(msg)
	if hf, ok := f.(*huh.Form); ok {
		m.form = hf
	}
	switch m.form.State {
	case huh.StateCompleted:
		a := m.answers
		p, secrets := a.profile(), a.secrets()
		keep := *a
		keep.clearSecrets()
		m.retry = &keep
		a.clearSecrets()
		m.closeForm()
		m.saving = true
		stored := 0
		for _, v := range secrets {
			if v != "" {
				stored++
			}
		}
		save := m.o.Save
		return tea.Batch(m.spin.Tick, func() tea.Msg { return profileSaved{p: p, err: save(p, secrets), stored: stored} })
	case huh.StateAborted:
		m.closeForm()
		return nil
	}
	return cmd
}

func (m *Connect) saved(msg profileSaved) tea.Cmd {
	m.saving = false
	var ke *profile.KeyringUnavailableError
	switch {
	case msg.err == nil:
		m.retry = nil
		m.notice = fmt.Sprintf("Saved profile %s.", msg.p.Name)
		if msg.stored > 0 {
			m.notice += " " + plural(msg.stored, "secret") + " in the OS keyring."
		}
	case errors.As(msg.err, &ke):
		m.retry = nil
		m.warn = fmt.Sprintf("Saved profile %s. No OS keyring here (%v): the %s lasts this run only; next time set %s.",
			msg.p.Name, ke.Err, ke.Kind.Describe(), ke.Kind.Env())
	default:
		m.err = "Not saved: " + msg.err.Error() + " · n: edit it again"
		return nil
	}
	name := msg.p.Name
	load := m.loadCmd()
	return func() tea.Msg {
		pm, _ := load().(profilesMsg)
		for i, p := range pm.ps {
			if p.Name == name {
				return profilesSelect{pm, i}
			}
		}
		return pm
	}
}

// profilesSelect is a reload that puts the cursor on a saved profile.
type profilesSelect struct {
	profilesMsg
	at int
}

// --- signing in ---

func (m *Connect) startSignIn(p profile.Profile) tea.Cmd {
	if m.o.Open == nil {
		return nil
	}
	m.gen++
	gen := m.gen
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.mode, m.signing, m.signingAs, m.prompt = cancel, connectSigningIn, p.Name, p, nil
	m.err, m.notice, m.warn = "", "", ""
	events := make(chan tea.Msg, 8)
	open := m.o.Open
	go func() {
		b, org, asOf, err := open(ctx, p, func(sp SignInPrompt) { events <- signInPromptMsg{gen, sp} })
		events <- signedInMsg{gen: gen, name: p.Name, backend: b, org: org, asOf: asOf, err: err}
	}()
	return tea.Batch(m.spin.Tick, waitEvents(events))
}

// waitEvents delivers the sign-in's messages one at a time: a prompt
// re-arms it, the outcome ends it.
func waitEvents(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg := <-ch
		if p, ok := msg.(signInPromptMsg); ok {
			return tea.BatchMsg{Send(p), waitEvents(ch)}
		}
		return msg
	}
}

func (m *Connect) abortSignIn() {
	if m.cancel != nil {
		m.cancel()
	}
	m.gen++ // what the abandoned sign-in still says is ignored
	m.mode, m.prompt = connectList, nil
	m.notice = "Sign-in cancelled."
}

func (m *Connect) signedIn(msg signedInMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.mode, m.prompt = connectList, nil
	if m.cancel != nil {
		m.cancel = nil
	}
	if msg.err != nil {
		m.err = fmt.Sprintf("Could not sign in with %s: %s · enter tries again", msg.name, msg.err.Error())
		return nil
	}
	m.connected = msg.name
	m.notice = fmt.Sprintf("Signed in with %s.", msg.name)
	m.updateKeys()
	return Send(Connected{Backend: msg.backend, Mode: msg.name, Org: msg.org, AsOf: msg.asOf})
}

func (m *Connect) layoutNav() {
	m.nav.SetHeight(m.listRows())
}

// scrollPerms scrolls the narrow permissions page by a line or a page.
func (m *Connect) scrollPerms(msg tea.KeyPressMsg) {
	page := m.permsPage()
	k := m.keys.list
	switch {
	case key.Matches(msg, k.Down):
		m.permsOff++
	case key.Matches(msg, k.Up):
		m.permsOff--
	case key.Matches(msg, k.PageDown):
		m.permsOff += page
	case key.Matches(msg, k.PageUp):
		m.permsOff -= page
	case key.Matches(msg, k.Home):
		m.permsOff = 0
	case key.Matches(msg, k.End):
		m.permsOff = 1 << 20
	}
	n := len(m.permLines(m.permsProfile(), max(m.width, 40)))
	m.permsOff = max(0, min(m.permsOff, n-page))
}

// permsPage is how many permission lines fit under the title.
func (m *Connect) permsPage() int { return max(m.height-2, 1) }

// listRows is how many profile rows are on screen.
func (m *Connect) listRows() int {
	if m.width >= wideConnect {
		return max(m.height-14, 3)
	}
	return max(m.height-14, 2)
}

// --- the new-profile form ---

// profileAnswers are the form's answers.
type profileAnswers struct {
	Name, Tenant string
	SignIn       profile.SignIn
	ClientID     string
	Certificate  string
	CertPassword string
	ClientSecret string
	OktaOrg      string
	OktaAuth     profile.OktaAuth
	OktaToken    string
	OktaClientID string
	OktaKey      string
	Probe        bool
	// ProbeHosts: the organisation's own mail endpoints, separated by
	// spaces or commas.
	ProbeHosts string
}

// splitHosts splits the form's answer into endpoints.
func splitHosts(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}

func (a *profileAnswers) profile() profile.Profile {
	org := strings.TrimSpace(a.OktaOrg)
	return profile.Profile{Name: a.Name, Tenant: a.Tenant, SignIn: a.SignIn, ClientID: a.ClientID, CertificatePath: a.Certificate,
		OktaOrg: org, OktaAuth: a.OktaAuth, OktaClientID: a.OktaClientID, OktaKeyPath: a.OktaKey, Probe: a.Probe, ProbeHosts: splitHosts(a.ProbeHosts)}.Normalize()
}

func (a *profileAnswers) secrets() map[profile.Kind]string {
	out := map[profile.Kind]string{}
	for _, n := range a.profile().Secrets() {
		switch n.Kind {
		case profile.ClientSecret:
			out[n.Kind] = a.ClientSecret
		case profile.CertificatePassword:
			out[n.Kind] = a.CertPassword
		case profile.OktaToken:
			out[n.Kind] = a.OktaToken
		}
	}
	return out
}

func (a *profileAnswers) clearSecrets() { a.ClientSecret, a.CertPassword, a.OktaToken = "", "", "" }

// buildProfileForm is the new-profile form and its answers.
func buildProfileForm() (*huh.Form, *profileAnswers) {
	return profileForm(profileAnswers{SignIn: profile.DeviceCode, OktaAuth: profile.OktaAPIToken}, nil)
}

// validHosts checks the form's on-premises endpoints, naming the first
// that does not read.
func validHosts(s string) error {
	for _, h := range splitHosts(s) {
		if _, _, _, err := tenant.ParseEndpoint(h); err != nil {
			return err
		}
	}
	return nil
}

// profileForm starts from prev (a refused form's answers) and refuses
// the names taken.
func profileForm(prev profileAnswers, taken []string) (*huh.Form, *profileAnswers) {
	a := &prev
	required := func(what string) func(string) error {
		return func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New(what + " is required")
			}
			return nil
		}
	}
	name := func(s string) error {
		s = strings.TrimSpace(s)
		if err := profile.CheckName(s); err != nil {
			return errors.New("1-64 letters, digits, . _ -")
		}
		for _, t := range taken {
			if t == s {
				return errors.New("a profile has that name")
			}
		}
		return nil
	}
	tenant := func(s string) error {
		if profile.CheckTenant(strings.TrimSpace(s)) != nil {
			return errors.New("a GUID, or a domain such as contoso.onmicrosoft.com")
		}
		return nil
	}
	guid := func(s string) error {
		if !profile.IsGUID(strings.TrimSpace(s)) {
			return errors.New("the application (client) id, a GUID")
		}
		return nil
	}
	okta := func(s string) error {
		if s = strings.TrimSpace(s); s != "" && profile.CheckOktaOrg(strings.TrimRight(s, "/")) != nil {
			return errors.New("https://ORG.okta.com, or empty when there is no Okta")
		}
		return nil
	}
	var signIns []huh.Option[profile.SignIn]
	for _, s := range profile.SignIns {
		signIns = append(signIns, huh.NewOption(s.Describe(), s))
	}
	hasOkta := func() bool { return strings.TrimSpace(a.OktaOrg) != "" }
	f := huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Title("Profile name").Value(&a.Name).Validate(name).Placeholder("contoso"),
			huh.NewInput().Title("Tenant").Value(&a.Tenant).Validate(tenant).Placeholder("contoso.onmicrosoft.com or its GUID"),
			huh.NewSelect[profile.SignIn]().Title("Sign in with").Options(signIns...).Value(&a.SignIn).Inline(true),
			huh.NewInput().Title("Application (client) id").Value(&a.ClientID).Validate(guid).
				Placeholder("the app registration's GUID"),
		).Title("New connection profile"),
		huh.NewGroup(
			huh.NewInput().Title("Certificate file").Description("PEM or PKCS#12, with its private key; it stays where it is").
				Value(&a.Certificate).Validate(required("the certificate file")),
			huh.NewInput().Title("Certificate password").Description("empty if none; goes to the OS keyring").
				Value(&a.CertPassword).EchoMode(huh.EchoModePassword),
		).Title("Certificate").WithHideFunc(func() bool { return a.SignIn != profile.Certificate }),
		huh.NewGroup(
			huh.NewInput().Title("Client secret").Description("goes to the OS keyring, never to a file").
				Value(&a.ClientSecret).EchoMode(huh.EchoModePassword).Validate(required("the client secret")),
		).Title("Client secret").WithHideFunc(func() bool { return a.SignIn != profile.Secret }),
		huh.NewGroup(
			huh.NewInput().Title("Okta org").Description("empty when the organisation does not federate with Okta").
				Value(&a.OktaOrg).Validate(okta).Placeholder("https://contoso.okta.com"),
			huh.NewSelect[profile.OktaAuth]().Title("Okta sign-in").Options(
				huh.NewOption("API token of a read-only admin", profile.OktaAPIToken),
				huh.NewOption("OAuth service app (private key)", profile.OktaOAuth),
			).Value(&a.OktaAuth).Inline(true),
		).Title("Okta"),
		huh.NewGroup(
			huh.NewInput().Title("Okta API token").Description("goes to the OS keyring, never to a file").
				Value(&a.OktaToken).EchoMode(huh.EchoModePassword).Validate(required("the API token")),
		).Title("Okta API token").WithHideFunc(func() bool { return !hasOkta() || a.OktaAuth != profile.OktaAPIToken }),
		huh.NewGroup(
			huh.NewInput().Title("Service app client id").Value(&a.OktaClientID).Validate(required("the client id")).Placeholder("0oa…"),
			huh.NewInput().Title("Private key file").Description("PEM, unencrypted; it stays where it is").
				Value(&a.OktaKey).Validate(required("the private key file")),
		).Title("Okta service app").WithHideFunc(func() bool { return !hasOkta() || a.OktaAuth != profile.OktaOAuth }),
		huh.NewGroup(
			huh.NewConfirm().Title("Probe the mail endpoints from here?").
				Description("TLS versions, ciphers, certificates, advertised password sign-in of Exchange Online's endpoints").
				Affirmative("Probe").Negative("Don't").Value(&a.Probe),
		).Title("Mail endpoints"),
		huh.NewGroup(
			huh.NewInput().Title("The organisation's own mail endpoints (optional)").
				Description("on-premises or hybrid Exchange, probed as well: host:port[/protocol], separated by spaces").
				Value(&a.ProbeHosts).Validate(validHosts).Placeholder("mail.contoso.com:993 mail.contoso.com:443"),
		).Title("On-premises endpoints").WithHideFunc(func() bool { return !a.Probe }),
	)
	return f, a
}

// --- views ---

// View renders the body.
func (m *Connect) View() string {
	w := max(m.width, 40)
	switch m.mode {
	case connectForm:
		return m.formView(w)
	case connectSigningIn:
		return m.signInView(w)
	}
	if m.perms {
		return m.permsView(w)
	}
	if m.width >= wideConnect {
		right := rightPanel(w)
		left := w - right - 1
		l := m.c.Styles.Column.Width(left).Render(m.listView(left, m.height))
		r := m.c.Styles.Column.Width(right).Render(strings.Join(m.panelLines(right-1), "\n"))
		return lipgloss.JoinHorizontal(lipgloss.Top, l, " ", r)
	}
	return m.listView(w, m.height)
}

// fitList cuts lines to n, saying how many were left out.
func fitList(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	if n < 1 {
		return nil
	}
	return append(lines[:n-1:n-1], fmt.Sprintf(" … %d more lines", len(lines)-n+1))
}

func (m *Connect) listView(w, h int) string {
	st := m.c.Styles
	var b []string
	title := " " + st.Section.Render("Connection profiles")
	switch {
	case !m.loaded:
		title += st.Muted.Render(" · reading…")
	case m.loadErr == nil:
		title += st.Muted.Render(" · " + plural(len(m.profiles), "profile"))
	}
	b = append(b, title, "")
	switch {
	case m.loadErr != nil:
		b = append(b, wrapIndented(st, st.Fail.Render("✗ ")+"Could not read the profiles: "+Clean(m.loadErr.Error()), w-2, 4)...)
		b = append(b, " "+st.Muted.Render("Fix the file (or move it away), then r reads it again."))
	case m.loaded && len(m.profiles) == 0:
		b = append(b, " No connection profiles yet.",
			" "+st.Key.Render("n")+" adds one: the tenant, how to sign in, and the Okta org if any.")
		b = append(b, styledWrap(st.Muted, "(or: harden365 profile add NAME --tenant T --sign-in device-code --client-id ID)", w)...)
	default:
		b = append(b, m.header(w))
		from, to := m.nav.Visible()
		for i := from; i < to; i++ {
			b = append(b, m.row(m.profiles[i], i == m.nav.Cursor, w))
		}
		if to < len(m.profiles) || from > 0 {
			b = append(b, " "+st.Muted.Render(fmt.Sprintf("%d-%d of %d", from+1, to, len(m.profiles))))
		}
		if p, ok := m.selected(); ok {
			b = append(b, "")
			b = append(b, m.details(p, w)...)
		}
	}
	b = append(b, "")
	b = append(b, m.status(w)...)
	if m.width < wideConnect && m.loadErr == nil {
		b = append(b, " "+st.Key.Render("p")+st.Muted.Render(" what harden365 asks the organisation for, and why"))
	}
	return strings.Join(fitList(b, h), "\n")
}

// columns are the widths of the list's columns: name, tenant, sign-in,
// Okta (0: no room for it).
func (m *Connect) columns(w int) (name, ten, okta int) {
	name = max(4, min(16, m.nameW))
	ten = max(12, min(36, m.tenantW, w-3-name-1-11-1))
	okta = w - 3 - name - 1 - ten - 1 - 11 - 1
	if okta < 10 {
		okta = 0
	}
	return name, ten, min(okta, 32)
}

func (m *Connect) header(w int) string {
	nw, tw, ow := m.columns(w)
	h := "  " + pad("NAME", nw) + " " + pad("TENANT", tw) + " " + pad("SIGN-IN", 11)
	if ow > 0 {
		h += " OKTA"
	}
	return " " + m.c.Styles.Header.Render(strings.TrimRight(h, " "))
}

// row is one profile: name, tenant, sign-in, Okta.
func (m *Connect) row(p profile.Profile, cur bool, w int) string {
	st := m.c.Styles
	mark, name := "  ", st.Label
	if cur {
		mark, name = st.Cursor.Render("› "), st.Selected
	}
	nw, tw, ow := m.columns(w)
	line := mark + name.Render(pad(truncate(Clean(p.Name), nw), nw)) + " " + pad(truncate(Clean(p.Tenant), tw), tw) + " " + pad(signInShort(p.SignIn), 11)
	if ow > 0 {
		okta := "-"
		if p.OktaOrg != "" {
			okta = strings.TrimPrefix(p.OktaOrg, "https://")
		}
		line += " " + st.Muted.Render(truncate(Clean(okta), ow))
	}
	if m.connected == p.Name {
		line += st.Pass.Render(" ✓ signed in")
	}
	return " " + line
}

func signInShort(s profile.SignIn) string {
	switch s {
	case profile.DeviceCode:
		return "device code"
	case profile.Browser:
		return "browser"
	case profile.Certificate:
		return "certificate"
	case profile.Secret:
		return "secret"
	}
	return Clean(string(s))
}

// details are the selected profile's settings.
func (m *Connect) details(p profile.Profile, w int) []string {
	st := m.c.Styles
	line := func(label, value string) string {
		return " " + st.Label.Render(pad(label, 9)) + " " + truncate(value, w-12)
	}
	signIn := p.SignIn.Describe()
	if p.SignIn == profile.Certificate {
		signIn = "certificate " + Clean(p.CertificatePath)
	}
	okta := "none"
	if p.OktaOrg != "" {
		okta = Clean(p.OktaOrg) + " · API token"
		if p.OktaAuth == profile.OktaOAuth {
			okta = Clean(p.OktaOrg) + " · service app " + Clean(p.OktaClientID)
		}
	}
	probe := "off: the mail endpoints are not probed"
	if p.Probing() {
		probe = "on: the mail endpoints are probed from this machine"
	}
	if len(p.ProbeHosts) > 0 {
		probe += ", Exchange Online's and " + Clean(strings.Join(p.ProbeHosts, ", "))
	}
	return []string{
		" " + st.Value.Render(truncate(Clean(p.Name), w-2)),
		line("Tenant", Clean(p.Tenant)),
		line("Sign-in", signIn),
		line("Client", Clean(p.ClientID)),
		line("Okta", okta),
		line("Probes", probe),
		line("Secrets", m.secretsLine(p)),
	}
}

func (m *Connect) secretsLine(p profile.Profile) string {
	needs := p.Secrets()
	if len(needs) == 0 {
		return "none needed"
	}
	var kinds []string
	for _, n := range needs {
		k := n.Kind.Describe()
		if n.Optional {
			k += " (if any)"
		}
		kinds = append(kinds, k)
	}
	if m.keyringErr != nil {
		var envs []string
		for _, n := range needs {
			envs = append(envs, n.Kind.Env())
		}
		return strings.Join(kinds, ", ") + " from " + strings.Join(envs, ", ")
	}
	return strings.Join(kinds, ", ") + " in the OS keyring"
}

// status is the last outcome: an error with what to do, a warning, or a
// notice.
func (m *Connect) status(w int) []string {
	st := m.c.Styles
	switch {
	case m.saving:
		return []string{" " + st.Running.Render(m.spin.View()) + " Saving…"}
	case m.err != "":
		return wrapIndented(st, st.Fail.Render("✗ ")+Clean(m.err), w-2, 4)
	case m.warn != "":
		return wrapIndented(st, st.Warn.Render("! ")+Clean(m.warn), w-2, 4)
	case m.notice != "":
		return wrapIndented(st, st.Pass.Render("✓ ")+Clean(m.notice), w-2, 2)
	}
	return nil
}

// wrapIndented wraps s to width, at most n lines, each indented by one.
func wrapIndented(st Styles, s string, width, n int) []string {
	lines := strings.Split(firstLines(st.Column.Width(max(width, 10)).Render(s), n), "\n")
	for i := range lines {
		lines[i] = " " + strings.TrimRight(lines[i], " ")
	}
	return lines
}

// permsProfile is the profile whose permissions are shown: the form's,
// the selected one, or a typical one when there is none.
func (m *Connect) permsProfile() profile.Profile {
	if m.mode == connectForm && m.answers != nil {
		return m.answers.profile()
	}
	if p, ok := m.selected(); ok {
		return p
	}
	return profile.Profile{SignIn: profile.DeviceCode, OktaOrg: "https://example.okta.com"}
}

var shortService = map[string]string{profile.ServiceGraph: "Graph", profile.ServiceExchange: "Exchange", profile.ServiceOkta: "Okta"}

// permLines are what harden365 asks for and why: reads first, then what
// only apply uses, then where secrets go. Names are never cut: a name
// too long for its column takes its own line, its reason the next.
func (m *Connect) permLines(p profile.Profile, w int) []string {
	st := m.c.Styles
	perms := profile.Permissions(p)
	how := "App-only: application permissions with admin consent, and roles given to the app."
	if p.SignIn.Delegated() {
		how = "Delegated: permissions of the app the admin signs in through, and the admin's own roles."
	}
	nameW := max(20, min(28, w/2-6))
	whyW := w - 4 - nameW - 1
	out := []string{" " + st.Section.Render("What harden365 asks for, and why")}
	out = append(out, wrapIndented(st, st.Muted.Render(how), w-2, 2)...)
	section := func(write bool) {
		if write {
			out = append(out, " "+st.Warn.Render("! ")+st.Label.Render("Only to apply: writes, only the steps you confirm"))
		} else {
			out = append(out, " "+st.Pass.Render("✓ ")+st.Label.Render("To assess: read only"))
		}
		last := ""
		for _, pm := range perms {
			if pm.Write != write {
				continue
			}
			if pm.Service != last {
				last = pm.Service
				out = append(out, "  "+st.Header.Render(pm.Service))
			}
			name := pm.Name
			if strings.Contains(pm.Kind, "role") {
				name += " role"
			}
			if lipgloss.Width(name) > nameW || whyW < 16 {
				out = append(out, "    "+st.Value.Render(name))
				for _, l := range strings.Split(st.Column.Width(max(w-7, 12)).Render(pm.Why), "\n") {
					out = append(out, "      "+strings.TrimRight(l, " "))
				}
				continue
			}
			why := strings.Split(st.Column.Width(whyW).Render(pm.Why), "\n")
			out = append(out, "    "+st.Value.Render(pad(name, nameW))+" "+strings.TrimRight(why[0], " "))
			for _, l := range why[1:] {
				out = append(out, strings.Repeat(" ", 4+nameW+1)+strings.TrimRight(l, " "))
			}
		}
	}
	section(false)
	section(true)
	return append(out, wrapIndented(st, st.Muted.Render(m.secretsWhere()), w-2, 3)...)
}

func (m *Connect) secretsWhere() string {
	if m.keyringErr != nil {
		return "No OS keyring here: secrets typed in last this run only; next time set H365_CLIENT_SECRET, H365_CERT_PASSWORD or H365_OKTA_TOKEN."
	}
	return "Secrets go to the OS keyring (service harden365), never to a file."
}

// panelLines are the permissions beside the list, cut to the height
// with a pointer to the page that shows them all.
func (m *Connect) panelLines(w int) []string {
	lines := m.permLines(m.permsProfile(), w)
	if len(lines) <= m.height {
		return lines
	}
	return append(lines[:m.height-1:m.height-1], " "+m.c.Styles.Muted.Render(fmt.Sprintf("… %d more lines · p shows them all", len(lines)-m.height+1)))
}

func (m *Connect) permsView(w int) string {
	st := m.c.Styles
	p := m.permsProfile()
	title := " " + st.Section.Render("Permissions") + st.Muted.Render(" of "+truncate(Clean(p.Name), 20)+" · p: back to the profiles")
	if p.Name == "" {
		title = " " + st.Section.Render("Permissions") + st.Muted.Render(" of a device-code profile with Okta · p: back")
	}
	lines := m.permLines(p, w)
	from := max(0, min(m.permsOff, len(lines)-m.permsPage()))
	to := min(from+m.permsPage(), len(lines))
	out := append([]string{truncate(title, w), ""}, lines[from:to]...)
	if to < len(lines) {
		out[len(out)-1] = " " + st.Muted.Render(fmt.Sprintf("↓ %d more lines (j)", len(lines)-to+1))
	}
	return strings.Join(out, "\n")
}

func (m *Connect) formView(w int) string {
	st := m.c.Styles
	note := wrapIndented(st, st.Muted.Render(m.secretsWhere()), w-2, 2)
	if m.width >= wideConnect {
		fw, _ := m.formSize()
		right := w - fw - 3
		l := st.Column.Width(fw + 2).Render(" " + strings.ReplaceAll(m.form.View(), "\n", "\n "))
		r := st.Column.Width(right).Render(strings.Join(fitList(m.permLines(m.permsProfile(), right-1), m.height), "\n"))
		return lipgloss.JoinHorizontal(lipgloss.Top, l, " ", r)
	}
	lines := strings.Split(" "+strings.ReplaceAll(m.form.View(), "\n", "\n "), "\n")
	lines = fitList(lines, m.height-1-len(note))
	return strings.Join(append(append(lines, ""), note...), "\n")
}

func (m *Connect) signInView(w int) string {
	st := m.c.Styles
	p := m.signingAs
	out := []string{" " + st.Running.Render(m.spin.View()) + " Signing in with " + st.Value.Render(truncate(Clean(p.Name), 30)) +
		st.Muted.Render(" · "+signInShort(p.SignIn)), ""}
	tenant := Clean(p.Tenant)
	switch {
	case p.SignIn == profile.DeviceCode && m.prompt == nil:
		out = append(out, " Asking Entra ID for a device code…")
	case p.SignIn == profile.DeviceCode:
		code := st.Column.Width(min(w-4, 60)).Render(
			st.Label.Render("Open  ") + st.Value.Render(Clean(m.prompt.URL)) + "\n" +
				st.Label.Render("Code  ") + st.Key.Render(Clean(m.prompt.Code)))
		out = append(out, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, " ", st.Panel.Render(code)), "\n")...)
		out = append(out, wrapIndented(st, "on any device (a phone will do), and sign in as an admin of "+tenant+".", w-2, 2)...)
		if msg := strings.TrimSpace(m.prompt.Message); msg != "" {
			out = append(out, "")
			out = append(out, wrapIndented(st, st.Muted.Render("Entra ID: "+Clean(msg)), w-2, 3)...)
		}
	case p.SignIn == profile.Browser:
		out = append(out, wrapIndented(st, "A browser window opens on this machine: sign in there as an admin of "+tenant+
			". No browser here? esc, and use a device-code profile.", w-2, 3)...)
	default:
		out = append(out, wrapIndented(st, "Signing in as the app "+Clean(p.ClientID)+" of "+tenant+" with its "+signInShort(p.SignIn)+".", w-2, 3)...)
	}
	if p.OktaOrg != "" && p.OktaAuth == profile.OktaOAuth {
		out = append(out, wrapIndented(st, st.Muted.Render("Then an Okta token for the service app "+Clean(p.OktaClientID)+"."), w-2, 2)...)
	}
	out = append(out, "", " "+st.Muted.Render("Waiting for the sign-in · esc cancels"))
	return strings.Join(fitList(out, m.height), "\n")
}
