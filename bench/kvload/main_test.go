package main

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

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
}
