"""Stopping what runs until it is told to: on Ctrl-C (SIGINT) or SIGTERM.

Such code cannot count on ``KeyboardInterrupt``. A process that a non-interactive shell
starts in the background (``vts live serve &`` in a script, as CI runs its scripts)
inherits SIGINT *ignored*, and Python then installs no handler that raises
``KeyboardInterrupt``: Ctrl-C would never reach it. SIGTERM (``kill``, a supervisor, a
container stopping) never raises it at all. So whatever runs long installs its own
handlers for the time it runs, and puts back what it found when it is done: either
:func:`stop_on_signals` (a loop that checks an event and stops cleanly) or
:func:`interrupt_on_signals` (code whose clean-up already hangs on ``KeyboardInterrupt``).

Signal handlers can be installed from the main thread only; from another thread
:func:`stop_on_signals` installs none (its event is then never set).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], None]


@contextmanager
def _handling(handler: Handler) -> Iterator[None]:
    """``handler`` for both stop signals, whatever the process inherited; then the old ones."""
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM::

    with stop_on_signals() as stop:
        server.start()       # serves in its own thread
        stop.wait()          # until Ctrl-C or SIGTERM
        server.stop()
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals are the main thread's to handle: never set here
        return

    def ask(signum: int, frame: FrameType | None) -> None:
        stop.set()

    with _handling(ask):
        yield stop


@contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """``KeyboardInterrupt`` on SIGINT or SIGTERM, as an interactive Ctrl-C raises it."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    with _handling(interrupt):
        yield
