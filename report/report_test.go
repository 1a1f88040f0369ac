package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

func load(t *testing.T, names ...string) []Input {
	t.Helper()
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join("testdata", n))
	}
	labels := Labels(paths)
	var in []Input
	for i, p := range paths {
		f, err := results.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, Input{Label: labels[i], File: f})
	}
	return in
}

// notBlank reports whether an image has more than a handful of colours: a
// plot with axes, labels and lines has hundreds.
func notBlank(img image.Image) bool {
	colours := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(colours) > 20
}

func checkFigures(t *testing.T, figs []Figure) {
	t.Helper()
	if len(figs) < 10 {
		t.Fatalf("only %d figures", len(figs))
	}
	for _, f := range figs {
		img, err := png.Decode(bytes.NewReader(f.PNG))
		if err != nil {
			t.Errorf("%s.png: %v", f.Name, err)
			continue
		}
		if sz := img.Bounds().Size(); sz.X != pngScale*PNGSize[0] || sz.Y != pngScale*PNGSize[1] {
			t.Errorf("%s.png is %v, want %d × %v", f.Name, sz, pngScale, PNGSize)
		}
		if !notBlank(img) {
			t.Errorf("%s.png is blank", f.Name)
		}
		dec := xml.NewDecoder(bytes.NewReader(f.SVG))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s.svg is not XML: %v", f.Name, err)
				break
			}
		}
	}
}

func TestFiguresFromARealRun(t *testing.T) {
	figs, err := Figures(context.Background(), load(t, "run-a.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, figs)
	names := map[string]bool{}
	for _, f := range figs {
		names[f.Name] = true
	}
	for _, want := range []string{"latency-pingpong", "latency-stream", "throughput-mbps-relay", "distribution-pingpong-64",
		"cpu-pingpong", "cpu-per-mb-stream", "cpu-relay"} {
		if !names[want] {
			t.Errorf("no figure %s", want)
		}
	}
}

func TestOverlayOfSeveralFiles(t *testing.T) {
	in := load(t, "run-a.json", "run-b.json")
	figs, err := Figures(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, figs)
	var b bytes.Buffer
	if err := WriteHTMLPage(&b, in, figs, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"run-a", "run-b"} {
		if !strings.Contains(b.String(), label) {
			t.Errorf("overlay report does not name %s", label)
		}
	}
}

func TestHTMLAndMarkdownHoldEverything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rep")
	in := load(t, "run-a.json")
	if err := WriteDir(context.Background(), dir, in, Both, false, Options{}); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	figs, _ := Figures(context.Background(), in)
	for _, f := range figs {
		if !bytes.Contains(html, []byte(`id="`+f.Name+`"`)) {
			t.Errorf("index.html lacks figure %s", f.Name)
		}
		if !bytes.Contains(md, []byte("("+f.Name+".png)")) {
			t.Errorf("report.md lacks figure %s", f.Name)
		}
		if _, err := os.Stat(filepath.Join(dir, f.Name+".svg")); err != nil {
			t.Errorf("no %s.svg: %v", f.Name, err)
		}
	}
	for _, tr := range in[0].File.Config.Transports {
		if !bytes.Contains(html, []byte(tr+"/")) || !bytes.Contains(md, []byte(tr+"/")) {
			t.Errorf("report lacks transport %s", tr)
		}
	}
	for _, c := range in[0].File.Cases {
		if c.Status == results.StatusSkipped && !bytes.Contains(html, []byte(strings.Split(c.Reason, " (")[0])) {
			t.Errorf("skip reason missing for %s: %s", c.Key(), c.Reason)
		}
	}
	// Self-contained: no scripts, no stylesheets or images fetched from anywhere.
	for _, forbidden := range []string{"<script", "<link", `src="`, `href="http`, "url(", "<img"} {
		if bytes.Contains(bytes.ToLower(html), []byte(forbidden)) {
			t.Errorf("index.html is not self-contained: contains %q", forbidden)
		}
	}
	if !bytes.Contains(html, []byte("harness overhead")) || !bytes.Contains(html, []byte("Method")) {
		t.Error("index.html lacks the overhead or method section")
	}
}

func TestWriteFailureLeavesNoPartialReport(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "rep")
	if err := WriteDir(context.Background(), dir, load(t, "run-a.json"), "pdf", false, Options{}); err == nil {
		t.Fatal("unknown format accepted")
	}
	if err := WriteDir(context.Background(), dir, nil, Both, false, Options{}); err == nil {
		t.Fatal("empty input accepted")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 0 {
		t.Errorf("failed writes left %v", entries)
	}
}

// TestHeadlessBrowserRendersReport opens index.html in Debian's chromium and
// takes a screenshot; the screenshot must decode and not be blank.
func TestHeadlessBrowserRendersReport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a headless browser; the full lane opens the report in chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install -y chromium); the HTML report was not checked in a browser")
	}
	dir := filepath.Join(t.TempDir(), "rep")
	if err := WriteDir(context.Background(), dir, load(t, "run-a.json"), HTML, false, Options{}); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	if keep := os.Getenv("IPCBENCH_SCREENSHOT"); keep != "" {
		shot = keep // to look at it: IPCBENCH_SCREENSHOT=/tmp/shot.png go test ./report -run Headless
	}
	if err := screenshot(chromium, filepath.Join(dir, "index.html"), shot, 1280, 2400, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !notBlank(img) {
		t.Error("the browser rendered a blank page")
	}
}
