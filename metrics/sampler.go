package metrics

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/tick"
)

// ErrNotInstrumented is returned by [Collector.Start] when slow-callback
// detection is on and the runtime was not made with gen.Options.Instrument.
var ErrNotInstrumented = errors.New("metrics: slow-callback detection needs gen.Options.Instrument")

// ErrStarted is returned by [Collector.Start] when the collector is already
// tied to a runtime.
var ErrStarted = errors.New("metrics: collector already started")

// Start ties the collector to rt, which should have been made with the
// collector's [Collector.Hooks], and starts the sampler goroutine that finds
// slow callbacks and samples mailbox lengths (unless both are off). It
// returns [ErrStarted] when the collector is tied to a runtime already, and
// [ErrNotInstrumented] when slow-callback detection is on and rt was not
// made with gen.Options.Instrument. Stop the sampler with
// [Collector.Stop]; the collector stays tied to rt.
func (c *Collector) Start(rt *gen.Runtime) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rt != nil {
		return ErrStarted
	}
	if c.slow > 0 && !rt.Instrumented() {
		return ErrNotInstrumented
	}
	c.rt = rt
	c.started.Store(rt)
	if c.slow == 0 && c.mailbox == 0 {
		return nil
	}
	log := c.opts.Logger
	if log == nil {
		log = rt.Logger()
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	s := &sampler{c: c, rt: rt, log: log, watched: make(map[gen.PID]*watch)}
	// The first interval counts from here, not from whenever the goroutine
	// first runs: messages handled meanwhile belong to it.
	s.lastMailbox = time.Now()
	s.lastMsgs = rt.Messages()
	go s.run(c.stop, c.done)
	return nil
}

// Stop stops the sampler goroutine, if it runs, and waits for it to return.
// Stopping twice does nothing.
func (c *Collector) Stop() {
	c.mu.Lock()
	stop, done := c.stop, c.done
	c.stop = nil
	c.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// sampler is the state of the sampler goroutine.
type sampler struct {
	c           *Collector
	rt          *gen.Runtime
	log         *slog.Logger
	tick        uint64
	lastMailbox time.Time
	lastMsgs    uint64             // rt.Messages() at lastMailbox
	watched     map[gen.PID]*watch // processes seen running a callback
}

// watch is a callback invocation seen running on every walk since first.
type watch struct {
	seq      uint64
	first    time.Time
	tick     uint64
	reported bool
}

func (s *sampler) run(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	c := s.c
	// Not a time.Timer: while one is armed, the scheduler reads the clock
	// at every goroutine switch on its P, which cost message-heavy
	// workloads about 10% (see internal/tick).
	t := tick.New(c.interval)
	stopped := make(chan struct{})
	defer func() { <-stopped }()
	go func() {
		defer close(stopped)
		<-stop
		t.Stop()
	}()
	period := c.interval
	for t.Wait() {
		start := time.Now()
		s.walk(start)
		// Back off when walks are long (many processes): at most about
		// 5% of a core.
		if p := max(c.interval, 20*time.Since(start)); p != period {
			period = p
			t.Reset(p)
		}
	}
}

// walk looks at every process once.
func (s *sampler) walk(now time.Time) {
	c := s.c
	s.tick++
	mailbox := c.mailbox > 0 && now.Sub(s.lastMailbox) >= c.mailbox
	if mailbox {
		if s.rt.Instrumented() {
			n := s.rt.Messages()
			c.msgRate.Store(math.Float64bits(float64(n-s.lastMsgs) / now.Sub(s.lastMailbox).Seconds()))
			s.lastMsgs = n
		}
		s.lastMailbox = now
	}
	if c.slow == 0 && !mailbox {
		return
	}
	for a := range s.rt.Activities() {
		if mailbox {
			c.mailboxHist.Observe(float64(a.MailboxLen))
		}
		if c.slow == 0 || a.Callback == gen.CallbackNone {
			continue
		}
		w := s.watched[a.PID]
		switch {
		case w == nil:
			w = &watch{}
			s.watched[a.PID] = w
			fallthrough
		case w.seq != a.Seq || w.tick != s.tick-1:
			// A new invocation, or one that was not seen running last
			// time: its time starts now.
			*w = watch{seq: a.Seq, first: now}
		}
		w.tick = s.tick
		if elapsed := now.Sub(w.first); !w.reported && elapsed >= c.slow {
			w.reported = true
			if ignore := c.opts.IgnoreSlow; ignore != nil && ignore(a) {
				continue
			}
			c.slowN[a.Callback].Add(1)
			s.log.LogAttrs(context.Background(), slog.LevelWarn, "gen: slow callback",
				slog.String("pid", a.PID.String()), slog.String("name", string(a.Name)),
				slog.String("callback", a.Callback.String()), slog.String("message", a.MessageType),
				slog.Duration("elapsed", elapsed), slog.Duration("threshold", c.slow))
		}
	}
	for pid, w := range s.watched {
		if w.tick != s.tick {
			delete(s.watched, pid)
		}
	}
}
