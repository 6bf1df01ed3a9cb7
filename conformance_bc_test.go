// Conformance tests for groups B (call, items 21–42) and C (cast, items
// 43–47) of /work/shared/CONFORMANCE.md. Helpers (prefix abc) are in
// conformance_a_test.go.
//
// conformance: 36 n/a: HandleCall's result is (any, error), checked by the compiler, so there is no bad_return_value.
// conformance: 37 n/a: Go has no throw; a callback's result is its return value.
//
// Partially applicable items (the rest of each is tested below):
//   - 22: a Go deadline is a context, so there is no invalid timeout value
//     to guard against; only the 5 s default is tested.
//   - 26, 27, 43: there is no {:global, _} registry in gen; local names,
//     Via names, RemoteName and PIDs are tested. Erlang's nil maps to a nil
//     Dest and the zero PID.
//   - 32: gen.Reply returns nothing; "always returns :ok" becomes "never
//     panics and has no effect on other calls".
//   - 38: a FunctionClauseError has no gen equivalent (a HandleCall that
//     does not recognise a request is user code); the missing-callback
//     part is tested.
//   - 39: losing the node of an established call needs a transport; the
//     unreachable-node case with NoDeadline is tested.
//   - 40: "a huge mailbox does not make calls much slower" is a timing
//     claim; it is checked functionally (a call made with 10 000 queued
//     messages returns, and the messages are untouched and in order), not
//     timed.
//   - 45: HandleCast returns an error, so invalid returns such as
//     {:reply, ...} cannot be written.
//   - 46: a cast to a server without HandleCast; Elixir's RuntimeError
//     becomes a *gen.MissingCallbackError.
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
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// abcHolder is a server whose calls get no reply: each From is handed to
// the test on froms.
func abcHolder(froms chan gen.From, log *abcLog) *abcSrv {
	return &abcSrv{log: log, call: func(p *gen.Process, from gen.From, req any) (any, error) {
		froms <- from
		return nil, gen.NoReply
	}}
}

type abcRes struct {
	v   any
	err error
}

// abcGo runs Call on a new goroutine and returns the channel its result
// arrives on.
func abcGo(ctx context.Context, rt *gen.Runtime, to gen.Dest, req any) <-chan abcRes {
	ch := make(chan abcRes, 1)
	go func() {
		v, err := gen.Call[any](ctx, rt, to, req)
		ch <- abcRes{v, err}
	}()
	return ch
}

func abcPending(t *testing.T, ch <-chan abcRes, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s returned %v, %v; want it still waiting", what, r.v, r.err)
	default:
	}
}

// abcCheckCallErr checks that err is a *gen.CallError for op on to with req
// whose reason matches want (errors.Is).
func abcCheckCallErr(t *testing.T, err error, op string, to gen.Dest, req any, want error) *gen.CallError {
	t.Helper()
	var ce *gen.CallError
	if !errors.As(err, &ce) {
		t.Errorf("err = %v (%T); want *gen.CallError", err, err)
		return nil
	}
	if ce.Op != op || ce.To != to || ce.Request != req {
		t.Errorf("CallError{Op: %q, To: %v, Request: %v}; want {%q, %v, %v}", ce.Op, ce.To, ce.Request, op, to, req)
	}
	if !errors.Is(err, want) {
		t.Errorf("err = %v; want errors.Is %v", err, want)
	}
	return ce
}

// abcCheckExit checks that err carries an *gen.ExitError from pid whose
// reason matches want.
func abcCheckExit(t *testing.T, err error, pid gen.PID, want error) {
	t.Helper()
	var ee *gen.ExitError
	if !errors.As(err, &ee) {
		t.Errorf("err = %v; want an *gen.ExitError", err)
		return
	}
	if ee.PID != pid || !errors.Is(ee.Reason, want) {
		t.Errorf("ExitError{%v, %v}; want {%v, %v}", ee.PID, ee.Reason, pid, want)
	}
}

var abcBG = context.Background()

// ---------------------------------------------------------------------------
// Group B: call.

type abcEcho struct{}

func (abcEcho) HandleCall(p *gen.Process, from gen.From, req any) (any, error) { return req, nil }

// conformance: 21
func TestConfB21CallReturnsReply(t *testing.T) {
	t.Run("server without Init", func(t *testing.T) {
		rt, _ := newRuntime(t)
		pid := abcStart(t, rt, abcEcho{})
		for i := range 3 {
			if v, err := gen.Call[int](abcBG, rt, pid, i); err != nil || v != i {
				t.Errorf("Call(%d) = %v, %v; want %d", i, v, err, i)
			}
		}
	})
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		release := make(chan struct{})
		srv := &abcSrv{call: func(p *gen.Process, from gen.From, req any) (any, error) {
			<-release
			return fmt.Sprintf("re: %v", req), nil
		}}
		pid := abcStart(t, rt, srv)
		ch := abcGo(abcBG, rt, pid, "hello")
		synctest.Wait()
		abcPending(t, ch, "Call before HandleCall returned")
		close(release)
		if r := <-ch; r.err != nil || r.v != "re: hello" {
			t.Errorf("Call = %v, %v; want %q, nil", r.v, r.err, "re: hello")
		}
		// From a process, with a typed result.
		caller := abcStart(t, rt, &abcSrv{})
		v, err := abcDo(rt, caller, func(p *gen.Process) any {
			s, err := gen.Call[string](p, rt, pid, "from process")
			return abcRes{s, err}
		})
		if r := v.(abcRes); err != nil || r.err != nil || r.v != "re: from process" {
			t.Errorf("Call from a process = %v; want %q", v, "re: from process")
		}
	})
}

// conformance: 22, 23
func TestConfB22DefaultTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		froms := make(chan gen.From, 10)
		pid := abcStart(t, rt, abcHolder(froms, nil), gen.WithName("holder"))
		t0 := time.Now()
		ch := abcGo(abcBG, rt, gen.Name("holder"), "req")
		time.Sleep(5*time.Second - time.Nanosecond)
		synctest.Wait()
		abcPending(t, ch, "Call before 5s")
		time.Sleep(time.Nanosecond)
		r := <-ch
		if e := time.Since(t0); e != 5*time.Second {
			t.Errorf("Call gave up after %v; want 5s", e)
		}
		ce := abcCheckCallErr(t, r.err, "call", gen.Name("holder"), "req", context.DeadlineExceeded)
		if ce != nil && !ce.Timeout() {
			t.Errorf("CallError.Timeout() = false; want true")
		}
		if !rt.Alive(pid) {
			t.Errorf("server died because a caller timed out")
		}
		// An explicit deadline replaces the default, longer or shorter.
		for _, d := range []time.Duration{time.Second, 10 * time.Second} {
			ctx, cancel := context.WithTimeout(abcBG, d)
			t0 := time.Now()
			_, err := gen.Call[any](ctx, rt, pid, d)
			cancel()
			if e := time.Since(t0); e != d {
				t.Errorf("Call with a %v deadline gave up after %v", d, e)
			}
			abcCheckCallErr(t, err, "call", pid, d, context.DeadlineExceeded)
		}
	})
}

// conformance: 24
func TestConfB24LateReplyDropped(t *testing.T) {
	t.Run("goroutine caller", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			var late gen.From
			srv := &abcSrv{call: func(p *gen.Process, from gen.From, req any) (any, error) {
				switch req {
				case "first":
					late = from
					return nil, gen.NoReply
				case "second":
					// The late reply goes out while the same goroutine
					// waits for another answer.
					gen.Reply(late, "late")
					return "right", nil
				}
				return req, nil
			}}
			pid := abcStart(t, rt, srv)
			for i := range 20 {
				ctx, cancel := context.WithTimeout(abcBG, time.Second)
				_, err := gen.Call[string](ctx, rt, pid, "first")
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("round %d: first Call err = %v; want DeadlineExceeded", i, err)
				}
				if v, err := gen.Call[string](abcBG, rt, pid, "second"); err != nil || v != "right" {
					t.Fatalf("round %d: second Call = %q, %v; want %q (the late reply to the first call must be dropped)", i, v, err, "right")
				}
			}
		})
	})
	t.Run("late reply while another call waits", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			froms := make(chan gen.From, 10)
			pid := abcStart(t, rt, abcHolder(froms, nil))
			ctx, cancel := context.WithTimeout(abcBG, time.Second)
			_, err := gen.Call[any](ctx, rt, pid, "first")
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("first Call err = %v; want DeadlineExceeded", err)
			}
			from1 := <-froms
			ch := abcGo(abcBG, rt, pid, "second")
			from2 := <-froms
			gen.Reply(from1, "late")
			synctest.Wait()
			abcPending(t, ch, "second Call after a late reply to the first")
			gen.Reply(from2, "right")
			if r := <-ch; r.err != nil || r.v != "right" {
				t.Errorf("second Call = %v, %v; want %q", r.v, r.err, "right")
			}
		})
	})
	t.Run("process caller mailbox", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			froms := make(chan gen.From, 10)
			pid := abcStart(t, rt, abcHolder(froms, nil))
			clog := &abcLog{}
			caller := abcStart(t, rt, &abcSrv{log: clog})
			v, err := abcDo(rt, caller, func(p *gen.Process) any {
				ctx, cancel := context.WithTimeout(p, time.Second)
				defer cancel()
				_, err := gen.Call[any](ctx, rt, pid, "first")
				return err
			})
			if err != nil || !errors.Is(v.(error), context.DeadlineExceeded) {
				t.Fatalf("Call from process = %v, %v; want DeadlineExceeded", v, err)
			}
			gen.Reply(<-froms, "late")
			synctest.Wait()
			if _, err := abcDo(rt, caller, func(*gen.Process) any { return nil }); err != nil {
				t.Fatal(err)
			}
			if got := clog.get(); !slices.Equal(got, []string{"init"}) {
				t.Errorf("caller received %q after the late reply; want nothing", got[1:])
			}
		})
	})
}

// conformance: 25, 41
func TestConfB25TimeoutDoesNotCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		log := &abcLog{}
		n := 0
		srv := &abcSrv{log: log, call: func(p *gen.Process, from gen.From, req any) (any, error) {
			if req == "inc" {
				n++
			}
			return n, nil
		}}
		pid := abcStart(t, rt, srv)
		if err := sys.Suspend(abcBG, rt, pid); err != nil {
			t.Fatal(err)
		}
		// 41: a call to a suspended server is not handled; it times out.
		ctx, cancel := context.WithTimeout(abcBG, time.Second)
		_, err := gen.Call[int](ctx, rt, pid, "inc")
		cancel()
		abcCheckCallErr(t, err, "call", pid, "inc", context.DeadlineExceeded)
		// 41: it stays queued, and so does a call that waits.
		waiting := abcGo(gen.NoDeadline(abcBG), rt, pid, "get")
		time.Sleep(time.Hour)
		synctest.Wait()
		abcPending(t, waiting, "Call to a suspended server")
		if log.has("call") {
			t.Fatalf("suspended server handled %q", log.get())
		}
		if _, err := sys.GetState(abcBG, rt, pid); err != nil {
			t.Fatalf("sys.GetState on a suspended server: %v", err)
		}
		if err := sys.Resume(abcBG, rt, pid); err != nil {
			t.Fatal(err)
		}
		// 25: the timed-out request still ran, before the waiting one.
		if r := <-waiting; r.err != nil || r.v != 1 {
			t.Errorf("waiting Call after Resume = %v, %v; want 1 (the timed-out inc was applied first)", r.v, r.err)
		}
		if got, want := log.get(), []string{"init", "call inc", "call get"}; !slices.Equal(got, want) {
			t.Errorf("handled = %q; want %q", got, want)
		}
	})
	t.Run("busy server", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			n := 0
			srv := &abcSrv{call: func(p *gen.Process, from gen.From, req any) (any, error) {
				switch req {
				case "busy":
					time.Sleep(10 * time.Second)
				case "inc":
					n++
				}
				return n, nil
			}}
			pid := abcStart(t, rt, srv)
			busy := abcGo(gen.NoDeadline(abcBG), rt, pid, "busy")
			synctest.Wait()
			ctx, cancel := context.WithTimeout(abcBG, time.Second)
			_, err := gen.Call[int](ctx, rt, pid, "inc")
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("inc err = %v; want DeadlineExceeded", err)
			}
			<-busy
			if v, err := gen.Call[int](abcBG, rt, pid, "get"); err != nil || v != 1 {
				t.Errorf("get = %v, %v; want 1 (the timed-out inc still ran)", v, err)
			}
		})
	})
}

// conformance: 26
func TestConfB26CallNoProc(t *testing.T) {
	reg := &mapRegistrar{}
	cases := []struct {
		name string
		to   func(rt *gen.Runtime, dead gen.PID) gen.Dest
	}{
		{"dead pid", func(_ *gen.Runtime, dead gen.PID) gen.Dest { return dead }},
		{"zero pid", func(*gen.Runtime, gen.PID) gen.Dest { return gen.PID{} }},
		{"nil dest", func(*gen.Runtime, gen.PID) gen.Dest { return nil }},
		{"unregistered name", func(*gen.Runtime, gen.PID) gen.Dest { return gen.Name("nobody") }},
		{"unregistered remote name on the local node", func(rt *gen.Runtime, _ gen.PID) gen.Dest {
			return gen.RemoteName{Name: "nobody", Node: rt.Node()}
		}},
		{"unknown via", func(*gen.Runtime, gen.PID) gen.Dest { return gen.Via{Registrar: reg, Key: "nobody"} }},
		{"via without registrar", func(*gen.Runtime, gen.PID) gen.Dest { return gen.Via{Key: "nobody"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				dead := abcStart(t, rt, &abcSrv{})
				if err := gen.Stop(abcBG, rt, dead, nil); err != nil {
					t.Fatal(err)
				}
				to := tc.to(rt, dead)
				t0 := time.Now()
				_, err := gen.Call[any](abcBG, rt, to, "req")
				if e := time.Since(t0); e != 0 {
					t.Errorf("Call took %v; want it to fail at once", e)
				}
				abcCheckCallErr(t, err, "call", to, "req", gen.ErrNoProc)
				var ee *gen.ExitError
				if errors.As(err, &ee) {
					t.Errorf("err = %v carries an ExitError; want plain noproc", err)
				}
			})
		})
	}
}

// conformance: 27
func TestConfB27CallingSelf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		reg := &mapRegistrar{}
		var initErr error
		srv := &abcSrv{init: func(p *gen.Process) error {
			_, initErr = gen.Call[any](p, rt, gen.Name("me"), "from init")
			return nil
		}}
		pid := abcStart(t, rt, srv, gen.WithName("me"), gen.WithVia(reg, "me"))
		abcCheckCallErr(t, initErr, "call", gen.Name("me"), "from init", gen.ErrCallingSelf)
		for _, to := range []gen.Dest{pid, gen.Name("me"), gen.RemoteName{Name: "me", Node: rt.Node()}, gen.Via{Registrar: reg, Key: "me"}} {
			v, err := abcDo(rt, pid, func(p *gen.Process) any {
				t0 := time.Now()
				ctx, cancel := context.WithCancel(p) // a context derived from the process
				defer cancel()
				_, err := gen.Call[any](ctx, rt, to, "self")
				return abcRes{time.Since(t0), err}
			})
			if err != nil {
				t.Fatal(err)
			}
			r := v.(abcRes)
			if r.v != time.Duration(0) {
				t.Errorf("Call to self via %v took %v; want it to fail at once", to, r.v)
			}
			abcCheckCallErr(t, r.err, "call", to, "self", gen.ErrCallingSelf)
		}
		if !rt.Alive(pid) {
			t.Errorf("server died after calling itself")
		}
	})
}

// conformance: 28
func TestConfB28CallNodeDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		other := gen.NewRuntime(gen.Options{Node: "other@host"})
		defer other.Close()
		remote := abcStart(t, other, &abcSrv{})
		for _, tc := range []struct {
			to   gen.Dest
			node string
		}{
			{gen.RemoteName{Name: "srv", Node: "far@host"}, "far@host"},
			{remote, "other@host"},
		} {
			t0 := time.Now()
			_, err := gen.Call[any](abcBG, rt, tc.to, "req")
			if e := time.Since(t0); e != 0 {
				t.Errorf("Call to %v took %v; want it to fail at once", tc.to, e)
			}
			abcCheckCallErr(t, err, "call", tc.to, "req", gen.ErrNodeDown)
			var nd *gen.NodeDownError
			if !errors.As(err, &nd) || nd.Node != tc.node {
				t.Errorf("Call to %v: err = %v; want *gen.NodeDownError{%q}", tc.to, err, tc.node)
			}
		}
	})
}

// conformance: 29
func TestConfB29ServerDiesBeforeReply(t *testing.T) {
	shutdownX := &gen.ShutdownError{Detail: "t"}
	cases := []struct {
		name   string
		die    func(rt *gen.Runtime, pid gen.PID) // makes the server exit
		reason error                              // errors.Is target
	}{
		{"stop normal", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, gen.ErrNormal) }, gen.ErrNormal},
		{"stop shutdown", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, gen.ErrShutdown) }, gen.ErrShutdown},
		{"stop shutdown detail", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, shutdownX) }, shutdownX},
		{"stop custom", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, abcErrStop) }, abcErrStop},
		{"panic", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, "panic") }, nil},
		{"panic with error", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, "panic err") }, abcErrBoom},
		{"killed", func(rt *gen.Runtime, pid gen.PID) { rt.Exit(pid, gen.ErrKill) }, gen.ErrKilled},
		{"exit signal", func(rt *gen.Runtime, pid gen.PID) { rt.Exit(pid, abcErrOther) }, abcErrOther},
		{"stopped", func(rt *gen.Runtime, pid gen.PID) { go gen.Stop(abcBG, rt, pid, shutdownX) }, shutdownX},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				froms := make(chan gen.From, 1)
				srv := abcHolder(froms, nil)
				srv.cast = func(p *gen.Process, msg any) error {
					switch msg {
					case "panic":
						panic("bailout")
					case "panic err":
						panic(abcErrBoom)
					}
					return msg.(error)
				}
				pid := abcStart(t, rt, srv)
				t0 := time.Now()
				ch := abcGo(abcBG, rt, pid, "req")
				<-froms
				tc.die(rt, pid)
				r := <-ch
				if e := time.Since(t0); e != 0 {
					t.Errorf("Call failed after %v; want at once when the server died", e)
				}
				want := tc.reason
				if want == nil {
					var pe *gen.PanicError
					if !errors.As(r.err, &pe) || pe.Value != "bailout" {
						t.Errorf("err = %v; want an ExitError with *gen.PanicError{bailout}", r.err)
					}
					want = pe
				}
				abcCheckCallErr(t, r.err, "call", pid, "req", want)
				abcCheckExit(t, r.err, pid, want)
				synctest.Wait()
			})
		})
	}
}

// conformance: 29
func TestConfB29QueuedCallFailsWhenServerDies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		release := make(chan struct{})
		log := &abcLog{}
		srv := &abcSrv{log: log, cast: func(p *gen.Process, msg any) error {
			select {
			case <-release:
			case <-p.Done():
			}
			return nil
		}}
		pid := abcStart(t, rt, srv)
		gen.Cast(rt, pid, "block")
		synctest.Wait()
		// Both calls wait in the mailbox behind the blocked cast.
		first := abcGo(abcBG, rt, pid, "first")
		second := abcGo(gen.NoDeadline(abcBG), rt, pid, "second")
		synctest.Wait()
		abcPending(t, first, "queued Call")
		t0 := time.Now()
		rt.Exit(pid, abcErrOther)
		for _, ch := range []<-chan abcRes{first, second} {
			r := <-ch
			abcCheckExit(t, r.err, pid, abcErrOther)
		}
		if e := time.Since(t0); e != 0 {
			t.Errorf("queued calls failed after %v; want at once", e)
		}
		close(release)
		synctest.Wait()
		if log.has("call") {
			t.Errorf("a dead server handled a queued call: %q", log.get())
		}
	})
}

// conformance: 30
func TestConfB30ReplyThenAction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		log := &abcLog{}
		n := 0
		var timeoutAt time.Duration
		t0 := time.Now()
		srv := &abcSrv{log: log,
			call: func(p *gen.Process, from gen.From, req any) (any, error) {
				n++
				switch req {
				case "continue":
					p.Continue("k")
				case "timeout":
					p.SetTimeout(time.Second)
				case "hibernate":
					p.Hibernate()
				}
				return n, nil
			},
			cont: func(p *gen.Process, arg any) error { time.Sleep(time.Second); return nil },
			info: func(p *gen.Process, msg any) error {
				if _, ok := msg.(gen.Timeout); ok {
					timeoutAt = time.Since(t0)
				}
				return nil
			},
		}
		pid := abcStart(t, rt, srv)
		call := func(req string, want int) time.Duration {
			t.Helper()
			t1 := time.Now()
			v, err := gen.Call[int](abcBG, rt, pid, req)
			if err != nil || v != want {
				t.Errorf("Call(%s) = %v, %v; want %d (new state kept)", req, v, err, want)
			}
			return time.Since(t1)
		}
		// Continue: the reply comes before HandleContinue (which takes 1s),
		// and HandleContinue runs before the next call.
		if e := call("continue", 1); e != 0 {
			t.Errorf("reply with continue took %v; want 0 (reply first)", e)
		}
		if e := call("plain", 2); e != time.Second {
			t.Errorf("next call answered after %v; want 1s (after HandleContinue)", e)
		}
		// Timeout: reply now, Timeout one second later.
		t0 = time.Now()
		if e := call("timeout", 3); e != 0 {
			t.Errorf("reply with timeout took %v; want 0", e)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err := abcDo(rt, pid, func(*gen.Process) any { return nil }); err != nil {
			t.Fatal(err)
		}
		if timeoutAt != time.Second {
			t.Errorf("Timeout after reply fired at %v; want 1s", timeoutAt)
		}
		// Hibernate: reply now, then the goroutine goes; state is kept.
		if e := call("hibernate", 4); e != 0 {
			t.Errorf("reply with hibernate took %v; want 0", e)
		}
		synctest.Wait()
		if abcHasGoroutine(srv.ptr) {
			t.Errorf("server did not hibernate after replying")
		}
		call("plain", 5)
		want := []string{"init", "call continue", "continue k", "call plain", "call timeout", "info {}", "call hibernate", "call plain"}
		if got := log.get(); !slices.Equal(got, want) {
			t.Errorf("callbacks = %q; want %q", got, want)
		}
	})
}

// conformance: 31
func TestConfB31NoReplyThenReply(t *testing.T) {
	helper := func(rt *gen.Runtime) gen.PID {
		pid, _ := gen.Start(abcBG, rt, &abcSrv{cast: func(p *gen.Process, msg any) error {
			gen.Reply(msg.(gen.From), "answered")
			return nil
		}})
		return pid
	}
	cases := []struct {
		name  string
		reply func(t *testing.T, rt *gen.Runtime, server gen.PID, from gen.From)
	}{
		{"by the server later", func(t *testing.T, rt *gen.Runtime, server gen.PID, from gen.From) {
			gen.Cast(rt, server, from)
		}},
		{"by a goroutine", func(t *testing.T, rt *gen.Runtime, server gen.PID, from gen.From) {
			done := make(chan struct{})
			go func() { gen.Reply(from, "answered"); close(done) }()
			<-done
		}},
		{"by another process", func(t *testing.T, rt *gen.Runtime, server gen.PID, from gen.From) {
			gen.Cast(rt, helper(rt), from)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				froms := make(chan gen.From, 1)
				log := &abcLog{}
				srv := &abcSrv{log: log,
					call: func(p *gen.Process, from gen.From, req any) (any, error) {
						if req == "hold" {
							froms <- from
							return nil, gen.NoReply
						}
						return req, nil
					},
					cast: func(p *gen.Process, msg any) error {
						if f, ok := msg.(gen.From); ok {
							gen.Reply(f, "answered")
						}
						return nil
					},
				}
				pid := abcStart(t, rt, srv)
				ch := abcGo(abcBG, rt, pid, "hold")
				from := <-froms
				// The server keeps working while the caller waits.
				gen.Cast(rt, pid, "other cast")
				if v, err := gen.Call[string](abcBG, rt, pid, "other call"); err != nil || v != "other call" {
					t.Errorf("other Call during NoReply = %q, %v", v, err)
				}
				synctest.Wait()
				abcPending(t, ch, "Call answered with NoReply")
				tc.reply(t, rt, pid, from)
				if r := <-ch; r.err != nil || r.v != "answered" {
					t.Errorf("Call = %v, %v; want %q", r.v, r.err, "answered")
				}
			})
		})
	}
}

// conformance: 32
func TestConfB32ReplyNeverFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		froms := make(chan gen.From, 10)
		pid := abcStart(t, rt, abcHolder(froms, nil))
		// Caller timed out.
		ctx, cancel := context.WithTimeout(abcBG, time.Second)
		gen.Call[any](ctx, rt, pid, "x")
		cancel()
		timedOut := <-froms
		// Caller process died while waiting.
		caller := abcStart(t, rt, &abcSrv{})
		go abcDo(rt, caller, func(p *gen.Process) any { _, err := gen.Call[any](p, rt, pid, "y"); return err })
		deadCaller := <-froms
		rt.Exit(caller, gen.ErrKill)
		synctest.Wait()
		// Answered already.
		ch := abcGo(abcBG, rt, pid, "z")
		answered := <-froms
		gen.Reply(answered, "once")
		if r := <-ch; r.v != "once" {
			t.Fatalf("Call = %v, %v; want once", r.v, r.err)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Reply panicked: %v", r)
				}
			}()
			gen.Reply(timedOut, "late")
			gen.Reply(deadCaller, "late")
			gen.Reply(answered, "twice")
			gen.Reply(gen.From{}, "nobody")
		}()
		// None of that reached a later call.
		ch = abcGo(abcBG, rt, pid, "w")
		f := <-froms
		synctest.Wait()
		abcPending(t, ch, "a later Call")
		gen.Reply(f, "fresh")
		if r := <-ch; r.v != "fresh" {
			t.Errorf("later Call = %v, %v; want fresh", r.v, r.err)
		}
	})
}

// conformance: 33
func TestConfB33From(t *testing.T) {
	rt, _ := newRuntime(t)
	var mu sync.Mutex
	var froms []gen.From
	srv := &abcSrv{call: func(p *gen.Process, from gen.From, req any) (any, error) {
		mu.Lock()
		froms = append(froms, from)
		mu.Unlock()
		return from.PID(), nil
	}}
	pid := abcStart(t, rt, srv)
	caller := abcStart(t, rt, &abcSrv{})
	v, err := abcDo(rt, caller, func(p *gen.Process) any { r, _ := gen.Call[gen.PID](p, rt, pid, "x"); return r })
	if err != nil || v != caller {
		t.Errorf("From.PID() for a process caller = %v, %v; want %v", v, err, caller)
	}
	if got, err := gen.Call[gen.PID](abcBG, rt, pid, "x"); err != nil || !got.IsZero() {
		t.Errorf("From.PID() for a goroutine caller = %v, %v; want the zero PID", got, err)
	}
	for range 100 {
		gen.Call[gen.PID](abcBG, rt, pid, "seq")
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 20 {
				gen.Call[gen.PID](abcBG, rt, pid, "par")
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	seen := make(map[gen.From]bool)
	for _, f := range froms {
		if f == (gen.From{}) || seen[f] {
			t.Fatalf("From %v is zero or repeated across %d calls; want unique per request", f, len(froms))
		}
		seen[f] = true
	}
}

// conformance: 34
func TestConfB34StopWithReply(t *testing.T) {
	for _, reason := range []error{abcErrStop, nil} {
		t.Run(fmt.Sprint(reason), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				log := &abcLog{}
				srv := &abcSrv{log: log,
					call: func(p *gen.Process, from gen.From, req any) (any, error) {
						return "bye", gen.StopWithReply(reason)
					},
					term: func(p *gen.Process, r error) { time.Sleep(time.Second); log.add("terminate done") },
				}
				pid := abcStart(t, rt, srv)
				_, down := rt.Watch(pid)
				t0 := time.Now()
				v, err := gen.Call[string](abcBG, rt, pid, "stop")
				if err != nil || v != "bye" {
					t.Fatalf("Call = %q, %v; want %q, nil", v, err, "bye")
				}
				if e := time.Since(t0); e != time.Second {
					t.Errorf("reply arrived after %v; want 1s (after Terminate)", e)
				}
				want := reason
				if want == nil {
					want = gen.ErrNormal
				}
				if got, w := log.get(), []string{"init", "call stop", "terminate " + want.Error(), "terminate done"}; !slices.Equal(got, w) {
					t.Errorf("callbacks when Call returned = %q; want %q", got, w)
				}
				if d := <-down; d.Reason != want {
					t.Errorf("exit reason = %v; want %v", d.Reason, want)
				}
			})
		})
	}
	t.Run("terminate's messages come first", func(t *testing.T) {
		rt, _ := newRuntime(t)
		clog := &abcLog{}
		caller := abcStart(t, rt, &abcSrv{log: clog})
		srv := &abcSrv{
			call: func(p *gen.Process, from gen.From, req any) (any, error) { return "bye", gen.StopWithReply(abcErrStop) },
			term: func(p *gen.Process, r error) { gen.Send(rt, caller, "from terminate") },
		}
		pid := abcStart(t, rt, srv)
		v, err := abcDo(rt, caller, func(p *gen.Process) any {
			v, err := gen.Call[string](p, rt, pid, "stop")
			gen.Send(rt, p.Self(), "after call")
			return abcRes{v, err}
		})
		if r := v.(abcRes); err != nil || r.err != nil || r.v != "bye" {
			t.Fatalf("Call = %v, %v; want bye", v, err)
		}
		abcDo(rt, caller, func(*gen.Process) any { return nil })
		if got, want := clog.get(), []string{"init", "info from terminate", "info after call"}; !slices.Equal(got, want) {
			t.Errorf("caller's messages = %q; want %q", got, want)
		}
	})
}

// conformance: 35
func TestConfB35StopWithoutReply(t *testing.T) {
	for _, reason := range []error{abcErrStop, &gen.ShutdownError{Detail: "stop_reason"}, gen.ErrNormal} {
		t.Run(reason.Error(), func(t *testing.T) {
			rt, _ := newRuntime(t)
			log := &abcLog{}
			srv := &abcSrv{log: log, call: func(p *gen.Process, from gen.From, req any) (any, error) {
				return "dropped reply", reason
			}}
			pid := abcStart(t, rt, srv)
			_, down := rt.Watch(pid)
			v, err := gen.Call[any](abcBG, rt, pid, "stop")
			if v != nil {
				t.Errorf("Call returned the reply %v; want none", v)
			}
			abcCheckCallErr(t, err, "call", pid, "stop", reason)
			abcCheckExit(t, err, pid, reason)
			if d := <-down; d.Reason != reason {
				t.Errorf("exit reason = %v; want %v", d.Reason, reason)
			}
			if !log.has("terminate " + reason.Error()) {
				t.Errorf("Terminate did not run with %v: %q", reason, log.get())
			}
		})
	}
}

type abcNoCall struct{ log *abcLog }

func (s *abcNoCall) HandleCast(p *gen.Process, msg any) error { return nil }
func (s *abcNoCall) Terminate(p *gen.Process, r error)        { s.log.add("terminate %v", r) }

// conformance: 38
func TestConfB38NoHandleCall(t *testing.T) {
	rt, logs := newRuntime(t)
	log := &abcLog{}
	pid := abcStart(t, rt, &abcNoCall{log: log})
	_, down := rt.Watch(pid)
	_, err := gen.Call[any](abcBG, rt, pid, "req")
	var me *gen.MissingCallbackError
	if !errors.As(err, &me) || me.Callback != "HandleCall" {
		t.Fatalf("Call err = %v; want a *gen.MissingCallbackError for HandleCall", err)
	}
	abcCheckExit(t, err, pid, me)
	d := <-down
	if !errors.As(d.Reason, &me) {
		t.Errorf("exit reason = %v; want *gen.MissingCallbackError", d.Reason)
	}
	if !log.has("terminate") {
		t.Errorf("Terminate did not run after the crash")
	}
	if !strings.Contains(logs.String(), "HandleCall") {
		t.Errorf("no crash report naming HandleCall: %s", logs.String())
	}
}

// conformance: 39
func TestConfB39NoDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		froms := make(chan gen.From, 1)
		srv := abcHolder(froms, nil)
		srv.cast = func(p *gen.Process, msg any) error { return abcErrStop }
		pid := abcStart(t, rt, srv)
		ch := abcGo(gen.NoDeadline(abcBG), rt, pid, "req")
		<-froms
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		abcPending(t, ch, "Call with NoDeadline")
		gen.Cast(rt, pid, "die")
		r := <-ch
		abcCheckCallErr(t, r.err, "call", pid, "req", abcErrStop)
		abcCheckExit(t, r.err, pid, abcErrStop)

		to := gen.RemoteName{Name: "x", Node: "far@host"}
		t0 := time.Now()
		_, err := gen.Call[any](gen.NoDeadline(abcBG), rt, to, "req")
		if e := time.Since(t0); e != 0 {
			t.Errorf("NoDeadline Call to an unreachable node took %v; want at once", e)
		}
		abcCheckCallErr(t, err, "call", to, "req", gen.ErrNodeDown)
	})
}

// conformance: 40
func TestConfB40CallLeavesMailboxAlone(t *testing.T) {
	rt, _ := newRuntime(t)
	server := abcStart(t, rt, &abcSrv{})
	const n = 10000
	release := make(chan struct{})
	var mu sync.Mutex
	var got []int
	var reply any
	var callErr error
	caller := abcStart(t, rt, &abcSrv{
		cast: func(p *gen.Process, msg any) error {
			<-release
			// The mailbox now holds n messages; the call must skip them.
			reply, callErr = gen.Call[any](p, rt, server, "ping")
			gen.Send(rt, p.Self(), n) // sent after the call: must come last
			return nil
		},
		info: func(p *gen.Process, msg any) error {
			mu.Lock()
			got = append(got, msg.(int))
			mu.Unlock()
			return nil
		},
	})
	gen.Cast(rt, caller, "go")
	for i := range n {
		gen.Send(rt, caller, i)
	}
	close(release)
	// The first sync is handled after the "go" cast, which has queued the
	// last message by then; the second is handled after that message.
	for range 2 {
		if _, err := abcDo(rt, caller, func(*gen.Process) any { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if callErr != nil || reply != "ping" {
		t.Errorf("Call with a full mailbox = %v, %v; want ping", reply, callErr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n+1 {
		t.Fatalf("caller handled %d messages; want %d", len(got), n+1)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("message %d = %d; want %d (order kept)", i, v, i)
		}
	}
}

// conformance: 42
func TestConfB42Serial(t *testing.T) {
	rt, _ := newRuntime(t)
	var inflight, maxInflight atomic.Int32
	enter := func() {
		if n := inflight.Add(1); n > maxInflight.Load() {
			maxInflight.Store(n)
		}
		runtime.Gosched()
		inflight.Add(-1)
	}
	var order []int
	srv := &abcSrv{
		call: func(p *gen.Process, from gen.From, req any) (any, error) {
			enter()
			if req == "order" {
				return slices.Clone(order), nil
			}
			return nil, nil
		},
		cast: func(p *gen.Process, msg any) error { enter(); order = append(order, msg.(int)); return nil },
		info: func(p *gen.Process, msg any) error { enter(); order = append(order, msg.(int)); return nil },
	}
	pid := abcStart(t, rt, srv)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				gen.Call[any](abcBG, rt, pid, "x")
				gen.Cast(rt, pid, -1-g*100-i)
			}
		})
	}
	wg.Wait()
	if _, err := abcDo(rt, pid, func(*gen.Process) any { order = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if i%2 == 0 {
			gen.Cast(rt, pid, i)
		} else {
			gen.Send(rt, pid, i)
		}
	}
	got, err := gen.Call[[]int](abcBG, rt, pid, "order")
	if err != nil {
		t.Fatal(err)
	}
	if m := maxInflight.Load(); m != 1 {
		t.Errorf("at most %d callbacks ran at once; want 1", m)
	}
	if !slices.Equal(got, abcRange(100)) {
		t.Errorf("handled order = %v; want 0..99 in arrival order", got)
	}
}

func abcRange(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// ---------------------------------------------------------------------------
// Group C: cast.

// abcTransport is a transport to nowhere: every node is down.
type abcTransport struct{}

func (abcTransport) Deliver(sig gen.Signal) error {
	node := ""
	switch to := sig.To.(type) {
	case gen.PID:
		node = to.Node
	case gen.RemoteName:
		node = to.Node
	}
	return &gen.NodeDownError{Node: node}
}

// conformance: 43, 44
func TestConfC43CastAlwaysOK(t *testing.T) {
	for _, transport := range []gen.Transport{nil, abcTransport{}} {
		t.Run(fmt.Sprintf("transport %T", transport), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := gen.NewRuntime(gen.Options{Transport: transport, Logger: slog.New(slog.NewTextHandler(&logBuffer{}, nil))})
				defer rt.Close()
				log := &abcLog{}
				live := abcStart(t, rt, &abcSrv{log: log})
				dead := abcStart(t, rt, &abcSrv{})
				gen.Stop(abcBG, rt, dead, nil)
				farPID := gen.PID{Node: "far@host", ID: 7, Creation: 1}
				cases := []struct {
					name string
					to   gen.Dest
				}{
					{"live pid", live},
					{"dead pid", dead},
					{"zero pid", gen.PID{}},
					{"nil", nil},
					{"unregistered name", gen.Name("nobody")},
					{"unknown via", gen.Via{Registrar: &mapRegistrar{}, Key: "nobody"}},
					{"via without registrar", gen.Via{Key: "nobody"}},
					{"remote name on unreachable node", gen.RemoteName{Name: "x", Node: "far@host"}},
					{"pid on unreachable node", farPID},
				}
				for _, tc := range cases {
					t0 := time.Now()
					if err := gen.Cast(rt, tc.to, "hi"); err != nil {
						t.Errorf("Cast to %s = %v; want nil", tc.name, err)
					}
					// 44: no waiting, even for an unreachable node.
					if e := time.Since(t0); e != 0 {
						t.Errorf("Cast to %s took %v; want 0", tc.name, e)
					}
				}
				synctest.Wait()
				if got := log.get(); !slices.Equal(got, []string{"init", "cast hi"}) {
					t.Errorf("live server handled %q; want one cast", got)
				}
			})
		})
	}
}

// conformance: 45
func TestConfC45CastResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		log := &abcLog{}
		n := 0
		t0 := time.Now()
		srv := &abcSrv{log: log,
			cast: func(p *gen.Process, msg any) error {
				n++
				switch msg {
				case "continue":
					p.Continue("k")
				case "timeout":
					t0 = time.Now()
					p.SetTimeout(time.Second)
				case "hibernate":
					p.Hibernate()
				case "stop":
					return abcErrStop
				}
				return nil
			},
			call: func(p *gen.Process, from gen.From, req any) (any, error) { return n, nil },
			info: func(p *gen.Process, msg any) error {
				if _, ok := msg.(gen.Timeout); ok {
					log.add("timeout at %v", time.Since(t0))
				}
				return nil
			},
		}
		pid := abcStart(t, rt, srv)
		_, down := rt.Watch(pid)
		gen.Cast(rt, pid, "plain")
		if v, _ := gen.Call[int](abcBG, rt, pid, "n"); v != 1 {
			t.Errorf("state after a plain cast = %d; want 1", v)
		}
		gen.Cast(rt, pid, "continue")
		gen.Cast(rt, pid, "after continue")
		gen.Cast(rt, pid, "timeout")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		gen.Cast(rt, pid, "hibernate")
		synctest.Wait()
		if abcHasGoroutine(srv.ptr) {
			t.Errorf("server did not hibernate after a cast asked for it")
		}
		if v, _ := gen.Call[int](abcBG, rt, pid, "n"); v != 5 {
			t.Errorf("state after hibernation = %d; want 5", v)
		}
		gen.Cast(rt, pid, "stop")
		if d := <-down; d.Reason != abcErrStop {
			t.Errorf("exit reason after a cast returned an error = %v; want %v", d.Reason, abcErrStop)
		}
		want := []string{"init", "cast plain", "call n", "cast continue", "continue k", "cast after continue",
			"cast timeout", "info {}", "timeout at 1s", "cast hibernate", "call n", "cast stop", "terminate stopped"}
		if got := log.get(); !slices.Equal(got, want) {
			t.Errorf("callbacks = %q; want %q", got, want)
		}
	})
}

type abcNoCast struct{ log *abcLog }

func (s *abcNoCast) HandleCall(p *gen.Process, from gen.From, req any) (any, error) { return req, nil }
func (s *abcNoCast) Terminate(p *gen.Process, r error)                              { s.log.add("terminate %v", r) }

// conformance: 46
func TestConfC46NoHandleCast(t *testing.T) {
	rt, logs := newRuntime(t)
	log := &abcLog{}
	pid := abcStart(t, rt, &abcNoCast{log: log})
	_, down := rt.Watch(pid)
	if err := gen.Cast(rt, pid, "hi"); err != nil {
		t.Errorf("Cast = %v; want nil", err)
	}
	d := <-down
	var me *gen.MissingCallbackError
	if !errors.As(d.Reason, &me) || me.Callback != "HandleCast" {
		t.Errorf("exit reason = %v; want a *gen.MissingCallbackError for HandleCast", d.Reason)
	}
	if !log.has("terminate") {
		t.Errorf("Terminate did not run after the crash")
	}
	if !strings.Contains(logs.String(), "HandleCast") {
		t.Errorf("no crash report naming HandleCast: %s", logs.String())
	}
}

// conformance: 47
func TestConfC47CastNoGuarantee(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		log := &abcLog{}
		release := make(chan struct{})
		srv := &abcSrv{log: log, cast: func(p *gen.Process, msg any) error {
			if msg == "crash" {
				<-release
				return abcErrBoom
			}
			return nil
		}}
		pid := abcStart(t, rt, srv)
		_, down := rt.Watch(pid)
		linkLog := &abcLog{}
		linked := abcParent(t, rt, true, linkLog)
		abcDo(rt, linked, func(p *gen.Process) any { p.Link(pid); return nil })

		if err := gen.Cast(rt, pid, "crash"); err != nil {
			t.Errorf("Cast = %v; want nil", err)
		}
		if err := gen.Cast(rt, pid, "never handled"); err != nil {
			t.Errorf("Cast = %v; want nil", err)
		}
		close(release)
		d := <-down
		if d.Reason != abcErrBoom {
			t.Errorf("monitor saw %v; want %v", d.Reason, abcErrBoom)
		}
		synctest.Wait()
		if log.has("cast never handled") {
			t.Errorf("a cast queued behind the crash was handled")
		}
		if want := fmt.Sprintf("info {%v %v}", pid, abcErrBoom); !linkLog.has(want) {
			t.Errorf("linked trapping process got %q; want %q", linkLog.get(), want)
		}
		if !strings.Contains(logs.String(), "boom") {
			t.Errorf("no crash report in the log")
		}
		if err := gen.Cast(rt, pid, "after death"); err != nil {
			t.Errorf("Cast to the dead server = %v; want nil", err)
		}
	})
}
