package metrics_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/metrics"
	"github.com/prometheus/client_golang/prometheus"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"
)

type counter struct{ n int }

func (c *counter) Init(*gen.Process) error { return nil }

func (c *counter) HandleCall(_ *gen.Process, _ gen.From, _ any) (any, error) {
	c.n++
	return c.n, nil
}

// A collector feeds on a runtime's hooks; registered with Prometheus, it
// exports what the runtime does.
func Example() {
	col := metrics.New(metrics.Options{CallSampling: 1}) // time every call

	rt := gen.NewRuntime(gen.Options{Hooks: col.Hooks(), Instrument: true, Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	if err := col.Start(rt); err != nil {
		panic(err)
	}
	defer col.Stop()
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)

	ctx := context.Background()
	pid, _ := gen.Start(ctx, rt, &counter{}, gen.WithName("counter"))
	for range 3 {
		_, _ = gen.Call[int](ctx, rt, pid, "incr")
	}
	_ = gen.Stop(ctx, rt, pid, nil)

	// Three calls and the stop request make four messages.
	err := promtest.GatherAndCompare(reg, strings.NewReader(`
# HELP gen_process_spawns_total Processes created.
# TYPE gen_process_spawns_total counter
gen_process_spawns_total 1
# HELP gen_messages_total Messages handled by all processes (needs gen.Options.Instrument).
# TYPE gen_messages_total counter
gen_messages_total 4
`), "gen_process_spawns_total", "gen_messages_total")
	fmt.Println("compare:", err)

	fams, _ := reg.Gather()
	for _, f := range fams {
		if f.GetName() == "gen_call_duration_seconds" {
			m := f.GetMetric()[0]
			fmt.Printf("calls to %q: %d\n", m.GetLabel()[0].GetValue(), m.GetHistogram().GetSampleCount())
		}
	}
	// Output:
	// compare: <nil>
	// calls to "counter": 3
}
