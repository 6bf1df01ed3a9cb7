package tick

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// fdTicker is a timerfd read through the runtime's network poller. The
// system calls are made with package syscall, so that the root package,
// which imports this one, keeps to the standard library.
type fdTicker struct {
	f  *os.File
	fd int
}

const clockMonotonic = 1 // CLOCK_MONOTONIC

// itimerspec is the kernel's struct itimerspec.
type itimerspec struct {
	interval, value syscall.Timespec
}

func newFD(period time.Duration) (*fdTicker, error) {
	// TFD_NONBLOCK and TFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC.
	r, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic,
		syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil, errno
	}
	t := &fdTicker{fd: int(r)}
	if err := t.set(period); err != nil {
		syscall.Close(t.fd)
		return nil, err
	}
	// A non-blocking descriptor: os.NewFile registers it with the poller,
	// so a read parks the goroutine instead of blocking a thread.
	t.f = os.NewFile(uintptr(t.fd), "tick")
	return t, nil
}

func (t *fdTicker) set(period time.Duration) error {
	ts := syscall.NsecToTimespec(int64(period))
	spec := itimerspec{interval: ts, value: ts}
	_, _, errno := syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(t.fd), 0,
		uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func (t *fdTicker) wait() bool {
	var buf [8]byte // the count of expirations since the last read
	_, err := t.f.Read(buf[:])
	return err == nil
}

func (t *fdTicker) reset(period time.Duration) {
	// Through the file, which keeps the descriptor from being closed (and
	// its number reused) meanwhile, and refuses once it is closed.
	if c, err := t.f.SyscallConn(); err == nil {
		_ = c.Control(func(uintptr) { _ = t.set(period) })
	}
}

func (t *fdTicker) close() { _ = t.f.Close() }

const nativeOS = true

func systemWall() (time.Time, bool) {
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil {
		return time.Time{}, false
	}
	return time.Unix(tv.Unix()), true
}
