// Channels: Go's `chan T`.
//
//   goro::Chan<int> ch;                      // nil channel (blocks forever)
//   auto jobs = goro::make_chan<Job>(128);   // make(chan Job, 128)
//   goro::go([jobs] { for (Job j : jobs) run(j); });   // for j := range jobs
//   jobs.send(Job{...});                     // jobs <- Job{...}
//   jobs.close();                            // close(jobs)
//   std::optional<int> v = ch.recv();        // v, ok := <-ch
//
// A Chan is a shared handle: copies refer to the same channel and every
// member is const, so a lambda capturing a Chan by value can send on it.
// Elements are moved (never copied): move-only types work, and T needs no
// default constructor. Operations work from goroutines and from plain
// threads alike; a goroutine parks, a thread sleeps.
//
// Go's rules: a send to a waiting receiver hands the value straight to it;
// a buffered send moves it into the ring; close() wakes every waiter
// (receivers get nullopt, blocked senders throw closed_channel_error); a
// receive on a closed channel returns the buffered values, then nullopt.
// Send on a closed channel, close of a closed channel and close of a nil
// channel throw closed_channel_error, with Go's panic messages.
//
// A move constructor that throws: the exception leaves the operation that
// was moving the value (send, recv, select), and the channel stays as it
// was (no value is lost from the buffer, none is duplicated). A parked
// partner of that operation goes back to waiting, except a sender whose
// value was being moved into a buffer slot freed by a receive: the receive
// succeeds, and that send throws the exception instead. Move constructors
// must not block on goro channels or locks (they run under the channel lock).
#pragma once

#include <cstddef>
#include <iterator>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace goro {

struct Unit {};  // Go's struct{}: Chan<Unit> is a signal channel
inline bool operator==(Unit, Unit) noexcept { return true; }

// Go's "send on closed channel", "close of closed channel", "close of nil channel".
class closed_channel_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {

// How the type-erased core moves and destroys elements.
struct ElemType {
  std::size_t size;
  std::size_t align;
  void (*move)(void* dst, void* src);  // move-constructs *dst from *src (may throw)
  void (*destroy)(void* p) noexcept;
};

template <class T>
inline constexpr ElemType elem_type_of{
    sizeof(T), alignof(T),
    [](void* dst, void* src) { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* p) noexcept { static_cast<T*>(p)->~T(); }};

struct ChanCore;  // runtime/chan/chan.hpp

ChanCore* chan_make(const ElemType* type, std::size_t capacity);
void chan_retain(ChanCore* c) noexcept;
void chan_release(ChanCore* c) noexcept;
// nil c blocks forever. src is moved from once sent.
void chan_send(ChanCore* c, void* src);
// false (src untouched) if it would block; throws if closed.
bool chan_try_send(ChanCore* c, void* src);
// dst: uninitialized storage. true: a value was constructed into dst.
bool chan_recv(ChanCore* c, void* dst);
bool chan_try_recv(ChanCore* c, void* dst);
void chan_close(ChanCore* c);
std::size_t chan_size(const ChanCore* c) noexcept;
std::size_t chan_capacity(const ChanCore* c) noexcept;

// Moves the element out of raw storage and destroys the original.
template <class T>
T take(void* storage) {
  T* p = std::launder(static_cast<T*>(storage));
  struct Destroy {
    T* p;
    ~Destroy() { p->~T(); }
  } d{p};
  return T(std::move(*p));
}

}  // namespace detail

template <class T>
class Chan {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_array_v<T>,
                "Chan<T>: T must be a non-const object type");
  static_assert(std::is_move_constructible_v<T>, "Chan<T>: T must be move-constructible");

 public:
  class iterator;

  Chan() noexcept = default;  // nil channel: send/recv block forever, close throws
  explicit Chan(std::size_t capacity) : core_(detail::chan_make(&detail::elem_type_of<T>, capacity)) {}
  Chan(const Chan& o) noexcept : core_(o.core_) {
    if (core_) detail::chan_retain(core_);
  }
  Chan(Chan&& o) noexcept : core_(std::exchange(o.core_, nullptr)) {}
  Chan& operator=(Chan o) noexcept {
    std::swap(core_, o.core_);
    return *this;
  }
  ~Chan() {
    if (core_) detail::chan_release(core_);
  }

  // ch <- v; throws goro::closed_channel_error if closed.
  void send(T v) const { detail::chan_send(core_, &v); }
  // v, ok := <-ch; nullopt once closed and drained.
  std::optional<T> recv() const {
    alignas(T) std::byte buf[sizeof(T)];
    if (!detail::chan_recv(core_, buf)) return std::nullopt;
    return std::optional<T>(detail::take<T>(buf));
  }
  // Non-blocking send: true if sent (v is moved from only then). Throws
  // closed_channel_error on a closed channel, as Go's select would panic.
  bool try_send(T& v) const { return detail::chan_try_send(core_, &v); }
  bool try_send(T&& v) const { return detail::chan_try_send(core_, &v); }
  // Non-blocking receive: nullopt if nothing is ready or the channel is closed and drained.
  std::optional<T> try_recv() const {
    alignas(T) std::byte buf[sizeof(T)];
    if (!detail::chan_try_recv(core_, buf)) return std::nullopt;
    return std::optional<T>(detail::take<T>(buf));
  }
  void close() const { detail::chan_close(core_); }
  std::size_t size() const { return detail::chan_size(core_); }          // len(ch)
  std::size_t capacity() const { return detail::chan_capacity(core_); }  // cap(ch)
  explicit operator bool() const { return core_ != nullptr; }            // false for nil
  friend bool operator==(const Chan& a, const Chan& b) { return a.core_ == b.core_; }

  // for (T v : ch) { ... }: receives until ch is closed and drained.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(const Chan* ch) : ch_(ch) { ++*this; }
    T&& operator*() { return std::move(*value_); }
    iterator& operator++() {
      value_.reset();
      value_ = ch_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.value_; }

   private:
    const Chan* ch_ = nullptr;
    std::optional<T> value_;
  };
  iterator begin() const { return iterator(this); }
  std::default_sentinel_t end() const { return {}; }

  // For select (include/goro/select.hpp): the type-erased channel.
  detail::ChanCore* core() const noexcept { return core_; }

 private:
  detail::ChanCore* core_ = nullptr;
};

// make(chan T, capacity)
template <class T>
Chan<T> make_chan(std::size_t capacity = 0) {
  return Chan<T>(capacity);
}

}  // namespace goro
