package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
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
			// Collecting waits on the network and keeps what it reads (the
			// snapshot of 100,000 mailboxes is ~170 MB), then writes it:
			// the heap may grow 25 % beyond what is live rather than the
			// default 100 %, trading idle CPU for a peak well under twice
			// the snapshot. GOGC, when set, is the operator's.
			if os.Getenv("GOGC") == "" {
				defer debug.SetGCPercent(debug.SetGCPercent(collectGCPercent))
			}
			snap, err := a.discover(cmd.Context(), &t, quiet)
			if err != nil {
				return err
			}
			// Streamed: the snapshot of 100,000 mailboxes is ~350 MB of
			// JSON, which Encode would hold twice over.
			if out == "-" {
				return tenant.EncodeTo(a.io.Out, snap)
			}
			if err := writeAtomic(out, func(w io.Writer) error { return tenant.EncodeTo(w, snap) }); err != nil {
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
			switch ev.Status.State {
			case tenant.StateOK:
				fmt.Fprintf(a.io.ErrOut, "  ✓ %-34s %6d items  %3d pages\n", ev.Source, ev.Items, ev.Pages)
			case tenant.StateSkipped:
				fmt.Fprintf(a.io.ErrOut, "  – %-34s %s\n", ev.Source, textsafe.Terminal(ev.Status.Fix))
			default:
				fmt.Fprintf(a.io.ErrOut, "  ✗ %-34s %s\n", ev.Source, textsafe.Terminal(ev.Status.Error))
			}
		}
	}
	if !quiet {
		fmt.Fprintf(a.io.ErrOut, "Collecting from %s (as of %s)\n", conn.label, conn.cfg.AsOf.Format("2006-01-02"))
	}
	return clients.Discover(ctx, conn.cfg, sink)
}

// collectGCPercent is collect's GC target (see newCollectCmd).
const collectGCPercent = 25

// writeFileAtomic writes via a temporary file and rename, so an interrupted
// write never leaves half a file behind: the data is synced to disk before
// the rename, and the folder after it, so that after a crash the file is
// either the old one or the whole new one.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// writeAtomic is writeFileAtomic for content written by write. A path
// that is not a regular file (/dev/null, a named pipe) is written in
// place: renaming a temporary file over it would replace the device.
func writeAtomic(path string, write func(io.Writer) error) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
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
