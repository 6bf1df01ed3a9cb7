package gen_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gen-go/gen"
)

type tally struct{ n int }

func (t *tally) HandleCast(p *gen.Process, msg any) error { t.n++; return nil }
func (t *tally) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return t.n, nil
}

// BenchmarkBurst casts 100 messages to each of 1000 servers in turn, then
// calls each once (the W5 "by server" shape).
func BenchmarkBurst(b *testing.B) {
	rt, _ := newRuntime(b)
	ctx := context.Background()
	pids := make([]gen.PID, 1000)
	for i := range pids {
		pids[i], _ = gen.Start(ctx, rt, &tally{})
		gen.Call[int](ctx, rt, pids[i], nil)
	}
	for b.Loop() {
		burstThenCall(ctx, rt, pids)
	}
}

func BenchmarkFloorBurst(b *testing.B) {
	type req struct{ reply chan int }
	chans := make([]chan any, 1000)
	var wg sync.WaitGroup
	for i := range chans {
		ch := make(chan any, 101)
		chans[i] = ch
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for m := range ch {
				if r, ok := m.(req); ok {
					r.reply <- n
					continue
				}
				n++
			}
		}()
	}
	reply := make(chan int, 1)
	var msg any = 1
	for b.Loop() {
		for _, ch := range chans {
			for range 100 {
				ch <- msg
			}
		}
		for _, ch := range chans {
			ch <- req{reply}
			<-reply
		}
	}
	for _, ch := range chans {
		close(ch)
	}
	wg.Wait()
}

// BenchmarkCast8 is W2 with 8 senders.
func BenchmarkCast8(b *testing.B) {
	rt, _ := newRuntime(b)
	ctx := context.Background()
	pid, _ := gen.Start(ctx, rt, &tally{})
	var msg any = 1
	b.SetParallelism(4) // 8 goroutines on 2 procs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			gen.Cast(rt, pid, msg)
		}
	})
	gen.Call[int](ctx, rt, pid, nil)
}

func BenchmarkFloorCast8(b *testing.B) {
	ch := make(chan any, 1024)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	var msg any = 1
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ch <- msg
		}
	})
	close(ch)
	<-done
}

type tallyInit struct{ tally }

func (t *tallyInit) Init(p *gen.Process) error { return nil }

// BenchmarkW5BySrv is the harness's W5 "by server" row: 10k servers with
// Init, 100 casts to each in turn, then one call to each.
func BenchmarkW5BySrv(b *testing.B) {
	rt, _ := newRuntime(b)
	ctx := context.Background()
	pids := make([]gen.PID, 10000)
	for i := range pids {
		pids[i], _ = gen.Start(ctx, rt, &tallyInit{})
	}
	for b.Loop() {
		burstThenCall(ctx, rt, pids)
	}
}

// BenchmarkW5BySrvFresh is W5 "by server" with fresh servers each time, as
// the harness runs it.
func BenchmarkW5BySrvFresh(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		withFreshServers(b, func(rt *gen.Runtime, pids []gen.PID) { burstThenCall(ctx, rt, pids) })
	}
}

// withFreshServers runs f, timed, on a fresh runtime with 10k servers that
// have Init, made and closed outside the timing.
func withFreshServers(b *testing.B, f func(rt *gen.Runtime, pids []gen.PID)) {
	b.StopTimer()
	rt, _ := newRuntime(b)
	pids := make([]gen.PID, 10000)
	for i := range pids {
		pids[i], _ = gen.Start(context.Background(), rt, &tallyInit{})
	}
	b.StartTimer()
	f(rt, pids)
	b.StopTimer()
	rt.Close()
	b.StartTimer()
}

// burstThenCall casts 100 messages to each server in turn, then calls each
// once: the W5 "by server" shape.
func burstThenCall(ctx context.Context, rt *gen.Runtime, pids []gen.PID) {
	var msg any = 1
	for _, pid := range pids {
		for range 100 {
			_ = gen.Cast(rt, pid, msg)
		}
	}
	for _, pid := range pids {
		_, _ = gen.Call[int](ctx, rt, pid, nil)
	}
}

// BenchmarkW5Interleaved is the harness's W5 "interleaved" row with fresh
// servers each time: one cast to every server, 100 times over, then one
// call to each.
func BenchmarkW5Interleaved(b *testing.B) {
	ctx := context.Background()
	var msg any = 1
	for b.Loop() {
		withFreshServers(b, func(rt *gen.Runtime, pids []gen.PID) {
			for range 100 {
				for _, pid := range pids {
					_ = gen.Cast(rt, pid, msg)
				}
			}
			for _, pid := range pids {
				_, _ = gen.Call[int](ctx, rt, pid, nil)
			}
		})
	}
}

// BenchmarkFloorW5Interleaved is W5 interleaved with goroutines and
// buffered channels.
func BenchmarkFloorW5Interleaved(b *testing.B) {
	type fmsg struct {
		v     any
		reply chan int
	}
	var msg any = 1
	for b.Loop() {
		b.StopTimer()
		ins := make([]chan fmsg, 10000)
		var wg sync.WaitGroup
		for i := range ins {
			ins[i] = make(chan fmsg, 101)
			wg.Go(func() {
				n := 0
				for m := range ins[i] {
					if m.reply != nil {
						m.reply <- n
						continue
					}
					n++
				}
			})
		}
		reply := make(chan int, 1)
		b.StartTimer()
		for range 100 {
			for _, in := range ins {
				in <- fmsg{v: msg}
			}
		}
		for _, in := range ins {
			in <- fmsg{reply: reply}
			<-reply
		}
		b.StopTimer()
		for _, in := range ins {
			close(in)
		}
		wg.Wait()
		b.StartTimer()
	}
}
