// goro::net and the poller: echo, deadlines, close, half-close, addresses,
// errors, unix sockets, pipes, foreign threads, the deadlock check.
#include "tests/sched/support.hpp"  // procs_name
#include "tests/net/support.hpp"
#include "tests/support/death.hpp"

#include "runtime/net/poller.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace net = goro::net;

namespace goro::test {
namespace {

class Net : public ::testing::TestWithParam<int> {};

// conns goroutines each make `rounds` round trips through an echo server.
void echo(int procs, int conns, int rounds) {
  std::atomic<int> ok{0};
  std::string first_error;
  goro::Mutex mu;
  goro::run([&] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    serve_echo(l);
    goro::WaitGroup wg;
    for (int i = 0; i < conns; ++i) {
      wg.add();
      goro::go([&, i] {
        try {
          net::Conn c = net::dial("tcp", l.addr());
          std::string msg = "message " + std::to_string(i) + " of " + std::to_string(conns);
          bool good = true;
          for (int r = 0; r < rounds && good; ++r) {
            c.write(bytes(msg));
            good = read_full(c, msg.size()) == msg;
          }
          c.close();
          if (good) ok++;
        } catch (const std::exception& e) {
          std::lock_guard lk(mu);
          if (first_error.empty()) first_error = e.what();
        }
        wg.done();
      });
    }
    wg.wait();
    l.close();
  }, {.procs = procs});
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(ok.load(), conns);
}

TEST_P(Net, Echo1000Connections) { echo(GetParam(), 1000, 10); }

TEST_P(Net, ReadDeadlineFiresOnAnIdleRead) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    auto accepted = goro::make_chan<net::Conn>(1);
    goro::go([l, accepted] { accepted.send(l.accept()); });
    net::Conn c = net::dial("tcp", l.addr());
    net::Conn server = *accepted.recv();
    std::byte buf[16];

    auto start = Clock::now();
    c.set_read_deadline(start + 100ms);
    try {
      c.read(buf);
      ADD_FAILURE() << "read returned without data";
    } catch (const net::timeout_error& e) {
      EXPECT_NE(std::string(e.what()).find("read tcp " + c.local_addr() + "->" + c.remote_addr() + ": i/o timeout"),
                std::string::npos) << e.what();
    }
    auto waited = Clock::now() - start;
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, 10s);

    // Still timed out until the deadline moves; a past deadline fails at once.
    EXPECT_THROW(c.read(buf), net::timeout_error);
    c.set_read_deadline(Clock::now() - 1s);
    EXPECT_THROW(c.read(buf), net::timeout_error);
    // Cleared: the next read waits for data again.
    c.set_read_deadline({});
    server.write(bytes("x"));
    EXPECT_EQ(c.read(buf), 1u);
    // A later deadline that does not pass does not fire.
    c.set_read_deadline(Clock::now() + 10s);
    server.write(bytes("y"));
    EXPECT_EQ(c.read(buf), 1u);
    c.close();
    server.close();
    l.close();
  }, {.procs = GetParam()});
}

TEST_P(Net, WriteDeadlineFiresWhenThePeerDoesNotRead) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    auto accepted = goro::make_chan<net::Conn>(1);
    goro::go([l, accepted] { accepted.send(l.accept()); });
    net::Conn c = net::dial("tcp", l.addr());
    net::Conn server = *accepted.recv();  // never reads
    c.set_write_deadline(Clock::now() + 100ms);
    std::string big(64 << 20, 'z');  // far more than both socket buffers hold
    EXPECT_THROW(c.write(bytes(big)), net::timeout_error);
    c.close();
    server.close();
    l.close();
  }, {.procs = GetParam()});
}

TEST_P(Net, CloseWakesABlockedReaderWriterAndAcceptor) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    auto accepted = goro::make_chan<net::Conn>(1);
    goro::go([l, accepted] { accepted.send(l.accept()); });
    net::Conn c = net::dial("tcp", l.addr());
    net::Conn server = *accepted.recv();

    auto errors = goro::make_chan<std::string>(3);
    auto report = [errors](auto&& f) {
      try {
        f();
        errors.send("returned normally");
      } catch (const std::system_error& e) {
        errors.send(e.code().value() == EBADF ? std::string(e.what()) : "wrong errno: " + std::string(e.what()));
      }
    };
    goro::go([=] { report([&] { std::byte b[8]; c.read(b); }); });
    goro::go([=] { report([&] { std::string big(64 << 20, 'w'); c.write(bytes(big)); }); });
    goro::go([=] { report([&] { l.accept(); }); });
    goro::sleep(50ms);  // most likely all three are parked by now; either way they must fail
    c.close();
    l.close();
    for (int i = 0; i < 3; ++i) {
      std::string e = *errors.recv();
      EXPECT_NE(e.find("use of closed network connection"), std::string::npos) << e;
    }
    // Using a closed handle fails the same way; closing again is harmless.
    std::byte b[8];
    EXPECT_THROW(c.read(b), std::system_error);
    c.close();
    server.close();
  }, {.procs = GetParam()});
}

TEST_P(Net, HalfCloseGivesEndOfStream) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    auto done = goro::make_chan<std::string>(1);
    goro::go([l, done] {
      net::Conn s = l.accept();
      std::string got = read_full(s, 4);
      std::byte b[8];
      std::size_t n = s.read(b);  // the peer shut down its side: end of stream
      s.write(bytes("pong"));
      s.close();
      done.send(got + "/" + std::to_string(n));
    });
    net::Conn c = net::dial("tcp", l.addr());
    c.write(bytes("ping"));
    c.close_write();
    EXPECT_EQ(read_full(c, 4), "pong");
    std::byte b[8];
    EXPECT_EQ(c.read(b), 0u);
    EXPECT_EQ(*done.recv(), "ping/0");
    c.close();
    l.close();
  }, {.procs = GetParam()});
}

TEST_P(Net, DialToAClosedPortIsRefused) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    std::string addr = l.addr();
    l.close();
    try {
      net::dial("tcp", addr);
      ADD_FAILURE() << "dial to a closed port succeeded";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), ECONNREFUSED);
      std::string what = e.what();
      EXPECT_NE(what.find("dial tcp " + addr + ": connect (ECONNREFUSED)"), std::string::npos) << what;
    }
  }, {.procs = GetParam()});
}

TEST_P(Net, BadAddressesThrow) {
  goro::run([] {
    struct Case {
      const char* network;
      const char* address;
      const char* why;
    };
    for (Case k : {Case{"tcp", "127.0.0.1", "missing port in address"},
                   Case{"tcp", "[::1", "missing ']' in address"},
                   Case{"tcp", "[::1]", "missing port in address"},
                   Case{"tcp", "1:2:3", "too many colons in address"},
                   Case{"tcp", "127.0.0.1:99999", "invalid port"},
                   Case{"tcp", "127.0.0.1:a$b", "invalid port"},
                   Case{"udp", "127.0.0.1:80", "unknown network udp"},
                   Case{"unix", "", "missing address"}}) {
      for (bool listening : {true, false}) {
        try {
          if (listening) net::listen(k.network, k.address);
          else net::dial(k.network, k.address);
          ADD_FAILURE() << k.network << " " << k.address << " was accepted";
        } catch (const std::system_error& e) {
          EXPECT_EQ(e.code().value(), EINVAL);
          std::string expect = std::string(listening ? "listen " : "dial ") + k.network + " " + k.address + ": " + k.why;
          EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
        }
      }
    }
    // An empty handle is misuse.
    std::byte b[1];
    EXPECT_THROW(net::Conn().read(b), std::logic_error);
    EXPECT_THROW(net::Listener().accept(), std::logic_error);
  }, {.procs = GetParam()});
}

TEST_P(Net, Addresses) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    EXPECT_TRUE(std::regex_match(l.addr(), std::regex(R"(127\.0\.0\.1:[1-9][0-9]*)"))) << l.addr();
    auto accepted = goro::make_chan<net::Conn>(1);
    goro::go([l, accepted] { accepted.send(l.accept()); });
    net::Conn c = net::dial("tcp", l.addr());
    net::Conn s = *accepted.recv();
    EXPECT_EQ(c.remote_addr(), l.addr());
    EXPECT_EQ(s.local_addr(), l.addr());
    EXPECT_EQ(s.remote_addr(), c.local_addr());
    c.close();
    s.close();
    l.close();

    // ":0": every address, a free port; reachable through 127.0.0.1 and localhost.
    net::Listener any = net::listen("tcp", ":0");
    std::string port = any.addr().substr(any.addr().rfind(':') + 1);
    EXPECT_TRUE(any.addr() == "[::]:" + port || any.addr() == "0.0.0.0:" + port) << any.addr();
    serve_echo(any);
    for (std::string target : {"127.0.0.1:" + port, "localhost:" + port, ":" + port}) {
      net::Conn d = net::dial("tcp", target);
      d.write(bytes("hi"));
      EXPECT_EQ(read_full(d, 2), "hi") << target;
      d.close();
    }
    any.close();

    // IPv6 loopback, where the host has it.
    net::Listener l6;
    try {
      l6 = net::listen("tcp6", "[::1]:0");
    } catch (const std::system_error& e) {
      std::printf("no IPv6 loopback here (%s): skipping the tcp6 part\n", e.what());
      return;
    }
    EXPECT_TRUE(std::regex_match(l6.addr(), std::regex(R"(\[::1\]:[1-9][0-9]*)"))) << l6.addr();
    serve_echo(l6);
    net::Conn d6 = net::dial("tcp", l6.addr());
    EXPECT_EQ(d6.remote_addr(), l6.addr());
    d6.write(bytes("v6"));
    EXPECT_EQ(read_full(d6, 2), "v6");
    d6.close();
    l6.close();
  }, {.procs = GetParam()});
}

TEST_P(Net, LargeWriteGoesOutWhole) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    auto total = goro::make_chan<std::uint64_t>(1);
    goro::go([l, total] {
      net::Conn s = l.accept();
      goro::sleep(50ms);  // let the writer fill both buffers and park
      std::uint64_t sum = 0, n = 0;
      std::byte buf[65536];
      while (std::size_t k = s.read(buf)) {
        for (std::size_t i = 0; i < k; ++i) sum += static_cast<std::uint8_t>(buf[i]) * ((n + i) % 7 + 1);
        n += k;
      }
      s.close();
      total.send(n * 1000003 + sum);
    });
    net::Conn c = net::dial("tcp", l.addr());
    std::string big(16 << 20, '\0');
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<char>(i * 31 + 7);
      sum += static_cast<std::uint8_t>(big[i]) * (i % 7 + 1);
    }
    EXPECT_EQ(c.write(bytes(big)), big.size());
    c.close_write();
    EXPECT_EQ(*total.recv(), big.size() * 1000003 + sum);
    c.close();
    l.close();
  }, {.procs = GetParam()});
}

TEST_P(Net, DialTimeoutConnects) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    serve_echo(l);
    net::Conn c = net::dial_timeout("tcp", l.addr(), 5s);
    c.write(bytes("t"));
    EXPECT_EQ(read_full(c, 1), "t");
    c.close();
    l.close();
  }, {.procs = GetParam()});
}

// A listener whose accept queue is full drops SYNs: the dial hangs until
// its timeout. listen(fd, 0) holds one pending connection.
TEST_P(Net, DialTimeoutGivesUp) {
  int lfd = loopback_listener(0);
  ASSERT_GE(lfd, 0);
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  goro::run([&] {
    std::vector<net::Conn> queued;
    std::string error;
    for (int i = 0; i < 16 && error.empty(); ++i) {
      try {
        queued.push_back(net::dial_timeout("tcp", addr, 200ms));
      } catch (const net::timeout_error& e) {
        error = e.what();
      }
    }
    EXPECT_EQ(error, "dial tcp " + addr + ": i/o timeout");
    for (auto& c : queued) c.close();
  }, {.procs = GetParam()});
  ::close(lfd);
}

TEST_P(Net, UnixSockets) {
  goro::run([] {
    char dir[] = "/tmp/goro-net-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/sock";
    std::string abstract = "@goro-net-test-" + std::to_string(getpid()) + "-" + std::to_string(GetParam());
    for (const std::string& where : {path, abstract}) {
      net::Listener l = net::listen("unix", where);
      EXPECT_EQ(l.addr(), where);
      auto stopped = serve_echo(l);
      net::Conn c = net::dial("unix", where);
      EXPECT_EQ(c.remote_addr(), where);
      c.write(bytes("over unix"));
      EXPECT_EQ(read_full(c, 9), "over unix");
      c.close();
      l.close();
      stopped.recv();  // the socket is gone now (its file too)
      EXPECT_THROW(net::dial("unix", where), std::system_error);
    }
    EXPECT_NE(access(path.c_str(), F_OK), 0) << "the listener left its socket file behind";
    rmdir(dir);
  }, {.procs = GetParam()});
}

TEST_P(Net, PipesThroughFile) {
  goro::run([] {
    auto [r, w] = net::pipe();
    auto got = goro::make_chan<std::string>(1);
    goro::go([r, got] { got.send(read_full(r, 5)); });
    goro::sleep(10ms);
    w.write(bytes("he"));
    goro::yield();
    w.write(bytes("llo"));
    EXPECT_EQ(*got.recv(), "hello");

    std::byte b[4];
    r.set_read_deadline(Clock::now() + 50ms);
    EXPECT_THROW(r.read(b), net::timeout_error);
    r.set_read_deadline({});
    goro::go([r, got] {
      try {
        std::byte x[4];
        r.read(x);
        got.send("read returned");
      } catch (const std::system_error& e) {
        got.send(e.what());
      }
    });
    goro::sleep(10ms);
    r.close();
    EXPECT_NE(got.recv()->find("use of closed network connection"), std::string::npos);
    w.close();
  }, {.procs = GetParam()});
}

// A thread that is not a goroutine uses the same calls; it blocks itself.
TEST_P(Net, ForeignThreadTalksToAGoroutineServer) {
  goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    serve_echo(l);
    std::string reply, error;
    std::thread t([&] {
      try {
        net::Conn c = net::dial("tcp", l.addr());
        c.write(bytes("from a thread"));
        reply = read_full(c, 13);
        c.set_read_deadline(Clock::now() + 30ms);
        std::byte b[4];
        try {
          c.read(b);
        } catch (const net::timeout_error&) {
          reply += "+timeout";
        }
        c.close();
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    goro::blocking([&] { t.join(); });
    EXPECT_EQ(error, "");
    EXPECT_EQ(reply, "from a thread+timeout");
    l.close();
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Net, Net, ::testing::Values(1, 2, 8), procs_name);

// No runtime at all: plain blocking sockets.
TEST(NetNoRuntime, WorksOnPlainThreads) {
  net::Listener l = net::listen("tcp", "127.0.0.1:0");
  std::thread server([l] {
    net::Conn s = l.accept();
    std::byte b[64];
    while (std::size_t n = s.read(b)) s.write({b, n});
    s.close();
  });
  net::Conn c = net::dial("tcp", l.addr());
  c.write(bytes("plain"));
  EXPECT_EQ(read_full(c, 5), "plain");
  c.close();
  server.join();
  l.close();
}

// Goroutines parked on the poller are live: no deadlock report while main
// waits for a pipe that another process writes to later (no timer, no
// foreign thread in this process could wake it).
TEST(NetLiveness, ParkedOnThePollerIsNotADeadlock) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    usleep(300'000);
    ssize_t n = ::write(fds[1], "late", 4);
    _exit(n == 4 ? 0 : 1);
  }
  ::close(fds[1]);
  std::string got;
  goro::run([&] {
    net::File r(fds[0]);
    got = read_full(r, 4);
    r.close();
  }, {.procs = 2});
  EXPECT_EQ(got, "late");
  int status = 0;
  waitpid(child, &status, 0);
}

// sysmon's hook: a poll nobody has made for a while readies the waiter.
TEST(NetLiveness, PollIfStaleReadiesWaiters) {
  goro::run([] {
    auto [r, w] = net::pipe();
    auto got = goro::make_chan<std::string>(1);
    goro::go([r = r, got] { got.send(read_full(r, 1)); });
    goro::sleep(20ms);  // the reader parks; this M polls while it sleeps
    w.write(bytes("!"));
    // This M holds the only P and is not looking for work: nobody has
    // collected the event. "Now" is far past the last poll.
    std::int64_t readied = net::poll_if_stale(sched::current_sched(), sched::nanotime() + 1'000'000'000);
    EXPECT_EQ(readied, 1);
    EXPECT_EQ(*got.recv(), "!");
    EXPECT_EQ(net::poll_if_stale(sched::current_sched(), sched::nanotime() + 1'000'000'000), 0);  // no waiters now
    r.close();
    w.close();
  }, {.procs = 1});
}

class NetDeath : public ::testing::Test {
 protected:
  void SetUp() override {
    GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
#if defined(__SANITIZE_THREAD__)
    // TSan's own background thread looks like a foreign thread to the
    // deadlock check, which then never decides (Sched death tests hang too).
    GTEST_SKIP() << "deadlock reports need a process without foreign threads; TSan adds one";
#endif
    goro::test::use_death_test_style();
  }
};

// Once nothing waits on the poller any more, a deadlock is still reported
// (the M that slept in epoll_wait counts as idle).
TEST_F(NetDeath, DeadlockAfterNetworkingIsReported) {
  EXPECT_EXIT(goro::run([] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    serve_echo(l);
    net::Conn c = net::dial("tcp", l.addr());
    c.write(bytes("x"));
    read_full(c, 1);
    c.close();
    l.close();
    goro::sleep(20ms);  // the server goroutines finish
    goro::make_chan<int>().recv();
  }, {.procs = 2}), ::testing::ExitedWithCode(2), "fatal error: all goroutines are asleep - deadlock!");
}

}  // namespace
}  // namespace goro::test
