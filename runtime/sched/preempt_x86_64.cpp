// Asynchronous preemption, the x86-64 half (preempt_arch.hpp): the signal
// frame is a ucontext plus an XSAVE area that uc_mcontext.fpregs points to;
// the copy and the resume frame are pictured in arch/x86_64/preempt.S.
#include "runtime/sched/preempt_arch.hpp"

#if GORO_ASYNC_PREEMPT && defined(__x86_64__)

#include "arch/x86_64/frame.h"

#include <cstring>

namespace goro::sched::preempt_arch {

namespace {

constexpr std::size_t kRedZone = 128;                      // SysV: never written by us
constexpr std::size_t kFpxSwOffset = 464;                  // struct _fpx_sw_bytes in the fxsave area
constexpr std::uint32_t kFpXstateMagic1 = 0x46505853U;     // FP_XSTATE_MAGIC1
constexpr std::size_t kUcontextKernelSize = offsetof(ucontext_t, __fpregs_mem);  // what rt_sigreturn reads
constexpr std::size_t kSyscallInsn = 2;                    // `syscall`: 0f 05

}  // namespace


bool locate(const void*, ucontext_t* uc, SignalFrame& f) noexcept {
  // The XSAVE area the kernel saved, and its size.
  auto* fp = reinterpret_cast<const unsigned char*>(uc->uc_mcontext.fpregs);
  if (!fp) return false;
  std::uint32_t sw[2];
  std::memcpy(sw, fp + kFpxSwOffset, sizeof sw);
  std::size_t size = sw[0] == kFpXstateMagic1 ? sw[1] : 512;
  if (size < 512 || size > 64 * 1024) return false;
  f.sp = sp(uc);
  f.data = fp;
  f.size = size;
  f.need = kRedZone + size + 64 + kUcontextKernelSize + 16 + GORO_FRAME_SIZE;
  return true;
}

// Below the red zone: the XSAVE copy (64-aligned, as XRSTOR needs), then
// the ucontext copy (16-aligned) with fpregs re-pointed at the XSAVE copy.
// rt_sigreturn reads the frame at %rsp - 8 (its first word, pretcode, is
// not read), so the ucontext copy's address is the stack pointer it needs.
std::uintptr_t copy(ucontext_t* uc, const SignalFrame& f) noexcept {
  std::uintptr_t top = f.sp - kRedZone;
  std::uintptr_t fp_copy = (top - f.size) & ~std::uintptr_t{63};
  std::uintptr_t uc_copy = (fp_copy - kUcontextKernelSize) & ~std::uintptr_t{15};
  std::memcpy(reinterpret_cast<void*>(fp_copy), f.data, f.size);
  std::memcpy(reinterpret_cast<void*>(uc_copy), uc, kUcontextKernelSize);
  reinterpret_cast<ucontext_t*>(uc_copy)->uc_mcontext.fpregs = reinterpret_cast<fpregset_t>(fp_copy);
  return uc_copy;
}

arch::Context resume_frame(std::uintptr_t at) noexcept {
  auto* frame = reinterpret_cast<arch::SwitchFrame*>(at - GORO_FRAME_SIZE);
  std::memset(frame, 0, sizeof *frame);
  __asm__ volatile("stmxcsr %0" : "=m"(frame->mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(frame->x87_cw));
  frame->rip = reinterpret_cast<std::uint64_t>(&goro_sigresume);
  return reinterpret_cast<arch::Context>(frame);
}

// --- Unannotated system calls --------------------------------------------

bool syscall_insn_at(std::uintptr_t pc) noexcept {
  // An instruction that ran never straddles into an unmapped page; one we
  // have not seen run might: read only within pc's page.
  if ((pc & 4095) > 4096 - kSyscallInsn) return false;
  const auto* insn = reinterpret_cast<const unsigned char*>(pc);
  return insn[0] == 0x0f && insn[1] == 0x05;
}

bool syscall_insn_before(std::uintptr_t pc) noexcept {
  return (pc & 4095) >= kSyscallInsn && syscall_insn_at(pc - kSyscallInsn);
}

long syscall_nr(const ucontext_t* uc) noexcept { return static_cast<long>(uc->uc_mcontext.gregs[REG_RAX]); }

namespace {
constexpr int kArgRegs[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
}  // namespace

bool same_args(const ucontext_t* uc, const BlockedCall& call) noexcept {
  for (int i = 0; i < 6; ++i)
    if (static_cast<std::uint64_t>(uc->uc_mcontext.gregs[kArgRegs[i]]) != call.args[i]) return false;
  return true;
}

long syscall_result(const ucontext_t* uc) noexcept { return static_cast<long>(uc->uc_mcontext.gregs[REG_RAX]); }

// copy() returns the ucontext copy itself.
ucontext_t* copied_ucontext(std::uintptr_t copy) noexcept { return reinterpret_cast<ucontext_t*>(copy); }

void rewind_syscall(ucontext_t* copy, const BlockedCall& call) noexcept {
  copy->uc_mcontext.gregs[REG_RAX] = static_cast<greg_t>(call.nr);
  copy->uc_mcontext.gregs[REG_RIP] -= kSyscallInsn;
}

void redirect(ucontext_t* uc, void (*to)(), std::uintptr_t at) noexcept {
  uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(reinterpret_cast<std::uintptr_t>(to));
  uc->uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(at);
}

void syscall_call(const ucontext_t* uc, long& nr, long a[6]) noexcept {
  nr = static_cast<long>(uc->uc_mcontext.gregs[REG_RAX]);
  for (int i = 0; i < 6; ++i) a[i] = static_cast<long>(uc->uc_mcontext.gregs[kArgRegs[i]]);
}

long raw_syscall(long nr, const long a[6]) noexcept {
  register long r10 __asm__("r10") = a[3];
  register long r8 __asm__("r8") = a[4];
  register long r9 __asm__("r9") = a[5];
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

// What the `syscall` instruction leaves: the result in RAX, the return
// address in RCX, the flags in R11, RIP past its two bytes.
void complete_syscall(ucontext_t* uc, long result) noexcept {
  greg_t* r = uc->uc_mcontext.gregs;
  r[REG_RAX] = static_cast<greg_t>(result);
  r[REG_RIP] += kSyscallInsn;
  r[REG_RCX] = r[REG_RIP];
  r[REG_R11] = r[REG_EFL];
}

}  // namespace goro::sched::preempt_arch

#endif  // GORO_ASYNC_PREEMPT && __x86_64__
