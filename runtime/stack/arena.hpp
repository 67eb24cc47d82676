// Reservations: the large anonymous mappings that stacks are carved from, and
// the registry that lets the SIGSEGV handler recognise their guard pages.
//
// The registry is a fixed array of atomics, not a container: the handler may
// run at any instruction of any thread (including one that is registering a
// reservation), so it must find entries without locks or allocation. An
// entry's geometry is written before its `base` is published (release) and
// `base` is cleared before the mapping is unmapped, so the handler sees either
// a complete entry or none; a stale read during removal only does arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

namespace goro::stack::detail {

std::size_t page_size() noexcept;

// mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE) plus
// MADV_NOHUGEPAGE; nullptr when the address space (or RLIMIT_AS) is exhausted.
std::byte* map_reservation(std::size_t bytes) noexcept;
void unmap_reservation(std::byte* base, std::size_t bytes) noexcept;

// A reservation is `bytes` long and made of slots of `stride` bytes, each one
// guard page followed by `stack_size` usable bytes. Returns false when the
// registry is full.
bool register_reservation(std::byte* base, std::size_t bytes, std::size_t stride,
                          std::size_t stack_size) noexcept;
void unregister_reservation(std::byte* base) noexcept;

// If addr lies in the guard page of a registered slot, sets *stack_size to
// that slot's usable size and returns true. Async-signal-safe.
bool find_guard(std::uintptr_t addr, std::size_t* stack_size) noexcept;

// Registry capacity: with geometric growth each pool uses a few dozen entries
// at most, so this is room for many pools.
inline constexpr std::size_t kMaxReservations = 512;

}  // namespace goro::stack::detail
