package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gen-go/gen"
)

// StartLink starts a supervisor running spec, linked to the calling process
// (ctx must identify it, as for gen.StartLink), and returns once every child
// has started, in order. opts are gen's start options (a name, for one).
//
// An invalid spec fails the start with a *SpecError or a flag error (see
// ErrInvalidStrategy and the others) without an exit signal. A child that
// fails to start makes the supervisor stop the children already started, in
// reverse order, and exit with a *gen.ShutdownError whose Detail is a
// *StartError; StartLink returns that error, and the link passes the exit on
// to a caller that does not trap exits, as in OTP.
func StartLink(ctx context.Context, rt *gen.Runtime, spec Spec, opts ...gen.StartOption) (gen.PID, error) {
	return StartLinkFunc(ctx, rt, func(context.Context) (Spec, error) { return spec, nil }, opts...)
}

// Start is [StartLink] without the link, for a supervisor at the top of a
// tree, started from a goroutine that is not a process.
func Start(ctx context.Context, rt *gen.Runtime, spec Spec, opts ...gen.StartOption) (gen.PID, error) {
	return gen.Start(ctx, rt, newSup(func(context.Context) (Spec, error) { return spec, nil }), opts...)
}

// StartLinkFunc is [StartLink] with a spec computed by init, inside the new
// supervisor's process, each time the supervisor starts: Elixir's
// module-based supervisor with its init/1 callback. init returning gen.Ignore
// makes StartLinkFunc return gen.Ignore and the supervisor exit normally;
// any other error fails the start with that error.
func StartLinkFunc(ctx context.Context, rt *gen.Runtime, init func(ctx context.Context) (Spec, error), opts ...gen.StartOption) (gen.PID, error) {
	return gen.StartLink(ctx, rt, newSup(init), opts...)
}

// sup is a Supervisor's server.
type sup struct {
	init     func(ctx context.Context) (Spec, error)
	f        flags
	in       intensity
	children []*child // in start order
	byID     map[string]*child
	byPID    map[gen.PID]*child
	log      *slog.Logger
	self     gen.PID
}

func newSup(init func(ctx context.Context) (Spec, error)) *sup { return &sup{init: init} }

// Init traps exits, reads and checks the spec, and starts the children.
func (s *sup) Init(p *gen.Process) error {
	p.TrapExit(true)
	s.log, s.self = p.Runtime().Logger(), p.Self()
	spec, err := s.init(startCtx(p, nil))
	if err != nil {
		if isIgnore(err) {
			return gen.Ignore
		}
		return gen.InitFailed(err)
	}
	if s.f, err = spec.flags(); err != nil {
		return gen.InitFailed(err)
	}
	if err := checkChildren(spec.Children, s.f.auto); err != nil {
		return gen.InitFailed(err)
	}
	s.in = intensity{max: s.f.maxRestarts, period: s.f.period}
	s.byID = make(map[string]*child, len(spec.Children))
	s.byPID = make(map[gen.PID]*child, len(spec.Children))
	for _, cs := range spec.Children {
		c := &child{spec: cs}
		err := s.start(p, c)
		switch {
		case err == nil:
		case isIgnore(err):
			if cs.Restart == Temporary {
				continue
			}
		default:
			s.report("start_error", c, err)
			s.stopAll(p)
			return &gen.ShutdownError{Detail: &StartError{ID: cs.ID, Err: err}}
		}
		s.children = append(s.children, c)
		s.byID[cs.ID] = c
	}
	return nil
}

// start starts c and records its PID. It returns gen.Ignore when the start
// ignored, leaving c without a process.
func (s *sup) start(p *gen.Process, c *child) error {
	pid, err := callStart(startCtx(p, nil), c.spec.Start)
	if err != nil {
		return err
	}
	c.pid, c.restarting, c.started = pid, false, time.Now()
	s.byPID[pid] = c
	return nil
}

// report logs a supervisor report about a child.
func (s *sup) report(what string, c *child, reason error) {
	if !s.log.Enabled(context.Background(), slog.LevelError) {
		return // spare the formatting
	}
	s.log.Error("supervisor: "+what, "supervisor", s.self.String(), "child", c.spec.ID,
		"pid", c.pid.String(), "reason", reason.Error())
}

// HandleInfo handles the exits of children and the supervisor's retries.
func (s *sup) HandleInfo(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case gen.ExitSignal:
		return s.exited(p, m.From, m.Reason)
	case retry:
		id, _ := m.key.(string)
		c := s.byID[id]
		if c == nil || !c.restarting || c.epoch != m.epoch {
			return nil // stale: the child was terminated or deleted meanwhile
		}
		return s.restart(p, c)
	}
	s.log.Warn("supervisor: unexpected message", "supervisor", s.self.String(), "message", fmt.Sprintf("%v", msg))
	return nil
}

// exited handles the exit of the process pid: a child's, or some other
// linked process's, which a supervisor ignores.
func (s *sup) exited(p *gen.Process, pid gen.PID, reason error) error {
	c := s.byPID[pid]
	if c == nil {
		return nil
	}
	delete(s.byPID, pid)
	if gen.IsAbnormal(reason) {
		s.report("child_terminated", c, reason)
	}
	c.pid = gen.PID{}
	if !shouldRestart(c.spec.Restart, reason) {
		if c.spec.Restart == Temporary {
			s.remove(c)
		}
		return s.autoShutdown(c)
	}
	return s.restart(p, c)
}

// autoShutdown applies the auto-shutdown setting after the significant child
// c exited for good.
func (s *sup) autoShutdown(c *child) error {
	if !c.spec.Significant {
		return nil
	}
	switch s.f.auto {
	case AnySignificant:
		return gen.ErrShutdown
	case AllSignificant:
		for _, o := range s.children {
			if o.spec.Significant && (!o.pid.IsZero() || o.restarting) {
				return nil
			}
		}
		return gen.ErrShutdown
	}
	return nil
}

// restart restarts c, and the others its strategy involves, if the restart
// intensity allows; otherwise it returns gen.ErrShutdown, which stops the
// supervisor (Terminate then stops the remaining children).
func (s *sup) restart(p *gen.Process, c *child) error {
	if !c.restarting {
		if d := c.delay(s.f.backoff); d > 0 {
			s.later(p, c, d)
			return nil
		}
	}
	if !s.in.add() {
		s.log.Error("supervisor: reached_max_restart_intensity", "supervisor", s.self.String(),
			"child", c.spec.ID, "max_restarts", s.in.max, "period", s.in.period.String())
		return gen.ErrShutdown
	}
	p.ReportRestart(c.spec.ID)
	var group []*child
	switch s.f.strategy {
	case OneForOne:
		group = []*child{c}
	case OneForAll:
		group = s.children
	case RestForOne:
		for i, o := range s.children {
			if o == c {
				group = s.children[i:]
				break
			}
		}
	}
	// Terminate the others of the group, in reverse start order. Temporary
	// bystanders are not restarted: they go.
	for i := len(group) - 1; i >= 0; i-- {
		if o := group[i]; o != c {
			s.stop(p, o)
		}
	}
	group = s.live(group)
	for i, o := range group {
		err := s.start(p, o)
		if err == nil || isIgnore(err) {
			continue
		}
		s.report("start_error", o, err)
		// Try again later, asynchronously, so the supervisor keeps serving
		// requests; the children after o wait for that retry.
		for _, rest := range group[i+1:] {
			rest.restarting = false
		}
		s.later(p, o, 0)
		return nil
	}
	return nil
}

// later marks c as restarting and schedules a retry of its restart after d.
func (s *sup) later(p *gen.Process, c *child, d time.Duration) {
	c.restarting = true
	c.epoch++
	msg := retry{key: c.spec.ID, epoch: c.epoch}
	if d <= 0 {
		_ = gen.Send(p.Runtime(), s.self, msg)
		return
	}
	gen.SendAfter(p.Runtime(), s.self, msg, d)
}

// live returns the children of group that are still specified (temporary
// bystanders stopped by stop are gone), reusing group's order.
func (s *sup) live(group []*child) []*child {
	out := make([]*child, 0, len(group))
	for _, c := range group {
		if s.byID[c.spec.ID] == c {
			out = append(out, c)
		}
	}
	return out
}

// stop terminates c if it runs, cancels a pending restart, and drops a
// temporary child's spec.
func (s *sup) stop(p *gen.Process, c *child) {
	if !c.pid.IsZero() {
		shutdownChild(p, c, s.log)
		delete(s.byPID, c.pid)
		c.pid = gen.PID{}
	}
	if c.restarting {
		c.restarting = false
		c.epoch++
	}
	if c.spec.Restart == Temporary {
		s.remove(c)
	}
}

// remove forgets c.
func (s *sup) remove(c *child) {
	delete(s.byID, c.spec.ID)
	for i, o := range s.children {
		if o == c {
			s.children = append(s.children[:i:i], s.children[i+1:]...)
			return
		}
	}
}

// stopAll terminates every child in reverse start order.
func (s *sup) stopAll(p *gen.Process) {
	for i := len(s.children) - 1; i >= 0; i-- {
		c := s.children[i]
		if !c.pid.IsZero() {
			shutdownChild(p, c, s.log)
			delete(s.byPID, c.pid)
			c.pid = gen.PID{}
		}
	}
}

// Terminate stops the children in reverse start order.
func (s *sup) Terminate(p *gen.Process, reason error) { s.stopAll(p) }

// Requests to a Supervisor.
type (
	whichReq     struct{}
	countReq     struct{}
	startReq     struct{ spec ChildSpec }
	terminateReq struct {
		id  string
		pid gen.PID
	}
	restartReq struct{ id string }
	deleteReq  struct{ id string }
)

// result is a request's reply: a PID, an error, or both zero.
type result struct {
	pid gen.PID
	err error
}

// HandleCall serves the API.
func (s *sup) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch r := req.(type) {
	case whichReq:
		out := make([]Child, 0, len(s.children))
		for i := len(s.children) - 1; i >= 0; i-- {
			c := s.children[i]
			out = append(out, Child{ID: c.spec.ID, PID: c.pid, Restarting: c.restarting, Type: c.spec.Type})
		}
		return out, nil
	case countReq:
		var n Counts
		for _, c := range s.children {
			n.count(c)
		}
		return n, nil
	case startReq:
		return s.startChild(p, r.spec), nil
	case terminateReq:
		c := s.byID[r.id]
		if r.id == "" {
			c = s.byPID[r.pid]
		}
		if c == nil {
			return result{err: ErrNotFound}, nil
		}
		s.stop(p, c)
		return result{}, nil
	case restartReq:
		c, err := s.stopped(r.id)
		if err != nil {
			return result{err: err}, nil
		}
		if err := s.start(p, c); err != nil && !isIgnore(err) {
			return result{err: err}, nil
		}
		return result{pid: c.pid}, nil
	case deleteReq:
		c, err := s.stopped(r.id)
		if err != nil {
			return result{err: err}, nil
		}
		s.remove(c)
		return result{}, nil
	}
	return nil, fmt.Errorf("supervisor: unknown request %T", req)
}

// stopped returns the child with the given ID if it is neither running nor
// restarting: the children RestartChild and DeleteChild work on.
func (s *sup) stopped(id string) (*child, error) {
	c := s.byID[id]
	switch {
	case c == nil:
		return nil, ErrNotFound
	case !c.pid.IsZero():
		return nil, ErrRunning
	case c.restarting:
		return nil, ErrRestarting
	}
	return c, nil
}

// startChild adds a child to a running supervisor and starts it.
func (s *sup) startChild(p *gen.Process, cs ChildSpec) result {
	if err := cs.check(s.f.auto, false); err != nil {
		return result{err: err}
	}
	if c := s.byID[cs.ID]; c != nil {
		if !c.pid.IsZero() {
			return result{err: &gen.AlreadyStartedError{PID: c.pid}}
		}
		return result{err: ErrAlreadyPresent}
	}
	c := &child{spec: cs}
	err := s.start(p, c)
	switch {
	case err == nil:
	case isIgnore(err):
		if cs.Restart == Temporary {
			return result{}
		}
	default:
		if errors.As(err, new(*gen.AlreadyStartedError)) {
			return result{err: err}
		}
		return result{err: &StartError{ID: cs.ID, Err: err}}
	}
	s.children = append(s.children, c)
	s.byID[cs.ID] = c
	return result{pid: c.pid}
}
