package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/doctor"
	"github.com/ipcbench/ipcbench/results"
	"github.com/spf13/cobra"
)

// sampleLoad is how long run and doctor watch other processes' CPU use.
const sampleLoad = 250 * time.Millisecond

func newCmdDoctor(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Report what on this host affects results, with the commands that fix it",
		Long: `Doctor reports what on this host affects ipcbench's results:
  - the IPC limits (kernel.msgmax, kernel.msgmnb, kernel.shmmax, kernel.sem,
    fs.mqueue.*, fs.pipe-max-size, net.core.wmem_max) and the largest message
    each transport can carry because of them;
  - CPUs, SMT, frequency governor and virtualization;
  - the load average and the processes using CPU right now;
  - the clock source and what a clock read costs;
  - whether hardware perf counters work.
Lines marked ! deserve action before you trust a comparison; each finding
names the command that changes it where there is one. ipcbench run records
the same findings in every results file.

Exit status: 0.`,
		Example: `  ipcbench doctor
  sudo sysctl -w kernel.msgmax=65536   # then sysv-msg carries 64 KiB`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return writeFindings(stdout, doctor.Check(sampleLoad))
		},
	}
}

func writeFindings(w io.Writer, fs []results.Finding) error {
	var b strings.Builder
	topic := ""
	for _, f := range fs {
		if f.Topic != topic {
			topic = f.Topic
			fmt.Fprintf(&b, "\n%s\n", strings.ToUpper(topic))
		}
		mark := " "
		if f.Warn {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s %-31s %s\n", mark, f.Name, f.Value)
		if f.Effect != "" {
			fmt.Fprintf(&b, "  %-31s %s\n", "", f.Effect)
		}
		if f.Fix != "" {
			fmt.Fprintf(&b, "  %-31s fix: %s\n", "", f.Fix)
		}
	}
	_, err := io.WriteString(w, strings.TrimPrefix(b.String(), "\n"))
	return err
}
