package tick

import (
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// On Linux, outside a bubble, the ticker is a timerfd; it ticks, Reset
// changes the period, and Stop ends a Wait in progress.
func TestNative(t *testing.T) {
	tk := New(5 * time.Millisecond)
	if runtime.GOOS == "linux" && !tk.Native() {
		t.Fatal("outside a bubble on Linux the ticker should be a timerfd")
	}
	start := time.Now()
	for range 3 {
		if !tk.Wait() {
			t.Fatal("Wait returned false before Stop")
		}
	}
	if d := time.Since(start); d < 10*time.Millisecond {
		t.Fatalf("3 ticks of 5 ms took %v", d)
	}
	tk.Reset(time.Hour)
	done := make(chan bool)
	go func() { done <- tk.Wait() }()
	select {
	case <-done:
		t.Fatal("a tick came after Reset(time.Hour)")
	case <-time.After(20 * time.Millisecond):
	}
	tk.Stop()
	if <-done {
		t.Fatal("Wait in progress returned true after Stop")
	}
	if tk.Wait() {
		t.Fatal("Wait after Stop returned true")
	}
	tk.Stop()             // twice is fine
	tk.Reset(time.Second) // after Stop does nothing
}

// Inside a bubble the ticker follows the fake clock.
func TestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := New(time.Second)
		defer tk.Stop()
		if tk.Native() {
			t.Fatal("inside a bubble the ticker must use the bubble's clock")
		}
		start := time.Now()
		tk.Wait()
		tk.Wait()
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("two ticks of 1 s took %v of fake time", d)
		}
		tk.Reset(3 * time.Second)
		tk.Wait()
		if d := time.Since(start); d != 5*time.Second {
			t.Fatalf("after Reset(3s): %v, want 5s", d)
		}
		tk.Stop()
		if tk.Wait() {
			t.Fatal("Wait after Stop returned true")
		}
	})
}

func TestBadPeriod(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(0) did not panic")
		}
	}()
	New(0)
}
