// Package sim is a simulated organisation: it serves a scenario file over
// the real wire protocols of Microsoft Graph, the Exchange Online admin API
// (InvokeCommand) and the Okta API, on loopback, so that the real SDKs can
// be tested and demonstrated against it.
//
// sim imports nothing of harden365: it must not share the clients'
// understanding of the wire. Scenarios are written in the APIs' own shapes
// and kept here as generic JSON values.
package sim

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed scenarios
var builtin embed.FS

// Scenario is one organisation in the APIs' wire shapes.
type Scenario struct {
	// Doc is the whole file as generic JSON (objects are map[string]any,
	// numbers json.Number). The server serves from it and applies writes
	// to it.
	Doc map[string]any
	// File is where it came from ("builtin:contoso" or a path).
	File string
}

// Name is the scenario's name key.
func (s *Scenario) Name() string { str, _ := s.Doc["name"].(string); return str }

// Description is the scenario's description key.
func (s *Scenario) Description() string { str, _ := s.Doc["description"].(string); return str }

// AsOf is the date the organisation is judged on, at midnight UTC.
func (s *Scenario) AsOf() time.Time {
	str, _ := s.Doc["asOf"].(string)
	t, _ := time.Parse("2006-01-02", str)
	return t
}

// TenantID is tenant.id.
func (s *Scenario) TenantID() string { return str(obj(s.Doc["tenant"])["id"]) }

// InitialDomain is tenant.initialDomain.
func (s *Scenario) InitialDomain() string { return str(obj(s.Doc["tenant"])["initialDomain"]) }

// Builtins lists the built-in scenarios' names, sorted.
func Builtins() []string {
	entries, _ := builtin.ReadDir("scenarios")
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, strings.TrimSuffix(e.Name(), ".json"))
		}
	}
	sort.Strings(names)
	return names
}

// Load finds a scenario by name among the built-ins, then as a file path.
func Load(nameOrFile string) (*Scenario, error) {
	if data, err := builtin.ReadFile(path.Join("scenarios", nameOrFile+".json")); err == nil {
		return Parse(data, "builtin:"+nameOrFile)
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no built-in scenario %q (built-ins: %s) and no such file", nameOrFile, strings.Join(Builtins(), ", "))
		}
		return nil, fmt.Errorf("reading scenario: %w", err)
	}
	return Parse(data, nameOrFile)
}

// Parse decodes and validates a scenario. Errors name the file, the JSON
// path and what was expected.
func Parse(data []byte, file string) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, file, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: invalid JSON: more than one value in the file", file)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: $: expected an object (a scenario), found %s", file, describe(v))
	}
	if err := scenarioSchema.check("$", doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &Scenario{Doc: doc, File: file}, nil
}

func syntaxError(data []byte, file string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64 = -1
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		off = int64(len(data))
		err = errors.New("unexpected end of file")
	}
	if off < 0 {
		return fmt.Errorf("%s: invalid JSON: %v", file, err)
	}
	line, col := 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%s:%d:%d: invalid JSON: %v", file, line, col, err)
}

// --- a small schema for the parts of a scenario the simulator relies on.

type kind int

const (
	kAny kind = iota
	kObject
	kArray
	kMap // object with arbitrary keys, values of elem
	kString
	kBool
	kNumber
	kDate     // YYYY-MM-DD
	kDateTime // RFC 3339 (Exchange's 7-digit fractions allowed)
)

type schema struct {
	kind     kind
	fields   map[string]*schema // kObject
	strict   bool               // kObject: unknown keys are errors
	required []string
	elem     *schema // kArray, kMap
	nullable bool
	enum     []string
}

func object(strict bool, fields map[string]*schema, required ...string) *schema {
	return &schema{kind: kObject, strict: strict, fields: fields, required: required}
}
func arrayOf(e *schema) *schema { return &schema{kind: kArray, elem: e} }
func mapOf(e *schema) *schema   { return &schema{kind: kMap, elem: e} }
func nullable(s *schema) *schema {
	c := *s
	c.nullable = true
	return &c
}
func enum(values ...string) *schema { return &schema{kind: kString, enum: values} }

var (
	anyV     = &schema{kind: kAny}
	strV     = &schema{kind: kString}
	boolV    = &schema{kind: kBool}
	numV     = &schema{kind: kNumber}
	dateV    = &schema{kind: kDate}
	dtV      = &schema{kind: kDateTime}
	strList  = arrayOf(strV)
	anyObj   = object(false, nil)
	nstr     = nullable(strV)
	nbool    = nullable(boolV)
	ndt      = nullable(dtV)
	cmdletOK = arrayOf(anyObj)
)

// Wire objects are open (real responses carry many more keys); the
// containers of a scenario are strict, so a misspelt section is caught.
var scenarioSchema = object(true, map[string]*schema{
	"name":        strV,
	"description": strV,
	"asOf":        dateV,
	"tenant": object(true, map[string]*schema{
		"id": strV, "displayName": strV, "initialDomain": strV,
	}, "id", "displayName", "initialDomain"),
	"graph": object(true, map[string]*schema{
		"organization": arrayOf(object(false, map[string]*schema{"id": strV, "displayName": strV, "verifiedDomains": arrayOf(anyObj)})),
		"domains": arrayOf(object(false, map[string]*schema{
			"id": strV, "authenticationType": enum("Managed", "Federated"), "isVerified": boolV, "isDefault": boolV,
			"isInitial": boolV, "isRoot": boolV, "supportedServices": strList,
		}, "id", "authenticationType")),
		"federationConfiguration": mapOf(arrayOf(object(false, map[string]*schema{
			"id": strV, "issuerUri": strV, "passiveSignInUri": strV, "activeSignInUri": strV,
			"federatedIdpMfaBehavior":               nullable(enum("acceptIfMfaDoneByFederatedIdp", "enforceMfaByFederatedIdp", "rejectMfaByFederatedIdp", "unknownFutureValue")),
			"preferredAuthenticationProtocol":       nullable(enum("wsFed", "saml", "unknownFutureValue")),
			"isSignedAuthenticationRequestRequired": nbool,
		}, "id"))),
		"users": arrayOf(object(false, map[string]*schema{
			"id": strV, "userPrincipalName": strV, "displayName": nstr, "mail": nstr, "jobTitle": nstr,
			"accountEnabled": nbool, "userType": nstr, "onPremisesSyncEnabled": nbool, "signInSessionsValidFromDateTime": ndt,
		}, "id", "userPrincipalName")),
		"signIns": arrayOf(object(false, map[string]*schema{
			"id": strV, "createdDateTime": dtV, "userPrincipalName": strV, "userId": strV, "clientAppUsed": nstr,
			"userAgent": nstr, "status": nullable(anyObj), "deviceDetail": nullable(anyObj),
		}, "id", "createdDateTime")),
		"conditionalAccessPolicies": arrayOf(object(false, map[string]*schema{
			"id": strV, "displayName": strV, "state": enum("enabled", "disabled", "enabledForReportingButNotEnforced"),
			"conditions": nullable(anyObj), "grantControls": nullable(anyObj),
		}, "id", "state")),
		"identitySecurityDefaultsEnforcementPolicy": object(false, map[string]*schema{"isEnabled": boolV}, "isEnabled"),
		"emailAppUsageUserDetail": arrayOf(object(false, map[string]*schema{
			"userPrincipalName": strV, "mailForMac": strList, "outlookForMac": strList, "outlookForWindows": strList,
			"outlookForMobile": strList, "otherForMobile": strList, "outlookForWeb": strList, "pop3App": strList,
			"imap4App": strList, "smtpApp": strList,
		}, "userPrincipalName")),
		"emailAppUsageVersionsUserCounts": arrayOf(anyObj),
	}),
	"exchange": mapOf(cmdletOK),
	"okta": object(true, map[string]*schema{
		"orgUrl":   strV,
		"pipeline": enum("idx", "v1"),
		"apps": arrayOf(object(false, map[string]*schema{
			"id": strV, "name": strV, "label": strV, "status": enum("ACTIVE", "INACTIVE"), "signOnMode": strV,
		}, "id", "name")),
		"policies": arrayOf(object(false, map[string]*schema{
			"id": strV, "type": strV, "name": strV, "status": enum("ACTIVE", "INACTIVE"), "system": boolV,
		}, "id", "type")),
		"policyRules": mapOf(arrayOf(object(false, map[string]*schema{
			"id": strV, "name": strV, "status": enum("ACTIVE", "INACTIVE"), "priority": numV, "system": boolV,
			"conditions": nullable(anyObj), "actions": nullable(anyObj),
		}, "id", "priority"))),
		"groups": arrayOf(object(false, map[string]*schema{
			"id": strV, "type": strV, "profile": object(false, map[string]*schema{"name": strV, "description": nstr}, "name"),
		}, "id", "profile")),
		"groupUsers": mapOf(strList),
		// appUsers: app id → user ids assigned the app (written by the
		// simulator when apps are assigned; optional in scenarios).
		"appUsers": mapOf(strList),
		"users": arrayOf(object(false, map[string]*schema{
			"id": strV, "status": strV, "profile": object(false, map[string]*schema{"login": strV, "email": nstr}, "login"),
		}, "id", "profile")),
		"factors": mapOf(arrayOf(object(false, map[string]*schema{"id": strV, "factorType": strV, "status": strV}, "id", "factorType"))),
		"zones":   arrayOf(object(false, map[string]*schema{"id": strV, "type": strV, "name": strV}, "id", "type")),
		"logs":    arrayOf(object(false, map[string]*schema{"uuid": strV, "published": dtV, "eventType": strV}, "uuid", "published")),
	}, "orgUrl", "pipeline"),
	// A record's value is a string, or for TXT a list of strings (split
	// TXT); "fault" makes the simulator's DNS answer SERVFAIL, REFUSED or
	// nothing at all (TIMEOUT) for that name and type.
	"dns": arrayOf(object(false, map[string]*schema{
		"name": strV, "type": strV, "value": anyV, "ttl": numV,
		"fault": enum("SERVFAIL", "REFUSED", "TIMEOUT"),
	}, "name", "type")),
	"endpoints": arrayOf(object(false, map[string]*schema{"host": strV, "port": numV, "protocol": strV}, "host", "port")),
	"faults":    anyObj,
}, "name", "asOf", "tenant")

func (s *schema) check(p string, v any) error {
	if v == nil {
		if s.nullable || s.kind == kAny {
			return nil
		}
		return fmt.Errorf("%s: expected %s, found null", p, s.expect())
	}
	switch s.kind {
	case kAny:
		return nil
	case kObject:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(p, s, v)
		}
		for _, k := range s.required {
			if _, ok := m[k]; !ok {
				return fmt.Errorf("%s: missing required key %q", p, k)
			}
		}
		keys := sortedKeys(m)
		for _, k := range keys {
			f, known := s.fields[k]
			if !known {
				if s.strict {
					return fmt.Errorf("%s: unknown key %q (expected one of: %s)", p, k, strings.Join(sortedKeys(s.fields), ", "))
				}
				continue
			}
			if err := f.check(p+"."+k, m[k]); err != nil {
				return err
			}
		}
	case kMap:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(p, s, v)
		}
		for _, k := range sortedKeys(m) {
			if err := s.elem.check(p+"["+quoteKey(k)+"]", m[k]); err != nil {
				return err
			}
		}
	case kArray:
		a, ok := v.([]any)
		if !ok {
			return mismatch(p, s, v)
		}
		for i, e := range a {
			if err := s.elem.check(fmt.Sprintf("%s[%d]", p, i), e); err != nil {
				return err
			}
		}
	case kString:
		str, ok := v.(string)
		if !ok {
			return mismatch(p, s, v)
		}
		if len(s.enum) > 0 {
			for _, e := range s.enum {
				if e == str {
					return nil
				}
			}
			return fmt.Errorf("%s: expected one of %s, found %q", p, strings.Join(s.enum, ", "), str)
		}
	case kBool:
		if _, ok := v.(bool); !ok {
			return mismatch(p, s, v)
		}
	case kNumber:
		if _, ok := v.(json.Number); !ok {
			return mismatch(p, s, v)
		}
	case kDate:
		str, ok := v.(string)
		if !ok {
			return mismatch(p, s, v)
		}
		if _, err := time.Parse("2006-01-02", str); err != nil {
			return fmt.Errorf("%s: expected a date YYYY-MM-DD, found %q", p, str)
		}
	case kDateTime:
		str, ok := v.(string)
		if !ok {
			return mismatch(p, s, v)
		}
		if _, err := ParseTime(str); err != nil {
			return fmt.Errorf("%s: expected an ISO 8601 date-time such as 2026-10-20T08:01:00Z, found %q", p, str)
		}
	}
	return nil
}

// ParseTime reads the date-time forms the services use: RFC 3339 with any
// fraction (Graph, Okta) and Exchange's 7-digit fraction with an offset.
func ParseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

func (s *schema) expect() string {
	switch s.kind {
	case kObject, kMap:
		return "an object"
	case kArray:
		return "an array"
	case kString:
		if len(s.enum) > 0 {
			return "one of " + strings.Join(s.enum, ", ")
		}
		return "a string"
	case kBool:
		return "a boolean (true or false)"
	case kNumber:
		return "a number"
	case kDate:
		return "a date string YYYY-MM-DD"
	case kDateTime:
		return "an ISO 8601 date-time string"
	}
	return "a value"
}

func mismatch(p string, s *schema, v any) error {
	return fmt.Errorf("%s: expected %s, found %s", p, s.expect(), describe(v))
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("a string (%q)", x)
	case bool:
		return fmt.Sprintf("a boolean (%v)", x)
	case json.Number:
		return "a number (" + x.String() + ")"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func quoteKey(k string) string { b, _ := json.Marshal(k); return string(b) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// --- generic JSON accessors.

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { a, _ := v.([]any); return a }
func str(v any) string         { s, _ := v.(string); return s }
