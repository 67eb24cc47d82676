/*
 * The AArch64 register probes' frame (preempt_regs_aarch64.S,
 * implicit_syscall_regs_aarch64.S): 192 bytes with the frame record at sp,
 * x19-x28 at 16..95 and d8-d15 at 96..159, with their CFI (CFA = sp + 192),
 * so a trace taken inside a probe unwinds through it. Bytes 160..191 are the
 * probe's own.
 */
        .macro PROBE_SAVE_CALLEE_FRAME
        stp     x29, x30, [sp, #-192]!
        .cfi_def_cfa_offset 192
        .cfi_offset x29, -192
        .cfi_offset x30, -184
        stp     x19, x20, [sp, #16]
        .cfi_offset x19, -176
        .cfi_offset x20, -168
        stp     x21, x22, [sp, #32]
        .cfi_offset x21, -160
        .cfi_offset x22, -152
        stp     x23, x24, [sp, #48]
        .cfi_offset x23, -144
        .cfi_offset x24, -136
        stp     x25, x26, [sp, #64]
        .cfi_offset x25, -128
        .cfi_offset x26, -120
        stp     x27, x28, [sp, #80]
        .cfi_offset x27, -112
        .cfi_offset x28, -104
        stp     d8, d9, [sp, #96]
        .cfi_offset d8, -96
        .cfi_offset d9, -88
        stp     d10, d11, [sp, #112]
        .cfi_offset d10, -80
        .cfi_offset d11, -72
        stp     d12, d13, [sp, #128]
        .cfi_offset d12, -64
        .cfi_offset d13, -56
        stp     d14, d15, [sp, #144]
        .cfi_offset d14, -48
        .cfi_offset d15, -40
        .endm

        .macro PROBE_RESTORE_CALLEE_FRAME
        ldp     x19, x20, [sp, #16]
        ldp     x21, x22, [sp, #32]
        ldp     x23, x24, [sp, #48]
        ldp     x25, x26, [sp, #64]
        ldp     x27, x28, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        ldp     x29, x30, [sp], #192
        .cfi_def_cfa_offset 0
        .endm
