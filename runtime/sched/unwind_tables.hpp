// Unwind tables the SIGURG handler can use without locks or files.
//
// libunwind finds a code address's unwind info by walking the loaded objects
// with dl_iterate_phdr (the loader lock) and, in builds configured with
// .debug_frame support (Debian's AArch64 libunwind), by then looking for a
// .debug_frame section of that object on every lookup: for an object
// without one it reads /proc/self/maps and opens the file each time, with
// malloc and stdio, inside the signal handler (measured under qemu-aarch64:
// ~9 ms per safe-point test, most SIGURGs lost meanwhile). Objects
// registered here are found first, in libunwind's dynamic-info list, by
// reading their .eh_frame_hdr search table directly: the same unwind info,
// no lock, no file, no allocation.
#pragma once

#include <link.h>

namespace goro::sched {

// Registers the .eh_frame_hdr binary-search table of the object `info`
// describes (at start, from a dl_iterate_phdr callback; never in a signal
// handler). Objects without one, or with an encoding other than the
// standard one ld writes, are left to libunwind's usual search.
void register_unwind_table(const dl_phdr_info* info) noexcept;

}  // namespace goro::sched
