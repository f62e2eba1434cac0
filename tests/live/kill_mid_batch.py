"""``vts live run`` killed mid-batch: after the handler applied batch ``n`` to the store and
before its offsets are committed, the process SIGKILLs itself. Each handled batch's
record count goes to ``marker`` (one line each) first.

    python -m tests.live.kill_mid_batch <marker> <n> <vts live run arguments...>

The kill is a patch of ``LiveConsumer.handle`` made here, in the test's process, so
production code carries no test hook.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from vts.cli.main import main
from vts.live.consumer import LiveConsumer

_handle = LiveConsumer.handle


def run() -> int:
    marker, kill_at, argv = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    calls = [0]

    def handle_then_die(self: LiveConsumer, event: Any, **kw: Any) -> Any:
        report = _handle(self, event, **kw)
        calls[0] += 1
        with marker.open("a") as out:
            out.write(f"{report.records}\n")
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return report

    LiveConsumer.handle = handle_then_die  # type: ignore[method-assign]
    return main(["live", "run", *argv])


if __name__ == "__main__":
    sys.exit(run())
