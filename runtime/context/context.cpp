// Context trees. Locking: a context's own lock guards its error, children
// and timer flag; it is never held while cancelling children (each child
// takes its own) or while stopping the deadline timer (timer functions take
// context locks, so the order is timer heap, then context, then channel).
#include "runtime/sched/futex.hpp"
#include "runtime/sched/sched.hpp"
#include "runtime/sched/timers.hpp"
#include "runtime/time/clock.hpp"
#include <goro/context.hpp>
#include <goro/go.hpp>

#include <chrono>
#include <vector>

namespace goro {
namespace detail {

struct ContextState : std::enable_shared_from_this<ContextState> {
  std::shared_ptr<ContextState> parent;
  Chan<Unit> done{0};
  std::optional<Clock::time_point> deadline;

  sched::Lock lock;
  std::exception_ptr err;                               // under lock
  std::vector<std::shared_ptr<ContextState>> children;  // under lock
  sched::Timer timer;
  bool timer_armed = false;

  ~ContextState() {
    // Once del_timer returns the timer function is not running and never
    // will: it holds only a raw pointer to us.
    if (timer.p) sched::del_timer(&timer);
  }

  // Cancels this context and its subtree with err (first cancel wins).
  void cancel(std::exception_ptr e, bool detach_from_parent) {
    lock.lock();
    if (err) {
      lock.unlock();
      return;
    }
    err = e;
    std::vector<std::shared_ptr<ContextState>> kids;
    kids.swap(children);
    bool stop_timer = timer_armed;
    lock.unlock();
    done.close();
    if (stop_timer) sched::del_timer(&timer);
    for (auto& k : kids) k->cancel(e, false);
    if (detach_from_parent && parent) parent->remove_child(this);
  }

  void remove_child(ContextState* child) {
    lock.lock();
    for (auto it = children.begin(); it != children.end(); ++it) {
      if (it->get() == child) {
        children.erase(it);
        break;
      }
    }
    lock.unlock();
  }

  // Registers child under this context, or cancels it at once if this one
  // is already cancelled.
  void adopt(const std::shared_ptr<ContextState>& child) {
    lock.lock();
    std::exception_ptr e = err;
    if (!e) children.push_back(child);
    lock.unlock();
    if (e) child->cancel(e, false);
  }
};

}  // namespace detail

Context Context::background() { return Context(nullptr); }

Chan<Unit> Context::done() const { return state_ ? state_->done : Chan<Unit>(); }

std::exception_ptr Context::err() const {
  if (!state_) return nullptr;
  state_->lock.lock();
  std::exception_ptr e = state_->err;
  state_->lock.unlock();
  return e;
}

std::optional<Clock::time_point> Context::deadline() const {
  return state_ ? state_->deadline : std::nullopt;
}

std::pair<Context, CancelFunc> with_cancel(const Context& parent) {
  auto child = std::make_shared<detail::ContextState>();
  child->parent = parent.state_;
  child->deadline = parent.deadline();
  if (parent.state_) parent.state_->adopt(child);
  std::weak_ptr<detail::ContextState> weak = child;
  CancelFunc cancel = [weak] {
    if (auto s = weak.lock()) s->cancel(std::make_exception_ptr(cancelled_error()), true);
  };
  return {Context(child), cancel};
}

std::pair<Context, CancelFunc> with_deadline(const Context& parent, Clock::time_point t) {
  // A parent that ends sooner decides: this is just a cancellable child.
  if (auto pd = parent.deadline(); pd && *pd <= t) return with_cancel(parent);
  auto [ctx, cancel] = with_cancel(parent);
  auto& s = *ctx.state_;
  s.deadline = t;
  if (t <= Clock::now()) {
    s.cancel(std::make_exception_ptr(deadline_exceeded_error()), true);
    return {ctx, cancel};
  }
  if (!sched::current_sched())
    throw std::logic_error("goro: with_deadline needs a running runtime for its timer");
  s.timer.when = time::to_nanotime(t);
  s.timer.arg = &s;
  s.timer.fn = [](void* arg, std::int64_t) {
    // As Go's context does with time.AfterFunc, cancel in a new goroutine:
    // this runs under the timer heap's lock, and cancelling may drop the
    // last reference, whose destructor stops the timer (takes that lock).
    // The goroutine holds the only reference we take, so none dies here.
    auto keep = static_cast<detail::ContextState*>(arg)->weak_from_this().lock();
    if (!keep) return;  // being destroyed; its destructor waits for us
    goro::go([k = std::move(keep)] { k->cancel(std::make_exception_ptr(deadline_exceeded_error()), true); });
  };
  s.lock.lock();
  s.timer_armed = !s.err;
  s.lock.unlock();
  if (s.timer_armed) sched::add_timer(&s.timer);
  return {ctx, cancel};
}

std::pair<Context, CancelFunc> with_timeout(const Context& parent, Clock::duration d) {
  return with_deadline(parent, Clock::now() + d);
}

}  // namespace goro
