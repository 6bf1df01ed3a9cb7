package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/gen-go/gen/kv"
)

// lineConn reads reply lines with a timeout, keeping a partial line across
// timeouts.
type lineConn struct {
	c       net.Conn
	r       *bufio.Reader
	pending []byte
}

func dialLines(addr string) (*lineConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &lineConn{c: c, r: bufio.NewReader(c)}, nil
}

func (l *lineConn) send(s string) error {
	_ = l.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := io.WriteString(l.c, s)
	return err
}

// readLine returns the next line with its terminator.
func (l *lineConn) readLine(timeout time.Duration) (string, error) {
	_ = l.c.SetReadDeadline(time.Now().Add(timeout))
	for {
		frag, err := l.r.ReadSlice('\n')
		l.pending = append(l.pending, frag...)
		if err == nil {
			s := string(l.pending)
			l.pending = l.pending[:0]
			return s, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
}

// expect sends req (with "\r\n") and checks the reply's bytes.
func (l *lineConn) expect(req, want string) error {
	if err := l.send(req + "\r\n"); err != nil {
		return fmt.Errorf("%.60q: %w", req, err)
	}
	var got strings.Builder
	for range strings.Count(want, "\n") {
		line, err := l.readLine(5 * time.Second)
		got.WriteString(line)
		if err != nil {
			return fmt.Errorf("%.60q: got %q, want %q: %w", req, got.String(), want, err)
		}
	}
	if got.String() != want {
		return fmt.Errorf("%.60q: got %q, want %q", req, got.String(), want)
	}
	return nil
}

// conformance checks a server against KV-PROTOCOL.md: the guide's session,
// bad lines, the 64 KiB limit, a client leaving mid-line, and SUBSCRIBE
// across two connections.
func conformance(addr string) error {
	// A bucket name of this run's own, so the session also works on a
	// server that has seen an earlier run.
	b := fmt.Sprintf("shopping%d", time.Now().UnixNano())
	a, err := dialLines(addr)
	if err != nil {
		return err
	}
	defer a.c.Close()
	session := [][2]string{
		// The guide's "server interaction" test.
		{"UNKNOWN " + b, "UNKNOWN COMMAND\r\n"},
		{"GET " + b + " eggs", "NOT FOUND\r\n"},
		{"CREATE " + b, "OK\r\n"},
		{"PUT " + b + " eggs 3", "OK\r\n"},
		{"GET " + b + " eggs", "3\r\nOK\r\n"},
		{"DELETE " + b + " eggs", "OK\r\n"},
		{"GET " + b + " eggs", "\r\nOK\r\n"},
		{"CREATE  " + b, "OK\r\n"},
		{"GET " + b, "UNKNOWN COMMAND\r\n"},
		{"WHATEVER", "UNKNOWN COMMAND\r\n"},
		// Bad input and the edges of parsing.
		{"", "UNKNOWN COMMAND\r\n"},
		{"   \t", "UNKNOWN COMMAND\r\n"},
		{"create " + b, "UNKNOWN COMMAND\r\n"},
		{"PUT " + b + " k v extra", "UNKNOWN COMMAND\r\n"},
		{"PUT " + b + " k", "UNKNOWN COMMAND\r\n"},
		{"\x00\xff\xfe junk \x01", "UNKNOWN COMMAND\r\n"},
		{"DELETE nosuchbucket" + b + " k", "NOT FOUND\r\n"},
		{"PUT " + b + " \xff\xfe 日本", "OK\r\n"},
		{"GET " + b + " \xff\xfe", "日本\r\nOK\r\n"},
		{"  PUT\t" + b + " k\u3000v\u00a0w  ", "OK\r\n"}, // U+3000 splits, U+00A0 does not
		{"GET " + b + " k", "v\u00a0w\r\nOK\r\n"},
		{"PUT " + b + " big " + strings.Repeat("x", kv.MaxLineLength-len("PUT  big ")-len(b)), "OK\r\n"},
		{"GET " + b + " missing", "\r\nOK\r\n"},
	}
	for _, s := range session {
		if err := a.expect(s[0], s[1]); err != nil {
			return err
		}
	}

	// A line over the limit: ERROR, then the server closes.
	long, err := dialLines(addr)
	if err != nil {
		return err
	}
	defer long.c.Close()
	if err := long.send("PUT " + b + " k " + strings.Repeat("y", kv.MaxLineLength) + "\r\n"); err != nil {
		return fmt.Errorf("long line: %w", err)
	}
	if line, err := long.readLine(5 * time.Second); err != nil || line != "ERROR\r\n" {
		return fmt.Errorf("line over 64 KiB: got %q, %v; want \"ERROR\\r\\n\"", line, err)
	}
	if line, err := long.readLine(5 * time.Second); err == nil || !(errors.Is(err, io.EOF) || isReset(err)) {
		return fmt.Errorf("line over 64 KiB: after ERROR got %q, %v; want the connection closed", line, err)
	}

	// A much longer line (1 MiB): the client is still writing when the
	// server gives up, and must still see ERROR.
	huge, err := dialLines(addr)
	if err != nil {
		return err
	}
	defer huge.c.Close()
	go func() { _ = huge.send("PUT " + b + " k " + strings.Repeat("z", 1<<20) + "\r\n") }()
	if line, err := huge.readLine(5 * time.Second); err != nil || line != "ERROR\r\n" {
		return fmt.Errorf("line of 1 MiB: got %q, %v; want \"ERROR\\r\\n\"", line, err)
	}

	// A client that leaves in the middle of a line.
	mid, err := dialLines(addr)
	if err != nil {
		return err
	}
	_ = mid.send("PUT " + b + " half")
	mid.c.Close()

	// SUBSCRIBE: no reply, then events from other connections' changes.
	sub, err := dialLines(addr)
	if err != nil {
		return err
	}
	defer sub.c.Close()
	if err := sub.expect("SUBSCRIBE nosuchbucket"+b, "NOT FOUND\r\n"); err != nil {
		return err
	}
	if err := sub.send("SUBSCRIBE " + b + "\r\n"); err != nil {
		return err
	}
	// No reply tells when the subscription is in place: PUT a marker until
	// its event arrives.
	synced := false
	for i := 0; i < 50 && !synced; i++ {
		if err := a.expect(fmt.Sprintf("PUT %s sync %d", b, i), "OK\r\n"); err != nil {
			return err
		}
		line, err := sub.readLine(100 * time.Millisecond)
		var ne net.Error
		switch {
		case err == nil && strings.HasPrefix(line, "sync SET TO "):
			synced = true
		case err == nil:
			return fmt.Errorf("SUBSCRIBE: got %q before any event", line)
		case !errors.As(err, &ne) || !ne.Timeout():
			return fmt.Errorf("SUBSCRIBE: %w", err)
		}
	}
	if !synced {
		return errors.New("SUBSCRIBE: no event within 5 s of PUTs")
	}
	if err := a.expect("PUT "+b+" milk 3", "OK\r\n"); err != nil {
		return err
	}
	if err := a.expect("DELETE "+b+" milk", "OK\r\n"); err != nil {
		return err
	}
	for _, want := range []string{"milk SET TO 3\r\n", "milk DELETED\r\n"} {
		line, err := sub.readLine(5 * time.Second)
		for err == nil && strings.HasPrefix(line, "sync SET TO ") {
			line, err = sub.readLine(5 * time.Second)
		}
		if err != nil || line != want {
			return fmt.Errorf("SUBSCRIBE: got %q, %v; want %q", line, err, want)
		}
	}
	// The server still answers on the first connection.
	return a.expect("GET "+b+" milk", "\r\nOK\r\n")
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}
