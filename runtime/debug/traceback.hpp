// Stack traces as program counters, and printing them symbolised (see
// traceback.cpp for where names and file:line come from). The dump groups
// goroutines by identical pc lists before printing any.
#pragma once

#include <cstdint>
#include <cstdio>

namespace goro::debug {

inline constexpr int kMaxFrames = 64;

// The calling thread's stack, innermost first: `skip` frames above the
// caller of current_pcs are left out; with `after`, every frame up to and
// including the first run of frames whose symbols contain it, too. Returns the count.
int current_pcs(std::uintptr_t* pcs, int max, int skip, const char* after) noexcept;
// A suspended context's stack (a parked goroutine), from its saved switch
// frame. 0 when it cannot be unwound (the Boost backend's frames).
int saved_pcs(void* saved_context, std::uintptr_t* pcs, int max) noexcept;
// From a signal handler: the interrupted code's stack, innermost (the
// interrupted pc itself) first, from the handler's ucontext. Async-signal-
// safe as libunwind's local unwinding is: no allocation, no names.
int signal_pcs(const void* ucontext, std::uintptr_t* pcs, int max) noexcept;
// One frame per pc (more when calls were inlined): name, then file:line.
void print_pcs(std::FILE* out, const std::uintptr_t* pcs, int n) noexcept;
// The current stack from just past the frame named frame_name (a panic's
// trace starts at the throw).
void print_trace_after(std::FILE* out, const char* frame_name) noexcept;

}  // namespace goro::debug
