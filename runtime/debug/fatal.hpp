// Failure reporting, as Go does it: fatal errors (runtime bugs and
// unrecoverable conditions) and panics (exceptions escaping a goroutine).
#pragma once

#include <cstdio>

namespace goro::sched {
struct Sched;
}

namespace goro::debug {

// Prints "fatal error: <message>" and a trace of the calling goroutine or
// thread to stderr, then exits with status 2 (Go's throw).
[[noreturn]] void fatal(const char* message) noexcept;
[[noreturn]] void fatalf(const char* format, ...) noexcept __attribute__((format(printf, 1, 2)));

// Makes an exception escaping a goroutine a Go panic: installs a
// std::terminate handler that prints "panic: <what()>" and
// "goroutine N [running]:" with the stack at the throw, then exits 2.
// Threads that are not goroutines keep the previous handler. Idempotent.
void install_panic_handler() noexcept;

// Writes a symbolised trace of the calling thread's stack, starting `skip`
// frames above the caller, in Go's layout ("function()\n\tpc=0x...").
void print_current_trace(std::FILE* out, int skip) noexcept;

// Every live goroutine of `s`: "goroutine N [state, waited]:" and its
// trace; a profile by state and by stack past a hundred goroutines (dump.cpp).
void dump_goroutines(sched::Sched* s, std::FILE* out) noexcept;

// SIGQUIT prints "SIGQUIT: quit", the goroutine dump, and exits 2 (Go's).
// Installed once per process, at the first runtime start, unless the
// program already ignores or handles SIGQUIT.
void install_sigquit_handler() noexcept;

}  // namespace goro::debug
