package gen

import (
	"sync"
	"time"
	"weak"

	"github.com/gen-go/gen/internal/tick"
)

// The default call deadline (5 s) without a timer per call.
//
// A time.Timer armed anywhere makes the scheduler read the clock at every
// goroutine switch on its P, and a call is two switches: with an armed timer
// per caller a round trip cost about 10% more on this project's VM, and
// reading the clock once per call to compute a deadline another 5%. So a
// call whose wait is long (the default) only marks its slot dogPending, and
// a per-runtime watchdog goroutine looks at the waiting slots every
// dogPeriod, on a tick that is not a runtime timer (internal/tick). The
// first look that sees a call waiting gives it its deadline: the time of
// that look plus the wait, so a call never times out early and at most one
// period late (5 s to 5.1 s for the default). A call whose deadline falls
// before the look after next gets its slot's own timer for the exact time
// left. Calls that are answered sooner, nearly all, never touch a timer or
// the clock.
//
// The watchdog runs only while calls wait on it: after dogIdle looks that
// find none it stops, and the next call starts it again. Short waits (a
// CallTimeout under dogShort), runtimes in a testing/synctest bubble (whose
// fake clock only runtime timers follow) or on other systems than Linux, and
// calls made after Close or Shutdown began use the slot's timer.
type watchdog struct {
	mu      sync.Mutex
	slots   []weak.Pointer[callSlot] // every slot that ever waited on the dog
	t       *tick.Ticker             // the running dog's ticker; nil when none runs
	done    chan struct{}            // closed when the running dog returns
	stopped bool                     // Close or Shutdown stopped it for good
}

const (
	dogPeriod = 100 * time.Millisecond
	dogShort  = time.Second // waits up to this long arm their own timer
	dogIdle   = 5           // looks without a waiting call before the watchdog stops
	// dogPending in callSlot.deadline: the watchdog gives the deadline.
	dogPending = noDeadline - 1
)

// useDog reports whether a call waiting wait should rely on the watchdog.
func (rt *Runtime) useDog(wait time.Duration) bool {
	return rt.dogOK && wait > dogShort && !rt.closed.Load()
}

// dogWatch makes sure the watchdog sees s, which has just begun a call with
// a deadline, and that a watchdog runs. It reports false when none can (the
// runtime is closing): the caller then arms the slot's timer itself.
func (rt *Runtime) dogWatch(s *callSlot) bool {
	if s.watched && rt.dogOn.Load() {
		return true
	}
	return rt.dogStart(s)
}

//go:noinline
func (rt *Runtime) dogStart(s *callSlot) bool {
	d := &rt.dog
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return false
	}
	if !s.watched {
		s.watched = true
		d.slots = append(d.slots, weak.Make(s))
	}
	if d.t == nil {
		d.t = tick.New(dogPeriod)
		d.done = make(chan struct{})
		rt.dogOn.Store(true)
		go rt.dogRun(d.t, d.done)
	}
	return true
}

// dogRun is the watchdog goroutine.
func (rt *Runtime) dogRun(t *tick.Ticker, done chan struct{}) {
	defer close(done)
	idle := 0
	for t.Wait() {
		if rt.dogLook(false) {
			idle = 0
			continue
		}
		if idle++; idle < dogIdle {
			continue
		}
		// Stop, unless a call began meanwhile. A caller stores its
		// slot's state and then loads dogOn; this stores dogOn and then
		// looks at the states: one of the two sees the other.
		d := &rt.dog
		d.mu.Lock()
		if d.t != t {
			d.mu.Unlock()
			return // stopped for good by dogStop
		}
		rt.dogOn.Store(false)
		d.mu.Unlock()
		if !rt.dogLook(false) {
			d.mu.Lock()
			if d.t == t {
				d.t = nil
			}
			d.mu.Unlock()
			t.Stop()
			return
		}
		d.mu.Lock()
		if d.t != t {
			d.mu.Unlock()
			return
		}
		rt.dogOn.Store(true)
		d.mu.Unlock()
		idle = 0
	}
}

// dogLook walks the watched slots and drops the ones the garbage collector
// took. It gives each call it sees waiting for the first time its deadline,
// and arms the timer of every waiting call whose deadline comes before the
// look after next (of every waiting call, with all). It reports whether any
// call was waiting.
func (rt *Runtime) dogLook(all bool) bool {
	d := &rt.dog
	d.mu.Lock()
	defer d.mu.Unlock()
	waiting := false
	live := d.slots[:0]
	for _, w := range d.slots {
		s := w.Value()
		if s == nil {
			continue
		}
		live = append(live, w)
		seq := s.state.Load()
		if seq == 0 || s.deadline.Load() != dogPending {
			continue
		}
		waiting = true
		// The clock is read after the state: the call began before now.
		now := rt.mono()
		if s.dogSeq != seq {
			s.dogSeq, s.dogDue = seq, now+int64(rt.callWait)
		}
		if left := time.Duration(s.dogDue - now); all || left < 2*dogPeriod {
			s.arm(max(left, 0))
		}
	}
	clear(d.slots[len(live):])
	d.slots = live
	return waiting
}

// dogDue returns the deadline the watchdog gave call seq on s, or noDeadline
// when it has not seen the call yet.
func (rt *Runtime) dogDue(s *callSlot, seq uint64) int64 {
	d := &rt.dog
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.dogSeq != seq {
		return noDeadline
	}
	return s.dogDue
}

// dogStop stops the watchdog for good (Close, Shutdown): every call still
// waiting on it gets its own timer, and later calls arm theirs.
func (rt *Runtime) dogStop() {
	d := &rt.dog
	d.mu.Lock()
	d.stopped = true
	t, done := d.t, d.done
	d.t = nil
	rt.dogOn.Store(false)
	d.mu.Unlock()
	if t == nil {
		return
	}
	t.Stop()
	<-done
	rt.dogLook(true)
}

// arm arms the slot's timer to fire after left, unless it is armed already.
// The timer is made stopped and then reset, so that expire, which may run
// at once, finds s.timer set.
func (s *callSlot) arm(left time.Duration) {
	if !s.armed.CompareAndSwap(false, true) {
		return
	}
	s.timerMu.Lock()
	if s.timer == nil {
		s.timer = time.AfterFunc(time.Duration(1<<62), s.expire)
	}
	s.timer.Reset(left)
	s.timerMu.Unlock()
}
