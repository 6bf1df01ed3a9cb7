// Command kv runs the KV application from Elixir's "Mix and OTP" guide on
// Gen: buckets under a DynamicSupervisor, a registry, a supervision tree,
// and a TCP server speaking the guide's text protocol.
//
// It listens on port 4040, or on the PORT environment variable's port, or on
// the address given with -addr, prints where it listens, and serves until
// SIGINT or SIGTERM. It then stops accepting, lets every connection finish
// the command in progress, stops the tree in order, and exits 0.
//
// It also serves Prometheus metrics (package metrics: processes, messages,
// mailboxes, call latencies, restarts, slow callbacks, and Go's own) over
// HTTP at /metrics on 127.0.0.1:9090, or on the address given with
// -metrics-addr; -metrics-addr "" turns that off. After the "listening on"
// line it prints "kv: metrics on http://ADDR/metrics".
//
// It serves the live dashboard (package observer: the process table, the
// supervision tree, each process's state, trace log and statistics, with
// suspend, resume and kill) on 127.0.0.1:4041, or on the address given with
// -observer-addr; -observer-addr "" turns it off, and it prints "kv:
// dashboard on http://ADDR/". On a loopback address it needs no token. On
// any other address every request must carry the token in the
// KV_OBSERVER_TOKEN environment variable; without one, kv makes a random
// token and prints the URL that carries it.
//
// When the metrics or dashboard address cannot be had, kv says so on stderr
// and serves KV without it. These three are the only ports it opens.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/kv"
	"github.com/gen-go/gen/metrics"
	"github.com/gen-go/gen/observer"
	"github.com/gen-go/gen/task"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	os.Exit(run())
}

func run() int {
	port := os.Getenv("PORT")
	if port == "" {
		port = "4040"
	}
	addr := flag.String("addr", ":"+port, "TCP address to listen on (the PORT environment variable sets the port)")
	grace := flag.Duration("shutdown-timeout", 10*time.Second, "how long connections get to finish at shutdown")
	metricsAddr := flag.String("metrics-addr", "127.0.0.1:9090", `HTTP address to serve Prometheus metrics on, at /metrics ("" turns them off)`)
	observerAddr := flag.String("observer-addr", "127.0.0.1:4041", `HTTP address of the dashboard ("" turns it off)`)
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// Metrics (see serveMetrics). Every call is timed (CallSampling 1), so
	// gen_call_duration_seconds counts calls exactly rather than estimating
	// them. A bucket call runs inline in well under a microsecond, and
	// timing it costs two clock reads. The acceptor and the connections are
	// tasks, whose one callback runs as long as they live: not slow
	// callbacks.
	// With metrics off, nothing feeds or samples a collector; the dashboard
	// alone still wants the processes' instrumentation.
	opts := gen.Options{Logger: log, Instrument: *metricsAddr != "" || *observerAddr != ""}
	var col *metrics.Collector
	if *metricsAddr != "" {
		col = metrics.New(metrics.Options{CallSampling: 1,
			IgnoreSlow: task.Running})
		opts.Hooks = col.Hooks()
	}
	rt := gen.NewRuntime(opts)
	defer rt.Close()
	stopMetrics, metricsURL, err := serveMetrics(*metricsAddr, col, rt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv: metrics:", err)
		return 1
	}
	defer stopMetrics()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := kv.Start(ctx, kv.Config{Addr: *addr, Runtime: rt})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv:", err)
		return 1
	}
	fmt.Printf("kv: listening on %s\n", app.Addr())
	if metricsURL != "" {
		fmt.Printf("kv: metrics on %s\n", metricsURL)
	}
	stopDashboard, dashboardURL := serveDashboard(*observerAddr, rt)
	defer stopDashboard()
	if dashboardURL != "" {
		fmt.Printf("kv: dashboard on %s\n", dashboardURL)
	}
	<-ctx.Done()
	stop()
	fmt.Println("kv: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := app.Stop(sctx); err != nil {
		fmt.Fprintln(os.Stderr, "kv: shutdown:", err)
		return 1
	}
	fmt.Println("kv: stopped")
	return 0
}

// serveMetrics ties col to rt and serves it, with Go's runtime and process
// collectors, at /metrics on addr. It returns a func that stops the server
// and the collector's sampler, and the URL it serves; with addr "" (and no
// col) it serves nothing and returns an empty URL, as it does (after a
// message on stderr) when it cannot listen on addr: metrics are not worth
// failing KV.
func serveMetrics(addr string, col *metrics.Collector, rt *gen.Runtime) (stop func(), url string, err error) {
	if addr == "" {
		return func() {}, "", nil
	}
	if err := col.Start(rt); err != nil {
		return nil, "", err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kv: metrics off: %v\n", err)
		return col.Stop, "", nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(col, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	stop = func() {
		_ = srv.Close()
		<-done
		col.Stop()
	}
	return stop, "http://" + l.Addr().String() + "/metrics", nil
}

// serveDashboard serves the observer dashboard on addr. It returns a func
// that stops it and the URL to open ("" when addr is "" or cannot be had).
// Off loopback it requires a token: KV_OBSERVER_TOKEN's, or a fresh random
// one carried in the URL.
func serveDashboard(addr string, rt *gen.Runtime) (stop func(), url string) {
	if addr == "" {
		return func() {}, ""
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kv: dashboard off: %v\n", err)
		return func() {}, ""
	}
	var opts []observer.Option
	url = "http://" + l.Addr().String() + "/"
	token := os.Getenv("KV_OBSERVER_TOKEN")
	if ip := l.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() && token == "" {
		token = rand.Text()
		url += "?token=" + token
	}
	if token != "" {
		opts = append(opts, observer.WithToken(token))
	}
	srv := &http.Server{Handler: observer.Handler(rt, opts...), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	// Close, not Shutdown: open event streams would hold Shutdown up.
	return func() { _ = srv.Close(); <-done }, url
}
