package gen_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// blocker is a server whose calls block until released or until the process
// dies, and which records whether Terminate ran.
type blocker struct {
	entered   chan struct{}
	release   chan struct{}
	sawCancel chan struct{}
	term      chan error
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan struct{}, 1), release: make(chan struct{}),
		sawCancel: make(chan struct{}, 1), term: make(chan error, 1)}
}

func (b *blocker) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-p.Done():
		b.sawCancel <- struct{}{}
		<-b.release
	}
	return "late reply", nil
}

func (b *blocker) Terminate(p *gen.Process, reason error) { b.term <- reason }

// Killing a process whose callback is running: the world sees it dead at once,
// its context is cancelled, its caller fails with killed, and what the
// callback returns afterwards is discarded (no reply, no Terminate).
func TestKillWhileInCallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		b := newBlocker()
		pid, err := gen.Start(t.Context(), rt, b, gen.WithName("blocker"))
		if err != nil {
			t.Fatal(err)
		}
		ref, down := rt.Watch(pid)
		_ = ref
		callErr := make(chan error, 1)
		go func() {
			_, err := gen.Call[string](context.Background(), rt, pid, "req")
			callErr <- err
		}()
		<-b.entered
		rt.Exit(pid, gen.ErrKill)
		// Dead to the world before the callback has returned.
		if rt.Alive(pid) {
			t.Error("Alive after kill; want dead")
		}
		if _, ok := rt.Whereis(gen.Name("blocker")); ok {
			t.Error("name still registered after kill")
		}
		d := <-down
		if !errors.Is(d.Reason, gen.ErrKilled) {
			t.Errorf("Down reason = %v; want killed", d.Reason)
		}
		err = <-callErr
		var ee *gen.ExitError
		if !errors.As(err, &ee) || !errors.Is(err, gen.ErrKilled) {
			t.Errorf("Call = %v; want an ExitError with killed", err)
		}
		<-b.sawCancel // the process context was cancelled
		close(b.release)
		synctest.Wait()
		select {
		case r := <-b.term:
			t.Errorf("Terminate ran with %v after kill; want not run", r)
		default:
		}
	})
}

type sink struct {
	mu  sync.Mutex
	got []any
}

func (s *sink) HandleCast(p *gen.Process, msg any) error {
	s.mu.Lock()
	s.got = append(s.got, msg)
	s.mu.Unlock()
	return nil
}

func (s *sink) HandleInfo(p *gen.Process, msg any) error { return s.HandleCast(p, msg) }

func (s *sink) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got), nil
}

func TestBoundedMailbox(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policy   gen.Overflow
		wantDead bool
	}{
		{"reject", gen.Reject, false},
		{"exit", gen.ExitOnOverflow, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				srv := &sink{}
				pid, err := gen.Start(t.Context(), rt, srv, gen.WithMailboxLimit(3, tc.policy))
				if err != nil {
					t.Fatal(err)
				}
				if err := sysSuspend(t, rt, pid); err != nil {
					t.Fatal(err)
				}
				for i := range 3 {
					if err := gen.Cast(rt, pid, i); err != nil {
						t.Fatalf("Cast %d = %v; want nil", i, err)
					}
				}
				if err := gen.Cast(rt, pid, 3); !errors.Is(err, gen.ErrMailboxFull) {
					t.Fatalf("4th Cast = %v; want ErrMailboxFull", err)
				}
				if !tc.wantDead {
					if err := gen.Send(rt, pid, 3); !errors.Is(err, gen.ErrMailboxFull) {
						t.Fatalf("Send to full = %v; want ErrMailboxFull", err)
					}
				}
				if got := rt.Alive(pid); got == tc.wantDead {
					t.Fatalf("Alive = %v; want %v", got, !tc.wantDead)
				}
				if tc.wantDead {
					return
				}
				if err := sysResume(t, rt, pid); err != nil {
					t.Fatal(err)
				}
				// Resume is answered before the three casts leave the
				// mailbox: let the process drain it, or the call may
				// rightly find it full.
				synctest.Wait()
				n, err := gen.Call[int](t.Context(), rt, pid, "count")
				if err != nil || n != 3 {
					t.Fatalf("count = %d, %v; want 3 (no message lost, none extra)", n, err)
				}
			})
		})
	}
}

func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var spawned, exited []gen.PID
	var reasons []error
	rt := gen.NewRuntime(gen.Options{Logger: discardLogger(), Hooks: &gen.Hooks{
		Spawn: func(pid gen.PID) { mu.Lock(); spawned = append(spawned, pid); mu.Unlock() },
		Exit: func(pid gen.PID, r error) {
			mu.Lock()
			exited = append(exited, pid)
			reasons = append(reasons, r)
			mu.Unlock()
		},
	}})
	defer rt.Close()
	pid, err := gen.Start(context.Background(), rt, &sink{})
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Stop(context.Background(), rt, pid, gen.ErrShutdown); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(spawned) != 1 || spawned[0] != pid {
		t.Errorf("Spawn hook saw %v; want [%v]", spawned, pid)
	}
	if len(exited) != 1 || exited[0] != pid || reasons[0] != gen.ErrShutdown {
		t.Errorf("Exit hook saw %v %v; want [%v] [shutdown]", exited, reasons, pid)
	}
}

type trapTerm struct{ term chan error }

func (s *trapTerm) Init(p *gen.Process) error { p.TrapExit(true); return nil }
func (s *trapTerm) HandleInfo(p *gen.Process, msg any) error {
	if sig, ok := msg.(gen.ExitSignal); ok {
		return sig.Reason
	}
	return nil
}
func (s *trapTerm) Terminate(p *gen.Process, reason error) { s.term <- reason }

// Shutdown sends shutdown to every process: trapping ones run Terminate,
// others end at once; afterwards Start is refused.
func TestShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := gen.NewRuntime(gen.Options{Logger: discardLogger()})
		tt := &trapTerm{term: make(chan error, 1)}
		if _, err := gen.Start(t.Context(), rt, tt); err != nil {
			t.Fatal(err)
		}
		plain, err := gen.Start(t.Context(), rt, &sink{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Shutdown(t.Context()); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		if r := <-tt.term; r != gen.ErrShutdown {
			t.Errorf("Terminate reason = %v; want shutdown", r)
		}
		if rt.Alive(plain) {
			t.Error("plain process alive after Shutdown")
		}
		if _, err := gen.Start(t.Context(), rt, &sink{}); !errors.Is(err, gen.ErrRuntimeClosed) {
			t.Errorf("Start after Shutdown = %v; want ErrRuntimeClosed", err)
		}
	})
}

type panicker struct{}

func (panicker) HandleCast(p *gen.Process, msg any) error { panic("boom: passthrough") }

// With PassThroughPanics a callback panic crashes the program. Checked in a
// child process running this same test binary.
func TestPassThroughPanics(t *testing.T) {
	if os.Getenv("GEN_PASSTHROUGH_CHILD") == "1" {
		rt := gen.NewRuntime(gen.Options{PassThroughPanics: true, Logger: discardLogger()})
		pid, _ := gen.Start(context.Background(), rt, panicker{})
		_ = gen.Cast(rt, pid, 1)
		time.Sleep(10 * time.Second) // the panic ends the program first
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPassThroughPanics$")
	cmd.Env = append(os.Environ(), "GEN_PASSTHROUGH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child exited cleanly; want a crash. Output:\n%s", out)
	}
	if !strings.Contains(string(out), "boom: passthrough") {
		t.Errorf("child output lacks the panic value:\n%s", out)
	}
}

func TestSendAfterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		srv := &sink{}
		pid, err := gen.Start(t.Context(), rt, srv)
		if err != nil {
			t.Fatal(err)
		}
		_ = pid
		gen.SendAfter(rt, pid, "fired", 100*time.Millisecond)
		ref := gen.SendAfter(rt, pid, "never", time.Second)
		time.Sleep(400 * time.Millisecond)
		left, ok := gen.CancelTimer(rt, ref)
		if !ok || left != 600*time.Millisecond {
			t.Errorf("CancelTimer = %v, %v; want 600ms, true", left, ok)
		}
		if _, ok := gen.CancelTimer(rt, ref); ok {
			t.Error("second CancelTimer = true; want false")
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if len(srv.got) != 1 || srv.got[0] != "fired" {
			t.Errorf("got %v; want [fired] (the cancelled timer never delivers)", srv.got)
		}
	})
}

type initPanicker struct{}

func (initPanicker) Init(p *gen.Process) error { panic("init boom") }

// With PassThroughPanics, a panic in Init reaches Start's caller, and the
// half-started process does not stay behind holding its name.
func TestPassThroughPanicInInit(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{PassThroughPanics: true, Logger: discardLogger()})
	defer rt.Close()
	func() {
		defer func() {
			if r := recover(); r != "init boom" {
				t.Errorf("recovered %v; want the Init panic", r)
			}
		}()
		_, _ = gen.Start(context.Background(), rt, initPanicker{}, gen.WithName("zombie"))
		t.Error("Start returned; want a panic")
	}()
	if _, ok := rt.Whereis(gen.Name("zombie")); ok {
		t.Error("the name is still registered after Init panicked")
	}
	if n := len(rt.Processes()); n != 0 {
		t.Errorf("%d processes left; want 0", n)
	}
}

// ProcessOf finds the process through any wrapping of its context, and
// none in a context that does not come from one.
func TestProcessOf(t *testing.T) {
	rt, _ := newRuntime(t)
	got := make(chan []bool, 1)
	pid := mustStart(t, rt, &testSrv{call: func(p *gen.Process, _ gen.From, _ any) (any, error) {
		timed, cancel := context.WithTimeout(p, time.Minute)
		defer cancel()
		type key struct{}
		got <- []bool{
			gen.ProcessOf(p) == p,
			gen.ProcessOf(timed) == p,
			gen.ProcessOf(context.WithValue(timed, key{}, 1)) == p,
			gen.ProcessOf(gen.NoDeadline(timed)) == p,
			gen.ProcessOf(context.WithoutCancel(p)) == p,
		}
		return nil, nil
	}})
	if _, err := gen.Call[any](context.Background(), rt, pid, "x"); err != nil {
		t.Fatal(err)
	}
	for i, ok := range <-got {
		if !ok {
			t.Errorf("case %d: ProcessOf did not find the process", i)
		}
	}
	for i, ctx := range []context.Context{nil, context.Background(), gen.NoDeadline(context.Background())} {
		if p := gen.ProcessOf(ctx); p != nil {
			t.Errorf("case %d: ProcessOf = %v; want nil", i, p)
		}
	}
}

// Exit signals and Down messages to a process whose mailbox must grow for
// them (it is suspended, so nothing leaves it) all arrive, in order, none
// lost: they are boxed and given room outside the process's lock.
func TestSignalsIntoAGrowingMailbox(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var got []any
		watcher := mustStart(t, rt, &testSrv{
			init: func(p *gen.Process) error { p.TrapExit(true); return nil },
			info: func(p *gen.Process, msg any) error { got = append(got, msg); return nil },
		})
		const n = 300
		var peers []gen.PID
		for range n {
			peers = append(peers, mustStart(t, rt, &plain{}))
		}
		refs, err := gen.Call[[]gen.Ref](context.Background(), rt, watcher, testRun(func(p *gen.Process) any {
			var refs []gen.Ref
			for _, pid := range peers {
				p.Link(pid)
				refs = append(refs, p.Monitor(pid))
			}
			return refs
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := sysSuspend(t, rt, watcher); err != nil {
			t.Fatal(err)
		}
		for _, pid := range peers {
			rt.Exit(pid, gen.ErrShutdown)
		}
		synctest.Wait()
		if err := sysResume(t, rt, watcher); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		exits, downs := 0, 0
		for _, m := range got {
			switch m := m.(type) {
			case gen.ExitSignal:
				if m.From != peers[exits] || m.Reason != gen.ErrShutdown {
					t.Fatalf("exit signal %d = %+v; want from %v", exits, m, peers[exits])
				}
				exits++
			case gen.Down:
				if m.Ref != refs[downs] || m.Reason != gen.ErrShutdown {
					t.Fatalf("down %d = %+v; want ref %v", downs, m, refs[downs])
				}
				downs++
			}
		}
		if exits != n || downs != n {
			t.Errorf("%d exit signals and %d downs; want %d of each", exits, downs, n)
		}
	})
}
