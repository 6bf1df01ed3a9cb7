package gen

import (
	"testing"
	"unsafe"
)

// Size budgets behind the memory targets: a hibernated process must cost at
// most 1 KiB, and every message is copied as an envelope.
func TestSizeBudgets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"Process", unsafe.Sizeof(Process{}), 512},
		{"envelope", unsafe.Sizeof(envelope{}), 48},
		{"From", unsafe.Sizeof(From{}), 24},
	} {
		if tc.got > tc.want {
			t.Errorf("sizeof(%s) = %d; want <= %d", tc.name, tc.got, tc.want)
		}
	}
}
