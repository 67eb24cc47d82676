// SIGQUIT, as in Go: print "SIGQUIT: quit" and a dump of every goroutine
// (dump.cpp) to stderr, then exit with status 2.
//
// The dump runs inside the handler, on whichever thread took the signal (Go
// does the same). It is not async-signal-safe in general: it allocates and
// uses stdio. The process ends right after, so the only hazard is a thread
// interrupted inside malloc, which would make the handler wait forever; a
// second SIGQUIT then kills the process the default way (core dump).
#include "runtime/debug/fatal.hpp"

#include "runtime/sched/sched.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace goro::debug {
namespace {

void on_sigquit(int) {
  // A second SIGQUIT while we dump: the default action (core dump).
  std::signal(SIGQUIT, SIG_DFL);
  std::fflush(stdout);
  std::fputs("SIGQUIT: quit\n\n", stderr);
  if (sched::Sched* s = sched::current_sched())
    dump_goroutines(s, stderr);
  else
    std::fputs("(no goro runtime is running)\n", stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace

void install_sigquit_handler() noexcept {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  struct sigaction old {};
  if (sigaction(SIGQUIT, nullptr, &old) != 0) return;
  // Like Go: a SIGQUIT the program ignores, or already handles, stays so.
  if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL) return;
  if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction != nullptr) return;
  struct sigaction sa {};
  sa.sa_handler = &on_sigquit;
  sigemptyset(&sa.sa_mask);
  // On the alternate stack when the thread has one (Ms do): a goroutine's
  // stack may be nearly full.
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGQUIT, &sa, nullptr);
}

}  // namespace goro::debug
