// Asynchronous preemption, the AArch64 half (preempt_arch.hpp). The signal
// frame is one block, `struct rt_sigframe { siginfo_t info; struct ucontext
// uc; }`, whose uc_mcontext.__reserved (4 KiB) holds a list of records
// (fpsimd_context, maybe esr_context, sve_context, za_context...) ended by a
// zero header; state that does not fit is in a block right after the
// records, named by an extra_context record (datap, size), and may run past
// the end of the rt_sigframe struct. rt_sigreturn reads the frame at sp
// (16-aligned) and, for an extra_context, requires datap to point where the
// block is relative to that frame (Linux: right after the terminator that
// follows the extra_context record; qemu-user: wherever its own layout put
// it, unchecked). So the frame is copied as one block, extra data included,
// and datap is moved by the distance the block moved: valid for both.
// The copy and the resume frame are pictured in arch/aarch64/preempt.S.
#include "runtime/sched/preempt_arch.hpp"

#if GORO_ASYNC_PREEMPT && defined(__aarch64__)

#include "arch/aarch64/frame.h"

#include <algorithm>
#include <csignal>
#include <cstring>

namespace goro::sched::preempt_arch {

namespace {

// AAPCS64 on Linux has no red zone, but nothing is gained by writing right
// below the interrupted sp: leave 128 bytes, as on x86-64.
constexpr std::size_t kUntouched = 128;
constexpr std::size_t kSigframe = sizeof(siginfo_t) + sizeof(ucontext_t);  // struct rt_sigframe
constexpr std::size_t kRecords = offsetof(ucontext_t, uc_mcontext.__reserved);
constexpr std::size_t kRecordsSize = sizeof(ucontext_t::uc_mcontext.__reserved);
constexpr std::uint32_t kExtraMagic = 0x45585401;  // EXTRA_MAGIC, <asm/sigcontext.h>
constexpr std::size_t kDatapAt = 8;                // struct extra_context: head, datap (u64) at 8,
constexpr std::size_t kSizeAt = 16;                //   size (u32) at 16
constexpr std::size_t kMaxFrame = 64 * 1024;       // more than any frame Linux or qemu builds

static_assert(kSigframe % 16 == 0);
static_assert(sizeof(siginfo_t) == 128 && kRecordsSize == 4096);

std::uint32_t load32(std::uintptr_t at) noexcept {
  std::uint32_t v;
  std::memcpy(&v, reinterpret_cast<const void*>(at), sizeof v);
  return v;
}
std::uint64_t load64(std::uintptr_t at) noexcept {
  std::uint64_t v;
  std::memcpy(&v, reinterpret_cast<const void*>(at), sizeof v);
  return v;
}

}  // namespace


bool locate(const void* info, ucontext_t* uc, SignalFrame& f) noexcept {
  // The handler's info and uc are the two halves of one rt_sigframe.
  const auto frame = reinterpret_cast<std::uintptr_t>(info);
  if (frame + sizeof(siginfo_t) != reinterpret_cast<std::uintptr_t>(uc) || (frame & 15) != 0) return false;
  // Walk the records for an extra_context; the frame ends after its data.
  std::size_t size = kSigframe, pointer_at = 0;
  const std::uintptr_t first = frame + sizeof(siginfo_t) + kRecords;
  const std::uintptr_t end = first + kRecordsSize;
  std::uintptr_t at = first;
  for (;;) {
    if (end - at < 8) return false;  // no terminator: not a frame we know
    std::uint32_t magic = load32(at), len = load32(at + 4);
    if (magic == 0 && len == 0) break;
    if (len < 8 || len % 16 != 0 || len > end - at) return false;
    if (magic == kExtraMagic) {
      if (pointer_at != 0 || len < kSizeAt + 4) return false;
      std::uint64_t datap = load64(at + kDatapAt);
      std::uint32_t extra = load32(at + kSizeAt);
      // Data within reach after the records' start, as both writers lay it out.
      if (datap < first || datap - frame > kMaxFrame || extra > kMaxFrame - (datap - frame)) return false;
      size = std::max<std::size_t>(size, datap - frame + extra);
      pointer_at = at + kDatapAt - frame;
    }
    at += len;
  }
  f.sp = sp(uc);
  f.data = reinterpret_cast<const unsigned char*>(frame);
  f.size = (size + 15) & ~std::size_t{15};
  f.pointer_at = pointer_at;
  f.need = kUntouched + f.size + 16 + GORO_FRAME_SIZE;
  return true;
}

// Below the untouched 128 bytes: the frame, 16-aligned; its address is the
// sp rt_sigreturn needs.
std::uintptr_t copy(ucontext_t*, const SignalFrame& f) noexcept {
  std::uintptr_t dst = (f.sp - kUntouched - f.size) & ~std::uintptr_t{15};
  std::memcpy(reinterpret_cast<void*>(dst), f.data, f.size);
  if (f.pointer_at != 0) {
    std::uint64_t datap = load64(dst + f.pointer_at);
    datap += dst - reinterpret_cast<std::uintptr_t>(f.data);
    std::memcpy(reinterpret_cast<void*>(dst + f.pointer_at), &datap, sizeof datap);
  }
  return dst;
}

arch::Context resume_frame(std::uintptr_t at) noexcept {
  auto* frame = reinterpret_cast<arch::SwitchFrame*>(at - GORO_FRAME_SIZE);
  std::memset(frame, 0, sizeof *frame);
  std::uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  frame->fpcr = fpcr;
  frame->x30 = reinterpret_cast<std::uint64_t>(&goro_sigresume);
  return reinterpret_cast<arch::Context>(frame);
}

// --- Unannotated system calls --------------------------------------------
//
// `svc #0`: number in x8, arguments in x0-x5, result in x0, pc past the
// instruction (the exception returns to the next one). A restartable call an
// SA_RESTART handler interrupted comes back rewound: pc at the svc and x0 the
// first argument again (Linux restores orig_x0; qemu-user leaves x0 alone
// and moves pc back by 4 for -QEMU_ERESTARTSYS, linux-user/aarch64/
// cpu_loop.c). A call ended with EINTR has x0 = -EINTR: the first argument
// comes from what sysmon read in /proc (BlockedCall).

namespace {
constexpr std::uint32_t kSvc0 = 0xd4000001;  // svc #0
constexpr std::uintptr_t kInsn = 4;
}  // namespace

// Instructions are 4 bytes, 4-aligned: never across a page.
bool syscall_insn_at(std::uintptr_t pc) noexcept { return (pc & 3) == 0 && load32(pc) == kSvc0; }

bool syscall_insn_before(std::uintptr_t pc) noexcept {
  return (pc & 3) == 0 && (pc & 4095) >= kInsn && syscall_insn_at(pc - kInsn);
}

long syscall_nr(const ucontext_t* uc) noexcept { return static_cast<long>(uc->uc_mcontext.regs[8]); }

long syscall_result(const ucontext_t* uc) noexcept { return static_cast<long>(uc->uc_mcontext.regs[0]); }

bool same_args(const ucontext_t* uc, const BlockedCall& call) noexcept {
  for (int i = 1; i < 6; ++i)  // x0 holds the result now
    if (uc->uc_mcontext.regs[i] != call.args[i]) return false;
  return static_cast<long>(uc->uc_mcontext.regs[8]) == call.nr;
}

// copy() returns the copied rt_sigframe: siginfo, then the ucontext.
ucontext_t* copied_ucontext(std::uintptr_t copy) noexcept {
  return reinterpret_cast<ucontext_t*>(copy + sizeof(siginfo_t));
}

void rewind_syscall(ucontext_t* copy, const BlockedCall& call) noexcept {
  copy->uc_mcontext.regs[8] = static_cast<std::uint64_t>(call.nr);
  copy->uc_mcontext.regs[0] = call.args[0];
  copy->uc_mcontext.pc -= kInsn;
}

// PSTATE.BTYPE cleared too: it is 0 at or right after an svc anyway, and a
// nonzero one would have the trampoline's landing pad checked against it.
void redirect(ucontext_t* uc, void (*to)(), std::uintptr_t at) noexcept {
  constexpr std::uint64_t kBtype = 0xc00;  // PSR_BTYPE_MASK, <asm/ptrace.h>
  uc->uc_mcontext.pc = reinterpret_cast<std::uint64_t>(to);
  uc->uc_mcontext.sp = at;
  uc->uc_mcontext.pstate &= ~kBtype;
}

void syscall_call(const ucontext_t* uc, long& nr, long a[6]) noexcept {
  nr = static_cast<long>(uc->uc_mcontext.regs[8]);
  for (int i = 0; i < 6; ++i) a[i] = static_cast<long>(uc->uc_mcontext.regs[i]);
}

long raw_syscall(long nr, const long a[6]) noexcept {
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a[0];
  register long x1 __asm__("x1") = a[1];
  register long x2 __asm__("x2") = a[2];
  register long x3 __asm__("x3") = a[3];
  register long x4 __asm__("x4") = a[4];
  register long x5 __asm__("x5") = a[5];
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}

// What `svc #0` leaves: the result in x0, pc past the instruction; every
// other register as it was.
void complete_syscall(ucontext_t* uc, long result) noexcept {
  uc->uc_mcontext.regs[0] = static_cast<std::uint64_t>(result);
  uc->uc_mcontext.pc += kInsn;
}

}  // namespace goro::sched::preempt_arch

#endif  // GORO_ASYNC_PREEMPT && __aarch64__
