package workloads

// The roles of a round trip.
const (
	Initiator Role = "initiator" // sends a request, times the round trip
	Echoer    Role = "echoer"    // verifies a request and answers it
)

func init() {
	Register(Descriptor{Name: "pingpong", Order: 10, Default: true,
		Doc:   "round trip: a request of size S, an echo of size S",
		Roles: [2]Role{Initiator, Echoer}, Latency: RoundTrip, MessagesPerOp: 2})
}
