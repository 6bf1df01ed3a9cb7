// Package testutil holds helpers shared by the tests of Gen's packages.
package testutil

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gen-go/gen"
)

// A LogBuffer collects log output written from many goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends b.
func (l *LogBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Lines returns what was written so far as lines, without the last newline.
func (l *LogBuffer) Lines() []string {
	s := strings.TrimSuffix(l.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// NewRuntime returns a runtime that logs to the returned buffer and is
// closed when the test ends; if the test failed, its log is written to the
// test's output. Inside a synctest bubble, call it inside the bubble.
func NewRuntime(t testing.TB) (*gen.Runtime, *LogBuffer) {
	t.Helper()
	logs := &LogBuffer{}
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(func() {
		rt.Close()
		if t.Failed() {
			if s := logs.String(); s != "" {
				t.Logf("the runtime's log:\n%s", s)
			}
		}
	})
	return rt, logs
}
