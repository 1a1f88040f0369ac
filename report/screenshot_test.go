package report

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// screenshot renders an HTML file in headless Chromium and saves a PNG of
// width × height pixels. It lives in a test file: package report itself never
// shells out, and the report needs no browser.
func screenshot(chromium, htmlPath, pngPath string, width, height int, timeout time.Duration) error {
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+profile,
		fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+pngPath, "file://"+abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("chromium --screenshot: %w\n%s", err, out)
	}
	if _, err := os.Stat(pngPath); err != nil {
		return fmt.Errorf("chromium wrote no screenshot: %s", out)
	}
	return nil
}

// layout is where a page's parts lie in a browser window, and the numbers
// it split.
type layout struct {
	ScrollWidth, VerdictTop, FirstPlotTop int
	// Split counts the table cells and .nw spans other than the wrapping
	// ones (td.wrap) whose text the browser laid out on more than one line;
	// FirstSplit is the text of the first.
	Split      int
	FirstSplit string
}

// probePage loads the report in a frame %d × %d pixels (a headless
// window is at least 500 wide, wider than a phone) and, once it has loaded,
// writes what it measured into a <pre> that --dump-dom prints: the scroll
// width, the offsetTop of the comparison's or verdict's heading and of the
// first plot, and every cell that must stay on one line but does not (its
// text's line boxes, from Range.getClientRects, have more than one top).
const probePage = `<!DOCTYPE html><html><body style="margin:0"><iframe id="r" src="index.html" width="%d" height="%d" style="border:0"></iframe>
<script>document.getElementById("r").addEventListener("load",function(){var d=this.contentDocument;
var v=d.getElementById("compare")||d.getElementById("verdict"),f=d.querySelector("#plots ~ figure");
var split=0,first="";d.querySelectorAll("td:not(.wrap), .nw").forEach(function(e){
var r=d.createRange();r.selectNodeContents(e);var tops={};Array.prototype.forEach.call(r.getClientRects(),function(x){if(x.width>0)tops[Math.round(x.top)]=1});
if(Object.keys(tops).length>1){split++;if(!first)first=e.textContent.replace(/\s+/g," ")}});
var p=document.createElement("pre");p.id="ipcbench-layout";p.textContent="layout "+d.documentElement.scrollWidth+" "+(v?v.offsetTop:-1)+" "+(f?f.offsetTop:-1)+" "+split+" "+first;
document.body.appendChild(p)});</script></body></html>`

// measure opens htmlPath in headless Chromium in a frame width × height
// pixels wide and reads its layout, by probePage beside it (the report
// itself has no script).
func measure(chromium, htmlPath string, width, height int, timeout time.Duration) (layout, error) {
	if filepath.Base(htmlPath) != "index.html" {
		return layout{}, fmt.Errorf("measure %s: the probe frames index.html", htmlPath)
	}
	probe := filepath.Join(filepath.Dir(htmlPath), "probe.html")
	if err := os.WriteFile(probe, fmt.Appendf(nil, probePage, width, height), 0o644); err != nil {
		return layout{}, err
	}
	probe, err := filepath.Abs(probe)
	if err != nil {
		return layout{}, err
	}
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		return layout{}, err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--hide-scrollbars", "--allow-file-access-from-files", "--user-data-dir="+profile,
		fmt.Sprintf("--window-size=%d,%d", max(width, 500), height), "--virtual-time-budget=5000", "--dump-dom", "file://"+probe)
	out, err := cmd.Output()
	if err != nil {
		return layout{}, fmt.Errorf("chromium --dump-dom: %w", err)
	}
	var l layout
	const mark = `<pre id="ipcbench-layout">layout `
	i := bytes.Index(out, []byte(mark))
	if i < 0 {
		return l, fmt.Errorf("chromium ran no layout probe; its DOM begins %.200q", out)
	}
	rest := string(out[i+len(mark):])
	rest = rest[:strings.Index(rest, "</pre>")]
	if _, err = fmt.Sscanf(rest, "%d %d %d %d", &l.ScrollWidth, &l.VerdictTop, &l.FirstPlotTop, &l.Split); err != nil {
		return l, fmt.Errorf("layout probe %q: %w", rest, err)
	}
	if f := strings.SplitN(rest, " ", 5); len(f) == 5 {
		l.FirstSplit = html.UnescapeString(f[4])
	}
	return l, nil
}

// TestReportFitsTheWindow renders a one-run and a two-run report in a
// 1280 px window and on a 390 px phone: the page must be no wider than the
// window (wide tables scroll in their own box), the comparison or verdict
// must come above the first plot, and no number may be split across
// lines.
func TestReportFitsTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a headless browser; the full lane opens the report in chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install -y chromium); the report's layout was not checked in a browser")
	}
	reports := map[string][]string{
		"one run":  {filepath.Join("..", "cli", "testdata", "golden", "run.json")},
		"two runs": {filepath.Join("testdata", "run-a.json"), filepath.Join("testdata", "run-b.json")},
	}
	for name, paths := range reports {
		var in []Input
		for i, p := range paths {
			f, err := results.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, Input{Label: fmt.Sprintf("run%d", i+1), File: f})
		}
		dir := filepath.Join(t.TempDir(), "rep")
		if err := WriteDir(context.Background(), dir, in, HTML, false, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, w := range []struct{ width, height int }{{1280, 900}, {390, 844}} {
			t.Run(fmt.Sprintf("%s at %d px", name, w.width), func(t *testing.T) {
				l, err := measure(chromium, filepath.Join(dir, "index.html"), w.width, w.height, 60*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("scrollWidth %d, verdict at %d px, first plot at %d px, %d split", l.ScrollWidth, l.VerdictTop, l.FirstPlotTop, l.Split)
				if l.ScrollWidth > w.width {
					t.Errorf("the page is %d px wide in a %d px window", l.ScrollWidth, w.width)
				}
				if l.VerdictTop < 0 || l.FirstPlotTop < 0 || l.VerdictTop >= l.FirstPlotTop {
					t.Errorf("verdict at %d px, first plot at %d px: want the verdict above the first plot", l.VerdictTop, l.FirstPlotTop)
				}
				if l.Split > 0 {
					t.Errorf("%d cells split their text across lines, the first %q: a number must never break", l.Split, l.FirstSplit)
				}
			})
		}
	}
}
