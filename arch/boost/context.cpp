// The Boost.Context backend (-Dswitch=boost): goro's switch interface over
// jump_fcontext, kept as the baseline our assembly is measured against.
//
// jump_fcontext hands the *resumed* side the suspended context's pointer; our
// interface stores it into the switcher's save slot instead. So every switch
// passes its save slot as the transfer data and the resumed side writes the
// returned context into it.
#include "arch/context.hpp"

#include <boost/context/detail/fcontext.hpp>

namespace bctx = boost::context::detail;

namespace goro::arch {
namespace {

struct Start {
  Entry entry;
  void* arg;
};

void trampoline(bctx::transfer_t t) {
  Start start = *static_cast<Start*>(t.data);
  // Back to make_context: the context is now parked here, ready to run.
  t = bctx::jump_fcontext(t.fctx, nullptr);
  *static_cast<Context*>(t.data) = t.fctx;
  start.entry(start.arg);
  __builtin_trap();  // entry never returns
}

}  // namespace

Context make_context(void* stack_hi, std::size_t size, Entry entry, void* arg) noexcept {
  // fcontext cannot carry an argument to its first resume, so prime the
  // context once: it copies `start` and parks itself, ready for its first
  // real switch.
  Start start{entry, arg};
  bctx::fcontext_t fresh = bctx::make_fcontext(stack_hi, size, trampoline);
  return bctx::jump_fcontext(fresh, &start).fctx;
}

const char* backend_name() noexcept { return "boost"; }

}  // namespace goro::arch

extern "C" void goro_switch(goro::arch::Context* save, goro::arch::Context to) noexcept {
  bctx::transfer_t t = bctx::jump_fcontext(to, save);
  *static_cast<goro::arch::Context*>(t.data) = t.fctx;
}

// Boost.Context resumes one way only.
extern "C" void goro_switch_ret(goro::arch::Context* save, goro::arch::Context to) noexcept { goro_switch(save, to); }
