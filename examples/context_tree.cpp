// A cancellation tree with goro's context package:
//
//   root (with_cancel)
//   ├── api (with_cancel)
//   │   ├── slow_query (with_timeout 30 ms)   times out on its own
//   │   └── stream     (with_cancel)          ends when api is cancelled
//   └── batch (with_cancel)
//       └── job        (with_timeout 1 h)     ends when root is cancelled
//
// A worker goroutine waits on each leaf's done() channel and reports how its
// context ended. Cancelling a node ends its whole subtree and nothing else.
//
//   context_tree          Exits 1 if a context ends early, late, or with the wrong error.
#include <goro/goro.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

using namespace std::chrono_literals;

namespace {

// "running", "context canceled" or "context deadline exceeded".
std::string describe(const goro::Context& ctx) {
  std::exception_ptr e = ctx.err();
  if (!e) return "running";
  try {
    std::rethrow_exception(e);
  } catch (const goro::deadline_exceeded_error& err) {
    return err.what();
  } catch (const goro::cancelled_error& err) {
    return err.what();
  }
}

struct Report {
  std::string name;
  std::string how;
};

// A worker that does its job until its context ends, then reports.
void start_worker(const char* name, goro::Context ctx, goro::Chan<Report> reports) {
  goro::go([name, ctx, reports] {
    auto work = goro::make_chan<int>();  // nothing ever arrives: the worker only waits
    for (bool running = true; running;) {
      goro::select(goro::recv(work), goro::recv(ctx.done(), [&] { running = false; }));
    }
    reports.send({name, describe(ctx)});
  });
}

}  // namespace

int main() {
  return goro::run([]() -> int {
    int failures = 0;
    auto expect = [&](const Report& r, const char* name, const char* how) {
      std::printf("  %-10s %s\n", r.name.c_str(), r.how.c_str());
      if (r.name != name || r.how != how) {
        std::fprintf(stderr, "FAIL: want %s: %s\n", name, how);
        ++failures;
      }
    };
    auto still_running = [&](const goro::Context& ctx, const char* name) {
      if (describe(ctx) != "running") {
        std::fprintf(stderr, "FAIL: %s ended too early (%s)\n", name, describe(ctx).c_str());
        ++failures;
      }
    };

    auto [root, cancel_root] = goro::with_cancel(goro::Context::background());
    auto [api, cancel_api] = goro::with_cancel(root);
    auto [slow_query, cancel_slow_query] = goro::with_timeout(api, 30ms);
    auto [stream, cancel_stream] = goro::with_cancel(api);
    auto [batch, cancel_batch] = goro::with_cancel(root);
    auto [job, cancel_job] = goro::with_timeout(batch, 1h);

    auto reports = goro::make_chan<Report>(8);
    start_worker("slow_query", slow_query, reports);
    start_worker("stream", stream, reports);
    start_worker("job", job, reports);

    std::printf("waiting for slow_query's 30 ms deadline:\n");
    expect(*reports.recv(), "slow_query", "context deadline exceeded");
    still_running(api, "api");
    still_running(stream, "stream");
    still_running(job, "job");

    std::printf("cancel(api):\n");
    cancel_api();
    expect(*reports.recv(), "stream", "context canceled");
    still_running(root, "root");
    still_running(batch, "batch");
    still_running(job, "job");

    std::printf("cancel(root):\n");
    cancel_root();
    expect(*reports.recv(), "job", "context canceled");
    if (describe(batch) != "context canceled") {
      std::fprintf(stderr, "FAIL: batch not cancelled with its parent\n");
      ++failures;
    }

    // Deadlines flow down the tree: a child never outlives its parent's.
    auto [short_parent, cancel_short] = goro::with_timeout(goro::Context::background(), 1h);
    auto [long_child, cancel_long] = goro::with_timeout(short_parent, 2h);
    if (long_child.deadline() != short_parent.deadline()) {
      std::fprintf(stderr, "FAIL: a child's deadline is later than its parent's\n");
      ++failures;
    }
    std::printf("a 2 h child of a 1 h parent has the parent's deadline: %s\n",
                long_child.deadline() == short_parent.deadline() ? "yes" : "no");

    // Cancel functions are idempotent; call every one when done, as in Go.
    for (auto* cancel : {&cancel_slow_query, &cancel_stream, &cancel_batch, &cancel_job, &cancel_root,
                         &cancel_api, &cancel_short, &cancel_long})
      (*cancel)();
    return failures ? 1 : 0;
  }, {.procs = 2});
}
