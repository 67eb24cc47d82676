// The architecture-specific half of asynchronous preemption (preempt.hpp):
// reading the interrupted PC and SP from a signal's ucontext, finding and
// sizing the kernel's signal frame, copying it onto the goroutine's stack so
// that rt_sigreturn of the copy restores the interrupted state bit-exact,
// and laying out the goro_switch frame that resumes there. The safe-point
// logic that decides *whether* to preempt is written once, in preempt.cpp;
// each architecture implements what follows in preempt_ARCH.cpp:
//   x86-64   preempt_x86_64.cpp   (picture: arch/x86_64/preempt.S)
//   AArch64  preempt_aarch64.cpp  (picture: arch/aarch64/preempt.S)
//
// Everything here runs inside the SIGURG handler, on the M's alternate
// signal stack: async-signal-safe, no allocation, no lock.
#pragma once

#include "arch/context.hpp"
#include "runtime/sched/blocked.hpp"

#include <cstddef>
#include <cstdint>
#include <ucontext.h>

// Where the resume method exists (see preempt.hpp): x86-64 or AArch64 with
// the asm switch (the resume frame is a goro_switch frame), no TSan (it
// defers asynchronous signals and passes the handler a copy of the context)
// and no ASan (the handler writes below the interrupted stack pointer, where
// ASan may keep stale poison).
#if (defined(__x86_64__) || defined(__aarch64__)) && defined(GORO_SWITCH_ASM) && \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define GORO_ASYNC_PREEMPT 1
#else
#define GORO_ASYNC_PREEMPT 0
#endif

// The unannotated system call hand-off (preempt.hpp) works wherever this
// does: both architectures have its trampoline (arch/ARCH/preempt.S) and
// goro_implicit_syscall (syscall.cpp).

namespace goro::sched::preempt_arch {

// The interrupted program counter and stack pointer (in every build: the
// trace requests read them too, tracereq.cpp).
inline std::uintptr_t pc(const ucontext_t* uc) noexcept {
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
#error "preempt_arch: add this architecture's program counter"
#endif
}
inline std::uintptr_t sp(const ucontext_t* uc) noexcept {
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.sp);
#endif
}

}  // namespace goro::sched::preempt_arch

#if GORO_ASYNC_PREEMPT

// arch/ARCH/preempt.S: the resume address of a preempted goroutine's switch
// frame; finish_switch, then rt_sigreturn of the copy at its stack pointer.
extern "C" void goro_sigresume();

namespace goro::sched::preempt_arch {


// The kernel's signal frame as the handler found it: what copy() copies.
struct SignalFrame {
  std::uintptr_t sp = 0;  // interrupted stack pointer
  // x86-64: the XSAVE area (the ucontext is copied separately);
  // AArch64: the whole rt_sigframe, extra_context data included.
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  // AArch64: the offset in data of extra_context's datap, which points into
  // data and is re-based in the copy; 0: none.
  std::size_t pointer_at = 0;
  // Bytes copy() and the resume frame need below sp, not counting the
  // stack left free for the code that runs before rt_sigreturn.
  std::size_t need = 0;
};

// Locates and sizes the signal frame of the handler's (info, uc); false if
// it is not one this code knows how to copy (then: no preemption).
bool locate(const void* info, ucontext_t* uc, SignalFrame& f) noexcept;

// Copies the signal frame below sp, leaving the area just below sp
// untouched (x86-64's 128-byte red zone; AArch64 keeps 128 bytes too), and
// returns the stack pointer rt_sigreturn of the copy needs (16-aligned).
// The trampolines run with that stack pointer; free stack is below it.
std::uintptr_t copy(ucontext_t* uc, const SignalFrame& f) noexcept;

// Builds a goro_switch frame (arch/ARCH/frame.h) just below `at` whose
// resume address is goro_sigresume, with the current floating-point control
// state, and returns it as a context to switch to.
arch::Context resume_frame(std::uintptr_t at) noexcept;

// The system call instruction and its registers (preempt.hpp, "Unannotated
// system calls"). x86-64: `syscall`, number in rax, arguments in rdi, rsi,
// rdx, r10, r8, r9, result in rax. AArch64: `svc #0`, number in x8,
// arguments in x0-x5, result in x0 (over the first argument).
// True if one starts at pc / ends right before pc.
bool syscall_insn_at(std::uintptr_t pc) noexcept;
bool syscall_insn_before(std::uintptr_t pc) noexcept;
// The call's number and the register its result goes to.
long syscall_nr(const ucontext_t* uc) noexcept;
long syscall_result(const ucontext_t* uc) noexcept;
// Whether the registers of a call that has returned (to the interrupted PC)
// still hold `call`'s arguments; on AArch64 the first one is the result's
// register, gone, and not compared.
bool same_args(const ucontext_t* uc, const BlockedCall& call) noexcept;
// The ucontext in a copy made by copy() (the address it returned).
ucontext_t* copied_ucontext(std::uintptr_t copy) noexcept;
// Makes `copy` the state of `call` rewound to its instruction (which ends
// right before the interrupted PC): its number, its first argument on
// AArch64 (where the result overwrote it), the PC at the instruction.
void rewind_syscall(ucontext_t* copy, const BlockedCall& call) noexcept;
// Makes the handler return to `to` with stack pointer `at`.
void redirect(ucontext_t* uc, void (*to)(), std::uintptr_t at) noexcept;

// For goro_implicit_syscall: the call at a rewound instruction (number and
// six arguments), made with the same instruction from runtime code, and
// the edits that leave `uc` as the instruction would have: result
// register, PC past it (x86-64: rcx and r11 too).
void syscall_call(const ucontext_t* uc, long& nr, long a[6]) noexcept;
long raw_syscall(long nr, const long a[6]) noexcept;
void complete_syscall(ucontext_t* uc, long result) noexcept;

}  // namespace goro::sched::preempt_arch

// arch/ARCH/preempt.S: makes the call in goro_implicit_syscall.
extern "C" void goro_syscall_trampoline();

#endif  // GORO_ASYNC_PREEMPT
