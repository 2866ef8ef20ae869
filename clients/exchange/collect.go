package exchange

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
)

// Tasks returns one collector task per cmdlet.
func Tasks(cfg Config) []collect.Task {
	c := New(cfg)
	task := func(cmdlet string, params map[string]any, apply func(s *tenant.Snapshot, rows []Row) error) collect.Task {
		return collect.Task{
			ID: "exchange." + cmdlet, Service: "exchange",
			Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
				rows, err := c.Invoke(ctx, cmdlet, params, Hooks{Page: rep.Page, Wait: rep.Wait})
				if err != nil {
					return nil, err
				}
				// Decode now, so a malformed row is this source's error.
				if err := apply(&tenant.Snapshot{}, rows); err != nil {
					return nil, &collect.Failure{Message: cmdlet + ": " + err.Error()}
				}
				return func(s *tenant.Snapshot) { _ = apply(s, rows) }, nil
			},
		}
	}
	list := func(cmdlet string, apply func(s *tenant.Snapshot, rows []Row) error) collect.Task {
		return task(cmdlet, map[string]any{"ResultSize": "Unlimited"}, apply)
	}
	// Organisation-wide singletons take no parameters.
	single := func(cmdlet string, apply func(s *tenant.Snapshot, row Row) error) collect.Task {
		return task(cmdlet, nil, func(s *tenant.Snapshot, rows []Row) error {
			if len(rows) == 0 {
				return fmt.Errorf("the service returned no object")
			}
			return apply(s, rows[0])
		})
	}
	return append([]collect.Task{ // + the Exchange security checklist's tasks (checklist.go)
		single("Get-OrganizationConfig", func(s *tenant.Snapshot, r Row) error {
			var w struct {
				Identity, Name              string
				OAuth2ClientProfileEnabled  bool
				DefaultAuthenticationPolicy *string
				AuditDisabled               bool
				EwsEnabled                  *bool
				WhenChanged                 Time
			}
			if err := decode(r, &w); err != nil {
				return err
			}
			s.Exchange.OrganizationConfig = &tenant.OrganizationConfig{
				Identity: w.Identity, Name: w.Name, OAuth2ClientProfileEnabled: w.OAuth2ClientProfileEnabled,
				DefaultAuthenticationPolicy: deref(w.DefaultAuthenticationPolicy), AuditDisabled: w.AuditDisabled,
				EwsEnabled: w.EwsEnabled, WhenChanged: w.WhenChanged.Time,
			}
			return nil
		}),
		single("Get-TransportConfig", func(s *tenant.Snapshot, r Row) error {
			var w struct {
				SmtpClientAuthenticationDisabled bool
				WhenChanged                      Time
			}
			if err := decode(r, &w); err != nil {
				return err
			}
			s.Exchange.TransportConfig = &tenant.TransportConfig{SmtpClientAuthenticationDisabled: w.SmtpClientAuthenticationDisabled, WhenChanged: w.WhenChanged.Time}
			return nil
		}),
		rowsTask(c, "Get-CASMailbox", func(r json.RawMessage) (tenant.CASMailbox, bool, error) {
			var w struct {
				Identity, Name, DisplayName, PrimarySmtpAddress, ExternalDirectoryObjectId      string
				OWAEnabled, MAPIEnabled, EwsEnabled, ActiveSyncEnabled, PopEnabled, ImapEnabled bool
				SmtpClientAuthenticationDisabled                                                *bool
			}
			if err := decodeRaw(r, &w); err != nil {
				return tenant.CASMailbox{}, false, err
			}
			return tenant.CASMailbox{
				Identity: w.Identity, Name: w.Name, DisplayName: w.DisplayName, PrimarySmtpAddress: w.PrimarySmtpAddress,
				ExternalDirectoryObjectID: w.ExternalDirectoryObjectId, OWAEnabled: w.OWAEnabled, MAPIEnabled: w.MAPIEnabled,
				EwsEnabled: w.EwsEnabled, ActiveSyncEnabled: w.ActiveSyncEnabled, PopEnabled: w.PopEnabled, ImapEnabled: w.ImapEnabled,
				SmtpClientAuthenticationDisabled: w.SmtpClientAuthenticationDisabled,
			}, true, nil
		}, func(s *tenant.Snapshot, out []tenant.CASMailbox, _ int) { s.Exchange.CASMailboxes = nonNil(out) }),
		rowsTask(c, "Get-User", func(r json.RawMessage) (tenant.ExchangeUser, bool, error) {
			var w struct {
				Identity, UserPrincipalName, DisplayName, Title, RecipientTypeDetails, ExternalDirectoryObjectId string
				AuthenticationPolicy                                                                             *string
				RemotePowerShellEnabled                                                                          *bool
				AccountDisabled                                                                                  bool
				StsRefreshTokensValidFrom, WhenChanged                                                           Time
			}
			if err := decodeRaw(r, &w); err != nil {
				return tenant.ExchangeUser{}, false, err
			}
			return tenant.ExchangeUser{
				Identity: w.Identity, UserPrincipalName: w.UserPrincipalName, DisplayName: w.DisplayName, Title: w.Title,
				RecipientTypeDetails: w.RecipientTypeDetails, ExternalDirectoryObjectID: w.ExternalDirectoryObjectId,
				AuthenticationPolicy: deref(w.AuthenticationPolicy), RemotePowerShellEnabled: w.RemotePowerShellEnabled,
				AccountDisabled: w.AccountDisabled, StsRefreshTokensValidFrom: w.StsRefreshTokensValidFrom.Time, WhenChanged: w.WhenChanged.Time,
			}, true, nil
		}, func(s *tenant.Snapshot, out []tenant.ExchangeUser, _ int) { s.Exchange.Users = nonNil(out) }),
		list("Get-AuthenticationPolicy", func(s *tenant.Snapshot, rows []Row) error {
			out := make([]tenant.AuthPolicy, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name string
					WhenChanged    Time
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				p := tenant.AuthPolicy{Identity: w.Identity, Name: w.Name, WhenChanged: w.WhenChanged.Time, AllowBasicAuth: map[string]bool{}}
				for k, raw := range r {
					sw, ok := strings.CutPrefix(k, "AllowBasicAuth")
					if !ok {
						continue
					}
					var b *bool
					if err := json.Unmarshal(raw, &b); err != nil {
						return fmt.Errorf("row %d: %s: expected a boolean", i, k)
					}
					if b != nil {
						p.AllowBasicAuth[sw] = *b
					}
				}
				out = append(out, p)
			}
			s.Exchange.AuthenticationPolicies = out
			return nil
		}),
		list("Get-CASMailboxPlan", func(s *tenant.Snapshot, rows []Row) error {
			out := make([]tenant.CASMailboxPlan, 0, len(rows))
			for i, r := range rows {
				var w struct {
					Identity, Name, OwaMailboxPolicy           string
					PopEnabled, ImapEnabled, ActiveSyncEnabled bool
				}
				if err := decode(r, &w); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				out = append(out, tenant.CASMailboxPlan{Identity: w.Identity, Name: w.Name, PopEnabled: w.PopEnabled,
					ImapEnabled: w.ImapEnabled, ActiveSyncEnabled: w.ActiveSyncEnabled, OwaMailboxPolicy: w.OwaMailboxPolicy})
			}
			s.Exchange.CASMailboxPlans = out
			return nil
		}),
		rowsTask(c, "Get-MobileDevice", func(r json.RawMessage) (tenant.MobileDevice, bool, error) {
			var w struct {
				Identity, DeviceId, DeviceType, DeviceModel, DeviceOS, DeviceUserAgent string
				ClientType, ClientVersion, UserDisplayName, DeviceAccessState          string
				FirstSyncTime, LastSyncAttemptTime                                     Time
			}
			if err := decodeRaw(r, &w); err != nil {
				return tenant.MobileDevice{}, false, err
			}
			mbx, _, _ := strings.Cut(w.Identity, `\`)
			return tenant.MobileDevice{
				Identity: w.Identity, Mailbox: mbx, DeviceID: w.DeviceId, DeviceType: w.DeviceType, DeviceModel: w.DeviceModel,
				DeviceOS: w.DeviceOS, DeviceUserAgent: w.DeviceUserAgent, ClientType: w.ClientType, ClientVersion: w.ClientVersion,
				UserDisplayName: w.UserDisplayName, FirstSyncTime: w.FirstSyncTime.Time, LastSyncAttempt: w.LastSyncAttemptTime.Time,
				AccessState: w.DeviceAccessState,
			}, true, nil
		}, func(s *tenant.Snapshot, out []tenant.MobileDevice, _ int) { s.Exchange.MobileDevices = nonNil(out) }),
	}, checklistTasks(c)...)
}

// rowsTask runs a listing cmdlet (-ResultSize Unlimited) and converts each
// row as its page arrives, keeping only what conv returns (keep false
// drops the row): the raw rows of a 100,000-mailbox listing are never held
// at once. A row conv cannot read is this source's error ("row N: ...",
// counting from the listing's first row). set writes the converted rows
// and the number of rows read into the snapshot.
func rowsTask[T any](c *Client, cmdlet string, conv func(json.RawMessage) (T, bool, error), set func(s *tenant.Snapshot, out []T, read int)) collect.Task {
	return collect.Task{
		ID: "exchange." + cmdlet, Service: "exchange",
		Run: func(ctx context.Context, rep *collect.Reporter) (func(*tenant.Snapshot), error) {
			out, read, err := convertRows(ctx, c, cmdlet, rep, conv)
			if err != nil {
				return nil, err
			}
			return func(s *tenant.Snapshot) { set(s, out, read) }, nil
		},
	}
}

// convertRows runs the listing through conv. Its error is the service's
// (as Invoke's) or a rowError.
func convertRows[T any](ctx context.Context, c *Client, cmdlet string, rep *collect.Reporter, conv func(json.RawMessage) (T, bool, error)) ([]T, int, error) {
	var rows collect.Rows[T]
	read := 0
	err := c.InvokeRaw(ctx, cmdlet, map[string]any{"ResultSize": "Unlimited"}, Hooks{Page: rep.Page, Wait: rep.Wait}, func(page []json.RawMessage) error {
		for _, r := range page {
			v, keep, err := conv(r)
			c.cfg.Strings.Value(&v)
			if err != nil {
				return rowError{&collect.Failure{Message: fmt.Sprintf("%s: row %d: %v", cmdlet, read, err)}}
			}
			if keep {
				rows.Add(v)
			}
			read++
		}
		return nil
	})
	return rows.Slice(), read, err
}

// rowError is a row the collector could not read (not the service's
// error).
type rowError struct{ *collect.Failure }

func (e rowError) Unwrap() error { return e.Failure }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// decodeRaw is decode for a row as the service sent it (its sidecar
// annotations match no field and are ignored).
func decodeRaw(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeErr(err, &te); ok {
			return fmt.Errorf("property %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return err
	}
	return nil
}

// decode turns a row into a struct; field names match the cmdlet's
// properties (encoding/json matches them case-insensitively).
func decode(r Row, v any) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeErr(err, &te); ok {
			return fmt.Errorf("property %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return err
	}
	return nil
}

func asTypeErr(err error, te **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = e
	}
	return ok
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Time reads the service's date forms: ISO 8601 with a 7-digit fraction
// and offset, the older "/Date(ms)/", or null.
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil || *s == "" {
		t.Time = time.Time{}
		return nil
	}
	if ms, ok := strings.CutPrefix(*s, "/Date("); ok {
		ms = strings.TrimSuffix(ms, ")/")
		if i := strings.IndexAny(ms, "+-"); i > 0 {
			ms = ms[:i]
		}
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return fmt.Errorf("unreadable date %q", *s)
		}
		t.Time = time.UnixMilli(n).UTC()
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return fmt.Errorf("unreadable date %q", *s)
	}
	t.Time = v.UTC()
	return nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
