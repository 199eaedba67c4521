"""Run sweep tasks on worker processes: a local pool, or an existing Dask cluster.

Both runners take the same things: a task function (a module-level function, so it can
be pickled by name), the shared objects every task needs (sent to each worker once),
the tasks, and callbacks for "started" and "finished". Results come back to the calling
process, which alone writes them down.

Faults. A task function returns a result for everything that can go wrong inside a case
(invalid, infeasible, time limit, solver error). A worker process that *dies* loses only
the task it was running: the runner starts a new worker and retries that task once; a
second death stores the task as failed (:func:`failed`). Ctrl-C (KeyboardInterrupt)
collects results that have already arrived, stops every worker and re-raises.

The local pool starts its workers from a fork server (no state inherited from the
caller, whose threads may hold locks; see :func:`_context`) and keeps one task per worker in flight, so it always
knows which task a dead worker held. The Dask runner connects to the scheduler address
it is given and never starts one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from sopopt.errors import ExitCode, Problem, ScenarioError, SopoptError

#: Memory a worker needs beyond the LP (Python, numpy, pandas, HiGHS), in bytes.
WORKER_BASE_BYTES = 200e6
#: Memory per LP column of a worker (model data, LP, HiGHS, plan tables), in bytes; from
#: peak RSS of 116 MB at 1e4 columns, 245 MB at 1e5 and 1.5 GB at 1e6 (docs/benchmarks.md).
WORKER_BYTES_PER_COLUMN = 1.5e3

#: Times a task is tried on workers that die before it counts as failed.
ATTEMPTS = 2

TaskFunction = Callable[[Any, Any], Any]
Started = Callable[[Any, str], None]
Finished = Callable[[Any, Any, str, int], None]


@dataclass(frozen=True)
class Lost:
    """What the runner reports for a task whose worker died on each attempt."""

    message: str


def usable_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def available_memory() -> float:
    """Bytes of memory available: the lower of the system's and the cgroup's free room."""
    free = float("inf")
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    free = float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            used = float(handle.read().strip())
        if limit != "max":
            free = min(free, float(limit) - used)
    except (OSError, ValueError):
        pass
    return free if free != float("inf") else 4e9


def default_workers(columns: int, tasks: int) -> int:
    """Workers for a local pool: one per usable core, fewer when memory (80% of what is
    available, at :data:`WORKER_BASE_BYTES` + :data:`WORKER_BYTES_PER_COLUMN` per LP
    column each) or the number of tasks is smaller."""
    per_worker = WORKER_BASE_BYTES + WORKER_BYTES_PER_COLUMN * columns
    by_memory = int(0.8 * available_memory() // per_worker)
    return max(1, min(usable_cores(), by_memory, tasks))


# ----------------------------------------------------------------------- local pool


def _context(function: TaskFunction) -> Any:
    """``forkserver`` where available (a clean single-threaded parent that has imported
    the task's module once, so each worker starts in milliseconds), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([function.__module__])
        return context
    return multiprocessing.get_context("spawn")


def _worker_main(conn: Connection, function: TaskFunction) -> None:
    """A worker process: receive the shared objects, then solve each task received until
    told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller decides when to stop
    try:
        shared = conn.recv()
        while (task := conn.recv()) is not None:
            conn.send(function(task, shared))
    except (EOFError, BrokenPipeError):
        return  # the caller went away
    except KeyboardInterrupt as exc:  # SIGTERM mid-solve (the caller stops its workers): quietly
        os._exit(int(getattr(exc, "exit_code", 143)))


class _Slot:
    """One worker process and the task it holds."""

    def __init__(self, context: Any, function: TaskFunction, shared: Any, number: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, function),
                                       name=f"sopopt-worker-{number}", daemon=True)
        self.process.start()
        child.close()
        # Sent through the pipe rather than as a start argument: large objects travel
        # in one framed message, and the fork server only sees the small start request.
        try:
            self.conn.send(shared)
        except OSError:
            pass  # the worker died at start: the runner sees its sentinel
        self.name = f"{socket.gethostname()}:{self.process.pid}"
        self.task: Any = None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)
        self.conn.close()


def run_local(function: TaskFunction, shared: Any, tasks: Iterable[Any], workers: int,
              started: Started, finished: Finished) -> None:
    """Run tasks on ``workers`` local processes; see the module docstring for faults."""
    pool = _LocalPool(function, shared, deque(tasks), workers, started, finished)
    try:
        while pool.busy():
            pool.dispatch()
            pool.collect()
    except KeyboardInterrupt:
        pool.keep_arrived()
        raise
    finally:
        pool.close()


class _LocalPool:
    """The worker slots of :func:`run_local`, the queue of tasks and their attempts."""

    def __init__(self, function: TaskFunction, shared: Any, queue: deque[Any], workers: int, started: Started,
                 finished: Finished) -> None:
        self.context = _context(function)
        self.function, self.shared, self.queue = function, shared, queue
        self.started, self.finished = started, finished
        self.attempts: dict[int, int] = {}
        count = max(1, min(workers, len(queue)))
        self.slots = [_Slot(self.context, function, shared, i + 1) for i in range(count)]
        self.spawned = count

    def busy(self) -> bool:
        """True while a task waits or runs."""
        return bool(self.queue) or any(s.task is not None for s in self.slots)

    def dispatch(self) -> None:
        """Give every idle worker the next task."""
        for slot in self.slots:
            if slot.task is None and self.queue:
                slot.task = self.queue.popleft()
                self.attempts[id(slot.task)] = self.attempts.get(id(slot.task), 0) + 1
                slot.conn.send(slot.task)
                self.started(slot.task, slot.name)

    def collect(self) -> None:
        """Wait for a result or a dead worker; report results, replace dead workers."""
        busy = [s.conn for s in self.slots if s.task is not None]
        ready = wait(busy + [s.process.sentinel for s in self.slots])
        for i, slot in enumerate(self.slots):
            if slot.task is not None and slot.conn in ready and _receive(slot, self.finished, self.attempts):
                continue
            if slot.process.sentinel in ready or slot.conn in ready:  # died, or its pipe broke
                slot.process.join(5)
                self.spawned += 1
                self.slots[i] = _replace(slot, self.context, self.function, self.shared, self.spawned, self.queue,
                                         self.attempts, self.finished)

    def keep_arrived(self) -> None:
        """Report the results that have already come back (on Ctrl-C)."""
        for slot in self.slots:
            if slot.task is not None and slot.conn.poll(0):
                _receive(slot, self.finished, self.attempts)

    def close(self) -> None:
        """Tell idle workers to stop, then stop every worker."""
        for slot in self.slots:
            if slot.process.is_alive() and slot.task is None:
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
        for slot in self.slots:
            slot.stop()


def _receive(slot: _Slot, finished: Finished, attempts: Mapping[int, int]) -> bool:
    """Read a finished task's result; False when the worker's pipe broke (it died)."""
    try:
        result = slot.conn.recv()
    except (EOFError, OSError):
        return False
    task, slot.task = slot.task, None
    finished(task, result, slot.name, attempts.get(id(task), 1))
    return True


def _replace(slot: _Slot, context: Any, function: TaskFunction, shared: Any, number: int, queue: deque[Any],
             attempts: Mapping[int, int], finished: Finished) -> _Slot:
    """A new worker in place of a dead one; its task is retried or given up."""
    task = slot.task
    slot.task = None
    slot.stop()
    if task is not None:
        tries = attempts.get(id(task), 1)
        if tries < ATTEMPTS:
            queue.appendleft(task)
        else:
            finished(task, Lost(f"worker process died on each of {tries} attempts "
                                f"(exit code {slot.process.exitcode})"), slot.name, tries)
    return _Slot(context, function, shared, number)


# ---------------------------------------------------------------------- Dask cluster


#: Seconds to reach a Dask scheduler before giving up (``--connect-timeout``).
CONNECT_TIMEOUT = 10.0


class ClusterError(SopoptError):
    """The Dask scheduler cannot be reached or used (an environment problem: exit 5)."""

    exit_code = ExitCode.OUTPUT


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Refuse a malformed scheduler address (exit 2) and one that does not answer within
    ``timeout`` seconds (exit 5), before anything runs."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=True)
        host, port = parse_host_port(location)
        if scheme not in ("tcp", "tls") or not host or not 0 < int(port) < 65536:
            raise ValueError("give tcp://HOST:PORT or tls://HOST:PORT")
    except (ValueError, TypeError) as exc:
        raise ScenarioError([Problem(None, "--scheduler", f"'{address}' is not a Dask scheduler address ({exc})",
                                     "e.g. tcp://scheduler-host:8786")]) from None
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ClusterError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                           f"(--connect-timeout): {reason}") from None


def run_dask(address: str, function: TaskFunction, shared: Any, tasks: Iterable[Any],
             started: Started, finished: Finished, connect_timeout: float = CONNECT_TIMEOUT) -> list[str]:
    """Run tasks on the existing Dask cluster at ``address``; returns its worker
    addresses. A task whose future fails (its worker died and Dask gave up, or the
    connection broke) is submitted once more, then reported as :class:`Lost`.

    Raises:
        ClusterError: the scheduler did not answer as a Dask scheduler in time.
    """
    from distributed import Client

    check_scheduler(address, connect_timeout)
    made: list[Any] = []
    # A server that accepts but never answers holds Client() past its own timeout: the
    # handshake runs in a daemon thread given the same time.
    thread = threading.Thread(target=_connect_client, args=(Client, address, connect_timeout, made), daemon=True)
    thread.start()
    thread.join(connect_timeout + 1)
    if not made or isinstance(made[0], BaseException):
        reason = str(made[0]).splitlines()[0] if made and str(made[0]).strip() else "no Dask handshake"
        raise ClusterError(f"cannot use the Dask scheduler at {address} (--connect-timeout {connect_timeout:g} s): "
                           f"{reason}")
    client = made[0]
    with client:
        return _run_on(client, address, function, shared, tasks, started, finished)


def _connect_client(client_type: Any, address: str, timeout: float, made: list[Any]) -> None:
    """Connect a Dask client (in a thread); append it, or the error, to ``made``."""
    try:
        made.append(client_type(address, timeout=f"{timeout}s"))
    except Exception as exc:  # any failure to connect is reported as one line
        made.append(exc)


def _run_on(client: Any, address: str, function: TaskFunction, shared: Any, tasks: Iterable[Any],
            started: Started, finished: Finished) -> list[str]:
    """The tasks on a connected Dask client (see :func:`run_dask`); its worker addresses."""
    from distributed import as_completed

    workers = list(client.scheduler_info().get("workers", {}))
    on_cluster = client.scatter(shared, broadcast=True)
    pending: dict[Any, tuple[Any, int]] = {}
    for task in tasks:
        pending[client.submit(function, task, on_cluster, pure=False)] = (task, 1)
        started(task, address)
    flow = as_completed(list(pending))
    try:
        for future in flow:
            task, tries = pending.pop(future)
            try:
                result, where = future.result(), "?"
            except Exception as exc:
                if tries < ATTEMPTS:
                    retry = client.submit(function, task, on_cluster, pure=False)
                    pending[retry] = (task, tries + 1)
                    flow.add(retry)
                    continue
                result, where = Lost(f"failed on the cluster {tries} times: {exc}"), address
            finished(task, result, where, tries)
    except KeyboardInterrupt:
        client.cancel(list(pending))
        raise
    return workers
