package harness

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessagesCheck(t *testing.T) {
	for _, size := range []int{1, 7, 8, 9, 16, 17, 64, 4096} {
		for _, withTS := range []bool{false, true} {
			if withTS && size < 16 {
				continue
			}
			m := newMessages(size, withTS, true, nil)
			rx := newMessages(size, withTS, false, nil) // the receiver builds its own templates
			for seq := uint64(0); seq < 10; seq++ {
				b := append([]byte(nil), m.stamp(seq, int64(seq)*1000)...)
				if err := rx.check(b, seq); err != nil {
					t.Fatalf("size %d: good message seq %d rejected: %v", size, seq, err)
				}
				if withTS && rx.timestamp(b) != int64(seq)*1000 {
					t.Fatalf("size %d: timestamp lost", size)
				}
			}
		}
	}
}

func TestMessagesCheckCatchesFaults(t *testing.T) {
	m := newMessages(64, true, true, nil)
	kind := func(err error) string {
		var ve *VerifyError
		if !errors.As(err, &ve) {
			return "none"
		}
		return ve.Kind
	}
	msg := func(seq uint64) []byte { return append([]byte(nil), m.stamp(seq, 1)...) }

	if got := kind(m.check(msg(6), 5)); got != "lost" {
		t.Errorf("seq 6 when 5 expected: %s, want lost", got)
	}
	if got := kind(m.check(msg(4), 5)); got != "duplicated or reordered" {
		t.Errorf("seq 4 when 5 expected: %s, want duplicated or reordered", got)
	}
	for _, off := range []int{16, 40, 63} {
		b := msg(5)
		b[off] ^= 1
		err := m.check(b, 5)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Kind != "corrupted" || ve.Offset != off {
			t.Errorf("flip at %d: %v", off, err)
		}
	}
	// A body from another message under the right header is caught.
	b := msg(6)
	putSeq(b, 5)
	if got := kind(m.check(b, 5)); got != "corrupted" {
		t.Errorf("stale body: %s, want corrupted", got)
	}
	if got := kind(m.check(msg(5)[:63], 5)); got != "wrong size" {
		t.Errorf("short message: %s, want wrong size", got)
	}
	tiny := newMessages(1, false, false, nil)
	if got := kind(tiny.check([]byte{6}, 5)); got != "out of sequence" {
		t.Errorf("1 B message: %s, want out of sequence", got)
	}
}

// TestSampledCheck: a sampled check passes good messages and fails each
// fault its doc comment promises to catch, in the message it is in or, for
// a small repeated corruption, within verifyWholeEvery messages.
func TestSampledCheck(t *testing.T) {
	const size = 65536
	tx := newMessages(size, true, true, nil)
	rx := newMessages(size, true, false, nil)
	rx.sampleBodies()
	if !rx.sampled {
		t.Fatal("a 64 KiB message is not sampled")
	}
	msg := func(seq uint64) []byte { return append([]byte(nil), tx.stamp(seq, 1)...) }
	for seq := uint64(0); seq < 3*verifyWholeEvery; seq++ {
		if err := rx.check(msg(seq), seq); err != nil {
			t.Fatalf("good message seq %d rejected: %v", seq, err)
		}
	}
	const seq = 5 // not a multiple of verifyWholeEvery: sampled
	faults := []struct {
		name  string
		apply func(b []byte) []byte
	}{
		{"stale body", func([]byte) []byte { b := msg(seq + 1); putSeq(b, seq); return b }},
		{"shifted by one byte", func(b []byte) []byte { copy(b[16:], b[17:]); return b }},
		{"stale page", func(b []byte) []byte { copy(b[4096:8192], msg(seq + 2)[4096:]); return b }},
		{"zeroed page", func(b []byte) []byte { clear(b[8192:12288]); return b }},
		{"last byte", func(b []byte) []byte { b[size-1] ^= 1; return b }},
		{"truncated", func(b []byte) []byte { return b[:size-512] }},
	}
	for _, f := range faults {
		if err := rx.check(f.apply(msg(seq)), seq); err == nil {
			t.Errorf("%s: passed a sampled check", f.name)
		}
	}
	// A one-byte flip repeated at any offset fails within any
	// verifyWholeEvery messages in a row (the whole compare of every 64th,
	// and the sample word moving through each page).
	for _, off := range []int{16, 17, 100, 511, 4097, 40000, size - 9} {
		for _, from := range []uint64{1, 30} {
			caught := 0
			for s := from; s < from+verifyWholeEvery; s++ {
				b := msg(s)
				b[off] ^= 0x40
				if rx.check(b, s) != nil {
					caught++
				}
			}
			if caught == 0 {
				t.Errorf("flip at %d: missed by %d checks in a row from seq %d", off, verifyWholeEvery, from)
			}
		}
		b := msg(verifyWholeEvery)
		b[off] ^= 0x40
		var ve *VerifyError
		if err := rx.check(b, verifyWholeEvery); !errors.As(err, &ve) || ve.Offset != off {
			t.Errorf("flip at %d: whole check of seq %d said %v", off, verifyWholeEvery, err)
		}
	}
}

// TestSampledCheckOnlyLarge: messages up to verifyWholeBelowBytes are
// compared whole even when sampling is on.
func TestSampledCheckOnlyLarge(t *testing.T) {
	m := newMessages(verifyWholeBelowBytes, false, false, nil)
	m.sampleBodies()
	if m.sampled {
		t.Fatalf("a %d B message is sampled", verifyWholeBelowBytes)
	}
}

// BenchmarkMessagesCheck times a receiver's check of one message, whole and
// sampled: what verification costs the loop per message.
func BenchmarkMessagesCheck(b *testing.B) {
	for _, size := range []int{64, 4096, 65536, 1 << 20} {
		for _, sampled := range []bool{false, true} {
			tx, rx := newMessages(size, true, true, nil), newMessages(size, true, false, nil)
			if sampled {
				rx.sampleBodies()
			}
			msgs := [messageVariants][]byte{}
			for v := range msgs {
				msgs[v] = append([]byte(nil), tx.stamp(uint64(v), 1)...)
			}
			b.Run(fmt.Sprintf("%dB/sampled=%v", size, rx.sampled), func(b *testing.B) {
				b.SetBytes(int64(size))
				for i := range b.N {
					seq := uint64(i)
					m := msgs[seq%messageVariants]
					putSeq(m, seq)
					if err := rx.check(m, seq); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
