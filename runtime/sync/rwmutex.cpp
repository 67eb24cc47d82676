// RWMutex: Go's sync/rwmutex.go. A writer first takes w_ (excluding other
// writers), then announces itself by subtracting kMaxReaders from
// reader_count_: from then on new readers see a negative count and queue on
// reader_sem_, and the writer waits on writer_sem_ for the readers that were
// already in (reader_wait_). unlock() adds kMaxReaders back and releases the
// readers that queued meanwhile, all at once.
#include <goro/sync.hpp>

#include "runtime/sched/g.hpp"
#include "runtime/sync/sema.hpp"

#include <stdexcept>

namespace goro {

void RWMutex::lock_shared() {
  if (reader_count_.fetch_add(1, std::memory_order_acquire) + 1 < 0)
    // A writer is pending: wait for it.
    sync::semacquire(&reader_sem_, false, sched::WaitReason::sync_rwmutex_rlock);
}

bool RWMutex::try_lock_shared() noexcept {
  std::int32_t c = reader_count_.load(std::memory_order_relaxed);
  for (;;) {
    if (c < 0) return false;
    if (reader_count_.compare_exchange_weak(c, c + 1, std::memory_order_acquire, std::memory_order_relaxed))
      return true;
  }
}

void RWMutex::unlock_shared() {
  std::int32_t r = reader_count_.fetch_sub(1, std::memory_order_release) - 1;
  if (r >= 0) return;
  if (r + 1 == 0 || r + 1 == -kMaxReaders) {
    reader_count_.fetch_add(1, std::memory_order_relaxed);  // undo
    throw std::logic_error("sync: RUnlock of unlocked RWMutex");
  }
  // A writer is pending; the last reader it waits for wakes it.
  if (reader_wait_.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0) sync::semrelease(&writer_sem_, false);
}

void RWMutex::lock() {
  w_.lock();
  // Announce the writer, then wait for the readers already in.
  std::int32_t r = reader_count_.fetch_sub(kMaxReaders, std::memory_order_acquire);
  if (r != 0 && reader_wait_.fetch_add(r, std::memory_order_acq_rel) + r != 0)
    sync::semacquire(&writer_sem_, false, sched::WaitReason::sync_rwmutex_lock);
}

bool RWMutex::try_lock() noexcept {
  if (!w_.try_lock()) return false;
  std::int32_t zero = 0;
  if (!reader_count_.compare_exchange_strong(zero, -kMaxReaders, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
    w_.unlock();
    return false;
  }
  return true;
}

void RWMutex::unlock() {
  // Announce to readers there is no active writer.
  std::int32_t r = reader_count_.fetch_add(kMaxReaders, std::memory_order_release) + kMaxReaders;
  if (r >= kMaxReaders) {
    reader_count_.fetch_sub(kMaxReaders, std::memory_order_relaxed);  // undo
    throw std::logic_error("sync: Unlock of unlocked RWMutex");
  }
  // Unblock the readers that queued while we held it.
  if (r > 0) sync::semrelease(&reader_sem_, false, static_cast<std::uint32_t>(r));
  w_.unlock();
}

}  // namespace goro
