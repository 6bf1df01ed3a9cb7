//go:build !linux

package tick

import (
	"errors"
	"time"
)

type fdTicker struct{}

func newFD(time.Duration) (*fdTicker, error) { return nil, errors.ErrUnsupported }

func (*fdTicker) wait() bool          { return false }
func (*fdTicker) reset(time.Duration) {}
func (*fdTicker) close()              {}
func systemWall() (time.Time, bool)   { return time.Time{}, false }

const nativeOS = false
