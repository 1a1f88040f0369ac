package cli

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

// doctorOptions configures ipcbench doctor.
type doctorOptions struct {
	Check  func() []results.Finding
	Stdout io.Writer
	Stderr io.Writer
}

// informational are the findings that doctor marks with ! but that do not
// fail it, by topic/name ("limits/" for the whole topic): facts of the host
// that a run records and that a user cannot change for one run, or whose
// effect is a recorded skip rather than a skewed figure.
var informational = map[string]string{
	"limits/":            "a transport that cannot run, or sizes above a limit, are skipped and recorded as skipped, never measured wrong",
	"cpu/virtualization": "a property of the host; every figure from it is marked in the results file",
	"load/load average":  "counts the last minute, earlier runs included; busy processes says what competes now",
}

func newCmdDoctor(stdout, stderr io.Writer) *cobra.Command {
	opts := &doctorOptions{Check: func() []results.Finding { return doctor.Check(sampleLoad) }, Stdout: stdout, Stderr: stderr}
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

Doctor exits 1 when a ! finding will skew or break runs: one CPU, a
frequency governor other than performance, processes competing for CPU now,
a clock source that needs a syscall or a slow clock read, and any ! finding
it does not know (a later check). These ! findings do not fail it: limits
(a transport or size they rule out is skipped and recorded as skipped, not
measured wrong), virtualization (a fact of the host, recorded), and the load
average (it counts the last minute, ipcbench's own earlier runs included).

Exit status: 0 nothing that skews or breaks runs, 1 something does (named on
stderr), 2 bad arguments.`,
		Example: `  ipcbench doctor
  sudo sysctl -w kernel.msgmax=65536   # then sysv-msg carries 64 KiB`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return doctorRun(opts)
		},
	}
}

func doctorRun(o *doctorOptions) error {
	fs := o.Check()
	if err := writeFindings(o.Stdout, fs); err != nil {
		return err
	}
	var problems []string
	for _, f := range fs {
		if f.Warn && !excused(f) {
			problems = append(problems, f.Name)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	fmt.Fprintf(o.Stderr, "ipcbench: doctor: %d findings will skew or break runs: %s; fix them with the commands above, or run anyway knowing the figures carry them\n",
		len(problems), strings.Join(problems, ", "))
	return exitError{exitFailure}
}

func excused(f results.Finding) bool {
	_, topic := informational[f.Topic+"/"]
	_, name := informational[f.Topic+"/"+f.Name]
	return topic || name
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
