// Go baselines for perf/sync_bench.cpp. Run from perf/go:
//
//	GOFLAGS=-mod=mod GOPROXY=off go test -bench 'Mutex|WaitGroup' -cpu 2
//
// BenchmarkWaitGroupUncontended: one op = Add(1), Done(), Wait() on one goroutine.
// BenchmarkWaitGroupBatch: one op = Add(1000), 1000 goroutines each calling
// Done, Wait; ns/done = op time / 1000.
// BenchmarkMutexContended{4,16}: one op = G goroutines each doing 1000
// Lock; n++; Unlock, then wg.Wait; ns/lock = op time / (G * 1000).
package perf

import (
	"sync"
	"testing"
	"time"
)

const (
	syncBatch = 1000
	syncOps   = 1000
)

func BenchmarkWaitGroupUncontended(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		wg.Done()
		wg.Wait()
	}
}

func BenchmarkWaitGroupBatch(b *testing.B) {
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(syncBatch)
		for j := 0; j < syncBatch; j++ {
			go wg.Done()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/syncBatch, "ns/done")
}

func mutexContended(b *testing.B, goroutines int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	n := 0
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		wg.Add(goroutines)
		for g := 0; g < goroutines; g++ {
			go func() {
				for k := 0; k < syncOps; k++ {
					mu.Lock()
					n++
					mu.Unlock()
				}
				wg.Done()
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/float64(goroutines*syncOps), "ns/lock")
}

func BenchmarkMutexContended4(b *testing.B)  { mutexContended(b, 4) }
func BenchmarkMutexContended16(b *testing.B) { mutexContended(b, 16) }
