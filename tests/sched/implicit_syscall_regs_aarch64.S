/*
 * Register-state probe for tests/sched/implicit_syscall_test.cpp (AArch64;
 * the x86-64 twin is implicit_syscall_regs_x86_64.S).
 *
 * test_syscall_read(fd, buf, in, out): loads the values in `in` into
 * x3-x7 and x9-x30 (in[i] into xi), v0-v31 (in[32..95], low then high half
 * of each), FPCR (in[96]) and NZCV (in[97]), then makes read(fd, buf, 1)
 * with its own `svc #0` (x8 = 63, x0 = fd, x1 = buf, x2 = 1; no libc: a
 * goroutine blocked here is what an unannotated read looks like) and
 * stores what it finds right after the svc into out:
 *   out[0] x0 (the read's result)   out[1..30] x1..x30
 *   out[32..95] v0..v31             out[96] FPCR        out[97] NZCV
 * x29 and x30 hold test values too: the CFI below says where the caller's
 * are (CFA = sp + 192), so unwinding from the svc works. The caller's
 * FPCR and callee-saved registers are restored before returning.
 * Named without a goro prefix: the handler must treat it as user code.
 */
#include "regs_frame_aarch64.h"
        .text
        .globl  test_syscall_read
        .type   test_syscall_read, %function
        .p2align 4
test_syscall_read:
        .cfi_startproc
        hint    #34                     /* bti c */
        PROBE_SAVE_CALLEE_FRAME
        str     x3, [sp, #160]          /* out */
        mrs     x9, fpcr
        str     x9, [sp, #168]          /* the caller's FPCR */
        /* 176: the read's result, while out is fetched */
        mov     x9, x2                  /* in */
        ldr     x10, [x9, #8*96]
        msr     fpcr, x10
        ldp     q0, q1, [x9, #256]
        ldp     q2, q3, [x9, #288]
        ldp     q4, q5, [x9, #320]
        ldp     q6, q7, [x9, #352]
        ldp     q8, q9, [x9, #384]
        ldp     q10, q11, [x9, #416]
        ldp     q12, q13, [x9, #448]
        ldp     q14, q15, [x9, #480]
        ldp     q16, q17, [x9, #512]
        ldp     q18, q19, [x9, #544]
        ldp     q20, q21, [x9, #576]
        ldp     q22, q23, [x9, #608]
        ldp     q24, q25, [x9, #640]
        ldp     q26, q27, [x9, #672]
        ldp     q28, q29, [x9, #704]
        ldp     q30, q31, [x9, #736]
        ldr     x10, [x9, #8*97]
        msr     nzcv, x10               /* nothing below writes the flags */
        ldp     x3, x4, [x9, #24]
        ldp     x5, x6, [x9, #40]
        ldr     x7, [x9, #56]
        ldp     x10, x11, [x9, #80]
        ldp     x12, x13, [x9, #96]
        ldp     x14, x15, [x9, #112]
        ldp     x16, x17, [x9, #128]
        ldp     x18, x19, [x9, #144]
        ldp     x20, x21, [x9, #160]
        ldp     x22, x23, [x9, #176]
        ldp     x24, x25, [x9, #192]
        ldp     x26, x27, [x9, #208]
        ldp     x28, x29, [x9, #224]
        ldr     x30, [x9, #240]
        ldr     x9, [x9, #72]
        mov     x2, #1
        mov     x8, #63                 /* __NR_read */
        svc     #0
        str     x0, [sp, #176]
        mrs     x0, nzcv
        str     x0, [sp, #184]
        ldr     x0, [sp, #160]          /* out */
        stp     x1, x2, [x0, #8]
        stp     x3, x4, [x0, #24]
        stp     x5, x6, [x0, #40]
        stp     x7, x8, [x0, #56]
        stp     x9, x10, [x0, #72]
        stp     x11, x12, [x0, #88]
        stp     x13, x14, [x0, #104]
        stp     x15, x16, [x0, #120]
        stp     x17, x18, [x0, #136]
        stp     x19, x20, [x0, #152]
        stp     x21, x22, [x0, #168]
        stp     x23, x24, [x0, #184]
        stp     x25, x26, [x0, #200]
        stp     x27, x28, [x0, #216]
        stp     x29, x30, [x0, #232]
        stp     q0, q1, [x0, #256]
        stp     q2, q3, [x0, #288]
        stp     q4, q5, [x0, #320]
        stp     q6, q7, [x0, #352]
        stp     q8, q9, [x0, #384]
        stp     q10, q11, [x0, #416]
        stp     q12, q13, [x0, #448]
        stp     q14, q15, [x0, #480]
        stp     q16, q17, [x0, #512]
        stp     q18, q19, [x0, #544]
        stp     q20, q21, [x0, #576]
        stp     q22, q23, [x0, #608]
        stp     q24, q25, [x0, #640]
        stp     q26, q27, [x0, #672]
        stp     q28, q29, [x0, #704]
        stp     q30, q31, [x0, #736]
        mrs     x1, fpcr
        str     x1, [x0, #8*96]
        ldr     x1, [sp, #184]
        str     x1, [x0, #8*97]
        ldr     x1, [sp, #176]
        str     x1, [x0]
        ldr     x9, [sp, #168]
        msr     fpcr, x9
        PROBE_RESTORE_CALLEE_FRAME
        ret
        .cfi_endproc
        .size   test_syscall_read, .-test_syscall_read

        .section .note.GNU-stack, "", %progbits
