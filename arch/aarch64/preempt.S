/*
 * goro_sigresume: how an asynchronously preempted goroutine resumes (AArch64).
 *
 * Method: resume a copy of the kernel's signal frame with rt_sigreturn, as
 * on x86-64 (arch/x86_64/preempt.S). AArch64 has no free register for an
 * injected call (every one of x0-x30 may be live at an arbitrary pc), and
 * rt_sigreturn restores them all. The SIGURG handler
 * (runtime/sched/preempt.cpp, preempt_aarch64.cpp), running on the M's
 * alternate signal stack, decides the goroutine is at a safe point and lays
 * out on the goroutine's own stack, below the interrupted sp:
 *
 *     interrupted sp   ->  +--------------------------------+
 *                          | 128 bytes, untouched           |  (no red zone in AAPCS64
 *                          +--------------------------------+   Linux; kept free anyway)
 *                          | extra_context data, if any     |  datap re-based to here
 *                          +- - - - - - - - - - - - - - - - +
 *                          | ucontext: x0-x30, sp, pc,      |
 *                          |  pstate, __reserved records    |
 *                          |  (fpsimd: v0-v31, fpsr, fpcr;  |
 *                          |   sve, za... as the kernel or  |
 *                          |   qemu wrote them)             |
 *     copy of the frame -> | siginfo                        |  struct rt_sigframe, 16-aligned
 *                          +--------------------------------+
 *     G's context      ->  | goro_switch frame (frame.h),   |
 *                          | x30 = goro_sigresume,          |
 *                          | fpcr = the handler's FPCR      |
 *                          +--------------------------------+
 *
 * (the frame is copied as one block, so the extra data keeps its place
 * relative to the records), then stores the switch frame's address as the
 * G's context and switches to g0 without returning from the handler. The
 * abandoned handler frame is dead: the kernel keeps no "in a handler" state
 * but the signal mask, which the handler never changed (SA_NODEFER, empty
 * sa_mask).
 *
 * When the G is switched to, goro_switch pops the frame and branches here
 * with sp at the copied rt_sigframe. We call goro_preempt_resumed (which
 * runs finish_switch for the context that switched to us) below it, then
 * rt_sigreturn: the kernel reads the frame at sp and restores x0-x30, sp,
 * pc, pstate (NZCV...), v0-v31, FPSR, FPCR (and SVE/SME state if saved),
 * the signal mask and the alternate-stack settings from the copy.
 *
 * Invariants:
 *  - The G resumes on the M that preempted it: uc_stack names that M's
 *    alternate stack, and rt_sigreturn installs it again.
 *  - sp at the rt_sigreturn is the copy, 16-byte aligned (the kernel
 *    refuses a misaligned frame); the call below runs on that aligned sp.
 *  - x19 is callee-saved: it carries the copy's address across the call.
 *  - No unwinder goes past this frame (.cfi_undefined x30).
 *
 * Verified under qemu-aarch64 (user mode, which builds and parses signal
 * frames itself) only: no arm64 hardware was available.
 */
#include "features.h"

/* Both unwind sections for this object's CFI: the linker then gives every
 * executable linking goro statically a .debug_frame, which libunwind loads
 * once (preempt.cpp, load_debug_frames) instead of searching the file for
 * one on every lookup inside the SIGURG handler. */
        .cfi_sections .eh_frame, .debug_frame

/*
 * Both entry points below are one sequence, SIGRETURN_AFTER name, fn: sp is
 * the copied rt_sigframe; call fn(copy) below it, keeping the copy's
 * address in x19 (callee-saved), then rt_sigreturn with sp back at the
 * copy. The unwinder stops here (.cfi_undefined x30).
 */
        .macro SIGRETURN_AFTER name, fn
        .globl  \name
        .type   \name, %function
        .p2align 4
\name:
        .cfi_startproc
        .cfi_undefined x30              /* unwinders stop here */
        GORO_BTI_J                      /* reached by goro_switch's br (ret in BTI builds) or rt_sigreturn */
        mov     x19, sp                 /* the copied rt_sigframe */
        mov     x0, sp
        bl      \fn
        mov     sp, x19
        mov     x8, #139                /* __NR_rt_sigreturn */
        svc     #0
        brk     #0x3e8
        .cfi_endproc
        .size   \name, .-\name
        .endm

        .text
        SIGRETURN_AFTER goro_sigresume, goro_preempt_resumed

/*
 * goro_syscall_trampoline: an unannotated blocking system call, made again
 * inside goro::blocking's bookkeeping (AArch64; x86-64's twin is in
 * arch/x86_64/preempt.S).
 *
 * The SIGURG handler (try_syscall_handoff in runtime/sched/preempt.cpp)
 * found the goroutine's thread at an `svc #0` (0xd4000001) with the call's
 * number in x8 and its arguments in x0-x5: the kernel rewinds a restartable
 * call interrupted by an SA_RESTART handler to exactly that state (pc back
 * at the svc, x0 = orig_x0; qemu-user likewise). It copies the signal frame
 * onto the goroutine's stack as pictured above (128 bytes untouched, the
 * rt_sigframe with its extra data; no switch frame), sets the kernel's
 * ucontext to pc = here, sp = the copy, and returns: the kernel's
 * rt_sigreturn lands here on the goroutine's stack, on the same thread, with
 * the signal mask the goroutine had (and PSTATE.BTYPE 0: the interrupted pc
 * was an svc; the landing pad is for form).
 *
 * We call goro_implicit_syscall(copy) (runtime/sched/syscall.cpp): it
 * enters the syscall state (sysmon may hand the P off), makes system call
 * x8(x0, ..., x5) with the copy's registers, gets a P back (if none is
 * free, the G waits for one locked to this M: it never leaves this thread),
 * and edits the copy as the svc would have left the registers: x0 = the
 * result, pc = past the instruction. rt_sigreturn of the copy then restores
 * every register, v0-v31, FPSR/FPCR, the mask and the alternate stack.
 *
 * Invariants:
 *  - sp at the rt_sigreturn equals the copied rt_sigframe, 16-aligned.
 *  - x19 is callee-saved: it carries the copy's address across the call.
 *  - Everything below the copy is free stack for the runtime code.
 *  - No unwinder goes past this frame (.cfi_undefined x30): a preemption
 *    request that arrives meanwhile finds runtime code and is refused.
 */
        SIGRETURN_AFTER goro_syscall_trampoline, goro_implicit_syscall

        GORO_FEATURE_NOTE

        .section .note.GNU-stack, "", %progbits
