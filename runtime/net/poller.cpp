// The network poller (poller.hpp): epoll, poll descriptors, deadlines.
#include "runtime/net/poller.hpp"

#include "runtime/debug/fatal.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>

namespace goro::net {
namespace {

// epoll_event.data: the descriptor's address in the low 48 bits, its
// generation in the high 16. User-space addresses fit in 48 bits on x86-64
// and on AArch64 unless a mapping is asked for above 2^48 (goro never does).
constexpr int kTagShift = 48;
constexpr std::uint64_t kPtrMask = (std::uint64_t{1} << kTagShift) - 1;
constexpr std::uint64_t kBreakData = 0;  // the eventfd

struct Poller {
  int epfd = -1;
  int breakfd = -1;
  std::atomic<std::uint32_t> wakesig{0};  // a break is pending (written, not yet drained)
  std::atomic<std::int64_t> waiters{0};   // Gs parked in a slot
  std::atomic<std::int64_t> last_poll{1};
  // Descriptors: the open ones (for forget_runtime) and the recycled ones.
  sched::Lock lock;
  PollDesc* open = nullptr;
  PollDesc* free = nullptr;
};

std::atomic<Poller*> g_poller{nullptr};

Poller* poller() {
  static Poller* p = [] {
    auto* pl = new Poller;
    pl->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (pl->epfd < 0) debug::fatalf("netpoll: epoll_create1 failed: %s", std::strerror(errno));
    pl->breakfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pl->breakfd < 0) debug::fatalf("netpoll: eventfd failed: %s", std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: stays readable until a blocking poll drains it
    ev.data.u64 = kBreakData;
    if (epoll_ctl(pl->epfd, EPOLL_CTL_ADD, pl->breakfd, &ev) < 0)
      debug::fatalf("netpoll: epoll_ctl(eventfd) failed: %s", std::strerror(errno));
    pl->last_poll.store(sched::nanotime());
    g_poller.store(pl, std::memory_order_release);
    return pl;
  }();
  return p;
}

Poller* poller_if_any() noexcept { return g_poller.load(std::memory_order_acquire); }

// Go's netpollcheckerr.
WaitResult check(PollDesc* pd, Mode m) noexcept {
  if (pd->closing.load(std::memory_order_acquire)) return WaitResult::closing;
  if (pd->deadline(m).load(std::memory_order_acquire) < 0) return WaitResult::timeout;
  return WaitResult::ready;
}

// Go's netpollunblock: takes the G parked in pd's m slot, if any. ioready
// leaves kPdReady behind (an edge for the next wait); an error wake-up
// leaves kPdNil (the waiter rechecks the error). An I/O edge always writes
// the slot, even kPdReady over kPdReady: every I/O write to a slot is then
// a release read-modify-write, so whoever next exchanges the slot
// (poll_prepare) synchronises with every edge before it (fd.cpp's drain
// skip needs the no_skip flag of an earlier edge to be visible).
sched::G* unblock(PollDesc* pd, Mode m, bool ioready) noexcept {
  auto& slot = pd->slot(m);
  for (;;) {
    std::uintptr_t old = slot.load(std::memory_order_acquire);
    if (old == kPdReady) {
      if (!ioready || slot.compare_exchange_weak(old, kPdReady, std::memory_order_acq_rel)) return nullptr;
      continue;
    }
    if (old == kPdNil && !ioready) return nullptr;
    std::uintptr_t next = ioready ? kPdReady : kPdNil;
    if (slot.compare_exchange_weak(old, next, std::memory_order_acq_rel)) {
      if (old == kPdNil || old == kPdWait) return nullptr;  // a kPdWait waiter's commit fails: it runs on
      poller()->waiters.fetch_sub(1, std::memory_order_relaxed);
      return reinterpret_cast<sched::G*>(old);
    }
  }
}

// Readies one G taken by unblock() (close, deadline), settling its pending wake-up.
void wake(sched::G* g) noexcept {
  if (!g) return;
  sched::Sched* s = sched::current_sched();
  sched::ready(g);
  s->pending_wakeups.fetch_sub(1, std::memory_order_seq_cst);
}

// park() commit: the G's context is saved; publish it in the slot. Counted
// in pending_wakeups first, so the count never lags the slot.
bool commit_wait(sched::G* g, void* arg) noexcept {
  auto* slot = static_cast<std::atomic<std::uintptr_t>*>(arg);
  sched::Sched* s = sched::current_sched();
  s->pending_wakeups.fetch_add(1, std::memory_order_seq_cst);
  poller()->waiters.fetch_add(1, std::memory_order_seq_cst);
  std::uintptr_t expected = kPdWait;
  if (slot->compare_exchange_strong(expected, reinterpret_cast<std::uintptr_t>(g), std::memory_order_acq_rel)) return true;
  poller()->waiters.fetch_sub(1, std::memory_order_seq_cst);
  s->pending_wakeups.fetch_sub(1, std::memory_order_seq_cst);
  return false;  // ready or an error arrived meanwhile: run on
}

void deadline_fired(PollDesc* pd, Mode m) noexcept {
  pd->deadline(m).store(-1, std::memory_order_release);
  wake(unblock(pd, m, false));
}

// A thread that is not a goroutine: poll(2) on the fd itself.
WaitResult wait_thread(PollDesc* pd, Mode m) noexcept {
  constexpr std::int64_t kSlice = 20'000'000;
  for (;;) {
    if (WaitResult r = check(pd, m); r != WaitResult::ready) return r;
    std::int64_t slice = kSlice;
    std::int64_t when = pd->deadline(m).load(std::memory_order_acquire);
    if (when > 0) {
      std::int64_t left = when - sched::nanotime();
      if (left <= 0) {
        std::int64_t expected = when;
        pd->deadline(m).compare_exchange_strong(expected, -1);
        return WaitResult::timeout;
      }
      if (left < slice) slice = left;
    }
    pollfd p{pd->fd, static_cast<short>(m == Mode::read ? POLLIN | POLLRDHUP : POLLOUT), 0};
    int rc = ::poll(&p, 1, static_cast<int>((slice + 999'999) / 1'000'000));
    if (rc > 0) return WaitResult::ready;
  }
}

}  // namespace

// --- Descriptors ------------------------------------------------------------------

PollDesc* poll_open(int fd) {
  Poller* pl = poller();
  pl->lock.lock();
  PollDesc* pd = pl->free;
  if (pd) {
    pl->free = pd->next;
  } else {
    pl->lock.unlock();
    pd = new PollDesc;  // never freed: a stale event may still name it
    pd->read_timer.arg = pd;
    pd->read_timer.fn = [](void* arg, std::int64_t) { deadline_fired(static_cast<PollDesc*>(arg), Mode::read); };
    pd->write_timer.arg = pd;
    pd->write_timer.fn = [](void* arg, std::int64_t) { deadline_fired(static_cast<PollDesc*>(arg), Mode::write); };
    pl->lock.lock();
  }
  pd->fd = fd;
  pd->rg.store(kPdNil);
  pd->wg.store(kPdNil);
  pd->closing.store(false);
  pd->no_skip.store(false);
  pd->rd.store(0);
  pd->wd.store(0);
  pd->prev = nullptr;
  pd->next = pl->open;
  if (pl->open) pl->open->prev = pd;
  pl->open = pd;
  std::uint32_t gen = pd->generation.load(std::memory_order_relaxed);
  pl->lock.unlock();

  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET;
  ev.data.u64 = reinterpret_cast<std::uint64_t>(pd) | (static_cast<std::uint64_t>(gen & 0xffff) << kTagShift);
  if (epoll_ctl(pl->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int err = errno;
    poll_close(pd);
    throw std::system_error(err, std::generic_category(), "netpoll: epoll_ctl");
  }
  return pd;
}

void poll_close(PollDesc* pd) noexcept {
  Poller* pl = poller();
  if (pd->rg.load() > kPdWait || pd->wg.load() > kPdWait) debug::fatal("netpoll: closing a descriptor with a parked goroutine");
  if (sched::current_sched()) {
    pd->deadline_lock.lock();
    sched::del_timer(&pd->read_timer);
    sched::del_timer(&pd->write_timer);
    pd->deadline_lock.unlock();
  }
  epoll_ctl(pl->epfd, EPOLL_CTL_DEL, pd->fd, nullptr);  // fails harmlessly if never added
  pl->lock.lock();
  pd->generation.fetch_add(1, std::memory_order_release);  // events still in flight for it are stale
  if (pd->prev) pd->prev->next = pd->next; else pl->open = pd->next;
  if (pd->next) pd->next->prev = pd->prev;
  pd->fd = -1;
  pd->prev = nullptr;
  pd->next = pl->free;
  pl->free = pd;
  pl->lock.unlock();
}

void poll_evict(PollDesc* pd) noexcept {
  pd->closing.store(true, std::memory_order_seq_cst);
  wake(unblock(pd, Mode::read, false));
  wake(unblock(pd, Mode::write, false));
}

WaitResult poll_prepare(PollDesc* pd, Mode m) noexcept {
  if (WaitResult r = check(pd, m); r != WaitResult::ready) return r;
  // An exchange, not a CAS from kPdReady: a read-modify-write reads the
  // latest value, so this synchronises with every I/O edge written to the
  // slot before it (see unblock). Nobody waits in this slot now (the
  // caller holds the direction's mutex), so only kPdNil or kPdReady is lost.
  std::uintptr_t old = pd->slot(m).exchange(kPdNil, std::memory_order_acq_rel);
  if (old > kPdReady) debug::fatal("netpoll: an operation began while another waited in the same direction");
  return WaitResult::ready;
}

WaitResult poll_wait(PollDesc* pd, Mode m) noexcept {
  if (WaitResult r = check(pd, m); r != WaitResult::ready) return r;
  if (!sched::current_g()) return wait_thread(pd, m);
  auto& slot = pd->slot(m);
  for (;;) {
    std::uintptr_t old = slot.load(std::memory_order_acquire);
    if (old == kPdReady) {
      if (slot.compare_exchange_weak(old, kPdNil, std::memory_order_acq_rel)) return WaitResult::ready;
      continue;
    }
    if (old != kPdNil) debug::fatal("netpoll: two goroutines wait on one descriptor in the same direction");
    if (slot.compare_exchange_weak(old, kPdWait, std::memory_order_acq_rel)) break;
  }
  // An error set after our check but before the slot said kPdWait woke
  // nobody: look again before parking (Go's netpollblock).
  if (check(pd, m) == WaitResult::ready) sched::park(&commit_wait, &slot, sched::WaitReason::io_wait);
  std::uintptr_t old = slot.exchange(kPdNil, std::memory_order_acq_rel);
  if (old > kPdWait) debug::fatal("netpoll: corrupted wait slot");
  if (old == kPdReady) return WaitResult::ready;
  WaitResult r = check(pd, m);
  return r;  // `ready` here: a spurious wake-up; the caller retries its syscall
}

void poll_set_deadline(PollDesc* pd, std::int64_t when, bool read, bool write) noexcept {
  sched::Sched* s = sched::current_sched();
  std::int64_t now = sched::nanotime();
  std::int64_t value = when == 0 ? 0 : (when <= now ? -1 : when);
  pd->deadline_lock.lock();
  for (Mode m : {Mode::read, Mode::write}) {
    if (!(m == Mode::read ? read : write)) continue;
    sched::Timer* t = m == Mode::read ? &pd->read_timer : &pd->write_timer;
    if (s) sched::del_timer(t);  // once it returns, the old timer cannot fire
    pd->deadline(m).store(value, std::memory_order_release);
    if (s && value > 0) {
      t->when = value;
      t->period = 0;
      sched::add_timer(t);
    }
  }
  pd->deadline_lock.unlock();
  if (value < 0) {
    if (read) wake(unblock(pd, Mode::read, false));
    if (write) wake(unblock(pd, Mode::write, false));
  }
}

// --- The scheduler's side ------------------------------------------------------------

bool has_waiters() noexcept {
  Poller* pl = poller_if_any();
  return pl && pl->waiters.load(std::memory_order_seq_cst) > 0;
}

std::int64_t last_poll() noexcept {
  Poller* pl = poller_if_any();
  return pl ? pl->last_poll.load(std::memory_order_seq_cst) : 1;
}

bool claim_poll() noexcept {
  Poller* pl = poller_if_any();
  if (!pl) return false;
  std::int64_t v = pl->last_poll.load(std::memory_order_seq_cst);
  return v != 0 && pl->last_poll.compare_exchange_strong(v, 0, std::memory_order_seq_cst);
}

void release_poll(std::int64_t now) noexcept {
  if (Poller* pl = poller_if_any()) pl->last_poll.store(now, std::memory_order_seq_cst);
}

sched::GList netpoll(std::int64_t delay_ns) noexcept {
  sched::GList ready;
  Poller* pl = poller_if_any();
  if (!pl) return ready;
  int timeout;
  if (delay_ns < 0) timeout = -1;
  else if (delay_ns == 0) timeout = 0;
  else if (delay_ns < 1'000'000) timeout = 1;
  else if (delay_ns < 1'000'000'000'000LL) timeout = static_cast<int>((delay_ns + 999'999) / 1'000'000);
  else timeout = 1'000'000;
  epoll_event events[128];
  int n = epoll_wait(pl->epfd, events, 128, timeout);
  if (n < 0) {
    if (errno != EINTR) debug::fatalf("netpoll: epoll_wait failed: %s", std::strerror(errno));
    return ready;
  }
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events[i];
    if (ev.data.u64 == kBreakData) {
      // Only a blocking poll consumes a break: a non-blocking one leaves it
      // for the M it was meant for.
      if (delay_ns != 0) {
        std::uint64_t value;
        ssize_t r = ::read(pl->breakfd, &value, sizeof value);
        (void)r;
        pl->wakesig.store(0, std::memory_order_seq_cst);
      }
      continue;
    }
    auto* pd = reinterpret_cast<PollDesc*>(ev.data.u64 & kPtrMask);
    std::uint32_t tag = static_cast<std::uint32_t>(ev.data.u64 >> kTagShift);
    if ((pd->generation.load(std::memory_order_acquire) & 0xffff) != tag) continue;  // stale: fd closed since
    // The edge counts move before the slots (release): whoever consumes
    // the kPdReady or the wake-up below sees the new count.
    if (ev.events & (EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) pd->no_skip.store(true, std::memory_order_relaxed);
    if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLPRI | EPOLLHUP | EPOLLERR)) {
      pd->read_edges.fetch_add(1, std::memory_order_release);
      if (sched::G* g = unblock(pd, Mode::read, true)) ready.push_back(g);
    }
    if (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      pd->write_edges.fetch_add(1, std::memory_order_release);
      if (sched::G* g = unblock(pd, Mode::write, true)) ready.push_back(g);
    }
  }
  return ready;
}

void make_ready(sched::Sched* s, sched::GList& gs) noexcept {
  std::int64_t n = gs.size;
  if (n == 0) return;
  sched::inject_glist(s, gs);  // runnable before the count drops: the deadlock check sees them
  s->pending_wakeups.fetch_sub(n, std::memory_order_seq_cst);
}

void netpoll_break() noexcept {
  Poller* pl = poller_if_any();
  if (!pl) return;
  if (pl->wakesig.exchange(1, std::memory_order_seq_cst) != 0) return;  // one is pending already
  std::uint64_t one = 1;
  for (;;) {
    ssize_t r = ::write(pl->breakfd, &one, sizeof one);
    if (r == sizeof one || errno == EAGAIN) return;  // EAGAIN: the counter is full, so readable
    if (errno != EINTR) debug::fatalf("netpoll: eventfd write failed: %s", std::strerror(errno));
  }
}

std::int64_t poll_if_stale(sched::Sched* s, std::int64_t now, std::int64_t stale_ns) noexcept {
  Poller* pl = poller_if_any();
  if (!pl || !has_waiters()) return 0;
  std::int64_t last = pl->last_poll.load(std::memory_order_seq_cst);
  if (last == 0 || last + stale_ns > now) return 0;  // an M blocks in epoll_wait, or one polled lately
  if (!pl->last_poll.compare_exchange_strong(last, now, std::memory_order_seq_cst)) return 0;
  sched::GList gs = netpoll(0);
  std::int64_t n = gs.size;
  make_ready(s, gs);
  return n;
}

void forget_runtime(sched::Sched* s) noexcept {
  Poller* pl = poller_if_any();
  if (!pl) return;
  pl->lock.lock();
  for (PollDesc* pd = pl->open; pd; pd = pd->next) {
    for (Mode m : {Mode::read, Mode::write}) {
      std::uintptr_t v = pd->slot(m).load();
      if (v > kPdWait) {
        pd->slot(m).store(kPdNil);
        pl->waiters.fetch_sub(1);
        s->pending_wakeups.fetch_sub(1);
      }
    }
  }
  // Every descriptor's timers, open or recycled: a timer remembers the P
  // whose heap it was last on, and those Ps are about to be freed.
  for (PollDesc* list : {pl->open, pl->free}) {
    for (PollDesc* pd = list; pd; pd = pd->next) {
      for (sched::Timer* t : {&pd->read_timer, &pd->write_timer}) {
        sched::del_timer(t);
        t->p = nullptr;
      }
    }
  }
  pl->lock.unlock();
}

}  // namespace goro::net
