/* The x86-64 switch frame: what goro_switch leaves at a suspended context's
 * stack pointer. Shared by switch.S (offsets) and make_context.cpp (struct);
 * the static_asserts below keep the two in step. See switch.S for the picture. */
#ifndef GORO_ARCH_X86_64_FRAME_H
#define GORO_ARCH_X86_64_FRAME_H

#define GORO_FRAME_MXCSR 0  /* 4 bytes */
#define GORO_FRAME_X87CW 4  /* 2 bytes, then 2 bytes of padding */
#define GORO_FRAME_R12 8
#define GORO_FRAME_R13 16
#define GORO_FRAME_R14 24
#define GORO_FRAME_R15 32
#define GORO_FRAME_RBX 40
#define GORO_FRAME_RBP 48
#define GORO_FRAME_RIP 56
#define GORO_FRAME_SIZE 64

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace goro::arch {

struct SwitchFrame {
  std::uint32_t mxcsr;
  std::uint16_t x87_cw;
  std::uint16_t pad;
  std::uint64_t r12, r13, r14, r15, rbx, rbp;
  std::uint64_t rip;  // resume address, consumed by pop + jmp
};

static_assert(offsetof(SwitchFrame, mxcsr) == GORO_FRAME_MXCSR);
static_assert(offsetof(SwitchFrame, x87_cw) == GORO_FRAME_X87CW);
static_assert(offsetof(SwitchFrame, r12) == GORO_FRAME_R12);
static_assert(offsetof(SwitchFrame, r13) == GORO_FRAME_R13);
static_assert(offsetof(SwitchFrame, r14) == GORO_FRAME_R14);
static_assert(offsetof(SwitchFrame, r15) == GORO_FRAME_R15);
static_assert(offsetof(SwitchFrame, rbx) == GORO_FRAME_RBX);
static_assert(offsetof(SwitchFrame, rbp) == GORO_FRAME_RBP);
static_assert(offsetof(SwitchFrame, rip) == GORO_FRAME_RIP);
static_assert(sizeof(SwitchFrame) == GORO_FRAME_SIZE);

}  // namespace goro::arch
#endif

#endif
