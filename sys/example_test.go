package sys_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/gen-go/gen"
	"github.com/gen-go/gen/sys"
)

// account is a small server: deposits are casts, the balance is a call.
type account struct{ Balance int }

type deposit struct{ Amount int }
type balance struct{}

func (a *account) HandleCast(p *gen.Process, msg any) error {
	if d, ok := msg.(deposit); ok {
		a.Balance += d.Amount
	}
	return nil
}

func (a *account) HandleCall(p *gen.Process, from gen.From, req any) (any, error) {
	return a.Balance, nil
}

// Trace a server's events to a writer. A call's reply goes out after its
// trace line is written, so once Call returns the lines are there.
func ExampleTraceTo() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	pid, _ := gen.Start(ctx, rt, &account{}, gen.WithName("acct"))

	_ = sys.TraceTo(ctx, rt, pid, os.Stdout)
	_ = gen.Cast(rt, pid, deposit{Amount: 5})
	_, _ = gen.Call[int](ctx, rt, pid, balance{})
	_ = sys.TraceTo(ctx, rt, pid, nil)
	// Output:
	// *DBG* acct got cast sys_test.deposit{Amount:5}
	// *DBG* acct new state &sys_test.account{Balance:5}
	// *DBG* acct got call sys_test.balance{} from a goroutine
	// *DBG* acct sent 5 to a goroutine, new state &sys_test.account{Balance:5}
}

// Keep the last events of a server and read them back.
func ExampleLog() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	pid, _ := gen.Start(ctx, rt, &account{}, gen.WithName("acct"))

	_ = sys.Log(ctx, rt, pid, 3)
	for i := 1; i <= 3; i++ {
		_ = gen.Cast(rt, pid, deposit{Amount: i})
	}
	events, _ := sys.GetLog(ctx, rt, pid)
	for _, ev := range events {
		fmt.Println(ev)
	}
	_ = sys.PrintLog(ctx, rt, pid, os.Stdout)
	// Output:
	// new state &sys_test.account{Balance:3}
	// got cast sys_test.deposit{Amount:3}
	// new state &sys_test.account{Balance:6}
	// *DBG* acct new state &sys_test.account{Balance:3}
	// *DBG* acct got cast sys_test.deposit{Amount:3}
	// *DBG* acct new state &sys_test.account{Balance:6}
}

// Count a server's messages.
func ExampleGetStatistics() {
	rt := gen.NewRuntime(gen.Options{Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	ctx := context.Background()
	pid, _ := gen.Start(ctx, rt, &account{})

	_ = sys.Statistics(ctx, rt, pid, true)
	_ = gen.Cast(rt, pid, deposit{Amount: 1})
	_, _ = gen.Call[int](ctx, rt, pid, balance{})
	st, _ := sys.GetStatistics(ctx, rt, pid)
	fmt.Printf("in %d (calls %d, casts %d, infos %d), out %d\n", st.MessagesIn, st.Calls, st.Casts, st.Infos, st.MessagesOut)
	// Output:
	// in 2 (calls 1, casts 1, infos 0), out 1
}
