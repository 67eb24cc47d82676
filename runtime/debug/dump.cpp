// dump_goroutines(): every live G with its state, wait reason, how long it
// has waited, and its trace, in Go's layout:
//
//   goroutine 7 [chan receive, 3 minutes]:
//   goro::Chan<int>::recv() const
//           /src/include/goro/chan.hpp:120 pc=0x...
//   ...
//
// Bounded for a million goroutines: past kFullDump goroutines the dump is a
// profile, like Go's pprof goroutine profile (debug=1): a count per state,
// then one trace per distinct (state, stack) with how many goroutines share
// it, the most common first. GORODEBUG=dumpall=1 prints every goroutine.
//
// The runtime is not stopped while the dump walks it (goro has no
// stop-the-world): a G that wakes while it is being unwound may show a torn
// trace. Waiting goroutines, the ones a dump is for, stay put. A goroutine
// running on another M is unwound by that M, from a signal handler
// (runtime/sched/tracereq.hpp): every such M is asked at once before the
// dump prints, and one that does not answer within kRemoteTimeoutNs shows
// "(running on another thread)".
#include "runtime/debug/fatal.hpp"
#include "runtime/debug/godebug.hpp"
#include "runtime/debug/traceback.hpp"

#include "runtime/sched/sched.hpp"
#include "runtime/sched/tracereq.hpp"
#include "runtime/sched/sanitizer.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

namespace goro::debug {
namespace {

using sched::G;
using sched::GStatus;

constexpr std::size_t kFullDump = 100;       // up to this many goroutines: each one in full
constexpr std::size_t kMaxUnwound = 100000;  // profile mode unwinds at most this many
constexpr std::size_t kMaxGroups = 64;       // and prints this many distinct stacks
constexpr std::int64_t kRemoteTimeoutNs = 100'000'000;  // for Ms to answer trace requests

// The dump reads other goroutines' fields while they may change (goro has no
// stop-the-world): deliberate, best-effort races, kept out of TSan's reports.
struct Snapshot {
  G* g;
  std::uint64_t id;
  GStatus status;
  sched::WaitReason reason;
  std::int64_t wait_since_ns;
  void* context;
  const sched::TraceRequest* remote = nullptr;  // its M's answer, when running on another M
};

// The label between the brackets: the dumping goroutine is "running"
// (whatever its snapshot says), a waiting one its wait reason.
const char* state_of(const Snapshot& s, G* self) noexcept {
  if (s.g == self) return "running";
  if (s.status == GStatus::waiting && s.reason != sched::WaitReason::none) return sched::wait_reason_name(s.reason);
  return sched::status_name(s.status);
}

// ", 3 minutes" (Go's, from one minute on) or ", 12 seconds"; nothing under a second.
void print_waited(std::FILE* out, std::int64_t waited_ns) noexcept {
  long long seconds = waited_ns / 1'000'000'000LL;
  if (seconds >= 60)
    std::fprintf(out, ", %lld minutes", seconds / 60);
  else if (seconds >= 1)
    std::fprintf(out, ", %lld seconds", seconds);
}

// The trace of one snapshot into pcs; returns the count, or -1 when the G
// runs on another M (no saved context to unwind).
GORO_NO_TSAN int trace_of(const Snapshot& s, G* self, std::uintptr_t* pcs) noexcept {
  if (s.g == self) return current_pcs(pcs, kMaxFrames, 0, "dump_goroutines");  // from its caller on
  if (s.remote) {
    if (s.remote->n < 0) return -1;
    std::copy(s.remote->pcs, s.remote->pcs + s.remote->n, pcs);
    return s.remote->n;
  }
  if (s.status != GStatus::waiting && s.status != GStatus::runnable) return -1;
  // It may have moved since the snapshot: unwind only if it still sits there.
  if (s.g->load_status() != s.status || s.g->context != s.context) return -1;
  return saved_pcs(s.context, pcs, kMaxFrames);
}

void print_one(std::FILE* out, const Snapshot& s, G* self, std::int64_t now) noexcept {
  std::fprintf(out, "goroutine %llu [%s", static_cast<unsigned long long>(s.id), state_of(s, self));
  if (s.status == GStatus::waiting) print_waited(out, now - s.wait_since_ns);
  std::fputs("]:\n", out);
  std::uintptr_t pcs[kMaxFrames];
  int n = trace_of(s, self, pcs);
  if (n < 0)
    std::fputs(s.status == GStatus::running || s.status == GStatus::syscall ? "\t(running on another thread)\n"
                                                                          : "\t(no trace: it moved while dumped)\n",
               out);
  else if (n == 0 && !s.context)
    std::fputs("\t(not started)\n", out);
  else if (n == 0)
    std::fputs("\t(no trace: parked goroutines are unwound with the asm switch backend only)\n", out);
  else
    print_pcs(out, pcs, n);
  std::fputc('\n', out);
}

struct Group {
  std::vector<std::uintptr_t> key;  // [state name, pcs...]
  std::size_t count = 0;
  std::uint64_t example_id = 0;
  std::int64_t longest_wait_ns = 0;
};

struct KeyHash {
  std::size_t operator()(const std::vector<std::uintptr_t>& k) const noexcept {
    std::size_t h = 1469598103934665603ull;
    for (std::uintptr_t v : k) h = (h ^ v) * 1099511628211ull;
    return h;
  }
};

void print_profile(std::FILE* out, const std::vector<Snapshot>& gs, G* self, std::int64_t now) {
  std::fprintf(out, "goroutine profile: total %zu\n", gs.size());
  // A count per state, the most common first.
  std::vector<std::pair<const char*, std::size_t>> states;
  for (const Snapshot& s : gs) {
    const char* st = state_of(s, self);
    auto it = std::find_if(states.begin(), states.end(), [&](auto& e) { return std::strcmp(e.first, st) == 0; });
    if (it == states.end())
      states.emplace_back(st, 1);
    else
      it->second++;
  }
  std::sort(states.begin(), states.end(), [](auto& a, auto& b) { return a.second > b.second; });
  for (auto& [st, n] : states) std::fprintf(out, "%zu %s\n", n, st);
  std::fputc('\n', out);

  std::unordered_map<std::vector<std::uintptr_t>, Group, KeyHash> groups;
  std::uintptr_t pcs[kMaxFrames];
  std::size_t unwound = 0;
  for (const Snapshot& s : gs) {
    if (unwound == kMaxUnwound) break;
    ++unwound;
    const char* st = state_of(s, self);
    int n = trace_of(s, self, pcs);
    std::vector<std::uintptr_t> key;
    key.reserve(1 + (n > 0 ? n : 0));
    key.push_back(reinterpret_cast<std::uintptr_t>(st));  // names are static strings
    for (int i = 0; i < n; ++i) key.push_back(pcs[i]);
    Group& grp = groups[key];
    if (grp.count++ == 0) {
      grp.key = std::move(key);
      grp.example_id = s.id;
    }
    if (s.status == GStatus::waiting) grp.longest_wait_ns = std::max(grp.longest_wait_ns, now - s.wait_since_ns);
  }
  std::vector<const Group*> order;
  order.reserve(groups.size());
  for (auto& [k, grp] : groups) order.push_back(&grp);
  std::sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
    return a->count != b->count ? a->count > b->count : a->example_id < b->example_id;
  });
  std::size_t shown = 0, shown_gs = 0;
  for (const Group* grp : order) {
    if (shown == kMaxGroups) break;
    ++shown;
    shown_gs += grp->count;
    std::fprintf(out, "%zu goroutine%s [%s", grp->count, grp->count == 1 ? "" : "s",
                 reinterpret_cast<const char*>(grp->key[0]));
    print_waited(out, grp->longest_wait_ns);
    std::fprintf(out, "] with this stack, e.g. goroutine %llu:\n", static_cast<unsigned long long>(grp->example_id));
    if (grp->key.size() > 1)
      print_pcs(out, grp->key.data() + 1, static_cast<int>(grp->key.size() - 1));
    else
      std::fputs("\t(no trace)\n", out);
    std::fputc('\n', out);
  }
  if (shown_gs < gs.size())
    std::fprintf(out, "... %zu more goroutines (%zu not unwound) in %zu more stacks; GORODEBUG=dumpall=1 prints every one\n\n",
                 gs.size() - shown_gs, gs.size() - unwound, order.size() - shown);
}

}  // namespace

GORO_NO_TSAN void dump_goroutines(sched::Sched* s, std::FILE* out) noexcept {
  G* self = sched::current_g();
  std::int64_t now = sched::nanotime();
  std::vector<Snapshot> gs;
  try {
    gs.reserve(static_cast<std::size_t>(sched::goroutine_count(s)) + 16);
    // Bounded wait for the lock: SIGQUIT may have interrupted its holder on
    // this very thread. allg only ever grows at its head, so walking it
    // without the lock (after a second) is safe enough for a last look.
    const bool locked = sched::try_bounded([s] { return s->allg_lock.try_lock(); }, 1000, 1000);
    if (!locked) std::fputs("(goroutine list read without its lock: a thread holds it)\n", out);
    try {
      for (G* g = s->allg; g; g = g->all_next) {
        GStatus st = g->load_status();
        if (st != GStatus::idle && st != GStatus::dead)
          gs.push_back({g, g->id, st, g->wait_reason, g->wait_since_ns, g->context});
      }
    } catch (...) {
      if (locked) s->allg_lock.unlock();
      throw;
    }
    if (locked) s->allg_lock.unlock();
    // Oldest first, like Go (goroutine 1 leads).
    std::sort(gs.begin(), gs.end(), [](const Snapshot& a, const Snapshot& b) { return a.id < b.id; });
    // Goroutines running on other Ms: their Ms unwind them, all at once.
    // The requests outlive every use of the snapshots that point at them.
    std::size_t nrunning = 0;
    for (const Snapshot& snap : gs) nrunning += snap.status == GStatus::running && snap.g != self;
    std::unique_ptr<sched::TraceRequest[]> remote(nrunning ? new sched::TraceRequest[nrunning] : nullptr);
    if (nrunning) {
      std::size_t k = 0;
      for (Snapshot& snap : gs) {
        if (snap.status != GStatus::running || snap.g == self) continue;
        remote[k].g = snap.g;
        snap.remote = &remote[k++];
      }
      sched::request_traces(s, remote.get(), nrunning, kRemoteTimeoutNs);
    }
    if (gs.size() <= kFullDump || godebug().dumpall) {
      for (const Snapshot& snap : gs) print_one(out, snap, self, now);
    } else {
      print_profile(out, gs, self, now);
    }
  } catch (const std::bad_alloc&) {
    std::fputs("goroutine dump: out of memory\n", out);
  }
  std::fflush(out);
}

}  // namespace goro::debug
