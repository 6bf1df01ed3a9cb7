package gen_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// chaosSrv does a random thing per message: reply, defer the reply to
// another goroutine, hibernate, set a timeout, continue, link or monitor a
// peer, crash, or stop.
type chaosSrv struct {
	rt   *gen.Runtime
	pids *chaosPIDs
	rng  *rand.Rand
	n    int
}

// chaosChild ends with its first cast.
type chaosChild struct{ crash bool }

func (c *chaosChild) HandleCast(p *gen.Process, msg any) error {
	if c.crash {
		return errors.New("child crash")
	}
	return gen.ErrNormal
}

// chaosPIDs is the current process in each slot, replaced on restart.
type chaosPIDs struct {
	mu   sync.Mutex
	pids []gen.PID
}

func (c *chaosPIDs) get(i int) gen.PID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pids[i]
}

func (c *chaosPIDs) set(i int, pid gen.PID) {
	c.mu.Lock()
	c.pids[i] = pid
	c.mu.Unlock()
}

func (s *chaosSrv) peer() gen.PID { return s.pids.get(s.rng.IntN(len(s.pids.pids))) }

func (s *chaosSrv) Init(p *gen.Process) error {
	if s.rng.IntN(4) == 0 {
		p.TrapExit(true)
	}
	return nil
}

func (s *chaosSrv) act(p *gen.Process) error {
	s.n++
	switch s.rng.IntN(400) {
	case 0:
		return errors.New("chaos crash")
	case 1:
		return gen.ErrShutdown
	case 2:
		panic("chaos panic")
	case 3, 4, 5, 6, 7, 8, 9, 10, 11, 12:
		p.Hibernate()
	case 13, 14, 15, 16, 17, 18, 19, 20:
		p.SetTimeout(time.Duration(s.rng.IntN(3)) * time.Millisecond)
	case 21, 22, 23, 24, 25, 26, 27, 28:
		p.Continue(s.n)
	case 29, 30:
		p.Link(s.peer())
	case 31, 32, 33, 34, 35, 36:
		ref := p.Monitor(s.peer())
		if s.rng.IntN(2) == 0 {
			p.Demonitor(ref, s.rng.IntN(2) == 0)
		}
	case 37, 38, 39, 40, 41, 42, 43, 44, 45, 46:
		_ = gen.Cast(s.rt, s.peer(), "fwd")
	case 47, 48, 49:
		gen.SendAfter(s.rt, p.Self(), "later", time.Duration(s.rng.IntN(2))*time.Millisecond)
	case 50:
		// A short-lived linked child that crashes or stops on its own.
		if child, err := gen.StartLink(p, s.rt, &chaosChild{crash: s.rng.IntN(2) == 0}); err == nil {
			_ = gen.Cast(s.rt, child, "go")
		}
	case 51:
		go func(pid gen.PID) { _ = gen.Stop(context.Background(), s.rt, pid, gen.ErrShutdown) }(s.peer())
	}
	return nil
}

func (s *chaosSrv) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if s.rng.IntN(8) == 0 {
		go gen.Reply(from, s.n) // deferred, from another goroutine
		return nil, gen.NoReply
	}
	if err := s.act(p); err != nil {
		return nil, err
	}
	return s.n, nil
}

func (s *chaosSrv) HandleCast(p *gen.Process, msg any) error   { return s.act(p) }
func (s *chaosSrv) HandleInfo(p *gen.Process, msg any) error   { return s.act(p) }
func (s *chaosSrv) HandleContinue(p *gen.Process, a any) error { return nil }

// TestChaos runs processes that crash, hibernate, link, monitor and reply
// late, under load from several goroutines, while a killer ends some. It
// checks that every call ends (a reply or an error, never a hang), that
// errors are of the documented kinds, and that Close leaves no goroutine
// behind (goleak, at the end of the package).
func TestChaos(t *testing.T) {
	rt, _ := newRuntime(t)
	const procs = 64
	table := &chaosPIDs{pids: make([]gen.PID, procs)}
	var restarts atomic.Int64
	start := func(i int, seed uint64) gen.PID {
		s := &chaosSrv{rt: rt, pids: table, rng: rand.New(rand.NewPCG(uint64(i), seed))}
		pid, err := gen.Start(context.Background(), rt, s, gen.WithHibernateAfter(time.Millisecond))
		if err != nil {
			t.Errorf("Start: %v", err)
		}
		return pid
	}
	for i := range procs {
		table.set(i, start(i, 0))
	}
	// A restarter per slot: a minimal supervisor built on Watch.
	stop := make(chan struct{})
	var sup sync.WaitGroup
	for i := range procs {
		sup.Add(1)
		go func() {
			defer sup.Done()
			for seed := uint64(1); ; seed++ {
				ref, down := rt.Watch(table.get(i))
				select {
				case <-down:
				case <-stop:
					rt.Unwatch(table.get(i), ref)
					return
				}
				table.set(i, start(i, seed))
				restarts.Add(1)
			}
		}()
	}
	var calls, replies, failures atomic.Int64
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for range 3000 {
				pid := table.get(rng.IntN(procs))
				name := gen.Name(fmt.Sprintf("chaos-%d", rng.IntN(16)))
				switch rng.IntN(7) {
				case 5:
					// Names: register a live process, then reach it by name.
					switch err := rt.Register(name, pid); {
					case err == nil, errors.Is(err, gen.ErrNameTaken), errors.Is(err, gen.ErrNoProc):
					default:
						t.Errorf("Register = %v", err)
					}
					_ = gen.Cast(rt, name, "by name")
				case 6:
					if rng.IntN(2) == 0 {
						_ = rt.Unregister(name)
					} else if got, ok := rt.Whereis(name); ok && got.IsZero() {
						t.Error("Whereis returned ok with the zero PID")
					}
				case 0:
					_ = gen.Cast(rt, pid, "c")
				case 1:
					_ = gen.Send(rt, pid, "i")
				case 2:
					// Suspend and resume: calls in between queue up.
					if sys.Suspend(context.Background(), rt, pid) == nil {
						_ = gen.Cast(rt, pid, "while suspended")
						_ = sys.Resume(context.Background(), rt, pid)
					}
				default:
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					calls.Add(1)
					_, err := gen.Call[int](ctx, rt, pid, "q")
					cancel()
					if err == nil {
						replies.Add(1)
						continue
					}
					failures.Add(1)
					var ce *gen.CallError
					if !errors.As(err, &ce) {
						t.Errorf("Call error %T %v is not a *CallError", err, err)
					}
					if errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("Call hung until its deadline: %v", err)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // the killer
		defer wg.Done()
		rng := rand.New(rand.NewPCG(3, 3))
		for range 300 {
			rt.Exit(table.get(rng.IntN(procs)), gen.ErrKill)
			for range 20 {
				runtime.Gosched() // spread the kills over the run
			}
		}
	}()
	wg.Wait()
	close(stop)
	sup.Wait()
	if calls.Load() != replies.Load()+failures.Load() {
		t.Errorf("calls %d != replies %d + failures %d", calls.Load(), replies.Load(), failures.Load())
	}
	if replies.Load() < calls.Load()/2 || failures.Load() == 0 || restarts.Load() == 0 {
		t.Errorf("replies %d, failures %d of %d calls, restarts %d: want mostly replies, some failures, some restarts",
			replies.Load(), failures.Load(), calls.Load(), restarts.Load())
	}
	t.Logf("%d calls: %d replies, %d failures; %d restarts", calls.Load(), replies.Load(), failures.Load(), restarts.Load())
}
