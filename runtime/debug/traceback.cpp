// Stack traces: unwound with libunwind, symbolised with libbacktrace when
// the build found it (GCC's own, shipped in libgcc-N-dev: function names
// from the DWARF, inlined frames, file:line) and with libunwind's names
// otherwise. Go's layout:
//
//   namespace::function(args)
//           /path/file.cpp:42 pc=0x5555555592ac
//
// Without debug info (or libbacktrace) the second line is "+0x1c pc=...",
// the offset in the function. A goroutine's trace ends at its entry
// trampoline (arch/<cpu>/switch.S marks the return address there undefined).
#include "runtime/debug/traceback.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/sched/futex.hpp"

#define UNW_LOCAL_ONLY
#include <cxxabi.h>
#include <libunwind.h>

#if defined(GORO_HAVE_LIBBACKTRACE)
#include <backtrace.h>
#endif

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ucontext.h>
#include <unistd.h>

#if defined(__x86_64__)
#include "arch/x86_64/frame.h"
#elif defined(__aarch64__)
#include "arch/aarch64/frame.h"
#endif

namespace goro::debug {
namespace {

// Collects the pcs from `cursor` on; skips frames until the first run of
// frames named `after` has been passed (when given), then `skip` more.
int collect(unw_cursor_t& cursor, int skip, const char* after, std::uintptr_t* pcs, int max) noexcept {
  bool started = (after == nullptr);
  bool matched = false;  // inside the run of frames named `after`
  int n = 0;
  do {
    unw_word_t pc = 0;
    unw_get_reg(&cursor, UNW_REG_IP, &pc);
    if (pc == 0) break;
    if (!started) {
      char name[512];
      unw_word_t offset = 0;
      bool match = unw_get_proc_name(&cursor, name, sizeof name, &offset) == 0 && std::strstr(name, after);
      if (match || !matched) {
        matched |= match;
        continue;
      }
      started = true;
    }
    if (skip > 0) {
      --skip;
      continue;
    }
    pcs[n++] = pc;
  } while (n < max && unw_step(&cursor) > 0);
  return n;
}

void print_name(std::FILE* out, const char* name) noexcept {
  int status = -1;
  char* demangled = name ? abi::__cxa_demangle(name, nullptr, nullptr, &status) : nullptr;
  std::fprintf(out, "%s\n", status == 0 && demangled ? demangled : (name ? name : "?"));
  std::free(demangled);
}

#if defined(GORO_HAVE_LIBBACKTRACE)
backtrace_state* symbolizer() noexcept {
  // Created once, on first use (it reads /proc/self/exe's DWARF lazily);
  // threaded: any thread may symbolise at the same time.
  static std::atomic<backtrace_state*> state{nullptr};
  backtrace_state* s = state.load(std::memory_order_acquire);
  if (!s) {
    backtrace_state* fresh = backtrace_create_state(nullptr, 1, nullptr, nullptr);
    if (state.compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) s = fresh;
  }
  return s;
}

// The frames one pc stands for: innermost (inlined) first, the function
// that holds the code last.
struct Lookup {
  static constexpr int kMax = 16;
  struct Frame {
    const char* function;
    const char* file;
    int line;
  } frames[kMax];
  int n = 0;
  const char* symbol = nullptr;  // from the symbol table: a linkage name
  std::uintptr_t symval = 0;
};

int on_pcinfo(void* data, std::uintptr_t, const char* file, int line, const char* function) {
  auto* l = static_cast<Lookup*>(data);
  if (function && l->n < Lookup::kMax) l->frames[l->n++] = {function, file, line};
  return 0;
}

void on_syminfo(void* data, std::uintptr_t, const char* symname, std::uintptr_t symval, std::uintptr_t) {
  auto* l = static_cast<Lookup*>(data);
  l->symbol = symname;
  l->symval = symval;
}

void on_error(void*, const char*, int) {}
#endif

// Prints one return address (looked up at pc - 1: the call, not what follows).
void print_pc(std::FILE* out, std::uintptr_t pc) noexcept {
#if defined(GORO_HAVE_LIBBACKTRACE)
  if (backtrace_state* s = symbolizer()) {
    Lookup l;
    backtrace_pcinfo(s, pc - 1, &on_pcinfo, &on_error, &l);
    backtrace_syminfo(s, pc - 1, &on_syminfo, &on_error, &l);
    // DWARF names inlined functions as written (often unqualified); the
    // function holding the code is named by its symbol when there is one:
    // the qualified, demangled linkage name.
    for (int i = 0; i < l.n; ++i) {
      bool outermost = i == l.n - 1;
      print_name(out, outermost && l.symbol ? l.symbol : l.frames[i].function);
      if (l.frames[i].file)
        std::fprintf(out, "\t%s:%d pc=%p\n", l.frames[i].file, l.frames[i].line, reinterpret_cast<void*>(pc));
      else
        std::fprintf(out, "\tpc=%p\n", reinterpret_cast<void*>(pc));
    }
    if (l.n > 0) return;
    if (l.symbol) {  // no debug info: the symbol and the offset into it
      print_name(out, l.symbol);
      std::fprintf(out, "\t+0x%lx pc=%p\n", static_cast<unsigned long>(pc - l.symval), reinterpret_cast<void*>(pc));
      return;
    }
  }
#endif
  // libunwind's names (symbol table, no file:line): they come through a
  // cursor only, so make one whose instruction pointer is pc.
  char name[512];
  unw_word_t offset = 0;
  unw_context_t uc;
  unw_cursor_t cursor;
  unw_getcontext(&uc);
  bool named = unw_init_local(&cursor, &uc) == 0 && unw_set_reg(&cursor, UNW_REG_IP, pc - 1) == 0 &&
               unw_get_proc_name(&cursor, name, sizeof name, &offset) == 0;
  print_name(out, named ? name : nullptr);
  std::fprintf(out, "\t+0x%lx pc=%p\n", static_cast<unsigned long>(named ? offset + 1 : 0), reinterpret_cast<void*>(pc));
}

}  // namespace

// One thread symbolises at a time: libbacktrace reads the debug info
// lazily, and two dumps doing so at once race inside it (TSan saw it, in
// its line-table reader). Tried for a second, not waited for forever: a
// SIGQUIT handler may have interrupted the holder on this very thread.
std::atomic<bool> g_symbolising{false};

void print_pcs(std::FILE* out, const std::uintptr_t* pcs, int n) noexcept {
  const bool locked =
      sched::try_bounded([] { return !g_symbolising.exchange(true, std::memory_order_acquire); }, 1000, 1000);
  for (int i = 0; i < n; ++i) print_pc(out, pcs[i]);
  if (n == kMaxFrames) std::fputs("...additional frames elided...\n", out);
  if (locked) g_symbolising.store(false, std::memory_order_release);
}

__attribute__((noinline)) int current_pcs(std::uintptr_t* pcs, int max, int skip, const char* after) noexcept {
  unw_context_t uc;
  unw_cursor_t cursor;
  unw_getcontext(&uc);
  if (unw_init_local(&cursor, &uc) != 0) return 0;
  // Our own frame is the first one unwound.
  return collect(cursor, after ? skip : skip + 1, after, pcs, max);
}

int saved_pcs(void* saved_context, std::uintptr_t* pcs, int max) noexcept {
  if (!saved_context) return 0;
#if defined(GORO_SWITCH_ASM) && (defined(__x86_64__) || defined(__aarch64__))
  // A context that starts with the registers the switch frame holds, as the
  // switch will restore them: the rest do not matter to an unwinder that
  // starts at the resume address (it only needs pc, sp and callee-saved).
  auto* f = static_cast<const arch::SwitchFrame*>(saved_context);
  auto sp = reinterpret_cast<std::uintptr_t>(saved_context) + GORO_FRAME_SIZE;
  unw_context_t uc;
  unw_getcontext(&uc);
#if defined(__x86_64__)
  greg_t* r = uc.uc_mcontext.gregs;
  r[REG_RIP] = static_cast<greg_t>(f->rip);
  r[REG_RSP] = static_cast<greg_t>(sp);
  r[REG_RBX] = static_cast<greg_t>(f->rbx);
  r[REG_RBP] = static_cast<greg_t>(f->rbp);
  r[REG_R12] = static_cast<greg_t>(f->r12);
  r[REG_R13] = static_cast<greg_t>(f->r13);
  r[REG_R14] = static_cast<greg_t>(f->r14);
  r[REG_R15] = static_cast<greg_t>(f->r15);
#else
  auto& mc = uc.uc_mcontext;
  for (int k = 0; k < 10; ++k) mc.regs[19 + k] = f->x[k];
  mc.regs[29] = f->x29;
  mc.regs[30] = f->x30;
  mc.sp = sp;
  mc.pc = f->x30;
#endif
  unw_cursor_t cursor;
  if (unw_init_local(&cursor, &uc) != 0) return 0;
  return collect(cursor, 0, nullptr, pcs, max);
#else
  (void)pcs;
  (void)max;
  return 0;  // the Boost.Context frame layout is Boost's: no saved traces
#endif
}

int signal_pcs(const void* ucontext, std::uintptr_t* pcs, int max) noexcept {
  // A context of libunwind's own with the kernel's general registers copied
  // in (what unwinding reads), as saved_pcs does: libunwind's context type
  // is not the kernel's ucontext on every architecture.
  const auto* k = static_cast<const ucontext_t*>(ucontext);
  unw_context_t uc;
  unw_getcontext(&uc);
#if defined(__x86_64__)
  std::memcpy(uc.uc_mcontext.gregs, k->uc_mcontext.gregs, sizeof uc.uc_mcontext.gregs);
#elif defined(__aarch64__)
  std::memcpy(uc.uc_mcontext.regs, k->uc_mcontext.regs, sizeof uc.uc_mcontext.regs);
  uc.uc_mcontext.sp = k->uc_mcontext.sp;
  uc.uc_mcontext.pc = k->uc_mcontext.pc;
  uc.uc_mcontext.pstate = k->uc_mcontext.pstate;
#endif
  unw_cursor_t cursor;
  // A signal frame: the first pc is the interrupted instruction, not a
  // return address (libunwind looks it up as is).
  if (unw_init_local2(&cursor, &uc, UNW_INIT_SIGNAL_FRAME) != 0) return 0;
  return collect(cursor, 0, nullptr, pcs, max);
}

__attribute__((noinline)) void print_current_trace(std::FILE* out, int skip) noexcept {
  std::uintptr_t pcs[kMaxFrames];
  print_pcs(out, pcs, current_pcs(pcs, kMaxFrames, skip + 1, nullptr));
}

void print_trace_after(std::FILE* out, const char* frame_name) noexcept {
  std::uintptr_t pcs[kMaxFrames];
  print_pcs(out, pcs, current_pcs(pcs, kMaxFrames, 0, frame_name));
}

}  // namespace goro::debug
