package assess

// The mail-client inventory: every client seen for every user, classified
// against the whitepaper's supported/unsupported tables 3-5 (MISSION.md,
// "Clients (tables 3-5)").
//
// Evidence comes from four sources, merged per user:
//
//   - the email-app usage report (s.Entra.EmailAppUsage): which app
//     families a user used, without builds;
//   - sign-ins (s.Entra.SignIns): the user agent, and clientAppUsed, which
//     says whether the client signed in with basic auth (the legacy values)
//     or with modern auth ("Browser", "Mobile Apps and Desktop clients");
//   - Get-MobileDevice (s.Exchange.MobileDevices): the device OS (the iOS
//     or Android version of native mail) and, for Outlook mobile, the only
//     place its app version appears (ClientVersion);
//   - the Okta System Log (s.Okta.Logs): the user agent, and the request
//     URI (…/sso/wsfed/active is basic auth relayed by Microsoft,
//     …/sso/wsfed/passive a browser or modern-auth sign-in).
//
// Decisions where the tables are silent (each also written into the
// finding's TableRow):
//
//   - A product the tables list as supported, seen below the tested version
//     (Outlook 2016 for Mac below 16.12, Outlook for iOS below 2.75.0,
//     Outlook for Android below 2.2.143, iOS Mail 11.0 to 11.3.0), is
//     "conditional": it can do modern auth after an update. Windows 10 Mail
//     before 17.9126.21785.0 is "no", as briefed. The same product with no
//     version reported is "yes" (the table row names the product). The
//     whitepaper's "2.2143" for Outlook for Android is read as build
//     2.2.143 (the app's 2018 numbering); 3.x and 4.x are above it either
//     way.
//   - Outlook 16.x for Windows is named from the user's report labels
//     (Outlook 2016 / 2019 / M365) when they decide, else from the build
//     (16.0.4xxx-5xxx MSI: 2016; 16.0.103xx-104xx: 2019 volume), else
//     "Outlook 2016 or later". Outlook for Mac 15.x-16.16 is Outlook 2016;
//     16.17 and later without a report label is "Outlook 2019 or later for
//     Mac". All are "yes".
//   - Apple Mail on macOS after 10.13.4: Microsoft and Apple (Exchange team
//     blog, June 2022) say Apple Mail on macOS supports OAuth for Exchange
//     Online, but an account uses it only if it was added after that
//     support arrived. From 10.14 it is "conditional"; 10.13.5-10.13.6 is
//     "unknown" (no source for the first macOS release with it).
//   - Android native mail newer than 8.1.0 is "unknown": native apps vary
//     (AOSP Email, Gmail, Samsung Email) and the tables tested 8.1.0 only.
//   - Thunderbird 78 and later support OAuth2 for Microsoft 365 (IMAP, POP,
//     SMTP; first in 77 beta, first release 78): "yes". Older Thunderbird
//     on Linux is table 5's "*nix native client": "no"; older Thunderbird
//     elsewhere is "no" too. Other *nix clients (Evolution, mutt, ...) are
//     table 5: "no".
//   - Windows Live Mail (discontinued January 2017) never had OAuth: "no".
//   - Outlook on the web (any browser sign-in, or the report's outlookForWeb
//     column) is "yes": OWA needs no legacy protocol.
//   - A client the user agent names but no rule knows (a scanner, a
//     ticketing system, a script) is judged by what it was seen doing: a
//     modern-auth sign-in → "yes"; only basic-auth sign-ins → "no" (as
//     configured, blocking basic auth cuts it off); neither → "unknown".
//   - Evidence beats the tables: a client seen signing in with modern auth
//     is "yes" whatever its row says (e.g. Outlook 2013 with EnableADAL
//     set).
//   - Protocol-only evidence (the report's pop3App/imap4App/smtpApp columns,
//     which say "Undetermined", and legacy sign-ins without a user agent)
//     proves use of a protocol, not a client. It is first attributed to an
//     identified client of the same user that used that protocol (or to a
//     known POP/IMAP mail program such as Thunderbird). What remains is a
//     "POP3 client" / "IMAP4 client" / "SMTP client": "no" when the
//     snapshot's AsOf is before 30 April 2020 (table 1: POP and IMAP had no
//     modern auth in 2019; Exchange Online added OAuth for IMAP, POP and
//     SMTP AUTH in 2020), "unknown" after.
//   - The report's otherForMobile column (native EAS mail, Windows 10 Mail)
//     is attributed to the user's identified native mobile client, else it
//     is an "Other mobile mail client", "unknown".
//   - Failed sign-ins that prove nothing about the user's own client are
//     skipped: wrong-password failures (50126, 50034, 50053, 50056, e.g. a
//     password spray) and failures without a user agent. Okta events failed
//     for invalid credentials are skipped likewise.
//
// Merging: one ClientUse per (user, client, version). Evidence without a
// version (a report column, the constant "Outlook-iOS/2.0" user agent) is
// merged into every entry of the same user and client that has one.
// Sources are listed best first (mobileDevice, signIn, oktaLog,
// emailAppUsage), then alphabetically, joined by "; ".

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harden365/harden365/tenant"
)

// Table rows (ClientUse.TableRow). The fixed ones are constants so that
// checks and tests can name them.
const (
	RowWinOutlook2016     = "Table 3 (Windows): Outlook 2016 and later (16.x) — supports modern auth"
	RowWinOutlook2013     = "Table 3 (Windows): Outlook 2013 (15.x) — supports modern auth only with the EnableADAL and Version registry keys set"
	RowWinOutlook2010     = "Table 3 (Windows): Outlook 2010 and older — no modern auth"
	RowWinMail            = "Table 3 (Windows): Windows 10 Mail 17.9126.21785.0 and later — supports modern auth"
	RowWinMailOld         = "Table 3 (Windows): Windows 10 Mail before 17.9126.21785.0 — no modern auth"
	RowWinMailUnknown     = "Table 3 (Windows): Windows 10 Mail, build not known (17.9126.21785.0 and later support modern auth)"
	RowWinOutlookUnknown  = "Table 3 (Windows): Outlook, version not reported"
	RowMacOutlook2016     = "Table 4 (macOS): Outlook 2016 16.12 and later — supports modern auth"
	RowMacOutlookOld16    = "Table 4 (macOS): Outlook 2016 below the tested 16.12 — update to 16.12 or later for modern auth"
	RowMacOutlook2011     = "Table 4 (macOS): Outlook 2011 and older — no modern auth"
	RowMacOutlookUnknown  = "Table 4 (macOS): Outlook for Mac, version not reported"
	RowMacMail            = "Table 4 (macOS): native Mail on 10.13.4 and older — no modern auth"
	RowMacMailNewer       = "Table 4 (macOS): native Mail after 10.13.4 — beyond the tables: Apple Mail supports OAuth for Exchange Online, but only for accounts added (or migrated) after that support arrived"
	RowMacMailUnknown     = "Table 4 (macOS): native Mail, macOS version not known (10.13.4 tested: no modern auth)"
	RowIOSOutlook         = "Table 4 (iOS): Outlook app 2.75.0 and later — supports modern auth"
	RowIOSOutlookOld      = "Table 4 (iOS): Outlook app below the tested 2.75.0 — update for modern auth"
	RowIOSMail            = "Table 4 (iOS): native Mail on iOS 11.3.1 and later (Exchange modern-auth discovery) — supports modern auth"
	RowIOSMailEarly11     = "Table 4 (iOS): native Mail on iOS 11 below the tested 11.3.1 — update for modern auth"
	RowIOSMailOld         = "Table 4 (iOS): native Mail on iOS 10.3.3 and older — no modern auth"
	RowIOSMailUnknown     = "Table 4 (iOS): native Mail, iOS version not known (11.3.1 and later support modern auth)"
	RowAndroidOutlook     = "Table 5 (Android): Outlook app 2.2143 and later — supports modern auth"
	RowAndroidOutlookOld  = "Table 5 (Android): Outlook app below the tested 2.2143 — update for modern auth"
	RowAndroidMail        = "Table 5 (Android): native mail on 8.1.0 and older — no modern auth"
	RowAndroidMailNewer   = "Table 5 (Android): native mail newer than the tested 8.1.0 — beyond the tables: native apps vary, check the app"
	RowAndroidMailUnknown = "Table 5 (Android): native mail, Android version not known (8.1.0 tested: no modern auth)"
	RowNixNative          = "Table 5 (*nix): none officially — native clients have no modern auth"
	RowOWA                = "Outlook on the web: works in every browser, no legacy protocol — modern auth"
	RowThunderbirdOAuth   = "not in the whitepaper's tables: Thunderbird 78 and later support OAuth2 for Microsoft 365"
	RowThunderbirdOld     = "not in the whitepaper's tables: Thunderbird before 78 has no OAuth2 for Microsoft 365"
	RowWindowsLiveMail    = "not in the whitepaper's tables: Windows Live Mail (discontinued 2017) has no OAuth — basic auth only"
	RowTable1POPIMAP      = "Table 1: POP and IMAP (and SMTP AUTH) had no modern auth in Exchange Online before April 2020"
	RowUnidentified       = "not in the whitepaper's tables: client not identified"
	RowUnrecognised       = "not in the whitepaper's tables: unrecognised client, no sign-in says how it authenticates"
	rowModernSeen         = " — overridden: a modern-auth sign-in with this client was seen"
)

// invOAuthProtocols is when Exchange Online offered OAuth for IMAP, POP and
// SMTP AUTH (announced 30 April 2020; POP followed in June 2020).
var invOAuthProtocols = time.Date(2020, 4, 30, 0, 0, 0, 0, time.UTC)

// Inventory classifies every mail client seen for every user, sorted by user, then client.
func Inventory(s *tenant.Snapshot) []ClientUse {
	if s == nil {
		return nil
	}
	b := invNewBuilder(s)
	b.sightings = make([]invSighting, 0, 2*len(s.Entra.EmailAppUsage)+len(s.Exchange.MobileDevices)+len(s.Entra.SignIns)+len(s.Okta.Logs))
	b.addReports(s.Entra.EmailAppUsage)
	b.addDevices(s.Exchange.MobileDevices)
	b.addSignIns(s.Entra.SignIns)
	b.addOktaLogs(s.Okta.Logs)
	return b.result()
}

// SameInventoryInputs reports whether a and b have the same inventory:
// the same date, usage report, mobile devices, sign-ins, Okta log events
// and mailbox identities (what Inventory reads). Equal strings that share
// their bytes (a clone's) compare at once.
func SameInventoryInputs(a, b *tenant.Snapshot) bool {
	if !a.AsOf.Equal(b.AsOf) ||
		!slices.EqualFunc(a.Entra.EmailAppUsage, b.Entra.EmailAppUsage, sameUsage) ||
		!slices.Equal(a.Exchange.MobileDevices, b.Exchange.MobileDevices) ||
		!slices.Equal(a.Entra.SignIns, b.Entra.SignIns) ||
		!slices.EqualFunc(a.Okta.Logs, b.Okta.Logs, func(x, y tenant.OktaLog) bool {
			return x.ActorAlternateID == y.ActorAlternateID && x.UserAgent == y.UserAgent && x.Result == y.Result && x.Reason == y.Reason &&
				x.RequestURI == y.RequestURI && x.EventType == y.EventType && x.OS == y.OS
		}) ||
		!slices.EqualFunc(a.Exchange.Users, b.Exchange.Users, func(x, y tenant.ExchangeUser) bool {
			return x.Identity == y.Identity && x.UserPrincipalName == y.UserPrincipalName
		}) ||
		!slices.EqualFunc(a.Exchange.CASMailboxes, b.Exchange.CASMailboxes, func(x, y tenant.CASMailbox) bool {
			return x.Identity == y.Identity && x.Name == y.Name && x.PrimarySmtpAddress == y.PrimarySmtpAddress
		}) {
		return false
	}
	return true
}

func sameUsage(x, y tenant.EmailAppUsage) bool {
	return x.UserPrincipalName == y.UserPrincipalName && x.DisplayName == y.DisplayName && x.LastActivityDate == y.LastActivityDate &&
		x.ReportRefreshDate == y.ReportRefreshDate && slices.Equal(x.MailForMac, y.MailForMac) && slices.Equal(x.OutlookForMac, y.OutlookForMac) &&
		slices.Equal(x.OutlookForWindows, y.OutlookForWindows) && slices.Equal(x.OutlookForMobile, y.OutlookForMobile) &&
		slices.Equal(x.OtherForMobile, y.OtherForMobile) && slices.Equal(x.OutlookForWeb, y.OutlookForWeb) &&
		slices.Equal(x.POP3App, y.POP3App) && slices.Equal(x.IMAP4App, y.IMAP4App) && slices.Equal(x.SMTPApp, y.SMTPApp)
}

// LegacyOnly returns, sorted, the users all of whose seen clients cannot do modern auth (ModernAuth "no"): exactly who blocking basic auth (step D) cuts off.
func LegacyOnly(inv []ClientUse) []string {
	if slices.IsSortedFunc(inv, func(a, c ClientUse) int { return strings.Compare(a.User, c.User) }) {
		// Inventory's order: each user's uses follow each other.
		var out []string
		for i := 0; i < len(inv); {
			j, only := i, true
			for ; j < len(inv) && inv[j].User == inv[i].User; j++ {
				only = only && inv[j].ModernAuth == ModernNo
			}
			if only {
				out = append(out, inv[i].User)
			}
			i = j
		}
		return out
	}
	all := map[string]bool{}
	for _, c := range inv {
		if _, ok := all[c.User]; !ok {
			all[c.User] = true
		}
		if c.ModernAuth != ModernNo {
			all[c.User] = false
		}
	}
	var out []string
	for u, only := range all {
		if only {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// LegacyUsers returns, sorted, the users with at least one client that
// cannot do modern auth (ModernAuth "no"): who loses a client when basic
// auth is blocked, though they may keep others (OWA, Outlook mobile).
func LegacyUsers(inv []ClientUse) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range inv {
		if c.ModernAuth == ModernNo && !seen[c.User] {
			seen[c.User] = true
			out = append(out, c.User)
		}
	}
	sort.Strings(out)
	return out
}

// VersionCountMismatches cross-checks the email-app versions user-counts
// report (aggregate only) against the user-detail report's
// outlookForWindows column, and returns one line per label whose counts
// differ (none when they agree, or when either report is missing).
func VersionCountMismatches(s *tenant.Snapshot) []string {
	if s == nil || s.Entra.EmailAppVersions == nil || len(s.Entra.EmailAppUsage) == 0 {
		return nil
	}
	v := s.Entra.EmailAppVersions
	want := []struct {
		label string
		n     int
	}{
		{"Outlook 2007", v.Outlook2007}, {"Outlook 2010", v.Outlook2010},
		{"Outlook 2013", v.Outlook2013}, {"Outlook 2016", v.Outlook2016},
		{"Outlook 2019", v.Outlook2019}, {"Outlook M365", v.OutlookM365},
		{"Undetermined", v.Undetermined},
	}
	got := map[string]int{}
	for _, r := range s.Entra.EmailAppUsage {
		seen := map[string]bool{}
		for _, l := range r.OutlookForWindows {
			l = strings.TrimSpace(l)
			if !seen[l] {
				seen[l] = true
				got[l]++
			}
		}
	}
	var out []string
	for _, w := range want {
		if got[w.label] != w.n {
			out = append(out, fmt.Sprintf("%s: versions report counts %d users, user-detail report lists %d", w.label, w.n, got[w.label]))
		}
	}
	return out
}

// --- evidence

type invKind int

const (
	invNamed          invKind = iota // named by its user agent, no rule knows it
	invOutlookWin                    // Outlook for Windows
	invWinMail                       // Windows 10 Mail
	invOutlookMac                    // Outlook for Mac
	invAppleMail                     // Apple Mail on macOS
	invOutlookIOS                    // Outlook for iOS
	invIOSMail                       // native iOS Mail
	invOutlookAndroid                // Outlook for Android
	invAndroidMail                   // native Android mail
	invOWA                           // a browser: Outlook on the web
	invThunderbird                   // Thunderbird, any platform
	invNix                           // other *nix native clients
	invWLM                           // Windows Live Mail
	invEASDevice                     // an ActiveSync device no rule knows
	invProtocol                      // protocol-only evidence (placeholder)
	invOtherMobile                   // report otherForMobile (placeholder)
)

// Source ranks: lower is better (listed first).
const (
	invRankDevice = iota
	invRankSignIn
	invRankOkta
	invRankReport
)

// invID is what a piece of evidence says the client is.
type invID struct {
	platform, client, version string
	kind                      invKind
	// build is the iOS build ("15E302") when known.
	build string
}

// invSighting is one piece of evidence for one user's client.
type invSighting struct {
	user string
	// uid numbers user (invBuilder.uid).
	uid int32
	invID
	source string
	rank   int
	// modern / basic: the client was seen signing in with modern / basic
	// auth.
	modern, basic bool
	// protocol is the normalised protocol it was seen on: POP3, IMAP4,
	// SMTP, EAS, EWS, MAPI, RPC, ... ("" when not known).
	protocol string
	// explains, for placeholders: the report column or protocol to be
	// attributed to an identified client.
	explains string
}

type invGroup struct {
	user string
	invID
	platformRank  int
	sources       invSources
	modern, basic bool
	protocols     invSet
	// gone: merged into the user's versioned entries of the client.
	gone bool
}

// invSources are a group's evidence with its best rank: a few entries,
// kept in a slice (a map per group cost more than the work at 100,000
// users).
type invSources []invSource

type invSource struct {
	source string
	rank   int
}

// note records source with rank, keeping the better rank when seen
// before.
func (ss *invSources) note(source string, rank int) {
	for i := range *ss {
		if (*ss)[i].source == source {
			(*ss)[i].rank = min((*ss)[i].rank, rank)
			return
		}
	}
	*ss = append(*ss, invSource{source, rank})
}

// invSet is a small set of strings.
type invSet []string

func (s invSet) has(v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (s *invSet) add(v string) {
	if !s.has(v) {
		*s = append(*s, v)
	}
}

type invBuilder struct {
	asOf       time.Time
	mailboxUPN map[string]string // the devices' mailbox Identity / Name (lower) -> UPN
	// uids number the users, in order of first evidence; users, info
	// and deviceByUA are indexed by them.
	uids  map[string]int32
	users []string
	info  []invUserInfo
	// deviceByUA are the user's devices by user agent (nil for most
	// users: apart from info, as every sign-in asks).
	deviceByUA  []map[string][]invID
	sightings   []invSighting
	placeholder []invSighting
	// byUA and byDevice remember classifications: a few hundred distinct
	// user agents and device kinds stand for 100,000 users' evidence.
	byUA      map[string]invID
	byDevice  map[invDeviceKey]invID
	reportSrc map[[2]string]string
}

// invUserInfo is the report's outlookForWindows / outlookForMac labels
// of a user, which identify reads for Outlook.
type invUserInfo struct {
	winLabels, macLabels []string
}

// uid numbers user (lower case, trimmed), the first time it is seen.
func (b *invBuilder) uid(user string) int32 {
	u, ok := b.uids[user]
	if !ok {
		u = int32(len(b.users))
		b.uids[user] = u
		b.users = append(b.users, user)
		b.info = append(b.info, invUserInfo{})
		b.deviceByUA = append(b.deviceByUA, nil)
	}
	return u
}

// invDeviceKey is what invDeviceID reads of a device.
type invDeviceKey struct{ os, typ, ua, clientType, clientVersion string }

// classifyUA is invClassifyUA, remembered.
func (b *invBuilder) classifyUA(ua string) invID {
	id, ok := b.byUA[ua]
	if !ok {
		id = invClassifyUA(ua)
		b.byUA[ua] = id
	}
	return id
}

// deviceID is invDeviceID, remembered.
func (b *invBuilder) deviceID(d tenant.MobileDevice) invID {
	k := invDeviceKey{d.DeviceOS, d.DeviceType, d.DeviceUserAgent, d.ClientType, d.ClientVersion}
	id, ok := b.byDevice[k]
	if !ok {
		id = invDeviceID(d)
		b.byDevice[k] = id
	}
	return id
}

func invNewBuilder(s *tenant.Snapshot) *invBuilder {
	b := &invBuilder{
		asOf:       s.AsOf,
		mailboxUPN: make(map[string]string, len(s.Exchange.MobileDevices)),
		uids:       make(map[string]int32, len(s.Exchange.CASMailboxes)),
		users:      make([]string, 0, len(s.Exchange.CASMailboxes)),
		info:       make([]invUserInfo, 0, len(s.Exchange.CASMailboxes)),
		deviceByUA: make([]map[string][]invID, 0, len(s.Exchange.CASMailboxes)),
		byUA:       map[string]invID{},
		byDevice:   map[invDeviceKey]invID{},
		reportSrc:  map[[2]string]string{},
	}
	// Only the devices' mailboxes are looked up (deviceUser): the index
	// holds those, set in the same order (the last wins).
	wanted := make(map[string]bool, len(s.Exchange.MobileDevices))
	for _, d := range s.Exchange.MobileDevices {
		wanted[strings.ToLower(deviceMailbox(d))] = true
	}
	for _, u := range s.Exchange.Users {
		if u.UserPrincipalName != "" {
			if k := strings.ToLower(u.Identity); wanted[k] {
				b.mailboxUPN[k] = invUser(u.UserPrincipalName)
			}
		}
	}
	for _, m := range s.Exchange.CASMailboxes {
		if m.PrimarySmtpAddress == "" {
			continue
		}
		for _, k := range [...]string{m.Identity, m.Name} {
			if k != "" {
				if k := strings.ToLower(k); wanted[k] {
					b.mailboxUPN[k] = invUser(m.PrimarySmtpAddress)
				}
			}
		}
	}
	return b
}

func invUser(upn string) string { return strings.ToLower(strings.TrimSpace(upn)) }

// --- the usage report

func (b *invBuilder) addReports(rows []tenant.EmailAppUsage) {
	uids := make([]int32, len(rows)) // each row's user, found once
	for k, r := range rows {
		user := invUser(r.UserPrincipalName)
		if user == "" {
			continue
		}
		uids[k] = b.uid(user)
		in := &b.info[uids[k]]
		for _, l := range invLabels(r.OutlookForWindows) {
			if l != "Undetermined" {
				in.winLabels = append(in.winLabels, l)
			}
		}
		for _, l := range invLabels(r.OutlookForMac) {
			if l != "Undetermined" {
				in.macLabels = append(in.macLabels, l)
			}
		}
	}
	for k, r := range rows {
		user := invUser(r.UserPrincipalName)
		if user == "" {
			continue
		}
		uid := uids[k]
		add := func(col, label string, id invID) {
			b.sightings = append(b.sightings, invSighting{user: user, uid: uid, invID: id, source: b.reportSource(col, label), rank: invRankReport})
		}
		hold := func(col, explains string) {
			b.placeholder = append(b.placeholder, invSighting{user: user, uid: uid, source: "emailAppUsage: " + col, rank: invRankReport, explains: explains})
		}
		for _, l := range invLabels(r.OutlookForWindows) {
			if l == "Undetermined" {
				hold("outlookForWindows", "outlookForWindows")
				continue
			}
			add("outlookForWindows", l, invID{platform: "windows", client: l, kind: invOutlookWin})
		}
		for _, l := range invLabels(r.OutlookForMac) {
			if l == "Undetermined" {
				hold("outlookForMac", "outlookForMac")
				continue
			}
			add("outlookForMac", l, invID{platform: "macos", client: l + " for Mac", kind: invOutlookMac})
		}
		for _, l := range invLabels(r.OutlookForMobile) {
			switch {
			case strings.Contains(strings.ToLower(l), "ios"):
				add("outlookForMobile", l, invID{platform: "ios", client: "Outlook for iOS", kind: invOutlookIOS})
			case strings.Contains(strings.ToLower(l), "android"):
				add("outlookForMobile", l, invID{platform: "android", client: "Outlook for Android", kind: invOutlookAndroid})
			default:
				hold("outlookForMobile", "outlookForMobile")
			}
		}
		if len(invLabels(r.MailForMac)) > 0 {
			add("mailForMac", "", invID{platform: "macos", client: "Apple Mail", kind: invAppleMail})
		}
		if len(invLabels(r.OutlookForWeb)) > 0 {
			add("outlookForWeb", "", invID{platform: "unknown", client: "Outlook on the web", kind: invOWA})
		}
		if len(invLabels(r.OtherForMobile)) > 0 {
			hold("otherForMobile", "otherForMobile")
		}
		if len(invLabels(r.POP3App)) > 0 {
			hold("pop3App", "POP3")
		}
		if len(invLabels(r.IMAP4App)) > 0 {
			hold("imap4App", "IMAP4")
		}
		if len(invLabels(r.SMTPApp)) > 0 {
			hold("smtpApp", "SMTP")
		}
	}
}

// reportSource is the source of a report column ("emailAppUsage:
// outlookForWindows=Outlook 2016"), made once per column and label.
func (b *invBuilder) reportSource(col, label string) string {
	k := [2]string{col, label}
	src, ok := b.reportSrc[k]
	if !ok {
		src = "emailAppUsage: " + col
		if label != "" && label != "Undetermined" {
			src += "=" + label
		}
		b.reportSrc[k] = src
	}
	return src
}

func invLabels(col []string) []string {
	var out []string
	for _, l := range col {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// --- Get-MobileDevice

// deviceMailbox is the mailbox a device row names.
func deviceMailbox(d tenant.MobileDevice) string {
	if d.Mailbox != "" {
		return d.Mailbox
	}
	mb, _, _ := strings.Cut(d.Identity, `\`)
	return mb
}

func (b *invBuilder) deviceUser(d tenant.MobileDevice) string {
	mb := deviceMailbox(d)
	if upn, ok := b.mailboxUPN[strings.ToLower(mb)]; ok {
		return upn
	}
	return invUser(mb)
}

func (b *invBuilder) addDevices(devs []tenant.MobileDevice) {
	for _, d := range devs {
		user := b.deviceUser(d)
		if user == "" {
			continue
		}
		id := b.deviceID(d)
		detail := strings.TrimSpace(strings.Join(invNonEmpty(d.DeviceOS, strings.TrimSpace(d.ClientType+" "+d.ClientVersion)), ", "))
		src := "mobileDevice: " + invOr(d.DeviceUserAgent, d.DeviceType)
		if detail != "" {
			src += " [" + detail + "]"
		}
		proto := ""
		if strings.EqualFold(d.ClientType, "EAS") {
			proto = "EAS"
		}
		uid := b.uid(user)
		b.sightings = append(b.sightings, invSighting{user: user, uid: uid, invID: id, source: src, rank: invRankDevice, protocol: proto})
		if ua := strings.TrimSpace(d.DeviceUserAgent); ua != "" {
			if b.deviceByUA[uid] == nil {
				b.deviceByUA[uid] = map[string][]invID{}
			}
			b.deviceByUA[uid][ua] = append(b.deviceByUA[uid][ua], id)
		}
	}
}

var (
	invOSVersion = regexp.MustCompile(`(?i)^(iOS|iPadOS|Android|Windows)\s+([0-9][0-9.]*)\s*(\S*)`)
	invReToken   = regexp.MustCompile(`([A-Za-z][A-Za-z0-9 ._-]*?)/([0-9][A-Za-z0-9._-]*)`)
)

// invDeviceID classifies a Get-MobileDevice row.
func invDeviceID(d tenant.MobileDevice) invID {
	os, osVer, osBuild := "", "", ""
	if m := invOSVersion.FindStringSubmatch(strings.TrimSpace(d.DeviceOS)); m != nil {
		os, osVer, osBuild = strings.ToLower(m[1]), m[2], m[3]
	}
	platform := invPlatformOf(os)
	if platform == "unknown" {
		platform = invPlatformOf(d.DeviceType + " " + d.DeviceUserAgent)
	}
	ua := strings.TrimSpace(d.DeviceUserAgent)
	if strings.EqualFold(d.ClientType, "Outlook") || strings.HasPrefix(ua, "Outlook-iOS") || strings.HasPrefix(ua, "Outlook-Android") {
		id := invID{platform: platform, version: strings.TrimSpace(d.ClientVersion)}
		switch {
		case strings.HasPrefix(ua, "Outlook-Android") || platform == "android":
			id.platform, id.client, id.kind = "android", "Outlook for Android", invOutlookAndroid
		case strings.HasPrefix(ua, "Outlook-iOS") || platform == "ios":
			id.platform, id.client, id.kind = "ios", "Outlook for iOS", invOutlookIOS
		default:
			id.client, id.kind = "Outlook mobile", invEASDevice
		}
		return id
	}
	// Native EAS: the user agent first, then the OS the device reports.
	id := invClassifyUA(ua)
	switch {
	case id.kind == invIOSMail || (id.kind == invNamed && platform == "ios"):
		id = invID{platform: "ios", client: "iOS Mail", kind: invIOSMail, version: id.version, build: id.build}
		if os == "ios" || os == "ipados" {
			id.version, id.build = osVer, invOr(osBuild, id.build)
		}
	case id.kind == invAndroidMail || (id.kind == invNamed && platform == "android"):
		id = invID{platform: "android", client: "Android native mail", kind: invAndroidMail, version: id.version}
		if os == "android" {
			id.version = osVer
		}
	case id.kind == invWinMail || strings.EqualFold(d.DeviceType, "WindowsMail"):
		id = invID{platform: "windows", client: "Windows 10 Mail", kind: invWinMail, version: id.version}
	case id.kind == invNamed:
		id = invID{platform: platform, client: invOr(d.DeviceType, "ActiveSync device"), version: "", kind: invEASDevice}
		if ua != "" {
			id.client, id.version = invProduct(ua)
		}
	}
	return id
}

// --- sign-ins

// invLegacyClientApps maps a legacy clientAppUsed to its protocol.
var invLegacyClientApps = map[string]string{
	"exchange activesync":              "EAS",
	"authenticated smtp":               "SMTP",
	"imap4":                            "IMAP4",
	"pop3":                             "POP3",
	"mapi over http":                   "MAPI",
	"exchange web services":            "EWS",
	"outlook anywhere (rpc over http)": "RPC",
	"offline address book":             "OAB",
	"autodiscover":                     "Autodiscover",
	"exchange online powershell":       "PowerShell",
	"reporting web services":           "ReportingWebServices",
	"other clients":                    "Other",
}

// invNotMail are clientAppUsed values of admin tools, not mail clients.
var invNotMail = map[string]bool{"exchange online powershell": true, "reporting web services": true}

// invWrongPassword are sign-in error codes that prove someone had the
// user's name, not that the user runs that client.
var invWrongPassword = map[int]bool{50126: true, 50034: true, 50053: true, 50056: true}

func (b *invBuilder) addSignIns(sis []tenant.SignIn) {
	for _, si := range sis {
		user := invUser(si.UserPrincipalName)
		if user == "" {
			continue
		}
		ua := strings.TrimSpace(si.UserAgent)
		if si.ErrorCode != 0 && (ua == "" || invWrongPassword[si.ErrorCode]) {
			continue
		}
		app := strings.TrimSpace(si.ClientAppUsed)
		if invNotMail[strings.ToLower(app)] {
			continue
		}
		proto, legacy := invLegacyClientApps[strings.ToLower(app)]
		modern := strings.EqualFold(app, "Browser") || strings.EqualFold(app, "Mobile Apps and Desktop clients")
		if !legacy && !modern {
			proto = ""
		}
		if ua == "" {
			if legacy {
				b.placeholder = append(b.placeholder, invSighting{user: user, uid: b.uid(user), source: "signIn: (no user agent) [" + app + "]",
					rank: invRankSignIn, basic: true, protocol: proto, explains: proto})
			}
			continue
		}
		uid := b.uid(user)
		id := b.identify(uid, ua, si.OperatingSystem)
		src := "signIn: " + ua
		if app != "" {
			src += " [" + app + "]"
		}
		b.sightings = append(b.sightings, invSighting{user: user, uid: uid, invID: id, source: src, rank: invRankSignIn,
			modern: modern, basic: legacy, protocol: proto})
	}
}

// --- Okta System Log

func (b *invBuilder) addOktaLogs(logs []tenant.OktaLog) {
	for _, l := range logs {
		user := invUser(l.ActorAlternateID)
		ua := strings.TrimSpace(l.UserAgent)
		if user == "" || ua == "" {
			continue
		}
		if strings.EqualFold(l.Result, "FAILURE") && strings.Contains(strings.ToUpper(l.Reason), "INVALID_CREDENTIALS") {
			continue
		}
		uri := strings.ToLower(l.RequestURI)
		basic := strings.Contains(uri, "/wsfed/active") || strings.Contains(l.EventType, "richclient") || strings.Contains(l.EventType, "rich_client")
		modern := !basic && strings.Contains(uri, "/wsfed/passive")
		uid := b.uid(user)
		id := b.identify(uid, ua, l.OS)
		src := "oktaLog: " + ua
		if i := strings.Index(uri, "/sso/"); i >= 0 {
			src += " [" + uri[i+len("/sso/"):] + "]"
		}
		b.sightings = append(b.sightings, invSighting{user: user, uid: uid, invID: id, source: src, rank: invRankOkta, modern: modern, basic: basic})
	}
}

// identify classifies a user agent seen for user: a device of the user
// with the same user agent says most (iOS version, Outlook app version);
// otherwise the user agent alone, with the report naming Outlook 16.x.
func (b *invBuilder) identify(uid int32, ua, os string) invID {
	if ids := b.deviceByUA[uid][ua]; len(ids) > 0 {
		same := true
		for _, id := range ids[1:] {
			if id != ids[0] {
				same = false
			}
		}
		if same {
			return ids[0]
		}
		id := ids[0]
		id.version, id.build = "", ""
		return id
	}
	id := b.classifyUA(ua)
	if id.platform == "unknown" {
		id.platform = invPlatformOf(os)
	}
	switch id.kind {
	case invOutlookWin:
		id.client = invWinOutlookName(id.version, b.info[uid].winLabels)
	case invOutlookMac:
		id.client = invMacOutlookName(id.version, b.info[uid].macLabels)
	}
	return id
}

// --- user agents

var (
	invReOutlookWin  = regexp.MustCompile(`Microsoft (?:Office )?Outlook ([0-9]+(?:\.[0-9]+)+)`)
	invReOfficeMajor = regexp.MustCompile(`^Microsoft Office/([0-9]+(?:\.[0-9]+)*)`)
	invReMacOutlook  = regexp.MustCompile(`^MacOutlook/([0-9]+(?:\.[0-9]+)*)`)
	invReAppleEAS    = regexp.MustCompile(`^Apple-(iPhone|iPad|iPod)[^/]*/([0-9]{3,4})\.([0-9]+)`)
	invReIOSOAuth    = regexp.MustCompile(`^(?:iOS|iPadOS)/([0-9][0-9.]*)\s*\(([0-9]+[A-Z][0-9]+[a-z]?)\)`)
	invReMacMail     = regexp.MustCompile(`^(?:Mac OS X|macOS)/([0-9][0-9.]*)`)
	invReAndroidMail = regexp.MustCompile(`^Android-Mail/([0-9][0-9.]*)`)
	invReWinMail     = regexp.MustCompile(`WindowsMail/([0-9][0-9.]*)`)
	invReThunderbird = regexp.MustCompile(`Thunderbird/([0-9][0-9.]*)`)
	invReWLM         = regexp.MustCompile(`Windows Live Mail(?:\s+([0-9][0-9.]*))?`)
	invReNix         = regexp.MustCompile(`(?i)^(Evolution|Mutt|NeoMutt|KMail|Claws Mail|Geary|Alpine|Sylpheed)[/ ]([0-9][0-9.]*)?`)
	invReEdgeNew     = regexp.MustCompile(`Edg[AeiOS]*/([0-9]+)`)
	invReEdgeOld     = regexp.MustCompile(`Edge/([0-9]+)`)
	invReFirefox     = regexp.MustCompile(`Firefox/([0-9]+)`)
	invReChrome      = regexp.MustCompile(`(?:Chrome|CriOS)/([0-9]+)`)
	invReOpera       = regexp.MustCompile(`OPR/([0-9]+)`)
	invReSafari      = regexp.MustCompile(`Version/([0-9]+(?:\.[0-9]+)?).*Safari/`)
)

// invIOSBuilds maps iOS builds seen in the built-in scenarios (and the
// whitepaper's tests) to their versions; other builds are compared as
// builds.
var invIOSBuilds = map[string]string{
	"14G60": "10.3.3", "15E216": "11.3", "15E302": "11.3.1", "16E227": "12.2",
	"22G100": "18.6.2", "23A355": "26.0.1",
}

// invClassifyUA names the client behind a user agent, with no other
// context. Unrecognised agents are invNamed after their product token.
func invClassifyUA(ua string) invID {
	ua = strings.TrimSpace(ua)
	platform := invPlatformOf(ua)
	switch {
	case ua == "":
		return invID{platform: "unknown", client: "Unknown client", kind: invNamed}
	case strings.HasPrefix(ua, "Outlook-iOS"):
		return invID{platform: "ios", client: "Outlook for iOS", kind: invOutlookIOS}
	case strings.HasPrefix(ua, "Outlook-Android"):
		return invID{platform: "android", client: "Outlook for Android", kind: invOutlookAndroid}
	case invReMacOutlook.MatchString(ua):
		v := invReMacOutlook.FindStringSubmatch(ua)[1]
		return invID{platform: "macos", client: invMacOutlookName(v, nil), version: v, kind: invOutlookMac}
	case strings.HasPrefix(ua, "Microsoft Office/") && (strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS")) && strings.Contains(ua, "Outlook"):
		v := ""
		if m := invReOutlookWin.FindStringSubmatch(ua); m != nil {
			v = m[1]
		}
		return invID{platform: "macos", client: invMacOutlookName(v, nil), version: v, kind: invOutlookMac}
	case invReOutlookWin.MatchString(ua) || (invReOfficeMajor.MatchString(ua) && strings.Contains(ua, "Outlook")):
		v := ""
		if m := invReOutlookWin.FindStringSubmatch(ua); m != nil {
			v = m[1]
		} else {
			v = invReOfficeMajor.FindStringSubmatch(ua)[1]
		}
		return invID{platform: "windows", client: invWinOutlookName(v, nil), version: v, kind: invOutlookWin}
	case invReWinMail.MatchString(ua):
		return invID{platform: "windows", client: "Windows 10 Mail", version: invReWinMail.FindStringSubmatch(ua)[1], kind: invWinMail}
	case invReAppleEAS.MatchString(ua):
		m := invReAppleEAS.FindStringSubmatch(ua)
		build := invIOSBuild(m[2], m[3])
		return invID{platform: "ios", client: "iOS Mail", version: invIOSBuilds[build], build: build, kind: invIOSMail}
	case invReIOSOAuth.MatchString(ua):
		m := invReIOSOAuth.FindStringSubmatch(ua)
		return invID{platform: "ios", client: "iOS Mail", version: m[1], build: m[2], kind: invIOSMail}
	case invReMacMail.MatchString(ua) && !strings.Contains(ua, "MacOutlook"):
		return invID{platform: "macos", client: "Apple Mail", version: invReMacMail.FindStringSubmatch(ua)[1], kind: invAppleMail}
	case invReAndroidMail.MatchString(ua):
		return invID{platform: "android", client: "Android native mail", version: invReAndroidMail.FindStringSubmatch(ua)[1], kind: invAndroidMail}
	case strings.HasPrefix(strings.ToUpper(ua), "SAMSUNG-") || strings.HasPrefix(ua, "Android/"):
		return invID{platform: "android", client: "Android native mail", kind: invAndroidMail}
	case invReThunderbird.MatchString(ua):
		p := platform
		if p == "unknown" {
			p = "linux"
		}
		return invID{platform: p, client: "Thunderbird", version: invReThunderbird.FindStringSubmatch(ua)[1], kind: invThunderbird}
	case invReWLM.MatchString(ua):
		return invID{platform: "windows", client: "Windows Live Mail", version: invReWLM.FindStringSubmatch(ua)[1], kind: invWLM}
	case invReNix.MatchString(ua):
		m := invReNix.FindStringSubmatch(ua)
		p := platform
		if p == "unknown" {
			p = "linux"
		}
		return invID{platform: p, client: m[1], version: m[2], kind: invNix}
	}
	if name, ok := invBrowser(ua); ok {
		return invID{platform: platform, client: "Outlook on the web", version: name, kind: invOWA}
	}
	name, ver := invProduct(ua)
	if name == "" {
		// Nothing to name it by ("/1.0"): say so rather than show a blank.
		return invID{platform: platform, client: "Unknown client", version: ver, kind: invNamed}
	}
	return invID{platform: platform, client: name, version: ver, kind: invNamed}
}

// invBrowser names a browser user agent ("Chrome 74", "Safari 11.1").
func invBrowser(ua string) (string, bool) {
	if !strings.HasPrefix(ua, "Mozilla/") {
		return "", false
	}
	for _, b := range []struct {
		re   *regexp.Regexp
		name string
	}{
		{invReEdgeNew, "Edge"}, {invReEdgeOld, "Edge"}, {invReOpera, "Opera"},
		{invReFirefox, "Firefox"}, {invReChrome, "Chrome"}, {invReSafari, "Safari"},
	} {
		if m := b.re.FindStringSubmatch(ua); m != nil {
			return b.name + " " + m[1], true
		}
	}
	return "", false
}

// invProduct splits an unrecognised user agent into a name and version:
// "RICOH IM C3000/1.07" -> "RICOH IM C3000", "1.07".
func invProduct(ua string) (string, string) {
	if strings.HasPrefix(ua, "Mozilla/") {
		// A non-browser behind a browser-like agent: its own token is the
		// last one that is not browser boilerplate.
		name, ver := "", ""
		for _, m := range invReToken.FindAllStringSubmatch(ua, -1) {
			switch n := strings.TrimSpace(m[1]); n {
			case "Mozilla", "AppleWebKit", "Gecko", "KHTML", "Safari", "Version", "like Gecko":
			default:
				name, ver = n, m[2]
			}
		}
		if name != "" {
			return name, ver
		}
	}
	name, rest, ok := strings.Cut(ua, "/")
	if !ok {
		return strings.TrimSpace(ua), ""
	}
	ver := rest
	if i := strings.IndexAny(ver, " ;()"); i >= 0 {
		ver = ver[:i]
	}
	return strings.TrimSpace(name), ver
}

// invIOSBuild turns an EAS user agent's build ("1505", "302") into the
// iOS build ("15E302"); "" when it does not fit.
func invIOSBuild(head, num string) string {
	if len(head) < 3 {
		return ""
	}
	major, err1 := strconv.Atoi(head[:len(head)-2])
	letter, err2 := strconv.Atoi(head[len(head)-2:])
	if err1 != nil || err2 != nil || letter < 1 || letter > 26 {
		return ""
	}
	return fmt.Sprintf("%d%c%s", major, 'A'+letter-1, num)
}

// invParseIOSBuild splits "15E302" into (15, 5, 302).
func invParseIOSBuild(build string) (major, letter, num int, ok bool) {
	i := strings.IndexFunc(build, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if i <= 0 || i == len(build)-1 {
		return 0, 0, 0, false
	}
	var err error
	if major, err = strconv.Atoi(build[:i]); err != nil {
		return 0, 0, 0, false
	}
	letter = int(build[i]-'A') + 1
	digits := strings.TrimRightFunc(build[i+1:], func(r rune) bool { return r >= 'a' && r <= 'z' })
	if num, err = strconv.Atoi(digits); err != nil {
		return 0, 0, 0, false
	}
	return major, letter, num, true
}

// invPlatformOf reads a platform from a user agent or an OS name.
func invPlatformOf(s string) string {
	l := strings.ToLower(s)
	switch {
	case l == "":
		return "unknown"
	case strings.Contains(l, "iphone") || strings.Contains(l, "ipad") || strings.Contains(l, "ipod") ||
		strings.HasPrefix(l, "ios") || strings.HasPrefix(l, "ipados"):
		return "ios"
	case strings.Contains(l, "android"):
		return "android"
	case strings.Contains(l, "windows"):
		return "windows"
	case strings.Contains(l, "macintosh") || strings.Contains(l, "mac os") || strings.Contains(l, "macos"):
		return "macos"
	case strings.Contains(l, "linux") || strings.Contains(l, "x11") || strings.Contains(l, "ubuntu") ||
		strings.Contains(l, "freebsd") || strings.Contains(l, "openbsd") || strings.Contains(l, "unix"):
		return "linux"
	}
	return "unknown"
}

// invOutlookMajor is the Office major version behind a Windows or Mac
// Outlook name or build: 16 for 2016 and later, 15 for 2013, 14 for
// 2010/2011, 12 for 2007; 0 when unknown.
func invOutlookMajor(client, version string) int {
	if version != "" {
		var buf [8]int
		if n := invVersionPartsTo(buf[:0], version); len(n) > 0 {
			return n[0]
		}
	}
	switch {
	case strings.Contains(client, "M365") || strings.Contains(client, "or later"):
		return 16
	}
	if m := invYear(client); m != "" {
		y, _ := strconv.Atoi(m)
		switch {
		case y >= 2016:
			return 16
		case y == 2013:
			return 15
		case y == 2010 || y == 2011:
			return 14
		case y == 2007:
			return 12
		default:
			return 11
		}
	}
	return 0
}

// invWinOutlookName names a Windows Outlook build, using the report's
// labels for the user to tell 2016, 2019 and Microsoft 365 apart (the
// build alone cannot, except for the MSI and 2019 volume builds).
// invYear is the leftmost match of (19|20)[0-9]{2} in s ("" when none),
// found without a regexp (it is asked for every Outlook label and
// client).
func invYear(s string) string {
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	for i := 0; i+4 <= len(s); i++ {
		if (s[i] == '1' && s[i+1] == '9' || s[i] == '2' && s[i+1] == '0') && digit(s[i+2]) && digit(s[i+3]) {
			return s[i : i+4]
		}
	}
	return ""
}

func invWinOutlookName(version string, labels []string) string {
	var buf [8]int
	parts := invVersionPartsTo(buf[:0], version)
	if len(parts) == 0 {
		return "Outlook (version unknown)"
	}
	switch major := parts[0]; {
	case major >= 16:
	case major == 15:
		return "Outlook 2013"
	case major == 14:
		return "Outlook 2010"
	case major == 12:
		return "Outlook 2007"
	case major == 11:
		return "Outlook 2003"
	default:
		return fmt.Sprintf("Outlook %d.0", major)
	}
	heuristic := ""
	if len(parts) >= 3 {
		switch b := parts[2]; {
		case b > 0 && b < 6000:
			heuristic = "Outlook 2016" // MSI builds 16.0.4xxx-5xxx
		case b >= 10300 && b < 10500:
			heuristic = "Outlook 2019" // 2019 volume builds
		}
	}
	var cands []string
	for _, l := range labels {
		if invOutlookMajor(l, "") == 16 && !invContains(cands, l) {
			cands = append(cands, l)
		}
	}
	sort.Strings(cands)
	switch {
	case heuristic != "" && invContains(cands, heuristic):
		return heuristic
	case len(cands) == 1:
		return cands[0]
	case heuristic != "":
		return heuristic
	case invContains(cands, "Outlook M365"):
		return "Outlook M365"
	case len(cands) > 0:
		return cands[0]
	}
	return "Outlook 2016 or later"
}

// invMacOutlookName names an Outlook for Mac version, using the report's
// outlookForMac labels when they decide.
func invMacOutlookName(version string, labels []string) string {
	parts := invVersionParts(version)
	if len(parts) == 0 {
		return "Outlook for Mac (version unknown)"
	}
	if parts[0] <= 14 {
		return "Outlook 2011 for Mac"
	}
	heuristic := ""
	if parts[0] == 15 || (parts[0] == 16 && (len(parts) < 2 || parts[1] <= 16)) {
		heuristic = "Outlook 2016" // 15.x and 16.0-16.16 are Outlook 2016 for Mac
	}
	var cands []string
	for _, l := range labels {
		if invOutlookMajor(l, "") == 16 && !invContains(cands, l) {
			cands = append(cands, l)
		}
	}
	sort.Strings(cands)
	switch {
	case heuristic != "" && invContains(cands, heuristic):
		return heuristic + " for Mac"
	case len(cands) == 1:
		return cands[0] + " for Mac"
	case heuristic != "":
		return heuristic + " for Mac"
	case invContains(cands, "Outlook M365"):
		return "Outlook M365 for Mac"
	case len(cands) > 0:
		return cands[0] + " for Mac"
	}
	return "Outlook 2019 or later for Mac"
}

// --- merging and classifying

// result groups the sightings into client uses, sorted. Everything it
// does is per user (a user's groups, merges and placeholders): each
// user's evidence is found by its number, and with many sightings the
// users, in order, are split into runs grouped on workers, whose uses
// follow each other.
func (b *invBuilder) result() []ClientUse {
	n := len(b.users)
	sightOf := make([]int32, len(b.sightings))
	for i := range b.sightings {
		sightOf[i] = b.sightings[i].uid
	}
	holdOf := make([]int32, len(b.placeholder))
	for i := range b.placeholder {
		holdOf[i] = b.placeholder[i].uid
	}
	ev := invEvidence{sightings: b.sightings, placeholders: b.placeholder}
	ev.sightAt, ev.sightIdx = invBuckets(sightOf, n)
	ev.holdAt, ev.holdIdx = invBuckets(holdOf, n)

	workers := 1
	if len(b.sightings) >= invShardFrom {
		workers = runtime.GOMAXPROCS(0)
	}
	byName := b.usersInOrder(workers)
	parts := make([][]ClientUse, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { parts[w] = invGroupUses(&ev, byName[lo:hi], b.asOf) })
	}
	wg.Wait()
	if workers == 1 {
		return parts[0]
	}
	return slices.Concat(parts...)
}

// invShardFrom is the number of sightings from which result uses
// workers.
var invShardFrom = 20000

// usersInOrder returns the user numbers in order of the users (sorted
// in runs on workers, then merged).
func (b *invBuilder) usersInOrder(workers int) []int32 {
	n := len(b.users)
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i)
	}
	cmp := func(x, y int32) int { return strings.Compare(b.users[x], b.users[y]) }
	if workers <= 1 {
		slices.SortFunc(ids, cmp)
		return ids
	}
	mid := n / 2
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(ids[:mid], cmp) })
	slices.SortFunc(ids[mid:], cmp)
	wg.Wait()
	out := make([]int32, 0, n)
	a, c := ids[:mid], ids[mid:]
	for len(a) > 0 && len(c) > 0 {
		if cmp(c[0], a[0]) < 0 {
			out, c = append(out, c[0]), c[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), c...)
}

// invCompare orders client uses: by user, client, then version.
func invCompare(a, c ClientUse) int {
	if a.User != c.User {
		return strings.Compare(a.User, c.User)
	}
	if a.Client != c.Client {
		return strings.Compare(a.Client, c.Client)
	}
	if d := invCmpVersion(a.Version, c.Version); d != 0 {
		return d
	}
	return strings.Compare(a.Version, c.Version)
}

// invEvidence is the sightings and placeholders with each user's found
// by its number: user u's are sightings[sightIdx[sightAt[u]:sightAt[u+1]]],
// in order (and likewise the placeholders).
type invEvidence struct {
	sightings, placeholders []invSighting
	sightAt, sightIdx       []int32
	holdAt, holdIdx         []int32
}

// invGroupUses groups the evidence of users (user numbers, in order of
// the users) into client uses, sorted (invCompare). A user's few groups
// are found by a scan of that user's groups.
func invGroupUses(ev *invEvidence, users []int32, asOf time.Time) []ClientUse {
	out := make([]ClientUse, 0, 2*len(users))
	// A user's groups are done with once its uses are made: the next
	// user's reuse them (and their sources' and protocols' arrays).
	var pool []*invGroup
	var gs []*invGroup // the user's groups, in order of creation
	add := func(s *invSighting, client, version string) {
		for _, g := range gs {
			if !g.gone && g.client == client && g.version == version {
				g.absorb(s)
				return
			}
		}
		if len(gs) == len(pool) {
			pool = append(pool, new(invGroup))
		}
		g := pool[len(gs)]
		*g = invGroup{user: s.user, invID: s.invID, platformRank: 1 << 30, sources: g.sources[:0], protocols: g.protocols[:0]}
		g.client, g.version = client, version
		gs = append(gs, g)
		g.absorb(s)
	}
	for _, u := range users {
		gs = gs[:0]
		for _, i := range ev.sightIdx[ev.sightAt[u]:ev.sightAt[u+1]] {
			s := &ev.sightings[i]
			add(s, s.client, s.version)
		}
		// Evidence without a version joins every versioned entry of
		// the same user and client.
		for _, g := range gs {
			if g.version != "" {
				continue
			}
			for _, t := range gs {
				if t.version != "" && t.client == g.client {
					t.merge(g)
					g.gone = true
				}
			}
		}
		// Placeholders: attribute them to identified clients (those of
		// the sightings), else keep them.
		identified := len(gs)
		for _, i := range ev.holdIdx[ev.holdAt[u]:ev.holdAt[u+1]] {
			p := ev.placeholders[i]
			found := false
			for _, t := range gs[:identified] {
				if !t.gone && t.explains(p.explains) {
					found = true
					t.sources.note(p.source, p.rank)
					if p.protocol != "" {
						t.protocols.add(p.protocol)
					}
				}
			}
			if found {
				continue
			}
			id := invPlaceholderID(p.explains)
			p.invID = id
			add(&p, id.client, id.version)
		}
		first := len(out)
		for _, g := range gs {
			if g.gone {
				continue
			}
			ma, row := g.classify(asOf)
			out = append(out, ClientUse{
				User: g.user, Platform: invOr(g.platform, "unknown"), Client: invOr(g.client, "Unknown client"), Version: g.version,
				ModernAuth: ma, Source: g.sourceList(), TableRow: row,
			})
		}
		if len(out)-first > 1 {
			slices.SortFunc(out[first:], invCompare)
		}
	}
	return out
}

// invBuckets sorts positions by bucket (of, one per position, in
// [0, n)), keeping their order: bucket b's positions are
// idx[at[b]:at[b+1]].
func invBuckets(of []int32, n int) (at, idx []int32) {
	at = make([]int32, n+1)
	for _, b := range of {
		at[b+1]++
	}
	for b := range n {
		at[b+1] += at[b]
	}
	next := slices.Clone(at[:n])
	idx = make([]int32, len(of))
	for i, b := range of {
		idx[next[b]] = int32(i)
		next[b]++
	}
	return at, idx
}

func (g *invGroup) absorb(s *invSighting) {
	if p := s.platform; p != "" && p != "unknown" && s.rank < g.platformRank {
		g.platform, g.platformRank = p, s.rank
	}
	if g.platform == "" {
		g.platform = s.platform
	}
	if g.build == "" {
		g.build = s.build
	}
	g.sources.note(s.source, s.rank)
	g.modern = g.modern || s.modern
	g.basic = g.basic || s.basic
	if s.protocol != "" {
		g.protocols.add(s.protocol)
	}
}

func (g *invGroup) merge(o *invGroup) {
	for _, s := range o.sources {
		g.sources.note(s.source, s.rank)
	}
	for _, p := range o.protocols {
		g.protocols.add(p)
	}
	g.modern = g.modern || o.modern
	g.basic = g.basic || o.basic
	if (g.platform == "" || g.platform == "unknown") && o.platform != "" {
		g.platform = o.platform
	}
	if g.build == "" {
		g.build = o.build
	}
}

// explains reports whether g is the identified client behind a
// placeholder (a report column or a protocol).
func (g *invGroup) explains(what string) bool {
	mailProgram := g.kind == invThunderbird || g.kind == invNix || g.kind == invWLM
	switch what {
	case "POP3", "IMAP4", "SMTP":
		return g.protocols.has(what) || mailProgram
	case "otherForMobile":
		return g.kind == invIOSMail || g.kind == invAndroidMail || g.kind == invWinMail ||
			(g.kind == invEASDevice && g.protocols.has("EAS"))
	case "EAS":
		return g.protocols.has("EAS")
	case "outlookForWindows":
		return g.kind == invOutlookWin
	case "outlookForMac":
		return g.kind == invOutlookMac
	case "outlookForMobile":
		return g.kind == invOutlookIOS || g.kind == invOutlookAndroid
	}
	return what != "" && g.protocols.has(what)
}

// invPlaceholderID is the client a placeholder stands for when no
// identified client explains it.
func invPlaceholderID(what string) invID {
	switch what {
	case "POP3":
		return invID{platform: "unknown", client: "POP3 client", kind: invProtocol}
	case "IMAP4":
		return invID{platform: "unknown", client: "IMAP4 client", kind: invProtocol}
	case "SMTP":
		return invID{platform: "unknown", client: "SMTP client", kind: invProtocol}
	case "otherForMobile":
		return invID{platform: "unknown", client: "Other mobile mail client", kind: invOtherMobile}
	case "outlookForWindows":
		return invID{platform: "windows", client: "Outlook (version unknown)", kind: invOutlookWin}
	case "outlookForMac":
		return invID{platform: "macos", client: "Outlook for Mac (version unknown)", kind: invOutlookMac}
	case "outlookForMobile":
		return invID{platform: "unknown", client: "Outlook mobile", kind: invOtherMobile}
	case "EAS":
		return invID{platform: "unknown", client: "ActiveSync client", kind: invProtocol}
	}
	return invID{platform: "unknown", client: invOr(what, "Unknown") + " client", kind: invProtocol}
}

func (g *invGroup) sourceList() string {
	if len(g.sources) == 1 { // the common case: base and tag rejoin as they were
		return g.sources[0].source
	}
	// Sign-ins and Okta events of one user agent are one source, their
	// client apps / endpoints listed together: "signIn: UA [IMAP4, POP3]".
	// A group has a few sources: a slice, not a map.
	type entry struct {
		base string
		rank int
		tags []string
	}
	merged := make([]entry, 0, len(g.sources))
	for _, src := range g.sources {
		r := src.rank
		base, tag := invSplitTag(src.source)
		k := slices.IndexFunc(merged, func(e entry) bool { return e.base == base })
		if k < 0 {
			k = len(merged)
			merged = append(merged, entry{base: base, rank: r})
		}
		e := &merged[k]
		e.rank = min(e.rank, r)
		if tag != "" && !invContains(e.tags, tag) {
			e.tags = append(e.tags, tag)
		}
	}
	slices.SortFunc(merged, func(a, b entry) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return strings.Compare(a.base, b.base)
	})
	list := make([]string, len(merged))
	for i, e := range merged {
		list[i] = e.base
		if len(e.tags) > 0 {
			sort.Strings(e.tags)
			list[i] = e.base + " [" + strings.Join(e.tags, ", ") + "]"
		}
	}
	return strings.Join(list, "; ")
}

// invSplitTag splits a sign-in or Okta source into its user agent part
// and its bracketed client app or endpoint ("" when there is none).
func invSplitTag(s string) (base, tag string) {
	if (strings.HasPrefix(s, "signIn: ") || strings.HasPrefix(s, "oktaLog: ")) && strings.HasSuffix(s, "]") {
		if i := strings.LastIndex(s, " ["); i > 0 {
			return s[:i], s[i+2 : len(s)-1]
		}
	}
	return s, ""
}

// classify decides ModernAuth and the table row that decided it.
func (g *invGroup) classify(asOf time.Time) (string, string) {
	ma, row := g.tableRow(asOf)
	if g.modern && ma != ModernYes {
		return ModernYes, row + rowModernSeen
	}
	return ma, row
}

func (g *invGroup) tableRow(asOf time.Time) (string, string) {
	v := g.version
	switch g.kind {
	case invOutlookWin:
		switch major := invOutlookMajor(g.client, v); {
		case major >= 16:
			return ModernYes, RowWinOutlook2016
		case major == 15:
			return ModernConditional, RowWinOutlook2013
		case major > 0:
			return ModernNo, RowWinOutlook2010
		}
		return ModernUnknown, RowWinOutlookUnknown
	case invWinMail:
		switch {
		case v == "":
			return ModernUnknown, RowWinMailUnknown
		case invCmpVersion(v, "17.9126.21785.0") >= 0:
			return ModernYes, RowWinMail
		}
		return ModernNo, RowWinMailOld
	case invOutlookMac:
		major := invOutlookMajor(g.client, v)
		switch {
		case major > 0 && major <= 14:
			return ModernNo, RowMacOutlook2011
		case major == 0:
			return ModernUnknown, RowMacOutlookUnknown
		case v == "":
			return ModernYes, RowMacOutlook2016 + " (version not reported)"
		case invCmpVersion(v, "16.12") >= 0:
			return ModernYes, RowMacOutlook2016
		}
		return ModernConditional, RowMacOutlookOld16
	case invAppleMail:
		switch {
		case v == "" || len(invVersionParts(v)) == 0:
			return ModernUnknown, RowMacMailUnknown
		case invCmpVersion(v, "10.13.4") <= 0:
			return ModernNo, RowMacMail
		case invCmpVersion(v, "10.14") >= 0:
			return ModernConditional, RowMacMailNewer
		}
		return ModernUnknown, RowMacMailUnknown
	case invOutlookIOS:
		switch {
		case v == "":
			return ModernYes, RowIOSOutlook + " (version not reported)"
		case invCmpVersion(v, "2.75.0") >= 0:
			return ModernYes, RowIOSOutlook
		}
		return ModernConditional, RowIOSOutlookOld
	case invIOSMail:
		return invIOSMailRow(v, g.build)
	case invOutlookAndroid:
		switch {
		case v == "":
			return ModernYes, RowAndroidOutlook + " (version not reported)"
		case invCmpVersion(v, "2.2.143") >= 0:
			return ModernYes, RowAndroidOutlook
		}
		return ModernConditional, RowAndroidOutlookOld
	case invAndroidMail:
		switch {
		case v == "":
			return ModernUnknown, RowAndroidMailUnknown
		case invCmpVersion(v, "8.1.0") <= 0:
			return ModernNo, RowAndroidMail
		}
		return ModernUnknown, RowAndroidMailNewer
	case invOWA:
		return ModernYes, RowOWA
	case invThunderbird:
		switch {
		case v != "" && invCmpVersion(v, "78") >= 0:
			return ModernYes, RowThunderbirdOAuth
		case v == "":
			return ModernUnknown, "not in the whitepaper's tables: Thunderbird, version not known (78 and later support OAuth2)"
		case g.platform == "linux":
			return ModernNo, RowNixNative
		}
		return ModernNo, RowThunderbirdOld
	case invNix:
		return ModernNo, RowNixNative
	case invWLM:
		return ModernNo, RowWindowsLiveMail
	case invProtocol:
		if g.protocols.has("POP3") || g.protocols.has("IMAP4") || g.protocols.has("SMTP") || strings.Contains(g.client, "POP3") ||
			strings.Contains(g.client, "IMAP4") || strings.Contains(g.client, "SMTP") {
			if !asOf.IsZero() && asOf.Before(invOAuthProtocols) {
				return ModernNo, RowTable1POPIMAP
			}
		}
		return ModernUnknown, RowUnidentified + " (" + g.client + ")"
	case invOtherMobile:
		return ModernUnknown, RowUnidentified + " (report only: " + g.client + ")"
	case invEASDevice:
		return ModernUnknown, RowUnrecognised
	}
	// invNamed: judged by what it was seen doing.
	switch {
	case g.modern:
		return ModernYes, "not in the whitepaper's tables: " + g.client + " — a modern-auth sign-in was seen"
	case g.basic:
		return ModernNo, "not in the whitepaper's tables: " + g.client + " was seen only with basic auth" + g.protocolNote()
	}
	return ModernUnknown, RowUnrecognised
}

func (g *invGroup) protocolNote() string {
	ps := append([]string(nil), g.protocols...)
	if len(ps) == 0 {
		return ""
	}
	sort.Strings(ps)
	return " (" + strings.Join(ps, ", ") + ")"
}

func invIOSMailRow(v, build string) (string, string) {
	if v != "" && len(invVersionParts(v)) > 0 {
		switch {
		case invCmpVersion(v, "11.3.1") >= 0:
			return ModernYes, RowIOSMail
		case invCmpVersion(v, "11") >= 0:
			return ModernConditional, RowIOSMailEarly11
		}
		return ModernNo, RowIOSMailOld
	}
	major, letter, num, ok := invParseIOSBuild(build)
	switch {
	case !ok:
		return ModernUnknown, RowIOSMailUnknown
	case major >= 16 || (major == 15 && (letter > 5 || (letter == 5 && num >= 302))):
		return ModernYes, RowIOSMail
	case major == 15:
		return ModernConditional, RowIOSMailEarly11
	}
	return ModernNo, RowIOSMailOld
}

// --- small helpers

// invVersionParts parses the leading dotted numbers of a version.
func invVersionParts(v string) []int { return invVersionPartsTo(nil, v) }

// invVersionPartsTo is invVersionParts appending to out (a version is
// compared for every client use: without allocating).
func invVersionPartsTo(out []int, v string) []int {
	rest := strings.TrimSpace(v)
	for {
		p, tail, more := strings.Cut(rest, ".")
		n, err := strconv.Atoi(p)
		if err != nil {
			return out
		}
		out = append(out, n)
		if !more {
			return out
		}
		rest = tail
	}
}

// invCmpVersion compares dotted versions numerically (missing parts are
// 0); unparsable versions compare as strings after parsable ones.
func invCmpVersion(a, b string) int {
	var bufA, bufB [8]int
	pa, pb := invVersionPartsTo(bufA[:0], a), invVersionPartsTo(bufB[:0], b)
	if len(pa) == 0 || len(pb) == 0 {
		switch {
		case len(pa) == 0 && len(pb) == 0:
			return strings.Compare(a, b)
		case len(pa) == 0:
			return 1
		default:
			return -1
		}
	}
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := 0, 0
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func invContains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func invOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func invNonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
