// goro::dump_goroutines() into a string, for the tests that read a dump
// (dump_test.cpp, and gdb_target.cpp waiting for its goroutines to park).
#pragma once

#include <goro/goro.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace goro::test {
namespace {  // per test program: dump_test.cpp expects this name in the running goroutine's trace

__attribute__((noinline)) std::string dump_to_string() {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  goro::dump_goroutines(f);
  std::fclose(f);
  std::string s(buf, len);
  std::free(buf);
  return s;
}

}  // namespace
}  // namespace goro::test
