package gen

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// spinLock guards a process's small critical sections, and its word also
// holds the park state of the process's goroutine: bit 0 is the lock, bit 1
// says that waiters sleep (see lockSlow), the bits above hold the park
// state. A section that moves the park state publishes it with the store
// that unlocks, so parking, and a sender's claim of a parked process, cost
// no atomic operation beyond the lock's two. While the lock is held only
// its holder and its waiters change the word: lock-free moves of the park
// state (casPark) fail meanwhile, and movePark waits.
//
// Waiters spin, then yield a few times, then sleep until an Unlock wakes
// them. Every section is a few dozen instructions, and parking a contended
// sender at once costs far more (with sync.Mutex, eight senders to one
// process reached 0.3x of a channel's throughput; with spinning, 1.1x). But
// a holder can be descheduled inside a section: parked for a GC assist, or
// preempted onto another processor's run queue while that processor runs
// a GC worker. A waiter that only yielded then kept its own processor busy
// and the holder waiting, for milliseconds; a sleeping waiter frees its
// processor, which then steals the holder.
type spinLock struct {
	v atomic.Uint32
	// park is the holder's copy of the park state: read and set it while
	// holding the lock; Unlock publishes it.
	park uint32
}

const (
	lockHeld    = 1 << 0
	lockSleeper = 1 << 1 // a waiter sleeps on the lock's stripe
	parkShift   = 2
)

func (l *spinLock) Lock() {
	if w := l.v.Load(); w&lockHeld == 0 && l.v.CompareAndSwap(w, w|lockHeld) {
		l.park = w >> parkShift
		return
	}
	l.lockSlow()
}

//go:noinline
func (l *spinLock) lockSlow() {
	for i := 0; i < spinBeforeYield+yieldsBeforeSleep; i++ {
		if w := l.v.Load(); w&lockHeld == 0 && l.v.CompareAndSwap(w, w|lockHeld) {
			l.park = w >> parkShift
			return
		}
		if i >= spinBeforeYield {
			runtime.Gosched()
		}
	}
	st := l.stripe()
	st.mu.Lock()
	for {
		w := l.v.Load()
		if w&lockHeld == 0 {
			if l.v.CompareAndSwap(w, w|lockHeld) {
				st.mu.Unlock()
				l.park = w >> parkShift
				return
			}
			continue
		}
		// Held: say that we sleep, then sleep until an Unlock that saw
		// it wakes the stripe (it takes st.mu first, which we hold
		// until Wait releases it, so the wake cannot come in between).
		if w&lockSleeper == 0 && !l.v.CompareAndSwap(w, w|lockSleeper) {
			continue
		}
		st.cond.Wait()
	}
}

// Unlock releases the lock and publishes l.park, waking sleeping waiters.
func (l *spinLock) Unlock() {
	// A swap costs what a store does (both are XCHG on amd64) and tells
	// whether anyone sleeps.
	if l.v.Swap(l.park<<parkShift)&lockSleeper != 0 {
		l.wakeSleepers()
	}
}

// wakeSleepers wakes the waiters sleeping on l's stripe. Out of line, so
// that Unlock stays small enough to inline.
//
//go:noinline
func (l *spinLock) wakeSleepers() {
	st := l.stripe()
	st.mu.Lock()
	st.cond.Broadcast()
	st.mu.Unlock()
}

// loadPark returns the park state last published.
func (l *spinLock) loadPark() uint32 { return l.v.Load() >> parkShift }

// casPark moves the park state from old to new without the lock. It fails
// when the state is not old or the lock is held.
func (l *spinLock) casPark(old, new uint32) bool {
	return l.v.CompareAndSwap(old<<parkShift, new<<parkShift)
}

// movePark is casPark that waits for a holder of the lock to release it:
// it fails only when the state is not old.
func (l *spinLock) movePark(old, new uint32) bool {
	for {
		w := l.v.Load()
		if w&lockHeld == 0 {
			// Unlocked, so no sleeper bit either: Unlock clears it.
			if w>>parkShift != old {
				return false
			}
			if l.v.CompareAndSwap(w, new<<parkShift) {
				return true
			}
			continue
		}
		l.Lock() // wait as Lock waits, then look again
		l.Unlock()
	}
}

// Sleeping waiters wait on one of a few stripes shared by all locks: the
// slow path is rare, and a Process has no room for a waiter queue. A
// broadcast wakes the stripe's sleepers; those whose lock is still held
// sleep again.
type lockStripe struct {
	mu   sync.Mutex
	cond sync.Cond
}

var lockStripes = func() *[64]lockStripe {
	s := new([64]lockStripe)
	for i := range s {
		s[i].cond.L = &s[i].mu
	}
	return s
}()

func (l *spinLock) stripe() *lockStripe {
	h := uintptr(unsafe.Pointer(l))
	h ^= h >> 9
	return &lockStripes[(h>>3)%uintptr(len(lockStripes))]
}

// spinBeforeYield was tuned on 2 cores with eight senders casting to one
// process, the consumer sharing the two processors with them. With 200
// spins the senders took turns at the lock across the processors and kept
// the consumer waiting: 0.66x of a channel's throughput in BenchmarkCast8,
// 0.7-1.0x in the harness's W2. With 0 to 30 a sender that does not get the
// lock at once soon yields its processor, often to the consumer, which then
// drains the queue in one batch: 0.8-1.1x and 1.4-1.6x. One sender is no
// slower. yieldsBeforeSleep bounds the yields after it.
const (
	spinBeforeYield   = 8
	yieldsBeforeSleep = 20
)
