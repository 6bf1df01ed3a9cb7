//go:build linux && race

package kv

import (
	"runtime"
	"unsafe"
)

// The race detector does not see what the kernel reads and writes in a
// direct system call; tell it, as package syscall does for its own Read and
// Write, so that a buffer touched by another goroutine meanwhile is still
// reported.

func raceRead(b []byte) {
	if len(b) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&b[0]), len(b))
	}
}

func raceWrite(b []byte) {
	if len(b) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&b[0]), len(b))
	}
}
