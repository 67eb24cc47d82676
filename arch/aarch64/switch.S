/*
 * goro_switch(Context* save, Context to)            AAPCS64, ELF
 *                  x0             x1
 *
 * Saves the running context's callee-saved state as a frame on its own stack,
 * stores the stack pointer into *save, and resumes the frame at `to`.
 *
 *  the frame at a suspended context's stack pointer (frame.h has the offsets)
 *
 *    +0  +--------------------+--------------------+
 *        | x29 (fp)           | x30 (lr) = resume  |   an AAPCS64 frame record
 *   +16  +--------------------+--------------------+
 *        | x19                | x20                |
 *   +32  | x21                | x22                |
 *   +48  | x23                | x24                |
 *   +64  | x25                | x26                |
 *   +80  | x27                | x28                |
 *   +96  +--------------------+--------------------+
 *        | d8                 | d9                 |
 *  +112  | d10                | d11                |
 *  +128  | d12                | d13                |
 *  +144  | d14                | d15                |
 *  +160  +--------------------+--------------------+
 *        | FPCR (8)           | pad (8)            |
 *  +176  +--------------------+--------------------+  caller's frame
 *
 * sp is 16-byte aligned at every step (176 = 11 * 16).
 *
 * Resuming loads the resume address into x30 and branches to it with `br`
 * instead of `ret`: a `ret` would be predicted from the return-address stack,
 * which holds the caller of *this* switch, and would mispredict on nearly
 * every switch. With BTI enforced (-mbranch-protection=bti|standard) a `br`
 * may land only on a `bti j`/`bti jc`, and a resume address is the
 * instruction after some `bl goro_switch`, never a landing pad; `ret` is
 * exempt from BTI, so BTI builds resume with `ret` and pay the misprediction.
 * goro_switch_ret always resumes with `ret`, for callers whose resumed
 * context switched out from the same call site (arch/x86_64/switch.S says
 * why that pays).
 *
 * The floating-point control state is per context: FPCR is saved on every
 * switch and reloaded only when it differs from the running context's (msr
 * fpcr may serialise the pipeline and is almost never needed). FPSR (the
 * cumulative exception flags) is status, not control, and is not switched.
 */
#include "frame.h"

#include "features.h"

/* CFA-relative slot of a frame offset, while sp points at the frame. */
#define GORO_CFA_SLOT(off) ((off) - GORO_FRAME_SIZE)

        .macro GORO_SWITCH name, use_ret
        .globl  \name
        .type   \name, %function
        .p2align 4
\name:
        .cfi_startproc
        GORO_BTI_C
        stp     x29, x30, [sp, #-GORO_FRAME_SIZE]!
        .cfi_def_cfa_offset GORO_FRAME_SIZE
        .cfi_offset x29, GORO_CFA_SLOT(GORO_FRAME_X29)
        .cfi_offset x30, GORO_CFA_SLOT(GORO_FRAME_X30)
        stp     x19, x20, [sp, #GORO_FRAME_X19]
        .cfi_offset x19, GORO_CFA_SLOT(GORO_FRAME_X19)
        .cfi_offset x20, GORO_CFA_SLOT(GORO_FRAME_X19 + 8)
        stp     x21, x22, [sp, #GORO_FRAME_X21]
        .cfi_offset x21, GORO_CFA_SLOT(GORO_FRAME_X21)
        .cfi_offset x22, GORO_CFA_SLOT(GORO_FRAME_X21 + 8)
        stp     x23, x24, [sp, #GORO_FRAME_X23]
        .cfi_offset x23, GORO_CFA_SLOT(GORO_FRAME_X23)
        .cfi_offset x24, GORO_CFA_SLOT(GORO_FRAME_X23 + 8)
        stp     x25, x26, [sp, #GORO_FRAME_X25]
        .cfi_offset x25, GORO_CFA_SLOT(GORO_FRAME_X25)
        .cfi_offset x26, GORO_CFA_SLOT(GORO_FRAME_X25 + 8)
        stp     x27, x28, [sp, #GORO_FRAME_X27]
        .cfi_offset x27, GORO_CFA_SLOT(GORO_FRAME_X27)
        .cfi_offset x28, GORO_CFA_SLOT(GORO_FRAME_X27 + 8)
        stp     d8, d9, [sp, #GORO_FRAME_D8]
        .cfi_offset d8, GORO_CFA_SLOT(GORO_FRAME_D8)
        .cfi_offset d9, GORO_CFA_SLOT(GORO_FRAME_D8 + 8)
        stp     d10, d11, [sp, #GORO_FRAME_D10]
        .cfi_offset d10, GORO_CFA_SLOT(GORO_FRAME_D10)
        .cfi_offset d11, GORO_CFA_SLOT(GORO_FRAME_D10 + 8)
        stp     d12, d13, [sp, #GORO_FRAME_D12]
        .cfi_offset d12, GORO_CFA_SLOT(GORO_FRAME_D12)
        .cfi_offset d13, GORO_CFA_SLOT(GORO_FRAME_D12 + 8)
        stp     d14, d15, [sp, #GORO_FRAME_D14]
        .cfi_offset d14, GORO_CFA_SLOT(GORO_FRAME_D14)
        .cfi_offset d15, GORO_CFA_SLOT(GORO_FRAME_D14 + 8)
        mrs     x9, fpcr
        str     x9, [sp, #GORO_FRAME_FPCR]

        mov     x10, sp
        str     x10, [x0]               /* *save = this context */
        mov     sp, x1                  /* now on the resumed context's stack; */
                                        /* its frame has the same layout, so the */
                                        /* CFI above describes it too */
        ldr     x10, [sp, #GORO_FRAME_FPCR]
        cmp     x9, x10
        b.ne    .Lload_fpcr\@
.Lrestore\@:
        .cfi_remember_state
        ldp     x19, x20, [sp, #GORO_FRAME_X19]
        ldp     x21, x22, [sp, #GORO_FRAME_X21]
        ldp     x23, x24, [sp, #GORO_FRAME_X23]
        ldp     x25, x26, [sp, #GORO_FRAME_X25]
        ldp     x27, x28, [sp, #GORO_FRAME_X27]
        ldp     d8, d9, [sp, #GORO_FRAME_D8]
        ldp     d10, d11, [sp, #GORO_FRAME_D10]
        ldp     d12, d13, [sp, #GORO_FRAME_D12]
        ldp     d14, d15, [sp, #GORO_FRAME_D14]
        .cfi_restore x19
        .cfi_restore x20
        .cfi_restore x21
        .cfi_restore x22
        .cfi_restore x23
        .cfi_restore x24
        .cfi_restore x25
        .cfi_restore x26
        .cfi_restore x27
        .cfi_restore x28
        .cfi_restore d8
        .cfi_restore d9
        .cfi_restore d10
        .cfi_restore d11
        .cfi_restore d12
        .cfi_restore d13
        .cfi_restore d14
        .cfi_restore d15
        ldp     x29, x30, [sp], #GORO_FRAME_SIZE
        .cfi_def_cfa_offset 0
        .cfi_restore x29
        .cfi_restore x30
        .if \use_ret
        ret
        .else
        GORO_RESUME
        .endif

.Lload_fpcr\@:
        .cfi_restore_state
        msr     fpcr, x10
        b       .Lrestore\@
        .cfi_endproc
        .size   \name, .-\name
        .endm

        .text
        GORO_SWITCH goro_switch, 0
        GORO_SWITCH goro_switch_ret, 1

/*
 * goro_context_entry: where a context made by make_context first resumes.
 * make_context leaves the entry function in x19, its argument in x20, and
 * x29 = 0 so the frame-pointer chain ends here. The return address is marked
 * undefined so unwinders end a goroutine's trace here. The entry function
 * never returns; if it does, brk traps.
 */
        .globl  goro_context_entry
        .type   goro_context_entry, %function
        .p2align 4
goro_context_entry:
        .cfi_startproc
        .cfi_undefined x30
        GORO_BTI_J
        mov     x0, x20
        blr     x19
        brk     #0x3e8                  /* what __builtin_trap emits */
        .cfi_endproc
        .size   goro_context_entry, .-goro_context_entry

        GORO_FEATURE_NOTE

        .section .note.GNU-stack, "", %progbits
