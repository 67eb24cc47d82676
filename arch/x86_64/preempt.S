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

/*
 * Both entry points below are one sequence, SIGRETURN_AFTER name, fn:
 * %rsp is the copied ucontext; call fn(copy) on a 16-aligned stack, keeping
 * the copy's address in %rbx (callee-saved), then rt_sigreturn with %rsp
 * back at the copy. The unwinder stops here (.cfi_undefined rip).
 */
        .macro SIGRETURN_AFTER name, fn
        .globl  \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        .cfi_undefined rip              /* unwinders stop here */
        GORO_LANDING_PAD                /* reached by an indirect jmp or rt_sigreturn */
        movq    %rsp, %rbx              /* the copied ucontext */
        movq    %rsp, %rdi
        andq    $-16, %rsp
        call    \fn
        movq    %rbx, %rsp
        movl    $15, %eax               /* __NR_rt_sigreturn */
        syscall
        ud2
        .cfi_endproc
        .size   \name, .-\name
        .endm

        .text
        SIGRETURN_AFTER goro_sigresume, goro_preempt_resumed

/*
 * goro_syscall_trampoline: an unannotated blocking system call, made again
 * inside goro::blocking's bookkeeping (x86-64).
 *
 * The SIGURG handler (try_syscall_handoff in runtime/sched/preempt.cpp)
 * found the goroutine's thread at a `syscall` instruction (0f 05) with the
 * call's number in %rax: the kernel rewinds a restartable call interrupted
 * by an SA_RESTART handler to exactly that state. It copies the signal
 * frame onto the goroutine's stack as pictured above (red zone untouched,
 * XSAVE copy, ucontext copy; no switch frame), sets the kernel's ucontext
 * to %rip = here, %rsp = the copied ucontext, and returns: the kernel's
 * rt_sigreturn lands here on the goroutine's stack, on the same thread,
 * with the signal mask the goroutine had.
 *
 * We call goro_implicit_syscall(copy) (runtime/sched/syscall.cpp): it
 * enters the syscall state (sysmon may hand the P off), makes system call
 * %rax(%rdi, %rsi, %rdx, %r10, %r8, %r9) with the copy's registers, gets a P
 * back (if none is free, the G waits for one locked to this M: it never
 * leaves this thread), and edits the copy as the `syscall` instruction
 * would have left the registers: %rax = the result, %rip = past the
 * instruction, %rcx = that %rip, %r11 = the flags. rt_sigreturn of the copy
 * then restores every register, the vector state and the mask.
 *
 * Invariants:
 *  - %rsp at the rt_sigreturn equals the copied ucontext (the kernel reads
 *    the frame at %rsp - 8, whose first word would be the return address);
 *    it is 16-byte aligned, so the call below is made on an aligned stack.
 *  - %rbx is callee-saved: it carries the copy's address across the call.
 *  - Everything below the copy is free stack for the runtime code.
 *  - No unwinder goes past this frame (.cfi_undefined rip): a preemption
 *    request that arrives meanwhile finds runtime code and is refused.
 */
        SIGRETURN_AFTER goro_syscall_trampoline, goro_implicit_syscall

        .section .note.GNU-stack,"",@progbits
