// skynet: a tree of goroutines, fan-out 10, `size` leaves (default 1,000,000,
// so 1,111,111 goroutines), each leaf sending its number and each inner node
// summing its ten children through one unbuffered channel. One run, timed
// from the first go() to the root's sum, inside one goro::run.
//
//   build-perf/perf/macro/skynet --procs 1 --size 1000000
//   -> {"bench":"skynet","runtime":"goro",...,"value":<ms>,"unit":"ms","maxrss_kib":...}
//
// Same work as perf/go/cmd/skynet and perf/boost/skynet_fiber.cpp.
#include "perf/macro/report.hpp"

#include <goro/goro.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void node(goro::Chan<std::int64_t> out, std::int64_t num, std::int64_t size) {
  if (size == 1) {
    out.send(num);
    return;
  }
  auto rc = goro::make_chan<std::int64_t>();
  const std::int64_t sub = size / 10;
  for (int i = 0; i < 10; ++i) goro::go(node, rc, num + i * sub, sub);
  std::int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += *rc.recv();
  out.send(sum);
}

}  // namespace

int main(int argc, char** argv) {
  const long procs = goro::perf::flag(argc, argv, "procs", 1);
  const long size = goro::perf::flag(argc, argv, "size", 1000000);  // a power of 10
  double ms = 0;
  std::int64_t sum = 0;
  goro::run(
      [&] {
        auto t0 = std::chrono::steady_clock::now();
        auto c = goro::make_chan<std::int64_t>();
        goro::go(node, c, 0, size);
        sum = *c.recv();
        ms = goro::perf::ms_since(t0);
      },
      {.procs = static_cast<int>(procs)});
  if (sum != static_cast<std::int64_t>(size) * (size - 1) / 2) {
    std::fprintf(stderr, "skynet: wrong sum %lld\n", static_cast<long long>(sum));
    return 1;
  }
  goro::perf::report("skynet", "goro", procs, size, ms, "ms");
  return 0;
}
