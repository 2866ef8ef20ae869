package cli

// A minimal wizardBackend so that profileBackend compiles on the
// wizard-profiles branch: the lead's cli/wizard.go replaces it (delete
// this file when merging).

import (
	"context"
	"time"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/ui"
)

func (a *app) wizardBackend(conn *connection) ui.Backend {
	return ui.Backend{
		Discover: func(ctx context.Context, sink collect.Sink) (*tenant.Snapshot, error) {
			return clients.Discover(ctx, conn.cfg, func(ev collect.Event) {
				a.log.Debug("collect", "source", ev.Source, "kind", ev.Kind, "items", ev.Items, "wait", ev.Wait, "msg", ev.Message)
				sink(ev)
			})
		},
		Now:     func() time.Time { return time.Now().UTC() },
		Version: version(),
	}
}
