// The debug-build half of ChanLock (lock.hpp): the per-thread stack of held
// channel locks and the order check.
#include "runtime/chan/lock.hpp"

#if defined(GORO_CHAN_LOCK_ORDER_CHECK)

#include "runtime/debug/fatal.hpp"

#include <functional>

namespace goro::chan {

void ChanLock::check_order() const noexcept {
  // std::less: a total order on pointers to unrelated objects.
  if (held_top && !std::less<const ChanLock*>{}(held_top, this)) debug::fatal("channel lock order");
}

void ChanLock::forget() noexcept {
  if (held_top == this) {
    held_top = below_;
  } else {
    // Released out of order: every lock on the stack is ours, so are their links.
    for (ChanLock* l = held_top; l; l = l->below_) {
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
