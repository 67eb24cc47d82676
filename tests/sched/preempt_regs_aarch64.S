/*
 * Register-state probe for tests/sched/preempt_test.cpp (AArch64; the
 * constants are kA64Gpr / kA64V in preempt_regs.hpp, from the same script).
 *
 * test_regs_spin(iters, seed, out): fills x2-x30 with values derived from
 * seed (x1 keeps the seed, x0 counts), NZCV from seed bits 4-7, FPCR's
 * rounding mode from bits 8-9, FPSR's cumulative flags from bits 12-16 and
 * QC from bit 17, v0-v31 (both 64-bit halves), then spins `iters` times in a
 * loop with no calls and no flag writes (sub + cbnz: only SIGURG can
 * interrupt it, and NZCV must survive), then stores what it finds into
 * out[100]:
 *   out[1..30]  x1..x30            out[31] NZCV        out[32] sp now
 *   out[33] sp before the loop     out[34] FPCR        out[35] FPSR
 *   out[36..99] v0..v31, low then high half
 * x29 and x30 hold test values too: the CFI below says where the caller's
 * are (CFA = sp + 192), so unwinding from inside the loop works.
 * Named without a goro prefix: the preemption handler must treat it as user code.
 */
#include "regs_frame_aarch64.h"
        .section .rodata
        .p2align 3
gpr_values:
        .quad   0x0000000000000000
        .quad   0x1bac14111ae8a18c
        .quad   0xf6457324764587df
        .quad   0xc311b5b9192c815b
        .quad   0x3792d5a2771074cc
        .quad   0x69bf7f49a14998cb
        .quad   0xfe7ee2a5eb886413
        .quad   0x405aba310a5e535e
        .quad   0x6b037fd0b07a697d
        .quad   0xfef878b4cb6470bd
        .quad   0x7cb42ae9f795d223
        .quad   0x1da66b973d284fc8
        .quad   0x6108678a76238e18
        .quad   0x56eabf6117808e97
        .quad   0x6adec067a05a01e0
        .quad   0x704aafdf6f3312df
        .quad   0xf44c67a77bcec563
        .quad   0x3c96dc1dbd602c61
        .quad   0x5911a13b19cadb03
        .quad   0x6d05a94614bcad23
        .quad   0x1cbac75e2e35044c
        .quad   0x2365c09209f4de48
        .quad   0xc6d22b4649f75466
        .quad   0x58cad49a00bdbc4d
        .quad   0x798c3b1bf9646b05
        .quad   0xabf7489a212a2deb
        .quad   0x6380db869c641a71
        .quad   0xb08f9fb955f1f370
        .quad   0x3990477e7d30f030
        .quad   0x0fc9aad4562c336f
        .quad   0x9219ad3d158da672
vec_values:
        .quad   0xc920196aabfdff23
        .quad   0x5827eb6905dbcd97
        .quad   0x0fdb13c18b74a8bd
        .quad   0xe2d9f2c278dca390
        .quad   0x13727b3582a85973
        .quad   0x68ef4bbf7e950d3c
        .quad   0xbcbfae704753be5b
        .quad   0x21c86a493085974d
        .quad   0x453ee79eb9cac15f
        .quad   0xb6962b09bcf6296d
        .quad   0x43aec401c8d9a110
        .quad   0x1c477b7076547829
        .quad   0x2c418cd801b9ce84
        .quad   0xdf36689914ff2f92
        .quad   0x90d550aaa1852b8b
        .quad   0xab99f7d0c4d18c7d
        .quad   0x19b9faa5a910e05b
        .quad   0x05de477f4c02fd2b
        .quad   0x9bccd90508c9d932
        .quad   0x50192972a5cfebb0
        .quad   0x0c20ad5a622e7eeb
        .quad   0xd5ea26aa9d7ea1a6
        .quad   0x97023cff896f3722
        .quad   0x36e6f53500a9d0ef
        .quad   0x140927c0d0c6d87a
        .quad   0x40eb24fb7593e180
        .quad   0x58e4446a0431e40e
        .quad   0xcda9e20b94ecf90c
        .quad   0x6d9d87fea0110359
        .quad   0x6b08ae4313110e14
        .quad   0x221d5cd1456ac067
        .quad   0x69e86189dd71d6b6

        .text
        .globl  test_regs_spin
        .type   test_regs_spin, %function
        .p2align 4
test_regs_spin:
        .cfi_startproc
        PROBE_SAVE_CALLEE_FRAME
        mov     x9, sp
        stp     x2, x9, [sp, #160]      /* out, sp before the loop */
        mrs     x9, fpcr
        mrs     x10, fpsr
        stp     x9, x10, [sp, #176]     /* the caller's FPCR and FPSR */
        ubfx    x10, x1, #8, #2
        bfi     x9, x10, #22, #2        /* FPCR.RMode */
        msr     fpcr, x9
        ubfx    x10, x1, #12, #5        /* FPSR.IOC..IXC */
        ubfx    x11, x1, #17, #1
        orr     x10, x10, x11, lsl #27  /* FPSR.QC */
        msr     fpsr, x10
        adrp    x9, vec_values
        add     x9, x9, :lo12:vec_values
        ldr     x10, [x9, #0]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d0, x10
        mov     v0.d[1], x11
        ldr     x10, [x9, #8]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d1, x10
        mov     v1.d[1], x11
        ldr     x10, [x9, #16]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d2, x10
        mov     v2.d[1], x11
        ldr     x10, [x9, #24]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d3, x10
        mov     v3.d[1], x11
        ldr     x10, [x9, #32]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d4, x10
        mov     v4.d[1], x11
        ldr     x10, [x9, #40]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d5, x10
        mov     v5.d[1], x11
        ldr     x10, [x9, #48]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d6, x10
        mov     v6.d[1], x11
        ldr     x10, [x9, #56]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d7, x10
        mov     v7.d[1], x11
        ldr     x10, [x9, #64]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d8, x10
        mov     v8.d[1], x11
        ldr     x10, [x9, #72]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d9, x10
        mov     v9.d[1], x11
        ldr     x10, [x9, #80]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d10, x10
        mov     v10.d[1], x11
        ldr     x10, [x9, #88]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d11, x10
        mov     v11.d[1], x11
        ldr     x10, [x9, #96]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d12, x10
        mov     v12.d[1], x11
        ldr     x10, [x9, #104]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d13, x10
        mov     v13.d[1], x11
        ldr     x10, [x9, #112]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d14, x10
        mov     v14.d[1], x11
        ldr     x10, [x9, #120]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d15, x10
        mov     v15.d[1], x11
        ldr     x10, [x9, #128]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d16, x10
        mov     v16.d[1], x11
        ldr     x10, [x9, #136]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d17, x10
        mov     v17.d[1], x11
        ldr     x10, [x9, #144]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d18, x10
        mov     v18.d[1], x11
        ldr     x10, [x9, #152]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d19, x10
        mov     v19.d[1], x11
        ldr     x10, [x9, #160]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d20, x10
        mov     v20.d[1], x11
        ldr     x10, [x9, #168]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d21, x10
        mov     v21.d[1], x11
        ldr     x10, [x9, #176]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d22, x10
        mov     v22.d[1], x11
        ldr     x10, [x9, #184]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d23, x10
        mov     v23.d[1], x11
        ldr     x10, [x9, #192]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d24, x10
        mov     v24.d[1], x11
        ldr     x10, [x9, #200]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d25, x10
        mov     v25.d[1], x11
        ldr     x10, [x9, #208]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d26, x10
        mov     v26.d[1], x11
        ldr     x10, [x9, #216]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d27, x10
        mov     v27.d[1], x11
        ldr     x10, [x9, #224]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d28, x10
        mov     v28.d[1], x11
        ldr     x10, [x9, #232]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d29, x10
        mov     v29.d[1], x11
        ldr     x10, [x9, #240]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d30, x10
        mov     v30.d[1], x11
        ldr     x10, [x9, #248]
        eor     x10, x10, x1
        add     x11, x10, #1
        fmov    d31, x10
        mov     v31.d[1], x11
        ubfx    x10, x1, #4, #4
        lsl     x10, x10, #28
        msr     nzcv, x10
        adrp    x9, gpr_values
        add     x9, x9, :lo12:gpr_values
        ldr     x2, [x9, #16]
        eor     x2, x2, x1
        ldr     x3, [x9, #24]
        eor     x3, x3, x1
        ldr     x4, [x9, #32]
        eor     x4, x4, x1
        ldr     x5, [x9, #40]
        eor     x5, x5, x1
        ldr     x6, [x9, #48]
        eor     x6, x6, x1
        ldr     x7, [x9, #56]
        eor     x7, x7, x1
        ldr     x8, [x9, #64]
        eor     x8, x8, x1
        ldr     x10, [x9, #80]
        eor     x10, x10, x1
        ldr     x11, [x9, #88]
        eor     x11, x11, x1
        ldr     x12, [x9, #96]
        eor     x12, x12, x1
        ldr     x13, [x9, #104]
        eor     x13, x13, x1
        ldr     x14, [x9, #112]
        eor     x14, x14, x1
        ldr     x15, [x9, #120]
        eor     x15, x15, x1
        ldr     x16, [x9, #128]
        eor     x16, x16, x1
        ldr     x17, [x9, #136]
        eor     x17, x17, x1
        ldr     x18, [x9, #144]
        eor     x18, x18, x1
        ldr     x19, [x9, #152]
        eor     x19, x19, x1
        ldr     x20, [x9, #160]
        eor     x20, x20, x1
        ldr     x21, [x9, #168]
        eor     x21, x21, x1
        ldr     x22, [x9, #176]
        eor     x22, x22, x1
        ldr     x23, [x9, #184]
        eor     x23, x23, x1
        ldr     x24, [x9, #192]
        eor     x24, x24, x1
        ldr     x25, [x9, #200]
        eor     x25, x25, x1
        ldr     x26, [x9, #208]
        eor     x26, x26, x1
        ldr     x27, [x9, #216]
        eor     x27, x27, x1
        ldr     x28, [x9, #224]
        eor     x28, x28, x1
        ldr     x29, [x9, #232]
        eor     x29, x29, x1
        ldr     x30, [x9, #240]
        eor     x30, x30, x1
        ldr     x9, [x9, #72]
        eor     x9, x9, x1
1:      sub     x0, x0, #1              /* no flags written */
        cbnz    x0, 1b
        ldr     x0, [sp, #160]          /* out; x0 was the counter */
        str     x1, [x0, #8]
        str     x2, [x0, #16]
        str     x3, [x0, #24]
        str     x4, [x0, #32]
        str     x5, [x0, #40]
        str     x6, [x0, #48]
        str     x7, [x0, #56]
        str     x8, [x0, #64]
        str     x9, [x0, #72]
        str     x10, [x0, #80]
        str     x11, [x0, #88]
        str     x12, [x0, #96]
        str     x13, [x0, #104]
        str     x14, [x0, #112]
        str     x15, [x0, #120]
        str     x16, [x0, #128]
        str     x17, [x0, #136]
        str     x18, [x0, #144]
        str     x19, [x0, #152]
        str     x20, [x0, #160]
        str     x21, [x0, #168]
        str     x22, [x0, #176]
        str     x23, [x0, #184]
        str     x24, [x0, #192]
        str     x25, [x0, #200]
        str     x26, [x0, #208]
        str     x27, [x0, #216]
        str     x28, [x0, #224]
        str     x29, [x0, #232]
        str     x30, [x0, #240]
        mrs     x1, nzcv
        str     x1, [x0, #248]
        mov     x1, sp
        str     x1, [x0, #256]
        ldr     x1, [sp, #168]
        str     x1, [x0, #264]
        mrs     x1, fpcr
        str     x1, [x0, #272]
        mrs     x1, fpsr
        str     x1, [x0, #280]
        str     q0, [x0, #288]
        str     q1, [x0, #304]
        str     q2, [x0, #320]
        str     q3, [x0, #336]
        str     q4, [x0, #352]
        str     q5, [x0, #368]
        str     q6, [x0, #384]
        str     q7, [x0, #400]
        str     q8, [x0, #416]
        str     q9, [x0, #432]
        str     q10, [x0, #448]
        str     q11, [x0, #464]
        str     q12, [x0, #480]
        str     q13, [x0, #496]
        str     q14, [x0, #512]
        str     q15, [x0, #528]
        str     q16, [x0, #544]
        str     q17, [x0, #560]
        str     q18, [x0, #576]
        str     q19, [x0, #592]
        str     q20, [x0, #608]
        str     q21, [x0, #624]
        str     q22, [x0, #640]
        str     q23, [x0, #656]
        str     q24, [x0, #672]
        str     q25, [x0, #688]
        str     q26, [x0, #704]
        str     q27, [x0, #720]
        str     q28, [x0, #736]
        str     q29, [x0, #752]
        str     q30, [x0, #768]
        str     q31, [x0, #784]
        ldp     x9, x10, [sp, #176]
        msr     fpcr, x9
        msr     fpsr, x10
        PROBE_RESTORE_CALLEE_FRAME
        ret
        .cfi_endproc
        .size   test_regs_spin, .-test_regs_spin

        .section .note.GNU-stack, "", %progbits
