//go:build !amd64 || race

package transports

import "sync/atomic"

// storeRelease falls back to sync/atomic's sequentially consistent store on
// other architectures and under the race detector, which must see the
// store to know what it orders.
func storeRelease(p *uint64, v uint64) { atomic.StoreUint64(p, v) }

const releaseIsWeak = false
