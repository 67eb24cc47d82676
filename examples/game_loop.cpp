// A game server's tick loop that owns a goro::Runtime (docs/embedding.md).
//
// The main thread runs a fixed-rate loop and owns the world: nothing else
// touches it. Goroutines do everything that waits: bots stand in for network
// clients and send their moves on a channel; a saver persists snapshots
// through goro::blocking; an audio goroutine keeps thread-affine state on one
// OS thread with lock_os_thread. The main thread talks to them only with
// non-blocking channel operations (try_recv / try_send), so a slow goroutine
// can never stall a tick. At the end it waits for the bots (a plain thread
// may block on a WaitGroup or a channel: it sleeps on a futex), and
// shutdown() abandons the one goroutine still parked.
//
//   game_loop [bots] [moves]      (default 16 and 50; the test runs 8 and 20)
//
// Exits 1 if a move is lost, a save is never acknowledged, or the audio
// goroutine ever ran on a second thread.
#include <goro/goro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Move {
  int bot;
  int dx, dy;
};

struct Snapshot {
  long tick;
  std::vector<int> xs, ys;
};

// Owned by the main thread; goroutines never see it, only copies of it.
struct World {
  std::vector<int> xs, ys;
  long moves = 0;
  void apply(const Move& m) {
    xs[m.bot] += m.dx;
    ys[m.bot] += m.dy;
    ++moves;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int nbots = argc > 1 ? std::atoi(argv[1]) : 16;
  const int moves_per_bot = argc > 2 ? std::atoi(argv[2]) : 50;
  constexpr auto kTick = 5ms;
  constexpr long kMaxTicks = 2000;  // 10 s: a bound, not an expectation
  int failures = 0;

  goro::Runtime rt({.procs = 2});  // two Ps; threads start as goroutines need them, never this one

  World world;
  world.xs.assign(nbots, 0);
  world.ys.assign(nbots, 0);

  auto moves = goro::make_chan<Move>(256);                       // goroutines -> main thread
  auto main_thread_tasks = goro::make_chan<std::function<void()>>(16);  // work only the main thread may do
  auto snapshots = goro::make_chan<Snapshot>(2);                 // main thread -> saver
  auto saved = goro::make_chan<long>(8);                         // saver -> main thread

  // Bots: each sends its moves at its own pace, then leaves.
  goro::WaitGroup bots;
  for (int b = 0; b < nbots; ++b) {
    bots.add();
    rt.go([b, moves, moves_per_bot, &bots] {
      for (int i = 0; i < moves_per_bot; ++i) {
        goro::sleep(std::chrono::microseconds(200 * (1 + b % 4)));
        moves.send({b, 1, b % 2 ? 1 : -1});  // blocks this goroutine (not a thread) if the loop falls behind
      }
      bots.done();
    });
  }

  // The saver: blocking file I/O goes through goro::blocking, so its P keeps
  // running other goroutines while this one waits on the kernel.
  rt.go([snapshots, saved] {
    for (Snapshot s : snapshots) {
      goro::blocking([&] {
        if (std::FILE* f = std::fopen("/dev/null", "w")) {
          std::fwrite(s.xs.data(), sizeof(int), s.xs.size(), f);
          std::fwrite(s.ys.data(), sizeof(int), s.ys.size(), f);
          std::fclose(f);
        }
      });
      saved.send(s.tick);
    }
    saved.close();
  });

  // Audio: a library with thread-local state wants every call on one thread.
  // lock_os_thread() keeps this goroutine on its M across every sleep.
  int audio_moved = -1;  // main thread only: written by the task below, which runs there
  goro::WaitGroup audio;
  audio.add();
  rt.go([main_thread_tasks, &audio_moved, &audio] {
    goro::lock_os_thread();
    const std::thread::id home = std::this_thread::get_id();
    int moved = 0;
    for (int i = 0; i < 20; ++i) {
      goro::sleep(1ms);
      if (std::this_thread::get_id() != home) ++moved;
    }
    goro::unlock_os_thread();
    // What touches main-thread state goes back to the main thread as a task.
    main_thread_tasks.send([moved, &audio_moved] { audio_moved = moved; });
    audio.done();
  });

  // A lobby that waits for players who never come: shutdown() abandons it.
  auto lobby = goro::make_chan<int>();
  rt.go([lobby] { lobby.recv(); });

  long tick = 0, last_saved = -1, snapshots_sent = 0;
  const long total_moves = long(nbots) * moves_per_bot;
  Clock::time_point next = Clock::now();
  for (; tick < kMaxTicks; ++tick) {
    // Input: everything that arrived since the last tick, without blocking.
    while (std::optional<Move> m = moves.try_recv()) world.apply(*m);
    while (auto task = main_thread_tasks.try_recv()) (*task)();
    while (std::optional<long> t = saved.try_recv()) last_saved = *t;

    // Every 10th tick, hand a copy of the world to the saver; if it is
    // still busy with the last one, skip this save rather than wait.
    if (tick % 10 == 0) {
      Snapshot s{tick, world.xs, world.ys};
      if (snapshots.try_send(s)) ++snapshots_sent;
    }

    if (world.moves == total_moves && last_saved >= 0) break;
    next += kTick;
    std::this_thread::sleep_until(next);
  }

  // Shutting down: the bots are done (a plain thread may wait on a
  // WaitGroup), the saver drains and closes `saved`.
  bots.wait();
  audio.wait();
  snapshots.close();
  for (long t : saved) last_saved = t;  // blocks this thread until the saver is done
  while (auto task = main_thread_tasks.try_recv()) (*task)();

  goro::Stats st = goro::stats();
  std::printf("%ld ticks, %ld moves from %d bots, %ld snapshots, last saved at tick %ld\n", tick, world.moves,
              nbots, snapshots_sent, last_saved);
  std::printf("runtime: %lld goroutines alive (the lobby among them), %d threads, %llu blocking hand-offs\n",
              static_cast<long long>(st.goroutines), st.threads,
              static_cast<unsigned long long>(st.syscall_handoffs));
  rt.shutdown();  // the lobby goroutine is abandoned, as when a Go main returns

  if (world.moves != total_moves) {
    std::fprintf(stderr, "FAIL: %ld moves applied, want %ld\n", world.moves, total_moves);
    ++failures;
  }
  for (int b = 0; b < nbots; ++b) {
    if (world.xs[b] != moves_per_bot || world.ys[b] != (b % 2 ? moves_per_bot : -moves_per_bot)) {
      std::fprintf(stderr, "FAIL: bot %d ended at (%d, %d)\n", b, world.xs[b], world.ys[b]);
      ++failures;
    }
  }
  std::printf("audio: 20 sleeps with lock_os_thread, on another thread %d times\n", audio_moved);
  if (audio_moved != 0) {
    std::fprintf(stderr, "FAIL: the locked audio goroutine changed threads (or never reported)\n");
    ++failures;
  }
  if (last_saved < 0) {
    std::fprintf(stderr, "FAIL: no snapshot was saved\n");
    ++failures;
  }
  return failures ? 1 : 0;
}
