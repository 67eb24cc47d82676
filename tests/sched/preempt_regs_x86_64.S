/*
 * Register-state probes for tests/sched/preempt_test.cpp (generated; x86-64).
 *
 * test_regs_spin(iters, seed, out): fills every general register, CF, MXCSR's
 * rounding mode, ymm0-15 (lanes differ) and the 128-byte red zone with
 * values derived from seed, spins `iters` times in a loop with no calls (so
 * only SIGURG can interrupt it), then stores what it finds into out[95]:
 *   out[0..12]  rax rbx rcx rdx rbp r8..r15      out[13] CF
 *   out[14..29] red zone, -8(%rsp) downwards     out[30] MXCSR
 *   out[31..94] ymm0..ymm15, 4 quadwords each
 * test_zmm_spin(iters, seed, out): the same for zmm16-31 (AVX-512 only),
 * out[0..127].
 * Named without a goro prefix: the preemption handler must treat them as user code.
 */
#include "regs_frame_x86_64.h"
        .section .rodata
        .p2align 6
lane_add:
        .quad 0, 1, 2, 3, 4, 5, 6, 7
        .text
        .globl  test_regs_spin
        .type   test_regs_spin, @function
        .p2align 4
test_regs_spin:
        .cfi_startproc
        PROBE_PUSH_CALLEE_SAVED
        pushq   %rdx
        .cfi_adjust_cfa_offset 8
        subq    $8, %rsp
        .cfi_adjust_cfa_offset 8
        stmxcsr (%rsp)                  /* original MXCSR at 0(%rsp); out at 8(%rsp) */
        movl    (%rsp), %eax
        andl    $~0x6000, %eax
        movl    %esi, %ecx
        andl    $3, %ecx
        shll    $13, %ecx
        orl     %ecx, %eax
        pushq   %rax
        .cfi_adjust_cfa_offset 8
        ldmxcsr (%rsp)
        popq    %rax
        .cfi_adjust_cfa_offset -8
        movabsq $0x90c192cfd3ac94af, %rax
        xorq    %rsi, %rax
        movq    %rax, -8(%rsp)
        movabsq $0xf28c105d1fb17c23, %rax
        xorq    %rsi, %rax
        movq    %rax, -16(%rsp)
        movabsq $0xa170b33839263059, %rax
        xorq    %rsi, %rax
        movq    %rax, -24(%rsp)
        movabsq $0x953f48f1a09f76b5, %rax
        xorq    %rsi, %rax
        movq    %rax, -32(%rsp)
        movabsq $0x0fd630f1f29d0da9, %rax
        xorq    %rsi, %rax
        movq    %rax, -40(%rsp)
        movabsq $0x95e60af593bd04cf, %rax
        xorq    %rsi, %rax
        movq    %rax, -48(%rsp)
        movabsq $0x0cb1e29c658cda14, %rax
        xorq    %rsi, %rax
        movq    %rax, -56(%rsp)
        movabsq $0x3898d190f9ebdacc, %rax
        xorq    %rsi, %rax
        movq    %rax, -64(%rsp)
        movabsq $0x8e81973e0becd7b0, %rax
        xorq    %rsi, %rax
        movq    %rax, -72(%rsp)
        movabsq $0x2217beaddbc496cb, %rax
        xorq    %rsi, %rax
        movq    %rax, -80(%rsp)
        movabsq $0x6b4cb2424a23d596, %rax
        xorq    %rsi, %rax
        movq    %rax, -88(%rsp)
        movabsq $0x8a6a63ec24ede6a4, %rax
        xorq    %rsi, %rax
        movq    %rax, -96(%rsp)
        movabsq $0x922766581e27a1c0, %rax
        xorq    %rsi, %rax
        movq    %rax, -104(%rsp)
        movabsq $0x8f6d05584ef8aa38, %rax
        xorq    %rsi, %rax
        movq    %rax, -112(%rsp)
        movabsq $0xae97ba94d0eda82f, %rax
        xorq    %rsi, %rax
        movq    %rax, -120(%rsp)
        movabsq $0x1a61dbe22e44158b, %rax
        xorq    %rsi, %rax
        movq    %rax, -128(%rsp)
        movabsq $0x923a736994e3bf91, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm0
        vpbroadcastq %xmm0, %ymm0
        vpaddq  lane_add(%rip), %ymm0, %ymm0
        movabsq $0x301850c5a38fd547, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm1
        vpbroadcastq %xmm1, %ymm1
        vpaddq  lane_add(%rip), %ymm1, %ymm1
        movabsq $0x18f135d25f557203, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm2
        vpbroadcastq %xmm2, %ymm2
        vpaddq  lane_add(%rip), %ymm2, %ymm2
        movabsq $0xb64ce4228c38fb29, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm3
        vpbroadcastq %xmm3, %ymm3
        vpaddq  lane_add(%rip), %ymm3, %ymm3
        movabsq $0x907a70c31012f037, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm4
        vpbroadcastq %xmm4, %ymm4
        vpaddq  lane_add(%rip), %ymm4, %ymm4
        movabsq $0x9e7769b10f4205b4, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm5
        vpbroadcastq %xmm5, %ymm5
        vpaddq  lane_add(%rip), %ymm5, %ymm5
        movabsq $0x7f15052434b9b5df, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm6
        vpbroadcastq %xmm6, %ymm6
        vpaddq  lane_add(%rip), %ymm6, %ymm6
        movabsq $0x881ed162ae2eb154, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm7
        vpbroadcastq %xmm7, %ymm7
        vpaddq  lane_add(%rip), %ymm7, %ymm7
        movabsq $0xc6f877186d76b07e, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm8
        vpbroadcastq %xmm8, %ymm8
        vpaddq  lane_add(%rip), %ymm8, %ymm8
        movabsq $0x7731af10506bf2ef, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm9
        vpbroadcastq %xmm9, %ymm9
        vpaddq  lane_add(%rip), %ymm9, %ymm9
        movabsq $0xec66a78795e761d1, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm10
        vpbroadcastq %xmm10, %ymm10
        vpaddq  lane_add(%rip), %ymm10, %ymm10
        movabsq $0x5c90a9587403e430, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm11
        vpbroadcastq %xmm11, %ymm11
        vpaddq  lane_add(%rip), %ymm11, %ymm11
        movabsq $0x3f98e2774cbd87ad, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm12
        vpbroadcastq %xmm12, %ymm12
        vpaddq  lane_add(%rip), %ymm12, %ymm12
        movabsq $0x2e05319acb5c7427, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm13
        vpbroadcastq %xmm13, %ymm13
        vpaddq  lane_add(%rip), %ymm13, %ymm13
        movabsq $0xc7a2ea20b2f14c94, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm14
        vpbroadcastq %xmm14, %ymm14
        vpaddq  lane_add(%rip), %ymm14, %ymm14
        movabsq $0x14f4733f3e7d1bfb, %rax
        xorq    %rsi, %rax
        vmovq   %rax, %xmm15
        vpbroadcastq %xmm15, %ymm15
        vpaddq  lane_add(%rip), %ymm15, %ymm15
        movabsq $0xf2a74de452e6b438, %rax
        xorq    %rsi, %rax
        movabsq $0x6513270e269e0d37, %rbx
        xorq    %rsi, %rbx
        movabsq $0x0c5c7fd0a6a3a450, %rcx
        xorq    %rsi, %rcx
        movabsq $0xd23f0824128b2f33, %rdx
        xorq    %rsi, %rdx
        movabsq $0x1818e811892f902b, %rbp
        xorq    %rsi, %rbp
        movabsq $0x9531985d5d9dc9f8, %r8
        xorq    %rsi, %r8
        movabsq $0xe8e25d940ed90475, %r9
        xorq    %rsi, %r9
        movabsq $0x36f675cc81e74ef5, %r10
        xorq    %rsi, %r10
        movabsq $0x1600a35a099950d8, %r11
        xorq    %rsi, %r11
        movabsq $0x6b0d549b6f03675a, %r12
        xorq    %rsi, %r12
        movabsq $0x3d9c172411e20b8f, %r13
        xorq    %rsi, %r13
        movabsq $0x8d116ece1738f7d9, %r14
        xorq    %rsi, %r14
        movabsq $0x0f21ddb66cad4a26, %r15
        xorq    %rsi, %r15
        btq     $0, %rsi                /* CF = seed & 1; dec keeps CF */
1:      decq    %rdi
        jnz     1b
        movq    8(%rsp), %rdi           /* out (mov keeps the flags) */
        movq    %rax, 0(%rdi)
        setc    %al
        movzbq  %al, %rax
        movq    %rax, 104(%rdi)
        movq    %rbx, 8(%rdi)
        movq    %rcx, 16(%rdi)
        movq    %rdx, 24(%rdi)
        movq    %rbp, 32(%rdi)
        movq    %r8, 40(%rdi)
        movq    %r9, 48(%rdi)
        movq    %r10, 56(%rdi)
        movq    %r11, 64(%rdi)
        movq    %r12, 72(%rdi)
        movq    %r13, 80(%rdi)
        movq    %r14, 88(%rdi)
        movq    %r15, 96(%rdi)
        movq    -8(%rsp), %rax
        movq    %rax, 112(%rdi)
        movq    -16(%rsp), %rax
        movq    %rax, 120(%rdi)
        movq    -24(%rsp), %rax
        movq    %rax, 128(%rdi)
        movq    -32(%rsp), %rax
        movq    %rax, 136(%rdi)
        movq    -40(%rsp), %rax
        movq    %rax, 144(%rdi)
        movq    -48(%rsp), %rax
        movq    %rax, 152(%rdi)
        movq    -56(%rsp), %rax
        movq    %rax, 160(%rdi)
        movq    -64(%rsp), %rax
        movq    %rax, 168(%rdi)
        movq    -72(%rsp), %rax
        movq    %rax, 176(%rdi)
        movq    -80(%rsp), %rax
        movq    %rax, 184(%rdi)
        movq    -88(%rsp), %rax
        movq    %rax, 192(%rdi)
        movq    -96(%rsp), %rax
        movq    %rax, 200(%rdi)
        movq    -104(%rsp), %rax
        movq    %rax, 208(%rdi)
        movq    -112(%rsp), %rax
        movq    %rax, 216(%rdi)
        movq    -120(%rsp), %rax
        movq    %rax, 224(%rdi)
        movq    -128(%rsp), %rax
        movq    %rax, 232(%rdi)
        movq    $0, 240(%rdi)
        stmxcsr 240(%rdi)
        vmovdqu %ymm0, 248(%rdi)
        vmovdqu %ymm1, 280(%rdi)
        vmovdqu %ymm2, 312(%rdi)
        vmovdqu %ymm3, 344(%rdi)
        vmovdqu %ymm4, 376(%rdi)
        vmovdqu %ymm5, 408(%rdi)
        vmovdqu %ymm6, 440(%rdi)
        vmovdqu %ymm7, 472(%rdi)
        vmovdqu %ymm8, 504(%rdi)
        vmovdqu %ymm9, 536(%rdi)
        vmovdqu %ymm10, 568(%rdi)
        vmovdqu %ymm11, 600(%rdi)
        vmovdqu %ymm12, 632(%rdi)
        vmovdqu %ymm13, 664(%rdi)
        vmovdqu %ymm14, 696(%rdi)
        vmovdqu %ymm15, 728(%rdi)
        ldmxcsr (%rsp)
        vzeroupper
        addq    $16, %rsp
        .cfi_adjust_cfa_offset -16
        PROBE_POP_CALLEE_SAVED
        ret
        .cfi_endproc
        .size   test_regs_spin, .-test_regs_spin

        .globl  test_zmm_spin
        .type   test_zmm_spin, @function
        .p2align 4
test_zmm_spin:
        .cfi_startproc
        movabsq $0x4cdd2055930d6eaf, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm16
        vpaddq  lane_add(%rip), %zmm16, %zmm16
        movabsq $0x7ebff20686734721, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm17
        vpaddq  lane_add(%rip), %zmm17, %zmm17
        movabsq $0x57ee05cde00902c7, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm18
        vpaddq  lane_add(%rip), %zmm18, %zmm18
        movabsq $0x72e6cc3ababced20, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm19
        vpaddq  lane_add(%rip), %zmm19, %zmm19
        movabsq $0x9be4bcfc49b64a08, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm20
        vpaddq  lane_add(%rip), %zmm20, %zmm20
        movabsq $0x12bd4acefaecbd38, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm21
        vpaddq  lane_add(%rip), %zmm21, %zmm21
        movabsq $0x830e07bc1e398f10, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm22
        vpaddq  lane_add(%rip), %zmm22, %zmm22
        movabsq $0x2a3af4d46b0a18e8, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm23
        vpaddq  lane_add(%rip), %zmm23, %zmm23
        movabsq $0x5790f82ec1d3fcff, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm24
        vpaddq  lane_add(%rip), %zmm24, %zmm24
        movabsq $0xeeeacbe226e87555, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm25
        vpaddq  lane_add(%rip), %zmm25, %zmm25
        movabsq $0x6bf46c697d2caf82, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm26
        vpaddq  lane_add(%rip), %zmm26, %zmm26
        movabsq $0xf646e1f40a097c97, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm27
        vpaddq  lane_add(%rip), %zmm27, %zmm27
        movabsq $0x13deef86ab1031d0, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm28
        vpaddq  lane_add(%rip), %zmm28, %zmm28
        movabsq $0x8ede0d7ac3baea9e, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm29
        vpaddq  lane_add(%rip), %zmm29, %zmm29
        movabsq $0xca02135e92b1d3f2, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm30
        vpaddq  lane_add(%rip), %zmm30, %zmm30
        movabsq $0xd17f9acae01f5057, %rax
        xorq    %rsi, %rax
        vpbroadcastq %rax, %zmm31
        vpaddq  lane_add(%rip), %zmm31, %zmm31
1:      decq    %rdi
        jnz     1b
        vmovdqu64 %zmm16, 0(%rdx)
        vmovdqu64 %zmm17, 64(%rdx)
        vmovdqu64 %zmm18, 128(%rdx)
        vmovdqu64 %zmm19, 192(%rdx)
        vmovdqu64 %zmm20, 256(%rdx)
        vmovdqu64 %zmm21, 320(%rdx)
        vmovdqu64 %zmm22, 384(%rdx)
        vmovdqu64 %zmm23, 448(%rdx)
        vmovdqu64 %zmm24, 512(%rdx)
        vmovdqu64 %zmm25, 576(%rdx)
        vmovdqu64 %zmm26, 640(%rdx)
        vmovdqu64 %zmm27, 704(%rdx)
        vmovdqu64 %zmm28, 768(%rdx)
        vmovdqu64 %zmm29, 832(%rdx)
        vmovdqu64 %zmm30, 896(%rdx)
        vmovdqu64 %zmm31, 960(%rdx)
        vzeroupper
        ret
        .cfi_endproc
        .size   test_zmm_spin, .-test_zmm_spin

        .section .note.GNU-stack,"",@progbits
