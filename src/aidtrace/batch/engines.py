"""Batch engines: where partitions run. In: Partitions. Out: PartitionOutputs, as they finish.

    local   a process pool on this machine (concurrent.futures; one process per core)
    ray     tasks on a Ray cluster (`pip install 'aidtrace[ray]'`; Ray is imported only here)

The two are `LocalTasks` and `RayTasks`, which run any picklable function (`open_tasks`,
`map_tasks`): reconciliation in parallel uses them too, one task per donor.

Both run `work.process_partition`, one call per partition (not per document), so the
overhead of shipping work is paid once per thousand documents. At most two partitions per
worker are in flight: the driver lists inputs lazily and memory stays flat however large
the corpus. Engines never touch the database; the driver writes their outputs to files.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol

from aidtrace.batch.partitions import name
from aidtrace.batch.work import Partition, PartitionOutput, process_partition
from aidtrace.budget import start_worker
from aidtrace.errors import AidtraceError, ConfigError
from aidtrace.settings import Settings

ENGINES = ("local", "ray")
IN_FLIGHT = 2  # partitions per worker: one running, one ready to start
CONNECT_SECONDS = 10


class EngineError(AidtraceError):
    """A worker died (out of memory, killed) or the cluster failed; finished partitions are kept."""

    code = "engine_error"


class Engine(Protocol):
    slots: int  # how many partitions to keep in flight

    def submit(self, partition: Partition) -> Any: ...

    def wait(self, pending: list[Any]) -> tuple[list[PartitionOutput], list[Any]]: ...

    def close(self) -> None: ...


@contextmanager
def open_engine(
    engine: str, *, workers: int | None, address: str | None, settings: Settings, manifest: str | None
) -> Iterator[Engine]:
    """Start the named engine (its workers, or the connection to a cluster); shut it down after."""
    if engine == "local":
        opened: Engine = LocalEngine(workers=workers or cores(), settings=settings, manifest=manifest)
    elif engine == "ray":
        opened = RayEngine(workers=workers, address=address, settings=settings, manifest=manifest)
    else:
        raise ConfigError(f"unknown batch engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    try:
        yield opened
    finally:
        opened.close()


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS says, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_partitions(engine: Engine, partitions: Iterable[Partition]) -> Iterator[PartitionOutput]:
    """Every partition's output, in the order they finish, with at most `engine.slots` in flight."""
    pending: list[Any] = []
    for partition in partitions:
        pending.append(engine.submit(partition))
        while len(pending) >= engine.slots:
            done, pending = engine.wait(pending)
            yield from done
    while pending:
        done, pending = engine.wait(pending)
        yield from done


class LocalTasks:
    """Any picklable function run in a pool of worker processes on this machine. Workers are
    spawned (not forked), so they start clean on every platform and whatever threads the
    driver runs. `memory_mb`: each worker's memory limit (budget.start_worker)."""

    def __init__(self, *, workers: int, memory_mb: int | None = None) -> None:
        self.slots = IN_FLIGHT * workers
        spawn = multiprocessing.get_context("spawn")
        if memory_mb is None:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=spawn)
        else:  # a task past the limit fails with MemoryError, not the machine
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=spawn, initializer=start_worker, initargs=(memory_mb,)
            )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self._pool.submit(fn, *args)

    def wait(self, pending: list[Any]) -> tuple[list[Any], list[Any]]:
        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return list(done), list(rest)

    def result(self, handle: Future[Any]) -> Any:
        """The task's return value; raises what it raised (BrokenProcessPool: a worker died)."""
        return handle.result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class RayTasks:
    """Any picklable function run as Ray tasks (one CPU each), on the cluster at `address` or
    on a Ray started here with `workers` CPUs. Every node needs the same aidtrace installed."""

    def __init__(self, *, workers: int | None, address: str | None) -> None:
        self._ray = _import_ray()
        self._connect(address or os.environ.get("RAY_ADDRESS"), workers)
        self._remote: dict[Callable[..., Any], Any] = {}
        self.slots = IN_FLIGHT * max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    def _connect(self, address: str | None, workers: int | None) -> None:
        options: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
        if address is None:
            options.update(num_cpus=workers, include_dashboard=False)
        else:
            _check_reachable(address)
        try:
            self._ray.init(address=address, **options)
        except ConnectionError as err:
            raise _unreachable(address, err) from None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(num_cpus=1)(fn)
        return self._remote[fn].remote(*args)

    def wait(self, pending: list[Any]) -> tuple[list[Any], list[Any]]:
        ready, rest = self._ray.wait(pending, num_returns=1)
        return list(ready), list(rest)

    def result(self, handle: Any) -> Any:
        """The task's return value; raises what it raised (a ray.exceptions.RayError)."""
        return self._ray.get(handle)

    @property
    def errors(self) -> type[BaseException]:
        return self._ray.exceptions.RayError  # type: ignore[no-any-return]

    def close(self) -> None:
        self._ray.shutdown()


Tasks = LocalTasks | RayTasks


@contextmanager
def open_tasks(
    engine: str, *, workers: int | None, address: str | None = None, memory_mb: int | None = None
) -> Iterator[Tasks]:
    """Start the named engine for any function (`map_tasks`); shut it down after."""
    if engine == "local":
        tasks: Tasks = LocalTasks(workers=workers or cores(), memory_mb=memory_mb)
    elif engine == "ray":
        tasks = RayTasks(workers=workers, address=address)
    else:
        raise ConfigError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    try:
        yield tasks
    finally:
        tasks.close()


def map_tasks(
    tasks: Tasks, fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]], *, what: Callable[[Any], str]
) -> Iterator[Any]:
    """`fn(*call)` for every call, in the order they finish, at most `tasks.slots` in flight.
    A worker that dies or a cluster that fails raises EngineError naming `what(call)`."""
    pending: dict[Any, tuple[Any, ...]] = {}

    def finished() -> Iterator[Any]:
        done, _rest = tasks.wait(list(pending))
        for handle in done:
            call = pending.pop(handle)
            yield _result(tasks, handle, what(call))

    for call in calls:
        pending[tasks.submit(fn, *call)] = call
        while len(pending) >= tasks.slots:
            yield from finished()
    while pending:
        yield from finished()


def _result(tasks: Tasks, handle: Any, what: str) -> Any:
    try:
        return tasks.result(handle)
    except BrokenProcessPool:
        raise EngineError(
            f"a worker process died while {what} (killed, or it could not start: a script needs "
            "`if __name__ == '__main__':`); run the same command again, perhaps with fewer --workers"
        ) from None
    except Exception as err:
        if isinstance(tasks, RayTasks) and isinstance(err, tasks.errors):
            raise EngineError(
                f"Ray failed while {what} ({type(err).__name__}: {err}); check the cluster "
                "('ray status') and run the same command again"
            ) from None
        raise


class LocalEngine:
    """Partitions on a pool of worker processes on this machine (LocalTasks)."""

    def __init__(self, *, workers: int, settings: Settings, manifest: str | None) -> None:
        self._tasks = LocalTasks(workers=workers, memory_mb=settings.memory_mb)
        self.slots = self._tasks.slots
        self._settings, self._manifest = settings, manifest
        self._partition: dict[Future[PartitionOutput], int] = {}

    def submit(self, partition: Partition) -> Future[PartitionOutput]:
        future = self._tasks.submit(process_partition, partition, self._settings, self._manifest)
        self._partition[future] = partition.index
        return future

    def wait(self, pending: list[Any]) -> tuple[list[PartitionOutput], list[Any]]:
        done, rest = self._tasks.wait(pending)
        return [self._result(future) for future in done], rest

    def _result(self, future: Future[PartitionOutput]) -> PartitionOutput:
        index = self._partition.pop(future)
        try:
            output: PartitionOutput = self._tasks.result(future)
        except BrokenProcessPool:
            raise EngineError(
                f"a worker process died while extracting {name(index)} (killed, or it could not "
                "start: a script needs `if __name__ == '__main__':`); "
                "finished partitions are kept: run the same command again, perhaps with a smaller "
                "--partition-size or fewer --workers"
            ) from None
        return output

    def close(self) -> None:
        self._tasks.close()


class RayEngine:
    """Partitions as Ray tasks (RayTasks), on the cluster at `address` or on a Ray started here.

    Every node needs the same aidtrace installed (the workers import it). Results come back
    to the driver, which writes them, so the output folder need not be shared with the nodes;
    input files must be readable at the same paths on every node (archive lines travel with
    the task).
    """

    def __init__(
        self, *, workers: int | None, address: str | None, settings: Settings, manifest: str | None
    ) -> None:
        self._tasks = RayTasks(workers=workers, address=address)
        self.slots = self._tasks.slots
        self._settings, self._manifest = settings, manifest
        self._partition: dict[Any, int] = {}

    def submit(self, partition: Partition) -> Any:
        ref = self._tasks.submit(process_partition, partition, self._settings, self._manifest)
        self._partition[ref] = partition.index
        return ref

    def wait(self, pending: list[Any]) -> tuple[list[PartitionOutput], list[Any]]:
        ready, rest = self._tasks.wait(pending)
        return [self._result(ref) for ref in ready], rest

    def _result(self, ref: Any) -> PartitionOutput:
        index = self._partition.pop(ref)
        try:
            output: PartitionOutput = self._tasks.result(ref)
        except self._tasks.errors as err:
            raise EngineError(
                f"Ray could not run {name(index)} ({type(err).__name__}: {err}); finished partitions "
                "are kept: check the cluster ('ray status') and run the same command again"
            ) from None
        return output

    def close(self) -> None:
        self._tasks.close()


def _check_reachable(address: str) -> None:
    """Fail in seconds on a host:port nobody listens on; Ray itself retries for minutes."""
    host, _, port = address.rpartition(":")
    if not (host and port.isdigit()):
        return  # 'auto', 'ray://...': Ray resolves those itself
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as err:
        raise _unreachable(address, err) from None


def _unreachable(address: str | None, err: Exception) -> ConfigError:
    return ConfigError(
        f"cannot connect to the Ray cluster at {address} ({err}); check --address, "
        "or start a cluster there with 'ray start --head --port=6379'"
    )


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("the ray engine needs Ray: pip install 'aidtrace[ray]'") from None
    return ray
