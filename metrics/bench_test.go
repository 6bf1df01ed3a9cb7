package metrics_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/metrics"
)

// echo answers every call with its request.
type echo struct{}

func (echo) HandleCall(_ *gen.Process, _ gen.From, req any) (any, error) { return req, nil }

// benchCall is the harness's MET W1 row: calls to a named server, with
// metrics on (a collector's hooks, instrumentation and its sampler) or off.
func benchCall(b *testing.B, on bool) {
	rt := benchRuntime(b, on)
	ctx := context.Background()
	pid, err := gen.Start(ctx, rt, echo{}, gen.WithName("echo"))
	if err != nil {
		b.Fatal(err)
	}
	var req any = 1
	if _, err := gen.Call[int](ctx, rt, pid, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gen.Call[int](ctx, rt, pid, req); err != nil {
			b.Fatal(err)
		}
	}
}

// tally counts casts and answers a call with the count.
type tally struct{ n int }

func (t *tally) HandleCast(_ *gen.Process, _ any) error { t.n++; return nil }
func (t *tally) HandleCall(_ *gen.Process, _ gen.From, _ any) (any, error) {
	return t.n, nil
}

// benchCast is the harness's MET W2 row with one sender: casts to a named
// server, then a call that waits for it to have handled them.
func benchCast(b *testing.B, on bool) {
	rt := benchRuntime(b, on)
	ctx := context.Background()
	t := &tally{}
	pid, err := gen.Start(ctx, rt, t, gen.WithName("tally"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gen.Call[int](ctx, rt, pid, nil); err != nil {
		b.Fatal(err)
	}
	var msg any = 1
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		_ = gen.Cast(rt, pid, msg)
		n++
	}
	if got, err := gen.Call[int](ctx, rt, pid, nil); err != nil || got != n {
		b.Fatalf("counted %d casts, %v; want %d", got, err, n)
	}
}

func BenchmarkCastMetricsOn(b *testing.B)  { benchCast(b, true) }
func BenchmarkCastMetricsOff(b *testing.B) { benchCast(b, false) }

// benchRuntime returns a runtime with metrics on (a collector's hooks,
// instrumentation and its sampler) or off, closed when b ends.
func benchRuntime(b *testing.B, on bool) *gen.Runtime {
	o := gen.Options{Logger: slog.New(slog.DiscardHandler)}
	var col *metrics.Collector
	if on {
		col = metrics.New(metrics.Options{})
		o.Hooks, o.Instrument = col.Hooks(), true
	}
	rt := gen.NewRuntime(o)
	b.Cleanup(rt.Close)
	if col != nil {
		if err := col.Start(rt); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(col.Stop)
	}
	return rt
}

func BenchmarkCallMetricsOn(b *testing.B)  { benchCall(b, true) }
func BenchmarkCallMetricsOff(b *testing.B) { benchCall(b, false) }
