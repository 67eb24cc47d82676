// Helpers shared by the stack tests: running code on a pool stack, recursing
// to a depth, and reading the process's memory figures.
#pragma once

#include "arch/context.hpp"
#include "runtime/sched/sanitizer.hpp"
#include "runtime/stack/stack.hpp"
#include "tests/support/sanitizer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace goro::stack::testing_support {

// AddressSanitizer and ThreadSanitizer (test::kUnderSanitizer) map shadow and
// allocator regions of their own as the tests run, so RSS and mapping counts
// say nothing about the pool under them; and they own the SIGSEGV handler our
// handler chains to (it reports, then exits with the sanitizer's status:
// ASan 1, TSan 66).
using goro::test::kUnderSanitizer;
#if defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerExitCode = 1;
inline constexpr const char* kSanitizerSegv = "AddressSanitizer: SEGV";
#elif defined(__SANITIZE_THREAD__)
inline constexpr int kSanitizerExitCode = 66;
inline constexpr const char* kSanitizerSegv = "ThreadSanitizer: SEGV";
#else
inline constexpr int kSanitizerExitCode = 0;
inline constexpr const char* kSanitizerSegv = "";
#endif

// Recurses, a ~512-byte frame at a time, until a frame lies below stop_below
// (never, for nullptr: that overflows). Not a tail call, so every frame stays,
// and each frame is written whole, so no word of the stack is skipped.
// Not instrumented by ASan: with detect_stack_use_after_return its frames
// would live on ASan's heap-allocated fake stack, never reach stop_below, and
// recurse until the real stack overflows.
[[gnu::noinline, gnu::no_sanitize_address]] inline std::size_t descend(const std::byte* stop_below) {
  volatile char frame[480];
  for (volatile char& c : frame) c = 1;
  if (reinterpret_cast<const std::byte*>(const_cast<char*>(&frame[0])) < stop_below) return 1;
  return descend(stop_below) + std::size_t(frame[0]);
}

// Runs fn(arg) on `stack` until it returns, then comes back. Under TSan the
// context is a fiber of its own, and each switch says so first (as the
// scheduler does for goroutines: runtime/sched/sanitizer.hpp); TSan cannot
// follow a raw switch.
struct OnStack {
  arch::Context main = nullptr, self = nullptr;
  void* main_fiber = goro::sched::sanitizer::current_fiber();
  void* self_fiber = goro::sched::sanitizer::create_fiber();
  void (*fn)(void*);
  void* arg;
  static void entry(void* p) {
    auto* o = static_cast<OnStack*>(p);
    o->fn(o->arg);
    goro::sched::sanitizer::switch_to_fiber(o->main_fiber);
    arch::switch_context(&o->self, o->main);
  }
  OnStack(const Stack& stack, void (*f)(void*), void* a) : fn(f), arg(a) {
    self = arch::make_context(stack.hi, stack.size(), &OnStack::entry, this);
    goro::sched::sanitizer::switch_to_fiber(self_fiber);
    arch::switch_context(&main, self);
  }
  ~OnStack() { goro::sched::sanitizer::destroy_fiber(self_fiber); }
  OnStack(const OnStack&) = delete;
  OnStack& operator=(const OnStack&) = delete;
};

// Deepest descent on `stack` down to stop_below; returns the frames made.
inline std::size_t descend_on(const Stack& stack, const std::byte* stop_below) {
  struct Arg { const std::byte* stop; std::size_t frames; } a{stop_below, 0};
  OnStack run(stack, [](void* p) {
    auto* a = static_cast<Arg*>(p);
    a->frames = descend(a->stop);
  }, &a);
  return a.frames;
}

// A field of /proc/self/status or smaps_rollup in KiB ("VmRSS", "LazyFree").
inline long proc_kib(const char* file, const std::string& field) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}
inline long rss_kib() { return proc_kib("/proc/self/status", "VmRSS"); }

inline std::size_t mapping_count() {
  std::ifstream in("/proc/self/maps");
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

// True if the byte at p can be read: write(2) reports EFAULT for a guard page
// instead of raising SIGSEGV.
inline bool readable(const void* p) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  ssize_t n = write(fds[1], p, 1);
  int err = errno;
  close(fds[0]);
  close(fds[1]);
  return n == 1 || err != EFAULT;
}

}  // namespace goro::stack::testing_support
