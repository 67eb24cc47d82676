// make_context for the x86-64 assembly backend: writes the first switch frame
// (frame.h) so that goro_switch "returns" into goro_context_entry.
#include "arch/context.hpp"
#include "arch/x86_64/frame.h"

#include <cstdint>
#include <cstring>

extern "C" void goro_context_entry();

namespace goro::arch {

Context make_context(void* stack_hi, std::size_t, Entry entry, void* arg) noexcept {
  // goro_context_entry calls entry with %rsp 16-byte aligned (the ABI wants
  // it so at a call), i.e. the frame's end, where %rsp lands after the final
  // pop, is 16-byte aligned. Keep 16 bytes of zeroes above it for unwinders.
  auto top = reinterpret_cast<std::uintptr_t>(stack_hi) & ~std::uintptr_t{15};
  auto* frame = reinterpret_cast<SwitchFrame*>(top - 16 - sizeof(SwitchFrame));
  std::memset(frame, 0, sizeof(SwitchFrame) + 16);
  // A new context starts with the floating-point control state of its maker.
  __asm__ volatile("stmxcsr %0" : "=m"(frame->mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(frame->x87_cw));
  frame->r12 = reinterpret_cast<std::uint64_t>(entry);
  frame->r13 = reinterpret_cast<std::uint64_t>(arg);
  frame->rip = reinterpret_cast<std::uint64_t>(&goro_context_entry);
  return frame;
}

const char* backend_name() noexcept { return "asm"; }

}  // namespace goro::arch
