//go:build linux && (amd64 || arm64 || riscv64 || loong64 || mips64 || mips64le)

package shm

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseLedger feeds clean's ledger parser arbitrary files. Whatever it
// accepts must be what ipcbench writes: each entry prints back to a line
// that parses to the same entry, System V keys lie in ipcbench's namespace,
// queue names and temp dir paths are ipcbench's own, so that no ledger
// line can direct clean at an object ipcbench does not name this way.
// The seed corpus is in testdata/fuzz/FuzzParseLedger.
func FuzzParseLedger(f *testing.F) {
	f.Add([]byte(ledgerMagic + " pid=11 boot=fefbf82a-685f-4b27-a76e-8cfb7af1ced0 ipcns=ipc:[4026531839] pidns=pid:[4026531836]\n" +
		"sem 1230045202 3\nmq \"ipcbench-11-0badf00d-a2b\"\ndir \"/tmp/ipcbench-fifo-0123456789abcdef\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLedger(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, e := range l.Entries {
			back, err := ParseEntry(e.String())
			if err != nil || back != e {
				t.Fatalf("entry %+v prints as %q, which parses to %+v, %v", e, e.String(), back, err)
			}
			switch e.Kind {
			case "shm", "sem", "msg":
				if !InNamespace(e.Key) || e.ID < 0 || e.Name != "" {
					t.Fatalf("accepted %+v: key outside the namespace, a negative id or a name", e)
				}
			case "mq":
				if !strings.HasPrefix(e.Name, "ipcbench-") || strings.ContainsAny(e.Name, "/\x00\n ") {
					t.Fatalf("accepted queue name %q", e.Name)
				}
			case "dir":
				if !filepath.IsAbs(e.Name) || filepath.Clean(e.Name) != e.Name || strings.Contains(e.Name, "/../") ||
					!strings.HasPrefix(filepath.Base(e.Name), "ipcbench-") || strings.ContainsAny(e.Name, "\x00\n") {
					t.Fatalf("accepted temp dir %q", e.Name)
				}
			default:
				t.Fatalf("accepted kind %q", e.Kind)
			}
		}
		// An empty file is the ledger of a creator that died before it wrote
		// its header: no header and no entries. Anything else without a
		// header is a legacy ledger, whose objects clean only keeps.
		if !l.Legacy && len(data) > 0 && (l.Boot == "" || l.IPCNS == "") {
			t.Fatalf("a ledger with a header lacks its boot or IPC namespace: %+v", l)
		}
	})
}

// FuzzParseMarker feeds clean's temp dir marker parser arbitrary symlink
// targets: what it accepts names an absolute, clean ledger path and a boot
// id, and prints back to the same target.
func FuzzParseMarker(f *testing.F) {
	f.Add(Marker{Ledger: "/dev/shm/.ipcbench-ledger-0/0123456789abcdef", Boot: "fefbf82a-685f-4b27-a76e-8cfb7af1ced0"}.String())
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarker(s)
		if err != nil {
			return
		}
		if m.String() != s || !filepath.IsAbs(m.Ledger) || filepath.Clean(m.Ledger) != m.Ledger || m.Boot == "" || strings.ContainsAny(m.Boot, " \n") {
			t.Fatalf("accepted %q as %+v", s, m)
		}
	})
}
