package cli

import (
	"io"
	"strings"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/spf13/cobra"
)

// exportOptions configures ipcbench export.
type exportOptions struct {
	Files  []string
	Format string
	Wide   bool // --wide: the full table
	Stdout io.Writer
}

func newCmdExport(stdout io.Writer) *cobra.Command {
	opts := &exportOptions{Stdout: stdout}
	cmd := &cobra.Command{
		Use:   "export FILE|DIR...",
		Short: "Write results files in another format, such as the Go benchmark format for benchstat",
		Long: `Export renders results files from ipcbench run on stdout in one of: ` + strings.Join(format.RunFormats, ", ") + `.

benchfmt is the Go benchmark format, written with golang.org/x/perf/benchfmt:
comment lines naming the run (# ipcbench-commit, # ipcbench-version, # label,
# host, # started), the file configuration (goos, cpu, kernel), then one
line per repetition of every ok case, named
IPC/transport=T/workload=W/size=BYTES, with the units ns/op (an op is a round
trip for pingpong, a message otherwise), p50-ns, p99-ns, msgs/s, MB/s,
cpu-ns/msg, syscalls/msg and copies/msg. benchstat reads it unchanged.

The file configuration holds only what describes the host, because benchstat
puts results whose file configuration differs in separate tables and compares
nothing across them: what changes from run to run on one host (commit, label,
start time, a CI runner's host name) is in the comments, so "benchstat
old.txt new.txt" compares the two runs ("vs base"). Runs on another CPU or
kernel land in a table of their own, as they should.

Exit status: 0 written, 2 bad flags or input files.`,
		Example: `  ipcbench export --format benchfmt old.json > old.txt
  ipcbench export --format benchfmt new.json > new.txt
  benchstat old.txt new.txt
  benchstat -col /transport old.txt     # one column per transport`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("export needs at least one results FILE or DIR")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Files = args
			return exportRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "benchfmt", strings.Join(format.RunFormats, ", "))
	addWideFlag(cmd.Flags(), &opts.Wide)
	return cmd
}

func exportRun(o *exportOptions) error {
	if err := checkFormat(o.Format, format.RunFormats); err != nil {
		return err
	}
	files, _, err := readResultsArgs(o.Files)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := format.WriteRunWith(o.Stdout, o.Format, f, format.TableOptions{Wide: o.Wide}); err != nil {
			return err
		}
	}
	return nil
}

// checkFormat checks a command's --format against the formats it writes.
func checkFormat(name string, known []string) error {
	if err := format.Check(name, known); err != nil {
		return usagef("--format: %v", err)
	}
	return nil
}
