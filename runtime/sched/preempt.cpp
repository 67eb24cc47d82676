// Asynchronous preemption (preempt.hpp): the SIGURG handler, its safe-point
// test and the symbol table it classifies return addresses with.
#include "runtime/sched/preempt.hpp"

#include "runtime/sched/internal.hpp"
#include "runtime/sched/preempt_arch.hpp"
#include "runtime/sched/tracereq.hpp"

#include "runtime/debug/godebug.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <vector>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

namespace goro::sched {

NoPreempt::NoPreempt() noexcept : m_(current_m()) {
  if (m_) m_->no_preempt++;
}
NoPreempt::~NoPreempt() {
  if (m_) m_->no_preempt--;
}

// Called by goro_sigresume (arch/ARCH/preempt.S) on the resumed G's stack,
// with the copied signal frame (unused), before rt_sigreturn. Defined in
// every build: the assembly is linked with the asm switch even where
// preemption is off.
extern "C" void goro_preempt_resumed(void*) noexcept {
  int saved_errno = errno;
  finish_switch();
  errno = saved_errno;
}

namespace {

// Sets one of m's request flags, counts it, and sends m SIGURG; the handler
// clears the flag it acts on. False if m has no thread (yet, or any more).
bool signal_request(M* m, std::atomic<bool>& flag, std::atomic<std::uint64_t>& count) noexcept {
  int tid = m->tid.load(std::memory_order_acquire);
  if (tid == 0) return false;
  flag.store(true, std::memory_order_release);
  count.fetch_add(1, std::memory_order_relaxed);
  return syscall(SYS_tgkill, getpid(), tid, SIGURG) == 0;
}

}  // namespace

bool preempt_m(Sched* s, M* m) noexcept { return signal_request(m, m->preempt_req, s->preempt_requests); }

bool request_syscall_handoff(Sched* s, M* m) noexcept {
  if (!GORO_ASYNC_PREEMPT) return false;  // no trampoline: the signal would only cost an EINTR
  return signal_request(m, m->syscall_req, s->implicit_syscall_requests);
}

namespace {

std::once_flag g_init_once;
struct sigaction g_previous {};
bool g_supported = false;

// A SIGURG that is not ours (out-of-band socket data, another thread's):
// whoever had the signal before us gets it.
void forward(int sig, siginfo_t* info, void* ctx) noexcept {
  if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) {
    g_previous.sa_sigaction(sig, info, ctx);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler) {
    g_previous.sa_handler(sig);
  }
}

// The SIGURG handler unwinds (a preemption's safe-point test, a dump's
// trace request), so libunwind must not cache. Its global cache is a mutex
// held across dl_iterate_phdr, and the loader lock that takes is held by
// any thread interrupted inside a dl_iterate_phdr callback (a C++ throw,
// libbacktrace reading debug info): that thread's handler then waits for
// the cache mutex while its holder waits for the loader lock, forever
// (seen: two goroutines dumping while others spin). Per-thread caches are
// not reentrant (a handler unwinding over its own thread's unwind). With no
// cache, each step looks its frame up afresh: slower dumps, no lock.
void disable_unwind_cache() noexcept { unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_NONE); }

// Libunwind builds configured with .debug_frame support (Debian's AArch64
// one) look for a .debug_frame section of the object holding every address
// they look up, after finding its .eh_frame entry. They keep what they load,
// but an object without one is searched afresh each time: /proc/self/maps
// read and the file opened, with malloc and stdio, in the signal handler
// (9 ms per safe-point test under qemu-aarch64, most requests lost
// meanwhile). arch/aarch64/preempt.S gives every executable that links goro
// statically a small .debug_frame, and this loads it once, at start, outside
// any handler, by unwinding the calling thread: lookups in the executable
// then find it in libunwind's list. (Shared objects named by
// GORODEBUG=preemptmodules, and an executable linking libgoro.so, still pay
// the search. On x86-64 libunwind has no .debug_frame support: nothing to
// do, and nothing done wrong by doing it.) After disable_unwind_cache, which
// flushes that list.
void load_debug_frames() noexcept {
  unw_context_t uc;
  unw_cursor_t cursor;
  if (unw_getcontext(&uc) != 0 || unw_init_local(&cursor, &uc) != 0) return;
  for (int depth = 0; depth < 64 && unw_step(&cursor) > 0; ++depth) {
  }
}

}  // namespace

#if GORO_ASYNC_PREEMPT

namespace {

// --- Code map: which addresses are user code, runtime code, goroutine entry --

// bottom: g_entry, the runtime function that calls a goroutine's closure.
// Interrupted in it, the G is in the runtime; as a caller (the closure's
// wrappers are often tail calls, leaving no frame of their own) it ends the walk.
enum class Kind : std::uint8_t { user, runtime, entry, bottom };

struct Range {
  std::uintptr_t lo, hi;
  Kind kind;
};

struct CodeMap {
  std::uintptr_t exe_lo = 0, exe_hi = 0;  // the main executable's text (one span)
  std::vector<Range> extra;               // GORODEBUG=preemptmodules: their text, all user code
  std::vector<Range> runtime;             // sorted by lo; runtime and entry functions
  bool ok = false;
};

CodeMap g_map;

bool starts_with(const char* s, const char* prefix) noexcept { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

// Runtime functions by mangled name: everything in namespace goro (the
// runtime and the out-of-line parts of its headers) and the goro_ assembly,
// except goro::test (the tests' own code). Entry functions are the bottom
// of every goroutine's user code: invoke_closure<F> (and run()'s wrapper
// of the main function, go()'s wrapper binding the arguments) only call the
// user's closure, which the compiler often inlines into them, so they are
// user code, and the walk ends at the first of them.
Kind classify_name(const char* name) noexcept {
  static const char* const kEntry[] = {"_ZN4goro6detail14invoke_closure", "_ZZN4goro3run", "_ZZN4goro2go"};
  for (const char* e : kEntry)
    if (starts_with(name, e)) return Kind::entry;
  if (starts_with(name, "_ZN4goro5sched7g_entry")) return Kind::bottom;
  static const char* const kUser[] = {"_ZN4goro4test", "_ZNK4goro4test", "_ZZN4goro4test", "_ZZNK4goro4test"};
  for (const char* u : kUser)
    if (starts_with(name, u)) return Kind::user;
  static const char* const kRuntime[] = {"_ZN4goro", "_ZNK4goro", "_ZZN4goro", "_ZZNK4goro", "goro_"};
  for (const char* r : kRuntime)
    if (starts_with(name, r)) return Kind::runtime;
  return Kind::user;
}

int find_exe(dl_phdr_info* info, std::size_t, void* out) {
  // The first object is the main program.
  auto* bias = static_cast<std::uintptr_t*>(out);
  bias[0] = info->dlpi_addr;
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    lo = std::min<std::uintptr_t>(lo, info->dlpi_addr + ph.p_vaddr);
    hi = std::max<std::uintptr_t>(hi, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  bias[1] = lo;
  bias[2] = hi;
  return 1;
}

// The executable text of the shared objects GORODEBUG=preemptmodules names
// (by file name), as user code. goro's own library is never one of them.
struct ExtraModules {
  const char* names;  // colon-separated
  std::vector<Range>* out;
};

bool names_module(const char* list, const char* path) noexcept {
  const char* base = std::strrchr(path, '/');
  base = base ? base + 1 : path;
  if (!*base || starts_with(base, "libgoro")) return false;
  const std::size_t len = std::strlen(base);
  for (const char* p = list; *p;) {
    const char* end = std::strchr(p, ':');
    if (!end) end = p + std::strlen(p);
    if (static_cast<std::size_t>(end - p) == len && std::strncmp(p, base, len) == 0) return true;
    p = *end ? end + 1 : end;
  }
  return false;
}

int find_extra(dl_phdr_info* info, std::size_t, void* arg) {
  auto* want = static_cast<ExtraModules*>(arg);
  if (!info->dlpi_name || !names_module(want->names, info->dlpi_name)) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    want->out->push_back({lo, lo + ph.p_memsz, Kind::user});
  }
  return 0;
}

// Reads the executable's .symtab once, at start (never in the handler).
bool build_code_map(CodeMap& map) {
  if (const char* names = debug::godebug().preempt_modules; *names) {
    ExtraModules want{names, &map.extra};
    dl_iterate_phdr(&find_extra, &want);
  }
  std::uintptr_t exe[3] = {0, 0, 0};
  dl_iterate_phdr(&find_exe, exe);
  if (exe[2] == 0) return false;
  map.exe_lo = exe[1];
  map.exe_hi = exe[2];
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
    close(fd);
    return false;
  }
  auto size = static_cast<std::size_t>(st.st_size);
  void* mem = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mem == MAP_FAILED) return false;
  const auto* base = static_cast<const unsigned char*>(mem);
  const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
  bool found = false;
  if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_shoff + eh->e_shnum * sizeof(ElfW(Shdr)) <= size) {
    const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; ++i) {
      if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
      const ElfW(Shdr)& strs = sh[sh[i].sh_link];
      if (sh[i].sh_offset + sh[i].sh_size > size || strs.sh_offset + strs.sh_size > size) break;
      const auto* syms = reinterpret_cast<const ElfW(Sym)*>(base + sh[i].sh_offset);
      std::size_t n = sh[i].sh_size / sizeof(ElfW(Sym));
      const char* names = reinterpret_cast<const char*>(base + strs.sh_offset);
      for (std::size_t k = 0; k < n; ++k) {
        const ElfW(Sym)& s = syms[k];
        if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value == 0 || s.st_name >= strs.sh_size) continue;
        Kind kind = classify_name(names + s.st_name);
        if (kind == Kind::user) continue;
        std::uintptr_t lo = exe[0] + s.st_value;
        map.runtime.push_back({lo, lo + (s.st_size ? s.st_size : 1), kind});
      }
      found = true;
      break;
    }
  }
  munmap(mem, size);
  std::sort(map.runtime.begin(), map.runtime.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
  return found && !map.runtime.empty();
}

// user / runtime / entry for a code address; runtime for anything outside
// the main executable (libc, libstdc++, the loader: never a safe point) and
// the shared objects GORODEBUG=preemptmodules names,
// unless `foreign_ok` (a system call handed off stays on its thread and runs
// no other goroutine there, so libc frames may stay where they are).
Kind classify(std::uintptr_t pc, bool foreign_ok = false) noexcept {
  if (pc < g_map.exe_lo || pc >= g_map.exe_hi) {
    for (const Range& m : g_map.extra)
      if (pc >= m.lo && pc < m.hi) return Kind::user;
    return foreign_ok ? Kind::user : Kind::runtime;
  }
  const std::vector<Range>& r = g_map.runtime;
  std::size_t lo = 0, hi = r.size();
  while (lo < hi) {  // the last range starting at or below pc
    std::size_t mid = (lo + hi) / 2;
    if (r[mid].lo <= pc) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return Kind::user;
  const Range& f = r[lo - 1];
  return pc < f.hi ? f.kind : Kind::user;
}
// --- The handler -------------------------------------------------------------

constexpr std::size_t kResumeStackRoom = 16 * 1024;  // finish_switch runs below the copy
constexpr int kMaxFrames = 128;

// The interrupted PC and every return address from it down to the
// goroutine's entry are user code in the main executable (or, with
// foreign_ok, anywhere but the runtime). The PC is tested before unwinding:
// it alone rules out most refusals (runtime code, libc), cheaply.
bool frames_allow(ucontext_t* uc, bool foreign_ok) noexcept {
  Kind k = classify(preempt_arch::pc(uc), foreign_ok);
  if (k == Kind::runtime || k == Kind::bottom) return false;
  if (k == Kind::entry) return true;
  unw_cursor_t cursor;
  if (unw_init_local2(&cursor, reinterpret_cast<unw_context_t*>(uc), UNW_INIT_SIGNAL_FRAME) != 0) return false;
  for (int depth = 1; depth < kMaxFrames; ++depth) {
    // An unwinding failure, or no entry frame: not a goroutine as we know it.
    if (unw_step(&cursor) <= 0) return false;
    unw_word_t ip = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0) return false;
    k = classify(ip - 1, foreign_ok);  // return addresses point after the call: look up the call itself
    if (k == Kind::runtime) return false;
    if (k == Kind::entry || k == Kind::bottom) return true;  // reached the goroutine's entry
  }
  return false;
}

// The checks a preemption and a system call hand-off share: m runs a
// goroutine with a P, outside every runtime lock and no-preempt scope, the
// interrupted SP is on the goroutine's stack with room below it for the
// copy of the signal frame, and the handler runs on another stack. Fills in
// the signal frame to copy (preempt_arch.hpp).
bool interruptible(M* m, const void* info, ucontext_t* uc, preempt_arch::SignalFrame& f) noexcept {
  G* g = m->curg;
  if (!g || !m->p || m->no_preempt != 0 || *runtime_locks_held() != 0 || m->after != AfterSwitch::nothing ||
      m->pending_locked || m->syscall_p || g->load_status() != GStatus::running)
    return false;
  const std::uintptr_t sp = preempt_arch::sp(uc);
  if (!g->stack.holds_sp(sp)) return false;  // not on the goroutine's stack
  auto lo = reinterpret_cast<std::uintptr_t>(g->stack.lo);
  auto here = reinterpret_cast<std::uintptr_t>(&f);
  if (here >= lo && here < reinterpret_cast<std::uintptr_t>(g->stack.hi))
    return false;  // no alternate stack: we would write over ourselves
  if (!preempt_arch::locate(info, uc, f)) return false;
  if (sp - lo < f.need + kResumeStackRoom) return false;  // too close to the guard page
  return true;
}

// The resume frame (G's new context) if m's G is at a safe point, else null.
arch::Context try_preempt(M* m, siginfo_t* info, ucontext_t* uc) noexcept {
  preempt_arch::SignalFrame f;
  if (!interruptible(m, info, uc, f) || !frames_allow(uc, false)) return nullptr;
  // Safe point: copy the frame and lay out the resume frame under it
  // (the picture in arch/ARCH/preempt.S).
  return preempt_arch::resume_frame(preempt_arch::copy(uc, f));
}

// System calls the trampoline must not make in the interrupted code's
// place: ones that read the caller's stack pointer or return address
// (rt_sigreturn, clone, fork...), never return (exit, execve), or change
// what rt_sigreturn of the copy restores afterwards (the signal mask and
// the alternate signal stack come back from the copied ucontext).
bool reissue_denied(long nr) noexcept {
  switch (nr) {
    case SYS_rt_sigreturn:
    case SYS_clone:
#ifdef SYS_clone3
    case SYS_clone3:
#endif
#ifdef SYS_fork  // not on AArch64, which forks with clone
    case SYS_fork:
#endif
#ifdef SYS_vfork
    case SYS_vfork:
#endif
    case SYS_execve:
    case SYS_execveat:
    case SYS_exit:
    case SYS_exit_group:
    case SYS_sigaltstack:
    case SYS_rt_sigprocmask:
      return true;
    default:
      return nr < 0;
  }
}

// Calls a signal ends with EINTR (not restarted) that the trampoline can
// resume with the time they have left (syscall.cpp, resume_args).
bool resumable_after_eintr(long nr) noexcept {
  switch (nr) {
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
#ifdef SYS_poll  // AArch64 has only ppoll and epoll_pwait, which libc's poll and epoll_wait use
    case SYS_poll:
#else
    case SYS_ppoll:  // writes the time left back to its timeout, as a restart would not
#endif
#ifdef SYS_epoll_wait
    case SYS_epoll_wait:
#endif
    case SYS_epoll_pwait:
      return true;
    default:
      return false;
  }
}

// The interrupted thread has just returned EINTR from the very call sysmon
// saw it blocked in, and that call can be resumed: same return address,
// same arguments, the system call instruction right before.
bool eintr_from_blocked_call(const BlockedCall& call, const ucontext_t* uc) noexcept {
  const std::uintptr_t pc = preempt_arch::pc(uc);
  if (call.nr < 0 || !resumable_after_eintr(call.nr) || call.pc != pc || preempt_arch::syscall_result(uc) != -EINTR ||
      !preempt_arch::syscall_insn_before(pc))
    return false;
  return preempt_arch::same_args(uc, call);
}

// An unannotated system call sysmon saw blocking (preempt.hpp, "Unannotated
// system calls"): if m's G is about to make one (the interrupted PC is at a
// system call instruction: the kernel rewound a restartable call there for
// SA_RESTART, or the signal came just before it), or has just had a
// resumable sleep or poll ended with EINTR by this signal, from a place
// where the call may be made from another frame, copies the signal frame
// onto the G's stack and points the kernel's ucontext at
// goro_syscall_trampoline, which makes the call inside
// enter_blocking/exit_blocking and then resumes the copy.
bool try_syscall_handoff(M* m, siginfo_t* info, ucontext_t* uc) noexcept {
  G* g = m->curg;
  // A G locked by lock_os_thread keeps its P across blocking() anyway
  // (syscall.cpp): nothing to gain. A preemption lock is released by it.
  if (g && m->locked_g && !g->preempt_locked) return false;
  preempt_arch::SignalFrame f;
  if (!interruptible(m, info, uc, f)) return false;
  const BlockedCall call = m->blocked_call;
  const bool resume = eintr_from_blocked_call(call, uc);
  if (!resume &&
      (!preempt_arch::syscall_insn_at(preempt_arch::pc(uc)) || reissue_denied(preempt_arch::syscall_nr(uc))))
    return false;
  if (!frames_allow(uc, true)) return false;
  std::uintptr_t at = preempt_arch::copy(uc, f);
  m->resume_call = false;
  if (resume) {
    // Present the copy as a rewound call, for the trampoline to resume.
    preempt_arch::rewind_syscall(preempt_arch::copied_ucontext(at), call);
    m->resume_call = true;
  }
  // The handler returns into the trampoline, on the G's stack at the copy.
  preempt_arch::redirect(uc, &goro_syscall_trampoline, at);
  return true;
}

// A preemption or hand-off request, with m's SIGURG handler not already
// deciding one (SA_NODEFER: a second request may arrive meanwhile).
// Returns if neither happens, or after a hand-off (the handler then
// returns into the trampoline); a preemption switches to g0 and never
// returns here.
void act_on_request(M* m, bool handoff, bool preempt, siginfo_t* info, ucontext_t* uc, int saved_errno) noexcept {
  m->in_preempt = true;
  if (handoff && try_syscall_handoff(m, info, uc)) {
    m->in_preempt = false;
    return;  // into goro_syscall_trampoline
  }
  arch::Context resume = preempt ? try_preempt(m, info, uc) : nullptr;
  m->in_preempt = false;
  if (!resume) return;  // not a safe point: sysmon asks again later
  G* g = m->curg;
  m->after = AfterSwitch::preempt;  // finish_switch on g0 locks it to m and queues it
  m->after_g = g;
  errno = saved_errno;  // the G's errno, saved by the switch
  preempt_switch(m, g, resume);
}

}  // namespace

#endif  // GORO_ASYNC_PREEMPT

namespace {

void on_sigurg(int sig, siginfo_t* info, void* ctx) {
  int saved_errno = errno;
  M* m = current_m();
  // A dump's trace request first: it reads the interrupted context as is.
  const bool traced = m && answer_trace_request(m, ctx);
  const bool handoff = m && m->syscall_req.exchange(false, std::memory_order_acquire);
  const bool preempt = m && m->preempt_req.exchange(false, std::memory_order_acquire);
  if (!handoff && !preempt) {
    if (!traced) forward(sig, info, ctx);  // not ours: whoever had it before
  } else if (!m->in_preempt) {
#if GORO_ASYNC_PREEMPT
    act_on_request(m, handoff, preempt, info, static_cast<ucontext_t*>(ctx), saved_errno);
#endif
  }
  errno = saved_errno;
}

}  // namespace

void preempt_init() noexcept {
  std::call_once(g_init_once, [] {
#if GORO_ASYNC_PREEMPT
    // No symbol table: no preemption, but the handler still answers trace requests.
    const bool have_map = build_code_map(g_map);
#else
    const bool have_map = false;  // SIGURG only carries trace requests
#endif
    disable_unwind_cache();
    load_debug_frames();
    struct sigaction sa {};
    sa.sa_sigaction = &on_sigurg;
    // SA_NODEFER and an empty mask: the handler may switch away without
    // returning, and the thread's mask must stay as the goroutine had it.
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | (GORO_ASYNC_PREEMPT ? SA_NODEFER : 0);
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGURG, &sa, &g_previous) != 0) return;
    g_supported = have_map;
  });
}

bool preempt_supported() noexcept { return g_supported; }

bool syscall_handoff_supported() noexcept { return g_supported; }

}  // namespace goro::sched
