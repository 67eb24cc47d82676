// Sanitizer annotations around goroutine switches and recycled stacks. They
// live here, inside the library, and compile to nothing in builds without
// -fsanitize=thread or -fsanitize=address.
//
// ThreadSanitizer: every goroutine is a TSan fiber. Without that TSan sees
// one thread's stack pointer jump between unrelated stacks and loses its
// shadow state (it crashes).
//
// AddressSanitizer: every switch is bracketed, as its fiber API requires:
//
//   start_switch(&self_fake_stack, to_lo, to_size);  // right before the switch
//   goro_switch(...);
//   finish_switch(resumed_fake_stack);              // first thing after resuming
//
// start_switch tells ASan the stack we are about to run on (so it does not
// report accesses there as wild, and its no-return handling unpoisons the
// right range); it parks the leaving context's fake stack (the frames
// detect_stack_use_after_return moves to the heap) in a slot that context
// owns. A context that leaves for good (a G exiting) passes a null slot: ASan
// frees its fake stack. finish_switch reinstates the resumed context's own
// fake stack. Stacks that go back to a cache or the pool are unpoisoned: a G
// that exits never returns from its bottom frames, so their redzones stay
// poisoned in the shadow and the next G on that stack would trip on them.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_THREAD__)
#define GORO_TSAN 1
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
}
#endif

// For code that reads another thread's state racily on purpose (goroutine
// dumps, trace requests): TSan must not instrument it.
#if defined(__SANITIZE_THREAD__)
#define GORO_NO_TSAN __attribute__((no_sanitize_thread))
#else
#define GORO_NO_TSAN
#endif

#if defined(__SANITIZE_ADDRESS__)
#define GORO_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace goro::sched::sanitizer {

#if defined(GORO_TSAN)
inline void* current_fiber() noexcept { return __tsan_get_current_fiber(); }
inline void* create_fiber() noexcept { return __tsan_create_fiber(0); }
inline void destroy_fiber(void* f) noexcept {
  if (f) __tsan_destroy_fiber(f);
}
// Called right before the switch: from here on TSan attributes this thread's
// accesses to `to`. Flag 0 makes the switch a synchronisation point, like
// the hand-off through the scheduler that it is.
inline void switch_to_fiber(void* to) noexcept { __tsan_switch_to_fiber(to, 0); }
#else
inline void* current_fiber() noexcept { return nullptr; }
inline void* create_fiber() noexcept { return nullptr; }
inline void destroy_fiber(void*) noexcept {}
inline void switch_to_fiber(void*) noexcept {}
#endif

#if defined(GORO_ASAN)
// fake_stack_save: where the leaving context's fake stack goes; nullptr when
// the leaving context is never resumed (ASan frees its fake stack).
inline void start_switch(void** fake_stack_save, const void* to_lo, std::size_t to_size) noexcept {
  __sanitizer_start_switch_fiber(fake_stack_save, to_lo, to_size);
}
// fake_stack: what start_switch saved for the context now resumed (nullptr
// for a context running for the first time). The stack range that was left
// is reported through the out-parameters (may be null).
inline void finish_switch(void* fake_stack, const void** from_lo, std::size_t* from_size) noexcept {
  __sanitizer_finish_switch_fiber(fake_stack, from_lo, from_size);
}
inline void unpoison(const void* lo, std::size_t size) noexcept { ASAN_UNPOISON_MEMORY_REGION(lo, size); }
#else
inline void start_switch(void**, const void*, std::size_t) noexcept {}
inline void finish_switch(void*, const void**, std::size_t*) noexcept {}
inline void unpoison(const void*, std::size_t) noexcept {}
#endif

}  // namespace goro::sched::sanitizer
