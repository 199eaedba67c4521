"""The process's stop-signal policy: SIGINT and SIGTERM handled by the caller while a
block runs (:func:`handling_stop_signals`), for the solver's interrupt and the command
line's ``Interrupted`` alike.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def handling_stop_signals(handle: Callable[[int, Any], None]) -> Iterator[None]:
    """Within the block, ``handle`` receives SIGINT and SIGTERM; the previous handlers come
    back after it. Only on the main thread (elsewhere nothing changes), and a signal the
    process ignores (SIGINT of a background job) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
