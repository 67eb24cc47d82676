// Helpers shared by the channel and select tests.
#pragma once

#include <goro/goro.hpp>

#include <chrono>
#include <thread>
#include <utility>

namespace goro::test {

template <class F>
void run_procs(int procs, F&& f) {
  goro::run(std::forward<F>(f), {.procs = procs});
}

// Lets other goroutines run until they block (the P is handed off meanwhile).
inline void pause() {
  goro::blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
}

}  // namespace goro::test
