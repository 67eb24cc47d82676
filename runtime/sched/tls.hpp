// Thread-local runtime state that goroutine code touches: addressed from the
// thread pointer at every use, never from a copy of it.
//
// A goroutine may park in the middle of a function and resume on another
// thread, but compilers assume the thread pointer never changes within a
// function. GCC on AArch64 reads tpidr_el0 once and reuses it, so a plain
// thread_local used on both sides of a park reaches the previous thread's
// variable. (This was found as channel locks released on the wrong thread: a
// channel operation retried after its park counted the lock in one thread's
// variables and released it in another's.) x86-64 usually addresses %fs:
// afresh at each access, but nothing promises that once the address itself is
// needed.
//
// GORO_TLS_ACCESSOR(name, T, sym) defines `T* name()`, the address of the
// initial-exec thread_local `sym` (declared extern "C", defined with
// GORO_TLS_DEFINE) computed in an asm volatile with a memory clobber: every
// call reads the thread pointer again, and no call moves across a switch.
#pragma once
#include <cstdint>

#define GORO_TLS_DECLARE(T, sym) extern "C" __attribute__((tls_model("initial-exec"))) thread_local T sym
// The definition, in one .cpp, after the GORO_TLS_DECLARE that gives it C
// linkage (the asm names the plain symbol); `used`: LTO must keep it.
#define GORO_TLS_DEFINE(T, sym, init) \
  __attribute__((tls_model("initial-exec"), used, externally_visible)) thread_local T sym = init

// GORO_TLS_READER(name, T, sym) defines `T name()`, the value of an 8-byte
// variable (a pointer) read the same way in one asm, and
// GORO_TLS_ADDER(name, sym) `void name(int)`, an add to an int variable: an
// instruction fewer each than through the address (current_m(), m.hpp, is on
// every switch's path, the runtime-lock count on every lock and unlock;
// going through the address cost a yield 2.3 ns).
#if defined(__x86_64__)
#define GORO_TLS_ADDER(name, sym)                                                                       \
  inline void name(int delta) noexcept {                                                                \
    std::uintptr_t off;                                                                                 \
    asm volatile("movq " #sym "@gottpoff(%%rip), %0\n\taddl %1, %%fs:(%0)" : "=&r"(off) : "r"(delta) \
                 : "memory", "cc");                                                                     \
  }
#define GORO_TLS_READER(name, T, sym)                                                                 \
  inline T name() noexcept {                                                                          \
    static_assert(sizeof(T) == 8);                                                                    \
    T v;                                                                                              \
    asm volatile("movq " #sym "@gottpoff(%%rip), %0\n\tmovq %%fs:(%0), %0" : "=r"(v) : : "memory"); \
    return v;                                                                                         \
  }
#define GORO_TLS_ACCESSOR(name, T, sym)                                                             \
  inline T* name() noexcept {                                                                       \
    T* p;                                                                                           \
    asm volatile("movq " #sym "@gottpoff(%%rip), %0\n\taddq %%fs:0, %0" : "=r"(p) : : "memory"); \
    return p;                                                                                       \
  }
#elif defined(__aarch64__)
#define GORO_TLS_ADDER(name, sym)                              \
  inline void name(int delta) noexcept {                       \
    std::uintptr_t tp, off;                                    \
    int v;                                                     \
    asm volatile(                                              \
        "mrs %0, tpidr_el0\n\t"                                \
        "adrp %1, :gottprel:" #sym "\n\t"                      \
        "ldr %1, [%1, #:gottprel_lo12:" #sym "]\n\t"           \
        "add %0, %0, %1\n\t"                                   \
        "ldr %w2, [%0]\n\t"                                    \
        "add %w2, %w2, %w3\n\t"                                \
        "str %w2, [%0]"                                        \
        : "=&r"(tp), "=&r"(off), "=&r"(v)                      \
        : "r"(delta)                                           \
        : "memory");                                           \
  }
#define GORO_TLS_READER(name, T, sym)                          \
  inline T name() noexcept {                                   \
    static_assert(sizeof(T) == 8);                             \
    T v;                                                       \
    std::uintptr_t tp, off;                                    \
    asm volatile(                                              \
        "mrs %0, tpidr_el0\n\t"                                \
        "adrp %1, :gottprel:" #sym "\n\t"                      \
        "ldr %1, [%1, #:gottprel_lo12:" #sym "]\n\t"           \
        "ldr %2, [%0, %1]"                                     \
        : "=&r"(tp), "=&r"(off), "=r"(v)                       \
        :                                                      \
        : "memory");                                           \
    return v;                                                  \
  }
#define GORO_TLS_ACCESSOR(name, T, sym)                        \
  inline T* name() noexcept {                                  \
    T* p;                                                      \
    std::uintptr_t tp;                                         \
    asm volatile(                                              \
        "mrs %1, tpidr_el0\n\t"                                \
        "adrp %0, :gottprel:" #sym "\n\t"                      \
        "ldr %0, [%0, #:gottprel_lo12:" #sym "]\n\t"           \
        "add %0, %1, %0"                                       \
        : "=&r"(p), "=&r"(tp)                                  \
        :                                                      \
        : "memory");                                           \
    return p;                                                  \
  }
#else
#error "tls.hpp: add this architecture's thread-pointer read"
#endif
