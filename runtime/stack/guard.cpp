// Guard installation and the fallback inputs (see guard.hpp).
#include "runtime/stack/guard.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace goro::stack::detail {

namespace {
std::atomic<bool> g_pretend_unsupported{false};
std::atomic<std::size_t> g_budget_override{0};
std::atomic<bool> g_madvise_notice_printed{false};
std::atomic<bool> g_canary_notice_printed{false};
}  // namespace


namespace {

// 0 unknown, 1 guards fault as they should, 2 the advice is accepted but not
// enforced (qemu-user treats unknown advice as a hint and returns 0).
std::atomic<int> g_madvise_guard_works{0};

// Does an installed guard really fault? Reading it through write(2) must
// fail with EFAULT; the kernel copies from the page without a signal.
bool guard_faults(const std::byte* page) noexcept {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return true;  // cannot tell: trust the kernel
  ssize_t n = write(fds[1], page, 1);
  bool faults = n < 0 && errno == EFAULT;
  close(fds[0]);
  close(fds[1]);
  return faults;
}

}  // namespace

bool install_madvise_guard(std::byte* page, std::size_t len) noexcept {
  if (g_pretend_unsupported.load(std::memory_order_relaxed)) {
    errno = EINVAL;
    return false;
  }
  if (madvise(page, len, MADV_GUARD_INSTALL) != 0) return false;
  int works = g_madvise_guard_works.load(std::memory_order_relaxed);
  if (works == 0) {
    // Checked once per process, on the first guard installed.
    works = guard_faults(page) ? 1 : 2;
    g_madvise_guard_works.store(works, std::memory_order_relaxed);
  }
  if (works == 2) {
    errno = EINVAL;  // as a kernel without the advice would say: fall back
    return false;
  }
  return true;
}

bool install_mprotect_guard(std::byte* page, std::size_t len) noexcept {
  return mprotect(page, len, PROT_NONE) == 0;
}

std::size_t count_vmas() noexcept {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t lines = 0;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) lines += (buf[i] == '\n');
  }
  close(fd);
  return lines;
}

std::size_t vma_budget_limit() noexcept {
  if (std::size_t forced = g_budget_override.load(std::memory_order_relaxed)) return forced;
  std::size_t max_map_count = 65530;  // the kernel's default, if /proc is unreadable
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[32] = {};
    if (read(fd, buf, sizeof buf - 1) > 0) {
      std::size_t v = 0;
      for (char* p = buf; *p >= '0' && *p <= '9'; ++p) v = v * 10 + std::size_t(*p - '0');
      if (v > 0) max_map_count = v;
    }
    close(fd);
  }
  return max_map_count / 2;
}

void print_notice_once(const char* notice) noexcept {
  std::atomic<bool>& printed =
      notice == kMadviseFallbackNotice ? g_madvise_notice_printed : g_canary_notice_printed;
  if (printed.exchange(true, std::memory_order_relaxed)) return;
  ssize_t r = write(STDERR_FILENO, notice, std::strlen(notice));
  (void)r;
}

void pretend_guard_install_unsupported(bool on) noexcept {
  g_pretend_unsupported.store(on, std::memory_order_relaxed);
}

void override_vma_budget_limit(std::size_t limit) noexcept {
  g_budget_override.store(limit, std::memory_order_relaxed);
}

}  // namespace goro::stack::detail

namespace goro::stack {

const char* guard_kind_name(GuardKind kind) noexcept {
  switch (kind) {
    case GuardKind::madvise: return "madvise";
    case GuardKind::mprotect: return "mprotect";
    case GuardKind::canary: return "canary";
  }
  return "?";
}

}  // namespace goro::stack
