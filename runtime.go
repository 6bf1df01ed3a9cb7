package gen

import (
	"context"
	"github.com/gen-go/gen/internal/tick"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Options configures a [Runtime]. The zero value is a valid configuration: a
// node named "nonode@nohost" that logs crash reports to [slog.Default] and
// applies a 5 s default to calls.
type Options struct {
	// Node is the node name carried by every PID. Zero means "nonode@nohost".
	Node string
	// Creation distinguishes incarnations of the same node name. Zero means a
	// random value.
	Creation uint32
	// Logger receives crash reports and unexpected-message warnings. Nil
	// means slog.Default().
	Logger *slog.Logger
	// CallTimeout is the wait Call applies when its ctx has no deadline.
	// Zero means 5 s; negative means no default deadline.
	//
	// A CallTimeout under 1 s is exact. A longer one (the default) is
	// enforced by a watchdog that looks at waiting calls ten times a
	// second, so that a call answered in time touches neither a timer nor
	// the clock: a call that gets no answer fails at least CallTimeout and
	// at most about 0.1 s more after it began. Inside a testing/synctest
	// bubble, and on systems other than Linux, it is exact too. A deadline
	// on Call's ctx is always exact.
	CallTimeout time.Duration
	// PassThroughPanics lets a panic in a callback crash the program instead
	// of becoming the process's exit reason. Use it when debugging.
	PassThroughPanics bool
	// Hooks, if not nil, is called on process events (see [Hooks]).
	Hooks *Hooks
	// Transport reaches processes on other nodes. Nil means the runtime is
	// not distributed: remote destinations fail with a [*NodeDownError].
	Transport Transport
	// Instrument makes every process publish which callback it runs, the
	// type of the message it handles, how many messages it has handled and
	// how many wait in its batch, for [Runtime.Info], [Runtime.Activities]
	// and [Runtime.Messages], and so for samplers such as the metrics
	// package's slow-callback detector. It costs each process one atomic
	// store per message (no clock is read) and a small allocation at start.
	Instrument bool
	// ProfileLabels sets the pprof labels "pid" and "name" on every process
	// goroutine, so that CPU profiles attribute time to processes (filter
	// with `go tool pprof -tagfocus`). The label set is made once per
	// process and set when its goroutine starts (and again after a name
	// change, with Instrument). An Init that runs on the caller's goroutine
	// (see [Start]) runs under the caller's labels.
	ProfileLabels bool
}

// A Runtime is a node's whole process world: its process table, names,
// timers and options. There is no package-level state; two Runtimes in one
// program are two nodes. Create one with [NewRuntime] and end it with
// [Runtime.Shutdown] or [Runtime.Close]. Its methods are safe for concurrent
// use.
type Runtime struct {
	node      string
	creation  uint32
	log       *slog.Logger
	hooks     *Hooks
	transport Transport
	callWait  time.Duration
	passPanic bool

	nextID atomic.Uint64
	nextRf atomic.Uint64
	closed atomic.Bool

	table procTable

	namesMu sync.RWMutex          // guards names
	names   map[Name]*Process     // local registered names
	timerMu sync.Mutex            // guards timers
	timers  map[Ref]*runtimeTimer // pending SendAfter timers

	slots sync.Pool // *callSlot
	spare spareSlots
	qpool sync.Pool // *[qPooled]envelope: mailbox buffers given back by parked processes
	wg    sync.WaitGroup
	epoch time.Time // origin of mono

	dogOK bool        // long call deadlines may use the watchdog (deadline.go)
	dogOn atomic.Bool // a watchdog runs
	dog   watchdog

	// Observability, last so that the fields above keep their offsets.
	onCall    func(to PID, name Name, d time.Duration, err error) // Hooks.Call
	callEvery uint32                                              // Hooks.CallSampling, at least 1
	// Instrumentation: see Options.Instrument and ProfileLabels.
	instrument bool
	profile    bool
	msgsGone   atomic.Uint64 // messages handled by exited processes
	msgsSeen   atomic.Uint64 // the highest count Messages returned
	typeNames  sync.Map      // reflect.Type -> *string
}

// mono returns monotonic nanoseconds since the runtime was made.
func (rt *Runtime) mono() int64 { return int64(time.Since(rt.epoch)) }

// NewRuntime returns a runtime configured by opts.
func NewRuntime(opts Options) *Runtime {
	rt := &Runtime{
		node:       opts.Node,
		creation:   opts.Creation,
		log:        opts.Logger,
		hooks:      opts.Hooks,
		transport:  opts.Transport,
		callWait:   opts.CallTimeout,
		passPanic:  opts.PassThroughPanics,
		instrument: opts.Instrument,
		profile:    opts.ProfileLabels,
		names:      make(map[Name]*Process),
		timers:     make(map[Ref]*runtimeTimer),
	}
	if rt.node == "" {
		rt.node = "nonode@nohost"
	}
	for rt.creation == 0 {
		rt.creation = rand.Uint32()
	}
	if rt.log == nil {
		rt.log = slog.Default()
	}
	if rt.callWait == 0 {
		rt.callWait = 5 * time.Second
	}
	if opts.Hooks != nil {
		rt.onCall = opts.Hooks.Call
		rt.callEvery = uint32(min(max(opts.Hooks.CallSampling, 1), math.MaxInt32))
	}
	rt.epoch = time.Now()
	rt.dogOK = tick.Native()
	rt.slots.New = func() any { return &callSlot{rt: rt, ch: make(chan struct{}, 1), rnd: rand.Uint64() | 1} }
	return rt
}

// Node returns the runtime's node name.
func (rt *Runtime) Node() string { return rt.node }

// Logger returns the logger the runtime writes its reports to (Options.Logger,
// or slog.Default()), so that packages built on the runtime, such as
// supervisors, report through the same place.
func (rt *Runtime) Logger() *slog.Logger { return rt.log }

func (rt *Runtime) newPID() PID {
	n := rt.nextID.Add(1)
	return PID{Node: rt.node, ID: uint32(n), Serial: uint32(n >> 32), Creation: rt.creation}
}

// MakeRef returns a new Ref, unique within this runtime.
func (rt *Runtime) MakeRef() Ref {
	n := rt.nextRf.Add(1)
	return Ref{Node: rt.node, Creation: rt.creation, ID: [3]uint32{uint32(n), uint32(n >> 32), 0}}
}

func (rt *Runtime) isLocal(pid PID) bool {
	// A local PID's Node is rt.node itself, so the pointers match and no
	// byte is compared.
	return pid.Creation == rt.creation && len(pid.Node) == len(rt.node) &&
		(unsafe.StringData(pid.Node) == unsafe.StringData(rt.node) || pid.Node == rt.node)
}

func (rt *Runtime) insert(p *Process) { rt.table.insert(p.pid.key(), p) }

func (rt *Runtime) remove(p *Process) { rt.table.remove(p.pid.key(), p) }

// lookup returns the live local process for pid, or nil.
func (rt *Runtime) lookup(pid PID) *Process {
	if !rt.isLocal(pid) {
		return nil
	}
	// Keys are never reused: a local PID's key finds its process or none.
	return rt.table.lookup(pid.key())
}

// goProcess starts p's goroutine, tracked by the runtime's WaitGroup.
func (rt *Runtime) goProcess(p *Process) {
	rt.wg.Add(1)
	go rt.runProcess(p)
}

func (rt *Runtime) runProcess(p *Process) {
	defer rt.wg.Done()
	if p.ins != nil && rt.profile {
		p.setLabels()
	}
	p.run()
}

// Processes returns the PIDs of all live local processes, in no order.
func (rt *Runtime) Processes() []PID {
	var out []PID
	rt.table.each(func(p *Process) { out = append(out, p.pid) })
	return out
}

func (rt *Runtime) all() []*Process {
	var out []*Process
	rt.table.each(func(p *Process) { out = append(out, p) })
	return out
}

// Alive reports whether pid names a live local process.
func (rt *Runtime) Alive(pid PID) bool {
	p := rt.lookup(pid)
	return p != nil && !p.dead.Load()
}

// Shutdown ends every process and waits for their goroutines. It first sends
// each process an exit signal with reason [ErrShutdown], as a node stopping
// does: processes that trap exits run their cleanup, others end at once. When
// ctx is done before every process has ended, the rest are killed and
// Shutdown returns ctx.Err() without waiting further; a goroutine then keeps
// waiting for the killed processes' callbacks to return, as Close would.
// Start fails with [ErrRuntimeClosed] once Shutdown has begun.
func (rt *Runtime) Shutdown(ctx context.Context) error {
	rt.closed.Store(true)
	rt.stopTimers()
	rt.dogStop()
	for _, p := range rt.all() {
		rt.deliverExit(PID{}, p, ErrShutdown, false)
	}
	done := make(chan struct{})
	go func() {
		rt.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, p := range rt.all() {
		p.exit(ErrKilled)
	}
	return ctx.Err()
}

// Close kills every process at once, as [ErrKill] does, and waits for their
// goroutines to return. A callback that never returns keeps Close waiting;
// callbacks should watch their process's Done channel.
func (rt *Runtime) Close() {
	rt.closed.Store(true)
	rt.stopTimers()
	rt.dogStop()
	for _, p := range rt.all() {
		p.exit(ErrKilled)
	}
	rt.wg.Wait()
}
