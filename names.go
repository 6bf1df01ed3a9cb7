package gen

// registerNew gives name to a process being started. It returns the owner
// and false when the name is taken.
func (rt *Runtime) registerNew(name Name, p *Process) (PID, bool) {
	rt.namesMu.Lock()
	defer rt.namesMu.Unlock()
	if owner, ok := rt.names[name]; ok {
		return owner.pid, false
	}
	rt.names[name] = p
	p.mu.Lock()
	p.name = name
	p.nameChangedLocked()
	p.mu.Unlock()
	return PID{}, true
}

// unregisterOwned removes name if p still owns it.
func (rt *Runtime) unregisterOwned(name Name, p *Process) {
	rt.namesMu.Lock()
	if rt.names[name] == p {
		delete(rt.names, name)
	}
	rt.namesMu.Unlock()
}

func (rt *Runtime) whereis(name Name) *Process {
	rt.namesMu.RLock()
	p := rt.names[name]
	rt.namesMu.RUnlock()
	return p
}

// Register gives the live local process pid the name n, like Erlang's
// register/2. It fails with [ErrBadName] for an empty name, [ErrNoProc] when
// pid is not alive, and [ErrNameTaken] when n belongs to a process or pid
// already has a name. The name is released when the process exits.
func (rt *Runtime) Register(n Name, pid PID) error {
	if n == "" {
		return ErrBadName
	}
	p := rt.lookup(pid)
	if p == nil {
		return ErrNoProc
	}
	rt.namesMu.Lock()
	defer rt.namesMu.Unlock()
	if _, ok := rt.names[n]; ok {
		return ErrNameTaken
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != alive {
		return ErrNoProc
	}
	if p.name != "" {
		return ErrNameTaken
	}
	p.name = n
	p.nameChangedLocked()
	rt.names[n] = p
	return nil
}

// Unregister removes the name n. It returns [ErrNoProc] when n is not
// registered.
func (rt *Runtime) Unregister(n Name) error {
	rt.namesMu.Lock()
	defer rt.namesMu.Unlock()
	p, ok := rt.names[n]
	if !ok {
		return ErrNoProc
	}
	delete(rt.names, n)
	p.mu.Lock()
	if p.name == n {
		p.name = ""
		p.nameChangedLocked()
	}
	p.mu.Unlock()
	return nil
}

// Whereis returns the PID of the live process at d: a PID that is alive, a
// registered local [Name], a [RemoteName] whose node is this one, or a [Via]
// name. It returns false otherwise; a RemoteName on another node is not
// looked up.
func (rt *Runtime) Whereis(d Dest) (PID, bool) {
	p, err := rt.resolve(d)
	if err != nil || p == nil {
		return PID{}, false
	}
	return p.pid, true
}

// Registered returns the registered local names, in no order.
func (rt *Runtime) Registered() []Name {
	rt.namesMu.RLock()
	defer rt.namesMu.RUnlock()
	out := make([]Name, 0, len(rt.names))
	for n := range rt.names {
		out = append(out, n)
	}
	return out
}
