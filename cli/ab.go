package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultABDir is where ab makes a fresh directory per invocation.
const defaultABDir = "ipcbench-ab"

// ABOptions configures ipcbench ab.
type ABOptions struct {
	BaseBin, NewBin string
	Rounds          int
	// Out is the directory in which ab makes a fresh, timestamped
	// directory for this invocation's files; it never replaces anything.
	Out string
	// RunArgs go to both sides' run; BaseArgs and NewArgs to one side
	// only (split on spaces), e.g. NewArgs "--test-send-delay pipe=2us".
	RunArgs           []string
	BaseArgs, NewArgs string
	Compare           CompareOptions
}

func newCmdAB(stdout, stderr io.Writer) *cobra.Command {
	opts := &ABOptions{Compare: CompareOptions{Stdout: stdout, Stderr: stderr}}
	cmd := &cobra.Command{
		Use:   "ab BASE_BIN NEW_BIN [ab flags] [run flags]",
		Short: "Run two ipcbench builds in alternating rounds on this machine and compare them; exit 1 on a regression",
		Long: `ab runs two builds of ipcbench (BASE_BIN and NEW_BIN, paths to their
binaries) in alternating rounds on this machine, so that both see the same
host drift: each round runs both, one after the other, each a full
"BIN run --repeat 1 [run flags] --out DIR/SIDE/ROUND.json"; odd rounds run
base first, even rounds new first. It then prints each round's host
interference (steal, run-queue wait, migrations), pools each side's files
and compares them as compare does, each file's median one sample, so that
rounds, not repetitions, are the independent unit: 4 rounds are the fewest
a U test can judge, 6 (the default) give confidence intervals.

Flags that ab does not know go to run on both sides; --base-args and
--new-args add flags to one side only (to check the gate itself, --new-args
"--test-send-delay pipe=2us" slows the new side's pipe and must exit 1).
Everything after -- goes to run. ab writes into a fresh directory
OUT/<timestamp>/ (base/ and new/ hold the rounds' files, which compare
reads again), and never replaces what is there.

Exit status: that of compare: 0 no regression, every matched case tested;
1 a regression, or a round's run failed; 2 bad flags, or a binary that is
not ipcbench; 3 untested (--allow-untested makes it 0).`,
		Example: `  go build -o /tmp/ipcbench-base ./cmd/ipcbench   # in the baseline's checkout
  go build -o /tmp/ipcbench-new ./cmd/ipcbench
  ipcbench ab /tmp/ipcbench-base /tmp/ipcbench-new --transports pipe,unix-stream --workloads pingpong --sizes 64 --duration 300ms --cpus 0,1
  ipcbench ab /tmp/ipcbench-new /tmp/ipcbench-new --rounds 8 --metric p50 --new-args "--test-send-delay pipe=2us"`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseABArgs(args, opts); err != nil {
				if errors.Is(err, pflag.ErrHelp) {
					return cmd.Help()
				}
				return err
			}
			return abRun(opts)
		},
	}
	return cmd
}

// abFlags registers ab's own flags; every other flag is run's.
func abFlags(o *ABOptions) *pflag.FlagSet {
	f := pflag.NewFlagSet("ab", pflag.ContinueOnError)
	f.SetOutput(io.Discard)
	f.IntVar(&o.Rounds, "rounds", 10, "alternations of base and new, each side one run --repeat 1 a round; at least 4 for a U test")
	f.StringVar(&o.Out, "out", "", "directory for a fresh timestamped directory of this invocation's files (default ./"+defaultABDir+")")
	f.StringVar(&o.BaseArgs, "base-args", "", "run flags for the base side only, space-separated")
	f.StringVar(&o.NewArgs, "new-args", "", `run flags for the new side only, space-separated, e.g. "--test-send-delay pipe=2us"`)
	f.StringSliceVar(&o.Compare.Metrics, "metric", []string{"p50", "p99", "throughput", "cpu"}, "metrics to compare")
	f.BoolVar(&o.Compare.AllowUntested, "allow-untested", false, "exit 0, not 3, when cases could not be tested (a regression still exits 1)")
	f.BoolVar(&o.Compare.GateStreamLatency, "gate-stream-latency", false, "compare the latency of stream, stream-inplace and fanin cases even where it measures buffer depth")
	o.Compare.significance.register(f, "smallest change for the worse that fails, e.g. 5% or 0.05")
	f.BoolP("help", "h", false, "help for ab")
	return f
}

// parseABArgs splits args into the two binaries, ab's flags and run's
// flags, and checks them.
func parseABArgs(args []string, o *ABOptions) error {
	f := abFlags(o)
	// The binaries come first: a run flag's value cannot be told from a
	// positional argument without knowing run's flags.
	var own, bins []string
	for len(bins) < 2 && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		bins, args = append(bins, args[0]), args[1:]
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.RunArgs = append(o.RunArgs, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.RunArgs = append(o.RunArgs, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		fl := f.Lookup(name)
		if a == "-h" {
			fl = f.Lookup("help")
		}
		if fl == nil {
			if name == "repeat" || name == "out" || name == "o" {
				return usagef("ab: %s: ab runs --repeat 1 into its own files each round; give --rounds, and ab's --out for the directory", a)
			}
			o.RunArgs = append(o.RunArgs, a)
			continue
		}
		own = append(own, a)
		if !hasValue && fl.NoOptDefVal == "" && i+1 < len(args) {
			i++
			own = append(own, args[i])
		}
	}
	if err := f.Parse(own); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usagef("ab: %v", err)
	}
	if help, _ := f.GetBool("help"); help {
		return pflag.ErrHelp
	}
	if len(bins) != 2 {
		return usagef("ab takes BASE_BIN and NEW_BIN, the paths of two ipcbench binaries, first; got %d", len(bins))
	}
	o.BaseBin, o.NewBin = bins[0], bins[1]
	if o.Rounds < 1 || o.Rounds > 1000 {
		return usagef("--rounds %d: want 1 to 1000 (4 or more for a U test, 6 for confidence intervals)", o.Rounds)
	}
	if _, err := stats.ParseMetrics(o.Compare.Metrics); err != nil {
		return usagef("--metric: %v", err)
	}
	_, err := o.Compare.significance.parse()
	return err
}

// abSide is one of the two builds.
type abSide struct {
	name, bin string
	extra     []string
	files     []*results.File
}

func abRun(o *ABOptions) error {
	sides := [2]*abSide{
		{name: "base", bin: o.BaseBin, extra: strings.Fields(o.BaseArgs)},
		{name: "new", bin: o.NewBin, extra: strings.Fields(o.NewArgs)},
	}
	for _, s := range sides {
		path, err := exec.LookPath(s.bin)
		if err != nil {
			return usagef("ab: %s binary: %v", s.name, err)
		}
		s.bin = path
	}
	dir, err := abDir(o.Out, time.Now())
	if err != nil {
		return err
	}
	stderr := o.Compare.Stderr
	fmt.Fprintf(stderr, "ipcbench ab: %d rounds into %s\n", o.Rounds, dir)
	var loads [][]string
	for r := 1; r <= o.Rounds; r++ {
		order := sides
		if r%2 == 0 {
			order = [2]*abSide{sides[1], sides[0]}
		}
		for i, s := range order {
			f, err := abRound(o, s, dir, r)
			if err != nil {
				return err
			}
			s.files = append(s.files, f)
			loads = append(loads, loadRow(r, s.name, i, f))
		}
	}
	writeLoads(o.Compare.Stdout, loads)
	return compareFiles(&o.Compare, sides[0].files, sides[1].files, true)
}

// abDir makes a fresh directory for one invocation inside out (default
// ./ipcbench-ab, which must be the caller's own), so that ab never
// replaces a file it did not write.
func abDir(out string, now time.Time) (string, error) {
	if out == "" {
		out = defaultABDir
		if err := safeout.MkdirOwn(out, 0o755); err != nil {
			return "", usagef("ab directory: %w; remove it, or give --out", err)
		}
	} else if err := writableDir("--out", out); err != nil {
		return "", err
	}
	stamp := now.Format("2006-01-02T15-04-05")
	for i := 1; i < 100; i++ {
		dir := filepath.Join(out, stamp)
		if i > 1 {
			dir += fmt.Sprintf("-%d", i)
		}
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", usagef("--out: %w", err)
		}
		for _, side := range []string{"base", "new"} {
			if err := os.Mkdir(filepath.Join(dir, side), 0o755); err != nil {
				return "", fmt.Errorf("ab: %w", err)
			}
		}
		return dir, nil
	}
	return "", usagef("--out %s: no fresh directory for %s; clean it up", out, stamp)
}

// abRound runs side s once for round r and reads the file it wrote.
func abRound(o *ABOptions, s *abSide, dir string, r int) (*results.File, error) {
	path := filepath.Join(dir, s.name, fmt.Sprintf("round%d.json", r))
	args := append([]string{"run", "--repeat", "1", "--label", s.name}, o.RunArgs...)
	args = append(append(args, s.extra...), "--out", path, "--format", "csv")
	fmt.Fprintf(o.Compare.Stderr, "ipcbench ab: round %d/%d: %s\n", r, o.Rounds, s.name)
	cmd := exec.Command(s.bin, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == exitUsage:
		return nil, usagef("ab: %s run rejected its flags: %s", s.name, lastLines(errOut.String(), 3))
	case err != nil:
		fmt.Fprintf(o.Compare.Stderr, "ipcbench ab: round %d: %s run failed (%v); its results are in %s:\n%s\n", r, s.name, err, path, lastLines(errOut.String(), 10))
		return nil, exitError{exitFailure}
	}
	f, err := results.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ab: round %d %s: %w", r, s.name, err)
	}
	return f, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// loadRow is a row of the per-round interference table.
func loadRow(round int, side string, position int, f *results.File) []string {
	row := []string{fmt.Sprint(round), side, []string{"1st", "2nd"}[position]}
	h := stats.HostLoadOf([]*results.File{f})
	if h == nil {
		return append(row, "-", "-", "-", "0")
	}
	known := func(name, figure string) string {
		if slices.Contains(h.Unknown, name) {
			return "-"
		}
		return figure
	}
	return append(row, known("steal", fmt.Sprintf("%.1f%%", h.StealShare*100)), known("run_queue_wait", fmt.Sprintf("%.1f%%", h.RunQueueShare*100)),
		known("migrations", fmt.Sprintf("%.1f", h.Migrations)), fmt.Sprint(h.Cases))
}

// writeLoads prints what the host did to each round, so that a round
// that saw more interference than its neighbours is plain to see.
func writeLoads(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUND\tSIDE\tRAN\tSTEAL\tRUN-QUEUE WAIT\tMIGRATIONS/CASE\tCASES")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w, "Host interference per round, averaged over its cases: steal of the CPUs used and run-queue wait of the measuring threads, as shares of the window; - where this kernel does not say.")
	fmt.Fprintln(w)
}
