package hostinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckoutCommit: the commit comes from git where there is a checkout,
// says when the tree has changes, and gives up quietly where there is none.
func TestCheckoutCommit(t *testing.T) {
	if _, _, ok := checkoutCommit(t.TempDir()); ok {
		t.Errorf("a directory that is no checkout gave a commit")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on PATH: the checkout fallback has nothing to ask")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %q: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/x\n"), 0o600)
	git("add", "go.mod")
	git("commit", "-q", "-m", "one")
	head := git("rev-parse", "HEAD")
	commit, dirty, ok := checkoutCommit(dir)
	if !ok || commit != head || dirty {
		t.Errorf("clean checkout: %q dirty %v ok %v, want %s clean", commit, dirty, ok, head)
	}
	os.WriteFile(filepath.Join(dir, "new.go"), []byte("package x\n"), 0o600)
	if commit, dirty, ok = checkoutCommit(dir); !ok || commit != head || !dirty {
		t.Errorf("changed checkout: %q dirty %v ok %v, want %s dirty", commit, dirty, ok, head)
	}
	t.Setenv("PATH", t.TempDir()) // git gone
	if _, _, ok := checkoutCommit(dir); ok {
		t.Errorf("a commit without git")
	}
}

// TestBuildNamesTheCheckout: a test binary, like go run, carries no VCS
// stamp; the results still name the checkout's commit, not "unknown".
func TestBuildNamesTheCheckout(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("no git checkout here: %v", err)
	}
	b := Build()
	if b.From == "build" {
		t.Skip("this binary carries a VCS stamp")
	}
	if b.Commit != strings.TrimSpace(string(head)) || b.From != root {
		t.Errorf("Build() = %+v, want commit %s from %s", b, head, root)
	}
	if h := Collect(); !strings.HasPrefix(h.Commit, b.Commit) {
		t.Errorf("Collect().Commit = %q, want %s", h.Commit, b.Commit)
	}
}

// TestReadTHP reads the THP mode as the kernel writes it (a sample from a
// 6.18 guest in testdata), and nothing where the kernel has no THP.
func TestReadTHP(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{filepath.Join("testdata", "thp-enabled"), "always [madvise] never"},
		{filepath.Join("testdata", "no-such-file"), ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if got := readTHP(tc.path); got != tc.want {
				t.Errorf("readTHP(%s) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
	if _, err := os.Stat(thpEnabled); err == nil && Collect().THP == "" {
		t.Errorf("Collect: THP empty, though %s exists", thpEnabled)
	}
}
