#include "runtime/debug/trace.hpp"

#include "runtime/sched/futex.hpp"
#include "runtime/sched/sched.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>

namespace goro::debug::trace {

bool on = false;

namespace {

enum class Kind : std::uint8_t { slice, steal, syscall_handoff, syscall_return };

struct Event {
  std::int64_t ts;
  std::int64_t dur;
  std::uint64_t goid;
  const char* what;  // slice: why it ended; a static string
  int arg;           // victim P, handed-off P, got a P
  Kind kind;
};

struct Buffer {
  static constexpr int kEvents = 8192;
  int n = 0;
  std::int64_t slice_start = 0;
  Event ev[kEvents];
};

std::FILE* g_file = nullptr;
sched::Lock g_file_lock;
std::int64_t g_t0 = 0;
int g_pid = 0;
constexpr int kNamedMs = 4096;
bool g_named[kNamedMs];  // M tracks that have their thread_name record (under the lock)

void print_ts(std::FILE* f, const char* key, std::int64_t ns) {
  if (ns < 0) ns = 0;
  std::fprintf(f, ",\"%s\":%lld.%03lld", key, static_cast<long long>(ns / 1000), static_cast<long long>(ns % 1000));
}

// Appends m's events to the file and empties the buffer.
void flush(int mid, Buffer* b) noexcept {
  g_file_lock.lock();
  std::FILE* f = g_file;
  if (!f) {  // closed at exit while this M still ran: dropped
    b->n = 0;
    g_file_lock.unlock();
    return;
  }
  if (mid >= 0 && mid < kNamedMs && !g_named[mid]) {
    g_named[mid] = true;
    std::fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"M%d\"}}", g_pid, mid, mid);
  }
  for (int i = 0; i < b->n; ++i) {
    const Event& e = b->ev[i];
    switch (e.kind) {
      case Kind::slice:
        std::fprintf(f, ",\n{\"name\":\"G%llu\",\"cat\":\"goroutine\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d", static_cast<unsigned long long>(e.goid), g_pid, mid);
        print_ts(f, "ts", e.ts - g_t0);
        print_ts(f, "dur", e.dur);
        std::fprintf(f, ",\"args\":{\"goid\":%llu,\"end\":\"%s\"}}", static_cast<unsigned long long>(e.goid), e.what);
        break;
      case Kind::steal:
      case Kind::syscall_handoff:
      case Kind::syscall_return:
        std::fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"sched\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,\"tid\":%d", e.what, g_pid, mid);
        print_ts(f, "ts", e.ts - g_t0);
        std::fprintf(f, ",\"args\":{\"goid\":%llu,\"%s\":%d}}", static_cast<unsigned long long>(e.goid),
                     e.kind == Kind::steal ? "victim_p" : e.kind == Kind::syscall_handoff ? "p" : "got_p", e.arg);
        break;
    }
  }
  b->n = 0;
  g_file_lock.unlock();
}

Buffer* buffer_of(sched::M* m) noexcept {
  if (!m->trace) m->trace = new (std::nothrow) Buffer;
  return static_cast<Buffer*>(m->trace);
}

void record(sched::M* m, Buffer* b, const Event& e) noexcept {
  if (b->n == Buffer::kEvents) flush(m->id, b);
  b->ev[b->n++] = e;
}

void finish() {
  g_file_lock.lock();
  std::fputs("\n]\n", g_file);
  std::fclose(g_file);
  g_file = nullptr;
  g_file_lock.unlock();
}

const char* stop_reason(sched::M* m, sched::G* g) noexcept {
  using sched::AfterSwitch;
  switch (m->after) {
    case AfterSwitch::park: {
      const char* r = sched::wait_reason_name(g->wait_reason);
      return *r ? r : "park";
    }
    case AfterSwitch::requeue: return "yield";
    case AfterSwitch::exit: return "exit";
    case AfterSwitch::requeue_global: return "no P after syscall";
    case AfterSwitch::preempt: return "preempted";
    case AfterSwitch::nothing: break;
  }
  return "switch";
}

}  // namespace

void init() noexcept {
  static bool done = false;  // runtimes start one at a time
  if (done) return;
  done = true;
  const char* path = std::getenv("GORO_TRACE");
  if (!path || !*path) return;
  g_file = std::fopen(path, "w");
  if (!g_file) {
    std::fprintf(stderr, "goro: GORO_TRACE: cannot open %s for writing\n", path);
    return;
  }
  g_t0 = sched::nanotime();
  g_pid = static_cast<int>(getpid());
  std::fprintf(g_file, "[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":\"goro\"}}", g_pid);
  std::atexit(&finish);
  on = true;
}

void g_start(sched::M* m, sched::G*) noexcept {
  if (Buffer* b = buffer_of(m)) b->slice_start = sched::nanotime();
}

void g_stop(sched::M* m, sched::G* g) noexcept {
  Buffer* b = buffer_of(m);
  if (!b) return;
  std::int64_t now = sched::nanotime();
  record(m, b, {b->slice_start, now - b->slice_start, g->id, stop_reason(m, g), 0, Kind::slice});
}

void steal(sched::M* m, sched::G* g, sched::P* victim) noexcept {
  if (Buffer* b = buffer_of(m)) record(m, b, {sched::nanotime(), 0, g->id, "steal", victim->id, Kind::steal});
}

void syscall_handoff(sched::M* m, sched::G* g, sched::P* p) noexcept {
  if (Buffer* b = buffer_of(m))
    record(m, b, {sched::nanotime(), 0, g->id, "syscall handoff", p->id, Kind::syscall_handoff});
}

void syscall_return(sched::M* m, sched::G* g, bool got_p) noexcept {
  if (Buffer* b = buffer_of(m))
    record(m, b, {sched::nanotime(), 0, g->id, "syscall return", got_p ? 1 : 0, Kind::syscall_return});
}

void m_exit(sched::M* m) noexcept {
  auto* b = static_cast<Buffer*>(m->trace);
  if (!b) return;
  flush(m->id, b);
  delete b;
  m->trace = nullptr;
}

}  // namespace goro::debug::trace
