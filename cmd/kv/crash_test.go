package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gen-go/gen/internal/testutil"
)

// node is the part of the dashboard's /api/tree that the test reads.
type node struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	PID      string  `json:"pid"`
	Children []*node `json:"children"`
}

// dashboard reads the binary's second line, where its dashboard is.
func dashboard(t *testing.T, s *server) string {
	t.Helper()
	var line string
	select {
	case line = <-s.lines:
	case <-time.After(30 * time.Second):
	}
	if !strings.HasPrefix(line, "kv: dashboard on http://") {
		t.Fatalf("second line %q", line)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "kv: dashboard on "))
}

// getBody returns the body of url, which must answer 200 OK.
func getBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return b
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	b := getBody(t, url)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, b)
	}
}

// find returns the node named name in the trees, or nil.
func find(nodes []*node, name string) *node {
	for _, n := range nodes {
		if n.Name == name {
			return n
		}
		if f := find(n.Children, name); f != nil {
			return f
		}
	}
	return nil
}

// kill kills the process with dashboard id through the dashboard.
func kill(t *testing.T, url, id string) {
	t.Helper()
	resp, err := http.Post(url+"api/process/"+id+"/kill", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("kill %s: %s %s", id, resp.Status, b)
	}
}

// Against the built binary, from outside (its dashboard's kill action, as
// an operator would): a bucket killed loses its name and the other bucket
// keeps its data; the registry killed is restarted by the tree (its
// one_for_all side, so the buckets go with it) and the server keeps
// accepting connections and serving.
func TestBinaryCrashes(t *testing.T) {
	bin := build(t)
	s := start(t, bin, nil, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-observer-addr", "127.0.0.1:0")
	url := dashboard(t, s)
	c := dial(t, s.addr)
	c.Expect("CREATE a\r\n", "OK\r\n")
	c.Expect("CREATE b\r\n", "OK\r\n")
	c.Expect("PUT a alpha 1\r\n", "OK\r\n")
	c.Expect("PUT b beta 2\r\n", "OK\r\n")

	// Bucket a is the child of kv.buckets whose state holds alpha.
	var tree struct{ Tree []*node }
	getJSON(t, url+"api/tree", &tree)
	sup := find(tree.Tree, "kv.buckets")
	if sup == nil || len(sup.Children) != 2 {
		t.Fatalf("kv.buckets with two children not found in the tree: %+v", sup)
	}
	var a string
	for _, ch := range sup.Children {
		var p struct{ State string }
		getJSON(t, url+"api/process/"+ch.ID, &p)
		if strings.Contains(p.State, "alpha") {
			a = ch.ID
		}
	}
	if a == "" {
		t.Fatal("no bucket holds alpha")
	}
	kill(t, url, a)
	// The registry hears the bucket's Down and removes its name.
	waitFor(t, func() bool { return get(c, "GET a alpha\r\n") == "NOT FOUND\r\n" })
	c.Expect("GET b beta\r\n", "2\r\n", "OK\r\n")

	reg := find(tree.Tree, "kv.registry")
	if reg == nil {
		t.Fatal("kv.registry not in the tree")
	}
	kill(t, url, reg.ID)
	// one_for_all: the registry and the buckets start afresh; the server
	// keeps serving, on the open connection and on new ones.
	waitFor(t, func() bool { return get(c, "GET b beta\r\n") == "NOT FOUND\r\n" })
	c.Expect("CREATE c\r\n", "OK\r\n")
	c.Expect("PUT c gamma 3\r\n", "OK\r\n")
	d := dial(t, s.addr)
	d.Expect("GET c gamma\r\n", "3\r\n", "OK\r\n")
	// The dashboard's tree follows (it refreshes on its own interval).
	waitFor(t, func() bool {
		var tree struct{ Tree []*node }
		getJSON(t, url+"api/tree", &tree)
		r := find(tree.Tree, "kv.registry")
		return r != nil && r.PID != "" && r.PID != reg.PID
	})

	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.wait(t, 30*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// get sends a GET and returns its first reply line, reading the OK that
// follows a value.
func get(c *testutil.LineConn, req string) string {
	c.Send(req)
	l := c.Line()
	if l != "NOT FOUND\r\n" {
		c.Line()
	}
	return l
}

// waitFor polls cond every 10 ms for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10 s")
}
