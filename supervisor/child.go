package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/gen-go/gen"
)

// child is a supervisor's record of one child.
type child struct {
	spec ChildSpec
	pid  gen.PID // zero when not running
	// restarting is set while a restart waits: for a retry after a failed
	// start, or for a backoff delay. epoch tells a current retry message
	// from a stale one.
	restarting bool
	epoch      uint64
	// streak counts restarts in a row without a stable run, for backoff;
	// started is when the child last started.
	streak  int
	started time.Time
}

// retry is the message a supervisor sends itself to try a restart again
// (after a failed start, OTP's try_again_restart) or after a backoff delay.
type retry struct {
	key   any // the child's ID (Supervisor) or its *child (DynamicSupervisor)
	epoch uint64
}

// intensity keeps the times of recent restarts.
type intensity struct {
	max    int // restarts allowed within period; 0 allows none
	period time.Duration
	times  []time.Time
}

// add records a restart now and reports whether it is within the limit:
// more than max restarts within period is not.
func (in *intensity) add() bool {
	if in.max == 0 {
		return false
	}
	now := time.Now()
	// The times are in order: drop the expired ones from the front.
	i := 0
	for i < len(in.times) && now.Sub(in.times[i]) > in.period {
		i++
	}
	in.times = append(in.times[i:], now)
	return len(in.times) <= in.max
}

// startCtx is the ctx given to StartFuncs: the supervisor's process, with
// the runtime and any extra arguments attached. It is never done, as OTP's
// supervisor waits for a child's start without a limit; that also lets
// gen.StartLink run the child's Init on the supervisor's goroutine, which
// saves two goroutine switches per start. A supervisor killed while a child
// starts takes the child with it through their link.
func startCtx(p *gen.Process, extra []any) context.Context {
	ctx := context.WithValue(context.WithoutCancel(p), runtimeKey, p.Runtime())
	if extra != nil {
		ctx = context.WithValue(ctx, extraKey, extra)
	}
	return ctx
}

// callStart runs a StartFunc, turning a panic into a *gen.PanicError so that
// a faulty start function fails the start instead of the supervisor.
func callStart(ctx context.Context, f StartFunc) (pid gen.PID, err error) {
	defer func() {
		if v := recover(); v != nil {
			pid, err = gen.PID{}, &gen.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	pid, err = f(ctx)
	if err == nil && pid.IsZero() {
		err = gen.Ignore
	}
	return pid, err
}

// isIgnore reports whether a start returned gen.Ignore.
func isIgnore(err error) bool { return errors.Is(err, gen.Ignore) }

// shouldRestart applies the restart type to an exit reason.
func shouldRestart(r Restart, reason error) bool {
	switch r {
	case Permanent:
		return true
	case Transient:
		return gen.IsAbnormal(reason)
	}
	return false
}

// delay returns how long a child's next restart waits under b, and counts
// the restart in the child's streak. It is zero without a backoff, and for
// the first restart after a stable run.
func (c *child) delay(b *Backoff) time.Duration {
	if b == nil {
		return 0
	}
	if !c.started.IsZero() && time.Since(c.started) > b.Reset {
		c.streak = 0
	}
	c.streak++
	if c.streak == 1 {
		return 0
	}
	d := b.Min
	for i := 2; i < c.streak && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	spread := 1 + b.Jitter*(2*r()-1)
	return time.Duration(float64(d) * spread)
}

// shutdownChild ends a running child by its spec's shutdown protocol and
// waits for it to be gone: it watches the child, unlinks it (so that its
// exit does not come back as a restart), sends gen.ErrShutdown and, if the
// child outlives its shutdown time, gen.ErrKill. Watching rather than relying
// on the link means a child that unlinked itself cannot hang the
// supervisor. It returns early if the supervisor itself is killed.
func shutdownChild(p *gen.Process, c *child, log *slog.Logger) {
	w := startShutdown(p, c)
	w.wait(p, time.Time{}, log)
}

// A stopping child: the watch on it and when it must be killed by.
type stopping struct {
	c        *child
	pid      gen.PID
	ref      gen.Ref
	down     <-chan gen.Down
	shutdown time.Duration
}

// startShutdown sends a child its shutdown signal and returns the watch to
// wait on. Waiting apart from sending lets a DynamicSupervisor signal all
// its children at the same moment.
func startShutdown(p *gen.Process, c *child) stopping {
	rt := p.Runtime()
	s := stopping{c: c, pid: c.pid, shutdown: c.spec.shutdown()}
	s.ref, s.down = rt.Watch(c.pid)
	p.Unlink(c.pid)
	if s.shutdown == BrutalKill {
		p.Exit(c.pid, gen.ErrKill)
	} else {
		p.Exit(c.pid, gen.ErrShutdown)
	}
	return s
}

// wait waits for the child to be gone, killing it when its shutdown time,
// counted from sent (or from now when sent is zero), runs out.
func (s stopping) wait(p *gen.Process, sent time.Time, log *slog.Logger) {
	var d gen.Down
	if s.shutdown == BrutalKill || s.shutdown == Infinity {
		select {
		case d = <-s.down:
		case <-p.Done():
			return
		}
	} else {
		if sent.IsZero() {
			sent = time.Now()
		}
		t := time.NewTimer(time.Until(sent.Add(s.shutdown)))
		select {
		case d = <-s.down:
			t.Stop()
		case <-t.C:
			p.Exit(s.pid, gen.ErrKill)
			select {
			case d = <-s.down:
			case <-p.Done():
				return
			}
		case <-p.Done():
			t.Stop()
			return
		}
	}
	expected := errors.Is(d.Reason, gen.ErrShutdown) || d.Reason == gen.ErrKilled ||
		errors.Is(d.Reason, gen.ErrNoProc) || errors.Is(d.Reason, gen.ErrNormal)
	if !expected {
		log.Error("supervisor: shutdown_error", "supervisor", p.Self().String(),
			"child", s.c.spec.ID, "pid", s.pid.String(), "reason", d.Reason.Error())
	}
}

// A StartError reports that a child's start function failed. Supervisor's
// start and [StartChild] return it; its Err is the start's error.
type StartError struct {
	ID  string
	Err error
}

// Error describes the failure.
func (e *StartError) Error() string {
	return fmt.Sprintf("supervisor: failed to start child %q: %v", e.ID, e.Err)
}

// Unwrap returns Err.
func (e *StartError) Unwrap() error { return e.Err }
