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
	o := gen.Options{Logger: slog.New(slog.DiscardHandler)}
	var col *metrics.Collector
	if on {
		col = metrics.New(metrics.Options{})
		o.Hooks, o.Instrument = col.Hooks(), true
	}
	rt := gen.NewRuntime(o)
	defer rt.Close()
	if col != nil {
		if err := col.Start(rt); err != nil {
			b.Fatal(err)
		}
		defer col.Stop()
	}
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

func BenchmarkCallMetricsOn(b *testing.B)  { benchCall(b, true) }
func BenchmarkCallMetricsOff(b *testing.B) { benchCall(b, false) }
