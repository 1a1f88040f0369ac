package workloads

func init() {
	Register(Descriptor{Name: "stream-inplace", Order: 30,
		Doc:   "stream without user-space copies: written into the transport's slot, verified where it lies",
		Roles: [2]Role{Producer, Consumer}, Latency: OneWay, MessagesPerOp: 1, Stamped: true, InPlace: true})
}
