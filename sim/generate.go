package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Generate returns a large, realistic organisation of mailboxes mailboxes
// as a scenario file (JSON), a pure function of (mailboxes, seed): the same
// arguments give the same bytes.
//
// The organisation is "mostly hardened with a realistic tail open", joined
// as the built-in scenarios are (see scenarios/README.md, "Conventions"):
//
//   - four mail domains: three federated to one Okta Office 365 app (about
//     70 / 12 / 8 % of the mailboxes) and one managed (about 10 %), plus
//     the initial *.onmicrosoft.com domain holding a break-glass admin;
//   - the Graph id is ExternalDirectoryObjectId; the UPN is
//     PrimarySmtpAddress, mail, Get-User UserPrincipalName, the usage
//     report's userPrincipalName and (federated domains) the Okta login;
//     Get-User and Get-CASMailbox share the alias as Identity;
//   - protocol switches: POP and IMAP off but for a tail (about 1 % and
//     3 %), ActiveSync on for most, SMTP AUTH off at the tenant with a few
//     mailboxes turning it back on; a default authentication policy that
//     blocks basic auth and a SMTP-basic policy assigned to the service
//     mailboxes (scanners, an ERP, a ticketing system);
//   - Okta Identity Engine: department groups, an exception group, the
//     Office 365 app's rules (deny legacy except the exception group, the
//     exception group from the office zone only, browser and modern with
//     MFA, catch-all deny), users with factors (a tail without), zones;
//   - sign-ins in the 30 days before asOf, mostly modern, with a tail of
//     legacy clientAppUsed values (IMAP4, POP3, Exchange ActiveSync,
//     Authenticated SMTP, MAPI Over HTTP, Outlook Anywhere) and their user
//     agents; every successful sign-in of an Okta user pairs with one
//     user.authentication.sso event 1-3 seconds earlier;
//   - email-app usage rows (one per mailbox) and version counts that
//     agree with them, mobile devices, conditional access policies, the
//     Exchange checklist's tenant settings, DNS records for every mail
//     domain and two mail endpoints.
//
// Size: about 3 KB of JSON per mailbox.
func Generate(mailboxes int, seed int64) ([]byte, error) {
	if mailboxes < 1 {
		return nil, errors.New("generate: --mailboxes must be at least 1")
	}
	if mailboxes > 5_000_000 {
		return nil, errors.New("generate: at most 5,000,000 mailboxes")
	}
	g := newGenerator(mailboxes, seed)
	g.build()
	var buf bytes.Buffer
	buf.Grow(mailboxes * 3300)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g.doc()); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	return buf.Bytes(), nil
}

// GenerateScenario is Generate, parsed.
func GenerateScenario(mailboxes int, seed int64) (*Scenario, error) {
	data, err := Generate(mailboxes, seed)
	if err != nil {
		return nil, err
	}
	return Parse(data, fmt.Sprintf("generated:%d:%d", mailboxes, seed))
}

// --- the organisation's constants.

const genAsOf = "2026-11-01"

var genOrgs = []struct{ name, slug string }{
	{"Tailspin Toys", "tailspin"}, {"Fourth Coffee", "fourthcoffee"}, {"Litware Inc.", "litware"},
	{"Adventure Works", "adventureworks"}, {"Wide World Importers", "wideworld"}, {"Proseware", "proseware"},
	{"Woodgrove Bank", "woodgrove"}, {"Alpine Ski House", "alpineski"},
}

var genFirst = []string{
	"Aaron", "Abigail", "Adam", "Aisha", "Alan", "Alice", "Amir", "Ana", "Andrea", "Anna", "Ben", "Bianca", "Boris", "Carla",
	"Carlos", "Chen", "Chloe", "Daniel", "Dana", "David", "Diego", "Elena", "Eli", "Emma", "Eric", "Eva", "Farah", "Felix",
	"Fatima", "Gabriel", "Grace", "Hannah", "Hugo", "Ines", "Ivan", "Jack", "Jana", "Jin", "Joao", "Julia", "Kai", "Kate",
	"Kenji", "Laura", "Leo", "Lina", "Lucas", "Maya", "Marco", "Maria", "Mei", "Milan", "Nadia", "Nina", "Noah", "Olga",
	"Omar", "Paula", "Pedro", "Priya", "Rafael", "Rosa", "Sam", "Sara", "Sofia", "Tariq", "Tom", "Uma", "Victor", "Yara",
	"Yusuf", "Zoe",
}

var genLast = []string{
	"Adams", "Ahmed", "Alvarez", "Bakker", "Bauer", "Bernard", "Brown", "Chen", "Cohen", "Costa", "Das", "Dubois", "Evans",
	"Fischer", "Garcia", "Gupta", "Hansen", "Haddad", "Ito", "Jansen", "Jones", "Kim", "Klein", "Kowalski", "Kumar", "Larsen",
	"Lee", "Lopez", "Martin", "Meyer", "Moreau", "Muller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
	"Peters", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Visser", "Wagner",
	"Wang", "Weber", "Wilson", "Wong", "Yilmaz", "Zhang",
}

var genDepts = []struct {
	name   string
	weight int
	titles []string
}{
	{"Sales", 18, []string{"Sales Representative", "Account Manager", "Sales Manager", "Inside Sales Specialist"}},
	{"Marketing", 8, []string{"Marketing Specialist", "Marketing Manager", "Content Writer"}},
	{"Engineering", 20, []string{"Software Engineer", "Senior Software Engineer", "Engineering Manager", "QA Engineer"}},
	{"Operations", 14, []string{"Operations Analyst", "Logistics Coordinator", "Operations Manager"}},
	{"Finance", 7, []string{"Accountant", "Financial Analyst", "Controller"}},
	{"Human Resources", 4, []string{"HR Generalist", "Recruiter", "HR Manager"}},
	{"Legal", 2, []string{"Paralegal", "Legal Counsel"}},
	{"IT", 5, []string{"IT Support Specialist", "Systems Administrator", "IT Administrator"}},
	{"Customer Support", 15, []string{"Support Agent", "Support Team Lead"}},
	{"Research", 7, []string{"Research Scientist", "Lab Technician", "Research Engineer"}},
}

// Domain kinds: share of the mailboxes, in per mille.
var genDomainKinds = []struct {
	suffix    string
	federated bool
	share     int
}{
	{"", true, 700}, {"-eu", true, 120}, {"-intl", true, 80}, {"-labs", false, 100},
}

// Desktop clients: report label, sign-in user agent, clientAppUsed, share
// in per mille.
var genDesktops = []struct {
	key, label, ua, app, os string
	share                   int
}{
	{"m365", "Outlook M365", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.19328; Pro)", "Mobile Apps and Desktop clients", "Windows 10", 640},
	{"2019", "Outlook 2019", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.10417; Pro)", "Mobile Apps and Desktop clients", "Windows 10", 50},
	{"2016", "Outlook 2016", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.5473; Pro)", "Mobile Apps and Desktop clients", "Windows 10", 50},
	{"2013", "Outlook 2013", "Microsoft Office/15.0 (Windows NT 10.0; Microsoft Outlook 15.0.5127; Pro)", "MAPI Over HTTP", "Windows 10", 15},
	{"2010", "Outlook 2010", "Microsoft Office/14.0 (Windows NT 6.1; Microsoft Outlook 14.0.7015; Pro)", "Outlook Anywhere (RPC over HTTP)", "Windows 7", 5},
	{"mac", "Outlook M365", "MacOutlook/16.102.25101223 (Intelx64 Mac OS X 15.7.1 (Build 24G231))", "Mobile Apps and Desktop clients", "MacOs", 90},
	{"", "", "", "", "", 150}, // web and mobile only
}

const (
	genAppOffice  = "d3590ed6-52b3-4102-aeff-aad2292ab01c"
	genAppOutlook = "5d661950-3475-41cd-a2c3-d671a3162bc1"
	genAppMobile  = "27922004-5251-4030-b22d-91ecd9a37ea4"
	genAppEXO     = "00000002-0000-0ff1-ce00-000000000000"
	genEdgeUA     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0"
	genThunderUA  = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.3.1"
	genLiveMailUA = "Microsoft Windows Live Mail 16.4.3528.0331"
	policyBlock   = "Block Basic Authentication"
	policySMTP    = "Allow SMTP Basic"
	exoTimeLayout = "2006-01-02T15:04:05.0000000+00:00"
	oktaLayout    = "2006-01-02T15:04:05.000Z"
	graphLayout   = "2006-01-02T15:04:05Z"
)

// --- generator state.

type generator struct {
	n     int
	r     *rand.Rand
	asOf  time.Time
	org   string
	slug  string
	tenID string

	domains  []genDomain
	initial  string
	exkKey   string
	appID    string
	polID    string
	decoyID  string
	excGroup string
	everyone string
	deptIDs  []string
	officeZ  string
	legacyZ  string

	users   []*genUser // mailboxes, then the break-glass admin last
	signIns []genSignIn
	logs    []genLog

	rulesChanged time.Time // newest Office 365 rule change

	domainW, deptW, desktopW []int
}

type genDomain struct {
	name      string
	federated bool
}

type genUser struct {
	alias, upn, first, last, display, title string
	dept                                    int
	domain                                  int // index in generator.domains; -1: initial
	graphID, exoGUID, oktaID                string
	service                                 string // "", "scanner", "erp", "jira"
	breakGlass                              bool
	oktaStatus                              string
	factors                                 []genFactor

	desktop int    // index in genDesktops
	mobile  string // "ios", "android" (Outlook mobile), "iphone-eas", "android-eas", ""
	web     bool
	imap    bool // a legacy IMAP client (Thunderbird)
	pop     bool // a legacy POP client

	owa, mapi, ews, eas, popOn, imapOn bool
	smtpDisabled                       *bool
	authPolicy                         *string
	sessionsFrom                       time.Time
	whenChanged                        time.Time
	created                            time.Time
	lastActivity                       time.Time
}

type genFactor struct {
	ID         string `json:"id"`
	FactorType string `json:"factorType"`
	Provider   string `json:"provider"`
	Status     string `json:"status"`
}

func newGenerator(n int, seed int64) *generator {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6861_7264_656e_3336)) // "harden36"
	asOf, _ := time.Parse("2006-01-02", genAsOf)
	o := genOrgs[r.IntN(len(genOrgs))]
	g := &generator{n: n, r: r, asOf: asOf, org: o.name, slug: o.slug}
	g.tenID = g.guid()
	g.initial = o.slug + ".onmicrosoft.com"
	for _, k := range genDomainKinds {
		g.domains = append(g.domains, genDomain{name: o.slug + k.suffix + ".example", federated: k.federated})
	}
	g.exkKey = g.oktaID("exk")
	g.appID = g.oktaID("0oa")
	g.polID = g.oktaID("rst")
	g.decoyID = g.oktaID("rst")
	g.excGroup = g.oktaID("00g")
	g.everyone = g.oktaID("00g")
	for range genDepts {
		g.deptIDs = append(g.deptIDs, g.oktaID("00g"))
	}
	g.officeZ = g.oktaID("nzo")
	g.legacyZ = g.oktaID("nzo")
	for _, k := range genDomainKinds {
		g.domainW = append(g.domainW, k.share)
	}
	for _, d := range genDepts {
		g.deptW = append(g.deptW, d.weight)
	}
	for _, d := range genDesktops {
		g.desktopW = append(g.desktopW, d.share)
	}
	g.rulesChanged = asOf.AddDate(0, 0, -200).Add(14*time.Hour + 5*time.Minute + 31*time.Second)
	return g
}

// --- random helpers.

func (g *generator) per(m int) bool { return g.r.IntN(1000) < m }

func (g *generator) guid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const genAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// oktaID is an Okta-style id: prefix plus random characters, 20 in all.
func (g *generator) oktaID(prefix string) string {
	b := []byte(prefix)
	for len(b) < 20 {
		b = append(b, genAlnum[g.r.IntN(len(genAlnum))])
	}
	return string(b)
}

func (g *generator) hex(n int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

// inWindow is a random instant in the 30 days before asOf, to the second.
func (g *generator) inWindow() time.Time {
	return g.asOf.Add(-30 * 24 * time.Hour).Add(time.Duration(g.r.IntN(30*24*3600-60)) * time.Second)
}

// past is a random instant between from and to days before asOf.
func (g *generator) past(fromDays, toDays int) time.Time {
	d := toDays + g.r.IntN(max(fromDays-toDays, 1))
	return g.asOf.AddDate(0, 0, -d).Add(time.Duration(g.r.IntN(9*3600)+8*3600) * time.Second)
}

func (g *generator) officeIP() string { return fmt.Sprintf("203.0.113.%d", 10+g.r.IntN(200)) }
func (g *generator) remoteIP() string { return fmt.Sprintf("198.51.100.%d", 2+g.r.IntN(250)) }

// pick returns an index with probability proportional to its weight.
func (g *generator) pick(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := g.r.IntN(total)
	for i, w := range weights {
		if x -= w; x < 0 {
			return i
		}
	}
	return len(weights) - 1
}

// --- building.

func (g *generator) build() {
	g.buildUsers()
	g.buildActivity()
}

func (g *generator) buildUsers() {
	used := make(map[string]int, g.n)
	services := 0
	if g.n >= 10 {
		services = 2 + g.n/2000 // an ERP, a ticketing system and scanners
	}
	for i := range g.n {
		u := &genUser{graphID: g.guid(), exoGUID: g.guid()}
		u.domain = g.pick(g.domainW)
		switch {
		case i < services:
			u.domain = 0
			switch i {
			case 0:
				u.service, u.alias, u.display = "erp", "erp", "ERP notifications"
			case 1:
				u.service, u.alias, u.display = "jira", "servicedesk", "Service desk"
			default:
				u.service, u.alias, u.display = "scanner", fmt.Sprintf("scanner%02d", i-1), fmt.Sprintf("Scanner %d", i-1)
			}
			u.dept = 7 // IT
		default:
			u.first, u.last = genFirst[g.r.IntN(len(genFirst))], genLast[g.r.IntN(len(genLast))]
			base := strings.ToLower(u.first + "." + u.last)
			u.alias = base
			if k := used[base]; k > 0 {
				u.alias = fmt.Sprintf("%s%d", base, k+1)
			}
			used[base]++
			u.display = u.first + " " + u.last
			u.dept = g.pick(g.deptW)
			titles := genDepts[u.dept].titles
			u.title = titles[g.r.IntN(len(titles))]
		}
		u.upn = u.alias + "@" + g.domains[u.domain].name
		u.created = g.past(2400, 60)
		u.whenChanged = g.past(700, 40)
		g.clients(u)
		g.switches(u)
		// Sessions: most were revoked after the newest rule change (the
		// hardening), a tail before it.
		if g.per(880) {
			u.sessionsFrom = g.rulesChanged.AddDate(0, 0, 1+g.r.IntN(150)).Add(time.Duration(g.r.IntN(3600)) * time.Second)
		} else {
			u.sessionsFrom = g.past(900, 220)
		}
		if g.domains[u.domain].federated {
			g.oktaUser(u)
		}
		g.users = append(g.users, u)
	}
	bg := &genUser{graphID: g.guid(), exoGUID: g.guid(), alias: "breakglass", display: "Break Glass Account", breakGlass: true, domain: -1, desktop: len(genDesktops) - 1}
	bg.upn = "breakglass@" + g.initial
	bg.sessionsFrom = g.past(900, 700)
	bg.whenChanged = g.past(900, 700)
	bg.created = bg.whenChanged
	g.users = append(g.users, bg)
}

// clients picks a mailbox's mail clients.
func (g *generator) clients(u *genUser) {
	if u.service != "" {
		u.desktop = len(genDesktops) - 1
		return
	}
	u.desktop = g.pick(g.desktopW)
	switch x := g.r.IntN(1000); {
	case x < 250:
		u.mobile = "ios"
	case x < 400:
		u.mobile = "android"
	case x < 430:
		u.mobile = "iphone-eas"
	case x < 445:
		u.mobile = "android-eas"
	}
	u.web = genDesktops[u.desktop].key == "" || g.per(300)
	u.imap = g.per(12)
	u.pop = !u.imap && g.per(4)
}

// switches sets the CAS switches and the authentication policy: hardened
// for most, a realistic tail open.
func (g *generator) switches(u *genUser) {
	u.owa, u.mapi, u.ews, u.eas = true, true, true, true
	if u.service != "" {
		u.owa, u.mapi, u.ews, u.eas = false, false, false, false
		u.imapOn = u.service != "erp"
		f := false
		u.smtpDisabled = &f
		p := policySMTP
		u.authPolicy = &p
		return
	}
	if u.mobile == "" && g.per(150) {
		u.eas = false
	}
	u.imapOn = u.imap || g.per(20)
	u.popOn = u.pop || g.per(8)
	switch x := g.r.IntN(1000); {
	case x < 15:
		f := false // SMTP AUTH turned back on for this mailbox
		u.smtpDisabled = &f
	case x < 60:
		t := true
		u.smtpDisabled = &t
	}
	if u.imap || u.pop {
		if g.per(200) {
			p := policySMTP
			u.authPolicy = &p
		}
	}
}

func (g *generator) oktaUser(u *genUser) {
	u.oktaID = g.oktaID("00u")
	u.oktaStatus = "ACTIVE"
	switch x := g.r.IntN(1000); {
	case x < 8:
		u.oktaStatus = "SUSPENDED"
	case x < 14:
		u.oktaStatus = "PROVISIONED"
	}
	u.factors = []genFactor{}
	if u.service != "" || u.oktaStatus == "PROVISIONED" {
		return
	}
	switch x := g.r.IntN(1000); {
	case x < 40: // no factor
	case x < 55:
		u.factors = append(u.factors, genFactor{g.oktaID("opf"), "push", "OKTA", "PENDING_ACTIVATION"})
	default:
		u.factors = append(u.factors, genFactor{g.oktaID("opf"), "push", "OKTA", "ACTIVE"})
		if g.per(250) {
			u.factors = append(u.factors, genFactor{g.oktaID("ost"), "token:software:totp", "OKTA", "ACTIVE"})
		}
		if g.per(80) {
			u.factors = append(u.factors, genFactor{g.oktaID("fwf"), "webauthn", "FIDO", "ACTIVE"})
		}
	}
}

// --- activity: sign-ins and their Okta events.

type genSignIn struct {
	ID                      string         `json:"id"`
	CreatedDateTime         string         `json:"createdDateTime"`
	UserDisplayName         string         `json:"userDisplayName"`
	UserPrincipalName       string         `json:"userPrincipalName"`
	UserID                  string         `json:"userId"`
	AppID                   string         `json:"appId"`
	AppDisplayName          string         `json:"appDisplayName"`
	IPAddress               string         `json:"ipAddress"`
	ClientAppUsed           string         `json:"clientAppUsed"`
	UserAgent               string         `json:"userAgent"`
	ConditionalAccessStatus string         `json:"conditionalAccessStatus"`
	IsInteractive           bool           `json:"isInteractive"`
	ResourceDisplayName     string         `json:"resourceDisplayName"`
	Status                  map[string]any `json:"status"`
	DeviceDetail            map[string]any `json:"deviceDetail"`

	t time.Time
}

type genLog struct {
	UUID           string         `json:"uuid"`
	Published      string         `json:"published"`
	EventType      string         `json:"eventType"`
	DisplayMessage string         `json:"displayMessage"`
	Actor          map[string]any `json:"actor"`
	Client         map[string]any `json:"client"`
	Outcome        map[string]any `json:"outcome"`
	Target         []any          `json:"target"`
	DebugContext   map[string]any `json:"debugContext"`

	t time.Time
}

var genLegacyApps = map[string]bool{
	"IMAP4": true, "POP3": true, "Exchange ActiveSync": true, "Authenticated SMTP": true,
	"MAPI Over HTTP": true, "Outlook Anywhere (RPC over HTTP)": true, "Exchange Web Services": true,
}

func (g *generator) buildActivity() {
	for _, u := range g.users {
		if u.breakGlass {
			continue
		}
		last := time.Time{}
		add := func(count int, app, appID, appName, ua, os, browser string, office bool) {
			for range count {
				t := g.inWindow()
				ip := g.remoteIP()
				if office {
					ip = g.officeIP()
				}
				g.signIn(u, t, app, appID, appName, ua, os, browser, ip)
				if t.After(last) {
					last = t
				}
			}
		}
		switch u.service {
		case "scanner":
			add(1+g.r.IntN(3), "IMAP4", genAppEXO, "Office 365 Exchange Online", "RICOH IM C3000/1.07", "", "", true)
			add(1+g.r.IntN(3), "Authenticated SMTP", genAppEXO, "Office 365 Exchange Online", "RICOH IM C3000/1.07", "", "", true)
		case "erp":
			add(3, "Authenticated SMTP", genAppEXO, "Office 365 Exchange Online", "Odoo/17.0 (smtplib)", "Linux", "", true)
		case "jira":
			add(3, "IMAP4", genAppEXO, "Office 365 Exchange Online", "Atlassian JIRA/9.12.1 (JavaMail 1.6.2)", "Linux", "", true)
		}
		if d := genDesktops[u.desktop]; d.key != "" && g.per(600) {
			appID, name := genAppOffice, "Microsoft Office"
			if d.key == "mac" {
				appID, name = genAppOutlook, "Microsoft Outlook"
			}
			if genLegacyApps[d.app] {
				appID, name = genAppEXO, "Office 365 Exchange Online"
			}
			add(1, d.app, appID, name, d.ua, d.os, "", g.per(500))
		}
		if u.web && g.per(400) {
			add(1, "Browser", genAppEXO, "Office 365 Exchange Online", genEdgeUA, "Windows 10", "Edge 141.0.0", g.per(500))
		}
		switch u.mobile {
		case "ios":
			if g.per(300) {
				add(1, "Mobile Apps and Desktop clients", genAppMobile, "Outlook Mobile", "Outlook-iOS/2.0", "Ios", "", false)
			}
		case "android":
			if g.per(300) {
				add(1, "Mobile Apps and Desktop clients", genAppMobile, "Outlook Mobile", "Outlook-Android/2.0", "Android", "", false)
			}
		case "iphone-eas":
			add(1+g.r.IntN(3), "Exchange ActiveSync", genAppEXO, "Office 365 Exchange Online", "Apple-iPhone17C1/2301.355", "Ios", "", false)
		case "android-eas":
			add(1+g.r.IntN(3), "Exchange ActiveSync", genAppEXO, "Office 365 Exchange Online", "SAMSUNG-SM-S921B/101.150401", "Android", "", false)
		}
		if u.imap {
			add(1+g.r.IntN(3), "IMAP4", genAppEXO, "Office 365 Exchange Online", genThunderUA, "Linux", "", false)
		}
		if u.pop {
			add(1+g.r.IntN(2), "POP3", genAppEXO, "Office 365 Exchange Online", genLiveMailUA, "Windows 7", "", false)
		}
		if last.IsZero() {
			last = g.inWindow()
		}
		u.lastActivity = last
	}
	sort.Slice(g.signIns, func(i, j int) bool { // newest first
		if !g.signIns[i].t.Equal(g.signIns[j].t) {
			return g.signIns[i].t.After(g.signIns[j].t)
		}
		return g.signIns[i].ID < g.signIns[j].ID
	})
	sort.Slice(g.logs, func(i, j int) bool { // oldest first
		if !g.logs[i].t.Equal(g.logs[j].t) {
			return g.logs[i].t.Before(g.logs[j].t)
		}
		return g.logs[i].UUID < g.logs[j].UUID
	})
}

func (g *generator) signIn(u *genUser, t time.Time, app, appID, appName, ua, os, browser, ip string) {
	s := genSignIn{
		ID: g.guid(), CreatedDateTime: t.Format(graphLayout), UserDisplayName: u.display, UserPrincipalName: u.upn,
		UserID: u.graphID, AppID: appID, AppDisplayName: appName, IPAddress: ip, ClientAppUsed: app, UserAgent: ua,
		ConditionalAccessStatus: "notApplied", IsInteractive: true, ResourceDisplayName: "Office 365 Exchange Online",
		Status: map[string]any{"errorCode": 0, "failureReason": "Other.", "additionalDetails": nil},
		DeviceDetail: map[string]any{"deviceId": "", "displayName": nil, "operatingSystem": os, "browser": browser,
			"isCompliant": nil, "isManaged": nil, "trustType": nil},
		t: t,
	}
	legacy := genLegacyApps[app]
	fed := u.oktaID != ""
	failed := !fed && legacy
	if failed {
		// Managed domain: the tenant's CA policy blocks legacy auth.
		s.Status = map[string]any{"errorCode": 53003, "failureReason": "Access has been blocked by Conditional Access policies.", "additionalDetails": nil}
		s.ConditionalAccessStatus = "failure"
	} else if !legacy {
		s.ConditionalAccessStatus = "success"
	}
	g.signIns = append(g.signIns, s)
	if !fed || failed {
		return
	}
	lt := t.Add(-time.Duration(1000+g.r.IntN(2000)) * time.Millisecond)
	uri := "/app/office365/" + g.exkKey + "/sso/wsfed/passive"
	if legacy {
		uri = "/app/office365/" + g.exkKey + "/sso/wsfed/active"
	}
	g.logs = append(g.logs, genLog{
		UUID: g.guid(), Published: lt.Format(oktaLayout), EventType: "user.authentication.sso", DisplayMessage: "User single sign on to app",
		Actor:   map[string]any{"id": u.oktaID, "type": "User", "alternateId": u.upn, "displayName": u.display},
		Client:  map[string]any{"userAgent": map[string]any{"rawUserAgent": ua, "os": orUnknown(os), "browser": "UNKNOWN"}, "ipAddress": ip},
		Outcome: map[string]any{"result": "SUCCESS", "reason": nil},
		Target: []any{map[string]any{"id": g.appID, "type": "AppInstance", "alternateId": "Microsoft Office 365",
			"displayName": "Microsoft Office 365"}},
		DebugContext: map[string]any{"debugData": map[string]any{"requestUri": uri}},
		t:            lt,
	})
}

func orUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}

// --- the document.

func exoTime(t time.Time) string { return t.UTC().Format(exoTimeLayout) }

func (g *generator) doc() map[string]any {
	mailboxes := g.users[:len(g.users)-1]
	return map[string]any{
		"name": fmt.Sprintf("generated-%d", g.n),
		"description": fmt.Sprintf("%s: a generated organisation of %d mailboxes (harden365 sim generate), mostly hardened with a realistic tail open.",
			g.org, g.n),
		"asOf":      genAsOf,
		"tenant":    map[string]any{"id": g.tenID, "displayName": g.org, "initialDomain": g.initial},
		"graph":     g.graphDoc(),
		"exchange":  g.exchangeDoc(mailboxes),
		"okta":      g.oktaDoc(mailboxes),
		"dns":       g.dnsDoc(),
		"endpoints": g.endpointsDoc(),
	}
}

func (g *generator) allDomains() []map[string]any {
	var out []map[string]any
	for i, d := range g.domains {
		typ := "Managed"
		if d.federated {
			typ = "Federated"
		}
		services := []string{"Email"}
		if i == 0 {
			services = append(services, "OfficeCommunicationsOnline")
		}
		out = append(out, map[string]any{"id": d.name, "authenticationType": typ, "isVerified": true, "isDefault": i == 0,
			"isInitial": false, "isRoot": true, "supportedServices": services})
	}
	out = append(out, map[string]any{"id": g.initial, "authenticationType": "Managed", "isVerified": true, "isDefault": false,
		"isInitial": true, "isRoot": true, "supportedServices": []string{"Email", "OfficeCommunicationsOnline"}})
	return out
}

func (g *generator) graphDoc() map[string]any {
	doms := g.allDomains()
	var verified []any
	for _, d := range doms {
		verified = append(verified, map[string]any{"name": d["id"], "type": d["authenticationType"], "isDefault": d["isDefault"], "isInitial": d["isInitial"]})
	}
	okta := "https://" + g.slug + ".okta.com"
	fed := map[string]any{}
	for _, d := range g.domains {
		if !d.federated {
			continue
		}
		fed[d.name] = []any{map[string]any{
			"@odata.type": "#microsoft.graph.internalDomainFederation", "id": g.guid(), "displayName": "Okta",
			"issuerUri": "http://www.okta.com/" + g.exkKey, "metadataExchangeUri": okta + "/app/office365/" + g.exkKey + "/sso/wsfed/mex",
			"signingCertificate": "MIIDqDCCApCgAwIBAgIGAYuN0vQxMA0GCSqGSIb3DQEBCwUAMIGUMQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYQ==", "nextSigningCertificate": nil,
			"passiveSignInUri": okta + "/app/office365/" + g.exkKey + "/sso/wsfed/passive",
			"activeSignInUri":  okta + "/app/office365/" + g.exkKey + "/sso/wsfed/active",
			"signOutUri":       okta + "/login/signout", "preferredAuthenticationProtocol": "wsFed", "promptLoginBehavior": "nativeSupport",
			"isSignedAuthenticationRequestRequired": false, "federatedIdpMfaBehavior": "enforceMfaByFederatedIdp",
		}}
	}
	type graphUser struct {
		ID                string  `json:"id"`
		UPN               string  `json:"userPrincipalName"`
		DisplayName       string  `json:"displayName"`
		Mail              *string `json:"mail"`
		JobTitle          *string `json:"jobTitle"`
		AccountEnabled    bool    `json:"accountEnabled"`
		UserType          string  `json:"userType"`
		OnPremisesSync    bool    `json:"onPremisesSyncEnabled"`
		SessionsValidFrom string  `json:"signInSessionsValidFromDateTime"`
	}
	users := make([]graphUser, len(g.users))
	for i, u := range g.users {
		users[i] = graphUser{ID: u.graphID, UPN: u.upn, DisplayName: u.display, AccountEnabled: true, UserType: "Member",
			OnPremisesSync: !u.breakGlass && u.service == "", SessionsValidFrom: u.sessionsFrom.UTC().Format(graphLayout)}
		if !u.breakGlass {
			users[i].Mail = &u.upn
		}
		if u.title != "" {
			users[i].JobTitle = &u.title
		}
	}
	bg := g.users[len(g.users)-1].graphID
	ca := []any{
		map[string]any{"id": g.guid(), "displayName": "Block legacy authentication", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}, "excludeUsers": []string{bg},
				"includeGroups": []string{}, "excludeGroups": []string{}, "includeRoles": []string{}, "excludeRoles": []string{}},
				"applications":   map[string]any{"includeApplications": []string{"All"}, "excludeApplications": []string{}},
				"clientAppTypes": []string{"exchangeActiveSync", "other"}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}}},
		map[string]any{"id": g.guid(), "displayName": "Require MFA for administrators", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{}, "excludeUsers": []string{bg},
				"includeGroups": []string{}, "excludeGroups": []string{},
				"includeRoles": []string{"62e90394-69f5-4237-9190-012177145e10", "29232cdf-9323-42fd-ade2-1d097af3e4de"}, "excludeRoles": []string{}},
				"applications":   map[string]any{"includeApplications": []string{"All"}, "excludeApplications": []string{}},
				"clientAppTypes": []string{"all"}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}},
	}
	usage, versions := g.usage()
	return map[string]any{
		"organization":              []any{map[string]any{"id": g.tenID, "displayName": g.org, "verifiedDomains": verified}},
		"domains":                   doms,
		"federationConfiguration":   fed,
		"users":                     users,
		"signIns":                   g.signIns,
		"conditionalAccessPolicies": ca,
		"identitySecurityDefaultsEnforcementPolicy": map[string]any{"id": "00000000-0000-0000-0000-000000000005", "displayName": "Security Defaults", "isEnabled": false},
		"emailAppUsageUserDetail":                   usage,
		"emailAppUsageVersionsUserCounts":           versions,
	}
}

type genUsage struct {
	ReportRefreshDate string   `json:"reportRefreshDate"`
	UPN               string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	IsDeleted         bool     `json:"isDeleted"`
	DeletedDate       *string  `json:"deletedDate"`
	LastActivityDate  string   `json:"lastActivityDate"`
	MailForMac        []string `json:"mailForMac"`
	OutlookForMac     []string `json:"outlookForMac"`
	OutlookForWindows []string `json:"outlookForWindows"`
	OutlookForMobile  []string `json:"outlookForMobile"`
	OtherForMobile    []string `json:"otherForMobile"`
	OutlookForWeb     []string `json:"outlookForWeb"`
	Pop3App           []string `json:"pop3App"`
	Imap4App          []string `json:"imap4App"`
	SmtpApp           []string `json:"smtpApp"`
	ReportPeriod      string   `json:"reportPeriod"`
}

func (g *generator) usage() ([]genUsage, []any) {
	refresh := g.asOf.AddDate(0, 0, -1).Format("2006-01-02")
	counts := map[string]int{}
	und := []string{"Undetermined"}
	var rows []genUsage
	for _, u := range g.users {
		if u.breakGlass {
			continue
		}
		row := genUsage{ReportRefreshDate: refresh, UPN: u.upn, DisplayName: u.display, LastActivityDate: u.lastActivity.Format("2006-01-02"),
			MailForMac: []string{}, OutlookForMac: []string{}, OutlookForWindows: []string{}, OutlookForMobile: []string{},
			OtherForMobile: []string{}, OutlookForWeb: []string{}, Pop3App: []string{}, Imap4App: []string{}, SmtpApp: []string{}, ReportPeriod: "30"}
		switch d := genDesktops[u.desktop]; d.key {
		case "":
		case "mac":
			row.OutlookForMac = []string{d.label}
		default:
			row.OutlookForWindows = []string{d.label}
			counts[d.label]++
		}
		switch u.mobile {
		case "ios":
			row.OutlookForMobile = []string{"Outlook for iOS"}
		case "android":
			row.OutlookForMobile = []string{"Outlook for Android"}
		case "iphone-eas", "android-eas":
			row.OtherForMobile = und
		}
		if u.web {
			row.OutlookForWeb = und
		}
		if u.imap || u.service == "scanner" || u.service == "jira" {
			row.Imap4App = und
		}
		if u.pop {
			row.Pop3App = und
		}
		if u.service == "scanner" || u.service == "erp" {
			row.SmtpApp = und
		}
		rows = append(rows, row)
	}
	versions := []any{map[string]any{"reportRefreshDate": refresh, "outlook2016": counts["Outlook 2016"], "outlook2013": counts["Outlook 2013"],
		"outlook2010": counts["Outlook 2010"], "outlook2007": 0, "outlook2019": counts["Outlook 2019"], "outlookM365": counts["Outlook M365"],
		"undetermined": 0, "reportPeriod": "30"}}
	return rows, versions
}

func (g *generator) exchangeDoc(mailboxes []*genUser) map[string]any {
	type cas struct {
		Identity, Name, DisplayName, PrimarySmtpAddress, ExternalDirectoryObjectId, Guid string
		OWAEnabled, MAPIEnabled, EwsEnabled, ActiveSyncEnabled, PopEnabled, ImapEnabled  bool
		SmtpClientAuthenticationDisabled                                                 *bool
	}
	type exoUser struct {
		Identity, UserPrincipalName, DisplayName, Title, RecipientTypeDetails string
		AuthenticationPolicy                                                  *string
		ExternalDirectoryObjectId                                             string
		RemotePowerShellEnabled                                               bool
		StsRefreshTokensValidFrom                                             string
		AccountDisabled                                                       bool
		WhenChanged                                                           string
	}
	type mailbox struct {
		Identity, Name, DisplayName, UserPrincipalName, PrimarySmtpAddress, ExternalDirectoryObjectId, Guid, RecipientTypeDetails string
		AuditEnabled                                                                                                              bool
		AuditLogAgeLimit                                                                                                          string
		DefaultAuditSet                                                                                                           []string
		WhenChanged                                                                                                               string
	}
	type bypass struct {
		Identity, Name     string
		AuditBypassEnabled bool
	}
	type device struct {
		Identity, Guid, DeviceId, DeviceType, DeviceModel, DeviceOS, DeviceUserAgent, ClientType, ClientVersion, UserDisplayName string
		FirstSyncTime, LastSyncAttemptTime, DeviceAccessState                                                                    string
	}
	var (
		casRows  = make([]cas, 0, len(mailboxes))
		userRows = make([]exoUser, 0, len(g.users))
		mbxRows  = make([]mailbox, 0, len(mailboxes))
		bypRows  = make([]bypass, 0, len(g.users))
		devRows  []device
		orgMgmt  = []string{"TenantAdmins_-" + fmt.Sprint(100000000+g.r.IntN(900000000)), "ExchangeServiceAdmins_-" + fmt.Sprint(100000000+g.r.IntN(900000000))}
	)
	for _, u := range g.users {
		rtd := "UserMailbox"
		if u.breakGlass {
			rtd = "User"
		}
		userRows = append(userRows, exoUser{Identity: u.alias, UserPrincipalName: u.upn, DisplayName: u.display, Title: u.title,
			RecipientTypeDetails: rtd, AuthenticationPolicy: u.authPolicy, ExternalDirectoryObjectId: u.graphID,
			RemotePowerShellEnabled:   !u.breakGlass && u.service == "" && genDepts[u.dept].name == "IT",
			StsRefreshTokensValidFrom: exoTime(u.sessionsFrom), WhenChanged: exoTime(u.whenChanged)})
		bypRows = append(bypRows, bypass{Identity: u.alias, Name: u.alias, AuditBypassEnabled: u.service == "scanner" && u.alias == "scanner01"})
		if u.breakGlass {
			continue
		}
		casRows = append(casRows, cas{Identity: u.alias, Name: u.alias, DisplayName: u.display, PrimarySmtpAddress: u.upn,
			ExternalDirectoryObjectId: u.graphID, Guid: u.exoGUID, OWAEnabled: u.owa, MAPIEnabled: u.mapi, EwsEnabled: u.ews,
			ActiveSyncEnabled: u.eas, PopEnabled: u.popOn, ImapEnabled: u.imapOn, SmtpClientAuthenticationDisabled: u.smtpDisabled})
		mbxRows = append(mbxRows, mailbox{Identity: u.alias, Name: u.alias, DisplayName: u.display, UserPrincipalName: u.upn,
			PrimarySmtpAddress: u.upn, ExternalDirectoryObjectId: u.graphID, Guid: u.exoGUID, RecipientTypeDetails: rtd,
			AuditEnabled: true, AuditLogAgeLimit: "90.00:00:00", DefaultAuditSet: []string{"Admin", "Delegate", "Owner"}, WhenChanged: exoTime(u.whenChanged)})
		if len(orgMgmt) < 6 && u.title == "IT Administrator" {
			orgMgmt = append(orgMgmt, u.alias)
		}
		first := g.past(700, 60).Format(exoTimeLayout)
		lastSync := exoTime(u.lastActivity)
		switch u.mobile {
		case "ios", "android":
			id := g.hex(32)
			os, ua, ver := "iOS 26.0.1 23A355", "Outlook-iOS/2.0", "4.2540.0"
			if u.mobile == "android" {
				os, ua, ver = "Android 16", "Outlook-Android/2.0", "4.2538.1"
			}
			devRows = append(devRows, device{Identity: u.alias + `\ExchangeActiveSyncDevices\Outlook§` + id, Guid: g.guid(), DeviceId: id,
				DeviceType: "Outlook", DeviceModel: "Outlook for iOS and Android", DeviceOS: os, DeviceUserAgent: ua, ClientType: "Outlook",
				ClientVersion: ver, UserDisplayName: u.display, FirstSyncTime: first, LastSyncAttemptTime: lastSync, DeviceAccessState: "Allowed"})
		case "iphone-eas":
			id := "Appl" + g.hex(11)
			devRows = append(devRows, device{Identity: u.alias + `\ExchangeActiveSyncDevices\iPhone§` + id, Guid: g.guid(), DeviceId: id,
				DeviceType: "iPhone", DeviceModel: "iPhone17C1", DeviceOS: "iOS 26.0.1 23A355", DeviceUserAgent: "Apple-iPhone17C1/2301.355",
				ClientType: "EAS", ClientVersion: "16.1", UserDisplayName: u.display, FirstSyncTime: first, LastSyncAttemptTime: lastSync, DeviceAccessState: "Allowed"})
		case "android-eas":
			id := "androidc" + g.hex(10)
			devRows = append(devRows, device{Identity: u.alias + `\ExchangeActiveSyncDevices\Android§` + id, Guid: g.guid(), DeviceId: id,
				DeviceType: "Android", DeviceModel: "SM-S921B", DeviceOS: "Android 15", DeviceUserAgent: "SAMSUNG-SM-S921B/101.150401",
				ClientType: "EAS", ClientVersion: "16.1", UserDisplayName: u.display, FirstSyncTime: first, LastSyncAttemptTime: lastSync, DeviceAccessState: "Allowed"})
		}
	}
	if devRows == nil {
		devRows = []device{}
	}
	allow := func(smtp bool) map[string]any {
		m := map[string]any{"Guid": g.guid(), "WhenChanged": exoTime(g.asOf.AddDate(0, 0, -420))}
		for _, p := range []string{"ActiveSync", "Autodiscover", "Imap", "Mapi", "OfflineAddressBook", "OutlookService", "Pop",
			"Powershell", "ReportingWebServices", "Rest", "Rpc", "Smtp", "WebServices"} {
			m["AllowBasicAuth"+p] = smtp && p == "Smtp"
		}
		return m
	}
	block, smtp := allow(false), allow(true)
	block["Identity"], block["Name"] = policyBlock, policyBlock
	smtp["Identity"], smtp["Name"] = policySMTP, policySMTP
	roleGroup := func(name string, members []string) map[string]any {
		return map[string]any{"Identity": name, "Name": name, "Guid": g.guid(), "RoleGroupType": "Standard", "Members": members,
			"WhenChanged": exoTime(g.asOf.AddDate(-3, 0, 0))}
	}
	var dkim []any
	for i, d := range g.domains {
		dash := strings.ReplaceAll(d.name, ".", "-")
		on := i != len(g.domains)-1 // the managed labs domain has DKIM off
		status := "Valid"
		if !on {
			status = "CnameMissing"
		}
		dkim = append(dkim, map[string]any{"Identity": d.name, "Domain": d.name, "Enabled": on, "Status": status,
			"Selector1CNAME": "selector1-" + dash + "._domainkey." + g.initial, "Selector2CNAME": "selector2-" + dash + "._domainkey." + g.initial})
	}
	return map[string]any{
		"Get-OrganizationConfig": []any{map[string]any{"Identity": g.initial, "Name": g.initial, "Guid": g.guid(),
			"OAuth2ClientProfileEnabled": true, "DefaultAuthenticationPolicy": policyBlock, "AuditDisabled": false, "EwsEnabled": nil,
			"WhenChanged": exoTime(g.asOf.AddDate(0, 0, -230))}},
		"Get-TransportConfig": []any{map[string]any{"Identity": "Transport Settings", "SmtpClientAuthenticationDisabled": true,
			"WhenChanged": exoTime(g.asOf.AddDate(0, 0, -400))}},
		"Get-CASMailbox":                    casRows,
		"Get-User":                          userRows,
		"Get-Mailbox":                       mbxRows,
		"Get-MailboxAuditBypassAssociation": bypRows,
		"Get-MobileDevice":                  devRows,
		"Get-AuthenticationPolicy":          []any{block, smtp},
		"Get-CASMailboxPlan": []any{
			map[string]any{"Identity": "ExchangeOnlineEnterprise-" + g.guid(), "Name": "ExchangeOnlineEnterprise", "PopEnabled": false, "ImapEnabled": false,
				"ActiveSyncEnabled": true, "OwaMailboxPolicy": "OwaMailboxPolicy-Default"},
			map[string]any{"Identity": "ExchangeOnline-" + g.guid(), "Name": "ExchangeOnline", "PopEnabled": true, "ImapEnabled": true,
				"ActiveSyncEnabled": true, "OwaMailboxPolicy": "OwaMailboxPolicy-Default"},
		},
		"Get-DkimSigningConfig":   dkim,
		"Get-AdminAuditLogConfig": []any{map[string]any{"Identity": "Admin Audit Log Settings", "AdminAuditLogEnabled": true, "UnifiedAuditLogIngestionEnabled": true}},
		"Get-RoleGroup": []any{
			roleGroup("Organization Management", orgMgmt), roleGroup("Recipient Management", []string{}),
			roleGroup("View-Only Organization Management", []string{"GlobalReaders_-" + fmt.Sprint(100000000+g.r.IntN(900000000))}),
			roleGroup("Compliance Management", []string{}), roleGroup("Help Desk", []string{"HelpdeskAdmins_-" + fmt.Sprint(100000000+g.r.IntN(900000000))}),
			roleGroup("Security Administrator", []string{"SecurityAdmins_-" + fmt.Sprint(100000000+g.r.IntN(900000000))}),
		},
		"Get-MalwareFilterPolicy": []any{map[string]any{"Identity": "Default", "Name": "Default", "Guid": g.guid(), "IsDefault": true,
			"EnableFileFilter": true, "FileTypeAction": "Reject", "FileTypes": []string{"ace", "apk", "cab", "cmd", "exe", "iso", "jar", "js", "lnk", "msi", "ps1", "scr", "vbs"},
			"ZapEnabled": true, "QuarantineTag": "AdminOnlyAccessPolicy", "EnableInternalSenderAdminNotifications": true,
			"InternalSenderAdminAddress": "secops@" + g.domains[0].name, "WhenChanged": exoTime(g.asOf.AddDate(-1, 0, 0))}},
		"Get-IRMConfiguration": []any{map[string]any{"AzureRMSLicensingEnabled": true, "InternalLicensingEnabled": true, "ExternalLicensingEnabled": false,
			"SimplifiedClientAccessEnabled": true, "JournalReportDecryptionEnabled": true, "TransportDecryptionSetting": "Optional", "EDiscoverySuperUserEnabled": true}},
		"Get-SmimeConfig": []any{map[string]any{"OWAAllowUserChoiceOfSigningCertificate": false, "OWAAlwaysEncrypt": false, "OWAAlwaysSign": false,
			"OWACheckCRLOnSend": false, "OWAClearSign": true, "OWADisableCRLCheck": false, "OWAEncryptionAlgorithms": "6610",
			"SMIMECertificateIssuingCA": nil, "SMIMECertificatesExpiryDate": nil, "SMIMEExpiredCertificateThumbprint": ""}},
		"Get-InboundConnector":  []any{},
		"Get-OutboundConnector": []any{},
	}
}

func (g *generator) oktaDoc(mailboxes []*genUser) map[string]any {
	org := "https://" + g.slug + ".okta.com"
	var fedDomains []string
	for _, d := range g.domains {
		if d.federated {
			fedDomains = append(fedDomains, d.name)
		}
	}
	type oktaUser struct {
		ID        string            `json:"id"`
		Status    string            `json:"status"`
		Created   string            `json:"created"`
		LastLogin *string           `json:"lastLogin"`
		Profile   map[string]string `json:"profile"`
	}
	var (
		users   []oktaUser
		factors = map[string][]genFactor{}
		members = map[string][]string{}
	)
	for _, u := range mailboxes {
		if u.oktaID == "" {
			continue
		}
		first, last := u.first, u.last
		if first == "" {
			first, last = u.display, "Service"
		}
		ou := oktaUser{ID: u.oktaID, Status: u.oktaStatus, Created: u.created.Format(oktaLayout),
			Profile: map[string]string{"login": u.upn, "email": u.upn, "firstName": first, "lastName": last, "department": genDepts[u.dept].name}}
		if u.oktaStatus == "ACTIVE" {
			ll := u.lastActivity.Format(oktaLayout)
			ou.LastLogin = &ll
		}
		users = append(users, ou)
		factors[u.oktaID] = u.factors
		members[g.everyone] = append(members[g.everyone], u.oktaID)
		if u.service != "" {
			members[g.excGroup] = append(members[g.excGroup], u.oktaID)
		} else {
			members[g.deptIDs[u.dept]] = append(members[g.deptIDs[u.dept]], u.oktaID)
		}
	}
	if users == nil {
		users = []oktaUser{}
	}
	groups := []any{
		map[string]any{"id": g.everyone, "type": "BUILT_IN", "profile": map[string]any{"name": "Everyone", "description": "All users in your organization"}},
		map[string]any{"id": g.excGroup, "type": "OKTA_GROUP", "profile": map[string]any{"name": "O365 legacy exceptions", "description": "Mailboxes with a documented need for legacy protocols (scanners, ERP, service desk)"}},
	}
	groupUsers := map[string]any{}
	groupUsers[g.everyone] = orEmpty(members[g.everyone])
	groupUsers[g.excGroup] = orEmpty(members[g.excGroup])
	for i, d := range genDepts {
		groups = append(groups, map[string]any{"id": g.deptIDs[i], "type": "OKTA_GROUP", "profile": map[string]any{"name": d.name, "description": d.name + " department"}})
		groupUsers[g.deptIDs[i]] = orEmpty(members[g.deptIDs[i]])
	}
	changed := g.rulesChanged.Format(oktaLayout)
	older := g.rulesChanged.AddDate(0, 0, -90).Format(oktaLayout)
	signOn := func(access, mode, reauth string, constraints []any) map[string]any {
		return map[string]any{"appSignOn": map[string]any{"access": access, "verificationMethod": map[string]any{"type": "ASSURANCE",
			"factorMode": mode, "reauthenticateIn": reauth, "constraints": constraints}}}
	}
	rule := func(id, name string, prio int, system bool, created, updated string, cond, actions map[string]any) map[string]any {
		var c any
		if cond != nil {
			c = cond
		}
		return map[string]any{"id": id, "type": "ACCESS_POLICY", "name": name, "status": "ACTIVE", "priority": prio, "system": system,
			"created": created, "lastUpdated": updated, "conditions": c, "actions": actions}
	}
	rules := []any{
		rule(g.oktaID("0pr"), "Deny legacy authentication clients", 0, false, older, changed,
			map[string]any{"people": map[string]any{"users": map[string]any{"exclude": []string{}}, "groups": map[string]any{"exclude": []string{g.excGroup}}},
				"network": map[string]any{"connection": "ANYWHERE"}, "office365Client": map[string]any{"include": []string{"EXCHANGE_ACTIVE_SYNC"}}},
			signOn("DENY", "1FA", "PT43800H", []any{})),
		rule(g.oktaID("0pr"), "Legacy exceptions from the office only", 1, false, older, older,
			map[string]any{"people": map[string]any{"users": map[string]any{"exclude": []string{}}, "groups": map[string]any{"include": []string{g.excGroup}}},
				"network": map[string]any{"connection": "ZONE", "include": []string{g.officeZ}}, "office365Client": map[string]any{"include": []string{"EXCHANGE_ACTIVE_SYNC"}}},
			signOn("ALLOW", "1FA", "PT43800H", []any{})),
		rule(g.oktaID("0pr"), "Web and modern auth with MFA", 2, false, older, older,
			map[string]any{"people": map[string]any{"users": map[string]any{"exclude": []string{}}},
				"network": map[string]any{"connection": "ANYWHERE"}, "office365Client": map[string]any{"include": []string{"WEB", "MODERN_AUTH"}}},
			signOn("ALLOW", "2FA", "PT2H", []any{map[string]any{"knowledge": map[string]any{"types": []string{"password"}}}})),
		rule(g.oktaID("0pr"), "Catch-all Rule", 99, true, older, older, nil, signOn("DENY", "1FA", "PT43800H", []any{})),
	}
	decoyRule := rule(g.oktaID("0pr"), "Catch-all Rule", 99, true, older, older, nil, signOn("ALLOW", "1FA", "PT43800H", []any{}))
	return map[string]any{
		"orgUrl":   org,
		"pipeline": "idx",
		"apps": []any{map[string]any{"id": g.appID, "name": "office365", "label": "Microsoft Office 365", "status": "ACTIVE", "signOnMode": "SAML_1_1",
			"created": older, "lastUpdated": older,
			"settings": map[string]any{"app": map[string]any{"domain": g.domains[0].name, "domains": fedDomains, "msftTenant": g.slug,
				"wsFedConfigureType": "AUTO", "windowsTransportEnabled": false}},
			"_links": map[string]any{"accessPolicy": map[string]any{"href": org + "/api/v1/policies/" + g.polID}}}},
		"policies": []any{
			map[string]any{"id": g.decoyID, "type": "ACCESS_POLICY", "name": "Default Policy", "status": "ACTIVE", "system": true},
			map[string]any{"id": g.polID, "type": "ACCESS_POLICY", "name": "Microsoft Office 365", "status": "ACTIVE", "system": false},
		},
		"policyRules": map[string]any{g.decoyID: []any{decoyRule}, g.polID: rules},
		"groups":      groups,
		"groupUsers":  groupUsers,
		"users":       users,
		"factors":     factors,
		"zones": []any{
			map[string]any{"id": g.legacyZ, "type": "IP", "name": "LegacyIpZone", "status": "ACTIVE", "usage": "POLICY", "system": true, "gateways": nil, "proxies": nil},
			map[string]any{"id": g.officeZ, "type": "IP", "name": "Office egress", "status": "ACTIVE", "usage": "POLICY", "system": false,
				"gateways": []any{map[string]any{"type": "CIDR", "value": "203.0.113.0/24"}}, "proxies": nil},
		},
		"logs": g.logs,
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (g *generator) dnsDoc() []any {
	var out []any
	rec := func(name, typ, value string) {
		out = append(out, map[string]any{"name": name, "type": typ, "value": value})
	}
	for i, d := range g.domains {
		dash := strings.ReplaceAll(d.name, ".", "-")
		rec(d.name, "MX", "0 "+dash+".mail.protection.outlook.com.")
		all := "-all"
		if i == len(g.domains)-1 {
			all = "~all" // the labs domain: soft fail
		}
		rec(d.name, "TXT", "v=spf1 include:spf.protection.outlook.com "+all)
		rec("autodiscover."+d.name, "CNAME", "autodiscover.outlook.com.")
		if i < len(g.domains)-1 {
			policy := "reject"
			if i > 0 {
				policy = "quarantine"
			}
			rec("_dmarc."+d.name, "TXT", "v=DMARC1; p="+policy+"; pct=100; rua=mailto:dmarc@"+g.domains[0].name)
			rec("selector1._domainkey."+d.name, "CNAME", "selector1-"+dash+"._domainkey."+g.initial+".")
			rec("selector2._domainkey."+d.name, "CNAME", "selector2-"+dash+"._domainkey."+g.initial+".")
		}
		if i == 0 {
			rec("_smtp._tls."+d.name, "TXT", "v=TLSRPTv1; rua=mailto:tlsrpt@"+d.name)
		}
	}
	return out
}

func (g *generator) endpointsDoc() []any {
	tlsOK := map[string]any{"versions": []string{"1.2", "1.3"},
		"ciphers":     []string{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		"certificate": map[string]any{"signature": "SHA256-RSA", "notAfter": g.asOf.AddDate(0, 5, 20).Format(graphLayout)}}
	return []any{
		map[string]any{"host": "outlook.office365.com", "port": 993, "protocol": "imaps", "tls": tlsOK, "advertises": []string{"AUTH=PLAIN", "AUTH=XOAUTH2", "SASL-IR"}},
		map[string]any{"host": "smtp.office365.com", "port": 587, "protocol": "smtp", "tls": tlsOK, "advertises": []string{"STARTTLS", "AUTH LOGIN XOAUTH2"}},
	}
}
