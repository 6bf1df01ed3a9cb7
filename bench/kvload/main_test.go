package main

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestFloorConformance builds kvfloor, starts it as kvload does, checks it
// and puts it under a short load, and stops it: it must exit 0.
func TestFloorConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds and runs kvfloor")
	}
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "kvfloor")
	if out, err := goBuild(dir, bin, "./kvfloor"); err != nil {
		t.Fatalf("go build ./kvfloor: %v\n%s", err, out)
	}
	tg := &target{name: "floor", argv: []string{bin}}
	if err := start(tg, dir, tmp); err != nil {
		t.Fatal(err)
	}
	defer stop(tg)
	if err := conformance(tg.addr); err != nil {
		t.Fatalf("conformance: %v%s", err, tg.output())
	}
	*durFlag, *warmFlag = 200*time.Millisecond, 50*time.Millisecond
	r, err := runLevel(tg, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.ops == 0 || r.cpuPerOp < 0 || r.p99 < r.p50 {
		t.Errorf("implausible result %+v", r)
	}
	if pid := pidListeningOn(tg.addr); pid != tg.pid {
		t.Errorf("pidListeningOn(%s) = %d, want %d", tg.addr, pid, tg.pid)
	}
	exited := tg.exited
	stop(tg)
	<-exited
	if tg.waitErr != nil {
		t.Errorf("kvfloor did not exit 0 on SIGTERM: %v", tg.waitErr)
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"elixir kv.exs", []string{"elixir", "kv.exs"}},
		{defaultElixir, []string{"elixir", "--erl", "+sbwt none +sbwtdcpu none +sbwtdio none", "kvelixir/kv.exs"}},
		{`  a  'b c' ""  `, []string{"a", "b c", ""}},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "  ", `a "b`} {
		if _, err := splitCommand(bad); err == nil {
			t.Errorf("splitCommand(%q): no error", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	rs := []result{
		{opsPerSec: 3, p99: 30, cpuPerOp: 1},
		{opsPerSec: 1, p99: 10, cpuPerOp: 3},
		{opsPerSec: 2, p99: 20, cpuPerOp: 2},
	}
	m := median(rs)
	if m.opsPerSec != 2 || m.p99 != 20 || m.cpuPerOp != 2 {
		t.Errorf("median = %+v", m)
	}
	// An even count: the mean of the middle two, as pairedRatio takes it.
	rs = append(rs, result{opsPerSec: 7, p99: 70, cpuPerOp: 8})
	m = median(rs)
	if m.opsPerSec != 2.5 || m.p99 != 25 || m.cpuPerOp != 2 { // (2+3)/2 in whole ns
		t.Errorf("median of four = %+v", m)
	}
}

// TestPairedRatio takes the throughputs of the 22:10 invocation in
// bench/README.md, where the machine got three times faster between the
// second and the fourth round: the ratio of the medians (80582/140330)
// compares a slow round of Gen's with a fast one of the floor's, while each
// round's own ratio compares like with like.
func TestPairedRatio(t *testing.T) {
	gen := []result{
		{round: 0, opsPerSec: 35814}, {round: 1, opsPerSec: 49143}, {round: 2, opsPerSec: 80582},
		{round: 3, opsPerSec: 126235}, {round: 4, opsPerSec: 141467},
	}
	floor := []result{
		{round: 0, opsPerSec: 46358}, {round: 1, opsPerSec: 42221}, {round: 2, opsPerSec: 140330},
		{round: 3, opsPerSec: 144860}, {round: 4, opsPerSec: 163168},
	}
	perSec := func(g, o *result) (float64, bool) { return g.opsPerSec / o.opsPerSec, true }
	got, n := pairedRatio(gen, floor, perSec)
	// Rounds: 0.773, 1.164, 0.574, 0.871, 0.867; the median is round 4's.
	if want := 141467.0 / 163168; n != 5 || got != want {
		t.Errorf("pairedRatio = %v over %d rounds; want %v over 5", got, n, want)
	}
	if m := median(gen).opsPerSec / median(floor).opsPerSec; m > 0.6 {
		t.Errorf("ratio of the medians = %v; the example expects it below 0.6", m)
	}

	// A round that one side lacks (its server failed) is left out: rounds
	// 1-3 remain, 1.164, 0.574 and 0.871.
	got, n = pairedRatio(gen[:4], floor[1:], perSec)
	if want := 126235.0 / 144860; n != 3 || got != want {
		t.Errorf("pairedRatio of rounds 1-3 = %v over %d; want %v over 3", got, n, want)
	}
	// An even count takes the mean of the middle two.
	got, n = pairedRatio(gen[2:4], floor[2:4], perSec)
	if want := (80582.0/140330 + 126235.0/144860) / 2; n != 2 || got != want {
		t.Errorf("pairedRatio of rounds 2-3 = %v over %d; want %v over 2", got, n, want)
	}
	if _, n := pairedRatio(gen[:1], floor[1:], perSec); n != 0 {
		t.Errorf("no common round: %d rounds", n)
	}
}

func TestRatioFormat(t *testing.T) {
	tg := ratioTarget{atMost: true, limit: 0.5}
	for v, want := range map[float64]string{0.503: "0.503", 0.498: "0.498", 0.507: "0.51", 0.5: "0.50", 0.46: "0.46", 1.234: "1.23"} {
		if got := tg.format(v); got != want {
			t.Errorf("format(%v) = %q; want %q", v, got, want)
		}
	}
	if tg.verdict(0.503) != "MISS" || tg.verdict(0.5) != "PASS" {
		t.Error("verdict at most 0.5: want MISS for 0.503 and PASS for 0.5")
	}
}
