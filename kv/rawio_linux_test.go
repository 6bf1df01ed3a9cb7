package kv

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestConnIOIsRawForTCP(t *testing.T) {
	s, _ := tcpPair(t)
	if _, ok := connIO(s).(*rawIO); !ok {
		t.Fatalf("connIO(%T) = %T, want *rawIO", s, connIO(s))
	}
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if got := connIO(p); got != p {
		t.Fatalf("connIO(net.Pipe end) = %T, want the conn itself", got)
	}
}

// A write larger than the socket buffers waits for the reader (EAGAIN, then
// the poller) and arrives whole; reads see the bytes in order and then EOF.
func TestRawIOLargeWriteAndEOF(t *testing.T) {
	s, c := tcpPair(t)
	rs, rc := connIO(s), connIO(c)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	errc := make(chan error, 1)
	go func() {
		n, err := rs.Write(want)
		if err == nil && n != len(want) {
			err = io.ErrShortWrite
		}
		s.Close()
		errc <- err
	}()
	var got bytes.Buffer
	buf := make([]byte, 1000) // small reads: the writer fills the buffers
	for {
		n, err := rc.Read(buf)
		got.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("read %d bytes, not the %d written", got.Len(), len(want))
	}
	if n, err := rc.Read(buf); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("Read after EOF = %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := rc.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
}

// A read waiting for data ends with the deadline (the server's shutdown
// sets one) and with Close.
func TestRawIOWaitEndsOnDeadlineAndClose(t *testing.T) {
	s, _ := tcpPair(t)
	r := connIO(s)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		done <- err
	}()
	_ = s.SetReadDeadline(time.Now())
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past its deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	_ = s.SetReadDeadline(time.Time{})
	go func() {
		_, err := r.Read(make([]byte, 10))
		done <- err
	}()
	s.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read on a closed conn: %v, want net.ErrClosed", err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write on a closed conn: %v, want net.ErrClosed", err)
	}
}

// A write to a peer that has gone reports the system's error.
func TestRawIOWriteToResetPeer(t *testing.T) {
	s, c := tcpPair(t)
	_ = c.(*net.TCPConn).SetLinger(0) // close with a reset
	c.Close()
	w := connIO(s)
	// The reset has arrived when Close returns, or arrives in answer to a
	// write; until then writes fill the socket's buffer, and a full buffer
	// waits on the poller, which the reset wakes.
	var err error
	for err == nil {
		_, err = w.Write([]byte("OK\r\n"))
	}
	var se *os.SyscallError
	if !errors.As(err, &se) {
		t.Fatalf("Write to a reset peer: %v, want an *os.SyscallError", err)
	}
}
