// The program tests/debug/gdb_test.sh debugs: goroutines parked in named
// functions, then abort() (gdb stops there and looks; the kernel, or gcore,
// writes a core file).
//
// GDB_TARGET_MPROTECT_GUARDS=1 makes stacks use mprotect guards: gcore reads
// memory through /proc/PID/mem, which fails on a range holding
// MADV_GUARD_INSTALL markers (Linux 6.13+), and then leaves every stack of
// that reservation out of the core. Kernel core dumps have no such problem.
#include "runtime/stack/guard.hpp"
#include "tests/debug/dump_string.hpp"

#include <goro/goro.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

__attribute__((noinline)) void gdbtest_chan_receiver(goro::Chan<int> ch) { (void)ch.recv(); }
__attribute__((noinline)) void gdbtest_mutex_waiter(goro::Mutex& mu) {
  mu.lock();
  mu.unlock();
}

int parked(const std::string& dump, const char* what) {
  int n = 0;
  for (std::size_t at = dump.find(what); at != std::string::npos; at = dump.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

int main() {
  if (const char* e = std::getenv("GDB_TARGET_MPROTECT_GUARDS"); e && *e == '1')
    goro::stack::detail::pretend_guard_install_unsupported(true);
  goro::run([] {
    auto ch = goro::make_chan<int>();
    goro::Mutex mu;
    mu.lock();
    constexpr int kReceivers = 50;
    for (int i = 0; i < kReceivers; ++i) goro::go([=] { gdbtest_chan_receiver(ch); });
    goro::go([&] { gdbtest_mutex_waiter(mu); });
    // Wait until every one is parked, as a dump shows it.
    for (int tries = 0; tries < 1000; ++tries) {
      std::string d = goro::test::dump_to_string();
      if (parked(d, "[chan receive") >= 1 && d.find(std::to_string(kReceivers) + " chan receive") != std::string::npos &&
          d.find("sync.Mutex.Lock") != std::string::npos)
        break;
      goro::sleep(std::chrono::milliseconds(10));
    }
    std::puts("ready");
    std::fflush(stdout);
    std::abort();
  }, {.procs = 2});
}
