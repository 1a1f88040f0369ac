package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"github.com/spf13/cobra"
)

// listOptions configures ipcbench list.
type listOptions struct {
	Out io.Writer
}

func newCmdList(stdout io.Writer) *cobra.Command {
	opts := &listOptions{Out: stdout}
	return &cobra.Command{
		Use:     "list",
		Short:   "List transports with their data path, copy model and largest message on this host, and the workloads",
		Example: "  ipcbench list",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			return listRun(opts)
		},
	}
}

// optInMark follows the name of a transport or workload that a run takes
// only when --transports or --workloads names it.
const optInMark = " (opt-in)"

func listRun(opts *listOptions) error {
	tw := tabwriter.NewWriter(opts.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSPORT\tFRAMING\tMAX MESSAGE\tCOPIES/MSG\tSYSCALLS/MSG\tDATA PATH")
	var notes []string
	for _, d := range transports.All() {
		max := "unavailable"
		if l, err := d.MaxMessage(); err != nil {
			notes = append(notes, fmt.Sprintf("%s: %v", d.Name, err))
		} else {
			max = results.FormatBytes(l.Bytes)
			notes = append(notes, fmt.Sprintf("%s: %s. Max message: %s. Model: %s.", d.Name, d.Doc, l.Source, d.Model.Note))
		}
		name := d.Name
		if d.OptIn {
			name += optInMark
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%g\t%s\n", name, d.Framing, max, d.Model.CopiesPerMsg, d.Model.SyscallsPerMsg, d.DataPath)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "WORKLOAD\tWHAT IT DOES")
	for _, w := range workloads.All() {
		name := w.Name
		if !w.Default {
			name += optInMark
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, w.Doc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(opts.Out)
	fmt.Fprintln(opts.Out, "(opt-in): run only when named in --transports or --workloads.")
	for _, n := range notes {
		fmt.Fprintln(opts.Out, n)
	}
	return nil
}
