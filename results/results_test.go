package results

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func sample(t *testing.T) *File {
	h := hdrhistogram.New(1, 3600e9, 3)
	for v := int64(20000); v < 30000; v += 7 {
		h.RecordValue(v)
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return &File{Schema: Schema, Host: Host{Kernel: "Linux test"}, Cases: []Case{
		{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Status: StatusOK, Messages: 100,
			Latency: Summarize(h), HistogramHDR: string(enc), MsgsPerSec: 90000, CopiesPerMsg: 2, SyscallsPerMsg: 2},
		{Transport: "pipe", Workload: "stream", SizeBytes: 1, Status: StatusSkipped, Reason: "too small | really"},
		{Transport: "tcp", Workload: "stream", SizeBytes: 64, Status: StatusFailed, Reason: "side b died"},
	}}
}

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "r.json")
	f := sample(t)
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cases) != 3 || got.Cases[0].Latency != f.Cases[0].Latency {
		t.Fatalf("round trip changed the file: %+v", got.Cases)
	}
	h, err := DecodeHistogram(got.Cases[0].HistogramHDR)
	if err != nil || Summarize(h) != f.Cases[0].Latency {
		t.Fatalf("histogram did not survive: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("Write left temp files: %v", entries)
	}
}

func TestReadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(func() string {
		p := filepath.Join(dir, "good.json")
		if err := Write(p, sample(t)); err != nil {
			t.Fatal(err)
		}
		return p
	}())
	for name, tc := range map[string]struct {
		data string
		want string
	}{
		"empty":       {"", "empty file"},
		"truncated":   {string(good[:len(good)/2]), "unexpected end"},
		"no schema":   {`{"cases": []}`, `no "schema"`},
		"newer":       {`{"schema": "ipcbench/results/v2"}`, `schema "ipcbench/results/v2"`},
		"wrong shape": {`{"schema": "` + Schema + `", "cases": {"a": 1}}`, "cannot unmarshal"},
		"array":       {`[1,2]`, "cannot unmarshal"},
		"bad status":  {`{"schema": "` + Schema + `", "cases": [{"status": "great"}]}`, "unknown status"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
			os.WriteFile(p, []byte(tc.data), 0o600)
			_, err := Read(p)
			if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("Read = %v, want ErrSchema naming the file and %q", err, tc.want)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing.json")); err == nil || !os.IsNotExist(errors.Unwrap(err)) {
		t.Errorf("missing file: %v", err)
	}
}

func TestFormats(t *testing.T) {
	f := sample(t)
	for _, format := range Formats {
		var b bytes.Buffer
		if err := WriteFormat(&b, format, f); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := b.String()
		for _, want := range []string{"pipe", "tcp", "side b died"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", format, want, out)
			}
		}
	}
	var b bytes.Buffer
	WriteTable(&b, f)
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[1], "25.0µs") || !strings.Contains(lines[3], "failed: side b died") || strings.Contains(lines[3], "µs") {
		t.Errorf("table rows wrong:\n%s", b.String())
	}
	if err := WriteFormat(&b, "xml", f); err == nil {
		t.Error("unknown format accepted")
	}
}
