package transports

import "golang.org/x/sys/unix"

func init() {
	Register(Descriptor{
		Name:     "unix-dgram",
		Order:    50,
		Doc:      "AF_UNIX SOCK_DGRAM socket pair: reliable and ordered on Linux, message boundaries kept",
		DataPath: "send(2) → one skb per message → recv(2)",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one out; the sender blocks when its SO_SNDBUF is full (a socket pair is exempt from net.unix.max_dgram_qlen)"},
		MultiWriter: true,
		MaxMessage:  func() (Limit, error) { return packetLimit("unix-dgram", unix.SOCK_DGRAM) },
		New:         func(o Options) (Setup, error) { return socketpairSetup("unix-dgram", unix.SOCK_DGRAM, o) },
		Open:        openSocket("unix-dgram", Datagram),
	})
}
