// Unwind tables the SIGURG handler can use without locks or files
// (unwind_tables.hpp).
#include "runtime/sched/unwind_tables.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <elf.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

namespace goro::sched {

namespace {

// .eh_frame_hdr as ld writes it: version 1, eh_frame_ptr pcrel|sdata4,
// fde_count udata4, then the table of (start_ip, fde) pairs, datarel|sdata4
// (relative to the header), sorted by start_ip.
constexpr unsigned char kVersion = 1;
constexpr unsigned char kPcrelSdata4 = 0x1b;
constexpr unsigned char kUdata4 = 0x03;
constexpr unsigned char kDatarelSdata4 = 0x3b;
constexpr std::size_t kTableOffset = 12;  // 4 header bytes, eh_frame_ptr, fde_count

}  // namespace

void register_unwind_table(const dl_phdr_info* info) noexcept {
  const ElfW(Phdr)* eh = nullptr;
  const ElfW(Phdr)* dynamic = nullptr;
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_GNU_EH_FRAME) eh = &ph;
    if (ph.p_type == PT_DYNAMIC) dynamic = &ph;
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    lo = std::min<std::uintptr_t>(lo, info->dlpi_addr + ph.p_vaddr);
    hi = std::max<std::uintptr_t>(hi, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  if (!eh || lo >= hi) return;
  const auto* hdr = reinterpret_cast<const unsigned char*>(info->dlpi_addr + eh->p_vaddr);
  if (hdr[0] != kVersion || hdr[1] != kPcrelSdata4 || hdr[2] != kUdata4 || hdr[3] != kDatarelSdata4) return;
  std::uint32_t fde_count;
  std::memcpy(&fde_count, hdr + 8, sizeof fde_count);
  if (fde_count == 0) return;
  // What libunwind's own dl_iterate_phdr callback builds for this object,
  // kept for the life of the process (libunwind links it into its list).
  auto* di = new unw_dyn_info_t{};
  di->start_ip = lo;
  di->end_ip = hi;
  di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
  di->gp = 0;
  if (dynamic) {
    for (const auto* d = reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + dynamic->p_vaddr); d->d_tag != DT_NULL; ++d)
      if (d->d_tag == DT_PLTGOT) {
        di->gp = d->d_un.d_ptr;
        break;
      }
  }
  di->u.rti.name_ptr = reinterpret_cast<unw_word_t>(info->dlpi_name);
  di->u.rti.segbase = reinterpret_cast<unw_word_t>(hdr);
  di->u.rti.table_data = reinterpret_cast<unw_word_t>(hdr + kTableOffset);
  di->u.rti.table_len = fde_count * 2 * sizeof(std::int32_t) / sizeof(unw_word_t);
  _U_dyn_register(di);
}

}  // namespace goro::sched
