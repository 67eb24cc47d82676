// The macro programs' shared plumbing: `--name value` integer flags and the one
// machine-readable line each program prints last, which perf/compare parses
// and which perf/go/cmd/* and perf/boost/* print in the same shape:
//
//   {"bench":"skynet","runtime":"goro","procs":1,"size":1000000,"value":312.5,"unit":"ms",
//    "peak_rss_kib":20480,"maxrss_kib":20480}
//
// `value` is the headline figure in `unit`. peak_rss_kib is this program's
// peak resident set (VmHWM in /proc/self/status); maxrss_kib is getrusage's
// ru_maxrss. They differ when the parent was bigger: Linux carries the
// pre-exec image's high-water mark (the forking parent's, e.g. the Python of
// perf/compare) into ru_maxrss across execve, so ru_maxrss is at least the
// parent's RSS. perf/compare therefore reads peak_rss_kib.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace goro::perf {

// The value of `--name N` in argv, or def when absent; exits 2 on a malformed value.
inline long flag(int argc, char** argv, const char* name, long def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i][0] == '-' && argv[i][1] == '-' && std::strcmp(argv[i] + 2, name) == 0) {
      char* end = nullptr;
      long v = std::strtol(argv[i + 1], &end, 10);
      if (*end != '\0' || v <= 0) {
        std::fprintf(stderr, "--%s: want a positive integer, got %s\n", name, argv[i + 1]);
        std::exit(2);
      }
      return v;
    }
  }
  return def;
}

inline long maxrss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// VmHWM: the peak resident set of this process image (KiB), 0 if unreadable.
inline long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Prints the result line; `extra` is appended verbatim (",\"k\":v..." or "").
inline void report(const char* bench, const char* runtime, long procs, long size, double value, const char* unit,
                   const std::string& extra = "") {
  std::printf("{\"bench\":\"%s\",\"runtime\":\"%s\",\"procs\":%ld,\"size\":%ld,\"value\":%.6g,\"unit\":\"%s\","
              "\"peak_rss_kib\":%ld,\"maxrss_kib\":%ld%s}\n",
              bench, runtime, procs, size, value, unit, peak_rss_kib(), maxrss_kib(), extra.c_str());
  std::fflush(stdout);
}

}  // namespace goro::perf
