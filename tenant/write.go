package tenant

import "time"

// Writes: the description of one change to an organisation, as the
// remediation plan computes it and as the clients' writers carry it out.
// These types live here, not in remediate, so that clients (which must not
// import remediate) can implement writers for them, and so that a journal
// can record and replay them. A Write is plain, JSON-serialisable data: it
// says which service, which operation, which target, the parameters as the
// wire wants them, the values before and after, and how to undo it.

// Services a Write goes to.
const (
	ServiceGraph    = "graph"    // Microsoft Graph (v1.0 unless the path says /beta)
	ServiceExchange = "exchange" // Exchange Online admin API: InvokeCommand with a cmdlet
	ServiceOkta     = "okta"     // Okta management API
)

// Write is one change to an organisation.
//
// Exchange writes are cmdlets: Operation is the cmdlet name
// ("Set-CASMailbox") and Params its Parameters, exactly as InvokeCommand's
// {"CmdletInput":{"CmdletName":...,"Parameters":{...}}} carries them
// (JSON booleans, null for $null, ISO-8601 date strings).
//
// Graph and Okta writes are REST calls: Operation is "METHOD /template"
// ("PATCH /domains/{id}/federationConfiguration/{fedId}"), Path the concrete
// path relative to the service's base (".../v1.0" for Graph, the org URL
// for Okta) and Params the JSON request body (nil for none).
//
// Values known only once an earlier write has been made (ids the service
// assigns) appear as "{name}" placeholders in Path and in Params' string
// values; Refs says where each comes from. Values the writer must read from
// the service first (a signing certificate) are listed in Resolve.
type Write struct {
	// ID is unique within a plan: the step and an ordinal ("D-3"); an undo
	// write of "D-3" is "D-3.undo" (or "D-3.undo-2", ...).
	ID string `json:"id"`
	// Step is the plan step that makes the write ("A".."F", "CA-LEGACY", ...).
	Step    string `json:"step"`
	Service string `json:"service"`
	// Operation is the cmdlet, or "METHOD /path/template".
	Operation string `json:"operation"`
	// Path is the concrete REST path ("" for cmdlets).
	Path string `json:"path,omitempty"`
	// Target says in words what the write changes: "mailbox jan.janssen",
	// "domain mijndomein.be", "Okta rule \"Deny legacy authentication clients\"".
	Target string `json:"target"`
	// Params are the cmdlet's parameters or the request body, as the wire
	// wants them.
	Params map[string]any `json:"params,omitempty"`
	// Merge: the REST call replaces the whole object (Okta's PUT on a
	// rule), and Params is a JSON merge patch: read the current object,
	// overlay Params (objects merged key by key, everything else replaced),
	// and send the result, so fields harden365 does not model survive.
	Merge bool `json:"merge,omitempty"`
	// Old and New are the values of the fields the write changes, before
	// and after, keyed by the service's property names (nil = null or
	// absent). A creation has an empty Old; a deletion an empty New.
	Old map[string]any `json:"old"`
	New map[string]any `json:"new"`
	// Refs are the placeholders in Path and Params, filled from the result
	// of an earlier write.
	Refs []Ref `json:"refs,omitempty"`
	// Resolve lists values the writer reads from the service just before
	// the write.
	Resolve []Resolve `json:"resolve,omitempty"`
	// Stamp lists Params keys that take the writer's clock at the moment
	// of the write (their planned value is the simulation's time, At).
	Stamp []string `json:"stamp,omitempty"`
	// At is the time the simulation gave this write: the plan's now plus
	// one second per earlier write, the order they will be made in.
	At time.Time `json:"at"`
	// Checkpoint, when set, says what a person should confirm before this
	// write is made (a report-only policy's results, a manual step done).
	Checkpoint string `json:"checkpoint,omitempty"`
	// Reversible: Undo, made in order, restores the Old values.
	Reversible bool `json:"reversible"`
	// Undo is the write(s) that reverse this one (empty when irreversible).
	// Their Refs with an empty Write refer to this write's result.
	Undo []Write `json:"undo,omitempty"`
	// Irreversible says why the write cannot be undone ("" when it can).
	Irreversible string `json:"irreversible,omitempty"`
}

// Ref is a value the service assigns when an earlier write is made (an
// object id), used by a later write or by an undo.
type Ref struct {
	// Placeholder is how it appears in Path or Params: "{ruleId}".
	Placeholder string `json:"placeholder"`
	// Write is the ID of the write whose result holds the value; "" means
	// the write this undo write reverses.
	Write string `json:"write,omitempty"`
	// Field is the JSON property of that write's result ("id").
	Field string `json:"field"`
	// Planned is the value the simulation used in its place.
	Planned string `json:"planned"`
}

// Resolve is a value the writer reads from a service just before the
// write, because the snapshot does not hold it.
type Resolve struct {
	// Param is the key in Params that receives the value.
	Param   string `json:"param"`
	Service string `json:"service"`
	// Operation is the read: "GET /api/v1/apps/{appId}/credentials/keys".
	Operation string `json:"operation"`
	Path      string `json:"path"`
	// Pick says which part of the answer is meant.
	Pick string `json:"pick"`
}

// Cmdlet reports whether the write is an Exchange cmdlet.
func (w Write) Cmdlet() bool { return w.Service == ServiceExchange }
