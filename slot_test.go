package gen

import (
	"testing"
	"testing/synctest"
	"time"
)

// A slot's deadline timer stays armed across calls; when it fires for an
// earlier call's deadline while a later call waits, it re-arms for the time
// that call has left, so each call's deadline is exact.
func TestSlotDeadlineRearms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := NewRuntime(Options{})
		defer rt.Close()
		s := &callSlot{rt: rt, ch: make(chan struct{}, 1)}
		first := s.begin(5 * time.Second)
		if !s.deliver(first, "ok", nil) {
			t.Fatal("first call not delivered")
		}
		<-s.ch
		if !s.armed.Load() {
			t.Fatal("timer disarmed after a fast call; the test would not exercise re-arming")
		}
		time.Sleep(3 * time.Second)
		start := time.Now()
		second := s.begin(5 * time.Second)
		<-s.ch
		if got := time.Since(start); got != 5*time.Second {
			t.Errorf("second call expired after %v; want exactly 5s", got)
		}
		if s.err != errDeadline || s.state.Load() != 0 {
			t.Errorf("err = %v, state = %d; want the deadline error and a free slot", s.err, s.state.Load())
		}
		if s.deliver(second, "late", nil) {
			t.Error("a reply after the deadline was delivered")
		}
	})
}
