package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gen-go/gen"
)

// Dynamic describes a DynamicSupervisor: a supervisor that starts with no
// children and takes them one at a time with [StartChild]. Its strategy is
// one-for-one.
type Dynamic struct {
	// MaxRestarts and Period are as in [Spec]: zero means 3 within 5 s,
	// NoRestarts allows none.
	MaxRestarts int
	Period      time.Duration
	// MaxChildren limits the children, those waiting for a restart
	// included. Zero means no limit.
	MaxChildren int
	// ExtraArgs reach every StartFunc, on restarts too, through [ExtraArgs]:
	// Elixir's extra_arguments.
	ExtraArgs []any
	// Backoff, when set, delays restarts of a child that crashes in a loop.
	Backoff *Backoff
}

// StartDynamic starts a DynamicSupervisor, not linked to the caller. opts
// are gen's start options. Invalid settings fail the start with an error
// matching ErrInvalidIntensity, ErrInvalidPeriod or ErrInvalidMaxChildren.
func StartDynamic(ctx context.Context, rt *gen.Runtime, d Dynamic, opts ...gen.StartOption) (gen.PID, error) {
	return gen.Start(ctx, rt, &dynSup{cfg: d}, opts...)
}

// StartLinkDynamic is [StartDynamic] linked to the calling process, which
// ctx must identify.
func StartLinkDynamic(ctx context.Context, rt *gen.Runtime, d Dynamic, opts ...gen.StartOption) (gen.PID, error) {
	return gen.StartLink(ctx, rt, &dynSup{cfg: d}, opts...)
}

// DynamicChild returns a spec for a child DynamicSupervisor, for a
// Supervisor's children. Its Type is SupervisorType.
func DynamicChild(id string, d Dynamic, opts ...gen.StartOption) ChildSpec {
	return ChildSpec{ID: id, Type: SupervisorType, Start: func(ctx context.Context) (gen.PID, error) {
		rt := Runtime(ctx)
		if rt == nil {
			return gen.PID{}, gen.ErrNotProcess
		}
		return StartLinkDynamic(ctx, rt, d, opts...)
	}}
}

// dynSup is a DynamicSupervisor's server. A child is keyed by its PID while
// it runs and by itself in restarting while a restart is pending.
type dynSup struct {
	cfg        Dynamic
	backoff    *Backoff
	in         intensity
	children   map[gen.PID]*child
	restarting map[*child]struct{}
	log        *slog.Logger
	self       gen.PID
}

// Init checks the settings and traps exits.
func (s *dynSup) Init(p *gen.Process) error {
	p.TrapExit(true)
	s.log, s.self = p.Runtime().Logger(), p.Self()
	if s.cfg.MaxChildren < 0 {
		return gen.InitFailed(fmt.Errorf("supervisor: %w: %d", ErrInvalidMaxChildren, s.cfg.MaxChildren))
	}
	sp := Spec{Strategy: OneForOne, MaxRestarts: s.cfg.MaxRestarts, Period: s.cfg.Period, Backoff: s.cfg.Backoff}
	f, err := sp.flags()
	if err != nil {
		return gen.InitFailed(err)
	}
	s.backoff = f.backoff
	s.in = intensity{max: f.maxRestarts, period: f.period}
	s.children = map[gen.PID]*child{}
	s.restarting = map[*child]struct{}{}
	return nil
}

func (s *dynSup) start(p *gen.Process, c *child) error {
	pid, err := callStart(startCtx(p, s.cfg.ExtraArgs), c.spec.Start)
	if err != nil {
		return err
	}
	delete(s.restarting, c)
	c.pid, c.restarting, c.started = pid, false, time.Now()
	s.children[pid] = c
	return nil
}

// HandleCall serves the API.
func (s *dynSup) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	switch r := req.(type) {
	case whichReq:
		out := make([]Child, 0, len(s.children)+len(s.restarting))
		for pid, c := range s.children {
			out = append(out, Child{PID: pid, Type: c.spec.Type})
		}
		for c := range s.restarting {
			out = append(out, Child{Restarting: true, Type: c.spec.Type})
		}
		return out, nil
	case countReq:
		var n Counts
		for _, c := range s.children {
			n.count(c)
		}
		for c := range s.restarting {
			n.count(c)
			n.Active-- // its PID is the old one, kept for TerminateChild
		}
		return n, nil
	case startReq:
		if err := r.spec.check(Never, true); err != nil {
			return result{err: err}, nil
		}
		if m := s.cfg.MaxChildren; m > 0 && len(s.children)+len(s.restarting) >= m {
			return result{err: ErrMaxChildren}, nil
		}
		c := &child{spec: r.spec}
		if err := s.start(p, c); err != nil {
			if isIgnore(err) {
				return result{}, nil
			}
			return result{err: err}, nil
		}
		return result{pid: c.pid}, nil
	case terminateReq:
		if r.id != "" {
			return result{err: ErrNotFound}, nil
		}
		if c := s.children[r.pid]; c != nil {
			shutdownChild(p, c, s.log)
			delete(s.children, r.pid)
			return result{}, nil
		}
		for c := range s.restarting {
			if c.pid == r.pid {
				delete(s.restarting, c)
				c.epoch++
				return result{}, nil
			}
		}
		return result{err: ErrNotFound}, nil
	case restartReq, deleteReq:
		return result{err: ErrNotFound}, nil
	}
	return nil, fmt.Errorf("supervisor: unknown request %T", req)
}

// HandleInfo handles the exits of children and the retries of restarts.
func (s *dynSup) HandleInfo(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case gen.ExitSignal:
		c := s.children[m.From]
		if c == nil {
			return nil
		}
		delete(s.children, m.From)
		if gen.IsAbnormal(m.Reason) && s.log.Enabled(context.Background(), slog.LevelError) {
			s.log.Error("supervisor: child_terminated", "supervisor", s.self.String(),
				"pid", m.From.String(), "reason", m.Reason.Error())
		}
		if !shouldRestart(c.spec.Restart, m.Reason) {
			return nil
		}
		// Keep the old PID while restarting: TerminateChild may name it.
		s.restarting[c] = struct{}{}
		return s.restart(p, c)
	case retry:
		c, _ := m.key.(*child)
		if _, ok := s.restarting[c]; !ok || c.epoch != m.epoch {
			return nil
		}
		return s.restart(p, c)
	}
	s.log.Warn("supervisor: unexpected message", "supervisor", s.self.String(), "message", fmt.Sprintf("%v", msg))
	return nil
}

// restart starts c again if the intensity allows, or retries later.
func (s *dynSup) restart(p *gen.Process, c *child) error {
	if !c.restarting {
		if d := c.delay(s.backoff); d > 0 {
			s.later(p, c, d)
			return nil
		}
	}
	if !s.in.add() {
		s.log.Error("supervisor: reached_max_restart_intensity", "supervisor", s.self.String(),
			"max_restarts", s.in.max, "period", s.in.period.String())
		return gen.ErrShutdown
	}
	p.ReportRestart("")
	if err := s.start(p, c); err != nil {
		if isIgnore(err) {
			delete(s.restarting, c)
			return nil
		}
		s.log.Error("supervisor: start_error", "supervisor", s.self.String(), "reason", err.Error())
		s.later(p, c, 0)
	}
	return nil
}

func (s *dynSup) later(p *gen.Process, c *child, d time.Duration) {
	c.restarting = true
	c.epoch++
	msg := retry{key: c, epoch: c.epoch}
	if d <= 0 {
		_ = gen.Send(p.Runtime(), s.self, msg)
		return
	}
	gen.SendAfter(p.Runtime(), s.self, msg, d)
}

// Terminate sends every child its shutdown signal at the same moment, then
// waits for each within its own shutdown time.
func (s *dynSup) Terminate(p *gen.Process, reason error) {
	now := time.Now()
	ws := make([]stopping, 0, len(s.children))
	for _, c := range s.children {
		ws = append(ws, startShutdown(p, c))
	}
	for _, w := range ws {
		w.wait(p, now, s.log)
	}
}
