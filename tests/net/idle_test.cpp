// 10,000 idle connections, each held by a goroutine parked on the poller in
// read(): a handful of threads, however many connections.
//
// The client ends live in a child process (a plain program: blocking
// connect(2)s, no runtime), so this process needs only one fd per
// connection: with both ends here, a hard RLIMIT_NOFILE of 20,000 would hold
// fewer than 10,000. The two talk through pipes: the parent sends the port,
// the child answers once it has dialled everything (or why it could not),
// then closes every connection when told to, and each parent goroutine must
// see read() == 0.
#include "tests/net/support.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;
namespace net = goro::net;

namespace goro::test {
namespace {

// Reads exactly size bytes from a blocking fd; false at an early end.
bool read_exact(int fd, void* p, std::size_t size) {
  auto* out = static_cast<char*>(p);
  while (size > 0) {
    ssize_t n = ::read(fd, out, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_exact(int fd, const void* p, std::size_t size) {
  auto* in = static_cast<const char*>(p);
  while (size > 0) {
    ssize_t n = ::write(fd, in, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    in += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The child: reads the port, dials conns connections to 127.0.0.1:port and
// holds them, reports how many it holds (an int; < conns means it failed,
// followed by the errno), waits for one byte (or the end of the pipe), closes
// every connection and exits. Uses only system calls on memory allocated
// before the fork.
[[noreturn]] void child_main(int from_parent, int to_parent, int conns, std::vector<int>& fds) {
  std::uint16_t port = 0;
  if (!read_exact(from_parent, &port, sizeof port)) _exit(2);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int held = 0, err = 0;
  for (; held < conns; ++held) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      err = errno;
      break;
    }
    int rc;
    do rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      err = errno;
      ::close(fd);
      break;
    }
    fds[static_cast<std::size_t>(held)] = fd;
  }
  write_exact(to_parent, &held, sizeof held);
  write_exact(to_parent, &err, sizeof err);
  char go_ahead;
  (void)!::read(from_parent, &go_ahead, 1);
  for (int i = 0; i < held; ++i) ::close(fds[static_cast<std::size_t>(i)]);
  _exit(held == conns ? 0 : 1);
}

TEST(NetIdle, TenThousandIdleConnectionsFewThreads) {
#if defined(__SANITIZE_THREAD__)
  // Every live goroutine is a TSan fiber, and TSan dies past 8128 threads and
  // fibers.
  constexpr int kConns = 3000;
#else
  constexpr int kConns = 10000;
#endif
  // Each process holds one fd per connection, plus its own few.
  rlim_t limit = raise_nofile();
  if (limit < static_cast<rlim_t>(kConns) + 256)
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit << " is below the " << kConns + 256 << " this test needs";
  RecordProperty("connections", kConns);

  int down[2], up[2];  // parent -> child, child -> parent
  ASSERT_EQ(::pipe2(down, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(up, O_CLOEXEC), 0);
  std::vector<int> child_fds(kConns, -1);  // allocated before the fork: the child only makes system calls
  pid_t child = ::fork();
  ASSERT_GE(child, 0) << "fork: " << std::strerror(errno);
  if (child == 0) {
    ::close(down[1]);
    ::close(up[0]);
    child_main(down[0], up[1], kConns, child_fds);
  }
  ::close(down[0]);
  ::close(up[1]);

  int threads_while_idle = 0, child_held = -1, child_errno = 0;
  std::int64_t goroutines_while_idle = 0;
  std::atomic<int> parked{0}, saw_eof{0}, saw_error{0}, accepted{0};
  goro::run([&] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    std::string addr = l.addr();
    std::uint16_t port = static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
    goro::WaitGroup wg;
    wg.add(kConns);
    goro::go([&, l] {
      for (int i = 0; i < kConns; ++i) {
        net::Conn c;
        try {
          c = l.accept();
        } catch (const std::system_error&) {
          break;  // closed: the child gave up
        }
        accepted++;
        goro::go([&, c] {  // parks in read until the child closes its end
          parked++;
          std::byte b[1];
          try {
            if (c.read(b) == 0) saw_eof++;
            else saw_error++;  // the child never writes
          } catch (const std::system_error&) {
            saw_error++;
          }
          c.close();
          wg.done();
        });
      }
    });
    // The child's report arrives once all its connect(2)s returned; reading it
    // would block, so a goroutine hands it off to blocking().
    ASSERT_TRUE(write_exact(down[1], &port, sizeof port));
    bool reported = goro::blocking([&] {
      return read_exact(up[0], &child_held, sizeof child_held) && read_exact(up[0], &child_errno, sizeof child_errno);
    });
    ASSERT_TRUE(reported) << "the child died before reporting";
    ASSERT_EQ(child_held, kConns) << "the child could dial only " << child_held << ": " << std::strerror(child_errno);
    auto deadline = Clock::now() + 60s;
    while (parked.load() < kConns && Clock::now() < deadline) goro::sleep(10ms);
    ASSERT_EQ(parked.load(), kConns);
    goro::sleep(50ms);  // the last ones reach their read
    threads_while_idle = count_threads();
    goroutines_while_idle = goro::num_goroutine();
    ASSERT_TRUE(write_exact(down[1], "x", 1));  // the child closes every connection
    wg.wait();
    l.close();
  }, {.procs = 2});
  // Tell the child to finish whatever happened above, then reap it.
  ::close(down[1]);
  ::close(up[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;

  std::printf("%d connections (client ends in child %d): %lld goroutines on %d threads\n", kConns, child,
              static_cast<long long>(goroutines_while_idle), threads_while_idle);
  EXPECT_EQ(accepted.load(), kConns);
  EXPECT_EQ(saw_eof.load(), kConns);
  EXPECT_EQ(saw_error.load(), 0);
  EXPECT_GE(goroutines_while_idle, kConns);
  // The test's own thread, 2 procs' Ms, and a few spare Ms (idle, spinning,
  // polling, the one blocking() used for the pipe).
  EXPECT_LE(threads_while_idle, 12);
}

}  // namespace
}  // namespace goro::test
