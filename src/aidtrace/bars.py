"""Progress bars of the command line. In: (done, total) calls from a long step (ingest,
extract, reconcile, export, batch, load). Out: one click progress bar on stderr.

A bar is drawn only when stderr is a terminal and the command was not given --quiet, and
only once the total reaches the step's threshold (short steps finish before a bar helps);
otherwise nothing is written at all, so pipes, log files and tests see no bar.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO, cast

import click

from aidtrace.reconcile_blocks import reconcile_all, reconcile_changes
from aidtrace.store import Store

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


def is_terminal() -> bool:
    """Whether stderr is a terminal (the one check every bar makes; tests replace it)."""
    return sys.stderr.isatty()


class Bar:
    """A progress bar fed with `bar(done, total)` (and an optional line of detail), used as a
    context manager that ends the bar's line. `total` may grow while the step runs."""

    def __init__(self, label: str, *, quiet: bool = False, at_least: int = 1) -> None:
        self.label = label
        self._draw = not quiet and is_terminal()
        self._at_least = at_least
        self._bar: ProgressBar[str] | None = None

    def __call__(self, done: int, total: int, detail: str | None = None) -> None:
        if not self._draw or (self._bar is None and total < self._at_least):
            return
        if self._bar is None:
            self._bar = click.progressbar(
                length=total,
                label=self.label,
                file=cast(TextIO, _Terminal(sys.stderr)),
                show_pos=True,
                item_show_func=lambda line: line,
            )
            self._bar.__enter__()
        self._bar.length = total
        self._bar.update(done - self._bar.pos, detail)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def reconcile_with_bar(
    store: Store,
    *,
    quiet: bool = False,
    workers: int | None = None,
    engine: str = "local",
    address: str | None = None,
) -> int:
    """reconcile_blocks.reconcile_all with a bar of groups (one process) or donors (several)
    done; returns the measures' count."""
    with Bar("reconciling", quiet=quiet) as bar:
        return reconcile_all(store, workers=workers, engine=engine, address=address, progress=bar)


def reconcile_changes_with_bar(store: Store, *, quiet: bool = False) -> int:
    """reconcile_blocks.reconcile_changes with a bar of the pending groups clustered; returns
    the count of measures in the store."""
    with Bar("reconciling", quiet=quiet) as bar:
        return reconcile_changes(store, progress=bar).measures


class _Terminal:
    """stderr as click sees it once `is_terminal` said yes: click asks the stream itself
    whether to draw, and must not decide otherwise than the bar did."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True
