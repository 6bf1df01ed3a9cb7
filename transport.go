package gen

// Transport reaches processes on other nodes. The dist package implements it
// over the Erlang distribution protocol; a runtime without one is not
// distributed, and every remote destination is then unreachable: calls fail
// with a [*NodeDownError], links and monitors get [ErrNoConnection], and
// sends and casts are dropped, as Erlang does for a node that is down.
type Transport interface {
	// Deliver hands a signal to the node of sig.To. It returns a
	// *NodeDownError when that node cannot be reached. It must not block on
	// the network.
	Deliver(sig Signal) error
}

// SignalKind names what a [Signal] carries.
type SignalKind uint8

// The signals a Transport carries.
const (
	SignalSend     SignalKind = iota + 1 // a message (Msg), as a cast when Cast is set
	SignalExit                           // an exit signal with Reason, as Process.Exit sends
	SignalLinkExit                       // the exit signal of a dying linked process
	SignalLink                           // a link request
)

// A Signal is one thing sent from a local process to a remote destination.
type Signal struct {
	Kind   SignalKind
	From   PID
	To     Dest
	Msg    any
	Cast   bool
	Reason error
}
