package gen_test

// Conformance tests for section 1, groups F (terminate and exit reasons, items
// 63–74) and G (stop, items 75–81) of CONFORMANCE.md. Helpers (di*) live in
// conformance_de_test.go.
//
// Partly applicable items say in their test what was left out:
// 63 and 64 (Go has no exit/1 inside a callback distinct from returning the
// error, and no invalid return value: results are typed), 72 (client info),
// 78 (no invalid timeout: a context cannot be malformed), 79 ({:global, n}:
// the runtime has no global registry).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// ---- F. terminate and exit reasons ----

func TestConformance63TerminateRunsOnStopAndPanic(t *testing.T) {
	// conformance: 63
	// Left out: "exits" (Go has no exit/1 apart from returning the error) and
	// "invalid return value" (callback results are typed). Terminate's
	// return value cannot be observed: it has none.
	errStop := errors.New("stop-63")
	for _, kind := range []string{"call", "cast", "info", "continue"} {
		for _, how := range []string{"stop", "panic"} {
			t.Run(kind+"/"+how, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					rt, _ := newRuntime(t)
					var terms diBag[error]
					fail := func() error {
						if how == "panic" {
							panic("panic-63")
						}
						return errStop
					}
					srv := &diSrv{
						call: func(p *gen.Process, from gen.From, req any) (any, error) { return nil, fail() },
						cast: func(p *gen.Process, msg any) error {
							if kind == "continue" {
								p.Continue(msg)
								return nil
							}
							return fail()
						},
						info: func(p *gen.Process, msg any) error { return fail() },
						cont: func(p *gen.Process, arg any) error { return fail() },
						term: func(p *gen.Process, reason error) { terms.add(reason) },
					}
					pid := diStart(t, rt, srv)
					_, down := rt.Watch(pid)
					switch kind {
					case "call":
						if _, err := gen.Call[any](diBg, rt, pid, "go"); err == nil {
							t.Errorf("call to a crashing server succeeded")
						}
					case "cast", "continue":
						gen.Cast(rt, pid, "go")
					case "info":
						gen.Send(rt, pid, "go")
					}
					synctest.Wait()
					d := diDown(t, down, "crashing callback")
					got := terms.list()
					if len(got) != 1 || got[0] != d.Reason {
						t.Fatalf("Terminate got %v, want once with the exit reason %v", got, d.Reason)
					}
				})
			})
		}
	}
	t.Run("init failure skips terminate", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			var terms diBag[error]
			srv := &diSrv{
				init: func(p *gen.Process) error { return errStop },
				term: func(p *gen.Process, reason error) { terms.add(reason) },
			}
			if _, err := gen.Start(diBg, rt, srv); !errors.Is(err, errStop) {
				t.Errorf("Start = %v, want %v", err, errStop)
			}
			synctest.Wait()
			if got := terms.list(); len(got) != 0 {
				t.Errorf("Terminate ran after a failed Init: %v", got)
			}
		})
	})
}

type diPanicker struct{ terms *diBag[error] }

func (s *diPanicker) HandleCast(p *gen.Process, msg any) error { panic(msg) }
func (s *diPanicker) Terminate(p *gen.Process, reason error)   { s.terms.add(reason) }

func TestConformance64TerminateReason(t *testing.T) {
	// conformance: 64
	// Left out: exit(term) (no Go form distinct from returning the error) and
	// {bad_return_value, v} (callback results are typed).
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var terms diBag[error]
		errStop := &gen.ShutdownError{Detail: "stop-64"}
		stopper := diStart(t, rt, &diSrv{
			cast: func(p *gen.Process, msg any) error { return errStop },
			term: func(p *gen.Process, reason error) { terms.add(reason) },
		})
		gen.Cast(rt, stopper, "go")
		synctest.Wait()
		if got := terms.list(); len(got) != 1 || got[0] != errStop {
			t.Errorf("stop error: Terminate got %v, want the same error %v", got, errStop)
		}

		errBoom := errors.New("boom-64")
		for _, v := range []any{"value-64", errBoom} {
			var pterms diBag[error]
			pid := diStart(t, rt, &diPanicker{&pterms})
			gen.Cast(rt, pid, v)
			synctest.Wait()
			got := pterms.list()
			if len(got) != 1 {
				t.Fatalf("panic %v: Terminate got %v", v, got)
			}
			var pe *gen.PanicError
			if !errors.As(got[0], &pe) || pe.Value != v {
				t.Errorf("panic %v: Terminate got %v, want *PanicError with the value", v, got[0])
				continue
			}
			if !strings.Contains(string(pe.Stack), "diPanicker") {
				t.Errorf("panic %v: the stack does not show the panicking callback:\n%s", v, pe.Stack)
			}
			if err, ok := v.(error); ok && !errors.Is(got[0], err) {
				t.Errorf("panic with an error: errors.Is(reason, %v) is false", err)
			}
		}
	})
}

func TestConformance65ParentExitRunsTerminate(t *testing.T) {
	// conformance: 65
	reasons := []error{errors.New("parent-65"), gen.ErrShutdown, &gen.ShutdownError{Detail: 65}, gen.ErrNormal}
	for _, how := range []string{"parent sends exit", "parent dies"} {
		for _, r := range reasons {
			t.Run(fmt.Sprintf("%s/%v", how, r), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					rt, _ := newRuntime(t)
					var terms diBag[error]
					var infos diBag[any]
					// The parent traps exits so that it survives the child.
					parent := diStart(t, rt, &diSrv{init: func(p *gen.Process) error { p.TrapExit(true); return nil }})
					child := diStartLinked(t, rt, parent, &diSrv{
						init: func(p *gen.Process) error { p.TrapExit(true); return nil },
						info: func(p *gen.Process, msg any) error { infos.add(msg); return nil },
						term: func(p *gen.Process, reason error) { terms.add(reason) },
					})
					_, down := rt.Watch(child)
					if how == "parent sends exit" {
						diRun(t, rt, parent, func(p *gen.Process) any { p.Exit(child, r); return nil })
					} else if err := gen.Stop(diBg, rt, parent, r); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
					d := diDown(t, down, "child of an exiting parent")
					if d.Reason != r {
						t.Errorf("child exit reason %v, want %v", d.Reason, r)
					}
					if got := terms.list(); len(got) != 1 || got[0] != r {
						t.Errorf("Terminate got %v, want [%v]", got, r)
					}
					if got := infos.list(); len(got) != 0 {
						t.Errorf("the parent's signal reached HandleInfo: %v", got)
					}
				})
			})
		}
	}
}

func TestConformance66UntrappedExitKillsWithoutTerminate(t *testing.T) {
	// conformance: 66
	errX := errors.New("exit-66")
	cases := []struct {
		name   string
		signal func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID)
		reason error // nil: the child survives
	}{
		{"parent sends exit", func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID) {
			diRun(t, rt, parent, func(p *gen.Process) any { p.Exit(child, errX); return nil })
		}, errX},
		{"parent dies", func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID) {
			gen.Stop(diBg, rt, parent, errX)
		}, errX},
		{"linked process dies", func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID) {
			gen.Stop(diBg, rt, other, errX)
		}, errX},
		{"parent dies with shutdown", func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID) {
			gen.Stop(diBg, rt, parent, gen.ErrShutdown)
		}, gen.ErrShutdown},
		{"parent sends normal", func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID) {
			diRun(t, rt, parent, func(p *gen.Process) any { p.Exit(child, gen.ErrNormal); return nil })
		}, nil},
		{"linked process dies normal", func(t *testing.T, rt *gen.Runtime, parent, other, child gen.PID) {
			gen.Stop(diBg, rt, other, gen.ErrNormal)
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var terms diBag[error]
				// The parent traps exits so that it survives the child.
				parent := diStart(t, rt, &diSrv{init: func(p *gen.Process) error { p.TrapExit(true); return nil }})
				child := diStartLinked(t, rt, parent, &diSrv{
					term: func(p *gen.Process, reason error) { terms.add(reason) },
				})
				other := diStart(t, rt, &diSrv{})
				diRun(t, rt, other, func(p *gen.Process) any { p.Link(child); return nil })
				_, down := rt.Watch(child)
				tc.signal(t, rt, parent, other, child)
				synctest.Wait()
				if tc.reason == nil {
					diNoDown(t, down, "normal exit signal")
				} else if d := diDown(t, down, "untrapped exit signal"); d.Reason != tc.reason {
					t.Errorf("exit reason %v, want %v", d.Reason, tc.reason)
				}
				if got := terms.list(); len(got) != 0 {
					t.Errorf("Terminate ran: %v", got)
				}
			})
		})
	}
	t.Run("at once, mid-callback", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			var rec diRec
			entered := make(chan struct{})
			parent := diStart(t, rt, &diSrv{init: func(p *gen.Process) error { p.TrapExit(true); return nil }})
			child := diStartLinked(t, rt, parent, &diSrv{
				cast: func(p *gen.Process, msg any) error {
					close(entered)
					<-p.Done()
					return nil
				},
				info: func(p *gen.Process, msg any) error { rec.add("info %v", msg); return nil },
				term: func(p *gen.Process, reason error) { rec.add("terminate %v", reason) },
			})
			_, down := rt.Watch(child)
			gen.Cast(rt, child, "block")
			<-entered
			gen.Send(rt, child, "queued")
			diRun(t, rt, parent, func(p *gen.Process) any { p.Exit(child, errX); return nil })
			synctest.Wait()
			if d := diDown(t, down, "busy child"); d.Reason != errX {
				t.Errorf("exit reason %v, want %v", d.Reason, errX)
			}
			if got := rec.list(); len(got) != 0 {
				t.Errorf("after the kill the child still ran %q", got)
			}
		})
	})
}

func TestConformance67KillSkipsTerminate(t *testing.T) {
	// conformance: 67
	for _, from := range []string{"runtime", "process"} {
		t.Run(from, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var terms diBag[error]
				var watcherInfo diBag[any]
				pid := diStart(t, rt, &diSrv{
					init: func(p *gen.Process) error { p.TrapExit(true); return nil },
					term: func(p *gen.Process, reason error) { terms.add(reason) },
				})
				watcher := diStart(t, rt, &diSrv{
					init: func(p *gen.Process) error { p.TrapExit(true); return nil },
					info: func(p *gen.Process, msg any) error { watcherInfo.add(msg); return nil },
				})
				diRun(t, rt, watcher, func(p *gen.Process) any { p.Link(pid); return nil })
				_, down := rt.Watch(pid)
				if from == "runtime" {
					rt.Exit(pid, gen.ErrKill)
				} else {
					diRun(t, rt, watcher, func(p *gen.Process) any { p.Exit(pid, gen.ErrKill); return nil })
				}
				synctest.Wait()
				if d := diDown(t, down, "killed server"); d.Reason != gen.ErrKilled {
					t.Errorf("exit reason %v, want killed", d.Reason)
				}
				if got := terms.list(); len(got) != 0 {
					t.Errorf("Terminate ran on kill: %v", got)
				}
				want := gen.ExitSignal{From: pid, Reason: gen.ErrKilled}
				if got := watcherInfo.list(); len(got) != 1 || got[0] != want {
					t.Errorf("trapping link got %v, want [%v]", got, want)
				}
			})
		})
	}
}

func TestConformance68ParentExitInMailboxOrder(t *testing.T) {
	// conformance: 68
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var rec diRec
		errP := errors.New("parent-68")
		entered, gate := make(chan struct{}), make(chan struct{})
		parent := diStart(t, rt, &diSrv{})
		child := diStartLinked(t, rt, parent, &diSrv{
			init: func(p *gen.Process) error { p.TrapExit(true); return nil },
			cast: func(p *gen.Process, msg any) error {
				rec.add("cast %v", msg)
				if msg == "block" {
					close(entered)
					<-gate
				}
				return nil
			},
			info: func(p *gen.Process, msg any) error { rec.add("info %v", msg); return nil },
			term: func(p *gen.Process, reason error) { rec.add("terminate %v", reason) },
		})
		_, down := rt.Watch(child)
		gen.Cast(rt, child, "block")
		<-entered
		gen.Send(rt, child, "before")
		gen.Cast(rt, child, "before")
		diRun(t, rt, parent, func(p *gen.Process) any { p.Exit(child, errP); return nil })
		gen.Send(rt, child, "after")
		gen.Cast(rt, child, "after")
		close(gate)
		synctest.Wait()
		want := []string{"cast block", "info before", "cast before", "terminate parent-68"}
		if got := rec.list(); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if d := diDown(t, down, "child"); d.Reason != errP {
			t.Errorf("exit reason %v, want %v", d.Reason, errP)
		}
	})
}

func TestConformance69TrappedLinkExitIsInfo(t *testing.T) {
	// conformance: 69
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var infos diBag[any]
		var terms diBag[error]
		errW := errors.New("worker-69")
		errR := errors.New("runtime-69")
		parent := diStart(t, rt, &diSrv{})
		pid := diStartLinked(t, rt, parent, &diSrv{
			init: func(p *gen.Process) error { p.TrapExit(true); return nil },
			info: func(p *gen.Process, msg any) error { infos.add(msg); return nil },
			term: func(p *gen.Process, reason error) { terms.add(reason) },
		})
		worker := diStart(t, rt, &diSrv{})
		diRun(t, rt, pid, func(p *gen.Process) any { p.Link(worker); return nil })
		_, down := rt.Watch(pid)
		gen.Stop(diBg, rt, worker, errW)
		rt.Exit(pid, errR)
		synctest.Wait()
		want := []any{gen.ExitSignal{From: worker, Reason: errW}, gen.ExitSignal{Reason: errR}}
		if got := infos.list(); !slices.Equal(got, want) {
			t.Errorf("HandleInfo got %v, want %v", got, want)
		}
		diNoDown(t, down, "trapping server")
		if got := terms.list(); len(got) != 0 {
			t.Errorf("Terminate ran: %v", got)
		}
		if _, err := gen.Call[any](diBg, rt, pid, "ping"); err != nil {
			t.Errorf("server no longer answers: %v", err)
		}
	})
}

func TestConformance70TerminatePanicBecomesReason(t *testing.T) {
	// conformance: 70
	errStop := errors.New("stop-70")
	for _, panics := range []bool{false, true} {
		t.Run(fmt.Sprintf("terminate panics=%v", panics), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, logs := newRuntime(t)
				var terms diBag[error]
				pid := diStart(t, rt, &diSrv{
					cast: func(p *gen.Process, msg any) error { return errStop },
					term: func(p *gen.Process, reason error) {
						terms.add(reason)
						if panics {
							panic("terminate-70")
						}
					},
				})
				_, down := rt.Watch(pid)
				gen.Cast(rt, pid, "stop")
				synctest.Wait()
				d := diDown(t, down, "stopping server")
				if got := terms.list(); len(got) != 1 || got[0] != errStop {
					t.Errorf("Terminate got %v, want [%v]", got, errStop)
				}
				if !panics {
					if d.Reason != errStop {
						t.Errorf("exit reason %v, want %v", d.Reason, errStop)
					}
					return
				}
				var pe *gen.PanicError
				if !errors.As(d.Reason, &pe) || pe.Value != "terminate-70" {
					t.Errorf("exit reason %v, want Terminate's panic", d.Reason)
				}
				if !strings.Contains(logs.String(), "terminate-70") {
					t.Errorf("crash report lacks Terminate's panic:\n%s", logs.String())
				}
			})
		})
	}
}

type diNoTerminate struct{}

func (diNoTerminate) HandleCast(p *gen.Process, msg any) error { return msg.(error) }

func TestConformance71NoTerminator(t *testing.T) {
	// conformance: 71
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		errStop := errors.New("stop-71")
		pid := diStart(t, rt, diNoTerminate{})
		_, down := rt.Watch(pid)
		gen.Cast(rt, pid, errStop)
		synctest.Wait()
		if d := diDown(t, down, "server without Terminate"); d.Reason != errStop {
			t.Errorf("exit reason %v, want %v", d.Reason, errStop)
		}
		pid2 := diStart(t, rt, diNoTerminate{})
		if err := gen.Stop(diBg, rt, pid2, gen.ErrShutdown); err != nil {
			t.Errorf("Stop of a server without Terminate: %v", err)
		}
	})
}

// diFormatted hides its secret in status and crash reports.
type diFormatted struct {
	diSrv
	secret string
}

func (s *diFormatted) FormatStatus(st gen.Status) gen.Status {
	st.State = "formatted-state-72"
	return st
}

type diCrashMsg struct{ label string }

func TestConformance72CrashReport(t *testing.T) {
	// conformance: 72
	cases := []struct {
		reason error
		report bool
	}{
		{gen.ErrNormal, false},
		{gen.ErrShutdown, false},
		{&gen.ShutdownError{Detail: "detail-72"}, false},
		{errors.New("reason-72"), true},
	}
	for _, tc := range cases {
		t.Run(tc.reason.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, logs := newRuntime(t)
				srv := &diFormatted{secret: "secret-72"}
				srv.cast = func(p *gen.Process, msg any) error { return tc.reason }
				pid := diStart(t, rt, srv, gen.WithName("name-72"))
				gen.Cast(rt, pid, diCrashMsg{"last-msg-72"})
				synctest.Wait()
				out := logs.String()
				if got := strings.Contains(out, "gen: process terminating"); got != tc.report {
					t.Fatalf("crash report logged = %v, want %v:\n%s", got, tc.report, out)
				}
				if !tc.report {
					return
				}
				for _, want := range []string{"reason-72", "last-msg-72", "formatted-state-72", "name-72"} {
					if !strings.Contains(out, want) {
						t.Errorf("crash report lacks %q:\n%s", want, out)
					}
				}
				if strings.Contains(out, "secret-72") {
					t.Errorf("crash report shows the state before FormatStatus:\n%s", out)
				}
			})
		})
	}
	t.Run("client info", func(t *testing.T) {
		// The report of a crash in HandleCall names the calling process.
		synctest.Test(t, func(t *testing.T) {
			rt, logs := newRuntime(t)
			errCrash := errors.New("reason-72")
			pid := diStart(t, rt, &diSrv{
				call: func(p *gen.Process, from gen.From, req any) (any, error) { return nil, errCrash },
			})
			client := diStart(t, rt, &diSrv{})
			diRun(t, rt, client, func(p *gen.Process) any {
				_, err := gen.Call[any](p, rt, pid, "crash")
				return err
			})
			synctest.Wait()
			out := logs.String()
			if !strings.Contains(out, "gen: process terminating") {
				t.Fatalf("no crash report:\n%s", out)
			}
			if !strings.Contains(out, client.String()) {
				t.Errorf("crash report does not name the client %v:\n%s", client, out)
			}
		})
	})
}

func TestConformance73LinksGetExitReason(t *testing.T) {
	// conformance: 73
	reasons := []error{gen.ErrNormal, gen.ErrShutdown, &gen.ShutdownError{Detail: 73}, errors.New("crash-73")}
	for _, r := range reasons {
		t.Run(r.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var plainTerms diBag[error]
				var trapInfo diBag[any]
				srv := diStart(t, rt, &diSrv{cast: func(p *gen.Process, msg any) error { return r }})
				plain := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { plainTerms.add(reason) }})
				trapping := diStart(t, rt, &diSrv{
					init: func(p *gen.Process) error { p.TrapExit(true); return nil },
					info: func(p *gen.Process, msg any) error { trapInfo.add(msg); return nil },
				})
				for _, pid := range []gen.PID{plain, trapping} {
					diRun(t, rt, pid, func(p *gen.Process) any { p.Link(srv); return nil })
				}
				_, plainDown := rt.Watch(plain)
				_, trapDown := rt.Watch(trapping)
				gen.Cast(rt, srv, "stop")
				synctest.Wait()
				if r == gen.ErrNormal {
					diNoDown(t, plainDown, "non-trapping link of a normal exit")
				} else if d := diDown(t, plainDown, "non-trapping link"); d.Reason != r {
					t.Errorf("non-trapping link exit reason %v, want %v", d.Reason, r)
				}
				if got := plainTerms.list(); len(got) != 0 {
					t.Errorf("non-trapping link ran Terminate: %v", got)
				}
				diNoDown(t, trapDown, "trapping link")
				want := gen.ExitSignal{From: srv, Reason: r}
				if got := trapInfo.list(); len(got) != 1 || got[0] != want {
					t.Errorf("trapping link got %v, want [%v]", got, want)
				}
			})
		})
	}
}

func TestConformance74MonitorsGetTerminateReason(t *testing.T) {
	// conformance: 74
	cases := []struct {
		name string
		end  func(rt *gen.Runtime, pid gen.PID)
	}{
		{"stop error", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, "stop") }},
		{"panic", func(rt *gen.Runtime, pid gen.PID) { gen.Cast(rt, pid, "panic") }},
		{"Stop", func(rt *gen.Runtime, pid gen.PID) { gen.Stop(diBg, rt, pid, &gen.ShutdownError{Detail: 74}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var terms diBag[error]
				var monInfo diBag[any]
				pid := diStart(t, rt, &diSrv{
					cast: func(p *gen.Process, msg any) error {
						if msg == "panic" {
							panic("panic-74")
						}
						return errors.New("stop-74")
					},
					term: func(p *gen.Process, reason error) { terms.add(reason) },
				})
				mon := diStart(t, rt, &diSrv{info: func(p *gen.Process, msg any) error { monInfo.add(msg); return nil }})
				ref := diRun(t, rt, mon, func(p *gen.Process) any { return p.Monitor(pid) }).(gen.Ref)
				wref, wch := rt.Watch(pid)
				tc.end(rt, pid)
				synctest.Wait()
				got := terms.list()
				if len(got) != 1 {
					t.Fatalf("Terminate got %v", got)
				}
				if d := diDown(t, wch, "watched server"); d.Ref != wref || d.PID != pid || d.Reason != got[0] {
					t.Errorf("Watch Down = %+v, want ref %v, pid %v, reason %v", d, wref, pid, got[0])
				}
				want := gen.Down{Ref: ref, PID: pid, Reason: got[0]}
				if infos := monInfo.list(); len(infos) != 1 || infos[0] != want {
					t.Errorf("monitoring process got %v, want [%+v]", infos, want)
				}
			})
		})
	}
}

// ---- G. stop ----

func TestConformance75StopWaitsForExit(t *testing.T) {
	// conformance: 75
	for _, r := range []error{nil, &gen.ShutdownError{Detail: "x"}} {
		t.Run(fmt.Sprint(r), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				var terms diBag[error]
				pid := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { terms.add(reason) }},
					gen.WithName("stop-75"))
				_, down := rt.Watch(pid)
				if err := gen.Stop(diBg, rt, pid, r); err != nil {
					t.Fatalf("Stop = %v", err)
				}
				// No synctest.Wait: all of this holds when Stop returns.
				want := r
				if want == nil {
					want = gen.ErrNormal
				}
				if got := terms.list(); len(got) != 1 || got[0] != want {
					t.Errorf("Terminate got %v, want [%v]", got, want)
				}
				if rt.Alive(pid) {
					t.Errorf("process alive after Stop returned")
				}
				if _, ok := rt.Whereis(gen.Name("stop-75")); ok {
					t.Errorf("name still registered after Stop returned")
				}
				// Other monitors are told asynchronously, as on the BEAM.
				synctest.Wait()
				if d := diDown(t, down, "stopped"); d.Reason != want {
					t.Errorf("exit reason %v, want %v", d.Reason, want)
				}
			})
		})
	}
	t.Run("infinite wait by default", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			pid := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { time.Sleep(10 * time.Second) }})
			t0 := time.Now()
			if err := gen.Stop(diBg, rt, pid, nil); err != nil {
				t.Errorf("Stop with a 10s Terminate = %v, want nil", err)
			}
			if el := time.Since(t0); el != 10*time.Second {
				t.Errorf("Stop returned after %v, want 10s", el)
			}
		})
	})
}

func TestConformance76StopNoProcAndSelf(t *testing.T) {
	// conformance: 76
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		dead := diStart(t, rt, &diSrv{})
		if err := gen.Stop(diBg, rt, dead, nil); err != nil {
			t.Fatal(err)
		}
		for _, to := range []gen.Dest{dead, gen.Name("nobody-76"), gen.PID{}} {
			err := gen.Stop(diBg, rt, to, gen.ErrShutdown)
			var ce *gen.CallError
			if !errors.As(err, &ce) || ce.Op != "stop" || ce.To != to || !errors.Is(err, gen.ErrNoProc) {
				t.Errorf("Stop(%v) = %#v, want a stop *CallError wrapping noproc", to, err)
			}
		}
		pid := diStart(t, rt, &diSrv{}, gen.WithName("self-76"))
		for _, to := range []gen.Dest{pid, gen.Name("self-76")} {
			err, _ := diRun(t, rt, pid, func(p *gen.Process) any { return gen.Stop(p, rt, to, nil) }).(error)
			var ce *gen.CallError
			if !errors.As(err, &ce) || ce.Op != "stop" || !errors.Is(err, gen.ErrCallingSelf) {
				t.Errorf("Stop(self as %v) = %v, want a stop *CallError wrapping calling_self", to, err)
			}
		}
		if !rt.Alive(pid) {
			t.Errorf("stopping oneself ended the process")
		}
	})
}

func TestConformance77StopOtherReason(t *testing.T) {
	// conformance: 77
	t.Run("terminate panics", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			pid := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { panic("terminate-77") }})
			err := gen.Stop(diBg, rt, pid, gen.ErrShutdown)
			var ce *gen.CallError
			var ee *gen.ExitError
			var pe *gen.PanicError
			if !errors.As(err, &ce) || ce.Op != "stop" || !errors.As(err, &ee) || ee.PID != pid ||
				!errors.As(err, &pe) || pe.Value != "terminate-77" {
				t.Errorf("Stop = %v, want a stop *CallError with an *ExitError carrying Terminate's panic", err)
			}
			if errors.Is(err, gen.ErrShutdown) {
				t.Errorf("Stop = %v matches the requested reason", err)
			}
		})
	})
	t.Run("crashed before handling the stop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			errCrash := errors.New("crash-77")
			entered, gate := make(chan struct{}), make(chan struct{})
			pid := diStart(t, rt, &diSrv{cast: func(p *gen.Process, msg any) error {
				close(entered)
				<-gate
				return errCrash
			}})
			gen.Cast(rt, pid, "crash")
			<-entered
			res := make(chan error, 1)
			go func() { res <- gen.Stop(diBg, rt, pid, gen.ErrShutdown) }()
			synctest.Wait()
			close(gate)
			synctest.Wait()
			err := <-res
			var ee *gen.ExitError
			if !errors.As(err, &ee) || ee.Reason != errCrash {
				t.Errorf("Stop = %v, want an *ExitError with the crash reason", err)
			}
		})
	})
	t.Run("killed while terminating", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			pid := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { <-p.Done() }})
			res := make(chan error, 1)
			go func() { res <- gen.Stop(diBg, rt, pid, gen.ErrShutdown) }()
			synctest.Wait()
			rt.Exit(pid, gen.ErrKill)
			synctest.Wait()
			select {
			case err := <-res:
				var ee *gen.ExitError
				if !errors.As(err, &ee) || ee.Reason != gen.ErrKilled {
					t.Errorf("Stop = %v, want an *ExitError with reason killed", err)
				}
			default:
				t.Errorf("Stop still waiting after the process was killed")
			}
		})
	})
}

func TestConformance78StopTimeout(t *testing.T) {
	// conformance: 78
	// Left out: an invalid timeout. A context cannot be malformed, so there
	// is no Go form of Erlang's function_clause here.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		pid := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { time.Sleep(10 * time.Second) }})
		_, down := rt.Watch(pid)
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(diBg, time.Second)
		defer cancel()
		err := gen.Stop(ctx, rt, pid, gen.ErrShutdown)
		var ce *gen.CallError
		if !errors.As(err, &ce) || ce.Op != "stop" || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want a stop *CallError wrapping the deadline", err)
		}
		if el := time.Since(t0); el != time.Second {
			t.Errorf("Stop gave up after %v, want 1s", el)
		}
		synctest.Wait()
		diNoDown(t, down, "server still in Terminate")
		diAdvance(9 * time.Second)
		if d := diDown(t, down, "server after Terminate"); d.Reason != gen.ErrShutdown {
			t.Errorf("exit reason %v, want shutdown", d.Reason)
		}
	})
}

func TestConformance79StopDestinations(t *testing.T) {
	// conformance: 79
	// Left out: {:global, n}; the runtime has no global registry.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		reg := &mapRegistrar{}
		dests := []struct {
			name string
			opts []gen.StartOption
			dest func(pid gen.PID) gen.Dest
		}{
			{"pid", nil, func(pid gen.PID) gen.Dest { return pid }},
			{"name", []gen.StartOption{gen.WithName("n-79")}, func(gen.PID) gen.Dest { return gen.Name("n-79") }},
			{"name@node", []gen.StartOption{gen.WithName("r-79")},
				func(gen.PID) gen.Dest { return gen.RemoteName{Name: "r-79", Node: rt.Node()} }},
			{"via", []gen.StartOption{gen.WithVia(reg, "v-79")},
				func(gen.PID) gen.Dest { return gen.Via{Registrar: reg, Key: "v-79"} }},
		}
		for _, d := range dests {
			var terms diBag[error]
			pid := diStart(t, rt, &diSrv{term: func(p *gen.Process, reason error) { terms.add(reason) }}, d.opts...)
			if err := gen.Stop(diBg, rt, d.dest(pid), gen.ErrShutdown); err != nil {
				t.Errorf("%s: Stop = %v", d.name, err)
			}
			if got := terms.list(); len(got) != 1 || got[0] != gen.ErrShutdown || rt.Alive(pid) {
				t.Errorf("%s: Terminate got %v, alive %v", d.name, got, rt.Alive(pid))
			}
		}
		remote := []gen.Dest{
			gen.RemoteName{Name: "r-79", Node: "other@host"},
			gen.PID{Node: "other@host", ID: 1, Creation: 1},
		}
		for _, to := range remote {
			err := gen.Stop(diBg, rt, to, nil)
			var nd *gen.NodeDownError
			if !errors.As(err, &nd) || nd.Node != "other@host" || !errors.Is(err, gen.ErrNodeDown) {
				t.Errorf("Stop(%v) = %v, want nodedown other@host", to, err)
			}
		}
	})
}

func TestConformance80StopWhileSuspended(t *testing.T) {
	// conformance: 80
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		var rec diRec
		pid := diStart(t, rt, &diSrv{
			cast: func(p *gen.Process, msg any) error { rec.add("cast %v", msg); return nil },
			term: func(p *gen.Process, reason error) { rec.add("terminate %v", reason) },
		})
		if err := sys.Suspend(diBg, rt, pid); err != nil {
			t.Fatal(err)
		}
		gen.Cast(rt, pid, "queued")
		if err := gen.Stop(diBg, rt, pid, gen.ErrShutdown); err != nil {
			t.Errorf("Stop of a suspended server = %v", err)
		}
		if got, want := rec.list(), []string{"terminate shutdown"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestConformance81StopCrashReport(t *testing.T) {
	// conformance: 81
	cases := []struct {
		reason error
		report bool
	}{
		{nil, false},
		{gen.ErrNormal, false},
		{gen.ErrShutdown, false},
		{&gen.ShutdownError{Detail: 81}, false},
		{errors.New("reason-81"), true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.reason), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, logs := newRuntime(t)
				pid := diStart(t, rt, &diSrv{})
				if err := gen.Stop(diBg, rt, pid, tc.reason); err != nil {
					t.Fatal(err)
				}
				out := logs.String()
				if got := strings.Contains(out, "gen: process terminating"); got != tc.report {
					t.Errorf("crash report = %v, want %v:\n%s", got, tc.report, out)
				}
				if tc.report && !strings.Contains(out, "reason-81") {
					t.Errorf("crash report lacks the reason:\n%s", out)
				}
			})
		})
	}
}
