package task_test

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/task"
)

// item is one yielded pair of a stream.
type item struct {
	v   int
	err error
}

// collect ranges over a stream inside the owner and returns what it yielded.
func collect(t *testing.T, rt *gen.Runtime, owner gen.PID, stream func(p *gen.Process) iter.Seq2[int, error]) []item {
	t.Helper()
	return in(t, rt, owner, func(p *gen.Process) any {
		var out []item
		for v, err := range stream(p) {
			out = append(out, item{v, err})
		}
		return out
	}).([]item)
}

func values(items []item) []int {
	var out []int
	for _, it := range items {
		if it.err == nil {
			out = append(out, it.v)
		}
	}
	return out
}

// peak counts how many calls run at once.
type peak struct {
	now, max atomic.Int32
}

func (p *peak) enter() {
	n := p.now.Add(1)
	for {
		m := p.max.Load()
		if n <= m || p.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (p *peak) leave() { p.now.Add(-1) }

func TestAsyncStreamOrdered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, o := startOwner(t, rt, true)
		var pk peak
		// Later items finish first; the results still come in input order.
		fn := func(ctx context.Context, n int) (int, error) {
			pk.enter()
			defer pk.leave()
			time.Sleep(time.Duration(10-n) * time.Millisecond)
			return n * 10, nil
		}
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), fn, task.WithMaxConcurrency(3))
		})
		want := []int{0, 10, 20, 30, 40, 50, 60, 70, 80, 90}
		if len(got) != len(want) || !slices.Equal(values(got), want) {
			t.Errorf("stream = %v; want %v", got, want)
		}
		if m := pk.max.Load(); m != 3 {
			t.Errorf("at most %d tasks ran at once; want 3", m)
		}
		synctest.Wait()
		if n := len(rt.Processes()); n != 1 {
			t.Errorf("%d processes after the stream; want only the owner", n)
		}
		if mb := o.mailbox(); len(mb) != 0 {
			t.Errorf("trapping owner's mailbox = %v; want it empty", mb)
		}
	})
}

func TestAsyncStreamUnordered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		fn := func(ctx context.Context, n int) (int, error) {
			time.Sleep(time.Duration(n) * time.Millisecond)
			return n, nil
		}
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int{30, 20, 10, 5}), fn,
				task.WithMaxConcurrency(3), task.WithOrdered(false))
		})
		// 30, 20 and 10 start together and end in reverse; 5 starts when
		// 10 ends, and ends before 20.
		if want := []int{10, 5, 20, 30}; !slices.Equal(values(got), want) || len(got) != 4 {
			t.Errorf("stream = %v; want %v", got, want)
		}
	})
}

func TestAsyncStreamDefaultConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		var pk peak
		fn := func(ctx context.Context, n int) (int, error) {
			pk.enter()
			defer pk.leave()
			time.Sleep(time.Second)
			return n, nil
		}
		n := 2*runtime.GOMAXPROCS(0) + 1
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values(make([]int, n)), fn)
		})
		if len(values(got)) != n {
			t.Errorf("stream yielded %v; want %d results", got, n)
		}
		if m := int(pk.max.Load()); m != runtime.GOMAXPROCS(0) {
			t.Errorf("at most %d tasks ran at once; want GOMAXPROCS = %d", m, runtime.GOMAXPROCS(0))
		}
	})
}

func TestAsyncStreamTimeoutExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		var mu sync.Mutex
		var ended []error
		fn := func(ctx context.Context, n int) (int, error) {
			if n == 1 {
				<-ctx.Done() // never finishes by itself
				mu.Lock()
				ended = append(ended, ctx.Err())
				mu.Unlock()
				return 0, ctx.Err()
			}
			return n, nil
		}
		start := time.Now()
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int{0, 1, 2, 3}), fn, task.WithMaxConcurrency(2))
		})
		if d := time.Since(start); d != task.DefaultTimeout {
			t.Errorf("the stream ended after %v; want the 5s default timeout", d)
		}
		if len(got) != 2 || got[0] != (item{v: 0}) {
			t.Fatalf("stream = %v; want item 0, then the timeout, then nothing", got)
		}
		var te *task.Error
		if !errors.As(got[1].err, &te) || te.Op != "stream" || !te.Timeout() {
			t.Errorf("last item = %v; want a stream timeout", got[1].err)
		}
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(ended) != 1 || !errors.Is(ended[0], context.Canceled) {
			t.Errorf("the timed-out task's function ended with %v; want its ctx cancelled", ended)
		}
		if n := len(rt.Processes()); n != 1 {
			t.Errorf("%d processes after the stream; want only the owner", n)
		}
		if !rt.Alive(opid) {
			t.Error("the owner died")
		}
	})
}

func TestAsyncStreamTimeoutKillTask(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		t.Run(map[bool]string{true: "ordered", false: "unordered"}[ordered], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, _ := newRuntime(t)
				opid, o := startOwner(t, rt, false)
				fn := func(ctx context.Context, n int) (int, error) {
					if n%2 == 1 {
						select {
						case <-ctx.Done():
							return 0, ctx.Err()
						case <-time.After(time.Hour):
						}
					}
					return n, nil
				}
				start := time.Now()
				got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
					return task.AsyncStream(p, slices.Values([]int{0, 1, 2, 3, 4}), fn,
						task.WithTimeout(time.Second), task.WithOnTimeout(task.KillTask), task.WithOrdered(ordered),
						task.WithMaxConcurrency(2))
				})
				// 0 and 1 start; 0 ends and 2 starts and ends, then 3; 1 and 3
				// time out together after 1s; then 4 runs.
				if d := time.Since(start); d != time.Second {
					t.Errorf("stream took %v; want 1s", d)
				}
				if !slices.Equal(values(got), []int{0, 2, 4}) || len(got) != 5 {
					t.Fatalf("stream = %v; want 0, 2, 4 and two timeouts", got)
				}
				timeouts := 0
				for _, it := range got {
					if it.err != nil {
						if !errors.Is(it.err, context.DeadlineExceeded) {
							t.Errorf("item error %v; want a timeout", it.err)
						}
						timeouts++
					}
				}
				if timeouts != 2 {
					t.Errorf("%d timeouts; want 2", timeouts)
				}
				if ordered && (got[1].err == nil || got[3].err == nil) {
					t.Errorf("ordered stream = %v; want the timeouts at positions 1 and 3", got)
				}
				synctest.Wait()
				if mb := o.mailbox(); len(mb) != 0 || !rt.Alive(opid) {
					t.Errorf("owner alive %v, mailbox %v; want alive and empty: killed tasks are unlinked first", rt.Alive(opid), mb)
				}
			})
		})
	}
}

func TestAsyncStreamCrashTrappingOwner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, o := startOwner(t, rt, true)
		crash := errors.New("item 2 failed")
		fn := func(ctx context.Context, n int) (int, error) {
			switch n {
			case 2:
				return 0, crash
			case 3:
				panic("item 3 panicked")
			case 4:
				return 0, gen.ErrNormal // exits quietly without a result
			}
			return n, nil
		}
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int{0, 1, 2, 3, 4, 5}), fn)
		})
		if len(got) != 6 || !slices.Equal(values(got), []int{0, 1, 5}) {
			t.Fatalf("stream = %v; want every item, with errors for 2, 3 and 4", got)
		}
		if !errors.Is(got[2].err, crash) {
			t.Errorf("item 2 = %v; want its error", got[2].err)
		}
		if pe, ok := errors.AsType[*gen.PanicError](got[3].err); !ok || pe.Value != "item 3 panicked" {
			t.Errorf("item 3 = %v; want its panic", got[3].err)
		}
		if ee, ok := errors.AsType[*gen.ExitError](got[4].err); !ok || ee.Reason != gen.ErrNormal {
			t.Errorf("item 4 = %v; want an exit with reason normal", got[4].err)
		}
		synctest.Wait()
		if !rt.Alive(opid) {
			t.Fatal("a trapping owner died")
		}
		// The two crashes reach the owner as exit signals; the normal
		// exit does not.
		var reasons []string
		for _, m := range o.mailbox() {
			sig, ok := m.(gen.ExitSignal)
			if !ok {
				t.Errorf("unexpected message %v", m)
				continue
			}
			reasons = append(reasons, sig.Reason.Error())
		}
		slices.Sort(reasons)
		if want := []string{"item 2 failed", "panic: item 3 panicked"}; !slices.Equal(reasons, want) {
			t.Errorf("exit signals with %q; want %q", reasons, want)
		}
	})
}

func TestAsyncStreamCrashKillsOwner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		_, ownerDown := rt.Watch(opid)
		crash := errors.New("item 1 failed")
		var cancelled atomic.Int32
		fn := func(ctx context.Context, n int) (int, error) {
			switch n {
			case 0:
				<-ctx.Done()
				cancelled.Add(1)
				return 0, ctx.Err()
			case 1:
				time.Sleep(time.Millisecond)
				return 0, crash
			}
			return n, nil
		}
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int{0, 1, 2, 3}), fn, task.WithMaxConcurrency(2))
		})
		if len(got) != 1 || !errors.Is(got[0].err, crash) {
			t.Fatalf("stream = %v; want one error carrying the crash, then the end", got)
		}
		if d := <-ownerDown; !errors.Is(d.Reason, crash) {
			t.Errorf("owner died with %v; want the task's reason", d.Reason)
		}
		synctest.Wait()
		if cancelled.Load() != 1 {
			t.Error("the running task was not stopped with its owner")
		}
		if n := len(rt.Processes()); n != 0 {
			t.Errorf("%d processes left; want none", n)
		}
	})
}

func TestAsyncStreamOwnerKilled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, logs := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		started := make(chan struct{}, 10)
		var cancelled atomic.Int32
		fn := func(ctx context.Context, n int) (int, error) {
			started <- struct{}{}
			<-ctx.Done()
			cancelled.Add(1)
			return 0, ctx.Err()
		}
		go func() {
			<-started
			<-started
			rt.Exit(opid, errors.New("owner shot"))
		}()
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int{0, 1, 2}), fn, task.WithMaxConcurrency(2))
		})
		if len(got) != 1 {
			t.Fatalf("stream = %v; want one error", got)
		}
		if ee, ok := errors.AsType[*gen.ExitError](got[0].err); !ok || ee.PID != opid || ee.Reason.Error() != "owner shot" {
			t.Errorf("stream error = %v; want the owner's exit", got[0].err)
		}
		synctest.Wait()
		if cancelled.Load() != 2 {
			t.Errorf("%d tasks stopped; want both running ones", cancelled.Load())
		}
		if l := logs.String(); strings.Contains(l, "terminating") {
			t.Errorf("crash reports for an owner killed from outside: %s", l)
		}
	})
}

func TestAsyncStreamBreak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, o := startOwner(t, rt, true)
		var blocked, cancelled atomic.Int32
		started := make(chan struct{}, 100)
		naturals := func(yield func(int) bool) {
			for i := 0; ; i++ {
				if !yield(i) {
					return
				}
			}
		}
		fn := func(ctx context.Context, n int) (int, error) {
			if n >= 3 {
				blocked.Add(1)
				started <- struct{}{}
				<-ctx.Done()
				cancelled.Add(1)
				return 0, ctx.Err()
			}
			return n, nil
		}
		got := in(t, rt, opid, func(p *gen.Process) any {
			var out []int
			for v, err := range task.AsyncStream(p, naturals, fn, task.WithMaxConcurrency(4)) {
				if err != nil {
					t.Errorf("item error %v", err)
				}
				out = append(out, v)
				if len(out) == 3 {
					<-started // at least one task is running
					break
				}
			}
			return out
		}).([]int)
		if !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("stream = %v; want [0 1 2]", got)
		}
		synctest.Wait()
		if b, c := blocked.Load(), cancelled.Load(); b == 0 || c != b {
			t.Errorf("%d of %d running tasks stopped by the break; want all", c, b)
		}
		if n := len(rt.Processes()); n != 1 {
			t.Errorf("%d processes after the break; want only the owner", n)
		}
		if mb := o.mailbox(); len(mb) != 0 {
			t.Errorf("trapping owner's mailbox = %v; want it empty", mb)
		}
	})
}

func TestAsyncStreamNotProcess(t *testing.T) {
	var got []error
	for _, err := range task.AsyncStream(context.Background(), slices.Values([]int{1}), func(context.Context, int) (int, error) {
		return 0, nil
	}) {
		got = append(got, err)
	}
	if len(got) != 1 || !errors.Is(got[0], gen.ErrNotProcess) {
		t.Errorf("stream from a plain goroutine = %v; want one ErrNotProcess", got)
	}
}

func TestAsyncStreamEmptyAndReuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		opid, _ := startOwner(t, rt, false)
		double := func(ctx context.Context, n int) (int, error) { return 2 * n, nil }
		got := collect(t, rt, opid, func(p *gen.Process) iter.Seq2[int, error] {
			return task.AsyncStream(p, slices.Values([]int(nil)), double)
		})
		if len(got) != 0 {
			t.Errorf("empty stream = %v", got)
		}
		// Each range runs the stream afresh.
		again := in(t, rt, opid, func(p *gen.Process) any {
			s := task.AsyncStream(p, slices.Values([]int{1, 2}), double)
			var out []int
			for range 2 {
				for v := range s {
					out = append(out, v)
				}
			}
			return out
		}).([]int)
		if !slices.Equal(again, []int{2, 4, 2, 4}) {
			t.Errorf("two ranges = %v; want [2 4 2 4]", again)
		}
	})
}
