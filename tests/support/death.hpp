// Death-test style for goro's suites. "threadsafe" re-executes the test
// binary for each death test, so the child starts without the parent's
// threads (the runtime's Ms); under qemu-user (AArch64 cross runs) that exec
// fails without binfmt, so there the child is only forked ("fast"), which is
// safe as long as no runtime is running when the death test starts.
// meson sets GORO_TEST_UNDER_EMULATOR for cross builds.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

namespace goro::test {

inline bool under_emulator() { return std::getenv("GORO_TEST_UNDER_EMULATOR") != nullptr; }

inline void use_death_test_style() { GTEST_FLAG_SET(death_test_style, under_emulator() ? "fast" : "threadsafe"); }

// Death tests whose child starts threads (a runtime) cannot run under
// qemu-user: a forked emulator hangs creating threads, and re-exec needs
// binfmt. They run natively on every CI run.
#define GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR()                                              \
  do {                                                                                              \
    if (::goro::test::under_emulator()) GTEST_SKIP() << "threaded death test: native runs only";   \
  } while (0)

}  // namespace goro::test
