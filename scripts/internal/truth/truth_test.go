package truth

import (
	"math"
	"testing"
)

func TestParseInject(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Change
		err  bool
	}{
		{spec: "code:51:pipe/pingpong/64B:+10", want: Change{Kind: "code", Night: 51, Case: "pipe/pingpong/64B", Pct: 10}},
		{spec: "host:node-03:20:pipe:-5%", want: Change{Kind: "host", Host: "node-03", Night: 20, Case: "pipe", Pct: -5}},
		{spec: "drift:100:20:pipe:3", want: Change{Kind: "drift", Night: 100, Nights: 20, Case: "pipe", Pct: 3}},
		{spec: "code:1:pipe:10", err: true},
		{spec: "code:5:pipe:0", err: true},
		{spec: "step:5:pipe:3", err: true},
		{spec: "host:5:pipe:3", err: true},
	} {
		got, err := Parse(tc.spec)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, error %v", tc.spec, got, err, tc.want, tc.err)
		}
	}
}

func TestDriftFactor(t *testing.T) {
	c := Change{Kind: KindDrift, Night: 10, Nights: 4, Pct: 8}
	for night, want := range map[int]float64{9: 1, 10: 1.02, 11: 1.04, 13: 1.08, 40: 1.08} {
		if got := c.Factor(night); math.Abs(got-want) > 1e-12 {
			t.Errorf("Factor(%d) = %g, want %g", night, got, want)
		}
	}
}
