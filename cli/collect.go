package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/harden365/harden365/clients"
	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/tenant"
	"github.com/harden365/harden365/textsafe"
)

func newCollectCmd(a *app) *cobra.Command {
	var t target
	var out string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Discovery only: collect the organisation into a snapshot file (JSON) for offline work",
		Example: "  harden365 collect --scenario whitepaper --out whitepaper.json\n" +
			"  harden365 collect --sim http://127.0.0.1:8443 --out s.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out FILE is required (use - for standard output)")
			}
			snap, err := a.discover(cmd.Context(), &t, quiet)
			if err != nil {
				return err
			}
			data, err := tenant.Encode(snap)
			if err != nil {
				return err
			}
			if out == "-" {
				_, err = a.io.Out.Write(data)
				return err
			}
			if err := writeFileAtomic(out, data); err != nil {
				return err
			}
			if !quiet {
				errs := snap.Errors()
				fmt.Fprintf(a.io.ErrOut, "Wrote %s: %d users, %d mailboxes; %d of %d sources could not be collected\n",
					out, len(snap.Users), len(snap.Exchange.CASMailboxes), len(errs), len(snap.Collection))
			}
			return nil
		},
	}
	t.flags(cmd)
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the snapshot to `FILE` (- for standard output)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	return cmd
}

// discover opens the target and collects it, printing progress to stderr
// unless quiet.
func (a *app) discover(ctx context.Context, t *target, quiet bool) (*tenant.Snapshot, error) {
	conn, err := t.open(ctx, a, "")
	if err != nil {
		return nil, err
	}
	defer conn.close()
	var mu sync.Mutex
	sink := func(ev collect.Event) {
		a.logCollect(ev)
		if quiet {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch ev.Kind {
		case collect.Waiting:
			fmt.Fprintf(a.io.ErrOut, "  … %s: %s, retrying in %s\n", ev.Source, textsafe.Terminal(ev.Message), ev.Wait)
		case collect.Done:
			if ev.Status.State == tenant.StateOK {
				fmt.Fprintf(a.io.ErrOut, "  ✓ %-34s %6d items  %3d pages\n", ev.Source, ev.Items, ev.Pages)
			} else {
				fmt.Fprintf(a.io.ErrOut, "  ✗ %-34s %s\n", ev.Source, textsafe.Terminal(ev.Status.Error))
			}
		}
	}
	if !quiet {
		fmt.Fprintf(a.io.ErrOut, "Collecting from %s (as of %s)\n", conn.label, conn.cfg.AsOf.Format("2006-01-02"))
	}
	return clients.Discover(ctx, conn.cfg, sink)
}

// writeFileAtomic writes via a temporary file and rename, so an interrupted
// write never leaves half a file behind: the data is synced to disk before
// the rename, and the folder after it, so that after a crash the file is
// either the old one or the whole new one.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir syncs a folder's entries to disk (best effort: not every system
// can sync a folder).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
