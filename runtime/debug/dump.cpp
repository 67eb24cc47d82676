// dump_goroutines(): every live G with its state, wait reason and trace.
#include "runtime/debug/fatal.hpp"

#include "runtime/sched/sched.hpp"

#include <algorithm>
#include <vector>

namespace goro::debug {

void dump_goroutines(sched::Sched* s, std::FILE* out) noexcept {
  using sched::GStatus;
  sched::G* self = sched::current_g();
  std::int64_t now = sched::coarse_nanotime();
  // Oldest first, like Go (goroutine 1 leads).
  std::vector<sched::G*> gs;
  s->allg_lock.lock();
  for (sched::G* g = s->allg; g; g = g->all_next) {
    GStatus st = g->load_status();
    if (st != GStatus::idle && st != GStatus::dead) gs.push_back(g);
  }
  std::sort(gs.begin(), gs.end(), [](sched::G* a, sched::G* b) { return a->id < b->id; });
  for (sched::G* g : gs) {
    GStatus st = g->load_status();
    const char* state = st == GStatus::waiting ? sched::wait_reason_name(g->wait_reason) : sched::status_name(st);
    long long minutes = st == GStatus::waiting ? (now - g->wait_since_ns) / 60'000'000'000LL : 0;
    if (minutes > 0)
      std::fprintf(out, "goroutine %llu [%s, %lld minutes]:\n", static_cast<unsigned long long>(g->id), state, minutes);
    else
      std::fprintf(out, "goroutine %llu [%s]:\n", static_cast<unsigned long long>(g->id), state);
    if (g == self)
      print_current_trace(out, 1);
    else if (st == GStatus::waiting || st == GStatus::runnable)
      print_saved_trace(out, g->context);
    else
      std::fputs("\t(running on another thread)\n", out);
    std::fputc('\n', out);
  }
  s->allg_lock.unlock();
}

}  // namespace goro::debug
