package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/testutil"
	"github.com/gen-go/gen/metrics"
	"github.com/gen-go/gen/supervisor"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// setup makes a collector with o, an instrumented runtime fed by it, and a
// pedantic registry (which checks that Collect matches Describe). Call it
// inside the synctest bubble; everything is stopped when the test ends.
func setup(t *testing.T, o metrics.Options) (*metrics.Collector, *gen.Runtime, *prometheus.Registry, *testutil.LogBuffer) {
	t.Helper()
	logs := &testutil.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	col := metrics.New(o)
	rt := gen.NewRuntime(gen.Options{Logger: log, Hooks: col.Hooks(), Instrument: true})
	if err := col.Start(rt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		col.Stop()
		rt.Close()
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(col)
	return col, rt, reg, logs
}

// series returns the metrics of family name in reg as "labels value"
// lines, sorted; a histogram's value is "count=N sum=S".
func series(t *testing.T, reg *prometheus.Registry, name string) []string {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var out []string
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out = append(out, strings.Join(labels, ",")+" "+value(m))
		}
	}
	slices.Sort(out)
	return out
}

func value(m *dto.Metric) string {
	switch {
	case m.Counter != nil:
		return fmt.Sprint(m.Counter.GetValue())
	case m.Gauge != nil:
		return fmt.Sprint(m.Gauge.GetValue())
	case m.Histogram != nil:
		return fmt.Sprintf("count=%d sum=%g", m.Histogram.GetSampleCount(), m.Histogram.GetSampleSum())
	}
	return "?"
}

// one returns the value of the one series of name whose labels are labels.
func one(t *testing.T, reg *prometheus.Registry, name, labels string) string {
	t.Helper()
	for _, s := range series(t, reg, name) {
		if l, v, _ := strings.Cut(s, " "); l == labels {
			return v
		}
	}
	t.Fatalf("no series %s{%s} in %q", name, labels, series(t, reg, name))
	return ""
}

// sleeper sleeps in HandleCall and HandleCast for the time.Duration it is
// given (fake time inside a synctest bubble), and crashes on "panic".
type sleeper struct{}

func (sleeper) Init(*gen.Process) error { return nil }

func (sleeper) HandleCall(_ *gen.Process, _ gen.From, req any) (any, error) {
	if d, ok := req.(time.Duration); ok {
		time.Sleep(d)
	}
	return req, nil
}

func (sleeper) HandleCast(_ *gen.Process, msg any) error {
	switch m := msg.(type) {
	case time.Duration:
		time.Sleep(m)
	case string:
		if m == "panic" {
			panic("boom")
		}
		return errors.New(m)
	}
	return nil
}

// Spawns, exits by reason class, processes by status and messages come
// from the hooks and the runtime.
func TestLifecycleMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, rt, reg, _ := setup(t, metrics.Options{SlowCallback: -1, MailboxInterval: -1})
		ctx := context.Background()
		var pids []gen.PID
		for range 6 {
			pid, err := gen.Start(ctx, rt, sleeper{})
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
		idle, _ := gen.Start(ctx, rt, &noInit{})
		for range 3 {
			if _, err := gen.Call[any](ctx, rt, pids[0], "hi"); err != nil {
				t.Fatal(err)
			}
		}
		_ = gen.Stop(ctx, rt, pids[0], nil)
		_ = gen.Stop(ctx, rt, pids[1], gen.ErrShutdown)
		_ = gen.Stop(ctx, rt, pids[2], &gen.ShutdownError{Detail: "bye"})
		rt.Exit(pids[3], gen.ErrKill)
		_ = gen.Cast(rt, pids[4], "panic")
		_ = gen.Cast(rt, pids[5], "failed")
		synctest.Wait()

		if got := one(t, reg, "gen_process_spawns_total", ""); got != "7" {
			t.Errorf("spawns %s; want 7", got)
		}
		want := []string{"reason=crash 1", "reason=killed 1", "reason=mailbox_full 0", "reason=noconnection 0",
			"reason=noproc 0", "reason=normal 1", "reason=panic 1", "reason=shutdown 2"}
		if got := series(t, reg, "gen_process_exits_total"); !slices.Equal(got, want) {
			t.Errorf("exits %q; want %q", got, want)
		}
		want = []string{"status=hibernated 1", "status=running 0", "status=suspended 0", "status=waiting 0"}
		if got := series(t, reg, "gen_processes"); !slices.Equal(got, want) {
			t.Errorf("processes %q; want %q", got, want)
		}
		// Three calls and a stop to pids[0], two stops, one cast each to
		// pids[4] and [5]; the kill is no message.
		if got := one(t, reg, "gen_messages_total", ""); got != "8" {
			t.Errorf("messages %s; want 8", got)
		}
		_ = idle
	})
}

type noInit struct{}

func (*noInit) HandleCall(_ *gen.Process, _ gen.From, req any) (any, error) { return req, nil }

// Calls are timed per registered name; their latency lands in the right
// bucket.
func TestCallLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, rt, reg, _ := setup(t, metrics.Options{SlowCallback: -1, MailboxInterval: -1, MaxNames: 2, CallSampling: 1})
		ctx := context.Background()
		db, _ := gen.Start(ctx, rt, sleeper{}, gen.WithName("db"))
		anon, _ := gen.Start(ctx, rt, sleeper{})
		for _, d := range []time.Duration{3 * time.Millisecond, 3 * time.Millisecond, 300 * time.Millisecond} {
			if _, err := gen.Call[any](ctx, rt, db, d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := gen.Call[any](ctx, rt, anon, time.Duration(0)); err != nil {
			t.Fatal(err)
		}
		// A third name goes to "_other" (MaxNames is 2).
		cache, _ := gen.Start(ctx, rt, sleeper{}, gen.WithName("cache"))
		if _, err := gen.Call[any](ctx, rt, cache, time.Second); err != nil {
			t.Fatal(err)
		}
		want := []string{"name= count=1 sum=0", "name=_other count=1 sum=1", "name=db count=3 sum=0.306"}
		if got := series(t, reg, "gen_call_duration_seconds"); !slices.Equal(got, want) {
			t.Errorf("calls %q; want %q", got, want)
		}
		// The buckets: 3 ms is within 4.096 ms, 300 ms within 1.048576 s.
		fams, _ := reg.Gather()
		for _, f := range fams {
			if f.GetName() != "gen_call_duration_seconds" {
				continue
			}
			for _, m := range f.GetMetric() {
				if m.GetLabel()[0].GetValue() != "db" {
					continue
				}
				cum := map[float64]uint64{}
				for _, b := range m.Histogram.GetBucket() {
					cum[b.GetUpperBound()] = b.GetCumulativeCount()
				}
				if cum[0.001024] != 0 || cum[0.004096] != 2 || cum[0.262144] != 2 || cum[1.048576] != 3 {
					t.Errorf("db buckets %v", cum)
				}
			}
		}
	})
}

// Supervisors report their restarts, labelled by the supervisor's name.
func TestRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, rt, reg, _ := setup(t, metrics.Options{SlowCallback: -1, MailboxInterval: -1})
		ctx := context.Background()
		sup, err := supervisor.Start(ctx, rt, supervisor.Spec{
			Strategy: supervisor.OneForOne, MaxRestarts: 10,
			Children: []supervisor.ChildSpec{supervisor.Worker("w", func() gen.Server { return sleeper{} },
				gen.WithName("w"))},
		}, gen.WithName("top"))
		if err != nil {
			t.Fatal(err)
		}
		dyn, err := supervisor.StartDynamic(ctx, rt, supervisor.Dynamic{})
		if err != nil {
			t.Fatal(err)
		}
		child, err := supervisor.StartChild(ctx, rt, dyn, supervisor.Worker("", func() gen.Server { return sleeper{} }))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			_ = gen.Cast(rt, gen.Name("w"), "crash")
			synctest.Wait()
		}
		_ = gen.Cast(rt, child, "crash")
		synctest.Wait()
		want := []string{"supervisor=" + dyn.String() + " 1", "supervisor=top 2"}
		if got := series(t, reg, "gen_supervisor_restarts_total"); !slices.Equal(got, want) {
			t.Errorf("restarts %q; want %q", got, want)
		}
		// The supervision tree shows through Info: the supervisor's
		// children are the processes it started.
		info, _ := rt.Info(sup)
		w, _ := rt.Whereis(gen.Name("w"))
		if !slices.Equal(info.Children, []gen.PID{w}) {
			t.Errorf("supervisor children %v; want [%v]", info.Children, w)
		}
	})
}

// A callback running past the threshold is logged once and counted; a
// shorter one is not. Mailbox lengths are sampled.
func TestSlowCallbacks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, rt, reg, logs := setup(t, metrics.Options{SampleInterval: 10 * time.Millisecond,
			MailboxInterval: 50 * time.Millisecond,
			IgnoreSlow:      func(a gen.Activity) bool { return a.Name == "patient" }})
		ctx := context.Background()
		pid, _ := gen.Start(ctx, rt, sleeper{}, gen.WithName("slowpoke"))
		// A process whose long callbacks are expected: never reported.
		patient, _ := gen.Start(ctx, rt, sleeper{}, gen.WithName("patient"))
		_ = gen.Cast(rt, patient, 10*time.Second)
		// 60 ms: under the 100 ms threshold.
		if _, err := gen.Call[any](ctx, rt, pid, 60*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), "slow callback") {
			t.Fatalf("a 60 ms callback was reported:\n%s", logs)
		}
		// One second, with casts waiting behind it: reported once.
		_ = gen.Cast(rt, pid, time.Second)
		for range 3 {
			_ = gen.Cast(rt, pid, 0)
		}
		time.Sleep(500 * time.Millisecond)
		if got := one(t, reg, "gen_mailbox_length_max", ""); got != "3" {
			t.Errorf("mailbox max %s; want 3", got)
		}
		time.Sleep(time.Second)
		lines := slices.DeleteFunc(logs.Lines(), func(l string) bool { return !strings.Contains(l, "slow callback") })
		if len(lines) != 1 {
			t.Fatalf("want one report, got:\n%s", strings.Join(lines, "\n"))
		}
		for _, want := range []string{"level=WARN", "pid=" + pid.String(), "name=slowpoke", "callback=HandleCast",
			"message=time.Duration", "elapsed=100ms", "threshold=100ms"} {
			if !strings.Contains(lines[0], want) {
				t.Errorf("report %q lacks %q", lines[0], want)
			}
		}
		want := []string{"callback=HandleCall 0", "callback=HandleCast 1", "callback=HandleContinue 0",
			"callback=HandleInfo 0", "callback=Init 0", "callback=Terminate 0", "callback=system 0"}
		if got := series(t, reg, "gen_slow_callbacks_total"); !slices.Equal(got, want) {
			t.Errorf("slow %q; want %q", got, want)
		}
		// The mailbox histogram saw the three waiting casts.
		h := one(t, reg, "gen_mailbox_length", "")
		if !strings.HasPrefix(h, "count=") || strings.HasPrefix(h, "count=0") || !strings.Contains(h, "sum=") {
			t.Errorf("mailbox histogram %s", h)
		}
		sum := 0.0
		fmt.Sscanf(h[strings.Index(h, "sum=")+4:], "%g", &sum)
		if sum < 3*20 { // three waiting during the 20 samples of the second
			t.Errorf("mailbox histogram %s: sum too small", h)
		}
	})
}

// Start checks its runtime; Stop is idempotent; a collector that is not
// started still exports what its hooks count.
func TestStartStop(t *testing.T) {
	col := metrics.New(metrics.Options{})
	plain := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler), Hooks: col.Hooks()})
	defer plain.Close()
	if err := col.Start(plain); !errors.Is(err, metrics.ErrNotInstrumented) {
		t.Fatalf("Start without Instrument: %v", err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(col)
	if _, err := gen.Start(context.Background(), plain, sleeper{}); err != nil {
		t.Fatal(err)
	}
	if got := one(t, reg, "gen_process_spawns_total", ""); got != "1" {
		t.Errorf("spawns %s", got)
	}
	if got := series(t, reg, "gen_processes"); got != nil {
		t.Errorf("processes before Start: %q", got)
	}

	rt := gen.NewRuntime(gen.Options{Instrument: true})
	defer rt.Close()
	if err := col.Start(rt); err != nil {
		t.Fatal(err)
	}
	if err := col.Start(rt); !errors.Is(err, metrics.ErrStarted) {
		t.Fatalf("second Start: %v", err)
	}
	col.Stop()
	col.Stop()

	// Without the detector, an uninstrumented runtime is fine.
	quiet := metrics.New(metrics.Options{SlowCallback: -1, MailboxInterval: -1})
	if err := quiet.Start(plain); err != nil {
		t.Fatal(err)
	}
	quiet.Stop()
}

func TestReasonClass(t *testing.T) {
	for _, tc := range []struct {
		reason error
		want   string
	}{
		{nil, "normal"},
		{gen.ErrNormal, "normal"},
		{fmt.Errorf("wrapped: %w", gen.ErrNormal), "normal"},
		{gen.ErrShutdown, "shutdown"},
		{&gen.ShutdownError{Detail: 1}, "shutdown"},
		{gen.ErrKilled, "killed"},
		{gen.ErrNoProc, "noproc"},
		{gen.ErrNoConnection, "noconnection"},
		{gen.ErrMailboxFull, "mailbox_full"},
		{&gen.PanicError{Value: "x"}, "panic"},
		{errors.New("bad"), "crash"},
	} {
		if got := metrics.ReasonClass(tc.reason); got != tc.want {
			t.Errorf("ReasonClass(%v) = %s; want %s", tc.reason, got, tc.want)
		}
	}
}

// The sampler measures messages per second over each MailboxInterval.
func TestMessageRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, rt, reg, _ := setup(t, metrics.Options{SlowCallback: -1, MailboxInterval: 2 * time.Second})
		ctx := context.Background()
		pid, _ := gen.Start(ctx, rt, sleeper{})
		for range 99 {
			_ = gen.Cast(rt, pid, 0)
		}
		if _, err := gen.Call[any](ctx, rt, pid, "sync"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait() // the sampler has measured
		if got := one(t, reg, "gen_messages_per_second", ""); got != "50" {
			t.Errorf("rate %s; want 50 (100 messages in 2 s)", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := one(t, reg, "gen_messages_per_second", ""); got != "0" {
			t.Errorf("idle rate %s; want 0", got)
		}
	})
}
