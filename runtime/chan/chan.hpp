// The type-erased channel core behind goro::Chan<T> (include/goro/chan.hpp)
// and goro::select (select.cpp). Go's runtime/chan.go, in C++.
//
//   ChanCore   one channel: a ring of `capacity` element slots, the queues
//              of blocked receivers and senders, the closed flag, a Lock.
//   WaitEntry  one blocked operation on one channel (Go's sudog): which
//              sched::Waiter to wake, where its value is (send) or goes
//              (recv), and, for a select, the select's shared state.
//
// Invariants (all under ChanCore::lock):
//  - An entry is on at most one queue, `queued` says whether it is. Only
//    the holder of the channel's lock links or unlinks it.
//  - A waker claims an entry before touching it: a plain entry is always
//    claimable; a select entry only if it wins the CAS of the select's
//    `done` 0 -> 1. Entries that lose are stale (their select already ran
//    a case) and are dropped from the queue by whoever finds them.
//  - The claimant fills in `result` (and moves the value into or out of
//    `elem`), unlinks the entry, sets waiter->owner = entry, releases the
//    lock and only then calls waiter->wake(). Nothing touches the entry
//    after wake(): it lives on the blocked side's stack.
//  - elem points into the blocked side's own frame, and is only used while
//    that side is parked: values are moved before it is woken.
//  - recvq is non-empty only while nothing is buffered and the channel is
//    open; sendq is non-empty only while the buffer is full (or there is
//    none) and the channel is open. (A move constructor that throws while
//    refilling the ring may leave a free slot with a sender still queued;
//    the operations below handle that state too.)
//
// Lock order: channel locks are taken in address order (select; checked in
// debug builds, lock.hpp) and before any scheduler lock; Waiter::block
// releases them after the G is parked.
#pragma once

#include <goro/chan.hpp>

#include "runtime/chan/lock.hpp"
#include "runtime/sched/waiter.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>

namespace goro::chan {

enum class Result : std::uint8_t {
  pending,  // still queued
  ok,       // a value was delivered (recv) or taken (send)
  closed,   // woken by close()
  retry,    // claimed, but the partner's move threw: run the operation again
  error,    // this send's value failed to move into the ring: rethrow `error`
};

// Shared by every entry of one blocked select.
struct SelectState {
  std::atomic<std::uint32_t> done{0};
};

struct WaitEntry {
  sched::Waiter* waiter = nullptr;
  void* elem = nullptr;
  SelectState* select = nullptr;  // null for a plain send or recv
  WaitEntry* next = nullptr;
  WaitEntry* prev = nullptr;
  bool queued = false;
  Result result = Result::pending;
  std::exception_ptr error;

  bool claim() noexcept {
    if (!select) return true;
    std::uint32_t expected = 0;
    return select->done.compare_exchange_strong(expected, 1, std::memory_order_acq_rel);
  }
};

// FIFO of entries, intrusive, doubly linked (a select unlinks from the middle).
struct WaitQueue {
  WaitEntry* first = nullptr;
  WaitEntry* last = nullptr;

  void push(WaitEntry* e) noexcept;
  void remove(WaitEntry* e) noexcept;  // e must be queued here
  // Unlinks and returns the first entry this caller could claim, dropping
  // stale select entries on the way; null if none.
  WaitEntry* claim() noexcept;
};

// What a channel operation does once every lock it holds is released.
struct Wakeup {
  WaitEntry* entry = nullptr;
  void wake() noexcept;
};

enum class Status : std::uint8_t { done, closed, would_block };

}  // namespace goro::chan

namespace goro::detail {

struct ChanCore {
  ChanCore(const ElemType* t, std::size_t cap);
  ~ChanCore();

  std::byte* slot(std::size_t i) const noexcept { return buf + i * stride; }

  // With `lock` held. send_locked throws closed_channel_error when closed.
  // Both may throw what an element's move constructor throws; `wake` is
  // set to a partner to wake after the lock is released, even then.
  chan::Status send_locked(void* src, chan::Wakeup& wake);
  chan::Status recv_locked(void* dst, chan::Wakeup& wake);

  std::atomic<long> refs{1};
  const ElemType* type;
  std::size_t cap;
  std::size_t stride;
  std::byte* buf = nullptr;

  chan::ChanLock lock;  // lock.hpp: the address order, checked in debug builds
  std::atomic<std::size_t> count{0};  // written under lock; size() reads it without
  std::size_t sendx = 0;              // next slot a send fills
  std::size_t recvx = 0;              // next slot a recv takes
  bool closed = false;
  chan::WaitQueue recvq;
  chan::WaitQueue sendq;
};

}  // namespace goro::detail

namespace goro::chan {

[[noreturn]] void throw_send_on_closed();
// Parks the caller (goroutine or thread) for good: nil channels, empty select.
[[noreturn]] void block_forever(sched::WaitReason reason);

}  // namespace goro::chan
