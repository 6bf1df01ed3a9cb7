package task

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync"
	"time"

	"github.com/gen-go/gen"
)

// A StreamOption configures [AsyncStream].
type StreamOption func(*streamConfig)

type streamConfig struct {
	max       int
	unordered bool
	timeout   time.Duration
	onTimeout OnTimeout
}

// OnTimeout says what [AsyncStream] does when an item's task runs past the
// per-item timeout: Elixir's :on_timeout.
type OnTimeout uint8

const (
	// ExitStream (the default) ends the stream: the item yields an error
	// whose Err is context.DeadlineExceeded, the last value of the stream,
	// and every task still running is killed. Elixir's :exit, where the
	// caller exits.
	ExitStream OnTimeout = iota
	// KillTask kills the task that timed out; its item yields an error
	// whose Err is context.DeadlineExceeded, and the stream goes on.
	// Elixir's :kill_task, whose item is {:exit, :timeout}.
	KillTask
)

// WithMaxConcurrency sets how many tasks run at once. n <= 0 means the
// default: runtime.GOMAXPROCS(0), the number of CPUs Go runs goroutines on,
// as Elixir's default is System.schedulers_online.
func WithMaxConcurrency(n int) StreamOption {
	return func(c *streamConfig) { c.max = n }
}

// WithOrdered sets whether results come in the order of their items (true,
// the default) or as they are ready. Ordered results wait, in memory, for the
// slower items before them.
func WithOrdered(ordered bool) StreamOption {
	return func(c *streamConfig) { c.unordered = !ordered }
}

// WithTimeout sets how long each item's task may run, from its start;
// [DefaultTimeout] when not given. d <= 0 means no limit (:infinity).
func WithTimeout(d time.Duration) StreamOption {
	return func(c *streamConfig) { c.timeout = d }
}

// WithOnTimeout sets what happens to an item whose task times out:
// [ExitStream] (the default) or [KillTask].
func WithOnTimeout(o OnTimeout) StreamOption {
	return func(c *streamConfig) { c.onTimeout = o }
}

// AsyncStream returns an iterator that runs fn on each item of items, each
// in its own task process, at most WithMaxConcurrency at a time, and yields
// each result with a nil error, or the zero R with an *[Error] for an item
// whose task failed: Elixir's Task.async_stream. Items are pulled from items
// only as tasks can start, so items may be endless; use slices.Values for a
// slice.
//
// ctx must come from the owner's process, as for [Async]; otherwise the
// iterator yields [gen.ErrNotProcess] and stops. Range over the iterator in
// the owner's callback: each range runs the whole stream afresh.
//
// Failures follow Elixir's, where the tasks are linked to a helper process
// that is linked to the caller:
//
//   - fn's ctx is its task's process, as for Async. A non-nil error from fn
//     is the task's exit reason ([gen.ErrNormal] ends it quietly); a panic is
//     a crash.
//   - A task that exits without a result yields an *[Error] whose Err is a
//     *[gen.ExitError] with its reason. A crash (any reason but normal)
//     also reaches the owner as an exit signal, as through a link: an owner
//     that does not trap exits dies, and the stream stops after that item;
//     an owner that traps exits gets a [gen.ExitSignal] (from the helper
//     process, where Elixir's owner gets nothing) and the stream goes on.
//   - A task that runs past WithTimeout ([DefaultTimeout] by default) is
//     killed and handled as WithOnTimeout says.
//   - When the owner dies, the stream yields one last *[Error] with the
//     owner's exit reason and stops, and the running tasks die with the
//     owner's reason.
//
// Stopping the range early (break, or a return from the loop) kills the
// running tasks before the range statement ends. As with [Async], a killed
// task's fn goes on until it returns; its ctx is cancelled.
//
// The results travel on Go channels, never through the owner's mailbox.
func AsyncStream[T, R any](ctx context.Context, items iter.Seq[T], fn func(ctx context.Context, item T) (R, error), opts ...StreamOption) iter.Seq2[R, error] {
	cfg := streamConfig{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.max <= 0 {
		cfg.max = runtime.GOMAXPROCS(0)
	}
	if fn == nil {
		panic("task: AsyncStream with a nil function")
	}
	return func(yield func(R, error) bool) {
		owner := gen.ProcessOf(ctx)
		if owner == nil {
			var zero R
			yield(zero, gen.ErrNotProcess)
			return
		}
		s := &stream[T, R]{owner: owner, rt: owner.Runtime(), cfg: cfg}
		s.shared = &shared[T, R]{fn: fn, box: outbox[R]{ready: make(chan struct{}, 1)},
			running: running[T, R]{byPID: make(map[gen.PID]*streamTask[T, R]), byIdx: make(map[int]gen.PID)}}
		s.run(items, yield)
	}
}

// How a stream works. The range statement's goroutine (the consumer, on
// the owner's callback) pulls items and hands them, in one message per
// wake-up, to a helper process, the coordinator, which starts each item's
// task linked to itself and traps exits. A task that returns leaves the
// registry of running tasks, unlinks itself from the coordinator and puts
// its result in the outbox, a queue the consumer waits on; so a normal end
// costs the coordinator nothing. A task that exits without delivering is
// still linked: the coordinator hears of it from the exit signal and puts
// the exact reason in the outbox. The coordinator monitors the owner and
// passes its death on to the tasks. The consumer keeps the deadlines and
// asks the coordinator to kill tasks that time out, and stops it at the
// end, which kills whatever still runs.

// shared is what the consumer, the coordinator and the tasks of one stream
// share: fn and the outbox. Both are safe for concurrent use.
type shared[T, R any] struct {
	fn      func(context.Context, T) (R, error)
	box     outbox[R]
	running running[T, R]
}

// An item's outcome, as the consumer receives it.
type itemOutcome[R any] struct {
	idx    int
	pid    gen.PID
	v      R
	reason error // non-nil: the task exited without a result
}

// outbox is an unbounded queue of outcomes with a wake-up channel. Senders
// never block, so a task whose stream was abandoned can always finish.
type outbox[R any] struct {
	mu    sync.Mutex // guards q
	q     []itemOutcome[R]
	ready chan struct{} // holds a token while q may be non-empty
}

func (b *outbox[R]) push(o itemOutcome[R]) {
	b.mu.Lock()
	b.q = append(b.q, o)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// take moves the queued outcomes into buf and returns it.
func (b *outbox[R]) take(buf []itemOutcome[R]) []itemOutcome[R] {
	b.mu.Lock()
	buf, b.q = b.q, buf[:0]
	b.mu.Unlock()
	return buf
}

// The consumer's side.

type stream[T, R any] struct {
	owner  *gen.Process
	rt     *gen.Runtime
	cfg    streamConfig
	shared *shared[T, R]
	coord  gen.PID

	slots   []slot[R] // items started and not yet yielded, by idx - base
	base    int
	next    int // the next item's idx
	running int
	timer   *time.Timer
	armed   bool
	buf     []itemOutcome[R]
}

type slot[R any] struct {
	done     bool // the outcome is in v and err
	yielded  bool // unordered: already yielded, waiting to leave the front
	deadline time.Time
	v        R
	err      error
}

func (s *stream[T, R]) run(items iter.Seq[T], yield func(R, error) bool) {
	var zero R
	c := &coordinator[T, R]{owner: s.owner.Self(), shared: s.shared}
	coord, err := gen.Start(context.Background(), s.rt, c)
	if err != nil {
		yield(zero, &Error{Op: "stream", Err: err})
		return
	}
	s.coord = coord
	coordRef, coordDown := s.rt.Watch(coord)
	ownerRef, ownerDown := s.rt.Watch(s.owner.Self())
	next, stop := iter.Pull(items)
	defer func() {
		stop()
		// Stopping the coordinator kills the tasks still running.
		_ = gen.Stop(context.Background(), s.rt, coord, nil)
		s.rt.Unwatch(coord, coordRef)
		s.rt.Unwatch(s.owner.Self(), ownerRef)
		if s.timer != nil {
			s.timer.Stop()
		}
	}()

	more := true
	for {
		var batch []T
		for more && s.running < s.cfg.max {
			var item T
			if item, more = next(); more {
				batch = append(batch, s.start(item))
			}
		}
		if len(batch) > 0 {
			// One message for all the items that can start now.
			_ = gen.Cast(s.rt, s.coord, spawnItems[T]{first: s.next - len(batch), items: batch})
		}
		if !more && len(s.slots) == 0 {
			return
		}
		var expire <-chan time.Time
		if s.cfg.timeout > 0 && s.running > 0 {
			expire = s.arm()
		}
		select {
		case <-s.shared.box.ready:
			s.buf = s.shared.box.take(s.buf)
			for _, o := range s.buf {
				if !s.settle(o) {
					continue
				}
				if !s.cfg.unordered {
					continue
				}
				if !s.yieldNow(o.idx, yield) {
					return
				}
			}
			clear(s.buf)
		case <-expire:
			s.armed = false
			if !s.expire(yield) {
				return
			}
		case d := <-ownerDown:
			yield(zero, &Error{Op: "stream", PID: d.PID, Err: &gen.ExitError{PID: d.PID, Reason: d.Reason}})
			return
		case d := <-coordDown:
			if !s.owner.Alive() {
				// The coordinator followed the owner; the owner's own
				// Down, with the reason that matters, is on its way.
				d = <-ownerDown
			}
			yield(zero, &Error{Op: "stream", PID: d.PID, Err: &gen.ExitError{PID: d.PID, Reason: d.Reason}})
			return
		}
		if !s.cfg.unordered && !s.yieldReady(yield) {
			return
		}
	}
}

// start records the next item as started; the caller hands it to the
// coordinator, which starts its task.
func (s *stream[T, R]) start(item T) T {
	sl := slot[R]{}
	if s.cfg.timeout > 0 {
		sl.deadline = time.Now().Add(s.cfg.timeout)
	}
	s.slots = append(s.slots, sl)
	s.running++
	s.next++
	return item
}

func (s *stream[T, R]) slot(idx int) *slot[R] {
	i := idx - s.base
	if i < 0 || i >= len(s.slots) {
		return nil
	}
	return &s.slots[i]
}

// settle records an outcome. It reports false for an outcome that comes too
// late: the item already has one (it timed out, or this is the exit of a
// task that delivered).
func (s *stream[T, R]) settle(o itemOutcome[R]) bool {
	sl := s.slot(o.idx)
	if sl == nil || sl.done {
		return false
	}
	sl.done = true
	s.running--
	if o.reason != nil {
		sl.err = &Error{Op: "stream", PID: o.pid, Err: &gen.ExitError{PID: o.pid, Reason: o.reason}}
	} else {
		sl.v = o.v
	}
	return true
}

// yieldNow yields the settled item idx at once (unordered streams). It
// reports false when the stream must end.
func (s *stream[T, R]) yieldNow(idx int, yield func(R, error) bool) bool {
	sl := s.slot(idx)
	v, err := sl.v, sl.err
	*sl = slot[R]{done: true, yielded: true}
	for len(s.slots) > 0 && s.slots[0].yielded {
		s.slots = s.slots[1:]
		s.base++
	}
	return s.emit(v, err, yield)
}

// yieldReady yields the settled items at the front, in order (ordered
// streams). It reports false when the stream must end.
func (s *stream[T, R]) yieldReady(yield func(R, error) bool) bool {
	for len(s.slots) > 0 && s.slots[0].done {
		v, err := s.slots[0].v, s.slots[0].err
		s.slots[0] = slot[R]{}
		s.slots = s.slots[1:]
		s.base++
		if !s.emit(v, err, yield) {
			return false
		}
	}
	return true
}

// emit yields one item. After a failed item it checks the owner: a crash
// that killed the owner through its link ends the stream.
func (s *stream[T, R]) emit(v R, err error, yield func(R, error) bool) bool {
	if !yield(v, err) {
		return false
	}
	return err == nil || s.owner.Alive()
}

// arm makes the timer fire at the earliest deadline of a running item: the
// first running slot's, as items start in order with the same timeout. A
// timer armed for an item that has finished since fires early; expire then
// finds nothing due and the next call re-arms it.
func (s *stream[T, R]) arm() <-chan time.Time {
	if !s.armed {
		for i := range s.slots {
			if !s.slots[i].done {
				d := time.Until(s.slots[i].deadline)
				if s.timer == nil {
					s.timer = time.NewTimer(d)
				} else {
					s.timer.Reset(d)
				}
				s.armed = true
				break
			}
		}
	}
	if !s.armed {
		return nil
	}
	return s.timer.C
}

// expire handles the items whose deadline has passed. It reports false when
// the stream must end.
func (s *stream[T, R]) expire(yield func(R, error) bool) bool {
	now := time.Now()
	var due []int
	for i := range s.slots {
		sl := &s.slots[i]
		if sl.done {
			continue
		}
		if sl.deadline.After(now) {
			break
		}
		due = append(due, s.base+i)
	}
	for _, idx := range due {
		sl := s.slot(idx)
		sl.done = true
		s.running--
		_ = gen.Cast(s.rt, s.coord, killItem{idx: idx})
		err := &Error{Op: "stream", Err: context.DeadlineExceeded}
		if s.cfg.onTimeout == ExitStream {
			var zero R
			yield(zero, err)
			return false
		}
		sl.err = err
		if s.cfg.unordered && !s.yieldNow(idx, yield) {
			return false
		}
	}
	return true
}

// The coordinator's side.

// spawnItems asks the coordinator to start the tasks of items first,
// first+1, and so on.
type spawnItems[T any] struct {
	first int
	items []T
}

// killItem asks the coordinator to kill the task of item idx, which timed
// out.
type killItem struct{ idx int }

// coordinator starts a stream's tasks, linked to itself, and turns the
// exits of tasks that did not deliver into outcomes. It traps exits and
// monitors the owner.
type coordinator[T, R any] struct {
	owner     gen.PID
	shared    *shared[T, R]
	ownerDown bool
}

// running is the registry of a stream's running tasks. A task that delivers
// its result leaves it and unlinks itself from the coordinator before it
// exits, so a normal end costs the coordinator nothing; the exits it hears
// of are the other ones.
type running[T, R any] struct {
	mu    sync.Mutex                    // guards byPID and byIdx
	byPID map[gen.PID]*streamTask[T, R] // running tasks
	byIdx map[int]gen.PID               // the same, by item
}

func (r *running[T, R]) add(pid gen.PID, t *streamTask[T, R]) {
	r.mu.Lock()
	r.byPID[pid] = t
	r.byIdx[t.idx] = pid
	r.mu.Unlock()
}

// remove takes the task of item idx out, if it is there.
func (r *running[T, R]) remove(idx int) (gen.PID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, ok := r.byIdx[idx]
	if ok {
		delete(r.byIdx, idx)
		delete(r.byPID, pid)
	}
	return pid, ok
}

// removePID takes the task pid out, if it is there.
func (r *running[T, R]) removePID(pid gen.PID) (*streamTask[T, R], bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.byPID[pid]
	if ok {
		delete(r.byIdx, t.idx)
		delete(r.byPID, pid)
	}
	return t, ok
}

// drain takes every task out and returns their PIDs.
func (r *running[T, R]) drain() []gen.PID {
	r.mu.Lock()
	defer r.mu.Unlock()
	pids := make([]gen.PID, 0, len(r.byPID))
	for pid := range r.byPID {
		pids = append(pids, pid)
	}
	clear(r.byPID)
	clear(r.byIdx)
	return pids
}

func (c *coordinator[T, R]) Init(p *gen.Process) error {
	p.TrapExit(true)
	p.Monitor(c.owner)
	return nil
}

func (c *coordinator[T, R]) HandleCast(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case spawnItems[T]:
		for i, item := range m.items {
			c.spawn(p, m.first+i, item)
		}
	case killItem:
		if pid, ok := c.shared.running.remove(m.idx); ok {
			// Unlinked first, so that its death is not reported.
			p.Unlink(pid)
			p.Exit(pid, gen.ErrKill)
		}
	}
	return nil
}

// spawn starts the task of item idx, linked to the coordinator.
func (c *coordinator[T, R]) spawn(p *gen.Process, idx int, item T) {
	t := &streamTask[T, R]{shared: c.shared, coord: p.Self(), idx: idx, item: item}
	pid, err := gen.StartLink(p, p.Runtime(), t)
	if err != nil {
		c.shared.box.push(itemOutcome[R]{idx: idx, reason: err})
		return
	}
	c.shared.running.add(pid, t)
	_ = gen.Cast(p.Runtime(), pid, run{})
}

func (c *coordinator[T, R]) HandleInfo(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case gen.ExitSignal:
		t, ok := c.shared.running.removePID(m.From)
		if !ok {
			return nil // a task that delivered, or one the stream killed
		}
		if !errors.Is(m.Reason, gen.ErrNormal) {
			// What the link from the task to the owner would do. Sent
			// before the outcome, so that the consumer finds the owner
			// dead when the crash killed it.
			p.Exit(c.owner, m.Reason)
		}
		c.shared.box.push(itemOutcome[R]{idx: t.idx, pid: m.From, reason: m.Reason})
	case gen.Down:
		// The owner is gone. As a link from each task to the owner would,
		// pass its reason on to the tasks (a normal exit leaves them
		// running, as in Elixir), then end quietly.
		c.ownerDown = true
		for _, pid := range c.shared.running.drain() {
			p.Unlink(pid)
			p.Exit(pid, m.Reason)
		}
		return gen.ErrNormal
	}
	return nil
}

// Terminate kills the tasks still running when the consumer stops the
// stream. When the owner died, its Down did what had to be done.
func (c *coordinator[T, R]) Terminate(p *gen.Process, _ error) {
	if c.ownerDown {
		return
	}
	for _, pid := range c.shared.running.drain() {
		p.Unlink(pid)
		p.Exit(pid, gen.ErrKill)
	}
}

// streamTask is the server of one item's task process. Like runner, it
// starts parked and runs when the run message arrives.
type streamTask[T, R any] struct {
	shared *shared[T, R]
	coord  gen.PID
	idx    int
	item   T
}

func (t *streamTask[T, R]) HandleCast(p *gen.Process, msg any) error {
	if _, ok := msg.(run); !ok {
		return nil
	}
	item := t.item
	var zero T
	t.item = zero
	v, err := t.shared.fn(p, item)
	if err != nil {
		return err
	}
	// Leave the registry first: once out, neither a timeout nor the end
	// of the stream kills this task, and its exit is nobody's concern.
	if _, ok := t.shared.running.remove(t.idx); ok && p.Alive() {
		p.Unlink(t.coord)
		t.shared.box.push(itemOutcome[R]{idx: t.idx, pid: p.Self(), v: v})
	}
	return gen.ErrNormal
}
