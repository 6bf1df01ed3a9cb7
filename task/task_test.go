package task_test

// Conformance tests for group T (Task, items 189–193) of
// /work/shared/CONFORMANCE.md, and the rest of the package.
//
// conformance: 193 n/a (the child-spec part only): "{Task, fun} child specs and use Task are restart: :temporary" is a property of the supervisor's child spec, which this package does not define; task.StartFunc gives the spec its start function (TestStartFunc), and the restart default belongs to the supervisor package. The yield and shutdown parts are tested below.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/task"
)

// ---------------------------------------------------------------------------
// 189: async links and monitors; await returns the result, default 5000 ms;
// on timeout the caller fails with {:timeout, {Task, :await, ...}}.

func TestAsyncAwait(t *testing.T) {
	// conformance: 189
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		b := newBlocker()
		type seen struct {
			r     res[int]
			links []gen.PID
			task  gen.PID
			owner gen.PID
		}
		out := in(t, rt, opid, func(p *gen.Process) any {
			tk, err := task.Async(p, b.fn(42))
			if err != nil {
				return seen{r: res[int]{err: err}}
			}
			<-b.started
			links := p.Links()
			close(b.release)
			v, err := tk.Await(p)
			return seen{r: res[int]{v: v, err: err}, links: links, task: tk.PID(), owner: tk.Owner()}
		}).(seen)
		if out.r.err != nil || out.r.v != 42 {
			t.Fatalf("Await = %d, %v; want 42, nil", out.r.v, out.r.err)
		}
		if !slices.Contains(out.links, out.task) {
			t.Errorf("owner's links %v do not hold the task %v", out.links, out.task)
		}
		if out.owner != opid {
			t.Errorf("Owner() = %v; want %v", out.owner, opid)
		}
		synctest.Wait()
		if rt.Alive(out.task) {
			t.Error("the task process is still alive after returning its result")
		}
	})
}

func TestAsyncWatchesTask(t *testing.T) {
	// conformance: 189
	// Monitored: a task killed by a third party ends the Await at once with
	// killed, without waiting for the timeout.
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, true) // traps, so the link does not kill it
		b := newBlocker()
		start := time.Now()
		r := in(t, rt, opid, func(p *gen.Process) any {
			tk, _ := task.Async(p, b.fn(1))
			<-b.started
			rt.Exit(tk.PID(), gen.ErrKill)
			v, err := tk.Await(p)
			return res[int]{v: v, err: err}
		}).(res[int])
		if !errors.Is(r.err, gen.ErrKilled) {
			t.Errorf("Await = %v; want killed", r.err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Await took %v; want no wait", d)
		}
		if err := <-b.ended; !errors.Is(err, context.Canceled) {
			t.Errorf("the killed task's ctx ended with %v; want Canceled", err)
		}
	})
}

func TestAwaitTimeout(t *testing.T) {
	// conformance: 189
	for _, tc := range []struct {
		name string
		ctx  func(p *gen.Process) (context.Context, context.CancelFunc)
		want time.Duration
	}{
		{"default 5s", func(p *gen.Process) (context.Context, context.CancelFunc) { return p, func() {} }, 5 * time.Second},
		{"ctx deadline", func(p *gen.Process) (context.Context, context.CancelFunc) {
			return context.WithTimeout(p, 1500*time.Millisecond)
		}, 1500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				opid, _ := startOwner(t, rt, false)
				b := newBlocker()
				type out struct {
					err      error
					took     time.Duration
					again    error
					shutdown error
				}
				o := in(t, rt, opid, func(p *gen.Process) any {
					tk, _ := task.Async(p, b.fn(1))
					ctx, cancel := tc.ctx(p)
					defer cancel()
					start := time.Now()
					_, err := tk.Await(ctx)
					took := time.Since(start)
					_, again := tk.Await(p)
					_, _, serr := tk.Shutdown(p, task.BrutalKill)
					return out{err, took, again, serr}
				}).(out)
				var te *task.Error
				if !errors.As(o.err, &te) || te.Op != "await" || !te.Timeout() || !errors.Is(o.err, context.DeadlineExceeded) {
					t.Errorf("Await = %v; want a timeout *task.Error", o.err)
				}
				if o.took != tc.want {
					t.Errorf("Await gave up after %v; want %v", o.took, tc.want)
				}
				if !errors.Is(o.again, task.ErrAwaited) {
					t.Errorf("second Await = %v; want ErrAwaited", o.again)
				}
				if o.shutdown != nil {
					t.Errorf("Shutdown after the timeout = %v; want nil (the task was running)", o.shutdown)
				}
				if !rt.Alive(opid) {
					t.Error("the owner died")
				}
			})
		})
	}
}

// ---------------------------------------------------------------------------
// 190: if the task exits, await exits with its reason; the link takes down
// an owner that does not trap exits.

func TestAwaitTaskExits(t *testing.T) {
	// conformance: 190
	crash := errors.New("task failed")
	for _, tc := range []struct {
		name      string
		fn        func(ctx context.Context) (int, error)
		trap      bool
		isReason  func(error) bool
		ownerDies bool
	}{
		{"normal exit", func(context.Context) (int, error) { return 0, gen.ErrNormal }, false,
			func(err error) bool { return errors.Is(err, gen.ErrNormal) }, false},
		{"error", func(context.Context) (int, error) { return 0, crash }, false,
			func(err error) bool { return errors.Is(err, crash) }, true},
		{"panic", func(context.Context) (int, error) { panic("kaboom") }, false,
			func(err error) bool { pe, ok := errors.AsType[*gen.PanicError](err); return ok && pe.Value == "kaboom" }, true},
		{"error, trapping owner", func(context.Context) (int, error) { return 0, crash }, true,
			func(err error) bool { return errors.Is(err, crash) }, false},
		{"shutdown exit, trapping owner", func(context.Context) (int, error) { return 0, gen.ErrShutdown }, true,
			func(err error) bool { return errors.Is(err, gen.ErrShutdown) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				opid, o := startOwner(t, rt, tc.trap)
				_, ownerDown := rt.Watch(opid)
				type out struct {
					r    res[int]
					task gen.PID
				}
				got := in(t, rt, opid, func(p *gen.Process) any {
					tk, err := task.Async(p, tc.fn)
					if err != nil {
						return out{r: res[int]{err: err}}
					}
					v, err := tk.Await(p)
					return out{res[int]{v: v, err: err}, tk.PID()}
				}).(out)
				var ee *gen.ExitError
				if !errors.As(got.r.err, &ee) || ee.PID != got.task || !tc.isReason(got.r.err) {
					t.Fatalf("Await = %v; want an exit error from the task with its reason", got.r.err)
				}
				synctest.Wait()
				if alive := rt.Alive(opid); alive == tc.ownerDies {
					t.Errorf("owner alive = %v; want %v", alive, !tc.ownerDies)
				}
				if tc.ownerDies {
					if d := <-ownerDown; !tc.isReason(d.Reason) {
						t.Errorf("owner died with %v; want the task's reason", d.Reason)
					}
				}
				if tc.trap {
					mb := o.mailbox()
					if len(mb) != 1 {
						t.Fatalf("trapping owner's mailbox = %v; want one ExitSignal", mb)
					}
					if sig, ok := mb[0].(gen.ExitSignal); !ok || sig.From != got.task || !tc.isReason(sig.Reason) {
						t.Errorf("trapping owner got %v; want ExitSignal from the task with its reason", mb[0])
					}
				}
			})
		})
	}
}

func TestOwnerDeathKillsTask(t *testing.T) {
	// conformance: 190 (the other direction of the link)
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		b := newBlocker()
		tpid := in(t, rt, opid, func(p *gen.Process) any {
			tk, _ := task.Async(p, b.fn(1))
			<-b.started
			return tk.PID()
		}).(gen.PID)
		_, taskDown := rt.Watch(tpid)
		rt.Exit(opid, errors.New("owner crashed"))
		if d := <-taskDown; d.Reason == nil || d.Reason.Error() != "owner crashed" {
			t.Errorf("task died with %v; want the owner's reason", d.Reason)
		}
		if err := <-b.ended; !errors.Is(err, context.Canceled) {
			t.Errorf("task function ended with %v; want its ctx cancelled", err)
		}
	})
}

// ---------------------------------------------------------------------------
// 191: after an await timeout, no late reply and no DOWN in the mailbox.

func TestAwaitTimeoutLeavesNothing(t *testing.T) {
	// conformance: 191
	for _, trap := range []bool{false, true} {
		name := map[bool]string{false: "owner", true: "trapping owner"}[trap]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				opid, o := startOwner(t, rt, trap)
				b := newBlocker()
				type out struct {
					err  error
					task gen.PID
				}
				got := in(t, rt, opid, func(p *gen.Process) any {
					tk, _ := task.Async(p, b.fn(7))
					ctx, cancel := context.WithTimeout(p, time.Millisecond)
					defer cancel()
					_, err := tk.Await(ctx)
					return out{err, tk.PID()}
				}).(out)
				if !errors.Is(got.err, context.DeadlineExceeded) {
					t.Fatalf("Await = %v; want a timeout", got.err)
				}
				// The task finishes after the owner gave up: its reply and
				// its exit must leave no trace in the owner's mailbox.
				close(b.release)
				synctest.Wait()
				if rt.Alive(got.task) {
					t.Fatal("the task did not finish")
				}
				mb := o.mailbox()
				if trap {
					// The link is Elixir's too: a trapping owner sees the
					// task's normal exit, and nothing else.
					if len(mb) != 1 {
						t.Fatalf("mailbox = %v; want only the link's ExitSignal", mb)
					}
					if sig, ok := mb[0].(gen.ExitSignal); !ok || sig.From != got.task || sig.Reason != gen.ErrNormal {
						t.Errorf("mailbox = %v; want ExitSignal{task, normal}", mb)
					}
				} else if len(mb) != 0 {
					t.Errorf("mailbox = %v; want it empty", mb)
				}
			})
		})
	}
}

func TestAwaitLeavesNothing(t *testing.T) {
	// conformance: 191 (the successful paths: no reply or DOWN left either)
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, o := startOwner(t, rt, false)
		in(t, rt, opid, func(p *gen.Process) any {
			a, _ := task.Async(p, func(context.Context) (int, error) { return 1, nil })
			b, _ := task.Async(p, func(context.Context) (int, error) { return 2, nil })
			c, _ := task.Async(p, func(context.Context) (int, error) { return 3, nil })
			_, _ = a.Await(p)
			_, _, _ = b.Yield(p)
			_, _ = task.AwaitMany(p, c)
			return nil
		})
		synctest.Wait()
		if mb := o.mailbox(); len(mb) != 0 {
			t.Errorf("mailbox = %v; want it empty", mb)
		}
	})
}

// ---------------------------------------------------------------------------
// 192: only the owner may await or yield.

func TestOnlyOwnerAwaits(t *testing.T) {
	// conformance: 192
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		other, _ := startOwner(t, rt, false)
		b := newBlocker()
		tk := in(t, rt, opid, func(p *gen.Process) any {
			tk, _ := task.Async(p, b.fn(5))
			return tk
		}).(*task.Task[int])

		type tries struct{ await, yield, shutdown, many error }
		try := func(ctx context.Context) tries {
			_, a := tk.Await(ctx)
			_, _, y := tk.Yield(ctx)
			_, _, s := tk.Shutdown(ctx, task.BrutalKill)
			_, m := task.AwaitMany(ctx, tk)
			return tries{a, y, s, m}
		}
		check := func(who string, got tries) {
			t.Helper()
			for op, err := range map[string]error{"Await": got.await, "Yield": got.yield, "Shutdown": got.shutdown, "AwaitMany": got.many} {
				if !errors.Is(err, task.ErrNotOwner) {
					t.Errorf("%s from %s = %v; want ErrNotOwner", op, who, err)
				}
			}
		}
		check("another process", in(t, rt, other, func(p *gen.Process) any { return try(p) }).(tries))
		check("another process's derived ctx", in(t, rt, other, func(p *gen.Process) any {
			ctx, cancel := context.WithCancel(p)
			defer cancel()
			return try(ctx)
		}).(tries))
		check("a plain goroutine", try(context.Background()))

		if !rt.Alive(tk.PID()) {
			t.Fatal("a refused Shutdown stopped the task")
		}
		// The owner, through a context derived from its process, may.
		close(b.release)
		r := in(t, rt, opid, func(p *gen.Process) any {
			ctx, cancel := context.WithTimeout(p, time.Second)
			defer cancel()
			v, err := tk.Await(ctx)
			return res[int]{v: v, err: err}
		}).(res[int])
		if r.err != nil || r.v != 5 {
			t.Errorf("owner's Await = %d, %v; want 5, nil", r.v, r.err)
		}
	})
}

// Async needs an owner process: from a plain goroutine it fails and starts
// nothing. A context derived from the owner's process (a deadline for the
// await, say) is the owner as well: the task is linked to it, and the owner
// awaits it through that context.
func TestAsyncNotProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		if _, err := task.Async(context.Background(), func(context.Context) (int, error) { return 1, nil }); !errors.Is(err, gen.ErrNotProcess) {
			t.Errorf("Async from a plain goroutine = %v; want ErrNotProcess", err)
		}
		if n := len(rt.Processes()); n != 0 {
			t.Errorf("%d processes after a refused Async; want none", n)
		}
		opid, _ := startOwner(t, rt, false)
		got := in(t, rt, opid, func(p *gen.Process) any {
			ctx, cancel := context.WithTimeout(p, time.Minute)
			defer cancel()
			checked := make(chan struct{})
			tk, err := task.Async(ctx, func(context.Context) (int, error) { <-checked; return 7, nil })
			if err != nil {
				return err
			}
			links := p.Links()
			close(checked) // the task ends after, and its link with it
			if len(links) != 1 || links[0] != tk.PID() {
				return fmt.Errorf("owner's links %v; want the task %v", links, tk.PID())
			}
			v, err := tk.Await(ctx)
			return res[int]{v: v, err: err}
		})
		if r, ok := got.(res[int]); !ok || r.err != nil || r.v != 7 {
			t.Errorf("Async and Await with a derived ctx = %v; want 7, nil", got)
		}
	})
}

// ---------------------------------------------------------------------------
// 193: yield returns {:ok, v}, {:exit, r} or nil and the task keeps running;
// shutdown(task, timeout | :brutal_kill) stops it.

func TestYield(t *testing.T) {
	// conformance: 193
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		b := newBlocker()
		type out struct {
			first, def, last res[int]
			took             time.Duration
			alive            bool
		}
		o := in(t, rt, opid, func(p *gen.Process) any {
			var o out
			tk, _ := task.Async(p, b.fn(9))
			ctx, cancel := context.WithTimeout(p, time.Second)
			defer cancel()
			o.first.v, o.first.done, o.first.err = tk.Yield(ctx)
			start := time.Now()
			o.def.v, o.def.done, o.def.err = tk.Yield(p)
			o.took = time.Since(start)
			o.alive = rt.Alive(tk.PID())
			close(b.release)
			o.last.v, o.last.done, o.last.err = tk.Yield(p)
			return o
		}).(out)
		if o.first != (res[int]{}) || o.def != (res[int]{}) {
			t.Errorf("Yield before the result = %+v, %+v; want nothing (nil)", o.first, o.def)
		}
		if o.took != task.DefaultTimeout {
			t.Errorf("Yield without a deadline waited %v; want %v", o.took, task.DefaultTimeout)
		}
		if !o.alive {
			t.Error("the task stopped after Yield found nothing")
		}
		if o.last.v != 9 || !o.last.done || o.last.err != nil {
			t.Errorf("Yield after the result = %+v; want 9, true, nil ({:ok, 9})", o.last)
		}
	})
}

func TestYieldExit(t *testing.T) {
	// conformance: 193
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, true)
		crash := errors.New("bad")
		r := in(t, rt, opid, func(p *gen.Process) any {
			tk, _ := task.Async(p, func(context.Context) (int, error) { return 0, crash })
			var r res[int]
			r.v, r.done, r.err = tk.Yield(p)
			return r
		}).(res[int])
		if !r.done || !errors.Is(r.err, crash) {
			t.Errorf("Yield = %+v; want done with the exit reason ({:exit, reason})", r)
		}
		var te *task.Error
		if !errors.As(r.err, &te) || te.Op != "yield" {
			t.Errorf("Yield error = %#v; want *task.Error with Op yield", r.err)
		}
	})
}

func TestShutdown(t *testing.T) {
	// conformance: 193
	trapping := func(ctx context.Context) (int, error) {
		ctx.(*gen.Process).TrapExit(true) // outlives the shutdown signal
		<-ctx.Done()
		return 0, ctx.Err()
	}
	for _, tc := range []struct {
		name     string
		fn       func(b *blocker) func(context.Context) (int, error)
		timeout  time.Duration
		release  bool // let the task return its result before Shutdown
		want     res[int]
		isReason func(error) bool // for want.done with an error
		took     time.Duration
	}{
		{name: "brutal kill", fn: func(b *blocker) func(context.Context) (int, error) { return b.fn(1) },
			timeout: task.BrutalKill},
		{name: "shutdown", fn: func(b *blocker) func(context.Context) (int, error) { return b.fn(1) },
			timeout: task.DefaultTimeout},
		{name: "result arrived", fn: func(b *blocker) func(context.Context) (int, error) { return b.fn(1) },
			timeout: task.DefaultTimeout, release: true, want: res[int]{v: 1, done: true}},
		{name: "killed after the timeout", fn: func(*blocker) func(context.Context) (int, error) { return trapping },
			timeout: 2 * time.Second, want: res[int]{done: true},
			isReason: func(err error) bool { return errors.Is(err, gen.ErrKilled) }, took: 2 * time.Second},
		{name: "exited by itself", fn: func(*blocker) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { return 0, gen.ErrNormal }
		}, timeout: task.DefaultTimeout, want: res[int]{done: true},
			isReason: func(err error) bool { return errors.Is(err, gen.ErrNormal) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				opid, o := startOwner(t, rt, false)
				b := newBlocker()
				type out struct {
					r     res[int]
					took  time.Duration
					task  gen.PID
					after error
				}
				got := in(t, rt, opid, func(p *gen.Process) any {
					tk, _ := task.Async(p, tc.fn(b))
					if tc.release {
						close(b.release)
					}
					synctest.Wait()
					var o out
					start := time.Now()
					o.r.v, o.r.done, o.r.err = tk.Shutdown(p, tc.timeout)
					o.took = time.Since(start)
					o.task = tk.PID()
					_, o.after = tk.Await(p)
					return o
				}).(out)
				if got.r.v != tc.want.v || got.r.done != tc.want.done {
					t.Errorf("Shutdown = %+v; want %+v", got.r, tc.want)
				}
				if tc.isReason != nil {
					if !tc.isReason(got.r.err) {
						t.Errorf("Shutdown error = %v; want the exit reason", got.r.err)
					}
				} else if got.r.err != nil {
					t.Errorf("Shutdown error = %v; want nil", got.r.err)
				}
				if got.took != tc.took {
					t.Errorf("Shutdown took %v; want %v", got.took, tc.took)
				}
				if !errors.Is(got.after, task.ErrAwaited) {
					t.Errorf("Await after Shutdown = %v; want ErrAwaited", got.after)
				}
				synctest.Wait()
				if rt.Alive(got.task) {
					t.Error("the task is still alive")
				}
				// Unlinked first: the owner survives the task's shutdown
				// or kill, and hears nothing of it.
				if !rt.Alive(opid) {
					t.Error("the owner died")
				}
				if mb := o.mailbox(); len(mb) != 0 {
					t.Errorf("owner's mailbox = %v; want it empty", mb)
				}
			})
		})
	}
}

func TestShutdownAfterYield(t *testing.T) {
	// conformance: 193 (Task.yield(task, t) || Task.shutdown(task))
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		b := newBlocker()
		r := in(t, rt, opid, func(p *gen.Process) any {
			tk, _ := task.Async(p, b.fn(3))
			ctx, cancel := context.WithTimeout(p, time.Second)
			defer cancel()
			var r res[int]
			if r.v, r.done, r.err = tk.Yield(ctx); r.done {
				return r
			}
			r.v, r.done, r.err = tk.Shutdown(p, task.DefaultTimeout)
			return r
		}).(res[int])
		if r != (res[int]{}) {
			t.Errorf("Yield || Shutdown = %+v; want nothing (nil)", r)
		}
		if err := <-b.ended; !errors.Is(err, context.Canceled) {
			t.Errorf("the task's function ended with %v; want its ctx cancelled", err)
		}
	})
}

// ---------------------------------------------------------------------------
// await_many.

func TestAwaitMany(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, true)
		type out struct {
			vs   []int
			err  error
			took time.Duration
		}
		// Results in the order given, whatever order they finish in.
		got := in(t, rt, opid, func(p *gen.Process) any {
			var tasks []*task.Task[int]
			for i := range 5 {
				tk, _ := task.Async(p, func(context.Context) (int, error) {
					time.Sleep(time.Duration(5-i) * time.Millisecond)
					return i * i, nil
				})
				tasks = append(tasks, tk)
			}
			vs, err := task.AwaitMany(p, tasks...)
			return out{vs: vs, err: err}
		}).(out)
		if got.err != nil || !slices.Equal(got.vs, []int{0, 1, 4, 9, 16}) {
			t.Errorf("AwaitMany = %v, %v; want [0 1 4 9 16], nil", got.vs, got.err)
		}

		// A crash ends the wait at once, even behind a task that blocks.
		b := newBlocker()
		got = in(t, rt, opid, func(p *gen.Process) any {
			slow, _ := task.Async(p, b.fn(1))
			bad, _ := task.Async(p, func(context.Context) (int, error) {
				time.Sleep(time.Second)
				return 0, errors.New("bad task")
			})
			start := time.Now()
			vs, err := task.AwaitMany(p, slow, bad)
			took := time.Since(start)
			_, _, _ = slow.Shutdown(p, task.BrutalKill)
			return out{vs, err, took}
		}).(out)
		if ee, ok := errors.AsType[*gen.ExitError](got.err); !ok || ee.Reason.Error() != "bad task" {
			t.Errorf("AwaitMany with a crash = %v; want the crash's reason", got.err)
		}
		if got.took != time.Second {
			t.Errorf("AwaitMany returned after %v; want 1s, when the task crashed", got.took)
		}

		// The 5 s default covers the whole wait.
		b2 := newBlocker()
		got = in(t, rt, opid, func(p *gen.Process) any {
			slow, _ := task.Async(p, b2.fn(1))
			fast, _ := task.Async(p, func(context.Context) (int, error) { return 2, nil })
			start := time.Now()
			vs, err := task.AwaitMany(p, fast, slow)
			took := time.Since(start)
			_, _, _ = slow.Shutdown(p, task.BrutalKill)
			return out{vs, err, took}
		}).(out)
		if !errors.Is(got.err, context.DeadlineExceeded) || got.took != task.DefaultTimeout {
			t.Errorf("AwaitMany with a blocked task = %v after %v; want a timeout after 5s", got.err, got.took)
		}

		if vs, err := task.AwaitMany[int](context.Background()); err != nil || len(vs) != 0 {
			t.Errorf("AwaitMany of nothing = %v, %v", vs, err)
		}
	})
}

// ---------------------------------------------------------------------------
// Start, StartLink, StartFunc.

func TestStartLink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, o := startOwner(t, rt, true)
		ran := make(chan gen.PID, 1)
		pid := in(t, rt, opid, func(p *gen.Process) any {
			pid, err := task.StartLink(p, rt, func(ctx context.Context) error {
				ran <- ctx.(*gen.Process).Self()
				return errors.New("done badly")
			})
			if err != nil {
				t.Errorf("StartLink: %v", err)
			}
			return pid
		}).(gen.PID)
		if self := <-ran; self != pid {
			t.Errorf("fn ran as %v; want the task %v", self, pid)
		}
		synctest.Wait()
		mb := o.mailbox()
		if len(mb) != 1 {
			t.Fatalf("mailbox = %v; want the link's ExitSignal", mb)
		}
		if sig, ok := mb[0].(gen.ExitSignal); !ok || sig.From != pid || sig.Reason.Error() != "done badly" {
			t.Errorf("mailbox = %v; want ExitSignal from the task with its error", mb)
		}

		if _, err := task.StartLink(context.Background(), rt, func(context.Context) error { return nil }); !errors.Is(err, gen.ErrNotProcess) {
			t.Errorf("StartLink from a plain goroutine = %v; want ErrNotProcess", err)
		}
		done := make(chan struct{})
		spid, err := task.Start(context.Background(), rt, func(context.Context) error { close(done); return nil })
		if err != nil {
			t.Fatal(err)
		}
		_, down := rt.Watch(spid)
		<-done
		if d := <-down; d.Reason != gen.ErrNormal && d.Reason != gen.ErrNoProc {
			t.Errorf("Start task ended with %v; want normal", d.Reason)
		}
	})
}

func TestStartFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		start := task.StartFunc(rt, func(ctx context.Context) error {
			<-ctx.Done()
			return nil
		})
		pid := in(t, rt, opid, func(p *gen.Process) any {
			pid, err := start(p)
			if err != nil {
				t.Errorf("start: %v", err)
			}
			return pid
		}).(gen.PID)
		links := in(t, rt, opid, func(p *gen.Process) any { return p.Links() }).([]gen.PID)
		if !slices.Equal(links, []gen.PID{pid}) {
			t.Errorf("caller's links = %v; want [%v]", links, pid)
		}
		_, down := rt.Watch(pid)
		rt.Exit(opid, gen.ErrShutdown)
		if d := <-down; d.Reason != gen.ErrShutdown {
			t.Errorf("task ended with %v; want shutdown from its supervisor", d.Reason)
		}
	})
}

// Running tells a task running its function, which is one long callback by
// design, from any other process in a callback, for slow-callback
// detectors; it needs the runtime's instrumentation, as Activity does.
func TestRunning(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler), Instrument: true})
	defer rt.Close()
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	tk, err := task.Start(context.Background(), rt, func(context.Context) error {
		entered <- struct{}{}
		<-release
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	busy, err := gen.Start(context.Background(), rt, &blockingSrv{entered: entered, release: release})
	if err != nil {
		t.Fatal(err)
	}
	_ = gen.Cast(rt, busy, "work")
	<-entered
	<-entered
	found := map[gen.PID]bool{}
	for a := range rt.Activities() {
		found[a.PID] = task.Running(a)
	}
	if !found[tk] {
		t.Errorf("the running task: Running = false; want true")
	}
	if found[busy] {
		t.Errorf("a server busy in HandleCast: Running = true; want false")
	}
	close(release)
}

// blockingSrv signals entered and blocks in HandleCast until release.
type blockingSrv struct{ entered, release chan struct{} }

func (s *blockingSrv) HandleCast(*gen.Process, any) error {
	s.entered <- struct{}{}
	<-s.release
	return nil
}
