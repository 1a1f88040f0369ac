package transports

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestUDPLimit: the largest IPv4 UDP payload, or less where the host's
// buffers hold less, with where the figure comes from.
func TestUDPLimit(t *testing.T) {
	l, err := udpLimitOnce()
	if err != nil {
		t.Fatal(err)
	}
	if l.Bytes < 4096 || l.Bytes > udpMaxPayloadBytes || l.Source == "" {
		t.Errorf("limit %+v; want 4096 to %d B and its source", l, udpMaxPayloadBytes)
	}
}

// TestUDPDepth: a UDP sender never waits, so --depth is a skip naming the
// sysctl, and the native depth reports the receive buffer.
func TestUDPDepth(t *testing.T) {
	if _, err := newUDPSetup(Options{MessageBytes: 64, Depth: 16}); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "net.core.rmem_max") {
		t.Errorf("depth 16: %v; want a skip naming net.core.rmem_max", err)
	}
	setup, err := newUDPSetup(Options{MessageBytes: 64})
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if d := setup.(DepthReporter).Depth(); d.Msgs < 1 || d.Bytes < 64 || !strings.Contains(d.Source, "SO_RCVBUF") {
		t.Errorf("native depth %+v; want the receive buffer", d)
	}
}

// TestUDPLostDatagram: a receiver that waits for a datagram that never
// comes (dropped, as loopback UDP does when SO_RCVBUF is full) fails,
// saying so, instead of waiting for ever.
func TestUDPLostDatagram(t *testing.T) {
	old := udpRecvTimeout
	udpRecvTimeout = unix.Timeval{Usec: 2000} // short: Go's preemption signals (EINTR, retried) restart the wait
	t.Cleanup(func() { udpRecvTimeout = old })
	setup, err := newUDPSetup(Options{MessageBytes: 64})
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	fd, err := unix.Dup(int(setup.Handoff(SideB).Files[0].Fd()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := openUDP(SideB, []int{fd}, nil, Options{MessageBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Recv(make([]byte, 64))
	if err == nil || !strings.Contains(err.Error(), "SO_RCVBUF") || !strings.Contains(err.Error(), "lost") {
		t.Errorf("Recv with nothing sent: %v; want an error naming a lost datagram", err)
	}
}
