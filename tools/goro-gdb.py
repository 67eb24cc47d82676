# goro-gdb.py: goroutines in gdb, on a live process or a core file.
#
#   (gdb) source tools/goro-gdb.py
#   (gdb) info goroutines            every goroutine: id, state, wait reason
#   (gdb) goroutine 7 bt             the backtrace of goroutine 7
#
# Needs the program's debug info (goro's types and its runtime pointer).
# The goroutine list is Sched::allg of the running runtime
# (goro::sched::current_sched()); a parked goroutine's registers are the
# switch frame at G::context (arch/<cpu>/frame.h), which a frame unwinder
# hands to gdb as the caller of the selected thread's innermost frame:
# gdb's own unwinder (DWARF CFI) does the rest, so inlined frames and
# file:line come out as in any backtrace. Works on x86-64 and AArch64.
import struct

import gdb
from gdb.unwinder import Unwinder, register_unwinder

# GStatus and WaitReason, in the order of runtime/sched/g.hpp.
STATUS = ["idle", "runnable", "running", "syscall", "waiting", "dead"]
REASONS = [
    "", "chan receive", "chan send", "select", "select (no cases)", "chan receive (nil chan)",
    "chan send (nil chan)", "sleep", "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock",
    "sync.Cond.Wait", "sync.WaitGroup.Wait", "IO wait", "timer goroutine (idle)", "forever",
]

# Switch frame layouts (arch/<cpu>/frame.h): register -> byte offset, the
# resume address, and the frame size (the stack pointer after the switch).
X86_64 = {"regs": {"r12": 8, "r13": 16, "r14": 24, "r15": 32, "rbx": 40, "rbp": 48},
          "pc": ("rip", 56), "sp": "rsp", "size": 64}
AARCH64 = {"regs": dict([("x29", 0)] + [("x%d" % (19 + k), 16 + 8 * k) for k in range(10)]),
           "pc": ("pc", 8), "sp": "sp", "size": 176, "lr": ("x30", 8)}


def layout():
    name = gdb.selected_inferior().architecture().name()
    return AARCH64 if "aarch64" in name else X86_64


def atomic_value(v):
    # libstdc++'s std::atomic<T>: _M_i for enums/integers, _M_b._M_p for pointers.
    for path in (("_M_i",), ("_M_b", "_M_p")):
        try:
            x = v
            for f in path:
                x = x[f]
            return x
        except gdb.error:
            continue
    return v


def current_sched():
    for name in ("goro::sched::(anonymous namespace)::g_current", "goro::sched::g_current"):
        try:
            return atomic_value(gdb.parse_and_eval("'%s'" % name))
        except gdb.error:
            continue
    raise gdb.GdbError("goro: no runtime pointer found (is the program built with debug info?)")


def all_gs():
    s = current_sched()
    if int(s) == 0:
        raise gdb.GdbError("goro: no runtime is running")
    g = s["allg"]
    while int(g) != 0:
        yield g
        g = g["all_next"]


def state_of(g):
    st = int(atomic_value(g["status"]))
    status = STATUS[st] if st < len(STATUS) else "?"
    if status == "waiting":
        r = int(g["wait_reason"])
        reason = REASONS[r] if r < len(REASONS) else "?"
        return reason or status
    return status


def live(g):
    return STATUS[int(atomic_value(g["status"]))] not in ("idle", "dead")


def saved_registers(g):
    """The registers a parked G resumes with, from its switch frame."""
    ctx = int(g["context"])
    if ctx == 0:
        return None
    lay = layout()
    mem = gdb.selected_inferior().read_memory(ctx, lay["size"])
    word = lambda off: struct.unpack_from("<Q", mem, off)[0]
    regs = {name: word(off) for name, off in lay["regs"].items()}
    pc_name, pc_off = lay["pc"]
    regs[pc_name] = word(pc_off)
    if "lr" in lay:
        regs[lay["lr"][0]] = word(lay["lr"][1])
    regs[lay["sp"]] = ctx + lay["size"]
    return regs


class _FrameId:
    """A frame id for create_unwind_info (gdb >= 14 ships gdb.unwinder.FrameId)."""

    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


FrameId = getattr(gdb.unwinder, "FrameId", _FrameId)


class GoroutineUnwinder(Unwinder):
    """While `target` is set, the innermost frame's caller is the parked G."""

    def __init__(self):
        super().__init__("goro-goroutine")
        self.target = None

    def __call__(self, pending_frame):
        if self.target is None or pending_frame.level() != 0:
            return None
        lay = layout()
        sp = pending_frame.read_register(lay["sp"])
        pc = pending_frame.read_register(lay["pc"][0])
        info = pending_frame.create_unwind_info(FrameId(sp, pc))
        for name, value in self.target.items():
            reg_type = pending_frame.read_register(name).type
            info.add_saved_register(name, gdb.Value(value).cast(reg_type))
        return info


UNWINDER = GoroutineUnwinder()
register_unwinder(None, UNWINDER, replace=True)


# Frames from these source directories are goro's own (the park path).
RUNTIME_DIRS = ("/runtime/", "/arch/", "/include/goro/", "/bits/", "/c++/")


def first_user_function(regs):
    """The innermost frame of a parked G outside goro's runtime: where it waits."""
    UNWINDER.target = regs
    gdb.invalidate_cached_frames()
    try:
        f = gdb.newest_frame().older()
        while f is not None:
            sal = f.find_sal()
            name = f.name()
            path = sal.symtab.fullname() if sal and sal.symtab else ""
            if name and path and not any(d in path for d in RUNTIME_DIRS):
                return name
            f = f.older()
    except gdb.error:
        pass
    finally:
        UNWINDER.target = None
        gdb.invalidate_cached_frames()
    return None


class InfoGoroutines(gdb.Command):
    """info goroutines: every live goroutine of the running goro runtime."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        for g in sorted(all_gs(), key=lambda g: int(g["id"])):
            if not live(g):
                continue
            where = ""
            regs = saved_registers(g) if state_of(g) not in ("running", "syscall") else None
            if regs:
                fn = first_user_function(regs)
                where = " in %s" % fn if fn else ""
            print("goroutine %d [%s]%s" % (int(g["id"]), state_of(g), where))


class GoroutineCommand(gdb.Command):
    """goroutine N bt: the backtrace of goroutine N (any gdb command that
    prints frames works in place of bt)."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        parts = arg.split(None, 1)
        if len(parts) != 2:
            raise gdb.GdbError("usage: goroutine N bt")
        goid, command = int(parts[0]), parts[1]
        g = next((g for g in all_gs() if int(g["id"]) == goid and live(g)), None)
        if g is None:
            raise gdb.GdbError("goroutine %d: no such goroutine" % goid)
        if state_of(g) in ("running", "syscall"):
            raise gdb.GdbError("goroutine %d is running on a thread: use that thread's bt" % goid)
        regs = saved_registers(g)
        if regs is None:
            raise gdb.GdbError("goroutine %d has not started" % goid)
        print("goroutine %d [%s]:" % (goid, state_of(g)))
        UNWINDER.target = regs
        gdb.invalidate_cached_frames()
        try:
            out = gdb.execute(command, to_string=True)
        finally:
            UNWINDER.target = None
            gdb.invalidate_cached_frames()
        # Frame #0 is the thread's own innermost frame: drop it.
        lines = out.splitlines()
        if lines and lines[0].startswith("#0"):
            lines = lines[1:]
            while lines and not lines[0].startswith("#"):
                lines = lines[1:]
        print("\n".join(lines))


InfoGoroutines()
GoroutineCommand()
