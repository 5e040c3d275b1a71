"""Ctrl-C during a command: abort before its effect is in place, never after.

Until a render swaps its new tree in, Ctrl-C aborts it (``KeyboardInterrupt``;
the staging directory is removed and the output is untouched).  From the swap
on, the new tree *is* the result: an interrupt could no longer leave the output
untouched, so :func:`commit_point` makes the rest of the command ignore Ctrl-C,
and the command finishes and reports what it did.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class _Scope:
    # True while the command line runs a command: outside it (a library caller,
    # a test calling write() directly) commit_point leaves signals alone.
    active = False


@contextlib.contextmanager
def command_scope(restore: bool = True) -> Iterator[None]:
    """Run one command; afterwards put back the Ctrl-C handling it found (when ``restore``).

    The process entry point passes ``restore=False``: it is about to exit, and
    putting Ctrl-C back would let one arrive after a completed render.
    """
    previous = signal.getsignal(signal.SIGINT)
    _Scope.active = True
    try:
        yield
    finally:
        _Scope.active = False
        current = signal.getsignal(signal.SIGINT)
        if restore and previous is not None and current is not previous and _in_main_thread():
            signal.signal(signal.SIGINT, previous)


def commit_point() -> None:
    """The command's effect is about to be in place: from now on, Ctrl-C is ignored."""
    if _Scope.active and _in_main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_main_thread() -> bool:
    # Only the main thread may change signal handlers.
    return threading.current_thread() is threading.main_thread()
