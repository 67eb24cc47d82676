/*
 * Test helpers that hold known values in every callee-saved register across
 * a switch, so tests/arch/context_test.cpp can tell exactly which register
 * a switch failed to preserve.
 *
 * uint64_t goro_test_switch_keeping(Context* save, Context to, uint64_t seed)
 *   Loads seed+1 .. seed+6 into rbx, rbp, r12-r15, switches, and returns a
 *   bit mask of the registers whose values changed (bit 0 rbx, 1 rbp,
 *   2 r12, 3 r13, 4 r14, 5 r15). The caller's registers are preserved.
 *
 * void goro_test_switch_clobbering(Context* save, Context to)
 *   Fills every callee-saved register with garbage, switches, and restores
 *   its caller's registers when resumed.
 *
 * Both switch through goro_test_switch_fn (context_test.cpp sets it to
 * goro_switch or goro_switch_ret).
 */
        .text
        .globl  goro_test_switch_keeping
        .type   goro_test_switch_keeping, @function
goro_test_switch_keeping:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp                /* keep the call below 16-byte aligned */
        movq    %rdx, (%rsp)            /* seed */
        leaq    1(%rdx), %rbx
        leaq    2(%rdx), %rbp
        leaq    3(%rdx), %r12
        leaq    4(%rdx), %r13
        leaq    5(%rdx), %r14
        leaq    6(%rdx), %r15
        call    *goro_test_switch_fn(%rip)
        movq    (%rsp), %rdx
        xorl    %eax, %eax
        leaq    1(%rdx), %rcx
        cmpq    %rcx, %rbx
        setne   %al
        leaq    2(%rdx), %rcx
        xorl    %esi, %esi
        cmpq    %rcx, %rbp
        setne   %sil
        shll    $1, %esi
        orl     %esi, %eax
        leaq    3(%rdx), %rcx
        xorl    %esi, %esi
        cmpq    %rcx, %r12
        setne   %sil
        shll    $2, %esi
        orl     %esi, %eax
        leaq    4(%rdx), %rcx
        xorl    %esi, %esi
        cmpq    %rcx, %r13
        setne   %sil
        shll    $3, %esi
        orl     %esi, %eax
        leaq    5(%rdx), %rcx
        xorl    %esi, %esi
        cmpq    %rcx, %r14
        setne   %sil
        shll    $4, %esi
        orl     %esi, %eax
        leaq    6(%rdx), %rcx
        xorl    %esi, %esi
        cmpq    %rcx, %r15
        setne   %sil
        shll    $5, %esi
        orl     %esi, %eax
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   goro_test_switch_keeping, .-goro_test_switch_keeping

        .globl  goro_test_switch_clobbering
        .type   goro_test_switch_clobbering, @function
goro_test_switch_clobbering:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        movq    $0xdead0001, %rbx
        movq    $0xdead0002, %rbp
        movq    $0xdead0003, %r12
        movq    $0xdead0004, %r13
        movq    $0xdead0005, %r14
        movq    $0xdead0006, %r15
        call    *goro_test_switch_fn(%rip)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   goro_test_switch_clobbering, .-goro_test_switch_clobbering

        .section .note.GNU-stack, "", @progbits
