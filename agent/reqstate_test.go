package agent

import "testing"

func TestReqStateNames(t *testing.T) {
	for _, c := range []struct {
		req  any
		want string
	}{
		{getReq[int, string]{}, "int"},
		{getUpdateReq[map[string]int, bool]{}, "map[string]int"},
		{updateReq[[]string]{}, "[]string"},
		{castReq[int]{}, "int"},
		{42, "int"},
	} {
		if got := reqState(c.req); got != c.want {
			t.Errorf("reqState(%T) = %q; want %q", c.req, got, c.want)
		}
	}
}
