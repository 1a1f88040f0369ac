package workloads

// Pacer sends stamped messages on a fixed schedule (run --rate, --arrivals),
// each stamped with the time it was meant to go out, not the time it did:
// an open loop, so a stall of the consumer counts against every message it
// delays (no coordinated omission).
const Pacer Role = "paced producer"

func init() {
	Register(Descriptor{Name: "rate", Order: 25,
		Doc:   "open loop: stamped messages sent on a schedule (--rate, --arrivals), one-way latency from each one's intended send time",
		Roles: [2]Role{Pacer, Consumer}, Latency: OneWay, MessagesPerOp: 1, Stamped: true, OpenLoop: true})
}
