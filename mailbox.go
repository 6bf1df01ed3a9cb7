package gen

// The mailbox is part of Process. Under Process.mu: an unbounded slice queue
// that the process goroutine swaps out whole (one lock per batch), and the
// hibernation flag that tells a sender to start the goroutine again. In the
// lock's own word: the park state, which a sender can also move with one
// compare-and-swap while the lock is free. Outside it: a one-token wake
// channel the goroutine parks on (so synctest sees it durably blocked).
// When the goroutine is parked with
// nothing queued, a sender claims the park state and puts its message
// straight into the goroutine's batch, so a cast or send to an idle process
// takes no mailbox lock; calls take the lock to join the watcher list.

type envKind uint8

const (
	kInfo envKind = iota // plain message: HandleInfo
	kCast                // HandleCast
	kCall                // HandleCall, with from
	kExit                // exit signal to a trapping process: ExitSignal
	kSys                 // *sysmsg.Msg, with from when it wants a reply
	kStop                // Stop's request: msg is the reason; from waits for the exit
)

type envelope struct {
	kind envKind
	msg  any
	from From
}

// Overflow says what happens when a bounded mailbox is full.
type Overflow uint8

const (
	// Reject refuses the message: the sender's Send, Cast or Call returns
	// ErrMailboxFull and the receiver is not affected.
	Reject Overflow = iota
	// ExitOnOverflow refuses the message as Reject does and also ends the
	// receiver with exit reason ErrMailboxFull, as a crash.
	ExitOnOverflow
)

// enqueueLocked appends e. p.mu must be held and p alive. It reports what the
// caller must do after unlocking: wake the parked goroutine or start one.
func (p *Process) enqueueLocked(e *envelope) (wake, spawn bool) {
	if e.from.slot != nil {
		p.watchLocked(e.from)
	}
	switch p.mu.park {
	case parkOpen:
		// The goroutine waits with an empty batch and an empty queue:
		// hand it the message directly; the wake token orders the write
		// before its read.
		p.mu.park = parkClaimed
		p.batch = append(p.batch[:0], *e)
		p.bi = 0
		return true, false
	case parkClosed:
		p.mu.park = parkRunning
		p.appendQ(*e)
		return true, false
	}
	p.appendQ(*e)
	if p.hib {
		p.hib = false
		return false, true
	}
	return false, false
}

// appendQ appends e to the queue, growing it fourfold from qMin entries: a
// burst of 100 into a fresh mailbox costs four allocations, not eight, and
// a process that has seen one message keeps a small buffer. Senders make
// room first (makeRoomLocked), so that the growth allocates outside the lock.
func (p *Process) appendQ(e envelope) {
	if len(p.q) == cap(p.q) && !p.pooledQLocked() {
		p.setQLocked(make([]envelope, 0, p.qGrowth()))
	}
	p.q = append(p.q, e)
}

// pooledQLocked moves a short full queue into a pooled buffer, if one is
// free, and reports whether it did. p.mu must be held.
func (p *Process) pooledQLocked() bool {
	if cap(p.q) >= qPooled {
		return false
	}
	b, _ := p.rt.qpool.Get().(*[qPooled]envelope)
	if b == nil {
		return false
	}
	p.setQLocked(b[:0])
	return true
}

// qGrowth is the capacity a full queue grows to.
func (p *Process) qGrowth() int {
	if cap(p.q) >= 1024 {
		return 2 * cap(p.q)
	}
	return max(qMin, 4*cap(p.q))
}

// setQLocked moves the queue into buf, an empty buffer with more room.
func (p *Process) setQLocked(buf []envelope) {
	q := append(buf, p.q...)
	clear(p.q)
	p.q = q
}

// A sender takes p.mu with room for one more message: an empty batch for
// a parked goroutine to be handed the message, or room in the queue. What
// that needs is allocated with the lock released and then installed, if
// still needed, under it again: nothing may allocate under the lock, as
// the allocation can park the sender (a GC assist) while the goroutine and
// other senders spin on it (see LOCKING.md). push and pushCall write it
// out (Lock, then roomLocked or makeRoomLocked), as a function it would
// not inline.

// roomLocked reports the usual case: room already (or p dead).
func (p *Process) roomLocked() bool {
	if p.mu.park == parkOpen {
		return cap(p.batch) > 0 || p.state != alive
	}
	return len(p.q) < cap(p.q) || p.state != alive
}

// makeRoomLocked makes room when roomLocked reports none. p.mu must be held; it is held
// again on return.
//
//go:noinline
func (p *Process) makeRoomLocked() {
	for p.state == alive {
		var n int
		if p.mu.park == parkOpen {
			if cap(p.batch) > 0 {
				return
			}
			n = 1 // as append would: a parked process takes one at a time
		} else {
			if len(p.q) < cap(p.q) || p.pooledQLocked() {
				return
			}
			n = p.qGrowth()
		}
		p.mu.Unlock()
		buf := make([]envelope, 0, n)
		p.mu.Lock()
		if p.mu.park == parkOpen {
			if cap(p.batch) == 0 {
				p.batch = buf
			}
		} else if len(p.q) == cap(p.q) && cap(buf) > len(p.q) {
			p.setQLocked(buf)
		}
	}
}

// qMin is a mailbox's first allocation. A process keeps its buffers while
// awake and gives them back when it hibernates.
const qMin = 4

// qPooled is the size of the mailbox buffers a process parking after a
// burst gives back to its runtime, and that a queue short of room takes
// before it grows by allocating: a burst into a fresh mailbox then reuses
// what an earlier burst grew.
const qPooled = 256

func (p *Process) notify(wake, spawn bool) {
	if wake {
		p.wake <- struct{}{}
	} else if spawn {
		p.rt.goProcess(p)
	}
}

// The park states of a process's goroutine (held in Process.mu). Whoever moves
// the state away from parkOpen or parkClosed sends the one wake token.
const (
	parkRunning uint32 = iota // running, or no goroutine (hib), or dead
	parkOpen                  // parked, mailbox and batch empty: a sender may claim it
	parkClosed                // parked while suspended: wake, but no hand-over
	parkClaimed               // a sender handed a message over; then as parkRunning
	parkInline                // a caller runs HandleCall on its own goroutine (inline.go)
)

// push delivers e to p. A dead p drops it, as Erlang does. A full bounded
// mailbox refuses counted messages with ErrMailboxFull.
func (p *Process) push(e envelope) error {
	if e.kind <= kCast && p.limit == 0 && p.mu.loadPark() == parkOpen &&
		p.mu.casPark(parkOpen, parkClaimed) {
		// The goroutine is parked with nothing queued: hand the message
		// over without the mailbox lock. Nobody else touches batch until
		// the goroutine has our token.
		p.batch = append(p.batch[:0], e)
		p.bi = 0
		p.wake <- struct{}{}
		return nil
	}
	p.mu.Lock()
	// The usual case under the lock: the goroutine runs (or was claimed)
	// and the queue has room. This is enqueueLocked's default path,
	// written out without its calls and copies.
	if n := len(p.q); n < cap(p.q) && e.kind <= kCast && p.mu.park != parkOpen && p.mu.park != parkClosed &&
		p.state == alive && p.limit == 0 && !p.hib {
		p.q = p.q[:n+1]
		p.q[n] = e
		p.mu.Unlock()
		return nil
	}
	if !p.roomLocked() {
		p.makeRoomLocked()
	}
	if p.state != alive {
		p.mu.Unlock()
		return nil
	}
	if p.limit > 0 && e.kind <= kCall && len(p.q) >= int(p.limit) {
		policy := p.overflow
		p.mu.Unlock()
		if policy == ExitOnOverflow {
			p.exit(ErrMailboxFull)
		}
		return ErrMailboxFull
	}
	wake, spawn := p.enqueueLocked(&e)
	p.mu.Unlock()
	p.notify(wake, spawn)
	return nil
}

// pushCall is push for a call: it reports ErrNoProc when p is already dead,
// so the caller fails at once instead of waiting.
func (p *Process) pushCall(e *envelope) error {
	p.mu.Lock()
	// The usual case for a call: the goroutine waits with nothing queued.
	// This is enqueueLocked's parkOpen path, written out.
	if p.mu.park == parkOpen && cap(p.batch) > 0 && p.state == alive && p.limit == 0 {
		p.watchLocked(e.from)
		p.mu.park = parkClaimed
		p.batch = p.batch[:1]
		p.batch[0] = *e
		p.bi = 0
		p.mu.Unlock()
		p.wake <- struct{}{}
		return nil
	}
	if !p.roomLocked() {
		p.makeRoomLocked()
	}
	if p.state != alive {
		p.mu.Unlock()
		return ErrNoProc
	}
	if p.limit > 0 && e.kind == kCall && len(p.q) >= int(p.limit) {
		policy := p.overflow
		p.mu.Unlock()
		if policy == ExitOnOverflow {
			p.exit(ErrMailboxFull)
		}
		return ErrMailboxFull
	}
	wake, spawn := p.enqueueLocked(e)
	p.mu.Unlock()
	p.notify(wake, spawn)
	return nil
}

// takeLocked moves queued messages to the goroutine's batch, or one message
// for a bounded mailbox (so that the limit counts what is waiting). p.mu must
// be held; it reports false when nothing is queued.
//
//go:noinline
func (p *Process) takeLocked() bool {
	if len(p.q) == 0 {
		return false
	}
	if p.limit > 0 {
		p.batch = append(p.batch[:0], p.q[0])
		p.q[0] = envelope{}
		p.q = p.q[1:]
		if len(p.q) == 0 {
			p.q = nil
		}
	} else {
		p.batch, p.q = p.q, p.batch[:0]
	}
	p.bi = 0
	if p.ins != nil {
		p.taken(len(p.batch))
	}
	return true
}

// takeSysLocked removes and returns the first system message in the queue,
// for a suspended process. p.mu must be held.
//
//go:noinline
func (p *Process) takeSysLocked() (envelope, bool) {
	for i, e := range p.q {
		if e.kind >= kSys {
			copy(p.q[i:], p.q[i+1:])
			p.q[len(p.q)-1] = envelope{}
			p.q = p.q[:len(p.q)-1]
			return e, true
		}
	}
	return envelope{}, false
}

// unreadLocked puts the rest of the goroutine's batch back in front of the
// queue, so that a suspended process can pick system messages out of it.
//
//go:noinline
func (p *Process) unreadLocked() {
	if p.bi >= len(p.batch) {
		return
	}
	rest := append([]envelope(nil), p.batch[p.bi:]...)
	if p.ins != nil {
		p.untaken(len(rest))
	}
	clear(p.batch)
	p.batch, p.bi = p.batch[:0], 0
	p.q = append(rest, p.q...)
}
