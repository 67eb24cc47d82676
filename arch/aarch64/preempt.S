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
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define GORO_BTI_J bti j
#define GORO_FEATURE_BTI 1
#else
#define GORO_BTI_J
#define GORO_FEATURE_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
/* x30 is not signed: goro_sigresume never returns. */
#define GORO_FEATURE_PAC 2
#else
#define GORO_FEATURE_PAC 0
#endif

/* Both unwind sections for this object's CFI: the linker then gives every
 * executable linking goro statically a .debug_frame, which libunwind loads
 * once (preempt.cpp, load_debug_frames) instead of searching the file for
 * one on every lookup inside the SIGURG handler. */
        .cfi_sections .eh_frame, .debug_frame

        .text
        .globl  goro_sigresume
        .type   goro_sigresume, %function
        .p2align 4
goro_sigresume:
        .cfi_startproc
        .cfi_undefined x30              /* unwinders stop here */
        GORO_BTI_J                      /* reached by goro_switch's br (ret in BTI builds) */
        mov     x19, sp                 /* the copied rt_sigframe */
        mov     x0, sp
        bl      goro_preempt_resumed
        mov     sp, x19
        mov     x8, #139                /* __NR_rt_sigreturn */
        svc     #0
        brk     #0x3e8
        .cfi_endproc
        .size   goro_sigresume, .-goro_sigresume

#if GORO_FEATURE_BTI || GORO_FEATURE_PAC
        .pushsection .note.gnu.property, "a"
        .p2align 3
        .word   4                       /* name size ("GNU\0") */
        .word   16                      /* descriptor size */
        .word   5                       /* NT_GNU_PROPERTY_TYPE_0 */
        .asciz  "GNU"
        .word   0xc0000000              /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
        .word   4
        .word   GORO_FEATURE_BTI | GORO_FEATURE_PAC
        .word   0
        .popsection
#endif

        .section .note.GNU-stack, "", %progbits
