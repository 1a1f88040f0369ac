package workloads

// The roles of a stream.
const (
	Producer Role = "producer" // sends stamped messages back to back
	Consumer Role = "consumer" // verifies them, times each one way
)

func init() {
	Register(Descriptor{Name: "stream", Order: 20, Default: true,
		Doc:   "throughput and one-way latency: stamped messages sent back to back",
		Roles: [2]Role{Producer, Consumer}, Latency: OneWay, MessagesPerOp: 1, Stamped: true})
}
