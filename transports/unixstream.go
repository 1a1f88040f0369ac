package transports

import "golang.org/x/sys/unix"

func init() {
	Register(Descriptor{
		Name:     "unix-stream",
		Order:    30,
		Doc:      "AF_UNIX SOCK_STREAM socket pair",
		DataPath: "write(2) → socket buffer (skb) → read(2)",
		Framing:  Stream,
		Model: CostModel{CopiesPerMsg: 2, SyscallsPerMsg: 2,
			Note: "one copy into an skb, one out; large messages split across skbs and reads"},
		MaxMessage: streamLimit,
		New: func(o Options) (Setup, error) {
			return socketpairSetup("unix-stream", unix.SOCK_STREAM, o)
		},
		Open: openSocket("unix-stream", Stream),
	})
}
