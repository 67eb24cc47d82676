// fatal errors and panics.
#include "runtime/debug/fatal.hpp"

#include "runtime/debug/traceback.hpp"

#include "runtime/sched/sched.hpp"

#include <cxxabi.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

namespace goro::debug {

namespace {

std::terminate_handler g_previous_terminate = nullptr;

void print_header_for_current_goroutine(std::FILE* out) {
  if (sched::G* g = sched::current_g())
    std::fprintf(out, "\ngoroutine %llu [running]:\n", static_cast<unsigned long long>(g->id));
  else
    std::fputs("\n(not on a goroutine):\n", out);
}

std::string demangle(const char* mangled) {
  int status = -1;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = (status == 0 && d) ? d : mangled;
  std::free(d);
  return out;
}

// What the panic line says about the exception in flight.
std::string describe_current_exception() {
  std::exception_ptr ep = std::current_exception();
  if (!ep) return "(unknown)";
  const std::type_info* type = abi::__cxa_current_exception_type();
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (const char* s) {
    return std::string(s) + " [" + demangle(type->name()) + "]";
  } catch (const std::string& s) {
    return s + " [std::string]";
  } catch (long long v) {
    return std::to_string(v) + " [long long]";
  } catch (long v) {
    return std::to_string(v) + " [long]";
  } catch (int v) {
    return std::to_string(v) + " [int]";
  } catch (...) {
    return "exception of type " + (type ? demangle(type->name()) : std::string("?"));
  }
}

void on_terminate() {
  if (!sched::current_g()) {
    if (g_previous_terminate) g_previous_terminate();
    std::abort();
  }
  std::fflush(stdout);
  std::string what = describe_current_exception();
  std::fprintf(stderr, "panic: %s\n", what.c_str());
  print_header_for_current_goroutine(stderr);
  // The stack is still that of the throw (no handler was found, so nothing
  // was unwound): show it from the thrower's frame on.
  print_trace_after(stderr, "__cxa_throw");
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace

void fatal(const char* message) noexcept {
  std::fflush(stdout);
  std::fprintf(stderr, "fatal error: %s\n", message);
  print_header_for_current_goroutine(stderr);
  print_current_trace(stderr, 1);
  std::fflush(stderr);
  std::_Exit(2);
}

void fatalf(const char* format, ...) noexcept {
  char buf[1024];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  fatal(buf);
}

void install_panic_handler() noexcept {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  g_previous_terminate = std::set_terminate(&on_terminate);
}

}  // namespace goro::debug
