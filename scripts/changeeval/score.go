package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/ipcbench/ipcbench/scripts/internal/truth"
)

// Detection is one change point a method reported: on a host's series of
// a case, first seen at Night, in direction Dir (+1 slower, -1 faster),
// between the commits of the run before and of the run itself.
type Detection struct {
	Host, Case           string
	Night, Dir           int
	CommitFrom, CommitTo string
}

// Instance is one series a change touched: change Change (an index into
// the truth's changes) on host Host.
type Instance struct {
	Change int
	Host   string
}

// Row is recall and precision over one slice of the changes.
type Row struct {
	Label              string
	Changes, Found     int // instances, and those some detection matched
	Detections, True   int // detections counted here, and those that matched
	Grouped, Attribute int // code: changes grouped; host: kept on the host; of Attribute
}

// Recall is Found/Changes, NaN without changes.
func (r Row) Recall() float64 { return ratio(r.Found, r.Changes) }

// Precision is True/Detections, NaN without detections.
func (r Row) Precision() float64 { return ratio(r.True, r.Detections) }

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Result is a method's score on one fleet.
type Result struct {
	Sizes  []Row // by the steps' size; precision over the cases whose changes all have that size
	Kinds  []Row // by kind; recall and attribution
	All    Row
	Points int
	// Found lists, per change, the nights its detections were at, per host.
	Found [][]Detection
}

// FalsePer10k is the detections that matched no change (or repeated a
// step's match) per 10,000 points.
func (r Result) FalsePer10k() float64 {
	return 1e4 * float64(r.All.Detections-r.All.True) / float64(r.Points)
}

// Score matches each detection to the change instance it marks: the same
// host and case, the same direction, and a night within tolerance of the
// change's (of any night of a drift's ramp). A step's instance counts once;
// a second match to it is a false detection, while a drift may be marked
// by several. Precision per size counts the detections on cases whose
// changes all have that size (cases without change under "none").
func Score(t *truth.Fleet, inst []Instance, dets []Detection, points, tolerance int) Result {
	byKey := map[[2]string][]int{}
	for i, in := range inst {
		k := [2]string{in.Host, t.Changes[in.Change].Case}
		byKey[k] = append(byKey[k], i)
	}
	found := make([]bool, len(inst))
	matched := make([]int, len(dets)) // instance index, or -1
	r := Result{Points: points, Found: make([][]Detection, len(t.Changes))}
	for di, d := range dets {
		matched[di] = -1
		best, dist := -1, math.MaxInt
		for _, i := range byKey[[2]string{d.Host, d.Case}] {
			c := t.Changes[inst[i].Change]
			if sign(c.Pct) != d.Dir || d.Night < c.Night-tolerance || d.Night > c.Last()+tolerance {
				continue
			}
			if off := max(c.Night-d.Night, d.Night-c.Last(), 0); off < dist && !(found[i] && c.Kind != truth.KindDrift) {
				best, dist = i, off
			}
		}
		if best >= 0 {
			found[best], matched[di] = true, best
			r.Found[inst[best].Change] = append(r.Found[inst[best].Change], d)
		}
	}
	r.Sizes = sizeRows(t, inst, found, dets, matched)
	r.Kinds = kindRows(t, inst, found, dets, r.Found, tolerance)
	for i := range inst {
		r.All.Changes++
		r.All.Found += b2i(found[i])
	}
	for _, m := range matched {
		r.All.Detections++
		r.All.True += b2i(m >= 0)
	}
	r.All.Label = "all, drifts too"
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sizeLabel(pct float64) string { return fmt.Sprintf("%g %%", math.Abs(pct)) }

// sizeRows is the steps' recall by size (drifts are left out), and
// precision over the detections on the cases whose changes, drifts
// included, all have one size.
func sizeRows(t *truth.Fleet, inst []Instance, found []bool, dets []Detection, matched []int) []Row {
	rows := map[string]*Row{}
	row := func(label string) *Row {
		if rows[label] == nil {
			rows[label] = &Row{Label: label}
		}
		return rows[label]
	}
	for i, in := range inst {
		if t.Changes[in.Change].Kind == truth.KindDrift {
			continue // drifts have their own row in kindRows
		}
		rw := row(sizeLabel(t.Changes[in.Change].Pct))
		rw.Changes++
		rw.Found += b2i(found[i])
	}
	caseSize := map[string]string{}
	for _, c := range t.Changes {
		if s, ok := caseSize[c.Case]; ok && s != sizeLabel(c.Pct) {
			caseSize[c.Case] = "mixed sizes"
		} else if !ok {
			caseSize[c.Case] = sizeLabel(c.Pct)
		}
	}
	for di, d := range dets {
		label, ok := caseSize[d.Case]
		if !ok {
			label = "none"
		}
		rw := row(label)
		rw.Detections++
		rw.True += b2i(matched[di] >= 0)
	}
	var out []Row
	for _, rw := range rows {
		out = append(out, *rw)
	}
	sort.Slice(out, func(a, b int) bool { return sizeOrder(out[a].Label) < sizeOrder(out[b].Label) })
	return out
}

// sizeOrder sorts sizes by value, then "mixed sizes", then "none".
func sizeOrder(label string) float64 {
	var v float64
	if _, err := fmt.Sscanf(label, "%g %%", &v); err == nil {
		return v
	}
	if label == "none" {
		return math.Inf(1)
	}
	return math.MaxFloat64
}

// kindRows is recall by kind, with the attribution: a code change is
// grouped when more than half the hosts holding its case saw it at its
// very commit range; a host change is kept on its host when it was found
// there and no other host has a detection of the case, in its direction,
// within tolerance of its night.
func kindRows(t *truth.Fleet, inst []Instance, found []bool, dets []Detection, byChange [][]Detection, tolerance int) []Row {
	var out []Row
	for _, kind := range []string{truth.KindCode, truth.KindHost, truth.KindDrift} {
		rw := Row{Label: kind}
		perChange := map[int]int{}
		for i, in := range inst {
			if t.Changes[in.Change].Kind == kind {
				rw.Changes++
				rw.Found += b2i(found[i])
				perChange[in.Change]++
			}
		}
		if rw.Changes == 0 {
			continue
		}
		for ci, hosts := range perChange {
			c := t.Changes[ci]
			switch kind {
			case truth.KindCode:
				rw.Attribute++
				rw.Grouped += b2i(2*sameRange(c, byChange[ci]) > hosts)
			case truth.KindHost:
				rw.Attribute++
				rw.Grouped += b2i(len(byChange[ci]) > 0 && !elsewhere(c, dets, tolerance))
			}
		}
		out = append(out, rw)
	}
	return out
}

// sameRange counts the hosts whose detection names c's commit range.
func sameRange(c truth.Change, dets []Detection) int {
	hosts := map[string]bool{}
	for _, d := range dets {
		if d.CommitFrom == c.CommitFrom && d.CommitTo == c.CommitTo {
			hosts[d.Host] = true
		}
	}
	return len(hosts)
}

// elsewhere says whether a host other than c's saw c's case move in c's
// direction within tolerance of c's night.
func elsewhere(c truth.Change, dets []Detection, tolerance int) bool {
	for _, d := range dets {
		if d.Host != c.Host && d.Case == c.Case && d.Dir == sign(c.Pct) && d.Night >= c.Night-tolerance && d.Night <= c.Night+tolerance {
			return true
		}
	}
	return false
}

// writeScore prints a method's score as Markdown.
func writeScore(w io.Writer, name string, t *truth.Fleet, r Result, verbose bool) {
	fmt.Fprintf(w, "### %s\n\n", name)
	fmt.Fprintln(w, "| step size | steps (host × case) | found | recall | detections | true | precision |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, rw := range append(r.Sizes, r.All) {
		fmt.Fprintf(w, "| %s | %d | %d | %s | %d | %d | %s |\n", rw.Label, rw.Changes, rw.Found, fix(rw.Recall()), rw.Detections, rw.True, fix(rw.Precision()))
	}
	fmt.Fprintln(w)
	if len(r.Kinds) > 0 {
		fmt.Fprintln(w, "| kind | changes (host × case) | found | recall | attribution |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---|")
		for _, rw := range r.Kinds {
			fmt.Fprintf(w, "| %s | %d | %d | %s | %s |\n", rw.Label, rw.Changes, rw.Found, fix(rw.Recall()), attribution(rw))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "False alarms: %d in %d points, %.2f per 10,000 points.\n\n", r.All.Detections-r.All.True, r.Points, r.FalsePer10k())
	if verbose {
		writeFound(w, t, r)
	}
}

func attribution(rw Row) string {
	switch rw.Label {
	case truth.KindCode:
		return fmt.Sprintf("%d of %d grouped (same commit range on > half the hosts)", rw.Grouped, rw.Attribute)
	case truth.KindHost:
		return fmt.Sprintf("%d of %d found on their host and no other", rw.Grouped, rw.Attribute)
	}
	return "—"
}

func fix(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.3f", v)
}

// writeFound lists, per change, the nights its detections were at.
func writeFound(w io.Writer, t *truth.Fleet, r Result) {
	for ci, dets := range r.Found {
		c := t.Changes[ci]
		nights := map[int]int{}
		for _, d := range dets {
			nights[d.Night]++
		}
		keys := make([]int, 0, len(nights))
		for n := range nights {
			keys = append(keys, n)
		}
		sort.Ints(keys)
		parts := make([]string, len(keys))
		for i, n := range keys {
			parts[i] = fmt.Sprintf("night %d ×%d", n, nights[n])
		}
		where := "every host"
		if c.Kind == truth.KindHost {
			where = c.Host
		}
		list := "none"
		if len(parts) > 0 {
			list = strings.Join(parts, ", ")
		}
		fmt.Fprintf(w, "- %s %+g %% on %s, %s, from night %d: detections: %s\n",
			c.Kind, c.Pct, c.Case, where, c.Night, list)
	}
	fmt.Fprintln(w)
}
