package gen_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/gen-go/gen"
)

// plain is a server without Terminate. hib makes it hibernate after each
// cast.
type plain struct {
	hib     bool
	handled atomic.Int32
}

func (s *plain) Init(*gen.Process) error { return nil }

func (s *plain) HandleCast(p *gen.Process, _ any) error {
	s.handled.Add(1)
	if s.hib {
		p.Hibernate()
	}
	return nil
}

// Stopping a process that has no goroutine (it waits for its first message,
// or it hibernated) and no Terminate runs no callback, so Stop ends it on the
// stopping goroutine. What the world sees is what a stop through the mailbox
// shows: Stop returns nil once the process is dead and its name free, a
// trapping linked process gets the ExitSignal and a monitor the Down, with
// the stop's reason, and nothing sent afterwards is handled. An abnormal
// reason still goes through the process, for its crash report.
func TestStopIdleServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason error
		hib    bool
	}{
		{"normal", nil, false},
		{"shutdown", gen.ErrShutdown, false},
		{"shutdown detail", &gen.ShutdownError{Detail: "bye"}, false},
		{"hibernated", gen.ErrShutdown, true},
		{"abnormal", errors.New("boom"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				rt, logs := newRuntime(t)
				got := make(chan any, 4)
				watcher := mustStart(t, rt, &testSrv{
					init: func(p *gen.Process) error { p.TrapExit(true); return nil },
					info: func(p *gen.Process, msg any) error { got <- msg; return nil },
				})
				srv := &plain{hib: tc.hib}
				pid := mustStart(t, rt, srv, gen.WithName("plain"))
				if tc.hib {
					if err := gen.Cast(rt, pid, "first"); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
					if srv.handled.Load() != 1 {
						t.Fatalf("handled %d casts before the stop; want 1", srv.handled.Load())
					}
				}
				ref, err := gen.Call[gen.Ref](ctx, rt, watcher, testRun(func(p *gen.Process) any {
					p.Link(pid)
					return p.Monitor(pid)
				}))
				if err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if g := diProcGoroutines(); g != 1 {
					t.Fatalf("%d process goroutines before the stop; want 1 (the watcher's)", g)
				}

				if err := gen.Stop(ctx, rt, pid, tc.reason); err != nil {
					t.Fatalf("Stop = %v; want nil", err)
				}
				if rt.Alive(pid) {
					t.Fatal("alive after Stop returned")
				}
				if owner, ok := rt.Whereis(gen.Name("plain")); ok {
					t.Fatalf("name still held by %v after Stop returned", owner)
				}
				if err := gen.Cast(rt, pid, "late"); err != nil {
					t.Fatalf("Cast to the stopped process = %v; want nil (dropped)", err)
				}
				synctest.Wait()
				want := tc.reason
				if want == nil {
					want = gen.ErrNormal
				}
				seen := map[string]bool{}
				for range 2 {
					switch m := (<-got).(type) {
					case gen.ExitSignal:
						if m.From != pid || m.Reason != want {
							t.Errorf("ExitSignal = %+v; want from %v with %v", m, pid, want)
						}
						seen["exit"] = true
					case gen.Down:
						if m.Ref != ref || m.PID != pid || m.Reason != want {
							t.Errorf("Down = %+v; want ref %v, %v, %v", m, ref, pid, want)
						}
						seen["down"] = true
					default:
						t.Errorf("watcher got %T %v", m, m)
					}
				}
				if !seen["exit"] || !seen["down"] {
					t.Errorf("watcher saw %v; want an ExitSignal and a Down", seen)
				}
				if n := srv.handled.Load(); n != map[bool]int32{false: 0, true: 1}[tc.hib] {
					t.Errorf("handled %d casts; the late one must not be", n)
				}
				report := strings.Contains(logs.String(), "process terminating")
				if abnormal := gen.IsAbnormal(want); report != abnormal {
					t.Errorf("crash report logged: %v; want %v. Log:\n%s", report, abnormal, logs)
				}
			})
		})
	}
}

// Stops that find the process without a goroutine race each other and
// senders safely: with four stoppers and four senders at once, the process
// ends, each Stop returns nil (it saw the exit with its reason) or fails with
// no-process, and at least one returns nil.
func TestStopIdleServerRace(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	for i := range 200 {
		srv := &plain{}
		pid := mustStart(t, rt, srv)
		var wins atomic.Int32
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				err := gen.Stop(ctx, rt, pid, gen.ErrShutdown)
				if err == nil {
					wins.Add(1)
				} else if !errors.Is(err, gen.ErrNoProc) {
					var ee *gen.ExitError
					if !errors.As(err, &ee) || ee.Reason != gen.ErrShutdown {
						err = fmt.Errorf("round %d: Stop = %w", i, err)
					} else {
						err = nil
					}
				} else {
					err = nil
				}
				errs <- err
			}()
		}
		for range 4 {
			_ = gen.Cast(rt, pid, i)
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if rt.Alive(pid) {
			t.Fatalf("round %d: alive after four Stops", i)
		}
		if w := wins.Load(); w < 1 {
			t.Fatalf("round %d: no Stop returned nil", i)
		}
	}
}

// panickyRegistrar's RegisterName panics.
type panickyRegistrar struct{}

func (panickyRegistrar) RegisterName(any, gen.PID) bool  { panic("registrar broke") }
func (panickyRegistrar) UnregisterName(any, gen.PID)     {}
func (panickyRegistrar) WhereisName(any) (gen.PID, bool) { return gen.PID{}, false }

// A Registrar that panics in Start leaves no half-started process behind:
// the panic reaches Start's caller, and the process is in neither the table
// nor the local names.
func TestStartViaRegistrarPanics(t *testing.T) {
	rt, _ := newRuntime(t)
	func() {
		defer func() {
			if r := recover(); r != "registrar broke" {
				t.Errorf("recovered %v; want the registrar's panic", r)
			}
		}()
		_, _ = gen.Start(context.Background(), rt, &plain{}, gen.WithName("held"), gen.WithVia(panickyRegistrar{}, "k"))
	}()
	if pids := rt.Processes(); len(pids) != 0 {
		t.Errorf("processes after the panic: %v; want none", pids)
	}
	if pid, ok := rt.Whereis(gen.Name("held")); ok {
		t.Errorf("name still held by %v", pid)
	}
	// The name is free for the next start.
	mustStart(t, rt, &plain{}, gen.WithName("held"))
}
