package kv

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Why a connection's reads and writes skip the Go runtime's system-call
// bookkeeping.
//
// Every read or write through net.Conn enters the runtime's system-call
// path, and when the process has been idle (all Ps idle: the case between
// two requests on a quiet connection) that path wakes the runtime's monitor
// thread (sysmon) from its deep sleep. The monitor then runs, sleeps 20 µs,
// finds the process idle again and goes back to sleep: two or three task
// switches per request on a thread that has nothing to do. With one
// connection and one request in flight this was a fifth of the server's CPU
// per request on this project's VM (bench/README.md: 160-173 ms of 930-960
// ms over 2 s, 23-24k switches).
//
// A connection's socket is non-blocking (the runtime's poller owns it), so
// read and write return at once with data, EOF, an error or EAGAIN; none of
// them needs the bookkeeping, which exists for calls that may block. rawIO
// makes those calls directly inside syscall.RawConn's Read and Write, which
// still wait on the runtime's poller for EAGAIN and still honour deadlines
// and Close.

// rawIO reads and writes a TCP connection's socket with direct system
// calls. It is an io.ReadWriter with net.Conn's meaning: Read returns
// io.EOF when the peer has closed, Write writes all of b or returns an
// error. Reads and writes may run concurrently with each other, and, as
// with net.Conn, each side needs its own serialisation.
type rawIO struct {
	rc syscall.RawConn
}

// connIO returns the reader and writer a connection's commands and replies
// go through: a rawIO for a TCP connection, conn itself otherwise.
func connIO(conn net.Conn) io.ReadWriter {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn
	}
	if _, tcp := conn.(*net.TCPConn); !tcp {
		return conn
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn
	}
	return &rawIO{rc: rc}
}

// Read reads up to len(b) bytes, waiting on the poller until some arrive.
func (r *rawIO) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var n uintptr
	var errno syscall.Errno
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			n, _, errno = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch errno {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait for data
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return int(n), nil
}

// Write writes all of b, waiting on the poller while the socket's buffer
// is full.
func (r *rawIO) Write(b []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := r.rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n))
			switch e {
			case 0:
				n += int(m)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // wait for room
			default:
				errno = e
				return true
			}
		}
		return true
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	return n, err
}
