/*
 * Test helpers that hold known values in every callee-saved register across
 * a switch, so tests/arch/context_test.cpp can tell exactly which register
 * a switch failed to preserve.
 *
 * uint64_t goro_test_switch_keeping(Context* save, Context to, uint64_t seed)
 *   Loads seed+1 .. seed+11 into x19..x29 and the bit patterns seed+12 ..
 *   seed+19 into d8..d15, switches, and returns a bit mask of the registers
 *   whose values changed (bit k for x(19+k), k = 0..10; bit 11+k for d(8+k),
 *   k = 0..7). The caller's registers are preserved.
 *
 * void goro_test_switch_clobbering(Context* save, Context to)
 *   Fills every callee-saved register (x19..x29, d8..d15) with garbage,
 *   switches, and restores its caller's registers when resumed.
 *
 * Both keep their caller's x19..x30 and d8..d15 in a 176-byte frame laid out
 * like goro_switch's (the extra slot at +160 holds the seed).
 *
 * Both switch through goro_test_switch_fn (context_test.cpp sets it to
 * goro_switch or goro_switch_ret).
 */
        .text

/* Saves the caller's callee-saved registers; sp stays 16-byte aligned. */
.macro save_callee_saved
        stp     x29, x30, [sp, #-176]!
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
.endm

.macro restore_callee_saved
        ldp     x19, x20, [sp, #16]
        ldp     x21, x22, [sp, #32]
        ldp     x23, x24, [sp, #48]
        ldp     x25, x26, [sp, #64]
        ldp     x27, x28, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        ldp     x29, x30, [sp], #176
.endm

/* Calls goro_test_switch_fn(x0, x1); x16 is scratch. */
.macro call_switch_fn
        adrp    x16, goro_test_switch_fn
        ldr     x16, [x16, :lo12:goro_test_switch_fn]
        blr     x16
.endm

/* x0 |= (reg != x2 + k + 1) << k, for a general register */
.macro check_x reg, k
        add     x9, x2, #(\k + 1)
        cmp     \reg, x9
        cset    x10, ne
        orr     x0, x0, x10, lsl #\k
.endm

/* x0 |= (bits(dreg) != x2 + k + 1) << k, for a floating-point register */
.macro check_d reg, k
        fmov    x11, \reg
        add     x9, x2, #(\k + 1)
        cmp     x11, x9
        cset    x10, ne
        orr     x0, x0, x10, lsl #\k
.endm

        .globl  goro_test_switch_keeping
        .type   goro_test_switch_keeping, %function
        .p2align 4
goro_test_switch_keeping:
        save_callee_saved
        str     x2, [sp, #160]          /* seed */
        add     x19, x2, #1
        add     x20, x2, #2
        add     x21, x2, #3
        add     x22, x2, #4
        add     x23, x2, #5
        add     x24, x2, #6
        add     x25, x2, #7
        add     x26, x2, #8
        add     x27, x2, #9
        add     x28, x2, #10
        add     x29, x2, #11
        add     x9, x2, #12
        fmov    d8, x9
        add     x9, x2, #13
        fmov    d9, x9
        add     x9, x2, #14
        fmov    d10, x9
        add     x9, x2, #15
        fmov    d11, x9
        add     x9, x2, #16
        fmov    d12, x9
        add     x9, x2, #17
        fmov    d13, x9
        add     x9, x2, #18
        fmov    d14, x9
        add     x9, x2, #19
        fmov    d15, x9
        call_switch_fn
        ldr     x2, [sp, #160]
        mov     x0, #0
        check_x x19, 0
        check_x x20, 1
        check_x x21, 2
        check_x x22, 3
        check_x x23, 4
        check_x x24, 5
        check_x x25, 6
        check_x x26, 7
        check_x x27, 8
        check_x x28, 9
        check_x x29, 10
        check_d d8, 11
        check_d d9, 12
        check_d d10, 13
        check_d d11, 14
        check_d d12, 15
        check_d d13, 16
        check_d d14, 17
        check_d d15, 18
        restore_callee_saved
        ret
        .size   goro_test_switch_keeping, .-goro_test_switch_keeping

/* reg = 0xdead0000 | n; d registers get the bits of 0xbad0000 | n */
.macro garbage reg, hi, n
        movz    \reg, #\n
        movk    \reg, #\hi, lsl #16
.endm

        .globl  goro_test_switch_clobbering
        .type   goro_test_switch_clobbering, %function
        .p2align 4
goro_test_switch_clobbering:
        save_callee_saved
        garbage x19, 0xdead, 1
        garbage x20, 0xdead, 2
        garbage x21, 0xdead, 3
        garbage x22, 0xdead, 4
        garbage x23, 0xdead, 5
        garbage x24, 0xdead, 6
        garbage x25, 0xdead, 7
        garbage x26, 0xdead, 8
        garbage x27, 0xdead, 9
        garbage x28, 0xdead, 10
        garbage x29, 0xdead, 11
        garbage x9, 0xbad, 12
        fmov    d8, x9
        garbage x9, 0xbad, 13
        fmov    d9, x9
        garbage x9, 0xbad, 14
        fmov    d10, x9
        garbage x9, 0xbad, 15
        fmov    d11, x9
        garbage x9, 0xbad, 16
        fmov    d12, x9
        garbage x9, 0xbad, 17
        fmov    d13, x9
        garbage x9, 0xbad, 18
        fmov    d14, x9
        garbage x9, 0xbad, 19
        fmov    d15, x9
        call_switch_fn
        restore_callee_saved
        ret
        .size   goro_test_switch_clobbering, .-goro_test_switch_clobbering

        .section .note.GNU-stack, "", %progbits
