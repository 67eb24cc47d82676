// A chat server on goro::net, shaped like the classic Go one (The Go
// Programming Language, section 8.10): one goroutine reads each client, one
// writes to it, and a single broadcaster goroutine owns the set of clients,
// told of arrivals, departures and messages through three channels. No
// mutex: the broadcaster is the only goroutine that touches the set.
//
//   chat_server 127.0.0.1:7000   serve until killed (try two `nc 127.0.0.1 7000`)
//   chat_server                  self-test: serve on a free port, connect 20
//                                clients, each sends one line and must receive
//                                every client's line exactly once; exits 0, or
//                                1 naming what went wrong
#include <goro/goro.hpp>

#include <atomic>
#include <cstdio>
#include <algorithm>
#include <span>
#include <string>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;

namespace {

// A client as the broadcaster sees it: the channel its writer goroutine drains.
using Outbox = goro::Chan<std::string>;

struct Hub {
  goro::Chan<Outbox> entering = goro::make_chan<Outbox>();
  goro::Chan<Outbox> leaving = goro::make_chan<Outbox>();
  goro::Chan<std::string> messages = goro::make_chan<std::string>();
};

// Splits a connection's bytes into lines ("\n" dropped, "\r\n" too).
class LineReader {
 public:
  explicit LineReader(goro::net::Conn c) : conn_(std::move(c)) {}

  // The next line; false at the end of the stream. Throws what Conn::read throws.
  bool next(std::string& line) {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
      char chunk[4096];
      std::size_t n = conn_.read(std::as_writable_bytes(std::span(chunk)));
      if (n == 0) return false;  // a last line without "\n" is dropped, as bufio.Scanner would not
      buf_.append(chunk, n);
    }
  }

 private:
  goro::net::Conn conn_;
  std::string buf_;
};

void send_line(const goro::net::Conn& c, std::string line) {
  line += '\n';
  c.write(std::as_bytes(std::span(line)));
}

// The only owner of the client set. A message goes to every client's outbox;
// as in the Go original, a client that stops reading holds the broadcaster
// up once its outbox (16 lines) is full.
void broadcaster(Hub hub) {
  std::vector<Outbox> clients;  // Chan's == compares identity, like Go's map[client]bool
  for (;;) {
    goro::select(
        goro::recv(hub.messages,
                   [&](std::string msg) {
                     for (const Outbox& out : clients) out.send(msg);
                   }),
        goro::recv(hub.entering, [&](Outbox out) { clients.push_back(out); }),
        goro::recv(hub.leaving, [&](Outbox out) {
          std::erase(clients, out);
          out.close();  // its writer goroutine finishes and closes the connection
        }));
  }
}

// Drains a client's outbox onto its connection, then closes the connection.
void client_writer(goro::net::Conn c, Outbox out) {
  for (std::string line : out) {
    try {
      send_line(c, std::move(line));
    } catch (const std::system_error&) {
      // The client went away; keep draining so the broadcaster never blocks on us.
    }
  }
  c.close();
}

void handle_conn(Hub hub, goro::net::Conn c) {
  std::string who;
  try {
    who = c.remote_addr();
  } catch (const std::system_error&) {  // gone already (ENOTCONN)
    c.close();
    return;
  }
  Outbox out = goro::make_chan<std::string>(16);
  goro::go(client_writer, c, out);
  hub.entering.send(out);  // registered before anything below is broadcast
  out.send("You are " + who);
  hub.messages.send(who + " has arrived");
  LineReader in(c);
  try {
    for (std::string line; in.next(line);) hub.messages.send(who + ": " + line);
  } catch (const std::system_error&) {
    // A reset or a closed connection ends the session like an end of stream.
  }
  hub.leaving.send(out);
  hub.messages.send(who + " has left");
}

void serve(goro::net::Listener ln) {
  Hub hub;
  goro::go(broadcaster, hub);
  for (;;) {
    goro::net::Conn c;
    try {
      c = ln.accept();
    } catch (const std::system_error&) {
      return;  // the listener was closed
    }
    goro::go(handle_conn, hub, c);
  }
}

// --- the self-test ------------------------------------------------------------

constexpr int kClients = 20;

// One client: connects, waits for the welcome, waits for everyone to be
// connected, says one line, then reads until it has every client's line.
// Returns an empty string when all is well, else what went wrong.
std::string chat_client(const std::string& addr, int id, goro::WaitGroup& joined, bool& counted) {
  goro::net::Conn c = goro::net::dial("tcp", addr);
  c.set_read_deadline(goro::Clock::now() + 30s);  // a lost line fails the test instead of hanging it
  LineReader in(c);
  std::string line;
  do {  // other clients' arrivals may come first: they share the broadcaster
    if (!in.next(line)) return "end of stream before the welcome line";
  } while (line.rfind("You are ", 0) != 0);
  const std::string me = line.substr(8);
  if (me != c.local_addr()) return "welcomed as " + me + ", but the address is " + c.local_addr();
  counted = true;
  joined.done();
  joined.wait();  // everyone is registered with the broadcaster: nobody misses a line
  send_line(c, "hello from " + std::to_string(id));
  std::vector<int> seen(kClients, 0);
  int distinct = 0;
  while (distinct < kClients) {
    if (!in.next(line)) return "end of stream after " + std::to_string(distinct) + " lines";
    auto at = line.find(": hello from ");
    if (at == std::string::npos) continue;  // "... has arrived", "... has left"
    int from = std::stoi(line.substr(at + 13));
    if (from < 0 || from >= kClients) return "a line from nobody: " + line;
    if (from == id && line.substr(0, at) != me) return "my line under another name: " + line;
    if (seen[from]++ != 0) return "line twice: " + line;
    ++distinct;
  }
  c.close();
  return {};
}

int self_test() {
  goro::net::Listener ln = goro::net::listen("tcp", "127.0.0.1:0");
  goro::go(serve, ln);
  goro::WaitGroup joined, done;
  joined.add(kClients);
  std::vector<std::string> errors(kClients);
  auto start = goro::Clock::now();
  for (int i = 0; i < kClients; ++i) {
    done.add();
    goro::go([&, i] {
      bool counted = false;
      try {
        errors[i] = chat_client(ln.addr(), i, joined, counted);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      if (!counted) joined.done();  // failed before joining: do not hold the others up
      done.done();
    });
  }
  done.wait();
  ln.close();
  int failed = 0;
  for (int i = 0; i < kClients; ++i)
    if (!errors[i].empty()) {
      std::fprintf(stderr, "FAIL: client %d: %s\n", i, errors[i].c_str());
      ++failed;
    }
  double ms = std::chrono::duration<double, std::milli>(goro::Clock::now() - start).count();
  std::printf("chat server on %s: %d of %d clients received all %d lines (%.0f ms)\n", ln.addr().c_str(),
              kClients - failed, kClients, kClients, ms);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return goro::run([&]() -> int {
    if (argc > 1) {
      goro::net::Listener ln = goro::net::listen("tcp", argv[1]);
      std::printf("chat server on %s\n", ln.addr().c_str());
      std::fflush(stdout);
      serve(ln);
      return 0;
    }
    return self_test();
  });
}
