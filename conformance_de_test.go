package gen_test

// Conformance tests for section 1, groups D (handle_info and timeouts, items
// 48–57) and E (handle_continue, items 58–62) of CONFORMANCE.md. The helpers
// named di* are shared with conformance_fg_test.go and conformance_hi_test.go.
//
// Item 50 is only partly applicable (see its test): Go has no function
// clauses, so "no clause matches" maps to a HandleInfo that panics on a
// message it does not handle.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// ---- shared helpers (prefix di) ----

// The shared test server and its run-in-process request (helpers_test.go).
type (
	diSrv = testSrv
	diDo  = testRun
)

// diWantCrashed checks that Terminate ran once, with reason, and that a
// crash report was logged.
func diWantCrashed(t testing.TB, terms *diBag[error], reason error, logs *logBuffer) {
	t.Helper()
	if got := terms.list(); len(got) != 1 || got[0] != reason {
		t.Errorf("Terminate got %v, want once with the exit reason", got)
	}
	if !strings.Contains(logs.String(), "gen: process terminating") {
		t.Errorf("no crash report")
	}
}

// diRec records events from any goroutine.
type diRec struct {
	mu sync.Mutex
	ev []string
}

func (r *diRec) add(format string, a ...any) {
	r.mu.Lock()
	r.ev = append(r.ev, fmt.Sprintf(format, a...))
	r.mu.Unlock()
}

func (r *diRec) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ev)
}

// diBag records values from any goroutine.
type diBag[T any] struct {
	mu sync.Mutex
	v  []T
}

func (b *diBag[T]) add(v T) {
	b.mu.Lock()
	b.v = append(b.v, v)
	b.mu.Unlock()
}

func (b *diBag[T]) list() []T {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.v)
}

func diStart(t testing.TB, rt *gen.Runtime, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	return mustStart(t, rt, srv, opts...)
}

// diRun runs f inside the process at to (which must be a *diSrv) and returns
// its result.
func diRun(t testing.TB, rt *gen.Runtime, to gen.Dest, f func(p *gen.Process) any) any {
	t.Helper()
	v, err := gen.Call[any](context.Background(), rt, to, diDo(f))
	if err != nil {
		t.Fatalf("call into %v: %v", to, err)
	}
	return v
}

// diStartLinked starts srv linked to parent (a *diSrv process), from inside
// the parent.
func diStartLinked(t testing.TB, rt *gen.Runtime, parent gen.PID, srv gen.Server, opts ...gen.StartOption) gen.PID {
	t.Helper()
	type res struct {
		pid gen.PID
		err error
	}
	r := diRun(t, rt, parent, func(p *gen.Process) any {
		pid, err := gen.StartLink(p, rt, srv, opts...)
		return res{pid, err}
	}).(res)
	if r.err != nil {
		t.Fatalf("StartLink: %v", r.err)
	}
	return r.pid
}

// diDown returns the Down waiting on ch, failing the test when there is none.
func diDown(t testing.TB, ch <-chan gen.Down, what string) gen.Down {
	t.Helper()
	select {
	case d := <-ch:
		return d
	default:
		t.Fatalf("%s: no Down, the process is still alive", what)
		return gen.Down{}
	}
}

// diNoDown fails the test when ch holds a Down.
func diNoDown(t testing.TB, ch <-chan gen.Down, what string) {
	t.Helper()
	select {
	case d := <-ch:
		t.Fatalf("%s: unexpected Down, reason %v", what, d.Reason)
	default:
	}
}

// diProcGoroutines counts the goroutines running a process loop. Tests that
// use it are not parallel, so only their own processes are counted.
func diProcGoroutines() int {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "gen-go/gen.(*Process).run") {
			count++
		}
	}
	return count
}

// diAdvance moves the bubble's fake clock forward by d and lets every
// goroutine settle.
func diAdvance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

var diBg = context.Background()

// ---- D. handle_info and timeouts ----

func TestConformance48HandleInfoGetsEveryNonCallMessage(t *testing.T) {
	// conformance: 48
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var infos diBag[any]
		var other diRec
		srv := &diSrv{
			init: func(p *gen.Process) error { p.TrapExit(true); return nil },
			call: func(p *gen.Process, from gen.From, req any) (any, error) {
				other.add("call %v", req)
				return "ok", nil
			},
			cast: func(p *gen.Process, msg any) error { other.add("cast %v", msg); return nil },
			info: func(p *gen.Process, msg any) error { infos.add(msg); return nil },
		}
		pid := diStart(t, rt, srv)
		monitored := diStart(t, rt, &diSrv{})
		linked := diStart(t, rt, &diSrv{})
		errMon := errors.New("monitored-reason")
		errLink := errors.New("linked-reason")

		if err := gen.Send(rt, pid, "plain"); err != nil {
			t.Fatal(err)
		}
		gen.Cast(rt, pid, "c1")
		if _, err := gen.Call[string](diBg, rt, pid, "q1"); err != nil {
			t.Fatal(err)
		}
		if _, err := sys.GetState(diBg, rt, pid); err != nil {
			t.Fatal(err)
		}
		gen.SendAfter(rt, pid, "later", 100*time.Millisecond)
		diAdvance(100 * time.Millisecond)
		ref := diRun(t, rt, pid, func(p *gen.Process) any { return p.Monitor(monitored) }).(gen.Ref)
		if err := gen.Stop(diBg, rt, monitored, errMon); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		diRun(t, rt, pid, func(p *gen.Process) any { p.Link(linked); return nil })
		rt.Exit(linked, errLink)
		synctest.Wait()
		diRun(t, rt, pid, func(p *gen.Process) any { p.SetTimeout(50 * time.Millisecond); return nil })
		diAdvance(50 * time.Millisecond)

		got := infos.list()
		if len(got) != 5 {
			t.Fatalf("HandleInfo got %d messages %v, want 5", len(got), got)
		}
		if got[0] != "plain" {
			t.Errorf("message 0 = %v, want plain Send", got[0])
		}
		if got[1] != "later" {
			t.Errorf("message 1 = %v, want SendAfter's", got[1])
		}
		if d, ok := got[2].(gen.Down); !ok || d.Ref != ref || d.PID != monitored || d.Reason != errMon {
			t.Errorf("message 2 = %#v, want Down{%v, %v, %v}", got[2], ref, monitored, errMon)
		}
		if x, ok := got[3].(gen.ExitSignal); !ok || x.From != linked || x.Reason != errLink {
			t.Errorf("message 3 = %#v, want ExitSignal{%v, %v}", got[3], linked, errLink)
		}
		if got[4] != (gen.Timeout{}) {
			t.Errorf("message 4 = %#v, want Timeout{}", got[4])
		}
		if want := []string{"cast c1", "call q1"}; !slices.Equal(other.list(), want) {
			t.Errorf("call/cast callbacks saw %q, want %q", other.list(), want)
		}
	})
}

type diNoInfo struct{ n int }

func (s *diNoInfo) HandleCall(p *gen.Process, from gen.From, req any) (any, error) { return s.n, nil }
func (s *diNoInfo) HandleCast(p *gen.Process, msg any) error                       { s.n++; return nil }

func TestConformance49UnexpectedMessageKeepsServer(t *testing.T) {
	// conformance: 49
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		pid := diStart(t, rt, &diNoInfo{})
		_, down := rt.Watch(pid)
		gen.Cast(rt, pid, "inc")
		gen.Send(rt, pid, "stray-message-49")
		gen.Cast(rt, pid, "inc")
		n, err := gen.Call[int](diBg, rt, pid, "get")
		if err != nil || n != 2 {
			t.Fatalf("after a stray message: state %d, err %v; want 2, nil", n, err)
		}
		synctest.Wait()
		diNoDown(t, down, "server without HandleInfo")
		out := logs.String()
		if !strings.Contains(out, "gen: unexpected message") || !strings.Contains(out, "stray-message-49") {
			t.Errorf("log lacks the unexpected-message report naming the message:\n%s", out)
		}
		if strings.Contains(out, "gen: process terminating") {
			t.Errorf("unexpected message logged a crash report:\n%s", out)
		}
	})
}

func TestConformance50UnmatchedInfoCrashes(t *testing.T) {
	// conformance: 50
	// Partial: Go has no function clauses (no FunctionClauseError). The
	// nearest form is a HandleInfo whose type switch panics in its default
	// branch; the server must then crash with a *gen.PanicError.
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		var terms diBag[error]
		srv := &diSrv{
			info: func(p *gen.Process, msg any) error {
				switch msg.(type) {
				case string:
					return nil
				default:
					panic(fmt.Sprintf("no clause for %v", msg))
				}
			},
			term: func(p *gen.Process, reason error) { terms.add(reason) },
		}
		pid := diStart(t, rt, srv)
		_, down := rt.Watch(pid)
		gen.Send(rt, pid, "matched")
		gen.Send(rt, pid, 50)
		synctest.Wait()
		d := diDown(t, down, "unmatched info")
		var pe *gen.PanicError
		if !errors.As(d.Reason, &pe) || pe.Value != "no clause for 50" {
			t.Errorf("exit reason %v, want *PanicError with the panic value", d.Reason)
		}
		diWantCrashed(t, &terms, d.Reason, logs)
	})
}

// diTimeoutSrv sets timeouts on request and records the Timeout messages
// with their time since *t0.
func diTimeoutSrv(t0 *time.Time, rec *diRec) *diSrv {
	act := func(p *gen.Process, msg any) {
		switch m := msg.(type) {
		case time.Duration:
			p.SetTimeout(m)
		case string:
			rec.add("msg %s", m)
		}
	}
	return &diSrv{
		call: func(p *gen.Process, from gen.From, req any) (any, error) { act(p, req); return nil, nil },
		cast: func(p *gen.Process, msg any) error { act(p, msg); return nil },
		info: func(p *gen.Process, msg any) error {
			if msg == (gen.Timeout{}) {
				rec.add("timeout at %v", time.Since(*t0))
				return nil
			}
			act(p, msg)
			return nil
		},
		cont: func(p *gen.Process, arg any) error { act(p, arg); return nil },
	}
}

type diViaContinue struct{ arg any }

func TestConformance51TimeoutFires(t *testing.T) {
	// conformance: 51
	for _, from := range []string{"call", "cast", "info", "continue"} {
		t.Run(from, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				var t0 time.Time
				srv := diTimeoutSrv(&t0, &rec)
				base := srv.cast
				srv.cast = func(p *gen.Process, msg any) error {
					if c, ok := msg.(diViaContinue); ok {
						p.Continue(c.arg)
						return nil
					}
					return base(p, msg)
				}
				pid := diStart(t, rt, srv)
				t0 = time.Now()
				d := 300 * time.Millisecond
				switch from {
				case "call":
					if _, err := gen.Call[any](diBg, rt, pid, d); err != nil {
						t.Fatal(err)
					}
				case "cast":
					gen.Cast(rt, pid, d)
				case "info":
					gen.Send(rt, pid, d)
				case "continue":
					gen.Cast(rt, pid, diViaContinue{d})
				}
				diAdvance(299 * time.Millisecond)
				if got := rec.list(); len(got) != 0 {
					t.Fatalf("before 300ms: %q", got)
				}
				diAdvance(time.Millisecond)
				if got, want := rec.list(), []string{"timeout at 300ms"}; !slices.Equal(got, want) {
					t.Fatalf("at 300ms: %q, want %q", got, want)
				}
				diAdvance(2 * time.Second)
				if got := rec.list(); len(got) != 1 {
					t.Errorf("the timeout fired more than once: %q", got)
				}
			})
		})
	}
}

func TestConformance52MessageCancelsTimeout(t *testing.T) {
	// conformance: 52
	cases := []struct {
		name string
		kind string
		msg  any // "noop" keeps no timeout; a Duration sets a new one
		want []string
	}{
		{"call cancels", "call", "noop", []string{"msg noop"}},
		{"cast cancels", "cast", "noop", []string{"msg noop"}},
		{"info cancels", "info", "noop", []string{"msg noop"}},
		{"call sets a new timeout", "call", 200 * time.Millisecond, []string{"timeout at 300ms"}},
		{"cast sets a new timeout", "cast", 200 * time.Millisecond, []string{"timeout at 300ms"}},
		{"info sets a new timeout", "info", 200 * time.Millisecond, []string{"timeout at 300ms"}},
		{"info sets a longer timeout", "info", 500 * time.Millisecond, []string{"timeout at 600ms"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				var t0 time.Time
				pid := diStart(t, rt, diTimeoutSrv(&t0, &rec))
				t0 = time.Now()
				gen.Cast(rt, pid, 150*time.Millisecond)
				diAdvance(100 * time.Millisecond)
				switch tc.kind {
				case "call":
					if _, err := gen.Call[any](diBg, rt, pid, tc.msg); err != nil {
						t.Fatal(err)
					}
				case "cast":
					gen.Cast(rt, pid, tc.msg)
				case "info":
					gen.Send(rt, pid, tc.msg)
				}
				diAdvance(2 * time.Second)
				if got := rec.list(); !slices.Equal(got, tc.want) {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		})
	}
}

func TestConformance53QueuedMessageDropsTimeout(t *testing.T) {
	// conformance: 53
	for _, d := range []time.Duration{0, 100 * time.Millisecond} {
		t.Run(fmt.Sprintf("self-sent/%v", d), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				var t0 time.Time
				srv := diTimeoutSrv(&t0, &rec)
				srv.cast = func(p *gen.Process, msg any) error {
					gen.Send(rt, p.Self(), "queued")
					p.SetTimeout(d)
					return nil
				}
				pid := diStart(t, rt, srv)
				t0 = time.Now()
				gen.Cast(rt, pid, "arm")
				diAdvance(time.Second)
				if got, want := rec.list(), []string{"msg queued"}; !slices.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		})
		t.Run(fmt.Sprintf("external/%v", d), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				var t0 time.Time
				entered, gate := make(chan struct{}), make(chan struct{})
				srv := diTimeoutSrv(&t0, &rec)
				srv.cast = func(p *gen.Process, msg any) error {
					close(entered)
					<-gate
					p.SetTimeout(d)
					return nil
				}
				pid := diStart(t, rt, srv)
				t0 = time.Now()
				gen.Cast(rt, pid, "arm")
				<-entered
				gen.Send(rt, pid, "external")
				close(gate)
				diAdvance(time.Second)
				if got, want := rec.list(), []string{"msg external"}; !slices.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		})
	}
	t.Run("zero with empty mailbox fires at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			var rec diRec
			var t0 time.Time
			pid := diStart(t, rt, diTimeoutSrv(&t0, &rec))
			t0 = time.Now()
			gen.Cast(rt, pid, time.Duration(0))
			synctest.Wait()
			if got, want := rec.list(), []string{"timeout at 0s"}; !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
			diAdvance(time.Second)
			if got := rec.list(); len(got) != 1 {
				t.Errorf("zero timeout fired more than once: %q", got)
			}
		})
	})
}

func TestConformance54SystemMessagesKeepDeadline(t *testing.T) {
	// conformance: 54
	// Newest OTP: the original deadline is kept across system messages.
	ops := []struct {
		name string
		do   func(rt *gen.Runtime, pid gen.PID) error
	}{
		{"get_state", func(rt *gen.Runtime, pid gen.PID) error { _, err := sys.GetState(diBg, rt, pid); return err }},
		{"get_status", func(rt *gen.Runtime, pid gen.PID) error { _, err := sys.GetStatus(diBg, rt, pid); return err }},
		{"replace_state", func(rt *gen.Runtime, pid gen.PID) error {
			_, err := sys.ReplaceState(diBg, rt, pid, func(s any) any { return s })
			return err
		}},
		{"suspend and resume", func(rt *gen.Runtime, pid gen.PID) error {
			if err := sys.Suspend(diBg, rt, pid); err != nil {
				return err
			}
			return sys.Resume(diBg, rt, pid)
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				var t0 time.Time
				pid := diStart(t, rt, diTimeoutSrv(&t0, &rec))
				t0 = time.Now()
				gen.Cast(rt, pid, 300*time.Millisecond)
				diAdvance(150 * time.Millisecond)
				if err := op.do(rt, pid); err != nil {
					t.Fatal(err)
				}
				diAdvance(149 * time.Millisecond)
				if got := rec.list(); len(got) != 0 {
					t.Fatalf("before the deadline: %q", got)
				}
				diAdvance(time.Second)
				if got, want := rec.list(), []string{"timeout at 300ms"}; !slices.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		})
	}
}

func TestConformance55SentTimeoutIsATimeout(t *testing.T) {
	// conformance: 55
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var rec diRec
		var t0 time.Time
		pid := diStart(t, rt, diTimeoutSrv(&t0, &rec))
		t0 = time.Now()
		gen.Send(rt, pid, gen.Timeout{})
		synctest.Wait()
		// With a real timeout pending, the sent one arrives first and, being
		// a message, cancels the real one.
		gen.Cast(rt, pid, 300*time.Millisecond)
		diAdvance(100 * time.Millisecond)
		gen.Send(rt, pid, gen.Timeout{})
		diAdvance(time.Second)
		want := []string{"timeout at 0s", "timeout at 100ms"}
		if got := rec.list(); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestConformance56SendAfterPeriodicWork(t *testing.T) {
	// conformance: 56
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var rec diRec
		t0 := time.Now()
		ticks := 0
		srv := &diSrv{
			init: func(p *gen.Process) error {
				gen.SendAfter(rt, p.Self(), "tick", 100*time.Millisecond)
				return nil
			},
			info: func(p *gen.Process, msg any) error {
				rec.add("%v at %v", msg, time.Since(t0))
				if ticks++; ticks < 3 {
					gen.SendAfter(rt, p.Self(), "tick", 100*time.Millisecond)
				}
				return nil
			},
		}
		diStart(t, rt, srv)
		diAdvance(time.Second)
		want := []string{"tick at 100ms", "tick at 200ms", "tick at 300ms"}
		if got := rec.list(); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// diAct asks a cast, info or continue callback for one of the results a
// callback can give.
type diAct string

func TestConformance57And62ResultsLikeHandleCast(t *testing.T) {
	// conformance: 57, 62
	errStop := errors.New("stop-57")
	for _, kind := range []string{"cast", "info", "continue"} {
		for _, act := range []diAct{"noreply", "stop", "continue", "timeout", "hibernate"} {
			t.Run(fmt.Sprintf("%s/%s", kind, act), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					rt, _ := newRuntime(t)
					var rec diRec
					var terms diBag[error]
					t0 := time.Now()
					n := 0
					perform := func(p *gen.Process, a diAct) error {
						n++
						switch a {
						case "stop":
							return errStop
						case "continue":
							gen.Send(rt, p.Self(), "queued")
							p.Continue("followup")
						case "timeout":
							p.SetTimeout(100 * time.Millisecond)
						case "hibernate":
							p.Hibernate()
						}
						return nil
					}
					srv := &diSrv{
						call: func(p *gen.Process, from gen.From, req any) (any, error) { return n, nil },
						cast: func(p *gen.Process, msg any) error {
							if kind == "continue" {
								p.Continue(msg)
								return nil
							}
							return perform(p, msg.(diAct))
						},
						info: func(p *gen.Process, msg any) error {
							if a, ok := msg.(diAct); ok {
								return perform(p, a)
							}
							rec.add("info %v at %v", msg, time.Since(t0))
							return nil
						},
						cont: func(p *gen.Process, arg any) error {
							if a, ok := arg.(diAct); ok {
								return perform(p, a)
							}
							rec.add("continue %v", arg)
							return nil
						},
						term: func(p *gen.Process, reason error) { terms.add(reason) },
					}
					pid := diStart(t, rt, srv)
					_, down := rt.Watch(pid)
					wake(t, rt, pid)
					synctest.Wait()
					if g := diProcGoroutines(); act == "hibernate" && g != 1 {
						t.Fatalf("before hibernating: %d process goroutines, want 1", g)
					}
					if kind == "info" {
						gen.Send(rt, pid, act)
					} else {
						gen.Cast(rt, pid, act)
					}
					synctest.Wait()
					switch act {
					case "noreply":
						if v, err := gen.Call[int](diBg, rt, pid, "get"); err != nil || v != 1 {
							t.Errorf("after noreply: %v, %v; want state 1", v, err)
						}
					case "stop":
						d := diDown(t, down, "stop result")
						if d.Reason != errStop {
							t.Errorf("exit reason %v, want %v", d.Reason, errStop)
						}
						if got := terms.list(); len(got) != 1 || got[0] != errStop {
							t.Errorf("Terminate got %v, want [%v]", got, errStop)
						}
					case "continue":
						want := []string{"continue followup", "info queued at 0s"}
						if got := rec.list(); !slices.Equal(got, want) {
							t.Errorf("got %q, want %q", got, want)
						}
					case "timeout":
						diAdvance(time.Second)
						want := []string{"info {} at 100ms"}
						if got := rec.list(); !slices.Equal(got, want) {
							t.Errorf("got %q, want %q", got, want)
						}
					case "hibernate":
						if g := diProcGoroutines(); g != 0 {
							t.Errorf("after hibernate: %d process goroutines, want 0", g)
						}
						if v, err := gen.Call[int](diBg, rt, pid, "get"); err != nil || v != 1 {
							t.Errorf("after waking: %v, %v; want state 1", v, err)
						}
					}
					if act != "stop" {
						diNoDown(t, down, string(act))
						if len(terms.list()) != 0 {
							t.Errorf("Terminate ran for %s", act)
						}
					}
				})
			})
		}
	}
}

// ---- E. handle_continue ----

func TestConformance58ContinueRunsBeforeNextMessage(t *testing.T) {
	// conformance: 58
	for _, from := range []string{"init", "call", "cast", "info", "continue"} {
		t.Run(from, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var rec diRec
				entered, gate, replied := make(chan struct{}), make(chan struct{}), make(chan struct{})
				// trigger: wait until the test has queued a message (not in
				// init: nobody can address the process yet), send one to
				// self, then ask for a continue.
				trigger := func(p *gen.Process) {
					if from != "init" {
						close(entered)
						<-gate
					}
					gen.Send(rt, p.Self(), "self")
					p.Continue("c")
				}
				srv := &diSrv{
					init: func(p *gen.Process) error {
						if from == "init" {
							trigger(p)
						}
						return nil
					},
					call: func(p *gen.Process, f gen.From, req any) (any, error) {
						trigger(p)
						return "reply", nil
					},
					cast: func(p *gen.Process, msg any) error {
						if from == "continue" {
							p.Continue("first")
						} else {
							trigger(p)
						}
						return nil
					},
					info: func(p *gen.Process, msg any) error {
						if msg == "go" {
							trigger(p)
							return nil
						}
						rec.add("info %v", msg)
						return nil
					},
					cont: func(p *gen.Process, arg any) error {
						rec.add("continue %v", arg)
						if arg == "first" {
							trigger(p)
						}
						if arg == "c" && from == "call" {
							select {
							case <-replied:
							case <-time.After(time.Second):
								rec.add("continue ran before the caller got its reply")
							}
						}
						return nil
					},
				}
				pid := diStart(t, rt, srv)
				switch from {
				case "call":
					go func() {
						if v, err := gen.Call[string](diBg, rt, pid, "go"); err != nil || v != "reply" {
							t.Errorf("call: %v, %v", v, err)
						}
						close(replied)
					}()
				case "cast", "continue":
					gen.Cast(rt, pid, "go")
				case "info":
					gen.Send(rt, pid, "go")
				}
				want := []string{"continue c", "info self"}
				if from != "init" {
					<-entered
					gen.Send(rt, pid, "external")
					close(gate)
					want = []string{"continue c", "info external", "info self"}
				}
				if from == "continue" {
					want = append([]string{"continue first"}, want...)
				}
				diAdvance(2 * time.Second)
				if got := rec.list(); !slices.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		})
	}
}

func TestConformance59ContinueChainAndStop(t *testing.T) {
	// conformance: 59
	t.Run("chain", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			var rec diRec
			srv := &diSrv{
				cast: func(p *gen.Process, msg any) error { p.Continue(1); return nil },
				cont: func(p *gen.Process, arg any) error {
					n := arg.(int)
					rec.add("continue %d", n)
					if n < 3 {
						gen.Send(rt, p.Self(), fmt.Sprintf("msg-%d", n))
						p.Continue(n + 1)
					}
					return nil
				},
				info: func(p *gen.Process, msg any) error { rec.add("info %v", msg); return nil },
			}
			pid := diStart(t, rt, srv)
			gen.Cast(rt, pid, "go")
			synctest.Wait()
			want := []string{"continue 1", "continue 2", "continue 3", "info msg-1", "info msg-2"}
			if got := rec.list(); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	})
	t.Run("stop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			errStop := errors.New("stop-59")
			var rec diRec
			srv := &diSrv{
				cast: func(p *gen.Process, msg any) error {
					gen.Send(rt, p.Self(), "queued")
					p.Continue("stop")
					return nil
				},
				cont: func(p *gen.Process, arg any) error { rec.add("continue %v", arg); return errStop },
				info: func(p *gen.Process, msg any) error { rec.add("info %v", msg); return nil },
				term: func(p *gen.Process, reason error) { rec.add("terminate %v", reason) },
			}
			pid := diStart(t, rt, srv)
			_, down := rt.Watch(pid)
			gen.Cast(rt, pid, "go")
			synctest.Wait()
			if d := diDown(t, down, "continue stop"); d.Reason != errStop {
				t.Errorf("exit reason %v, want %v", d.Reason, errStop)
			}
			want := []string{"continue stop", "terminate stop-59"}
			if got := rec.list(); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	})
}

func TestConformance60ContinueRepliesLater(t *testing.T) {
	// conformance: 60
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		srv := &diSrv{
			call: func(p *gen.Process, from gen.From, req any) (any, error) {
				p.Continue(from)
				return nil, gen.NoReply
			},
			cont: func(p *gen.Process, arg any) error {
				gen.Reply(arg.(gen.From), "from-continue")
				return nil
			},
		}
		pid := diStart(t, rt, srv)
		v, err := gen.Call[string](diBg, rt, pid, "go")
		if err != nil || v != "from-continue" {
			t.Errorf("Call = %q, %v; want from-continue", v, err)
		}
	})
}

type diNoContinue struct{ terms *diBag[error] }

func (s *diNoContinue) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	p.Continue("x")
	return "ok", nil
}
func (s *diNoContinue) Terminate(p *gen.Process, reason error) { s.terms.add(reason) }

func TestConformance61ContinueWithoutHandlerCrashes(t *testing.T) {
	// conformance: 61
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		var terms diBag[error]
		pid := diStart(t, rt, &diNoContinue{&terms})
		_, down := rt.Watch(pid)
		if v, err := gen.Call[string](diBg, rt, pid, "go"); err != nil || v != "ok" {
			t.Errorf("Call = %q, %v; the reply precedes the continue", v, err)
		}
		synctest.Wait()
		d := diDown(t, down, "continue without HandleContinue")
		var mc *gen.MissingCallbackError
		if !errors.As(d.Reason, &mc) || mc.Callback != "HandleContinue" {
			t.Errorf("exit reason %v, want *MissingCallbackError for HandleContinue", d.Reason)
		}
		diWantCrashed(t, &terms, d.Reason, logs)
	})
}

type diNoContinueInit struct{ diNoContinue }

func (s *diNoContinueInit) Init(p *gen.Process) error { p.Continue("x"); return nil }

func TestConformance61ContinueFromInitWithoutHandler(t *testing.T) {
	// conformance: 61
	// gs_SUITE undef_handle_continue: init asks for a continue; start
	// succeeds and the server then crashes. A trapping parent observes the
	// exit, since the crash can happen before Start's caller could monitor.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var terms diBag[error]
		var parentInfo diBag[any]
		parent := diStart(t, rt, &diSrv{
			init: func(p *gen.Process) error { p.TrapExit(true); return nil },
			info: func(p *gen.Process, msg any) error { parentInfo.add(msg); return nil },
		})
		pid := diStartLinked(t, rt, parent, &diNoContinueInit{diNoContinue{&terms}})
		synctest.Wait()
		got := parentInfo.list()
		if len(got) != 1 {
			t.Fatalf("parent got %v, want one ExitSignal", got)
		}
		x, ok := got[0].(gen.ExitSignal)
		var mc *gen.MissingCallbackError
		if !ok || x.From != pid || !errors.As(x.Reason, &mc) || mc.Callback != "HandleContinue" {
			t.Errorf("parent got %v, want ExitSignal from %v with *MissingCallbackError for HandleContinue", got[0], pid)
		}
		if got := terms.list(); len(got) != 1 || !ok || got[0] != x.Reason {
			t.Errorf("Terminate got %v, want once with the exit reason", got)
		}
	})
}
