package workloads

import (
	"slices"
	"testing"
)

func TestRegistry(t *testing.T) {
	if got := Defaults(); !slices.Equal(got, []string{"pingpong", "stream"}) {
		t.Errorf("defaults %v", got)
	}
	seen := map[int]string{}
	for _, d := range All() {
		if other, dup := seen[d.Order]; dup {
			t.Errorf("%s and %s share Order %d", d.Name, other, d.Order)
		}
		seen[d.Order] = d.Name
		if d.Doc == "" || d.Roles[0] == "" || d.Roles[1] == "" {
			t.Errorf("%s: incomplete descriptor %+v", d.Name, d)
		}
		if d.Stamped && d.MinBytes() != StampBytes || d.File && d.Latency != NoLatency || d.OpenLoop && d.Latency != OneWay {
			t.Errorf("%s: inconsistent descriptor %+v", d.Name, d)
		}
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Register(Descriptor{Name: "pingpong", MessagesPerOp: 1})
}
