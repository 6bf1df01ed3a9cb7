package observer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/observer"
)

// stream is a ResponseWriter that hands each write to the test.
type stream struct {
	hdr    http.Header
	code   int
	writes chan string
}

func newStream() *stream { return &stream{hdr: http.Header{}, writes: make(chan string, 64)} }

func (s *stream) Header() http.Header         { return s.hdr }
func (s *stream) WriteHeader(code int)        { s.code = code }
func (s *stream) Write(b []byte) (int, error) { s.writes <- string(b); return len(b), nil }
func (s *stream) Flush()                      {}

// next returns the next write, or "" when there is none.
func (s *stream) next() string {
	select {
	case w := <-s.writes:
		return w
	default:
		return ""
	}
}

type update struct {
	tableResp
	treeResp
}

func parseUpdate(t *testing.T, w string) update {
	t.Helper()
	data, ok := strings.CutPrefix(w, "event: update\ndata: ")
	if !ok || !strings.HasSuffix(data, "\n\n") {
		t.Fatalf("write %q is not an update event", w)
	}
	var u update
	if err := json.Unmarshal([]byte(data), &u); err != nil {
		t.Fatalf("update: %v", err)
	}
	return u
}

// The stream sends the state at once, then changes as they happen, a
// heartbeat when nothing changes, and ends with the request's context.
func TestEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t)
		h := observer.Handler(rt, observer.WithInterval(time.Second))
		kvLike(t, rt)

		ctx, cancel := context.WithCancel(t.Context())
		s := newStream()
		done := make(chan struct{})
		r := loopback(httptest.NewRequest(http.MethodGet, "/events?q=app.r", nil))
		go func() {
			defer close(done)
			h.ServeHTTP(s, r.WithContext(context.WithValue(ctx, http.LocalAddrContextKey,
				r.Context().Value(http.LocalAddrContextKey))))
		}()
		synctest.Wait()
		if s.code != http.StatusOK || s.hdr.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("response %d %q; want 200 text/event-stream", s.code, s.hdr.Get("Content-Type"))
		}
		if w := s.next(); w != "retry: 2000\n\n" {
			t.Errorf("first write %q; want the retry delay", w)
		}
		u := parseUpdate(t, s.next())
		// The filter leaves the supervisors out: their message counts
		// grow with every look at the tree.
		if u.Matched != 1 || len(u.Tree) != 1 || u.Tree[0].Name != "app" {
			t.Errorf("first update: %d processes matched, roots %q; want 1 (the filter), app", u.Matched, names(u.Tree))
		}
		if w := s.next(); w != "" {
			t.Errorf("a second write %q before any change", w)
		}

		// A new process shows in the next update.
		if _, err := gen.Start(t.Context(), rt, &counter{}, gen.WithName("app.rx")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if u := parseUpdate(t, s.next()); u.Matched != 2 {
			t.Errorf("update after a start: %d matched; want 2", u.Matched)
		}

		// Nothing changes: a heartbeat after 15 intervals.
		time.Sleep(14 * time.Second)
		synctest.Wait()
		if w := s.next(); w != "" {
			t.Errorf("write %q after 14 quiet intervals; want none", w)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if w := s.next(); w != ": ping\n\n" {
			t.Errorf("write %q after 15 quiet intervals; want a heartbeat", w)
		}

		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("the stream goes on after its context ended")
		}
	})
}

// The stream's handler returns when the client goes away: over a real
// connection, the server sees it closed.
func TestEventsClientGone(t *testing.T) {
	rt := newRuntime(t)
	var running atomic.Int32
	ended := make(chan struct{}, 1)
	obs := observer.Handler(rt, observer.WithInterval(10*time.Millisecond))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		running.Add(1)
		defer func() {
			running.Add(-1)
			ended <- struct{}{}
		}()
		obs.ServeHTTP(w, r)
	}))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "event: update\n" {
			break
		}
	}
	if running.Load() != 1 {
		t.Fatalf("%d streams running; want 1", running.Load())
	}
	resp.Body.Close() // the client goes away
	select {
	case <-ended:
	case <-time.After(10 * time.Second): // a guard against a hang, not a wait
		t.Fatal("the stream's handler did not return after the client went away")
	}
}
