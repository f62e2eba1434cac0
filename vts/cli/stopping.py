"""Stopping a command that runs until it is told to: on Ctrl-C (SIGINT) or SIGTERM.

Such a command cannot wait for ``KeyboardInterrupt``. A process that a non-interactive
shell starts in the background (``vts live serve &`` in a script, as CI runs its scripts)
inherits SIGINT *ignored*, and Python then installs no handler that raises
``KeyboardInterrupt``: Ctrl-C would never reach it. SIGTERM (``kill``, a supervisor, a
container stopping) never raises it at all. So the command installs its own handlers for
the time it runs, and puts back what it found when it is done.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, whatever the process inherited for them.

    Use from the main thread (Python runs signal handlers there)::

        with stop_on_signals() as stop:
            server.start()       # serves in its own thread
            stop.wait()          # until Ctrl-C or SIGTERM
            server.stop()
    """
    stop = threading.Event()

    def ask(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, ask) for s in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
