package agent_test

// Conformance tests for group S (Agent, items 184–188) of
// /work/shared/CONFORMANCE.md.
//
// conformance: 186 n/a: GetAndUpdate's function has the Go type func(S) (R, S), so it cannot return anything but a reply and a state and there is no bad_return_value; what remains of the item, a function that fails inside the agent crashing the agent and the caller's call, is tested in TestAgentFunctionPanics.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/agent"
	"github.com/gen-go/gen/internal/testutil"
)

// logBuffer collects a runtime's log output.
type logBuffer = testutil.LogBuffer

// newRuntime returns a runtime that logs to the returned buffer and is
// closed when the test ends. Inside a synctest bubble, call it inside the
// bubble.
func newRuntime(t testing.TB) (*gen.Runtime, *logBuffer) { return testutil.NewRuntime(t) }

// probe is a process that runs functions sent to it, so that a test can act
// as a process (StartLink needs one).
type probe struct{ trap bool }

type do func(p *gen.Process) any

func (pr *probe) Init(p *gen.Process) error {
	p.TrapExit(pr.trap)
	return nil
}

func (pr *probe) HandleCall(p *gen.Process, _ gen.From, req any) (any, error) {
	return box{req.(do)(p)}, nil
}

func (pr *probe) HandleInfo(*gen.Process, any) error { return nil }

// box keeps Call from taking an error result for Call's own error.
type box struct{ v any }

func startProbe(t testing.TB, rt *gen.Runtime, trap bool) gen.PID {
	t.Helper()
	pid, err := gen.Start(context.Background(), rt, &probe{trap: trap})
	if err != nil {
		t.Fatalf("start probe: %v", err)
	}
	return pid
}

// inProbe runs f inside the probe and returns its result.
func inProbe(t testing.TB, rt *gen.Runtime, pid gen.PID, f func(p *gen.Process) any) any {
	t.Helper()
	b, err := gen.Call[box](gen.NoDeadline(context.Background()), rt, pid, do(f))
	if err != nil {
		t.Fatalf("call into probe: %v", err)
	}
	return b.v
}

func mustStart[S any](t testing.TB, rt *gen.Runtime, init func() S, opts ...gen.StartOption) agent.Agent[S] {
	t.Helper()
	a, err := agent.Start(context.Background(), rt, init, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return a
}

func agentPID[S any](t testing.TB, a agent.Agent[S]) gen.PID {
	t.Helper()
	pid, ok := a.Runtime().Whereis(a.Dest())
	if !ok {
		t.Fatalf("agent %v is not alive", a.Dest())
	}
	return pid
}

// ---------------------------------------------------------------------------
// 184: start_link runs the function in the new process and returns once it
// has; a raise is {:error, {exception, stacktrace}}; options as GenServer's.

func TestAgentStartWaitsForInit(t *testing.T) {
	// conformance: 184
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx, cancel := context.WithCancel(context.Background()) // init runs on the new goroutine
		defer cancel()
		release := make(chan struct{})
		type res struct {
			a   agent.Agent[string]
			err error
		}
		done := make(chan res, 1)
		go func() {
			a, err := agent.Start(ctx, rt, func() string {
				<-release
				return "ready"
			})
			done <- res{a, err}
		}()
		synctest.Wait()
		select {
		case r := <-done:
			t.Fatalf("Start returned before init did: %+v", r)
		default:
		}
		close(release)
		r := <-done
		if r.err != nil {
			t.Fatalf("Start: %v", r.err)
		}
		got, err := agent.Get(context.Background(), r.a, func(s string) string { return s })
		if err != nil || got != "ready" {
			t.Errorf("Get = %q, %v; want %q, nil", got, err, "ready")
		}
	})
}

func TestAgentInitRunsInNewProcess(t *testing.T) {
	// conformance: 184
	// init runs as the agent being started: the name given with WithName
	// already belongs to the new process while init runs.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		parent := startProbe(t, rt, false)
		var during gen.PID
		a := inProbe(t, rt, parent, func(p *gen.Process) any {
			a, err := agent.StartLink(p, rt, func() int {
				during, _ = rt.Whereis(gen.Name("me"))
				return 1
			}, gen.WithName("me"))
			if err != nil {
				return err
			}
			return a
		})
		ag, ok := a.(agent.Agent[int])
		if !ok {
			t.Fatalf("StartLink: %v", a)
		}
		pid := agentPID(t, ag)
		if during != pid || pid == parent {
			t.Errorf("init ran as %v; want the agent %v (the caller is %v)", during, pid, parent)
		}
	})
}

func TestAgentInitPanics(t *testing.T) {
	// conformance: 184
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"init on the caller's goroutine", func() (context.Context, context.CancelFunc) {
			return context.Background(), func() {}
		}},
		{"init on the new goroutine", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				ctx, cancel := tc.ctx()
				defer cancel()
				a, err := agent.Start(ctx, rt, func() int { panic("no state today") }, gen.WithName("a"))
				pe, ok := errors.AsType[*gen.PanicError](err)
				if !ok {
					t.Fatalf("Start error = %v (%T); want a *gen.PanicError", err, err)
				}
				if pe.Value != "no state today" || len(pe.Stack) == 0 {
					t.Errorf("PanicError = %v with %d bytes of stack; want the panic value and a stack", pe.Value, len(pe.Stack))
				}
				if a.Dest() != nil {
					t.Errorf("Start returned a handle %v with its error", a.Dest())
				}
				synctest.Wait()
				if n := len(rt.Processes()); n != 0 {
					t.Errorf("%d processes left; want none", n)
				}
				if _, ok := rt.Whereis(gen.Name("a")); ok {
					t.Error("the name is still registered")
				}
			})
		})
	}
}

func TestAgentStartLinkInitPanicReachesParent(t *testing.T) {
	// conformance: 184
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		parent := startProbe(t, rt, true)
		err := inProbe(t, rt, parent, func(p *gen.Process) any {
			_, err := agent.StartLink(p, rt, func() int { panic("boom") })
			return err
		})
		if _, ok := err.(*gen.PanicError); !ok {
			t.Fatalf("StartLink error = %v; want a *gen.PanicError", err)
		}
		if !rt.Alive(parent) {
			t.Error("a trapping parent died")
		}
	})
}

func TestAgentStartOptions(t *testing.T) {
	// conformance: 184
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a := mustStart(t, rt, func() int { return 7 }, gen.WithName("seven"))
		byName := agent.At[int](rt, gen.Name("seven"))
		if n, err := agent.Get(ctx, byName, func(n int) int { return n }); err != nil || n != 7 {
			t.Errorf("Get by name = %d, %v; want 7, nil", n, err)
		}
		_, err := agent.Start(ctx, rt, func() int { return 8 }, gen.WithName("seven"))
		var ae *gen.AlreadyStartedError
		if !errors.As(err, &ae) || ae.PID != agentPID(t, a) {
			t.Errorf("second Start = %v; want *gen.AlreadyStartedError with the first agent's PID", err)
		}

		// A start timeout: ctx bounds the wait for init.
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		release := make(chan struct{})
		defer close(release)
		start := time.Now()
		_, err = agent.Start(tctx, rt, func() int { <-release; return 0 }, gen.WithName("slow"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Start with a 1 s deadline and a blocked init = %v; want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Start gave up after %v; want 1s", d)
		}
	})
}

// ---------------------------------------------------------------------------
// 185: get, update, get_and_update run the function in the agent, 5000 ms
// default timeout; update returns :ok.

func TestAgentWorkflow(t *testing.T) {
	// conformance: 185
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a := mustStart(t, rt, func() []string { return nil })
		if err := a.Update(ctx, func(s []string) []string { return append(s, "a") }); err != nil {
			t.Fatalf("Update = %v; want nil", err)
		}
		got, err := agent.GetAndUpdate(ctx, a, func(s []string) (int, []string) { return len(s), append(s, "b") })
		if err != nil || got != 1 {
			t.Errorf("GetAndUpdate = %d, %v; want 1, nil", got, err)
		}
		all, err := agent.Get(ctx, a, func(s []string) string {
			out := ""
			for _, x := range s {
				out += x
			}
			return out
		})
		if err != nil || all != "ab" {
			t.Errorf("Get = %q, %v; want %q, nil", all, err, "ab")
		}
	})
}

func TestAgentFunctionRunsInAgent(t *testing.T) {
	// conformance: 185
	// Functions run in the agent, one at a time: while a cast's function
	// blocks the agent, a Get's function does not run.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a := mustStart(t, rt, func() int { return 1 })
		release := make(chan struct{})
		_ = a.Cast(func(n int) int { <-release; return n + 1 })
		ran := make(chan struct{})
		done := make(chan int, 1)
		go func() {
			n, _ := agent.Get(ctx, a, func(n int) int { close(ran); return n })
			done <- n
		}()
		synctest.Wait()
		select {
		case <-ran:
			t.Fatal("Get's function ran while the agent was busy")
		default:
		}
		close(release)
		if n := <-done; n != 2 {
			t.Errorf("Get = %d; want 2", n)
		}
	})
}

func TestAgentDefaultTimeout(t *testing.T) {
	// conformance: 185
	for _, tc := range []struct {
		name string
		op   func(ctx context.Context, a agent.Agent[int], block func()) error
	}{
		{"get", func(ctx context.Context, a agent.Agent[int], block func()) error {
			_, err := agent.Get(ctx, a, func(n int) int { block(); return n })
			return err
		}},
		{"update", func(ctx context.Context, a agent.Agent[int], block func()) error {
			return a.Update(ctx, func(n int) int { block(); return n })
		}},
		{"get_and_update", func(ctx context.Context, a agent.Agent[int], block func()) error {
			_, err := agent.GetAndUpdate(ctx, a, func(n int) (int, int) { block(); return n, n })
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				a := mustStart(t, rt, func() int { return 0 })
				release := make(chan struct{})
				start := time.Now()
				err := tc.op(context.Background(), a, func() { <-release })
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v; want DeadlineExceeded", err)
				}
				if d := time.Since(start); d != 5*time.Second {
					t.Errorf("gave up after %v; want the 5s default", d)
				}
				close(release)

				// A deadline on ctx replaces the default.
				ctx, cancel := context.WithTimeout(context.Background(), 7*time.Second)
				defer cancel()
				release2 := make(chan struct{})
				start = time.Now()
				_ = tc.op(ctx, a, func() { <-release2 })
				if d := time.Since(start); d != 7*time.Second {
					t.Errorf("with a 7s deadline gave up after %v", d)
				}
				close(release2)
			})
		})
	}
}

func TestAgentFunctionPanics(t *testing.T) {
	// conformance: 186 (the part that applies: a failing function crashes the
	// agent, and the caller fails with the agent's reason)
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		ctx := context.Background()
		a := mustStart(t, rt, func() int { return 1 })
		pid := agentPID(t, a)
		_, downs := rt.Watch(pid)
		_, err := agent.GetAndUpdate(ctx, a, func(int) (int, int) { panic("bad state") })
		var ee *gen.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("GetAndUpdate = %v; want a *gen.ExitError", err)
		}
		if pe, ok := ee.Reason.(*gen.PanicError); !ok || pe.Value != "bad state" {
			t.Errorf("exit reason = %v; want the panic", ee.Reason)
		}
		d := <-downs
		if _, ok := d.Reason.(*gen.PanicError); !ok {
			t.Errorf("agent's exit reason = %v; want *gen.PanicError", d.Reason)
		}
		synctest.Wait()
		// The crash report shows the state itself (FormatStatus), not the
		// server struct around it.
		if l := logs.String(); !strings.Contains(l, "bad state") || !strings.Contains(l, "state=1") {
			t.Errorf("crash report without the panic or the state: %s", l)
		}
	})
}

// ---------------------------------------------------------------------------
// 187: cast always returns :ok.

func TestAgentCast(t *testing.T) {
	// conformance: 187
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		a := mustStart(t, rt, func() int { return 1 })
		if err := a.Cast(func(n int) int { return n * 10 }); err != nil {
			t.Errorf("Cast = %v; want nil", err)
		}
		if n, _ := agent.Get(ctx, a, func(n int) int { return n }); n != 10 {
			t.Errorf("after Cast state = %d; want 10", n)
		}
		if err := a.Stop(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := a.Cast(func(n int) int { return n }); err != nil {
			t.Errorf("Cast to a dead agent = %v; want nil", err)
		}
		if err := agent.At[int](rt, gen.Name("nobody")).Cast(func(n int) int { return n }); err != nil {
			t.Errorf("Cast to an unknown name = %v; want nil", err)
		}
	})
}

// ---------------------------------------------------------------------------
// 188: stop(agent, reason \\ :normal, timeout \\ :infinity) returns :ok;
// child_spec as GenServer's.

func TestAgentStop(t *testing.T) {
	// conformance: 188
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()

		a := mustStart(t, rt, func() int { return 0 })
		_, downs := rt.Watch(agentPID(t, a))
		if err := a.Stop(ctx, nil); err != nil {
			t.Errorf("Stop = %v; want nil", err)
		}
		if d := <-downs; d.Reason != gen.ErrNormal {
			t.Errorf("default stop reason = %v; want normal", d.Reason)
		}

		b := mustStart(t, rt, func() int { return 0 })
		_, downs = rt.Watch(agentPID(t, b))
		if err := b.Stop(ctx, gen.ErrShutdown); err != nil {
			t.Errorf("Stop(shutdown) = %v; want nil", err)
		}
		if d := <-downs; d.Reason != gen.ErrShutdown {
			t.Errorf("stop reason = %v; want shutdown", d.Reason)
		}

		// No default timeout: Stop waits for a busy agent longer than 5 s.
		c := mustStart(t, rt, func() int { return 0 })
		_ = c.Cast(func(n int) int { time.Sleep(time.Minute); return n })
		start := time.Now()
		if err := c.Stop(ctx, nil); err != nil {
			t.Errorf("Stop of a busy agent = %v; want nil", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("Stop returned after %v; want 1m (no default timeout)", d)
		}

		if err := c.Stop(ctx, nil); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("Stop of a stopped agent = %v; want noproc", err)
		}
		if err := (agent.Agent[int]{}).Stop(ctx, nil); !errors.Is(err, gen.ErrNoProc) {
			t.Errorf("Stop of the zero Agent = %v; want noproc", err)
		}
	})
}

func TestAgentStartFunc(t *testing.T) {
	// conformance: 188 (the child_spec part: the start function a supervisor
	// child spec takes; restart: :permanent is the supervisor spec's default)
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		start := agent.StartFunc(rt, func() int { return 5 })
		parent := startProbe(t, rt, false)
		type res struct {
			pid gen.PID
			err error
		}
		r := inProbe(t, rt, parent, func(p *gen.Process) any {
			pid, err := start(p)
			return res{pid, err}
		}).(res)
		if r.err != nil {
			t.Fatalf("start = %v", r.err)
		}
		a := agent.At[int](rt, r.pid)
		if n, err := agent.Get(context.Background(), a, func(n int) int { return n }); err != nil || n != 5 {
			t.Errorf("Get = %d, %v; want 5, nil", n, err)
		}
		links := inProbe(t, rt, parent, func(p *gen.Process) any { return p.Links() }).([]gen.PID)
		if len(links) != 1 || links[0] != r.pid {
			t.Errorf("parent links = %v; want [%v]", links, r.pid)
		}
		// Linked: the parent's crash takes the agent down.
		_, downs := rt.Watch(r.pid)
		rt.Exit(parent, errors.New("parent crashed"))
		if d := <-downs; d.Reason == nil || d.Reason.Error() != "parent crashed" {
			t.Errorf("agent exit reason = %v; want the parent's", d.Reason)
		}

		// Each start builds a fresh agent.
		if _, err := start(context.Background()); !errors.Is(err, gen.ErrNotProcess) {
			t.Errorf("start from a plain goroutine = %v; want ErrNotProcess", err)
		}
	})
}

// ---------------------------------------------------------------------------
// Typed handles.

func TestAgentStateTypeMismatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		ctx := context.Background()
		mustStart(t, rt, func() int { return 1 }, gen.WithName("n"))
		wrong := agent.At[string](rt, gen.Name("n"))
		if _, err := agent.Get(ctx, wrong, func(s string) string { return s }); !errors.Is(err, agent.ErrStateType) {
			t.Errorf("Get through a string handle = %v; want ErrStateType", err)
		}
		if err := wrong.Update(ctx, func(s string) string { return s }); !errors.Is(err, agent.ErrStateType) {
			t.Errorf("Update through a string handle = %v; want ErrStateType", err)
		}
		right := agent.At[int](rt, gen.Name("n"))
		if n, err := agent.Get(ctx, right, func(n int) int { return n }); err != nil || n != 1 {
			t.Errorf("after mismatched calls Get = %d, %v; want 1, nil (the agent lives on)", n, err)
		}
		pid, _ := rt.Whereis(gen.Name("n"))
		_, downs := rt.Watch(pid)
		_ = wrong.Cast(func(s string) string { return s })
		if d := <-downs; !errors.Is(d.Reason, agent.ErrStateType) {
			t.Errorf("a mismatched Cast ended the agent with %v; want ErrStateType", d.Reason)
		}
	})
}

func TestAgentZeroHandle(t *testing.T) {
	var a agent.Agent[int]
	if _, err := agent.Get(context.Background(), a, func(n int) int { return n }); !errors.Is(err, gen.ErrNoProc) {
		t.Errorf("Get on the zero Agent = %v; want noproc", err)
	}
	if err := a.Cast(func(n int) int { return n }); err != nil {
		t.Errorf("Cast on the zero Agent = %v; want nil", err)
	}
}

func TestAgentNilInit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		a := mustStart[map[string]int](t, rt, nil)
		n, err := agent.Get(context.Background(), a, func(m map[string]int) int { return len(m) })
		if err != nil || n != 0 {
			t.Errorf("Get = %d, %v; want 0, nil", n, err)
		}
	})
}
