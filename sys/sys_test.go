package sys_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

type counter struct{ N int }

func (c *counter) HandleCast(p *gen.Process, msg any) error { c.N++; return nil }
func (c *counter) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return c.N, nil
}

type upgrading struct {
	counter
	fail bool
}

func (u *upgrading) CodeChange(p *gen.Process, oldVsn, extra any) (gen.Server, error) {
	if u.fail {
		return nil, errors.New("cannot upgrade")
	}
	return &upgrading{counter: counter{N: u.N * 10}}, nil
}

func start(t *testing.T, srv gen.Server, opts ...gen.StartOption) (*gen.Runtime, gen.PID) {
	t.Helper()
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(rt.Close)
	pid, err := gen.Start(context.Background(), rt, srv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return rt, pid
}

// GetState and ReplaceState work on running and suspended servers.
func TestGetAndReplaceState(t *testing.T) {
	// conformance: 173
	// conformance: 174
	ctx := context.Background()
	rt, pid := start(t, &counter{})
	_ = gen.Cast(rt, pid, "inc")
	st, err := sys.GetState(ctx, rt, pid)
	if err != nil || st.(*counter).N != 1 {
		t.Fatalf("GetState = %+v, %v; want N=1", st, err)
	}
	if v, err := sys.ReplaceState(ctx, rt, pid, func(s any) any { return &counter{N: 41} }); err != nil || v.(*counter).N != 41 {
		t.Fatalf("ReplaceState = %v, %v; want the new state", v, err)
	}
	_ = gen.Cast(rt, pid, "inc")
	if n, err := gen.Call[int](ctx, rt, pid, "get"); err != nil || n != 42 {
		t.Errorf("after ReplaceState: %d, %v; want 42", n, err)
	}
	_, err = sys.ReplaceState(ctx, rt, pid, func(s any) any { panic("bad replace") })
	var pe *gen.PanicError
	if !errors.As(err, &pe) {
		t.Errorf("ReplaceState with a panicking func = %v; want *PanicError", err)
	}
	if n, _ := gen.Call[int](ctx, rt, pid, "get"); n != 42 {
		t.Errorf("state after failed ReplaceState = %d; want 42 kept", n)
	}

	if err := sys.Suspend(ctx, rt, pid); err != nil {
		t.Fatal(err)
	}
	if st, err := sys.GetState(ctx, rt, pid); err != nil || st.(*counter).N != 42 {
		t.Errorf("GetState while suspended = %+v, %v; want N=42", st, err)
	}
	if v, err := sys.ReplaceState(ctx, rt, pid, func(s any) any { return &counter{N: 7} }); err != nil || v.(*counter).N != 7 {
		t.Errorf("ReplaceState while suspended = %v, %v; want N=7", v, err)
	}
	if err := sys.Resume(ctx, rt, pid); err != nil {
		t.Fatal(err)
	}
	if n, _ := gen.Call[int](ctx, rt, pid, "get"); n != 7 {
		t.Errorf("after ReplaceState while suspended: %d; want 7", n)
	}
}

// Suspended servers queue calls; system messages still get through, and the
// queued work runs after Resume. Suspending or resuming twice is no error.
func TestSuspendResumeStatus(t *testing.T) {
	// conformance: 175
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		rt, pid := start(t, &counter{}, gen.WithName("c"))
		for range 2 {
			if err := sys.Suspend(ctx, rt, pid); err != nil {
				t.Fatal(err)
			}
		}
		st, err := sys.GetStatus(ctx, rt, pid)
		if err != nil || !st.Suspended || st.Name != "c" || st.PID != pid {
			t.Fatalf("GetStatus = %+v, %v; want suspended, named c", st, err)
		}
		_ = gen.Cast(rt, pid, "inc")
		short, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if _, err := gen.Call[int](short, rt, pid, "get"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Call to suspended = %v; want deadline exceeded", err)
		}
		for range 2 {
			if err := sys.Resume(ctx, rt, pid); err != nil {
				t.Fatal(err)
			}
		}
		if st, err := sys.GetStatus(ctx, rt, pid); err != nil || st.Suspended {
			t.Errorf("GetStatus after Resume = %+v, %v; want running", st, err)
		}
		if n, err := gen.Call[int](ctx, rt, pid, "get"); err != nil || n != 1 {
			t.Errorf("after Resume: %d, %v; want 1 (queued cast applied)", n, err)
		}
	})
}

func TestChangeCode(t *testing.T) {
	ctx := context.Background()
	rt, pid := start(t, &upgrading{counter: counter{N: 3}})
	if err := sys.ChangeCode(ctx, rt, pid, "v1", nil); !errors.Is(err, gen.ErrNotSuspended) {
		t.Fatalf("ChangeCode while running = %v; want ErrNotSuspended", err)
	}
	if err := sys.Suspend(ctx, rt, pid); err != nil {
		t.Fatal(err)
	}
	if err := sys.ChangeCode(ctx, rt, pid, "v1", nil); err != nil {
		t.Fatalf("ChangeCode = %v", err)
	}
	if err := sys.Resume(ctx, rt, pid); err != nil {
		t.Fatal(err)
	}
	if n, _ := gen.Call[int](ctx, rt, pid, "get"); n != 30 {
		t.Errorf("after upgrade N = %d; want 30", n)
	}
}
