// Sizes for the 'stress' suite: GORO_STRESS_SCALE (meson option
// stress_scale, passed by each stress test's env; CI runs 1) multiplies them.
#pragma once

#include <cstdlib>

namespace goro::test {

inline int stress_scale() {
  const char* s = std::getenv("GORO_STRESS_SCALE");
  int n = s ? std::atoi(s) : 1;
  return n > 0 ? n : 1;
}

}  // namespace goro::test
