/* BTI and PAC in goro's AArch64 assembly (switch.S, preempt.S), for
 * assembler files only.
 *
 * With branch protection on (-mbranch-protection=standard), every indirect
 * branch target needs a landing pad, and every object must carry the
 * GNU_PROPERTY_AARCH64_FEATURE_1_AND note, or the linker drops the
 * property for the whole binary. None of goro's routines signs x30:
 * goro_switch saves its caller's plain return address, and goro_context_entry,
 * goro_sigresume and goro_syscall_trampoline never return; all are PAC-compatible.
 *
 *   GORO_BTI_C   landing pad for a call (blr)
 *   GORO_BTI_J   landing pad for a jump (br; ret in BTI builds is "br x30")
 *   GORO_RESUME  how goro_switch jumps to the resumed context: ret under BTI
 *                (no landing pad needed for it), br x30 otherwise
 *   GORO_FEATURE_NOTE  the property note; put it once at the end of a file
 */
#ifndef GORO_ARCH_AARCH64_FEATURES_H
#define GORO_ARCH_AARCH64_FEATURES_H

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define GORO_BTI_C bti c
#define GORO_BTI_J bti j
#define GORO_RESUME ret
#define GORO_FEATURE_BTI 1
#else
#define GORO_BTI_C
#define GORO_BTI_J
#define GORO_RESUME br x30
#define GORO_FEATURE_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
#define GORO_FEATURE_PAC 2
#else
#define GORO_FEATURE_PAC 0
#endif

#if GORO_FEATURE_BTI || GORO_FEATURE_PAC
#define GORO_FEATURE_NOTE                                                              \
        .pushsection .note.gnu.property, "a";                                          \
        .p2align 3;                                                                    \
        .word   4;                      /* name size ("GNU\0") */                      \
        .word   16;                     /* descriptor size */                          \
        .word   5;                      /* NT_GNU_PROPERTY_TYPE_0 */                   \
        .asciz  "GNU";                                                                 \
        .word   0xc0000000;             /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */       \
        .word   4;                                                                     \
        .word   GORO_FEATURE_BTI | GORO_FEATURE_PAC;                                   \
        .word   0;                                                                     \
        .popsection
#else
#define GORO_FEATURE_NOTE
#endif

#endif
