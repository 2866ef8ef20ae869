package graph

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/harden365/harden365/clients/collect"
)

// Permissions is the least-privilege Microsoft Graph application
// permission each task needs.
var Permissions = map[string]string{
	TaskOrganization:      "Organization.Read.All",
	TaskDomains:           "Domain.Read.All",
	TaskUsers:             "User.Read.All",
	TaskSignIns:           "AuditLog.Read.All",
	TaskConditionalAccess: "Policy.Read.All",
	TaskSecurityDefaults:  "Policy.Read.All",
	TaskEmailAppUsage:     "Reports.Read.All",
}

// FixTokenRejected is the Fix of a 401.
const FixTokenRejected = "sign in again (token rejected)"

// Explain turns an error from this package (or from the Graph SDK) into a
// Failure: the HTTP status, the service's code and message, and what would
// fix it. It never returns nil for a non-nil error.
//
// SDK errors must reach it unwrapped or wrapped only after being explained:
// the SDK's ODataError panics in Error() when the body had no "error"
// object, and fmt.Errorf("%w") calls Error().
func Explain(err error) *collect.Failure { return explain("", err) }

// explain is Explain for the source task (which decides the permission a
// 403 asks for).
func explain(task string, err error) *collect.Failure {
	if err == nil {
		return nil
	}
	var f *collect.Failure
	if errors.As(err, &f) {
		return f
	}
	status, msg := 0, err.Error()
	var oe *odataerrors.ODataError
	var ae *abs.ApiError
	switch {
	case errors.As(err, &oe):
		status = oe.GetStatusCode()
		msg = odataMessage(oe)
	case errors.As(err, &ae):
		status = ae.ResponseStatusCode
		msg = ae.Message
		if msg == "" {
			msg = fmt.Sprintf("HTTP %d", status)
		}
	}
	return &collect.Failure{HTTPStatus: status, Message: msg, Fix: fix(task, status, msg)}
}

// odataMessage is "code: message" of Graph's error body; ODataError's own
// Error() panics when the body had no "error" object.
func odataMessage(oe *odataerrors.ODataError) string {
	me := oe.GetErrorEscaped()
	if me == nil {
		return fmt.Sprintf("HTTP %d without a Graph error body", oe.GetStatusCode())
	}
	code, message := deref(me.GetCode()), deref(me.GetMessage())
	switch {
	case code != "" && message != "":
		return code + ": " + message
	case code != "":
		return code
	case message != "":
		return message
	}
	return fmt.Sprintf("HTTP %d", oe.GetStatusCode())
}

func fix(task string, status int, msg string) string {
	switch {
	case status == http.StatusUnauthorized:
		return FixTokenRejected
	case status == http.StatusForbidden:
		perm := Permissions[task]
		if perm == "" {
			return "grant the Microsoft Graph permission this source needs"
		}
		if task == TaskSignIns {
			if strings.Contains(msg, "NonPremium") {
				return "the tenant needs an Entra ID P1 licence to read sign-in logs (with AuditLog.Read.All)"
			}
			return "grant the Microsoft Graph permission " + perm + " plus an Entra ID P1 licence"
		}
		return "grant the Microsoft Graph permission " + perm
	case status == http.StatusTooManyRequests:
		return "Microsoft Graph kept throttling after retries; try again later"
	case status >= 500:
		return "Microsoft Graph failed; try again later"
	}
	return ""
}
