// Goroutines: Go's `go` statement and the runtime package's scheduling calls.
//
//   goro::go([](int n) { work(n); }, 42);   // go work(42)
//   goro::yield();                           // runtime.Gosched()
//   auto data = goro::blocking([&] { return read_file(path); });
//
// A goroutine may resume on another OS thread after any blocking goro call
// (yield, channel operations, locks, sleep...). Code that relies on
// thread_local state across such calls pins itself with lock_os_thread().
#pragma once

#include <goro/detail/spawn.hpp>

#include <cstdint>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace goro {

// go f(args...): f and args are copied (or moved) now, f runs later on
// another goroutine. Throws std::logic_error when no runtime is running.
template <class F, class... Args>
void go(F&& f, Args&&... args) {
  if constexpr (sizeof...(Args) == 0) {
    detail::spawn(nullptr, std::forward<F>(f));
  } else {
    detail::spawn(nullptr, [f = std::forward<F>(f), ... args = std::forward<Args>(args)]() mutable {
      std::invoke(std::move(f), std::move(args)...);
    });
  }
}

void yield();                    // runtime.Gosched()
int gomaxprocs(int n = 0);       // sets when n > 0; returns the previous value
std::int64_t num_goroutine();    // runtime.NumGoroutine()
std::uint64_t goroutine_id();    // current G's id; 0 on a thread that is not a goroutine
bool in_goroutine();
void lock_os_thread();           // runtime.LockOSThread(): pin this G to its M
void unlock_os_thread();

// A blocking call the runtime cannot see into: the P is handed to another M
// while f runs, so other goroutines keep running. Exceptions from f propagate.
template <class F>
auto blocking(F&& f) -> std::invoke_result_t<F> {
  if (!in_goroutine()) return std::invoke(std::forward<F>(f));
  detail::enter_blocking();
  struct Leave {
    ~Leave() { detail::exit_blocking(); }
  } leave;
  return std::invoke(std::forward<F>(f));
}

}  // namespace goro
