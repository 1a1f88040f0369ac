package harness

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"

	"github.com/ipcbench/ipcbench/results"
)

// WorkerExeName is the small worker binary (cmd/ipcbench-worker) the
// parent starts in place of re-executing itself, where it lies beside the
// parent's own executable and can be shown to be the same build. A worker
// is then a 5 MB binary instead of ipcbench's 39 MB: with both sides on one
// CPU, the same loop linked into a binary the size of ipcbench's took
// 1.025–1.069 of itself in a small one (medians of 30 shuffled rounds),
// the instruction working set that every context switch makes it refetch.
const WorkerExeName = results.WorkerExeSmall

// workerExe is the binary each worker runs: path; name, as recorded
// (WorkerExeName, or WorkerExeSelf); and why.
type workerExe struct{ path, name, reason string }

// WorkerExeSelf names a parent that re-executes itself as its workers.
const WorkerExeSelf = results.WorkerExeSelf

// chosenWorkerExe is decided once a process: every case of a run uses the
// same worker binary.
var chosenWorkerExe = sync.OnceValues(func() (workerExe, error) {
	self, err := os.Executable()
	if err != nil {
		return workerExe{}, fmt.Errorf("find own executable to re-exec workers: %w", err)
	}
	own, _ := debug.ReadBuildInfo()
	return chooseWorkerExe(self, own, buildinfo.ReadFile), nil
})

// chooseWorkerExe picks WorkerExeName beside self where it is a regular
// file (not a link someone planted), owned by this user or root, writable
// by no one else, in a directory where no one else may replace it, and
// built from the same source as self; else self, with the reason. It reads
// the candidate's build information from the file and never runs it to ask.
func chooseWorkerExe(self string, own *debug.BuildInfo, readInfo func(string) (*debug.BuildInfo, error)) workerExe {
	fallback := func(format string, a ...any) workerExe {
		return workerExe{path: self, name: WorkerExeSelf, reason: fmt.Sprintf(format, a...)}
	}
	dir := filepath.Dir(self)
	if di, err := os.Stat(dir); err == nil && di.Mode().Perm()&0o022 != 0 && di.Mode()&os.ModeSticky == 0 {
		return fallback("%s is writable by group or others without the sticky bit: a file there could be replaced", dir)
	}
	path := filepath.Join(dir, WorkerExeName)
	fi, err := os.Lstat(path)
	switch {
	case os.IsNotExist(err):
		return fallback("no %s beside %s (go build -o DIR/ ./cmd/ipcbench ./cmd/ipcbench-worker)", WorkerExeName, self)
	case err != nil:
		return fallback("%s: %v", path, err)
	case !fi.Mode().IsRegular():
		return fallback("%s is not a regular file (%s)", path, fi.Mode().Type())
	case fi.Mode().Perm()&0o022 != 0:
		return fallback("%s is writable by group or others (%s)", path, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != uint32(os.Getuid()) && st.Uid != 0 {
		return fallback("%s is owned by uid %d, not by this user or root", path, st.Uid)
	}
	info, err := readInfo(path)
	if err != nil {
		return fallback("%s: read its build information: %v", path, err)
	}
	if why := sameBuild(own, info); why != "" {
		return fallback("%s: %s", path, why)
	}
	return workerExe{path: path, name: WorkerExeName, reason: "beside " + self + ", the same build"}
}

// sameBuild says why b may not be built from the same source as a, or ""
// where it is: the same toolchain, module and build settings, and either a
// released module version or a commit with no local modifications on both.
func sameBuild(a, b *debug.BuildInfo) string {
	switch {
	case a == nil || b == nil:
		return "no build information"
	case a.GoVersion != b.GoVersion:
		return fmt.Sprintf("built with %s, not %s", b.GoVersion, a.GoVersion)
	case a.Main != b.Main:
		return fmt.Sprintf("module %s@%s, not %s@%s", b.Main.Path, b.Main.Version, a.Main.Path, a.Main.Version)
	case !slices.Equal(a.Settings, b.Settings):
		return "built with other settings or from another commit"
	}
	if a.Main.Version != "" && a.Main.Version != "(devel)" {
		return ""
	}
	for _, s := range a.Settings {
		if s.Key == "vcs.modified" && s.Value == "false" {
			return ""
		}
	}
	return "built from a checkout with local changes (or none recorded), so the same source cannot be shown"
}
