package assess

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/sim/simtest"
	"github.com/harden365/harden365/tenant"
)

// --- minimal snapshots

const invU = "user@example.com"

var (
	inv2019 = time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
	inv2026 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func invSnap(asOf time.Time) *tenant.Snapshot {
	return &tenant.Snapshot{
		AsOf: asOf,
		Exchange: tenant.Exchange{CASMailboxes: []tenant.CASMailbox{
			{Identity: "user", Name: "user", PrimarySmtpAddress: invU},
		}},
	}
}

func invWithSignIn(app, ua, os string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		s.Entra.SignIns = append(s.Entra.SignIns, tenant.SignIn{
			ID: fmt.Sprint(len(s.Entra.SignIns)), UserPrincipalName: invU, ClientAppUsed: app, UserAgent: ua, OperatingSystem: os,
		})
	}
}

func invWithDevice(typ, os, ua, clientType, clientVersion string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		s.Exchange.MobileDevices = append(s.Exchange.MobileDevices, tenant.MobileDevice{
			Identity: `user\ExchangeActiveSyncDevices\` + typ + "§X", Mailbox: "user", DeviceType: typ,
			DeviceOS: os, DeviceUserAgent: ua, ClientType: clientType, ClientVersion: clientVersion,
		})
	}
}

func invWithOkta(ua, endpoint string) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		s.Okta.Logs = append(s.Okta.Logs, tenant.OktaLog{
			UUID: fmt.Sprint(len(s.Okta.Logs)), EventType: "user.authentication.sso", ActorAlternateID: invU,
			UserAgent: ua, Result: "SUCCESS", RequestURI: "/app/office365/exkX/sso/wsfed/" + endpoint,
		})
	}
}

func invWithReport(f func(*tenant.EmailAppUsage)) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		r := tenant.EmailAppUsage{UserPrincipalName: invU}
		f(&r)
		s.Entra.EmailAppUsage = append(s.Entra.EmailAppUsage, r)
	}
}

func invBuild(asOf time.Time, opts ...func(*tenant.Snapshot)) *tenant.Snapshot {
	s := invSnap(asOf)
	for _, o := range opts {
		o(s)
	}
	return s
}

const (
	invUAOutlook2016MSI = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4849; Pro)"
	invUAOutlook2016C2R = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.11601; Pro)"
	invUAOutlook2013    = "Microsoft Office/15.0 (Windows NT 6.1; Microsoft Outlook 15.0.5127; Pro)"
	invUAOutlook2010    = "Microsoft Office/14.0 (Windows NT 6.1; Microsoft Outlook 14.0.7015; Pro)"
	invUAOutlook2007    = "Microsoft Office/12.0 (Windows NT 6.1; Microsoft Office Outlook 12.0.6767; Pro)"
	invUAMacOutlook16   = "MacOutlook/16.12.0.180408 (Intelx64 Mac OS X Version 10.13.4 (Build 17E199))"
	invUAMacOutlook11   = "MacOutlook/14.7.7.170905 (Intel Mac OS X Version 10.12.6 (Build 16G29))"
	invUAMacMail        = "Mac OS X/10.13.4 (17E199); ExchangeWebServices/8.0 (243); Mail/11.3 (3445.6.18)"
	invUAThunderbird60  = "Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 Thunderbird/60.7.0"
	invUAChrome74       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36"
)

// TestInventoryTableRows has one case per row of the whitepaper's tables
// 3-5, plus OWA and an unknown user agent, each from the minimal evidence
// that shows it.
func TestInventoryTableRows(t *testing.T) {
	cases := []struct {
		name                              string
		snap                              *tenant.Snapshot
		platform, client, version, modern string
		row                               string
	}{
		{"Windows: Outlook 2016", invBuild(inv2019, invWithSignIn("MAPI Over HTTP", invUAOutlook2016MSI, "Windows 10")),
			"windows", "Outlook 2016", "16.0.4849", ModernYes, RowWinOutlook2016},
		{"Windows: Outlook 2013", invBuild(inv2019, invWithSignIn("MAPI Over HTTP", invUAOutlook2013, "Windows 7")),
			"windows", "Outlook 2013", "15.0.5127", ModernConditional, RowWinOutlook2013},
		{"Windows: Windows 10 Mail 17.9126.21785.0", invBuild(inv2019, invWithDevice("WindowsMail", "Windows 10.0.17134", "WindowsMail/17.9126.21785.0", "EAS", "16.1")),
			"windows", "Windows 10 Mail", "17.9126.21785.0", ModernYes, RowWinMail},
		{"Windows: Outlook 2010", invBuild(inv2019, invWithSignIn("Outlook Anywhere (RPC over HTTP)", invUAOutlook2010, "Windows 7")),
			"windows", "Outlook 2010", "14.0.7015", ModernNo, RowWinOutlook2010},
		{"Windows: Outlook 2007", invBuild(inv2019, invWithSignIn("Outlook Anywhere (RPC over HTTP)", invUAOutlook2007, "Windows 7")),
			"windows", "Outlook 2007", "12.0.6767", ModernNo, RowWinOutlook2010},
		{"macOS: Outlook 2016 16.12", invBuild(inv2019, invWithSignIn("Exchange Web Services", invUAMacOutlook16, "MacOs")),
			"macos", "Outlook 2016 for Mac", "16.12.0.180408", ModernYes, RowMacOutlook2016},
		{"macOS: Outlook 2011", invBuild(inv2019, invWithSignIn("Exchange Web Services", invUAMacOutlook11, "MacOs")),
			"macos", "Outlook 2011 for Mac", "14.7.7.170905", ModernNo, RowMacOutlook2011},
		{"macOS: native Mail 10.13.4", invBuild(inv2019, invWithSignIn("Exchange Web Services", invUAMacMail, "MacOs")),
			"macos", "Apple Mail", "10.13.4", ModernNo, RowMacMail},
		{"iOS: Outlook app 2.75.0+", invBuild(inv2019, invWithDevice("Outlook", "iOS 12.2 16E227", "Outlook-iOS/2.0", "Outlook", "3.17.0")),
			"ios", "Outlook for iOS", "3.17.0", ModernYes, RowIOSOutlook},
		{"iOS: native Mail 11.3.1", invBuild(inv2019, invWithDevice("iPhone", "iOS 11.3.1 15E302", "Apple-iPhone10C6/1505.302", "EAS", "16.1")),
			"ios", "iOS Mail", "11.3.1", ModernYes, RowIOSMail},
		{"iOS: native Mail 10.3.3 (from the EAS build alone)", invBuild(inv2019, invWithSignIn("Exchange ActiveSync", "Apple-iPhone9C1/1407.60", "Ios")),
			"ios", "iOS Mail", "10.3.3", ModernNo, RowIOSMailOld},
		{"Android: Outlook app 2.2143+", invBuild(inv2019, invWithDevice("Outlook", "Android 9", "Outlook-Android/2.0", "Outlook", "3.0.46")),
			"android", "Outlook for Android", "3.0.46", ModernYes, RowAndroidOutlook},
		{"Android: native mail 8.1.0", invBuild(inv2019, invWithSignIn("Exchange ActiveSync", "Android-Mail/8.1.0", "Android")),
			"android", "Android native mail", "8.1.0", ModernNo, RowAndroidMail},
		{"*nix: native client", invBuild(inv2019, invWithSignIn("IMAP4", invUAThunderbird60, "Linux")),
			"linux", "Thunderbird", "60.7.0", ModernNo, RowNixNative},
		{"OWA", invBuild(inv2019, invWithSignIn("Browser", invUAChrome74, "Windows 10")),
			"windows", "Outlook on the web", "Chrome 74", ModernYes, RowOWA},
		{"unknown user agent", invBuild(inv2019, invWithDevice("Zorg", "", "Zorg-Mail/0.9", "EAS", "14.1")),
			"unknown", "Zorg-Mail", "0.9", ModernUnknown, RowUnrecognised},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := Inventory(c.snap)
			if len(inv) != 1 {
				t.Fatalf("want 1 client, got %d: %+v", len(inv), inv)
			}
			got := inv[0]
			want := ClientUse{User: invU, Platform: c.platform, Client: c.client, Version: c.version, ModernAuth: c.modern, TableRow: c.row, Source: got.Source}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if got.Source == "" {
				t.Error("no source")
			}
		})
	}
}

// TestInventoryBeyondTables covers the decisions taken where the tables are
// silent (see the file comment of inventory.go).
func TestInventoryBeyondTables(t *testing.T) {
	cases := []struct {
		name           string
		snap           *tenant.Snapshot
		client, modern string
		row            string // prefix
	}{
		{"report only: Outlook 2016", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWindows = []string{"Outlook 2016"} })),
			"Outlook 2016", ModernYes, RowWinOutlook2016},
		{"report only: Outlook 2010", invBuild(inv2026, invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWindows = []string{"Outlook 2010"} })),
			"Outlook 2010", ModernNo, RowWinOutlook2010},
		{"report only: Outlook 2011 for Mac", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForMac = []string{"Outlook 2011"} })),
			"Outlook 2011 for Mac", ModernNo, RowMacOutlook2011},
		{"report only: Outlook for iOS, no version", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForMobile = []string{"Outlook for iOS"} })),
			"Outlook for iOS", ModernYes, RowIOSOutlook},
		{"report only: mailForMac", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.MailForMac = []string{"Undetermined"} })),
			"Apple Mail", ModernUnknown, RowMacMailUnknown},
		{"report only: outlookForWeb", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWeb = []string{"Undetermined"} })),
			"Outlook on the web", ModernYes, RowOWA},
		{"report only: otherForMobile", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.OtherForMobile = []string{"Undetermined"} })),
			"Other mobile mail client", ModernUnknown, RowUnidentified},
		{"report only: pop3App in 2019 (table 1)", invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.POP3App = []string{"Undetermined"} })),
			"POP3 client", ModernNo, RowTable1POPIMAP},
		{"report only: imap4App in 2026", invBuild(inv2026, invWithReport(func(r *tenant.EmailAppUsage) { r.IMAP4App = []string{"Undetermined"} })),
			"IMAP4 client", ModernUnknown, RowUnidentified},
		{"legacy sign-in without user agent, 2026", invBuild(inv2026, invWithSignIn("POP3", "", "")),
			"POP3 client", ModernUnknown, RowUnidentified},
		{"Outlook 2013 seen with modern auth", invBuild(inv2026, invWithOkta(invUAOutlook2013, "passive")),
			"Outlook 2013", ModernYes, RowWinOutlook2013 + rowModernSeen},
		{"Windows 10 Mail, old build", invBuild(inv2019, invWithSignIn("Exchange ActiveSync", "WindowsMail/17.8600.40445.0", "Windows 10")),
			"Windows 10 Mail", ModernNo, RowWinMailOld},
		{"Outlook 2016 for Mac below 16.12", invBuild(inv2019, invWithSignIn("Exchange Web Services", "MacOutlook/16.9.0.180121 (Intelx64 Mac OS X Version 10.13.2)", "MacOs")),
			"Outlook 2016 for Mac", ModernConditional, RowMacOutlookOld16},
		{"Outlook for Mac 16.17+ without report", invBuild(inv2026, invWithOkta("MacOutlook/16.102.25101223 (Intelx64 Mac OS X 26.0.1 (Build 25A362))", "passive")),
			"Outlook 2019 or later for Mac", ModernYes, RowMacOutlook2016},
		{"Apple Mail on 10.15", invBuild(inv2026, invWithSignIn("Exchange Web Services", "Mac OS X/10.15.7 (19H2); ExchangeWebServices/11.0 (339); Mail/13.4 (3608.120.23.2.4)", "MacOs")),
			"Apple Mail", ModernConditional, RowMacMailNewer},
		{"Apple Mail on 10.13.6", invBuild(inv2019, invWithSignIn("Exchange Web Services", "Mac OS X/10.13.6 (17G65); ExchangeWebServices/8.0 (243); Mail/11.5 (3445.9.1)", "MacOs")),
			"Apple Mail", ModernUnknown, RowMacMailUnknown},
		{"Outlook for iOS below 2.75.0", invBuild(inv2019, invWithDevice("Outlook", "iOS 11.2 15C114", "Outlook-iOS/2.0", "Outlook", "2.60.0")),
			"Outlook for iOS", ModernConditional, RowIOSOutlookOld},
		{"Outlook for Android below 2.2.143", invBuild(inv2019, invWithDevice("Outlook", "Android 7.0", "Outlook-Android/2.0", "Outlook", "2.1.200")),
			"Outlook for Android", ModernConditional, RowAndroidOutlookOld},
		{"iOS Mail 11.3 (build 15E216)", invBuild(inv2019, invWithSignIn("Exchange ActiveSync", "Apple-iPhone10C6/1505.216", "Ios")),
			"iOS Mail", ModernConditional, RowIOSMailEarly11},
		{"iOS Mail, unmapped iOS 12 build", invBuild(inv2019, invWithSignIn("Exchange ActiveSync", "Apple-iPhone11C2/1603.123", "Ios")),
			"iOS Mail", ModernYes, RowIOSMail},
		{"iOS Mail, OAuth user agent", invBuild(inv2026, invWithSignIn("Mobile Apps and Desktop clients", "iOS/17.4 (21E219) accountsd/1.0", "Ios")),
			"iOS Mail", ModernYes, RowIOSMail},
		{"Android native mail 15", invBuild(inv2026, invWithDevice("Android", "Android 15", "SAMSUNG-SM-S921B/101.150401", "EAS", "16.1")),
			"Android native mail", ModernUnknown, RowAndroidMailNewer},
		{"Thunderbird 128", invBuild(inv2026, invWithSignIn("Authenticated SMTP", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.3.1", "Linux")),
			"Thunderbird", ModernYes, RowThunderbirdOAuth},
		{"Thunderbird 60 on Windows", invBuild(inv2019, invWithSignIn("IMAP4", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:60.0) Gecko/20100101 Thunderbird/60.7.0", "Windows 10")),
			"Thunderbird", ModernNo, RowThunderbirdOld},
		{"Evolution on Linux", invBuild(inv2019, invWithSignIn("IMAP4", "Evolution/3.28.5", "Linux")),
			"Evolution", ModernNo, RowNixNative},
		{"Windows Live Mail", invBuild(inv2019, invWithSignIn("POP3", "Microsoft Windows Live Mail 16.4.3528.0331", "Windows 7")),
			"Windows Live Mail", ModernNo, RowWindowsLiveMail},
		{"named client, basic only", invBuild(inv2026, invWithSignIn("IMAP4", "RICOH IM C3000/1.07", "")),
			"RICOH IM C3000", ModernNo, "not in the whitepaper's tables: RICOH IM C3000 was seen only with basic auth (IMAP4)"},
		{"named client, modern seen", invBuild(inv2026, invWithSignIn("IMAP4", "Acme Mailer/2.0", ""), invWithOkta("Acme Mailer/2.0", "passive")),
			"Acme Mailer", ModernYes, "not in the whitepaper's tables: Acme Mailer — a modern-auth sign-in was seen"},
		{"non-browser behind Mozilla", invBuild(inv2026, invWithSignIn("Exchange Web Services", "Mozilla/5.0 (Windows NT 10.0) ScriptRunner/3.1", "Windows 10")),
			"ScriptRunner", ModernNo, "not in the whitepaper's tables: ScriptRunner was seen only with basic auth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := Inventory(c.snap)
			if len(inv) != 1 {
				t.Fatalf("want 1 client, got %d: %+v", len(inv), inv)
			}
			got := inv[0]
			if got.User != invU || got.Client != c.client || got.ModernAuth != c.modern || !strings.HasPrefix(got.TableRow, c.row) {
				t.Errorf("got %+v\nwant client %q, modernAuth %q, row %q...", got, c.client, c.modern, c.row)
			}
		})
	}
}

func TestInventorySkips(t *testing.T) {
	s := invBuild(inv2019)
	// A password spray: failed, no user agent.
	s.Entra.SignIns = append(s.Entra.SignIns,
		tenant.SignIn{ID: "1", UserPrincipalName: invU, ClientAppUsed: "IMAP4", ErrorCode: 50126},
		tenant.SignIn{ID: "2", UserPrincipalName: invU, ClientAppUsed: "IMAP4", UserAgent: invUAThunderbird60, ErrorCode: 50126},
		// Admin tooling is not a mail client.
		tenant.SignIn{ID: "3", UserPrincipalName: invU, ClientAppUsed: "Exchange Online PowerShell", UserAgent: "Mozilla/5.0 (Windows NT 10.0) WindowsPowerShell/5.1"},
	)
	s.Okta.Logs = append(s.Okta.Logs, tenant.OktaLog{UUID: "x", ActorAlternateID: invU, UserAgent: invUAThunderbird60,
		Result: "FAILURE", Reason: "INVALID_CREDENTIALS", RequestURI: "/app/office365/k/sso/wsfed/active"})
	if inv := Inventory(s); len(inv) != 0 {
		t.Errorf("want nothing, got %+v", inv)
	}
	// A blocked attempt by a real client still shows the client.
	s.Entra.SignIns = append(s.Entra.SignIns, tenant.SignIn{ID: "4", UserPrincipalName: invU, ClientAppUsed: "IMAP4", UserAgent: invUAThunderbird60, ErrorCode: 53003})
	if inv := Inventory(s); len(inv) != 1 || inv[0].Client != "Thunderbird" {
		t.Errorf("want Thunderbird, got %+v", inv)
	}
	if Inventory(nil) != nil {
		t.Error("nil snapshot")
	}
}

func TestInventoryMerge(t *testing.T) {
	t.Run("report, sign-in and Okta event of one Outlook", func(t *testing.T) {
		s := invBuild(inv2019,
			invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWindows = []string{"Outlook 2016"} }),
			invWithSignIn("MAPI Over HTTP", invUAOutlook2016C2R, "Windows 10"),
			invWithSignIn("MAPI Over HTTP", invUAOutlook2016C2R, "Windows 10"),
			invWithSignIn("Exchange Web Services", invUAOutlook2016C2R, "Windows 10"),
			invWithOkta(invUAOutlook2016C2R, "active"))
		inv := Inventory(s)
		want := []ClientUse{{User: invU, Platform: "windows", Client: "Outlook 2016", Version: "16.0.11601", ModernAuth: ModernYes,
			TableRow: RowWinOutlook2016,
			Source: "signIn: " + invUAOutlook2016C2R + " [Exchange Web Services, MAPI Over HTTP]; oktaLog: " + invUAOutlook2016C2R +
				" [wsfed/active]; emailAppUsage: outlookForWindows=Outlook 2016"}}
		if !reflect.DeepEqual(inv, want) {
			t.Errorf("got  %+v\nwant %+v", inv, want)
		}
	})
	t.Run("Outlook for iOS: the version comes from the device only", func(t *testing.T) {
		s := invBuild(inv2019,
			invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForMobile = []string{"Outlook for iOS"} }),
			invWithSignIn("Mobile Apps and Desktop clients", "Outlook-iOS/2.0", "Ios"),
			invWithDevice("Outlook", "iOS 12.2 16E227", "Outlook-iOS/2.0", "Outlook", "3.17.0"))
		inv := Inventory(s)
		if len(inv) != 1 {
			t.Fatalf("want one entry, got %+v", inv)
		}
		want := "mobileDevice: Outlook-iOS/2.0 [iOS 12.2 16E227, Outlook 3.17.0]; signIn: Outlook-iOS/2.0 [Mobile Apps and Desktop clients]; emailAppUsage: outlookForMobile=Outlook for iOS"
		if inv[0].Version != "3.17.0" || inv[0].Source != want {
			t.Errorf("got %+v\nwant source %q", inv[0], want)
		}
	})
	t.Run("native phone mail: report column, device and sign-in", func(t *testing.T) {
		s := invBuild(inv2019,
			invWithReport(func(r *tenant.EmailAppUsage) { r.OtherForMobile = []string{"Undetermined"} }),
			invWithSignIn("Exchange ActiveSync", "Apple-iPhone9C1/1407.60", "Ios"),
			invWithDevice("iPhone", "iOS 10.3.3 14G60", "Apple-iPhone9C1/1407.60", "EAS", "16.1"))
		inv := Inventory(s)
		if len(inv) != 1 || inv[0].Client != "iOS Mail" || inv[0].Version != "10.3.3" || inv[0].ModernAuth != ModernNo ||
			!strings.HasSuffix(inv[0].Source, "; emailAppUsage: otherForMobile") || !strings.HasPrefix(inv[0].Source, "mobileDevice: ") {
			t.Errorf("got %+v", inv)
		}
	})
	t.Run("protocol columns go to the client that used the protocol", func(t *testing.T) {
		s := invBuild(inv2019,
			invWithReport(func(r *tenant.EmailAppUsage) {
				r.POP3App, r.SMTPApp = []string{"Undetermined"}, []string{"Undetermined"}
			}),
			invWithSignIn("POP3", "Microsoft Windows Live Mail 16.4.3528.0331", "Windows 7"),
			invWithSignIn("POP3", "", ""))
		inv := Inventory(s)
		if len(inv) != 1 || inv[0].Client != "Windows Live Mail" {
			t.Fatalf("got %+v", inv)
		}
		for _, src := range []string{"emailAppUsage: pop3App", "emailAppUsage: smtpApp", "signIn: (no user agent) [POP3]"} {
			if !strings.Contains(inv[0].Source, src) {
				t.Errorf("source %q lacks %q", inv[0].Source, src)
			}
		}
	})
	t.Run("a protocol no identified client used stays a placeholder", func(t *testing.T) {
		s := invBuild(inv2026,
			invWithReport(func(r *tenant.EmailAppUsage) { r.IMAP4App = []string{"Undetermined"} }),
			invWithSignIn("Exchange ActiveSync", "Android-Mail/8.1.0", "Android"))
		inv := Inventory(s)
		if len(inv) != 2 || inv[0].Client != "Android native mail" || inv[1].Client != "IMAP4 client" {
			t.Errorf("got %+v", inv)
		}
	})
	t.Run("two builds of one Outlook label", func(t *testing.T) {
		s := invBuild(inv2019,
			invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWindows = []string{"Outlook 2016"} }),
			invWithSignIn("MAPI Over HTTP", invUAOutlook2016C2R, "Windows 10"),
			invWithSignIn("MAPI Over HTTP", invUAOutlook2016MSI, "Windows 10"))
		inv := Inventory(s)
		if len(inv) != 2 || inv[0].Version != "16.0.4849" || inv[1].Version != "16.0.11601" {
			t.Fatalf("got %+v", inv)
		}
		for _, c := range inv {
			if c.Client != "Outlook 2016" || !strings.Contains(c.Source, "emailAppUsage: outlookForWindows=Outlook 2016") {
				t.Errorf("got %+v", c)
			}
		}
	})
	t.Run("report labels name Windows Outlook 16.x", func(t *testing.T) {
		s := invBuild(inv2026,
			invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWindows = []string{"Outlook 2019"} }),
			invWithOkta("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.10417; Pro)", "passive"))
		if inv := Inventory(s); len(inv) != 1 || inv[0].Client != "Outlook 2019" || inv[0].Version != "16.0.10417" {
			t.Errorf("got %+v", inv)
		}
		s = invBuild(inv2026, invWithOkta("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.19328; Pro)", "passive"))
		if inv := Inventory(s); len(inv) != 1 || inv[0].Client != "Outlook 2016 or later" || inv[0].ModernAuth != ModernYes {
			t.Errorf("got %+v", inv)
		}
	})
	t.Run("users: mailbox identity, Okta login, case", func(t *testing.T) {
		s := invBuild(inv2019,
			invWithDevice("Outlook", "Android 9", "Outlook-Android/2.0", "Outlook", "3.0.46"))
		s.Okta.Logs = append(s.Okta.Logs, tenant.OktaLog{UUID: "1", ActorAlternateID: "Other@Example.com", UserAgent: invUAChrome74,
			Result: "SUCCESS", RequestURI: "/app/office365/k/sso/wsfed/passive"})
		inv := Inventory(s)
		if len(inv) != 2 || inv[0].User != "other@example.com" || inv[1].User != invU {
			t.Errorf("got %+v", inv)
		}
	})
}

func TestInventoryLegacyOnly(t *testing.T) {
	c := func(user, client, ma string) ClientUse { return ClientUse{User: user, Client: client, ModernAuth: ma} }
	inv := []ClientUse{
		c("a@x", "Outlook 2010", ModernNo), c("a@x", "Outlook for iOS", ModernYes),
		c("b@x", "Outlook 2010", ModernNo),
		c("c@x", "Outlook 2010", ModernNo), c("c@x", "IMAP4 client", ModernUnknown),
		c("d@x", "Outlook 2013", ModernConditional),
		c("e@x", "iOS Mail", ModernNo), c("e@x", "Android native mail", ModernNo),
	}
	if got, want := LegacyOnly(inv), []string{"b@x", "e@x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyOnly = %v, want %v", got, want)
	}
	if got, want := LegacyUsers(inv), []string{"a@x", "b@x", "c@x", "e@x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyUsers = %v, want %v", got, want)
	}
	if got := LegacyOnly(nil); len(got) != 0 {
		t.Errorf("LegacyOnly(nil) = %v", got)
	}
	// Through Inventory: Outlook 2010 and Outlook for iOS.
	s := invBuild(inv2019,
		invWithSignIn("Outlook Anywhere (RPC over HTTP)", invUAOutlook2010, "Windows 7"),
		invWithDevice("Outlook", "iOS 12.2 16E227", "Outlook-iOS/2.0", "Outlook", "3.17.0"))
	if got := LegacyOnly(Inventory(s)); len(got) != 0 {
		t.Errorf("Outlook 2010 + Outlook for iOS: LegacyOnly = %v", got)
	}
}

func TestInventoryVersionCounts(t *testing.T) {
	s := invBuild(inv2019, invWithReport(func(r *tenant.EmailAppUsage) { r.OutlookForWindows = []string{"Outlook 2010"} }))
	s.Entra.EmailAppVersions = &tenant.EmailAppVersions{Outlook2010: 1}
	if got := VersionCountMismatches(s); len(got) != 0 {
		t.Errorf("agreeing counts: %v", got)
	}
	s.Entra.EmailAppVersions.Outlook2016 = 2
	if got := VersionCountMismatches(s); len(got) != 1 || !strings.HasPrefix(got[0], "Outlook 2016:") {
		t.Errorf("got %v", got)
	}
}

// --- the built-in scenarios, collected through the real pipeline

func invDiscover(t *testing.T, name string) *tenant.Snapshot {
	t.Helper()
	srv := simtest.ServeBuiltin(t, name, sim.Options{})
	cfg := clients.SimConfig(srv.URL(), srv.Scenario().AsOf())
	cfg.TenantID = srv.Scenario().TenantID()
	snap, err := clients.Discover(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

type invWant struct {
	users          []string // local parts; the domain is added
	client, modern string
	row            string
}

func invCheck(t *testing.T, inv []ClientUse, domain func(string) string, wants []invWant) {
	t.Helper()
	for _, w := range wants {
		for _, u := range w.users {
			upn := domain(u)
			found := false
			for _, c := range inv {
				if c.User == upn && c.Client == w.client && c.ModernAuth == w.modern && c.TableRow == w.row {
					found = true
				}
			}
			if !found {
				var have []string
				for _, c := range inv {
					if c.User == upn {
						have = append(have, fmt.Sprintf("%s/%s/%s (%s)", c.Client, c.Version, c.ModernAuth, c.TableRow))
					}
				}
				t.Errorf("%s: want %s %s (%s); have %v", upn, w.client, w.modern, w.row, have)
			}
		}
	}
}

func invCheckShape(t *testing.T, inv []ClientUse) {
	t.Helper()
	seen := map[string]bool{}
	for i, c := range inv {
		k := c.User + "|" + c.Client + "|" + c.Version
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
		if c.Source == "" || c.TableRow == "" || c.Platform == "" || c.User == "" {
			t.Errorf("incomplete %+v", c)
		}
		if i > 0 && (inv[i-1].User > c.User || (inv[i-1].User == c.User && inv[i-1].Client > c.Client)) {
			t.Errorf("not sorted at %d: %+v after %+v", i, c, inv[i-1])
		}
	}
}

func TestInventoryWhitepaper(t *testing.T) {
	snap := invDiscover(t, "whitepaper")
	inv := Inventory(snap)
	invCheckShape(t, inv)
	domain := func(u string) string {
		switch u {
		case "wim.peeters", "an.claes", "koen.maes", "els.wouters", "dirk.jacobs", "lien.mertens":
			return u + "@mijndomein.be"
		}
		return u + "@mijndomein.nl"
	}
	// sim/scenarios/README.md, "Clients against the whitepaper's tables 3-5".
	invCheck(t, inv, domain, []invWant{
		{[]string{"jan.janssen", "pieter.devries", "bram.meijer", "emma.mulder", "lars.hendriks", "iris.vandijk", "sem.vanleeuwen",
			"julia.dekker", "tim.brouwer", "noa.dejong", "eva.vermeulen", "sophie.jacobs", "lisa.hoekstra", "bas.koster",
			"koen.postma", "wouter.vanbeek", "nina.bosman", "wim.peeters", "dirk.jacobs"}, "Outlook 2016", ModernYes, RowWinOutlook2016},
		{[]string{"joke.janssen", "femke.prins", "milan.kok", "an.claes"}, "Outlook 2013", ModernConditional, RowWinOutlook2013},
		{[]string{"lotte.smit"}, "Windows 10 Mail", ModernYes, RowWinMail},
		{[]string{"fleur.bos"}, "Outlook 2010", ModernNo, RowWinOutlook2010},
		{[]string{"ruben.vos"}, "Outlook 2007", ModernNo, RowWinOutlook2010},
		{[]string{"sanne.bakker", "sara.vanderlinden"}, "Outlook 2016 for Mac", ModernYes, RowMacOutlook2016},
		{[]string{"max.vandenberg"}, "Outlook 2011 for Mac", ModernNo, RowMacOutlook2011},
		{[]string{"anouk.peters"}, "Apple Mail", ModernNo, RowMacMail},
		{[]string{"joke.janssen", "sanne.bakker", "sem.vanleeuwen", "bas.koster", "wouter.vanbeek", "els.wouters"}, "Outlook for iOS", ModernYes, RowIOSOutlook},
		{[]string{"jan.janssen", "eva.vermeulen", "nina.bosman", "wim.peeters"}, "iOS Mail", ModernYes, RowIOSMail},
		{[]string{"lars.hendriks", "rick.kuipers"}, "iOS Mail", ModernNo, RowIOSMailOld},
		{[]string{"pieter.devries", "tim.brouwer", "lisa.hoekstra", "an.claes"}, "Outlook for Android", ModernYes, RowAndroidOutlook},
		{[]string{"iris.vandijk", "jesse.schouten"}, "Android native mail", ModernNo, RowAndroidMail},
		{[]string{"daan.visser"}, "Thunderbird", ModernNo, RowNixNative},
		{[]string{"koen.maes"}, "Windows Live Mail", ModernNo, RowWindowsLiveMail},
		{[]string{"jira"}, "Atlassian JIRA", ModernNo, "not in the whitepaper's tables: Atlassian JIRA was seen only with basic auth (IMAP4)"},
		{[]string{"daan.visser", "bram.meijer", "thijs.degroot", "anouk.peters", "julia.dekker", "tim.brouwer", "luuk.willems",
			"femke.prins", "mirjam.huisman", "els.wouters", "lien.mertens"}, "Outlook on the web", ModernYes, RowOWA},
	})
	// Versions come from the right source.
	for _, c := range inv {
		switch {
		case c.User == "lars.hendriks@mijndomein.nl" && c.Client == "iOS Mail" && c.Version != "10.3.3",
			c.User == "joke.janssen@mijndomein.nl" && c.Client == "Outlook for iOS" && c.Version != "3.17.0",
			c.User == "fleur.bos@mijndomein.nl" && c.Version != "14.0.7015":
			t.Errorf("version: %+v", c)
		}
		// The password spray leaves no client behind.
		if strings.HasSuffix(c.Client, " client") {
			t.Errorf("unexplained placeholder: %+v", c)
		}
	}
	var want []string
	for _, u := range []string{"fleur.bos", "ruben.vos", "max.vandenberg", "rick.kuipers", "jesse.schouten", "koen.maes", "jira"} {
		want = append(want, domain(u))
	}
	sort.Strings(want)
	if got := LegacyOnly(inv); !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyOnly = %v\nwant %v", got, want)
	}
	// README "CLIENTS-LEGACY": whose clients cannot do modern auth.
	want = nil
	for _, u := range []string{"fleur.bos", "ruben.vos", "max.vandenberg", "anouk.peters", "lars.hendriks", "rick.kuipers",
		"iris.vandijk", "jesse.schouten", "daan.visser", "koen.maes", "jira"} {
		want = append(want, domain(u))
	}
	sort.Strings(want)
	if got := LegacyUsers(inv); !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyUsers = %v\nwant %v", got, want)
	}
	if got := VersionCountMismatches(snap); len(got) != 0 {
		t.Errorf("version counts: %v", got)
	}
	// Every mailbox with activity has a client; info@ (no activity) has none.
	users := map[string]bool{}
	for _, c := range inv {
		users[c.User] = true
	}
	if len(users) != 40 || users["info@mijndomein.nl"] {
		t.Errorf("%d users with clients (want 40, without info@)", len(users))
	}
}

func TestInventoryContoso(t *testing.T) {
	snap := invDiscover(t, "contoso")
	inv := Inventory(snap)
	invCheckShape(t, inv)
	domain := func(u string) string {
		switch u {
		case "henrietta.mueller", "allan.deyoung", "irvin.sayers", "debra.berger":
			return u + "@contoso-labs.com"
		}
		return u + "@contoso.com"
	}
	invCheck(t, inv, domain, []invWant{
		{[]string{"nestor.wilke"}, "Outlook 2010", ModernNo, RowWinOutlook2010},
		{[]string{"nestor.wilke", "joni.sherman", "miriam.graham", "christie.cline", "johanna.lorenz", "allan.deyoung"}, "Outlook on the web", ModernYes, RowOWA},
		{[]string{"megan.bowen", "alex.wilber", "diego.siciliani", "adele.vance", "grady.archie", "isaiah.langer", "patti.fernandez",
			"miriam.graham", "christie.cline", "henrietta.mueller", "debra.berger"}, "Outlook M365", ModernYes, RowWinOutlook2016},
		{[]string{"lynne.robbins"}, "Outlook 2019", ModernYes, RowWinOutlook2016},
		{[]string{"lee.gu"}, "Outlook 2016", ModernYes, RowWinOutlook2016},
		{[]string{"johanna.lorenz"}, "Outlook M365 for Mac", ModernYes, RowMacOutlook2016},
		{[]string{"irvin.sayers"}, "Outlook M365 for Mac", ModernYes, RowMacOutlook2016 + " (version not reported)"},
		{[]string{"megan.bowen", "isaiah.langer", "patti.fernandez"}, "Outlook for iOS", ModernYes, RowIOSOutlook},
		{[]string{"adele.vance", "allan.deyoung"}, "Outlook for Android", ModernYes, RowAndroidOutlook},
		{[]string{"alex.wilber", "lynne.robbins"}, "iOS Mail", ModernYes, RowIOSMail},
		{[]string{"diego.siciliani"}, "Android native mail", ModernUnknown, RowAndroidMailNewer},
		{[]string{"pradeep.gupta"}, "Thunderbird", ModernYes, RowThunderbirdOAuth},
		{[]string{"scanner"}, "RICOH IM C3000", ModernNo, "not in the whitepaper's tables: RICOH IM C3000 was seen only with basic auth (IMAP4, SMTP)"},
	})
	if got, want := LegacyOnly(inv), []string{"scanner@contoso.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyOnly = %v, want %v", got, want)
	}
	// README "CLIENTS-LEGACY": nestor.wilke (Outlook 2010, keeps OWA) and
	// the scanner.
	if got, want := LegacyUsers(inv), []string{"nestor.wilke@contoso.com", "scanner@contoso.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyUsers = %v, want %v", got, want)
	}
	// pradeep's imap4App/smtpApp belong to his Thunderbird, not to a
	// placeholder.
	for _, c := range inv {
		if strings.HasSuffix(c.Client, " client") {
			t.Errorf("unexplained placeholder: %+v", c)
		}
	}
	if got := VersionCountMismatches(snap); len(got) != 0 {
		t.Errorf("version counts: %v", got)
	}
}

func TestInventoryOktaClassic(t *testing.T) {
	snap := invDiscover(t, "okta-classic")
	inv := Inventory(snap)
	invCheckShape(t, inv)
	domain := func(u string) string { return u + "@northwind.example" }
	invCheck(t, inv, domain, []invWant{
		{[]string{"janet.leverling"}, "Thunderbird", ModernYes, RowThunderbirdOAuth},
		{[]string{"orders"}, "Odoo", ModernNo, "not in the whitepaper's tables: Odoo was seen only with basic auth (SMTP)"},
		{[]string{"nancy.davolio"}, "Outlook for iOS", ModernYes, RowIOSOutlook},
		{[]string{"andrew.fuller"}, "Outlook for Android", ModernYes, RowAndroidOutlook},
		{[]string{"margaret.peacock"}, "Outlook M365 for Mac", ModernYes, RowMacOutlook2016},
		{[]string{"margaret.peacock"}, "Outlook on the web", ModernYes, RowOWA},
		{[]string{"nancy.davolio", "andrew.fuller", "steven.buchanan"}, "Outlook M365", ModernYes, RowWinOutlook2016},
	})
	if got, want := LegacyOnly(inv), []string{"orders@northwind.example"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LegacyOnly = %v, want %v", got, want)
	}
}
