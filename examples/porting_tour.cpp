// Every C++ snippet of docs/porting-from-go.md, compiled and run. The
// `doc-snippets-porting` test (scripts/check-doc-snippets.py) fails when a snippet in
// the doc is not found here line for line, so edit both together: the
// snippet bodies below are verbatim, the code around them sets up what they
// use and checks what they did.
//
// Exits 1 (with a FAIL line) if any snippet does not behave as the doc says.
#include <goro/goro.hpp>

#include <unistd.h>

#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <span>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("  %-58s %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) ++failures;
}

struct Job {
  int id = 0;
};

std::atomic<long> used{0};
void use(int v) { used += v; }

std::atomic<int> worked{0};
void worker(int n) { worked += n; }
void work(int i) { worked += i; }

int setups = 0;
void setup() { ++setups; }

void fetch(const std::string& url) {
  if (url.find("bad") != std::string::npos) throw std::runtime_error("404 " + url);
}

int parse(const std::string& s) { return std::stoi(s); }

}  // namespace

// --- main and the go statement ----------------------------------------------
namespace go_statement {
int main() {
  return goro::run([] {
    goro::go(worker, 42);
    goro::go([] { std::puts("hello"); });
    goro::yield();
  });
}
}  // namespace go_statement

// --- Directions ---------------------------------------------------------------
void produce(goro::Chan<int> out) { out.send(1); out.close(); }  // out: send-only by convention
void consume(goro::Chan<int> in) { for (int v : in) use(v); }    // in: receive-only by convention

// --- Networking ---------------------------------------------------------------
void echo(goro::net::Conn c) {
  std::byte buf[4096];
  try {
    for (;;) {
      c.set_read_deadline(goro::Clock::now() + 30s);
      std::size_t n = c.read(buf);  // 0: the peer closed its end
      if (n == 0) break;
      c.write(std::span(buf, n));   // writes all of it, or throws
    }
  } catch (const std::exception&) {  // std::system_error, goro::net::timeout_error
  }
  c.close();
}

void serve(goro::net::Listener ln) {
  for (;;) {
    goro::net::Conn conn;
    try {
      conn = ln.accept();
    } catch (const std::system_error&) {
      return;  // ln.close() was called
    }
    goro::go(echo, conn);
  }
}

// --- thread_local after a switch (defined, never called: it is the bug) -------
thread_local int calls = 0;
void counted() {
  ++calls;
  goro::yield();  // may resume on another thread...
  ++calls;        // ...and this may touch the first thread's `calls`
}

namespace {

void tour_channels() {
  auto ch = goro::make_chan<int>();         // make(chan int)
  auto jobs = goro::make_chan<Job>(128);    // make(chan Job, 128)
  goro::go([ch] { ch.send(1); });           // ch <- 1
  int v = ch.recv().value();                // v := <-ch
  ch.close();                               // close(ch)
  std::optional<int> w = ch.recv();         // w, ok := <-ch: nullopt once closed and drained
  std::size_t n = jobs.size(), c = jobs.capacity();  // len, cap
  goro::Chan<int> none;                     // a nil channel: blocks forever

  check(v == 1 && !w && n == 0 && c == 128 && !none, "channels: send, recv, close, len, cap, nil");
  bool threw = false;
  try {
    ch.send(2);
  } catch (const goro::closed_channel_error&) {
    threw = true;
  }
  check(threw, "channels: send on a closed channel throws");
}

void tour_directions() {
  used = 0;
  auto ch = goro::make_chan<int>();
  goro::go(produce, ch);
  consume(ch);
  check(used == 1, "directions: produce / consume");
}

void tour_range() {
  auto ch = goro::make_chan<int>(3);
  ch.send(1);
  ch.send(2);
  ch.send(3);
  ch.close();
  used = 0;
  for (int v : ch) {
    use(v);
  }
  check(used == 6, "range: until closed and drained");
}

void tour_select() {
  auto a = goro::make_chan<int>(1);
  auto b = goro::make_chan<int>();
  auto out = goro::make_chan<int>(1);
  int x = 7;
  b.close();
  used = 0;
  // Only b is ready (closed): its handler makes it nil.
  goro::select(
      goro::recv(a, [&](int v) { use(v); }),
      goro::recv(b, [&](std::optional<int> v) {
        if (!v) b = {};
      }),
      goro::send(out, x),
      goro::default_([] {}));
  // out had room, so the send may have run instead; run until b is nil.
  for (int i = 0; i < 100 && b; ++i) {
    out.try_recv();
    goro::select(goro::recv(b, [&](std::optional<int> v) { if (!v) b = {}; }), goro::send(out, x));
  }
  check(!b, "select: a closed channel's case sets it to nil");
}

void tour_timeouts() {
  auto results = goro::make_chan<int>();
  auto in = goro::make_chan<int>();
  auto quit = goro::make_chan<goro::Unit>();
  goro::go([in, quit] {
    for (int i = 1; i <= 4; ++i) in.send(i);
    quit.close();
  });
  used = 0;
  auto start = goro::Clock::now();
  goro::select(
      goro::recv(results, [&](int r) { use(r); }),
      goro::recv(goro::after(50ms), [&] { std::puts("timed out"); }));

  for (bool running = true; running;) {
    goro::select(
        goro::recv(in, [&](int v) { use(v); }),
        goro::recv(quit, [&] { running = false; }));
  }
  check(goro::Clock::now() - start >= 50ms, "select: a timeout with goro::after");
  check(used == 10, "select: a loop ended by a quit channel");
}

void tour_waitgroup() {
  worked = 0;
  goro::WaitGroup wg;
  for (int i = 0; i < 10; ++i) {
    wg.add(1);
    goro::go([&wg](int i) {
      work(i);
      wg.done();
    }, i);
  }
  wg.wait();
  check(worked == 45, "WaitGroup: wait for ten goroutines");
}

void tour_mutex() {
  int total = 0, n = 5, v = 0;
  std::map<int, int> cache{{1, 11}};
  int k = 1;
  goro::Mutex mu;
  {
    std::lock_guard lock(mu);  // Lock(); defer Unlock()
    total += n;
  }

  goro::RWMutex rw;
  {
    std::shared_lock lock(rw);  // RLock(); defer RUnlock()
    v = cache[k];
  }
  check(total == 5 && v == 11 && mu.try_lock() && rw.try_lock(), "Mutex, RWMutex: std::lock_guard, std::shared_lock");
  mu.unlock();
  rw.unlock();
}

void tour_once() {
  setups = 0;
  goro::Once once;
  once.call(setup);
  once.call(setup);
  check(setups == 1, "Once: runs once");
}

void tour_cond() {
  goro::Mutex mu;
  goro::Cond cond(mu);  // sync.NewCond(&mu)
  bool ready = false;
  goro::WaitGroup wg;
  wg.add(1);
  goro::go([&] {
    std::unique_lock lock(mu);
    while (!ready) cond.wait();
    lock.unlock();
    wg.done();
  });
  {
    std::lock_guard lock(mu);
    ready = true;
    cond.broadcast();
  }
  wg.wait();
  check(ready, "Cond: wait for a condition, broadcast");
}

void tour_errgroup() {
  std::vector<std::string> urls{"a.example", "bad.example", "c.example"};
  bool caught = false;
  goro::ErrGroup g;
  for (const std::string& url : urls) {
    g.go([url] { fetch(url); });  // fetch throws on failure
  }
  try {
    g.wait();  // rethrows the first exception
  } catch (const std::exception& e) {
    std::printf("fetch failed: %s\n", e.what());
  }
  try {
    g.wait();  // a used ErrGroup keeps its first exception
  } catch (const std::exception& e) {
    caught = std::string(e.what()) == "404 bad.example";
  }
  check(caught, "ErrGroup: wait rethrows the first exception");
}

void tour_context() {
  auto results = goro::make_chan<int>();
  auto [ctx, cancel] = goro::with_timeout(goro::Context::background(), 50ms);
  goro::select(
      goro::recv(results, [&](int r) { use(r); }),
      goro::recv(ctx.done(), [&] {
        try {
          std::rethrow_exception(ctx.err());
        } catch (const goro::deadline_exceeded_error&) {
          std::puts("too slow");
        } catch (const goro::cancelled_error&) {
        }
      }));
  cancel();
  bool timed_out = false;
  try {
    std::rethrow_exception(ctx.err());
  } catch (const goro::deadline_exceeded_error&) {
    timed_out = true;
  } catch (...) {
  }
  check(timed_out, "context: with_timeout, done(), err()");
}

void tour_time() {
  auto start = goro::Clock::now();
  goro::sleep(10ms);

  goro::Timer t(1h);
  if (!t.stop()) {
    t.c().recv();
  }
  t.reset(10ms);
  t.c().recv();

  goro::after_func(10ms, [] { std::puts("later"); });

  goro::Ticker ticker(10ms);
  for (int i = 0; i < 3; ++i) {
    ticker.c().recv();
  }
  ticker.stop();
  check(goro::Clock::now() - start >= 50ms, "time: sleep, Timer stop/reset, after_func, Ticker");
}

void tour_lock_os_thread() {
  goro::lock_os_thread();
  const std::thread::id home = std::this_thread::get_id();
  goro::sleep(1ms);
  assert(std::this_thread::get_id() == home);  // pinned: same thread after every switch
  goro::unlock_os_thread();
  check(std::this_thread::get_id() == home, "lock_os_thread: same thread after a sleep");
}

void tour_panics() {
  auto errors = goro::make_chan<std::string>(1);
  goro::go([errors] {
    try {
      parse("not a number");
    } catch (const std::exception& e) {  // defer func() { recover() }()
      errors.send(e.what());
    }
  });
  std::string what = errors.recv().value();
  check(what == "stoi", "exceptions: caught in the goroutine, sent back");
}

void tour_no_gc() {
  std::vector<int> big(1000, 1);
  auto config = std::make_shared<const std::string>("shared, read-only");
  auto sums = goro::make_chan<long>(2);
  goro::go([big = std::move(big), sums] {  // moved in: the goroutine owns it
    sums.send(std::accumulate(big.begin(), big.end(), 0L));
  });
  goro::go([config, sums] {  // shared: the last owner frees it
    sums.send(static_cast<long>(config->size()));
  });
  long total = sums.recv().value() + sums.recv().value();
  check(total == 1000 + 17, "no GC: values moved in, or shared with shared_ptr");
}

void tour_blocking() {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  int fd = fds[0];
  char buffer[64];
  goro::go([out = fds[1]] {
    goro::sleep(5ms);
    (void)!::write(out, "hello", 5);
  });
  int bytes = goro::blocking([&] {
    return static_cast<int>(::read(fd, buffer, sizeof buffer));  // may block in the kernel
  });
  close(fds[0]);
  close(fds[1]);
  check(bytes == 5, "blocking: a read(2) that waits for another goroutine");
}

void tour_net() {
  goro::net::Listener ln = goro::net::listen("tcp", "127.0.0.1:0");  // port 0: any free port
  goro::go(serve, ln);
  goro::net::Conn c = goro::net::dial("tcp", ln.addr());
  const std::string hello = "hello, echo";
  c.write(std::as_bytes(std::span(hello)));
  std::string back(hello.size(), '\0');
  std::size_t got = 0;
  while (got < back.size()) {
    std::size_t n = c.read(std::as_writable_bytes(std::span(back)).subspan(got));
    if (n == 0) break;
    got += n;
  }
  c.close_write();  // the echo goroutine reads 0 and closes its end
  std::byte rest[1];
  bool closed = c.read(rest) == 0;
  c.close();
  ln.close();
  check(back == hello && closed, "net: listen, accept in a goroutine, dial, echo");
}

}  // namespace

int main() {
  int rc = go_statement::main();
  check(rc == 0 && worked >= 0, "main: goro::run with go and yield");
  rc = goro::run([] {
    tour_channels();
    tour_directions();
    tour_range();
    tour_select();
    tour_timeouts();
    tour_waitgroup();
    tour_mutex();
    tour_once();
    tour_cond();
    tour_errgroup();
    tour_context();
    tour_time();
    tour_lock_os_thread();
    tour_panics();
    tour_no_gc();
    tour_blocking();
    tour_net();
    return failures ? 1 : 0;
  }, {.procs = 1});  // one P: blocking() must hand it off for the writer to run
  if (rc != 0) std::fprintf(stderr, "FAIL: %d snippet checks failed\n", failures);
  return rc;
}
