// Conformance tests for group A of /work/shared/CONFORMANCE.md: start and
// Init (items 1–20). The helpers at the top (prefix abc) are shared with
// conformance_bc_test.go.
//
// conformance: 11 n/a: Go has no throw; Init's result is its return value, and a panic is a crash (item 10).
// conformance: 12 n/a: Init's result is a Go error, checked by the compiler, so there is no bad_return_value.
// conformance: 19 n/a: Go has no `use GenServer` macro, so no generated child_spec; child specs belong to the supervisor, not to gen.
//
// Partially applicable items (the rest of each is tested below):
//   - 10: Erlang's exit(r) inside init maps to Init returning r, which is
//     item 8's {stop, r}; the raise part maps to a panic.
//   - 14, 17: there is no {:global, _} registry in gen; local names and Via
//     names are tested.
//   - 17: a gen.Name is a string, so the only invalid name is "" (and a nil
//     Registrar for WithVia); there is no ArgumentError, only ErrBadName.
//   - 18: :debug and :spawn_opt have no gen equivalent; hibernate_after is
//     WithHibernateAfter.
package gen_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// ---------------------------------------------------------------------------
// Shared helpers (groups A, B, C).

// The shared test server, its request and its log (helpers_test.go).
type (
	abcLog = testLog
	abcRun = testRun
	abcSrv = testSrv
)

// abcDo runs f inside the HandleCall of the abcSrv at pid and returns f's
// result, or the call's error.
func abcDo(rt *gen.Runtime, pid gen.PID, f func(p *gen.Process) any) (any, error) {
	return gen.Call[any](gen.NoDeadline(context.Background()), rt, pid, abcRun(f))
}

// abcEvents records the runtime's Spawn and Exit hooks.
type abcEvents struct {
	mu      sync.Mutex
	spawned []gen.PID
	exits   map[gen.PID]error
}

func (e *abcEvents) exit(pid gen.PID) (error, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.exits[pid]
	return r, ok
}

func (e *abcEvents) spawns() []gen.PID {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.spawned)
}

func (e *abcEvents) lastSpawn(t testing.TB) gen.PID {
	t.Helper()
	s := e.spawns()
	if len(s) == 0 {
		t.Fatalf("no process was spawned")
	}
	return s[len(s)-1]
}

// abcRuntime is newRuntime plus Spawn/Exit hooks. Inside a synctest bubble,
// call it inside the bubble.
func abcRuntime(t testing.TB) (*gen.Runtime, *logBuffer, *abcEvents) {
	t.Helper()
	logs := &logBuffer{}
	ev := &abcEvents{exits: make(map[gen.PID]error)}
	rt := gen.NewRuntime(gen.Options{
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Hooks: &gen.Hooks{
			Spawn: func(pid gen.PID) {
				ev.mu.Lock()
				ev.spawned = append(ev.spawned, pid)
				ev.mu.Unlock()
			},
			Exit: func(pid gen.PID, reason error) {
				ev.mu.Lock()
				ev.exits[pid] = reason
				ev.mu.Unlock()
			},
		},
	})
	t.Cleanup(rt.Close)
	return rt, logs, ev
}

func abcStart(t testing.TB, rt *gen.Runtime, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	return mustStart(t, rt, srv, opts...)
}

// abcHasGoroutine reports whether a goroutine is running the process whose
// *gen.Process prints as ptr (%p). Used to observe hibernation, which in gen
// means the process gives up its goroutine. Call it after synctest.Wait.
func abcHasGoroutine(ptr string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	// Optimised builds may print a frame's receiver as 0x0?, so accept any
	// frame of a Process method that shows the pointer.
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, line := range strings.Split(g, "\n") {
			if strings.Contains(line, "gen.(*Process).") && strings.Contains(line, "("+ptr) {
				return true
			}
		}
	}
	return false
}

var (
	abcErrBoom  = errors.New("boom")
	abcErrStop  = errors.New("stopped")
	abcErrOther = errors.New("other")
)

func abcContains(pids []gen.PID, pid gen.PID) bool { return slices.Contains(pids, pid) }

// ---------------------------------------------------------------------------
// Group A: start and Init.

// conformance: 1
func TestConfA01StartLinkLinks(t *testing.T) {
	rt, _ := newRuntime(t)
	parent := abcStart(t, rt, &abcSrv{})

	type res struct {
		pid   gen.PID
		err   error
		links []gen.PID
	}
	var linkedInInit, unlinkedInInit []gen.PID
	linked := &abcSrv{init: func(p *gen.Process) error { linkedInInit = p.Links(); return nil }}
	unlinked := &abcSrv{init: func(p *gen.Process) error { unlinkedInInit = p.Links(); return nil }}

	v, err := abcDo(rt, parent, func(p *gen.Process) any {
		pid, err := gen.StartLink(p, rt, linked)
		return res{pid, err, p.Links()}
	})
	if err != nil {
		t.Fatal(err)
	}
	r := v.(res)
	if r.err != nil {
		t.Fatalf("StartLink: %v", r.err)
	}
	if !abcContains(r.links, r.pid) {
		t.Errorf("StartLink: parent links = %v; want them to contain %v", r.links, r.pid)
	}
	if !slices.Equal(linkedInInit, []gen.PID{parent}) {
		t.Errorf("StartLink: child links seen in Init = %v; want [%v] (link made before Init)", linkedInInit, parent)
	}
	childLinks, err := abcDo(rt, r.pid, func(p *gen.Process) any { return p.Links() })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(childLinks.([]gen.PID), []gen.PID{parent}) {
		t.Errorf("StartLink: child links = %v; want [%v]", childLinks, parent)
	}

	v, err = abcDo(rt, parent, func(p *gen.Process) any {
		pid, err := gen.Start(p, rt, unlinked)
		return res{pid, err, p.Links()}
	})
	if err != nil {
		t.Fatal(err)
	}
	r2 := v.(res)
	if r2.err != nil {
		t.Fatalf("Start: %v", r2.err)
	}
	if abcContains(r2.links, r2.pid) {
		t.Errorf("Start: parent links = %v; want no link to %v", r2.links, r2.pid)
	}
	if len(unlinkedInInit) != 0 {
		t.Errorf("Start: child links in Init = %v; want none", unlinkedInInit)
	}

	// The link is real: the child's crash kills the non-trapping parent, and
	// the unlinked child's crash does not.
	_, down := rt.Watch(parent)
	rt.Exit(r2.pid, abcErrBoom)
	if !rt.Alive(parent) {
		t.Fatalf("parent died from the crash of a child started with Start")
	}
	rt.Exit(r.pid, abcErrBoom)
	d := <-down
	if !errors.Is(d.Reason, abcErrBoom) {
		t.Errorf("parent Down reason = %v; want %v", d.Reason, abcErrBoom)
	}

	// StartLink needs a calling process.
	if _, err := gen.StartLink(context.Background(), rt, &abcSrv{}); !errors.Is(err, gen.ErrNotProcess) {
		t.Errorf("StartLink from a plain goroutine: err = %v; want ErrNotProcess", err)
	}
}

// conformance: 2
func TestConfA02StartIsSynchronous(t *testing.T) {
	for _, initErr := range []error{nil, abcErrStop} {
		t.Run(fmt.Sprintf("init returns %v", initErr), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				release := make(chan struct{})
				var initSelf gen.PID
				var initSelfCall error
				var aliveInInit bool
				srv := &abcSrv{init: func(p *gen.Process) error {
					initSelf = p.Self()
					aliveInInit = rt.Alive(p.Self())
					// Init runs as the new process: calling itself is detected.
					_, initSelfCall = gen.Call[any](p, rt, p.Self(), "x")
					<-release
					return initErr
				}}
				type res struct {
					pid gen.PID
					err error
				}
				done := make(chan res, 1)
				go func() {
					pid, err := gen.Start(context.Background(), rt, srv)
					done <- res{pid, err}
				}()
				synctest.Wait()
				select {
				case r := <-done:
					t.Fatalf("Start returned %v, %v while Init was still running; want it to wait", r.pid, r.err)
				default:
				}
				close(release)
				r := <-done
				if !errors.Is(r.err, initErr) {
					t.Fatalf("Start err = %v; want %v", r.err, initErr)
				}
				if initErr == nil && r.pid != initSelf {
					t.Errorf("Start returned %v; Init ran as %v; want the same PID", r.pid, initSelf)
				}
				if !aliveInInit {
					t.Errorf("rt.Alive(self) in Init = false; want true")
				}
				if !errors.Is(initSelfCall, gen.ErrCallingSelf) {
					t.Errorf("Call to self from Init: err = %v; want ErrCallingSelf (Init must run in the new process)", initSelfCall)
				}
			})
		})
	}
}

type abcCounter struct{ n int }

func (c *abcCounter) Init(p *gen.Process) error { c.n = 41; return nil }
func (c *abcCounter) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	c.n++
	return c.n, nil
}

// conformance: 3
func TestConfA03InitOK(t *testing.T) {
	rt, _ := newRuntime(t)
	pid, err := gen.Start(context.Background(), rt, &abcCounter{})
	if err != nil || pid.IsZero() {
		t.Fatalf("Start = %v, %v; want a PID and nil", pid, err)
	}
	if !rt.Alive(pid) {
		t.Errorf("rt.Alive(%v) = false after Start; want true", pid)
	}
	n, err := gen.Call[int](context.Background(), rt, pid, "inc")
	if err != nil || n != 42 {
		t.Errorf("first Call = %v, %v; want 42 (the loop starts with Init's state), nil", n, err)
	}
}

// conformance: 4
func TestConfA04InitTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		const d = 300 * time.Millisecond
		var mu sync.Mutex
		var fired []time.Duration
		t0 := time.Now()
		srv := &abcSrv{
			init: func(p *gen.Process) error { p.SetTimeout(d); return nil },
			info: func(p *gen.Process, msg any) error {
				if _, ok := msg.(gen.Timeout); ok {
					mu.Lock()
					fired = append(fired, time.Since(t0))
					mu.Unlock()
				}
				return nil
			},
		}
		pid, err := gen.Start(context.Background(), rt, srv)
		if err != nil || pid.IsZero() {
			t.Fatalf("Start = %v, %v; want a PID", pid, err)
		}
		if e := time.Since(t0); e != 0 {
			t.Errorf("Start took %v; want it not to wait for the timeout", e)
		}
		time.Sleep(d - time.Nanosecond)
		synctest.Wait()
		mu.Lock()
		early := len(fired)
		mu.Unlock()
		if early != 0 {
			t.Fatalf("Timeout fired before %v", d)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		time.Sleep(time.Hour)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(fired, []time.Duration{d}) {
			t.Errorf("Timeout fired at %v; want exactly once at %v", fired, d)
		}
	})
}

// conformance: 5
func TestConfA05InitHibernate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		hib := &abcSrv{init: func(p *gen.Process) error { p.Hibernate(); return nil },
			call: func(p *gen.Process, from gen.From, req any) (any, error) { return "state kept", nil }}
		ctl := &abcSrv{}
		pid, err := gen.Start(context.Background(), rt, hib)
		if err != nil || pid.IsZero() {
			t.Fatalf("Start = %v, %v; want a PID", pid, err)
		}
		wake(t, rt, abcStart(t, rt, ctl))
		synctest.Wait()
		if !abcHasGoroutine(ctl.ptr) {
			t.Fatalf("control process has no goroutine: the goroutine probe does not work")
		}
		if abcHasGoroutine(hib.ptr) {
			t.Errorf("process that returned Hibernate from Init still has its goroutine; want it hibernated")
		}
		if v, err := gen.Call[string](context.Background(), rt, pid, "q"); err != nil || v != "state kept" {
			t.Errorf("Call after hibernation = %q, %v; want %q, nil", v, err, "state kept")
		}
	})
}

// conformance: 6
func TestConfA06InitContinue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		log := &abcLog{}
		srv := &abcSrv{log: log,
			init: func(p *gen.Process) error {
				gen.Send(rt, p.Self(), "sent-by-init")
				p.Continue("c")
				return nil
			},
			cont: func(p *gen.Process, arg any) error { time.Sleep(500 * time.Millisecond); return nil },
		}
		t0 := time.Now()
		pid, err := gen.Start(context.Background(), rt, srv)
		if err != nil {
			t.Fatal(err)
		}
		if e := time.Since(t0); e != 0 {
			t.Errorf("Start returned after %v; want 0 (it must not wait for HandleContinue)", e)
		}
		gen.Cast(rt, pid, "c1")
		if _, err := gen.Call[any](context.Background(), rt, pid, "q"); err != nil {
			t.Fatal(err)
		}
		if e := time.Since(t0); e != 500*time.Millisecond {
			t.Errorf("first Call answered at %v; want 500ms (after HandleContinue)", e)
		}
		want := []string{"init", "continue c", "info sent-by-init", "cast c1", "call q"}
		if got := log.get(); !slices.Equal(got, want) {
			t.Errorf("callback order = %q; want %q", got, want)
		}
	})
}

// abcTrapParent starts an abcSrv that traps exits (or not) and logs its
// messages to log.
func abcParent(t testing.TB, rt *gen.Runtime, trap bool, log *abcLog) gen.PID {
	t.Helper()
	return abcStart(t, rt, &abcSrv{log: log, init: func(p *gen.Process) error { p.TrapExit(trap); return nil }})
}

// conformance: 7
func TestConfA07InitIgnore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, logs, ev := abcRuntime(t)
		log := &abcLog{}
		srv := &abcSrv{log: log, init: func(p *gen.Process) error { return gen.Ignore }}
		pid, err := gen.Start(context.Background(), rt, srv, gen.WithName("ign"))
		if err != gen.Ignore || !pid.IsZero() {
			t.Fatalf("Start = %v, %v; want zero PID, gen.Ignore", pid, err)
		}
		if p, ok := rt.Whereis(gen.Name("ign")); ok {
			t.Errorf("name still registered to %v when Start returned; want free", p)
		}
		spawned := ev.lastSpawn(t)
		synctest.Wait()
		if r, ok := ev.exit(spawned); !ok || r != gen.ErrNormal {
			t.Errorf("exit reason = %v (exited %v); want ErrNormal", r, ok)
		}
		if log.has("terminate") {
			t.Errorf("Terminate ran after Ignore: %q", log.get())
		}
		if strings.Contains(logs.String(), "terminating") {
			t.Errorf("crash report logged for Ignore: %s", logs.String())
		}
		// A linked caller is not affected.
		parent := abcParent(t, rt, false, nil)
		v, err := abcDo(rt, parent, func(p *gen.Process) any {
			_, err := gen.StartLink(p, rt, &abcSrv{init: func(*gen.Process) error { return gen.Ignore }})
			return err
		})
		if err != nil || v != gen.Ignore {
			t.Errorf("StartLink = %v, call err %v; want gen.Ignore", v, err)
		}
		synctest.Wait()
		if !rt.Alive(parent) {
			t.Errorf("linked parent died after Ignore")
		}
	})
}

// conformance: 8
func TestConfA08InitStop(t *testing.T) {
	cases := []struct {
		name   string
		reason error
	}{
		{"custom", abcErrStop},
		{"shutdown", gen.ErrShutdown},
		{"shutdown detail", &gen.ShutdownError{Detail: "bye"}},
		{"normal", gen.ErrNormal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, logs, ev := abcRuntime(t)
				log := &abcLog{}
				srv := &abcSrv{log: log, init: func(p *gen.Process) error { return tc.reason }}
				pid, err := gen.Start(context.Background(), rt, srv, gen.WithName("stopper"))
				if err != tc.reason || !pid.IsZero() {
					t.Fatalf("Start = %v, %v; want zero PID, %v", pid, err, tc.reason)
				}
				if p, ok := rt.Whereis(gen.Name("stopper")); ok {
					t.Errorf("name still registered to %v when Start returned; want free", p)
				}
				spawned := ev.lastSpawn(t)
				synctest.Wait()
				if r, ok := ev.exit(spawned); !ok || r != tc.reason {
					t.Errorf("exit reason = %v (exited %v); want %v", r, ok, tc.reason)
				}
				if log.has("terminate") {
					t.Errorf("Terminate ran after a failed Init: %q", log.get())
				}
				if got, want := strings.Contains(logs.String(), "terminating"), gen.IsAbnormal(tc.reason); got != want {
					t.Errorf("crash report logged = %v; want %v", got, want)
				}

				// A linked caller that does not trap exits dies with the
				// reason, unless it is normal.
				parent := abcParent(t, rt, false, nil)
				_, _ = abcDo(rt, parent, func(p *gen.Process) any {
					_, err := gen.StartLink(p, rt, &abcSrv{init: func(*gen.Process) error { return tc.reason }})
					return err
				})
				synctest.Wait()
				wantAlive := tc.reason == gen.ErrNormal
				if rt.Alive(parent) != wantAlive {
					t.Errorf("non-trapping linked parent alive = %v; want %v", rt.Alive(parent), wantAlive)
				}
				if !wantAlive {
					if r, _ := ev.exit(parent); r != tc.reason {
						t.Errorf("parent exit reason = %v; want %v", r, tc.reason)
					}
				}
			})
		})
	}
}

// conformance: 9
func TestConfA09InitFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, logs, ev := abcRuntime(t)
		log := &abcLog{}
		srv := &abcSrv{log: log, init: func(p *gen.Process) error { return gen.InitFailed(abcErrBoom) }}
		pid, err := gen.Start(context.Background(), rt, srv, gen.WithName("failer"))
		if !errors.Is(err, abcErrBoom) || !pid.IsZero() {
			t.Fatalf("Start = %v, %v; want zero PID, %v", pid, err, abcErrBoom)
		}
		if err != abcErrBoom {
			t.Errorf("Start err = %#v; want the reason itself, %v", err, abcErrBoom)
		}
		if _, ok := rt.Whereis(gen.Name("failer")); ok {
			t.Errorf("name still registered when Start returned")
		}
		spawned := ev.lastSpawn(t)
		synctest.Wait()
		if r, ok := ev.exit(spawned); !ok || r != gen.ErrNormal {
			t.Errorf("exit reason = %v (exited %v); want ErrNormal", r, ok)
		}
		if strings.Contains(logs.String(), "terminating") {
			t.Errorf("crash report logged for InitFailed: %s", logs.String())
		}
		if log.has("terminate") {
			t.Errorf("Terminate ran after InitFailed")
		}
		parent := abcParent(t, rt, false, nil)
		v, err := abcDo(rt, parent, func(p *gen.Process) any {
			_, err := gen.StartLink(p, rt, &abcSrv{init: func(*gen.Process) error { return gen.InitFailed(abcErrBoom) }})
			return err
		})
		if err != nil || !errors.Is(v.(error), abcErrBoom) {
			t.Errorf("StartLink = %v, call err %v; want %v", v, err, abcErrBoom)
		}
		synctest.Wait()
		if !rt.Alive(parent) {
			t.Errorf("non-trapping linked parent died after InitFailed; want it alive (exit is normal)")
		}
	})
}

// conformance: 10
func TestConfA10InitPanics(t *testing.T) {
	t.Run("panic", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, logs, ev := abcRuntime(t)
			log := &abcLog{}
			srv := &abcSrv{log: log, init: func(p *gen.Process) error { panic("bailout") }}
			_, err := gen.Start(context.Background(), rt, srv, gen.WithName("crasher"))
			var pe *gen.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("Start err = %v; want *gen.PanicError", err)
			}
			if pe.Value != "bailout" || !strings.Contains(string(pe.Stack), "Init") {
				t.Errorf("PanicError = {%v, stack mentions Init: %v}; want {bailout, true}", pe.Value, strings.Contains(string(pe.Stack), "Init"))
			}
			if _, ok := rt.Whereis(gen.Name("crasher")); ok {
				t.Errorf("name still registered when Start returned")
			}
			spawned := ev.lastSpawn(t)
			synctest.Wait()
			r, _ := ev.exit(spawned)
			var pe2 *gen.PanicError
			if !errors.As(r, &pe2) || pe2.Value != "bailout" {
				t.Errorf("exit reason = %v; want the *gen.PanicError", r)
			}
			if log.has("terminate") {
				t.Errorf("Terminate ran after Init panicked")
			}
			if !strings.Contains(logs.String(), "terminating") {
				t.Errorf("no crash report for a panic in Init")
			}
		})
	})
	t.Run("panic with error value", func(t *testing.T) {
		rt, _ := newRuntime(t)
		_, err := gen.Start(context.Background(), rt, &abcSrv{init: func(*gen.Process) error { panic(abcErrBoom) }})
		if !errors.Is(err, abcErrBoom) {
			t.Errorf("Start err = %v; want errors.Is %v", err, abcErrBoom)
		}
	})
	t.Run("linked caller killed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _, ev := abcRuntime(t)
			parent := abcParent(t, rt, false, nil)
			_, _ = abcDo(rt, parent, func(p *gen.Process) any {
				_, err := gen.StartLink(p, rt, &abcSrv{init: func(*gen.Process) error { panic("bailout") }})
				return err
			})
			synctest.Wait()
			r, _ := ev.exit(parent)
			var pe *gen.PanicError
			if rt.Alive(parent) || !errors.As(r, &pe) {
				t.Errorf("linked parent alive = %v, exit reason %v; want dead with the *gen.PanicError", rt.Alive(parent), r)
			}
		})
	})
	// The process dies with a reason while Init runs (here: killed from
	// outside). Erlang's start returns {error, Reason} as soon as the
	// process is gone; a Go Init cannot be interrupted, but once it
	// returns, Start must report the death, not hand out a dead PID.
	t.Run("killed during init", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _, ev := abcRuntime(t)
			srv := &abcSrv{init: func(p *gen.Process) error { <-p.Done(); return nil }}
			type res struct {
				pid gen.PID
				err error
			}
			done := make(chan res, 1)
			go func() {
				pid, err := gen.Start(context.Background(), rt, srv)
				done <- res{pid, err}
			}()
			synctest.Wait()
			spawned := ev.lastSpawn(t)
			rt.Exit(spawned, gen.ErrKill)
			r := <-done
			if !errors.Is(r.err, gen.ErrKilled) {
				t.Errorf("Start = %v, %v (process alive: %v); want an error carrying ErrKilled", r.pid, r.err, rt.Alive(spawned))
			}
		})
	})
}

// conformance: 13
func TestConfA13StartTimeout(t *testing.T) {
	slow := func(log *abcLog) *abcSrv {
		return &abcSrv{log: log, init: func(p *gen.Process) error { <-p.Done(); return nil }}
	}
	t.Run("start", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _, ev := abcRuntime(t)
			log := &abcLog{}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			t0 := time.Now()
			pid, err := gen.Start(ctx, rt, slow(log), gen.WithName("slow"))
			if !errors.Is(err, context.DeadlineExceeded) || !pid.IsZero() {
				t.Fatalf("Start = %v, %v; want zero PID and an error wrapping context.DeadlineExceeded", pid, err)
			}
			if e := time.Since(t0); e != 100*time.Millisecond {
				t.Errorf("Start returned after %v; want 100ms", e)
			}
			spawned := ev.lastSpawn(t)
			if rt.Alive(spawned) {
				t.Errorf("half-started process still alive when Start returned")
			}
			if _, ok := rt.Whereis(gen.Name("slow")); ok {
				t.Errorf("name still registered when Start returned")
			}
			synctest.Wait()
			if r, _ := ev.exit(spawned); r != gen.ErrKilled {
				t.Errorf("exit reason = %v; want ErrKilled", r)
			}
			if log.has("terminate") {
				t.Errorf("Terminate ran after a start timeout")
			}
		})
	})
	// proc_lib's kill_flush unlinks before killing, so the caller of
	// start_link survives its own start timeout whether or not it traps
	// exits.
	for _, trap := range []bool{false, true} {
		t.Run(fmt.Sprintf("start link, caller traps %v", trap), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _, ev := abcRuntime(t)
				plog := &abcLog{}
				parent := abcParent(t, rt, trap, plog)
				v, err := abcDo(rt, parent, func(p *gen.Process) any {
					ctx, cancel := context.WithTimeout(p, 100*time.Millisecond)
					defer cancel()
					_, err := gen.StartLink(ctx, rt, slow(nil))
					gen.Send(rt, p.Self(), "marker")
					return err
				})
				if err != nil {
					t.Fatalf("parent call failed: %v (parent exit reason %v)", err, func() error { r, _ := ev.exit(parent); return r }())
				}
				if !errors.Is(v.(error), context.DeadlineExceeded) {
					t.Errorf("StartLink err = %v; want context.DeadlineExceeded", v)
				}
				synctest.Wait()
				if !rt.Alive(parent) {
					r, _ := ev.exit(parent)
					t.Fatalf("caller of StartLink died (reason %v) after its start timed out; want it alive", r)
				}
				if got := plog.get(); !slices.Equal(got, []string{"init", "info marker"}) {
					t.Errorf("caller's messages = %q; want only the marker (no ExitSignal)", got)
				}
			})
		})
	}
}

// conformance: 14
func TestConfA14AlreadyStarted(t *testing.T) {
	reg := &mapRegistrar{}
	cases := []struct {
		name string
		opts []gen.StartOption
	}{
		{"local name", []gen.StartOption{gen.WithName("taken")}},
		{"via name", []gen.StartOption{gen.WithVia(reg, "taken")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, ev := abcRuntime(t)
			existing := abcStart(t, rt, &abcSrv{}, tc.opts...)
			before := len(rt.Processes())
			spawnsBefore := len(ev.spawns())
			log := &abcLog{}
			pid, err := gen.Start(context.Background(), rt, &abcSrv{log: log}, tc.opts...)
			var ae *gen.AlreadyStartedError
			if !errors.As(err, &ae) || ae.PID != existing || !errors.Is(err, gen.ErrAlreadyStarted) || !pid.IsZero() {
				t.Fatalf("Start = %v, %v; want zero PID, AlreadyStartedError{%v}", pid, err, existing)
			}
			if log.has("init") {
				t.Errorf("Init ran for a start whose name was taken")
			}
			if n := len(rt.Processes()); n != before {
				t.Errorf("processes after failed start = %d; want %d (no process left behind)", n, before)
			}
			for _, p := range ev.spawns()[spawnsBefore:] {
				if r, ok := ev.exit(p); !ok || r != gen.ErrNormal {
					t.Errorf("new process %v exit = %v, %v; want ErrNormal", p, r, ok)
				}
			}
			if !rt.Alive(existing) {
				t.Errorf("existing owner died")
			}
			// StartLink: the caller is not affected.
			parent := abcParent(t, rt, false, nil)
			v, cerr := abcDo(rt, parent, func(p *gen.Process) any {
				_, err := gen.StartLink(p, rt, &abcSrv{log: log}, tc.opts...)
				return []any{err, p.Links()}
			})
			if cerr != nil {
				t.Fatal(cerr)
			}
			out := v.([]any)
			if !errors.As(out[0].(error), &ae) || ae.PID != existing {
				t.Errorf("StartLink err = %v; want AlreadyStartedError{%v}", out[0], existing)
			}
			if l := out[1].([]gen.PID); len(l) != 0 {
				t.Errorf("caller links after failed StartLink = %v; want none", l)
			}
			reg.mu.Lock()
			clear(reg.m)
			reg.mu.Unlock()
		})
	}
	t.Run("local name free, via taken", func(t *testing.T) {
		rt, _ := newRuntime(t)
		reg := &mapRegistrar{}
		existing := abcStart(t, rt, &abcSrv{}, gen.WithVia(reg, "k"))
		_, err := gen.Start(context.Background(), rt, &abcSrv{}, gen.WithName("n"), gen.WithVia(reg, "k"))
		var ae *gen.AlreadyStartedError
		if !errors.As(err, &ae) || ae.PID != existing {
			t.Errorf("Start err = %v; want AlreadyStartedError{%v}", err, existing)
		}
		if p, ok := rt.Whereis(gen.Name("n")); ok {
			t.Errorf("local name left registered to %v after the via name was taken", p)
		}
	})
}

// conformance: 15
func TestConfA15NameRegisteredBeforeInit(t *testing.T) {
	reg := &mapRegistrar{}
	for _, dest := range []gen.Dest{gen.Name("early"), gen.Via{Registrar: reg, Key: "early"}} {
		t.Run(fmt.Sprintf("%T", dest), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _, ev := abcRuntime(t)
				var opt gen.StartOption
				if n, ok := dest.(gen.Name); ok {
					opt = gen.WithName(n)
				} else {
					opt = gen.WithVia(reg, "early")
				}
				release := make(chan struct{})
				log := &abcLog{}
				state := "not ready"
				srv := &abcSrv{log: log,
					init: func(p *gen.Process) error {
						<-release
						state = "ready"
						log.add("init done")
						return nil
					},
					call: func(p *gen.Process, from gen.From, req any) (any, error) { return state, nil },
				}
				started := make(chan error, 1)
				go func() {
					_, err := gen.Start(context.Background(), rt, srv, opt)
					started <- err
				}()
				synctest.Wait()
				spawned := ev.lastSpawn(t)
				if p, ok := rt.Whereis(dest); !ok || p != spawned {
					t.Errorf("Whereis during Init = %v, %v; want %v, true", p, ok, spawned)
				}
				type res struct {
					v   string
					err error
				}
				called := make(chan res, 1)
				go func() {
					v, err := gen.Call[string](context.Background(), rt, dest, "q")
					called <- res{v, err}
				}()
				synctest.Wait()
				select {
				case r := <-called:
					t.Fatalf("Call by name during Init returned %q, %v; want it to wait for Init", r.v, r.err)
				default:
				}
				close(release)
				if err := <-started; err != nil {
					t.Fatal(err)
				}
				r := <-called
				if r.err != nil || r.v != "ready" {
					t.Errorf("Call by name made during Init = %q, %v; want %q, nil", r.v, r.err, "ready")
				}
				if got, want := log.get(), []string{"init", "init done", "call q"}; !slices.Equal(got, want) {
					t.Errorf("order = %q; want %q", got, want)
				}
				reg.mu.Lock()
				clear(reg.m)
				reg.mu.Unlock()
			})
		})
	}
}

// conformance: 15
func TestConfA15QueuedCallWhenInitFails(t *testing.T) {
	cases := []struct {
		name   string
		result error
		reason error // the exit reason the waiting caller must see
	}{
		{"ignore", gen.Ignore, gen.ErrNormal},
		{"init failed", gen.InitFailed(abcErrBoom), gen.ErrNormal},
		{"stop", abcErrStop, abcErrStop},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _, ev := abcRuntime(t)
				release := make(chan struct{})
				log := &abcLog{}
				srv := &abcSrv{log: log, init: func(p *gen.Process) error { <-release; return tc.result }}
				started := make(chan error, 1)
				go func() {
					_, err := gen.Start(context.Background(), rt, srv, gen.WithName("early"))
					started <- err
				}()
				synctest.Wait()
				spawned := ev.lastSpawn(t)
				type res struct {
					v   any
					err error
				}
				called := make(chan res, 1)
				go func() {
					v, err := gen.Call[any](gen.NoDeadline(context.Background()), rt, gen.Name("early"), "q")
					called <- res{v, err}
				}()
				synctest.Wait()
				t0 := time.Now()
				close(release)
				<-started
				r := <-called
				if e := time.Since(t0); e != 0 {
					t.Errorf("waiting Call failed after %v; want at once", e)
				}
				var ee *gen.ExitError
				if !errors.As(r.err, &ee) || ee.PID != spawned || ee.Reason != tc.reason {
					t.Errorf("Call waiting on a failed Init = %v, %v; want an ExitError{%v, %v}", r.v, r.err, spawned, tc.reason)
				}
				if log.has("call") {
					t.Errorf("HandleCall ran after a failed Init")
				}
			})
		})
	}
}

// conformance: 16
func TestConfA16TrappingCallerConsumesExit(t *testing.T) {
	cases := []struct {
		name string
		init func(p *gen.Process) error
		ctx  time.Duration // start deadline, 0 for none
	}{
		{"ignore", func(*gen.Process) error { return gen.Ignore }, 0},
		{"init failed", func(*gen.Process) error { return gen.InitFailed(abcErrBoom) }, 0},
		{"stop", func(*gen.Process) error { return abcErrStop }, 0},
		{"stop normal", func(*gen.Process) error { return gen.ErrNormal }, 0},
		{"panic", func(*gen.Process) error { panic("bailout") }, 0},
		{"timeout", func(p *gen.Process) error { <-p.Done(); return nil }, 100 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _, ev := abcRuntime(t)
				plog := &abcLog{}
				parent := abcParent(t, rt, true, plog)
				v, err := abcDo(rt, parent, func(p *gen.Process) any {
					ctx := context.Context(p)
					if tc.ctx > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(p, tc.ctx)
						defer cancel()
					}
					_, err := gen.StartLink(ctx, rt, &abcSrv{init: tc.init})
					return []any{err, p.Links()}
				})
				if err != nil {
					t.Fatal(err)
				}
				out := v.([]any)
				if out[0] == nil {
					t.Fatalf("StartLink succeeded; want a failure")
				}
				if l := out[1].([]gen.PID); len(l) != 0 {
					t.Errorf("caller links after failed StartLink = %v; want none", l)
				}
				child := ev.lastSpawn(t)
				synctest.Wait()
				if _, ok := ev.exit(child); !ok {
					t.Fatalf("child %v has not exited", child)
				}
				if !rt.Alive(parent) {
					t.Fatalf("trapping caller died")
				}
				// Anything the failed start left in the caller's mailbox has
				// been handled by now; there must be nothing.
				if _, err := abcDo(rt, parent, func(*gen.Process) any { return nil }); err != nil {
					t.Fatal(err)
				}
				if got := plog.get(); !slices.Equal(got, []string{"init"}) {
					t.Errorf("caller's messages after the failed StartLink = %q; want none", got[1:])
				}
			})
		})
	}
}

// conformance: 17
func TestConfA17NameValidation(t *testing.T) {
	cases := []struct {
		name string
		opt  gen.StartOption
	}{
		{"empty name", gen.WithName("")},
		{"via without registrar", gen.WithVia(nil, "k")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, ev := abcRuntime(t)
			log := &abcLog{}
			pid, err := gen.Start(context.Background(), rt, &abcSrv{log: log}, tc.opt)
			if !errors.Is(err, gen.ErrBadName) || !pid.IsZero() {
				t.Errorf("Start = %v, %v; want zero PID, ErrBadName", pid, err)
			}
			if n := len(ev.spawns()); n != 0 || len(rt.Processes()) != 0 || log.has("init") {
				t.Errorf("a process was spawned (%d spawns, init ran %v); want none", n, log.has("init"))
			}
		})
	}
	t.Run("no name registers nothing", func(t *testing.T) {
		rt, _ := newRuntime(t)
		abcStart(t, rt, &abcSrv{})
		if r := rt.Registered(); len(r) != 0 {
			t.Errorf("Registered() = %v after an unnamed Start; want none", r)
		}
	})
}

// conformance: 18
func TestConfA18HibernateAfterOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		const d = time.Second
		srv := &abcSrv{}
		pid := abcStart(t, rt, srv, gen.WithHibernateAfter(d))
		time.Sleep(d - time.Nanosecond)
		synctest.Wait()
		if !abcHasGoroutine(srv.ptr) {
			t.Fatalf("process hibernated before %v idle", d)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if abcHasGoroutine(srv.ptr) {
			t.Errorf("process still has its goroutine after %v idle; want hibernated", d)
		}
		if v, err := gen.Call[string](context.Background(), rt, pid, "wake"); err != nil || v != "wake" {
			t.Errorf("Call to hibernated process = %q, %v; want %q", v, err, "wake")
		}
		synctest.Wait()
		if !abcHasGoroutine(srv.ptr) {
			t.Errorf("process has no goroutine right after a message; want awake")
		}
		time.Sleep(d)
		synctest.Wait()
		if abcHasGoroutine(srv.ptr) {
			t.Errorf("process did not hibernate again after another %v idle", d)
		}
	})
}

// conformance: 20
func TestConfA20NoTerminateOnFailedStart(t *testing.T) {
	cases := []struct {
		name string
		init func(p *gen.Process) error
		ctx  time.Duration
	}{
		{"ignore", func(*gen.Process) error { return gen.Ignore }, 0},
		{"init failed", func(*gen.Process) error { return gen.InitFailed(abcErrBoom) }, 0},
		{"stop", func(*gen.Process) error { return abcErrStop }, 0},
		{"stop normal", func(*gen.Process) error { return gen.ErrNormal }, 0},
		{"panic", func(*gen.Process) error { panic("bailout") }, 0},
		{"timeout", func(p *gen.Process) error { <-p.Done(); return nil }, 100 * time.Millisecond},
		{"already started", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var opts []gen.StartOption
				if tc.init == nil {
					opts = append(opts, gen.WithName("x"))
					abcStart(t, rt, &abcSrv{}, opts...)
				}
				ctx := context.Background()
				if tc.ctx > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.ctx)
					defer cancel()
				}
				log := &abcLog{}
				if _, err := gen.Start(ctx, rt, &abcSrv{log: log, init: tc.init}, opts...); err == nil {
					t.Fatalf("Start succeeded; want a failure")
				}
				synctest.Wait()
				if log.has("terminate") {
					t.Errorf("Terminate ran after a failed start: %q", log.get())
				}
			})
		})
	}
}
