package supervisor_test

import (
	"math"
	"testing"
	"time"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
)

type upServer struct{ up chan gen.PID }

func (s *upServer) Init(p *gen.Process) error {
	s.up <- p.Self()
	return nil
}

// BenchmarkRestart measures a crashed child's restart: from the exit signal
// to the new child's Init.
func BenchmarkRestart(b *testing.B) {
	rt := gen.NewRuntime(gen.Options{Logger: discard()})
	defer rt.Close()
	up := make(chan gen.PID, 1)
	child := supervisor.Worker("w", func() gen.Server { return &upServer{up: up} })
	_, err := supervisor.Start(bg, rt, supervisor.Spec{Strategy: supervisor.OneForOne,
		MaxRestarts: math.MaxInt32, Period: time.Millisecond, Children: []supervisor.ChildSpec{child}})
	if err != nil {
		b.Fatal(err)
	}
	pid := <-up
	b.ReportAllocs()
	for b.Loop() {
		rt.Exit(pid, errBoom)
		pid = <-up
	}
}
