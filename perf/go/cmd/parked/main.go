// parked: the same measurement as perf/macro/parked.cpp: --size goroutines
// (default 1,000,000) all parked in a receive on one channel; the figure is
// (peak RSS with all parked - peak RSS before the first go) / size, in KiB
// (VmHWM; see perf/macro/report.hpp for why not ru_maxrss).
//
//	go run ./cmd/parked --procs 1 --size 1000000
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"goro/perf/go/internal/report"
)

func main() {
	procs, n := report.Flags(1000000)
	gate := make(chan int)
	var started, finished sync.WaitGroup
	before := report.PeakRSSKiB()
	start := time.Now()
	started.Add(int(n))
	finished.Add(int(n))
	for i := int64(0); i < n; i++ {
		go func() {
			started.Done()
			<-gate // parks until main closes the gate
			finished.Done()
		}()
	}
	started.Wait()
	spawnMs := float64(time.Since(start).Nanoseconds()) / 1e6
	alive := runtime.NumGoroutine() - 1
	after := report.PeakRSSKiB()
	close(gate)
	finished.Wait()
	report.Print("parked", procs, n, float64(after-before)/float64(n), "KiB/goroutine",
		fmt.Sprintf(",\"alive\":%d,\"rss_before_kib\":%d,\"rss_parked_kib\":%d,\"spawn_ms\":%f", alive, before, after, spawnMs))
}
