// Go baselines for perf/chan_bench.cpp. Run from perf/go:
//
//	GOFLAGS=-mod=mod GOPROXY=off go test -bench Chan -cpu 1,2
//
// BenchmarkChanPingPong: one op = a round trip over two unbuffered channels.
// BenchmarkChanSelectPingPong: as PingPong, but both receives are two-case
// selects (the value's channel and a quit channel that never fires).
// BenchmarkChanBuffered1P1C / 4P4C: one op = 100,000 items through a
// channel of capacity 128 (ns/item = op time / 100,000).
// BenchmarkChanThreadRing: 503 goroutines in a ring pass a token 100,000
// hops per op (ns/hop).
// BenchmarkChanSkynet: a tree of 1,111,111 goroutines (fan-out 10) summing
// 0..999,999 through unbuffered channels; ms/run.
package perf

import (
	"testing"
	"time"
)

const (
	chanItems = 100000
	ringSize  = 503
	ringHops  = 100000
)

func BenchmarkChanPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ping <- 1
		<-pong
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(ping)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/roundtrip")
}

func BenchmarkChanSelectPingPong(b *testing.B) {
	ping, pong, quit := make(chan int), make(chan int), make(chan int)
	go func() {
		for {
			select {
			case v := <-ping:
				pong <- v
			case <-quit:
				return
			}
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ping <- 1
		select {
		case <-pong:
		case <-quit:
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(quit)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/roundtrip")
}

func chanBuffered(b *testing.B, producers, consumers int) {
	ch := make(chan int, 128)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		done := make(chan struct{}, producers+consumers)
		for p := 0; p < producers; p++ {
			go func(n int) {
				for j := 0; j < n; j++ {
					ch <- j
				}
				done <- struct{}{}
			}(chanItems / producers)
		}
		for c := 0; c < consumers; c++ {
			go func(n int) {
				for j := 0; j < n; j++ {
					<-ch
				}
				done <- struct{}{}
			}(chanItems / consumers)
		}
		for k := 0; k < producers+consumers; k++ {
			<-done
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/chanItems, "ns/item")
}

func BenchmarkChanBuffered1P1C(b *testing.B) { chanBuffered(b, 1, 1) }
func BenchmarkChanBuffered4P4C(b *testing.B) { chanBuffered(b, 4, 4) }

func BenchmarkChanThreadRing(b *testing.B) {
	ring := make([]chan int, ringSize)
	for i := range ring {
		ring[i] = make(chan int)
	}
	done := make(chan int)
	for i := 0; i < ringSize; i++ {
		go func(in, out chan int) {
			for t := range in {
				if t == 0 {
					done <- 0
				} else {
					out <- t - 1
				}
			}
		}(ring[i], ring[(i+1)%ringSize])
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ring[0] <- ringHops
		<-done
	}
	elapsed := time.Since(start)
	b.StopTimer()
	for _, c := range ring {
		close(c)
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/ringHops, "ns/hop")
}

func skynet(c chan int64, num, size int64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int64)
	sub := size / 10
	for i := int64(0); i < 10; i++ {
		go skynet(rc, num+i*sub, sub)
	}
	var sum int64
	for i := 0; i < 10; i++ {
		sum += <-rc
	}
	c <- sum
}

func BenchmarkChanSkynet(b *testing.B) {
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		c := make(chan int64)
		go skynet(c, 0, 1000000)
		if sum := <-c; sum != 499999500000 {
			b.Fatalf("skynet sum %d", sum)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/1e6, "ms/run")
}
