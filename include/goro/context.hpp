// Go's context package: cancellation and deadlines that flow down a tree.
//
//   auto [ctx, cancel] = goro::with_timeout(goro::Context::background(), 100ms);
//   goro::select(goro::recv(ctx.done(), [&](goro::Unit) { /* cancelled or timed out */ }),
//                goro::recv(results, [&](int r) { use(r); }));
//   cancel();                                  // always: releases the child's resources
//
// Cancelling a context closes its done() channel and cancels every context
// derived from it; err() then holds goro::cancelled_error ("context canceled")
// or goro::deadline_exceeded_error ("context deadline exceeded"). A derived
// context stays registered with its parent until it is cancelled: call the
// CancelFunc when done with it, as in Go.
#pragma once

#include <goro/chan.hpp>
#include <goro/time.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

namespace goro {

class cancelled_error : public std::runtime_error {
 public:
  cancelled_error() : std::runtime_error("context canceled") {}
};

class deadline_exceeded_error : public std::runtime_error {
 public:
  deadline_exceeded_error() : std::runtime_error("context deadline exceeded") {}
};

namespace detail {
struct ContextState;
}

class Context {
 public:
  // Never cancelled, no deadline; done() is a nil channel (it never closes).
  static Context background();

  Chan<Unit> done() const;                     // closed when cancelled or past the deadline
  std::exception_ptr err() const;              // null until then
  std::optional<Clock::time_point> deadline() const;

 private:
  friend struct detail::ContextState;
  friend std::pair<Context, std::function<void()>> with_cancel(const Context&);
  friend std::pair<Context, std::function<void()>> with_deadline(const Context&, Clock::time_point);
  explicit Context(std::shared_ptr<detail::ContextState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::ContextState> state_;  // null: background
};

using CancelFunc = std::function<void()>;
std::pair<Context, CancelFunc> with_cancel(const Context& parent);
std::pair<Context, CancelFunc> with_timeout(const Context& parent, Clock::duration d);
std::pair<Context, CancelFunc> with_deadline(const Context& parent, Clock::time_point t);

}  // namespace goro
