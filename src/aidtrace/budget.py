"""Per-document budgets: time (seconds per MB of input) and memory (of a worker process).

    seconds_for(size, settings)       the time one document of `size` bytes may take
    spending(size, settings, where=)  both budgets of one document: time and memory
    within(seconds, where=...)        a block that raises OverBudget when it runs longer
    memory_cap(megabytes)             a block that may allocate at most `megabytes` more
    limit_memory(megabytes)           cap this process's address space (worker processes)
    start_worker(megabytes)           a worker process's initializer: the cap, and no secrets
    memory_failure(where, settings)   the OverBudget a MemoryError becomes

On the main thread the clock is SIGALRM (an interval timer), which interrupts pure-Python
loops and the `re` engine alike (CPython's regex engine checks for signals), so a quadratic
regex on a long run of digits ends at the budget instead of holding the process for
minutes. Signals only reach the main thread: on any other thread (a program calling
`aidtrace.extract` from its thread pool) a timer thread raises the same exception in the
working thread (PyThreadState_SetAsyncExc), which lands at its next Python instruction, so
a loop stops at the budget and one long regex match at its end. The web app still extracts
uploads in a worker process, where both budgets are exact. A budget of 0 means no limit.

Memory: the address space (RLIMIT_AS) is a property of the process, so a document's cap is
"what the process holds now plus the budget", set on entry and lifted on exit. It is
applied on the main thread only (threads share the process: one thread's cap would bound
the others' documents); worker processes also carry a cap for their whole life.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from aidtrace.errors import InputError
from aidtrace.settings import Settings

MEGABYTE = 1_000_000
REPEAT = 0.5  # seconds between further timer signals once the budget is spent


class OverBudget(InputError):
    """A document that took longer than its time budget, or more memory than its memory budget."""

    code = "over_budget"


def seconds_for(size: int, settings: Settings) -> float:
    """Every document gets the budget of at least 1 MB; larger ones in proportion."""
    return settings.seconds_per_mb * max(1.0, size / MEGABYTE)


def can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Expired(BaseException):
    """Raised by the timer. Not an Exception, so that a library's `except Exception` (pypdf
    and trafilatura have several) cannot swallow it; `within` turns it into OverBudget."""


@contextmanager
def spending(size: int, settings: Settings, *, where: str) -> Iterator[None]:
    """The budgets of one document of `size` bytes: its time, and on the main thread its
    memory (a MemoryError in the block is left to the caller: `memory_failure`)."""
    with memory_cap(settings.memory_mb), within(seconds_for(size, settings), where=where):
        yield


@contextmanager
def within(seconds: float, *, where: str) -> Iterator[None]:
    """Run the block; past `seconds`, raise OverBudget naming `where`. The timer fires again
    every REPEAT seconds until the block ends, in case code in it catches even
    BaseException."""
    if seconds <= 0:
        yield
        return
    clock = _signal_clock if can_interrupt() else _thread_clock
    try:
        with clock(seconds):
            yield
    except _Expired:
        raise OverBudget(
            f"{where}: processing took longer than its budget of {seconds:g} s "
            "(AIDTRACE_SECONDS_PER_MB per megabyte, at least one megabyte's worth); "
            "the document may hold a pathological pattern: please report it with this document"
        ) from None


@contextmanager
def _signal_clock(seconds: float) -> Iterator[None]:
    state = {"active": True}

    def expire(_signum: int, _frame: FrameType | None) -> None:
        if state["active"]:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        yield
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0]:  # an enclosing timer (a test runner's) goes on
            signal.setitimer(signal.ITIMER_REAL, *outer)


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)


@contextmanager
def _thread_clock(seconds: float) -> Iterator[None]:
    """The clock of a thread other than the main one: a timer thread that raises _Expired
    in it (again every REPEAT seconds) until the block ends. The lock makes ending and
    firing exclusive, and a pending exception that has not landed yet is withdrawn on exit,
    so nothing is raised in the thread after the block."""
    target = threading.get_ident()
    lock = threading.Lock()
    done = threading.Event()
    state = {"active": True, "fired": False}

    def watch() -> None:
        wait = seconds
        while not done.wait(wait):
            with lock:
                if not state["active"]:
                    return
                state["fired"] = True
                _set_async_exc(target, ctypes.py_object(_Expired))
            wait = REPEAT

    def stop() -> None:
        with lock:
            state["active"] = False
            if state["fired"]:
                _set_async_exc(target, ctypes.py_object())  # NULL: withdraw a pending one
        done.set()

    timer = threading.Thread(target=watch, name="aidtrace-budget", daemon=True)
    timer.start()
    try:
        yield
    finally:
        while not done.is_set():
            try:
                stop()
            except _Expired:  # landed while stopping: the block is over, stop again
                continue
        timer.join()


@contextmanager
def memory_cap(megabytes: int) -> Iterator[None]:
    """Let the block allocate at most `megabytes` more address space than the process holds
    now (main thread only; see the module docstring); the previous limit returns after."""
    if megabytes <= 0 or not _can_cap():
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + megabytes * 1024 * 1024
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _can_cap() -> bool:
    return threading.current_thread() is threading.main_thread() and os.path.exists("/proc/self/statm")


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux: /proc/self/statm, in pages)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()


def limit_memory(megabytes: int) -> None:
    """Cap the address space of this process for its whole life: an allocation past it
    raises MemoryError. For worker processes (the batch pool, the web app's extraction
    worker); a document's own cap is `memory_cap`."""
    if megabytes <= 0:
        return
    cap = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


SECRETS = ("AIDTRACE_TOKEN", "AIDTRACE_SECRET")


def start_worker(megabytes: int) -> None:
    """Initializer of a worker process that reads untrusted documents: the memory cap, and
    the server's secrets dropped from its environment (a worker never needs them, and what
    it starts must not inherit them)."""
    for name in SECRETS:
        os.environ.pop(name, None)
    limit_memory(megabytes)


def memory_failure(where: str, settings: Settings) -> OverBudget:
    return OverBudget(
        f"{where}: processing needed more memory than the worker's budget of {settings.memory_mb:,} MB "
        "(AIDTRACE_MEMORY_MB); the document may be a decompression bomb or hold a pathological "
        "structure: please report it with this document"
    )
