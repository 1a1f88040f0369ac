package cli

import "fmt"

// tailBuffer is an io.Writer that keeps only the last limitBytes written
// and counts the bytes it let go, so that a child's output, however much
// of it there is, costs at most limitBytes of memory: a run's stderr of
// 1.5 GB once took ab to 4.2 GB RSS when it kept all of it.
type tailBuffer struct {
	limitBytes   int
	buf          []byte
	droppedBytes int64
}

// tailKeepBytes is how much of a child's output ab keeps: far more than
// the last lines it prints of a failed run.
const tailKeepBytes = 64 << 10

func newTailBuffer(limitBytes int) *tailBuffer {
	return &tailBuffer{limitBytes: limitBytes, buf: make([]byte, 0, limitBytes)}
}

// Write keeps the last limitBytes of what was written so far; it never
// fails.
func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if n >= t.limitBytes {
		t.droppedBytes += int64(len(t.buf) + n - t.limitBytes)
		t.buf = append(t.buf[:0], p[n-t.limitBytes:]...)
		return n, nil
	}
	if over := len(t.buf) + n - t.limitBytes; over > 0 {
		t.droppedBytes += int64(over)
		t.buf = t.buf[:copy(t.buf, t.buf[over:])]
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// String is the output kept: the last limitBytes at most.
func (t *tailBuffer) String() string { return string(t.buf) }

// keptBytes is how many bytes the buffer holds.
func (t *tailBuffer) keptBytes() int { return len(t.buf) }

// dropped says how much of the output was let go, for a message that
// shows the tail; "" when nothing was.
func (t *tailBuffer) dropped() string {
	if t.droppedBytes == 0 {
		return ""
	}
	return fmt.Sprintf("(%d earlier bytes not kept: ab keeps the last %d)", t.droppedBytes, t.limitBytes)
}
