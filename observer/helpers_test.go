package observer_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/gentest"
)

// counter is a small server: a cast adds one, a call returns the count.
type counter struct{ N int }

func (c *counter) HandleCast(p *gen.Process, msg any) error { c.N++; return nil }

func (c *counter) HandleCall(p *gen.Process, from gen.From, req any) (any, error) { return c.N, nil }

func newCounter() gen.Server { return &counter{} }

// blocker traps exits, as a supervisor does, and blocks in HandleCast until
// release is closed: a process that cannot answer sys requests.
type blocker struct{ release chan struct{} }

func (b *blocker) Init(p *gen.Process) error { p.TrapExit(true); return nil }

func (b *blocker) HandleCast(p *gen.Process, msg any) error { <-b.release; return nil }

// newRuntime returns an instrumented runtime closed when the test ends.
func newRuntime(t *testing.T) *gen.Runtime {
	return gentest.NewRuntime(t, gen.Options{Instrument: true})
}

// loopback makes r look as if it came to a server on 127.0.0.1:4041 from
// the same machine, for calling a handler directly.
func loopback(r *http.Request) *http.Request {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4041}
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, net.Addr(addr)))
	r.RemoteAddr = "127.0.0.1:50000"
	r.Host = "127.0.0.1:4041"
	return r
}

// do serves one request on h directly and returns the recorded response.
func do(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, loopback(httptest.NewRequest(method, path, nil)))
	return w
}

// getJSON GETs path from h and decodes the JSON answer into a T.
func getJSON[T any](t *testing.T, h http.Handler, path string) T {
	t.Helper()
	w := do(t, h, http.MethodGet, path)
	var v T
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, w.Body)
	}
	return v
}

// The JSON the handler sends, as a client reads it.

type row struct {
	ID         string `json:"id"`
	PID        string `json:"pid"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Mailbox    int    `json:"mailbox"`
	Messages   uint64 `json:"messages"`
	Restarts   int    `json:"restarts"`
	Supervisor bool   `json:"supervisor"`
}

type tableResp struct {
	Instrumented bool  `json:"instrumented"`
	Total        int   `json:"total"`
	Matched      int   `json:"matched"`
	Processes    []row `json:"processes"`
}

type node struct {
	Key         string  `json:"key"`
	ID          string  `json:"id"`
	PID         string  `json:"pid"`
	Name        string  `json:"name"`
	ChildID     string  `json:"childId"`
	Supervisor  bool    `json:"supervisor"`
	Status      string  `json:"status"`
	Restarts    int     `json:"restarts"`
	RestartedAt int64   `json:"restartedAt"`
	Error       string  `json:"error"`
	More        int     `json:"more"`
	Children    []*node `json:"children"`
}

type treeResp struct {
	Tree []*node `json:"tree"`
}

type pidRef struct {
	ID    string `json:"id"`
	PID   string `json:"pid"`
	Name  string `json:"name"`
	Alive bool   `json:"alive"`
}

type processResp struct {
	row
	Parent     *pidRef  `json:"parent"`
	Links      []pidRef `json:"links"`
	Monitors   []pidRef `json:"monitors"`
	Children   []pidRef `json:"children"`
	Error      string   `json:"error"`
	Server     string   `json:"server"`
	Suspended  bool     `json:"suspended"`
	State      string   `json:"state"`
	LogOn      bool     `json:"logOn"`
	Log        []string `json:"log"`
	StatsOn    bool     `json:"statsOn"`
	StatsError string   `json:"statsError"`
	Stats      *struct {
		MessagesIn int `json:"messagesIn"`
		Casts      int `json:"casts"`
	} `json:"stats"`
}

// id is how the dashboard names pid in its URLs.
func id(t *testing.T, h http.Handler, pid gen.PID) string {
	t.Helper()
	for _, r := range getJSON[tableResp](t, h, "/api/processes?limit=5000").Processes {
		if r.PID == pid.String() {
			return r.ID
		}
	}
	t.Fatalf("%v is not in the process table", pid)
	return ""
}

// find returns the node of the trees whose name or child ID is name.
func find(nodes []*node, name string) *node {
	for _, n := range nodes {
		if n.Name == name || (n.Name == "" && n.ChildID == name) {
			return n
		}
		if m := find(n.Children, name); m != nil {
			return m
		}
	}
	return nil
}

// names returns the names (or child IDs) of nodes.
func names(nodes []*node) string {
	var out []string
	for _, n := range nodes {
		if n.Name != "" {
			out = append(out, n.Name)
		} else {
			out = append(out, n.ChildID)
		}
	}
	return strings.Join(out, " ")
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustRequest(t *testing.T, method, path string) *http.Request {
	t.Helper()
	return httptest.NewRequest(method, path, nil)
}

func recorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
