package sys_test

import (
	"context"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// tally is changed by every cast.
type tally struct {
	N    int
	Tags map[string]int
}

func (c *tally) HandleCast(p *gen.Process, msg any) error { c.N++; return nil }

// snapTally hands out a deep copy.
type snapTally struct{ tally }

func (c *snapTally) StateSnapshot() any {
	cp := c.tally
	cp.Tags = map[string]int{}
	for k, v := range c.Tags {
		cp.Tags[k] = v
	}
	return &cp
}

// The state GetState returns is a copy: reading it while the server keeps
// changing its own races with nothing (run with -race), and changing it
// does not change the server.
func TestGetStateReturnsACopy(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{})
	defer rt.Close()
	ctx := context.Background()
	pid, err := gen.Start(ctx, rt, &tally{})
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		_ = gen.Cast(rt, pid, 1)
		v, err := sys.GetState(ctx, rt, pid)
		if err != nil {
			t.Fatal(err)
		}
		c := v.(*tally)
		_ = c.N // a read while the server increments its own N
		c.N = -1
	}
	v, _ := sys.GetState(ctx, rt, pid)
	if n := v.(*tally).N; n != 200 {
		t.Fatalf("N = %d; the caller's writes reached the server or casts were lost", n)
	}
	st, _ := sys.GetStatus(ctx, rt, pid)
	st.State.(*tally).N = -5
	if v, _ := sys.GetState(ctx, rt, pid); v.(*tally).N != 200 {
		t.Fatal("GetStatus handed out the live state")
	}
}

// A StateSnapshot method decides what leaves the process.
func TestGetStateUsesStateSnapshot(t *testing.T) {
	rt := gen.NewRuntime(gen.Options{})
	defer rt.Close()
	ctx := context.Background()
	pid, _ := gen.Start(ctx, rt, &snapTally{tally{Tags: map[string]int{"a": 1}}})
	v, err := sys.GetState(ctx, rt, pid)
	if err != nil {
		t.Fatal(err)
	}
	v.(*tally).Tags["a"] = 99
	w, _ := sys.GetState(ctx, rt, pid)
	if w.(*tally).Tags["a"] != 1 {
		t.Fatal("the snapshot shares the server's map")
	}
}
