// Package hostinfo says which machine and which ipcbench build a run is on:
// the kernel, CPU model, virtualization, clock source, transparent huge
// pages, and the version and commit of the binary. The runner records it
// in every results file, and doctor reports from it.
package hostinfo

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// Collect describes this machine for the results file.
func Collect() results.Host {
	b := Build()
	h := results.Host{CPUs: runtime.NumCPU(), GoVersion: b.GoVersion, Version: b.Version, Commit: b.CommitString()}
	h.Hostname, _ = os.Hostname()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		h.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:])
	}
	h.CPUModel, h.Virtualization = cpuInfo()
	h.ClockSource = readClockSource()
	h.THP = readTHP(thpEnabled)
	return h
}

// thpEnabled is where the kernel says when it backs memory with transparent
// huge pages: a large message's buffers may then take fewer TLB misses and
// page faults than on a host with them off.
const thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// readTHP reads a THP mode file, e.g. "always [madvise] never" (the mode in
// brackets is in force); "" where the kernel has no THP.
func readTHP(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// BuildInfo says which ipcbench is running.
type BuildInfo struct {
	Version   string // the module version; "(devel)" for a build from a checkout
	Commit    string // the commit, "unknown" when neither the build nor a checkout says
	Dirty     bool   // built from a tree with uncommitted changes
	From      string // where Commit came from: "build" (VCS stamp) or the checkout's path
	GoVersion string
}

// CommitString is the commit as results files record it: "+dirty" after
// it when the tree had changes, as the Go toolchain's stamp is read here.
func (b BuildInfo) CommitString() string {
	if b.Dirty {
		return b.Commit + "+dirty"
	}
	return b.Commit
}

// Build reads the version and commit the Go toolchain stamped into the
// binary. go run, go test and -buildvcs=false stamp no commit; then it asks
// git about the checkout this binary was compiled from, if that checkout
// is still here and holds this module, so that results from
// "go run ./cmd/ipcbench run" still name their commit.
func Build() BuildInfo {
	b := BuildInfo{Version: "devel", Commit: "unknown", GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit, b.From = s.Value, "build"
		case "vcs.modified":
			b.Dirty = s.Value == "true"
		}
	}
	if b.From == "" {
		if dir := sourceDir(bi.Main.Path); dir != "" {
			if commit, dirty, ok := checkoutCommit(dir); ok {
				b.Commit, b.Dirty, b.From = commit, dirty, dir
			}
		}
	}
	return b
}

// sourceDir is the module root this file was compiled from, found by the
// path the compiler recorded (absent with -trimpath), and only if its
// go.mod still names module modPath.
func sourceDir(modPath string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	dir := filepath.Dir(filepath.Dir(file)) // .../hostinfo/host.go -> module root
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || modPath == "" || !strings.Contains(string(gomod), "module "+modPath+"\n") {
		return ""
	}
	return dir
}

// checkoutCommit asks git for dir's HEAD and whether its tree has changes
// (git status --porcelain, as the Go toolchain decides vcs.modified). It
// gives up, ok false, when git is missing, dir is no checkout, or git
// takes longer than two seconds.
func checkoutCommit(dir string) (commit string, dirty, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		// The user's GIT_DIR or GIT_WORK_TREE would point git elsewhere;
		// GIT_OPTIONAL_LOCKS=0 keeps status from touching the index.
		env := []string{"GIT_OPTIONAL_LOCKS=0"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GIT_DIR=") && !strings.HasPrefix(kv, "GIT_WORK_TREE=") && !strings.HasPrefix(kv, "GIT_OPTIONAL_LOCKS=") {
				env = append(env, kv)
			}
		}
		cmd.Env = env
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	head, err := git("rev-parse", "--verify", "HEAD")
	if err != nil || len(head) < 40 {
		return "", false, false
	}
	status, err := git("status", "--porcelain")
	if err != nil {
		return "", false, false
	}
	return head, status != "", true
}

// cpuInfo reads the CPU model and a virtualization hint: the hypervisor CPU
// flag, named by the DMI vendor where readable.
func cpuInfo() (model, virt string) {
	virt = "none detected"
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown", "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	hyper := false
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "model name" && model == "":
			model = v
		case k == "flags" && strings.Contains(" "+v+" ", " hypervisor "):
			hyper = true
		}
	}
	if hyper {
		virt = "virtual machine (cpu flag hypervisor)"
		for _, p := range []string{"/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name"} {
			if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) != "" {
				virt += ", " + strings.TrimSpace(string(b))
			}
		}
	}
	if model == "" {
		model = "unknown"
	}
	return model, virt
}
