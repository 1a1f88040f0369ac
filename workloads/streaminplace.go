package workloads

func init() {
	Register(Descriptor{Name: "stream-inplace", Order: 30,
		Doc:   "stream in place: the producer fills the transport's slot (one copy), the consumer verifies it where it lies",
		Roles: [2]Role{Producer, Consumer}, Latency: OneWay, MessagesPerOp: 1, Stamped: true, InPlace: true})
}
