module goro/perf/go

go 1.19
