// goro::net (include/goro/net.hpp): addresses, listen, dial, and the
// Conn / Listener / File handles over FdState (fd.hpp).
#include "runtime/net/fd.hpp"

#include "runtime/time/clock.hpp"
#include <goro/go.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace goro::net {
namespace {

using detail::FdState;
using detail::Kind;
using detail::throw_system_error;

class ResolverCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "goro.net.resolver"; }
  std::string message(int code) const override { return gai_strerror(code); }
};

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&ss); }
  int family() const noexcept { return ss.ss_family; }
};

enum class Net { tcp, tcp4, tcp6, unix_ };

struct Parsed {
  Net net;
  std::string name;  // "tcp", ...
  std::string host, port, path;
};

[[noreturn]] void bad_address(const std::string& op, std::string_view network, std::string_view address, const char* why) {
  throw_system_error(EINVAL, op + " " + std::string(network) + " " + std::string(address) + ": " + why);
}

// Go's SplitHostPort plus the network check.
Parsed parse(const std::string& op, std::string_view network, std::string_view address) {
  Parsed p;
  p.name = std::string(network);
  if (network == "tcp") p.net = Net::tcp;
  else if (network == "tcp4") p.net = Net::tcp4;
  else if (network == "tcp6") p.net = Net::tcp6;
  else if (network == "unix") p.net = Net::unix_;
  else throw_system_error(EINVAL, op + " " + std::string(network) + " " + std::string(address) + ": unknown network " + std::string(network));
  if (p.net == Net::unix_) {
    if (address.empty()) bad_address(op, network, address, "missing address");
    if (address.size() >= sizeof(sockaddr_un::sun_path)) bad_address(op, network, address, "path too long");
    p.path = std::string(address);
    return p;
  }
  std::string_view host, port;
  if (!address.empty() && address[0] == '[') {
    std::size_t end = address.find(']');
    if (end == std::string_view::npos) bad_address(op, network, address, "missing ']' in address");
    if (end + 1 >= address.size() || address[end + 1] != ':') bad_address(op, network, address, "missing port in address");
    host = address.substr(1, end - 1);
    port = address.substr(end + 2);
    if (host.find('[') != std::string_view::npos || port.find_first_of("[]") != std::string_view::npos)
      bad_address(op, network, address, "unexpected '[' or ']' in address");
  } else {
    std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) bad_address(op, network, address, "missing port in address");
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) bad_address(op, network, address, "too many colons in address");
    if (host.find_first_of("[]") != std::string_view::npos) bad_address(op, network, address, "unexpected '[' or ']' in address");
  }
  if (port.empty()) port = "0";  // Go: an empty port is port 0
  for (char c : port)
    if (c < '0' || c > '9') {
      // A service name ("http"): getaddrinfo resolves it; no other characters.
      for (char d : port)
        if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') || d == '-'))
          bad_address(op, network, address, "invalid port");
      break;
    }
  if (port.size() <= 5 && port.find_first_not_of("0123456789") == std::string_view::npos && std::stoi(std::string(port)) > 65535)
    bad_address(op, network, address, "invalid port");
  p.host = std::string(host);
  p.port = std::string(port);
  return p;
}

int family_of(Net n) noexcept { return n == Net::tcp4 ? AF_INET : n == Net::tcp6 ? AF_INET6 : AF_UNSPEC; }

// Resolves a TCP host and port. An empty host is the wildcard (listen) or
// the local system (dial). Names go through getaddrinfo inside
// goro::blocking(); IP literals never block.
std::vector<SockAddr> resolve(const std::string& op, const Parsed& p, std::string_view address, bool passive) {
  std::string host = p.host;
  if (host.empty()) {
    if (passive) host = p.net == Net::tcp4 ? "0.0.0.0" : "::";
    else host = p.net == Net::tcp6 ? "::1" : "127.0.0.1";
  }
  addrinfo hints{};
  hints.ai_family = family_of(p.net);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | (passive ? AI_PASSIVE : 0);
  if (p.port.find_first_not_of("0123456789") == std::string::npos) hints.ai_flags |= AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), p.port.c_str(), &hints, &res);
  if (rc == EAI_NONAME) {
    // Not a literal: a real lookup, which may block its thread.
    hints.ai_flags &= ~AI_NUMERICHOST;
    rc = goro::blocking([&] { return getaddrinfo(host.c_str(), p.port.c_str(), &hints, &res); });
  }
  if (rc != 0) {
    std::string what = op + " " + p.name + " " + std::string(address) + ": lookup " + host;
    if (rc == EAI_SYSTEM) throw_system_error(errno, what);
    throw std::system_error(rc, resolver_category(), what);
  }
  std::vector<SockAddr> out;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    SockAddr a;
    std::memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    out.push_back(a);
  }
  freeaddrinfo(res);
  if (out.empty()) throw_system_error(EADDRNOTAVAIL, op + " " + p.name + " " + std::string(address) + ": no suitable address");
  return out;
}

SockAddr unix_addr(const std::string& path) {
  SockAddr a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.ss);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  if (path[0] == '@') un->sun_path[0] = '\0';  // Linux's abstract namespace
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
  return a;
}

int new_socket(int family, const std::string& what) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_system_error(errno, what + ": socket");
  return fd;
}

std::string sock_name(int fd, bool peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return rc == 0 ? detail::format_addr(reinterpret_cast<sockaddr*>(&ss), len) : std::string();
}

void set_nodelay(int fd, int family) {
  if (family != AF_INET && family != AF_INET6) return;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // Go's default
}

int socket_family(int fd) {
  int family = AF_UNSPEC;
  socklen_t len = sizeof family;
  ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len);
  return family;
}

FdState& state_of(const std::shared_ptr<FdState>& s, const char* what) {
  if (!s) throw std::logic_error(std::string("goro::net: ") + what + " on an empty handle");
  return *s;
}

std::int64_t deadline_ns(Clock::duration d) { return time::deadline_after(d); }

// One connect attempt; a connected FdState or an exception.
std::shared_ptr<FdState> connect_one(const Parsed& p, const SockAddr& a, std::int64_t deadline) {
  std::string target = p.net == Net::unix_ ? p.path : detail::format_addr(a.get(), a.len);
  std::string what = "dial " + p.name + " " + target;
  int fd = new_socket(a.family(), what);
  int rc;
  do rc = ::connect(fd, a.get(), a.len);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    throw_system_error(err, what + ": connect");
  }
  auto st = std::make_shared<FdState>(fd, Kind::stream, p.name);
  if (rc < 0) {
    if (deadline) poll_set_deadline(st->pd, deadline, false, true);
    st->finish_connect(what);
    if (deadline) poll_set_deadline(st->pd, 0, false, true);
  }
  set_nodelay(fd, a.family());
  st->laddr = sock_name(fd, false);
  st->raddr = p.net == Net::unix_ ? p.path : sock_name(fd, true);
  return st;
}

Conn dial_impl(std::string_view network, std::string_view address, std::int64_t deadline) {
  Parsed p = parse("dial", network, address);
  if (p.net == Net::unix_) return Conn(connect_one(p, unix_addr(p.path), deadline));
  std::vector<SockAddr> addrs = resolve("dial", p, address, false);
  std::exception_ptr first;
  for (const SockAddr& a : addrs) {
    try {
      return Conn(connect_one(p, a, deadline));
    } catch (const timeout_error&) {
      throw;  // the time is up for every address
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  std::rethrow_exception(first);
}

}  // namespace

const std::error_category& resolver_category() noexcept {
  static const ResolverCategory category;
  return category;
}

// --- listen / dial ------------------------------------------------------------------

Listener listen(std::string_view network, std::string_view address) {
  Parsed p = parse("listen", network, address);
  std::string what = "listen " + p.name + " " + std::string(address);
  if (p.net == Net::unix_) {
    SockAddr a = unix_addr(p.path);
    int fd = new_socket(AF_UNIX, what);
    if (::bind(fd, a.get(), a.len) < 0 || ::listen(fd, 4096) < 0) {
      int err = errno;
      ::close(fd);
      throw_system_error(err, what + ": bind");
    }
    auto st = std::make_shared<FdState>(fd, Kind::listener, p.name);
    if (p.path[0] != '@') st->unlink_path = p.path;
    st->laddr = p.path;
    return Listener(std::move(st));
  }
  std::vector<SockAddr> addrs = resolve("listen", p, address, true);
  // "tcp": the first IPv4 address if there is one (Go's listen favours IPv4
  // for names); a wildcard host stays dual-stack [::] where IPv6 exists.
  const SockAddr* pick = &addrs[0];
  if (p.net == Net::tcp && !p.host.empty())
    for (const SockAddr& a : addrs)
      if (a.family() == AF_INET) { pick = &a; break; }
  SockAddr fallback;
  int fd = ::socket(pick->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && errno == EAFNOSUPPORT && p.net == Net::tcp && p.host.empty()) {
    // No IPv6 on this host: the IPv4 wildcard.
    auto* in = reinterpret_cast<sockaddr_in*>(&fallback.ss);
    in->sin_family = AF_INET;
    in->sin_port = reinterpret_cast<const sockaddr_in6*>(&pick->ss)->sin6_port;
    fallback.len = sizeof(sockaddr_in);
    pick = &fallback;
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) throw_system_error(errno, what + ": socket");
  int one = 1, zero = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (pick->family() == AF_INET6)
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, p.net == Net::tcp6 ? &one : &zero, sizeof one);
  if (::bind(fd, pick->get(), pick->len) < 0) {
    int err = errno;
    ::close(fd);
    throw_system_error(err, what + ": bind");
  }
  if (::listen(fd, 65535) < 0) {  // the kernel caps it at net.core.somaxconn
    int err = errno;
    ::close(fd);
    throw_system_error(err, what + ": listen");
  }
  auto st = std::make_shared<FdState>(fd, Kind::listener, p.name);
  st->laddr = sock_name(fd, false);
  return Listener(std::move(st));
}

Conn dial(std::string_view network, std::string_view address) { return dial_impl(network, address, 0); }

Conn dial_timeout(std::string_view network, std::string_view address, Clock::duration d) {
  return dial_impl(network, address, deadline_ns(d));
}

// --- Conn -----------------------------------------------------------------------------

std::size_t Conn::read(std::span<std::byte> buf) const { return state_of(state_, "read").read(buf); }
std::size_t Conn::write(std::span<const std::byte> buf) const { return state_of(state_, "write").write(buf); }
void Conn::close() const { state_of(state_, "close").close(); }

void Conn::close_write() const {
  FdState& st = state_of(state_, "close_write");
  FdState::Op op(&st, "close_write");
  if (::shutdown(st.fd, SHUT_WR) < 0) st.throw_errno("close_write", errno);
}

void Conn::set_deadline(Clock::time_point t) const { state_of(state_, "set_deadline").set_deadline(t, true, true); }
void Conn::set_read_deadline(Clock::time_point t) const { state_of(state_, "set_read_deadline").set_deadline(t, true, false); }
void Conn::set_write_deadline(Clock::time_point t) const { state_of(state_, "set_write_deadline").set_deadline(t, false, true); }
std::string Conn::local_addr() const { return state_of(state_, "local_addr").laddr; }
std::string Conn::remote_addr() const { return state_of(state_, "remote_addr").raddr; }
int Conn::fd() const { return state_of(state_, "fd").fd; }

// --- Listener ---------------------------------------------------------------------------

Conn Listener::accept() const {
  FdState& ls = state_of(state_, "accept");
  std::string raddr;
  int c = ls.accept(raddr);
  auto st = std::make_shared<FdState>(c, Kind::stream, ls.net);
  int family = socket_family(c);
  set_nodelay(c, family);
  st->laddr = sock_name(c, false);
  st->raddr = raddr;
  if (family == AF_UNIX && st->laddr.empty()) st->laddr = ls.laddr;
  return Conn(std::move(st));
}

void Listener::close() const { state_of(state_, "close").close(); }
std::string Listener::addr() const { return state_of(state_, "addr").laddr; }
int Listener::fd() const { return state_of(state_, "fd").fd; }

// --- File --------------------------------------------------------------------------------

File::File(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw_system_error(errno, "file " + std::to_string(fd) + ": fcntl");
  state_ = std::make_shared<FdState>(fd, Kind::file, "file");
  state_->laddr = std::to_string(fd);
}

std::size_t File::read(std::span<std::byte> buf) const { return state_of(state_, "read").read(buf); }
std::size_t File::write(std::span<const std::byte> buf) const { return state_of(state_, "write").write(buf); }
void File::close() const { state_of(state_, "close").close(); }
void File::set_deadline(Clock::time_point t) const { state_of(state_, "set_deadline").set_deadline(t, true, true); }
void File::set_read_deadline(Clock::time_point t) const { state_of(state_, "set_read_deadline").set_deadline(t, true, false); }
void File::set_write_deadline(Clock::time_point t) const { state_of(state_, "set_write_deadline").set_deadline(t, false, true); }
int File::fd() const { return state_of(state_, "fd").fd; }

std::pair<File, File> pipe() {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) throw_system_error(errno, "pipe");
  File r;
  try {
    r = File(fds[0]);
  } catch (...) {
    ::close(fds[1]);
    throw;
  }
  return {r, File(fds[1])};
}

}  // namespace goro::net
