package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// markup is what a results file may legitimately hold in its label and
// host name (no control character), and what must stay text in Markdown.
const markup = "<script>alert(1)</script><svg onload=alert(1)>"

// writeLabelled writes a synthetic run with the given label and host name.
func writeLabelled(t *testing.T, dir, name, label, host string, seed uint64) string {
	t.Helper()
	f := resultstest.File(time.Unix(1e9+int64(seed), 0), "c"+name,
		resultstest.Case("pipe", 64, resultstest.Noisy(seed, 6, 20000, 0.03)...))
	f.Config.Label, f.Host.Hostname = label, host
	p := filepath.Join(dir, name+".json")
	if err := results.WriteFile(p, f); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMarkupInLabelsStaysText: <script> and <svg onload=…> in a label and
// a host name reached compare --format markdown and report.md unescaped.
func TestMarkupInLabelsStaysText(t *testing.T) {
	dir := t.TempDir()
	base := writeLabelled(t, dir, "base", "main", "node-1", 1)
	newer := writeLabelled(t, dir, "new", markup, markup, 2)
	for _, args := range [][]string{
		{"compare", base, newer, "--format", "markdown", "--allow-untested"},
		{"history", base, newer, "--format", "markdown"},
	} {
		code, out, errOut := runCLI(args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d\n%s", args, code, errOut)
		}
		if strings.Contains(out, "<script") || strings.Contains(out, "<svg") || !strings.Contains(out, "&lt;script&gt;") {
			t.Errorf("%s --format markdown: the label's markup is not escaped:\n%s", args[0], out)
		}
	}
	report := filepath.Join(dir, "report")
	if code, _, errOut := runCLI("report", base, newer, "-o", report, "--format", "markdown"); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	md, err := os.ReadFile(filepath.Join(report, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(md), "<script") || strings.Contains(string(md), "<svg") || !strings.Contains(string(md), "&lt;script&gt;") {
		t.Errorf("report.md: the label's markup is not escaped:\n%s", md)
	}
}

// TestLabelFlagIsChecked: run --label took 1 MB, and any control character,
// into a results file that every table then printed. It is refused before
// the run, naming the flag and the limit, without echoing what it refuses.
func TestLabelFlagIsChecked(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	for _, tc := range []struct{ label, want string }{
		{strings.Repeat("x", 1<<20), "--label: 1048576 bytes, want at most 256"},
		{"main\n| forged | row |", `--label: "main\n| forged | row |" holds a control character`},
		{"\x1b]0;pwned\x07", "--label:"},
	} {
		code, _, errOut := runCLI("run", "--transports", "pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "10", "--label", tc.label, "-o", out)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("run --label %.20q: exit %d, want 2 and %q\n%.300s", tc.label, code, tc.want, errOut)
		}
		if strings.ContainsAny(errOut, "\x1b\x07") || len(errOut) > 1000 {
			t.Errorf("run --label %.20q: the refusal echoes the label raw:\n%.300q", tc.label, errOut)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("run --label %.20q wrote %s", tc.label, out)
		}
	}
	code, _, errOut := runCLI("run", "--transports", "pipe,pipe", "--workloads", "pingpong", "--sizes", "64", "--count", "10", "-o", out)
	if code != exitUsage || !strings.Contains(errOut, "--transports pipe: given twice") {
		t.Errorf("run --transports pipe,pipe: exit %d, want 2 naming the repeat\n%s", code, errOut)
	}
}

// TestForgedFilesAreRefused: a results file whose label holds a control
// character, or 1 MB, whose cases repeat a key, or whose ok case delivered
// nothing was read and printed. Every reader refuses it with exit 2,
// naming the file, the line and the value.
func TestForgedFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	good := writeLabelled(t, dir, "good", "main", "node-1", 1)
	for _, tc := range []struct {
		name   string
		change func(f *results.File)
		want   string
	}{
		{"osc label", func(f *results.File) { f.Config.Label = "\x1b]0;pwned\x07" }, `config.label: "\x1b]0;pwned\a" holds a control character`},
		{"huge label", func(f *results.File) { f.Config.Label = strings.Repeat("x", 1<<20) }, "config.label: 1048576 bytes, want at most 256"},
		{"escape host", func(f *results.File) { f.Host.Hostname = "\x1b[2J" }, "host.hostname"},
		{"duplicate", func(f *results.File) { f.Cases = append(f.Cases, f.Cases[0]) }, "cases[1] (pipe/pingpong/64): the same case as cases[0]"},
		{"empty case", func(f *results.File) { f.Cases[0].Messages = 0 }, "cases[0].messages (pipe/pingpong/64): 0 in a case with status ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := results.ReadFile(good)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(f)
			data, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(bad, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"compare", good, bad}, {"history", good, bad}, {"export", "--format", "csv", bad}} {
				code, out, errOut := runCLI(args...)
				if code != exitUsage || !strings.Contains(errOut, bad+":") || !strings.Contains(errOut, tc.want) {
					t.Errorf("%s: exit %d, want 2 naming %s and %q\n%.300s", args[0], code, bad, tc.want, errOut)
				}
				if out != "" || strings.ContainsAny(errOut, "\x1b\x07") {
					t.Errorf("%s printed %q, stderr %.300q", args[0], out, errOut)
				}
			}
		})
	}
}

// TestErrorsEscapeFileNames: an error quotes the file it could not read,
// and a file in a shared directory is named by whoever made it.
func TestErrorsEscapeFileNames(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "\x1b]0;pwned\x07.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("history", dir)
	if code != exitUsage || !strings.Contains(errOut, `\x1b]0;pwned\a.json`) || strings.ContainsAny(errOut, "\x1b\x07") {
		t.Errorf("history DIR: exit %d, want 2 and the file named escaped\n%q", code, errOut)
	}
}
