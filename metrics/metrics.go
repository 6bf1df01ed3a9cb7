package metrics

import (
	"errors"
	"log/slog"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen-go/gen"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a [Collector]. The zero value is ready to use.
type Options struct {
	// Namespace prefixes every metric name. Empty means "gen".
	Namespace string
	// SlowCallback is the slow-callback threshold. Zero means 100 ms;
	// negative turns slow-callback detection off.
	SlowCallback time.Duration
	// IgnoreSlow, when set, is asked about each callback found slow before
	// it is reported; when it returns true the callback is neither logged
	// nor counted. Use it for processes that run one long callback by
	// design, such as tasks: task.Running tells them. It runs on the
	// sampler goroutine.
	IgnoreSlow func(gen.Activity) bool
	// SampleInterval is how often the sampler walks the processes to find
	// slow callbacks. Zero means a quarter of SlowCallback; it is at least
	// 1 ms.
	SampleInterval time.Duration
	// MailboxInterval is how often the sampler puts every process's
	// mailbox length into the gen_mailbox_length histogram. Zero means 1 s;
	// negative turns the histogram off. It is rounded up to a whole number
	// of SampleIntervals when slow-callback detection is on.
	MailboxInterval time.Duration
	// Logger receives the slow-callback reports. Nil means the runtime's
	// logger.
	Logger *slog.Logger
	// CallSampling times one call in CallSampling, picked at random, for
	// gen_call_duration_seconds (see gen.Hooks.CallSampling); each timed
	// call counts for CallSampling calls in the histogram, whose counts
	// and sum are then estimates. Zero means 8; 1 times every call, which
	// costs a call between two processes about 8% more than 8 does.
	CallSampling int
	// MaxNames bounds the names that get a gen_call_duration_seconds series
	// of their own; calls to further names are counted under name "_other".
	// Zero means 1000.
	MaxNames int
}

// A Collector gathers a runtime's metrics; it implements
// prometheus.Collector. Make one with [New]. Its methods are safe for
// concurrent use.
type Collector struct {
	opts     Options
	slow     time.Duration // 0: off
	interval time.Duration
	mailbox  time.Duration // 0: off
	maxNames int
	every    uint64 // CallSampling

	descs collectorDescs

	spawns   atomic.Uint64
	exits    [len(reasonClasses)]atomic.Uint64
	slowN    [numCallbacks]atomic.Uint64
	restarts sync.Map // supervisor label -> *atomic.Uint64

	calls   atomic.Pointer[map[gen.Name]*callHist]
	callsMu sync.Mutex // serializes adding names to calls

	mailboxHist prometheus.Histogram
	msgRate     atomic.Uint64 // float64 bits: messages per second, as the sampler last measured

	mu      sync.Mutex // guards rt, stop and done
	rt      *gen.Runtime
	stop    chan struct{}
	done    chan struct{}
	started atomic.Pointer[gen.Runtime] // rt, for Collect without the lock
}

type collectorDescs struct {
	processes, spawns, exits, restarts, messages, msgRate, mailboxMax, calls, slow *prometheus.Desc
}

// The exit reason classes, in the order of Collector.exits.
var reasonClasses = [...]string{"normal", "shutdown", "killed", "noproc", "noconnection", "mailbox_full", "panic", "crash"}

// numCallbacks bounds the gen.Callback values counted.
const numCallbacks = int(gen.CallbackSystem) + 1

// New returns a collector configured by o. It starts nothing: see
// [Collector.Start].
func New(o Options) *Collector {
	c := &Collector{opts: o, maxNames: o.MaxNames}
	ns := o.Namespace
	if ns == "" {
		ns = "gen"
	}
	switch {
	case o.SlowCallback == 0:
		c.slow = 100 * time.Millisecond
	case o.SlowCallback > 0:
		c.slow = o.SlowCallback
	}
	c.interval = o.SampleInterval
	if c.interval <= 0 {
		c.interval = c.slow / 4
		if c.slow == 0 {
			c.interval = time.Second
		}
	}
	c.interval = max(c.interval, time.Millisecond)
	switch {
	case o.MailboxInterval == 0:
		c.mailbox = time.Second
	case o.MailboxInterval > 0:
		c.mailbox = o.MailboxInterval
	}
	if c.maxNames <= 0 {
		c.maxNames = 1000
	}
	c.every = 8
	if o.CallSampling > 0 {
		c.every = uint64(o.CallSampling)
	}
	name := func(n string) string { return prometheus.BuildFQName(ns, "", n) }
	c.descs = collectorDescs{
		processes:  prometheus.NewDesc(name("processes"), "Live processes, by status.", []string{"status"}, nil),
		spawns:     prometheus.NewDesc(name("process_spawns_total"), "Processes created.", nil, nil),
		exits:      prometheus.NewDesc(name("process_exits_total"), "Process exits, by reason class.", []string{"reason"}, nil),
		restarts:   prometheus.NewDesc(name("supervisor_restarts_total"), "Child restarts, by supervisor (registered name, or PID).", []string{"supervisor"}, nil),
		messages:   prometheus.NewDesc(name("messages_total"), "Messages handled by all processes (needs gen.Options.Instrument).", nil, nil),
		msgRate:    prometheus.NewDesc(name("messages_per_second"), "Messages handled per second over the last MailboxInterval (needs gen.Options.Instrument).", nil, nil),
		mailboxMax: prometheus.NewDesc(name("mailbox_length_max"), "The longest mailbox of a live process.", nil, nil),
		calls:      prometheus.NewDesc(name("call_duration_seconds"), "Call latency seen by callers, by the callee's registered name.", []string{"name"}, nil),
		slow:       prometheus.NewDesc(name("slow_callbacks_total"), "Callbacks that ran longer than the slow-callback threshold, by callback.", []string{"callback"}, nil),
	}
	c.mailboxHist = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: ns, Name: "mailbox_length",
		Help:    "Mailbox lengths of every live process, sampled at a fixed interval.",
		Buckets: []float64{0, 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536},
	})
	empty := map[gen.Name]*callHist{}
	c.calls.Store(&empty)
	return c
}

// Hooks returns the hooks that feed the collector, for [gen.Options]. Each
// call returns a new *gen.Hooks; to add hooks of your own, wrap its fields.
func (c *Collector) Hooks() *gen.Hooks {
	return &gen.Hooks{Spawn: c.spawned, Exit: c.exited, Call: c.called, CallSampling: int(c.every),
		Restart: c.restarted}
}

func (c *Collector) spawned(gen.PID) { c.spawns.Add(1) }

func (c *Collector) exited(_ gen.PID, reason error) { c.exits[reasonIndex(reason)].Add(1) }

func (c *Collector) restarted(sup gen.PID, name gen.Name, _ string) {
	label := string(name)
	if label == "" {
		label = sup.String()
	}
	n, ok := c.restarts.Load(label)
	if !ok {
		n, _ = c.restarts.LoadOrStore(label, new(atomic.Uint64))
	}
	n.(*atomic.Uint64).Add(1)
}

// ReasonClass returns the class of an exit reason that labels
// gen_process_exits_total: "normal" (nil, gen.ErrNormal), "shutdown"
// (gen.ErrShutdown, a *gen.ShutdownError), "killed", "noproc",
// "noconnection", "mailbox_full", "panic" (a *gen.PanicError) or "crash"
// (any other reason).
func ReasonClass(reason error) string { return reasonClasses[reasonIndex(reason)] }

func reasonIndex(reason error) int {
	switch reason {
	case nil, gen.ErrNormal:
		return 0
	case gen.ErrShutdown:
		return 1
	case gen.ErrKilled:
		return 2
	case gen.ErrNoProc:
		return 3
	case gen.ErrNoConnection:
		return 4
	case gen.ErrMailboxFull:
		return 5
	}
	var pe *gen.PanicError
	switch {
	case errors.As(reason, &pe):
		return 6
	case errors.Is(reason, gen.ErrShutdown):
		return 1
	case !gen.IsAbnormal(reason):
		return 0
	case errors.Is(reason, gen.ErrKilled):
		return 2
	case errors.Is(reason, gen.ErrMailboxFull):
		return 5
	}
	return 7
}

// callHist is a call-latency histogram with fixed buckets, lock-free:
// bucket i counts calls of at most 4^i µs (1 µs to about 16.8 s), the last
// one the rest.
type callHist struct {
	counts [callBuckets + 1]atomic.Uint64
	sumNs  atomic.Int64
}

const callBuckets = 13

// callBucket returns the index of d's bucket.
func callBucket(d time.Duration) int {
	if d <= time.Microsecond {
		return 0
	}
	q := uint64(d-1) / uint64(time.Microsecond) // d <= 1µs*4^i  <=>  q < 4^i
	return min((bits.Len64(q)+1)/2, callBuckets)
}

// callBound returns the upper bound of bucket i, in seconds.
func callBound(i int) float64 { return math.Ldexp(1e-6, 2*i) }

func (c *Collector) called(_ gen.PID, name gen.Name, d time.Duration, _ error) {
	h := (*c.calls.Load())[name]
	if h == nil {
		h = c.addName(name)
	}
	h.counts[callBucket(d)].Add(c.every)
	h.sumNs.Add(int64(d) * int64(c.every))
}

// addName returns the histogram of name, making it (or counting the call
// under "_other" once MaxNames names have one).
//
//go:noinline
func (c *Collector) addName(name gen.Name) *callHist {
	c.callsMu.Lock()
	defer c.callsMu.Unlock()
	cur := *c.calls.Load()
	if h := cur[name]; h != nil {
		return h
	}
	if len(cur) >= c.maxNames {
		name = "_other"
		if h := cur[name]; h != nil {
			return h
		}
	}
	next := make(map[gen.Name]*callHist, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	h := new(callHist)
	next[name] = h
	c.calls.Store(&next)
	return h
}

// Describe sends the descriptors of every metric the collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	d := c.descs
	for _, x := range []*prometheus.Desc{d.processes, d.spawns, d.exits, d.restarts, d.messages, d.msgRate, d.mailboxMax, d.calls, d.slow} {
		ch <- x
	}
	c.mailboxHist.Describe(ch)
}

// Collect sends the current value of every metric. The hook-fed ones are
// always there; those read from the runtime (gen_processes,
// gen_messages_total, gen_mailbox_length_max) once Start has tied the
// collector to it.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	d := c.descs
	ch <- prometheus.MustNewConstMetric(d.spawns, prometheus.CounterValue, float64(c.spawns.Load()))
	for i, class := range reasonClasses {
		ch <- prometheus.MustNewConstMetric(d.exits, prometheus.CounterValue, float64(c.exits[i].Load()), class)
	}
	c.restarts.Range(func(k, v any) bool {
		ch <- prometheus.MustNewConstMetric(d.restarts, prometheus.CounterValue, float64(v.(*atomic.Uint64).Load()), k.(string))
		return true
	})
	if c.slow > 0 {
		for cb := gen.CallbackInit; int(cb) < numCallbacks; cb++ {
			ch <- prometheus.MustNewConstMetric(d.slow, prometheus.CounterValue, float64(c.slowN[cb].Load()), cb.String())
		}
	}
	for name, h := range *c.calls.Load() {
		var count uint64
		buckets := make(map[float64]uint64, callBuckets)
		for i := range callBuckets {
			count += h.counts[i].Load()
			buckets[callBound(i)] = count
		}
		count += h.counts[callBuckets].Load()
		sum := time.Duration(h.sumNs.Load()).Seconds()
		ch <- prometheus.MustNewConstHistogram(d.calls, count, sum, buckets, string(name))
	}
	if c.mailbox > 0 {
		c.mailboxHist.Collect(ch)
	}
	rt := c.started.Load()
	if rt == nil {
		return
	}
	var byStatus [5]int
	maxLen := 0
	for a := range rt.Activities() {
		if int(a.Status) < len(byStatus) {
			byStatus[a.Status]++
		}
		maxLen = max(maxLen, a.MailboxLen)
	}
	for s := gen.StatusRunning; s <= gen.StatusHibernated; s++ {
		ch <- prometheus.MustNewConstMetric(d.processes, prometheus.GaugeValue, float64(byStatus[s]), s.String())
	}
	ch <- prometheus.MustNewConstMetric(d.mailboxMax, prometheus.GaugeValue, float64(maxLen))
	if rt.Instrumented() {
		ch <- prometheus.MustNewConstMetric(d.messages, prometheus.CounterValue, float64(rt.Messages()))
		if c.mailbox > 0 {
			ch <- prometheus.MustNewConstMetric(d.msgRate, prometheus.GaugeValue, math.Float64frombits(c.msgRate.Load()))
		}
	}
}
