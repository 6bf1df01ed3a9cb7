package gen

import (
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
)

// Waiters that find the lock held past their spinning and yielding sleep,
// and the Unlock wakes them all; mutual exclusion holds throughout.
func TestSpinLockSleepers(t *testing.T) {
	var l spinLock
	l.Lock()
	l.park = parkOpen
	const waiters = 4
	var wg sync.WaitGroup
	n := 0
	for range waiters {
		wg.Go(func() {
			l.Lock()
			n++
			if l.park != parkOpen {
				t.Errorf("a waiter saw park state %d; want the holder's %d", l.park, parkOpen)
			}
			l.Unlock()
		})
	}
	// The holder keeps the lock until a waiter has said that it sleeps.
	for l.v.Load()&lockSleeper == 0 {
		runtime.Gosched()
	}
	l.Unlock()
	wg.Wait()
	if n != waiters {
		t.Fatalf("%d waiters got the lock; want %d", n, waiters)
	}
	if w := l.v.Load(); w != parkOpen<<parkShift {
		t.Fatalf("word after the last Unlock = %#x; want park state %d, unlocked, no sleeper", w, parkOpen)
	}
}

// Contended from many goroutines, the lock excludes, and the lock-free park
// moves fail while it is held.
func TestSpinLockContended(t *testing.T) {
	var l spinLock
	const goroutines, rounds = 8, 2000
	var wg sync.WaitGroup
	n := 0
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				l.Lock()
				if l.casPark(parkRunning, parkOpen) {
					t.Error("casPark succeeded while the lock was held")
				}
				n++
				l.Unlock()
			}
		})
	}
	wg.Wait()
	if n != goroutines*rounds {
		t.Fatalf("count %d; want %d", n, goroutines*rounds)
	}
}

// A sleeping waiter inside a synctest bubble is woken by the Unlock.
func TestSpinLockSleeperInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l spinLock
		l.Lock()
		done := make(chan struct{})
		go func() {
			l.Lock()
			l.Unlock()
			close(done)
		}()
		for l.v.Load()&lockSleeper == 0 {
			runtime.Gosched()
		}
		l.Unlock()
		<-done
	})
}
