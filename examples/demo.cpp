// goro's headline demo, placeholder edition: the scheduler is still being
// built, so this shows the piece underneath it, the raw context switch.
// Two contexts hand control back and forth a million times.
#include "arch/context.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

namespace {

constexpr long kSwitches = 1'000'000;  // even: every round trip is two switches
constexpr std::size_t kStackSize = 64 * 1024;

goro::arch::Context main_ctx;
goro::arch::Context pong_ctx;
long pongs = 0;

// Runs on its own stack: answers every switch into it by switching back.
void pong(void*) {
  for (;;) {
    ++pongs;
    goro::arch::switch_context(&pong_ctx, main_ctx);
  }
}

}  // namespace

int main() {
  std::printf("goro: Go-style goroutines for C++ (scheduler under construction)\n");
  std::printf("context-switch backend: %s\n", goro::arch::backend_name());

  auto stack = std::make_unique<std::byte[]>(kStackSize);
  pong_ctx = goro::arch::make_context(stack.get() + kStackSize, kStackSize, pong, nullptr);

  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < kSwitches / 2; ++i) {
    goro::arch::switch_context(&main_ctx, pong_ctx);
  }
  std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;

  std::printf("%ld context switches (%ld ping-pongs) in %.2f ms: %.1f ns per switch\n",
              kSwitches, pongs, took.count() / 1e6, took.count() / kSwitches);
  return pongs == kSwitches / 2 ? 0 : 1;
}
