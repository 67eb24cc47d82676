// A TCP echo server: one goroutine per connection, parked on the poller
// while it waits, so thousands of connections cost a handful of threads.
//
//   echo_server 127.0.0.1:7000     serve until killed (try: nc 127.0.0.1 7000)
//   echo_server                    self-test: serve on a free port, run 100
//                                  client goroutines x 100 round trips, exit
#include <goro/goro.hpp>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void serve(goro::net::Listener ln) {
  for (;;) {
    goro::net::Conn c;
    try {
      c = ln.accept();
    } catch (const std::system_error&) {
      return;  // the listener was closed
    }
    goro::go([c] {
      std::byte buf[16 * 1024];
      try {
        while (std::size_t n = c.read(buf)) c.write({buf, n});
      } catch (const std::system_error& e) {
        std::fprintf(stderr, "echo: %s\n", e.what());
      }
      c.close();
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  return goro::run([&]() -> int {
    if (argc > 1) {
      goro::net::Listener ln = goro::net::listen("tcp", argv[1]);
      std::printf("echo server on %s\n", ln.addr().c_str());
      std::fflush(stdout);
      serve(ln);
      return 0;
    }
    goro::net::Listener ln = goro::net::listen("tcp", "127.0.0.1:0");
    goro::go(serve, ln);
    constexpr int kClients = 100, kRounds = 100;
    goro::WaitGroup wg;
    std::atomic<int> good{0};
    auto start = goro::Clock::now();
    for (int i = 0; i < kClients; ++i) {
      wg.add();
      goro::go([&, i] {
        goro::net::Conn c = goro::net::dial("tcp", ln.addr());
        std::string msg = "hello from client " + std::to_string(i) + "\n";
        std::string back(msg.size(), '\0');
        bool ok = true;
        for (int r = 0; r < kRounds && ok; ++r) {
          c.write({reinterpret_cast<const std::byte*>(msg.data()), msg.size()});
          std::size_t got = 0;
          while (got < back.size()) {
            std::size_t n = c.read({reinterpret_cast<std::byte*>(back.data()) + got, back.size() - got});
            if (n == 0) break;
            got += n;
          }
          ok = back == msg;
        }
        c.close();
        if (ok) good++;
        wg.done();
      });
    }
    wg.wait();
    ln.close();
    double ms = std::chrono::duration<double, std::milli>(goro::Clock::now() - start).count();
    std::printf("echo server on %s: %d of %d clients made %d round trips each (%.0f ms)\n", ln.addr().c_str(),
                good.load(), kClients, kRounds, ms);
    return good == kClients ? 0 : 1;
  });
}
