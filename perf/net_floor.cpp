// net_floor: the floor under perf/net_bench's tcp_echo/procs:1 on this
// machine: the same traffic (1,000 loopback connections, one 64-byte
// message in flight on each, echoed back) driven by one thread with a
// hand-written edge-triggered epoll loop and no runtime at all. Per round
// trip it makes only the syscalls that move data (2 send, 2 recv) and a
// share of one epoll_wait: whatever a goroutine runtime adds (parking,
// context switches, run queues, the EAGAIN read Go makes) is above this line.
//
//   build-perf/perf/net_floor [--round-trips N]   (default 1,000,000)
//
// Prints one JSON line: {"value": ns per round trip (all connections
// together, like net_bench's ns_per_roundtrip), "round_trips": N}.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr int kConns = 1000;
constexpr int kMessage = 64;

struct End {
  int fd;
  bool client;
  int got;  // client: bytes of the echo received so far
};

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  long target = 1'000'000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--round-trips") == 0) target = std::atol(argv[i + 1]);
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (l < 0 || bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || listen(l, 4096) < 0 ||
      getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) < 0)
    die("net_floor: listen");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<End> ends(2 * kConns);  // never reallocated: epoll holds pointers into it
  for (int i = 0; i < kConns; ++i) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 || connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("net_floor: connect");
    int s = accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) die("net_floor: accept");
    ends[2 * i] = {c, true, 0};
    ends[2 * i + 1] = {s, false, 0};
    for (End* e : {&ends[2 * i], &ends[2 * i + 1]}) {
      int one = 1;
      setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fcntl(e->fd, F_SETFL, O_NONBLOCK);
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.ptr = e;
      if (epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) < 0) die("net_floor: epoll_ctl");
    }
  }
  char msg[kMessage] = {};
  char buf[4096];
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kConns; ++i) send(ends[2 * i].fd, msg, kMessage, MSG_NOSIGNAL);
  long done = 0;
  epoll_event events[128];
  while (done < target) {
    int n = epoll_wait(ep, events, 128, -1);
    if (n < 0) die("net_floor: epoll_wait");
    for (int k = 0; k < n; ++k) {
      if (!(events[k].events & EPOLLIN)) continue;
      End* e = static_cast<End*>(events[k].data.ptr);
      for (;;) {  // edge-triggered: until a short read (drained)
        ssize_t r = recv(e->fd, buf, sizeof buf, 0);
        if (r <= 0) break;
        if (!e->client) {
          send(e->fd, buf, static_cast<std::size_t>(r), MSG_NOSIGNAL);
        } else if ((e->got += static_cast<int>(r)) >= kMessage) {
          e->got -= kMessage;
          ++done;
          send(e->fd, msg, kMessage, MSG_NOSIGNAL);
        }
        if (r < static_cast<ssize_t>(sizeof buf)) break;
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"value\": %.1f, \"round_trips\": %ld}\n", secs * 1e9 / static_cast<double>(done), done);
  for (End& e : ends) close(e.fd);
  close(l);
  close(ep);
  return 0;
}
