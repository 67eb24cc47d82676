/* The AArch64 switch frame: what goro_switch leaves at a suspended context's
 * stack pointer. Shared by switch.S (offsets) and make_context.cpp (struct);
 * the static_asserts below keep the two in step. See switch.S for the picture. */
#ifndef GORO_ARCH_AARCH64_FRAME_H
#define GORO_ARCH_AARCH64_FRAME_H

#define GORO_FRAME_X29 0   /* fp; x29/x30 form an AAPCS64 frame record */
#define GORO_FRAME_X30 8   /* lr: the resume address */
#define GORO_FRAME_X19 16
#define GORO_FRAME_X21 32
#define GORO_FRAME_X23 48
#define GORO_FRAME_X25 64
#define GORO_FRAME_X27 80  /* x19..x28 in pairs, x(19+k) at 16 + 8k */
#define GORO_FRAME_D8 96
#define GORO_FRAME_D10 112
#define GORO_FRAME_D12 128
#define GORO_FRAME_D14 144 /* d8..d15 in pairs, d(8+k) at 96 + 8k */
#define GORO_FRAME_FPCR 160 /* 8 bytes (mrs/msr move 64 bits), then 8 of padding */
#define GORO_FRAME_SIZE 176 /* a multiple of 16: sp stays aligned */

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace goro::arch {

struct SwitchFrame {
  std::uint64_t x29;      // frame pointer; 0 in a new context ends the fp chain
  std::uint64_t x30;      // resume address, consumed by ldp + br
  std::uint64_t x[10];    // x19..x28
  std::uint64_t d[8];     // d8..d15 (the low 64 bits of v8..v15, all AAPCS64 keeps)
  std::uint64_t fpcr;
  std::uint64_t pad;
};

static_assert(offsetof(SwitchFrame, x29) == GORO_FRAME_X29);
static_assert(offsetof(SwitchFrame, x30) == GORO_FRAME_X30);
static_assert(offsetof(SwitchFrame, x) + 0 * 8 == GORO_FRAME_X19);
static_assert(offsetof(SwitchFrame, x) + 2 * 8 == GORO_FRAME_X21);
static_assert(offsetof(SwitchFrame, x) + 4 * 8 == GORO_FRAME_X23);
static_assert(offsetof(SwitchFrame, x) + 6 * 8 == GORO_FRAME_X25);
static_assert(offsetof(SwitchFrame, x) + 8 * 8 == GORO_FRAME_X27);
static_assert(offsetof(SwitchFrame, d) + 0 * 8 == GORO_FRAME_D8);
static_assert(offsetof(SwitchFrame, d) + 2 * 8 == GORO_FRAME_D10);
static_assert(offsetof(SwitchFrame, d) + 4 * 8 == GORO_FRAME_D12);
static_assert(offsetof(SwitchFrame, d) + 6 * 8 == GORO_FRAME_D14);
static_assert(offsetof(SwitchFrame, fpcr) == GORO_FRAME_FPCR);
static_assert(sizeof(SwitchFrame) == GORO_FRAME_SIZE);
static_assert(GORO_FRAME_SIZE % 16 == 0);

}  // namespace goro::arch
#endif

#endif
