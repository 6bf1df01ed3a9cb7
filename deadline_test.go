package gen

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gen-go/gen/internal/tick"
)

// These tests use real time on purpose: the watchdog exists only outside
// testing/synctest bubbles (inside one, the slot timers keep the fake clock),
// so a bubble cannot show it. Their bounds are loose; none measures speed.

func needDog(t *testing.T) {
	t.Helper()
	if !tick.Native() {
		if runtime.GOOS == "linux" {
			t.Fatal("tick.Native is false on Linux outside a bubble")
		}
		t.Skip("the watchdog is Linux-only; elsewhere slot timers apply (tested in slot_test.go)")
	}
}

type silent struct{}

func (silent) HandleCall(*Process, From, any) (any, error) { return nil, NoReply }

type echoSrv struct{}

func (echoSrv) HandleCall(_ *Process, _ From, req any) (any, error) { return req, nil }

// A call whose long default wait runs out fails with the deadline error,
// never early and at most about one watchdog period late, without its slot
// having had a timer before the watchdog's last look.
func TestWatchdogDefaultDeadline(t *testing.T) {
	needDog(t)
	const wait = 1200 * time.Millisecond // over dogShort: the watchdog's
	rt := NewRuntime(Options{CallTimeout: wait})
	defer rt.Close()
	pid, err := Start(context.Background(), rt, silent{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 { // three waiting callers, on three slots
		wg.Go(func() {
			start := time.Now()
			_, err := Call[any](context.Background(), rt, pid, "hello")
			d := time.Since(start)
			var ce *CallError
			if !errors.As(err, &ce) || !ce.Timeout() {
				t.Errorf("err = %v; want a *CallError that timed out", err)
			}
			if d < wait || d > wait+3*dogPeriod {
				t.Errorf("call failed after %v; want %v to %v", d, wait, wait+3*dogPeriod)
			}
		})
	}
	wg.Wait()
	if !rt.dogOn.Load() {
		t.Error("no watchdog ran")
	}
}

// The watchdog stops after dogIdle looks with no waiting call, and the next
// call starts it again; Close stops it and waits for it.
func TestWatchdogStopsWhenIdle(t *testing.T) {
	needDog(t)
	rt := NewRuntime(Options{})
	pid, err := Start(context.Background(), rt, echoSrv{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Call[any](context.Background(), rt, pid, 1); err != nil {
		t.Fatal(err)
	}
	if !rt.dogOn.Load() {
		t.Fatal("a call with the default deadline started no watchdog")
	}
	deadline := time.Now().Add(time.Duration(dogIdle+10) * dogPeriod)
	for rt.dogOn.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the watchdog did not stop while no call waited")
		}
		time.Sleep(dogPeriod / 2)
	}
	if _, err := Call[any](context.Background(), rt, pid, 2); err != nil {
		t.Fatal(err)
	}
	if !rt.dogOn.Load() {
		t.Fatal("the next call did not start the watchdog again")
	}
	rt.Close()
	if rt.dogOn.Load() || rt.dog.t != nil {
		t.Fatal("Close left the watchdog running")
	}
}

// Calls that wait when Close stops the watchdog keep their deadline on the
// slot's own timer; calls after that use the timer directly.
func TestWatchdogStopArmsWaiting(t *testing.T) {
	needDog(t)
	rt := NewRuntime(Options{CallTimeout: 1500 * time.Millisecond})
	defer rt.Close()
	s := rt.slots.Get().(*callSlot)
	seq := s.begin(rt.callWait)
	if s.deadline.Load() != dogPending || s.armed.Load() {
		t.Fatal("a long wait did not go to the watchdog")
	}
	rt.dogStop()
	if !s.armed.Load() {
		t.Fatal("stopping the watchdog left a waiting call without a timer")
	}
	<-s.ch
	if s.err != errDeadline {
		t.Fatalf("err = %v; want the deadline", s.err)
	}
	if s.deliver(seq, 1, nil) {
		t.Fatal("a reply after the deadline was delivered")
	}
	next := s.begin(rt.callWait)
	if d := s.deadline.Load(); d == dogPending || d == noDeadline {
		t.Fatal("a call after the watchdog stopped for good has no deadline of its own")
	}
	s.deliver(next, 1, nil)
	<-s.ch
}

// A slot the garbage collector took is dropped from the watch list.
func TestWatchdogDropsCollectedSlots(t *testing.T) {
	needDog(t)
	rt := NewRuntime(Options{})
	defer rt.Close()
	func() {
		s := &callSlot{rt: rt, ch: make(chan struct{}, 1)}
		seq := s.begin(rt.callWait)
		s.deliver(seq, 1, nil)
	}()
	if n := len(rt.dog.slots); n != 1 {
		t.Fatalf("%d watched slots, want 1", n)
	}
	runtime.GC()
	runtime.GC()
	rt.dogLook(false)
	if n := len(rt.dog.slots); n != 0 {
		t.Fatalf("%d watched slots after GC, want 0", n)
	}
}
