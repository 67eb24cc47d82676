// thread-ring: the same ring as perf/macro/thread_ring.cpp: 503 goroutines,
// unbuffered channels, a token passed --size hops (default 10,000,000).
//
//	go run ./cmd/threadring --procs 1 --size 10000000
package main

import (
	"time"

	"goro/perf/go/internal/report"
)

const ringSize = 503

func main() {
	procs, hops := report.Flags(10000000)
	ring := make([]chan int64, ringSize)
	for i := range ring {
		ring[i] = make(chan int64)
	}
	done := make(chan int64)
	for i := 0; i < ringSize; i++ {
		go func(in, out chan int64) {
			for t := range in {
				if t == 0 {
					done <- 0
				} else {
					out <- t - 1
				}
			}
		}(ring[i], ring[(i+1)%ringSize])
	}
	start := time.Now()
	ring[0] <- hops
	<-done
	elapsed := time.Since(start)
	for _, c := range ring {
		close(c)
	}
	report.Print("thread_ring", procs, hops, float64(elapsed.Nanoseconds())/float64(hops), "ns/hop", "")
}
