package gen

import (
	"runtime"
	"sync/atomic"
)

// spinLock guards a process's small critical sections. Waiters spin and then
// yield instead of parking: every section is a few dozen instructions, and
// parking a contended sender costs far more (with sync.Mutex, eight senders
// to one process reached 0.3x of a channel's throughput; with this, 1.1x).
// It never blocks durably, so synctest bubbles are not affected.
type spinLock struct{ v atomic.Uint32 }

func (l *spinLock) Lock() {
	if l.v.CompareAndSwap(0, 1) {
		return
	}
	l.lockSlow()
}

//go:noinline
func (l *spinLock) lockSlow() {
	for i := 0; ; i++ {
		if l.v.Load() == 0 && l.v.CompareAndSwap(0, 1) {
			return
		}
		if i >= spinBeforeYield {
			runtime.Gosched()
		}
	}
}

func (l *spinLock) Unlock() { l.v.Store(0) }

// spinBeforeYield was tuned on 2 cores: 16 starved a single sender's
// consumer (0.4x of the floor), 200 serves both one and eight senders.
const spinBeforeYield = 200
