package gen_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// onCaller reports whether the current goroutine's stack holds a frame of
// fn, the test function that made a call: HandleCall then runs inline.
// (Closures inside fn are named fn.funcN and do not match.)
func onCaller(fn string) bool { return strings.Contains(string(debug.Stack()), fn+"(") }

func startInline(t *testing.T, rt *gen.Runtime, srv gen.Server) gen.PID {
	t.Helper()
	return mustStart(t, rt, srv, gen.WithInlineCalls())
}

// A call to a waiting inline process runs HandleCall on the caller's
// goroutine; a process without the option never does.
func TestInlineRunsOnCaller(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	where := func(p *gen.Process, _ gen.From, req any) (any, error) {
		return onCaller("gen_test.TestInlineRunsOnCaller"), nil
	}
	in := startInline(t, rt, &testSrv{call: where})
	out := mustStart(t, rt, &testSrv{call: where})
	_, _ = gen.Call[bool](ctx, rt, in, "warm up") // its goroutine parks before replying
	if got, err := gen.Call[bool](ctx, rt, in, "where"); err != nil || !got {
		t.Fatalf("inline process: on caller = %v, %v; want true", got, err)
	}
	if got, err := gen.Call[bool](ctx, rt, out, "where"); err != nil || got {
		t.Fatalf("plain process: on caller = %v, %v; want false", got, err)
	}
	// After the inline call the process waits again and takes messages;
	// once it has handled them, calls run inline again.
	if err := gen.Cast(rt, in, "c"); err != nil {
		t.Fatal(err)
	}
	_, _ = gen.Call[bool](ctx, rt, in, "sync")
	if got, err := gen.Call[bool](ctx, rt, in, "where"); err != nil || !got {
		t.Fatalf("inline call after a cast: %v, %v", got, err)
	}
}

// Messages keep their order: a cast sent before a call is handled before it.
func TestInlineKeepsOrder(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	n := 0
	pid := startInline(t, rt, &testSrv{
		cast: func(*gen.Process, any) error { n++; return nil },
		call: func(*gen.Process, gen.From, any) (any, error) { return n, nil },
	})
	for i := 1; i <= 200; i++ {
		_ = gen.Cast(rt, pid, i)
		if got, err := gen.Call[int](ctx, rt, pid, "n"); err != nil || got != i {
			t.Fatalf("after %d casts the call saw %d (%v)", i, got, err)
		}
	}
}

// Concurrent callers and casters: callbacks never overlap (the race
// detector watches the counter), and every message counts once.
func TestInlineConcurrent(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	n := 0
	pid := startInline(t, rt, &testSrv{
		cast: func(*gen.Process, any) error { n++; return nil },
		call: func(_ *gen.Process, _ gen.From, req any) (any, error) { n++; return n, nil },
	})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				if _, err := gen.Call[int](ctx, rt, pid, "inc"); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for range 500 {
				_ = gen.Cast(rt, pid, "inc")
			}
		})
	}
	wg.Wait()
	if got, err := gen.Call[int](ctx, rt, pid, "inc"); err != nil || got != 4001 {
		t.Fatalf("count = %d (%v); want 4001", got, err)
	}
}

// Results other than a plain reply go to the process's goroutine: NoReply
// with a later Reply, Continue, StopWithReply; a Reply made inside the
// callback wins over the value it returns.
func TestInlineHandover(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	log := &testLog{}
	pid := startInline(t, rt, &testSrv{log: log,
		call: func(p *gen.Process, from gen.From, req any) (any, error) {
			switch req {
			case "later":
				go gen.Reply(from, "replied later")
				return nil, gen.NoReply
			case "continue":
				p.Continue("next")
				return "continued", nil
			case "twice":
				gen.Reply(from, "first")
				return "second", nil
			case "stop":
				return "bye", gen.StopWithReply(nil)
			}
			return req, nil
		}})
	_, down := rt.Watch(pid)
	for _, c := range []struct{ req, want string }{
		{"later", "replied later"}, {"continue", "continued"}, {"twice", "first"}, {"stop", "bye"},
	} {
		got, err := gen.Call[string](ctx, rt, pid, c.req)
		if err != nil || got != c.want {
			t.Fatalf("call %q = %q, %v; want %q", c.req, got, err, c.want)
		}
	}
	if !log.has("continue next") {
		t.Errorf("HandleContinue did not run: %v", log.get())
	}
	if d := <-down; d.Reason != nil && !errors.Is(d.Reason, gen.ErrNormal) {
		t.Errorf("after StopWithReply(nil) the exit reason is %v; want normal", d.Reason)
	}
	if !log.has("terminate") {
		t.Error("Terminate did not run")
	}
}

// A panic in an inline HandleCall crashes the process as usual: the caller
// gets the exit reason, Terminate runs, monitors hear, a report is logged.
func TestInlinePanic(t *testing.T) {
	rt, logs := newRuntime(t)
	log := &testLog{}
	pid := startInline(t, rt, &testSrv{log: log,
		call: func(*gen.Process, gen.From, any) (any, error) { panic("boom") }})
	_, down := rt.Watch(pid)
	_, err := gen.Call[any](context.Background(), rt, pid, "x")
	var pe *gen.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("err = %v; want the panic as exit reason", err)
	}
	d := <-down
	if !errors.As(d.Reason, &pe) {
		t.Fatalf("Down reason = %v", d.Reason)
	}
	if !log.has("terminate") {
		t.Error("Terminate did not run after the panic")
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Error("no crash report logged")
	}
}

// A kill while HandleCall runs inline: the process is dead at once to the
// world, Terminate does not run, and the caller gets the reason when the
// callback returns (its result is dropped).
func TestInlineKilled(t *testing.T) {
	rt, _ := newRuntime(t)
	log := &testLog{}
	entered, release := make(chan struct{}), make(chan struct{})
	pid := startInline(t, rt, &testSrv{log: log,
		call: func(*gen.Process, gen.From, any) (any, error) {
			close(entered)
			<-release
			return "too late", nil
		}})
	res := make(chan error, 1)
	go func() {
		_, err := gen.Call[string](context.Background(), rt, pid, "x")
		res <- err
	}()
	<-entered
	rt.Exit(pid, gen.ErrKill)
	if rt.Alive(pid) {
		t.Fatal("killed process still alive")
	}
	close(release)
	err := <-res
	if !errors.Is(err, gen.ErrKilled) {
		t.Fatalf("err = %v; want killed", err)
	}
	if log.has("terminate") {
		t.Error("Terminate ran after a kill")
	}
}

// A deadline that passes while the callback runs inline ends the call with
// the deadline's error when the callback returns; the reply is dropped.
func TestInlineDeadlinePasses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		slow := func(d time.Duration) func(*gen.Process, gen.From, any) (any, error) {
			return func(_ *gen.Process, _ gen.From, req any) (any, error) {
				if req == "where" {
					return onCaller("gen_test.TestInlineDeadlinePasses.func1"), nil // the bubble's body
				}
				time.Sleep(d)
				return "slow", nil
			}
		}
		inline := func(rt *gen.Runtime, pid gen.PID) {
			t.Helper()
			// The first call finds the new process's goroutine not yet
			// parked; the second finds it waiting.
			_, _ = gen.Call[bool](context.Background(), rt, pid, "where")
			if got, err := gen.Call[bool](context.Background(), rt, pid, "where"); err != nil || !got {
				t.Fatalf("not inline: %v, %v", got, err)
			}
		}
		pid := startInline(t, rt, &testSrv{call: slow(2 * time.Second)})
		inline(rt, pid)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := gen.Call[string](ctx, rt, pid, "x")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v; want the deadline", err)
		}
		// The default deadline (a slot timer inside a bubble) likewise.
		rt2 := gen.NewRuntime(gen.Options{CallTimeout: 500 * time.Millisecond, Logger: discardLogger()})
		defer rt2.Close()
		pid2 := startInline(t, rt2, &testSrv{call: slow(time.Second)})
		inline(rt2, pid2)
		start := time.Now()
		_, err = gen.Call[string](context.Background(), rt2, pid2, "x")
		var ce *gen.CallError
		if !errors.As(err, &ce) || !ce.Timeout() {
			t.Fatalf("err = %v; want a timeout", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("returned after %v; want when the callback returned (1s)", d)
		}
	})
}

// Processes that are not in the plainest state are called the usual way:
// with a pending callback timeout, hibernate_after, or sys debugging.
func TestInlineNotWhenBusyState(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	where := func(p *gen.Process, _ gen.From, req any) (any, error) {
		if req == "arm" {
			p.SetTimeout(time.Hour)
		}
		return onCaller("gen_test.TestInlineNotWhenBusyState"), nil
	}
	pid := startInline(t, rt, &testSrv{call: where})
	_, _ = gen.Call[bool](ctx, rt, pid, "warm up")
	if got, _ := gen.Call[bool](ctx, rt, pid, "arm"); !got {
		t.Fatal("first call not inline")
	}
	if got, _ := gen.Call[bool](ctx, rt, pid, "x"); got {
		t.Fatal("inline call while a callback timeout was pending")
	}
	hib := mustStart(t, rt, &testSrv{call: where}, gen.WithInlineCalls(), gen.WithHibernateAfter(time.Hour))
	if got, _ := gen.Call[bool](ctx, rt, hib, "x"); got {
		t.Fatal("inline call to a process with hibernate_after")
	}
	dbg := mustStart(t, rt, &testSrv{call: where}, gen.WithInlineCalls(), gen.WithDebug(gen.DebugOptions{Log: 5}))
	if got, _ := gen.Call[bool](ctx, rt, dbg, "x"); got {
		t.Fatal("inline call to a process being debugged")
	}
}

// A process started with Init takes no goroutine until its first message:
// it shows as waiting, and the message starts one, which then stays. From a
// ctx that cannot be cancelled Init runs on the caller's goroutine; from one
// that can, on the process's own, which goes once Init has returned.
func TestStartedProcessWaitsWithoutGoroutine(t *testing.T) {
	for _, cancellable := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancellable=%v", cancellable), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				ctx := context.Background()
				if cancellable {
					c, cancel := context.WithTimeout(ctx, time.Hour)
					defer cancel()
					ctx = c
				}
				start := func(srv gen.Server, opts ...gen.StartOption) gen.PID {
					t.Helper()
					pid, err := gen.Start(ctx, rt, srv, opts...)
					if err != nil {
						t.Fatalf("Start: %v", err)
					}
					return pid
				}
				pid := start(&testSrv{})
				synctest.Wait()
				if g := diProcGoroutines(); g != 0 {
					t.Fatalf("%d process goroutines after Start; want 0", g)
				}
				if info, ok := rt.Info(pid); !ok || info.Status != gen.StatusWaiting {
					t.Fatalf("status after Start = %v (%v); want waiting", info.Status, ok)
				}
				if v, err := gen.Call[string](context.Background(), rt, pid, "hi"); err != nil || v != "hi" {
					t.Fatalf("first call = %q, %v", v, err)
				}
				synctest.Wait()
				if g := diProcGoroutines(); g != 1 {
					t.Fatalf("%d process goroutines after the first call; want 1", g)
				}
				if info, _ := rt.Info(pid); info.Status != gen.StatusWaiting {
					t.Fatalf("status after the first call = %v; want waiting", info.Status)
				}
				// Asking for a continue or a timeout in Init, or
				// hibernate_after, keeps the goroutine from the start.
				for _, opt := range []func(*gen.Process){
					func(p *gen.Process) { p.Continue(1) },
					func(p *gen.Process) { p.SetTimeout(time.Hour) },
				} {
					start(&testSrv{init: func(p *gen.Process) error { opt(p); return nil }})
				}
				start(&testSrv{}, gen.WithHibernateAfter(time.Hour))
				synctest.Wait()
				if g := diProcGoroutines(); g != 4 {
					t.Fatalf("%d process goroutines; want 4", g)
				}
				// A message sent during Init keeps it too.
				start(&testSrv{init: func(p *gen.Process) error { return gen.Send(rt, p.Self(), "early") }})
				synctest.Wait()
				if g := diProcGoroutines(); g != 5 {
					t.Fatalf("%d process goroutines after an Init that sent itself a message; want 5", g)
				}
			})
		})
	}
}

// With PassThroughPanics the panic reaches the caller's goroutine, and the
// process ends instead of staying claimed.
func TestInlinePassThroughPanic(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{PassThroughPanics: true, Logger: discardLogger()})
	defer rt.Close()
	pid := mustStart(t, rt, &testSrv{call: func(_ *gen.Process, _ gen.From, req any) (any, error) {
		if req == "boom" {
			panic("boom")
		}
		return onCaller("gen_test.TestInlinePassThroughPanic"), nil
	}}, gen.WithInlineCalls())
	_, _ = gen.Call[bool](context.Background(), rt, pid, "warm up")
	if got, _ := gen.Call[bool](context.Background(), rt, pid, "where"); !got {
		t.Fatal("not inline")
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v; want the panic", r)
			}
		}()
		_, _ = gen.Call[any](context.Background(), rt, pid, "boom")
	}()
	if rt.Alive(pid) {
		t.Fatal("the process outlived its pass-through panic")
	}
}
