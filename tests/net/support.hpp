// Helpers for the goro::net suites.
#pragma once

#include <goro/goro.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <dirent.h>
#include <span>
#include <string>
#include <string_view>

namespace goro::test {

inline std::span<const std::byte> bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A plain (non-goro) TCP socket listening on 127.0.0.1, port chosen by the
// kernel, with the given backlog; -1 (and a test failure) if any step fails.
inline int loopback_listener(int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0) {
    ADD_FAILURE() << "loopback listener: " << std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// Reads exactly n bytes (fails the test at an early end of stream).
template <class C>
inline std::string read_full(const C& c, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    std::size_t k = c.read({reinterpret_cast<std::byte*>(out.data()) + got, n - got});
    if (k == 0) {
      ADD_FAILURE() << "end of stream after " << got << " of " << n << " bytes";
      out.resize(got);
      return out;
    }
    got += k;
  }
  return out;
}

// An echo server on l: one goroutine per connection, until l is closed.
// The returned channel is closed once the accept loop has returned (and so
// let go of the listening socket: an fd is closed only after the last
// operation using it, and a goroutine abandoned at shutdown never finishes).
inline goro::Chan<goro::Unit> serve_echo(goro::net::Listener l) {
  goro::Chan<goro::Unit> stopped(0);
  goro::go([l, stopped] {
    for (;;) {
      goro::net::Conn c;
      try {
        c = l.accept();
      } catch (const std::system_error&) {
        stopped.close();
        return;  // closed
      }
      goro::go([c] {
        std::byte buf[4096];
        try {
          while (std::size_t n = c.read(buf)) c.write({buf, n});
        } catch (const std::system_error&) {
        }
        c.close();
      });
    }
  });
  return stopped;
}

inline int count_threads() {
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) n += (e->d_name[0] != '.');
  closedir(dir);
  return n;
}

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
inline rlim_t raise_nofile() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return rl.rlim_cur;
}

}  // namespace goro::test
