// skynet: the same tree as perf/macro/skynet.cpp (fan-out 10, --size leaves,
// default 1,000,000), one run, timed from the first go to the root's sum.
//
//	go run ./cmd/skynet --procs 1 --size 1000000
package main

import (
	"fmt"
	"os"
	"time"

	"goro/perf/go/internal/report"
)

func node(out chan int64, num, size int64) {
	if size == 1 {
		out <- num
		return
	}
	rc := make(chan int64)
	sub := size / 10
	for i := int64(0); i < 10; i++ {
		go node(rc, num+i*sub, sub)
	}
	var sum int64
	for i := 0; i < 10; i++ {
		sum += <-rc
	}
	out <- sum
}

func main() {
	procs, size := report.Flags(1000000)
	start := time.Now()
	c := make(chan int64)
	go node(c, 0, size)
	sum := <-c
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	if sum != size*(size-1)/2 {
		fmt.Fprintln(os.Stderr, "skynet: wrong sum", sum)
		os.Exit(1)
	}
	report.Print("skynet", procs, size, ms, "ms", "")
}
