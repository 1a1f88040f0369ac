package report

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"golang.org/x/sys/unix"
	"gonum.org/v1/plot"
)

// TestWriteReplacesOnlyItsOwnReport puts at the report's directory what a
// user might have there. WriteDir must replace only a report it wrote (its
// marker, and nothing added since), or, with force, a directory; never a
// symbolic link, a file or the current directory.
func TestWriteReplacesOnlyItsOwnReport(t *testing.T) {
	in := oneCase(t)
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, dir string)
		force   bool
		replace bool
	}{
		{"absent", func(*testing.T, string) {}, false, true},
		{"earlier report", func(t *testing.T, dir string) { mustWrite(t, dir, in) }, false, true},
		{"user's directory", userDir, false, false},
		{"user's directory, force", userDir, true, true},
		{"report with a user's file added", func(t *testing.T, dir string) {
			mustWrite(t, dir, in)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
		}, false, false},
		{"results file", func(t *testing.T, dir string) { os.WriteFile(dir, []byte(`{"schema": "ipcbench/results/v1"}`), 0o644) }, true, false},
		{"symlink to a report", func(t *testing.T, dir string) {
			target := dir + "-target"
			mustWrite(t, target, in)
			os.Symlink(target, dir)
		}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "docs")
			tc.make(t, dir)
			before := snapshot(parent)
			err := WriteDir(context.Background(), dir, in, Both, tc.force, Options{})
			if tc.replace {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(dir, Marker)); err != nil {
					t.Errorf("the report carries no marker: %v", err)
				}
				if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err == nil && !tc.force {
					t.Error("notes.txt survived into the report")
				}
				return
			}
			if !errors.Is(err, ErrNotReport) {
				t.Fatalf("WriteDir: %v, want ErrNotReport", err)
			}
			if after := snapshot(parent); after != before {
				t.Errorf("a refused WriteDir changed %s:\nbefore %s\nafter  %s", parent, before, after)
			}
		})
	}
}

// TestWriteKeepsAFileAddedWhileItWorked: a file put in an earlier report
// after WriteDir first checked it, but before the report was moved aside,
// keeps the directory, and WriteDir refuses.
func TestWriteKeepsAFileAddedWhileItWorked(t *testing.T) {
	in := oneCase(t)
	dir := filepath.Join(t.TempDir(), "docs")
	mustWrite(t, dir, in)
	beforeMoveAside = func(dir string) { os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644) }
	t.Cleanup(func() { beforeMoveAside = nil })
	if err := WriteDir(context.Background(), dir, in, Both, false, Options{}); !errors.Is(err, ErrNotReport) {
		t.Fatalf("WriteDir: %v, want ErrNotReport", err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(data) != "mine" {
		t.Errorf("notes.txt: %q, %v; want it kept in %s", data, err, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, Marker)); err != nil {
		t.Errorf("the earlier report is gone from %s: %v", dir, err)
	}
}

func TestWriteRefusesTheCurrentDirectory(t *testing.T) {
	in := oneCase(t)
	t.Chdir(t.TempDir())
	os.WriteFile("notes.txt", nil, 0o644)
	for _, dir := range []string{".", "./", "..", "/"} {
		if err := WriteDir(context.Background(), dir, in, Markdown, false, Options{}); !errors.Is(err, ErrNotReport) {
			t.Errorf("WriteDir(%q): %v, want ErrNotReport", dir, err)
		}
	}
	if _, err := os.Stat("notes.txt"); err != nil {
		t.Fatal(err)
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	parent := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("SIGINT"))
	err := WriteDir(ctx, filepath.Join(parent, "rep"), oneCase(t), Both, false, Options{})
	if err == nil || err.Error() != "SIGINT" {
		t.Fatalf("WriteDir after cancel: %v, want the cause", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a cancelled WriteDir left %v", entries)
	}
}

// oneCase is run-a.json cut to its first case: these tests check which
// files WriteDir keeps and replaces, not what the report shows, and one
// case renders in a small part of the time that 36 take.
func oneCase(t *testing.T) []Input {
	t.Helper()
	in := load(t, "run-a.json")
	in[0].File.Cases = in[0].File.Cases[:1]
	return in
}

func userDir(t *testing.T, dir string) {
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
}

func mustWrite(t *testing.T, dir string, in []Input) {
	t.Helper()
	if err := WriteDir(context.Background(), dir, in, Markdown, false, Options{}); err != nil {
		t.Fatal(err)
	}
}

// snapshot lists every path under root with its type.
func snapshot(root string) string {
	var s string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			s += p + ":" + d.Type().String() + " "
		}
		return nil
	})
	return s
}

// TestSavePlotReplacesOnlyARegularFile: history --plot onto a FIFO or a
// directory renamed the plot over it; a device as root.
func TestSavePlotReplacesOnlyARegularFile(t *testing.T) {
	p := plot.New()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.png")
	unix.Mkfifo(fifo, 0o600)
	sub := filepath.Join(dir, "sub.png")
	os.Mkdir(sub, 0o755)
	for _, path := range []string{fifo, sub} {
		if err := SavePlot(p, path); !errors.Is(err, safeout.ErrNotRegular) {
			t.Errorf("SavePlot(%s): %v, want ErrNotRegular", path, err)
		}
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO is now %v", fi.Mode())
	}
}

// TestWriteRefusesAnotherUsersReport: a report directory, marker and all,
// that another user made (in a shared directory, for root to delete) is
// not the caller's to replace.
func TestWriteRefusesAnotherUsersReport(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root")
	}
	dir := filepath.Join(t.TempDir(), "rep")
	in := oneCase(t)
	mustWrite(t, dir, in)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(context.Background(), dir, in, Markdown, false, Options{}); !errors.Is(err, ErrNotReport) {
		t.Fatalf("WriteDir over another user's report: %v, want ErrNotReport", err)
	}
}

// TestAbortRemovesBuildDirs: a command that exits at once on a second
// signal removes the build directory of the report in progress.
func TestAbortRemovesBuildDirs(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), ".ipcbench-report-1")
	os.MkdirAll(filepath.Join(tmp, "sub"), 0o755)
	defer building.add(tmp)()
	Abort()
	if _, err := os.Lstat(tmp); !os.IsNotExist(err) {
		t.Errorf("Abort left %s: %v", tmp, err)
	}
}
