#!/usr/bin/env bash
# tools/goro-gdb.py in gdb batch mode: on the live process (stopped at its
# abort()) and on a core file gcore wrote there.
#   gdb_test.sh GDB SCRIPT TARGET
set -euo pipefail
gdb=$1 script=$2 target=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

check() {  # check FILE WHAT PATTERN...: every pattern is in FILE
  local file=$1 what=$2 pattern
  shift 2
  for pattern in "$@"; do
    if ! grep -qE -- "$pattern" "$file"; then
      echo "FAIL ($what): no match for: $pattern"
      echo "---- output:"
      cat "$file"
      exit 1
    fi
  done
}

# The last receiver is goroutine 51 (main is 1); the mutex waiter is 52.
# Live, stopped at the abort; gcore writes a core file there too (used when
# the kernel writes none: core_pattern may pipe cores elsewhere).
GDB_TARGET_MPROTECT_GUARDS=1 "$gdb" -nx -batch -x "$script" \
  -ex run -ex 'info goroutines' -ex 'goroutine 51 bt' -ex 'goroutine 52 bt' \
  -ex "gcore $dir/gcore" -ex kill "$target" >"$dir/live.txt" 2>&1 || true
check "$dir/live.txt" live \
  '^goroutine 1 \[running\]' \
  '^goroutine 2 \[chan receive\] in .*gdbtest_chan_receiver' \
  '^goroutine 51 \[chan receive\]' \
  '^goroutine 52 \[sync.Mutex.Lock\] in .*gdbtest_mutex_waiter' \
  '^#[0-9]+ .*gdbtest_chan_receiver.* at .*gdb_target.cpp:[0-9]+' \
  '^#[0-9]+ .*gdbtest_mutex_waiter.* at .*gdb_target.cpp:[0-9]+'

# A core file: the kernel's when it writes one here, else gcore's.
core=
(cd "$dir" && ulimit -c unlimited && exec "$target") >/dev/null 2>&1 || true
for f in "$dir"/core "$dir"/core.*; do
  [[ -s $f ]] && core=$f && break
done
if [[ -z $core ]]; then
  echo "no kernel core file (core_pattern: $(cat /proc/sys/kernel/core_pattern 2>/dev/null)); using gcore's"
  core=$dir/gcore
fi
[[ -s $core ]] || { echo "FAIL: no core file"; cat "$dir/live.txt"; exit 1; }

"$gdb" -nx -batch -x "$script" \
  -ex 'info goroutines' -ex 'goroutine 51 bt' -ex 'goroutine 52 bt' "$target" "$core" >"$dir/core.txt" 2>&1 || true
check "$dir/core.txt" core \
  '^goroutine 2 \[chan receive\] in .*gdbtest_chan_receiver' \
  '^goroutine 51 \[chan receive\]' \
  '^goroutine 52 \[sync.Mutex.Lock\] in .*gdbtest_mutex_waiter' \
  '^#[0-9]+ .*gdbtest_chan_receiver.* at .*gdb_target.cpp:[0-9]+' \
  '^#[0-9]+ .*gdbtest_mutex_waiter.* at .*gdb_target.cpp:[0-9]+'
n=$(grep -cE '^goroutine [0-9]+ \[chan receive\]' "$dir/core.txt")
[[ $n -ge 50 ]] || { echo "FAIL: $n chan receive goroutines listed from the core, want 50"; cat "$dir/core.txt"; exit 1; }
echo "PASS ($core)"
