// Package report prints the macro programs' one machine-readable line, in the
// shape perf/macro/report.hpp prints for goro, which perf/compare parses:
//
//	{"bench":"skynet","runtime":"go","procs":1,"size":1000000,"value":312.5,"unit":"ms",
//	 "peak_rss_kib":20480,"maxrss_kib":20480}
//
// peak_rss_kib is VmHWM from /proc/self/status, maxrss_kib getrusage's
// ru_maxrss (which Linux carries over from the parent across execve; see
// perf/macro/report.hpp).
package report

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Flags parses --procs and --size (defaults procs 1, size def) and sets GOMAXPROCS.
func Flags(def int64) (procs int, size int64) {
	p := flag.Int("procs", 1, "GOMAXPROCS")
	s := flag.Int64("size", def, "problem size")
	flag.Parse()
	runtime.GOMAXPROCS(*p)
	return *p, *s
}

// MaxRSSKiB is getrusage's ru_maxrss (peak resident set, KiB on Linux).
func MaxRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "getrusage:", err)
		os.Exit(1)
	}
	return ru.Maxrss
}

// PeakRSSKiB is VmHWM, the peak resident set of this process image (KiB), 0 if unreadable.
func PeakRSSKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "VmHWM:") {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(line[len("VmHWM:"):]), " kB"), 10, 64)
			return v
		}
	}
	return 0
}

// Print writes the result line; extra is appended verbatim (`,"k":v...` or "").
func Print(bench string, procs int, size int64, value float64, unit, extra string) {
	fmt.Printf("{\"bench\":%q,\"runtime\":\"go\",\"procs\":%d,\"size\":%d,\"value\":%.6g,\"unit\":%q,\"peak_rss_kib\":%d,\"maxrss_kib\":%d%s}\n",
		bench, procs, size, value, unit, PeakRSSKiB(), MaxRSSKiB(), extra)
}
