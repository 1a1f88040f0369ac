//go:build amd64 && !race

package transports

// storeRelease stores v at p with release ordering and nothing more: on
// amd64 a plain MOV, which is what C's atomic_store_explicit(p, v,
// memory_order_release) compiles to. sync/atomic's Store is sequentially
// consistent, an XCHG that drains the store buffer: on this project's EPYC
// guest four of them cost about 17 ns of a 57 ns local shm-slots round trip.
// It is in assembly so that the compiler, which cannot see into it, neither
// reorders memory accesses around it nor drops it.
//
// A release store may pass a later load (store-load reordering), so a waker
// that stores an index and then loads the sleeper's flag needs the sleeper
// to fence it: see ring.weak and membarrier.
//
//go:noescape
func storeRelease(p *uint64, v uint64)

// releaseIsWeak says storeRelease is weaker than atomic.StoreUint64.
const releaseIsWeak = true
