// Networking, Go's net package for goroutines: one goroutine per connection,
// parked on the runtime's poller (epoll) while it waits, never a thread.
//
//   auto ln = goro::net::listen("tcp", "127.0.0.1:0");        // port 0: a free port
//   goro::go([ln] {
//     for (;;) {
//       goro::net::Conn c = ln.accept();
//       goro::go([c] {                                         // echo
//         std::byte buf[4096];
//         while (size_t n = c.read(buf)) c.write({buf, n});
//       });
//     }
//   });
//   goro::net::Conn c = goro::net::dial("tcp", ln.addr());
//   c.set_read_deadline(goro::Clock::now() + 1s);            // timeout_error after that
//
// Networks: "tcp" (IPv4 or IPv6), "tcp4", "tcp6", "unix" (a path; a leading
// '@' names Linux's abstract namespace). Addresses in Go's form:
// "host:port", "[::1]:80", ":0" (listen: every address, dual-stack where the
// host has IPv6; dial: the local system). Host names are resolved with
// getaddrinfo inside goro::blocking() (its thread blocks, the P does not);
// IP literals are never looked up. dial tries every address in turn.
//
// Errors throw std::system_error carrying the errno, with Go's wording and
// the addresses in what(): "dial tcp 127.0.0.1:1: connect (ECONNREFUSED):
// Connection refused". A bad address or unknown network is EINVAL ("missing
// port in address"); a name that does not resolve is a std::system_error in
// resolver_category() (code: getaddrinfo's EAI_*). Using a closed Conn,
// Listener or File throws std::system_error (EBADF) saying "use of closed
// network connection"; a deadline passing throws goro::net::timeout_error
// ("i/o timeout"). Using an empty (default-constructed) handle throws
// std::logic_error.
//
// Conn, Listener and File are shared handles (copies refer to one socket; a
// reader and a writer goroutine may each hold one). close() wakes every
// goroutine blocked in the handle's operations with the closed error; it is
// idempotent. The last copy's destruction closes too. The fd itself is
// closed once no operation uses it any more (so its number is never reused
// under a running call): a goroutine abandoned inside an operation when the
// runtime shuts down keeps that fd open. Reads are serialised
// against reads and writes against writes (write() writes all of buf as
// one unit, even if it takes many partial writes).
//
// Outside goroutines (a plain std::thread, or with no runtime running) every
// operation works too and blocks that thread in poll(2); close() from another
// thread wakes it within 20 ms.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace goro {

using Clock = std::chrono::steady_clock;

namespace net {

namespace detail {
struct FdState;
}

// A deadline passed (Go's os.ErrDeadlineExceeded, "i/o timeout").
class timeout_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// getaddrinfo's errors (EAI_*), for std::system_error::code().
const std::error_category& resolver_category() noexcept;

// A stream connection (Go's net.Conn).
class Conn {
 public:
  Conn() = default;
  // Reads at most buf.size() bytes; returns 0 at end of stream (the peer
  // closed or shut down its writing side), and for an empty buf.
  std::size_t read(std::span<std::byte> buf) const;
  // Writes all of buf or throws (a reset peer: ECONNRESET or EPIPE; no SIGPIPE).
  std::size_t write(std::span<const std::byte> buf) const;
  void close() const;
  // Shuts down the writing side: the peer's reads then return 0 (TCP's
  // CloseWrite). Reading goes on.
  void close_write() const;
  // Deadlines are absolute; a time not in the future fails pending and later
  // operations at once; Clock::time_point{} clears. A read or write past its
  // deadline throws timeout_error; a later deadline makes the handle usable again.
  void set_deadline(Clock::time_point t) const;
  void set_read_deadline(Clock::time_point t) const;
  void set_write_deadline(Clock::time_point t) const;
  std::string local_addr() const;   // "127.0.0.1:41234", "[::1]:80", "/tmp/sock"
  std::string remote_addr() const;
  int fd() const;                   // the socket, for setsockopt and the like
  explicit operator bool() const noexcept { return state_ != nullptr; }

  // Internal: built by accept() and dial().
  explicit Conn(std::shared_ptr<detail::FdState> s) noexcept : state_(std::move(s)) {}

 private:
  std::shared_ptr<detail::FdState> state_;
};

// A listening socket (Go's net.Listener). close() wakes a goroutine blocked
// in accept() with the closed error; a unix listener removes its socket file.
class Listener {
 public:
  Listener() = default;
  Conn accept() const;
  void close() const;
  std::string addr() const;  // the bound address: "127.0.0.1:41234", "[::]:8080", "/tmp/sock"
  int fd() const;
  explicit operator bool() const noexcept { return state_ != nullptr; }

  explicit Listener(std::shared_ptr<detail::FdState> s) noexcept : state_(std::move(s)) {}

 private:
  std::shared_ptr<detail::FdState> state_;
};

Listener listen(std::string_view network, std::string_view address);
Conn dial(std::string_view network, std::string_view address);
// dial, giving up with timeout_error after d (name resolution included only
// as far as getaddrinfo allows: it is not interrupted).
Conn dial_timeout(std::string_view network, std::string_view address, Clock::duration d);

// Any other pollable fd: pipes, FIFOs, eventfds, character devices (Go's
// os.File on a pipe). Takes ownership of fd and makes it non-blocking.
// Throws std::system_error (EPERM) for a regular file, which epoll cannot
// watch. read/write/close/deadlines behave as Conn's; write() on a pipe
// whose reader is gone throws EPIPE only if SIGPIPE is ignored or blocked.
class File {
 public:
  File() = default;
  explicit File(int fd);
  std::size_t read(std::span<std::byte> buf) const;
  std::size_t write(std::span<const std::byte> buf) const;
  void close() const;
  void set_deadline(Clock::time_point t) const;
  void set_read_deadline(Clock::time_point t) const;
  void set_write_deadline(Clock::time_point t) const;
  int fd() const;
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  std::shared_ptr<detail::FdState> state_;
};

// os.Pipe: {read end, write end}.
std::pair<File, File> pipe();

}  // namespace net
}  // namespace goro
