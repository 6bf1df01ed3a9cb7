package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gen-go/gen"
)

// Idle-process memory is measured in a fresh process for every run: this
// binary re-runs itself with -memchild. A fresh process counts the full cost
// of a goroutine (its g struct and its stack), which a long-running process
// would hide by reusing the g structs of goroutines that exited before, and
// a million idle goroutines do not slow down the rows that follow.

const (
	memFloor   = "floor" // goroutines each blocked on its own channel
	memGenIdle = "idle"  // Gen servers that handled one call and hold a goroutine
	memGenHib  = "hib"   // Gen servers that handled one call and hibernated
)

func memSample(kind string, n int) sample {
	exe, err := os.Executable()
	must(err)
	cmd := exec.Command(exe, "-memchild", kind, "-n", strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("memory child %s %d: %v", kind, n, err)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		log.Fatalf("memory child %s %d: bad output %q", kind, n, out)
	}
	return sample{value: v}
}

// inUse is what the runtime holds for live objects and goroutine stacks,
// after a full collection.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// runMemChild starts n idle processes of the given kind and prints the
// growth of HeapInuse+StackInuse divided by n.
func runMemChild(kind string, n int) {
	if n <= 0 {
		log.Fatal("-memchild needs -n > 0")
	}
	switch kind {
	case memFloor:
		stops := make([]chan struct{}, n)
		var started sync.WaitGroup
		started.Add(n)
		base := inUse()
		for i := range stops {
			stop := make(chan struct{})
			stops[i] = stop
			go func() {
				started.Done()
				<-stop
			}()
		}
		started.Wait()
		after := inUse()
		fmt.Println(perProc(base, after, n))
		runtime.KeepAlive(stops)
	case memGenIdle, memGenHib:
		rt := newRuntime()
		pids := make([]gen.PID, n)
		hib := kind == memGenHib
		g0 := runtime.NumGoroutine()
		base := inUse()
		for i := range pids {
			pid, err := gen.Start(ctx, rt, &lazy{hib: hib})
			must(err)
			pids[i] = pid
			_, err = gen.Call[any](ctx, rt, pid, reqMsg)
			must(err)
		}
		if hib {
			// The reply comes before the goroutine is gone: wait for it.
			deadline := time.Now().Add(time.Minute)
			for runtime.NumGoroutine() > g0 {
				if time.Now().After(deadline) {
					log.Fatalf("hibernation: %d goroutines left, want %d", runtime.NumGoroutine(), g0)
				}
				time.Sleep(time.Millisecond)
			}
		} else if g := runtime.NumGoroutine(); g < g0+n {
			log.Fatalf("idle servers: %d goroutines, want at least %d", g, g0+n)
		}
		after := inUse()
		fmt.Println(perProc(base, after, n))
		runtime.KeepAlive(pids)
		runtime.KeepAlive(rt)
	default:
		log.Fatalf("-memchild: unknown kind %q", kind)
	}
}

func perProc(base, after uint64, n int) string {
	return strconv.FormatFloat((float64(after)-float64(base))/float64(n), 'f', 1, 64)
}
