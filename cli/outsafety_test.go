package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// reportGateEnv makes a runner started by startCLI stop before rendering
// a report until a signal has cancelled it, so that a test can signal it
// in its report phase without racing the rendering.
const reportGateEnv = "IPCBENCH_TEST_REPORT_GATE"

func init() {
	if os.Getenv(reportGateEnv) == "1" {
		beforeReport = func(ctx context.Context) {
			fmt.Fprintln(os.Stderr, "test: in the report phase")
			<-ctx.Done()
		}
	}
}

const runA = "../report/testdata/run-a.json"

// quickRun is a run of a few milliseconds.
var quickRun = []string{"run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "50", "--warmup", "0"}

// TestReportReplacesOnlyWhatItWrote is defect 1: report -o onto a user's
// directory deleted its files; onto a results file turned it into a
// directory; -o . and -o "" failed late with exit 1.
func TestReportReplacesOnlyWhatItWrote(t *testing.T) {
	for _, tc := range []struct {
		name  string
		make  func(t *testing.T) string // returns -o
		extra []string
		code  int
		want  string
	}{
		{"user's directory", func(t *testing.T) string { return userDocs(t) }, nil, exitUsage, "--force"},
		{"user's directory, --force", func(t *testing.T) string { return userDocs(t) }, []string{"--force"}, exitOK, "report:"},
		{"earlier report", func(t *testing.T) string {
			if code, _, stderr := runCLI("report", runAbs, "-o", "rep", "--format", "markdown"); code != 0 {
				t.Fatal(stderr)
			}
			return "rep"
		}, nil, exitOK, "report:"},
		{"results file", func(t *testing.T) string { return copyFile(t, runAbs, "keep.json") }, []string{"--force"}, exitUsage, "keep.json is a regular file"},
		{"current directory", func(t *testing.T) string { os.WriteFile("notes.txt", nil, 0o644); return "." }, []string{"--force"}, exitUsage, "current directory"},
		{"empty", func(t *testing.T) string { return "" }, nil, exitUsage, "--out is empty"},
		{"symlink", func(t *testing.T) string {
			os.Mkdir("elsewhere", 0o755)
			os.Symlink("elsewhere", "link")
			return "link"
		}, []string{"--force"}, exitUsage, "symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			out := tc.make(t)
			before := tree(t, ".")
			args := append([]string{"report", runAbs, "-o", out, "--format", "markdown"}, tc.extra...)
			code, _, stderr := runCLI(args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("%v: exit %d, stderr %q; want %d and %q", args, code, stderr, tc.code, tc.want)
			}
			if code != exitOK && tree(t, ".") != before {
				t.Errorf("a refused report changed the directory:\nbefore %s\nafter  %s", before, tree(t, "."))
			}
		})
	}
}

// TestRunOutMustBeARegularFile is defects 3 and 5: --out onto a device,
// FIFO, socket, directory or symbolic link ran the whole run, then
// replaced the device or failed with exit 1. It must be exit 2 before the
// run, the thing at --out untouched; so must a file that holds no results.
func TestRunOutMustBeARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) }, "is a directory"},
		{"fifo", func(t *testing.T, p string) { unix.Mkfifo(p, 0o600) }, "is a FIFO"},
		{"socket", func(t *testing.T, p string) {
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Skipf("unix socket: %v", err)
			}
			t.Cleanup(func() { l.Close() })
		}, "is a socket"},
		{"device", func(t *testing.T, p string) {
			// A /dev/full of the test's own, so that a failure destroys nothing.
			if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
				t.Skipf("mknod needs root: %v", err)
			}
		}, "is a character device"},
		{"symlink", func(t *testing.T, p string) { os.Symlink(filepath.Join(filepath.Dir(p), "target.json"), p) }, "symbolic link"},
		{"user's file", func(t *testing.T, p string) { os.WriteFile(p, []byte("package main\n"), 0o644) }, "--force"},
		{"trailing slash", func(*testing.T, string) {}, "names a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			tc.make(t, out)
			if tc.name == "trailing slash" {
				out = filepath.Join(dir, "new") + "/"
			}
			before := tree(t, dir)
			code, stdout, stderr := runCLI(append(quickRun, "--out", out)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, out) {
				t.Fatalf("exit %d, stderr %q; want 2, naming %s and %q", code, stderr, out, tc.want)
			}
			if stdout != "" || strings.Contains(stderr, "[1/") {
				t.Errorf("the run went ahead:\n%s%s", stdout, stderr)
			}
			if after := tree(t, dir); after != before {
				t.Errorf("--out changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestRunOutReplacesResultsOrForce: an earlier results file at --out is
// replaced, as is any regular file with --force.
func TestRunOutReplacesResultsOrForce(t *testing.T) {
	dir := t.TempDir()
	out := copyFile(t, runA, filepath.Join(dir, "r.json"))
	if code, _, stderr := runCLI(append(quickRun, "--out", out)...); code != exitOK {
		t.Fatalf("over a results file: exit %d: %s", code, stderr)
	}
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("mine"), 0o600)
	if code, _, stderr := runCLI(append(quickRun, "--out", notes, "--force")...); code != exitOK {
		t.Fatalf("--force over a file: exit %d: %s", code, stderr)
	}
	if !results.IsResultsFile(notes) {
		t.Error("--force did not write the results")
	}
}

// TestRunPrintsTheTableWhenTheWriteFails is defect 5: a results file that
// cannot be written at the end (a full disk) lost the whole run. The
// table must still be printed, with a word that nothing was saved; exit 1.
// The write fails as a full disk makes it fail, and, as root, on a real
// full filesystem: a 4 KiB tmpfs.
func TestRunPrintsTheTableWhenTheWriteFails(t *testing.T) {
	t.Run("injected", func(t *testing.T) {
		real := saveResults
		saveResults = func(path string, f *results.File, force bool) error {
			return fmt.Errorf("write results to %s: write %s.tmp: %w", path, path, syscall.ENOSPC)
		}
		t.Cleanup(func() { saveResults = real })
		checkNothingSaved(t, filepath.Join(t.TempDir(), "r.json"))
	})
	t.Run("tmpfs", func(t *testing.T) {
		dir := t.TempDir()
		if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=4k"); err != nil {
			t.Skipf("mount a 4 KiB tmpfs needs root: %v", err)
		}
		t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
		checkNothingSaved(t, filepath.Join(dir, "r.json"))
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("a failed write left %v", entries)
		}
	})
}

func checkNothingSaved(t *testing.T, out string) {
	t.Helper()
	code, stdout, stderr := runCLI(append(quickRun, "--out", out)...)
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stdout, "TRANSPORT") || !strings.Contains(stdout, "pipe") {
		t.Errorf("no table on stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "nothing was saved") || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("stderr does not say that nothing was saved, and why:\n%s", stderr)
	}
	if strings.Contains(stderr, "results: "+out) {
		t.Errorf("stderr claims the results are in %s:\n%s", out, stderr)
	}
}

// TestDefaultDirsDoNotFollowSymlinks is defect 9's second half: a symbolic
// link planted at ./ipcbench-results or ./ipcbench-report (in a shared
// directory, say) was followed. It must be exit 2 naming the path, before
// the run, with nothing written where it points.
func TestDefaultDirsDoNotFollowSymlinks(t *testing.T) {
	for _, tc := range []struct {
		link string
		args []string
	}{
		{defaultResultsDir, quickRun},
		{defaultReportDir, append(quickRun, "--report")},
		{defaultReportDir, []string{"report", runA}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := tc.args
			if args[0] == "report" {
				args = []string{"report", runAbs}
			}
			t.Chdir(t.TempDir())
			os.Mkdir("victim", 0o755)
			os.Symlink("victim", tc.link)
			code, stdout, stderr := runCLI(args...)
			if code != exitUsage || !strings.Contains(stderr, tc.link) || !strings.Contains(stderr, "symbolic link") {
				t.Fatalf("exit %d, stderr %q; want 2 naming %s as a symbolic link", code, stderr, tc.link)
			}
			if stdout != "" {
				t.Errorf("the run went ahead:\n%s", stdout)
			}
			if entries, _ := os.ReadDir("victim"); len(entries) != 0 {
				t.Errorf("wrote through the link: %v", entries)
			}
		})
	}
}

// TestSignalInReportPhase: a SIGINT while run --report renders its report
// exited 0. It must exit 130 with the results saved and no report, as
// must a SIGTERM to ipcbench report (143), leaving no temporary directory.
func TestSignalInReportPhase(t *testing.T) {
	t.Setenv(reportGateEnv, "1")
	for _, tc := range []struct {
		name string
		args []string
		sig  syscall.Signal
		code int
	}{
		{"run --report SIGINT", append(quickRun, "--report"), syscall.SIGINT, 130},
		{"report SIGTERM", []string{"report", runA, "-o", "rep"}, syscall.SIGTERM, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] == "report" {
				args = append([]string{"report", runAbs}, args[2:]...)
			}
			t.Chdir(t.TempDir())
			cmd, sc, _ := startCLI(t, args...)
			waitFor(t, sc, "in the report phase")
			cmd.Process.Signal(tc.sig)
			rest := waitFor(t, sc, "no report written")
			go drain(sc)
			if code := exitCode(t, cmd, 10e9); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, rest)
			}
			entries, _ := os.ReadDir(".")
			for _, e := range entries {
				if e.Name() != defaultResultsDir {
					t.Errorf("left %s behind", e.Name())
				}
			}
			if args[0] == "run" {
				files, _ := filepath.Glob(filepath.Join(defaultResultsDir, "*.json"))
				if len(files) != 1 || !results.IsResultsFile(files[0]) {
					t.Errorf("results not saved: %v", files)
				}
			}
		})
	}
}

func userDocs(t *testing.T) string {
	os.MkdirAll("docs/sub", 0o755)
	os.WriteFile("docs/notes.txt", []byte("mine"), 0o644)
	os.WriteFile("docs/sub/more.txt", []byte("mine"), 0o644)
	return "docs"
}

func copyFile(t *testing.T, from, to string) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return to
}

// runAbs is run-a.json's absolute path, for tests that change directory.
var runAbs, _ = filepath.Abs(runA)

// tree lists every path under root with its type and size.
func tree(t *testing.T, root string) string {
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			fi, _ := d.Info()
			fmt.Fprintf(&b, "%s:%s:%d ", p, d.Type(), fi.Size())
		}
		return nil
	})
	return b.String()
}

// TestReportNewestSkipsWhatIsNotAFile: a dangling symlink among the
// default results made report with no FILE panic.
func TestReportNewestSkipsWhatIsNotAFile(t *testing.T) {
	t.Chdir(t.TempDir())
	os.Mkdir(defaultResultsDir, 0o755)
	os.Symlink("/nonexistent", filepath.Join(defaultResultsDir, "a.json"))
	os.Mkdir(filepath.Join(defaultResultsDir, "d.json"), 0o755)
	copyFile(t, runAbs, filepath.Join(defaultResultsDir, "b.json"))
	if code, _, stderr := runCLI("report", "--format", "markdown"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestHistoryPlotReplacesOnlyItsOwnPlot is item 7: history --plot
// replaced any regular file (echo notes > notes.svg; history … --plot
// notes.svg lost the notes). It must refuse a file ipcbench did not write,
// with exit 2 before the history is printed and the file intact; replace it
// with --force; and replace a plot it wrote without being asked.
func TestHistoryPlotReplacesOnlyItsOwnPlot(t *testing.T) {
	in := t.TempDir()
	r1, r2 := writeSynthetic(t, in, "r1", 1, 1), writeSynthetic(t, in, "r2", 2, 1)
	history := func(plot string, extra ...string) (int, string, string) {
		return runCLI(append([]string{"history", r1, r2, "--case", "pipe", "--plot", plot}, extra...)...)
	}
	for _, ext := range []string{"svg", "png"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			notes := filepath.Join(dir, "notes."+ext)
			os.WriteFile(notes, []byte("notes\n"), 0o644)
			code, stdout, stderr := history(notes)
			if code != exitUsage || !strings.Contains(stderr, notes) || !strings.Contains(stderr, "--force") || stdout != "" {
				t.Errorf("--plot over notes: exit %d, stdout %q, stderr %q; want 2 before the work, naming %s and --force", code, stdout, stderr, notes)
			}
			if b, _ := os.ReadFile(notes); string(b) != "notes\n" {
				t.Errorf("--plot changed the notes to %.20q", b)
			}
			if code, _, stderr := history(notes, "--force"); code != exitOK || isNotes(t, notes) {
				t.Errorf("--plot over notes --force: exit %d %q, want 0 and a plot", code, stderr)
			}
			own := filepath.Join(dir, "trend."+ext)
			for i := range 2 { // writes, then replaces its own plot
				if code, _, stderr := history(own); code != exitOK {
					t.Errorf("--plot %s, time %d: exit %d %q, want 0", own, i+1, code, stderr)
				}
			}
		})
	}
}

func isNotes(t *testing.T, path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) == "notes\n"
}

// failingWriter fails every write, as stdout on a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutFailureExits1 is item 10's "> /dev/full": store ls, store
// info, clean --dry-run (and every other command) exited 0 when stdout
// could not be written. They must exit 1 and say why on stderr.
func TestStdoutFailureExits1(t *testing.T) {
	t.Setenv("IPCBENCH_LEDGER_BASE", t.TempDir()) // clean sees this test's ledgers only
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("TMPDIR", t.TempDir())
	db := filepath.Join(t.TempDir(), "s.db")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Logf("no /dev/full (%v): the injected failure only", err)
	}
	for _, args := range [][]string{
		{"store", "info", "--store", db},
		{"store", "ls", "--store", db},
		{"clean", "--dry-run"},
		{"list"},
		{"version"},
		{"export", runA},
	} {
		writers := map[string]io.Writer{"failing writer": failingWriter{}}
		if full != nil {
			writers["/dev/full"] = full
		}
		for name, w := range writers {
			var stderr bytes.Buffer
			code := run(args, w, &stderr)
			if code != exitFailure || !strings.Contains(stderr.String(), "ipcbench: write stdout: ") || !strings.Contains(stderr.String(), "no space left on device") {
				t.Errorf("%s > %s: exit %d, stderr %q; want 1 and \"ipcbench: write stdout: …\"", strings.Join(args, " "), name, code, stderr.String())
			}
		}
	}
	if full != nil {
		full.Close()
	}
}

// TestRunKeepsAFilePutAtOutDuringTheRun: --out is checked before the run,
// and again at the rename: a file that is not ipcbench results, put at
// --out while the run measured, is kept (exit 1, the table printed);
// with --force it is replaced.
func TestRunKeepsAFilePutAtOutDuringTheRun(t *testing.T) {
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("force=%v", force), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.json")
			real := saveResults
			saveResults = func(p string, f *results.File, force bool) error {
				if err := os.WriteFile(p, []byte("notes\n"), 0o644); err != nil {
					return err
				}
				return real(p, f, force)
			}
			t.Cleanup(func() { saveResults = real })
			args := []string{"run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "200", "-o", path}
			if force {
				args = append(args, "--force")
			}
			code, out, errOut := runCLI(args...)
			data, _ := os.ReadFile(path)
			switch {
			case !force && (code != exitFailure || string(data) != "notes\n" || !strings.Contains(errOut, "holds no ipcbench results")):
				t.Errorf("exit %d, file notes kept %v, stderr %q; want 1, the notes kept, and why", code, string(data) == "notes\n", errOut)
			case force && (code != exitOK || !results.IsResultsFile(path)):
				t.Errorf("--force: exit %d, results written %v, stderr %q; want 0 and results", code, results.IsResultsFile(path), errOut)
			case !strings.Contains(out, "pipe"):
				t.Errorf("no table printed:\n%s", out)
			}
		})
	}
}
