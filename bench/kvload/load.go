package main

import (
	"bytes"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen-go/gen/kv"
)

// A result is one server at one connection count.
type result struct {
	server    string
	conns     int
	round     int // which round of the level, from 0
	ops       int // requests completed in the timed window (a PUT or a GET is one)
	opsPerSec float64
	p50, p99  time.Duration
	cpuPerOp  time.Duration // server CPU per request; < 0 if unknown
	loadPerOp time.Duration // kvload's own CPU per request
}

// Phases of a level, in order.
const (
	phaseWarm int32 = iota
	phaseTimed
	phaseStop
)

// worker is one connection's state and findings.
type worker struct {
	id     int
	conn   net.Conn
	lines  *kv.LineReader
	bucket string
	keys   []string
	lat    []time.Duration // timed requests' latencies
	err    error
}

// runLevel runs n connections against t: warm-up, then the timed window.
func runLevel(t *target, n int) (result, error) {
	r := result{server: t.name, conns: n, cpuPerOp: -1}
	workers := make([]*worker, n)
	defer func() {
		for _, w := range workers {
			if w != nil && w.conn != nil {
				w.conn.Close()
			}
		}
	}()
	deadline := time.Now().Add(*warmFlag + *durFlag + 30*time.Second)
	for i := range workers {
		c, err := net.DialTimeout("tcp", t.addr, 5*time.Second)
		if err != nil {
			return r, fmt.Errorf("connection %d: %w", i, err)
		}
		_ = c.SetDeadline(deadline)
		w := &worker{id: i, conn: c, lines: kv.NewLineReader(c), bucket: fmt.Sprintf("kvload%d", i%*bucketsFlag)}
		workers[i] = w
		for k := range *keysFlag {
			w.keys = append(w.keys, fmt.Sprintf("c%d-k%d", i, k))
		}
		w.lat = make([]time.Duration, 0, 1<<14)
		if err := w.roundTrip([]byte("CREATE "+w.bucket+"\r\n"), okLine, nil); err != nil {
			return r, err
		}
	}

	var phase atomic.Int32
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(&phase)
		}()
	}
	time.Sleep(*warmFlag)

	cpu0, cpuErr := cpuTime(t.pid)
	self0 := selfCPU()
	t0 := time.Now()
	phase.Store(phaseTimed)
	time.Sleep(*durFlag)
	phase.Store(phaseStop)
	elapsed := time.Since(t0)
	cpu1, cpuErr1 := cpuTime(t.pid)
	self1 := selfCPU()
	wg.Wait()

	var lat []time.Duration
	for _, w := range workers {
		if w.err != nil {
			return r, w.err
		}
		lat = append(lat, w.lat...)
	}
	if len(lat) == 0 {
		return r, fmt.Errorf("no request completed in %v", *durFlag)
	}
	slices.Sort(lat)
	r.ops = len(lat)
	r.opsPerSec = float64(r.ops) / elapsed.Seconds()
	r.p50 = lat[len(lat)*50/100]
	r.p99 = lat[len(lat)*99/100]
	if cpuErr == nil && cpuErr1 == nil {
		r.cpuPerOp = (cpu1 - cpu0) / time.Duration(r.ops)
	}
	r.loadPerOp = (self1 - self0) / time.Duration(r.ops)
	return r, nil
}

// loop sends PUT then GET on the worker's keys, one request in flight,
// until the phase is phaseStop. Only requests that complete in the timed
// phase are recorded.
func (w *worker) loop(phase *atomic.Int32) {
	var req, val []byte
	for iter := 0; phase.Load() != phaseStop; iter++ {
		key := w.keys[iter%len(w.keys)]
		val = appendValue(val[:0], w.id, iter)

		req = append(append(append(append(append(append(req[:0], "PUT "...), w.bucket...), ' '), key...), ' '), val...)
		req = append(req, "\r\n"...)
		start := time.Now()
		if w.err = w.roundTrip(req, okLine, nil); w.err != nil {
			return
		}
		w.record(phase, start)

		req = append(append(append(append(append(req[:0], "GET "...), w.bucket...), ' '), key...), "\r\n"...)
		start = time.Now()
		if w.err = w.roundTrip(req, val, okLine); w.err != nil {
			return
		}
		w.record(phase, start)
	}
}

func (w *worker) record(phase *atomic.Int32, start time.Time) {
	if phase.Load() == phaseTimed {
		w.lat = append(w.lat, time.Since(start))
	}
}

var okLine = []byte("OK")

// roundTrip writes req and checks that the reply is the line want1, then,
// if want2 is not nil, the line want2.
func (w *worker) roundTrip(req, want1, want2 []byte) error {
	if _, err := w.conn.Write(req); err != nil {
		return fmt.Errorf("connection %d: write %q: %w", w.id, trimReq(req), err)
	}
	for _, want := range [2][]byte{want1, want2} {
		line, err := w.lines.ReadLine()
		if err != nil {
			return fmt.Errorf("connection %d: %q: reading the reply: %w", w.id, trimReq(req), err)
		}
		if !bytes.Equal(line, want) {
			return fmt.Errorf("connection %d: %q: wrong reply %q, want %q", w.id, trimReq(req), line, want)
		}
		if want2 == nil {
			break
		}
	}
	return nil
}

func trimReq(req []byte) []byte { return bytes.TrimSuffix(req, []byte("\r\n")) }

// appendValue appends a -value bytes long value that is unique to the
// connection and iteration, so that a GET checks it reads the latest PUT.
func appendValue(dst []byte, id, iter int) []byte {
	start := len(dst)
	dst = strconv.AppendInt(append(dst, 'v'), int64(id), 10)
	dst = strconv.AppendInt(append(dst, '.'), int64(iter), 10)
	for len(dst)-start < *valueFlag {
		dst = append(dst, '.')
	}
	return dst
}

// median returns, column by column, the median of rs.
func median(rs []result) result {
	m := rs[0]
	pick := func(get func(r result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		return medianOf(v)
	}
	m.opsPerSec = pick(func(r result) float64 { return r.opsPerSec })
	m.ops = int(pick(func(r result) float64 { return float64(r.ops) }))
	m.p50 = time.Duration(pick(func(r result) float64 { return float64(r.p50) }))
	m.p99 = time.Duration(pick(func(r result) float64 { return float64(r.p99) }))
	m.cpuPerOp = time.Duration(pick(func(r result) float64 { return float64(r.cpuPerOp) }))
	m.loadPerOp = time.Duration(pick(func(r result) float64 { return float64(r.loadPerOp) }))
	return m
}

// medianOf returns the median of vs, which it sorts: the middle value, or
// the mean of the middle two of an even count. vs must not be empty. The
// table's columns and the judged ratios both use it.
func medianOf(vs []float64) float64 {
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}
