package gen_test

import (
	"context"
	"testing"
	"time"

	"github.com/gen-go/gen"
)

type echo struct{ n int }

type ping struct{}

func (e *echo) HandleCall(p *gen.Process, from gen.From, req any) (any, error) { return req, nil }
func (e *echo) HandleCast(p *gen.Process, msg any) error                       { e.n++; return nil }
func (e *echo) HandleInfo(p *gen.Process, msg any) error                       { e.n++; return nil }

func startEcho(tb testing.TB) (*gen.Runtime, gen.PID) {
	tb.Helper()
	rt, _ := newRuntime(tb)
	pid, err := gen.Start(context.Background(), rt, &echo{})
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	return rt, pid
}

type withInit struct{}

func (withInit) Init(p *gen.Process) error { return nil }

func BenchmarkSpawnStop(b *testing.B) {
	benchSpawnStop(b, context.Background(), func() gen.Server { return withInit{} })
}

// BenchmarkSpawnStopDeadline is BenchmarkSpawnStop with a deadline on
// Start's ctx, which makes Init run on the new goroutine while Start waits.
func BenchmarkSpawnStopDeadline(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	benchSpawnStop(b, ctx, func() gen.Server { return withInit{} })
}

func BenchmarkSpawnStopNoInit(b *testing.B) {
	benchSpawnStop(b, context.Background(), func() gen.Server { return &echo{} })
}

// benchSpawnStop starts a server made by srv with ctx and stops it, once
// per iteration.
func benchSpawnStop(b *testing.B, ctx context.Context, srv func() gen.Server) {
	rt, _ := newRuntime(b)
	b.ReportAllocs()
	for b.Loop() {
		pid, err := gen.Start(ctx, rt, srv())
		if err != nil {
			b.Fatal(err)
		}
		if err := gen.Stop(ctx, rt, pid, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorSpawnStop starts a goroutine that acknowledges its start and
// then waits on its own channel, and stops it and waits for its exit.
func BenchmarkFloorSpawnStop(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		stop := make(chan struct{}, 1)
		ack := make(chan struct{}, 1)
		go func() {
			ack <- struct{}{}
			<-stop
			ack <- struct{}{}
		}()
		<-ack
		stop <- struct{}{}
		<-ack
	}
}

func BenchmarkCall(b *testing.B) {
	rt, pid := startEcho(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gen.Call[ping](ctx, rt, pid, ping{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCast(b *testing.B) {
	rt, pid := startEcho(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = gen.Cast(rt, pid, ping{})
	}
	if _, err := gen.Call[ping](ctx, rt, pid, ping{}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSend(b *testing.B) {
	rt, pid := startEcho(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = gen.Send(rt, pid, ping{})
	}
	if _, err := gen.Call[ping](ctx, rt, pid, ping{}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFloorCall is the same round trip with a plain goroutine and two
// buffered channels, for the ratio.
func BenchmarkFloorCall(b *testing.B) {
	req := make(chan ping, 1)
	rep := make(chan ping, 1)
	go func() {
		for v := range req {
			rep <- v
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		req <- ping{}
		<-rep
	}
	close(req)
}

type pingPonger struct {
	peer gen.PID
	left int
	done chan struct{}
}

type volley struct {
	n    int
	done chan struct{}
}

func (s *pingPonger) HandleInfo(p *gen.Process, msg any) error {
	switch m := msg.(type) {
	case *volley:
		s.left, s.done = m.n, m.done
	case int:
		if s.done != nil {
			if s.left--; s.left == 0 {
				s.done <- struct{}{}
				return nil
			}
		}
	}
	return gen.Send(p.Runtime(), s.peer, 0)
}

// BenchmarkPingPong is W4: two processes bounce a message; ns per round trip.
func BenchmarkPingPong(b *testing.B) {
	rt, _ := newRuntime(b)
	ctx := context.Background()
	a, c := &pingPonger{}, &pingPonger{}
	pa, _ := gen.Start(ctx, rt, a)
	pc, _ := gen.Start(ctx, rt, c)
	a.peer, c.peer = pc, pa
	done := make(chan struct{}, 1)
	b.ResetTimer()
	_ = gen.Send(rt, pa, &volley{n: b.N, done: done})
	<-done
}

func BenchmarkFloorPingPong(b *testing.B) {
	ca, cb := make(chan int, 1), make(chan int, 1)
	done := make(chan struct{})
	go func() {
		for v := range cb {
			ca <- v
		}
		close(done)
	}()
	for range b.N {
		cb <- 0
		<-ca
	}
	close(cb)
	<-done
}
