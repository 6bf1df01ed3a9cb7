package gen

// addLink records a link from p to other. It reports false when p is dead.
func (p *Process) addLink(other PID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != alive || !makeMapLocked(p, &p.links) {
		return false
	}
	p.links[other] = struct{}{}
	return true
}

// makeMapLocked makes the map *m, one of p's fields guarded by p.mu, if it
// is nil. It allocates with p.mu released (LOCKING.md) and reports false
// when p has died meanwhile. p.mu is held on entry and on return.
func makeMapLocked[K comparable, V any](p *Process, m *map[K]V) bool {
	for *m == nil {
		p.mu.Unlock()
		fresh := make(map[K]V)
		p.mu.Lock()
		if p.state != alive {
			return false
		}
		if *m == nil {
			*m = fresh
		}
	}
	return true
}

// Link links the process to the process at pid: when either exits, the other
// gets an exit signal with the same reason. Links are bidirectional and there
// is at most one per pair; linking again or linking to oneself does nothing.
// If pid is not alive, the process gets an exit signal with reason
// [ErrNoProc] at once: an [ExitSignal] when trapping exits, death otherwise.
func (p *Process) Link(pid PID) {
	if pid == p.pid || pid.IsZero() {
		return
	}
	if !p.rt.isLocal(pid) {
		p.rt.remoteLinkFailed(p, pid)
		return
	}
	if !p.addLink(pid) {
		return
	}
	t := p.rt.lookup(pid)
	if t != nil && t.addLink(p.pid) {
		return
	}
	// The target is gone. Its exit could not see our link, so we deliver
	// the noproc signal ourselves.
	p.rt.deliverExit(pid, p, ErrNoProc, true)
}

// Unlink removes the link between the process and pid, if any. Once Unlink
// returns, that link can no longer deliver an exit signal to the process.
func (p *Process) Unlink(pid PID) {
	p.mu.Lock()
	delete(p.links, pid)
	p.mu.Unlock()
	if t := p.rt.lookup(pid); t != nil {
		t.mu.Lock()
		delete(t.links, p.pid)
		t.mu.Unlock()
	}
}

// Links returns the PIDs the process is linked to, in no order.
func (p *Process) Links() []PID {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PID, 0, len(p.links))
	for pid := range p.links {
		out = append(out, pid)
	}
	return out
}

// Exit sends an exit signal with reason from the process to the process at
// pid, as Erlang's exit/2 does. [ErrKill] ends the target even when it traps
// exits (its reason becomes [ErrKilled]); a target that traps exits gets any
// other reason as an [ExitSignal]; otherwise [ErrNormal] is ignored, unless
// the target is the process itself, and any other reason ends the target
// with that reason.
func (p *Process) Exit(pid PID, reason error) {
	p.rt.exitSignal(p.pid, pid, reason)
}

// Exit sends an exit signal with reason to the process at pid from outside
// any process, with the rules of [Process.Exit]; a trapping target sees the
// zero PID as sender.
func (rt *Runtime) Exit(pid PID, reason error) {
	rt.exitSignal(PID{}, pid, reason)
}

func (rt *Runtime) exitSignal(from, to PID, reason error) {
	t := rt.lookup(to)
	if t == nil {
		if !to.IsZero() && !rt.isLocal(to) && rt.transport != nil {
			_ = rt.transport.Deliver(Signal{Kind: SignalExit, From: from, To: to, Reason: orNormal(reason)})
		}
		return
	}
	rt.deliverExit(from, t, orNormal(reason), false)
}

// linkSignal delivers the exit signal of a dying process from to a linked
// process to.
//
//go:noinline
func (rt *Runtime) linkSignal(from, to PID, reason error) {
	t := rt.lookup(to)
	if t == nil {
		if !rt.isLocal(to) && rt.transport != nil {
			_ = rt.transport.Deliver(Signal{Kind: SignalLinkExit, From: from, To: to, Reason: reason})
		}
		return
	}
	rt.deliverExit(from, t, reason, true)
}

// deliverExit applies Erlang's exit-signal rules to t. A link signal counts
// only while the link exists, and consumes it.
//
//go:noinline
func (rt *Runtime) deliverExit(from PID, t *Process, reason error, viaLink bool) {
	// A trapping process gets the signal as a message, boxed and given
	// room in the mailbox before the lock is taken for good: nothing
	// allocates under t.mu (LOCKING.md).
	var sig any
	t.mu.Lock()
	for {
		if t.state != alive {
			t.mu.Unlock()
			return
		}
		if viaLink {
			if _, ok := t.links[from]; !ok {
				t.mu.Unlock()
				return
			}
		}
		if reason == ErrKill && !viaLink || !t.trap {
			break
		}
		if sig == nil {
			t.mu.Unlock()
			sig = ExitSignal{From: from, Reason: reason}
			t.mu.Lock()
			continue
		}
		if t.roomLocked() {
			break
		}
		t.makeRoomLocked() // releases and retakes the lock: look again
	}
	if viaLink {
		delete(t.links, from)
	}
	if reason == ErrKill && !viaLink {
		t.mu.Unlock()
		t.exit(ErrKilled)
		return
	}
	if t.trap {
		wake, spawn := t.enqueueLocked(&envelope{kind: kExit, msg: sig})
		t.mu.Unlock()
		t.notify(wake, spawn)
		return
	}
	t.mu.Unlock()
	if isNormal(reason) {
		if !viaLink && from == t.pid {
			t.exit(ErrNormal)
		}
		return
	}
	t.exit(reason)
}

// remoteLinkFailed handles a link to a PID on another node. Until a
// transport links remote processes, the link fails at once with
// ErrNoConnection, as a link to an unreachable node does.
func (rt *Runtime) remoteLinkFailed(p *Process, pid PID) {
	if rt.transport != nil && rt.transport.Deliver(Signal{Kind: SignalLink, From: p.pid, To: pid}) == nil {
		p.addLink(pid)
		return
	}
	// Record the link, then break it as the lost connection would: the
	// signal consumes the link (a dead p records nothing and ignores it).
	p.addLink(pid)
	rt.deliverExit(pid, p, ErrNoConnection, true)
}
