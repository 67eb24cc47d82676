// StackPool: carving slots out of reservations, the free list, and giving
// released memory back to the kernel.
//
// Free list. `free` is a LIFO of released slots, oldest at the bottom, in
// three bands:
//
//   free[0, emptied)        cold: all pages released (MADV_DONTNEED)
//   free[emptied, trimmed)  trimmed: pages below the top kHotBytes released (MADV_FREE)
//   free[trimmed, size)     hot: as the goroutine left it
//
// allocate() pops the top (hottest); popping below a band boundary moves the
// boundary down. release() pushes on top, then, when the hot band exceeds
// kKeepHot + kBatch slots, trims its oldest kBatch slots in one batch; and when
// the slots still holding memory far exceed the live ones, empties the oldest
// kBatch trimmed slots. Batching matters: one process_madvise call over kBatch
// ranges pays one TLB shootdown instead of kBatch (Linux 6.16+).
//
// Committed bytes (committed_bytes): each carved slot has a flag saying
// whether it may hold memory: set while live and in the hot band, cleared
// when its batch is trimmed or emptied. The flagged slots are sampled (128
// at most, mincore(2) on each) and their mean resident size is scaled to
// all of them; trimmed slots count their kHotBytes, emptied ones nothing.
// A constant cost per call, whatever the number of stacks; exact while at
// most 128 slots hold memory. It is an estimate beyond that: one deep stack
// among a million shallow ones is likely missed.
//
// Locking: one mutex (`mu`) guards everything but the counters readable
// without it (live, reserved). The madvise calls run under it; a batch costs
// microseconds and happens once per kBatch releases.
#include "runtime/stack/arena.hpp"
#include "runtime/stack/guard.hpp"
#include "runtime/stack/stack.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <new>
#include <random>
#include <vector>

namespace goro::stack {

namespace {

constexpr std::size_t kFirstReservationSlots = 1024;
constexpr std::size_t kMaxReservationSlots = std::size_t{1} << 20;
constexpr std::size_t kHotBytes = 16 * 1024;  // top of a trimmed slot kept committed
constexpr std::size_t kKeepHot = 64;           // untrimmed free slots kept beyond a batch
constexpr std::size_t kBatch = 64;             // slots per trim or empty batch
constexpr std::size_t kKeepWarm = 1024;        // slots with memory kept regardless of live count
constexpr std::size_t kCommittedSamples = 128;   // slots committed_bytes() measures
constexpr std::size_t kCommittedAttempts = 8192; // random picks it makes to find them

struct Reservation {
  std::byte* base;
  std::size_t slots;
  std::size_t carved;  // slots [0, carved) have been handed out at least once
  // Per slot: 1 while it may hold memory (live, or free in the hot band),
  // 0 once trimmed or emptied (and before it is carved).
  std::vector<std::uint8_t> holding;
};

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// Gives [iov[i].base, +len) back with `advice` (MADV_FREE or MADV_DONTNEED).
// One process_madvise call for the whole batch where the kernel allows it on
// the caller's own memory (Linux 6.13+), else one madvise per range.
class Releaser {
 public:
  Releaser() : pid_(getpid()), pidfd_(int(syscall(SYS_pidfd_open, pid_, 0))) {}
  ~Releaser() {
    if (pidfd_ >= 0) close(pidfd_);
  }
  void release(iovec* iov, std::size_t n, int advice) {
    // After fork() the pidfd still names the parent: never madvise through it.
    if (pidfd_ >= 0 && batch_works_ && getpid() == pid_) {
      std::size_t done = 0;
      while (done < n) {
        ssize_t r = process_madvise(pidfd_, iov + done, n - done, advice, 0);
        if (r < 0) break;
        // A partial result counts bytes; skip the ranges it covered.
        std::size_t bytes = std::size_t(r);
        while (done < n && bytes >= iov[done].iov_len) bytes -= iov[done++].iov_len;
        if (done < n && bytes) break;  // stopped mid-range: finish by hand
        if (r == 0) break;
      }
      if (done == n) return;
      if (done == 0) batch_works_ = false;  // EINVAL/EPERM: older kernel, stop trying
      iov += done;
      n -= done;
    }
    for (std::size_t i = 0; i < n; ++i) madvise(iov[i].iov_base, iov[i].iov_len, advice);
  }

 private:
  pid_t pid_;
  int pidfd_;
  bool batch_works_ = true;
};

}  // namespace

struct StackPool::State {
  std::size_t page;
  std::size_t stack_size;
  std::size_t stride;  // guard page + stack

  mutable std::mutex mu;
  // --- guarded by mu ---
  std::vector<Reservation> reservations;  // the last one is being carved
  std::size_t next_slots = kFirstReservationSlots;
  std::size_t carved_total = 0;
  std::vector<Stack> free;  // capacity >= carved_total, so release() never allocates
  std::size_t trimmed = 0;  // band boundaries, see the file comment
  std::size_t emptied = 0;
  GuardKind kind;            // what the next fresh slot gets
  std::size_t vma_room = 0;  // mprotect guards we may still add before recounting
  Releaser releaser;
  // --- readable without mu ---
  std::atomic<std::size_t> live{0};
  std::atomic<std::size_t> reserved{0};
  std::atomic<GuardKind> published_kind;
  std::minstd_rand sampler;  // guarded by mu

  // The holding flag of the slot whose usable range starts at lo.
  std::uint8_t& holding(const std::byte* lo) {
    for (Reservation& r : reservations)
      if (lo > r.base && lo < r.base + r.slots * stride) return r.holding[std::size_t(lo - r.base) / stride];
    __builtin_trap();  // a stack from another pool: release()'s contract broken
  }

  void add_reservation();
  Stack carve();
  void set_kind(GuardKind k) {
    kind = k;
    published_kind.store(k, std::memory_order_relaxed);
  }
  void trim_oldest_hot_batch();
  void empty_oldest_trimmed_batch();
};

StackPool::StackPool(std::size_t stack_size, GuardKind preferred) : state_(new State) {
  State& st = *state_;
  st.page = detail::page_size();
  st.stack_size = round_up(stack_size == 0 ? 1 : stack_size, st.page);
  st.stride = st.page + st.stack_size;
  st.set_kind(preferred);
}

StackPool::~StackPool() {
  for (const Reservation& r : state_->reservations) {
    detail::unregister_reservation(r.base);
    detail::unmap_reservation(r.base, r.slots * state_->stride);
  }
}

// Maps the next reservation: kFirstReservationSlots, then doubling, so n
// stacks need O(log n) mappings. Under address-space pressure it tries
// smaller sizes before giving up.
void StackPool::State::add_reservation() {
  for (std::size_t slots = next_slots; slots >= 1; slots /= 2) {
    std::byte* base = detail::map_reservation(slots * stride);
    if (!base) continue;
    if (!detail::register_reservation(base, slots * stride, stride, stack_size)) {
      detail::unmap_reservation(base, slots * stride);
      throw std::bad_alloc();
    }
    try {
      reservations.push_back({base, slots, 0, std::vector<std::uint8_t>(slots, 0)});
    } catch (...) {
      detail::unregister_reservation(base);
      detail::unmap_reservation(base, slots * stride);
      throw;
    }
    reserved.fetch_add(slots * stride, std::memory_order_relaxed);
    next_slots = slots * 2 > kMaxReservationSlots ? kMaxReservationSlots : slots * 2;
    return;
  }
  throw std::bad_alloc();
}

// A never-used slot with its guard installed, falling back madvise -> mprotect
// -> canary as the kernel and the VMA budget allow.
Stack StackPool::State::carve() {
  if (reservations.empty() || reservations.back().carved == reservations.back().slots)
    add_reservation();
  free.reserve(carved_total + 1);  // may throw; release() must not
  Reservation& r = reservations.back();
  std::byte* guard = r.base + r.carved * stride;
  Stack s{guard + page, guard + stride, kind};

  if (kind == GuardKind::madvise) {
    if (!detail::install_madvise_guard(guard, page)) {
      detail::print_notice_once(detail::kMadviseFallbackNotice);
      set_kind(GuardKind::mprotect);
    }
  }
  if (kind == GuardKind::mprotect) {
    // Each PROT_NONE page splits a mapping: up to two more VMAs. Counting
    // /proc/self/maps is slow, so count once per budget, not per stack.
    if (vma_room < 2) {
      const std::size_t limit = detail::vma_budget_limit(), now = detail::count_vmas();
      vma_room = now < limit ? limit - now : 0;
    }
    if (vma_room >= 2 && detail::install_mprotect_guard(guard, page)) {
      vma_room -= 2;
    } else {
      detail::print_notice_once(detail::kCanaryFallbackNotice);
      set_kind(GuardKind::canary);
    }
  }
  s.guard = kind;
  if (kind == GuardKind::canary) detail::write_canary(s.lo);
  r.holding[r.carved] = 1;
  ++r.carved;
  ++carved_total;
  return s;
}

void StackPool::State::trim_oldest_hot_batch() {
  iovec iov[kBatch];
  for (std::size_t i = 0; i < kBatch; ++i) {
    const Stack& s = free[trimmed + i];
    // A canary slot keeps its lowest page: the canary lives there.
    std::byte* from = s.guard == GuardKind::canary ? s.lo + page : s.lo;
    std::byte* to = s.hi - kHotBytes;
    iov[i] = {from, from < to ? std::size_t(to - from) : 0};
    holding(s.lo) = 0;
  }
  releaser.release(iov, kBatch, MADV_FREE);
  trimmed += kBatch;
}

void StackPool::State::empty_oldest_trimmed_batch() {
  iovec iov[kBatch];
  for (std::size_t i = 0; i < kBatch; ++i) {
    const Stack& s = free[emptied + i];
    iov[i] = {s.lo, s.size()};
    holding(s.lo) = 0;
  }
  // DONTNEED, not FREE: the point is to lower RSS now, and these slots are
  // the least likely to be reused soon.
  releaser.release(iov, kBatch, MADV_DONTNEED);
  emptied += kBatch;
}

Stack StackPool::allocate() {
  State& st = *state_;
  std::lock_guard lock(st.mu);
  Stack s;
  if (!st.free.empty()) {
    s = st.free.back();
    st.free.pop_back();
    if (st.trimmed > st.free.size()) {  // it came from the trimmed or emptied band
      st.holding(s.lo) = 1;
      st.trimmed = st.free.size();
    }
    if (st.emptied > st.free.size()) st.emptied = st.free.size();
    // An emptied canary slot reads zero at lo; rewriting is as cheap as checking.
    if (s.guard == GuardKind::canary) detail::write_canary(s.lo);
  } else {
    s = st.carve();
  }
  st.live.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void StackPool::release(Stack s) {
  if (!s) return;
  State& st = *state_;
  std::lock_guard lock(st.mu);
  st.free.push_back(s);  // never reallocates: capacity >= carved_total
  const std::size_t live = st.live.fetch_sub(1, std::memory_order_relaxed) - 1;
  if (st.free.size() - st.trimmed >= kKeepHot + kBatch) st.trim_oldest_hot_batch();
  // "Far more than it needs": more free slots holding memory than live
  // stacks (and than a warm reserve), and a full trimmed batch to empty.
  const std::size_t holding = st.free.size() - st.emptied;
  if (holding > kKeepWarm && holding > 2 * live && st.trimmed - st.emptied >= kBatch)
    st.empty_oldest_trimmed_batch();
}

GuardKind StackPool::guard_kind() const {
  return state_->published_kind.load(std::memory_order_relaxed);
}

std::size_t StackPool::stack_size() const { return state_->stack_size; }

bool StackPool::canary_intact(const Stack& s) const {
  return s.guard != GuardKind::canary || detail::canary_holds(s.lo);
}

std::size_t StackPool::reserved_bytes() const {
  return state_->reserved.load(std::memory_order_relaxed);
}

std::size_t StackPool::committed_bytes() const {
  State& st = *state_;
  std::byte* picked[kCommittedSamples];
  std::size_t npicked = 0, held = 0, trimmed_only = 0;
  {
    std::lock_guard lock(st.mu);
    held = st.live.load(std::memory_order_relaxed) + (st.free.size() - st.trimmed);
    trimmed_only = st.trimmed - st.emptied;
    auto slot_lo = [&](const Reservation& r, std::size_t i) { return r.base + i * st.stride + st.page; };
    if (held <= kCommittedSamples) {
      // Few enough to measure every one: find them all. Exactly `held`
      // slots are flagged (mu orders every flag change with `live` and the
      // bands), so the scan ends at the last of them, not at the last slot.
      for (std::size_t ri = 0; ri < st.reservations.size() && npicked < held; ++ri) {
        const Reservation& r = st.reservations[ri];
        for (std::size_t i = 0; i < r.carved && npicked < held; ++i)
          if (r.holding[i]) picked[npicked++] = slot_lo(r, i);
      }
    } else {
      for (std::size_t a = 0; a < kCommittedAttempts && npicked < kCommittedSamples; ++a) {
        std::size_t k = std::size_t(st.sampler()) % st.carved_total;
        for (const Reservation& r : st.reservations) {
          if (k >= r.carved) {
            k -= r.carved;
            continue;
          }
          if (r.holding[k]) picked[npicked++] = slot_lo(r, k);
          break;
        }
      }
    }
  }
  // Measured outside the lock: a slot reused or released meanwhile is
  // measured as it is now, which is as good a sample.
  std::size_t resident_pages = 0;
  unsigned char vec[1024];
  const std::size_t pages = st.stack_size / st.page;
  for (std::size_t k = 0; k < npicked; ++k) {
    for (std::size_t done = 0; done < pages;) {
      std::size_t n = std::min(pages - done, sizeof vec);
      if (mincore(picked[k] + done * st.page, n * st.page, vec) != 0) break;
      for (std::size_t i = 0; i < n; ++i) resident_pages += vec[i] & 1;
      done += n;
    }
  }
  std::size_t sampled = npicked ? resident_pages * st.page * held / npicked : 0;
  if (held <= kCommittedSamples) sampled = resident_pages * st.page;
  return sampled + trimmed_only * kHotBytes;
}

std::size_t StackPool::live_stacks() const { return state_->live.load(std::memory_order_relaxed); }

std::size_t StackPool::free_stacks() const {
  std::lock_guard lock(state_->mu);
  return state_->free.size();
}

}  // namespace goro::stack
