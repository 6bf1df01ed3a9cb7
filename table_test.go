package gen

import "testing"

// The directory grows with the highest process number, not with the number
// of chunks ever made, and chunks whose numbers are all released are dropped.
func TestProcTableChurn(t *testing.T) {
	var tb procTable
	const n = 20 * chunkSize
	live := map[uint64]*Process{}
	for key := uint64(1); key <= n; key++ {
		p := &Process{}
		tb.insert(key, p)
		live[key] = p
		if key%3 != 0 { // keep every third process alive
			tb.remove(key, p)
			delete(live, key)
		}
	}
	d := *tb.dir.Load()
	if want := n/chunkSize + 1; len(d) > 2*want {
		t.Errorf("directory has %d entries after %d numbers; want about %d", len(d), n, want)
	}
	for key, p := range live {
		if got := tb.lookup(key); got != p {
			t.Fatalf("lookup(%d) = %p; want %p", key, got, p)
		}
	}
	count := 0
	tb.each(func(*Process) { count++ })
	if count != len(live) {
		t.Errorf("each saw %d processes; want %d", count, len(live))
	}
	for key, p := range live {
		tb.remove(key, p)
	}
	d = *tb.dir.Load()
	// Chunk 0 never fills (number 0 is never issued) and the last chunk holds
	// only n itself; every other chunk must be gone.
	for i, c := range d {
		if c != nil && i > 0 && i != n>>chunkBits {
			t.Errorf("chunk %d kept after all its numbers were released", i)
		}
	}
	if tb.lookup(3) != nil {
		t.Error("lookup of a released number found a process")
	}
}
