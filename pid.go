package gen

import (
	"strconv"
)

// A PID identifies a process. It has the shape of Erlang's NEW_PID_EXT: the
// node's name, a process number, a serial and the node's creation, so that a
// PID can cross the wire to Go or BEAM nodes unchanged.
//
// PIDs are comparable values. The zero PID names no process: sending to it
// delivers nothing and calling it fails with [ErrNoProc].
type PID struct {
	Node     string // the node's name, such as "gen@localhost"
	ID       uint32 // process number, unique on the node for one creation
	Serial   uint32 // high bits of the process number
	Creation uint32 // the node incarnation that made the PID
}

// IsZero reports whether p is the zero PID.
func (p PID) IsZero() bool { return p == PID{} }

// String formats p as Erlang prints a PID, with the node name in front:
// "<gen@localhost.42.0>".
func (p PID) String() string {
	if p.IsZero() {
		return "<nopid>"
	}
	b := make([]byte, 0, len(p.Node)+24)
	b = append(b, '<')
	b = append(b, p.Node...)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(p.ID), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(p.Serial), 10)
	b = append(b, '>')
	return string(b)
}

func (p PID) key() uint64 { return uint64(p.Serial)<<32 | uint64(p.ID) }

func (PID) isDest() {}

// A Ref is a reference unique within a node's lifetime, with the shape of
// Erlang's NEWER_REFERENCE_EXT. Monitors, timers and calls are identified by
// Refs. The zero Ref is never issued.
type Ref struct {
	Node     string
	Creation uint32
	ID       [3]uint32
}

// IsZero reports whether r is the zero Ref.
func (r Ref) IsZero() bool { return r == Ref{} }

// String formats r as "#Ref<node.a.b.c>".
func (r Ref) String() string {
	b := make([]byte, 0, len(r.Node)+40)
	b = append(b, "#Ref<"...)
	b = append(b, r.Node...)
	for _, w := range r.ID {
		b = append(b, '.')
		b = strconv.AppendUint(b, uint64(w), 10)
	}
	b = append(b, '>')
	return string(b)
}
