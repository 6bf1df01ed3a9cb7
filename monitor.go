package gen

// A monitor held on a process: either another process, which gets a Down
// message, or a channel, for waiters that are not processes.
type monitor struct {
	ref   Ref
	owner *Process
	ch    chan Down
	name  Dest
}

//go:noinline
func (m monitor) fire(d Down) {
	if m.owner != nil {
		m.owner.pushDown(d)
		return
	}
	m.ch <- d
}

// pushDown queues d for p if p still holds the monitor: once Demonitor has
// returned, no Down for its ref can be queued.
//
//go:noinline
func (p *Process) pushDown(d Down) {
	var msg any = d // boxed, and room made, outside the lock (LOCKING.md)
	p.mu.Lock()
	if !p.roomLocked() {
		p.makeRoomLocked()
	}
	if _, ok := p.held[d.Ref]; !ok || p.state != alive {
		p.mu.Unlock()
		return
	}
	delete(p.held, d.Ref)
	wake, spawn := p.enqueueLocked(&envelope{kind: kInfo, msg: msg})
	p.mu.Unlock()
	p.notify(wake, spawn)
}

// addMonitor records m on p under ref. It reports false when p is dead.
func (p *Process) addMonitor(ref Ref, m monitor) bool {
	m.ref = ref
	var grown []monitor
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.state != alive {
			return false
		}
		if len(p.monitors) < cap(p.monitors) {
			break
		}
		if cap(grown) > len(p.monitors) {
			p.monitors = append(grown, p.monitors...)
			break
		}
		// The list is full: grow it with the lock released (LOCKING.md),
		// then look again.
		n := max(2*len(p.monitors), 4)
		p.mu.Unlock()
		grown = make([]monitor, 0, n)
		p.mu.Lock()
	}
	p.monitors = append(p.monitors, m)
	return true
}

func (p *Process) removeMonitor(ref Ref) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.monitors {
		if p.monitors[i].ref == ref {
			last := len(p.monitors) - 1
			p.monitors[i] = p.monitors[last]
			p.monitors[last] = monitor{}
			p.monitors = p.monitors[:last]
			return true
		}
	}
	return false
}

// hold records that p holds the monitor ref on t (nil: the Down is sent at
// once). The first one makes the map, outside the lock (LOCKING.md); if p
// dies meanwhile, nothing is recorded: a dead process gets no Down.
func (p *Process) hold(ref Ref, t *Process) {
	p.mu.Lock()
	if makeMapLocked(p, &p.held) {
		p.held[ref] = t
	}
	p.mu.Unlock()
}

// Monitor starts watching the process at to and returns a new Ref. When that
// process exits, this process gets one [Down] message with the Ref and the
// exit reason; if there is no such process, the Down (reason [ErrNoProc])
// arrives at once. A name is resolved now, and the Down then carries the name
// as well. Monitors are one-way, and each call makes a separate monitor.
func (p *Process) Monitor(to Dest) Ref {
	ref := p.rt.MakeRef()
	var name Dest
	if _, isPID := to.(PID); !isPID {
		name = to
	}
	t, err := p.rt.resolve(to)
	m := monitor{owner: p, name: name}
	if err == nil {
		p.hold(ref, t)
		if t.addMonitor(ref, m) {
			return ref
		}
	} else {
		p.hold(ref, nil)
	}
	reason := ErrNoProc
	if err != nil {
		reason = err
		if _, down := err.(*NodeDownError); down {
			reason = ErrNoConnection
		}
	}
	d := Down{Ref: ref, Name: name, Reason: reason}
	if pid, ok := to.(PID); ok {
		d.PID = pid
	} else if t != nil {
		d.PID = t.pid
	}
	m.fire(d)
	return ref
}

// Demonitor stops the monitor ref, so that no Down for it arrives after
// Demonitor returns. With flush, a Down for ref already in the mailbox is
// removed too. It returns true, as Erlang's demonitor does.
func (p *Process) Demonitor(ref Ref, flush bool) bool {
	p.mu.Lock()
	t, ok := p.held[ref]
	delete(p.held, ref)
	p.mu.Unlock()
	if ok && t != nil {
		t.removeMonitor(ref)
	}
	if flush {
		p.flushDown(ref)
	}
	return true
}

func (p *Process) flushDown(ref Ref) {
	keep := func(e envelope) bool {
		d, ok := e.msg.(Down)
		return !(e.kind == kInfo && ok && d.Ref == ref)
	}
	out := p.batch[:p.bi]
	for _, e := range p.batch[p.bi:] {
		if keep(e) {
			out = append(out, e)
		}
	}
	dropped := len(p.batch) - len(out)
	clear(p.batch[len(out):])
	p.batch = out
	p.mu.Lock()
	if p.ins != nil && dropped > 0 {
		p.untaken(dropped)
	}
	q := p.q[:0]
	for _, e := range p.q {
		if keep(e) {
			q = append(q, e)
		}
	}
	clear(p.q[len(q):])
	p.q = q
	p.mu.Unlock()
}

// Watch monitors the process at to from outside any process: the returned
// channel receives one [Down] when it exits, or at once when there is no such
// process. Cancel with [Runtime.Unwatch].
func (rt *Runtime) Watch(to Dest) (Ref, <-chan Down) {
	ref := rt.MakeRef()
	ch := make(chan Down, 1)
	var name Dest
	if _, isPID := to.(PID); !isPID {
		name = to
	}
	t, err := rt.resolve(to)
	if err == nil && t.addMonitor(ref, monitor{ch: ch, name: name}) {
		return ref, ch
	}
	d := Down{Ref: ref, Name: name, Reason: ErrNoProc}
	if pid, ok := to.(PID); ok {
		d.PID = pid
	}
	if _, down := err.(*NodeDownError); down {
		d.Reason = ErrNoConnection
	}
	ch <- d
	return ref, ch
}

// Unwatch cancels a [Runtime.Watch] on the process at pid.
func (rt *Runtime) Unwatch(pid PID, ref Ref) {
	if t := rt.lookup(pid); t != nil {
		t.removeMonitor(ref)
	}
}
