// Go baselines for perf/sched_bench.cpp. Run from perf/go:
//
//	GOFLAGS=-mod=mod GOPROXY=off go test -bench . -cpu 1,2 -benchtime 2s
//
// BenchmarkSpawnJoin: one op = wg.Add(10,000), start 10,000 goroutines that each
// call wg.Done, then wg.Wait; ns/goroutine = op time / 10,000.
// (b.Elapsed is Go 1.20+, so the timed region is measured with time.Now.)
// BenchmarkGosched: two goroutines (the benchmark's and a partner) both loop
// on runtime.Gosched; one op = one Gosched by each; ns/gosched = op time / 2.
package perf

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const batch = 10000

func BenchmarkSpawnJoin(b *testing.B) {
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(batch)
		for j := 0; j < batch; j++ {
			go wg.Done()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/batch, "ns/goroutine")
}

func BenchmarkGosched(b *testing.B) {
	var stop int32
	done := make(chan struct{})
	go func() {
		for atomic.LoadInt32(&stop) == 0 {
			runtime.Gosched()
		}
		close(done)
	}()
	runtime.Gosched()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		runtime.Gosched()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	atomic.StoreInt32(&stop, 1)
	<-done
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/2, "ns/gosched")
}
