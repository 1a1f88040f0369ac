package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/spf13/cobra"
)

// ListOptions configures ipcbench list.
type ListOptions struct {
	Out io.Writer
}

func newCmdList(stdout io.Writer) *cobra.Command {
	opts := &ListOptions{Out: stdout}
	return &cobra.Command{
		Use:     "list",
		Short:   "List transports with their data path, copy model and largest message on this host",
		Example: "  ipcbench list",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			return listRun(opts)
		},
	}
}

func listRun(opts *ListOptions) error {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%g\t%s\n", d.Name, d.Framing, max, d.Model.CopiesPerMsg, d.Model.SyscallsPerMsg, d.DataPath)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(opts.Out)
	for _, n := range notes {
		fmt.Fprintln(opts.Out, n)
	}
	return nil
}
