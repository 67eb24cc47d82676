// Running goroutines: goro::run for a Go-style main, goro::Runtime for
// embedding in an existing program.
//
//   int main() {
//     return goro::run([] {
//       goro::go([] { std::puts("hello from a goroutine"); });
//       goro::yield();
//     }, {.procs = 4});
//   }
//
// One runtime runs at a time in a process; run() may be called again after
// it returns (each call starts and stops a fresh runtime).
#pragma once

#include <goro/detail/spawn.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

namespace goro {

struct Options {
  int procs = 0;                                // GOMAXPROCS; 0 = env GOMAXPROCS, else hardware threads
  std::size_t stack_size = 256 * 1024;          // per-goroutine stack limit (reserved, committed on touch)
  bool preempt = true;                          // asynchronous preemption (SIGURG)
  std::chrono::microseconds time_slice{10000};  // a G running longer than this is preempted
  bool deadlock_detect = true;                  // "all goroutines are asleep - deadlock!"
};

// A runtime owned by an object: its Ms and Ps live as long as it does.
// Goroutines may be started from any thread, goroutine or not. Destroying it
// (or shutdown()) stops scheduling: goroutines that have not finished are
// abandoned, as when a Go program's main returns. Shutdown waits for every
// thread to reach a switch point: asynchronous preemption (x86-64, AArch64) brings a
// spinning goroutine there within a time slice or so, unless it spins inside
// a library or with preemption off, which holds shutdown up.
class Runtime {
 public:
  explicit Runtime(Options opts = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  template <class F>
  void go(F&& f) {
    detail::spawn(impl_, std::forward<F>(f));
  }
  void shutdown();

  // Internal: runs f as the main goroutine and waits for it (goro::run).
  template <class F>
  void run_main(F&& f) {
    using T = std::decay_t<F>;
    detail::GoroutineSlot slot = detail::make_goroutine(impl_, std::forward<F>(f));
    detail::run_main_goroutine(impl_, slot, &detail::invoke_closure<T>, &detail::destroy_closure<T>);
  }

 private:
  void* impl_ = nullptr;
};

// Runs f (returning void or int) as the main goroutine on a fresh runtime
// and returns its status (0 for void). When f returns, run() returns: other
// goroutines are abandoned, as when a Go main returns.
template <class F>
int run(F&& f, Options opts = {}) {
  Runtime rt(opts);
  int status = 0;
  rt.run_main([&f, &status] {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      std::invoke(f);
    } else {
      status = static_cast<int>(std::invoke(f));
    }
  });
  return status;
}

}  // namespace goro
