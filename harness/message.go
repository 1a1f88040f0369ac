package harness

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/ipcbench/ipcbench/transports"
)

// Message layout. Every message starts with its sequence number (8 bytes,
// little endian; a message shorter than 8 bytes carries its low bytes). Stream
// messages then carry the sender's clock reading, in ticks (8 bytes; clock.go).
// The rest is a pseudo-random body that depends on seq mod messageVariants, so a
// stale, shifted or corrupted body fails verification.
const (
	seqBytes        = 8
	tsBytes         = 8
	messageVariants = 4
)

// messages builds and checks the messages of one case without allocating.
// A sender stamps one of its pre-built templates in place and sends it; a
// receiver compares each body against the variant's body in one shared
// pattern. The variants are windows patStrideBytes apart on one
// pseudo-random stream, so a receiver holds one message-sized pattern (plus
// 3 × 64 B) instead of four templates: at 16 MiB, 16 MiB instead of 64 MiB.
type messages struct {
	size    int
	tsOff   int // -1 when messages carry no timestamp
	bodyOff int
	// sampled: check samples the body of most messages (sampleBodies)
	// instead of comparing all of it.
	sampled bool
	tmpl    [messageVariants][]byte // a sender's: whole messages, stamped in place
	// bodies[v] is variant v's body, from bodyOff on: a slice of tmpl[v]
	// for a sender, of the shared pattern for a receiver.
	bodies [messageVariants][]byte
}

// patStrideBytes is how far apart on the pattern stream two variants
// start: a cache line, so that each body keeps its alignment.
const patStrideBytes = 64

// newMessages builds a sender's templates (sender) or a receiver's pattern;
// alloc, if not nil, allocates each template (transports.NewBuffer, for a
// Conn that needs headroom).
func newMessages(size int, withTimestamp, sender bool, alloc func(int) []byte) *messages {
	if alloc == nil {
		alloc = func(n int) []byte { return make([]byte, n) }
	}
	m := &messages{size: size, tsOff: -1, bodyOff: min(size, seqBytes)}
	if withTimestamp {
		m.tsOff = seqBytes
		m.bodyOff = seqBytes + tsBytes
	}
	if !sender {
		pat := make([]byte, size+(messageVariants-1)*patStrideBytes)
		fillPattern(pat, 0)
		for v := range m.bodies {
			m.bodies[v] = pat[v*patStrideBytes+m.bodyOff : v*patStrideBytes+size]
		}
		return m
	}
	for v := range m.tmpl {
		b := alloc(size)
		fillPattern(b, v*patStrideBytes)
		m.tmpl[v] = b
		m.bodies[v] = b[m.bodyOff:]
	}
	return m
}

// fillPattern fills b with the pattern stream from byte skip on.
func fillPattern(b []byte, skip int) {
	x := uint64(0x9E3779B97F4A7C15)
	next := func() byte {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return byte(x)
	}
	for range skip {
		next()
	}
	for i := range b {
		b[i] = next()
	}
}

// Verification of large messages. A message of up to
// verifyWholeBelowBytes is compared whole, every one. In a larger one,
// check compares one 8-byte word in every verifyStrideBytes (a page) of
// the body, the word's place in its page moving by one word per message,
// plus the body's last word; and the whole body of every
// verifyWholeEvery-th message. A whole 64 KiB compare took 3.0 µs in
// BenchmarkMessagesCheck and 2.2–3.4 µs in a worker's loop, 16–40 % of a
// 64 KiB stream message on the fastest copying transports; the sampled
// check took 150 ns (of which the whole compare of every 64th is 47). Every
// message still has its size, sequence number and a word of every page
// checked, so a lost, repeated, reordered, truncated or shifted message,
// or a stale, zeroed or misdirected page, fails the message it is in; a
// smaller corruption fails within verifyWholeEvery messages if it repeats.
// run --verify full compares every byte of every message.
const (
	verifyWholeBelowBytes = 4096
	verifyStrideBytes     = 4096
	verifyWholeEvery      = 64
)

// sampleBodies makes check sample the bodies of large messages (see
// verifyStrideBytes); messages up to verifyWholeBelowBytes stay compared
// whole.
func (m *messages) sampleBodies() { m.sampled = m.size > verifyWholeBelowBytes }

// bodyMatches says whether got, the body of message seq, matches want,
// its variant's body: wholly, or by the samples of a sampled check.
func (m *messages) bodyMatches(got, want []byte, seq uint64) bool {
	if !m.sampled || seq%verifyWholeEvery == 0 {
		return bytes.Equal(got, want)
	}
	if len(got) != len(want) {
		return false
	}
	last := len(want) - 8
	if binary.LittleEndian.Uint64(got[last:]) != binary.LittleEndian.Uint64(want[last:]) {
		return false
	}
	for off := int(seq%(verifyStrideBytes/8)) * 8; off <= last; off += verifyStrideBytes {
		if binary.LittleEndian.Uint64(got[off:]) != binary.LittleEndian.Uint64(want[off:]) {
			return false
		}
	}
	return true
}

// stamp writes seq (and ts, for stream messages) into a sender's template
// for seq and returns it, ready to send.
func (m *messages) stamp(seq uint64, ts int64) []byte {
	b := m.tmpl[seq%messageVariants]
	putSeq(b, seq)
	if m.tsOff >= 0 {
		binary.LittleEndian.PutUint64(b[m.tsOff:], uint64(ts))
	}
	return b
}

// stampSeq writes only seq into a sender's template for seq and returns
// it: an untimed message of run --sample-every, whose timestamp is stale.
func (m *messages) stampSeq(seq uint64) []byte {
	b := m.tmpl[seq%messageVariants]
	putSeq(b, seq)
	return b
}

// fill writes message seq, stamped ts, into b: the copy that stands in for
// a transport when the harness times its own loop.
func (m *messages) fill(b []byte, seq uint64, ts int64) {
	transports.CopyCached(b[m.bodyOff:], m.bodies[seq%messageVariants])
	putSeq(b, seq)
	if m.tsOff >= 0 {
		binary.LittleEndian.PutUint64(b[m.tsOff:], uint64(ts))
	}
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
	if body := m.bodies[seq%messageVariants]; !m.bodyMatches(b[m.bodyOff:], body, seq) {
		off := 0
		for off < len(body) && b[m.bodyOff+off] == body[off] {
			off++
		}
		return &VerifyError{Kind: "corrupted", Want: seq, Got: got, Offset: m.bodyOff + off}
	}
	return nil
}

// checkSeq verifies only b's size and sequence number: an untimed message
// of run --sample-every.
func (m *messages) checkSeq(b []byte, seq uint64) error {
	if len(b) != m.size {
		return &VerifyError{Kind: "wrong size", Want: seq, Offset: len(b)}
	}
	want := seq
	if m.size < seqBytes {
		want &= 1<<(8*m.size) - 1
	}
	if got := getSeq(b); got != want {
		return m.seqError(seq, got)
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
