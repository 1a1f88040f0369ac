package results

import "fmt"

// CaseKey names a case by what compare, history, tables and error messages
// match it on: transport, workload and message size.
type CaseKey struct {
	Transport string
	Workload  string
	SizeBytes int
}

// Key returns the case's key.
func (c Case) Key() CaseKey { return CaseKey{c.Transport, c.Workload, c.SizeBytes} }

// Key returns the key of the case the matrix ran.
func (m PairMatrix) Key() CaseKey { return CaseKey{m.Transport, m.Workload, m.SizeBytes} }

// String prints the key as transport/workload/size: pipe/pingpong/64 B.
func (k CaseKey) String() string {
	return k.Transport + "/" + k.Workload + "/" + FormatBytes(k.SizeBytes)
}

// exact prints the size in bytes, as any number may be before validation.
func (k CaseKey) exact() string { return fmt.Sprintf("%s/%s/%d", k.Transport, k.Workload, k.SizeBytes) }

// FormatBytes prints a size: 64 B, 4 KiB, 1 MiB. It lives with the schema
// because a case's key, --sizes and every table name sizes this way.
func FormatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
