package cli

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/doctor"
	"github.com/ipcbench/ipcbench/results"
	"github.com/spf13/cobra"
)

// sampleLoad is how long run and doctor watch other processes' CPU use.
const sampleLoad = 250 * time.Millisecond

// doctorOptions configures ipcbench doctor.
type doctorOptions struct {
	Check  func() []results.Finding
	Format string // listFormats
	Stdout io.Writer
	Stderr io.Writer
}

// doctorReport is doctor --format json's document; its field names are
// stable (docs/usage.md#list-and-doctor-as-json).
type doctorReport struct {
	Findings []doctorFinding `json:"findings"`
	// Problems names the findings that make doctor exit 1.
	Problems []string `json:"problems"`
}

// doctorFinding is a results.Finding with every field always present, and
// whether it fails doctor.
type doctorFinding struct {
	Topic  string `json:"topic"`
	Name   string `json:"name"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
	Fix    string `json:"fix"`
	Warn   bool   `json:"warn"`  // marked !: worth acting on before trusting a comparison
	Fails  bool   `json:"fails"` // a warning that will skew or break runs: doctor exits 1
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
	cmd := &cobra.Command{
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
  sudo sysctl -w kernel.msgmax=65536   # then sysv-msg carries 64 KiB
  ipcbench doctor --format json | jq '.findings[] | select(.fails)'`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return doctorRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "stdout format: "+strings.Join(listFormats, ", ")+" (field names documented in docs/usage.md#list-and-doctor-as-json)")
	return cmd
}

func doctorRun(o *doctorOptions) error {
	if o.Format == "" {
		o.Format = "table"
	}
	if err := checkFormat(o.Format, listFormats); err != nil {
		return err
	}
	fs := o.Check()
	r := doctorReport{Findings: []doctorFinding{}, Problems: []string{}}
	for _, f := range fs {
		fails := f.Warn && !excused(f)
		r.Findings = append(r.Findings, doctorFinding{f.Topic, f.Name, f.Value, f.Effect, f.Fix, f.Warn, fails})
		if fails {
			r.Problems = append(r.Problems, f.Name)
		}
	}
	var err error
	if o.Format == "json" {
		err = writeJSONDoc(o.Stdout, r)
	} else {
		err = writeFindings(o.Stdout, fs)
	}
	if err != nil || len(r.Problems) == 0 {
		return err
	}
	what := fmt.Sprintf("%d findings will", len(r.Problems))
	if len(r.Problems) == 1 {
		what = "1 finding will"
	}
	fmt.Fprintf(o.Stderr, "ipcbench: doctor: %s skew or break runs: %s; fix them with the commands doctor names, or run anyway knowing the figures carry them\n",
		what, strings.Join(r.Problems, ", "))
	return exitError{exitFailure}
}

func excused(f results.Finding) bool {
	_, topic := informational[f.Topic+"/"]
	_, name := informational[f.Topic+"/"+f.Name]
	return topic || name
}

// writeFindings prints the findings by topic, in a name column as wide
// as the longest name, so that no value starts out of line.
func writeFindings(w io.Writer, fs []results.Finding) error {
	var b strings.Builder
	width := 0
	for _, f := range fs {
		width = max(width, utf8.RuneCountInString(f.Name))
	}
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
		fmt.Fprintf(&b, "%s %-*s %s\n", mark, width, f.Name, f.Value)
		for _, l := range wrapWords(f.Effect, doctorColumns-width-3) {
			fmt.Fprintf(&b, "  %-*s %s\n", width, "", l)
		}
		if f.Fix != "" {
			fmt.Fprintf(&b, "  %-*s fix: %s\n", width, "", f.Fix)
		}
	}
	_, err := io.WriteString(w, strings.TrimPrefix(b.String(), "\n"))
	return err
}

// doctorColumns is the width doctor wraps a finding's effect to; a fix
// stays on one line, to be copied whole.
const doctorColumns = 120

// wrapWords splits s into lines of at most width characters, breaking at
// spaces; a word longer than width keeps a line of its own.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			lines, line = append(lines, line), ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
