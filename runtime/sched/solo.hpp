// Solo mode: a P whose run queue no thief can touch, so its owner takes
// and swaps Gs without locked instructions.
//
// A P's ring head and runnext are shared with thieves (other Ms stealing
// work), so the owner pops with a CAS and swaps runnext with an exchange:
// locked read-modify-writes, a third of a channel round trip's cost. With
// gomaxprocs 1 there is nobody to steal, yet the owner paid for them on
// every switch. In solo mode it uses plain loads and stores instead.
//
// The protocol (a Dekker handshake; every step below is seq_cst unless said):
//  - Only the owner (the M holding the P) turns solo on, and only when
//    gomaxprocs is 1: it stores P::solo = on, then reads P::thieves; if a
//    thief is inside the guard it turns solo off again and stays in CAS mode.
//  - A thief enters the guard by incrementing the victim's P::thieves, then
//    reads P::solo: if it is not off, it touches nothing, asks the owner to
//    leave (on -> leave) and moves on. It leaves the guard by decrementing.
//  - In the single total order of those operations either the owner's read
//    of `thieves` comes after a thief's increment (the owner backs out) or
//    the thief's read of `solo` comes after the owner's store (the thief
//    backs out): a thief and a solo owner never touch the ring together.
//  - The owner notices `leave` at its next run-queue operation and stores
//    off (release) before using CAS again; a thief that reads off (acquire)
//    sees every plain store the owner made to the ring before.
// gomaxprocs growing makes no thief wait on a solo P for long: its first
// steal attempt asks the owner to leave, and the owner takes its run queue
// at least every switch (and a spinning G is preempted).
#pragma once

#include "runtime/sched/p.hpp"

#include <atomic>
#include <cstdint>

namespace goro::sched {

enum : std::uint8_t { kSoloOff = 0, kSoloOn = 1, kSoloLeave = 2 };

// Owner only: whether p is solo now (leaving it first if a thief asked).
[[gnu::always_inline]] inline bool solo(P* p) noexcept {
  std::uint8_t st = p->solo.load(std::memory_order_relaxed);
  if (st == kSoloOn) [[likely]]
    return true;
  if (st == kSoloLeave) p->solo.store(kSoloOff, std::memory_order_release);
  return false;
}

// Owner only, with gomaxprocs 1: turns solo mode on unless a thief is in
// p's guard (it retries at its next pass through the scheduler).
inline void try_enter_solo(P* p) noexcept {
  if (p->solo.load(std::memory_order_relaxed) != kSoloOff) return;
  p->solo.store(kSoloOn, std::memory_order_seq_cst);
  if (p->thieves.load(std::memory_order_seq_cst) != 0) p->solo.store(kSoloOff, std::memory_order_release);
}

// A thief's right to touch victim's ring and runnext; false (and the owner
// asked to leave solo mode) while it is solo.
class StealGuard {
 public:
  explicit StealGuard(P* victim) noexcept : p_(victim) {
    p_->thieves.fetch_add(1, std::memory_order_seq_cst);
    std::uint8_t st = p_->solo.load(std::memory_order_seq_cst);
    if (st == kSoloOn) p_->solo.compare_exchange_strong(st, kSoloLeave, std::memory_order_relaxed);
    open_ = st == kSoloOff;
  }
  ~StealGuard() { p_->thieves.fetch_sub(1, std::memory_order_release); }
  StealGuard(const StealGuard&) = delete;
  StealGuard& operator=(const StealGuard&) = delete;
  explicit operator bool() const noexcept { return open_; }

 private:
  P* p_;
  bool open_;
};

}  // namespace goro::sched
