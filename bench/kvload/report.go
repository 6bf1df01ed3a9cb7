package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// printReport writes the results as markdown: the settings, one row per
// server and level (each column's median over the rounds), and Gen's ratios
// against the floor and Elixir. samples holds every round's result, keyed
// by server name and level as fmt.Sprint(name, level) writes them.
//
// A ratio is judged by its median over rounds of the ratio within a round.
// The servers of a round run back to back, so a change in the machine's
// state between rounds (on this shared VM, throughput can triple from one
// round to the next) falls on both sides of each ratio. The ratio of the
// medians in the server table compares rounds run at different times, and
// is shown beside it for reference.
func printReport(w io.Writer, results []result, samples map[string][]result, levels []int, loadStart, loadEnd string) {
	fmt.Fprintf(w, "## KV servers under load (kvload)\n\n")
	fmt.Fprintf(w, "%s, %d CPUs, load average %s at the start and %s at the end. ",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), loadStart, loadEnd)
	fmt.Fprintf(w, "Each row is the median of %d round(s) of %v timed after %v of warm-up; the servers take turns at each level. "+
		"Each connection loops PUT then GET "+
		"on %d keys of its own (values of %d bytes), one request in flight; %d buckets shared by the connections. "+
		"A request is a PUT or a GET. Server CPU is utime+stime of the server process over the timed window; "+
		"kvload shares the machine, its own CPU is the last column.\n\n",
		*runsFlag, *durFlag, *warmFlag, *keysFlag, *valueFlag, *bucketsFlag)
	fmt.Fprintln(w, "| server | conns | req/s | p50 | p99 | server CPU µs/req | kvload CPU µs/req |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s |\n",
			r.server, r.conns, r.opsPerSec, fmtDur(r.p50), fmtDur(r.p99), fmtCPU(r.cpuPerOp), fmtCPU(r.loadPerOp))
	}

	find := func(server string, n int) *result {
		for i := range results {
			if results[i].server == server && results[i].conns == n {
				return &results[i]
			}
		}
		return nil
	}
	var rows []string
	for _, rt := range ratioTargets {
		line := fmt.Sprintf("| %s | %s |", rt.name, rt.target)
		have := false
		for _, n := range levels {
			g, o := find("gen", n), find(rt.other, n)
			cell := " – |"
			if g != nil && o != nil {
				paired, rounds := pairedRatio(samples[fmt.Sprint("gen", n)], samples[fmt.Sprint(rt.other, n)], rt.value)
				if rounds > 0 {
					cell = fmt.Sprintf(" %s %s", rt.format(paired), rt.verdict(paired))
					if v, ok := rt.value(g, o); ok && rounds > 1 {
						cell += fmt.Sprintf(" (%s)", rt.format(v))
					}
					cell += " |"
					have = true
				}
			}
			line += cell
		}
		if have {
			rows = append(rows, line)
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "\n(No ratios: they need Gen's server and the floor or the Elixir server in the same run.)")
		return
	}
	fmt.Fprintf(w, "\n| ratio | target |")
	for _, n := range levels {
		fmt.Fprintf(w, " %d conns |", n)
	}
	fmt.Fprintf(w, "\n| --- | --- |")
	for range levels {
		fmt.Fprintf(w, " ---: |")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	if *runsFlag > 1 {
		fmt.Fprintln(w, "\nEach ratio is the median over rounds of the ratio within a round (the servers of a round run back to back); "+
			"in brackets, the ratio of the medians in the table above, not judged.")
	}
}

// A ratioTarget is one of issue 5's ratios of Gen's server to another.
type ratioTarget struct {
	name, target string
	value        func(g, o *result) (float64, bool)
	atMost       bool
	limit        float64
	other        string
}

// format shows v with two decimals, or three when two would round it onto
// the limit from the other side (0.502 against at most 0.5).
func (t ratioTarget) format(v float64) string {
	two := fmt.Sprintf("%.2f", v)
	if two == fmt.Sprintf("%.2f", t.limit) && v != t.limit {
		return fmt.Sprintf("%.3f", v)
	}
	return two
}

func (t ratioTarget) verdict(v float64) string {
	if (t.atMost && v <= t.limit) || (!t.atMost && v >= t.limit) {
		return "PASS"
	}
	return "MISS"
}

func cpuRatio(g, o *result) (float64, bool) {
	return float64(g.cpuPerOp) / float64(o.cpuPerOp), g.cpuPerOp > 0 && o.cpuPerOp > 0
}

var ratioTargets = []ratioTarget{
	{"CPU/req Gen÷floor", "≤ 1.3", cpuRatio, true, 1.3, "floor"},
	{"req/s Gen÷floor", "≥ 0.8", func(g, o *result) (float64, bool) { return g.opsPerSec / o.opsPerSec, o.opsPerSec > 0 }, false, 0.8, "floor"},
	{"CPU/req Gen÷Elixir", "≤ 0.5", cpuRatio, true, 0.5, "elixir"},
	{"p99 Gen÷Elixir", "≤ 1", func(g, o *result) (float64, bool) { return float64(g.p99) / float64(o.p99), o.p99 > 0 }, true, 1, "elixir"},
}

// pairedRatio returns the median, over the rounds in which both gen and
// other have a result, of value(gen's, other's) in that round, and the
// number of such rounds (0: no ratio). With an even number the median is
// the mean of the middle two.
func pairedRatio(gen, other []result, value func(g, o *result) (float64, bool)) (float64, int) {
	var vs []float64
	for i := range gen {
		for j := range other {
			if gen[i].round != other[j].round {
				continue
			}
			if v, ok := value(&gen[i], &other[j]); ok {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 {
		return 0, 0
	}
	return medianOf(vs), len(vs)
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f µs", float64(d)/1e3)
}

func fmtCPU(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", float64(d)/1e3)
}
