package supervisor_test

import (
	"errors"
	"testing"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/supervisor"
	"github.com/gen-go/gen/sys"
)

// IsSupervisor tells both kinds of supervisor from other servers, also when
// a supervisor is suspended, and fails for a process that is not there.
func TestIsSupervisor(t *testing.T) {
	rt, _ := newRuntime(t)
	sup := startSup(t, rt, supervisor.Spec{Strategy: supervisor.OneForOne})
	dyn := startDyn(t, rt, supervisor.Dynamic{})
	plain, err := gen.Start(bg, rt, echo{}) // not a supervisor
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Suspend(bg, rt, sup); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pid  gen.PID
		want bool
	}{
		{"Supervisor (suspended)", sup, true},
		{"DynamicSupervisor", dyn, true},
		{"another server", plain, false},
	} {
		if got, err := supervisor.IsSupervisor(bg, rt, tc.pid); err != nil || got != tc.want {
			t.Errorf("%s: IsSupervisor = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if err := sys.Resume(bg, rt, sup); err != nil {
		t.Fatal(err)
	}
	if err := gen.Stop(bg, rt, plain, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := supervisor.IsSupervisor(bg, rt, plain); got || !errors.Is(err, gen.ErrNoProc) {
		t.Errorf("IsSupervisor of a stopped process = %v, %v; want false, ErrNoProc", got, err)
	}
}
