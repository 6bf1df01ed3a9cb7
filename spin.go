package gen

import (
	"runtime"
	"sync/atomic"
)

// spinLock guards a process's small critical sections, and its word also
// holds the park state of the process's goroutine (bit 0 is the lock, the
// bits above it the park state). A section that moves the park state
// publishes it with the store that unlocks, so parking, and a sender's
// claim of a parked process, cost no atomic operation beyond the lock's
// two. While the lock is held only its holder changes the word: lock-free
// moves of the park state (casPark) fail meanwhile, and movePark waits.
//
// Waiters spin and then yield instead of parking: every section is a few
// dozen instructions, and parking a contended sender costs far more (with
// sync.Mutex, eight senders to one process reached 0.3x of a channel's
// throughput; with this, 1.1x). It never blocks durably, so synctest
// bubbles are not affected.
type spinLock struct {
	v atomic.Uint32
	// park is the holder's copy of the park state: read and set it while
	// holding the lock; Unlock publishes it.
	park uint32
}

func (l *spinLock) Lock() {
	if w := l.v.Load(); w&1 == 0 && l.v.CompareAndSwap(w, w|1) {
		l.park = w >> 1
		return
	}
	l.lockSlow()
}

//go:noinline
func (l *spinLock) lockSlow() {
	for i := 0; ; i++ {
		if w := l.v.Load(); w&1 == 0 && l.v.CompareAndSwap(w, w|1) {
			l.park = w >> 1
			return
		}
		if i >= spinBeforeYield {
			runtime.Gosched()
		}
	}
}

// Unlock releases the lock and publishes l.park.
func (l *spinLock) Unlock() { l.v.Store(l.park << 1) }

// loadPark returns the park state last published.
func (l *spinLock) loadPark() uint32 { return l.v.Load() >> 1 }

// casPark moves the park state from old to new without the lock. It fails
// when the state is not old or the lock is held.
func (l *spinLock) casPark(old, new uint32) bool {
	return l.v.CompareAndSwap(old<<1, new<<1)
}

// movePark is casPark that waits for a holder of the lock to release it:
// it fails only when the state is not old.
func (l *spinLock) movePark(old, new uint32) bool {
	for i := 0; ; i++ {
		w := l.v.Load()
		if w&1 == 0 {
			if w>>1 != old {
				return false
			}
			if l.v.CompareAndSwap(w, new<<1) {
				return true
			}
			continue
		}
		if i >= spinBeforeYield {
			runtime.Gosched()
		}
	}
}

// spinBeforeYield was tuned on 2 cores: 16 starved a single sender's
// consumer (0.4x of the floor), 200 serves both one and eight senders.
const spinBeforeYield = 200
