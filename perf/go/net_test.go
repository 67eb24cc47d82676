// Go baseline for perf/net_bench.cpp. Run from perf/go:
//
//	GOFLAGS=-mod=mod GOPROXY=off go test -bench TCPEcho -cpu 1,2
//
// BenchmarkTCPEcho: 1,000 loopback connections to an echo server in the
// same process (a goroutine per connection on both ends), dialled before
// timing. One op = every client makes 10 round trips of a 64-byte message;
// roundtrips/s (all connections together) and its inverse ns/roundtrip are
// what perf/net_bench.cpp's tcp_echo reports.
package perf

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

const (
	echoConns   = 1000
	echoRounds  = 10
	echoMessage = 64
)

func echoServe(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			buf := make([]byte, 4096)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
		}(c)
	}
}

func BenchmarkTCPEcho(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go echoServe(ln)
	conns := make([]net.Conn, echoConns)
	for i := range conns {
		if conns[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		wg.Add(echoConns)
		for _, c := range conns {
			go func(c net.Conn) {
				defer wg.Done()
				msg := make([]byte, echoMessage)
				back := make([]byte, echoMessage)
				for r := 0; r < echoRounds; r++ {
					if _, err := c.Write(msg); err != nil {
						b.Error(err)
						return
					}
					if _, err := io.ReadFull(c, back); err != nil {
						b.Error(err)
						return
					}
				}
			}(c)
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	trips := float64(b.N) * echoConns * echoRounds
	b.ReportMetric(trips/elapsed.Seconds(), "roundtrips/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/trips, "ns/roundtrip")
	for _, c := range conns {
		c.Close()
	}
	ln.Close()
}
