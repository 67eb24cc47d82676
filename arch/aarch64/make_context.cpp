// make_context for the AArch64 assembly backend: writes the first switch frame
// (frame.h) so that goro_switch "returns" into goro_context_entry.
#include "arch/context.hpp"
#include "arch/aarch64/frame.h"

#include <cstdint>
#include <cstring>

extern "C" void goro_context_entry();

namespace goro::arch {

Context make_context(void* stack_hi, std::size_t, Entry entry, void* arg) noexcept {
  // AAPCS64 wants sp 16-byte aligned at all times; the frame size is a
  // multiple of 16, so aligning its end aligns both its start and the sp
  // goro_context_entry runs on. Keep 16 bytes of zeroes above it, where a
  // frame record of the trampoline's caller would sit, for unwinders.
  auto top = reinterpret_cast<std::uintptr_t>(stack_hi) & ~std::uintptr_t{15};
  auto* frame = reinterpret_cast<SwitchFrame*>(top - 16 - sizeof(SwitchFrame));
  std::memset(frame, 0, sizeof(SwitchFrame) + 16);
  // A new context starts with the floating-point control state of its maker.
  std::uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  frame->fpcr = fpcr;
  frame->x29 = 0;  // ends the frame-pointer chain at the trampoline
  frame->x30 = reinterpret_cast<std::uint64_t>(&goro_context_entry);
  frame->x[0] = reinterpret_cast<std::uint64_t>(entry);  // x19
  frame->x[1] = reinterpret_cast<std::uint64_t>(arg);    // x20
  return frame;
}

const char* backend_name() noexcept { return "asm"; }

}  // namespace goro::arch
