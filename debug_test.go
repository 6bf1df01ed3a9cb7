package gen

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gen-go/gen/internal/sysmsg"
)

type dbgEcho struct{}

func (dbgEcho) HandleCall(p *Process, from From, req any) (any, error) { return req, nil }

// Debugging costs nothing once it is off: the process's debug state is gone
// whenever nothing is switched on, whichever way it was switched off.
func TestDebugStateDropped(t *testing.T) {
	rt := NewRuntime(Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	sysCall := func(pid PID, m *sysmsg.Msg) {
		t.Helper()
		if _, err := Call[sysmsg.Result](ctx, rt, pid, m); err != nil {
			t.Fatal(err)
		}
	}
	dbgOf := func(pid PID) *debugState {
		t.Helper()
		// The process goroutine owns dbg; a call orders its last change
		// before this read.
		if _, err := Call[int](ctx, rt, pid, 1); err != nil {
			t.Fatal(err)
		}
		return rt.lookup(pid).dbg
	}

	plain, _ := Start(ctx, rt, dbgEcho{})
	if dbgOf(plain) != nil {
		t.Errorf("a process started without debugging has debug state")
	}
	zero, _ := Start(ctx, rt, dbgEcho{}, WithDebug(DebugOptions{}))
	if dbgOf(zero) != nil {
		t.Errorf("zero DebugOptions made debug state")
	}

	pid, _ := Start(ctx, rt, dbgEcho{}, WithDebug(DebugOptions{Log: 3, Statistics: true}))
	if dbgOf(pid) == nil {
		t.Fatalf("WithDebug made no debug state")
	}
	sysCall(pid, &sysmsg.Msg{Kind: sysmsg.Log, N: 0})
	if dbgOf(pid) == nil {
		t.Errorf("debug state dropped while statistics are on")
	}
	sysCall(pid, &sysmsg.Msg{Kind: sysmsg.Statistics, On: false})
	if dbgOf(pid) != nil {
		t.Errorf("debug state kept with everything off")
	}

	sysCall(pid, &sysmsg.Msg{Kind: sysmsg.Trace, On: true})
	sysCall(pid, &sysmsg.Msg{Kind: sysmsg.NoDebug})
	if dbgOf(pid) != nil {
		t.Errorf("debug state kept after NoDebug")
	}

	once := func(state any, ev DebugEvent, name string) (any, bool) { return nil, true }
	sysCall(pid, &sysmsg.Msg{Kind: sysmsg.Install, ID: 1, Func: once})
	if dbgOf(pid) != nil {
		t.Errorf("debug state kept after the only debug func returned done")
	}
}
