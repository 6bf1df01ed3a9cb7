package sysmsg

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The kinds are distinct and non-zero, so a zero Msg is never mistaken for a
// request.
func TestKindsDistinct(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range []Kind{GetState, ReplaceState, GetStatus, Suspend, Resume, ChangeCode, Terminate,
		Trace, TraceTo, Log, GetLog, PrintLog, Statistics, GetStatistics, Install, Remove, NoDebug} {
		if k == 0 || seen[k] {
			t.Fatalf("kind %d is zero or repeated", k)
		}
		seen[k] = true
	}
}
