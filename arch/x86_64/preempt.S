/*
 * goro_sigresume: how an asynchronously preempted goroutine resumes (x86-64).
 *
 * Method: resume a copy of the kernel's signal frame with rt_sigreturn.
 * The SIGURG handler (runtime/sched/preempt.cpp), running on the M's
 * alternate signal stack, decides the goroutine is at a safe point and lays
 * out on the goroutine's own stack, below the interrupted %rsp:
 *
 *     interrupted %rsp ->  +--------------------------------+
 *                          | 128-byte red zone (untouched)  |
 *                          +--------------------------------+
 *                          | XSAVE area copy, 64-aligned    |  uc_mcontext.fpregs points here
 *                          | (fxsave + xsave header + AVX,  |
 *                          |  AVX-512...; FP_XSTATE_MAGIC2) |
 *                          +--------------------------------+
 *     copy of ucontext ->  | uc_flags .. uc_sigmask         |  what rt_sigreturn reads
 *                          +--------------------------------+
 *     G's context      ->  | goro_switch frame (frame.h),   |  its resume address slot is
 *                          | resume address = goro_sigresume|  where rt_sigframe's pretcode
 *                          +--------------------------------+  would be
 *
 * then stores the switch frame's address as the G's context and switches to
 * g0 without returning from the handler. The abandoned handler frame on the
 * alternate stack is dead: the kernel keeps no "in a handler" state, only the
 * signal mask, which the handler never changed (SA_NODEFER, empty sa_mask:
 * SIGURG stays unblocked for the next goroutine on this thread).
 *
 * When the G is switched to, goro_switch pops the frame and jumps here with
 * %rsp at the copied ucontext. We run finish_switch() for the context that
 * switched to us (goro_preempt_resumed), then rt_sigreturn: the kernel takes
 * the frame at %rsp - 8 and restores every general register, %rip, %rflags,
 * the full XSAVE state (x87, SSE, AVX, AVX-512, MXCSR), the signal mask and
 * the alternate-stack settings from the copy. The red zone was never
 * written. Nothing of this trampoline survives: its registers are all
 * replaced by the saved ones.
 *
 * Invariants:
 *  - The G resumes on the M that preempted it: uc_stack names that M's
 *    alternate stack, and rt_sigreturn installs it again (M::preempted).
 *  - The XSAVE copy is 64-byte aligned (XRSTOR requires it) and keeps the
 *    kernel's sw_reserved bytes and trailing magic, which rt_sigreturn checks.
 *  - Everything below the copied ucontext is free stack: finish_switch runs
 *    there, on a 16-byte aligned %rsp.
 */
#if defined(__CET__) && (__CET__ & 1)
#define GORO_LANDING_PAD endbr64
#else
#define GORO_LANDING_PAD
#endif

        .text
        .globl  goro_sigresume
        .type   goro_sigresume, @function
        .p2align 4
goro_sigresume:
        .cfi_startproc
        .cfi_undefined rip              /* unwinders stop here */
        GORO_LANDING_PAD                /* reached by goro_switch's indirect jmp */
        movq    %rsp, %rbx              /* the copied ucontext */
        andq    $-16, %rsp
        call    goro_preempt_resumed
        movq    %rbx, %rsp
        movl    $15, %eax               /* __NR_rt_sigreturn */
        syscall
        ud2
        .cfi_endproc
        .size   goro_sigresume, .-goro_sigresume

        .section .note.GNU-stack,"",@progbits
