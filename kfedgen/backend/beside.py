"""Half of a job in a forked child while this process does the other half.

Listing an output tree (:mod:`kfedgen.backend.treestamp`) and building a new
one (:mod:`kfedgen.backend.staging`) spend their time in system calls, one
directory after another; on two CPUs, two processes working on different
cluster directories take about half the time.  Threads would not: the
per-entry Python work holds the interpreter lock.

The child sends what its half returned through a pipe (``marshal``: strings,
numbers, lists, tuples and dicts only) and leaves with ``os._exit``, running
nothing of this process's (no ``atexit``, no buffered output flushed twice).
A child that fails in any way (an exception, killed, out of memory), or cannot
be forked at all, costs only time: the caller is told, and does that half
itself.  When this process fails during its own half, the child is killed and
reaped before the failure goes on, so nothing is left writing behind the
caller's clean-up.
"""

from __future__ import annotations

import marshal
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Ours = TypeVar("Ours")

# Fewer directories to share (clusters) than this: forking costs more than it saves.
SPLIT_AT = 32


def processes_for(directories: int, processes: int | None) -> int:
    """How many processes share ``directories``: ``processes`` when given, else 2 or 1.

    2 when there are at least :data:`SPLIT_AT` of them and :func:`may_fork`; a
    caller's explicit 1 or 2 (the tests) is taken as it is, but fewer than two
    directories cannot be shared.
    """
    if directories < 2:
        return 1
    if processes is not None:
        return processes
    return 2 if directories >= SPLIT_AT and may_fork() else 1


def may_fork() -> bool:
    """Whether a child may work beside this process: two CPUs, ``fork``, and no other thread.

    A forked child has only the thread that forked; another thread holding a
    lock at that moment would leave it held in the child forever.
    """
    if not hasattr(os, "fork"):
        return False
    # What this process may use (its affinity), not what the machine has.
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return cpus > 1 and threading.active_count() == 1


@dataclass(frozen=True)
class Halves(Generic[Ours]):
    """What both halves returned; ``theirs`` is None when the child failed (``done`` False)."""

    ours: Ours
    theirs: object
    done: bool


def in_halves(theirs: Callable[[], Any], ours: Callable[[], Ours]) -> Halves[Ours]:
    """Run ``theirs`` in a forked child (it returns what ``marshal`` sends) and ``ours`` here."""
    read_end, write_end = os.pipe()
    try:
        child = os.fork()
    except OSError:  # no process to spare (EAGAIN, ENOMEM): the caller does both halves
        os.close(read_end)
        os.close(write_end)
        return Halves(ours(), None, False)
    if child == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        code = 1
        try:
            os.close(read_end)
            payload = marshal.dumps(theirs())
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    reaped = False
    try:
        mine = ours()
        with os.fdopen(read_end, "rb") as pipe:
            read_end = -1
            payload = pipe.read()
        _, status = os.waitpid(child, 0)
        reaped = True
    finally:
        if not reaped:  # this half failed (or was interrupted): stop the child first
            if read_end >= 0:
                os.close(read_end)
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return Halves(mine, None, False)
    return Halves(mine, marshal.loads(payload), True)  # noqa: S302 - our own child, just now
