package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Writer makes the remediation's cmdlet writes (Set-*, New-*, Remove-*)
// through the same InvokeCommand endpoint, token and retries as the reads.
// Parameters go on the wire exactly as given: JSON booleans, null for
// $null, ISO-8601 strings for dates.
type Writer struct {
	c *Client
}

// NewWriter returns a writer for the tenant in cfg.
func NewWriter(cfg Config) *Writer { return &Writer{c: New(cfg)} }

// Cmdlet runs one write cmdlet and returns the string properties of the
// object it answered with (New-* answers with the new object; Set-* and
// Remove-* with nothing). A write that changes nothing is not an error:
// the service answers with a warning, and so does this.
func (w *Writer) Cmdlet(ctx context.Context, cmdlet string, params map[string]any) (map[string]string, error) {
	if !isWriteCmdlet(cmdlet) {
		return nil, fmt.Errorf("exchange: %s is not a write cmdlet (Set-, New-, Remove-, Enable-, Disable-)", cmdlet)
	}
	rows, err := w.c.Invoke(ctx, cmdlet, params, Hooks{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if len(rows) > 0 {
		for k, raw := range rows[0] {
			var s string
			if json.Unmarshal(raw, &s) == nil && s != "" {
				out[k] = s
			}
		}
	}
	return out, nil
}

func isWriteCmdlet(name string) bool {
	for _, verb := range []string{"Set-", "New-", "Remove-", "Enable-", "Disable-"} {
		if len(name) > len(verb) && strings.EqualFold(name[:len(verb)], verb) {
			return true
		}
	}
	return false
}
