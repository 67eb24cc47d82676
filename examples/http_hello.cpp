// A minimal HTTP/1.1 "hello" server (keep-alive, GET only, no parsing beyond
// finding the end of each request): what a load generator like wrk needs.
//
//   http_hello 127.0.0.1:8080          serve until killed
//                                      (wrk -t2 -c100 -d10s http://127.0.0.1:8080/)
//   http_hello 127.0.0.1:8080 100000   serve 100,000 responses, then exit
//   http_hello                         self-test: 50 client goroutines x 20
//                                      keep-alive requests on a free port
#include <goro/goro.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, World!";

std::span<const std::byte> bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

// Answers every request on c until the peer closes or `left` runs out.
void handle(goro::net::Conn c, std::atomic<long>* left, goro::Chan<goro::Unit> done) {
  std::string in;
  char buf[8192];
  try {
    for (;;) {
      std::size_t n = c.read({reinterpret_cast<std::byte*>(buf), sizeof buf});
      if (n == 0) break;
      in.append(buf, n);
      std::string out;
      std::size_t end;
      while ((end = in.find("\r\n\r\n")) != std::string::npos) {
        in.erase(0, end + 4);
        out += kResponse;
        if (left && left->fetch_sub(1) == 1) done.close();  // the last one asked for
      }
      if (!out.empty()) c.write(bytes(out));  // pipelined requests: one write
    }
  } catch (const std::system_error&) {
  }
  c.close();
}

void serve(goro::net::Listener ln, std::atomic<long>* left, goro::Chan<goro::Unit> done) {
  for (;;) {
    goro::net::Conn c;
    try {
      c = ln.accept();
    } catch (const std::system_error&) {
      return;
    }
    goro::go(handle, c, left, done);
  }
}

int self_test() {
  goro::net::Listener ln = goro::net::listen("tcp", "127.0.0.1:0");
  goro::go(serve, ln, nullptr, goro::Chan<goro::Unit>());
  constexpr int kClients = 50, kRequests = 20;
  goro::WaitGroup wg;
  std::atomic<int> good{0};
  std::string request = "GET / HTTP/1.1\r\nHost: " + ln.addr() + "\r\n\r\n";
  for (int i = 0; i < kClients; ++i) {
    wg.add();
    goro::go([&] {
      goro::net::Conn c = goro::net::dial("tcp", ln.addr());
      std::string got;
      char buf[4096];
      for (int r = 0; r < kRequests; ++r) {
        c.write(bytes(request));
        while (got.size() < kResponse.size() * (r + 1)) {
          std::size_t n = c.read({reinterpret_cast<std::byte*>(buf), sizeof buf});
          if (n == 0) break;
          got.append(buf, n);
        }
      }
      std::string want;
      for (int r = 0; r < kRequests; ++r) want += kResponse;
      if (got == want) good++;
      c.close();
      wg.done();
    });
  }
  wg.wait();
  ln.close();
  std::printf("http_hello on %s: %d of %d keep-alive clients got %d responses each\n", ln.addr().c_str(), good.load(),
              kClients, kRequests);
  return good == kClients ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return goro::run([&]() -> int {
    if (argc < 2) return self_test();
    goro::net::Listener ln = goro::net::listen("tcp", argv[1]);
    std::printf("http_hello on http://%s/\n", ln.addr().c_str());
    std::fflush(stdout);
    if (argc < 3) {
      serve(ln, nullptr, goro::Chan<goro::Unit>());
      return 0;
    }
    std::atomic<long> left{std::atol(argv[2])};
    goro::Chan<goro::Unit> done(0);
    goro::go(serve, ln, &left, done);
    done.recv();  // closed after the last response was queued
    ln.close();
    return 0;
  });
}
