// select: Go's select statement.
//
//   size_t i = goro::select(
//       goro::recv(a, [&](int v) { ... }),               // case v := <-a (closed: T{})
//       goro::recv(a, [&](std::optional<int> v) { ... }), // case v, ok := <-a
//       goro::send(b, x, [&] { ... }),                   // case b <- x
//       goro::default_([&] { ... }));                    // default (at most one)
//
// Returns the index of the case that ran. Handlers are optional
// (goro::recv(a), goro::send(b, x)); a recv handler may also take no
// argument. Ready cases are chosen uniformly at random, as in Go; nil
// channels never become ready; with no ready case and no default the caller
// blocks until one is. A send case on a closed channel throws
// closed_channel_error, as Go panics. Handlers run after every channel lock
// is released, so they may use channels freely. select() with no cases
// blocks forever. Build the cases inside the select() call: a case refers to
// its channel, it does not own it.
#pragma once

#include <goro/chan.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace goro {

namespace detail {

enum class CaseKind : unsigned char { recv, send, default_ };

struct SelectCase {
  ChanCore* chan;  // null: a nil channel (never ready), or the default case
  void* elem;      // recv: uninitialized storage; send: the value
  CaseKind kind;
};

struct SelectResult {
  std::size_t index;  // into the cases array
  bool ok;            // recv: a value was received (false: closed)
};

SelectResult select_impl(SelectCase* cases, std::size_t n);

struct NoHandler {};

template <class T, class H>
struct RecvCase {
  const Chan<T>* ch;
  H handler;
  alignas(T) std::byte buf[sizeof(T)];

  SelectCase erase() { return {ch->core(), buf, CaseKind::recv}; }
  void run(bool ok) {
    if constexpr (std::is_same_v<H, NoHandler>) {
      if (ok) std::launder(reinterpret_cast<T*>(buf))->~T();
    } else if constexpr (std::is_invocable_v<H&, std::optional<T>>) {
      if (ok)
        std::invoke(handler, std::optional<T>(take<T>(buf)));
      else
        std::invoke(handler, std::optional<T>());
    } else if constexpr (std::is_invocable_v<H&, T>) {
      static_assert(std::is_default_constructible_v<T>,
                    "goro::recv(ch, void(T)): a closed channel passes T{}, so T must be default-constructible; "
                    "take std::optional<T> instead");
      if (ok)
        std::invoke(handler, take<T>(buf));
      else
        std::invoke(handler, T{});
    } else {
      static_assert(std::is_invocable_v<H&>, "goro::recv handler: void(T), void(std::optional<T>) or void()");
      if (ok) std::launder(reinterpret_cast<T*>(buf))->~T();
      std::invoke(handler);
    }
  }
};

template <class T, class H>
struct SendCase {
  const Chan<T>* ch;
  T value;
  H handler;

  SelectCase erase() { return {ch->core(), &value, CaseKind::send}; }
  void run(bool) {
    if constexpr (!std::is_same_v<H, NoHandler>) std::invoke(handler);
  }
};

template <class H>
struct DefaultCase {
  H handler;

  SelectCase erase() { return {nullptr, nullptr, CaseKind::default_}; }
  void run(bool) { std::invoke(handler); }
};

template <class C>
struct is_default_case : std::false_type {};
template <class H>
struct is_default_case<DefaultCase<H>> : std::true_type {};

}  // namespace detail

// case v := <-ch
template <class T>
detail::RecvCase<T, detail::NoHandler> recv(const Chan<T>& ch) {
  return {&ch, {}, {}};
}
template <class T, class H>
detail::RecvCase<T, std::decay_t<H>> recv(const Chan<T>& ch, H&& handler) {
  return {&ch, std::forward<H>(handler), {}};
}

// case ch <- value
template <class T, class V>
detail::SendCase<T, detail::NoHandler> send(const Chan<T>& ch, V&& value) {
  return {&ch, T(std::forward<V>(value)), {}};
}
template <class T, class V, class H>
detail::SendCase<T, std::decay_t<H>> send(const Chan<T>& ch, V&& value, H&& handler) {
  return {&ch, T(std::forward<V>(value)), std::forward<H>(handler)};
}

// default:
template <class H>
detail::DefaultCase<std::decay_t<H>> default_(H&& handler) {
  return {std::forward<H>(handler)};
}

template <class... Cases>
std::size_t select(Cases&&... cases) {
  static_assert((0 + ... + detail::is_default_case<std::decay_t<Cases>>::value) <= 1,
                "goro::select: at most one default_ case");
  if constexpr (sizeof...(Cases) == 0) {
    return detail::select_impl(nullptr, 0).index;
  } else {
    detail::SelectCase erased[] = {cases.erase()...};
    detail::SelectResult r = detail::select_impl(erased, sizeof...(Cases));
    std::size_t i = 0;
    ((i++ == r.index ? cases.run(r.ok) : void()), ...);
    return r.index;
  }
}

}  // namespace goro
