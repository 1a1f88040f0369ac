// Package truth is the known truth of a synthetic fleet: the changes that
// scripts/synthruns injected into its runs, as scripts/changeeval reads
// them back. Nights are numbered from 1, the fleet's oldest.
package truth

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Kinds of change.
const (
	KindCode  = "code"  // from a commit on, on every host
	KindHost  = "host"  // from a night on, on one host, whose kernel string changes too
	KindDrift = "drift" // a linear ramp over Nights nights, on every host
)

// Change is one injected change: the case's latency figures (and the
// repetitions') times 1+Pct/100 from Night on (a drift reaches that factor
// in Nights steps, the first at Night).
type Change struct {
	Kind   string  `json:"kind"`
	Case   string  `json:"case"`           // the case's key, as results.CaseKey.String
	Host   string  `json:"host,omitempty"` // host changes only
	Night  int     `json:"night"`
	Nights int     `json:"nights,omitempty"` // drifts only: the ramp's length
	Pct    float64 `json:"pct"`              // signed: > 0 slower (a regression)
	// CommitFrom and CommitTo are the commits of the night before and of
	// Night itself: the range a code change is attributed to.
	CommitFrom string `json:"commit_from,omitempty"`
	CommitTo   string `json:"commit_to,omitempty"`
}

// Fleet is the truth file of one synthetic directory.
type Fleet struct {
	Hosts      int       `json:"hosts"`
	Nights     int       `json:"nights"`
	FirstNight time.Time `json:"first_night"` // the date of night 1, 00:00 UTC
	// AA says the fleet was written with no change at all (A/A).
	AA      bool     `json:"aa,omitempty"`
	Changes []Change `json:"changes"`
}

// NightOf returns the night (from 1) a run started at t belongs to.
func (f *Fleet) NightOf(t time.Time) int {
	return int(t.UTC().Sub(f.FirstNight).Hours()/24) + 1
}

// Factor returns how much change c scales its case's latency on the given
// night (1 before it starts).
func (c Change) Factor(night int) float64 {
	switch {
	case night < c.Night:
		return 1
	case c.Kind == KindDrift && c.Nights > 1 && night < c.Night+c.Nights-1:
		return 1 + c.Pct/100*float64(night-c.Night+1)/float64(c.Nights)
	}
	return 1 + c.Pct/100
}

// Last returns the last night of c's window in which a detection may
// mark it: Night for a step, the ramp's last night for a drift.
func (c Change) Last() int {
	if c.Kind == KindDrift && c.Nights > 1 {
		return c.Night + c.Nights - 1
	}
	return c.Night
}

// Parse reads one injection spec:
//
//	code:NIGHT:CASE:PCT  host:HOST:NIGHT:CASE:PCT  drift:NIGHT:LEN:CASE:PCT
//
// CASE is left for the caller to resolve; PCT may carry a sign and a %.
func Parse(spec string) (Change, error) {
	f := strings.Split(spec, ":")
	bad := func(why string) (Change, error) {
		return Change{}, fmt.Errorf("-inject %q: %s; want code:NIGHT:CASE:PCT, host:HOST:NIGHT:CASE:PCT or drift:NIGHT:LEN:CASE:PCT, e.g. code:151:pipe/pingpong/64B:+5", spec, why)
	}
	want := map[string]int{KindCode: 4, KindHost: 5, KindDrift: 5}
	if n, ok := want[f[0]]; !ok || len(f) != n {
		return bad("unknown kind or wrong number of fields")
	}
	c := Change{Kind: f[0]}
	nums := f[1 : len(f)-2]
	if c.Kind == KindHost {
		c.Host, nums = f[1], f[2:3]
	}
	var err error
	if c.Night, err = strconv.Atoi(nums[0]); err != nil || c.Night < 2 {
		return bad("NIGHT must be a night number from 2 on")
	}
	if c.Kind == KindDrift {
		if c.Nights, err = strconv.Atoi(nums[1]); err != nil || c.Nights < 1 {
			return bad("LEN must be a number of nights from 1 on")
		}
	}
	c.Case = f[len(f)-2]
	if c.Pct, err = strconv.ParseFloat(strings.TrimSuffix(f[len(f)-1], "%"), 64); err != nil || c.Pct == 0 || c.Pct <= -100 {
		return bad("PCT must be a non-zero percentage above -100")
	}
	return c, nil
}

// Write writes f to path as indented JSON.
func Write(path string, f *Fleet) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// Read reads a truth file.
func Read(path string) (*Fleet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read truth file: %w (write it with synthruns -inject or -aa)", err)
	}
	var f Fleet
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("truth file %s: %w", path, err)
	}
	return &f, nil
}
