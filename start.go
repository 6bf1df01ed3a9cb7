package gen

import (
	"context"
	"math"
	"runtime/debug"
	"time"
)

// A StartOption configures [Start] and [StartLink].
type StartOption func(*startConfig)

type startConfig struct {
	name           Name
	named          bool
	via            *Via
	hibernateAfter time.Duration
	limit          int32
	overflow       Overflow
	debug          *DebugOptions
	inline         bool
	err            error
}

// WithName registers the new process under the local name n before Init runs,
// so that calls by name made during Init wait for it. If n is taken, Start
// returns an [*AlreadyStartedError] with the owner's PID and no process runs.
func WithName(n Name) StartOption {
	return func(c *startConfig) {
		if n == "" {
			c.err = ErrBadName
		}
		c.name, c.named = n, true
	}
}

// WithVia registers the new process under key in r before Init runs, as
// Erlang's {via, Module, Name} does. If key is taken, Start returns an
// [*AlreadyStartedError] and no process runs.
func WithVia(r Registrar, key any) StartOption {
	return func(c *startConfig) {
		if r == nil {
			c.err = ErrBadName
		}
		c.via = &Via{Registrar: r, Key: key}
	}
}

// WithHibernateAfter makes the process hibernate by itself after d without
// messages, whenever no callback timeout is pending. Zero (the default) means
// never.
func WithHibernateAfter(d time.Duration) StartOption {
	return func(c *startConfig) { c.hibernateAfter = d }
}

// WithMailboxLimit bounds the mailbox to n waiting messages (calls, casts and
// plain messages; exit signals, monitor notices and system messages always
// get through). When it is full, policy decides; the sender always sees
// [ErrMailboxFull]. n <= 0 means unbounded, the default; a bound above
// math.MaxInt32 is math.MaxInt32.
func WithMailboxLimit(n int, policy Overflow) StartOption {
	return func(c *startConfig) { c.limit, c.overflow = int32(max(min(n, math.MaxInt32), 0)), policy }
}

// WithDebug turns sys debugging on for the new process from the start,
// before Init runs, as Erlang's debug start option does: tracing, an event
// log, statistics, as o says. Init itself produces no event; events start
// with the first message (or the continue Init asks for). While debugging is
// off a process pays nothing for it.
func WithDebug(o DebugOptions) StartOption {
	return func(c *startConfig) { c.debug = &o }
}

// Start starts a process running srv and returns its PID once Init has
// returned. ctx bounds the wait for Init: if it is done first, the
// half-started process is killed and Start returns an error wrapping
// ctx.Err(). ctx does not bound the process's life.
//
// Init runs as the new process: the *Process it receives is the new one, and
// calls made with it identify the new process. When ctx can be cancelled,
// Init runs on the process's own goroutine and Start waits for it; when ctx
// can never be done (context.Background, for example), there is nothing to
// time out, and Init runs on the calling goroutine, which saves two goroutine
// switches per Start. Either way, a server that Init leaves idle (no
// continue, timeout or hibernate_after, no message yet) then holds no
// goroutine, as a server without Init does; its first message starts one.
// See [Initer] for what Init's result does to Start.
func Start(ctx context.Context, rt *Runtime, srv Server, opts ...StartOption) (PID, error) {
	return rt.start(ctx, srv, nil, opts)
}

// StartLink is [Start] plus a link between the new process and the calling
// process, which ctx must identify (pass the *Process of the callback you are
// in). The link is made before Init runs, so a crash in Init reaches the
// caller. If the start fails and the caller traps exits, the link's exit
// signal is consumed and no [ExitSignal] stays behind (OTP 26). It returns
// [ErrNotProcess] when ctx does not come from a process.
func StartLink(ctx context.Context, rt *Runtime, srv Server, opts ...StartOption) (PID, error) {
	parent := ProcessOf(ctx)
	if parent == nil || parent.rt != rt {
		return PID{}, ErrNotProcess
	}
	return rt.start(ctx, srv, parent, opts)
}

func (rt *Runtime) start(ctx context.Context, srv Server, parent *Process, opts []StartOption) (PID, error) {
	var cfg startConfig
	if len(opts) > 0 {
		cfg = applyOptions(opts)
	}
	if cfg.err != nil {
		return PID{}, cfg.err
	}
	if rt.closed.Load() {
		return PID{}, ErrRuntimeClosed
	}
	p := &Process{rt: rt, pid: rt.newPID(), hibernateAfter: cfg.hibernateAfter,
		limit: cfg.limit, overflow: cfg.overflow, born: rt.mono(), inline: cfg.inline}
	if cfg.debug != nil {
		p.dbg = newDebugState(*cfg.debug)
	}
	if rt.instrument || rt.profile {
		p.ins = newProcIns(rt)
	}
	p.setServer(srv)
	if parent != nil {
		// Before insert: Runtime.Info may read parent and links as soon
		// as the process is in the table.
		p.parent = parent.pid
		p.links = map[PID]struct{}{parent.pid: {}}
	}
	rt.insert(p)
	if cfg.named {
		if owner, ok := rt.registerNew(cfg.name, p); !ok {
			rt.remove(p)
			return PID{}, &AlreadyStartedError{PID: owner}
		}
	}
	if cfg.via != nil {
		if !p.registerVia(cfg) {
			owner, _ := cfg.via.Registrar.WhereisName(cfg.via.Key)
			return PID{}, &AlreadyStartedError{PID: owner}
		}
		p.via = cfg.via
	}
	if parent != nil {
		if !parent.addLink(p.pid) {
			// The parent died meanwhile; its exit has left p alone, so
			// finish the job: p gets the parent's reason like any link.
			p.exit(ErrKilled)
			return PID{}, ErrNoProc
		}
	}
	if h := rt.hooks; h != nil && h.Spawn != nil {
		h.Spawn(p.pid)
	}
	in, ok := srv.(Initer)
	if !ok {
		p.mu.Lock()
		p.hib, p.fromHib = true, true // no goroutine until the first message
		p.mu.Unlock()
		return p.pid, nil
	}
	if ctx.Done() == nil {
		// Nothing can cut the wait short, so there is no half-started
		// process to kill: Init runs here, as the new process, and the
		// process takes a goroutine when it needs one.
		return p.initInline(in)
	}
	s := rt.slots.Get().(*callSlot)
	p.started = From{slot: s, seq: s.begin(0)}
	seq := p.started.seq
	rt.goProcess(p)
	err := s.wait(ctx, nil, seq)
	rt.slots.Put(s)
	switch {
	case err == nil:
		return p.pid, nil
	case err == ctx.Err():
		// Like proc_lib: unlink, kill, and leave no trace of the link.
		p.unlinkParent()
		p.exit(ErrKilled)
		return PID{}, &CallError{Op: "start", To: p.pid, Err: err}
	}
	return PID{}, err
}

// registerVia registers p under cfg's via-name. When the Registrar refuses,
// or panics, p leaves the table and its local name: no half-started process
// stays behind, and a panic goes on to Start's caller.
func (p *Process) registerVia(cfg startConfig) (ok bool) {
	defer func() {
		if !ok {
			if cfg.named {
				p.rt.unregisterOwned(cfg.name, p)
			}
			p.rt.remove(p)
		}
	}()
	return cfg.via.Registrar.RegisterName(cfg.via.Key, p.pid)
}

func applyOptions(opts []StartOption) startConfig {
	cfg := new(startConfig)
	for _, o := range opts {
		o(cfg)
	}
	return *cfg
}

// boot runs Init in the new process and acknowledges Start. It reports
// whether the process goes on to its loop.
func (p *Process) boot() bool {
	err := error(nil)
	if in, ok := p.srv.(Initer); ok {
		if p.ins != nil {
			p.entered(CallbackInit, nil, false)
		}
		err = in.Init(p)
		if p.ins != nil {
			p.left()
		}
	}
	if err != nil {
		p.initFailed(err, false)
		return false
	}
	ack := p.started
	p.started = From{}
	if p.dead.Load() {
		// Init ended its own process, as exit(R) in Erlang's init does:
		// Start reports the reason.
		p.mu.Lock()
		reason := p.reason
		p.mu.Unlock()
		ack.slot.deliver(ack.seq, nil, reason)
		return false
	}
	ack.slot.deliver(ack.seq, nil, nil)
	return true
}

// lazyAfterBoot lets the goroutine that ran Init go when the process can
// wait for its first message without one (see lazyAfterInitLocked). When it
// reports true the goroutine must not touch p any more: a sender may already
// be starting the next one.
func (p *Process) lazyAfterBoot() bool {
	p.mu.Lock()
	lazy := p.state == alive && p.lazyAfterInitLocked()
	p.mu.Unlock()
	return lazy
}

// initInline runs Init on the caller's goroutine and returns Start's result.
func (p *Process) initInline(in Initer) (pid PID, err error) {
	if p.rt.passPanic {
		// The panic goes on to Start's caller; the half-started process
		// must not stay behind, registered and without a goroutine.
		defer func() {
			if r := recover(); r != nil {
				p.releaseNames()
				p.exit(&PanicError{Value: r, Stack: debug.Stack()})
				panic(r)
			}
		}()
	} else {
		defer func() {
			if r := recover(); r != nil {
				pid, err = PID{}, p.failInit(&PanicError{Value: r, Stack: debug.Stack()}, true)
			}
		}()
	}
	if p.ins != nil {
		p.entered(CallbackInit, nil, false)
	}
	err = in.Init(p)
	if p.ins != nil {
		p.left()
	}
	if err != nil {
		return PID{}, p.failInit(err, false)
	}
	p.mu.Lock()
	if p.state != alive {
		// Init ended its own process, or someone killed it meanwhile.
		reason := p.reason
		p.mu.Unlock()
		return PID{}, reason
	}
	spawn := !p.lazyAfterInitLocked()
	p.mu.Unlock()
	if spawn {
		p.rt.goProcess(p)
	}
	return p.pid, nil
}

// lazyAfterInitLocked decides, once Init has returned, whether the process
// can go without a goroutine until its first message, as a process without
// Init does; if so it marks it so and reports true. It cannot when Init asked
// for something to happen after it (a continue or a timeout) or messages came
// during Init; with hibernate_after the goroutine waits out its time as
// usual. An idle started server then costs its heap only, and stopping it
// wakes nothing. p.mu must be held.
func (p *Process) lazyAfterInitLocked() bool {
	if len(p.q) > 0 || (p.act != actNone && p.act != actHibernate) ||
		(p.hibernateAfter > 0 && p.act != actHibernate) {
		return false
	}
	p.hib, p.fromHib = true, p.act == actHibernate
	p.act = actNone
	return true
}

// initFailed ends a process whose Init failed and acknowledges Start. The
// name is released before the exit is signalled, and a trapping parent is
// unlinked first so that no ExitSignal stays behind.
func (p *Process) initFailed(err error, panicked bool) {
	ack := p.started
	p.started = From{}
	ack.slot.deliver(ack.seq, nil, p.failInit(err, panicked))
}

// failInit ends a process whose Init failed and returns Start's error. The
// name is released before the exit is signalled, and a trapping parent is
// unlinked first so that no ExitSignal stays behind.
func (p *Process) failInit(err error, panicked bool) error {
	reason, result := err, err
	switch e := err.(type) {
	case *initFailed:
		reason, result = ErrNormal, e.reason
	default:
		if err == Ignore {
			reason = ErrNormal
		}
	}
	if !p.dead.Load() {
		p.releaseNames()
		p.unlinkTrappingParent()
		if IsAbnormal(reason) {
			p.crashReport(reason)
		}
		p.exit(reason)
	}
	if panicked {
		result = reason
	}
	if result == nil {
		result = ErrNormal
	}
	return result
}

func (p *Process) releaseNames() {
	p.mu.Lock()
	name, via := p.name, p.via
	p.name, p.via = "", nil
	p.mu.Unlock()
	if name != "" {
		p.rt.unregisterOwned(name, p)
	}
	if via != nil {
		via.Registrar.UnregisterName(via.Key, p.pid)
	}
}

// unlinkTrappingParent removes the link to a parent that traps exits, so a
// failed start leaves no ExitSignal in its mailbox.
func (p *Process) unlinkTrappingParent() { p.unlinkParentIf(true) }

// unlinkParent removes the link to the parent whatever it traps.
func (p *Process) unlinkParent() { p.unlinkParentIf(false) }

func (p *Process) unlinkParentIf(onlyTrapping bool) {
	if p.parent.IsZero() {
		return
	}
	parent := p.rt.lookup(p.parent)
	if parent == nil {
		return
	}
	parent.mu.Lock()
	unlink := parent.trap || !onlyTrapping
	if unlink {
		delete(parent.links, p.pid)
	}
	parent.mu.Unlock()
	if unlink {
		p.mu.Lock()
		delete(p.links, p.parent)
		p.mu.Unlock()
	}
}
