#include "runtime/sched/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace goro::sched {

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::int64_t timeout_ns) noexcept {
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    tsp = &ts;
  }
  int saved = errno;  // a sleeping M must not leak EAGAIN/EINTR into a goroutine
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, tsp, nullptr, 0);
  errno = saved;
}

void futex_wake(std::atomic<std::uint32_t>& word, int count) noexcept {
  int saved = errno;
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
  errno = saved;
}

void Lock::lock_slow() noexcept {
  for (int spin = 0; spin < 100; ++spin) {
    std::uint32_t expected = 0;
    if (state_.load(std::memory_order_relaxed) == 0 &&
        state_.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
      return;
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
  }
  // Mark contended (2) so the holder's unlock wakes us.
  while (state_.exchange(2, std::memory_order_acquire) != 0) futex_wait(state_, 2);
}

void Note::sleep() noexcept {
  while (word_.load(std::memory_order_acquire) == 0) futex_wait(word_, 0);
}

bool Note::sleep_for(std::int64_t timeout_ns) noexcept {
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const std::int64_t deadline = start.tv_sec * 1'000'000'000LL + start.tv_nsec + timeout_ns;
  while (word_.load(std::memory_order_acquire) == 0) {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    std::int64_t left = deadline - (now.tv_sec * 1'000'000'000LL + now.tv_nsec);
    if (left <= 0) return false;
    futex_wait(word_, 0, left);
  }
  return true;
}

}  // namespace goro::sched
