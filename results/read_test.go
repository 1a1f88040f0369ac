package results_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// headerOnlyHistogram encodes an HdrHistogram V2 compressed histogram with
// the given geometry and no counts, without allocating its counts array.
func headerOnlyHistogram(lowest, highest int64, digits int32) string {
	var header bytes.Buffer
	binary.Write(&header, binary.BigEndian, []int32{hdrhistogram.V2EncodingCookieBase | 0x10, 0, 0, digits})
	binary.Write(&header, binary.BigEndian, []int64{lowest, highest})
	binary.Write(&header, binary.BigEndian, 1.0)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(header.Bytes())
	zw.Close()
	var out bytes.Buffer
	binary.Write(&out, binary.BigEndian, []int32{hdrhistogram.V2CompressedEncodingCookieBase | 0x10, int32(z.Len())})
	out.Write(z.Bytes())
	return base64.StdEncoding.EncodeToString(out.Bytes())
}

func TestCountsLenMatchesHdrHistogram(t *testing.T) {
	for _, g := range []struct {
		lowest, highest int64
		digits          int
	}{{1, 3600e9, 3}, {1, 1000, 1}, {1, 2, 5}, {1000, 3600e9, 2}, {7, 1 << 40, 4}, {1, math.MaxInt64 / 4, 1}} {
		h := hdrhistogram.New(g.lowest, g.highest, g.digits)
		want := int64(h.ByteSize()-6*8-5*4) / 8
		if got := results.CountsLen(g.lowest, g.highest, g.digits); got != want {
			t.Errorf("countsLen(%d, %d, %d) = %d, hdrhistogram allocates %d", g.lowest, g.highest, g.digits, got, want)
		}
	}
}

// encoded returns sample's JSON with change applied to its first case.
func encoded(t *testing.T, change func(f *results.File)) []byte {
	f := resultstest.Mixed()
	change(f)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseRefusesValuesReadersTrust: defect 8 of issue 12, and the rest of
// its class. Each value here once reached a reader: a 0 or negative latency
// panicked report's log axis, a garbage histogram_hdr failed report but not
// compare, a short pair matrix row panicked the table, a name with a space
// or newline broke the benchfmt export.
func TestParseRefusesValuesReadersTrust(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(f *results.File)
		want   string
	}{
		"negative p50":        {func(f *results.File) { f.Cases[0].Latency.P50Ns = -5 }, "cases[0].latency.p50_ns (pipe/pingpong/64): -5, want 0 or more"},
		"negative mean":       {func(f *results.File) { f.Cases[0].Latency.MeanNs = -1 }, "cases[0].latency.mean_ns"},
		"negative rate":       {func(f *results.File) { f.Cases[0].MsgsPerSec = -1 }, "cases[0].msgs_per_sec"},
		"negative rep":        {func(f *results.File) { f.Cases[0].Repetitions = []results.Repetition{{P99Ns: -3}} }, "cases[0].repetitions[0].p99_ns"},
		"negative worker":     {func(f *results.File) { f.Cases[0].Workers = []results.Worker{{CPUUserNs: -3}} }, "cases[0].workers[0].cpu_user_ns"},
		"negative window":     {func(f *results.File) { f.Cases[0].WindowNs = -1 }, "cases[0].window_ns"},
		"garbage hdr":         {func(f *results.File) { f.Cases[0].HistogramHDR = "not a histogram" }, "cases[0].histogram_hdr"},
		"truncated hdr":       {func(f *results.File) { f.Cases[0].HistogramHDR = f.Cases[0].HistogramHDR[:40] }, "cases[0].histogram_hdr"},
		"huge hdr geometry":   {func(f *results.File) { f.Cases[0].HistogramHDR = headerOnlyHistogram(1, math.MaxInt64/2, 5) }, "buckets, want at most 1048576"},
		"bad hdr digits":      {func(f *results.File) { f.Cases[0].HistogramHDR = headerOnlyHistogram(1, 1000, 9) }, "9 significant digits"},
		"zero size":           {func(f *results.File) { f.Cases[0].SizeBytes = 0 }, "cases[0].size_bytes (pipe/pingpong/0): 0, want a message size from 1 B to 1 GiB"},
		"huge size":           {func(f *results.File) { f.Cases[0].SizeBytes = 1<<30 + 1 }, "cases[0].size_bytes"},
		"config size":         {func(f *results.File) { f.Config.SizesBytes = []int{64, -1} }, "config.sizes_bytes[1]"},
		"huge messages":       {func(f *results.File) { f.Cases[0].Messages = math.MaxUint64 }, "cases[0].messages"},
		"empty transport":     {func(f *results.File) { f.Cases[0].Transport = "" }, "cases[0].transport"},
		"spaced workload":     {func(f *results.File) { f.Cases[0].Workload = "ping pong" }, "cases[0].workload"},
		"newline transport":   {func(f *results.File) { f.Cases[0].Transport = "pipe\nBenchmarkX 1 1 ns/op" }, "cases[0].transport"},
		"slash transport":     {func(f *results.File) { f.Cases[0].Transport = "a/b=c" }, "cases[0].transport"},
		"fairness above 1":    {func(f *results.File) { f.Cases[0].Fairness = 2 }, "cases[0].fairness"},
		"producers":           {func(f *results.File) { f.Cases[0].Producers, f.Cases[0].PerProducerMsgs = 3, []uint64{1, 2} }, "2 counts for 3 producers"},
		"ci95 upside down":    {func(f *results.File) { f.Cases[0].CI95 = map[string]results.Interval{"p50": {Lo: 3, Hi: 1}} }, `cases[0].ci95["p50"]`},
		"negative cpus":       {func(f *results.File) { f.Host.CPUs = -1 }, "host.cpus"},
		"kernel newline":      {func(f *results.File) { f.Host.Kernel = "Linux\nBenchmarkX 1 1 ns/op" }, "host.kernel"},
		"cpu escape":          {func(f *results.File) { f.Host.CPUModel = "\x1b]0;owned\x07" }, "host.cpu_model"},
		"negative overhead":   {func(f *results.File) { f.Cases[0].OverheadShare = -0.1 }, "cases[0].overhead_share"},
		"drift below -1":      {func(f *results.File) { f.Cases[0].Drift = -2 }, "cases[0].drift"},
		"autocorr above 1":    {func(f *results.File) { f.Cases[0].Lag1Autocorr = 1.5 }, "cases[0].lag1_autocorr (pipe/pingpong/64): 1.5, want a correlation from -1 to 1"},
		"autocorr below -1":   {func(f *results.File) { f.Cases[0].Lag1Autocorr = -1.01 }, "cases[0].lag1_autocorr"},
		"huge samples":        {func(f *results.File) { f.Cases[0].Samples = math.MaxUint64 }, "cases[0].samples"},
		"unknown flag":        {func(f *results.File) { f.Cases[0].Flags = []results.Flag{{Name: "slow", Detail: "x"}} }, `cases[0].flags[0].name (pipe/pingpong/64): unknown flag "slow"`},
		"flag detail newline": {func(f *results.File) { f.Cases[0].Flags = []results.Flag{{Name: "noisy", Detail: "a\nb"}} }, "cases[0].flags[0].detail"},
		"flag detail long": {func(f *results.File) {
			f.Cases[0].Flags = []results.Flag{{Name: "noisy", Detail: strings.Repeat("x", 201)}}
		}, "201 bytes, want at most 200"},
		"rep flag": {func(f *results.File) {
			f.Cases[0].Repetitions = []results.Repetition{{Flags: []results.Flag{{Name: "NOISY"}}}}
		}, "cases[0].repetitions[0].flags[0].name"},
		"rep max":             {func(f *results.File) { f.Cases[0].Repetitions = []results.Repetition{{MaxNs: -1}} }, "cases[0].repetitions[0].max_ns"},
		"negative steal":      {func(f *results.File) { f.Cases[0].Interference = &results.Interference{StealShare: new(-0.5)} }, "cases[0].interference.steal_share"},
		"negative migrations": {func(f *results.File) { f.Cases[0].Interference = &results.Interference{Migrations: new(int64(-1))} }, "cases[0].interference.migrations"},
		"run queue above all": {func(f *results.File) { f.Cases[0].Interference = &results.Interference{RunQueueShare: new(1.2)} }, "cases[0].interference.run_queue_share"},
		"steal ticks above all": {func(f *results.File) {
			f.Cases[0].Interference = &results.Interference{StealShare: new(0.0), StealTicks: 3, TotalTicks: 2}
		}, "cases[0].interference.steal_ticks"},
		"negative work":     {func(f *results.File) { f.Cases[0].WorkMeasuredNs = -1 }, "cases[0].work_measured_ns"},
		"negative cpu seen": {func(f *results.File) { f.Cases[0].Interference = &results.Interference{CPUsSeen: [][]int{{0}, {-1}}} }, "cases[0].interference.cpus_seen[1][0]"},
		"three sides": {func(f *results.File) {
			f.Cases[0].Interference = &results.Interference{CPUsSeen: [][]int{{0}, {1}, {2}}}
		}, "3 sides"},
		"worker run queue":    {func(f *results.File) { f.Cases[0].Workers = []results.Worker{{RunQueueWaitNs: new(int64(-1))}} }, "cases[0].workers[0].run_queue_wait_ns"},
		"worker cpu seen":     {func(f *results.File) { f.Cases[0].Workers = []results.Worker{{CPUsSeen: []int{1 << 20}}} }, "cases[0].workers[0].cpus_seen[0]"},
		"placement newline":   {func(f *results.File) { f.Config.Placement = "pinned\nBenchmarkX 1 1 ns/op" }, "config.placement"},
		"godebug escape":      {func(f *results.File) { f.Config.WorkerGODEBUG = "\x1b[2J" }, "config.worker_godebug"},
		"thp newline":         {func(f *results.File) { f.Host.THP = "always\n" }, "host.thp"},
		"negative depth":      {func(f *results.File) { f.Cases[0].DepthMsgs = -1 }, "cases[0].depth_msgs"},
		"negative depth B":    {func(f *results.File) { f.Cases[0].DepthBytes = -1 }, "cases[0].depth_bytes"},
		"depth under a byte":  {func(f *results.File) { f.Cases[0].DepthMsgs, f.Cases[0].DepthBytes = 16, 8 }, "8 bytes for 16 messages"},
		"depth source line":   {func(f *results.File) { f.Cases[0].DepthSource = "native\nBenchmarkX 1 1 ns/op" }, "cases[0].depth_source"},
		"depth source long":   {func(f *results.File) { f.Cases[0].DepthSource = strings.Repeat("x", 201) }, "cases[0].depth_source"},
		"negative offered":    {func(f *results.File) { f.Cases[0].OfferedRate = -1 }, "cases[0].offered_rate"},
		"negative achieved":   {func(f *results.File) { f.Cases[0].AchievedRate = -5 }, "cases[0].achieved_rate"},
		"saturated, no offer": {func(f *results.File) { f.Cases[0].Status = results.StatusSaturated }, "cases[0].offered_rate (pipe/pingpong/64): 0 in a saturated case"},
		"config depth":        {func(f *results.File) { f.Config.Depth = -16 }, "config.depth"},
		"config rate":         {func(f *results.File) { f.Config.Rates = []float64{1e4, -1} }, "config.rates[1]"},
		"config arrivals":     {func(f *results.File) { f.Config.Arrivals = "poisson\x1b[2J" }, "config.arrivals"},
		"config slo":          {func(f *results.File) { f.Config.SLONs = -1 }, "config.slo_ns"},
		"config work":         {func(f *results.File) { f.Config.WorkNs = -1 }, "config.work_ns"},
		"order unknown":       {func(f *results.File) { f.Config.Order = "random" }, `config.order: "random", want shuffled or sequential`},
		"verify unknown":      {func(f *results.File) { f.Config.Verify = "some" }, `config.verify: "some", want sampled or full`},
		"worker_exe unknown":  {func(f *results.File) { f.Config.WorkerExe = "/bin/sh" }, `config.worker_exe: "/bin/sh", want self or ipcbench-worker`},
		"rounds too many":     {func(f *results.File) { f.Config.Repeat = 1001 }, "config.repeat: 1001 rounds, want at most 1000"},
		"round negative": {func(f *results.File) {
			f.Cases[0].Repetitions = []results.Repetition{results.RepetitionOf(f.Cases[0])}
			f.Cases[0].Repetitions[0].Round = -1
		}, "cases[0].repetitions[0].round (pipe/pingpong/64): -1, want 0 to 999"},
		"round steal above total": {func(f *results.File) {
			f.Cases[0].Repetitions = []results.Repetition{results.RepetitionOf(f.Cases[0])}
			f.Cases[0].Repetitions[0].Interference = &results.Interference{StealTicks: 5, TotalTicks: 1}
		}, "cases[0].repetitions[0].interference"},
		"label long":       {func(f *results.File) { f.Config.Label = strings.Repeat("x", 1<<20) }, "config.label: 1048576 bytes, want at most 256"},
		"label newline":    {func(f *results.File) { f.Config.Label = "main\n| forged | row |" }, `config.label: "main\n| forged | row |" holds a control character`},
		"label osc":        {func(f *results.File) { f.Config.Label = "\x1b]0;pwned\x07" }, "config.label"},
		"label c1 csi":     {func(f *results.File) { f.Config.Label = "a\u009b2Jb" }, "config.label"},
		"hostname bidi":    {func(f *results.File) { f.Host.Hostname = "node\u202e3" }, "host.hostname"},
		"hostname long":    {func(f *results.File) { f.Host.Hostname = strings.Repeat("h", 1025) }, "host.hostname: 1025 bytes, want at most 1024"},
		"config transport": {func(f *results.File) { f.Config.Transports = []string{"pipe", "\x1b[2J"} }, "config.transports[1]"},
		"send delay name":  {func(f *results.File) { f.Config.TestSendDelayNs = map[string]int64{"pipe\x1b[2J": 1} }, `config.test_send_delay_ns["pipe\x1b[2J"]`},
		"worker design":    {func(f *results.File) { f.Config.WorkerDesign = "a\nb" }, "config.worker_design"},
		"duplicate case":   {func(f *results.File) { f.Cases = append(f.Cases, f.Cases[0]) }, "cases[3] (pipe/pingpong/64): the same case as cases[0]"},
		"duplicate failed": {func(f *results.File) { f.Cases[1].Transport, f.Cases[1].SizeBytes = "tcp", 64 }, "cases[2] (tcp/stream/64)"},
		"empty ok case":    {func(f *results.File) { f.Cases[0].Messages = 0 }, "cases[0].messages (pipe/pingpong/64): 0 in a case with status ok"},
		"empty saturated": {func(f *results.File) {
			f.Cases[0].Status, f.Cases[0].OfferedRate, f.Cases[0].Messages = results.StatusSaturated, 1e4, 0
		}, "cases[0].messages"},
		"no case": {func(f *results.File) { f.Cases = nil }, "cases: none, in a run not marked incomplete"},
		"matrix rows": {func(f *results.File) {
			f.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0}, P50Ns: [][]float64{{1}, {2}}}}
		}, "pair_matrices[0].p50_ns (pipe/pingpong/64): 2 rows for 1 CPUs"},
		"matrix columns": {func(f *results.File) {
			f.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0, 1}, P50Ns: [][]float64{{1, 2}, {2}}}}
		}, "pair_matrices[0].p50_ns[1]"},
		"matrix negative": {func(f *results.File) {
			f.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0}, P50Ns: [][]float64{{-1}}}}
		}, "pair_matrices[0].p50_ns[0][0]"},
		"duplicate matrix": {func(f *results.File) {
			m := results.PairMatrix{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0}, P50Ns: [][]float64{{1}}}
			f.PairMatrices = []results.PairMatrix{m, m}
		}, "pair_matrices[1] (pipe/pingpong/64): the same case as pair_matrices[0]"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := results.Parse("r.json", encoded(t, tc.change))
			var invalid *results.InvalidError
			if !errors.As(err, &invalid) || !errors.Is(err, results.ErrSchema) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "r.json:1: ") {
				t.Fatalf("Parse = %v, want an InvalidError naming r.json and %q", err, tc.want)
			}
		})
	}
}

func TestParseAcceptsWhatRunWrites(t *testing.T) {
	f := resultstest.Mixed()
	// A relay case measures no latency: zeros are valid, as is a zero rate.
	f.Cases = append(f.Cases, results.Case{Transport: "pipe", Workload: "relay", SizeBytes: 1 << 30, Status: results.StatusOK, Messages: 10})
	f.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0, 1}, P50Ns: [][]float64{{1, 0}, {2, 3}}}}
	if _, err := results.Parse("r.json", encoded(t, func(g *results.File) { *g = *f })); err != nil {
		t.Fatal(err)
	}
	// Issue 14's fields, as the harness fills them: a negative drift and
	// autocorrelation are valid.
	checked := resultstest.SelfChecked()
	if _, err := results.Parse("r.json", encoded(t, func(g *results.File) { *g = *checked })); err != nil {
		t.Fatal(err)
	}
	// Issue 15's fields: depths, offered and achieved rates, a saturated case.
	loaded := resultstest.Loaded()
	if _, err := results.Parse("r.json", encoded(t, func(g *results.File) { *g = *loaded })); err != nil {
		t.Fatal(err)
	}
}

// TestParseInterferenceKnownAndUnknown: an older file, which wrote every
// interference figure (0 where /proc lacked it), still reads, its figures
// as written; a figure a newer file leaves out reads as unknown (nil),
// and writing keeps it out rather than writing 0.
func TestParseInterferenceKnownAndUnknown(t *testing.T) {
	marker := []byte(`"interference":{"steal_share":0.25}`)
	for _, tc := range []struct {
		name, interference string
		want               string // steal, run-queue share, wait per message, migrations
	}{
		{"older file", `"interference":{"steal_share":0,"run_queue_wait_ns_per_msg":830,"migrations":3}`, "0 - 830 3"},
		{"newer file, migrations unknown", `"interference":{"steal_share":0.01,"steal_ticks":1,"total_ticks":100,"run_queue_share":0.02,"run_queue_wait_ns_per_msg":20}`, "0.01 0.02 20 -"},
		{"nothing known", `"interference":{}`, "- - - -"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := encoded(t, func(f *results.File) { f.Cases[0].Interference = &results.Interference{StealShare: new(0.25)} })
			if !bytes.Contains(b, marker) {
				t.Fatalf("no %s in the encoded file", marker)
			}
			f, err := results.Parse("r.json", bytes.Replace(b, marker, []byte(tc.interference), 1))
			if err != nil {
				t.Fatal(err)
			}
			in := f.Cases[0].Interference
			show := func(p any) string {
				switch p := p.(type) {
				case *float64:
					if p != nil {
						return fmt.Sprint(*p)
					}
				case *int64:
					if p != nil {
						return fmt.Sprint(*p)
					}
				}
				return "-"
			}
			if got := strings.Join([]string{show(in.StealShare), show(in.RunQueueShare), show(in.RunQueueWaitNsPerMsg), show(in.Migrations)}, " "); got != tc.want {
				t.Errorf("read %s, want %s", got, tc.want)
			}
			out, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimPrefix(tc.interference, `"interference":`); string(out) != want {
				t.Errorf("written back as %s, want %s", out, want)
			}
		})
	}
}

// TestParseNamesLineAndColumn: a JSON error says where it is, file:line:col.
func TestParseNamesLineAndColumn(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"syntax": {"{\n  \"schema\": \"" + results.Schema + "\",\n  \"cases\": [}\n}", "r.json:3:"},
		"type":   {"{\n  \"schema\": \"" + results.Schema + "\",\n  \"cases\": [\n    {\"size_bytes\": \"64\"}]}", "r.json:4:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := results.Parse("r.json", []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want it to start with %q", err, tc.want)
			}
		})
	}
}

// TestReadRefusesNonRegularFiles: `history /dev/zero` read until it held
// gigabytes, and a FIFO blocked the reader until a writer came.
func TestReadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/dev/zero", "not a regular file (a character device)"},
		{"/dev/null", "not a regular file (a character device)"},
		{fifo, "not a regular file (a named pipe)"},
		{dir, "not a regular file (a directory)"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := results.ReadFile(tc.path); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second): // not a timing assertion: a reader that blocks never returns
				t.Fatalf("results.ReadFile(%s) blocked", tc.path)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("results.ReadFile(%s) = %v, want an error naming it and %q", tc.path, err, tc.want)
			}
		})
	}
}

// TestReadCapsSize: a file over MaxFileBytes is refused before it is read,
// with an error naming the limit; so is data handed to Parse.
func TestReadCapsSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(results.MaxFileBytes + 1); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	f.Close()
	_, err = results.ReadFile(p)
	if !errors.Is(err, results.ErrSchema) || !strings.Contains(err.Error(), "larger than 64 MiB") || !strings.Contains(err.Error(), p) {
		t.Fatalf("Read = %v, want an error naming %s and the 64 MiB limit", err, p)
	}
	_, err = results.Parse("big.json", make([]byte, results.MaxFileBytes+1))
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Fatalf("Parse = %v, want the 64 MiB limit", err)
	}
}

// TestReadFollowsSymlinkToRegularFile: a link to a results file still reads.
func TestReadFollowsSymlinkToRegularFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	if err := results.WriteFile(p, resultstest.Mixed()); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "latest.json")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	if _, err := results.ReadFile(link); err != nil {
		t.Fatal(err)
	}
}

// TestParseNamesTheLineOfAnInvalidValue: a refusal says file:line, as a
// decoding error does, at the value refused: in an indented file as run
// writes it, the line of the value, of the duplicate case, or of the empty
// case list.
func TestParseNamesTheLineOfAnInvalidValue(t *testing.T) {
	lineOf := func(data []byte, substr string) int {
		i := bytes.Index(data, []byte(substr))
		if i < 0 {
			t.Fatalf("%q not in the file", substr)
		}
		return 1 + bytes.Count(data[:i], []byte("\n"))
	}
	for name, tc := range map[string]struct {
		change func(f *results.File)
		at     string // the line the error names holds this, or the line before it does where up
		up     bool
	}{
		"value":     {func(f *results.File) { f.Cases[2].Latency.P50Ns = -5 }, `"p50_ns": -5`, false},
		"label":     {func(f *results.File) { f.Config.Label = "a\x1b[2Jb" }, `"label": `, false},
		"duplicate": {func(f *results.File) { f.Cases = append(f.Cases, f.Cases[0]); f.Cases[3].Reason = "the copy" }, `"transport": "pipe",` + "\n" + `      "workload": "pingpong",` + "\n" + `      "size_bytes": 64,` + "\n" + `      "status": "ok",` + "\n" + `      "reason": "the copy"`, true},
		"no case":   {func(f *results.File) { f.Cases = nil }, `"cases": null`, false},
	} {
		t.Run(name, func(t *testing.T) {
			f := resultstest.Mixed()
			tc.change(f)
			data, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want := lineOf(data, tc.at)
			if tc.up {
				want--
			}
			_, err = results.Parse("r.json", data)
			if prefix := fmt.Sprintf("r.json:%d: ", want); err == nil || !strings.HasPrefix(err.Error(), prefix) {
				t.Fatalf("Parse = %v, want it to start with %q", err, prefix)
			}
		})
	}
}
