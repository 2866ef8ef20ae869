// Package report turns an assessment into what people and scripts read:
// the JSON result of `assess --format json` (CONTRACT.md), and later the
// markdown handover report. It is pure: values in, values out.
package report

import (
	"sort"
	"time"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/remediate"
	"github.com/harden365/harden365/tenant"
)

// Result is the top level of `assess --format json`.
type Result struct {
	Tool         Tool             `json:"tool"`
	Organization Organization     `json:"organization"`
	AsOf         string           `json:"asOf"`
	Findings     []assess.Finding `json:"findings"`
	Matrix       Matrices         `json:"matrix"`
	Clients      Clients          `json:"clients"`
	// Plan is present when a plan was asked for (assess --plan).
	Plan []remediate.PlanEntry `json:"plan,omitempty"`
	// LockoutRisks are the accounts the plan would cut off or strand.
	LockoutRisks []remediate.Risk `json:"lockoutRisks,omitempty"`
	// Collection lists every source and how collecting it went, so a
	// reader can tell "not found" from "not looked at".
	Collection []tenant.SourceStatus `json:"collection"`
}

// Tool names the program that produced the result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Organization identifies the organisation assessed.
type Organization struct {
	TenantID string   `json:"tenantId"`
	Name     string   `json:"name"`
	Domains  []string `json:"domains"`
}

// Matrices holds the access matrix before (and, with a plan, after).
type Matrices struct {
	Before *matrix.Matrix `json:"before"`
	After  *matrix.Matrix `json:"after,omitempty"`
}

// Clients is the mail-client inventory.
type Clients struct {
	Users []assess.ClientUse `json:"users"`
}

// Input is what an assessment produced.
type Input struct {
	Version  string
	Snapshot *tenant.Snapshot
	Findings []assess.Finding
	Before   *matrix.Matrix
	Clients  []assess.ClientUse
	// With a plan: the matrix of the simulated snapshot, the plan's
	// entries and its lockout risks.
	After *matrix.Matrix
	Plan  []remediate.PlanEntry
	Risks []remediate.Risk

	// What the markdown handover report needs beyond that (Build does not
	// use it):
	//
	// Planned is the plan itself: its writes, undo and instructions.
	Planned *remediate.Plan
	// Choices are the operator's choices the findings and the plan
	// were made with.
	Choices remediate.Choices
	// Operator is who ran harden365 ("": Choices.Operator, else "not
	// recorded").
	Operator string
	// Generated is the date the report carries: the session's, or else
	// when the snapshot was collected. Never the clock's.
	Generated time.Time
	// Session describes the saved session the report was made from (nil
	// for a live assessment).
	Session *SessionInfo
	// Applied is what an apply did (nil: nothing was applied).
	Applied *Applied
}

// SessionInfo is what the report says about the session it was made
// from.
type SessionInfo struct {
	Tool    Tool
	Created time.Time
	// Findings as the session recorded them; the report compares them
	// with the findings judged again.
	Findings []assess.Finding
	Steps    []string
}

// Build assembles the JSON result; the same input gives the same output.
func Build(in Input) Result {
	s := in.Snapshot
	var domains []string
	for _, d := range s.Domains {
		domains = append(domains, d.Name)
	}
	sort.Strings(domains)
	findings := in.Findings
	if findings == nil {
		findings = []assess.Finding{}
	}
	users := in.Clients
	if users == nil {
		users = []assess.ClientUse{}
	}
	return Result{
		Tool:         Tool{Name: "harden365", Version: in.Version},
		Organization: Organization{TenantID: s.Tenant.ID, Name: s.Tenant.DisplayName, Domains: nonNil(domains)},
		AsOf:         s.AsOf.UTC().Format(time.DateOnly),
		Findings:     findings,
		Matrix:       Matrices{Before: in.Before, After: in.After},
		Plan:         in.Plan,
		LockoutRisks: in.Risks,
		Clients:      Clients{Users: users},
		Collection:   s.Collection,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
