package transports

import "golang.org/x/sys/unix"

func init() {
	Register(Descriptor{
		Name:     "unix-seqpacket",
		Order:    40,
		Doc:      "AF_UNIX SOCK_SEQPACKET socket pair: connected, ordered, message boundaries kept",
		DataPath: "send(2) → one skb per message → recv(2)",
		Framing:  Datagram,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy in, one out; one syscall per message each way"},
		MaxMessage: func() (Limit, error) { return packetLimit("unix-seqpacket", unix.SOCK_SEQPACKET) },
		New: func(o Options) (Setup, error) {
			return socketpairSetup("unix-seqpacket", unix.SOCK_SEQPACKET, o)
		},
		Open: openSocket("unix-seqpacket", Datagram),
	})
}
