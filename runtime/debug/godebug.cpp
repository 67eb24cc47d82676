#include "runtime/debug/godebug.hpp"

#include <cstdlib>
#include <cstring>

namespace goro::debug {

GoDebug parse_godebug(const char* spec) noexcept {
  GoDebug d;
  if (!spec) return d;
  const char* p = spec;
  while (*p) {
    const char* end = std::strchr(p, ',');
    if (!end) end = p + std::strlen(p);
    const char* eq = static_cast<const char*>(std::memchr(p, '=', static_cast<std::size_t>(end - p)));
    if (eq) {
      std::size_t name_len = static_cast<std::size_t>(eq - p);
      long value = std::strtol(eq + 1, nullptr, 10);
      if (value < 0) value = 0;
      if (name_len == 10 && std::strncmp(p, "schedtrace", 10) == 0)
        d.schedtrace_ms = value > 3'600'000 ? 3'600'000 : static_cast<int>(value);
      else if (name_len == 7 && std::strncmp(p, "dumpall", 7) == 0)
        d.dumpall = value != 0;
      else if (name_len == 8 && std::strncmp(p, "lockbias", 8) == 0)
        d.lockbias = value != 0;
      else if (name_len == 14 && std::strncmp(p, "preemptmodules", 14) == 0) {
        std::size_t n = static_cast<std::size_t>(end - (eq + 1));
        if (n >= sizeof d.preempt_modules) n = 0;  // too long: ignored rather than cut
        std::memcpy(d.preempt_modules, eq + 1, n);
        d.preempt_modules[n] = '\0';
      }
    }
    p = *end ? end + 1 : end;
  }
  return d;
}

const GoDebug& godebug() noexcept {
  static const GoDebug d = parse_godebug(std::getenv("GORODEBUG"));
  return d;
}

}  // namespace goro::debug
