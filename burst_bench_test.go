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
// have Init, made, called once (which starts their goroutines, as the
// harness does on both sides) and closed outside the timing.
func withFreshServers(b *testing.B, f func(rt *gen.Runtime, pids []gen.PID)) {
	b.StopTimer()
	rt, _ := newRuntime(b)
	pids := make([]gen.PID, 10000)
	for i := range pids {
		pids[i], _ = gen.Start(context.Background(), rt, &tallyInit{})
		_, _ = gen.Call[int](context.Background(), rt, pids[i], nil)
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
	var msg any = 1
	for b.Loop() {
		withFloorServers(b, func(ins []chan floorMsg, reply chan int) {
			for range 100 {
				for _, in := range ins {
					in <- floorMsg{v: msg}
				}
			}
			floorCallEach(ins, reply)
		})
	}
}

// BenchmarkFloorW5BySrv is W5 "by server" with goroutines and buffered
// channels.
func BenchmarkFloorW5BySrv(b *testing.B) {
	var msg any = 1
	for b.Loop() {
		withFloorServers(b, func(ins []chan floorMsg, reply chan int) {
			for _, in := range ins {
				for range 100 {
					in <- floorMsg{v: msg}
				}
			}
			floorCallEach(ins, reply)
		})
	}
}

type floorMsg struct {
	v     any
	reply chan int
}

// withFloorServers runs f, timed, with 10k goroutines each reading a
// buffered channel of its own, each answered one request before the timing
// (as withFreshServers does for Gen), and stopped after it.
func withFloorServers(b *testing.B, f func(ins []chan floorMsg, reply chan int)) {
	b.StopTimer()
	ins := make([]chan floorMsg, 10000)
	var wg sync.WaitGroup
	for i := range ins {
		ins[i] = make(chan floorMsg, 101)
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
	floorCallEach(ins, reply)
	b.StartTimer()
	f(ins, reply)
	b.StopTimer()
	for _, in := range ins {
		close(in)
	}
	wg.Wait()
	b.StartTimer()
}

func floorCallEach(ins []chan floorMsg, reply chan int) {
	for _, in := range ins {
		in <- floorMsg{reply: reply}
		<-reply
	}
}
