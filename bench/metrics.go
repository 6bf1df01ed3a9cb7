package main

import (
	"log"
	"log/slog"
	"math"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// MET: the overhead of the metrics package. The Gen column runs W1 and W2
// with metrics on: a metrics.Collector's hooks, gen.Options.Instrument, the
// collector's sampler goroutine with slow-callback detection (100 ms, a walk
// every 25 ms) and mailbox sampling (every second), and the collector
// registered with a Prometheus registry that is scraped once at the end. The
// Floor column runs the same workload with metrics off. The server has a
// registered name on both sides, so that calls land in a per-name latency
// histogram. The target is at most 10% slower.

func init() {
	moreRows = append(moreRows, func(sz sizes) []row {
		return []row{
			{
				group: "MET", name: "MET W1 call, metrics on (floor: off)", unit: "ns/call", format: fmtNs,
				kind: ratioAtMost, limit: 1.10, allocs: true,
				gen:   func() sample { return metCall(sz.calls, true) },
				floor: func() sample { return metCall(sz.calls, false) },
			},
			{
				group: "MET", name: "MET W2 cast 1 sender, metrics on (floor: off)", unit: "msgs/s", format: fmtRate,
				kind: ratioAtLeast, limit: 0.90, allocs: true,
				gen:   func() sample { return metCast(sz.casts, 1, true) },
				floor: func() sample { return metCast(sz.casts, 1, false) },
			},
			{
				group: "MET", name: "MET W2 cast 8 senders, metrics on (floor: off)", unit: "msgs/s", format: fmtRate,
				kind: ratioAtLeast, limit: 0.90, allocs: true,
				gen:   func() sample { return metCast(sz.casts, 8, true) },
				floor: func() sample { return metCast(sz.casts, 8, false) },
			},
		}
	})
}

// metRuntime returns a runtime with metrics on or off, and a func that
// scrapes the metrics once (to check they work), stops the sampler and
// closes the runtime.
func metRuntime(on bool) (*gen.Runtime, func(check func(*prometheus.Registry))) {
	discard := slog.New(slog.DiscardHandler)
	if !on {
		rt := gen.NewRuntime(gen.Options{Logger: discard})
		return rt, func(func(*prometheus.Registry)) { rt.Close() }
	}
	col := metrics.New(metrics.Options{})
	rt := gen.NewRuntime(gen.Options{Logger: discard, Hooks: col.Hooks(), Instrument: true})
	must(col.Start(rt))
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)
	return rt, func(check func(*prometheus.Registry)) {
		check(reg)
		col.Stop()
		rt.Close()
	}
}

// counted returns the sample count of the gen_call_duration_seconds series
// for name, and gen_messages_total.
func counted(reg *prometheus.Registry, name string) (calls uint64, msgs float64) {
	fams, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case "gen_call_duration_seconds":
				if m.GetLabel()[0].GetValue() == name {
					calls = m.GetHistogram().GetSampleCount()
				}
			case "gen_messages_total":
				msgs = m.GetCounter().GetValue()
			}
		}
	}
	return calls, msgs
}

// W1 on a named server.
func metCall(n int, on bool) sample {
	rt, done := metRuntime(on)
	pid, err := gen.Start(ctx, rt, &echo{}, gen.WithName("echo"))
	must(err)
	_, err = gen.Call[any](ctx, rt, pid, reqMsg)
	must(err)
	d, a := timed(func() {
		for range n {
			if _, err := gen.Call[any](ctx, rt, pid, reqMsg); err != nil {
				log.Fatal(err)
			}
		}
	})
	done(func(reg *prometheus.Registry) {
		// One call in 8, picked at random, is timed and counts for 8: the
		// count is 8 times a binomial draw, whose standard deviation is
		// sqrt(7(n+1)) calls (0.8% at the quick run's 100k calls). Six of
		// them still catch a broken sampler and never a fair one.
		want := float64(n + 1)
		if calls, msgs := counted(reg, "echo"); math.Abs(float64(calls)-want) > 6*math.Sqrt(7*want) || msgs != want {
			log.Fatalf("MET W1: %d calls estimated, %v messages counted; want %d", calls, msgs, n+1)
		}
	})
	return perOp(d, a, n)
}

// W2, one sender, on a named server.
func metCast(n, senders int, on bool) sample {
	rt, done := metRuntime(on)
	pid, err := gen.Start(ctx, rt, &counter{}, gen.WithName("counter"))
	must(err)
	d, a, got := castBurst(rt, pid, n, senders)
	if got != n {
		log.Fatalf("MET W2: server counted %d casts, want %d", got, n)
	}
	done(func(reg *prometheus.Registry) {
		if _, msgs := counted(reg, "counter"); msgs != float64(n+2) {
			log.Fatalf("MET W2: %v messages counted; want %d", msgs, n+2)
		}
	})
	return rate(d, a, n)
}
