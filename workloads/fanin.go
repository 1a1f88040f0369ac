package workloads

func init() {
	Register(Descriptor{Name: "fanin", Order: 40,
		Doc:   "several producers (--producers) streaming into one consumer over one transport",
		Roles: [2]Role{Producer, Consumer}, Latency: OneWay, MessagesPerOp: 1, Stamped: true, Writers: true})
}
