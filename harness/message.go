package harness

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Message layout. Every message starts with its sequence number (8 bytes,
// little endian; a message shorter than 8 bytes carries its low bytes). Stream
// messages then carry the sender's CLOCK_MONOTONIC timestamp (8 bytes). The
// rest is a pseudo-random body that depends on seq mod messageVariants, so a
// stale, shifted or corrupted body fails verification.
const (
	seqBytes        = 8
	tsBytes         = 8
	messageVariants = 4
)

// messages builds and checks the messages of one case without allocating:
// the sender stamps a pre-built template in place and sends it; the receiver
// compares against the same templates.
type messages struct {
	size    int
	tsOff   int // -1 when messages carry no timestamp
	bodyOff int
	tmpl    [messageVariants][]byte
}

// newMessages builds the templates; alloc, if not nil, allocates each one
// (transports.NewBuffer, for a Conn that needs headroom).
func newMessages(size int, withTimestamp bool, alloc func(int) []byte) *messages {
	if alloc == nil {
		alloc = func(n int) []byte { return make([]byte, n) }
	}
	m := &messages{size: size, tsOff: -1, bodyOff: min(size, seqBytes)}
	if withTimestamp {
		m.tsOff = seqBytes
		m.bodyOff = seqBytes + tsBytes
	}
	for v := range m.tmpl {
		b := alloc(size)
		x := uint64(0x9E3779B97F4A7C15) * uint64(v+1)
		for i := m.bodyOff; i < size; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b[i] = byte(x)
		}
		m.tmpl[v] = b
	}
	return m
}

// stamp writes seq (and ts, for stream messages) into the template for seq
// and returns it, ready to send.
func (m *messages) stamp(seq uint64, ts int64) []byte {
	b := m.tmpl[seq%messageVariants]
	putSeq(b, seq)
	if m.tsOff >= 0 {
		binary.LittleEndian.PutUint64(b[m.tsOff:], uint64(ts))
	}
	return b
}

func (m *messages) timestamp(b []byte) int64 {
	return int64(binary.LittleEndian.Uint64(b[m.tsOff:]))
}

func putSeq(b []byte, seq uint64) {
	if len(b) >= seqBytes {
		binary.LittleEndian.PutUint64(b, seq)
		return
	}
	for i := range b {
		b[i] = byte(seq >> (8 * i))
	}
}

func getSeq(b []byte) uint64 {
	if len(b) >= seqBytes {
		return binary.LittleEndian.Uint64(b)
	}
	var s uint64
	for i := range b {
		s |= uint64(b[i]) << (8 * i)
	}
	return s
}

// check verifies that b is message seq: sequence number and every body byte.
// It returns a *VerifyError and allocates only when verification fails.
func (m *messages) check(b []byte, seq uint64) error {
	if len(b) != m.size {
		return &VerifyError{Kind: "wrong size", Want: seq, Offset: len(b)}
	}
	got := getSeq(b)
	want := seq
	if m.size < seqBytes {
		want &= 1<<(8*m.size) - 1
	}
	if got != want {
		return m.seqError(seq, got)
	}
	if !bytes.Equal(b[m.bodyOff:], m.tmpl[seq%messageVariants][m.bodyOff:]) {
		off := m.bodyOff
		for off < m.size && b[off] == m.tmpl[seq%messageVariants][off] {
			off++
		}
		return &VerifyError{Kind: "corrupted", Want: seq, Got: got, Offset: off}
	}
	return nil
}

func (m *messages) seqError(want, got uint64) *VerifyError {
	e := &VerifyError{Want: want, Got: got}
	switch {
	case m.size < seqBytes:
		e.Kind = "out of sequence"
	case got > want:
		e.Kind = "lost"
	default:
		e.Kind = "duplicated or reordered"
	}
	return e
}

// VerifyError says how a received message differed from the one expected.
type VerifyError struct {
	Kind   string // lost, duplicated or reordered, corrupted, out of sequence, wrong size
	Want   uint64 // expected sequence number
	Got    uint64 // sequence number in the message
	Offset int    // first corrupted byte, or the received size for "wrong size"
}

func (e *VerifyError) Error() string {
	switch e.Kind {
	case "lost":
		return fmt.Sprintf("verify: expected message seq %d, got seq %d: %d message(s) lost", e.Want, e.Got, e.Got-e.Want)
	case "corrupted":
		return fmt.Sprintf("verify: message seq %d corrupted at byte %d", e.Want, e.Offset)
	case "wrong size":
		return fmt.Sprintf("verify: message seq %d has %d B, expected another size", e.Want, e.Offset)
	case "out of sequence":
		return fmt.Sprintf("verify: expected message seq %d, got low bytes %#x: lost, duplicated or reordered", e.Want, e.Got)
	}
	return fmt.Sprintf("verify: expected message seq %d, got seq %d: message %s", e.Want, e.Got, e.Kind)
}
