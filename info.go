package gen

import (
	"cmp"
	"iter"
	"slices"
	"time"
)

// ProcessStatus says what a process is doing, as Erlang's process_info
// status does.
type ProcessStatus uint8

// The statuses of a live process.
const (
	// StatusRunning: the process's goroutine is running or ready to run: in
	// a callback, or between two messages.
	StatusRunning ProcessStatus = iota + 1
	// StatusWaiting: the process's goroutine is parked, waiting for a
	// message.
	StatusWaiting
	// StatusSuspended: the process is suspended by sys.Suspend and parked;
	// it handles only system messages until it is resumed.
	StatusSuspended
	// StatusHibernated: the process has no goroutine. It hibernated, or it
	// has not needed a goroutine yet (a server without Init starts so); its
	// next message starts one.
	StatusHibernated
)

// String returns "running", "waiting", "suspended" or "hibernated".
func (s ProcessStatus) String() string {
	switch s {
	case StatusRunning:
		return "running"
	case StatusWaiting:
		return "waiting"
	case StatusSuspended:
		return "suspended"
	case StatusHibernated:
		return "hibernated"
	}
	return "unknown"
}

// Callback names the server callback a process is running. The runtime
// knows it only under [Options.Instrument].
type Callback uint8

// The callbacks. CallbackSystem covers what a process does for a system
// message (sys.GetState, sys.ReplaceState's function, CodeChange, Stop and
// the others).
const (
	CallbackNone Callback = iota
	CallbackInit
	CallbackCall
	CallbackCast
	CallbackInfo
	CallbackContinue
	CallbackTerminate
	CallbackSystem
)

// String returns the callback's method name ("HandleCall"), "system" or
// "none".
func (c Callback) String() string {
	switch c {
	case CallbackInit:
		return "Init"
	case CallbackCall:
		return "HandleCall"
	case CallbackCast:
		return "HandleCast"
	case CallbackInfo:
		return "HandleInfo"
	case CallbackContinue:
		return "HandleContinue"
	case CallbackTerminate:
		return "Terminate"
	case CallbackSystem:
		return "system"
	}
	return "none"
}

// An Activity is the part of a process's state that is cheap to read: what
// [Runtime.Activities] reports for every process, for samplers such as a
// metrics collector. Callback, Seq and Messages are known only under
// [Options.Instrument]; without it they are zero.
type Activity struct {
	PID    PID
	Name   Name // the registered local name, or ""
	Status ProcessStatus
	// Callback is the callback running while Status is StatusRunning, and
	// CallbackNone otherwise (also between two callbacks).
	Callback Callback
	// Seq changes each time the process enters a callback. Two snapshots
	// of a running process with the same Seq and a Callback other than
	// CallbackNone saw the same callback invocation, unless 4096 other
	// callbacks ran in between.
	Seq uint64
	// Messages counts the messages the process has handled: calls, casts,
	// plain messages, exit signals it trapped, Timeouts and system
	// messages, each counted when its handling starts.
	Messages uint64
	// MessageType is the Go type of the message (or continue argument)
	// being handled, as fmt's %T prints it, while Callback is CallbackCall,
	// CallbackCast, CallbackInfo or CallbackContinue; "" otherwise.
	MessageType string
	// MailboxLen counts the messages waiting for the process, the one
	// being handled excluded. Without Options.Instrument it counts only the
	// messages not yet taken by the process's goroutine, which takes all
	// waiting messages at once: up to one such batch, taken but not yet
	// handled, is then left out.
	MailboxLen int
}

// ProcessInfo is a snapshot of one process, as [Runtime.Info] and
// [Runtime.Infos] report it: Erlang's process_info. Every field is read
// without waiting for the process, so the snapshot is taken while the
// process runs on and may be stale by the time it is read; the slices are
// fresh copies, sorted by PID.
type ProcessInfo struct {
	Activity
	// Started is when the process was created.
	Started time.Time
	// Parent is the process that started this one with [StartLink] (for a
	// supervised process, its supervisor), or the zero PID.
	Parent   PID
	TrapExit bool
	// Links are the processes linked to this one, local or remote.
	Links []PID
	// Monitors are the processes this one monitors and that are alive.
	Monitors []PID
	// MonitoredBy are the processes that monitor this one (goroutines that
	// watch it with [Runtime.Watch] are not listed).
	MonitoredBy []PID
	// Children are the live processes whose Parent is this one: a
	// supervisor's running children, or what a process started with
	// StartLink. Finding them walks every process.
	Children []PID
}

// Instrumented reports whether the runtime was created with
// [Options.Instrument], so that [Activity.Callback], Seq, Messages and
// MessageType, and an exact MailboxLen, are known.
func (rt *Runtime) Instrumented() bool { return rt.instrument }

// Info returns a snapshot of the live local process pid, and false when
// there is none. It never waits for the process: it takes the process's
// lock for a few instructions, as a send does, and walks every process to
// find its children.
func (rt *Runtime) Info(pid PID) (ProcessInfo, bool) {
	p := rt.lookup(pid)
	if p == nil {
		return ProcessInfo{}, false
	}
	var info ProcessInfo
	if !p.snapshot(&info) {
		return ProcessInfo{}, false
	}
	rt.table.each(func(c *Process) {
		if c.parent == pid && !c.dead.Load() {
			info.Children = append(info.Children, c.pid)
		}
	})
	sortPIDs(info.Children)
	return info, true
}

// Infos returns a snapshot of every live local process, ordered by PID. It
// takes each process's lock as [Runtime.Info] does, finds every process's
// children in one walk, and allocates the slices of each snapshot.
func (rt *Runtime) Infos() []ProcessInfo {
	all := rt.all()
	children := make(map[PID][]PID)
	for _, p := range all {
		if !p.parent.IsZero() && !p.dead.Load() {
			children[p.parent] = append(children[p.parent], p.pid)
		}
	}
	out := make([]ProcessInfo, 0, len(all))
	for _, p := range all {
		var info ProcessInfo
		if !p.snapshot(&info) {
			continue
		}
		info.Children = children[p.pid]
		sortPIDs(info.Children)
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b ProcessInfo) int { return comparePIDs(a.PID, b.PID) })
	return out
}

// Activities returns an iterator over the [Activity] of every live local
// process, in no order. It allocates nothing per process and takes each
// process's lock for a few instructions, so a sampler may run it often: its
// cost grows with the number of processes. Processes that start or exit
// while it runs may be seen or not.
func (rt *Runtime) Activities() iter.Seq[Activity] {
	return func(yield func(Activity) bool) {
		d := rt.table.dir.Load()
		if d == nil {
			return
		}
		for _, c := range *d {
			if c == nil {
				continue
			}
			for j := range c.slots {
				p := c.slots[j].Load()
				if p == nil {
					continue
				}
				var a Activity
				if p.activity(&a) && !yield(a) {
					return
				}
			}
		}
	}
}

// Messages returns the number of messages handled by the runtime's
// processes since it was created, those that have exited included, under
// [Options.Instrument] (zero without). It walks every process. The count
// never goes down from one call to the next; it may lag a little behind
// processes that exit while it runs.
func (rt *Runtime) Messages() uint64 {
	if !rt.instrument {
		return 0
	}
	n := rt.msgsGone.Load() // before the walk: an exit is then counted at most once
	rt.table.each(func(p *Process) {
		n += wordMsgs(p.ins.word.Load())
	})
	for {
		seen := rt.msgsSeen.Load()
		if n <= seen {
			return seen
		}
		if rt.msgsSeen.CompareAndSwap(seen, n) {
			return n
		}
	}
}

// activity fills a from p. It reports false when p is dead.
func (p *Process) activity(a *Activity) bool {
	p.mu.Lock()
	w, ok := p.activityLocked(a)
	p.mu.Unlock()
	if ok {
		p.finishActivity(a, w)
	}
	return ok
}

// activityLocked fills a with what p.mu guards and returns the
// instrumentation word, for finishActivity. p.mu must be held.
func (p *Process) activityLocked(a *Activity) (uint64, bool) {
	if p.state != alive {
		return 0, false
	}
	a.PID, a.Name, a.MailboxLen = p.pid, p.name, len(p.q)
	a.Status = p.statusLocked()
	var w uint64
	if ins := p.ins; ins != nil && ins.track {
		var rest int
		w, rest = ins.snapshotLocked()
		a.MailboxLen += rest
	}
	return w, true
}

// finishActivity fills what activityLocked left, outside the lock.
func (p *Process) finishActivity(a *Activity, w uint64) {
	a.Seq, a.Messages = wordSeq(w), wordMsgs(w)
	if a.Status != StatusRunning {
		return
	}
	a.Callback = wordCallback(w)
	switch a.Callback {
	case CallbackCall, CallbackCast, CallbackInfo, CallbackContinue:
		if s := p.ins.typ.Load(); s != nil {
			a.MessageType = *s
		}
	}
}

// statusLocked returns p's status. p.mu must be held.
func (p *Process) statusLocked() ProcessStatus {
	if p.hib {
		if !p.fromHib {
			// Started and never woken since Init: its goroutine waits
			// for the first message to start it.
			return StatusWaiting
		}
		return StatusHibernated
	}
	switch p.mu.park {
	case parkOpen:
		return StatusWaiting
	case parkClosed:
		return StatusSuspended
	}
	return StatusRunning
}

// snapshot fills everything but the children. It reports false when p is dead.
func (p *Process) snapshot(info *ProcessInfo) bool {
	p.mu.Lock()
	w, ok := p.activityLocked(&info.Activity)
	if !ok {
		p.mu.Unlock()
		return false
	}
	info.TrapExit = p.trap
	if len(p.links) > 0 {
		info.Links = make([]PID, 0, len(p.links))
		for pid := range p.links {
			info.Links = append(info.Links, pid)
		}
	}
	for _, t := range p.held {
		if t != nil {
			info.Monitors = append(info.Monitors, t.pid)
		}
	}
	for _, m := range p.monitors {
		if m.owner != nil {
			info.MonitoredBy = append(info.MonitoredBy, m.owner.pid)
		}
	}
	p.mu.Unlock()
	p.finishActivity(&info.Activity, w)
	info.Started = p.rt.epoch.Add(time.Duration(p.born))
	info.Parent = p.parent
	sortPIDs(info.Links)
	info.Monitors = slices.DeleteFunc(info.Monitors, func(pid PID) bool {
		t := p.rt.lookup(pid)
		return t == nil || t.dead.Load()
	})
	info.Monitors = slices.Compact(sortPIDs(info.Monitors))
	info.MonitoredBy = slices.Compact(sortPIDs(info.MonitoredBy))
	return true
}

func comparePIDs(a, b PID) int {
	return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Creation, b.Creation),
		cmp.Compare(a.Serial, b.Serial), cmp.Compare(a.ID, b.ID))
}

func sortPIDs(s []PID) []PID {
	slices.SortFunc(s, comparePIDs)
	return s
}

// ReportRestart tells the runtime's [Hooks.Restart], if set, that the
// process, a supervisor, is restarting its child child (the child's ID; ""
// for a child that has none, as under a DynamicSupervisor). Supervisors call
// it from their callbacks, once per restart that counts toward their restart
// intensity; the supervisor package does so.
func (p *Process) ReportRestart(child string) {
	h := p.rt.hooks
	if h == nil || h.Restart == nil {
		return
	}
	p.mu.Lock()
	name := p.name
	p.mu.Unlock()
	h.Restart(p.pid, name, child)
}
