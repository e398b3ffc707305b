"""Per-document budgets: time (seconds per MB of input) and memory (of a worker process).

    seconds_for(size, settings)       the time one document of `size` bytes may take
    within(seconds, where=...)        a block that raises OverBudget when it runs longer
    limit_memory(megabytes)           cap this process's address space (worker processes only)
    start_worker(megabytes)           a worker process's initializer: the cap, and no secrets
    memory_failure(where, settings)   the OverBudget a MemoryError becomes

The clock is SIGALRM (an interval timer), which interrupts pure-Python loops and the `re`
engine alike (CPython's regex engine checks for signals), so a quadratic regex on a long
run of digits ends at the budget instead of holding the process for minutes. Signals only
reach the main thread: elsewhere (a web server's thread pool) `within` cannot interrupt,
which is why the web app extracts uploads in a worker process (its main thread). A budget
of 0 seconds means no limit.
"""

from __future__ import annotations

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
    """A document that took longer than its time budget, or more memory than the worker has."""

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
def within(seconds: float, *, where: str) -> Iterator[None]:
    """Run the block; past `seconds`, raise OverBudget naming `where` (main thread only).
    The timer fires again every REPEAT seconds until the block ends, in case code in it
    catches even BaseException."""
    if seconds <= 0 or not can_interrupt():
        yield
        return
    state = {"active": True}

    def expire(_signum: int, _frame: FrameType | None) -> None:
        if state["active"]:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        yield
    except _Expired:
        raise OverBudget(
            f"{where}: processing took longer than its budget of {seconds:g} s "
            "(AIDTRACE_SECONDS_PER_MB per megabyte, at least one megabyte's worth); "
            "the document may hold a pathological pattern: please report it with this document"
        ) from None
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0]:  # an enclosing timer (a test runner's) goes on
            signal.setitimer(signal.ITIMER_REAL, *outer)


def limit_memory(megabytes: int) -> None:
    """Cap the address space of this process: an allocation past it raises MemoryError.
    For worker processes only (the batch pool, the web app's extraction worker)."""
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
