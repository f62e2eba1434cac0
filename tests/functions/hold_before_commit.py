"""A Lambda container that dies mid-window: run the simulator handler on one event, and
once the window's messages are flushed to the broker (inside its open transaction, before
the commit) write them to ``marker`` and hang until killed.

    python -m tests.functions.hold_before_commit <event.json> <marker> <remaining_ms>

The hold is a patch of the library's ``Producer.flush`` made here, in the test's process,
so production code carries no test hook.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import simulator.outputs.producer
from tests.aws.lambda_support import LambdaContext, load_handler

_flush = simulator.outputs.producer.Producer.flush


def main() -> None:
    event_file, marker, remaining_ms = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])

    def flush_then_hang(
        self: simulator.outputs.producer.Producer, timeout_s: float | None = None
    ) -> Any:
        report = _flush(self, timeout_s)
        marker.write_text(json.dumps(report.as_dict()))
        time.sleep(3600)
        return report

    simulator.outputs.producer.Producer.flush = flush_then_hang  # type: ignore[method-assign]
    app = load_handler("simulator_producer")
    app.lambda_handler(
        json.loads(Path(event_file).read_text()), LambdaContext(remaining_ms=remaining_ms)
    )


if __name__ == "__main__":
    main()
