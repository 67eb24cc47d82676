// The debug-build half of ChanLock (lock.hpp): the per-thread stack of held
// channel locks and the order check.
#include "runtime/chan/lock.hpp"

#if defined(GORO_CHAN_LOCK_ORDER_CHECK)

#include "runtime/debug/fatal.hpp"
#include "runtime/sched/tls.hpp"

#include <functional>

GORO_TLS_DECLARE(goro::chan::ChanLock*, goro_tls_chan_held_top);
GORO_TLS_DEFINE(goro::chan::ChanLock*, goro_tls_chan_held_top, nullptr);

namespace goro::chan {

namespace {
GORO_TLS_ACCESSOR(held_top_address, ChanLock*, goro_tls_chan_held_top)
}  // namespace

ChanLock** ChanLock::held_top() noexcept { return held_top_address(); }

void ChanLock::check_order() const noexcept {
  // std::less: a total order on pointers to unrelated objects.
  ChanLock* top = *held_top();
  if (top && !std::less<const ChanLock*>{}(top, this)) debug::fatal("channel lock order");
}

void ChanLock::forget() noexcept {
  ChanLock** top = held_top();
  if (*top == this) {
    *top = below_;
  } else {
    // Released out of order: every lock on the stack is ours, so are their links.
    for (ChanLock* l = *top; l; l = l->below_) {
      if (l->below_ == this) {
        l->below_ = below_;
        break;
      }
    }
  }
  below_ = nullptr;
}

}  // namespace goro::chan

#endif
