// A shared object for preempt_modules_test: a loop with no calls that lives
// outside the main executable, so asynchronous preemption may stop it only
// when GORODEBUG=preemptmodules names this library.
#include <atomic>

extern "C" [[gnu::visibility("default")]] unsigned long spinlib_spin_until(const std::atomic<bool>* stop) {
  unsigned long n = 0;
  while (!stop->load(std::memory_order_relaxed)) ++n;
  return n;
}
