package task

import (
	"context"

	"github.com/gen-go/gen"
)

// callerPID returns the PID of the process ctx is or was derived from, or
// the zero PID for a context that comes from no process.
func callerPID(ctx context.Context) gen.PID {
	if p := gen.ProcessOf(ctx); p != nil {
		return p.Self()
	}
	return gen.PID{}
}
