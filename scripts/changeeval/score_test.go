package main

import (
	"math"
	"testing"

	"github.com/ipcbench/ipcbench/scripts/internal/truth"
)

func TestScore(t *testing.T) {
	const kase, other = "pipe/pingpong/64 B", "unix-stream/pingpong/64 B"
	fleet := &truth.Fleet{Hosts: 3, Nights: 100, Changes: []truth.Change{
		{Kind: truth.KindCode, Case: kase, Night: 40, Pct: 5, CommitFrom: "a", CommitTo: "b"},
		{Kind: truth.KindHost, Case: other, Host: "h1", Night: 60, Pct: -10},
	}}
	inst := []Instance{{0, "h0"}, {0, "h1"}, {0, "h2"}, {1, "h1"}}
	dets := []Detection{
		{Host: "h0", Case: kase, Night: 40, Dir: 1, CommitFrom: "a", CommitTo: "b"},  // true, grouped
		{Host: "h1", Case: kase, Night: 42, Dir: 1, CommitFrom: "b", CommitTo: "b"},  // true, 2 nights late
		{Host: "h1", Case: kase, Night: 41, Dir: 1, CommitFrom: "b", CommitTo: "b"},  // a repeat: false
		{Host: "h2", Case: kase, Night: 40, Dir: -1, CommitFrom: "a", CommitTo: "b"}, // wrong direction: false
		{Host: "h2", Case: kase, Night: 43, Dir: 1, CommitFrom: "b", CommitTo: "b"},  // 3 nights late: false
		{Host: "h1", Case: other, Night: 60, Dir: -1},                                // true, on its host
		{Host: "h0", Case: other, Night: 80, Dir: 1},                                 // false, far from the change
	}
	r := Score(fleet, inst, dets, 600, 2)
	for _, tc := range []struct {
		name      string
		got, want Row
	}{
		{"all", r.All, Row{Label: "all, drifts too", Changes: 4, Found: 3, Detections: 7, True: 3}},
		{"5 %", r.Sizes[0], Row{Label: "5 %", Changes: 3, Found: 2, Detections: 5, True: 2}},
		{"10 %", r.Sizes[1], Row{Label: "10 %", Changes: 1, Found: 1, Detections: 2, True: 1}},
		{"code", r.Kinds[0], Row{Label: "code", Changes: 3, Found: 2, Grouped: 0, Attribute: 1}},
		{"host", r.Kinds[1], Row{Label: "host", Changes: 1, Found: 1, Grouped: 1, Attribute: 1}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
	if got, want := r.FalsePer10k(), 1e4*4/600.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("false alarms per 10,000 points: got %g, want %g", got, want)
	}
}

func TestScoreGroupsAndLeaks(t *testing.T) {
	const kase = "pipe/pingpong/64 B"
	fleet := &truth.Fleet{Changes: []truth.Change{
		{Kind: truth.KindCode, Case: kase, Night: 10, Pct: 3, CommitFrom: "a", CommitTo: "b"},
		{Kind: truth.KindHost, Case: kase, Host: "h0", Night: 50, Pct: 3},
		{Kind: truth.KindDrift, Case: kase, Night: 70, Nights: 20, Pct: 3},
	}}
	inst := []Instance{{0, "h0"}, {0, "h1"}, {0, "h2"}, {1, "h0"}, {2, "h0"}, {2, "h1"}, {2, "h2"}}
	dets := []Detection{
		{Host: "h0", Case: kase, Night: 10, Dir: 1, CommitFrom: "a", CommitTo: "b"},
		{Host: "h1", Case: kase, Night: 10, Dir: 1, CommitFrom: "a", CommitTo: "b"},
		{Host: "h0", Case: kase, Night: 50, Dir: 1},
		{Host: "h1", Case: kase, Night: 51, Dir: 1}, // the host change leaks to h1
		{Host: "h0", Case: kase, Night: 75, Dir: 1}, // a drift may be marked twice
		{Host: "h0", Case: kase, Night: 88, Dir: 1},
	}
	r := Score(fleet, inst, dets, 300, 2)
	if want := (Row{Label: "code", Changes: 3, Found: 2, Grouped: 1, Attribute: 1}); r.Kinds[0] != want {
		t.Errorf("code: got %+v, want %+v", r.Kinds[0], want)
	}
	if want := (Row{Label: "host", Changes: 1, Found: 1, Grouped: 0, Attribute: 1}); r.Kinds[1] != want {
		t.Errorf("host: got %+v, want %+v", r.Kinds[1], want)
	}
	if want := (Row{Label: "drift", Changes: 3, Found: 1}); r.Kinds[2] != want {
		t.Errorf("drift: got %+v, want %+v", r.Kinds[2], want)
	}
	if want := (Row{Label: "all, drifts too", Changes: 7, Found: 4, Detections: 6, True: 5}); r.All != want {
		t.Errorf("all: got %+v, want %+v", r.All, want)
	}
}
