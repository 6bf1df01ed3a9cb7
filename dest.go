package gen

// A Dest is where a message, call or monitor is aimed: a [PID], a local
// [Name], a [RemoteName] on another node, or a [Via] name held by a
// [Registrar]. The set of implementations is closed.
type Dest interface {
	isDest()
}

// A Name is a process name local to one runtime, like an Erlang registered
// atom. A process has at most one Name, and a Name belongs to at most one
// process at a time. It is released at once when the process exits.
// The empty Name is invalid.
type Name string

func (Name) isDest() {}

// A RemoteName addresses the process registered as Name on the node Node,
// like Erlang's {Name, Node}. When Node is the local node it is the same as
// Name alone.
type RemoteName struct {
	Name Name
	Node string
}

func (RemoteName) isDest() {}

// Via addresses a process through a name held by a [Registrar], like
// Erlang's {via, Module, Key}. Start registers the new process under Key
// before Init runs and the runtime unregisters it when the process exits.
type Via struct {
	Registrar Registrar
	Key       any
}

func (Via) isDest() {}

// A Registrar holds process names on behalf of the runtime; it is the Go form
// of the {via, Module, Name} protocol. The registry package implements it.
// Methods may be called from any goroutine.
type Registrar interface {
	// RegisterName binds key to pid and reports whether it did; it returns
	// false when key is already taken.
	RegisterName(key any, pid PID) bool
	// UnregisterName removes the binding of key to pid, if there is one.
	// It is a no-op when key is bound to another process or to none.
	UnregisterName(key any, pid PID)
	// WhereisName returns the process bound to key.
	WhereisName(key any) (PID, bool)
}
