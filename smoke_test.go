package gen

import (
	"context"
	"testing"
)

type counter struct{ n int }

type inc struct{}
type get struct{}

func (c *counter) HandleCall(p *Process, from From, req any) (any, error) { return c.n, nil }
func (c *counter) HandleCast(p *Process, msg any) error                   { c.n++; return nil }

func TestSmoke(t *testing.T) {
	rt := NewRuntime(Options{})
	defer rt.Close()
	pid, err := Start(context.Background(), rt, &counter{})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		Cast(rt, pid, inc{})
	}
	n, err := Call[int](context.Background(), rt, pid, get{})
	if err != nil || n != 10 {
		t.Fatalf("got %v %v", n, err)
	}
	if err := Stop(context.Background(), rt, pid, nil); err != nil {
		t.Fatal(err)
	}
	_, err = Call[int](context.Background(), rt, pid, get{})
	t.Log(err)
}

func BenchmarkCallSmoke(b *testing.B) {
	rt := NewRuntime(Options{})
	defer rt.Close()
	pid, _ := Start(context.Background(), rt, &counter{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		Call[int](ctx, rt, pid, get{})
	}
}

func BenchmarkFloorSmoke(b *testing.B) {
	req := make(chan int, 1)
	rep := make(chan int, 1)
	go func() {
		for v := range req {
			rep <- v
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		req <- 1
		<-rep
	}
	close(req)
}
