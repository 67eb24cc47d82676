// Guard pages and canaries: installing the guard under one slot, and choosing
// the weaker kind when the stronger one is unavailable.
//
// Order of preference (DESIGN.md "Stacks"):
//   madvise  MADV_GUARD_INSTALL (Linux 6.13+): a page-table marker, no VMA.
//   mprotect PROT_NONE page: splits the mapping, two more VMAs per stack, so
//            only while the process stays under half of vm.max_map_count.
//   canary   a word at the slot's lowest usable address, checked at switches.
#pragma once

#include "runtime/stack/stack.hpp"

#include <cstddef>
#include <cstdint>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13; not in Debian 12's headers
#endif

namespace goro::stack::detail {

// madvise(MADV_GUARD_INSTALL) on [page, page + len). False with errno set
// (EINVAL: the kernel predates guard markers).
bool install_madvise_guard(std::byte* page, std::size_t len) noexcept;
// mprotect(PROT_NONE) on [page, page + len). False with errno set (ENOMEM:
// the VMA limit was reached).
bool install_mprotect_guard(std::byte* page, std::size_t len) noexcept;

// Lines of /proc/self/maps: the process's VMA count.
std::size_t count_vmas() noexcept;
// How many VMAs the process may have before mprotect guards stop: half of
// /proc/sys/vm/max_map_count (the other half is left to the program).
std::size_t vma_budget_limit() noexcept;

// The canary: kCanaryWords words at the slot's lowest usable address, each a
// constant mixed with its own address (so a copy of another slot's canary
// does not pass). Several words, because an overflowing frame need not write
// every word it spans (padding, uninitialised arrays): a run of 32 bytes is
// far more likely to be hit than one word. All four share one cache line
// (lo is page-aligned), so checking costs about one load.
inline constexpr int kCanaryWords = 4;
inline std::uint64_t canary_value(const std::byte* at) noexcept {
  return 0x9e3779b97f4a7c15ULL ^ reinterpret_cast<std::uintptr_t>(at);
}
inline void write_canary(std::byte* lo) noexcept {
  auto* words = reinterpret_cast<volatile std::uint64_t*>(lo);
  for (int i = 0; i < kCanaryWords; ++i) words[i] = canary_value(lo + 8 * i);
}
inline bool canary_holds(const std::byte* lo) noexcept {
  auto* words = reinterpret_cast<const volatile std::uint64_t*>(lo);
  std::uint64_t diff = 0;
  for (int i = 0; i < kCanaryWords; ++i) diff |= words[i] ^ canary_value(lo + 8 * i);
  return diff == 0;
}

// The one-line stderr notices printed when a pool falls back, once per
// process each. Exposed so tests can match them.
inline constexpr const char kMadviseFallbackNotice[] =
    "goro: madvise(MADV_GUARD_INSTALL) unavailable; stack guards use mprotect (2 VMAs per stack)\n";
inline constexpr const char kCanaryFallbackNotice[] =
    "goro: VMA count near half of vm.max_map_count; new stacks get canary words instead of guard pages\n";
void print_notice_once(const char* notice) noexcept;

// Test hooks: pretend the kernel rejects MADV_GUARD_INSTALL; replace
// vma_budget_limit() (0 restores the real one).
void pretend_guard_install_unsupported(bool on) noexcept;
void override_vma_budget_limit(std::size_t limit) noexcept;

}  // namespace goro::stack::detail
