package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultABDir is where ab makes a fresh directory per invocation.
const defaultABDir = "ipcbench-ab"

// abOptions configures ipcbench ab.
type abOptions struct {
	BaseBin, NewBin string
	Rounds          int
	// Out is the directory in which ab makes a fresh, timestamped
	// directory for this invocation's files; it never replaces anything.
	Out string
	// RunArgs go to both sides' run; BaseArgs and NewArgs to one side
	// only (split on spaces), e.g. NewArgs "--test-send-delay pipe=2us".
	RunArgs           []string
	BaseArgs, NewArgs string
	// RoundTimeout is --round-timeout: how long one side's run of a round
	// may take before ab calls it hung; "" derives it from the run flags.
	RoundTimeout string
	Compare      compareOptions
}

func newCmdAB(stdout, stderr io.Writer) *cobra.Command {
	opts := &abOptions{Compare: compareOptions{Stdout: stdout, Stderr: stderr}}
	cmd := &cobra.Command{
		Use:   "ab BASE_BIN NEW_BIN [flags] [run flags]",
		Short: "Run two ipcbench builds in alternating rounds on this machine and compare them; exit 1 on a regression",
		Long: `ab runs two builds of ipcbench (BASE_BIN and NEW_BIN, paths to their
binaries) in alternating rounds on this machine, so that both see the same
host drift: each round runs both, one after the other, each a full
"BIN run --repeat 1 [run flags] --out DIR/SIDE/ROUND.json"; odd rounds run
base first, even rounds new first. It then prints each round's host
interference (steal, run-queue wait, migrations), pools each side's files
and compares them as compare does, each file's median one sample, so that
rounds, not repetitions, are the independent unit: 4 rounds are the fewest
a U test can judge, 6 give confidence intervals; the default is 10.

Each metric is judged on its own. Without --metric, a percentile whose
rounds hold fewer than 100 samples beyond it (p99 of a short run) is left
out, and the comparison says so on one line, while the case's other
metrics are tested; where --metric names it, the case is untested.

The flags below are ab's; flags that ab does not know go to run on both
sides (ipcbench run --help lists them); --base-args and
--new-args add flags to one side only (to check the gate itself, --new-args
"--test-send-delay pipe=2us" slows the new side's pipe and must exit 1).
Everything after -- goes to run. ab writes into a fresh directory
OUT/<timestamp>/ (base/ and new/ hold the rounds' files, which compare
reads again), and never replaces what is there.

ab trusts neither binary: each must answer "BIN version" as ipcbench does,
within 10 s. Each round's run gets a deadline: the time limits of its cases
(run --timeout, or 10 s plus twice warm-up and duration) plus 3 min, or
--round-timeout; past it ab stops the run (SIGTERM, then SIGKILL 10 s
later) with its process group. SIGINT, SIGTERM, SIGHUP and SIGQUIT are
passed on to the run in flight, which ab waits for (a second signal kills
it at once) before it exits 128+n. Of each run's stderr ab keeps the last
64 KiB.

Exit status: that of compare: 0 no regression, every matched case tested;
1 a regression, or a round's run failed or outlived its deadline; 2 bad
flags, or a binary that is not ipcbench; 3 untested (--allow-untested
makes it 0); 128+n ended by signal n.`,
		Example: `  go build -o /tmp/ipcbench-base ./cmd/ipcbench   # in the baseline's checkout
  go build -o /tmp/ipcbench-new ./cmd/ipcbench
  ipcbench ab /tmp/ipcbench-base /tmp/ipcbench-new --transports pipe,unix-stream --workloads pingpong --sizes 64 --duration 300ms --cpus 0,1
  ipcbench ab /tmp/ipcbench-new /tmp/ipcbench-new --rounds 8 --metric p50 --new-args "--test-send-delay pipe=2us"`,
		// ab parses its arguments itself, to pass run's flags through;
		// its own flags are also registered on the command for help.
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
	cmd.Flags().AddFlagSet(abFlags(&abOptions{}))
	return cmd
}

// abFlags registers ab's own flags; every other flag is run's.
func abFlags(o *abOptions) *pflag.FlagSet {
	f := pflag.NewFlagSet("ab", pflag.ContinueOnError)
	f.SetOutput(io.Discard)
	f.IntVar(&o.Rounds, "rounds", 10, "alternations of base and new, each side one run --repeat 1 a round; at least 4 for a U test")
	f.StringVar(&o.Out, "out", "", "directory for a fresh timestamped directory of this invocation's files (default ./"+defaultABDir+")")
	f.StringVar(&o.BaseArgs, "base-args", "", "run flags for the base side only, space-separated")
	f.StringVar(&o.NewArgs, "new-args", "", `run flags for the new side only, space-separated, e.g. "--test-send-delay pipe=2us"`)
	f.StringVar(&o.RoundTimeout, "round-timeout", "", "how long one side's run of a round may take before ab stops it as hung (default: its cases' time limits plus "+abRoundMargin.String()+")")
	f.StringSliceVar(&o.Compare.Metrics, "metric", stats.DefaultCompareMetrics, "metrics to compare; a percentile named here is untested, not left out, where its tail is thin")
	f.BoolVar(&o.Compare.AllowUntested, "allow-untested", false, "exit 0, not 3, when cases could not be tested (a regression still exits 1)")
	f.BoolVar(&o.Compare.GateStreamLatency, "gate-stream-latency", false, "compare the latency of stream, stream-inplace and fanin cases even where it measures buffer depth")
	registerVerbose(f, &o.Compare.Verbose)
	o.Compare.significance.register(f, "smallest change for the worse that fails, e.g. 5% or 0.05")
	f.BoolP("help", "h", false, "help for ab")
	return f
}

// parseABArgs splits args into the two binaries, ab's flags and run's
// flags, and checks them.
func parseABArgs(args []string, o *abOptions) error {
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
		if !strings.HasPrefix(a, "--") && len(name) == 1 { // -h, -v
			fl = f.ShorthandLookup(name)
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
	o.Compare.metricsNamed = f.Changed("metric")
	if o.RoundTimeout != "" {
		if d, err := time.ParseDuration(o.RoundTimeout); err != nil || d <= 0 {
			return usagef("--round-timeout %q: want a duration above 0, e.g. 30m or 2h", o.RoundTimeout)
		}
	}
	_, err := o.Compare.significance.parse()
	return err
}

// abSide is one of the two builds.
type abSide struct {
	name, bin string
	extra     []string
	files     []*results.File
	// roundLimit is how long this side's run of a round may take, and
	// limitFrom where that figure comes from, for the message when a run
	// outlives it.
	roundLimit time.Duration
	limitFrom  string
}

// abRoundMargin is what a round's run may take beyond the time limits of
// its cases: its start (host checks), the writing of its results and a
// --store's add, which has a time limit of its own.
const abRoundMargin = 3 * time.Minute

func abRun(o *abOptions) error {
	sides := [2]*abSide{
		{name: "base", bin: o.BaseBin, extra: strings.Fields(o.BaseArgs)},
		{name: "new", bin: o.NewBin, extra: strings.Fields(o.NewArgs)},
	}
	stderr := o.Compare.Stderr
	for _, s := range sides {
		path, err := exec.LookPath(s.bin)
		if err != nil {
			return usagef("ab: %s binary: %v", s.name, err)
		}
		s.bin = path
		if err := setRoundLimit(o, s); err != nil {
			return err
		}
	}
	// From here every child of ab is in a process group of its own, which
	// a terminal's signals do not reach: ab passes them on.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, endSignals...)
	defer signal.Stop(sigs)
	for _, s := range sides {
		if err := checkIpcbench(s, sigs, stderr); err != nil {
			return err
		}
	}
	dir, err := abDir(o.Out, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ipcbench ab: %d rounds into %s\n", o.Rounds, textsafe.Terminal(dir))
	var loads [][]string
	for r := 1; r <= o.Rounds; r++ {
		order := sides
		if r%2 == 0 {
			order = [2]*abSide{sides[1], sides[0]}
		}
		for i, s := range order {
			f, err := abRound(o, s, dir, r, sigs)
			if err != nil {
				return err
			}
			s.files = append(s.files, f)
			loads = append(loads, loadRow(r, s.name, i, f))
		}
	}
	writeLoads(o.Compare.Stdout, loads)
	err = compareFiles(&o.Compare, sides[0].files, sides[1].files, true)
	if sig := pendingSignal(sigs); sig != nil { // came during compare, which is quick
		return exitError{signalExit(sig)}
	}
	return err
}

// setRoundLimit sets s's round deadline: --round-timeout, or the longest
// its run takes while every case keeps to its time limit, plus
// abRoundMargin. The run flags are read as this ipcbench's run reads
// them, in the order abRunArgs gives them to the side's binary.
func setRoundLimit(o *abOptions, s *abSide) error {
	if o.RoundTimeout != "" {
		s.roundLimit, _ = time.ParseDuration(o.RoundTimeout) // checked by parseABArgs
		s.limitFrom = "set by --round-timeout"
		return nil
	}
	ro := &runOptions{}
	args := abRunArgs(o, s, "round.json")[1:]
	fix := "ab derives each round's deadline from them: fix them, or give --round-timeout"
	if err := runCommand(ro).ParseFlags(args); err != nil {
		return usagef("ab: %s run flags: %v; %s", s.name, err, fix)
	}
	p, err := ro.plan()
	if err != nil {
		return usagef("ab: %s run flags: %v; %s", s.name, err, fix)
	}
	caseLimits := p.RunLimit(ro.PairMatrix)
	s.roundLimit = caseLimits + abRoundMargin
	s.limitFrom = fmt.Sprintf("the time limits of its cases, %s, plus %s", caseLimits, abRoundMargin)
	return nil
}

// abRunArgs is the command line of side s's run in one round, writing its
// results to path.
func abRunArgs(o *abOptions, s *abSide, path string) []string {
	args := append([]string{"run", "--repeat", "1", "--label", s.name}, o.RunArgs...)
	return append(append(args, s.extra...), "--out", path, "--format", "csv")
}

// abVersionDeadline bounds "BIN version", which an ipcbench answers at
// once.
const abVersionDeadline = 10 * time.Second

// checkIpcbench refuses, with exit 2, a binary that does not answer
// "BIN version" within abVersionDeadline as ipcbench does: "ipcbench
// VERSION" on its first line.
func checkIpcbench(s *abSide, sigs <-chan os.Signal, stderr io.Writer) error {
	out, errOut := newTailBuffer(tailKeepBytes), newTailBuffer(tailKeepBytes)
	cmd := exec.Command(s.bin, "version")
	cmd.Stdout, cmd.Stderr = out, errOut
	bin := textsafe.Terminal(s.bin)
	what := fmt.Sprintf("%q", s.bin+" version")
	end, err := runABChild(cmd, abVersionDeadline, sigs, stderr, what)
	fix := "give the path of an ipcbench binary (one that has the version command)"
	switch {
	case err != nil:
		return usagef("ab: %s binary %s: %v; %s", s.name, bin, err, fix)
	case end.sig != nil:
		return exitError{signalExit(end.sig)}
	case end.expired:
		return usagef("ab: %s binary %s: %s gave no answer within %s, and was killed; %s", s.name, bin, what, abVersionDeadline, fix)
	case end.err != nil:
		return usagef("ab: %s binary %s: %s failed (%v); %s%s", s.name, bin, what, end.err, fix, colonTail(errOut, 3))
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(first, "ipcbench ") {
		if len(first) > 80 {
			first = first[:80] + "..."
		}
		return usagef("ab: %s binary %s is not ipcbench: %s printed %q, where ipcbench prints \"ipcbench VERSION\"; %s", s.name, bin, what, first, fix)
	}
	return nil
}

// abRound runs side s once for round r and reads the file it wrote.
func abRound(o *abOptions, s *abSide, dir string, r int, sigs <-chan os.Signal) (*results.File, error) {
	stderr := o.Compare.Stderr
	path := filepath.Join(dir, s.name, fmt.Sprintf("round%d.json", r))
	if sig := pendingSignal(sigs); sig != nil {
		fmt.Fprintf(stderr, "ipcbench ab: %s: stopped before round %d %s; the finished rounds' files are in %s\n", signalName(sig), r, s.name, textsafe.Terminal(dir))
		return nil, exitError{signalExit(sig)}
	}
	fmt.Fprintf(stderr, "ipcbench ab: round %d/%d: %s\n", r, o.Rounds, s.name)
	errOut := newTailBuffer(tailKeepBytes)
	cmd := exec.Command(s.bin, abRunArgs(o, s, path)...)
	cmd.Stderr = errOut
	what := fmt.Sprintf("the %s run of round %d", s.name, r)
	end, err := runABChild(cmd, s.roundLimit, sigs, stderr, what)
	if err != nil {
		return nil, fmt.Errorf("ab: round %d: start the %s run (%s): %w", r, s.name, textsafe.Terminal(s.bin), err)
	}
	var ee *exec.ExitError
	switch {
	case end.sig != nil:
		fmt.Fprintf(stderr, "ipcbench ab: %s: %s has ended%s; the finished rounds' files are in %s\n",
			signalName(end.sig), what, resultsNote(path, "its partial results are in"), textsafe.Terminal(dir))
		return nil, exitError{signalExit(end.sig)}
	case end.expired:
		fmt.Fprintf(stderr, "ipcbench ab: round %d: the %s run did not end within its deadline of %s (%s), and was stopped with its process group%s; if it is slow rather than hung, raise the deadline, e.g. --round-timeout %s%s\n",
			r, s.name, s.roundLimit, s.limitFrom, resultsNote(path, "its partial results are in"), 2*s.roundLimit, colonTail(errOut, 10))
		return nil, exitError{exitFailure}
	case errors.As(end.err, &ee) && ee.ExitCode() == exitUsage:
		return nil, usagef("ab: %s run rejected its flags%s", s.name, colonTail(errOut, 3))
	case end.err != nil:
		fmt.Fprintf(stderr, "ipcbench ab: round %d: %s run failed (%v)%s%s\n", r, s.name, end.err, resultsNote(path, "its results are in"), colonTail(errOut, 10))
		return nil, exitError{exitFailure}
	}
	f, err := results.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ab: round %d %s: the run exited 0%s: %w", r, s.name, resultsNote(path, "and wrote"), err)
	}
	return f, nil
}

// resultsNote names the results file at path after what ("its results
// are in"), when the run left one there; a run that crashed or was killed
// may have written none, and ab names only files that exist.
func resultsNote(path, what string) string {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return "; it wrote no results file"
	}
	return "; " + what + " " + textsafe.Terminal(path)
}

// colonTail is ": " and the last n lines of what a child wrote to t, each
// escaped for the terminal and indented, with a note of what t let go;
// "" when the child wrote nothing.
func colonTail(t *tailBuffer, n int) string {
	tail := lastLines(t.String(), n)
	if tail == "" {
		return ""
	}
	if d := t.dropped(); d != "" {
		tail = "  " + d + "\n" + tail
	}
	return ":\n" + tail
}

// lastLines returns the last n lines of s, each escaped for a terminal
// and indented by two spaces; s is a child's output, which ab does not
// trust.
func lastLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = "  " + textsafe.Terminal(l)
	}
	return strings.Join(lines, "\n")
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
