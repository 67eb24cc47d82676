#include "runtime/sched/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

GORO_TLS_DEFINE(int, goro_tls_runtime_locks, 0);

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
  // Go's lock2 shape. The spinner looks at the word only between bursts of
  // pauses: checking after every pause hands the lock (and the cache lines
  // it guards) to the spinner at each unlock, so two threads on one channel
  // pay a line transfer per operation. Between looks the holder keeps the
  // lock hot and runs a batch of operations.
  for (int round = 0; round < 4; ++round) {
    for (std::uint32_t v = state_.load(std::memory_order_relaxed); v == 0; v = state_.load(std::memory_order_relaxed))
      if (state_.compare_exchange_weak(v, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    for (int i = 0; i < 30; ++i) cpu_relax();
  }
  sched_yield();
  // Mark contended (2) so the holder's unlock wakes us.
  // The bound covers a wake-up lost to unlock's plain store (futex.hpp).
  while (state_.exchange(2, std::memory_order_acquire) != 0) futex_wait(state_, 2, kSleepBound);
}

void Lock::unlock_slow() noexcept {
  state_.exchange(0, std::memory_order_release);
  futex_wake(state_, 1);
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
