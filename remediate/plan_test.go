package remediate

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/matrix"
	"github.com/harden365/harden365/tenant"
)

func findingStatus(fs []assess.Finding) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.ID] = f.Status
	}
	return out
}

// The whitepaper's organisation, plan "all" with its documented exception
// (Jira over IMAP, the "Service accounts" group, from "Office egress"):
// no password cell is left, browsers are asked for MFA, and A-F pass.
func TestWhitepaperPlanAll(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := mustPlan(t, s, []string{"all"}, c)

	var order []string
	for _, ps := range p.Steps {
		order = append(order, ps.ID)
	}
	if want := []string{"B", "C", "SMTP-AUTH", "D", "E", "A", "FED-MFA", "CA-LEGACY", "F"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}

	after := p.Simulate(s)
	m := matrix.Evaluate(after)
	for _, proto := range matrix.Protocols {
		for _, meth := range matrix.Methods {
			if cell := m.Cell(proto, meth); cell.Verdict == matrix.Password {
				t.Errorf("%s/%s is still password: %v", proto, meth, cell.Reasons)
			}
		}
	}
	if v := m.Cell(matrix.OWA, matrix.Modern).Verdict; v != matrix.MFA {
		t.Errorf("owa/modern after: %s, want mfa", v)
	}
	// Jira keeps IMAP and POP, from the office only.
	jira := m.User("jira@mijndomein.nl")
	for _, proto := range []matrix.Protocol{matrix.IMAP, matrix.POP} {
		if v := jira.Verdict(proto, matrix.Basic); v != matrix.Restricted {
			t.Errorf("jira %s/basic: %s, want restricted (the exception rule, Office egress only): %+v", proto, v, jira.Access(proto, matrix.Basic).Reasons)
		}
	}

	st := findingStatus(assess.Run(after, c.AssessOptions()))
	for _, id := range []string{assess.IDFedDomains, assess.IDExoModernAuth, assess.IDExoLegacyProtocols, assess.IDExoBasicAuthPolicy,
		assess.IDOktaDenyLegacy, assess.IDOktaMFAModern, assess.IDTokensRevoked,
		assess.IDEntraLegacyBlock, assess.IDFedMFABehavior, assess.IDExoSMTPAuth, assess.IDExoCASPlans, assess.IDOktaEngine} {
		if st[id] != assess.Pass {
			t.Errorf("%s after the plan: %s, want pass", id, st[id])
		}
	}
	// What a simulation cannot change: the last 30 days' sign-ins and the
	// clients people run.
	if st[assess.IDLegacySignIns] != assess.Fail || st[assess.IDClientsLegacy] != assess.Warn {
		t.Errorf("LEGACY-SIGNINS %s, CLIENTS-LEGACY %s: history and installed clients do not change by simulation", st[assess.IDLegacySignIns], st[assess.IDClientsLegacy])
	}
	// The only risks: the users A federates whose Okta accounts are only
	// PROVISIONED (they cannot sign in at Okta).
	onlyCutOff(t, Guard(p, s, c), "an.claes@mijndomein.be", "dirk.jacobs@mijndomein.be", "els.wouters@mijndomein.be",
		"koen.maes@mijndomein.be", "lien.mertens@mijndomein.be", "wim.peeters@mijndomein.be")
}

// onlyCutOff fails unless risks are exactly the given users cut off by
// Okta accounts that cannot sign in.
func onlyCutOff(t *testing.T, risks []Risk, users ...string) {
	t.Helper()
	var got []string
	for _, r := range risks {
		if r.Rule != RiskCutOff || !strings.Contains(r.Why, "PROVISIONED: it cannot sign in") {
			t.Errorf("unexpected risk %v", r)
			continue
		}
		got = append(got, r.Account)
	}
	if strings.Join(got, ",") != strings.Join(users, ",") {
		t.Errorf("cut off: %v, want %v", got, users)
	}
}

// Okta's rules on the whitepaper: the recommended order (okta-api.md
// §2.4), in the wire shape, each with its DELETE as undo.
func TestWhitepaperOktaRules(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := mustPlan(t, s, []string{"B", "E"}, c)
	ws := p.Step("E").Writes
	if len(ws) != 4 {
		t.Fatalf("E writes %d, want 4 (exception, its deny elsewhere, deny, MFA)", len(ws))
	}
	type want struct {
		name, access, factor string
		prio                 int
		clients              []any
	}
	wants := []want{
		{"Allow legacy authentication for Service accounts from Office egress", "ALLOW", "1FA", 0, []any{"EXCHANGE_ACTIVE_SYNC"}},
		{"Deny legacy authentication for Service accounts elsewhere", "DENY", "1FA", 1, []any{"EXCHANGE_ACTIVE_SYNC"}},
		{"Deny legacy authentication clients", "DENY", "1FA", 2, []any{"EXCHANGE_ACTIVE_SYNC"}},
		{"Allow web and modern authentication with MFA", "ALLOW", "2FA", 3, []any{"WEB", "MODERN_AUTH"}},
	}
	for i, w := range ws {
		b := w.Params
		cond := b["conditions"].(map[string]any)
		act := b["actions"].(map[string]any)["appSignOn"].(map[string]any)
		vm := act["verificationMethod"].(map[string]any)
		if w.Service != tenant.ServiceOkta || w.Operation != "POST /api/v1/policies/{policyId}/rules" || w.Path != "/api/v1/policies/rstxRaUWndQrcKiz9Ol2/rules" {
			t.Errorf("%s: %s %s %s", w.ID, w.Service, w.Operation, w.Path)
		}
		if b["name"] != wants[i].name || b["priority"] != wants[i].prio || act["access"] != wants[i].access || vm["factorMode"] != wants[i].factor ||
			!reflect.DeepEqual(cond["office365Client"].(map[string]any)["include"], wants[i].clients) || b["type"] != "ACCESS_POLICY" {
			t.Errorf("%s: %s", w.ID, jsonText(b))
		}
		if !w.Reversible || len(w.Undo) != 1 || w.Undo[0].Operation != "DELETE /api/v1/policies/{policyId}/rules/{ruleId}" || len(w.Undo[0].Refs) != 1 {
			t.Errorf("%s: undo %+v", w.ID, w.Undo)
		}
	}
	exc := ws[0].Params["conditions"].(map[string]any)
	if net := exc["network"].(map[string]any); net["connection"] != "ZONE" || !reflect.DeepEqual(net["include"], []any{"nzoIkNMsKj6nPq12ivOh"}) {
		t.Errorf("exception rule network %v, want ZONE Office egress", net)
	}
	deny := ws[2].Params["conditions"].(map[string]any)["people"].(map[string]any)
	if !reflect.DeepEqual(deny["groups"], map[string]any{"exclude": []any{"00g7kz5IaLGCsRCwL4I2"}}) {
		t.Errorf("deny rule people %v, want the Service accounts group excluded", deny)
	}
	if vm := ws[3].Params["actions"].(map[string]any)["appSignOn"].(map[string]any)["verificationMethod"].(map[string]any); vm["reauthenticateIn"] != "PT43800H" {
		t.Errorf("MFA rule reauthenticateIn %v, want PT43800H (once per session, the default)", vm["reauthenticateIn"])
	}
	// every sign-in
	c.MFAPrompt = PromptEverySignIn
	p = mustPlan(t, s, []string{"B", "E"}, c)
	if vm := p.Step("E").Writes[3].Params["actions"].(map[string]any)["appSignOn"].(map[string]any)["verificationMethod"].(map[string]any); vm["reauthenticateIn"] != "PT0S" {
		t.Errorf("every-sign-in: reauthenticateIn %v, want PT0S", vm["reauthenticateIn"])
	}
}

// contoso: the deny rule moves above the "Sales mobile legacy" ALLOW; the
// other rules stay; the report-only CA policy is turned on.
func TestContosoPlanAll(t *testing.T) {
	s := snapshot(t, "contoso")
	c := choicesFor(t, "contoso")
	p := mustPlan(t, s, []string{"all"}, c)
	e := p.Step("E").Writes
	if len(e) != 1 || e[0].Operation != "PUT /api/v1/policies/{policyId}/rules/{ruleId}" || !e[0].Merge ||
		!reflect.DeepEqual(e[0].Params, map[string]any{"priority": 0}) || !strings.Contains(e[0].Path, "0pryac83i1OUsBuRVlfv") {
		t.Fatalf("E writes: %+v", e)
	}
	after := p.Simulate(s)
	var pol tenant.OktaPolicy
	for _, q := range after.Okta.Policies {
		if q.ID == "rst1HYkZunRuavcwBcyJ" {
			pol = q
		}
	}
	var names []string
	for _, r := range pol.Rules {
		names = append(names, r.Name)
	}
	if want := []string{"Deny legacy authentication clients", "Sales mobile legacy", "Scanner from the office only", "Web and modern auth with MFA", "Catch-all Rule"}; !reflect.DeepEqual(names, want) {
		t.Errorf("rules after: %v, want %v", names, want)
	}
	ca := p.Step("CA-LEGACY").Writes
	if len(ca) != 2 || ca[1].Params["state"] != "enabled" || ca[1].Checkpoint == "" {
		t.Errorf("CA-LEGACY writes: %+v", ca)
	}
	m := matrix.Evaluate(after)
	for _, proto := range matrix.Protocols {
		for _, meth := range matrix.Methods {
			if v := m.Cell(proto, meth).Verdict; v == matrix.Password {
				t.Errorf("%s/%s still password", proto, meth)
			}
		}
	}
	if v := m.User("scanner@contoso.com").Verdict(matrix.SMTP, matrix.Basic); v != matrix.Restricted {
		t.Errorf("scanner smtp/basic %s, want restricted (its zoned rule, its SMTP exception kept)", v)
	}
	if v := m.User("alex.wilber@contoso.com").Verdict(matrix.SMTP, matrix.Basic); v != matrix.Blocked {
		t.Errorf("alex.wilber smtp/basic %s, want blocked (the deny now sits above Sales mobile legacy)", v)
	}
	st := findingStatus(assess.Run(after, c.AssessOptions()))
	for _, id := range []string{assess.IDFedDomains, assess.IDExoModernAuth, assess.IDExoLegacyProtocols, assess.IDExoBasicAuthPolicy,
		assess.IDOktaDenyLegacy, assess.IDOktaMFAModern, assess.IDTokensRevoked, assess.IDEntraLegacyBlock, assess.IDFedMFABehavior,
		assess.IDExoSMTPAuth, assess.IDExoCASPlans} {
		if st[id] != assess.Pass {
			t.Errorf("%s after the plan: %s, want pass", id, st[id])
		}
	}
	onlyCutOff(t, Guard(p, s, c), "allan.deyoung@contoso-labs.com", "debra.berger@contoso-labs.com",
		"henrietta.mueller@contoso-labs.com", "irvin.sayers@contoso-labs.com")
}

// okta-classic: E is manual (instructions only, no writes), A has nothing
// to do; the checks that read Okta's rules stay error after simulation.
func TestOktaClassicPlanAll(t *testing.T) {
	s := snapshot(t, "okta-classic")
	c := choicesFor(t, "okta-classic")
	p := mustPlan(t, s, []string{"all"}, c)
	e := p.Step("E")
	if !e.Manual || len(e.Writes) != 0 || len(e.Instructions) < 2 || e.Instructions[0].Tool != ToolOkta {
		t.Fatalf("E on Classic: %+v", e)
	}
	if a := p.Step("A"); len(a.Writes) != 0 || a.Nothing == "" {
		t.Errorf("A: %+v", a)
	}
	st := findingStatus(assess.Run(p.Simulate(s), c.AssessOptions()))
	for _, id := range []string{assess.IDOktaDenyLegacy, assess.IDOktaMFAModern, assess.IDTokensRevoked} {
		if st[id] != assess.Error {
			t.Errorf("%s: %s, want error (Classic rules cannot be read, before or after)", id, st[id])
		}
	}
	for _, id := range []string{assess.IDExoLegacyProtocols, assess.IDExoSMTPAuth, assess.IDEntraLegacyBlock, assess.IDFedMFABehavior, assess.IDExoBasicAuthPolicy} {
		if st[id] != assess.Pass {
			t.Errorf("%s: %s, want pass", id, st[id])
		}
	}
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var pe *PlanError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want a *PlanError", err)
	}
	return pe.Problems
}

func wantProblem(t *testing.T, err error, step, text string) {
	t.Helper()
	for _, p := range problemsOf(t, err) {
		if p.Step == step && strings.Contains(p.Reason, text) {
			return
		}
	}
	t.Errorf("no problem for %s containing %q in %v", step, text, err)
}

func TestPreconditions(t *testing.T) {
	wp := snapshot(t, "whitepaper")
	wc := choicesFor(t, "whitepaper")
	now := nowFor(wp)

	t.Run("unknown step", func(t *testing.T) {
		_, err := NewPlan(wp, []string{"B,X", "G"}, wc, now)
		wantProblem(t, err, "X", "unknown step")
		wantProblem(t, err, "G", "unknown step")
		_, err = NewPlan(wp, nil, wc, now)
		wantProblem(t, err, "", "no step chosen")
	})
	t.Run("A before E", func(t *testing.T) {
		_, err := NewPlan(wp, []string{"A"}, wc, now)
		wantProblem(t, err, "A", "step E's deny rule")
		st, _ := LookupStep("a")
		if probs := st.Check(wp, wc); len(probs) == 0 || !strings.Contains(probs[0], "add step E") {
			t.Errorf("Check(A) alone: %v", probs)
		}
		// With E (and B, which E needs) in the same plan, A is accepted,
		// and ordered after E.
		p, err := NewPlan(wp, []string{"A", "E", "B"}, wc, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Steps[1].ID != "E" || p.Steps[2].ID != "A" {
			t.Errorf("order %s %s %s", p.Steps[0].ID, p.Steps[1].ID, p.Steps[2].ID)
		}
		// contoso already has a deny rule: A alone is fine.
		cs := snapshot(t, "contoso")
		if _, err := NewPlan(cs, []string{"A"}, choicesFor(t, "contoso"), nowFor(cs)); err != nil {
			t.Errorf("A alone on contoso: %v", err)
		}
	})
	t.Run("B before D, E and CA-LEGACY", func(t *testing.T) {
		_, err := NewPlan(wp, []string{"D", "E", "CA-LEGACY"}, wc, now)
		for _, id := range []string{"D", "E", "CA-LEGACY"} {
			wantProblem(t, err, id, "add step B")
		}
	})
	t.Run("Classic E is manual", func(t *testing.T) {
		oc := snapshot(t, "okta-classic")
		p, err := NewPlan(oc, []string{"E"}, Choices{}, nowFor(oc))
		if err != nil {
			t.Fatal(err)
		}
		if e := p.Step("E"); !e.Manual || len(e.Writes) != 0 || !strings.Contains(strings.Join(e.Notes, " "), "manual instructions only") {
			t.Errorf("E: %+v", e)
		}
	})
	t.Run("missing exception group", func(t *testing.T) {
		c := wc
		c.Exceptions.OktaGroup = "Legacy exceptions"
		_, err := NewPlan(wp, []string{"B", "E"}, c, now)
		wantProblem(t, err, "E", `exception group "Legacy exceptions"`)
		oc := snapshot(t, "okta-classic")
		_, err = NewPlan(oc, []string{"E"}, c, nowFor(oc))
		wantProblem(t, err, "E", `exception group "Legacy exceptions"`)
	})
	t.Run("unknown zone", func(t *testing.T) {
		c := wc
		c.Zones = []string{"Head office"}
		_, err := NewPlan(wp, []string{"B", "E"}, c, now)
		wantProblem(t, err, "E", `network zone "Head office"`)
	})
	t.Run("unknown break-glass account", func(t *testing.T) {
		c := wc
		c.BreakGlass = []string{"nobody@mijndomein.onmicrosoft.com"}
		_, err := NewPlan(wp, []string{"B", "CA-LEGACY"}, c, now)
		wantProblem(t, err, "CA-LEGACY", "nobody@mijndomein.onmicrosoft.com")
	})
	t.Run("never the initial domain", func(t *testing.T) {
		s := snapshot(t, "whitepaper")
		// Even a snapshot that misreports the initial domain as a managed
		// custom mail domain does not get it federated.
		for i := range s.Domains {
			if s.Domains[i].IsInitial {
				s.Domains[i].IsInitial = false
			}
		}
		p := mustPlan(t, s, []string{"B", "E", "A"}, wc)
		for _, w := range p.Step("A").Writes {
			if strings.Contains(w.Path, "onmicrosoft.com") {
				t.Errorf("A federates the initial domain: %s %s", w.Operation, w.Path)
			}
		}
		if !initialDomain(s, "mijndomein.onmicrosoft.com") || initialDomain(s, "mijndomein.be") {
			t.Error("initialDomain")
		}
	})
	t.Run("missing source", func(t *testing.T) {
		s := snapshot(t, "whitepaper")
		s.SetStatus(tenant.SourceStatus{ID: "exchange.Get-CASMailbox", Service: "exchange", State: tenant.StateError, Error: "403 Forbidden"})
		_, err := NewPlan(s, []string{"C"}, wc, now)
		wantProblem(t, err, "C", "exchange.Get-CASMailbox could not be collected (403 Forbidden)")
	})
}

// The plan part of assess --plan: CONTRACT.md's keys, with the impact.
func TestPlanJSON(t *testing.T) {
	s := snapshot(t, "whitepaper")
	c := choicesFor(t, "whitepaper")
	p := mustPlan(t, s, []string{"all"}, c)
	entries := p.PlanJSON(s)
	data, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	var generic []map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	for _, e := range generic {
		for _, k := range []string{"step", "title", "fixes", "changes", "reversible", "breaks"} {
			if _, ok := e[k]; !ok {
				t.Errorf("entry %v has no %q", e["step"], k)
			}
		}
	}
	byStep := map[string]PlanEntry{}
	for _, e := range entries {
		byStep[e.Step] = e
	}
	d := byStep["D"]
	if !reflect.DeepEqual(d.Fixes, []string{assess.IDExoBasicAuthPolicy}) || d.Changes != 4 || !d.Reversible {
		t.Errorf("D: %+v", d)
	}
	found := false
	for _, b := range d.Breaks {
		found = found || (b.User == "fleur.bos@mijndomein.nl" && b.Client == "Outlook 2010" && b.All)
	}
	if !found {
		t.Errorf("D breaks %+v: want fleur.bos on Outlook 2010", d.Breaks)
	}
	if !containsLine(d.Summary, "1 user on Outlook 2010 loses mail") {
		t.Errorf("D summary %v", d.Summary)
	}
	if f := byStep["F"]; f.Reversible || f.Changes != 82 || !reflect.DeepEqual(f.Passes, []string{assess.IDTokensRevoked}) {
		t.Errorf("F: %+v", f)
	}
	if a := byStep["A"]; len(a.LosesAll) != 6 {
		t.Errorf("A: the 6 .be users get new Okta accounts and lose access until they activate them: %v", a.LosesAll)
	}
	if e := byStep["E"]; !reflect.DeepEqual(e.Passes, []string{assess.IDOktaDenyLegacy, assess.IDOktaMFAModern}) {
		t.Errorf("E passes %v", e.Passes)
	}
	for _, e := range entries {
		if e.Step != "A" && len(e.LosesAll) > 0 {
			t.Errorf("%s cuts off %v", e.Step, e.LosesAll)
		}
	}
}

func containsLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
