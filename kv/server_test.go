package kv_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/internal/testutil"
)

// client is one TCP connection to the server.
type client = testutil.LineConn

func dial(t testing.TB, addr net.Addr) *client {
	t.Helper()
	return testutil.Dial(t, addr.String())
}

// The guide's integration session, byte for byte.
func TestGuideSession(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	c := dial(t, app.Addr())
	c.GuideSession()
}

func TestSubscribe(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	a, b := dial(t, app.Addr()), dial(t, app.Addr())
	a.Expect("SUBSCRIBE shopping\r\n", "NOT FOUND\r\n")
	b.Expect("CREATE shopping\r\n", "OK\r\n")
	a.Send("SUBSCRIBE shopping\r\n") // no reply
	// A request after it is answered, so the subscription is in place.
	a.Expect("GET shopping milk\r\n", "\r\n", "OK\r\n")
	b.Expect("PUT shopping milk 3\r\n", "OK\r\n")
	if got := a.Line(); got != "milk SET TO 3\r\n" {
		t.Fatalf("event %q", got)
	}
	b.Expect("DELETE shopping milk\r\n", "OK\r\n")
	if got := a.Line(); got != "milk DELETED\r\n" {
		t.Fatalf("event %q", got)
	}
}

// Bad input gets the protocol's reply and does not disturb other clients.
func TestBadInput(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	other := dial(t, app.Addr())
	other.Expect("CREATE b\r\n", "OK\r\n")
	other.Expect("PUT b k v\r\n", "OK\r\n")

	c := dial(t, app.Addr())
	for _, req := range []string{
		"FROB b\r\n", "create b\r\n", "Get b k\r\n", "\r\n", "\n", "   \t \r\n",
		"PUT b k\r\n", "PUT b k v extra\r\n", "GET b\r\n", "DELETE\r\n", "CREATE\r\n", "CREATE a b\r\n",
		"\x00\x01\x02\xff\xfe\r\n",
	} {
		c.Expect(req, "UNKNOWN COMMAND\r\n")
	}
	// Binary junk as names and values is data like any other.
	c.Expect("PUT b \xff\xfe \x00\x01\r\n", "OK\r\n")
	c.Expect("GET b \xff\xfe\r\n", "\x00\x01\r\n", "OK\r\n")
	// Bare \n terminators work too.
	c.Expect("GET b k\n", "v\r\n", "OK\r\n")

	// A line over 64 KiB: ERROR, then the connection closes.
	long := dial(t, app.Addr())
	long.Send("PUT b k " + strings.Repeat("x", 64<<10) + "\r\n")
	if got := long.Line(); got != "ERROR\r\n" {
		t.Fatalf("over-long line: %q", got)
	}
	if !long.Closed() {
		t.Fatal("the connection stayed open after an over-long line")
	}
	// A client that goes away mid-line.
	mid := dial(t, app.Addr())
	mid.Send("PUT b k2 half")
	mid.Conn.Close()

	other.Expect("GET b k\r\n", "v\r\n", "OK\r\n")
	other.Expect("GET b k2\r\n", "\r\n", "OK\r\n")
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
	setup.Expect("CREATE b\r\n", "OK\r\n")

	stalled := dial(t, app.Addr())
	go func() {
		// Enough requests to fill the socket buffers both ways; it never
		// reads a reply.
		req := bytes.Repeat([]byte("GET b k\r\n"), 1<<12)
		for range 64 {
			if _, err := stalled.Conn.Write(req); err != nil {
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
	stalled.Conn.Close()
}

// Stop lets a connection finish and closes it; the deferred goleak check in
// TestMain sees that nothing is left.
func TestStopClosesConnections(t *testing.T) {
	app := startApp(t, "127.0.0.1:0")
	c := dial(t, app.Addr())
	c.Expect("CREATE b\r\n", "OK\r\n")
	if err := app.Stop(bg); err != nil {
		t.Fatal(err)
	}
	if !c.Closed() {
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
	c.Expect("CREATE a\r\n", "OK\r\n")
	c.Expect("CREATE b\r\n", "OK\r\n")
	c.Expect("PUT b k v\r\n", "OK\r\n")
	ab, _ := app.Lookup("a")
	_, down := rt.Watch(ab.PID())
	rt.Exit(ab.PID(), errors.New("crash"))
	<-down
	c.Expect("CREATE probe\r\n", "OK\r\n") // queued behind the registry's Down
	c.Expect("GET a k\r\n", "NOT FOUND\r\n")
	c.Expect("GET b k\r\n", "v\r\n", "OK\r\n")

	reg, _ := rt.Whereis(gen.Name("kv.registry"))
	rt.Exit(reg, gen.ErrKill)
	for {
		if now, ok := rt.Whereis(gen.Name("kv.registry")); ok && now != reg {
			break
		}
	}
	c.Expect("CREATE probe\r\n", "OK\r\n")
	c.Expect("GET b k\r\n", "NOT FOUND\r\n") // the buckets went with the registry
	c2 := dial(t, app.Addr())
	c2.Expect("CREATE b\r\n", "OK\r\n")
	c2.Expect("PUT b k v2\r\n", "OK\r\n")
	c.Expect("GET b k\r\n", "v2\r\n", "OK\r\n")
}
