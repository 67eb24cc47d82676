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

inline void use_death_test_style() {
  GTEST_FLAG_SET(death_test_style, std::getenv("GORO_TEST_UNDER_EMULATOR") ? "fast" : "threadsafe");
}

}  // namespace goro::test
