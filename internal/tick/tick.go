// Package tick gives a goroutine periodic wake-ups that, where it can, do not
// use the Go runtime's timers.
//
// Why: while any goroutine holds an armed time.Timer or time.Ticker, every
// scheduling decision on the P that holds it reads the clock. Gen's hot paths
// switch goroutines a few times per message, so one sleeping ticker (a
// metrics sampler, a watchdog for call deadlines) made a call round trip on
// this project's 2-core VM about 10% slower. On Linux a Ticker is a timerfd
// read through the network poller instead: the waiting goroutine is parked,
// holds no thread, and costs the scheduler nothing between ticks.
//
// Inside a testing/synctest bubble a Ticker must follow the bubble's fake
// clock, so there, and on other systems, it is a time.Ticker.
package tick

import (
	"sync"
	"time"
)

// A Ticker wakes its one waiting goroutine about every period. Ticks that
// pass while nobody waits are merged into one, as with time.Ticker.
type Ticker struct {
	fd   *fdTicker // nil when the ticker is a time.Ticker
	t    *time.Ticker
	stop chan struct{}
	once sync.Once
}

// New returns a running Ticker. period must be positive.
func New(period time.Duration) *Ticker {
	if period <= 0 {
		panic("tick: non-positive period")
	}
	if !inBubble() {
		if fd, err := newFD(period); err == nil {
			return &Ticker{fd: fd}
		}
	}
	return &Ticker{t: time.NewTicker(period), stop: make(chan struct{})}
}

// Native reports whether t waits without a Go runtime timer.
func (t *Ticker) Native() bool { return t.fd != nil }

// Wait blocks until the next tick and reports true, or returns false at once
// once Stop has been called. Only one goroutine may wait at a time.
func (t *Ticker) Wait() bool {
	if t.fd != nil {
		return t.fd.wait()
	}
	select {
	case <-t.stop:
		return false
	default:
	}
	select {
	case <-t.t.C:
		return true
	case <-t.stop:
		return false
	}
}

// Reset makes the ticks come every period from now on. period must be
// positive.
func (t *Ticker) Reset(period time.Duration) {
	if period <= 0 {
		panic("tick: non-positive period")
	}
	if t.fd != nil {
		t.fd.reset(period)
		return
	}
	t.t.Reset(period)
}

// Stop ends the ticks and makes a current and every later Wait return false.
// It may be called from any goroutine, more than once.
func (t *Ticker) Stop() {
	t.once.Do(func() {
		if t.fd != nil {
			t.fd.close()
			return
		}
		t.t.Stop()
		close(t.stop)
	})
}

// inBubble reports whether the calling goroutine is in a testing/synctest
// bubble, whose clock starts at midnight UTC on 2000-01-01 and moves only
// when the bubble sleeps: time.Now is then decades away from the system's
// wall clock, which outside a bubble it reads.
func inBubble() bool {
	wall, ok := systemWall()
	if !ok {
		return true // cannot tell: the runtime's timers are always right
	}
	d := time.Since(wall)
	return d > time.Hour || d < -time.Hour
}

// Native reports whether a Ticker made now by the calling goroutine would
// wait without a Go runtime timer: on Linux, outside a testing/synctest
// bubble.
func Native() bool { return nativeOS && !inBubble() }
