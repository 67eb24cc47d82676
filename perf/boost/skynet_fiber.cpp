// skynet on Boost.Fiber: the tree of perf/macro/skynet.cpp (fan-out 10,
// --size leaves, default 1,000,000), one thread, round_robin, unbuffered
// channels, one run.
//
//   build-perf/perf/boost/skynet_fiber --size 1000000
//   -> {"bench":"skynet","runtime":"boost",...,"value":<ms>,"unit":"ms",...}
//
// Children start with launch::dispatch (the child runs at once, the parent
// waits in the ready queue), on
// 16 KiB fixedsize_stack stacks (8 KiB crashed with SIGSEGV). Measured peak RSS is
// ~7.5 GB for 1M leaves: Boost.Fiber frees a finished fiber only from its
// dispatcher, which runs when the ready queue is empty, so every node's fiber
// stays allocated until the tree is done. That cost is Boost.Fiber's, and the
// row reports it.

#include "perf/macro/report.hpp"

#include <boost/fiber/all.hpp>

#include <cstdint>
#include <cstdio>

namespace {

namespace fibers = boost::fibers;
using Chan = fibers::unbuffered_channel<std::int64_t>;

fibers::fixedsize_stack& stacks() {
  static fibers::fixedsize_stack alloc(16 * 1024);
  return alloc;
}

void node(Chan& out, std::int64_t num, std::int64_t size) {
  if (size == 1) {
    out.push(num);
    return;
  }
  Chan rc;
  const std::int64_t sub = size / 10;
  for (int i = 0; i < 10; ++i)
    fibers::fiber(fibers::launch::dispatch, std::allocator_arg, stacks(),
                  [&rc, n = num + i * sub, sub] { node(rc, n, sub); })
        .detach();
  std::int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += rc.value_pop();
  out.push(sum);
}

}  // namespace

int main(int argc, char** argv) {
  const long size = goro::perf::flag(argc, argv, "size", 1000000);
  auto t0 = std::chrono::steady_clock::now();
  Chan c;
  fibers::fiber(fibers::launch::dispatch, std::allocator_arg, stacks(), [&c, size] { node(c, 0, size); }).detach();
  std::int64_t sum = c.value_pop();
  double ms = goro::perf::ms_since(t0);
  if (sum != static_cast<std::int64_t>(size) * (size - 1) / 2) {
    std::fprintf(stderr, "skynet_fiber: wrong sum %lld\n", static_cast<long long>(sum));
    return 1;
  }
  goro::perf::report("skynet", "boost", 1, size, ms, "ms");
  return 0;
}
