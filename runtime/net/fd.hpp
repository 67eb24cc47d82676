// FdState: one open non-blocking fd registered with the poller, shared by
// every copy of a Conn, Listener or File handle (Go's internal/poll.FD).
//
// Lifetime (Go's fdMutex reference count): every operation holds a
// reference while it uses the fd. close() marks the state closed and evicts
// waiters; the fd itself is closed, and the PollDesc recycled, by whoever
// drops the last reference, so no operation ever issues a syscall on an fd
// number that may already belong to another file.
//
// Reads are serialised by read_mu, writes by write_mu (goro::Mutex: parks
// the goroutine), so each poll slot has at most one waiter and a write()
// goes out as one unit.
//
// The drain skip (TCP only; the argument is beside FdState::read in fd.cpp):
// after a read that returned less than asked, the next read parks on the
// poller without its syscall when no read edge has arrived since; after a
// short send, likewise the next send. It saves the read() that Go makes and
// that fails with EAGAIN in every request/response exchange.
#pragma once

#include "runtime/net/poller.hpp"
#include <goro/net.hpp>
#include <goro/sync.hpp>

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

namespace goro::net::detail {

enum class Kind : std::uint8_t { stream, listener, file };

struct FdState {
  FdState(int fd, Kind kind, std::string net);  // registers fd; closes it and throws on failure
  ~FdState();
  FdState(const FdState&) = delete;
  FdState& operator=(const FdState&) = delete;

  int fd;
  Kind kind;
  std::string net;          // "tcp", "tcp6", "unix", "file": for messages
  std::string laddr, raddr;
  std::string unlink_path;  // a unix listener's socket file, removed at close
  PollDesc* pd = nullptr;
  goro::Mutex read_mu;
  goro::Mutex write_mu;

  // One direction's drain memory: `valid` when the last syscall in that
  // direction drained the socket (a short read: the receive queue was empty;
  // a short send: the send buffer was full), with the PollDesc's edge count
  // loaded before that syscall. Read under read_mu, write under write_mu.
  struct Drained {
    bool valid = false;
    std::uint32_t edges = 0;
  };
  Drained read_drained, write_drained;
  const bool drain_skip;  // a TCP stream: a short read or send means drained
  // Syscalls the drain skip saved (for tests; same locks as Drained).
  std::uint64_t reads_skipped = 0;
  std::uint64_t writes_skipped = 0;

  // Bit 63: closed. Low bits: operations in flight.
  static constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;
  std::atomic<std::uint64_t> refs{0};
  std::atomic<bool> destroyed{false};

  std::size_t read(std::span<std::byte> buf);
  std::size_t write(std::span<const std::byte> buf);
  int accept(std::string& raddr_out);  // the new connection's fd, non-blocking
  // Waits for a non-blocking connect() in progress to finish; throws on failure.
  void finish_connect(const std::string& what);
  void close() noexcept;
  void set_deadline(Clock::time_point t, bool read, bool write);

  // An operation's reference: throws the closed error if the fd is closed.
  class Op {
   public:
    Op(FdState* s, const char* op);
    ~Op();
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;

   private:
    FdState* s_;
  };

  // "read tcp 127.0.0.1:1->127.0.0.1:2" (Go's OpError prefix).
  std::string describe(const char* op) const;
  [[noreturn]] void throw_errno(const char* op, int err) const;
  [[noreturn]] void throw_wait(const char* op, WaitResult r) const;
  void wait(const char* op, Mode m);  // poll_wait, throwing on close or timeout
  // The drain skip's two halves (fd.cpp, FdState::read): the edge count to
  // remember before a syscall in direction m (0 where there is no skip), and
  // whether the next syscall would fail with EAGAIN because d drained the
  // socket and no edge or end of stream has come since (d is spent either way).
  std::uint32_t edges_before(Mode m) const noexcept;
  bool known_to_block(Drained& d, Mode m) noexcept;

 private:
  void destroy() noexcept;
  void release() noexcept;
};

// Builds the what() text and throws std::system_error: "<what> (ENAME)".
[[noreturn]] void throw_system_error(int err, const std::string& what);

// The address text of a socket address, Go's form.
std::string format_addr(const sockaddr* sa, socklen_t len);

}  // namespace goro::net::detail
