package gen_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
)

// holdSrv answers "now" at once and never answers "hold".
type holdSrv struct{}

func (holdSrv) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	if req == "hold" {
		return nil, gen.NoReply
	}
	return req, nil
}

// The default deadline is exact for every call, also for one that starts
// while the reply slot's timer is still armed by an earlier call: the timer
// re-arms for the time left instead of firing early.
func TestDefaultDeadlineExactOnReusedSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		pid, err := gen.Start(context.Background(), rt, holdSrv{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := gen.Call[string](ctx, rt, pid, "now"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second) // the slot's timer, armed for 5 s, has 2 s left
		start := time.Now()
		_, err = gen.Call[string](ctx, rt, pid, "hold")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Call = %v; want DeadlineExceeded", err)
		}
		if got := time.Since(start); got != 5*time.Second {
			t.Errorf("second call timed out after %v; want exactly 5s", got)
		}
		var ce *gen.CallError
		if !errors.As(err, &ce) || !ce.Timeout() {
			t.Errorf("err = %v; want a *CallError whose Timeout() is true", err)
		}
	})
}

func TestCallReplyTypeMismatch(t *testing.T) {
	rt, _ := newRuntime(t)
	pid, err := gen.Start(context.Background(), rt, holdSrv{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = gen.Call[int](context.Background(), rt, pid, "now")
	if err == nil || !strings.Contains(err.Error(), "reply of type string is not int") {
		t.Errorf("Call[int] of a string reply = %v; want a type mismatch error", err)
	}
}

func TestCallToFullBoundedMailbox(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt, _ := newRuntime(t)
		pid, err := gen.Start(t.Context(), rt, &sink{}, gen.WithMailboxLimit(1, gen.Reject))
		if err != nil {
			t.Fatal(err)
		}
		if err := sysSuspend(t, rt, pid); err != nil {
			t.Fatal(err)
		}
		_ = gen.Cast(rt, pid, "fill")
		_, err = gen.Call[int](context.Background(), rt, pid, "count")
		if !errors.Is(err, gen.ErrMailboxFull) {
			t.Errorf("Call to a full mailbox = %v; want ErrMailboxFull at once", err)
		}
	})
}

func TestIsAbnormal(t *testing.T) {
	for _, tc := range []struct {
		reason error
		want   bool
	}{
		{nil, false},
		{gen.ErrNormal, false},
		{gen.ErrShutdown, false},
		{&gen.ShutdownError{Detail: "bye"}, false},
		{fmt.Errorf("wrapped: %w", gen.ErrNormal), false},
		{fmt.Errorf("wrapped: %w", gen.ErrShutdown), false},
		{gen.ErrKilled, true},
		{gen.ErrNoProc, true},
		{errors.New("boom"), true},
		{&gen.PanicError{Value: "x"}, true},
	} {
		if got := gen.IsAbnormal(tc.reason); got != tc.want {
			t.Errorf("IsAbnormal(%v) = %v; want %v", tc.reason, got, tc.want)
		}
	}
}

// Error strings carry the package prefix and the facts a reader needs.
func TestErrorStrings(t *testing.T) {
	pid := gen.PID{Node: "n@h", ID: 7, Serial: 0, Creation: 1}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&gen.ExitError{PID: pid, Reason: gen.ErrKilled}, "gen: process <n@h.7.0> exited: killed"},
		{&gen.CallError{Op: "call", To: gen.Name("db"), Err: gen.ErrNoProc}, "gen: call db: noproc"},
		{&gen.CallError{Op: "stop", To: gen.RemoteName{Name: "db", Node: "x@y"}, Err: gen.ErrNoProc}, "gen: stop db@x@y: noproc"},
		{&gen.NodeDownError{Node: "x@y"}, "gen: nodedown: x@y"},
		{&gen.AlreadyStartedError{PID: pid}, "gen: already started: <n@h.7.0>"},
		{&gen.ShutdownError{Detail: "bye"}, "shutdown: bye"},
		{&gen.PanicError{Value: "boom"}, "panic: boom"},
		{&gen.MissingCallbackError{Server: "*x.S", Callback: "HandleCall"}, "gen: server *x.S received a message for HandleCall but does not implement it"},
		{gen.InitFailed(errors.New("no db")), "no db"},
		{gen.StopWithReply(gen.ErrShutdown), "gen: stop with reply: shutdown"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q; want %q", got, tc.want)
		}
	}
	if got := (gen.Ref{Node: "n@h", ID: [3]uint32{1, 2, 3}}).String(); got != "#Ref<n@h.1.2.3>" {
		t.Errorf("Ref.String() = %q", got)
	}
	if got := (gen.PID{}).String(); got != "<nopid>" {
		t.Errorf("zero PID String() = %q", got)
	}
}

// Many goroutines calling at once share the runtime's spare call slots (and
// the pool behind them) with no reply going astray: each caller gets the
// answer to its own request, from servers that answer some calls at once
// and some later through Reply, and some calls time out or fail.
func TestConcurrentCallsKeepTheirReplies(t *testing.T) {
	rt, _ := newRuntime(t)
	ctx := context.Background()
	var servers []gen.PID
	for i := range 4 {
		later := i%2 == 1
		servers = append(servers, mustStart(t, rt, &testSrv{call: func(p *gen.Process, from gen.From, req any) (any, error) {
			if later {
				go gen.Reply(from, req)
				return nil, gen.NoReply
			}
			return req, nil
		}}))
	}
	const callers, calls = 24, 400
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			for i := range calls {
				want := c*calls + i
				to := servers[(c+i)%len(servers)]
				if i%50 == 49 {
					// A call that fails at once and one that gives up.
					if _, err := gen.Call[int](ctx, rt, gen.PID{}, want); err == nil {
						errs <- fmt.Errorf("call to the zero PID succeeded")
						return
					}
					short, cancel := context.WithCancel(ctx)
					cancel()
					_, _ = gen.Call[int](short, rt, to, want)
					continue
				}
				got, err := gen.Call[int](ctx, rt, to, want)
				if err != nil || got != want {
					errs <- fmt.Errorf("caller %d: call %d = %d, %v; want %d", c, i, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
