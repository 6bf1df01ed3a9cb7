package main

import (
	"context"
	"log"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/gen-go/gen"
)

// The Gen side of every workload. Each function builds a fresh runtime, does
// its setup untimed, times the workload itself and closes the runtime.

var ctx = context.Background()

// Messages are pre-boxed so that sending them allocates nothing on the
// harness's side: what allocations remain are the library's (or the
// channels').
var (
	reqMsg  any = struct{}{}
	castMsg any = struct{}{}
	syncMsg any = syncReq{}
)

type syncReq struct{}

func newRuntime() *gen.Runtime {
	return gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// timed runs f and returns its duration and the number of heap allocations
// made while it ran (by every goroutine).
func timed(f func()) (time.Duration, uint64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t := time.Now()
	f()
	d := time.Since(t)
	runtime.ReadMemStats(&m1)
	return d, m1.Mallocs - m0.Mallocs
}

func perOp(d time.Duration, allocs uint64, ops int) sample {
	return sample{value: float64(d.Nanoseconds()) / float64(ops), allocs: float64(allocs) / float64(ops)}
}

func rate(d time.Duration, allocs uint64, ops int) sample {
	return sample{value: float64(ops) / d.Seconds(), allocs: float64(allocs) / float64(ops)}
}

// echo answers every call with its request. With hib set it hibernates after
// every call, so each call starts a new goroutine for the process.
type echo struct{ hib bool }

func (s *echo) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	if s.hib {
		p.Hibernate()
	}
	return req, nil
}

// W1, W1h.
func genCall(n int, hib bool) sample {
	return genCallWith(n, &echo{hib: hib})
}

// W1i: W1 against a server started with gen.WithInlineCalls, whose calls
// run on the calling goroutine.
func genCallInline(n int) sample {
	return genCallWith(n, &echo{}, gen.WithInlineCalls())
}

func genCallWith(n int, srv *echo, opts ...gen.StartOption) sample {
	rt := newRuntime()
	defer rt.Close()
	pid, err := gen.Start(ctx, rt, srv, opts...)
	must(err)
	_, err = gen.Call[any](ctx, rt, pid, reqMsg) // start its goroutine
	must(err)
	d, a := timed(func() {
		for range n {
			if _, err := gen.Call[any](ctx, rt, pid, reqMsg); err != nil {
				log.Fatal(err)
			}
		}
	})
	return perOp(d, a, n)
}

// counter counts casts and answers a call with the count.
type counter struct{ n int }

func (c *counter) Init(*gen.Process) error { return nil }

func (c *counter) HandleCast(_ *gen.Process, _ any) error {
	c.n++
	return nil
}

func (c *counter) HandleCall(_ *gen.Process, _ gen.From, _ any) (any, error) {
	return c.n, nil
}

// W2: n casts in total from senders goroutines, then one call that returns
// once the server has handled them all.
func genCast(n, senders int) sample {
	rt := newRuntime()
	defer rt.Close()
	pid, err := gen.Start(ctx, rt, &counter{})
	must(err)
	d, a, got := castBurst(rt, pid, n, senders)
	if got != n {
		log.Fatalf("W2 gen: server counted %d casts, want %d", got, n)
	}
	return rate(d, a, n)
}

// castBurst syncs with the counter pid, then times n casts to it from
// senders goroutines and the call that returns once it has handled them
// all. got is the count that call returns.
func castBurst(rt *gen.Runtime, pid gen.PID, n, senders int) (d time.Duration, allocs uint64, got int) {
	_, err := gen.Call[int](ctx, rt, pid, syncMsg)
	must(err)
	d, allocs = timed(func() {
		sendN(senders, n, func(k int) {
			for range k {
				_ = gen.Cast(rt, pid, castMsg)
			}
		})
		got, err = gen.Call[int](ctx, rt, pid, syncMsg)
	})
	must(err)
	return d, allocs, got
}

// sendN splits n sends over senders goroutines (the caller's own goroutine
// when senders is 1) and waits for them.
func sendN(senders, n int, send func(k int)) {
	if senders == 1 {
		send(n)
		return
	}
	var wg sync.WaitGroup
	for i := range senders {
		k := n / senders
		if i < n%senders {
			k++
		}
		wg.Go(func() { send(k) })
	}
	wg.Wait()
}

// idler has an Init, and nothing for Stop to run: a stop that finds it
// without a goroutine ends it on the stopping goroutine.
type idler struct{ n int }

func (s *idler) Init(*gen.Process) error { return nil }

// finisher is an idler with a Terminate, which Stop must run as the
// process: the stop starts the process's goroutine for it.
type finisher struct{ idler }

func (s *finisher) Terminate(*gen.Process, error) { s.n++ }

// lazy has no Init: Start makes no goroutine, its first message does.
type lazy struct {
	n   int
	hib bool
}

func (s *lazy) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	s.n++
	if s.hib {
		p.Hibernate()
	}
	return req, nil
}

// W3: start n servers, then stop them all, one by one. With cancellable
// set, Start gets a ctx with a deadline, which Start must be able to cut
// short, so Init cannot simply run on the caller's goroutine.
func genSpawnStop(n int, withInit, cancellable bool) sample {
	if withInit {
		return genSpawnStopOf(n, func() gen.Server { return &idler{} }, cancellable)
	}
	return genSpawnStopOf(n, func() gen.Server { return &lazy{} }, cancellable)
}

// W3 with a Terminate to run.
func genSpawnStopTerminate(n int) sample {
	return genSpawnStopOf(n, func() gen.Server { return &finisher{} }, false)
}

func genSpawnStopOf(n int, srv func() gen.Server, cancellable bool) sample {
	rt := newRuntime()
	defer rt.Close()
	pids := make([]gen.PID, n)
	sctx := ctx
	if cancellable {
		c, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		sctx = c
	}
	d, _ := timed(func() {
		var err error
		for i := range pids {
			pids[i], err = gen.Start(sctx, rt, srv())
			if err != nil {
				log.Fatal(err)
			}
		}
		for _, pid := range pids {
			if err := gen.Stop(ctx, rt, pid, nil); err != nil {
				log.Fatal(err)
			}
		}
	})
	return sample{value: float64(d.Nanoseconds()) / 1e3 / float64(n)}
}

type ping struct{}
type pong struct{}

// kick starts a volley of n round trips; done hears when it is over.
type kick struct {
	n    int
	done chan struct{}
}

// pinger sends ping to its peer and counts the pongs.
type pinger struct {
	peer gen.PID
	left int
	done chan struct{}
}

func (s *pinger) HandleInfo(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case pong:
		s.left--
		if s.left == 0 {
			s.done <- struct{}{}
			return nil
		}
	case *kick:
		s.left, s.done = m.n, m.done
	default:
		return nil
	}
	return gen.Send(p.Runtime(), s.peer, ping{})
}

// ponger answers every ping with pong.
type ponger struct{ peer gen.PID }

func (s *ponger) HandleInfo(p *gen.Process, _ any) error {
	return gen.Send(p.Runtime(), s.peer, pong{})
}

// W4.
func genPingPong(n int) sample {
	rt := newRuntime()
	defer rt.Close()
	a, b := &pinger{}, &ponger{}
	pa, err := gen.Start(ctx, rt, a)
	must(err)
	pb, err := gen.Start(ctx, rt, b)
	must(err)
	// Set before the first message: the mailbox hand-off orders these
	// writes before the callbacks' reads.
	a.peer, b.peer = pb, pa
	done := make(chan struct{}, 1)
	must(gen.Send(rt, pa, &kick{n: 1000, done: done})) // warm both up
	<-done
	k := &kick{n: n, done: done}
	d, _ := timed(func() {
		must(gen.Send(rt, pa, k))
		<-done
	})
	return perOp(d, 0, n)
}

// W5: servers servers each get perSrv casts, then one call each. Interleaved
// casts go one to each server, perSrv times over (every cast may wake a
// server); otherwise server by server (a server's casts arrive in a burst).
func genFanOut(servers, perSrv int, interleaved bool) sample {
	rt := newRuntime()
	defer rt.Close()
	pids := make([]gen.PID, servers)
	for i := range pids {
		var err error
		pids[i], err = gen.Start(ctx, rt, &counter{})
		must(err)
	}
	// One request each, untimed, as the floor does: a Gen server starts its
	// goroutine at its first message, and the floor's goroutines were
	// started outside the timing too. Afterwards each side's servers wait,
	// parked, for a message.
	for _, pid := range pids {
		_, err := gen.Call[int](ctx, rt, pid, syncMsg)
		must(err)
	}
	d, _ := timed(func() {
		if interleaved {
			for range perSrv {
				for _, pid := range pids {
					_ = gen.Cast(rt, pid, castMsg)
				}
			}
		} else {
			for _, pid := range pids {
				for range perSrv {
					_ = gen.Cast(rt, pid, castMsg)
				}
			}
		}
		for _, pid := range pids {
			got, err := gen.Call[int](ctx, rt, pid, syncMsg)
			if err != nil {
				log.Fatal(err)
			}
			if got != perSrv {
				log.Fatalf("W5 gen: server counted %d casts, want %d", got, perSrv)
			}
		}
	})
	return sample{value: float64(d.Nanoseconds()) / 1e6}
}
