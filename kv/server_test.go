package kv_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gen-go/gen"
)

// client is one TCP connection to the server, read line by line.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dial(t testing.TB, addr net.Addr) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// line reads one reply line, with its terminator.
func (c *client) line() string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, s)
	}
	return s
}

// expect sends a request and checks the exact reply bytes.
func (c *client) expect(req string, reply ...string) {
	c.t.Helper()
	c.send(req)
	for _, want := range reply {
		if got := c.line(); got != want {
			c.t.Fatalf("%q: got %q, want %q", req, got, want)
		}
	}
}

// closed reports whether the server closed the connection (reading gives
// EOF or a reset).
func (c *client) closed() bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.r.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// The guide's integration session, byte for byte.
func TestGuideSession(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	c := dial(t, app.Addr())
	c.expect("UNKNOWN shopping\r\n", "UNKNOWN COMMAND\r\n")
	c.expect("GET shopping eggs\r\n", "NOT FOUND\r\n")
	c.expect("CREATE shopping\r\n", "OK\r\n")
	c.expect("PUT shopping eggs 3\r\n", "OK\r\n")
	c.expect("GET shopping eggs\r\n", "3\r\n", "OK\r\n")
	c.expect("DELETE shopping eggs\r\n", "OK\r\n")
	c.expect("GET shopping eggs\r\n", "\r\n", "OK\r\n")
	c.expect("CREATE  shopping\r\n", "OK\r\n")
	c.expect("GET shopping\r\n", "UNKNOWN COMMAND\r\n")
	c.expect("WHATEVER\r\n", "UNKNOWN COMMAND\r\n")
}

func TestSubscribe(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	a, b := dial(t, app.Addr()), dial(t, app.Addr())
	a.expect("SUBSCRIBE shopping\r\n", "NOT FOUND\r\n")
	b.expect("CREATE shopping\r\n", "OK\r\n")
	a.send("SUBSCRIBE shopping\r\n") // no reply
	// A request after it is answered, so the subscription is in place.
	a.expect("GET shopping milk\r\n", "\r\n", "OK\r\n")
	b.expect("PUT shopping milk 3\r\n", "OK\r\n")
	if got := a.line(); got != "milk SET TO 3\r\n" {
		t.Fatalf("event %q", got)
	}
	b.expect("DELETE shopping milk\r\n", "OK\r\n")
	if got := a.line(); got != "milk DELETED\r\n" {
		t.Fatalf("event %q", got)
	}
}

// Bad input gets the protocol's reply and does not disturb other clients.
func TestBadInput(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	other := dial(t, app.Addr())
	other.expect("CREATE b\r\n", "OK\r\n")
	other.expect("PUT b k v\r\n", "OK\r\n")

	c := dial(t, app.Addr())
	for _, req := range []string{
		"FROB b\r\n", "create b\r\n", "Get b k\r\n", "\r\n", "\n", "   \t \r\n",
		"PUT b k\r\n", "PUT b k v extra\r\n", "GET b\r\n", "DELETE\r\n", "CREATE\r\n", "CREATE a b\r\n",
		"\x00\x01\x02\xff\xfe\r\n",
	} {
		c.expect(req, "UNKNOWN COMMAND\r\n")
	}
	// Binary junk as names and values is data like any other.
	c.expect("PUT b \xff\xfe \x00\x01\r\n", "OK\r\n")
	c.expect("GET b \xff\xfe\r\n", "\x00\x01\r\n", "OK\r\n")
	// Bare \n terminators work too.
	c.expect("GET b k\n", "v\r\n", "OK\r\n")

	// A line over 64 KiB: ERROR, then the connection closes.
	long := dial(t, app.Addr())
	long.send("PUT b k " + strings.Repeat("x", 64<<10) + "\r\n")
	if got := long.line(); got != "ERROR\r\n" {
		t.Fatalf("over-long line: %q", got)
	}
	if !long.closed() {
		t.Fatal("the connection stayed open after an over-long line")
	}
	// A client that goes away mid-line.
	mid := dial(t, app.Addr())
	mid.send("PUT b k2 half")
	mid.conn.Close()

	other.expect("GET b k\r\n", "v\r\n", "OK\r\n")
	other.expect("GET b k2\r\n", "\r\n", "OK\r\n")
}

// 1,000 concurrent connections, one of them stalled: it sends requests and
// never reads its replies. Everyone else is served.
func TestManyConnectionsOneStalled(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	app := startApp(t, "127.0.0.1:0")
	setup := dial(t, app.Addr())
	setup.expect("CREATE b\r\n", "OK\r\n")

	stalled := dial(t, app.Addr())
	go func() {
		// Enough requests to fill the socket buffers both ways; it never
		// reads a reply.
		req := bytes.Repeat([]byte("GET b k\r\n"), 1<<12)
		for range 64 {
			if _, err := stalled.conn.Write(req); err != nil {
				return
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", app.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			r := bufio.NewReader(conn)
			key := fmt.Sprintf("k%d", i)
			fmt.Fprintf(conn, "PUT b %s %d\r\nGET b %s\r\n", key, i, key)
			var got []string
			for range 3 {
				s, err := r.ReadString('\n')
				if err != nil {
					errs <- err
					return
				}
				got = append(got, s)
			}
			if want := []string{"OK\r\n", fmt.Sprintf("%d\r\n", i), "OK\r\n"}; strings.Join(got, "") != strings.Join(want, "") {
				errs <- fmt.Errorf("client %d: %q", i, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	stalled.conn.Close()
}

// Stop lets a connection finish and closes it; the deferred goleak check in
// TestMain sees that nothing is left.
func TestStopClosesConnections(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	c := dial(t, app.Addr())
	c.expect("CREATE b\r\n", "OK\r\n")
	if err := app.Stop(bg); err != nil {
		t.Fatal(err)
	}
	if !c.closed() {
		t.Fatal("connection still open after Stop")
	}
	if _, err := net.Dial("tcp", app.Addr().String()); err == nil {
		t.Fatal("still accepting after Stop")
	}
	if n := len(app.Runtime().Processes()); n != 0 {
		t.Fatalf("%d processes left", n)
	}
}

// A crashed bucket and a killed registry, over TCP: the server keeps
// serving.
func TestCrashesOverTCP(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	rt := app.Runtime()
	c := dial(t, app.Addr())
	c.expect("CREATE a\r\n", "OK\r\n")
	c.expect("CREATE b\r\n", "OK\r\n")
	c.expect("PUT b k v\r\n", "OK\r\n")
	ab, _ := app.Lookup("a")
	_, down := rt.Watch(ab.PID())
	rt.Exit(ab.PID(), errors.New("crash"))
	<-down
	c.expect("CREATE probe\r\n", "OK\r\n") // queued behind the registry's Down
	c.expect("GET a k\r\n", "NOT FOUND\r\n")
	c.expect("GET b k\r\n", "v\r\n", "OK\r\n")

	reg, _ := rt.Whereis(gen.Name("kv.registry"))
	rt.Exit(reg, gen.ErrKill)
	for {
		if now, ok := rt.Whereis(gen.Name("kv.registry")); ok && now != reg {
			break
		}
	}
	c.expect("CREATE probe\r\n", "OK\r\n")
	c.expect("GET b k\r\n", "NOT FOUND\r\n") // the buckets went with the registry
	c2 := dial(t, app.Addr())
	c2.expect("CREATE b\r\n", "OK\r\n")
	c2.expect("PUT b k v2\r\n", "OK\r\n")
	c.expect("GET b k\r\n", "v2\r\n", "OK\r\n")
}
