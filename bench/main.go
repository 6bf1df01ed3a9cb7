// Command bench measures Gen against a floor written with plain goroutines
// and buffered channels, in the same run and the same process, and prints one
// table. Run it with `go run .` from this directory; see README.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// A sample is one timed run of one side of a row: its value in the row's unit
// and, where the row reports it, heap allocations per operation.
type sample struct {
	value  float64
	allocs float64
}

type targetKind uint8

const (
	noTarget     targetKind = iota
	ratioAtMost             // gen/floor <= limit (lower is better)
	ratioAtLeast            // gen/floor >= limit (higher is better)
	genAtMost               // gen <= limit, absolute
)

// A row is one line of the table.
type row struct {
	group  string // what -only selects: W1, W1h, W2, W3, W4, W5
	name   string
	unit   string
	format func(float64) string
	kind   targetKind
	limit  float64
	allocs bool // report allocations per op
	noWarm bool // skip the warm-up run (memory rows: a fresh process each run)
	// maxRuns, when not zero, caps the runs of a row whose result barely
	// varies and whose runs are slow (the memory rows).
	maxRuns int

	gen   func() sample
	floor func() sample
	// floorKey, when set, shares the floor's samples between rows that
	// measure the same floor (the memory rows).
	floorKey string
}

type rowResult struct {
	row          row
	gen, floor   float64
	genA, floorA float64
	ratio        float64
	verdict      string
	genRuns      []float64
	floorRuns    []float64
}

var (
	runsFlag  = flag.Int("runs", 9, "runs per row; the table shows the median")
	onlyFlag  = flag.String("only", "", "comma-separated subset of workloads: W1,W1i,W1h,W2,W3,W4,W5 (W3s: spawn+stop only, W3m: memory only)")
	quickFlag = flag.Bool("quick", false, "smaller sizes, for a smoke run (under a minute)")
	verbose   = flag.Bool("v", false, "print every run's values to stderr")
	cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")

	// Hidden: the memory rows re-run this binary to measure in a fresh process.
	memChild = flag.String("memchild", "", "internal: measure idle-process memory of this kind and exit")
	memN     = flag.Int("n", 0, "internal: process count for -memchild")
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	flag.Parse()
	if *memChild != "" {
		runMemChild(*memChild, *memN)
		return
	}
	if *runsFlag < 1 {
		log.Fatal("-runs must be at least 1")
	}
	sel, err := parseOnly(*onlyFlag)
	if err != nil {
		log.Fatal(err)
	}
	sz := defaultSizes
	if *quickFlag {
		sz = quickSizes
	}

	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}

	start := time.Now()
	fmt.Printf("Gen vs floor (plain goroutines + buffered channels); median of %d runs; GOMAXPROCS=%d; %s %s/%s%s\n",
		*runsFlag, runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, quickNote())
	fmt.Printf("Load average at start: %s (other work on the machine skews the timings)\n\n", loadAvg())

	var results []rowResult
	floorCache := map[string][]sample{}
	for _, r := range rows(sz) {
		if !sel.has(r.group) {
			continue
		}
		t := time.Now()
		res := runRow(r, *runsFlag, floorCache)
		results = append(results, res)
		if *verbose {
			fmt.Fprintf(os.Stderr, "%-34s %6.1fs gen %s floor %s\n", r.name, time.Since(t).Seconds(),
				fmtRuns(r, res.genRuns), fmtRuns(r, res.floorRuns))
		}
	}
	printTable(results)
	memNote := "one run"
	if n := min(*runsFlag, memRuns()); n > 1 {
		memNote = fmt.Sprintf("median of %d runs", n)
	}
	fmt.Printf("\nIdle-memory rows: a fresh process per run, %s (they vary by a few bytes).\n", memNote)
	fmt.Printf("For scale: Erlang/OTP 25 on this machine needs about 1.4 µs per call, 6.9M casts/s,\n" +
		"14 µs per spawn+stop and 2.7 KB per process.\n")
	fmt.Printf("Total time %s; load average at end: %s.\n", time.Since(start).Round(100*time.Millisecond), loadAvg())
}

// loadAvg returns the 1-, 5- and 15-minute load averages, or "unknown".
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

func fmtRuns(r row, vs []float64) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = r.format(v)
	}
	return "[" + strings.Join(out, " ") + "]"
}

func quickNote() string {
	if *quickFlag {
		return "; -quick sizes"
	}
	return ""
}

// runRow warms the row up once (unless noWarm), then runs gen and floor
// alternately runs times, with a GC before each run, and takes medians.
func runRow(r row, runs int, floorCache map[string][]sample) rowResult {
	runtime.GC()
	if !r.noWarm {
		r.gen()
		runtime.GC()
		r.floor()
	}
	var gs, fs []sample
	cached, haveFloor := floorCache[r.floorKey]
	haveFloor = haveFloor && r.floorKey != ""
	if r.maxRuns > 0 {
		runs = min(runs, r.maxRuns)
	}
	for range runs {
		runtime.GC()
		gs = append(gs, r.gen())
		if !haveFloor {
			runtime.GC()
			fs = append(fs, r.floor())
		}
	}
	if haveFloor {
		fs = cached
	} else if r.floorKey != "" {
		floorCache[r.floorKey] = fs
	}
	res := rowResult{row: r}
	res.gen, res.genRuns = median(gs, func(s sample) float64 { return s.value })
	res.floor, res.floorRuns = median(fs, func(s sample) float64 { return s.value })
	res.genA, _ = median(gs, func(s sample) float64 { return s.allocs })
	res.floorA, _ = median(fs, func(s sample) float64 { return s.allocs })
	res.ratio = res.gen / res.floor
	switch r.kind {
	case ratioAtMost:
		res.verdict = passMiss(res.ratio <= r.limit)
	case ratioAtLeast:
		res.verdict = passMiss(res.ratio >= r.limit)
	case genAtMost:
		res.verdict = passMiss(res.gen <= r.limit)
	default:
		res.verdict = "info"
	}
	return res
}

// fmtRatio shows two decimals, or three when two would round a ratio onto
// the wrong side of its limit (0.796x against >= 0.8x).
func fmtRatio(res rowResult) string {
	two := fmt.Sprintf("%.2fx", res.ratio)
	var shown float64
	fmt.Sscanf(two, "%fx", &shown)
	r := res.row
	if (r.kind == ratioAtMost || r.kind == ratioAtLeast) && shown == r.limit && res.ratio != r.limit {
		return fmt.Sprintf("%.3fx", res.ratio)
	}
	return two
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func median(ss []sample, f func(sample) float64) (float64, []float64) {
	vs := make([]float64, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	sorted := slices.Clone(vs)
	slices.Sort(sorted)
	n := len(sorted)
	if n == 0 {
		return 0, vs
	}
	if n%2 == 1 {
		return sorted[n/2], vs
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2, vs
}

func targetText(r row) string {
	switch r.kind {
	case ratioAtMost:
		return fmt.Sprintf("≤ %gx floor", r.limit)
	case ratioAtLeast:
		return fmt.Sprintf("≥ %gx floor", r.limit)
	case genAtMost:
		return "≤ " + r.format(r.limit)
	}
	return "-"
}

func printTable(results []rowResult) {
	header := []string{"Workload", "Gen", "Floor", "Gen/Floor", "Target", "Result", "allocs/op gen/floor"}
	lines := [][]string{header}
	for _, res := range results {
		r := res.row
		allocs := "-"
		if r.allocs {
			allocs = fmt.Sprintf("%.2f / %.2f", res.genA, res.floorA)
		}
		lines = append(lines, []string{
			r.name,
			r.format(res.gen),
			r.format(res.floor),
			fmtRatio(res),
			targetText(r),
			res.verdict,
			allocs,
		})
	}
	widths := make([]int, len(header))
	for _, l := range lines {
		for i, c := range l {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	pr := func(l []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range l {
			pad := widths[i] - len([]rune(c))
			if i == 0 {
				b.WriteString(" " + c + strings.Repeat(" ", pad) + " |")
			} else {
				b.WriteString(" " + strings.Repeat(" ", pad) + c + " |")
			}
		}
		fmt.Println(b.String())
	}
	pr(lines[0])
	sep := make([]string, len(header))
	for i := range sep {
		if i == 0 {
			sep[i] = strings.Repeat("-", widths[i])
		} else {
			sep[i] = strings.Repeat("-", widths[i]-1) + ":"
		}
	}
	fmt.Println("|" + strings.Join(func() []string {
		out := make([]string, len(sep))
		for i, s := range sep {
			out[i] = " " + s + " "
		}
		return out
	}(), "|") + "|")
	for _, l := range lines[1:] {
		pr(l)
	}
}

type selection map[string]bool

func (s selection) has(group string) bool {
	if s == nil {
		return true
	}
	if s[group] {
		return true
	}
	// W3 selects both of its parts.
	return strings.HasPrefix(group, "W3") && s["W3"]
}

func parseOnly(v string) (selection, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	known := map[string]string{}
	for _, g := range []string{"W1", "W1i", "W1h", "W2", "W3", "W3s", "W3m", "W4", "W5"} {
		known[strings.ToLower(g)] = g
	}
	var extra []string
	for _, more := range moreRows {
		for _, r := range more(quickSizes) {
			if _, ok := known[strings.ToLower(r.group)]; !ok {
				known[strings.ToLower(r.group)] = r.group
				extra = append(extra, r.group)
			}
		}
	}
	s := selection{}
	for _, f := range strings.Split(v, ",") {
		g, ok := known[strings.ToLower(strings.TrimSpace(f))]
		if !ok {
			return nil, fmt.Errorf("-only: unknown workload %q (want W1, W1h, W2, W3, W3s, W3m, W4, W5%s)", f,
				strings.Join(append([]string{""}, extra...), ", "))
		}
		s[g] = true
	}
	return s, nil
}

// Formatting of the row units.
func fmtNs(v float64) string   { return fmt.Sprintf("%.0f ns", v) }
func fmtUs(v float64) string   { return fmt.Sprintf("%.2f µs", v) }
func fmtMs(v float64) string   { return fmt.Sprintf("%.1f ms", v) }
func fmtRate(v float64) string { return fmt.Sprintf("%.2fM/s", v/1e6) }
func fmtBytes(v float64) string {
	return fmt.Sprintf("%.0f B", v)
}
