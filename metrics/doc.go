// Package metrics exports a Gen runtime's metrics to Prometheus, and finds
// slow callbacks as an APM does.
//
// A [Collector] is a prometheus.Collector fed by the runtime's [gen.Hooks]
// and by walks over its processes ([gen.Runtime.Activities]). Make the
// collector first, give its hooks to the runtime, then tie the two with
// Start:
//
//	col := metrics.New(metrics.Options{})
//	rt := gen.NewRuntime(gen.Options{Hooks: col.Hooks(), Instrument: true})
//	if err := col.Start(rt); err != nil { ... }
//	defer col.Stop()
//	prometheus.MustRegister(col)
//
// # Metrics
//
// With the default namespace "gen":
//
//	gen_processes{status}                   gauge: live processes by status (running, waiting, suspended, hibernated)
//	gen_process_spawns_total                counter: processes created
//	gen_process_exits_total{reason}         counter: exits by reason class (see ReasonClass)
//	gen_supervisor_restarts_total{supervisor} counter: restarts, by supervisor (its registered name, or its PID)
//	gen_messages_total                      counter: messages handled by every process; rate() gives messages per second
//	gen_messages_per_second                 gauge: messages handled per second, measured every MailboxInterval
//	gen_mailbox_length_max                  gauge: the longest mailbox now
//	gen_mailbox_length                      histogram: mailbox lengths of every process, sampled every MailboxInterval
//	gen_call_duration_seconds{name}         histogram: Call latency seen by callers, by the callee's registered name ("" for unnamed)
//	gen_slow_callbacks_total{callback}      counter: callbacks that ran longer than the slow threshold
//
// gen_messages_total and gen_messages_per_second need
// [gen.Options.Instrument]; gen_processes, gen_messages_total and
// gen_mailbox_length_max are read from the runtime at each scrape, and need
// Start; gen_mailbox_length and gen_messages_per_second come from the
// sampler that Start runs.
//
// # Cost
//
// The hooks count spawns, exits and restarts with one atomic add each.
// Call latency needs a clock read at the start and at the end of a call
// (a call with the default deadline reads none otherwise): one read costs
// about 5% of a call between two processes, so by default one call in 8, picked at
// random, is timed, and counts for 8 in the histogram (Options.CallSampling;
// 1 times every call). gen.Options.Instrument costs each process one atomic
// store per message. The sampler goroutine that Start runs walks every
// process once per SampleInterval (25 ms by default), taking each one's lock
// for a few instructions, and backs off so that it spends at most about 5%
// of a core. Its timer has a cost of its own in a program that has no
// other: the Go scheduler reads the clock at every goroutine switch on a
// processor that holds a timer, which made a stream of casts between two
// processes about 10% slower on a 2-core VM whose clock reads cost 31 ns.
// SlowCallback and MailboxInterval both negative run no sampler. The
// package's bench rows (MET, in bench/) measure W1 and W2 with all of this
// on against off.
//
// # Slow callbacks
//
// The sampler finds slow callbacks without a timer per callback and without
// reading the clock per message: an instrumented process publishes a
// sequence number each time it enters a callback, and a callback seen
// running with the same sequence number on every walk for at least the
// threshold (100 ms by default) is slow. It is logged once, at level Warn,
// with the process, its name, the callback, the message's type and the time
// it has been seen running, and counted in gen_slow_callbacks_total. A
// callback that runs for the threshold plus one SampleInterval is always
// found; the elapsed time logged is a lower bound, short of the truth by at
// most one SampleInterval. Processes whose one callback runs long by
// design, such as tasks, can be left out with Options.IgnoreSlow.
package metrics
