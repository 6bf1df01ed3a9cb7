package gen_test

// Conformance tests for groups L (links and trap_exit, items 99–106) and M
// (monitors, items 107–112) of /work/shared/CONFORMANCE.md. Helpers (jn*)
// are in conformance_jk_test.go.
//
// Items 106 and 112 need a second node for their main case (a connection
// lost while linked or monitored); that part waits for distribution (dist
// issue). What the non-distributed runtime does is tested: a link or monitor
// to a process on another node gets noconnection at once.

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// jnLinks returns the links of the probe at pid, sorted by ID.
func jnLinks(t testing.TB, rt *gen.Runtime, pid gen.PID) []gen.PID {
	t.Helper()
	l := jnRun(t, rt, pid, func(p *gen.Process) any { return p.Links() }).([]gen.PID)
	slices.SortFunc(l, func(a, b gen.PID) int { return int(a.ID) - int(b.ID) })
	return l
}

func jnWatch(rt *gen.Runtime, pid gen.PID) <-chan gen.Down {
	_, ch := rt.Watch(pid)
	return ch
}

// jnDeadPID returns the PID of a process that has exited.
func jnDeadPID(t testing.TB, rt *gen.Runtime) gen.PID {
	t.Helper()
	pid := jnStart(t, rt, newJnProbe(false))
	if err := gen.Stop(context.Background(), rt, pid, nil); err != nil {
		t.Fatal(err)
	}
	return pid
}

// jnRemotePID is a PID on a node this runtime cannot reach.
var jnRemotePID = gen.PID{Node: "other@host", ID: 7, Creation: 1}

// jnGateReg is a registrar whose UnregisterName, called by an exiting
// process, reports on entered and then waits for release. The runtime calls
// it once the process is dead but before its links and monitors are
// signalled, so a test can act inside that window.
type jnGateReg struct {
	*jnViaReg
	entered chan struct{}
	release chan struct{}
}

func newJnGateReg() *jnGateReg {
	return &jnGateReg{jnViaReg: newJnViaReg(), entered: make(chan struct{}), release: make(chan struct{})}
}

func (r *jnGateReg) UnregisterName(key any, pid gen.PID) {
	close(r.entered)
	<-r.release
	r.jnViaReg.UnregisterName(key, pid)
}

// ---------------------------------------------------------------------------
// L. Links and trap_exit

func TestConformanceLinkBidirectionalOnce(t *testing.T) {
	t.Run("both ends see the link; once per pair; not to self", func(t *testing.T) {
		// conformance: 99
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			a := jnStart(t, rt, newJnProbe(false))
			b := jnStart(t, rt, newJnProbe(false))
			jnRun(t, rt, a, func(p *gen.Process) any {
				p.Link(b)
				p.Link(b)
				p.Link(p.Self())
				return nil
			})
			if got := jnLinks(t, rt, a); !slices.Equal(got, []gen.PID{b}) {
				t.Errorf("a's links = %v, want [b]", got)
			}
			if got := jnLinks(t, rt, b); !slices.Equal(got, []gen.PID{a}) {
				t.Errorf("b's links = %v, want [a]", got)
			}
			// The other end linking again adds nothing either.
			jnRun(t, rt, b, func(p *gen.Process) any { p.Link(a); return nil })
			if got := jnLinks(t, rt, a); len(got) != 1 {
				t.Errorf("a's links after b linked again = %v, want one", got)
			}
			// One Unlink removes the only link: linking twice made one.
			jnRun(t, rt, a, func(p *gen.Process) any { p.Unlink(b); return nil })
			if got := jnLinks(t, rt, a); len(got) != 0 {
				t.Errorf("a's links after one Unlink = %v, want none", got)
			}
			if got := jnLinks(t, rt, b); len(got) != 0 {
				t.Errorf("b's links after a's Unlink = %v, want none", got)
			}
			wa := jnWatch(rt, a)
			gen.Cast(rt, b, jnCrash{jnBoom})
			synctest.Wait()
			jnNoDown(t, wa, "a after b crashed, unlinked")
		})
	})
	for _, dir := range []string{"linker crashes", "linked crashes"} {
		t.Run(dir, func(t *testing.T) {
			// conformance: 99
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				a := jnStart(t, rt, newJnProbe(false))
				b := jnStart(t, rt, newJnProbe(false))
				jnRun(t, rt, a, func(p *gen.Process) any { p.Link(b); return nil })
				crash, peer := a, b
				if dir == "linked crashes" {
					crash, peer = b, a
				}
				w := jnWatch(rt, peer)
				gen.Cast(rt, crash, jnCrash{jnBoom})
				synctest.Wait()
				if d := jnDown(t, w, "peer"); d.Reason != jnBoom {
					t.Errorf("peer exited with %v, want boom", d.Reason)
				}
			})
		})
	}
}

func TestConformanceLinkPropagates(t *testing.T) {
	reasons := []struct {
		name   string
		reason error
	}{
		{"crash", jnBoom},
		{"shutdown", gen.ErrShutdown},
		{"shutdown with detail", &gen.ShutdownError{Detail: "bye"}},
	}
	for _, r := range reasons {
		t.Run(r.name, func(t *testing.T) {
			// conformance: 100
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				// end (trapping) - a - b - c
				end := newJnProbe(true)
				epid := jnStart(t, rt, end)
				a := jnStartLinked(t, rt, epid, newJnProbe(false))
				b := jnStartLinked(t, rt, a, newJnProbe(false))
				c := jnStartLinked(t, rt, b, newJnProbe(false))
				wa, wb, wc := jnWatch(rt, a), jnWatch(rt, b), jnWatch(rt, c)

				gen.Cast(rt, c, jnCrash{r.reason})
				synctest.Wait()
				for _, w := range []struct {
					name string
					ch   <-chan gen.Down
				}{{"c", wc}, {"b", wb}, {"a", wa}} {
					if d := jnDown(t, w.ch, w.name); d.Reason != r.reason {
						t.Errorf("%s exited with %v, want %v", w.name, d.Reason, r.reason)
					}
				}
				want := []any{gen.ExitSignal{From: a, Reason: r.reason}}
				if got := jnDrain(end.msgs); !slices.Equal(got, want) {
					t.Errorf("trapping end got %v, want %v", got, want)
				}
				if !rt.Alive(epid) {
					t.Error("trapping end died")
				}
			})
		})
	}
}

func TestConformanceNormalExitDoesNotKill(t *testing.T) {
	t.Run("linked process exits normally", func(t *testing.T) {
		// conformance: 101
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			a := jnStart(t, rt, newJnProbe(false))
			b := jnStartLinked(t, rt, a, newJnProbe(false))
			c := jnStartLinked(t, rt, a, newJnProbe(false))
			wa := jnWatch(rt, a)
			if err := gen.Stop(context.Background(), rt, b, nil); err != nil {
				t.Fatal(err)
			}
			gen.Cast(rt, c, jnCrash{gen.ErrNormal})
			synctest.Wait()
			jnNoDown(t, wa, "a")
			if !rt.Alive(a) {
				t.Error("a died of a normal exit")
			}
		})
	})
	t.Run("exit(pid, normal) on another process", func(t *testing.T) {
		// conformance: 101
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			target := newJnProbe(false)
			tpid := jnStart(t, rt, target)
			other := jnStart(t, rt, newJnProbe(false))
			w := jnWatch(rt, tpid)
			jnRun(t, rt, other, func(p *gen.Process) any { p.Exit(tpid, gen.ErrNormal); return nil })
			rt.Exit(tpid, gen.ErrNormal)
			rt.Exit(tpid, nil) // nil means normal
			synctest.Wait()
			jnUntouched(t, w, target, "target", "non-trapping target", "")
		})
	})
	t.Run("exit(self, normal) ends the caller", func(t *testing.T) {
		// conformance: 101
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			pid := jnStart(t, rt, newJnProbe(false))
			w := jnWatch(rt, pid)
			_, err := gen.Call[jnBox](context.Background(), rt, pid, jnDo(func(p *gen.Process) any {
				p.Exit(p.Self(), gen.ErrNormal)
				return nil
			}))
			var ee *gen.ExitError
			if !errors.As(err, &ee) || ee.Reason != gen.ErrNormal {
				t.Errorf("call into the exiting process: %v, want an ExitError with reason normal", err)
			}
			synctest.Wait()
			if d := jnDown(t, w, "caller"); d.Reason != gen.ErrNormal {
				t.Errorf("caller exited with %v, want normal", d.Reason)
			}
		})
	})
}

func TestConformanceTrapExit(t *testing.T) {
	shutdown := &gen.ShutdownError{Detail: 102}
	tests := []struct {
		name string
		// send makes the signal; it returns the From and reason expected.
		send func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error)
	}{
		{"linked process exits normally", func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error) {
			c := jnStartLinked(t, rt, trapper, newJnProbe(false))
			gen.Stop(context.Background(), rt, c, nil)
			return c, gen.ErrNormal
		}},
		{"linked process crashes", func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error) {
			c := jnStartLinked(t, rt, trapper, newJnProbe(false))
			gen.Cast(rt, c, jnCrash{jnBoom})
			return c, jnBoom
		}},
		{"exit(pid, normal) from a process", func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error) {
			o := jnStart(t, rt, newJnProbe(false))
			jnRun(t, rt, o, func(p *gen.Process) any { p.Exit(trapper, gen.ErrNormal); return nil })
			return o, gen.ErrNormal
		}},
		{"exit(pid, boom) from a process", func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error) {
			o := jnStart(t, rt, newJnProbe(false))
			jnRun(t, rt, o, func(p *gen.Process) any { p.Exit(trapper, jnBoom); return nil })
			return o, jnBoom
		}},
		{"exit(pid, shutdown) from outside", func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error) {
			rt.Exit(trapper, shutdown)
			return gen.PID{}, shutdown
		}},
		{"exit(self, normal)", func(t *testing.T, rt *gen.Runtime, trapper gen.PID) (gen.PID, error) {
			jnRun(t, rt, trapper, func(p *gen.Process) any { p.Exit(p.Self(), gen.ErrNormal); return nil })
			return trapper, gen.ErrNormal
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 102
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				trapper := newJnProbe(true)
				tpid := jnStart(t, rt, trapper)
				w := jnWatch(rt, tpid)
				from, reason := tc.send(t, rt, tpid)
				synctest.Wait()
				want := []any{gen.ExitSignal{From: from, Reason: reason}}
				if got := jnDrain(trapper.msgs); !slices.Equal(got, want) {
					t.Errorf("trapping process got %v, want %v", got, want)
				}
				jnNoDown(t, w, "trapping process")
			})
		})
	}
}

func TestConformanceKillUntrappable(t *testing.T) {
	tests := []struct {
		name string
		kill func(rt *gen.Runtime, victim gen.PID, killer gen.PID)
	}{
		{"from outside", func(rt *gen.Runtime, victim, _ gen.PID) { rt.Exit(victim, gen.ErrKill) }},
		{"from a process", func(rt *gen.Runtime, victim, killer gen.PID) {
			gen.Cast(rt, killer, jnDo(func(p *gen.Process) any { p.Exit(victim, gen.ErrKill); return nil }))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 103
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				// trapping peer - victim (trapping) - plain peer
				peer := newJnProbe(true)
				ppid := jnStart(t, rt, peer)
				victim := newJnProbe(true)
				terminated := false
				victim.onTerminate = func(*gen.Process, error) { terminated = true }
				vpid := jnStartLinked(t, rt, ppid, victim)
				plain := jnStartLinked(t, rt, vpid, newJnProbe(false))
				killer := jnStart(t, rt, newJnProbe(false))
				wv, wplain := jnWatch(rt, vpid), jnWatch(rt, plain)

				tc.kill(rt, vpid, killer)
				synctest.Wait()
				if d := jnDown(t, wv, "victim"); d.Reason != gen.ErrKilled {
					t.Errorf("trapping victim exited with %v, want killed", d.Reason)
				}
				if got := jnDrain(victim.msgs); len(got) != 0 {
					t.Errorf("victim trapped %v", got)
				}
				if terminated {
					t.Error("Terminate ran on kill")
				}
				want := []any{gen.ExitSignal{From: vpid, Reason: gen.ErrKilled}}
				if got := jnDrain(peer.msgs); !slices.Equal(got, want) {
					t.Errorf("trapping link got %v, want %v", got, want)
				}
				if d := jnDown(t, wplain, "non-trapping link"); d.Reason != gen.ErrKilled {
					t.Errorf("non-trapping link exited with %v, want killed", d.Reason)
				}
			})
		})
	}
}

func TestConformanceLinkToDead(t *testing.T) {
	t.Run("trapping caller gets noproc", func(t *testing.T) {
		// conformance: 104
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			dead := jnDeadPID(t, rt)
			caller := newJnProbe(true)
			cpid := jnStart(t, rt, caller)
			jnRun(t, rt, cpid, func(p *gen.Process) any { p.Link(dead); return nil })
			synctest.Wait()
			want := []any{gen.ExitSignal{From: dead, Reason: gen.ErrNoProc}}
			if got := jnDrain(caller.msgs); !slices.Equal(got, want) {
				t.Errorf("caller got %v, want %v", got, want)
			}
			if got := jnLinks(t, rt, cpid); len(got) != 0 {
				t.Errorf("caller still linked to %v", got)
			}
		})
	})
	t.Run("non-trapping caller is killed with noproc", func(t *testing.T) {
		// conformance: 104
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			dead := jnDeadPID(t, rt)
			cpid := jnStart(t, rt, newJnProbe(false))
			w := jnWatch(rt, cpid)
			_, err := gen.Call[jnBox](context.Background(), rt, cpid, jnDo(func(p *gen.Process) any { p.Link(dead); return nil }))
			var ee *gen.ExitError
			if !errors.As(err, &ee) || ee.Reason != gen.ErrNoProc {
				t.Errorf("call: %v, want an ExitError with reason noproc", err)
			}
			synctest.Wait()
			if d := jnDown(t, w, "caller"); d.Reason != gen.ErrNoProc {
				t.Errorf("caller exited with %v, want noproc", d.Reason)
			}
		})
	})
}

func TestConformanceUnlink(t *testing.T) {
	tests := []struct {
		name        string
		trap        bool
		unlinkOther bool // the other end calls Unlink
	}{
		{"trapping, unlink by caller", true, false},
		{"trapping, unlink by other end", true, true},
		{"not trapping, unlink by caller", false, false},
		{"not trapping, unlink by other end", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 105
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				a := newJnProbe(tc.trap)
				apid := jnStart(t, rt, a)
				b := jnStartLinked(t, rt, apid, newJnProbe(false))
				if tc.unlinkOther {
					jnRun(t, rt, b, func(p *gen.Process) any { p.Unlink(apid); return nil })
				} else {
					jnRun(t, rt, apid, func(p *gen.Process) any { p.Unlink(b); return nil })
				}
				wa := jnWatch(rt, apid)
				gen.Cast(rt, b, jnCrash{jnBoom})
				synctest.Wait()
				if rt.Alive(b) {
					t.Fatal("b did not crash")
				}
				jnUntouched(t, wa, a, "a", "a", "after Unlink")
				// And a's exit does not reach b's side either.
				if got := jnLinks(t, rt, apid); len(got) != 0 {
					t.Errorf("a still linked to %v", got)
				}
			})
		})
	}
}

func TestConformanceUnlinkWhileExiting(t *testing.T) {
	for _, trap := range []bool{true, false} {
		t.Run(map[bool]string{true: "trapping", false: "not trapping"}[trap], func(t *testing.T) {
			// conformance: 105
			// b is already exiting, its links taken, when a unlinks: the
			// exit signal still in flight must not reach a.
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				a := newJnProbe(trap)
				apid := jnStart(t, rt, a)
				gate := newJnGateReg()
				b := jnRun(t, rt, apid, func(p *gen.Process) any {
					pid, err := gen.StartLink(p, rt, newJnProbe(false), gen.WithVia(gate, "b105"))
					if err != nil {
						return err
					}
					return pid
				})
				bpid, ok := b.(gen.PID)
				if !ok {
					t.Fatalf("StartLink: %v", b)
				}
				wa := jnWatch(rt, apid)
				gen.Cast(rt, bpid, jnCrash{jnBoom})
				<-gate.entered
				jnRun(t, rt, apid, func(p *gen.Process) any { p.Unlink(bpid); return nil })
				close(gate.release)
				synctest.Wait()
				jnUntouched(t, wa, a, "a", "a", "after Unlink returned")
			})
		})
	}
}

func TestConformanceRemoteLinkNoConnection(t *testing.T) {
	t.Run("trapping", func(t *testing.T) {
		// conformance: 106
		// Non-distributed runtime: the node is unreachable, so the link
		// fails at once. A link lost later needs a second node and waits
		// for distribution.
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			caller := newJnProbe(true)
			cpid := jnStart(t, rt, caller)
			jnRun(t, rt, cpid, func(p *gen.Process) any { p.Link(jnRemotePID); return nil })
			synctest.Wait()
			want := []any{gen.ExitSignal{From: jnRemotePID, Reason: gen.ErrNoConnection}}
			if got := jnDrain(caller.msgs); !slices.Equal(got, want) {
				t.Errorf("caller got %v, want %v", got, want)
			}
			if got := jnLinks(t, rt, cpid); len(got) != 0 {
				t.Errorf("caller still linked to %v", got)
			}
		})
	})
	t.Run("not trapping", func(t *testing.T) {
		// conformance: 106
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			cpid := jnStart(t, rt, newJnProbe(false))
			w := jnWatch(rt, cpid)
			gen.Cast(rt, cpid, jnDo(func(p *gen.Process) any { p.Link(jnRemotePID); return nil }))
			synctest.Wait()
			if d := jnDown(t, w, "caller"); d.Reason != gen.ErrNoConnection {
				t.Errorf("caller exited with %v, want noconnection", d.Reason)
			}
		})
	})
}

// ---------------------------------------------------------------------------
// M. Monitors

func TestConformanceMonitorDown(t *testing.T) {
	t.Run("one Down with ref, pid and reason", func(t *testing.T) {
		// conformance: 107
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			target := jnStart(t, rt, newJnProbe(false))
			ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(target) }).(gen.Ref)
			if ref.IsZero() {
				t.Fatal("Monitor returned the zero Ref")
			}
			gen.Cast(rt, target, jnCrash{jnBoom})
			synctest.Wait()
			want := []any{gen.Down{Ref: ref, PID: target, Reason: jnBoom}}
			if got := jnDrain(m.msgs); !slices.Equal(got, want) {
				t.Errorf("monitoring process got %v, want %v", got, want)
			}
			if !rt.Alive(mpid) {
				t.Error("the monitoring process died with the monitored one")
			}
		})
	})
	t.Run("monitored process is not affected", func(t *testing.T) {
		// conformance: 107
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			mpid := jnStart(t, rt, newJnProbe(false))
			target := newJnProbe(true)
			tpid := jnStart(t, rt, target)
			wt := jnWatch(rt, tpid)
			jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(tpid) })
			gen.Cast(rt, mpid, jnCrash{jnBoom})
			synctest.Wait()
			jnUntouched(t, wt, target, "monitored process", "monitored process", "when its monitor died")
		})
	})
}

func TestConformanceMonitorDead(t *testing.T) {
	t.Run("process", func(t *testing.T) {
		// conformance: 108
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			dead := jnDeadPID(t, rt)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			start := time.Now()
			ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(dead) }).(gen.Ref)
			synctest.Wait()
			want := []any{gen.Down{Ref: ref, PID: dead, Reason: gen.ErrNoProc}}
			if got := jnDrain(m.msgs); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if d := time.Since(start); d != 0 {
				t.Errorf("Down took %v, want at once", d)
			}
		})
	})
	t.Run("Watch", func(t *testing.T) {
		// conformance: 108
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			dead := jnDeadPID(t, rt)
			ref, ch := rt.Watch(dead)
			if d := jnDown(t, ch, "Watch"); d != (gen.Down{Ref: ref, PID: dead, Reason: gen.ErrNoProc}) {
				t.Errorf("Watch gave %+v, want noproc for %v", d, dead)
			}
		})
	})
}

func TestConformanceMonitorByName(t *testing.T) {
	t.Run("Down names the name", func(t *testing.T) {
		// conformance: 109
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			target := jnStart(t, rt, newJnProbe(false), gen.WithName("target109"))
			local := gen.RemoteName{Name: "target109", Node: rt.Node()}
			refs := jnRun(t, rt, mpid, func(p *gen.Process) any {
				return []gen.Ref{p.Monitor(gen.Name("target109")), p.Monitor(local)}
			}).([]gen.Ref)
			gen.Cast(rt, target, jnCrash{jnBoom})
			synctest.Wait()
			got := jnDrain(m.msgs)
			want := []gen.Down{
				{Ref: refs[0], PID: target, Name: gen.Name("target109"), Reason: jnBoom},
				{Ref: refs[1], PID: target, Name: local, Reason: jnBoom},
			}
			if len(got) != len(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			for _, w := range want {
				if !slices.Contains(got, any(w)) {
					t.Errorf("missing %+v in %v", w, got)
				}
			}
		})
	})
	t.Run("the name is resolved when monitoring", func(t *testing.T) {
		// conformance: 109
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			first := jnStart(t, rt, newJnProbe(false), gen.WithName("n109"))
			ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(gen.Name("n109")) }).(gen.Ref)
			if err := rt.Unregister("n109"); err != nil {
				t.Fatal(err)
			}
			second := jnStart(t, rt, newJnProbe(false), gen.WithName("n109"))
			gen.Cast(rt, second, jnCrash{jnBoom})
			synctest.Wait()
			if got := jnDrain(m.msgs); len(got) != 0 {
				t.Errorf("the new owner's exit reached the monitor: %v", got)
			}
			gen.Cast(rt, first, jnCrash{jnBoom})
			synctest.Wait()
			want := []any{gen.Down{Ref: ref, PID: first, Name: gen.Name("n109"), Reason: jnBoom}}
			if got := jnDrain(m.msgs); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	})
	t.Run("unregistered name gives noproc at once", func(t *testing.T) {
		// conformance: 109
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			start := time.Now()
			ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(gen.Name("nobody109")) }).(gen.Ref)
			synctest.Wait()
			want := []any{gen.Down{Ref: ref, Name: gen.Name("nobody109"), Reason: gen.ErrNoProc}}
			if got := jnDrain(m.msgs); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if d := time.Since(start); d != 0 {
				t.Errorf("Down took %v, want at once", d)
			}
		})
	})
}

func TestConformanceTwoMonitors(t *testing.T) {
	// conformance: 110
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		m := newJnProbe(false)
		mpid := jnStart(t, rt, m)
		target := jnStart(t, rt, newJnProbe(false))
		refs := jnRun(t, rt, mpid, func(p *gen.Process) any {
			return []gen.Ref{p.Monitor(target), p.Monitor(target)}
		}).([]gen.Ref)
		if refs[0] == refs[1] {
			t.Fatalf("both monitors have ref %v", refs[0])
		}
		gen.Cast(rt, target, jnCrash{jnBoom})
		synctest.Wait()
		got := jnDrain(m.msgs)
		if len(got) != 2 {
			t.Fatalf("got %v, want two Downs", got)
		}
		for _, ref := range refs {
			if !slices.Contains(got, any(gen.Down{Ref: ref, PID: target, Reason: jnBoom})) {
				t.Errorf("no Down for %v in %v", ref, got)
			}
		}
	})
}

func TestConformanceDemonitor(t *testing.T) {
	t.Run("no Down after Demonitor", func(t *testing.T) {
		// conformance: 111
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			target := jnStart(t, rt, newJnProbe(false))
			ok := jnRun(t, rt, mpid, func(p *gen.Process) any {
				return p.Demonitor(p.Monitor(target), false)
			})
			if ok != true {
				t.Errorf("Demonitor returned %v, want true", ok)
			}
			gen.Cast(rt, target, jnCrash{jnBoom})
			synctest.Wait()
			if rt.Alive(target) {
				t.Fatal("target did not crash")
			}
			if got := jnDrain(m.msgs); len(got) != 0 {
				t.Errorf("got %v after Demonitor", got)
			}
		})
	})
	t.Run("flush removes a queued Down", func(t *testing.T) {
		// conformance: 111
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			target := jnStart(t, rt, newJnProbe(false))
			r := jnRun(t, rt, mpid, func(p *gen.Process) any {
				ref := p.Monitor(target)
				// The kill is synchronous: the Down is queued when Exit returns.
				p.Exit(target, gen.ErrKill)
				p.Monitor(jnDeadPIDUnder(rt)) // another, unrelated Down
				return p.Demonitor(ref, true)
			})
			if r != true {
				t.Errorf("Demonitor(flush) returned %v, want true", r)
			}
			synctest.Wait()
			for _, msg := range jnDrain(m.msgs) {
				if d, ok := msg.(gen.Down); ok && d.PID == target {
					t.Errorf("flushed Down arrived: %+v", d)
				}
			}
		})
	})
	t.Run("flush removes a Down already taken into the batch", func(t *testing.T) {
		// conformance: 111
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			target := jnStart(t, rt, newJnProbe(false))
			ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(target) }).(gen.Ref)
			// Hold the monitoring process in a callback while the Down and
			// a flushing Demonitor queue up behind it.
			release := make(chan struct{})
			result := make(chan bool, 1)
			gen.Cast(rt, mpid, jnDo(func(p *gen.Process) any { <-release; return nil }))
			gen.Cast(rt, mpid, jnDo(func(p *gen.Process) any { result <- p.Demonitor(ref, true); return nil }))
			gen.Cast(rt, target, jnCrash{jnBoom})
			synctest.Wait()
			close(release)
			synctest.Wait()
			if ok := <-result; !ok {
				t.Error("Demonitor(flush) returned false")
			}
			if got := jnDrain(m.msgs); len(got) != 0 {
				t.Errorf("got %v after Demonitor(flush)", got)
			}
		})
	})
	t.Run("without flush a queued Down stays", func(t *testing.T) {
		// conformance: 111
		synctest.Test(t, func(t *testing.T) {
			rt, _ := newRuntime(t)
			m := newJnProbe(false)
			mpid := jnStart(t, rt, m)
			target := jnStart(t, rt, newJnProbe(false))
			ref := jnRun(t, rt, mpid, func(p *gen.Process) any {
				ref := p.Monitor(target)
				p.Exit(target, gen.ErrKill)
				p.Demonitor(ref, false)
				return ref
			}).(gen.Ref)
			synctest.Wait()
			want := []any{gen.Down{Ref: ref, PID: target, Reason: gen.ErrKilled}}
			if got := jnDrain(m.msgs); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	})
}

func TestConformanceDemonitorWhileExiting(t *testing.T) {
	for _, flush := range []bool{false, true} {
		t.Run(map[bool]string{false: "demonitor", true: "demonitor with flush"}[flush], func(t *testing.T) {
			// conformance: 111
			// The target is already exiting, its monitors taken, when the
			// monitor is removed: once Demonitor has returned, no Down for
			// it may arrive (erlang:demonitor/1 guarantee).
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				m := newJnProbe(false)
				mpid := jnStart(t, rt, m)
				gate := newJnGateReg()
				target := jnStart(t, rt, newJnProbe(false), gen.WithVia(gate, "t111"))
				ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(target) }).(gen.Ref)
				gen.Cast(rt, target, jnCrash{jnBoom})
				<-gate.entered
				ok := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Demonitor(ref, flush) })
				if ok != true {
					t.Errorf("Demonitor returned %v, want true", ok)
				}
				close(gate.release)
				synctest.Wait()
				if got := jnDrain(m.msgs); len(got) != 0 {
					t.Errorf("got %v after Demonitor returned", got)
				}
			})
		})
	}
}

// jnDeadPIDUnder returns a dead PID without a testing.TB, for use inside a
// process; it is only ever a process that was started and killed.
func jnDeadPIDUnder(rt *gen.Runtime) gen.PID {
	pid, err := gen.Start(context.Background(), rt, newJnProbe(false))
	if err != nil {
		panic(err)
	}
	rt.Exit(pid, gen.ErrKill)
	return pid
}

func TestConformanceRemoteMonitorNoConnection(t *testing.T) {
	remoteName := gen.RemoteName{Name: "srv", Node: "other@host"}
	tests := []struct {
		name string
		to   gen.Dest
		want func(ref gen.Ref) gen.Down
	}{
		{"remote pid", jnRemotePID, func(ref gen.Ref) gen.Down {
			return gen.Down{Ref: ref, PID: jnRemotePID, Reason: gen.ErrNoConnection}
		}},
		{"remote name", remoteName, func(ref gen.Ref) gen.Down {
			return gen.Down{Ref: ref, Name: remoteName, Reason: gen.ErrNoConnection}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// conformance: 112
			// Non-distributed runtime: the node is disconnected, so the
			// Down comes at once. A connection lost while monitoring
			// needs a second node and waits for distribution.
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				m := newJnProbe(false)
				mpid := jnStart(t, rt, m)
				start := time.Now()
				ref := jnRun(t, rt, mpid, func(p *gen.Process) any { return p.Monitor(tc.to) }).(gen.Ref)
				synctest.Wait()
				want := []any{tc.want(ref)}
				if got := jnDrain(m.msgs); !slices.Equal(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
				if d := time.Since(start); d != 0 {
					t.Errorf("Down took %v, want at once", d)
				}
				wref, ch := rt.Watch(tc.to)
				if d := jnDown(t, ch, "Watch"); d != tc.want(wref) {
					t.Errorf("Watch gave %+v, want %+v", d, tc.want(wref))
				}
			})
		})
	}
}
