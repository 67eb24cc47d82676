// Test helpers over the scheduler's internal park/ready API (channels and
// sync land later; these are just enough to make goroutines wait).
#pragma once

#include "tests/support/latch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

namespace goro::test {

// Every scheduler test runs with procs = 1, 2 and 8.
class Procs : public ::testing::TestWithParam<int> {};

inline std::string procs_name(const ::testing::TestParamInfo<int>& info) {
  return "procs" + std::to_string(info.param);
}

}  // namespace goro::test
