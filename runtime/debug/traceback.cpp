// Stack traces with libunwind, in Go's layout:
//
//   namespace::function(args)
//           +0x1c pc=0x5555555592ac
//
// A goroutine's trace ends at its entry trampoline (arch/<cpu>/switch.S marks
// the return address there undefined).
#include "runtime/debug/fatal.hpp"

#define UNW_LOCAL_ONLY
#include <cxxabi.h>
#include <libunwind.h>

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include "arch/x86_64/frame.h"
#elif defined(__aarch64__)
#include "arch/aarch64/frame.h"
#endif

namespace goro::debug {
namespace {

constexpr int kMaxFrames = 100;

// Prints frames from `cursor` on; skips frames until one named `after` has
// been passed (when given).
void print_frames(std::FILE* out, unw_cursor_t& cursor, int skip, const char* after) noexcept {
  bool started = (after == nullptr);
  int printed = 0;
  do {
    unw_word_t pc = 0, offset = 0;
    unw_get_reg(&cursor, UNW_REG_IP, &pc);
    if (pc == 0) break;
    char name[512];
    bool named = unw_get_proc_name(&cursor, name, sizeof name, &offset) == 0;
    if (!started) {
      if (named && std::strstr(name, after)) started = true;
      continue;
    }
    if (skip > 0) {
      --skip;
      continue;
    }
    int status = -1;
    char* demangled = named ? abi::__cxa_demangle(name, nullptr, nullptr, &status) : nullptr;
    const char* shown = status == 0 && demangled ? demangled : (named ? name : "?");
    std::fprintf(out, "%s\n\t+0x%lx pc=%p\n", shown, static_cast<unsigned long>(offset), reinterpret_cast<void*>(pc));
    std::free(demangled);
    if (++printed >= kMaxFrames) {
      std::fputs("...additional frames elided...\n", out);
      break;
    }
  } while (unw_step(&cursor) > 0);
}

}  // namespace

void print_current_trace(std::FILE* out, int skip) noexcept {
  unw_context_t uc;
  unw_cursor_t cursor;
  unw_getcontext(&uc);
  if (unw_init_local(&cursor, &uc) != 0) return;
  print_frames(out, cursor, skip + 1, nullptr);
}

void print_trace_after(std::FILE* out, const char* frame_name) noexcept {
  unw_context_t uc;
  unw_cursor_t cursor;
  unw_getcontext(&uc);
  if (unw_init_local(&cursor, &uc) != 0) return;
  print_frames(out, cursor, 0, frame_name);
}

void print_saved_trace(std::FILE* out, void* saved_context) noexcept {
  if (!saved_context) {
    std::fputs("\t(not started)\n", out);
    return;
  }
#if defined(__x86_64__) && defined(GORO_SWITCH_ASM)
  // Rebuild the registers the switch frame holds; the rest do not matter to
  // an unwinder that starts at the resume address.
  auto* f = static_cast<const arch::SwitchFrame*>(saved_context);
  unw_context_t uc;
  unw_getcontext(&uc);
  greg_t* r = uc.uc_mcontext.gregs;
  r[REG_RIP] = static_cast<greg_t>(f->rip);
  r[REG_RSP] = reinterpret_cast<greg_t>(static_cast<const char*>(saved_context) + GORO_FRAME_SIZE);
  r[REG_RBX] = static_cast<greg_t>(f->rbx);
  r[REG_RBP] = static_cast<greg_t>(f->rbp);
  r[REG_R12] = static_cast<greg_t>(f->r12);
  r[REG_R13] = static_cast<greg_t>(f->r13);
  r[REG_R14] = static_cast<greg_t>(f->r14);
  r[REG_R15] = static_cast<greg_t>(f->r15);
  unw_cursor_t cursor;
  if (unw_init_local(&cursor, &uc) != 0) return;
  print_frames(out, cursor, 0, nullptr);
#else
  (void)saved_context;
  std::fputs("\t(trace of a parked goroutine: x86-64 asm backend only, for now)\n", out);
#endif
}

}  // namespace goro::debug
