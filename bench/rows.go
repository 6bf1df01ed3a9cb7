package main

import "fmt"

// sizes are the workload sizes of one mode.
type sizes struct {
	calls    int   // W1
	hibCalls int   // W1h
	casts    int   // W2, total over all senders
	spawns   int   // W3 spawn+stop
	idle     []int // W3 idle memory
	pings    int   // W4 round trips
	servers  int   // W5 servers
	perSrv   int   // W5 casts per server
}

var defaultSizes = sizes{
	calls:    1_000_000,
	hibCalls: 300_000,
	casts:    2_000_000,
	spawns:   100_000,
	idle:     []int{100_000, 1_000_000},
	pings:    1_000_000,
	servers:  10_000,
	perSrv:   100,
}

var quickSizes = sizes{
	calls:    100_000,
	hibCalls: 30_000,
	casts:    200_000,
	spawns:   20_000,
	idle:     []int{100_000},
	pings:    100_000,
	servers:  2_000,
	perSrv:   100,
}

func rows(sz sizes) []row {
	rs := []row{
		{
			group: "W1", name: "W1 call round trip", unit: "ns/call", format: fmtNs,
			kind: ratioAtMost, limit: 1.5, allocs: true,
			gen:   func() sample { return genCall(sz.calls, false) },
			floor: func() sample { return floorCall(sz.calls) },
		},
		{
			group: "W1i", name: "W1i call, gen.WithInlineCalls", unit: "ns/call", format: fmtNs,
			kind: noTarget, allocs: true,
			gen:   func() sample { return genCallInline(sz.calls) },
			floor: func() sample { return floorCall(sz.calls) },
		},
		{
			group: "W1h", name: "W1h call, hibernate every msg", unit: "ns/call", format: fmtNs,
			kind: ratioAtMost, limit: 3, allocs: true,
			gen:   func() sample { return genCall(sz.hibCalls, true) },
			floor: func() sample { return floorCall(sz.hibCalls) },
		},
		{
			group: "W2", name: "W2 cast, 1 sender", unit: "msgs/s", format: fmtRate,
			kind: ratioAtLeast, limit: 0.8, allocs: true,
			gen:   func() sample { return genCast(sz.casts, 1) },
			floor: func() sample { return floorCast(sz.casts, 1) },
		},
		{
			group: "W2", name: "W2 cast, 8 senders", unit: "msgs/s", format: fmtRate,
			kind: ratioAtLeast, limit: 0.8, allocs: true,
			gen:   func() sample { return genCast(sz.casts, 8) },
			floor: func() sample { return floorCast(sz.casts, 8) },
		},
		{
			group: "W3s", name: fmt.Sprintf("W3 spawn+stop %s, Init", count(sz.spawns)), unit: "µs/proc", format: fmtUs,
			kind: ratioAtMost, limit: 1.5,
			gen:   func() sample { return genSpawnStop(sz.spawns, true, false) },
			floor: func() sample { return floorSpawnStop(sz.spawns) },
		},
		{
			group: "W3s", name: fmt.Sprintf("W3 spawn+stop %s, Init, ctx deadline", count(sz.spawns)), unit: "µs/proc", format: fmtUs,
			kind: ratioAtMost, limit: 1.5,
			gen:   func() sample { return genSpawnStop(sz.spawns, true, true) },
			floor: func() sample { return floorSpawnStop(sz.spawns) },
		},
		{
			group: "W3s", name: fmt.Sprintf("W3 spawn+stop %s, Init+Terminate", count(sz.spawns)), unit: "µs/proc", format: fmtUs,
			kind:  noTarget,
			gen:   func() sample { return genSpawnStopTerminate(sz.spawns) },
			floor: func() sample { return floorSpawnStop(sz.spawns) },
		},
		{
			group: "W3s", name: fmt.Sprintf("W3 spawn+stop %s, no Init", count(sz.spawns)), unit: "µs/proc", format: fmtUs,
			kind: ratioAtMost, limit: 1.5,
			gen:   func() sample { return genSpawnStop(sz.spawns, false, false) },
			floor: func() sample { return floorSpawnStop(sz.spawns) },
		},
	}
	for _, n := range sz.idle {
		key := fmt.Sprintf("floor-%d", n)
		rs = append(rs,
			row{
				group: "W3m", name: fmt.Sprintf("W3 idle mem %s, live goroutine", count(n)), unit: "B/proc", format: fmtBytes,
				kind: noTarget, noWarm: true, maxRuns: memRuns(), floorKey: key,
				gen:   func() sample { return memSample(memGenIdle, n) },
				floor: func() sample { return memSample(memFloor, n) },
			},
			row{
				group: "W3m", name: fmt.Sprintf("W3 idle mem %s, hibernated", count(n)), unit: "B/proc", format: fmtBytes,
				kind: genAtMost, limit: 1024, noWarm: true, maxRuns: memRuns(), floorKey: key,
				gen:   func() sample { return memSample(memGenHib, n) },
				floor: func() sample { return memSample(memFloor, n) },
			},
		)
	}
	rs = append(rs,
		row{
			group: "W4", name: "W4 ping-pong", unit: "ns/round trip", format: fmtNs,
			kind: ratioAtMost, limit: 1.5,
			gen:   func() sample { return genPingPong(sz.pings) },
			floor: func() sample { return floorPingPong(sz.pings) },
		},
		row{
			group: "W5", name: fmt.Sprintf("W5 %s srv x %d casts+call, interl.", count(sz.servers), sz.perSrv), unit: "ms", format: fmtMs,
			kind: ratioAtMost, limit: 1.5,
			gen:   func() sample { return genFanOut(sz.servers, sz.perSrv, true) },
			floor: func() sample { return floorFanOut(sz.servers, sz.perSrv, true) },
		},
		row{
			group: "W5", name: fmt.Sprintf("W5 %s srv x %d casts+call, by srv", count(sz.servers), sz.perSrv), unit: "ms", format: fmtMs,
			kind: ratioAtMost, limit: 1.5,
			gen:   func() sample { return genFanOut(sz.servers, sz.perSrv, false) },
			floor: func() sample { return floorFanOut(sz.servers, sz.perSrv, false) },
		},
	)
	for _, more := range moreRows {
		rs = append(rs, more(sz)...)
	}
	return rs
}

// moreRows holds the row sets of the workloads beyond W1-W5 (supervision,
// registry, tasks). Each lives in its own file and adds itself from init, so
// workloads are added without touching this file. Their groups are
// selectable with -only like the built-in ones.
var moreRows []func(sizes) []row

// memRuns is the cap on runs of the idle-memory rows: each run starts up to
// a million processes in a fresh process, and the result varies by bytes.
func memRuns() int {
	if *quickFlag {
		return 1
	}
	return 3
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
