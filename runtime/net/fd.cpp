// FdState (fd.hpp): reference-counted fds, reads, writes, accept, connect.
#include "runtime/net/fd.hpp"

#include "runtime/time/clock.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace goro::net::detail {

void throw_system_error(int err, const std::string& what) {
  std::string text = what;
  if (const char* name = strerrorname_np(err)) {
    text += " (";
    text += name;
    text += ")";
  }
  throw std::system_error(err, std::generic_category(), text);
}

namespace {

// host and port joined Go's way; built by appending (GCC 12 at -O3 warns,
// wrongly, about operator+ chains here).
std::string host_port(const char* host, unsigned port, bool brackets) {
  std::string out;
  out.reserve(64);
  if (brackets) out.push_back('[');
  out.append(host);
  if (brackets) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}

}  // namespace

std::string format_addr(const sockaddr* sa, socklen_t len) {
  char buf[INET6_ADDRSTRLEN];
  switch (sa->sa_family) {
    case AF_INET: {
      auto* in = reinterpret_cast<const sockaddr_in*>(sa);
      inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
      return host_port(buf, ntohs(in->sin_port), false);
    }
    case AF_INET6: {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
      if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {  // a dual-stack socket's IPv4 peer: Go prints it as IPv4
        inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf);
        return host_port(buf, ntohs(in6->sin6_port), false);
      }
      inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
      return host_port(buf, ntohs(in6->sin6_port), true);
    }
    case AF_UNIX: {
      auto* un = reinterpret_cast<const sockaddr_un*>(sa);
      std::size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
      if (n == 0) return "";
      if (un->sun_path[0] == '\0') {  // abstract
        std::string out("@");
        out.append(un->sun_path + 1, n - 1);
        return out;
      }
      return std::string(un->sun_path, strnlen(un->sun_path, n));
    }
    default:
      return "";
  }
}

FdState::FdState(int fd_, Kind kind_, std::string net_)
    : fd(fd_), kind(kind_), net(std::move(net_)), drain_skip(kind == Kind::stream && net.starts_with("tcp")) {
  if (drain_skip) {
    // Reads then report the bytes still queued (the drain skip, read()).
    // Without it (a kernel before 4.18) only short reads count as drains.
    int one = 1;
    ::setsockopt(fd, SOL_TCP, TCP_INQ, &one, sizeof one);
  }
  try {
    pd = poll_open(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
}

FdState::~FdState() {
  // The last handle is gone, so no operation is in flight.
  close();
}

FdState::Op::Op(FdState* s, const char* op) : s_(s) {
  std::uint64_t v = s->refs.fetch_add(1, std::memory_order_acq_rel);
  if (v & kClosed) {
    s->release();
    throw_system_error(EBADF, s->describe(op) + ": use of closed network connection");
  }
}

FdState::Op::~Op() { s_->release(); }

void FdState::release() noexcept {
  std::uint64_t v = refs.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (v == kClosed) destroy();
}

void FdState::close() noexcept {
  // close() holds a reference of its own across the eviction (Go's
  // increfAndClose): once kClosed is set, the last operation in flight
  // destroys the state as it ends and recycles pd, possibly for another fd,
  // which must not happen while poll_evict still uses pd.
  std::uint64_t v = refs.fetch_add(1, std::memory_order_acq_rel);
  if (!(v & kClosed)) {
    v = refs.fetch_or(kClosed, std::memory_order_acq_rel);
    if (!(v & kClosed)) poll_evict(pd);  // else a concurrent close() won
  }
  release();  // the last reference destroys (closed before: idempotent)
}

void FdState::destroy() noexcept {
  if (destroyed.exchange(true, std::memory_order_acq_rel)) return;
  poll_close(pd);
  pd = nullptr;
  ::close(fd);
  if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
}

std::string FdState::describe(const char* op) const {
  std::string s = std::string(op) + " " + net;
  if (!laddr.empty() && !raddr.empty()) s += " " + laddr + "->" + raddr;
  else if (!raddr.empty()) s += " " + raddr;
  else if (!laddr.empty()) s += " " + laddr;
  return s;
}

void FdState::throw_errno(const char* op, int err) const { throw_system_error(err, describe(op)); }

void FdState::throw_wait(const char* op, WaitResult r) const {
  if (r == WaitResult::timeout) throw timeout_error(describe(op) + ": i/o timeout");
  throw_system_error(EBADF, describe(op) + ": use of closed network connection");
}

void FdState::wait(const char* op, Mode m) {
  WaitResult r = poll_wait(pd, m);
  if (r != WaitResult::ready) throw_wait(op, r);
}

// The drain skip. Go tries read() first and parks on EAGAIN; in a request/
// response exchange every read after a write finds the socket empty, so
// that read() is one wasted syscall per exchange. Instead, when the
// previous read drained the socket and no read edge has been seen since,
// go straight to the park (poll_wait), as if the read had said EAGAIN.
//
// Why no data is missed (TCP, edge-triggered epoll; PollDesc::read_edges,
// PollDesc::no_skip; every I/O write to a slot is a release RMW):
//  1. Load E = read_edges (acquire), then read (recvmsg with TCP_INQ, so
//     the kernel also says how many bytes it left queued); suppose it
//     returns n > 0 with n < asked or none left queued. tcp_recvmsg returns
//     short only when, at some moment during the call, the receive queue
//     (and backlog) was empty, and TCP_INQ's count is taken after the
//     socket's backlog was processed: every byte left unread arrived after
//     that moment. (The INQ case also drains the exchanges where a reader
//     asks for exactly the reply's size, as the echo clients do.)
//  2. Each arrival runs the socket's wake-up, whose epoll callback puts the
//     fd on epoll's ready list, or finds it there (or in a scan epoll_wait
//     is doing right now, which requeues it): either way an epoll_wait
//     harvests the fd after the arrival, and netpoll() then increments
//     read_edges before it writes the read slot. That increment happens
//     after the load of E (E's load precedes the syscall; the drain and the
//     arrival are ordered by the socket's lock, the arrival and the harvest
//     by epoll's), so E does not count it.
//  3. The next read first exchanges its slot to kPdNil (poll_prepare: an
//     acq_rel RMW, so it synchronises with every edge's slot write before
//     it), then loads read_edges. If the count is still E and no_skip is
//     clear, each edge of step 2 has its slot write still ahead of that
//     exchange (else the exchange would make its increment visible), and
//     poll_wait's slot protocol (nil -> wait -> G, all RMWs) catches it
//     exactly as after a real EAGAIN. Otherwise read() as usual.
//  4. End of stream: a short read may consume the FIN with the last bytes,
//     and the FIN's edge may have been counted in E already; the next
//     read() would return 0 at once, but no edge will ever come. The FIN's
//     harvest sets no_skip (EPOLLRDHUP) before its slot write: if that write
//     precedes the next read's exchange, the exchange makes no_skip visible
//     and we read; if it follows, step 3's slot protocol wakes us. The same
//     holds for resets and errors (EPOLLHUP, EPOLLERR) and for urgent data
//     (EPOLLPRI: tcp_recvmsg stops short at the urgent mark, data behind).
//     A read() returning 0 or failing is never a drain: EOF keeps returning 0.
//  Deadlines and close act through the slot and check() in poll_wait, as
//  after EAGAIN. A thread that is not a goroutine waits in poll(2), which is
//  level-triggered: nothing can be missed there. Not for files or pipes
//  (Kind::file), nor unix sockets, where a short read may leave data behind
//  (SCM_RIGHTS, SO_PASSCRED boundaries). With SO_RCVLOWAT set through fd(),
//  a skipped read waits for the low-water mark where read() would have
//  returned fewer bytes; both are what that option asks for.
// The price: bytes that arrive between a drain and the next read, before any
// poll has harvested their edge, wait for the next poll (an M blocked in
// epoll_wait wakes at once; otherwise the P running out of work, or sysmon's
// 10 ms poll when it never does) where read() would have returned them at
// once. That is the wait of every goroutine that parked on EAGAIN, and the
// window is the reader's own time between two reads: 4-8% per echo round trip
// (procs 1) for a possible scheduling round of latency on a saturated P.
std::uint32_t FdState::edges_before(Mode m) const noexcept {
  return drain_skip ? pd->edges(m).load(std::memory_order_acquire) : 0;
}

bool FdState::known_to_block(Drained& d, Mode m) noexcept {
  if (!d.valid) return false;
  d.valid = false;
  return pd->edges(m).load(std::memory_order_acquire) == d.edges && !pd->no_skip.load(std::memory_order_relaxed);
}

std::size_t FdState::read(std::span<std::byte> buf) {
  Op guard(this, "read");
  std::lock_guard lk(read_mu);
  if (WaitResult r = poll_prepare(pd, Mode::read); r != WaitResult::ready) throw_wait("read", r);
  if (buf.empty()) return 0;
  if (known_to_block(read_drained, Mode::read)) {
    ++reads_skipped;
    wait("read", Mode::read);
  }
  for (;;) {
    const std::uint32_t edges = edges_before(Mode::read);
    ssize_t n;
    int inq = 1;
    if (drain_skip) {
      iovec iov{buf.data(), buf.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      n = ::recvmsg(fd, &msg, 0);
      if (n > 0) {
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
          if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ) std::memcpy(&inq, CMSG_DATA(c), sizeof inq);
      }
    } else {
      n = ::read(fd, buf.data(), buf.size());
    }
    if (n >= 0) {
      if (n > 0 && (static_cast<std::size_t>(n) < buf.size() || inq == 0) && drain_skip) read_drained = {true, edges};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      wait("read", Mode::read);
      continue;
    }
    throw_errno("read", errno);
  }
}

// Writes skip the same way within one write() (see FdState::read): a short
// send means the send buffer was full at some moment during it
// (tcp_sendmsg returns short only from its wait-for-space path, which sets
// SOCK_NOSPACE, so space freed later is announced by a write wake-up and so
// an EPOLLOUT edge). If write_edges has not moved since before that send
// and no_skip is clear, the next send would fail with EAGAIN: park instead.
// An error that cut the send short (a reset) was processed after the send
// began, so its EPOLLERR edge moves the count; one processed before it
// makes the send fail outright, which is not a drain.
std::size_t FdState::write(std::span<const std::byte> buf) {
  Op guard(this, "write");
  std::lock_guard lk(write_mu);
  if (WaitResult r = poll_prepare(pd, Mode::write); r != WaitResult::ready) throw_wait("write", r);
  std::size_t done = 0;
  while (done < buf.size()) {
    if (known_to_block(write_drained, Mode::write)) {
      ++writes_skipped;
      wait("write", Mode::write);
      continue;
    }
    // At most 1 GiB per call, as Go does (maxRW): some kernels misbehave above.
    std::size_t chunk = buf.size() - done;
    if (chunk > (std::size_t{1} << 30)) chunk = std::size_t{1} << 30;
    const std::uint32_t edges = edges_before(Mode::write);
    ssize_t n = kind == Kind::file ? ::write(fd, buf.data() + done, chunk)
                                   : ::send(fd, buf.data() + done, chunk, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < chunk && drain_skip) write_drained = {true, edges};
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait("write", Mode::write);
      continue;
    }
    throw_errno("write", n < 0 ? errno : EIO);
  }
  return done;
}

int FdState::accept(std::string& raddr_out) {
  Op guard(this, "accept");
  std::lock_guard lk(read_mu);
  if (WaitResult r = poll_prepare(pd, Mode::read); r != WaitResult::ready) throw_wait("accept", r);
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int c = ::accept4(fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c >= 0) {
      raddr_out = format_addr(reinterpret_cast<sockaddr*>(&ss), len);
      return c;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;  // Go retries these too
    if (errno == EAGAIN) {
      wait("accept", Mode::read);
      continue;
    }
    throw_errno("accept", errno);
  }
}

void FdState::finish_connect(const std::string& what) {
  Op guard(this, "dial");
  for (;;) {
    WaitResult r = poll_wait(pd, Mode::write);
    if (r == WaitResult::timeout) throw timeout_error(what + ": i/o timeout");
    if (r == WaitResult::closing) throw_system_error(EBADF, what + ": use of closed network connection");
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err == 0) {
      // Writable and no error: connected, unless the wake-up was spurious.
      sockaddr_storage ss{};
      socklen_t sl = sizeof ss;
      if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &sl) == 0) return;
      if (errno != ENOTCONN) throw_system_error(errno, what + ": connect");
      continue;
    }
    if (err == EINPROGRESS || err == EALREADY || err == EINTR) continue;
    throw_system_error(err, what + ": connect");
  }
}

void FdState::set_deadline(Clock::time_point t, bool read, bool write) {
  Op guard(this, "set deadline");
  std::int64_t when = t == Clock::time_point{} ? 0 : time::to_nanotime(t);
  if (when < 0) when = 1;  // far in the past: already passed
  poll_set_deadline(pd, when, read, write);
}

}  // namespace goro::net::detail
