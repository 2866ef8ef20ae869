package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// Beta-only shapes are requested as raw GETs through the same request
// adapter (token, retries, limits) and decoded here; the beta SDK is not
// linked.

// beta returns the absolute beta URL of path with query options given as
// name, value pairs (kept in order; "$" left as is, spaces as %20).
func (c *client) beta(path string, kv ...string) string {
	u := c.base + "/beta" + path
	for i := 0; i+1 < len(kv); i += 2 {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + kv[i] + "=" + strings.ReplaceAll(url.QueryEscape(kv[i+1]), "+", "%20")
	}
	return u
}

// getJSON GETs rawURL through the adapter and returns the body; errors are
// decoded as Graph's ODataError.
func (c *client) getJSON(ctx context.Context, rawURL string, rep *collect.Reporter) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", rawURL, err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	ri.AddRequestOptions(options(rep))
	res, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMappings)
	if err != nil {
		return nil, err
	}
	b, _ := res.([]byte)
	if len(b) == 0 {
		return nil, errors.New("Microsoft Graph returned an empty response")
	}
	return b, nil
}

// wirePage is one page of a Graph collection.
type wirePage[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// getPages GETs first and every @odata.nextLink after it, handing each item
// to each and reporting each page. The next page is asked for as soon as
// its link is found in the body (Graph writes @odata.nextLink before
// value), before the page is decoded and handed over, so a long chain of
// pages (the usage report: 500 pages at 100,000 mailboxes) runs at the
// service's pace rather than its pace plus decoding. The link found early
// is only a guess: the decoded page's link is the one followed.
func getPages[T any](ctx context.Context, c *client, first string, rep *collect.Reporter, each func(T)) error {
	type answer struct {
		body []byte
		err  error
	}
	type fetch struct {
		url    string
		ch     chan answer
		cancel context.CancelFunc
	}
	get := func(url string) *fetch {
		ctx, cancel := context.WithCancel(ctx)
		f := &fetch{url: url, ch: make(chan answer, 1), cancel: cancel}
		go func() {
			body, err := c.getJSON(ctx, url, rep)
			f.ch <- answer{body, err}
		}()
		return f
	}
	var ahead *fetch // the next page, asked for before its link was confirmed
	defer func() {
		if ahead != nil {
			ahead.cancel()
			<-ahead.ch
		}
	}()
	seen := map[string]bool{}
	for next := first; next != ""; {
		if seen[next] {
			return fmt.Errorf("Microsoft Graph returned the same @odata.nextLink twice: %s", next)
		}
		seen[next] = true
		f := ahead
		ahead = nil
		if f == nil || f.url != next {
			if f != nil {
				f.cancel()
				<-f.ch
			}
			f = get(next)
		}
		a := <-f.ch
		f.cancel()
		if a.err != nil {
			return a.err
		}
		body := bytes.TrimPrefix(a.body, []byte("\ufeff"))
		if link := peekNextLink(body); link != "" && !seen[link] {
			ahead = get(link)
		}
		var pg wirePage[T]
		if err := json.Unmarshal(body, &pg); err != nil {
			return fmt.Errorf("decoding %s: %w", next, err)
		}
		page(rep, len(pg.Value))
		for _, v := range pg.Value {
			each(v)
		}
		next = pg.NextLink
	}
	return nil
}

// peekNextLink finds a page's @odata.nextLink without decoding the page:
// the string after the first "@odata.nextLink" key, or "".
func peekNextLink(body []byte) string {
	key := []byte(`"@odata.nextLink"`)
	i := bytes.Index(body, key)
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(body[i+len(key):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return ""
	}
	var link string
	if json.NewDecoder(bytes.NewReader(rest[1:])).Decode(&link) != nil {
		return ""
	}
	return link
}

// signInWire is a beta signIn, reduced.
type signInWire struct {
	ID                      string    `json:"id"`
	CreatedDateTime         time.Time `json:"createdDateTime"`
	UserID                  string    `json:"userId"`
	UserPrincipalName       string    `json:"userPrincipalName"`
	AppDisplayName          string    `json:"appDisplayName"`
	ClientAppUsed           string    `json:"clientAppUsed"`
	UserAgent               string    `json:"userAgent"`
	IPAddress               string    `json:"ipAddress"`
	ConditionalAccessStatus string    `json:"conditionalAccessStatus"`
	Status                  *struct {
		ErrorCode     int    `json:"errorCode"`
		FailureReason string `json:"failureReason"`
	} `json:"status"`
	DeviceDetail *struct {
		OperatingSystem string `json:"operatingSystem"`
		Browser         string `json:"browser"`
	} `json:"deviceDetail"`
}

func (w signInWire) signIn() tenant.SignIn {
	s := tenant.SignIn{
		ID: w.ID, CreatedDateTime: w.CreatedDateTime.UTC(), UserID: w.UserID,
		UserPrincipalName: w.UserPrincipalName, AppDisplayName: w.AppDisplayName,
		ClientAppUsed: w.ClientAppUsed, UserAgent: w.UserAgent, IPAddress: w.IPAddress,
		ConditionalAccessStatus: w.ConditionalAccessStatus,
	}
	if w.Status != nil {
		s.ErrorCode, s.FailureReason = w.Status.ErrorCode, w.Status.FailureReason
	}
	if w.DeviceDetail != nil {
		s.OperatingSystem, s.Browser = w.DeviceDetail.OperatingSystem, w.DeviceDetail.Browser
	}
	return s
}

// emailAppUsageWire is a beta emailAppUsageUserDetail row.
type emailAppUsageWire struct {
	ReportRefreshDate string   `json:"reportRefreshDate"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	LastActivityDate  string   `json:"lastActivityDate"`
	MailForMac        []string `json:"mailForMac"`
	OutlookForMac     []string `json:"outlookForMac"`
	OutlookForWindows []string `json:"outlookForWindows"`
	OutlookForMobile  []string `json:"outlookForMobile"`
	OtherForMobile    []string `json:"otherForMobile"`
	OutlookForWeb     []string `json:"outlookForWeb"`
	POP3App           []string `json:"pop3App"`
	IMAP4App          []string `json:"imap4App"`
	SMTPApp           []string `json:"smtpApp"`
}

func (w emailAppUsageWire) usage() tenant.EmailAppUsage {
	return tenant.EmailAppUsage{
		UserPrincipalName: w.UserPrincipalName, DisplayName: w.DisplayName,
		LastActivityDate: w.LastActivityDate, ReportRefreshDate: w.ReportRefreshDate,
		MailForMac: nilIfEmpty(w.MailForMac), OutlookForMac: nilIfEmpty(w.OutlookForMac),
		OutlookForWindows: nilIfEmpty(w.OutlookForWindows), OutlookForMobile: nilIfEmpty(w.OutlookForMobile),
		OtherForMobile: nilIfEmpty(w.OtherForMobile), OutlookForWeb: nilIfEmpty(w.OutlookForWeb),
		POP3App: nilIfEmpty(w.POP3App), IMAP4App: nilIfEmpty(w.IMAP4App), SMTPApp: nilIfEmpty(w.SMTPApp),
	}
}

// emailAppVersionsWire is a beta emailAppUsageVersionsUserCounts row.
type emailAppVersionsWire struct {
	ReportRefreshDate string  `json:"reportRefreshDate"`
	Outlook2007       flexInt `json:"outlook2007"`
	Outlook2010       flexInt `json:"outlook2010"`
	Outlook2013       flexInt `json:"outlook2013"`
	Outlook2016       flexInt `json:"outlook2016"`
	Outlook2019       flexInt `json:"outlook2019"`
	OutlookM365       flexInt `json:"outlookM365"`
	Undetermined      flexInt `json:"undetermined"`
}

func (w emailAppVersionsWire) versions() tenant.EmailAppVersions {
	return tenant.EmailAppVersions{
		ReportRefreshDate: w.ReportRefreshDate,
		Outlook2007:       int(w.Outlook2007), Outlook2010: int(w.Outlook2010), Outlook2013: int(w.Outlook2013),
		Outlook2016: int(w.Outlook2016), Outlook2019: int(w.Outlook2019), OutlookM365: int(w.OutlookM365),
		Undetermined: int(w.Undetermined),
	}
}

// flexInt reads a count given as a JSON number, a numeric string or null.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("expected a count, found %s", b)
	}
	*f = flexInt(n)
	return nil
}
