package harness

import (
	"slices"
	"testing"
)

// TestWorkerEnvironHoldsNoStoreSecret: the store's URL and libpq's
// password variables never reach a worker; everything else does.
func TestWorkerEnvironHoldsNoStoreSecret(t *testing.T) {
	env := []string{"PATH=/bin", "IPCBENCH_STORE=postgres://u:PW@h/db", "PGPASSWORD=PW", "PGPASSFILE=/x", "PGSERVICEFILE=/y", "HOME=/root", "PGPASSWORDX=kept"}
	got := workerEnviron(env)
	want := []string{"PATH=/bin", "HOME=/root", "PGPASSWORDX=kept"}
	if !slices.Equal(got, want) {
		t.Errorf("workerEnviron = %q, want %q", got, want)
	}
	if env[1] != "IPCBENCH_STORE=postgres://u:PW@h/db" {
		t.Errorf("workerEnviron changed its argument: %q", env)
	}
}
