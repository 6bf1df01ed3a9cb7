package testutil_test

import (
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/gen-go/gen/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLogBuffer(t *testing.T) {
	var l testutil.LogBuffer
	if l.Lines() != nil {
		t.Fatal("lines of an empty buffer")
	}
	l.Write([]byte("a\nb\n"))
	if got := l.Lines(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("lines %q", got)
	}
}

func TestNewRuntime(t *testing.T) {
	rt, logs := testutil.NewRuntime(t)
	rt.Logger().Info("hello")
	if logs.String() == "" {
		t.Fatal("the runtime's log did not reach the buffer")
	}
}
