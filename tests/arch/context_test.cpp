// The context switch, on whichever backend this build selected: ping-pong,
// round-robin, callee-saved and floating-point control state, exceptions,
// unwinding, and contexts made and finished millions of times.
#include "arch/context.hpp"
#include "runtime/sched/sanitizer.hpp"

#include <gtest/gtest.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using goro::arch::Context;
using goro::arch::make_context;
using goro::arch::switch_context;
// ThreadSanitizer builds: every context made here is a TSan fiber, and each
// switch first tells TSan which fiber runs next, as the scheduler does for
// goroutines (runtime/sched/sanitizer.hpp). Without that TSan sees the
// thread's stack pointer jump between stacks, and its shadow call stack
// (frames entered on a context that never returns) grows until it crashes.
// No-ops in every other build.
namespace fiber = goro::sched::sanitizer;

extern "C" std::uint64_t goro_test_switch_keeping(Context* save, Context to, std::uint64_t seed);
extern "C" void goro_test_switch_clobbering(Context* save, Context to);
// The switch the two helpers above call.
extern "C" {
void (*goro_test_switch_fn)(Context*, Context) noexcept = &goro_switch;
}

namespace {

// A heap stack, enough for the tests' frames (gtest assertions included).
struct TestStack {
  static constexpr std::size_t kSize = 256 * 1024;
  std::unique_ptr<std::byte[]> mem{new std::byte[kSize]};
  void* hi() const { return mem.get() + kSize; }
};

// Runs fn on its own context; fn gets a `yield` that switches back to main.
struct Coroutine {
  Context self = nullptr;
  Context main = nullptr;
  bool finished = false;
  std::function<void(Coroutine&)> fn;
  TestStack stack;
  void* self_fiber = fiber::create_fiber();
  void* main_fiber = nullptr;

  explicit Coroutine(std::function<void(Coroutine&)> f) : fn(std::move(f)) {
    self = make_context(stack.hi(), TestStack::kSize, &Coroutine::entry, this);
  }
  ~Coroutine() { fiber::destroy_fiber(self_fiber); }
  Coroutine(const Coroutine&) = delete;
  Coroutine& operator=(const Coroutine&) = delete;
  static void entry(void* arg) {
    auto* co = static_cast<Coroutine*>(arg);
    co->fn(*co);
    co->finished = true;
    fiber::switch_to_fiber(co->main_fiber);
    switch_context(&co->self, co->main);
  }
  void resume() {
    main_fiber = fiber::current_fiber();
    fiber::switch_to_fiber(self_fiber);
    switch_context(&main, self);
  }
  void yield() {
    fiber::switch_to_fiber(main_fiber);
    switch_context(&self, main);
  }
  // yield through the returning switch (resume always jumps).
  void yield_same_site() {
    fiber::switch_to_fiber(main_fiber);
    goro::arch::switch_context_same_site(&self, main);
  }
};

TEST(Context, BackendIsNamed) {
  std::string name = goro::arch::backend_name();
  EXPECT_TRUE(name == "asm" || name == "boost") << name;
}

TEST(Context, PingPong) {
  int counter = 0;
  Coroutine co([&](Coroutine& c) {
    for (int i = 0; i < 100000; ++i) {
      EXPECT_EQ(counter, 2 * i + 1);
      ++counter;
      c.yield();
    }
  });
  for (int i = 0; i < 100000; ++i) {
    EXPECT_EQ(counter, 2 * i);
    ++counter;
    co.resume();
  }
  co.resume();
  EXPECT_TRUE(co.finished);
  EXPECT_EQ(counter, 200000);
}

// 1000 contexts passing control around a ring, each one switching straight
// to the next (no trip through main), 50 times around.
TEST(Context, RoundRobinRing) {
  constexpr int kContexts = 1000, kRounds = 50;
  struct Ring {
    std::vector<Context> ctx;
    std::vector<TestStack> stacks;
    std::vector<int> visits;
    std::vector<int> order;
    Context main = nullptr;
    std::vector<void*> fibers;
    void* main_fiber = nullptr;
  } ring;
  ring.ctx.resize(kContexts);
  ring.stacks.resize(kContexts);
  ring.visits.assign(kContexts, 0);
  for (int i = 0; i < kContexts; ++i) ring.fibers.push_back(fiber::create_fiber());
  struct Arg { Ring* ring; int index; };
  std::vector<Arg> args(kContexts);
  for (int i = 0; i < kContexts; ++i) {
    args[i] = {&ring, i};
    ring.ctx[i] = make_context(ring.stacks[i].hi(), TestStack::kSize, [](void* p) {
      auto [r, i] = *static_cast<Arg*>(p);
      for (;;) {
        r->visits[i]++;
        r->order.push_back(i);
        bool last = (i == kContexts - 1);
        if (last && r->visits[i] == kRounds) {
          fiber::switch_to_fiber(r->main_fiber);
          switch_context(&r->ctx[i], r->main);
        } else {
          fiber::switch_to_fiber(r->fibers[(i + 1) % kContexts]);
          switch_context(&r->ctx[i], r->ctx[(i + 1) % kContexts]);
        }
      }
    }, &args[i]);
  }
  ring.main_fiber = fiber::current_fiber();
  fiber::switch_to_fiber(ring.fibers[0]);
  switch_context(&ring.main, ring.ctx[0]);
  for (void* f : ring.fibers) fiber::destroy_fiber(f);
  ASSERT_EQ(ring.order.size(), std::size_t{kContexts} * kRounds);
  for (std::size_t k = 0; k < ring.order.size(); ++k) ASSERT_EQ(ring.order[k], int(k % kContexts));
  for (int v : ring.visits) EXPECT_EQ(v, kRounds);
}

// The keeping side holds known values in every callee-saved register across
// a switch to a side that overwrites all of them; any register the switch
// forgets to save shows up as a set bit.
void callee_saved_registers_survive() {
  struct State { Context main, other; void* main_fiber; void* other_fiber; } st{};
  st.main_fiber = fiber::current_fiber();
  st.other_fiber = fiber::create_fiber();
  TestStack stack;
  st.other = make_context(stack.hi(), TestStack::kSize, [](void* p) {
    auto* s = static_cast<State*>(p);
    for (;;) {
      fiber::switch_to_fiber(s->main_fiber);
      goro_test_switch_clobbering(&s->other, s->main);
    }
  }, &st);
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    fiber::switch_to_fiber(st.other_fiber);
    std::uint64_t changed = goro_test_switch_keeping(&st.main, st.other, seed * 0x1000193ULL);
    ASSERT_EQ(changed, 0u) << "registers not preserved, mask 0x" << std::hex << changed;
  }
  fiber::destroy_fiber(st.other_fiber);
}

TEST(Context, CalleeSavedRegistersSurvive) {
  goro_test_switch_fn = &goro_switch;
  callee_saved_registers_survive();
}

TEST(Context, CalleeSavedRegistersSurviveTheReturningSwitch) {
  goro_test_switch_fn = &goro_switch_ret;
  callee_saved_registers_survive();
  goro_test_switch_fn = &goro_switch;
}

// The jumping and the returning switch resume each other's contexts: main
// resumes with switch_context, the coroutine yields through
// switch_context_same_site.
TEST(Context, EitherSwitchResumesTheOther) {
  long count = 0;
  Coroutine co([&](Coroutine& c) {
    for (;;) {
      ++count;
      c.yield_same_site();
    }
  });
  for (long i = 1; i <= 100000; ++i) {
    co.resume();
    ASSERT_EQ(count, i);
  }
}

double divide_rounded(double a, double b) {
  volatile double x = a, y = b;  // keep the division at run time
  return x / y;
}

// Rounding mode is per context: each side sets its own and finds it intact
// after the other side ran with a different one.
TEST(Context, FloatingPointControlIsPerContext) {
  const int main_mode = std::fegetround();
  const double down = [] { std::fesetround(FE_DOWNWARD); double r = divide_rounded(1, 3); std::fesetround(FE_TONEAREST); return r; }();
  const double up = [] { std::fesetround(FE_UPWARD); double r = divide_rounded(1, 3); std::fesetround(FE_TONEAREST); return r; }();
  ASSERT_NE(down, up);

  int rounds_seen_by_co = 0;
  Coroutine co([&](Coroutine& c) {
    // A new context starts with its maker's mode (to-nearest here).
    EXPECT_EQ(std::fegetround(), FE_TONEAREST);
    std::fesetround(FE_UPWARD);
    for (int i = 0; i < 100; ++i) {
      c.yield();
      EXPECT_EQ(std::fegetround(), FE_UPWARD);
      EXPECT_EQ(divide_rounded(1, 3), up);
      ++rounds_seen_by_co;
    }
  });
  std::fesetround(FE_DOWNWARD);
  for (int i = 0; i < 101; ++i) {
    co.resume();
    EXPECT_EQ(std::fegetround(), FE_DOWNWARD);
    EXPECT_EQ(divide_rounded(1, 3), down);
  }
  std::fesetround(main_mode);
  EXPECT_TRUE(co.finished);
  EXPECT_EQ(rounds_seen_by_co, 100);
}

#if defined(__x86_64__)
// MXCSR carries more than the rounding mode: flush-to-zero stays per context too.
TEST(Context, MxcsrFlushToZeroIsPerContext) {
  auto mxcsr = [] { std::uint32_t v; __asm__ volatile("stmxcsr %0" : "=m"(v)); return v; };
  auto set_mxcsr = [](std::uint32_t v) { __asm__ volatile("ldmxcsr %0" : : "m"(v)); };
  const std::uint32_t saved = mxcsr();
  constexpr std::uint32_t kFTZ = 1u << 15;
  Coroutine co([&](Coroutine& c) {
    set_mxcsr(mxcsr() | kFTZ);
    c.yield();
    EXPECT_TRUE(mxcsr() & kFTZ);
  });
  co.resume();
  EXPECT_FALSE(mxcsr() & kFTZ);
  co.resume();
  EXPECT_FALSE(mxcsr() & kFTZ);
  set_mxcsr(saved);
}
#endif

#if defined(__aarch64__)
// FPCR carries more than the rounding mode: flush-to-zero stays per context
// too, and it really takes effect (a denormal result becomes zero) only on the
// side that set it.
TEST(Context, FpcrFlushToZeroIsPerContext) {
  auto fpcr = [] { std::uint64_t v; __asm__ volatile("mrs %0, fpcr" : "=r"(v)); return v; };
  auto set_fpcr = [](std::uint64_t v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); };
  const std::uint64_t saved = fpcr();
  constexpr std::uint64_t kFZ = 1u << 24;
  const double tiny = 0x1p-1022;  // smallest normal; tiny / 4 is a denormal
  ASSERT_NE(divide_rounded(tiny, 4), 0.0);
  Coroutine co([&](Coroutine& c) {
    set_fpcr(fpcr() | kFZ);
    EXPECT_EQ(divide_rounded(tiny, 4), 0.0);
    c.yield();
    EXPECT_TRUE(fpcr() & kFZ);
    EXPECT_EQ(divide_rounded(tiny, 4), 0.0);
  });
  co.resume();
  EXPECT_FALSE(fpcr() & kFZ);
  EXPECT_NE(divide_rounded(tiny, 4), 0.0);
  co.resume();
  EXPECT_FALSE(fpcr() & kFZ);
  EXPECT_NE(divide_rounded(tiny, 4), 0.0);
  EXPECT_TRUE(co.finished);
  set_fpcr(saved);
}
#endif

TEST(Context, ExceptionsInsideAContext) {
  int caught = 0;
  Coroutine co([&](Coroutine& c) {
    for (int i = 0; i < 1000; ++i) {
      try {
        throw std::runtime_error("inside " + std::to_string(i));
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "inside " + std::to_string(i));
        ++caught;
      }
      c.yield();
    }
  });
  while (!co.finished) co.resume();
  EXPECT_EQ(caught, 1000);
}

// Switching away from inside a catch block and back, with the other side
// throwing and catching in between: each side's exception stays its own.
TEST(Context, ExceptionsAcrossSwitches) {
  std::string seen;
  Coroutine co([&](Coroutine& c) {
    try {
      throw std::logic_error("co");
    } catch (const std::logic_error& e) {
      c.yield();
      seen += e.what();
    }
  });
  try {
    throw std::runtime_error("main");
  } catch (const std::runtime_error& e) {
    co.resume();
    try { throw 7; } catch (int v) { seen += std::to_string(v); }
    co.resume();
    seen += e.what();
  }
  EXPECT_TRUE(co.finished);
  EXPECT_EQ(seen, "7comain");
}

// The unwinder walks from a context's frames up to the entry trampoline and
// stops there, instead of running off the top of the stack.
TEST(Context, UnwindingEndsAtTheEntryTrampoline) {
  int frames = 0;
  bool clean_end = false;
  Coroutine co([&](Coroutine&) {
    unw_context_t uc;
    unw_cursor_t cursor;
    unw_getcontext(&uc);
    unw_init_local(&cursor, &uc);
    int rc;
    while ((rc = unw_step(&cursor)) > 0 && frames < 100) ++frames;
    clean_end = (rc == 0);
  });
  co.resume();
  EXPECT_TRUE(co.finished);
  EXPECT_TRUE(clean_end);
  EXPECT_LT(frames, 20);
}

// A context made, run to its end and dropped, two million times on one stack.
// Under TSan the contexts take turns on a fiber, a fresh one every 10,000:
// each context is abandoned inside its entry function, so the fiber's
// shadow call stack keeps a frame per context (TSan gives up past 65,536),
// and a fiber each would cost TSan milliseconds apiece to make and destroy.
TEST(Context, MillionsOfShortLivedContexts) {
  TestStack stack;
  struct State { Context main, self; std::uint64_t sum; void* main_fiber; } st{nullptr, nullptr, 0, fiber::current_fiber()};
  constexpr std::uint64_t kContexts = 2'000'000, kPerFiber = 10'000;
  void* self_fiber = nullptr;
  for (std::uint64_t i = 0; i < kContexts; ++i) {
    if (i % kPerFiber == 0) {
      fiber::destroy_fiber(self_fiber);
      self_fiber = fiber::create_fiber();
    }
    st.self = make_context(stack.hi(), TestStack::kSize, [](void* p) {
      auto* s = static_cast<State*>(p);
      s->sum += 1;
      fiber::switch_to_fiber(s->main_fiber);
      switch_context(&s->self, s->main);
    }, &st);
    fiber::switch_to_fiber(self_fiber);
    switch_context(&st.main, st.self);
  }
  fiber::destroy_fiber(self_fiber);
  EXPECT_EQ(st.sum, kContexts);
}

// libgcc_s must win the lookup of the C++ unwinder's entry point over
// libunwind (meson.build orders the link line for that): otherwise every
// throw costs ~20x more.
TEST(Link, CxxThrowsUseLibgccUnwinder) {
  void* sym = dlsym(RTLD_DEFAULT, "_Unwind_RaiseException");
  ASSERT_NE(sym, nullptr);
  Dl_info info{};
  ASSERT_NE(dladdr(sym, &info), 0);
#if defined(__SANITIZE_ADDRESS__)
  // ASan interposes the entry point and forwards to the next definition in
  // load order: that one must be libgcc_s's.
  if (std::strstr(info.dli_fname, "libasan")) {
    std::vector<std::string> objects;  // in load order
    dl_iterate_phdr([](dl_phdr_info* obj, std::size_t, void* arg) {
      if (obj->dlpi_name[0]) static_cast<std::vector<std::string>*>(arg)->push_back(obj->dlpi_name);
      return 0;
    }, &objects);
    std::string next;
    for (const std::string& name : objects) {
      if (name.find("libasan") != std::string::npos) continue;
      void* h = dlopen(name.c_str(), RTLD_NOLOAD | RTLD_LAZY);
      void* s = h ? dlsym(h, "_Unwind_RaiseException") : nullptr;
      Dl_info di{};
      bool defines = s && dladdr(s, &di) && name == di.dli_fname;
      if (h) dlclose(h);
      if (defines) {
        next = name;
        break;
      }
    }
    EXPECT_NE(next.find("libgcc_s"), std::string::npos) << next;
    return;
  }
#endif
  EXPECT_NE(std::strstr(info.dli_fname, "libgcc_s"), nullptr) << info.dli_fname;
}

}  // namespace
