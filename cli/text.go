package cli

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/report"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

var statusMark = map[string]string{
	assess.Pass: "✓ pass", assess.Fail: "✗ FAIL", assess.Warn: "! warn", assess.Info: "i info", assess.Error: "? ERROR",
}

// renderText is `assess --format text`: what a person reads in a terminal
// or a CI log. Tenant strings are cleaned of control characters
// (textsafe.Terminal).
func renderText(r report.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "harden365 assessment of %s (%s), as of %s\n\n", textsafe.Terminal(r.Organization.Name), textsafe.Terminal(r.Organization.TenantID), r.AsOf)

	b.WriteString("Findings\n")
	for _, f := range r.Findings {
		step := f.Step
		if step == "" {
			step = "-"
		}
		fmt.Fprintf(&b, "  %-8s %-6s %s  %-22s %s", statusMark[f.Status], f.Severity, step, f.ID, textsafe.Terminal(f.Title))
		if f.Affected > 0 && f.Status != assess.Pass {
			fmt.Fprintf(&b, " (%d affected)", f.Affected)
		}
		b.WriteString("\n")
		if f.Status == assess.Fail || f.Status == assess.Error {
			b.WriteString(wrap(textsafe.Terminal(f.Detail), 100, "           "))
		}
	}

	b.WriteString("\nAccess matrix: who can get in, and how (users per verdict)\n")
	if m := r.Matrix.Before; m != nil {
		fmt.Fprintf(&b, "  %-11s %-34s %s\n", "protocol", "basic", "modern")
		for _, p := range matrix.Protocols {
			fmt.Fprintf(&b, "  %-11s %-34s %s\n", p, cellText(m.Cell(p, matrix.Basic)), cellText(m.Cell(p, matrix.Modern)))
		}
	}
	if len(r.Plan) > 0 {
		b.WriteString("\nPlan, in the order it would be applied\n")
		for _, e := range r.Plan {
			rev := "reversible"
			if !e.Reversible {
				rev = "irreversible"
			}
			fmt.Fprintf(&b, "  %-9s %s (%d changes, %s)\n", e.Step, textsafe.Terminal(e.Title), e.Changes, rev)
			for _, line := range e.Summary {
				b.WriteString(wrap(textsafe.Terminal(line), 100, "            "))
			}
		}
	}
	if m := r.Matrix.After; m != nil {
		b.WriteString("\nAccess matrix after the plan (simulated)\n")
		fmt.Fprintf(&b, "  %-11s %-34s %s\n", "protocol", "basic", "modern")
		for _, p := range matrix.Protocols {
			fmt.Fprintf(&b, "  %-11s %-34s %s\n", p, cellText(m.Cell(p, matrix.Basic)), cellText(m.Cell(p, matrix.Modern)))
		}
	}
	if len(r.LockoutRisks) > 0 {
		b.WriteString("\nLockout risks: the plan would be refused unless --allow-lockout-risk is given\n")
		for _, k := range r.LockoutRisks {
			fmt.Fprintf(&b, "  ! %s %s: %s\n", k.Rule, textsafe.Terminal(k.Account), textsafe.Terminal(k.Why))
		}
	}

	var errs, notRead []string
	for _, st := range r.Collection {
		if st.State == tenant.StateSkipped {
			notRead = append(notRead, fmt.Sprintf("  – %s: %s", st.ID, textsafe.Terminal(st.Fix)))
			continue
		}
		if st.State != "ok" {
			line := fmt.Sprintf("  ✗ %s: %s", st.ID, textsafe.Terminal(st.Error))
			if st.Fix != "" {
				line += "\n      fix: " + textsafe.Terminal(st.Fix)
			}
			errs = append(errs, line)
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\nCould not collect (%d of %d sources)\n%s\n", len(errs), len(r.Collection), strings.Join(errs, "\n"))
	}
	if len(notRead) > 0 {
		fmt.Fprintf(&b, "\nNot read\n%s\n", strings.Join(notRead, "\n"))
	}

	legacy := map[string]bool{}
	for _, c := range r.Clients.Users {
		if c.ModernAuth == assess.ModernNo {
			legacy[c.User] = true
		}
	}
	if len(legacy) > 0 {
		users := make([]string, 0, len(legacy))
		for u := range legacy {
			users = append(users, textsafe.Terminal(u))
		}
		sort.Strings(users)
		fmt.Fprintf(&b, "\nMail clients without modern auth: %d users\n  %s\n", len(users), strings.Join(users, ", "))
	}
	return b.String()
}

// cellText is "password (40) · blocked 1": the cell's verdict, then the
// counts of the other verdicts present.
func cellText(c *matrix.Cell) string {
	if c == nil {
		return "-"
	}
	parts := []string{fmt.Sprintf("%s %d", c.Verdict, c.Count(c.Verdict))}
	for _, v := range matrix.Verdicts {
		if v != c.Verdict && c.Count(v) > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", v, c.Count(v)))
		}
	}
	if c.Total() == 0 {
		return string(c.Verdict)
	}
	return strings.Join(parts, ", ")
}

// wrap breaks text into lines of at most width columns (words longer
// than that stand alone), each line prefixed with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}
