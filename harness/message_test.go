package harness

import (
	"errors"
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
