package main

import (
	"fmt"
	"io"

	"github.com/ipcbench/ipcbench/leftovers"
	"github.com/spf13/cobra"
)

// CleanOptions configures ipcbench clean.
type CleanOptions struct {
	DryRun bool
	Stdout io.Writer
	Stderr io.Writer
}

func newCmdClean(runF func(*CleanOptions) error, stdout, stderr io.Writer) *cobra.Command {
	opts := &CleanOptions{Stdout: stdout, Stderr: stderr}
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove what killed runs left behind: System V objects, POSIX queues, temp dirs",
		Long: `Clean finds what an ipcbench runner killed with SIGKILL left behind, and
removes it, listing each object:
  - System V shared memory segments, semaphore sets and message queues in
    ipcbench's key namespace (0x4950xxxx), owned by you, whose creating
    process is gone (ipcbench records creators in a private ledger, since
    /proc/sysvipc names none for semaphores and queues);
  - ipcbench-* POSIX message queues, whose names carry the creator's pid;
  - ipcbench-* temp directories holding FIFOs and relay files.
It never touches an object outside the namespace, another user's, or one whose
creator still runs. A run that is interrupted (SIGINT, SIGTERM) or whose worker
dies cleans up after itself; clean is for SIGKILL and power cuts.

Exit status: 0 clean (or, with --dry-run, nothing found), 1 something could
not be removed, or --dry-run found leftovers.`,
		Example: `  ipcbench clean --dry-run   # list what would be removed
  ipcbench clean             # remove it`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cleanRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.DryRun, "dry-run", "n", false, "list what would be removed, and remove nothing")
	return cmd
}

func cleanRun(o *CleanOptions) error {
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
