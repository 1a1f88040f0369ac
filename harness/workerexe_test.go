package harness

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func buildInfo(version string, settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Path: "github.com/ipcbench/ipcbench", Version: version}}
	for i := 0; i+1 < len(settings); i += 2 {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return bi
}

func TestSameBuild(t *testing.T) {
	clean := buildInfo("(devel)", "vcs.revision", "abc", "vcs.modified", "false")
	for _, tc := range []struct {
		name string
		a, b *debug.BuildInfo
		want string // "" the same build, else a word of the reason
	}{
		{"clean checkout, one commit", clean, buildInfo("(devel)", "vcs.revision", "abc", "vcs.modified", "false"), ""},
		{"released version", buildInfo("v1.2.0"), buildInfo("v1.2.0"), ""},
		{"another commit", clean, buildInfo("(devel)", "vcs.revision", "abd", "vcs.modified", "false"), "another commit"},
		{"local changes", buildInfo("(devel)", "vcs.revision", "abc", "vcs.modified", "true"), buildInfo("(devel)", "vcs.revision", "abc", "vcs.modified", "true"), "local changes"},
		{"no vcs stamp (go run)", buildInfo("(devel)"), buildInfo("(devel)"), "local changes"},
		{"another toolchain", clean, func() *debug.BuildInfo {
			b := buildInfo("(devel)", "vcs.revision", "abc", "vcs.modified", "false")
			b.GoVersion = "go1.25"
			return b
		}(), "go1.25"},
		{"another version", buildInfo("v1.2.0"), buildInfo("v1.3.0"), "v1.3.0"},
		{"no information", clean, nil, "no build information"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sameBuild(tc.a, tc.b)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("sameBuild = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestChooseWorkerExe: the small worker is started only where it is a
// regular file beside ipcbench that no one else may write, built from the
// same source; anything else falls back to ipcbench itself, saying why.
func TestChooseWorkerExe(t *testing.T) {
	own := buildInfo("(devel)", "vcs.revision", "abc", "vcs.modified", "false")
	same := func(string) (*debug.BuildInfo, error) { return own, nil }
	for _, tc := range []struct {
		name     string
		plant    func(t *testing.T, worker string)
		readInfo func(string) (*debug.BuildInfo, error)
		want     string // the name chosen
		reason   string // a word of the reason
	}{
		{"none beside", func(*testing.T, string) {}, same, WorkerExeSelf, "no ipcbench-worker"},
		{"the same build", writeExe(0o755), same, WorkerExeName, "the same build"},
		{"a symlink", func(t *testing.T, w string) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			writeExe(0o755)(t, target)
			if err := os.Symlink(target, w); err != nil {
				t.Fatal(err)
			}
		}, same, WorkerExeSelf, "not a regular file"},
		{"group-writable", writeExe(0o775), same, WorkerExeSelf, "writable by group"},
		{"in a directory others may write", func(t *testing.T, w string) {
			writeExe(0o755)(t, w)
			if err := os.Chmod(filepath.Dir(w), 0o777); err != nil {
				t.Fatal(err)
			}
		}, same, WorkerExeSelf, "without the sticky bit"},
		{"another build", writeExe(0o755), func(string) (*debug.BuildInfo, error) {
			return buildInfo("(devel)", "vcs.revision", "abd", "vcs.modified", "false"), nil
		}, WorkerExeSelf, "another commit"},
		{"unreadable information", writeExe(0o755), func(string) (*debug.BuildInfo, error) {
			return nil, errors.New("not a Go binary")
		}, WorkerExeSelf, "not a Go binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			self := filepath.Join(dir, "ipcbench")
			writeExe(0o755)(t, self)
			tc.plant(t, filepath.Join(dir, WorkerExeName))
			got := chooseWorkerExe(self, own, tc.readInfo)
			if got.name != tc.want || !strings.Contains(got.reason, tc.reason) {
				t.Errorf("chose %s (%s), want %s (%q)", got.name, got.reason, tc.want, tc.reason)
			}
			if wantPath := map[bool]string{true: filepath.Join(dir, WorkerExeName), false: self}[tc.want == WorkerExeName]; got.path != wantPath {
				t.Errorf("path %s, want %s", got.path, wantPath)
			}
		})
	}
}

// writeExe writes an executable file with mode perm (Chmod: the umask
// would clear group write).
func writeExe(perm os.FileMode) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte("#!/bin/true\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, perm); err != nil {
			t.Fatal(err)
		}
	}
}
