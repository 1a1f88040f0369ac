//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNames(t *testing.T) {
	for _, n := range []Name{NewName("mq", "a2b"), NewName("fifo", ""), {Kind: "relay", Pid: 1, Random: 0}} {
		got, err := ParseName(n.String())
		if err != nil || got != n {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", n, got, err, n)
		}
		if err := ValidMqName(n.String()); err != nil {
			t.Errorf("a queue named %q would not go into the ledger: %v", n, err)
		}
		if err := ValidTempDir(filepath.Join(os.TempDir(), n.String())); err != nil {
			t.Errorf("a temp dir named %q would not go into the ledger: %v", n, err)
		}
	}
	for _, bad := range []string{
		"", "ipcbench-", "ipcbench-mq", "ipcbench-mq-12", "ipcbench-results", "ipcbench-src",
		"ipcbench-4711-0badf00d-a2b",               // an older queue name: no kind
		"ipcbench-fifo-0123456789abcdef",           // an older temp dir: no pid
		"ipcbench-mq-0-0123456789abcdef",           // pid 0
		"ipcbench-mq-+12-0123456789abcdef",         // not canonical
		"ipcbench-mq-12-123",                       // not 16 hex digits
		"ipcbench-mq-12-0123456789ABCDEF",          // upper case
		"ipcbench-Mq-12-0123456789abcdef",          // upper case kind
		"ipcbench-mq-12-0123456789abcdef-",         // empty role
		"ipcbench-mq-12-0123456789abcdef-a2b-x",    // too many fields
		"other-mq-12-0123456789abcdef",             // another prefix
		"ipcbench-mq-12-0123456789abcdef-a2b/../x", // a path
	} {
		if n, err := ParseName(bad); err == nil {
			t.Errorf("ParseName(%q) = %+v, want an error", bad, n)
		}
	}
	if _, err := MkdirTemp("ipcbench-fifo-"); err == nil {
		t.Error("MkdirTemp took a prefix for a kind")
	}
}
