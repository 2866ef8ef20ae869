package assess

import (
	"slices"
	"testing"
	"time"

	"github.com/harden365/harden365/tenant"
)

// The client-version classifier takes user agents, device strings and
// report columns straight from the tenant. Whatever they hold, the
// inventory names a platform and a modern-auth verdict from its closed
// sets, never panics, and a user agent it cannot read is "unknown", not
// "yes" (an unreadable client must not pass as safe).
func FuzzClassifyClient(f *testing.F) {
	for _, ua := range []string{
		"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.19328; Pro)",
		"Microsoft Office/14.0 (Windows NT 6.1; Microsoft Outlook 14.0.7268; Pro)",
		"Outlook-iOS/2.0", "Outlook-Android/2.0", "Apple-iPhone17C1/2301.355", "Apple-iPhone15C2/2207.100",
		"SAMSUNG-SM-S921B/101.150401", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Thunderbird/140.4.0",
		"MacOutlook/16.89.24091630 (Intelx64 Mac OS X 14.6.1 (Build 23G93))", "RICOH IM C3000 1.07", "",
		"iOS/17.2 (21C62) dataaccessd/1.0", "Apple Mail (16.0)", "\x1b[31mevil\x07", "Microsoft Office/99999999999999999999.0 (",
	} {
		f.Add(ua, "iOS 17.2", "Outlook 2016", "EAS")
	}
	platforms := []string{"windows", "macos", "ios", "android", "linux", "unknown"}
	verdicts := []string{ModernYes, ModernNo, ModernConditional, ModernUnknown}
	f.Fuzz(func(t *testing.T, ua, deviceOS, reportVersion, clientType string) {
		asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		s := &tenant.Snapshot{AsOf: asOf}
		s.Users = []tenant.User{{ID: "u1", UserPrincipalName: "a@x.example", AccountEnabled: true}}
		s.Exchange.CASMailboxes = []tenant.CASMailbox{{Identity: "a", PrimarySmtpAddress: "a@x.example"}}
		s.Entra.SignIns = []tenant.SignIn{{UserPrincipalName: "a@x.example", CreatedDateTime: asOf.Add(-time.Hour), ClientAppUsed: "IMAP4", UserAgent: ua}}
		s.Exchange.MobileDevices = []tenant.MobileDevice{{Identity: `a\ExchangeActiveSyncDevices\d1`, Mailbox: "a", DeviceOS: deviceOS, DeviceUserAgent: ua, ClientType: clientType}}
		s.Entra.EmailAppUsage = []tenant.EmailAppUsage{{UserPrincipalName: "a@x.example", OutlookForWindows: []string{reportVersion}}}
		for _, id := range []string{"graph.users", "exchange.Get-CASMailbox", "graph.signIns", "exchange.Get-MobileDevice", "graph.emailAppUsage"} {
			s.SetStatus(tenant.SourceStatus{ID: id, State: tenant.StateOK})
		}
		inv := Inventory(s)
		for _, cu := range inv {
			if !slices.Contains(platforms, cu.Platform) || !slices.Contains(verdicts, cu.ModernAuth) {
				t.Fatalf("%q: platform %q, modern auth %q", ua, cu.Platform, cu.ModernAuth)
			}
			if cu.Client == "" || cu.TableRow == "" && cu.ModernAuth != ModernUnknown {
				t.Fatalf("%q: a client without a name or a verdict without its table row: %+v", ua, cu)
			}
		}
		id := invClassifyUA(ua)
		if !slices.Contains(platforms, id.platform) || id.client == "" {
			t.Fatalf("invClassifyUA(%q) = %+v", ua, id)
		}
	})
}
