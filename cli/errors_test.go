package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/transports"
	"github.com/ipcbench/ipcbench/workloads"
	"github.com/spf13/cobra"
)

// TestUsageErrorsHelp: a typo is answered with the nearest name, a
// conflict names both flags, and every usage error exits 2 pointing to the
// help of the command that failed.
func TestUsageErrorsHelp(t *testing.T) {
	out := t.TempDir() + "/r.json"
	for _, tc := range []struct {
		args []string
		want []string // each in stderr
		not  string   // never in stderr, if set
	}{
		{[]string{"run", "--transports", "unix-stram"}, []string{`unknown transport "unix-stram" (did you mean unix-stream?)`, "known: pipe, fifo", "see ipcbench list", "Run 'ipcbench run --help'"}, ""},
		{[]string{"run", "--transports", "pipe,UDP"}, []string{`"UDP" (did you mean udp?)`}, ""},
		{[]string{"run", "--transports", "shm-ring"}, []string{"did you mean shm-ring-spin-futex or shm-ring-spin or shm-ring-futex?"}, ""},
		{[]string{"run", "--transports", "carrier-pigeon"}, []string{`unknown transport "carrier-pigeon"; known:`}, "did you mean"},
		{[]string{"run", "--workloads", "pingpog"}, []string{`unknown workload "pingpog" (did you mean pingpong?)`, "known: pingpong, stream"}, ""},
		{[]string{"run", "--workloads", "stream,fanim"}, []string{"(did you mean fanin?)"}, ""},
		{[]string{"run", "--transport", "pipe"}, []string{"unknown flag: --transport; did you mean --transports?", "Run 'ipcbench run --help'"}, ""},
		{[]string{"run", "--sizs", "64"}, []string{"did you mean --sizes?"}, ""},
		{[]string{"run", "--zzzzzz"}, []string{"unknown flag: --zzzzzz\n"}, "did you mean"},
		{[]string{"compare", "--metrc", "p50", "a", "b"}, []string{"did you mean --metric?", "Run 'ipcbench compare --help'"}, ""},
		{[]string{"store", "ls", "--bogus"}, []string{"Run 'ipcbench store ls --help'"}, ""},
		{[]string{"nonsense"}, []string{"unknown command", "Run 'ipcbench --help'"}, ""},
		{[]string{"stor", "ls"}, []string{`unknown command "stor" for "ipcbench" (did you mean store?)` + "\nRun 'ipcbench --help'"}, ""},
		{[]string{"store", "lss"}, []string{`unknown command "lss" for "ipcbench store" (did you mean ls?); known: add,`, "Run 'ipcbench store --help'"}, ""},
		{[]string{"list", "extra"}, []string{"Run 'ipcbench list --help'"}, ""},
		{[]string{"list", "--format", "yaml"}, []string{`unknown format "yaml"; want one of table, json`}, ""},
		{[]string{"doctor", "--format", "yaml"}, []string{`unknown format "yaml"`, "Run 'ipcbench doctor --help'"}, ""},
		{[]string{"run", "--count", "1000", "--duration", "2s"}, []string{"--count and --duration: give one"}, ""},
		{[]string{"run", "--order", "sequential", "--seed", "7"}, []string{"--seed with --order sequential", "drop --seed"}, ""},
		{[]string{"run", "--format", "csv", "--wide"}, []string{"--wide with --format csv"}, ""},
		{[]string{"run", "--format", "json", "--baseline", "pipe"}, []string{"--baseline with --format json", "add --report"}, ""},
		{[]string{"run", "--rate", "50k"}, []string{"--rate with --workloads pingpong,stream: only the rate workload reads it"}, ""},
		{[]string{"run", "--workloads", "pingpong", "--slo", "1ms"}, []string{"--slo with --workloads pingpong"}, ""},
		{[]string{"run", "--arrivals", "poisson"}, []string{"--arrivals with"}, ""},
		{[]string{"run", "--producers", "4"}, []string{"--producers with --workloads pingpong,stream: only the fanin workload reads it"}, ""},
		{[]string{"run", "--sizes", "64kb"}, []string{`unit "kb" is ambiguous`, "write 64K or 64KiB", "Run 'ipcbench run --help'"}, ""},
		{[]string{"run", "--sizes", "64,64KB"}, []string{`unit "KB" is ambiguous`}, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := tc.args
			if args[0] == "run" {
				args = append(slices.Clone(args), "--out", out)
			}
			code, stdout, stderr := runCLI(args...)
			if code != exitUsage || stdout != "" {
				t.Errorf("exit %d, want 2; stdout %q", code, stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
			if tc.not != "" && strings.Contains(stderr, tc.not) {
				t.Errorf("stderr %q says %q", stderr, tc.not)
			}
		})
	}
}

// TestGroupAlone: a command that groups others prints its help when
// given none.
func TestGroupAlone(t *testing.T) {
	if code, stdout, _ := runCLI("store"); code != exitOK || !strings.Contains(stdout, "Available Commands:") {
		t.Errorf("store alone: exit %d, stdout %q", code, stdout)
	}
}

// TestRunFlagsThatFit: the flags that conflicts refuses alone are taken
// where the workload or format that reads them is selected.
func TestRunFlagsThatFit(t *testing.T) {
	for _, args := range [][]string{
		{"--count", "1000"},
		{"--duration", "2s"},
		{"--workloads", "pingpong,rate", "--rate", "5k", "--arrivals", "poisson", "--slo", "1ms"},
		{"--workloads", "fanin", "--producers", "4"},
		{"--seed", "7"},
		{"--wide"},
		{"--format", "json", "--baseline", "pipe", "--report"},
		{"--sizes", "64,4k,8KiB,1m,2MiB"},
	} {
		o := &runOptions{}
		if err := runCommand(o).ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		if _, err := o.plan(); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"pipe", "fifo", "unix-stream", "unix-seqpacket", "shm-ring-spin", "shm-ring-futex"}
	for _, tc := range []struct {
		typed string
		want  []string
	}{
		{"unix-stram", []string{"unix-stream"}},
		{"unix-sertam", []string{"unix-stream"}}, // a swap and a change
		{"ipep", []string{"pipe"}},               // two swaps
		{"PIPE", []string{"pipe"}},
		{"fif", []string{"fifo"}},
		{"pip", []string{"pipe"}},
		{"shm-ring", []string{"shm-ring-spin", "shm-ring-futex"}},
		{"tcp", nil},
		{"sh", nil},
	} {
		if got := suggest(tc.typed, known); !slices.Equal(got, tc.want) {
			t.Errorf("suggest(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"", "abc", 3}, {"abc", "abc", 0}, {"abc", "acb", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCompletion: the shell completes the registries, the metrics, the
// orders and each command's formats, list flags item by item.
func TestCompletion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // the completions, in order
	}{
		{[]string{"run", "--transports", "unix-s"}, []string{"unix-stream", "unix-seqpacket"}},
		{[]string{"run", "--transports", "pipe,unix-s"}, []string{"pipe,unix-stream", "pipe,unix-seqpacket"}},
		{[]string{"run", "--transports", "pipe,pi"}, []string{"pipe,pipe-splice"}},
		{[]string{"run", "--workloads", "stream,"}, []string{"stream,pingpong", "stream,rate", "stream,stream-inplace", "stream,fanin", "stream,relay"}},
		{[]string{"run", "--order", ""}, []string{"shuffled", "sequential"}},
		{[]string{"run", "--format", ""}, []string{"table", "json", "csv", "markdown", "benchfmt"}},
		{[]string{"run", "--baseline", "tc"}, []string{"tcp"}},
		{[]string{"compare", "--metric", "p50,th"}, []string{"p50,throughput"}},
		{[]string{"compare", "--format", ""}, []string{"table", "markdown", "json"}},
		{[]string{"history", "--metric", "c"}, []string{"cpu", "copies"}},
		{[]string{"report", "--format", ""}, []string{"html", "markdown", "both"}},
		{[]string{"list", "--format", ""}, []string{"table", "json"}},
		{[]string{"doctor", "--format", "j"}, []string{"json"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, _ := runCLI(append([]string{cobra.ShellCompRequestCmd}, tc.args...)...)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if code != exitOK || len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
				t.Fatalf("exit %d, output %q", code, stdout)
			}
			if got := lines[:len(lines)-1]; !slices.Equal(got, tc.want) {
				t.Errorf("completions %q, want %q", got, tc.want)
			}
		})
	}
	for _, name := range transports.Names() {
		_, stdout, _ := runCLI(cobra.ShellCompRequestCmd, "run", "--transports", name)
		if !slices.Contains(strings.Split(stdout, "\n"), name) {
			t.Errorf("--transports %s does not complete to itself: %q", name, stdout)
		}
	}
}

// TestFormatsOfEveryCommand: every command with --format completes its
// formats, so that a command added later is not left out.
func TestFormatsOfEveryCommand(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup("format"); f != nil {
			if formats, ok := formatsOf[c.Name()]; !ok {
				t.Errorf("%s has --format but no entry in formatsOf", c.CommandPath())
			} else if !slices.Contains(formats, f.DefValue) {
				t.Errorf("%s --format's default %q is not among %q", c.CommandPath(), f.DefValue, formats)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(&strings.Builder{}, &strings.Builder{}))
}

// TestListJSON: list --format json names every registered transport and
// workload under stable field names, with a limit or the reason it has none.
func TestListJSON(t *testing.T) {
	code, stdout, stderr := runCLI("list", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Transports []struct {
			Name     string `json:"name"`
			OptIn    *bool  `json:"opt_in"`
			Framing  string `json:"framing"`
			DataPath string `json:"data_path"`
			Doc      string `json:"doc"`
			Model    *struct {
				CopiesPerMsg   *float64 `json:"copies_per_msg"`
				SyscallsPerMsg *float64 `json:"syscalls_per_msg"`
				Note           string   `json:"note"`
			} `json:"model"`
			MaxMessage *struct {
				Bytes  int    `json:"bytes"`
				Source string `json:"source"`
			} `json:"max_message"`
			Unavailable string `json:"unavailable"`
		} `json:"transports"`
		Workloads []struct {
			Name  string `json:"name"`
			OptIn *bool  `json:"opt_in"`
			Doc   string `json:"doc"`
		} `json:"workloads"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("list --format json: %v\n%s", err, stdout)
	}
	var names []string
	for i, tr := range doc.Transports {
		names = append(names, tr.Name)
		d := transports.All()[i]
		if tr.OptIn == nil || *tr.OptIn != d.OptIn || tr.Framing == "" || tr.DataPath == "" || tr.Doc == "" || tr.Model == nil || tr.Model.CopiesPerMsg == nil || tr.Model.SyscallsPerMsg == nil || tr.Model.Note == "" {
			t.Errorf("transport %s: a field is missing or wrong: %+v", tr.Name, tr)
		}
		if (tr.MaxMessage == nil) == (tr.Unavailable == "") || tr.MaxMessage != nil && (tr.MaxMessage.Bytes < 1 || tr.MaxMessage.Source == "") {
			t.Errorf("transport %s: want a limit with its source, or the reason it has none: %+v", tr.Name, tr)
		}
	}
	if !slices.Equal(names, transports.Names()) {
		t.Errorf("transports %q, want %q", names, transports.Names())
	}
	names = nil
	for _, w := range doc.Workloads {
		names = append(names, w.Name)
		if d, _ := workloads.Lookup(w.Name); w.OptIn == nil || *w.OptIn == d.Default || w.Doc == "" {
			t.Errorf("workload %s: a field is missing or wrong: %+v", w.Name, w)
		}
	}
	if !slices.Equal(names, workloads.Names()) {
		t.Errorf("workloads %q, want %q", names, workloads.Names())
	}
}

// TestDoctorJSON: doctor --format json gives every finding with every
// field, says which fail it, and keeps the exit status and the one line
// on stderr.
func TestDoctorJSON(t *testing.T) {
	fs := []results.Finding{
		{Topic: "cpu", Name: "virtualization", Value: "virtual machine", Warn: true},
		{Topic: "load", Name: "busy processes", Value: "yes (pid 1) 90%", Effect: "they compete", Warn: true},
		{Topic: "clock", Name: "clock source", Value: "tsc"},
	}
	var out, errOut strings.Builder
	err := doctorRun(&doctorOptions{Check: func() []results.Finding { return fs }, Format: "json", Stdout: &out, Stderr: &errOut})
	if ee, ok := err.(exitError); !ok || ee.code != exitFailure {
		t.Errorf("doctorRun = %v, want exit 1", err)
	}
	if want := "doctor: 1 finding will skew or break runs: busy processes;"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q does not say %q", errOut.String(), want)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Problems []string         `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out.String()), &doc); err != nil {
		t.Fatalf("doctor --format json: %v\n%s", err, out.String())
	}
	if len(doc.Findings) != len(fs) || !slices.Equal(doc.Problems, []string{"busy processes"}) {
		t.Fatalf("findings %v, problems %q", doc.Findings, doc.Problems)
	}
	for i, f := range doc.Findings {
		var keys []string
		for k := range f {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"effect", "fails", "fix", "name", "topic", "value", "warn"}; !slices.Equal(keys, want) {
			t.Errorf("finding %d has fields %q, want %q", i, keys, want)
		}
		if fails := f["fails"] == true; fails != (f["name"] == "busy processes") {
			t.Errorf("finding %v: fails %v", f["name"], fails)
		}
	}
}

// TestDoctorColumns: a long finding name widens the name column rather
// than pushing its value out of line, and an effect wraps at 120 columns.
func TestDoctorColumns(t *testing.T) {
	long := "shm-ring-spin-futex largest message"
	fs := []results.Finding{
		{Topic: "limits", Name: long, Value: "16 MiB", Effect: strings.Repeat("word ", 40)},
		{Topic: "limits", Name: "kernel.msgmax", Value: "8192", Fix: "sysctl -w kernel.msgmax=65536"},
	}
	var out strings.Builder
	if err := writeFindings(&out, fs); err != nil {
		t.Fatal(err)
	}
	valueAt := len("! ") + len(long) + 1 // every value, effect and fix starts here
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		if len(l) > doctorColumns {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
		at := len(l) - len(strings.TrimLeft(l, " ")) // a continuation line
		for _, f := range fs {
			if strings.HasPrefix(l, "  "+f.Name+" ") {
				at = strings.Index(l, f.Value)
			}
		}
		if at != valueAt {
			t.Errorf("text at column %d, want %d: %q", at, valueAt, l)
		}
	}
}
