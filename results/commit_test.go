package results_test

import (
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

func TestShortCommit(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"d1db9f8c0a1b2c3d4e5f60718293a4b5c6d7e8f9", "d1db9f8c0a1b"},
		{"d1db9f8c0a1b2c3d4e5f60718293a4b5c6d7e8f9+dirty", "d1db9f8c0a1b+dirty"},
		{"d1db9f8", "d1db9f8"},
		{"d1db9f8+dirty", "d1db9f8+dirty"},
		{"unknown", "unknown"},
		{"", ""},
	} {
		if got := results.ShortCommit(tc.in); got != tc.want {
			t.Errorf("ShortCommit(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
