package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results/store"
)

// docPages are the pages whose ipcbench command lines must keep working,
// relative to this package.
var docPages = []string{"../README.md", "../docs/usage.md"}

// docCommand is one ipcbench command line a page shows: a line of a sh
// code block, or an inline `ipcbench …` span.
type docCommand struct {
	where  string // page:line
	line   string // as the page shows it, without the leading "ipcbench" or "go run ./cmd/ipcbench"
	inline bool
}

// TestDocumentedCommandsRun runs every ipcbench command line that README.md
// and docs/usage.md show, so that a renamed flag or command fails here and
// not in a reader's terminal. Each runs in process in a temporary
// directory where the input files it names exist (copies of a results
// file), with its store a temporary SQLite file; a run's or ab's
// measurement is made short (shortRun, shortAB). A synopsis (`run
// [flags]`, `compare BASE NEW`) or a bare command name is checked through
// --help: the command exists and has the flags shown. A command exiting 2
// (a usage error) fails the test, and so does any exit status that is not
// the command's answer (docExits). Commands that run a benchmark or draw
// plots run in the full lane only; -short checks that their flags parse.
// Lines of sh blocks that are not ipcbench commands (go test, git) are not
// this test's business.
func TestDocumentedCommandsRun(t *testing.T) {
	if _, err := os.Stat("../cmd/ipcbench/main.go"); err != nil {
		t.Fatalf("the docs' go run ./cmd/ipcbench needs it: %v", err)
	}
	fixture, err := filepath.Abs("testdata/golden/run.json")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []docCommand
	for _, page := range docPages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, docCommandsOf(filepath.Base(page), string(text))...)
	}
	if len(cmds) < 20 {
		t.Fatalf("found only %d ipcbench command lines in %v: has the extraction broken?", len(cmds), docPages)
	}
	t.Chdir(t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv(store.EnvURL, "sqlite:"+filepath.Join(t.TempDir(), "store.db"))
	makeInputs(t, fixture, []string{defaultResultsDir + "/"}) // what report with no FILE reads
	for _, c := range cmds {
		t.Run(c.where, func(t *testing.T) { runDocCommand(t, c, fixture) })
	}
}

// inlineCommand is an inline code span holding an ipcbench command line.
var inlineCommand = regexp.MustCompile("`ipcbench((?: [^`]*)?)`")

// docCommandsOf finds page's ipcbench command lines: in sh code blocks
// (a line ending in \ continues on the next), and in inline code spans
// outside any code block.
func docCommandsOf(page, text string) []docCommand {
	var out []docCommand
	fence, held, heldAt := "", "", 0
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "```") {
			if fence == "" {
				fence = strings.TrimPrefix(trimmed, "```") + " " // "sh ", " " for a plain block
			} else {
				fence = ""
			}
			continue
		}
		switch {
		case fence == "":
			for _, m := range inlineCommand.FindAllStringSubmatch(line, -1) {
				out = append(out, docCommand{where: fmt.Sprintf("%s:%d", page, n), line: strings.TrimSpace(m[1]), inline: true})
			}
		case fence == "sh ":
			if held == "" {
				heldAt = n
			}
			if cont, ok := strings.CutSuffix(line, `\`); ok {
				held += cont + " "
				continue
			}
			line, held = held+line, ""
			for _, prefix := range []string{"ipcbench", "go run ./cmd/ipcbench"} {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok && (rest == "" || rest[0] == ' ') {
					rest, _, _ = strings.Cut(rest, " #") // the comment
					out = append(out, docCommand{where: fmt.Sprintf("%s:%d", page, heldAt), line: strings.TrimSpace(rest)})
				}
			}
		}
	}
	return out
}

// runDocCommand runs or checks one documented command line.
func runDocCommand(t *testing.T, c docCommand, fixture string) {
	args, stdoutTo := shellWords(c.line)
	if len(args) == 0 { // the program's name alone: its help must work
		args = []string{"--help"}
	}
	if reason := docCommandNotRun(args); reason != "" {
		t.Skipf("ipcbench %s: not run: %s", c.line, reason)
	}
	for i, a := range args { // two builds: this test binary, the ipcbench command line under cliEnv
		if a == "BASE_BIN" || a == "NEW_BIN" {
			args[i] = os.Args[0]
		}
	}
	if isSynopsis(args) || c.inline && len(args) == 1 {
		checkSynopsis(t, c, args)
		return
	}
	switch args[0] {
	case "run":
		args = shortRun(args)
	case "ab":
		args = shortAB(t, args)
	}
	if slices.Contains([]string{"run", "report", "ab"}, args[0]) && testing.Short() {
		checkFlagsParse(t, c, args)
		t.Skipf("ipcbench %s: runs a benchmark or draws plots: run in the full lane; -short checked that its flags parse", c.line)
	}
	makeInputs(t, fixture, args)
	code, stdout, stderr := runCLI(args...)
	want := docExits[args[0]]
	if want == nil {
		want = []int{exitOK}
	}
	switch {
	case code == exitUsage:
		t.Errorf("%s: ipcbench %s: exit 2, a usage error: the documented command line no longer works (run as %q):\n%s", c.where, c.line, args, stderr)
	case !slices.Contains(want, code):
		t.Errorf("%s: ipcbench %s: exit %d, want one of %v (run as %q):\n%s", c.where, c.line, code, want, args, stderr)
	}
	if stdoutTo != "" {
		if err := os.WriteFile(stdoutTo, []byte(stdout), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// docExits are the exit statuses that are a command's answer rather than
// its failure; a command not named may only exit 0.
var docExits = map[string][]int{
	"compare": {exitOK, exitFailure, exitUntested}, // a regression, or untested: the data's answer
	"history": {exitOK, exitFailure, exitUntested},
	"changes": {exitOK, exitFailure, exitUntested},
	"ab":      {exitOK, exitFailure, exitUntested},
	"doctor":  {exitOK, exitFailure}, // 1: a finding on this host
	"clean":   {exitOK, exitFailure}, // --dry-run: 1 where other runs left something behind
}

// docCommandNotRun is why a documented command line is not run here, or
// "" where it is.
func docCommandNotRun(args []string) string {
	line := strings.Join(args, " ")
	switch {
	case strings.Contains(line, "postgres://") || strings.Contains(line, "postgresql://"):
		return "needs a PostgreSQL server (the store's tests run one)"
	case strings.Contains(line, "http://") || strings.Contains(line, "https://"):
		return "needs the network"
	case args[0] == "clean" && !slices.Contains(args, "--dry-run") && !isSynopsis(args):
		return "removes what other runs on this host left behind; clean's tests run it on their own objects"
	}
	return ""
}

// shellWords splits a sh command line into words: quotes group, # starts
// a comment, and "> FILE" is where stdout goes (stdoutTo).
func shellWords(line string) (args []string, stdoutTo string) {
	var word strings.Builder
	inWord, quote, toStdout := false, rune(0), false
	flush := func() {
		if !inWord {
			return
		}
		if toStdout {
			stdoutTo, toStdout = word.String(), false
		} else {
			args = append(args, word.String())
		}
		word.Reset()
		inWord = false
	}
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			flush()
		case r == '#' && !inWord:
			flush()
			return args, stdoutTo
		case r == '>' && !inWord:
			toStdout = true
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return args, stdoutTo
}

// placeholder is a word that stands for something the reader gives:
// BASE, DIR|FILE…, [flags].
var placeholder = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$|[\[\]|…]`)

// isSynopsis says whether args show a command's form rather than a
// command line to run.
func isSynopsis(args []string) bool {
	return slices.ContainsFunc(args, placeholder.MatchString)
}

// commandWord is a command name, or alternatives of them (add|ls).
var commandWord = regexp.MustCompile(`^[a-z][a-z-]*(\|[a-z][a-z-]*)*$`)

// checkSynopsis checks that the commands a synopsis names exist (each of
// store add|ls, say), and that their --help shows each flag it shows.
func checkSynopsis(t *testing.T, c docCommand, args []string) {
	paths := [][]string{nil}
	for _, w := range args {
		if !commandWord.MatchString(w) {
			break
		}
		var next [][]string
		for _, p := range paths {
			for _, alt := range strings.Split(w, "|") {
				next = append(next, append(slices.Clone(p), alt))
			}
		}
		paths = next
	}
	for _, p := range paths {
		root := newRootCmd(io.Discard, io.Discard)
		root.InitDefaultCompletionCmd() // cobra adds `completion` when it executes, not before
		if cmd, _, err := root.Find(p); err != nil || cmd.CommandPath() != strings.Join(append([]string{"ipcbench"}, p...), " ") {
			t.Errorf("%s: ipcbench %s: ipcbench has no command %q", c.where, c.line, strings.Join(p, " "))
			continue
		}
		code, help, stderr := runCLI(append(p, "--help")...)
		if code != exitOK {
			t.Errorf("%s: ipcbench %s --help: exit %d:\n%s", c.where, strings.Join(p, " "), code, stderr)
		}
		for _, w := range args {
			if flag := strings.Trim(w, "[]"); strings.HasPrefix(flag, "-") && !strings.Contains(help, flag) {
				t.Errorf("%s: ipcbench %s: %s is not in ipcbench %s --help", c.where, c.line, flag, strings.Join(p, " "))
			}
		}
	}
}

// checkFlagsParse checks what -short does not run: that its command
// exists and takes its flags and arguments.
func checkFlagsParse(t *testing.T, c docCommand, args []string) {
	cmd, rest, err := newRootCmd(io.Discard, io.Discard).Find(joinStoreURL(args))
	switch {
	case err != nil:
		t.Errorf("%s: ipcbench %s: %v", c.where, c.line, err)
	case cmd.DisableFlagParsing:
		// parses its own flags when it runs (ab): the full lane runs it
	default:
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%s: ipcbench %s: %v", c.where, c.line, err)
		} else if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
			t.Errorf("%s: ipcbench %s: %v", c.where, c.line, err)
		}
	}
}

// makeInputs makes each input file args names that is missing: a NAME.json
// (not an output: -o, --out, --plot) as a copy of fixture, a DIR/ holding
// two copies.
func makeInputs(t *testing.T, fixture string, args []string) {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if i > 0 && slices.Contains([]string{"-o", "--out", "--plot"}, args[i-1]) || strings.HasPrefix(a, "-") {
			continue
		}
		var files []string
		switch {
		case strings.HasSuffix(a, ".json"):
			files = []string{a}
		case strings.HasSuffix(a, "/"):
			files = []string{filepath.Join(a, "a.json"), filepath.Join(a, "b.json")}
		}
		for _, f := range files {
			if _, err := os.Stat(f); err == nil {
				continue
			}
			if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// shortRun is a documented run made short: 2 rounds of 25 ms (or 200
// messages where it gives --count, 2 repeats of 25 ms where it gives
// --repeat), no warm-up, pipe alone where it names no transports. The
// flags it shows stay, so that a renamed transport or workload fails.
func shortRun(args []string) []string {
	switch {
	case hasFlag(args, "count"):
		args = setFlag(args, "count", "200")
	case hasFlag(args, "repeat"):
		args = setFlag(setFlag(args, "repeat", "2"), "duration", "25ms")
	default:
		args = setFlag(setFlag(args, "duration", "50ms"), "rounds", "2")
	}
	if !hasFlag(args, "transports") {
		args = setFlag(args, "transports", "pipe")
	}
	return setFlag(args, "warmup", "0")
}

// shortAB is a documented ab made short and self-contained (its builds
// this test binary, which runs the ipcbench command line under cliEnv): 4
// rounds of one 50 ms pipe window a size, into a temporary directory.
func shortAB(t *testing.T, args []string) []string {
	t.Setenv(cliEnv, "1")
	args = setFlag(setFlag(setFlag(args, "rounds", "4"), "duration", "50ms"), "warmup", "0")
	if !hasFlag(args, "transports") {
		args = setFlag(args, "transports", "pipe")
	}
	if !hasFlag(args, "sizes") {
		args = setFlag(args, "sizes", "64")
	}
	return setFlag(args, "out", t.TempDir())
}

// hasFlag says whether args give --name.
func hasFlag(args []string, name string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "--"+name || strings.HasPrefix(a, "--"+name+"=") })
}

// setFlag gives --name the value in args: in place where args give it
// (as --name value or --name=value), else at the end.
func setFlag(args []string, name, value string) []string {
	args = slices.Clone(args)
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--"+name+"="):
			args[i] = "--" + name + "=" + value
			return args
		case a == "--"+name && i+1 < len(args):
			args[i+1] = value
			return args
		}
	}
	return append(args, "--"+name, value)
}

// TestDocCommandsOf: what the extraction takes from a page, and what it
// leaves (other blocks' lines, commands of other programs).
func TestDocCommandsOf(t *testing.T) {
	page := "Run `ipcbench list` first; `ipcbench-results/` is a directory.\n" +
		"```sh\n" +
		"go run ./cmd/ipcbench run --sizes 64   # a comment\n" +
		"ipcbench ab BASE_BIN NEW_BIN \\\n" +
		"  --workloads pingpong\n" +
		"go test ./...\n" +
		"```\n" +
		"```\n" +
		"ipcbench run   (output, not a command)\n" +
		"```\n"
	want := []docCommand{
		{where: "p.md:1", line: "list", inline: true},
		{where: "p.md:3", line: "run --sizes 64"},
		{where: "p.md:4", line: "ab BASE_BIN NEW_BIN    --workloads pingpong"},
	}
	if got := docCommandsOf("p.md", page); !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, tc := range []struct {
		line, stdoutTo string
		args           []string
	}{
		{"export --format benchfmt new.json > new.txt", "new.txt", []string{"export", "--format", "benchfmt", "new.json"}},
		{`ab a b --new-args "--test-send-delay pipe=2us"`, "", []string{"ab", "a", "b", "--new-args", "--test-send-delay pipe=2us"}},
		{"list # a comment", "", []string{"list"}},
	} {
		if args, to := shellWords(tc.line); !slices.Equal(args, tc.args) || to != tc.stdoutTo {
			t.Errorf("shellWords(%q) = %q, %q; want %q, %q", tc.line, args, to, tc.args, tc.stdoutTo)
		}
	}
}
