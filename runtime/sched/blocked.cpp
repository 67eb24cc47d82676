// Reading another thread's CPU clock and scheduler state (blocked.hpp).
#include "runtime/sched/blocked.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace goro::sched {

namespace {

// Reads /proc/self/task/TID/<name> into buf as a NUL-terminated string;
// false if the thread is gone or the file is empty.
bool read_task_file(int tid, const char* name, char* buf, std::size_t size) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  return true;
}

}  // namespace

std::int64_t thread_cpu_ns(int tid) noexcept {
  // The kernel's encoding of a per-thread CPU clock (glibc's
  // MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)): a tid rather than a pthread_t,
  // so a thread that has exited gives EINVAL instead of a dangling handle.
  const auto clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool thread_syscall(int tid, BlockedCall& call) noexcept {
  char buf[256];
  if (!read_task_file(tid, "syscall", buf, sizeof buf)) return false;
  // "nr arg1 ... arg6 sp pc" (hex after nr); "running" for a runnable
  // thread, "-1 sp pc" for one asleep outside a system call.
  char* p = buf;
  char* end = nullptr;
  long nr = std::strtol(p, &end, 10);
  if (end == p || nr < 0) return false;
  std::uint64_t v[8];
  for (std::uint64_t& x : v) {
    p = end;
    x = std::strtoull(p, &end, 16);
    if (end == p) return false;
  }
  call.nr = nr;
  for (int i = 0; i < 6; ++i) call.args[i] = v[i];
  call.pc = v[7];
  return true;
}

}  // namespace goro::sched
