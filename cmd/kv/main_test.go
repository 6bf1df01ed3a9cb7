package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gen-go/gen/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// build compiles the binary once per test into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kv")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is the binary, running.
type server struct {
	cmd    *exec.Cmd
	addr   string
	stdout *bufio.Reader
	lines  chan string   // stdout's lines after the first; the rest are dropped once it is full
	exited chan struct{} // closed when the process has exited, after err is set
	err    error         // cmd.Wait's result
}

// wait waits up to d for the process to exit and returns its status.
func (s *server) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-s.exited:
		return s.err
	case <-time.After(d):
		t.Fatalf("the server did not exit within %v", d)
		return nil
	}
}

// start runs the binary with args and env, and waits for its "listening
// on" line.
func start(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = nil // /dev/null: no pipe for the server to fill
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stdout: bufio.NewReader(out), lines: make(chan string, 16), exited: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})
	first, err := s.stdout.ReadString('\n')
	go func() {
		for {
			line, err := s.stdout.ReadString('\n')
			if err != nil {
				break
			}
			select {
			case s.lines <- line:
			default:
			}
		}
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if err != nil || !strings.HasPrefix(first, "kv: listening on ") {
		t.Fatalf("first line %q, %v", first, err)
	}
	s.addr = strings.TrimSpace(strings.TrimPrefix(first, "kv: listening on "))
	return s
}

func dial(t *testing.T, addr string) *testutil.LineConn { return testutil.Dial(t, addr) }

// The built binary serves the guide's session byte for byte and
// SUBSCRIBE across two connections, then shuts down on SIGTERM with exit
// status 0.
func TestBinary(t *testing.T) {
	bin := build(t)
	s := start(t, bin, nil, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-observer-addr", "")

	c := dial(t, s.addr)
	c.GuideSession()

	sub := dial(t, s.addr)
	sub.Expect("SUBSCRIBE shopping\r\n")
	sub.Expect("GET shopping milk\r\n", "\r\n", "OK\r\n") // the subscription is in place
	c.Expect("PUT shopping milk 3\r\n", "OK\r\n")
	if got := sub.Line(); got != "milk SET TO 3\r\n" {
		t.Fatalf("event %q", got)
	}
	c.Expect("DELETE shopping milk\r\n", "OK\r\n")
	if got := sub.Line(); got != "milk DELETED\r\n" {
		t.Fatalf("event %q", got)
	}

	// Graceful shutdown: open connections are closed, exit status 0.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.wait(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v; want status 0", err)
	}
	_ = c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.R.ReadByte(); err == nil {
		t.Fatal("a connection stayed open after shutdown")
	}
}

// PORT chooses the port when -addr is not given.
func TestPortVariable(t *testing.T) {
	bin := build(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := start(t, bin, []string{fmt.Sprintf("PORT=%d", port)}, "-metrics-addr", "", "-observer-addr", "")
	if !strings.HasSuffix(s.addr, fmt.Sprintf(":%d", port)) {
		t.Fatalf("listening on %s; want port %d", s.addr, port)
	}
	dial(t, net.JoinHostPort("127.0.0.1", fmt.Sprint(port))).Expect("CREATE x\r\n", "OK\r\n")
	_ = s.cmd.Process.Signal(os.Interrupt)
	if err := s.wait(t, 30*time.Second); err != nil {
		t.Fatalf("exit after SIGINT: %v; want status 0", err)
	}
}

// The dashboard comes up beside the server: its page and its tree of the
// KV application answer.
func TestDashboard(t *testing.T) {
	bin := build(t)
	s := start(t, bin, nil, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-observer-addr", "127.0.0.1:0")
	url := dashboard(t, s)
	get := func(path string) string {
		t.Helper()
		return string(getBody(t, url+path))
	}
	if page := get(""); !strings.Contains(page, "<html") {
		t.Fatalf("page: %.200s", page)
	}
	if tree := get("api/tree"); !strings.Contains(tree, "kv.app") || !strings.Contains(tree, "kv.registry") {
		t.Fatalf("tree: %.500s", tree)
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.wait(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
}
