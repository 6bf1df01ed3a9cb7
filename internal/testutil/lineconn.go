package testutil

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// A LineConn is a test's TCP connection to a line-based server (the KV
// protocol): it writes requests and reads reply lines, failing the test on
// errors and after a 10 s wait.
type LineConn struct {
	T    testing.TB
	Conn net.Conn
	R    *bufio.Reader
}

// Dial connects to addr and closes the connection when the test ends.
func Dial(t testing.TB, addr string) *LineConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &LineConn{T: t, Conn: conn, R: bufio.NewReader(conn)}
}

// Send writes s as it is.
func (c *LineConn) Send(s string) {
	c.T.Helper()
	if _, err := io.WriteString(c.Conn, s); err != nil {
		c.T.Fatal(err)
	}
}

// Line reads one line, with its terminator.
func (c *LineConn) Line() string {
	c.T.Helper()
	_ = c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := c.R.ReadString('\n')
	if err != nil {
		c.T.Fatalf("read: %v (got %q)", err, s)
	}
	return s
}

// Expect sends req and checks that the next lines are exactly reply.
func (c *LineConn) Expect(req string, reply ...string) {
	c.T.Helper()
	c.Send(req)
	for _, want := range reply {
		if got := c.Line(); got != want {
			c.T.Fatalf("%q: got %q, want %q", req, got, want)
		}
	}
}

// Closed reports whether the server has closed the connection: reading
// gives an error other than a timeout within 10 s.
func (c *LineConn) Closed() bool {
	_ = c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.R.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// GuideSession runs the KV guide's integration session ("server
// interaction") on a fresh server, checking every reply byte for byte
// (KV-PROTOCOL.md). It leaves the bucket "shopping" behind, empty.
func (c *LineConn) GuideSession() {
	c.T.Helper()
	c.Expect("UNKNOWN shopping\r\n", "UNKNOWN COMMAND\r\n")
	c.Expect("GET shopping eggs\r\n", "NOT FOUND\r\n")
	c.Expect("CREATE shopping\r\n", "OK\r\n")
	c.Expect("PUT shopping eggs 3\r\n", "OK\r\n")
	c.Expect("GET shopping eggs\r\n", "3\r\n", "OK\r\n")
	c.Expect("DELETE shopping eggs\r\n", "OK\r\n")
	c.Expect("GET shopping eggs\r\n", "\r\n", "OK\r\n")
	c.Expect("CREATE  shopping\r\n", "OK\r\n")
	c.Expect("GET shopping\r\n", "UNKNOWN COMMAND\r\n")
	c.Expect("WHATEVER\r\n", "UNKNOWN COMMAND\r\n")
}
