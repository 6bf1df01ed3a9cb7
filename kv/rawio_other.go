//go:build !linux

package kv

import (
	"io"
	"net"
)

// connIO returns conn: direct system calls (rawio_linux.go) are Linux only.
func connIO(conn net.Conn) io.ReadWriter { return conn }
