package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ipcbench/ipcbench/shm"
)

// The relay workload is the System V tutorials' server/client file transfer: side A reads
// a file and sends it in messages of S bytes, side B writes what it receives
// to another file. Where the transport offers transports.InPlace, A reads the
// file straight into the shared slot and B writes the file straight from it,
// which is how the tutorials count two copies for shared memory.

// relayMessages is how long a relay's input file is, in messages: 16 MiB,
// but at least 16 and at most 20000 messages (fewer with a smaller
// --count). A relay's phase runs over the file again and again until its
// count or duration is up, and at least once (see loop.relayRead), so the
// window is the run's and not the ~10 ms one pass of 16 MiB took.
func relayMessages(sizeBytes int) uint64 {
	return uint64(max(16, min(20000, (16<<20)/sizeBytes)))
}

// relayFiles is the parent's side of a relay: a private directory with the
// input file and, after the run, the output file.
type relayFiles struct {
	dir, in, out string
	sumIn        string // sha256 of the input
	messages     uint64 // the input's length in messages
}

// relayNames are the files in a relay's dir: the input and the output.
var relayNames = []string{"in", "out"}

// What a relay dir holds, so that clean removes these and nothing else.
func init() {
	shm.RegisterTempDir("relay", shm.TempFiles{Names: relayNames})
}

func newRelayFiles(sizeBytes int, messages uint64) (*relayFiles, error) {
	// Recorded in the ledger and marked, so that clean can prove ipcbench
	// made it (see shm.MkdirTemp).
	dir, err := shm.MkdirTemp("relay")
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	r := &relayFiles{dir: dir, in: filepath.Join(dir, relayNames[0]), out: filepath.Join(dir, relayNames[1]), messages: messages}
	f, err := os.OpenFile(r.in, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("relay: create input: %w", err), r.remove())
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{'i', 'p', 'c'})
	if _, err := io.CopyN(io.MultiWriter(f, h), src, int64(sizeBytes)*int64(messages)); err != nil {
		f.Close()
		return nil, errors.Join(fmt.Errorf("relay: write input %s: %w", r.in, err), r.remove())
	}
	if err := f.Close(); err != nil {
		return nil, errors.Join(fmt.Errorf("relay: close input: %w", err), r.remove())
	}
	r.sumIn = hex.EncodeToString(h.Sum(nil))
	return r, nil
}

// verify checks that the output equals the input byte for byte, by hash.
// The workers overwrite the output at each message's offset on every
// pass over the file, so the hash checks the last pass at each offset.
func (r *relayFiles) verify() error {
	f, err := os.Open(r.out)
	if err != nil {
		return fmt.Errorf("relay: open output: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("relay: read output: %w", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != r.sumIn {
		return fmt.Errorf("relay: output sha256 %s differs from input sha256 %s", sum, r.sumIn)
	}
	return nil
}

// remove removes the relay's files and dir by name, which needs no file
// descriptor; it is safe to call twice.
func (r *relayFiles) remove() error {
	if err := shm.RemoveTemp(r.dir, filepath.Base(r.in), filepath.Base(r.out)); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}
