/*
 * Register-state probe for tests/sched/implicit_syscall_test.cpp (x86-64).
 *
 * test_syscall_read(fd, buf, in, out): loads the values in `in` into
 * rbx rbp r8 r9 r10 r12-r15 (in[0..8]), the 128-byte red zone (in[16..31],
 * -8(%rsp) downwards), ymm0-15 (in[32..95], 4 quadwords each) and MXCSR
 * (in[96]), then makes read(fd, buf, 1) with its own `syscall` instruction
 * (no libc: a goroutine blocked here is what an unannotated read looks
 * like) and stores what it finds into out:
 *   out[0] rcx (must be the address after the syscall, out[98])
 *   out[1..9] rbx rbp r8 r9 r10 r12 r13 r14 r15   out[10..12] rdi rsi rdx
 *   out[16..31] red zone   out[32..95] ymm0-15   out[96] MXCSR
 *   out[97] rax (the read's result)              out[98] the expected rcx
 * Named without a goro prefix: the handler must treat it as user code.
 */
#include "regs_frame_x86_64.h"
        .text
        .globl  test_syscall_read
        .type   test_syscall_read, @function
        .p2align 4
test_syscall_read:
        .cfi_startproc
        PROBE_PUSH_CALLEE_SAVED
        pushq   %rcx                    /* out, at 32(%rsp) below */
        .cfi_adjust_cfa_offset 8
        subq    $32, %rsp               /* 8: caller's MXCSR, 16: scratch, 24: result */
        .cfi_adjust_cfa_offset 32
        stmxcsr 8(%rsp)
        ldmxcsr 8*96(%rdx)
        vmovdqu 256(%rdx), %ymm0
        vmovdqu 288(%rdx), %ymm1
        vmovdqu 320(%rdx), %ymm2
        vmovdqu 352(%rdx), %ymm3
        vmovdqu 384(%rdx), %ymm4
        vmovdqu 416(%rdx), %ymm5
        vmovdqu 448(%rdx), %ymm6
        vmovdqu 480(%rdx), %ymm7
        vmovdqu 512(%rdx), %ymm8
        vmovdqu 544(%rdx), %ymm9
        vmovdqu 576(%rdx), %ymm10
        vmovdqu 608(%rdx), %ymm11
        vmovdqu 640(%rdx), %ymm12
        vmovdqu 672(%rdx), %ymm13
        vmovdqu 704(%rdx), %ymm14
        vmovdqu 736(%rdx), %ymm15
        movq    128(%rdx), %rax
        movq    %rax, -8(%rsp)
        movq    136(%rdx), %rax
        movq    %rax, -16(%rsp)
        movq    144(%rdx), %rax
        movq    %rax, -24(%rsp)
        movq    152(%rdx), %rax
        movq    %rax, -32(%rsp)
        movq    160(%rdx), %rax
        movq    %rax, -40(%rsp)
        movq    168(%rdx), %rax
        movq    %rax, -48(%rsp)
        movq    176(%rdx), %rax
        movq    %rax, -56(%rsp)
        movq    184(%rdx), %rax
        movq    %rax, -64(%rsp)
        movq    192(%rdx), %rax
        movq    %rax, -72(%rsp)
        movq    200(%rdx), %rax
        movq    %rax, -80(%rsp)
        movq    208(%rdx), %rax
        movq    %rax, -88(%rsp)
        movq    216(%rdx), %rax
        movq    %rax, -96(%rsp)
        movq    224(%rdx), %rax
        movq    %rax, -104(%rsp)
        movq    232(%rdx), %rax
        movq    %rax, -112(%rsp)
        movq    240(%rdx), %rax
        movq    %rax, -120(%rsp)
        movq    248(%rdx), %rax
        movq    %rax, -128(%rsp)
        movq    0(%rdx), %rbx
        movq    8(%rdx), %rbp
        movq    16(%rdx), %r8
        movq    24(%rdx), %r9
        movq    32(%rdx), %r10
        movq    40(%rdx), %r12
        movq    48(%rdx), %r13
        movq    56(%rdx), %r14
        movq    64(%rdx), %r15
        movl    $1, %edx                /* count; fd and buf are in rdi, rsi */
        xorl    %eax, %eax              /* __NR_read */
        syscall
.Lafter_syscall:
        movq    %rax, 24(%rsp)
        movq    32(%rsp), %rax          /* out */
        movq    %rcx, 0(%rax)
        movq    %rbx, 8(%rax)
        movq    %rbp, 16(%rax)
        movq    %r8, 24(%rax)
        movq    %r9, 32(%rax)
        movq    %r10, 40(%rax)
        movq    %r12, 48(%rax)
        movq    %r13, 56(%rax)
        movq    %r14, 64(%rax)
        movq    %r15, 72(%rax)
        movq    %rdi, 80(%rax)
        movq    %rsi, 88(%rax)
        movq    %rdx, 96(%rax)
        movq    -8(%rsp), %rcx
        movq    %rcx, 128(%rax)
        movq    -16(%rsp), %rcx
        movq    %rcx, 136(%rax)
        movq    -24(%rsp), %rcx
        movq    %rcx, 144(%rax)
        movq    -32(%rsp), %rcx
        movq    %rcx, 152(%rax)
        movq    -40(%rsp), %rcx
        movq    %rcx, 160(%rax)
        movq    -48(%rsp), %rcx
        movq    %rcx, 168(%rax)
        movq    -56(%rsp), %rcx
        movq    %rcx, 176(%rax)
        movq    -64(%rsp), %rcx
        movq    %rcx, 184(%rax)
        movq    -72(%rsp), %rcx
        movq    %rcx, 192(%rax)
        movq    -80(%rsp), %rcx
        movq    %rcx, 200(%rax)
        movq    -88(%rsp), %rcx
        movq    %rcx, 208(%rax)
        movq    -96(%rsp), %rcx
        movq    %rcx, 216(%rax)
        movq    -104(%rsp), %rcx
        movq    %rcx, 224(%rax)
        movq    -112(%rsp), %rcx
        movq    %rcx, 232(%rax)
        movq    -120(%rsp), %rcx
        movq    %rcx, 240(%rax)
        movq    -128(%rsp), %rcx
        movq    %rcx, 248(%rax)
        vmovdqu %ymm0, 256(%rax)
        vmovdqu %ymm1, 288(%rax)
        vmovdqu %ymm2, 320(%rax)
        vmovdqu %ymm3, 352(%rax)
        vmovdqu %ymm4, 384(%rax)
        vmovdqu %ymm5, 416(%rax)
        vmovdqu %ymm6, 448(%rax)
        vmovdqu %ymm7, 480(%rax)
        vmovdqu %ymm8, 512(%rax)
        vmovdqu %ymm9, 544(%rax)
        vmovdqu %ymm10, 576(%rax)
        vmovdqu %ymm11, 608(%rax)
        vmovdqu %ymm12, 640(%rax)
        vmovdqu %ymm13, 672(%rax)
        vmovdqu %ymm14, 704(%rax)
        vmovdqu %ymm15, 736(%rax)
        stmxcsr 16(%rsp)
        movl    16(%rsp), %ecx
        movq    %rcx, 8*96(%rax)
        movq    24(%rsp), %rcx
        movq    %rcx, 8*97(%rax)
        leaq    .Lafter_syscall(%rip), %rcx
        movq    %rcx, 8*98(%rax)
        ldmxcsr 8(%rsp)
        vzeroupper
        addq    $40, %rsp
        .cfi_adjust_cfa_offset -40
        PROBE_POP_CALLEE_SAVED
        ret
        .cfi_endproc
        .size   test_syscall_read, .-test_syscall_read

        .section .note.GNU-stack,"",@progbits
