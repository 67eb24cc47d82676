// switch_bench: the cost of one raw context switch, measured as a ping-pong
// between two contexts (main and one on its own stack), for goro's assembly
// (arch/<cpu>/switch.S) and, side by side, Boost.Context's jump_fcontext.
//
//   build-release/perf/switch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// One iteration is a round trip, i.e. two switches; the per_switch counter is
// the time of one switch and items_per_second counts switches.
#include "arch/context.hpp"

#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>

#if GORO_BENCH_BOOST
#include <boost/context/detail/fcontext.hpp>
#endif

namespace {

constexpr std::size_t kStackSize = 64 * 1024;

// An anonymous mapping, so both backends run on the same kind of stack.
class Stack {
 public:
  Stack() {
    mem_ = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem_ == MAP_FAILED) std::abort();
  }
  ~Stack() { munmap(mem_, kStackSize); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  void* hi() const { return static_cast<std::byte*>(mem_) + kStackSize; }

 private:
  void* mem_;
};

void report(benchmark::State& state) {
  auto switches = static_cast<double>(state.iterations()) * 2;
  state.SetItemsProcessed(static_cast<int64_t>(switches));
  state.counters["per_switch"] =
      benchmark::Counter(switches, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- goro's assembly -----------------------------------------------------

struct AsmPair {
  goro::arch::Context main = nullptr;
  goro::arch::Context other = nullptr;
};

void asm_pong(void* arg) {
  auto* pair = static_cast<AsmPair*>(arg);
  for (;;) goro::arch::switch_context(&pair->other, pair->main);
}

void switch_asm(benchmark::State& state) {
  Stack stack;
  AsmPair pair;
  pair.other = goro::arch::make_context(stack.hi(), kStackSize, asm_pong, &pair);
  for (auto _ : state) {
    goro::arch::switch_context(&pair.main, pair.other);
    benchmark::DoNotOptimize(pair.other);
  }
  report(state);
}

// ---- Boost.Context -------------------------------------------------------

#if GORO_BENCH_BOOST
namespace bctx = boost::context::detail;

void boost_pong(bctx::transfer_t t) {
  for (;;) t = bctx::jump_fcontext(t.fctx, nullptr);
}

void switch_boost(benchmark::State& state) {
  Stack stack;
  bctx::fcontext_t other = bctx::make_fcontext(stack.hi(), kStackSize, boost_pong);
  for (auto _ : state) {
    other = bctx::jump_fcontext(other, nullptr).fctx;
    benchmark::DoNotOptimize(other);
  }
  report(state);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("switch/asm", switch_asm);
#if GORO_BENCH_BOOST
  benchmark::RegisterBenchmark("switch/boost", switch_boost);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
