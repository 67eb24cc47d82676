// goro::arch — the one C++ interface over both context-switch backends.
//
// A Context is the stack pointer of a suspended execution context: everything
// else it needs (callee-saved registers, floating-point control state, the
// address to resume at) sits in a switch frame at that address. The frame
// layout of the assembly backend is drawn in arch/<cpu>/switch.S and mirrored,
// with static_asserts, in arch/<cpu>/frame.h.
//
//   void* hi = stack_base + stack_size;             // stacks grow down
//   Context g = make_context(hi, stack_size, fn, arg);
//   switch_context(&self, g);                      // runs fn(arg) on the new stack
//   ...                                            // fn switches back to `self`
//
// Promises, for both backends (-Dswitch=asm|boost):
//  - switch_context saves the callee-saved registers and the floating-point
//    control state (x86-64: MXCSR and the x87 control word; AArch64: FPCR) of
//    the running context and restores those of `to`: a context that changes its
//    rounding mode keeps it, and nobody else sees it.
//  - It is an out-of-line call: the compiler must assume it clobbers all
//    caller-saved state and may resume on another thread, so callers never
//    cache thread-local addresses across it (DESIGN.md, "Reading current G/M/P").
//  - entry must never return. It leaves its context by switching away; a
//    finished context is simply never resumed again.
//  - Unwinders stop at the entry trampoline (.cfi_undefined of the return
//    address register), so stack traces of a goroutine end at its entry.
#pragma once

#include <cstddef>

namespace goro::arch {

using Context = void*;
using Entry = void (*)(void* arg);

// Prepares a context that runs entry(arg) on the stack whose highest address
// is stack_hi, the first time it is switched to. Writes only the top few
// hundred bytes of the stack.
Context make_context(void* stack_hi, std::size_t size, Entry entry, void* arg) noexcept;

}  // namespace goro::arch

// Saves the running context into *save and resumes `to`. Returns when another
// context switches to *save. Implemented in assembly (arch/<cpu>/switch.S) or
// over Boost.Context's jump_fcontext (arch/boost/context.cpp).
extern "C" void goro_switch(goro::arch::Context* save, goro::arch::Context to) noexcept;
// The same switch, resuming `to` with a return instead of a jump (x86-64:
// `ret`, AArch64: `ret`): cheaper when `to` switched out from the same call
// site as the caller, dearer otherwise (arch/x86_64/switch.S has the numbers).
extern "C" void goro_switch_ret(goro::arch::Context* save, goro::arch::Context to) noexcept;

namespace goro::arch {

inline void switch_context(Context* save, Context to) noexcept { goro_switch(save, to); }
// switch_context for a caller that knows `to` was (nearly always) saved by a
// switch_context_same_site call at this same call site. Either call resumes a
// context saved by either.
inline void switch_context_same_site(Context* save, Context to) noexcept { goro_switch_ret(save, to); }

// Name of the compiled-in backend: "asm" or "boost".
const char* backend_name() noexcept;

}  // namespace goro::arch
