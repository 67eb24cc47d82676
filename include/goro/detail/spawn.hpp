// Internal: how the public templates hand a closure to the runtime. Not API.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace goro::detail {

struct GoroutineSlot {
  void* g;        // the runtime's goroutine record
  void* storage;  // room for the closure: inside the record when it fits
};

using ClosureFn = void (*)(void* closure);

// Reserves a goroutine in `runtime` (nullptr: the running one) with room for
// a closure. Throws std::logic_error when no runtime is running.
GoroutineSlot new_goroutine(void* runtime, std::size_t size, std::size_t align);
// Makes it runnable; it will call invoke(storage) and then destroy(storage).
void start_goroutine(void* runtime, GoroutineSlot slot, ClosureFn invoke, ClosureFn destroy) noexcept;
// Gives back a reserved goroutine whose closure failed to construct.
void discard_goroutine(void* runtime, GoroutineSlot slot) noexcept;
// Like start_goroutine for run()'s main goroutine: blocks until it returns.
void run_main_goroutine(void* runtime, GoroutineSlot slot, ClosureFn invoke, ClosureFn destroy);

template <class T>
void invoke_closure(void* p) { (*static_cast<T*>(p))(); }
template <class T>
void destroy_closure(void* p) { static_cast<T*>(p)->~T(); }

template <class Fn>
GoroutineSlot make_goroutine(void* runtime, Fn&& fn) {
  using T = std::decay_t<Fn>;
  GoroutineSlot slot = new_goroutine(runtime, sizeof(T), alignof(T));
  try {
    ::new (slot.storage) T(std::forward<Fn>(fn));
  } catch (...) {
    discard_goroutine(runtime, slot);
    throw;
  }
  return slot;
}

template <class Fn>
void spawn(void* runtime, Fn&& fn) {
  using T = std::decay_t<Fn>;
  GoroutineSlot slot = make_goroutine(runtime, std::forward<Fn>(fn));
  start_goroutine(runtime, slot, &invoke_closure<T>, &destroy_closure<T>);
}

void enter_blocking() noexcept;
void exit_blocking() noexcept;

}  // namespace goro::detail
