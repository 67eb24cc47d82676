// goro::stack — goroutine stacks: guarded slots in large reservations, pooled.
//
// Every stack is a slot in an anonymous MAP_NORESERVE reservation marked
// MADV_NOHUGEPAGE, laid out as
//
//     reservation base                                              grows up ->
//     | guard | stack 0 (stack_size) | guard | stack 1 | ... | guard | stack n-1 |
//             ^lo                  ^hi
//
// so a new stack costs the pages it touches (one, for a fresh context) and a
// thousand stacks cost one VMA. Reservations grow geometrically (1024 slots,
// then doubling), keeping the VMA count logarithmic in the number of stacks.
//
//   StackPool pool;                          // one per runtime
//   Stack s = pool.allocate();               // 256 KiB usable, guarded
//   Context c = arch::make_context(s.start(), s.start() - s.lo, entry, arg);
//   ...
//   if (!pool.canary_intact(s)) die();       // at every switch (no-op unless canary mode)
//   pool.release(s);
//
// Promises:
//  - Guards. The page below every stack is a guard, chosen in this order:
//    madvise(MADV_GUARD_INSTALL) (Linux 6.13+: no extra VMA); on EINVAL,
//    mprotect(PROT_NONE) (two more VMAs per stack) while the process's VMA
//    count stays under half of /proc/sys/vm/max_map_count; then canary words
//    at `lo` that the scheduler checks with canary_intact(). Each fallback
//    prints one line on stderr ("goro: ..."). The constructor's `preferred`
//    kind forces a weaker mode (for tests); it never upgrades.
//  - Overflow. With install_overflow_handler() and ensure_signal_stack() on the
//    faulting thread, a write into a guard page of any live pool prints
//        runtime: goroutine N stack exceeds 262144-byte limit
//        fatal error: stack overflow (goroutine N, limit 256 KiB)
//    and exits with status 2. N comes from set_goroutine_id_source(). Any
//    other SIGSEGV behaves as if the handler were not there.
//  - Frames larger than a page can jump over the guard into the next slot
//    down; code run on these stacks should be built with
//    -fstack-clash-protection (GCC probes every page of a large frame).
//  - Reuse is hot: allocate() returns the most recently released slot (LIFO),
//    whose top pages are still committed. Below the hot top pages, released
//    slots are given back with MADV_FREE lazily, in batches, and whole slots
//    are emptied (MADV_DONTNEED) when the pool holds far more free slots than
//    it has live ones. Released memory is not zeroed: a reused stack holds old
//    bytes, as any stack does.
//  - Thread safety: every StackPool member may be called from any thread.
//    Several pools may coexist; the overflow handler knows all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace goro::stack {

enum class GuardKind { madvise, mprotect, canary };

// "madvise", "mprotect" or "canary".
const char* guard_kind_name(GuardKind kind) noexcept;

// One slot's usable range; stacks grow down from hi.
struct Stack {
  std::byte* lo = nullptr;  // lowest usable byte (just above the guard page)
  std::byte* hi = nullptr;  // one past the highest usable byte: the initial stack pointer
  // How this slot is guarded. A pool in mprotect mode that runs short of VMAs
  // hands out canary slots from then on, so the kind is per slot.
  GuardKind guard = GuardKind::madvise;
  std::size_t size() const { return std::size_t(hi - lo); }
  // Where a context made on this stack starts: `hi` lowered by the slot's
  // color, 0 to 31 cache lines (at most 1984 bytes), fixed per slot.
  // Why: slots are page-aligned and a constant stride apart, so without it
  // the hot top frames of every goroutine sit at one page offset and compete
  // for the same few sets of the L1 and L2 caches. With a few hundred
  // goroutines taking turns that thrashes: thread-ring (503 goroutines)
  // took 79 ns a hop, and 48 ns with colors (perf/macro/thread_ring).
  // The color is a Fibonacci hash of the page number: neighbouring slots
  // get unrelated colors. It costs no memory a parked goroutine touches: its
  // frames still fit in the top page.
  std::byte* start() const {
    const auto page = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(hi) >> 12);
    const std::uint32_t color = (page * 0x9E3779B1u) >> 27;
    return hi - color * 64;
  }
  explicit operator bool() const { return lo != nullptr; }
  // Whether a stack pointer is on this stack (hi itself: nothing pushed yet).
  bool holds_sp(std::uintptr_t sp) const {
    return sp > reinterpret_cast<std::uintptr_t>(lo) && sp <= reinterpret_cast<std::uintptr_t>(hi);
  }
};

class StackPool {
 public:
  explicit StackPool(std::size_t stack_size = 256 * 1024, GuardKind preferred = GuardKind::madvise);
  ~StackPool();  // unmaps every reservation; stacks still live become invalid
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A hot (recently released) slot if any, else a fresh one. Throws
  // std::bad_alloc when no reservation can be made (address space exhausted).
  Stack allocate();
  // Back to the pool. `s` must come from this pool's allocate() and not be in use.
  void release(Stack s);

  // The kind new slots get now (mprotect pools may degrade to canary).
  GuardKind guard_kind() const;
  std::size_t stack_size() const;  // usable bytes per stack (page-rounded)
  // True unless `s` is a canary slot whose canary words were overwritten. The
  // scheduler checks this at every switch; it is a load and a compare.
  bool canary_intact(const Stack& s) const;
  std::size_t reserved_bytes() const;  // virtual bytes reserved
  // Bytes of stack memory committed (backed by RAM) now, estimated:
  // slots that may hold memory (live stacks and hot released ones) are
  // sampled with mincore (at most 128 of them, exact when there are no
  // more) and scaled; trimmed released slots count the top pages they keep,
  // emptied ones nothing. Constant cost per call (pool.cpp).
  std::size_t committed_bytes() const;
  std::size_t live_stacks() const;     // allocated and not released
  std::size_t free_stacks() const;     // released, held for reuse

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Installs the SIGSEGV handler (SA_ONSTACK | SA_SIGINFO) that reports guard
// page faults. Idempotent; process-wide. The previous handler is kept and
// called for every fault that is not a guard hit.
void install_overflow_handler();

// Gives the calling thread an alternate signal stack, freed at thread exit.
// Idempotent per thread (a thread that already has one keeps it); every
// thread that runs goroutines calls it once.
void ensure_signal_stack();

// The scheduler registers a function returning the running goroutine's id
// (0 if none). It is called from the signal handler: it must be
// async-signal-safe. nullptr unregisters.
void set_goroutine_id_source(std::uint64_t (*current_id)());

}  // namespace goro::stack
