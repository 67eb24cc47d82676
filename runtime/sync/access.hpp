// Internal state of the public sync types, for the runtime and its tests.
#pragma once

#include <goro/sync.hpp>

namespace goro::detail {

struct SyncAccess {
  static constexpr std::int32_t kWoken = 2;
  static constexpr std::int32_t kStarving = 4;
  static constexpr int kWaiterShift = 3;

  static std::int32_t state(const Mutex& m) noexcept { return m.state_.load(std::memory_order_relaxed); }
  static bool starving(const Mutex& m) noexcept { return (state(m) & kStarving) != 0; }
  static int mutex_waiters(const Mutex& m) noexcept { return state(m) >> kWaiterShift; }
  static std::uint32_t waitgroup_waiters(const WaitGroup& wg) noexcept {
    return static_cast<std::uint32_t>(wg.state_.load(std::memory_order_relaxed));
  }
  // Tickets handed out and not yet notified.
  static std::uint32_t cond_tickets(const Cond& c) noexcept {
    return c.wait_.load(std::memory_order_relaxed) - c.notify_.load(std::memory_order_relaxed);
  }
  static std::int32_t reader_count(const RWMutex& rw) noexcept {
    return rw.reader_count_.load(std::memory_order_relaxed);
  }
};

}  // namespace goro::detail
