package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// layout is where a page's parts lie in a browser window.
type layout struct {
	ScrollWidth, VerdictTop, FirstPlotTop int
}

// measure opens htmlPath in headless Chromium in a window width × height
// pixels wide and reads the document's scroll width and the offsetTop of
// #verdict and of the first figure, by a script added to a copy of the
// page (the report itself has none) that writes them into the DOM.
func measure(chromium, htmlPath string, width, height int, timeout time.Duration) (layout, error) {
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		return layout{}, err
	}
	const script = `<script>window.addEventListener("load",function(){var v=document.getElementById("verdict"),f=document.querySelector("figure");` +
		`var p=document.createElement("pre");p.id="ipcbench-layout";p.textContent="layout "+document.documentElement.scrollWidth+" "+(v?v.offsetTop:-1)+" "+(f?f.offsetTop:-1);` +
		`document.body.appendChild(p)});</script>`
	probe := filepath.Join(filepath.Dir(htmlPath), "probe.html")
	if err := os.WriteFile(probe, bytes.Replace(page, []byte("</body>"), []byte(script+"</body>"), 1), 0o644); err != nil {
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
		"--no-first-run", "--hide-scrollbars", "--user-data-dir="+profile, fmt.Sprintf("--window-size=%d,%d", width, height),
		"--virtual-time-budget=5000", "--dump-dom", "file://"+probe)
	out, err := cmd.Output()
	if err != nil {
		return layout{}, fmt.Errorf("chromium --dump-dom: %w", err)
	}
	var l layout
	i := bytes.Index(out, []byte(`<pre id="ipcbench-layout">layout `))
	if i < 0 {
		return l, fmt.Errorf("chromium ran no layout probe; its DOM begins %.200q", out)
	}
	_, err = fmt.Sscanf(string(out[i+len(`<pre id="ipcbench-layout">layout `):]), "%d %d %d", &l.ScrollWidth, &l.VerdictTop, &l.FirstPlotTop)
	return l, err
}

// TestReportFitsTheWindow renders the golden run's report in a 1280 px
// window: the verdict must come above the first plot, and the page must be
// no wider than the window.
func TestReportFitsTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a headless browser; the full lane opens the report in chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install -y chromium); the report's layout was not checked in a browser")
	}
	f, err := results.ReadFile(filepath.Join("..", "cli", "testdata", "golden", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rep")
	if err := WriteDir(context.Background(), dir, []Input{{Label: "run", File: f}}, HTML, false, Options{}); err != nil {
		t.Fatal(err)
	}
	l, err := measure(chromium, filepath.Join(dir, "index.html"), 1280, 900, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("at 1280 px: scrollWidth %d, verdict at %d px, first plot at %d px", l.ScrollWidth, l.VerdictTop, l.FirstPlotTop)
	if l.ScrollWidth > 1280 {
		t.Errorf("the page is %d px wide in a 1280 px window", l.ScrollWidth)
	}
	if l.VerdictTop < 0 || l.FirstPlotTop < 0 || l.VerdictTop >= l.FirstPlotTop {
		t.Errorf("verdict at %d px, first plot at %d px: want the verdict above the first plot", l.VerdictTop, l.FirstPlotTop)
	}
}
