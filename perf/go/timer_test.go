// Go baselines for perf/timer_bench.cpp. Run from perf/go:
//
//	GOFLAGS=-mod=mod GOPROXY=off go test -bench Timer -cpu 1,2
//
// BenchmarkTimerStop: one op = time.NewTimer(time.Hour).Stop(); ns/timer.
// BenchmarkTimerSleep: one op = Add(1000), 1000 goroutines each
// time.Sleep(1ns) then Done, Wait; ns/sleep = op time / 1000.
package perf

import (
	"sync"
	"testing"
	"time"
)

const sleepers = 1000

func BenchmarkTimerStop(b *testing.B) {
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		time.NewTimer(time.Hour).Stop()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/timer")
}

func BenchmarkTimerSleep(b *testing.B) {
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(sleepers)
		for j := 0; j < sleepers; j++ {
			go func() {
				time.Sleep(time.Nanosecond)
				wg.Done()
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/sleepers, "ns/sleep")
}
