// Channel operations (Go's chansend, chanrecv, closechan). The protocol is
// in chan.hpp; select.cpp builds on send_locked/recv_locked.
#include "runtime/chan/chan.hpp"

#include <new>

namespace goro::chan {

void WaitQueue::push(WaitEntry* e) noexcept {
  e->next = nullptr;
  e->prev = last;
  if (last)
    last->next = e;
  else
    first = e;
  last = e;
  e->queued = true;
}

void WaitQueue::remove(WaitEntry* e) noexcept {
  if (e->prev)
    e->prev->next = e->next;
  else
    first = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    last = e->prev;
  e->next = e->prev = nullptr;
  e->queued = false;
}

WaitEntry* WaitQueue::claim() noexcept {
  while (WaitEntry* e = first) {
    remove(e);
    if (e->claim()) return e;
    // Stale: its select already ran another case and will not look here again
    // except to check `queued`.
  }
  return nullptr;
}

void Wakeup::wake() noexcept {
  if (!entry) return;
  sched::Waiter* w = entry->waiter;
  w->owner = entry;
  entry = nullptr;
  w->wake();
}

void throw_send_on_closed() { throw closed_channel_error("send on closed channel"); }

void block_forever(sched::WaitReason reason) {
  for (;;) {
    sched::Waiter w;
    w.block([](void*) {}, nullptr, reason);
  }
}

namespace {

// Holds a channel's lock; on the way out (normal or exception) releases it,
// then wakes the partner the operation claimed.
struct Locked {
  explicit Locked(detail::ChanCore* c) noexcept : c(c) { c->lock.lock(); }
  ~Locked() {
    if (c) c->lock.unlock();
    wake.wake();
  }
  void unlock_only() noexcept {  // the lock is handed to Waiter::block
    c = nullptr;
  }
  detail::ChanCore* c;
  Wakeup wake;
};

void unlock_chan(void* c) { static_cast<detail::ChanCore*>(c)->lock.unlock(); }

}  // namespace
}  // namespace goro::chan

namespace goro::detail {

using chan::Result;
using chan::Status;
using chan::WaitEntry;

ChanCore::ChanCore(const ElemType* t, std::size_t capacity)
    : type(t), cap(capacity), stride((t->size + t->align - 1) / t->align * t->align) {
  if (cap > 0) buf = static_cast<std::byte*>(::operator new(cap * stride, std::align_val_t(type->align)));
}

ChanCore::~ChanCore() {
  std::size_t n = count.load(std::memory_order_relaxed);
  for (std::size_t i = 0, x = recvx; i < n; ++i, x = (x + 1 == cap ? 0 : x + 1)) type->destroy(slot(x));
  if (buf) ::operator delete(buf, std::align_val_t(type->align));
}

Status ChanCore::send_locked(void* src, chan::Wakeup& wake) {
  if (closed) chan::throw_send_on_closed();
  if (WaitEntry* r = recvq.claim()) {
    // A parked receiver: the value goes straight into its slot.
    wake.entry = r;
    try {
      type->move(r->elem, src);
    } catch (...) {
      r->result = Result::retry;
      throw;
    }
    r->result = Result::ok;
    return Status::done;
  }
  std::size_t n = count.load(std::memory_order_relaxed);
  if (n < cap) {
    type->move(slot(sendx), src);
    sendx = sendx + 1 == cap ? 0 : sendx + 1;
    count.store(n + 1, std::memory_order_relaxed);
    return Status::done;
  }
  return Status::would_block;
}

Status ChanCore::recv_locked(void* dst, chan::Wakeup& wake) {
  std::size_t n = count.load(std::memory_order_relaxed);
  if (n > 0) {
    type->move(dst, slot(recvx));
    type->destroy(slot(recvx));
    recvx = recvx + 1 == cap ? 0 : recvx + 1;
    count.store(--n, std::memory_order_relaxed);
    // The ring has room again: the first parked sender's value takes it, so
    // senders keep their FIFO place behind what is buffered.
    if (WaitEntry* s = sendq.claim()) {
      wake.entry = s;
      try {
        type->move(slot(sendx), s->elem);
        sendx = sendx + 1 == cap ? 0 : sendx + 1;
        count.store(n + 1, std::memory_order_relaxed);
        s->result = Result::ok;
      } catch (...) {
        s->result = Result::error;
        s->error = std::current_exception();
      }
    }
    return Status::done;
  }
  if (WaitEntry* s = sendq.claim()) {
    // Unbuffered (or an emptied ring): take the value from the parked sender.
    wake.entry = s;
    try {
      type->move(dst, s->elem);
    } catch (...) {
      s->result = Result::retry;
      throw;
    }
    s->result = Result::ok;
    return Status::done;
  }
  return closed ? Status::closed : Status::would_block;
}

ChanCore* chan_make(const ElemType* type, std::size_t capacity) { return new ChanCore(type, capacity); }

void chan_retain(ChanCore* c) noexcept { c->refs.fetch_add(1, std::memory_order_relaxed); }

void chan_release(ChanCore* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete c;
}

namespace {

// The blocking half of chan_send and chan_recv: queue an entry for `elem` on
// q and park until a partner or close() settles it. Only an operation that
// must wait builds a Waiter and an entry; inlined, so a park adds no call
// level (after a switch every return mispredicts). Called with the lock held
// through `l`; Waiter::block releases it.
struct Parked {
  Result result;
  std::exception_ptr error;  // Result::error: what the value's move threw
};

[[gnu::always_inline]] inline Parked park_on(ChanCore* c, chan::WaitQueue& q, void* elem, chan::Locked& l,
                                             sched::WaitReason why) {
  sched::Waiter w;
  WaitEntry e;
  e.waiter = &w;
  e.elem = elem;
  q.push(&e);
  l.unlock_only();
  w.block(chan::unlock_chan, c, why);
  return {e.result, std::move(e.error)};
}

}  // namespace

void chan_send(ChanCore* c, void* src) {
  if (!c) chan::block_forever(sched::WaitReason::chan_send_nil);
  for (;;) {
    chan::Locked l(c);
    if (c->send_locked(src, l.wake) == Status::done) return;
    Parked r = park_on(c, c->sendq, src, l, sched::WaitReason::chan_send);
    switch (r.result) {
      case Result::ok: return;
      case Result::closed: chan::throw_send_on_closed();
      case Result::error: std::rethrow_exception(r.error);
      default: break;  // retry
    }
  }
}

bool chan_try_send(ChanCore* c, void* src) {
  if (!c) return false;
  chan::Locked l(c);
  return c->send_locked(src, l.wake) == Status::done;
}

bool chan_recv(ChanCore* c, void* dst) {
  if (!c) chan::block_forever(sched::WaitReason::chan_receive_nil);
  for (;;) {
    chan::Locked l(c);
    switch (c->recv_locked(dst, l.wake)) {
      case Status::done: return true;
      case Status::closed: return false;
      case Status::would_block: break;
    }
    Result r = park_on(c, c->recvq, dst, l, sched::WaitReason::chan_receive).result;
    if (r == Result::ok) return true;
    if (r == Result::closed) return false;
  }
}

bool chan_try_recv(ChanCore* c, void* dst) {
  if (!c) return false;
  chan::Locked l(c);
  return c->recv_locked(dst, l.wake) == Status::done;
}

void chan_close(ChanCore* c) {
  if (!c) throw closed_channel_error("close of nil channel");
  WaitEntry* woken = nullptr;  // linked through `next`, woken after unlock
  {
    chan::Locked l(c);
    if (c->closed) throw closed_channel_error("close of closed channel");
    c->closed = true;
    for (chan::WaitQueue* q : {&c->recvq, &c->sendq}) {
      while (WaitEntry* e = q->claim()) {
        e->result = Result::closed;
        e->next = woken;
        woken = e;
      }
    }
  }
  while (woken) {
    WaitEntry* e = woken;
    woken = e->next;  // read before wake(): e dies with its owner's frame
    chan::Wakeup{e}.wake();
  }
}

std::size_t chan_size(const ChanCore* c) noexcept { return c ? c->count.load(std::memory_order_relaxed) : 0; }

std::size_t chan_capacity(const ChanCore* c) noexcept { return c ? c->cap : 0; }

}  // namespace goro::detail
