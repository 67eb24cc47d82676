#include "runtime/sched/waiter.hpp"

#include "runtime/sched/sched.hpp"

namespace goro::sched {

Waiter::Waiter() noexcept : g_(current_g()) {}

void Waiter::block(void (*unlock)(void*), void* arg, WaitReason reason) noexcept {
  if (g_) {
    struct Commit {
      void (*unlock)(void*);
      void* arg;
    } commit{unlock, arg};
    park([](G*, void* c) {
      auto* cm = static_cast<Commit*>(c);
      cm->unlock(cm->arg);
      return true;
    }, &commit, reason);
    return;
  }
  Sched* s = current_sched();
  if (s) s->foreign_waiters.fetch_add(1, std::memory_order_seq_cst);
  unlock(arg);
  note_.sleep();
  if (s) s->foreign_waiters.fetch_sub(1, std::memory_order_seq_cst);
}

void Waiter::wake() noexcept {
  if (g_)
    ready(g_);
  else
    note_.wake();
}

}  // namespace goro::sched
