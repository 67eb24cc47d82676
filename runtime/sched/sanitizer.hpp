// Sanitizer fiber annotations around goroutine switches. Without them
// ThreadSanitizer sees one thread's stack pointer jump between unrelated
// stacks and loses its shadow state (it crashes). Compiled to nothing in
// builds without -fsanitize=thread. AddressSanitizer's start/finish switch
// calls come with issue 8 (goroutine dumps and sanitizers).
#pragma once

#if defined(__SANITIZE_THREAD__)
#define GORO_TSAN 1
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
}
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

}  // namespace goro::sched::sanitizer
