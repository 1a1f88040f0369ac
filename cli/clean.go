package cli

import (
	"fmt"
	"io"

	"github.com/ipcbench/ipcbench/leftovers"
	"github.com/spf13/cobra"
)

// cleanOptions configures ipcbench clean.
type cleanOptions struct {
	DryRun bool
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdClean(stdout, stderr io.Writer) *cobra.Command {
	opts := &cleanOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove what killed runs left behind: System V objects, POSIX queues, temp dirs",
		Long: `Clean finds what an ipcbench runner killed with SIGKILL (or cut off by a
power loss) left behind, and removes it, listing each object and why.

It removes only what it can prove ipcbench made and whose creator is gone:
  - System V segments, semaphore sets and message queues, and ipcbench-*
    POSIX queues, that a creator's ledger names (each run records what it
    creates in a ledger file of its own, in /dev/shm/.ipcbench-ledger-<uid>,
    or in $XDG_RUNTIME_DIR or your cache dir where that one is not yours);
  - ipcbench-fifo-* and ipcbench-relay-* temp dirs that carry ipcbench's
    marker (a .ipcbench-marker symlink naming the creator's ledger);
  - the ledgers of runs that are gone.
A run holds a lock (flock) on its ledger for as long as it lives, in any pid
namespace; a creator is gone when no process holds that lock (a zombie holds
none). A pid, a name prefix or an age proves nothing: an object no ledger
names is listed as kept, with the command that removes it by hand, and a
directory without the marker (ipcbench-results, ipcbench-report, your own
ipcbench-*) is never listed. Objects of other users are never touched.
Nor is what ipcbench did not write inside one of its temp dirs (a file you
put there): clean lists each such entry as kept, removes only ipcbench's own
entries and the marker, and leaves the directory.
A run that is interrupted (SIGINT, SIGTERM) or whose worker dies cleans up
after itself; clean is for SIGKILL and power cuts. See docs/clean.md.

Exit status: 0 clean (or, with --dry-run, nothing found), 1 something could
not be removed, or --dry-run found leftovers.`,
		Example: `  ipcbench clean --dry-run   # list what would be removed
  ipcbench clean             # remove it`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return cleanRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.DryRun, "dry-run", "n", false, "list what would be removed, and remove nothing")
	return cmd
}

func cleanRun(o *cleanOptions) error {
	s := leftovers.Find()
	for _, w := range s.Warnings {
		fmt.Fprintf(o.Stderr, "ipcbench clean: warning: %s\n", w)
	}
	for _, it := range s.Kept {
		fmt.Fprintf(o.Stdout, "kept     %s: %s\n", it.What, it.Why)
	}
	failed := 0
	for _, it := range s.Stale {
		if o.DryRun {
			fmt.Fprintf(o.Stdout, "would remove %s: %s\n", it.What, it.Why)
			continue
		}
		if err := it.Remove(); err != nil {
			failed++
			fmt.Fprintf(o.Stderr, "ipcbench clean: %s: %v\n", it.What, err)
			continue
		}
		fmt.Fprintf(o.Stdout, "removed  %s: %s\n", it.What, it.Why)
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d leftovers could not be removed", failed, len(s.Stale))
	case len(s.Stale) == 0:
		fmt.Fprintln(o.Stdout, "nothing left behind")
	case o.DryRun:
		return exitError{exitFailure}
	}
	return nil
}

// warnLeftovers tells a runner's user that killed runs left objects behind,
// which count against the system-wide IPC limits.
func warnLeftovers(stderr io.Writer) {
	if n := len(leftovers.Find().Stale); n > 0 {
		fmt.Fprintf(stderr, "ipcbench: warning: %d objects left behind by killed runs count against the IPC limits; see ipcbench clean --dry-run\n", n)
	}
}
