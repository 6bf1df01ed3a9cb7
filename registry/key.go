package registry

import (
	"fmt"
	"reflect"

	"github.com/gen-go/gen"
)

// checkKey reports whether k can be a key: comparable with == without a
// panic, and equal to itself. The common key types are recognised without
// reflection; reflection is the fallback for the others (structs, arrays,
// pointers, named types), and this is the only place it is used.
func checkKey(k any) error {
	switch k := k.(type) {
	case nil, string, int, int64, int32, uint, uint64, uint32, bool, gen.Name, gen.PID, gen.Ref:
		return nil
	case float64:
		if k != k {
			return fmt.Errorf("%w: NaN is not equal to itself", ErrBadKey)
		}
		return nil
	}
	if !reflect.ValueOf(k).Comparable() {
		return fmt.Errorf("%w: a %T is not comparable", ErrBadKey, k)
	}
	if k != k {
		return fmt.Errorf("%w: %v is not equal to itself", ErrBadKey, k)
	}
	return nil
}
