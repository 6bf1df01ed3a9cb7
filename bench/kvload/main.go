// Command kvload is the load generator for the KV server benchmark (issue 5,
// item 3). It runs, in one go, against up to three servers that speak the
// KV protocol: Gen's (cmd/kv), the floor (bench/kvfloor, plain Go) and the
// Elixir reference (bench/kvelixir/kv.exs), and prints a markdown table.
//
// Run it from the bench directory:
//
//	go run ./kvload                 # all three, 1/16/256 connections, 5 rounds of 3 s per level
//	go run ./kvload -quick          # 1 s per level
//	go run ./kvload -servers floor,elixir
//	go run ./kvload -addr gen=127.0.0.1:4040   # a server that is already running
//
// By default it builds and starts each server itself, as a child process on
// a free port given in the PORT environment variable: Gen's by building
// ../cmd/kv (skipped with a message if that fails), the floor by building
// ./kvfloor, and the Elixir one with `elixir kvelixir/kv.exs` when elixir is
// on PATH (skipped with a message otherwise). -gen, -floor and -elixir
// replace a command line; "off" skips that server.
//
// Each connection loops PUT then GET on keys of its own, one request in
// flight, and checks every reply byte for byte; a wrong reply ends that
// server's run with an error and kvload exits 1. Before the load, a
// conformance check runs the guide's session, SUBSCRIBE across two
// connections and a few bad lines against each server (-check=false skips
// it).
//
// For each level it reports requests per second, p50 and p99 latency, and
// the server's CPU time per request: utime+stime from /proc/<pid>/stat,
// read before and after the timed window. Each level runs in rounds, the
// servers one after the other in each round; the table shows each
// column's median over the rounds, and each of Gen's ratios is the median
// over the rounds of its ratio within a round. For -addr servers the pid is
// found from the listening socket in /proc when possible.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	serversFlag = flag.String("servers", "gen,floor,elixir", "which servers to run, in order")
	genFlag     = flag.String("gen", "", `command line for Gen's server ("" builds and runs ../cmd/kv; "off" skips it)`)
	floorFlag   = flag.String("floor", "", `command line for the floor ("" builds and runs ./kvfloor; "off" skips it)`)
	elixirFlag  = flag.String("elixir", "", `command line for the Elixir server ("" runs `+defaultElixir+`; "off" skips it)`)
	addrFlag    = flag.String("addr", "", "comma-separated name=host:port of servers already running; they replace the started ones of that name (or add one)")
	connsFlag   = flag.String("conns", "1,16,256", "comma-separated connection counts, one level each")
	durFlag     = flag.Duration("duration", 3*time.Second, "timed window per level")
	runsFlag    = flag.Int("runs", 5, "rounds per level; the table shows each column's median, and each ratio is the median of its rounds' ratios")
	warmFlag    = flag.Duration("warmup", 500*time.Millisecond, "untimed load before each level's window")
	quickFlag   = flag.Bool("quick", false, "short levels (1 s, 200 ms warm-up), for a smoke run")
	bucketsFlag = flag.Int("buckets", 16, "buckets shared by the connections: connection i uses bucket i mod buckets")
	keysFlag    = flag.Int("keys", 64, "distinct keys per connection, cycled")
	valueFlag   = flag.Int("value", 16, "value size in bytes")
	checkFlag   = flag.Bool("check", true, "run the conformance check before the load")
	benchDir    = flag.String("benchdir", "", "the bench directory (default: found from the working directory)")
	verbose     = flag.Bool("v", false, "show the servers' output")
)

// The BEAM's schedulers busy-wait for work by default, which burns CPU that
// is not work done for a request; the reference server runs without it. Use
// -elixir "elixir kvelixir/kv.exs" to measure the default.
const defaultElixir = `elixir --erl "+sbwt none +sbwtdcpu none +sbwtdio none" kvelixir/kv.exs`

func main() {
	flag.Parse()
	os.Exit(run())
}

// A target is one server to measure.
type target struct {
	name    string   // gen, floor, elixir or an -addr name
	argv    []string // command to start, nil for -addr servers
	addr    string   // host:port
	pid     int      // for CPU time; 0 if unknown
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	log     *os.File
	failed  bool // a check or a level failed: no more levels
}

func run() int {
	if *quickFlag {
		*durFlag, *warmFlag = time.Second, 200*time.Millisecond
	}
	levels, err := parseInts(*connsFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kvload: -conns:", err)
		return 2
	}
	dir, err := findBenchDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kvload:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "kvload")
	if err != nil {
		fmt.Fprintln(os.Stderr, "kvload:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	targets, skipped := plan(dir, tmp)
	for _, s := range skipped {
		logf("skipped %s", s)
	}
	if len(targets) == 0 {
		fmt.Fprintln(os.Stderr, "kvload: no server to measure")
		return 1
	}

	loadStart := loadAvg()
	failed := false
	var live []*target
	for _, t := range targets {
		if err := prepare(t, dir, tmp); err != nil {
			stop(t)
			failed = true
			logf("%s: FAILED: %v", t.name, err)
			continue
		}
		defer stop(t)
		live = append(live, t)
	}
	// Levels run in turn on every server, and each round starts with the
	// next server, so that other load on the machine falls on all of them
	// alike. Each row of the table is the median of -runs rounds.
	samples := map[string][]result{}
	for _, n := range levels {
		for round := range *runsFlag {
			for i := range live {
				t := live[(i+round)%len(live)]
				if t.failed {
					continue
				}
				r, err := runLevel(t, n)
				if err != nil {
					t.failed, failed = true, true
					logf("%s: FAILED at %d connections: %v", t.name, n, err)
					continue
				}
				logf("%s: %d conns: %.0f req/s, p50 %s, p99 %s, CPU %s µs/req", t.name, n, r.opsPerSec, fmtDur(r.p50), fmtDur(r.p99), fmtCPU(r.cpuPerOp))
				r.round = round
				key := fmt.Sprint(t.name, n)
				samples[key] = append(samples[key], r)
			}
		}
	}
	var results []result
	for _, t := range live {
		for _, n := range levels {
			if rs := samples[fmt.Sprint(t.name, n)]; len(rs) > 0 {
				results = append(results, median(rs))
			}
		}
	}
	printReport(os.Stdout, results, samples, levels, loadStart, loadAvg())
	if failed {
		return 1
	}
	return 0
}

// plan decides which servers to run and how, and says why others are
// skipped.
func plan(dir, tmp string) (targets []*target, skipped []string) {
	external := map[string]string{}
	var extOrder []string
	if *addrFlag != "" {
		for _, e := range strings.Split(*addrFlag, ",") {
			name, addr, ok := strings.Cut(strings.TrimSpace(e), "=")
			if !ok || name == "" || addr == "" {
				skipped = append(skipped, fmt.Sprintf("-addr entry %q: want name=host:port", e))
				continue
			}
			external[name] = addr
			extOrder = append(extOrder, name)
		}
	}
	names := strings.Split(*serversFlag, ",")
	for _, name := range extOrder {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if addr, ok := external[name]; ok {
			targets = append(targets, &target{name: name, addr: addr, pid: pidListeningOn(addr)})
			continue
		}
		argv, why := command(name, dir, tmp)
		if argv == nil {
			skipped = append(skipped, fmt.Sprintf("%s: %s", name, why))
			continue
		}
		targets = append(targets, &target{name: name, argv: argv})
	}
	return targets, skipped
}

// command returns the command line that starts the named server, building
// it first if needed, or nil and the reason it cannot run.
func command(name, dir, tmp string) ([]string, string) {
	var flagVal string
	switch name {
	case "gen":
		flagVal = *genFlag
	case "floor":
		flagVal = *floorFlag
	case "elixir":
		flagVal = *elixirFlag
	default:
		return nil, "unknown server (want gen, floor or elixir, or give it with -addr)"
	}
	if flagVal == "off" {
		return nil, "off by flag"
	}
	if flagVal != "" {
		argv, err := splitCommand(flagVal)
		if err != nil {
			return nil, err.Error()
		}
		return argv, ""
	}
	switch name {
	case "gen":
		repo := filepath.Dir(dir)
		if _, err := os.Stat(filepath.Join(repo, "cmd", "kv")); err != nil {
			return nil, "Gen's server ../cmd/kv does not exist yet (give a command with -gen)"
		}
		bin := filepath.Join(tmp, "kv-gen")
		if out, err := goBuild(repo, bin, "./cmd/kv"); err != nil {
			return nil, fmt.Sprintf("building ../cmd/kv failed (%v):\n%s", err, indent(out))
		}
		return []string{bin}, ""
	case "floor":
		bin := filepath.Join(tmp, "kvfloor")
		if out, err := goBuild(dir, bin, "./kvfloor"); err != nil {
			return nil, fmt.Sprintf("building ./kvfloor failed (%v):\n%s", err, indent(out))
		}
		return []string{bin}, ""
	default: // elixir
		if _, err := exec.LookPath("elixir"); err != nil {
			return nil, "elixir is not on PATH (apt-get install elixir, or give a command with -elixir)"
		}
		argv, _ := splitCommand(defaultElixir)
		argv[len(argv)-1] = filepath.Join(dir, "kvelixir", "kv.exs")
		return argv, ""
	}
}

func goBuild(dir, out, pkg string) ([]byte, error) {
	logf("building %s", pkg)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// prepare starts t (unless it is external) and runs the conformance check.
func prepare(t *target, dir, tmp string) error {
	if t.argv != nil {
		if err := start(t, dir, tmp); err != nil {
			return err
		}
	} else if err := waitListening(t, 2*time.Second); err != nil {
		return err
	}
	logf("%s: %s, pid %d", t.name, t.addr, t.pid)
	if *checkFlag {
		if err := conformance(t.addr); err != nil {
			return fmt.Errorf("conformance check: %w", err)
		}
		logf("%s: conformance check passed", t.name)
	}
	return nil
}

// start runs t's command on a free port and waits until it accepts
// connections.
func start(t *target, dir, tmp string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	t.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(t.argv[0], t.argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	if *verbose {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	} else {
		f, err := os.Create(filepath.Join(tmp, t.name+".log"))
		if err != nil {
			return err
		}
		t.log = f
		cmd.Stdout, cmd.Stderr = f, f
	}
	logf("%s: starting %s (PORT=%d)", t.name, strings.Join(t.argv, " "), port)
	if err := cmd.Start(); err != nil {
		return err
	}
	t.cmd, t.pid, t.exited = cmd, cmd.Process.Pid, make(chan struct{})
	go func() { t.waitErr = cmd.Wait(); close(t.exited) }()
	if err := waitListening(t, 60*time.Second); err != nil {
		stop(t)
		return fmt.Errorf("%w%s", err, t.output())
	}
	return nil
}

// waitListening dials t.addr until it answers, t exits, or timeout passes.
func waitListening(t *target, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", t.addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if t.exited != nil {
			select {
			case <-t.exited:
				return fmt.Errorf("server exited before listening: %v", t.waitErr)
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %v: %v", t.addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM to the server it started, waits up to 10 s, then kills
// it, and reports how it exited.
func stop(t *target) {
	if t.cmd == nil {
		return
	}
	begin := time.Now()
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.exited:
		status := "exit 0"
		if t.waitErr != nil {
			status = t.waitErr.Error()
		}
		logf("%s: stopped by SIGTERM in %v (%s)", t.name, time.Since(begin).Round(time.Millisecond), status)
	case <-time.After(10 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.exited
		logf("%s: did not stop within 10 s of SIGTERM; killed", t.name)
	}
	if t.log != nil {
		t.log.Close()
	}
	t.cmd = nil
}

// output returns the tail of the server's log, for error messages.
func (t *target) output() string {
	if t.log == nil {
		return ""
	}
	b, err := os.ReadFile(t.log.Name())
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nserver output:\n" + indent(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// findBenchDir returns the bench module's directory: -benchdir, or the
// working directory or its bench subdirectory, whichever holds kvfloor.
func findBenchDir() (string, error) {
	cands := []string{".", "bench", ".."}
	if *benchDir != "" {
		cands = []string{*benchDir}
	}
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, "kvfloor", "main.go")); err == nil {
			return filepath.Abs(c)
		}
	}
	return "", errors.New("cannot find the bench directory (with kvfloor/ and kvelixir/): run from it, or give -benchdir")
}

// splitCommand splits a command line at blanks, honouring double and single
// quotes (no escapes).
func splitCommand(s string) ([]string, error) {
	var argv []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				argv = append(argv, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		argv = append(argv, cur.String())
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return argv, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func indent(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kvload: "+format+"\n", args...)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
