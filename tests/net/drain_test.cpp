// The drain skip (runtime/net/fd.cpp, FdState::read and write): after a read
// that drained a TCP socket, the next read parks without its syscall unless
// a read edge came since. These tests pin its edges: data arriving after a
// drain (before or after the poller harvests it) is read; a deadline and
// close still end a read parked that way; end of stream and urgent data
// after a drain never strand the reader; a write parked after a short send
// goes out whole; a thread that is not a goroutine skips into poll(2).
// Each hold-up is bounded by a read deadline, so a lost wake-up fails the
// test with "i/o timeout" instead of hanging it.
#include "tests/sched/support.hpp"  // procs_name
#include "tests/net/support.hpp"

#include "runtime/net/fd.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

using namespace std::chrono_literals;
namespace net = goro::net;

namespace goro::test {
namespace {

class Drain : public ::testing::TestWithParam<int> {};

// A blocking TCP connection to the listening socket lfd (127.0.0.1), made
// non-blocking, then wrapped as goro's "tcp" FdState so the test can read
// its skip counters.
std::shared_ptr<net::detail::FdState> connect_wrapped(int lfd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  EXPECT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), len), 0);  // loopback: the backlog completes it
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return std::make_shared<net::detail::FdState>(fd, net::detail::Kind::stream, "tcp");
}

// Our end (st, as a Conn too) and the peer's, accepted by goro.
struct Pair {
  std::shared_ptr<net::detail::FdState> st;
  net::Conn ours;
  net::Conn peer;
};

Pair tcp_pair() {
  net::Listener l = net::listen("tcp", "127.0.0.1:0");
  auto st = connect_wrapped(l.fd());
  net::Conn peer = l.accept();
  l.close();
  return {st, net::Conn(st), peer};
}

std::string read_some(const net::Conn& c) {
  char buf[64];
  std::size_t n = c.read({reinterpret_cast<std::byte*>(buf), sizeof buf});
  return std::string(buf, n);
}

// read_some, but a deadline passing (a lost wake-up, in these tests) gives
// "<i/o timeout>" for the expectation to show instead of an exception.
std::string read_bounded(const net::Conn& c) {
  try {
    return read_some(c);
  } catch (const net::timeout_error&) {
    return "<i/o timeout>";
  }
}

// Reads "a" after parking for it (so its edge is counted before the read),
// a short read: the socket is drained and no edge is pending.
void drain_once(Pair& p) {
  goro::go([peer = p.peer] {
    goro::sleep(20ms);
    peer.write(bytes("a"));
  });
  EXPECT_EQ(read_bounded(p.ours), "a");
}

TEST_P(Drain, DataAfterADrainIsReadAndTheSyscallWasSkipped) {
  goro::run([] {
    Pair p = tcp_pair();
    p.ours.set_read_deadline(Clock::now() + 10s);
    drain_once(p);
    auto go_ahead = goro::make_chan<goro::Unit>(1);
    goro::go([peer = p.peer, go_ahead] {
      go_ahead.recv();
      goro::sleep(50ms);  // the reader is parked by now (it was about to read)
      peer.write(bytes("bc"));
    });
    go_ahead.send({});
    EXPECT_EQ(read_bounded(p.ours), "bc");
    EXPECT_EQ(p.st->reads_skipped, 1u);  // no edge between the drain and the read
    p.ours.close();
    p.peer.close();
  }, {.procs = GetParam()});
}

// The race the skip must survive: the bytes are in our receive queue (sent
// synchronously over loopback) but the poller has not harvested their edge
// when the next read decides to skip; the harvest must still wake it.
TEST_P(Drain, DataQueuedBeforeItsEdgeIsHarvestedIsRead) {
  const int procs = GetParam();
  goro::run([procs] {
    Pair p = tcp_pair();
    p.ours.set_read_deadline(Clock::now() + 20s);
    drain_once(p);
    constexpr int kRounds = 200;
    for (int i = 0; i < kRounds; ++i) {
      std::string msg = "m" + std::to_string(i);
      ASSERT_EQ(::send(p.peer.fd(), msg.data(), msg.size(), MSG_NOSIGNAL), static_cast<ssize_t>(msg.size()));
      ASSERT_EQ(read_bounded(p.ours), msg);
    }
    // With one P nobody can harvest between the send and the read (sysmon
    // might, now and then): nearly every read was skipped and parked.
    if (procs == 1) {
      EXPECT_GE(p.st->reads_skipped, static_cast<std::uint64_t>(kRounds / 2));
    }
    p.ours.close();
    p.peer.close();
  }, {.procs = GetParam()});
}

TEST_P(Drain, DeadlineFiresWhileParkedAfterASkippedRead) {
  goro::run([] {
    Pair p = tcp_pair();
    drain_once(p);
    p.ours.set_read_deadline(Clock::now() + 50ms);
    EXPECT_THROW(read_some(p.ours), net::timeout_error);
    EXPECT_EQ(p.st->reads_skipped, 1u);
    // Usable again with the deadline cleared; the skip state did not stick.
    p.ours.set_read_deadline({});
    p.peer.write(bytes("z"));
    EXPECT_EQ(read_some(p.ours), "z");
    p.ours.close();
    p.peer.close();
  }, {.procs = GetParam()});
}

TEST_P(Drain, CloseWakesAReaderParkedAfterASkippedRead) {
  goro::run([] {
    Pair p = tcp_pair();
    drain_once(p);
    goro::go([ours = p.ours] {
      goro::sleep(50ms);
      ours.close();
    });
    try {
      read_some(p.ours);
      ADD_FAILURE() << "read returned after close";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), EBADF) << e.what();
    }
    EXPECT_EQ(p.st->reads_skipped, 1u);
    p.peer.close();
  }, {.procs = GetParam()});
}

// The peer's FIN arrives after the drain: the parked reader wakes and reads
// end of stream, and end of stream stays.
TEST_P(Drain, EndOfStreamAfterADrainReturnsZero) {
  goro::run([] {
    Pair p = tcp_pair();
    p.ours.set_read_deadline(Clock::now() + 10s);
    drain_once(p);
    goro::go([peer = p.peer] {
      goro::sleep(20ms);
      peer.close_write();
    });
    EXPECT_EQ(read_bounded(p.ours), "");
    EXPECT_EQ(read_bounded(p.ours), "");
    EXPECT_EQ(read_bounded(p.ours), "");
    p.ours.close();
    p.peer.close();
  }, {.procs = GetParam()});
}

// The last bytes and the FIN arrive together while the reader is parked:
// one harvest reports both (and wakes it), then one short read takes both.
// No edge will ever come again, so the next read must not skip (no_skip,
// set by EPOLLRDHUP) and returns 0 at once.
TEST_P(Drain, FinConsumedWithTheLastBytesStillGivesEndOfStream) {
  goro::run([] {
    for (int i = 0; i < 20; ++i) {
      Pair p = tcp_pair();
      p.ours.set_read_deadline(Clock::now() + 3s);
      goro::go([peer = p.peer] {
        goro::sleep(2ms);
        peer.write(bytes("last"));  // and the FIN right behind, before anyone polls (one P)
        peer.close_write();
      });
      EXPECT_EQ(read_bounded(p.ours), "last");
      EXPECT_EQ(read_bounded(p.ours), "");
      EXPECT_EQ(read_bounded(p.ours), "");
      p.ours.close();
      p.peer.close();
    }
  }, {.procs = GetParam()});
}

// Urgent data: a read stops short at the urgent mark with bytes behind it,
// which arrived with the same harvest: the next read must not skip (no_skip,
// set by EPOLLPRI). The urgent byte itself is not inline (no SO_OOBINLINE).
TEST_P(Drain, UrgentDataDoesNotStrandTheBytesAfterIt) {
  goro::run([] {
    Pair p = tcp_pair();
    p.ours.set_read_deadline(Clock::now() + 3s);
    goro::go([pfd = p.peer.fd()] {
      goro::sleep(2ms);
      EXPECT_EQ(::send(pfd, "ab", 2, MSG_NOSIGNAL), 2);
      EXPECT_EQ(::send(pfd, "!", 1, MSG_NOSIGNAL | MSG_OOB), 1);
      EXPECT_EQ(::send(pfd, "cd", 2, MSG_NOSIGNAL), 2);
    });
    std::string got;
    while (got.size() < 4) got += read_bounded(p.ours);
    EXPECT_EQ(got, "abcd");
    p.ours.close();
    p.peer.close();
  }, {.procs = GetParam()});
}

// A write far larger than the socket buffers: its short sends are drains,
// the sends after them park instead of failing with EAGAIN, and every byte
// arrives in order.
TEST_P(Drain, WriteParkedAfterAShortSendGoesOutWhole) {
  goro::run([] {
    Pair p = tcp_pair();
    int small = 64 << 10;
    ::setsockopt(p.ours.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    std::string big(8 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
    auto received = goro::make_chan<bool>(1);
    goro::go([peer = p.peer, &big, received] {
      std::string buf(64 << 10, '\0');
      std::size_t at = 0;
      bool same = true;
      while (at < big.size()) {
        std::size_t n = peer.read({reinterpret_cast<std::byte*>(buf.data()), buf.size()});
        if (n == 0) break;
        same = same && big.compare(at, n, buf, 0, n) == 0;
        at += n;
        if (at % (1 << 20) < n) goro::sleep(1ms);  // a slow reader: the writer waits for space
      }
      received.send(same && at == big.size());
    });
    EXPECT_EQ(p.ours.write(bytes(big)), big.size());
    EXPECT_TRUE(*received.recv());
    EXPECT_GE(p.st->writes_skipped, 1u);
    p.ours.close();
    p.peer.close();
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Drain, Drain, ::testing::Values(1, 2, 8), procs_name);

// No runtime: nobody polls epoll, so the edge count never moves and every
// read after a drain skips into poll(2), which is level-triggered.
TEST(DrainNoRuntime, PlainThreadSkipsIntoPoll) {
  int lfd = loopback_listener(1);
  ASSERT_GE(lfd, 0);
  auto st = connect_wrapped(lfd);
  int pfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(pfd, 0);
  ::close(lfd);
  net::Conn ours(st);
  std::thread peer([pfd] {
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(::send(pfd, "a", 1, MSG_NOSIGNAL), 1);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(::send(pfd, "bc", 2, MSG_NOSIGNAL), 2);
    std::this_thread::sleep_for(20ms);
    ::shutdown(pfd, SHUT_WR);
  });
  EXPECT_EQ(read_some(ours), "a");
  EXPECT_EQ(read_some(ours), "bc");
  EXPECT_EQ(read_some(ours), "");
  EXPECT_EQ(st->reads_skipped, 2u);  // "bc" and the end of stream, both found by poll(2)
  peer.join();
  ::close(pfd);
  ours.close();
}

}  // namespace
}  // namespace goro::test
