//go:build !race

// The race detector makes sync.Pool drop items on purpose, so allocation
// budgets are checked without it; .ci/run runs this file in a separate pass.

package gen_test

import (
	"context"
	"testing"

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

// The hot paths allocate nothing of their own: a call reuses a pooled reply
// slot and timer, and a cast or send appends to a reused queue. The budgets
// hold for messages that fit an interface without boxing (zero-size structs,
// pointers, small integers).
func TestAllocBudgets(t *testing.T) {
	rt, pid := startEcho(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		budget float64
		f      func()
	}{
		{"Call", 0, func() { _, _ = gen.Call[ping](ctx, rt, pid, ping{}) }},
		{"CallByName", 0, func() { _, _ = gen.Call[ping](ctx, rt, gen.Name("echo"), ping{}) }},
		{"Cast", 0, func() { _ = gen.Cast(rt, pid, ping{}) }},
		{"Send", 0, func() { _ = gen.Send(rt, pid, ping{}) }},
	} {
		if tc.name == "CallByName" {
			if err := rt.Register("echo", pid); err != nil {
				t.Fatal(err)
			}
		}
		// Sync so that queue growth from the casts is done before measuring.
		if got := testing.AllocsPerRun(1000, tc.f); got > tc.budget {
			t.Errorf("%s: %v allocs per run; want <= %v", tc.name, got, tc.budget)
		}
		if _, err := gen.Call[ping](ctx, rt, pid, ping{}); err != nil {
			t.Fatal(err)
		}
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
