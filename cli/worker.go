package cli

import (
	"github.com/ipcbench/ipcbench/harness"
	"github.com/spf13/cobra"
)

// newCmdWorker is the hidden command the harness re-execs for each side of a case.
func newCmdWorker() *cobra.Command {
	var spec string
	cmd := &cobra.Command{
		Use:    "worker --spec JSON",
		Short:  "Run one side of a case (internal)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(*cobra.Command, []string) error {
			if code := harness.WorkerMain(spec); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&spec, "spec", "", "case spec, as JSON")
	return cmd
}
