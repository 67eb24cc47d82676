// MList: every M ever started (Sched::all_ms), readable without any lock.
//
// Ms are never removed before the runtime stops (an M whose thread exited
// stays, with tid 0), so the list only grows: appends go under Sched::lock,
// one at a time, and readers (sysmon every round, a dump asking Ms for traces,
// perhaps from a signal handler, stop()) walk it without a lock.
//
// Publication: append() writes the entry (and, for a new chunk, the chunk
// pointer) and then stores the count with release; size() loads it with
// acquire, so a reader that sees index i < size() sees entry i and the M it
// points at as newm() built it. An entry never changes once published, and a
// chunk never moves (chunks, not one array that would be reallocated).
#pragma once

#include "runtime/alloc.hpp"

#include <atomic>
#include <cstddef>

namespace goro::sched {

struct M;

class MList {
 public:
  static constexpr int kChunk = 256;
  static constexpr int kMaxChunks = 4096;  // 1M Ms: far beyond any thread limit

  MList() = default;
  MList(const MList&) = delete;
  MList& operator=(const MList&) = delete;
  ~MList() {
    for (M** c : chunks_) alloc::free(c);
  }

  // Sched::lock held. m goes at index size() (its M::id, set before: a
  // reader may look at m as soon as it is published). False: out of memory.
  bool append(M* m) noexcept {
    const int i = count_.load(std::memory_order_relaxed);
    if (i / kChunk == kMaxChunks) return false;
    M**& chunk = chunks_[i / kChunk];
    if (!chunk) {
      chunk = static_cast<M**>(alloc::aligned(kChunk * sizeof(M*), alignof(M*)));
      if (!chunk) return false;
    }
    chunk[i % kChunk] = m;
    count_.store(i + 1, std::memory_order_release);
    return true;
  }

  // Ms published so far; entries [0, size()) may be read by anyone.
  int size() const noexcept { return count_.load(std::memory_order_acquire); }
  M* operator[](int i) const noexcept { return chunks_[i / kChunk][i % kChunk]; }
  // f(m) for every M published when the walk starts.
  template <class F>
  void each(F&& f) const {
    for (int i = 0, n = size(); i < n; ++i) f((*this)[i]);
  }

 private:
  M** chunks_[kMaxChunks] = {};
  std::atomic<int> count_{0};
};

}  // namespace goro::sched
