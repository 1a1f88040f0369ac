package report

import (
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"gonum.org/v1/plot"
)

// TestSavePlotReplacesOnlyItsOwnPlot: history --plot replaced any regular
// file, a user's notes included. SavePlot must replace only a plot that
// carries ipcbench's mark; ReplacePlot (--force) any regular file. The mark
// leaves a valid PNG and SVG.
func TestSavePlotReplacesOnlyItsOwnPlot(t *testing.T) {
	p := plot.New()
	p.Title.Text = "trend"
	for _, ext := range []string{"png", "svg"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			own := filepath.Join(dir, "trend."+ext)
			for range 2 { // creates, then replaces its own
				if err := SavePlot(p, own); err != nil {
					t.Fatal(err)
				}
			}
			checkImage(t, own, ext)

			notes := filepath.Join(dir, "notes."+ext)
			os.WriteFile(notes, []byte("notes\n"), 0o644)
			if err := SavePlot(p, notes); !errors.Is(err, safeout.ErrNotOurs) {
				t.Errorf("SavePlot over notes: %v, want ErrNotOurs", err)
			}
			if b, _ := os.ReadFile(notes); string(b) != "notes\n" {
				t.Errorf("SavePlot changed the notes to %.20q", b)
			}
			if err := ReplacePlot(p, notes); err != nil {
				t.Fatalf("ReplacePlot over notes: %v", err)
			}
			checkImage(t, notes, ext)
		})
	}
}

// checkImage checks that path is a plot SavePlot wrote, and decodes.
func checkImage(t *testing.T, path, ext string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ProvePlot(f); err != nil {
		t.Errorf("ProvePlot(%s): %v", path, err)
	}
	f.Seek(0, io.SeekStart)
	switch ext {
	case "png":
		if _, err := png.Decode(f); err != nil { // checks every chunk's CRC
			t.Errorf("%s: %v", path, err)
		}
	case "svg":
		d := xml.NewDecoder(f)
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", path, err)
			}
		}
	}
}

// TestProvePlotRefusesLookalikes: a PNG or SVG that ipcbench did not mark,
// and a file too short to hold the mark, are not ipcbench's.
func TestProvePlotRefusesLookalikes(t *testing.T) {
	for name, data := range map[string]string{
		"png without the mark": string(pngSignature) + "\x00\x00\x00\x0dIHDR" + string(make([]byte, 17)) + "\x00\x00\x00\x00IEND\xaeB`\x82",
		"svg without the mark": "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
		"the mark further in":  "<?xml version=\"1.0\"?>\n<svg/>\n" + svgMark,
		"empty":                "",
		"png signature alone":  string(pngSignature),
	} {
		path := filepath.Join(t.TempDir(), "f")
		os.WriteFile(path, []byte(data), 0o644)
		f, _ := os.Open(path)
		if err := ProvePlot(f); err == nil {
			t.Errorf("%s: ProvePlot accepted it", name)
		}
		f.Close()
	}
}
