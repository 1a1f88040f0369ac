package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
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
