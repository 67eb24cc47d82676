// Stack overflow reporting: the SIGSEGV handler, the per-thread alternate
// signal stacks it runs on, and the goroutine-id source it names the culprit by.
//
// A goroutine that overflows faults with its stack pointer in the guard page,
// so the handler cannot run on that stack: every thread that runs goroutines
// needs an alternate signal stack (ensure_signal_stack) and the handler is
// installed SA_ONSTACK. The handler may only use async-signal-safe calls:
// write(2), _exit(2), sigaction(2), raise(3); no stdio, no malloc.
#include "runtime/stack/arena.hpp"
#include "runtime/stack/guard.hpp"
#include "runtime/stack/stack.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace goro::stack {

namespace {

std::atomic<std::uint64_t (*)()> g_current_id{nullptr};
// The handler that was installed before ours: written once, before ours is
// installed, and only read afterwards.
struct sigaction g_previous;
std::once_flag g_install_once;

// Appends decimal v to buf at *len. Async-signal-safe.
void append_number(char* buf, std::size_t* len, std::uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) buf[(*len)++] = digits[--n];
}

void append(char* buf, std::size_t* len, const char* s) {
  while (*s) buf[(*len)++] = *s++;
}

[[noreturn]] void report_overflow(std::size_t limit) {
  std::uint64_t (*source)() = g_current_id.load(std::memory_order_acquire);
  const std::uint64_t id = source ? source() : 0;
  char buf[256];
  std::size_t len = 0;
  append(buf, &len, "runtime: goroutine ");
  append_number(buf, &len, id);
  append(buf, &len, " stack exceeds ");
  append_number(buf, &len, limit);
  append(buf, &len, "-byte limit\nfatal error: stack overflow (goroutine ");
  append_number(buf, &len, id);
  append(buf, &len, ", limit ");
  append_number(buf, &len, limit / 1024);
  append(buf, &len, " KiB)\n");
  for (std::size_t off = 0; off < len;) {
    ssize_t n = write(STDERR_FILENO, buf + off, len - off);
    if (n <= 0) break;
    off += std::size_t(n);
  }
  _exit(2);
}

void on_sigsegv(int sig, siginfo_t* info, void* ucontext) {
  // si_code > 0: a fault the kernel raised, so si_addr is the faulting
  // address (MAPERR for MADV_GUARD_INSTALL markers, ACCERR for PROT_NONE).
  // A SIGSEGV sent with kill() is never an overflow.
  if (info && (info->si_code == SEGV_MAPERR || info->si_code == SEGV_ACCERR)) {
    std::size_t limit = 0;
    if (detail::find_guard(reinterpret_cast<std::uintptr_t>(info->si_addr), &limit))
      report_overflow(limit);
  }
  // Not ours: behave as if we were never installed.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) return g_previous.sa_sigaction(sig, info, ucontext);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    return g_previous.sa_handler(sig);
  }
  // Default action: restore it and let the faulting instruction run again
  // (a normal crash, core dump included). A sent signal does not recur by
  // itself, so send it again; it is blocked until we return.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGSEGV, &dfl, nullptr);
  if (!info || info->si_code <= 0) raise(SIGSEGV);
}

// The calling thread's alternate signal stack, if we made it; unmapped when
// the thread exits.
struct SignalStack {
  static constexpr std::size_t kSize = 64 * 1024;  // room for a chained handler too
  std::byte* mapping = nullptr;                    // guard page + kSize
  ~SignalStack() {
    if (!mapping) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == mapping + detail::page_size()) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    munmap(mapping, detail::page_size() + kSize);
  }
};
thread_local SignalStack t_signal_stack;

}  // namespace

void install_overflow_handler() {
  std::call_once(g_install_once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = &on_sigsegv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous);
  });
}

void ensure_signal_stack() {
  if (t_signal_stack.mapping) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // someone else's
  const std::size_t page = detail::page_size();
  void* p = mmap(nullptr, page + SignalStack::kSize, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;  // no alternate stack: an overflow dies by SIGSEGV instead
  auto* mapping = static_cast<std::byte*>(p);
  // A guard below, so a runaway handler faults instead of corrupting memory.
  if (!detail::install_madvise_guard(mapping, page)) detail::install_mprotect_guard(mapping, page);
  stack_t ss{};
  ss.ss_sp = mapping + page;
  ss.ss_size = SignalStack::kSize;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(mapping, page + SignalStack::kSize);
    return;
  }
  t_signal_stack.mapping = mapping;
}

void set_goroutine_id_source(std::uint64_t (*current_id)()) {
  g_current_id.store(current_id, std::memory_order_release);
}

}  // namespace goro::stack
