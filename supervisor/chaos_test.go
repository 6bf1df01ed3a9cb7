package supervisor_test

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
	"github.com/gen-go/gen/supervisor"
)

// echo answers every call with the request.
type echo struct{}

func (echo) HandleCall(p *gen.Process, from gen.From, req any) (any, error) { return req, nil }

// TestChaosTree runs a supervision tree of three levels (a top supervisor,
// 10 mid supervisors, 100 leaf supervisors) over 1,000 named workers, while 8
// client goroutines call random workers and a killer ends random workers and
// leaf and mid supervisors. One leaf is driven over its restart budget on
// purpose. At the end every call has returned (a reply or an error, within
// its deadline), every permanent child runs again, the over-budget leaf
// escalated as OTP would (it exited with shutdown and its parent restarted
// it), the tree stops cleanly, and goleak (TestMain) finds nothing.
func TestChaosTree(t *testing.T) {
	const mids, leaves, workers = 10, 10, 10
	kills := 300
	if testing.Short() {
		kills = 60
	}
	rt, _ := newRuntime(t)
	name := func(m, l, w int) gen.Name { return gen.Name(fmt.Sprintf("w/%d/%d/%d", m, l, w)) }
	leafName := func(m, l int) gen.Name { return gen.Name(fmt.Sprintf("leaf/%d/%d", m, l)) }
	midName := func(m int) gen.Name { return gen.Name(fmt.Sprintf("mid/%d", m)) }

	var midSpecs []supervisor.ChildSpec
	for m := range mids {
		var leafSpecs []supervisor.ChildSpec
		for l := range leaves {
			var ws []supervisor.ChildSpec
			for w := range workers {
				ws = append(ws, supervisor.Worker(fmt.Sprint(w), func() gen.Server { return echo{} }, gen.WithName(name(m, l, w))))
			}
			// Leaves keep Elixir's default budget: 3 restarts in 5 s.
			leafSpecs = append(leafSpecs, supervisor.Sub(fmt.Sprint(l),
				supervisor.Spec{Strategy: supervisor.OneForOne, Children: ws}, gen.WithName(leafName(m, l))))
		}
		midSpecs = append(midSpecs, supervisor.Sub(fmt.Sprint(m),
			supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 50, Children: leafSpecs}, gen.WithName(midName(m))))
	}
	top, err := supervisor.Start(bg, rt, supervisor.Spec{Strategy: supervisor.OneForOne, MaxRestarts: 200, Children: midSpecs})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rt.Processes()); n != 1+mids+mids*leaves+mids*leaves*workers {
		t.Fatalf("%d processes after start", n)
	}

	// Clients.
	const deadline = 2 * time.Second
	var (
		stop               atomic.Bool
		wg                 sync.WaitGroup
		replies, failures  atomic.Int64
		badErrs, overtimes atomic.Int64
		firstBad           atomic.Value
	)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 1))
			for !stop.Load() {
				to := name(r.IntN(mids), r.IntN(leaves), r.IntN(workers))
				ctx, cancel := context.WithTimeout(bg, deadline)
				start := time.Now()
				v, err := gen.Call[int](ctx, rt, to, c)
				took := time.Since(start)
				cancel()
				if took > deadline+time.Second {
					overtimes.Add(1)
				}
				var ce *gen.CallError
				switch {
				case err == nil && v == c:
					replies.Add(1)
				case errors.As(err, &ce):
					failures.Add(1)
				default:
					badErrs.Add(1)
					firstBad.CompareAndSwap(nil, fmt.Sprintf("%v %v", v, err))
				}
			}
		}()
	}

	// The over-budget leaf: leaf/0/0 gets four worker crashes in a row,
	// one more than its budget. The killer leaves mid 0 alone.
	leaf00, _ := rt.Whereis(leafName(0, 0))
	leafExit := watchExit(t, rt, leaf00)
	for range 4 {
		for {
			pid, ok := rt.Whereis(name(0, 0, 0))
			if ok {
				rt.Exit(pid, errBoom)
				break
			}
			runtime.Gosched()
		}
		// Wait until leaf/0/0 has handled the exit: a call queues behind it.
		_, _ = supervisor.CountChildren(bg, rt, leaf00)
	}
	if r := leafExit(); r != gen.ErrShutdown {
		t.Fatalf("the over-budget leaf exited with %v; want shutdown", r)
	}

	// The killer.
	r := rand.New(rand.NewPCG(99, 7))
	var killed, supKills int
	for i := range kills {
		m := 1 + r.IntN(mids-1)
		var target gen.Dest = name(m, r.IntN(leaves), r.IntN(workers))
		switch {
		case i%50 == 49:
			target, supKills = midName(m), supKills+1
		case i%10 == 9:
			target, supKills = leafName(m, r.IntN(leaves)), supKills+1
		}
		pid, ok := rt.Whereis(target)
		switch {
		case !ok:
		case target == midName(m):
			// A mid supervisor is stopped in order: its leaves trap exits
			// and would stop their workers after it has gone, while its
			// replacement's leaves raced them for their names (as in OTP,
			// where that race costs restart intensity).
			_ = gen.Stop(bg, rt, pid, errBoom)
			killed++
		default:
			// Workers die of errBoom or a kill; leaf supervisors, which
			// trap exits, only of a kill.
			reason := errBoom
			if i%3 == 0 || i%10 == 9 {
				reason = gen.ErrKill
			}
			rt.Exit(pid, reason)
			killed++
		}
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()

	// Every permanent child runs again: walk the tree top-down. Each call
	// queues behind the exits its supervisor has yet to handle.
	var walk func(sup gen.PID, depth int) (int, error)
	walk = func(sup gen.PID, depth int) (int, error) {
		cs, err := supervisor.WhichChildren(bg, rt, sup)
		if err != nil {
			return 0, fmt.Errorf("WhichChildren at depth %d: %w", depth, err)
		}
		n := 0
		for _, c := range cs {
			if c.PID.IsZero() || !rt.Alive(c.PID) {
				return n, fmt.Errorf("child %s at depth %d not running: %+v", c.ID, depth, c)
			}
			n++
			if c.Type == supervisor.SupervisorType {
				m, err := walk(c.PID, depth+1)
				n += m
				if err != nil {
					return n, err
				}
			}
		}
		return n, nil
	}
	// A leaf over its budget may still be exiting when the walk reaches
	// it (its own supervisor then restarts it): walk until a whole pass
	// finds every child running.
	for pass := 0; ; pass++ {
		n, err := walk(top, 0)
		if err == nil && n == mids+mids*leaves+mids*leaves*workers {
			break
		}
		if pass == 100 {
			t.Fatalf("after %d passes: %d children running; want all (%v)", pass, n, err)
		}
		runtime.Gosched()
	}
	for m := range mids {
		for l := range leaves {
			for w := range workers {
				if _, ok := rt.Whereis(name(m, l, w)); !ok {
					t.Fatalf("%s is not registered", name(m, l, w))
				}
			}
		}
	}
	// The over-budget leaf was restarted by its parent.
	if now, ok := rt.Whereis(leafName(0, 0)); !ok || now == leaf00 {
		t.Fatalf("leaf/0/0 was not restarted: %v %v", now, ok)
	}
	if !rt.Alive(top) {
		t.Fatal("the top supervisor died")
	}
	if badErrs.Load() != 0 {
		t.Fatalf("%d calls failed without a *gen.CallError, first: %v", badErrs.Load(), firstBad.Load())
	}
	if overtimes.Load() != 0 {
		t.Fatalf("%d calls outlived their deadline", overtimes.Load())
	}
	if replies.Load() == 0 {
		t.Fatal("no call was answered")
	}
	t.Logf("%d kills (%d of supervisors); %d calls answered, %d failed with a CallError",
		killed, supKills, replies.Load(), failures.Load())

	if err := gen.Stop(bg, rt, top, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(rt.Processes()); n != 0 {
		t.Fatalf("%d processes left after the tree stopped", n)
	}
}
