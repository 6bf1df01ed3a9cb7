package main

import (
	"log"
	"sync"
)

// The floor side of every workload: the same work done with plain goroutines
// and buffered channels, with no process table, no monitors and no
// callbacks. Messages are `any`, as Gen's are.

// fmsg is a floor message: a cast when reply is nil, a call otherwise.
type fmsg struct {
	v     any
	reply chan any
}

const mailboxCap = 1024

// W1, W1h: a server goroutine answers on a reply channel the client owns.
func floorCall(n int) sample {
	reqs := make(chan fmsg, mailboxCap)
	go func() {
		for m := range reqs {
			m.reply <- m.v
		}
	}()
	defer close(reqs)
	reply := make(chan any, 1)
	reqs <- fmsg{v: reqMsg, reply: reply}
	<-reply
	d, a := timed(func() {
		for range n {
			reqs <- fmsg{v: reqMsg, reply: reply}
			<-reply
		}
	})
	return perOp(d, a, n)
}

// floorCounter is the floor's counter server.
func floorCounter(in chan fmsg) {
	n := 0
	for m := range in {
		if m.reply != nil {
			m.reply <- n
			continue
		}
		n++
	}
}

// W2: senders write to one buffered channel with one consumer; a final
// request-reply waits for it to have read everything.
func floorCast(n, senders int) sample {
	in := make(chan fmsg, mailboxCap)
	go floorCounter(in)
	defer close(in)
	reply := make(chan any, 1)
	in <- fmsg{v: syncMsg, reply: reply}
	<-reply
	var got any
	d, a := timed(func() {
		sendN(senders, n, func(k int) {
			for range k {
				in <- fmsg{v: castMsg}
			}
		})
		in <- fmsg{v: syncMsg, reply: reply}
		got = <-reply
	})
	if got.(int) != n {
		log.Fatalf("W2 floor: consumer counted %d, want %d", got, n)
	}
	return rate(d, a, n)
}

// W3: start n goroutines each blocked on its own channel, then stop each by
// closing its channel and waiting for it to exit.
func floorSpawnStop(n int) sample {
	stops := make([]chan struct{}, n)
	dones := make([]chan struct{}, n)
	d, _ := timed(func() {
		for i := range stops {
			stop, done := make(chan struct{}), make(chan struct{})
			stops[i], dones[i] = stop, done
			go func() {
				<-stop
				close(done)
			}()
		}
		for i := range stops {
			close(stops[i])
			<-dones[i]
		}
	})
	return sample{value: float64(d.Nanoseconds()) / 1e3 / float64(n)}
}

// W4: two goroutines, two buffered channels.
func floorPingPong(n int) sample {
	a2b, b2a := make(chan any, 16), make(chan any, 16)
	kicks := make(chan int)
	done := make(chan struct{}, 1)
	go func() { // B
		for range a2b {
			b2a <- pong{}
		}
	}()
	go func() { // A
		for k := range kicks {
			for range k {
				a2b <- ping{}
				<-b2a
			}
			done <- struct{}{}
		}
		close(a2b)
	}()
	defer close(kicks)
	kicks <- 1000 // warm both up
	<-done
	d, _ := timed(func() {
		kicks <- n
		<-done
	})
	return perOp(d, 0, n)
}

// W5: servers goroutines, each with its own buffered channel; the casts go
// in the same order as genFanOut's.
func floorFanOut(servers, perSrv int, interleaved bool) sample {
	ins := make([]chan fmsg, servers)
	var wg sync.WaitGroup
	for i := range ins {
		ins[i] = make(chan fmsg, perSrv+1)
		wg.Go(func() { floorCounter(ins[i]) })
	}
	reply := make(chan any, 1)
	// Every goroutine has run and waits on its channel: one request each,
	// untimed, as on Gen's side (genFanOut).
	for _, in := range ins {
		in <- fmsg{v: syncMsg, reply: reply}
		<-reply
	}
	d, _ := timed(func() {
		if interleaved {
			for range perSrv {
				for _, in := range ins {
					in <- fmsg{v: castMsg}
				}
			}
		} else {
			for _, in := range ins {
				for range perSrv {
					in <- fmsg{v: castMsg}
				}
			}
		}
		for _, in := range ins {
			in <- fmsg{v: syncMsg, reply: reply}
			if got := (<-reply).(int); got != perSrv {
				log.Fatalf("W5 floor: server counted %d, want %d", got, perSrv)
			}
		}
	})
	for _, in := range ins {
		close(in)
	}
	wg.Wait()
	return sample{value: float64(d.Nanoseconds()) / 1e6}
}
