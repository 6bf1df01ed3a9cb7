package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// printReport writes the results as markdown: the settings, one row per
// server and level, and Gen's ratios against the floor and Elixir.
func printReport(w io.Writer, results []result, levels []int, loadStart, loadEnd string) {
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
	type ratio struct {
		name, target string
		value        func(g, o *result) (float64, bool)
		atMost       bool
		limit        float64
		other        string
	}
	cpu := func(g, o *result) (float64, bool) {
		return float64(g.cpuPerOp) / float64(o.cpuPerOp), g.cpuPerOp > 0 && o.cpuPerOp > 0
	}
	ratios := []ratio{
		{"CPU/req Gen÷floor", "≤ 1.3", cpu, true, 1.3, "floor"},
		{"req/s Gen÷floor", "≥ 0.8", func(g, o *result) (float64, bool) { return g.opsPerSec / o.opsPerSec, true }, false, 0.8, "floor"},
		{"CPU/req Gen÷Elixir", "≤ 0.5", cpu, true, 0.5, "elixir"},
		{"p99 Gen÷Elixir", "≤ 1", func(g, o *result) (float64, bool) { return float64(g.p99) / float64(o.p99), o.p99 > 0 }, true, 1, "elixir"},
	}
	var rows []string
	for _, rt := range ratios {
		line := fmt.Sprintf("| %s | %s |", rt.name, rt.target)
		have := false
		for _, n := range levels {
			g, o := find("gen", n), find(rt.other, n)
			cell := " – |"
			if g != nil && o != nil {
				if v, ok := rt.value(g, o); ok {
					pass := v <= rt.limit
					if !rt.atMost {
						pass = v >= rt.limit
					}
					verdict := "PASS"
					if !pass {
						verdict = "MISS"
					}
					cell = fmt.Sprintf(" %.2f %s |", v, verdict)
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
