package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"github.com/spf13/cobra"
)

// listOptions configures ipcbench list.
type listOptions struct {
	Out    io.Writer
	Format string
}

// listFormats are list's and doctor's renderings.
var listFormats = []string{"table", "json"}

func newCmdList(stdout io.Writer) *cobra.Command {
	opts := &listOptions{Out: stdout}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List transports with their data path, copy model and largest message on this host, and the workloads",
		Example: `  ipcbench list
  ipcbench list --format json | jq -r '.transports[] | select(.opt_in | not) | .name'`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "stdout format: "+strings.Join(listFormats, ", ")+" (field names documented in docs/usage.md#list-and-doctor-as-json)")
	return cmd
}

// optInMark follows the name of a transport or workload that a run takes
// only when --transports or --workloads names it.
const optInMark = " (opt-in)"

// listing is what list prints, and list --format json's document: its
// field names are stable (docs/usage.md#list-and-doctor-as-json).
type listing struct {
	Transports []listedTransport `json:"transports"`
	Workloads  []listedWorkload  `json:"workloads"`
}

// listedTransport is one registered transport on this host.
type listedTransport struct {
	Name     string               `json:"name"`
	OptIn    bool                 `json:"opt_in"` // runs only when --transports names it
	Doc      string               `json:"doc"`
	Framing  string               `json:"framing"` // stream or message
	DataPath string               `json:"data_path"`
	Model    transports.CostModel `json:"model"`
	// MaxMessage is the largest message here and where that figure comes
	// from; nil where the transport cannot run, Unavailable saying why.
	MaxMessage  *transports.Limit `json:"max_message"`
	Unavailable string            `json:"unavailable,omitempty"`
}

// listedWorkload is one registered workload.
type listedWorkload struct {
	Name  string `json:"name"`
	OptIn bool   `json:"opt_in"` // runs only when --workloads names it
	Doc   string `json:"doc"`
}

// list collects the registries and each transport's limit on this host.
func list() listing {
	var l listing
	for _, d := range transports.All() {
		t := listedTransport{Name: d.Name, OptIn: d.OptIn, Doc: d.Doc, Framing: d.Framing.String(), DataPath: d.DataPath, Model: d.Model}
		if lim, err := d.MaxMessage(); err != nil {
			t.Unavailable = err.Error()
		} else {
			t.MaxMessage = &lim
		}
		l.Transports = append(l.Transports, t)
	}
	for _, w := range workloads.All() {
		l.Workloads = append(l.Workloads, listedWorkload{Name: w.Name, OptIn: !w.Default, Doc: w.Doc})
	}
	return l
}

func listRun(opts *listOptions) error {
	if opts.Format == "" {
		opts.Format = "table"
	}
	if err := checkFormat(opts.Format, listFormats); err != nil {
		return err
	}
	l := list()
	if opts.Format == "json" {
		return writeJSONDoc(opts.Out, l)
	}
	return writeListing(opts.Out, l)
}

// writeJSONDoc writes v as indented JSON and a newline.
func writeJSONDoc(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeListing(w io.Writer, l listing) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSPORT\tFRAMING\tMAX MESSAGE\tCOPIES/MSG\tSYSCALLS/MSG\tDATA PATH")
	var notes []string
	for _, t := range l.Transports {
		max := "unavailable"
		if t.MaxMessage == nil {
			notes = append(notes, fmt.Sprintf("%s: %s", t.Name, t.Unavailable))
		} else {
			max = results.FormatBytes(t.MaxMessage.Bytes)
			notes = append(notes, fmt.Sprintf("%s: %s. Max message: %s. Model: %s.", t.Name, t.Doc, t.MaxMessage.Source, t.Model.Note))
		}
		name := t.Name
		if t.OptIn {
			name += optInMark
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%g\t%s\n", name, t.Framing, max, t.Model.CopiesPerMsg, t.Model.SyscallsPerMsg, t.DataPath)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "WORKLOAD\tWHAT IT DOES")
	for _, wl := range l.Workloads {
		name := wl.Name
		if wl.OptIn {
			name += optInMark
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, wl.Doc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "(opt-in): run only when named in --transports or --workloads.")
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	return nil
}
