// Whether the test binary runs under AddressSanitizer or ThreadSanitizer.
// Heavy tests shrink there by size only, never by skipping a check: under
// ASan with detect_stack_use_after_return every goroutine maps and unmaps a
// fake stack of its own; under TSan every goroutine is a fiber with shadow
// state; both make a million short goroutines take minutes.
#pragma once

namespace goro::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif

}  // namespace goro::test
