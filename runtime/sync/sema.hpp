// Semaphores keyed by address: Go's semtable (runtime/sema.go), the one
// blocking primitive every sync type builds on.
//
//   semacquire(&word, lifo, reason)   waits until *word > 0, then decrements it
//   semrelease(&word, handoff, n)     increments *word by n and wakes up to n
//                                     waiters queued on &word
//
// The words live in the sync objects (Mutex::sema_, WaitGroup::sema_, ...);
// the waiters live in a fixed table of buckets hashed by address, so a sync
// object costs a few words and needs no constructor or destructor.
//
// Each Bucket holds a Lock, a wait list of sched::Waiter (one list for every
// address that hashes there, in arrival order) and nwait, the number of
// waiters queued or about to queue. Protocol (Go's):
//  - A waiter takes the bucket lock, increments nwait, re-checks *word, and
//    only then queues itself and blocks; the bucket lock is released by the
//    Waiter's block() once it is safe to wake.
//  - A releaser increments *word first and then reads nwait: with both sides
//    seq_cst, either the waiter sees the count or the releaser sees nwait > 0
//    and takes the lock (Dekker), so a wake-up is never lost. nwait == 0
//    lets semrelease skip the lock entirely when nobody waits.
//  - The releaser dequeues under the lock, decrements nwait for each waiter it
//    takes, and calls wake() after unlocking. A woken waiter re-checks *word
//    (or finds its hand-off ticket) and queues again if another acquirer got
//    there first: spurious wake-ups are harmless.
//  - After incrementing *word, semrelease never dereferences the address
//    again (it only compares it), so a woken waiter may destroy the object.
//
// Lock order: a bucket lock is a leaf: nothing else is taken while it is
// held (wake() runs after it is released; block() releases it after the
// switch) and it is never held across a context switch.
#pragma once

#include "runtime/sched/g.hpp"

#include <atomic>
#include <cstdint>

namespace goro::sync {

// Blocks the running goroutine (or this thread, outside the runtime) until
// *addr > 0, then decrements it. lifo queues at the head of the address's
// waiters (Go: a mutex waiter that was woken and lost the race again).
void semacquire(std::atomic<std::uint32_t>* addr, bool lifo, sched::WaitReason reason) noexcept;

// Adds n to *addr and wakes up to n waiters queued on addr, oldest first.
// handoff (n == 1 only): the count is consumed on behalf of the woken waiter
// and, from a goroutine, the caller yields so the waiter runs at once
// (Go's starving-mutex hand-off).
void semrelease(std::atomic<std::uint32_t>* addr, bool handoff = false, std::uint32_t n = 1) noexcept;

// Waiters currently queued on addr (tests and diagnostics; takes the lock).
int sema_waiters(const std::atomic<std::uint32_t>* addr) noexcept;

}  // namespace goro::sync
