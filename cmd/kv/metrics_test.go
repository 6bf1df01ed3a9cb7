package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// startWithMetrics runs the binary with a metrics server on a free
// loopback port and returns it with its metrics URL, read from the line
// after "listening on".
func startWithMetrics(t *testing.T, bin string) (*server, string) {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-observer-addr", "")
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stdout: bufio.NewReader(out), exited: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})
	first, err1 := s.stdout.ReadString('\n')
	second, err2 := s.stdout.ReadString('\n')
	go func() {
		_, _ = io.Copy(io.Discard, s.stdout)
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if err1 != nil || err2 != nil || !strings.HasPrefix(first, "kv: listening on ") ||
		!strings.HasPrefix(second, "kv: metrics on http://127.0.0.1:") {
		t.Fatalf("first lines %q %q, %v %v", first, second, err1, err2)
	}
	s.addr = strings.TrimSpace(strings.TrimPrefix(first, "kv: listening on "))
	return s, strings.TrimSpace(strings.TrimPrefix(second, "kv: metrics on "))
}

// scrape fetches and parses the metrics at url.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// sample returns the value of the series of family name whose labels
// include every label=value pair in labels; for a histogram, its count.
// It fails the test when there is no such series.
func sample(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, float64) {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric family %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for _, want := range labels {
			k, v, _ := strings.Cut(want, "=")
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), 0
		case m.Gauge != nil:
			return m.Gauge.GetValue(), 0
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), m.Histogram.GetSampleSum()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0, 0
}

// The built binary serves /metrics while it is under load over TCP: the
// scrape finds the runtime's series, with counts that match the load.
func TestMetricsUnderLoad(t *testing.T) {
	bin := build(t)
	s, url := startWithMetrics(t, bin)
	before := scrape(t, url)
	spawned0, _ := sample(t, before, "gen_process_spawns_total")

	// Load: conns connections at once, each creating its bucket and doing
	// rounds of PUT and GET on it.
	const conns, rounds = 8, 100
	var wg sync.WaitGroup
	for i := range conns {
		c := dial(t, s.addr)
		wg.Go(func() {
			b := fmt.Sprintf("b%d", i)
			c.Expect("CREATE "+b+"\r\n", "OK\r\n")
			for r := range rounds {
				c.Expect(fmt.Sprintf("PUT %s k%d %d\r\n", b, r, r), "OK\r\n")
				c.Expect(fmt.Sprintf("GET %s k%d\r\n", b, r), fmt.Sprintf("%d\r\n", r), "OK\r\n")
			}
		})
		defer c.Conn.Close()
	}
	// Scrape while the load runs, too: the endpoint must serve under load.
	mid := scrape(t, url)
	t.Logf("scraped under load: %d families", len(mid))
	wg.Wait()
	during, _ := sample(t, mid, "gen_process_spawns_total")
	if during < spawned0 {
		t.Errorf("spawns went down: %v then %v", spawned0, during)
	}

	fams := scrape(t, url)
	// Every connection's task and every bucket is a process.
	spawned, _ := sample(t, fams, "gen_process_spawns_total")
	if spawned < spawned0+2*conns {
		t.Errorf("spawns %v; want at least %v", spawned, spawned0+2*conns)
	}
	var live float64
	for _, status := range []string{"running", "waiting", "suspended", "hibernated"} {
		n, _ := sample(t, fams, "gen_processes", "status="+status)
		live += n
	}
	if live < 2*conns || live > spawned {
		t.Errorf("live processes %v; want between %d and %v (spawns)", live, 2*conns, spawned)
	}
	// Each PUT and GET is a message to a bucket, each CREATE one to the
	// registry.
	msgs, _ := sample(t, fams, "gen_messages_total")
	if msgs < conns*(2*rounds+1) {
		t.Errorf("messages %v; want at least %d", msgs, conns*(2*rounds+1))
	}
	// Calls: the buckets are unnamed (name ""), the registry is named.
	n, sum := sample(t, fams, "gen_call_duration_seconds", "name=")
	if n < conns*2*rounds {
		t.Errorf("calls to buckets: %v; want at least %d", n, conns*2*rounds)
	}
	if mean := sum / n; mean <= 0 || mean > 1 {
		t.Errorf("mean bucket call latency %vs; want in (0, 1s]", mean)
	}
	if n, _ := sample(t, fams, "gen_call_duration_seconds", "name=kv.registry"); n < conns {
		t.Errorf("calls to kv.registry: %v; want at least %d", n, conns)
	}
	// No slow callback, no crash, no restart under this load; mailboxes
	// are short.
	// (The acceptor and connection tasks run one long callback each, by
	// design: the binary does not count them.)
	for _, cb := range []string{"HandleCall", "HandleCast", "HandleInfo"} {
		if n, _ := sample(t, fams, "gen_slow_callbacks_total", "callback="+cb); n != 0 {
			t.Errorf("slow %s callbacks: %v", cb, n)
		}
	}
	for _, class := range []string{"crash", "panic", "killed"} {
		if n, _ := sample(t, fams, "gen_process_exits_total", "reason="+class); n != 0 {
			t.Errorf("exits with reason %s: %v", class, n)
		}
	}
	if m, _ := sample(t, fams, "gen_mailbox_length_max"); m < 0 || m > 1000 {
		t.Errorf("longest mailbox %v", m)
	}
	t.Logf("spawns %v, live %v, messages %v, bucket calls %v (mean %.1f µs)", spawned, live, msgs, n, 1e6*sum/n)
	sample(t, fams, "gen_mailbox_length")
	sample(t, fams, "gen_messages_per_second")
	sample(t, fams, "go_goroutines")

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.wait(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v; want status 0", err)
	}
}

// -metrics-addr "" serves no metrics: the binary prints no metrics line.
func TestMetricsOff(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-observer-addr", "")
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	r := bufio.NewReader(out)
	first, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(first, "kv: listening on ") {
		t.Fatalf("first line %q, %v", first, err)
	}
	dial(t, strings.TrimSpace(strings.TrimPrefix(first, "kv: listening on "))).Expect("CREATE x\r\n", "OK\r\n")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; want status 0", err)
	}
	if want := "kv: shutting down\nkv: stopped\n"; string(rest) != want {
		t.Errorf("output after the first line %q; want %q", rest, want)
	}
}
