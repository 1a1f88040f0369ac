package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/workloads"
	"golang.org/x/sys/unix"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Figure is one rendered plot.
type Figure struct {
	Name    string // file stem: latency-pingpong
	Caption string
	PNG     []byte
	SVG     []byte
}

// Plot sizes: 6 × 4 inches, which gonum renders at 96 dpi as 576 × 384 PNGs.
const (
	plotWidth  = 6 * vg.Inch
	plotHeight = 4 * vg.Inch
)

// PNGSize is the size of every figure in CSS pixels; its PNG holds
// pngScale times as many pixels each way, for high-DPI screens.
var PNGSize = [2]int{576, 384}

type planned struct {
	name, caption string
	make          func() (*plot.Plot, error)
}

// plan lists the figures for the inputs: for each workload in them, in
// the registry's order, its figures (workloadPlans: latency and throughput
// against size, a latency spectrum, cost bars at every size);
// then, for each workload at offered rates (registered or not), p99 against
// offered load, and for each measured at several depths, throughput
// against depth.
func plan(in []Input) []planned {
	var out []planned
	open, _ := rateWorkloads(in)
	for _, d := range workloads.All() {
		if slices.Contains(open, d.Name) { // open loop: plotted against offered load
			continue
		}
		out = append(out, workloadPlans(in, d)...)
	}
	return append(out, loadPlans(in)...)
}

// render draws the planned plot as PNG and SVG.
func (pl planned) render() (Figure, error) {
	p, err := pl.make()
	if err != nil {
		return Figure{}, fmt.Errorf("plot %s: %w", pl.name, err)
	}
	f := Figure{Name: pl.name, Caption: pl.caption}
	for _, ext := range []string{"png", "svg"} {
		b, err := encodePlot(p, ext)
		if err != nil {
			return f, fmt.Errorf("plot %s as %s: %w", pl.name, ext, err)
		}
		if ext == "png" {
			f.PNG = b
		} else {
			f.SVG = b
		}
	}
	return f, nil
}

// Formats of WriteDir.
const (
	HTML     = "html"
	Markdown = "markdown"
	Both     = "both"
)

// Formats lists the formats of WriteDir.
var Formats = []string{HTML, Markdown, Both}

// WriteDir renders the report into dir: index.html and/or report.md, and every
// figure as PNG and SVG. It builds the whole report in a temporary directory
// beside dir and renames it into place, so a failure or the end of ctx leaves
// no partial report and an earlier report at dir is replaced only by a
// complete one. It replaces only a report it wrote itself, or with force any
// directory (see CheckDir). o holds the report's choices, such as the
// verdict's baseline; the zero Options are the defaults.
func WriteDir(ctx context.Context, dir string, in []Input, pages string, force bool, o Options) error {
	if err := format.Check(pages, Formats); err != nil {
		return err
	}
	if len(in) == 0 {
		return fmt.Errorf("no results to report")
	}
	if err := CheckDir(dir, force); err != nil {
		return err
	}
	figs, err := Figures(ctx, in)
	if err != nil {
		return err
	}
	changes, err := changeFigures(comparisons(in))
	if err != nil {
		return err
	}
	figs = append(changes, figs...)
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, ".ipcbench-report-")
	if err != nil {
		return fmt.Errorf("create report directory in %s: %w", parent, err)
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	defer building.add(tmp)()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	files, err := writeFiles(tmp, in, figs, pages, o)
	if err != nil {
		return err
	}
	if err := writeMarker(tmp, files); err != nil {
		return err
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return replaceDir(tmp, dir, force)
}

// building holds the build directories of reports in progress, so that a
// command that must exit at once (a second signal) can remove them.
var building = buildDirs{dirs: map[string]bool{}}

type buildDirs struct {
	sync.Mutex
	dirs map[string]bool
}

func (b *buildDirs) add(dir string) (remove func()) {
	b.Lock()
	defer b.Unlock()
	b.dirs[dir] = true
	return func() {
		b.Lock()
		defer b.Unlock()
		delete(b.dirs, dir)
	}
}

// Abort removes the build directory of every report in progress, for a
// command about to exit without waiting for them. A report being renamed
// into place at that moment is either complete at its directory or gone.
func Abort() {
	building.Lock()
	defer building.Unlock()
	for dir := range building.dirs {
		os.RemoveAll(dir)
		os.RemoveAll(dir + ".old")
	}
}

// Figures renders every planned plot as PNG and SVG, stopping between
// figures when ctx ends. Plots without data are left out.
func Figures(ctx context.Context, in []Input) ([]Figure, error) {
	var figs []Figure
	for _, pl := range plan(in) {
		if err := context.Cause(ctx); err != nil {
			return nil, err
		}
		f, err := pl.render()
		if errors.Is(err, errEmpty) {
			continue
		}
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// writeFiles writes the figures and pages into dir and returns their names.
func writeFiles(dir string, in []Input, figs []Figure, pages string, o Options) ([]string, error) {
	var names []string
	write := func(name string, data []byte) error {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		names = append(names, name)
		return nil
	}
	for _, f := range figs {
		if err := write(f.Name+".png", f.PNG); err != nil {
			return nil, err
		}
		if err := write(f.Name+".svg", f.SVG); err != nil {
			return nil, err
		}
	}
	if pages == HTML || pages == Both {
		var b bytes.Buffer
		if err := WriteHTMLPage(&b, in, figs, o); err != nil {
			return nil, err
		}
		if err := write("index.html", b.Bytes()); err != nil {
			return nil, err
		}
	}
	if pages == Markdown || pages == Both {
		var b bytes.Buffer
		if err := WriteMarkdownPage(&b, in, figs, o); err != nil {
			return nil, err
		}
		if err := write("report.md", b.Bytes()); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// Marker is the file in every report directory that says ipcbench wrote
// it, and lists the files it wrote: the proof CheckDir asks for before a
// later report replaces the directory.
const Marker = ".ipcbench-report"

const markerHead = "ipcbench report: written by ipcbench, which replaces this directory whole on the next report to it; the files it wrote:"

// maxMarkerBytes bounds what CheckDir reads of a marker.
const maxMarkerBytes = 64 << 10

func writeMarker(dir string, files []string) error {
	text := markerHead + "\n" + strings.Join(files, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, Marker), []byte(text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", Marker, err)
	}
	return nil
}

// ErrNotReport means that something stands at a report's directory that
// ipcbench cannot prove it wrote, so it will not replace it.
var ErrNotReport = errors.New("ipcbench will not replace what it cannot prove it wrote")

// CheckDir reports whether a report may be written to dir: nothing is
// there, or a directory holding ipcbench's Marker and only the files the
// marker lists, owned by the caller. With force, any directory will do. Never a symbolic link
// (it is not followed, even with force), a non-directory, or the current
// directory or one above it. Refusals wrap ErrNotReport.
func CheckDir(dir string, force bool) error {
	if err := notAboveCwd(dir); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case fi.Mode().Type() == fs.ModeSymlink:
		return fmt.Errorf("%s is %w: %w", dir, safeout.ErrSymlink, ErrNotReport)
	case !fi.IsDir():
		return fmt.Errorf("%s is %s, not a report directory: %w", dir, safeout.Describe(fi.Mode()), ErrNotReport)
	case force:
		return nil
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not you (uid %d): %w", dir, st.Uid, os.Geteuid(), ErrNotReport)
	}
	listed, err := readMarker(dir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var foreign []string
	for _, e := range entries {
		if e.Name() != Marker && (!listed[e.Name()] || !e.Type().IsRegular()) {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		if len(foreign) > 3 {
			foreign = append(foreign[:3], fmt.Sprintf("and %d more", len(foreign)-3))
		}
		return fmt.Errorf("%s holds what no report wrote (%s): %w", dir, strings.Join(foreign, ", "), ErrNotReport)
	}
	return nil
}

// readMarker returns the files dir's marker lists.
func readMarker(dir string) (map[string]bool, error) {
	path := filepath.Join(dir, Marker)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s exists and is not an ipcbench report (no regular %s file in it): %w", dir, Marker, ErrNotReport)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMarkerBytes))
	lines := strings.Split(string(data), "\n")
	if err != nil || lines[0] != markerHead {
		return nil, fmt.Errorf("%s exists and is not an ipcbench report (%s is not ipcbench's marker): %w", dir, path, ErrNotReport)
	}
	listed := map[string]bool{}
	for _, l := range lines[1:] {
		if l != "" && !strings.ContainsRune(l, '/') {
			listed[l] = true
		}
	}
	return listed, nil
}

// notAboveCwd refuses the current directory and its ancestors: replacing
// one would pull the ground from under the command.
func notAboveCwd(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(abs, cwd); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%s is the current directory or holds it: %w", dir, ErrNotReport)
	}
	return nil
}

// replaceDir moves the finished report to dir, replacing an earlier report
// that CheckDir accepts (checked again: the directory may have changed
// while the report was rendered). Where nothing stood, it replaces nothing
// that has appeared since.
// beforeMoveAside, when set, runs between replaceDir's first check of an
// earlier report and its move aside; tests add a file there.
var beforeMoveAside func(dir string)

func replaceDir(tmp, dir string, force bool) error {
	if err := CheckDir(dir, force); err != nil {
		return err
	}
	old := ""
	if _, err := os.Lstat(dir); err == nil {
		if beforeMoveAside != nil {
			beforeMoveAside(dir)
		}
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("move the earlier report at %s aside: %w", dir, err)
		}
		// Checked again where nobody else can reach it (its name is
		// random): an entry added since the first check keeps it.
		if err := CheckDir(old, force); err != nil {
			if back := safeout.RenameNoReplace(old, dir); back != nil {
				return fmt.Errorf("%w; and moving it back from %s failed: %v", err, old, back)
			}
			return err
		}
	}
	if err := safeout.RenameNoReplace(tmp, dir); err != nil {
		if old != "" {
			safeout.RenameNoReplace(old, dir)
		}
		return fmt.Errorf("move the report into %s: %w", dir, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// Labels names inputs after their files, adding the directory where two
// files share a name. A file's name is anyone's who could write to its
// directory, so control characters in it are escaped for every page and
// plot (textsafe.Terminal).
func Labels(paths []string) []string {
	labels := make([]string, len(paths))
	count := map[string]int{}
	for i, p := range paths {
		labels[i] = strings.TrimSuffix(filepath.Base(p), ".json")
		count[labels[i]]++
	}
	for i, p := range paths {
		if count[labels[i]] > 1 {
			labels[i] = filepath.Join(filepath.Base(filepath.Dir(p)), labels[i])
		}
		labels[i] = textsafe.Terminal(labels[i])
	}
	return labels
}
