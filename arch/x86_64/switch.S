/*
 * goro_switch(Context* save, Context to)            System V AMD64, ELF
 * goro_switch_ret(Context* save, Context to)
 *                  %rdi          %rsi
 *
 * Saves the running context's callee-saved state as a frame on its own stack,
 * stores the stack pointer into *save, and resumes the frame at `to`.
 *
 *  the frame at a suspended context's stack pointer (frame.h has the offsets)
 *
 *   +0  +--------------------+-------------+-----+
 *       | MXCSR (4)          | x87 CW (2)  | pad |
 *   +8  +--------------------+-------------+-----+
 *       | r12                                    |
 *  +16  | r13                                    |
 *  +24  | r14                                    |
 *  +32  | r15                                    |
 *  +40  | rbx                                    |
 *  +48  | rbp                                    |
 *  +56  | resume address (pushed by our caller)  |
 *  +64  +----------------------------------------+  caller's frame
 *
 * Two entry points differ only in how they resume. goro_switch pops the
 * resume address and jumps to it: the indirect-branch predictor learns the
 * targets, where a `ret` would be predicted from the return stack buffer,
 * whose top is the caller of *this* switch, and mispredict whenever the two
 * contexts switched from different call sites (perf/switch_bench's pair:
 * 9.9 ns a switch with ret, 1.95 ns with pop + jmp). goro_switch_ret resumes
 * with `ret`. Its return is predicted right when the resumed context switched
 * out from the same call site as this one, as a parked goroutine resumed by
 * a parking one does in the scheduler; and unlike the jump it consumes the
 * return-stack entry of its call, so the returns that follow in the resumed
 * context stay predicted until its call chain and ours differ. A channel
 * ping-pong, whose switches are all park to park, took 79 ns a round trip
 * through goro_switch and 61 ns through goro_switch_ret (chan_bench).
 *
 * The floating-point control state is per context: MXCSR and the x87 control
 * word are saved on every switch and reloaded only when they differ from the
 * running context's (ldmxcsr and fldcw are slow and almost never needed).
 * fnstcw goes before stmxcsr: in the other order a switch took 2.20 ns here,
 * in this one 1.95 ns (perf/switch_bench, Boost.Context 3.5 ns in the same
 * runs; without the two saves at all, 1.27 ns).
 */
#include "frame.h"

#if defined(__CET__) && (__CET__ & 1)
#define GORO_LANDING_PAD endbr64
#else
#define GORO_LANDING_PAD
#endif

        .macro GORO_SWITCH name, use_ret
        .globl  \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        GORO_LANDING_PAD
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset %rbp, 0
        pushq   %rbx
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset %rbx, 0
        pushq   %r15
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset %r15, 0
        pushq   %r14
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset %r14, 0
        pushq   %r13
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset %r13, 0
        pushq   %r12
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset %r12, 0
        subq    $8, %rsp
        .cfi_adjust_cfa_offset 8
        fnstcw  GORO_FRAME_X87CW(%rsp)
        stmxcsr GORO_FRAME_MXCSR(%rsp)

        movq    %rsp, (%rdi)            /* *save = this context */
        movl    GORO_FRAME_MXCSR(%rsp), %r8d
        movzwl  GORO_FRAME_X87CW(%rsp), %r9d
        movq    %rsi, %rsp              /* now on the resumed context's stack; */
                                        /* its frame has the same layout, so the */
                                        /* CFI above describes it too */
        cmpl    GORO_FRAME_MXCSR(%rsp), %r8d
        jne     .Lload_fp_control\@
        cmpw    GORO_FRAME_X87CW(%rsp), %r9w
        jne     .Lload_fp_control\@
.Lrestore\@:
        .cfi_remember_state
        addq    $8, %rsp
        .cfi_adjust_cfa_offset -8
        popq    %r12
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r12
        popq    %r13
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r13
        popq    %r14
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r14
        popq    %r15
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r15
        popq    %rbx
        .cfi_adjust_cfa_offset -8
        .cfi_restore %rbx
        popq    %rbp
        .cfi_adjust_cfa_offset -8
        .cfi_restore %rbp
        .if \use_ret
        ret
        .else
        popq    %r8
        .cfi_adjust_cfa_offset -8
        .cfi_register %rip, %r8
        jmpq    *%r8
        .endif

.Lload_fp_control\@:
        .cfi_restore_state
        ldmxcsr GORO_FRAME_MXCSR(%rsp)
        fldcw   GORO_FRAME_X87CW(%rsp)
        jmp     .Lrestore\@
        .cfi_endproc
        .size   \name, .-\name
        .endm

        .text
        GORO_SWITCH goro_switch, 0
        GORO_SWITCH goro_switch_ret, 1

/*
 * goro_context_entry: where a context made by make_context first resumes.
 * make_context leaves the entry function in r12 and its argument in r13.
 * The return address is marked undefined so unwinders end a goroutine's
 * trace here. The entry function never returns.
 */
        .globl  goro_context_entry
        .type   goro_context_entry, @function
        .p2align 4
goro_context_entry:
        .cfi_startproc
        .cfi_undefined %rip
        GORO_LANDING_PAD
        movq    %r13, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   goro_context_entry, .-goro_context_entry

        .section .note.GNU-stack, "", @progbits
